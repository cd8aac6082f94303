"""BM25 lexical index (bm25s) over stemmed, stop-worded tokens; saved as plain numpy/JSON files."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _bm25s() -> Any:
    """bm25s, imported on first use. It sets its own logger to DEBUG on import, so every build
    printed "DEBUG bm25s: Building index from tokens" wherever the application logs to stderr
    (the CLI does): the level goes back to the application's (NOTSET inherits it)."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.NOTSET)
    return bm25s


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-case word tokens, English stop words removed, Snowball-stemmed."""
    bm25s = _bm25s()

    out = bm25s.tokenize(
        list(texts), stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False
    )
    return [list(t) for t in out]


class LexicalIndex:
    """BM25 over row positions 0..N-1 (the chunk table maps positions to chunks)."""

    def __init__(self, retriever: Any, n_docs: int) -> None:
        self._bm25 = retriever
        self.n_docs = n_docs

    @classmethod
    def build(cls, texts: Sequence[str], *, k1: float = 1.2, b: float = 0.75) -> LexicalIndex:
        bm25s = _bm25s()

        retriever = bm25s.BM25(k1=k1, b=b)
        tokens = tokenize(texts)
        retriever.index(tokens, show_progress=False)
        return cls(retriever, len(texts))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._bm25.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> LexicalIndex:
        bm25s = _bm25s()

        retriever = bm25s.BM25.load(str(directory), mmap=mmap, show_progress=False)
        return cls(retriever, int(retriever.scores["num_docs"]))

    def has_term(self, word: str) -> bool:
        """Whether the (stemmed) word occurs anywhere in the indexed text; stop words count as present."""
        tokens = tokenize([word])[0]
        vocab = self._bm25.vocab_dict
        return all(t in vocab for t in tokens)

    def scores(self, query: str, mask: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every position for ``query`` (zeros where no term matches)."""
        tokens = tokenize([query])[0]
        ids = self._bm25.get_tokens_ids(tokens)
        if not ids or self.n_docs == 0:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(ids, weight_mask=mask), dtype=np.float32)

    def search(
        self, query: str, k: int, mask: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Top ``k`` (position, score) pairs with score > 0, ties broken by position."""
        scores = self.scores(query, mask)
        if not len(scores):
            return []
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        ranked = sorted(((int(i), float(scores[i])) for i in top), key=lambda x: (-x[1], x[0]))
        return [(i, s) for i, s in ranked if s > 0]
