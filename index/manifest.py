"""``manifest.json``: what an index was built with, so a mismatched reader is refused."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

FORMAT_VERSION = 1


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format_version: int = FORMAT_VERSION
    created_at: str = Field(description="UTC time the index generation was written.")
    embedding_model: str
    dim: int
    factory: str = Field(description="FAISS factory string actually used.")
    ef_search: int | None = None
    nprobe: int | None = None
    metric: str = "inner_product"
    n_documents: int
    n_chunks: int
    n_files: int
    index_hash: str = Field(description="Hash of the vector-changing settings.")
    chunking: dict[str, int | bool] = Field(default_factory=dict)
    bm25: dict[str, float] = Field(default_factory=dict)
    curbside_version: str = ""


class IndexError_(RuntimeError):
    """Base for index problems with user-facing messages."""


class ModelMismatchError(IndexError_):
    pass


class IndexNotFoundError(IndexError_):
    pass


def write_json_atomic(path: Path, data: dict[str, object]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def read_manifest(directory: Path) -> Manifest:
    path = directory / "manifest.json"
    if not path.is_file():
        raise IndexNotFoundError(f"{directory}: no manifest.json (not a Curbside index)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise IndexNotFoundError(f"{path}: unreadable manifest ({exc.msg})") from exc
    if data.get("format_version") != FORMAT_VERSION:
        raise IndexNotFoundError(
            f"{path}: index format {data.get('format_version')} is not {FORMAT_VERSION}; "
            "rebuild it with `curbside ingest`"
        )
    return Manifest.model_validate(data)
