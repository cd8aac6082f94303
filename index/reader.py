"""Opening an index directory for search.

An index directory holds generations (``gen-000001/``, ...) and a ``current`` symlink naming the
live one. A build writes a new generation beside the old and swaps the symlink atomically, so a
reader sees either the old index or the new one, never a half-written one — also after ``kill -9``.
A bare directory with ``manifest.json`` in it (a copied generation) opens too.

Documents quarantined at ingest (text that reads as instructions to a model, see
:mod:`curbside.ingest.instructions`) are left out of every search primitive here — dense, lexical,
rescoring scores and chunk fetches — unless the index is opened with ``allow_quarantined=True``, so
no caller (search, ask, evals) can retrieve them by accident.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from curbside.index.lexical import LexicalIndex, tokenize
from curbside.index.manifest import (
    IndexNotFoundError,
    Manifest,
    UnscreenedIndexError,
    check_chunking,
    check_model,
    read_manifest,
)
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

    def __init__(
        self,
        directory: Path,
        manifest: Manifest,
        vectors: FaissStore,
        lexical: LexicalIndex,
        store: ChunkStore,
        *,
        allow_quarantined: bool = False,
    ) -> None:
        self.directory = directory
        self.manifest = manifest
        self.vectors = vectors
        self.lexical = lexical
        self.store = store
        self.allow_quarantined = allow_quarantined
        self._row_ids = np.load(directory / "bm25_rows.npy", mmap_mode="r")
        sv = directory / "sentences.sqlite"
        self._sentences = SentenceVectors(sv) if sv.is_file() else None
        self._quarantined = store.quarantined()
        blocked = [] if allow_quarantined else store.quarantined_rows()
        self._blocked = np.asarray(blocked, dtype=np.int64)
        self._blocked_set = frozenset(blocked)
        # BM25 weights by position: 0 where the row is blocked (positions hold row ids _row_ids)
        self._lexical_mask: np.ndarray | None = None
        if blocked:
            self._lexical_mask = (~np.isin(np.asarray(self._row_ids), self._blocked)).astype(np.float32)

    @classmethod
    def open(
        cls,
        index_dir: Path | str,
        *,
        mmap: bool = True,
        ef_search: int | None = None,
        nprobe: int | None = None,
        allow_quarantined: bool = False,
        model: str | None = None,
        chunking: Mapping[str, object] | None = None,
    ) -> Index:
        """Open the live generation.

        With ``model`` and ``chunking`` (the reader's settings) an index built with another
        embedding model (by identity: see :func:`~curbside.index.manifest.check_model`) or other
        chunking settings is refused with a message naming the difference. An index whose
        documents were never screened for planted instructions is refused too (a re-run of
        ``curbside ingest`` screens it without re-embedding), unless quarantined documents are
        allowed anyway.
        """
        index_dir = Path(index_dir)
        generation = live_generation(index_dir)
        if generation is None:
            raise IndexNotFoundError(
                f"no index at {index_dir}; build one with `curbside ingest PATH --index {index_dir}`"
            )
        manifest = read_manifest(generation)
        if model is not None:
            check_model(manifest, model, index_dir)
        if chunking is not None:
            check_chunking(manifest, chunking, index_dir)
        if not manifest.instruction_rules and not allow_quarantined:
            raise UnscreenedIndexError(
                f"the index at {index_dir} was built before documents were screened for planted "
                f"instructions; run `curbside ingest PATH --index {index_dir}` again to screen it "
                "(nothing is re-embedded), or set CURBSIDE_INDEX__ALLOW_QUARANTINED=true"
            )
        vectors = FaissStore.load(
            generation / "index.faiss",
            manifest.factory,
            mmap=mmap,
            ef_search=ef_search or manifest.ef_search or 128,
            nprobe=nprobe or manifest.nprobe or 32,
        )
        lexical = LexicalIndex.load(generation / "bm25", mmap=mmap)
        store = ChunkStore(generation / "chunks.sqlite", readonly=True)
        return cls(generation, manifest, vectors, lexical, store, allow_quarantined=allow_quarantined)


    def close(self) -> None:
        self.store.close()
        if self._sentences is not None:
            self._sentences.close()

    def sentence_vectors(self, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Precomputed vectors of sentences by text hash (empty if the index has none)."""
        return self._sentences.get_many(hashes) if self._sentences is not None else {}

    # -- search primitives -----------------------------------------------------------------

    # Above this many blocked rows a dense search restricts FAISS to the allowed ids instead of
    # fetching k + blocked hits and dropping the blocked ones (same result, cheaper either side).
    _OVERFETCH_LIMIT = 1000

    @property
    def quarantined_documents(self) -> dict[str, list[dict[str, Any]]]:
        """doc_id → findings of every quarantined document (whether or not they are allowed)."""
        return self._quarantined

    def dense_search(self, query_vectors: np.ndarray, k: int, allowed_rows: Sequence[int] | None = None) -> list[list[tuple[int, float]]]:
        allowed = np.asarray(allowed_rows, dtype=np.int64) if allowed_rows is not None else None
        if len(self._blocked):
            if allowed is None and len(self._blocked) <= self._OVERFETCH_LIMIT:
                hits = self.vectors.search(query_vectors, k + len(self._blocked), None)
                return [[h for h in row if h[0] not in self._blocked_set][:k] for row in hits]
            if allowed is None:
                allowed = np.arange(self.vectors.ntotal, dtype=np.int64)
            allowed = allowed[~np.isin(allowed, self._blocked)]
        if allowed is not None and len(allowed) == 0:
            return [[] for _ in range(len(query_vectors))]
        return self.vectors.search(query_vectors, k, allowed)

    def lexical_search(self, query: str, k: int, allowed_rows: Sequence[int] | None = None) -> list[tuple[int, float]]:
        if len(self._row_ids) == 0:
            return []
        mask = self._lexical_mask
        if allowed_rows is not None:
            allowed = np.isin(np.asarray(self._row_ids), np.asarray(allowed_rows, dtype=np.int64)).astype(np.float32)
            mask = allowed if mask is None else allowed * mask
        hits = self.lexical.search(query, k, mask)
        return [
            (int(self._row_ids[pos]), score)
            for pos, score in hits
            if pos < len(self._row_ids) and int(self._row_ids[pos]) not in self._blocked_set
        ]

    def has_term(self, word: str) -> bool:
        """Whether a word (stemmed) occurs anywhere in the indexed text (outside quarantined
        documents, unless they are allowed)."""
        if not self.lexical.has_term(word):
            return False
        if self._lexical_mask is None or not tokenize([word])[0]:
            return True
        return bool((self.lexical.scores(word, self._lexical_mask) > 0).any())

    def lexical_scores_for(self, query: str, row_ids: Sequence[int]) -> dict[int, float]:
        """BM25 scores of specific rows (row id == BM25 position in this layout)."""
        scores = self.lexical.scores(query)
        return {
            int(r): float(scores[int(r)])
            for r in row_ids
            if 0 <= int(r) < len(scores) and int(r) not in self._blocked_set
        }

    def chunks(self, row_ids: Sequence[int]) -> dict[int, Chunk]:
        """Chunks by row id; rows of quarantined documents are left out unless allowed (a last
        line of defence: a passage cannot be built without its chunk)."""
        wanted = [r for r in row_ids if int(r) not in self._blocked_set] if self._blocked_set else row_ids
        return self.store.chunks_by_rows(wanted)

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
