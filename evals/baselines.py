"""Plain retrieval baselines over a set's own records, run in the same process as Curbside.

* ``bm25`` — bm25s (Lucene scoring, English stop words, Snowball English stemmer when PyStemmer is
  installed) over ``title + " " + text`` of each record, as in ``../shared/data/beir/probe_bm25.py``.
* ``dense`` — the same embedding model as the index, one vector per whole record
  (``title + "\\n" + text``, truncated by the model), exact FAISS inner-product search. Record vectors
  go through the shared embedding cache (:mod:`curbside.index.cache`), so a second run over the same
  corpus encodes no records; each query is encoded afresh, as a new question would be.
* ``rrf`` — reciprocal-rank fusion (k = 60, equal weights) of the two rankings above, with
  :func:`curbside.qa.retrieval.rrf_fuse`; its latency is the sum of both searches plus the fusion.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from curbside.evals.sets import CorpusRecord
from curbside.index.cache import EmbeddingCache, encode_with_cache
from curbside.index.encoder import TextEncoder
from curbside.qa.retrieval import rrf_fuse

PLAIN_SYSTEMS = ("bm25", "dense", "rrf")


@dataclass
class Ranked:
    """Record indices, best first, and the milliseconds the search took."""

    indices: list[int]
    ms: float


def _stemmer() -> Any:
    try:
        import Stemmer

        return Stemmer.Stemmer("english")
    except ImportError:  # PyStemmer is a dependency, but keep the baseline usable without it
        return None


class BM25Baseline:
    name = "bm25"

    def __init__(self, records: Sequence[CorpusRecord]) -> None:
        import bm25s

        self._bm25s = bm25s
        self.stemmer = _stemmer()
        self.n = len(records)
        texts = [f"{r.title} {r.text}".strip() for r in records]
        tokens = bm25s.tokenize(texts, stopwords="en", stemmer=self.stemmer, show_progress=False)
        self.retriever = bm25s.BM25()
        self.retriever.index(tokens, show_progress=False)

    def search(self, query: str, k: int) -> Ranked:
        t0 = time.perf_counter()
        k = min(k, self.n)
        tokens = self._bm25s.tokenize([query], stopwords="en", stemmer=self.stemmer, show_progress=False)
        if not tokens.vocab:  # every query word is a stop word or unknown
            return Ranked([], (time.perf_counter() - t0) * 1e3)
        docs, scores = self.retriever.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        out = [int(d) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
        return Ranked(out, (time.perf_counter() - t0) * 1e3)


class DenseBaseline:
    name = "dense"

    def __init__(self, records: Sequence[CorpusRecord], encoder: TextEncoder, cache: EmbeddingCache | None,
                 *, batch_size: int = 64) -> None:
        import faiss

        self.encoder = encoder
        self.cache = cache
        self.batch_size = batch_size
        texts = [f"{r.title}\n{r.text}".strip() for r in records]
        vectors, self.encoded = encode_with_cache(
            texts, encoder.model_id, self._encode, encoder.dim, cache, batch=max(batch_size, 256)
        )
        self.index = faiss.IndexFlatIP(encoder.dim)
        if len(vectors):
            self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        self.n = len(records)
        self.query_encoded = 0

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.encoder.encode(texts, batch_size=self.batch_size)

    def search(self, query: str, k: int) -> Ranked:
        t0 = time.perf_counter()
        vec = self._encode([query])  # queries are not cached, so latency is that of a new question
        self.query_encoded += 1
        k = min(k, self.n)
        if k <= 0:
            return Ranked([], (time.perf_counter() - t0) * 1e3)
        _, ids = self.index.search(np.ascontiguousarray(vec, dtype=np.float32), k)
        return Ranked([int(i) for i in ids[0] if i >= 0], (time.perf_counter() - t0) * 1e3)


def fuse(bm25: Ranked, dense: Ranked, k: int, rrf_k: int = 60) -> Ranked:
    t0 = time.perf_counter()
    fused = rrf_fuse([bm25.indices, dense.indices], [1.0, 1.0], k=rrf_k)
    ms = (time.perf_counter() - t0) * 1e3 + bm25.ms + dense.ms
    return Ranked([i for i, _ in fused[:k]], ms)


class PlainBaselines:
    """bm25, dense and their RRF over one list of records; ids are the records' ids."""

    def __init__(self, records: Sequence[CorpusRecord], encoder: TextEncoder | None,
                 cache: EmbeddingCache | None = None) -> None:
        self.ids = [r.id for r in records]
        self.bm25 = BM25Baseline(records)
        self.dense = DenseBaseline(records, encoder, cache) if encoder is not None else None

    @property
    def names(self) -> list[str]:
        return ["bm25", "dense", "rrf"] if self.dense is not None else ["bm25"]

    def search(self, query: str, k: int) -> dict[str, tuple[list[str], float]]:
        """{system: (ranked record ids, ms)} for one query."""
        b = self.bm25.search(query, k)
        out = {"bm25": ([self.ids[i] for i in b.indices], b.ms)}
        if self.dense is not None:
            d = self.dense.search(query, k)
            r = fuse(b, d, k)
            out["dense"] = ([self.ids[i] for i in d.indices], d.ms)
            out["rrf"] = ([self.ids[i] for i in r.indices], r.ms)
        return out
