"""Document metadata from its four sources, in order of precedence.

1. YAML front matter of a Markdown file,
2. a sidecar ``<file>.meta.yaml`` (or ``<stem>.meta.yaml``),
3. the PDF's own metadata (title, author → publisher, creation year),
4. the folder's ``manifest.yaml`` (``defaults:`` for every file, ``files: {name: {...}}`` per file).

Missing titles fall back to the document's first heading or the file name.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from curbside.ingest.types import KIND_LABELS

META_KEYS = ("title", "publisher", "year", "kind", "url")
_KIND_SYNONYMS = {
    "guideline": "guideline",
    "guidelines": "guideline",
    "recommendation": "guideline",
    "research": "research",
    "trial": "research",
    "study": "research",
    "article": "research",
    "abstract": "research",
    "drug-label": "drug-label",
    "drug label": "drug-label",
    "label": "drug-label",
    "drug_label": "drug-label",
    "prescribing information": "drug-label",
    "review": "review",
    "summary": "review",
}


class MetadataError(ValueError):
    """A metadata file or field is malformed; the message names the file and field."""


def normalise_kind(value: Any, where: str) -> str:
    """Map a free-form kind to guideline | research | drug-label | review."""
    key = str(value).strip().lower()
    if key in _KIND_SYNONYMS:
        return _KIND_SYNONYMS[key]
    raise MetadataError(
        f"{where}: field 'kind' is {value!r}; expected one of {', '.join(KIND_LABELS)}"
    )


def normalise_year(value: Any, where: str) -> int | None:
    if value is None or value == "":
        return None
    match = re.search(r"(1[89]\d\d|20\d\d)", str(value))
    if not match:
        raise MetadataError(f"{where}: field 'year' is {value!r}; expected a four-digit year")
    return int(match.group(1))


def clean_meta(raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Keep the known keys, normalised; unknown keys are ignored (front matter may carry tags)."""
    out: dict[str, Any] = {}
    for key in META_KEYS:
        if key not in raw or raw[key] is None:
            continue
        value = raw[key]
        if key == "kind":
            out[key] = normalise_kind(value, where)
        elif key == "year":
            year = normalise_year(value, where)
            if year is not None:
                out[key] = year
        else:
            text = str(value).strip()
            if text:
                out[key] = text
    # PubMed-style synonyms
    if "publisher" not in out:
        for alt in ("journal", "source", "issuer", "author"):
            if raw.get(alt):
                out["publisher"] = str(raw[alt]).strip()
                break
    return out


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping; errors name the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise MetadataError(f"{path}: not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except yaml.YAMLError as exc:
        raise MetadataError(f"{path}: malformed YAML: {_yaml_problem(exc)}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise MetadataError(f"{path}: expected a YAML mapping, found {type(data).__name__}")
    return data


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is not None:
        return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
    return str(problem)


def split_front_matter(text: str, where: str) -> tuple[dict[str, Any], int]:
    """Return (front-matter mapping, offset where the body starts)."""
    if not text.startswith("---"):
        return {}, 0
    match = re.match(r"---[ \t]*\n(.*?\n)?---[ \t]*(\n|$)", text, flags=re.S)
    if not match:
        raise MetadataError(f"{where}: front matter opened with '---' is never closed")
    block = match.group(1) or ""
    try:
        data = yaml.safe_load(block)
    except yaml.YAMLError as exc:
        raise MetadataError(f"{where}: malformed YAML front matter: {_yaml_problem(exc)}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise MetadataError(f"{where}: front matter must be a YAML mapping")
    return data, match.end()


def sidecar_path(path: Path) -> Path | None:
    for candidate in (path.with_name(path.name + ".meta.yaml"), path.with_suffix(".meta.yaml")):
        if candidate.is_file():
            return candidate
    return None


class FolderManifest:
    """``manifest.yaml`` of a folder: defaults, per-file metadata and exclude globs."""

    def __init__(self, root: Path, data: Mapping[str, Any]) -> None:
        self.root = root
        self.defaults = clean_meta(data.get("defaults") or {}, f"{root / 'manifest.yaml'} defaults")
        files = data.get("files") or {}
        if not isinstance(files, dict):
            raise MetadataError(f"{root / 'manifest.yaml'}: 'files' must be a mapping")
        self.files = {
            str(name): clean_meta(meta or {}, f"{root / 'manifest.yaml'} files.{name}")
            for name, meta in files.items()
        }
        exclude = data.get("exclude") or []
        if not isinstance(exclude, list):
            raise MetadataError(f"{root / 'manifest.yaml'}: 'exclude' must be a list of globs")
        self.exclude = [str(x) for x in exclude]
        self.raw_bytes = b""

    @classmethod
    def load(cls, root: Path) -> FolderManifest | None:
        path = root / "manifest.yaml"
        if not path.is_file():
            return None
        manifest = cls(root, read_yaml_mapping(path))
        manifest.raw_bytes = path.read_bytes()
        return manifest

    def excludes(self, rel: str) -> bool:
        for pattern in self.exclude:
            if fnmatch.fnmatch(rel, pattern):
                return True
            if pattern.endswith("/**") and (rel + "/").startswith(pattern[:-2]):
                return True
        return False

    def meta_for(self, rel: str) -> dict[str, Any]:
        meta = dict(self.defaults)
        meta.update(self.files.get(rel, {}))
        return meta


def merge_meta(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Merge metadata layers given highest precedence first."""
    out: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            out.setdefault(key, value)
    return out
