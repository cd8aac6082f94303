"""Opening an index directory for search.

An index directory holds generations (``gen-000001/``, ...) and a ``current`` symlink naming the
live one. A build writes a new generation beside the old and swaps the symlink atomically, so a
reader sees either the old index or the new one, never a half-written one — also after ``kill -9``.
A bare directory with ``manifest.json`` in it (a copied generation) opens too.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from curbside.index.lexical import LexicalIndex
from curbside.index.manifest import IndexNotFoundError, Manifest, read_manifest
from curbside.index.sentences import SentenceVectors
from curbside.index.store import ChunkStore
from curbside.index.vectors import FaissStore
from curbside.ingest.types import Chunk, Document

CURRENT = "current"


def live_generation(index_dir: Path) -> Path | None:
    """The directory of the live generation, or None if there is no index yet."""
    link = index_dir / CURRENT
    if link.is_symlink() or link.is_dir():
        target = link.resolve()
        return target if (target / "manifest.json").is_file() else None
    if (index_dir / "manifest.json").is_file():
        return index_dir
    return None


def publish_generation(index_dir: Path, generation: Path) -> None:
    """Atomically point ``current`` at ``generation`` (a sibling inside ``index_dir``)."""
    tmp_link = index_dir / f".{CURRENT}.tmp"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(generation.name, tmp_link)
    os.replace(tmp_link, index_dir / CURRENT)
    fd = os.open(index_dir, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Index:
    """A loaded, read-only index: vectors (mmap), BM25 arrays (mmap), chunk table (SQLite)."""

    def __init__(self, directory: Path, manifest: Manifest, vectors: FaissStore, lexical: LexicalIndex, store: ChunkStore) -> None:
        self.directory = directory
        self.manifest = manifest
        self.vectors = vectors
        self.lexical = lexical
        self.store = store
        self._row_ids = np.load(directory / "bm25_rows.npy", mmap_mode="r")
        sv = directory / "sentences.sqlite"
        self._sentences = SentenceVectors(sv) if sv.is_file() else None

    @classmethod
    def open(cls, index_dir: Path | str, *, mmap: bool = True, ef_search: int | None = None, nprobe: int | None = None) -> Index:
        index_dir = Path(index_dir)
        generation = live_generation(index_dir)
        if generation is None:
            raise IndexNotFoundError(
                f"no index at {index_dir}; build one with `curbside ingest PATH --index {index_dir}`"
            )
        manifest = read_manifest(generation)
        vectors = FaissStore.load(
            generation / "index.faiss",
            manifest.factory,
            mmap=mmap,
            ef_search=ef_search or manifest.ef_search or 128,
            nprobe=nprobe or manifest.nprobe or 32,
        )
        lexical = LexicalIndex.load(generation / "bm25", mmap=mmap)
        store = ChunkStore(generation / "chunks.sqlite", readonly=True)
        return cls(generation, manifest, vectors, lexical, store)

    def close(self) -> None:
        self.store.close()
        if self._sentences is not None:
            self._sentences.close()

    def sentence_vectors(self, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Precomputed vectors of sentences by text hash (empty if the index has none)."""
        return self._sentences.get_many(hashes) if self._sentences is not None else {}

    # -- search primitives -----------------------------------------------------------------

    def dense_search(self, query_vectors: np.ndarray, k: int, allowed_rows: Sequence[int] | None = None) -> list[list[tuple[int, float]]]:
        allowed = np.asarray(allowed_rows, dtype=np.int64) if allowed_rows is not None else None
        if allowed is not None and len(allowed) == 0:
            return [[] for _ in range(len(query_vectors))]
        return self.vectors.search(query_vectors, k, allowed)

    def lexical_search(self, query: str, k: int, allowed_rows: Sequence[int] | None = None) -> list[tuple[int, float]]:
        mask = None
        if allowed_rows is not None:
            allowed = set(int(r) for r in allowed_rows)
            mask = np.zeros(self.lexical.n_docs, dtype=np.float32)
            for pos, r in enumerate(self._row_ids):
                if int(r) in allowed:
                    mask[pos] = 1.0
        if len(self._row_ids) == 0:
            return []
        hits = self.lexical.search(query, k, mask)
        return [(int(self._row_ids[pos]), score) for pos, score in hits if pos < len(self._row_ids)]

    def has_term(self, word: str) -> bool:
        """Whether a word (stemmed) occurs anywhere in the indexed text."""
        return self.lexical.has_term(word)

    def lexical_scores_for(self, query: str, row_ids: Sequence[int]) -> dict[int, float]:
        """BM25 scores of specific rows (row id == BM25 position in this layout)."""
        scores = self.lexical.scores(query)
        return {int(r): float(scores[int(r)]) for r in row_ids if 0 <= int(r) < len(scores)}

    def chunks(self, row_ids: Sequence[int]) -> dict[int, Chunk]:
        return self.store.chunks_by_rows(row_ids)

    def documents(self) -> list[Document]:
        return self.store.documents()

    def document_openings(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """The start of each document's first chunk (how it introduces itself)."""
        return self.store.document_openings(doc_ids)

    def document_map(self, doc_ids: Sequence[str]) -> dict[str, Document]:
        return self.store.document_map(doc_ids)

    def learned_aliases(self) -> dict[str, str]:
        return self.store.aliases()

    def vectors_for_rows(self, row_ids: Sequence[int]) -> np.ndarray:
        return self.vectors.reconstruct(np.asarray(row_ids, dtype=np.int64))
