"""Index layer: embeddings, FAISS vectors, BM25, the SQLite chunk table and incremental builds."""

from __future__ import annotations

from curbside.index.builder import (
    BuildOptions,
    BuildProgress,
    BuildReport,
    IndexLockedError,
    QuarantinedDocument,
    build_index,
)
from curbside.index.cache import EmbeddingCache, encode_with_cache, text_hash
from curbside.index.encoder import (
    ModelNotFoundError,
    SentenceTransformerEncoder,
    TextEncoder,
    get_encoder,
    resolve_model_path,
)
from curbside.index.manifest import (
    ChunkingMismatchError,
    IndexNotFoundError,
    Manifest,
    ModelMismatchError,
    UnscreenedIndexError,
    model_identity,
)
from curbside.index.reader import Index, live_generation
from curbside.index.vectors import FaissStore, choose_factory

__all__ = [
    "BuildOptions",
    "BuildProgress",
    "BuildReport",
    "ChunkingMismatchError",
    "EmbeddingCache",
    "FaissStore",
    "Index",
    "IndexLockedError",
    "IndexNotFoundError",
    "Manifest",
    "ModelMismatchError",
    "ModelNotFoundError",
    "QuarantinedDocument",
    "SentenceTransformerEncoder",
    "TextEncoder",
    "UnscreenedIndexError",
    "build_index",
    "choose_factory",
    "encode_with_cache",
    "get_encoder",
    "live_generation",
    "model_identity",
    "resolve_model_path",
    "text_hash",
]
