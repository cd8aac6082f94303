"""Document metadata from its four sources, in order of precedence.

1. YAML front matter of a Markdown file,
2. a sidecar ``<file>.meta.yaml`` (or ``<stem>.meta.yaml``),
3. the PDF's own metadata (title, author → publisher, creation year),
4. the folder's ``manifest.yaml`` (``defaults:`` for every file, ``files: {name: {...}}`` per file).

Missing titles fall back to the document's first heading or the file name.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from curbside.ingest.types import KIND_LABELS

META_KEYS = ("title", "publisher", "year", "kind", "url")
# Longest accepted value of each text field. Generous for real sources (PubMed's longest titles run
# to about 400 characters, issuing bodies' names to about 150, and 2,048 is the URL length browsers
# and servers reliably honour); a longer value is an error, not a document to store and serve.
FIELD_LIMITS = {"title": 500, "publisher": 300, "url": 2048}
_PUBLISHER_SYNONYMS = ("journal", "source", "issuer", "author")
# Largest YAML text read as metadata. Front matter and sidecars hold a handful of fields; a folder
# manifest may list per-file metadata for thousands of files.
MAX_FRONT_MATTER_BYTES = 64_000
MAX_MANIFEST_BYTES = 4_000_000
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


def _shown(value: Any, limit: int = 60) -> str:
    """A value as quoted in an error message: its repr, cut short."""
    text = repr(value) if _is_scalar(value) else f"a {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _MetadataLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses aliases.

    Aliases have no use in a few metadata fields, and they are how a 447-byte file expands into
    a 7 MB publisher (nested lists of aliases, a "billion laughs").
    """

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not allowed in metadata", event.start_mark
            )
        return super().compose_node(parent, index)


def _load_yaml(text: str, limit: int, what: str) -> Any:
    if len(text) > limit:
        raise MetadataError(f"{what} is {len(text):,} characters; the limit is {limit:,}")
    return yaml.load(text, Loader=_MetadataLoader)  # a SafeLoader: plain data types only


def normalise_kind(value: Any, where: str) -> str:
    """Map a free-form kind to guideline | research | drug-label | review."""
    key = str(value).strip().lower() if _is_scalar(value) else ""
    if key in _KIND_SYNONYMS:
        return _KIND_SYNONYMS[key]
    raise MetadataError(
        f"{where}: field 'kind' is {_shown(value)}; expected one of {', '.join(KIND_LABELS)}"
    )


def normalise_year(value: Any, where: str) -> int | None:
    if value is None or value == "":
        return None
    if not _is_scalar(value) and not isinstance(value, dt.date):
        raise MetadataError(f"{where}: field 'year' is not a year; expected a four-digit year")
    match = re.search(r"(1[89]\d\d|20\d\d)", str(value)[:100])
    if not match:
        raise MetadataError(f"{where}: field 'year' is {_shown(value)}; expected a four-digit year")
    return int(match.group(1))


def _text_field(key: str, value: Any, where: str) -> str:
    """A text field as a string: scalars stringified, a list of scalars joined, bounded in length.

    A mapping (or a nested list) is an error rather than its Python repr stored as a title.
    """
    if isinstance(value, list | tuple) and all(_is_scalar(x) for x in value):
        text = ", ".join(str(x).strip() for x in value if str(x).strip())
    elif _is_scalar(value):
        text = str(value).strip()
    else:
        kind = "a mapping" if isinstance(value, dict) else f"a {type(value).__name__}"
        raise MetadataError(f"{where}: field {key!r} is {kind}; expected text")
    limit = FIELD_LIMITS.get(key, FIELD_LIMITS["publisher"])
    if len(text) > limit:
        raise MetadataError(
            f"{where}: field {key!r} is {len(text):,} characters long; the limit is {limit:,}"
        )
    return text


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def clean_meta(raw: Mapping[str, Any], where: str, *, lenient: bool = False) -> dict[str, Any]:
    """Keep the known keys, normalised; unknown keys are ignored (front matter may carry tags).

    A bad value raises :class:`MetadataError` naming ``where`` and the field; with ``lenient``
    (metadata embedded by a producer, such as a PDF's) the bad field is dropped instead.
    """
    out: dict[str, Any] = {}
    for key in (*META_KEYS, *_PUBLISHER_SYNONYMS):
        if key not in raw or raw[key] is None or raw[key] == "":
            continue
        if key in _PUBLISHER_SYNONYMS and "publisher" in out:  # PubMed-style synonyms
            continue
        value = raw[key]
        try:
            if key == "kind":
                out[key] = normalise_kind(value, where)
            elif key == "year":
                year = normalise_year(value, where)
                if year is not None:
                    out[key] = year
            else:
                text = _text_field(key, value, where)
                if text:
                    out["publisher" if key in _PUBLISHER_SYNONYMS else key] = text
        except MetadataError:
            if not lenient:
                raise
    return out


def read_yaml_mapping(path: Path, limit: int = MAX_FRONT_MATTER_BYTES) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping; errors name the file."""
    try:
        with path.open("rb") as fh:  # at most one byte over the limit is read
            raw = fh.read(limit + 1)
        data = _load_yaml(raw.decode("utf-8"), limit, f"{path}: YAML metadata")
    except OSError as exc:
        raise MetadataError(f"{path}: cannot read ({exc.strerror or exc})") from exc
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
        data = _load_yaml(block, MAX_FRONT_MATTER_BYTES, f"{where}: front matter")
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

    @classmethod
    def load(cls, root: Path) -> FolderManifest | None:
        path = root / "manifest.yaml"
        try:
            if not path.is_file():
                return None
        except OSError as exc:  # a folder that can be listed but not entered
            raise MetadataError(f"{path}: cannot read ({exc.strerror or exc})") from exc
        manifest = cls(root, read_yaml_mapping(path, MAX_MANIFEST_BYTES))
        return manifest

    def excludes(self, rel: str) -> bool:
        for pattern in self.exclude:
            if fnmatch.fnmatch(rel, pattern):
                return True
            if pattern.endswith("/**") and (rel + "/").startswith(pattern[:-2]):
                return True
        return False

    def excludes_folder(self, rel: str) -> bool:
        """Whether a glob excludes the folder ``rel`` as a whole (``drafts/**``, ``drafts/``)."""
        return any(fnmatch.fnmatch(rel + "/", pattern) for pattern in self.exclude)

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
