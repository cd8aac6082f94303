"""Ingest layer: source files → documents (with metadata) → citable chunks."""

from __future__ import annotations

from curbside.ingest.chunking import chunk_document, sentence_spans
from curbside.ingest.discover import SourceFile, discover
from curbside.ingest.loaders import LoadError, LoadResult, load_file, normalise_text
from curbside.ingest.types import (
    KIND_LABELS,
    Chunk,
    Document,
    LoadIssue,
    ParsedDocument,
    Span,
    content_id,
)

__all__ = [
    "KIND_LABELS",
    "Chunk",
    "Document",
    "LoadError",
    "LoadIssue",
    "LoadResult",
    "ParsedDocument",
    "SourceFile",
    "Span",
    "chunk_document",
    "content_id",
    "discover",
    "load_file",
    "normalise_text",
    "sentence_spans",
]
