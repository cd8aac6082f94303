"""FAISS vector store: inner product over L2-normalised vectors, int64 ids = chunk row ids."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any, Protocol

import numpy as np

# FAISS and torch share the CPU; busy-waiting OpenMP threads from one starve the other on small
# machines (seen: 400 ms instead of 20 ms per query on 2 cores). Must be set before faiss loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


class VectorStore(Protocol):
    """Small backend interface so other ANN libraries can be plugged in."""

    def search(self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[list[tuple[int, float]]]: ...

    def reconstruct(self, ids: np.ndarray) -> np.ndarray: ...

    @property
    def ntotal(self) -> int: ...


def ivf_lists(n: int) -> int:
    """Inverted lists for an IVF index: about 2·sqrt(n), a power of two, within [64, 65536]."""
    target = 2 * math.sqrt(max(n, 1))
    return int(min(65536, max(64, 2 ** round(math.log2(target)))))


def choose_factory(factory: str, n: int, approximate_above: int) -> str:
    """Resolve 'auto' from the corpus size (thresholds measured in benchmarks/RESULTS.md).

    Exact ``Flat`` while small; above ``approximate_above`` an IVF index with 8-bit scalar
    quantisation (a quarter of Flat's memory), searched with ``nprobe`` lists and re-ranked
    exactly against float16 vectors kept on disk (memory-mapped).
    """
    if factory != "auto":
        return factory
    return "IDMap2,Flat" if n <= approximate_above else f"IDMap2,IVF{ivf_lists(n)},SQ8"


def is_compressed(factory: str) -> bool:
    """Whether stored vectors are lossy (PQ/SQ codes), so an exact re-rank pays off."""
    return bool(re.search(r"(PQ|SQ|RQ|LSH)", factory))


class FaissStore:
    """A FAISS index wrapped with id mapping, search parameters and safe I/O."""

    def __init__(
        self,
        index: Any,
        factory: str,
        *,
        ef_search: int = 128,
        nprobe: int = 32,
        rerank_vectors: np.ndarray | None = None,
        rerank_factor: int = 4,
    ) -> None:
        self.index = index
        self.factory = factory
        self.ef_search = ef_search
        self.nprobe = nprobe
        # exact vectors (float16, usually a read-only memmap) indexed by id == row position
        self.rerank_vectors = rerank_vectors
        self.rerank_factor = rerank_factor

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
            inner = faiss.extract_index_ivf(index) if "IVF" in spec else None
            limit = 64 * inner.nlist if inner is not None else 200_000
            if inner is not None:
                inner.cp.niter = 12  # k-means converges well before faiss's default 25 here
                inner.cp.seed = seed
            sample = vectors if len(vectors) <= limit else vectors[np.sort(rng.choice(len(vectors), limit, replace=False))]
            index.train(np.ascontiguousarray(sample, dtype=np.float32))
        if "IVF" in spec:
            faiss.extract_index_ivf(index).make_direct_map()  # reconstruct() for filtered searches
        if len(vectors):
            index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))
        return cls(index, spec, ef_search=ef_search, nprobe=nprobe)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    def save_rerank_vectors(self, vectors: np.ndarray, path: Path) -> None:
        """Keep exact float16 vectors beside a compressed index for the re-rank stage."""
        np.save(path, np.asarray(vectors, dtype=np.float16))

    @classmethod
    def load(
        cls, path: Path, factory: str, *, mmap: bool = True, ef_search: int = 128, nprobe: int = 32
    ) -> FaissStore:
        import faiss

        flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if mmap else 0
        try:
            index = faiss.read_index(str(path), flags)
        except RuntimeError:
            index = faiss.read_index(str(path))
        rerank_path = path.with_name("vectors.f16.npy")
        rerank = np.load(rerank_path, mmap_mode="r" if mmap else None) if rerank_path.is_file() else None
        return cls(index, factory, ef_search=ef_search, nprobe=nprobe, rerank_vectors=rerank)

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    def _params(self, allowed: np.ndarray | None) -> Any:
        import faiss

        selector = faiss.IDSelectorBatch(allowed.astype(np.int64)) if allowed is not None else None
        inner = faiss.downcast_index(self.index.index) if hasattr(self.index, "index") else self.index
        # faiss's bundled type stubs lack these classes' keyword constructors (SWIG adds them)
        if isinstance(inner, faiss.IndexHNSW):
            return faiss.SearchParametersHNSW(sel=selector, efSearch=self.ef_search)  # type: ignore[attr-defined]
        if isinstance(inner, faiss.IndexIVF):
            return faiss.SearchParametersIVF(sel=selector, nprobe=self.nprobe)  # type: ignore[call-arg]
        return faiss.SearchParameters(sel=selector) if selector is not None else None  # type: ignore[call-arg]

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[list[tuple[int, float]]]:
        """Top ``k`` (id, score) per query; FAISS's -1 padding dropped; ties by id."""
        if self.ntotal == 0:
            return [[] for _ in range(len(queries))]
        k = min(k, self.ntotal)
        if allowed is not None and not self.is_exact and len(allowed) <= 100_000:
            return self._search_subset(queries, k, allowed)
        fetch = min(self.ntotal, k * self.rerank_factor) if self.rerank_vectors is not None else k
        params = self._params(allowed)
        q = np.ascontiguousarray(queries, dtype=np.float32)
        scores, ids = self.index.search(q, fetch, params=params) if params is not None else self.index.search(q, fetch)
        out = []
        for qi, (row_s, row_i) in enumerate(zip(scores, ids, strict=True)):
            keep = row_i != -1
            row_i, row_s = row_i[keep], row_s[keep]
            if self.rerank_vectors is not None and len(row_i):
                order = np.argsort(row_i)  # sorted reads from the memmap
                exact = np.empty(len(row_i), dtype=np.float32)
                exact[order] = np.asarray(self.rerank_vectors[row_i[order]], dtype=np.float32) @ q[qi]
                row_s = exact
            hits = sorted(((int(i), float(s)) for i, s in zip(row_i, row_s, strict=True)), key=lambda x: (-x[1], x[0]))
            out.append(hits[:k])
        return out

    @property
    def is_exact(self) -> bool:
        return "Flat" in self.factory and not is_compressed(self.factory) and "IVF" not in self.factory

    def _search_subset(self, queries: np.ndarray, k: int, allowed: np.ndarray) -> list[list[tuple[int, float]]]:
        """Exact search restricted to ``allowed`` ids: approximate indexes only probe part of the
        space, so a filter applied inside them could miss every allowed vector."""
        ids = np.unique(np.asarray(allowed, dtype=np.int64))
        vecs = self.reconstruct(ids)
        scores = np.asarray(queries, dtype=np.float32) @ vecs.T
        out = []
        for row in scores:
            top = np.argsort(-row, kind="stable")[:k]
            out.append(sorted(((int(ids[i]), float(row[i])) for i in top), key=lambda x: (-x[1], x[0])))
        return out

    def reconstruct(self, ids: np.ndarray) -> np.ndarray:
        if self.rerank_vectors is not None:
            return np.asarray(self.rerank_vectors[np.asarray(ids, dtype=np.int64)], dtype=np.float32)
        return np.vstack([self.index.reconstruct(int(i)) for i in ids]) if len(ids) else np.zeros((0, self.index.d), np.float32)
