"""``manifest.json``: what an index was built with, so a mismatched reader is refused."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from curbside.index.encoder import ModelNotFoundError, resolve_model_path

FORMAT_VERSION = 1


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format_version: int = FORMAT_VERSION
    created_at: str = Field(description="UTC time the index generation was written.")
    embedding_model: str = Field(description="The embedding model as configured (for messages).")
    embedding_model_id: str = Field(
        "", description="The model's resolved directory, or its normalised hub name (see model_identity)."
    )
    embedding_fingerprint: str = Field(
        "", description="Fingerprint of the model's files (configs, tokenizer, weights); empty for hub names."
    )
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
    instruction_rules: str = Field(
        "",
        description=(
            "Version of the planted-instruction rules the documents were screened with "
            "(curbside.ingest.instructions.RULES_VERSION); empty: never screened."
        ),
    )


class IndexError_(RuntimeError):
    """Base for index problems with user-facing messages."""


class ModelMismatchError(IndexError_):
    pass


class ChunkingMismatchError(ModelMismatchError):
    """The index was chunked with other settings than the reader's (a ModelMismatchError, so every
    place that reports a mismatched index reports this one too)."""


class IndexNotFoundError(IndexError_):
    pass


class UnscreenedIndexError(IndexNotFoundError):
    """The index predates the screening of documents for planted instructions."""


# -- model identity ---------------------------------------------------------------------------
# A configured model string is not an identity: "dir/" and "dir" are one model, and new weights
# copied over the same directory are another. The identity is the resolved location plus a
# fingerprint of the files that decide the vectors, cheap enough to compute at every load.

_SMALL_FILE = 1 << 20  # files up to 1 MiB (configs, vocabularies, tokenizers) are hashed whole
_BLOCK = 1 << 16  # larger files (weights): their size and 16 evenly spaced 64 KiB blocks
_BLOCKS = 16
_MAX_HEADER = 1 << 24  # a safetensors header (tensor names, shapes, offsets) is hashed whole up to 16 MiB
_IGNORED_SUFFIXES = {".md", ".cff", ".lock", ".gitattributes", ".gitignore"}


def _normalise_name(name: str) -> str:
    return name.strip().rstrip("/\\")


def weights_fingerprint(model_dir: Path) -> str:
    """SHA-256 (first 16 hex) over a model directory's files: small files whole, large files by
    size, safetensors header and sampled blocks. Reinstalling the same files keeps it (no mtimes);
    retrained weights, another tokenizer or another pooling config change it."""
    digest = hashlib.sha256()
    files = sorted(
        p for p in model_dir.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(model_dir).parts)
        and p.suffix.lower() not in _IGNORED_SUFFIXES and not p.name.upper().startswith("LICENSE")
    )
    for path in files:
        size = path.stat().st_size
        digest.update(f"{path.relative_to(model_dir).as_posix()}\0{size}\0".encode())
        with path.open("rb") as fh:
            if size <= _SMALL_FILE:
                digest.update(fh.read())
                continue
            if path.suffix == ".safetensors":
                header_len = int.from_bytes(fh.read(8), "little")
                digest.update(fh.read(min(header_len, _MAX_HEADER)))
            step = max(1, (size - _BLOCK) // (_BLOCKS - 1))
            for i in range(_BLOCKS):
                fh.seek(min(i * step, size - _BLOCK))
                digest.update(fh.read(_BLOCK))
    return digest.hexdigest()[:16]


def model_identity(name: str) -> tuple[str, str]:
    """(normalised id, fingerprint) of a configured embedding model: a local directory or model
    package resolves to its real path and the fingerprint of its files; a hub name (or a name
    that resolves to nothing here, such as a test encoder's) is only normalised."""
    try:
        path, local = resolve_model_path(name.strip())
    except ModelNotFoundError:
        return _normalise_name(name), ""
    if not local:
        return _normalise_name(path), ""
    resolved = Path(path).resolve()
    return str(resolved), weights_fingerprint(resolved)


def check_model(manifest: Manifest, configured: str, where: Path | str) -> None:
    """Refuse an index built with another embedding model than ``configured``.

    Fingerprints are compared when both sides have one (so the same package installed elsewhere
    is the same model, and changed weights at the same path are another); otherwise the
    normalised names.
    """
    model_id, fingerprint = model_identity(configured)
    built_id = manifest.embedding_model_id or model_identity(manifest.embedding_model)[0]
    if manifest.embedding_fingerprint and fingerprint:
        same = manifest.embedding_fingerprint == fingerprint
        detail = f" (model files fingerprint {manifest.embedding_fingerprint} then, {fingerprint} now)"
    else:
        same = built_id == model_id
        detail = ""
    if not same:
        raise ModelMismatchError(
            f"the index at {where} was built with embedding model {manifest.embedding_model!r}"
            f"{detail}, but the settings ask for {configured!r}; use the same model, or build "
            "into a new --index directory"
        )


def check_chunking(manifest: Manifest, chunking: Mapping[str, object], where: Path | str) -> None:
    """Refuse an index chunked with other settings than ``chunking`` (max_tokens, overlap_tokens,
    embed_prefix), naming each difference and both ways out."""
    if not manifest.chunking:
        return  # written before chunking settings were recorded
    diffs = [
        f"{key}={manifest.chunking.get(key)!r} in the index, {value!r} in the settings"
        for key, value in chunking.items()
        if key in manifest.chunking and manifest.chunking[key] != value
    ]
    if diffs:
        envs = ", ".join(f"CURBSIDE_CHUNKING__{k.upper()}={manifest.chunking[k]}" for k in chunking if k in manifest.chunking and manifest.chunking[k] != chunking[k])
        raise ChunkingMismatchError(
            f"the index at {where} was chunked with other settings ({'; '.join(diffs)}); "
            f"re-run `curbside ingest` into it with these settings (it re-chunks, reusing cached "
            f"vectors), or use the index's settings ({envs})"
        )


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
