"""Sentences of passages, with offsets, and a cached sentence embedder shared by rescoring and
composition (so each sentence is embedded once per process)."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from curbside.index.cache import text_hash
from curbside.index.encoder import TextEncoder
from curbside.ingest.chunking import citable_sentences
from curbside.ingest.instructions import PATTERN as INJECTION
from curbside.ingest.pdftext import is_bibliography
from curbside.qa.types import Passage

_BOILERPLATE = re.compile(
    r"(curbside summary|not the source document|read the source at|written in our own words)", re.I
)


@dataclass(frozen=True)
class Sentence:
    passage_index: int
    start: int  # within the chunk text
    end: int
    text: str


def passage_sentences(passages: Sequence[Passage], *, min_chars: int = 25, max_chars: int = 700) -> list[Sentence]:
    """Citable sentences of each passage (offsets relative to the chunk text).

    A reference list has none: its entries are the titles of other works, which match a question
    on their topic without answering it.
    """
    out: list[Sentence] = []
    for i, passage in enumerate(passages):
        if is_bibliography(passage.chunk.section):
            continue
        text = passage.chunk.text
        lines = passage.document.source_type != "pdf"
        for start, end in _usable_spans(text, lines, min_chars, max_chars):
            out.append(Sentence(i, start, end, text[start:end]))
    return out


@lru_cache(maxsize=20_000)
def _usable_spans(text: str, lines: bool, min_chars: int, max_chars: int) -> tuple[tuple[int, int], ...]:
    """Sentence spans worth citing or scoring; cached, since the same chunks come back query after query."""
    spans = []
    for start, end in citable_sentences(text, lines=lines, max_chars=max_chars):
        sent = text[start:end]
        if len(sent) < min_chars or _BOILERPLATE.search(sent) or INJECTION.search(sent):
            continue
        spans.append((start, end))
    return tuple(spans)


class SentenceEmbedder:
    """Embeds sentences through an LRU cache keyed by text hash."""

    def __init__(
        self,
        encoder: TextEncoder,
        *,
        capacity: int = 50_000,
        lookup: Callable[[Sequence[str]], dict[str, np.ndarray]] | None = None,
    ) -> None:
        self.encoder = encoder
        self.lookup = lookup
        self.capacity = capacity
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.encoder.dim), dtype=np.float32)
        keys = [text_hash(t) for t in texts]
        with self._lock:
            missing = [i for i, k in enumerate(keys) if k not in self._cache]
        if missing and self.lookup is not None:
            stored = self.lookup([keys[i] for i in missing])
            if stored:
                with self._lock:
                    for k, v in stored.items():
                        self._cache[k] = v
                missing = [i for i in missing if keys[i] not in stored]
        if missing:
            todo = list(dict.fromkeys(keys[i] for i in missing))
            first = {k: texts[keys.index(k)] for k in todo}
            vecs = self.encoder.encode([first[k] for k in todo], batch_size=64)
            with self._lock:
                for k, v in zip(todo, vecs, strict=True):
                    self._cache[k] = v
                while len(self._cache) > self.capacity:
                    self._cache.popitem(last=False)
        with self._lock:
            out = []
            for k in keys:
                vec = self._cache.get(k)
                if vec is None:  # evicted between the two locks: embed directly
                    vec = self.encoder.encode([texts[keys.index(k)]])[0]
                else:
                    self._cache.move_to_end(k)
                out.append(vec)
        return np.vstack(out).astype(np.float32)
