"""FAISS vector store: inner product over L2-normalised vectors, int64 ids = chunk row ids."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np


class VectorStore(Protocol):
    """Small backend interface so other ANN libraries can be plugged in."""

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[list[tuple[int, float]]]: ...

    def reconstruct(self, ids: np.ndarray) -> np.ndarray: ...

    @property
    def ntotal(self) -> int: ...


def choose_factory(factory: str, n: int, approximate_above: int) -> str:
    """Resolve 'auto': exact Flat for small corpora, HNSW (no training, good recall) above."""
    if factory != "auto":
        return factory
    return "IDMap2,Flat" if n <= approximate_above else "IDMap2,HNSW32"


class FaissStore:
    """A FAISS index wrapped with id mapping, search parameters and safe I/O."""

    def __init__(self, index: Any, factory: str, *, ef_search: int = 128, nprobe: int = 32) -> None:
        self.index = index
        self.factory = factory
        self.ef_search = ef_search
        self.nprobe = nprobe

    @classmethod
    def build(
        cls,
        vectors: np.ndarray,
        ids: np.ndarray,
        factory: str,
        *,
        ef_search: int = 128,
        nprobe: int = 32,
        seed: int = 1234,
    ) -> FaissStore:
        import faiss

        dim = int(vectors.shape[1])
        spec = factory if factory.startswith("IDMap") else f"IDMap2,{factory}"
        index = faiss.index_factory(dim, spec, faiss.METRIC_INNER_PRODUCT)
        if not index.is_trained:
            if len(vectors) == 0:
                raise ValueError(f"factory {factory!r} needs training vectors; the corpus is empty")
            rng = np.random.default_rng(seed)
            sample = vectors if len(vectors) <= 200_000 else vectors[rng.choice(len(vectors), 200_000, replace=False)]
            faiss.ParameterSpace().set_index_parameter(index, "verbose", 0)
            index.train(np.ascontiguousarray(sample, dtype=np.float32))
        if len(vectors):
            index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))
        return cls(index, spec, ef_search=ef_search, nprobe=nprobe)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, factory: str, *, mmap: bool = True, ef_search: int = 128, nprobe: int = 32) -> FaissStore:
        import faiss

        flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if mmap else 0
        try:
            index = faiss.read_index(str(path), flags)
        except RuntimeError:
            index = faiss.read_index(str(path))
        return cls(index, factory, ef_search=ef_search, nprobe=nprobe)

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    def _params(self, allowed: np.ndarray | None) -> Any:
        import faiss

        selector = faiss.IDSelectorBatch(allowed.astype(np.int64)) if allowed is not None else None
        inner = faiss.downcast_index(self.index.index) if hasattr(self.index, "index") else self.index
        if isinstance(inner, faiss.IndexHNSW):
            return faiss.SearchParametersHNSW(sel=selector, efSearch=self.ef_search)
        if isinstance(inner, faiss.IndexIVF):
            return faiss.SearchParametersIVF(sel=selector, nprobe=self.nprobe)
        return faiss.SearchParameters(sel=selector) if selector is not None else None

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[list[tuple[int, float]]]:
        """Top ``k`` (id, score) per query; FAISS's -1 padding dropped; ties by id."""
        if self.ntotal == 0:
            return [[] for _ in range(len(queries))]
        k = min(k, self.ntotal)
        params = self._params(allowed)
        q = np.ascontiguousarray(queries, dtype=np.float32)
        scores, ids = self.index.search(q, k, params=params) if params is not None else self.index.search(q, k)
        out = []
        for row_s, row_i in zip(scores, ids, strict=True):
            hits = [(int(i), float(s)) for i, s in zip(row_i, row_s, strict=True) if i != -1]
            out.append(sorted(hits, key=lambda x: (-x[1], x[0])))
        return out

    def reconstruct(self, ids: np.ndarray) -> np.ndarray:
        return np.vstack([self.index.reconstruct(int(i)) for i in ids]) if len(ids) else np.zeros((0, self.index.d), np.float32)
