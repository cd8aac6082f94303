"""Types produced by the ingest layer: documents, their parsed text, and chunks."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DocKind = Literal["guideline", "research", "drug-label", "review"]
KIND_LABELS: dict[str, str] = {
    "guideline": "Guideline",
    "research": "Research",
    "drug-label": "Drug label",
    "review": "Review",
}


class Document(BaseModel):
    """One source document and the metadata a reference needs."""

    model_config = ConfigDict(extra="forbid")

    doc_id: str = Field(description="SHA-256 (first 16 hex) of the normalised document text.")
    title: str = Field(description="Title of the source.")
    publisher: str = Field("", description="Issuing body, or journal for research.")
    year: int | None = Field(None, description="Year of publication.")
    kind: DocKind = Field("review", description="guideline | research | drug-label | review")
    url: str = Field("", description="Address of the source.")
    path: str = Field(description="File the document came from (with #L<n> for JSONL records).")
    source_type: Literal["pdf", "markdown", "html", "text", "jsonl"] = "text"
    n_pages: int | None = Field(None, description="Pages, for paged formats.")


class Span(BaseModel):
    """A half-open character range of a document's text with a label (section path or page)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: int
    end: int
    section: tuple[str, ...] = ()
    page: int | None = None


class ParsedDocument(BaseModel):
    """A document plus its normalised full text and the spans that structure it."""

    model_config = ConfigDict(extra="forbid")

    document: Document
    text: str
    sections: list[Span] = Field(
        default_factory=list, description="Section spans covering the text, in order."
    )
    pages: list[Span] = Field(default_factory=list, description="Page spans (PDF only).")


class Chunk(BaseModel):
    """A citable piece of a document: ``text == document_text[char_start:char_end]``."""

    model_config = ConfigDict(extra="forbid")

    chunk_id: str = Field(description="`doc_id#n`, n counting from 0 in document order.")
    doc_id: str
    n: int
    text: str
    section: tuple[str, ...] = Field(default=(), description="Heading path of the chunk.")
    page_start: int | None = None
    page_end: int | None = None
    char_start: int
    char_end: int
    embed_text: str = Field(description="What is embedded: title and section path, then text.")


class LoadIssue(BaseModel):
    """Why one file (or one record of a JSONL file) was skipped."""

    model_config = ConfigDict(extra="forbid")

    path: str
    reason: str


def content_id(text: str) -> str:
    """Content-addressed id: first 16 hex digits of SHA-256 of the text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
