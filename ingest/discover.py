"""Find the ingestible files under the paths a user gives, with their folder metadata."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curbside.ingest.loaders import SUPPORTED_SUFFIXES
from curbside.ingest.metadata import FolderManifest, MetadataError, sidecar_path
from curbside.ingest.types import LoadIssue


@dataclass
class SourceFile:
    """One file to ingest and the fingerprint that decides whether it changed."""

    path: Path
    folder_meta: dict[str, Any] = field(default_factory=dict)
    fingerprint: str = ""

    @property
    def key(self) -> str:
        return str(self.path.resolve())


def _fingerprint(path: Path, folder_meta: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    side = sidecar_path(path)
    if side is not None:
        digest.update(b"\0sidecar\0" + side.read_bytes())
    digest.update(b"\0folder\0" + json.dumps(folder_meta, sort_keys=True).encode())
    return digest.hexdigest()


def discover(paths: list[Path]) -> tuple[list[SourceFile], list[LoadIssue]]:
    """Expand files and folders (recursively) into supported files, sorted, with fingerprints.

    A folder's ``manifest.yaml`` supplies default metadata and ``exclude`` globs (relative to the
    folder). Sidecars (``*.meta.yaml``) are metadata, never documents.
    """
    found: dict[str, SourceFile] = {}
    issues: list[LoadIssue] = []
    for root in paths:
        if not root.exists():
            issues.append(LoadIssue(path=str(root), reason="no such file or folder"))
            continue
        if root.is_file():
            candidates = [(root, None, root.name)]
        else:
            try:
                manifest = FolderManifest.load(root)
            except MetadataError as exc:
                issues.append(LoadIssue(path=str(root / "manifest.yaml"), reason=str(exc)))
                manifest = None
            candidates = [
                (p, manifest, p.relative_to(root).as_posix())
                for p in sorted(root.rglob("*"))
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
            ]
        for path, manifest, rel in candidates:
            if path.name.endswith(".meta.yaml") or path.name == "manifest.yaml":
                continue
            if manifest is not None and manifest.excludes(rel):
                continue
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                if root.is_file():
                    issues.append(LoadIssue(path=str(path), reason=f"unsupported file type {path.suffix!r}"))
                continue
            meta: dict[str, Any] = manifest.meta_for(rel) if manifest is not None else {}
            try:
                fp = _fingerprint(path, meta)
            except OSError as exc:
                issues.append(LoadIssue(path=str(path), reason=f"cannot read ({exc.strerror})"))
                continue
            source = SourceFile(path=path, folder_meta=meta, fingerprint=fp)
            found[source.key] = source
    return sorted(found.values(), key=lambda s: s.key), issues
