"""File loaders: bytes on disk → :class:`ParsedDocument` (normalised text + section/page spans).

Each loader raises :class:`LoadError` with a message naming the file and what is wrong; the caller
skips that file and goes on. JSONL files hold many records, so their loader reports bad lines as
:class:`LoadIssue` items (with line numbers) and keeps the good ones.
"""

from __future__ import annotations

import json
import logging
import math
import multiprocessing as mp
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curbside.ingest.metadata import (
    MetadataError,
    clean_meta,
    merge_meta,
    read_yaml_mapping,
    sidecar_path,
    split_front_matter,
)
from curbside.ingest.pdftext import (
    BIBLIOGRAPHY_HEADING,
    SIZE_STEP,
    OutlineEntry,
    StyledLine,
    bibliography_spans,
    dehyphenate,
    find_headings,
    page_separator,
    strip_running_lines,
)
from curbside.ingest.types import Document, LoadIssue, ParsedDocument, Span, content_id

SUPPORTED_SUFFIXES = {
    ".pdf": "pdf",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
    ".text": "text",
    ".jsonl": "jsonl",
}
MIN_TEXT_CHARS = 20
MAX_RECORD_ID_CHARS = 200  # a JSONL record's id goes into its path (``file#id``); DOIs fit easily


class LoadError(Exception):
    """A file that cannot be ingested; ``str()`` names the file and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


@dataclass
class LoadResult:
    documents: list[ParsedDocument]
    issues: list[LoadIssue]


# ---------------------------------------------------------------------------------------------
# text normalisation (pure)


_HYPHEN_BREAK = re.compile(r"(?<=[a-z])-\n(?=[a-z])")
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_LINE_EDGE_SPACE = re.compile(r"[^\S\n]*\n[^\S\n]*")  # whitespace either side of a line break


def normalise_text(text: str, *, dehyphenate: bool = False) -> str:
    """NFKC (ligatures → letters), unified newlines, no soft hyphens or control characters.

    Whole-string operations only (no per-character or per-line Python objects), so the working
    memory is a few copies of the text whatever its shape.
    """
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00ad", "")
    text = text.replace("\u2010", "-").replace("\u2011", "-")  # typographic hyphens → ASCII
    controls = {
        ord(ch): None for ch in set(text) if ch not in "\n\t" and unicodedata.category(ch)[0] == "C"
    }
    if controls:
        text = text.translate(controls)
    if dehyphenate:
        text = _HYPHEN_BREAK.sub("", text)
    text = _LINE_EDGE_SPACE.sub("\n", _SPACES.sub(" ", text))
    return _MANY_NEWLINES.sub("\n\n", text).strip()


def _check_text(path: Path, text: str, what: str = "text") -> None:
    if len(text.strip()) < MIN_TEXT_CHARS:
        raise LoadError(path, f"no extractable {what} (empty, or fewer than {MIN_TEXT_CHARS} chars)")


def decode_utf8(path: Path, data: bytes) -> str:
    """Decode strict UTF-8; binary data or bad bytes give a LoadError naming the offset."""
    nul = data.find(b"\x00")  # anywhere in the file: a memchr, cheap at any size
    if nul >= 0:
        raise LoadError(
            path, f"binary content (a NUL byte at byte {nul}) in a file with a text extension"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(path, f"not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc


# ---------------------------------------------------------------------------------------------
# markdown / plain text (pure parsers over text)


_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$", re.M)


def markdown_sections(body: str) -> tuple[str, list[Span]]:
    """Normalise Markdown body text and return section spans (heading lines excluded)."""
    text = normalise_text(body)
    sections: list[Span] = []
    path: list[tuple[int, str]] = []
    heads = list(_HEADING.finditer(text))
    first_start = heads[0].start() if heads else len(text)
    preamble = text[:first_start].strip()
    if preamble and not all(line.startswith(">") for line in preamble.splitlines() if line):
        sections.append(Span(start=0, end=first_start, section=()))
    for i, head in enumerate(heads):
        level, title = len(head.group(1)), head.group(2).strip()
        path = [(lvl, t) for (lvl, t) in path if lvl < level]
        path.append((level, title))
        start = head.end() + 1 if head.end() < len(text) else head.end()
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        if text[start:end].strip():
            sections.append(Span(start=start, end=end, section=tuple(t for _, t in path)))
    if not heads:
        sections = [Span(start=0, end=len(text), section=())]
    return text, sections


def first_heading(text: str) -> str | None:
    match = _HEADING.search(text)
    return match.group(2).strip() if match else None


def strip_markdown_inline(text: str) -> str:
    return re.sub(r"[*_`]+", "", text)


# ---------------------------------------------------------------------------------------------
# loaders


def _document(
    path: Path,
    text: str,
    meta: Mapping[str, Any],
    source_type: str,
    *,
    fallback_title: str | None = None,
    n_pages: int | None = None,
    record_path: str | None = None,
) -> Document:
    title = meta.get("title") or fallback_title or path.stem.replace("_", " ").replace("-", " ")
    return Document(
        doc_id=content_id(text),
        title=strip_markdown_inline(str(title))[:500],
        publisher=meta.get("publisher", ""),
        year=meta.get("year"),
        kind=meta.get("kind", "review"),
        url=meta.get("url", ""),
        path=record_path or str(path),
        source_type=source_type,
        n_pages=n_pages,
    )


def _sidecar_meta(path: Path) -> dict[str, Any]:
    side = sidecar_path(path)
    if side is None:
        return {}
    try:
        return clean_meta(read_yaml_mapping(side), str(side))
    except MetadataError as exc:
        raise LoadError(path, f"sidecar metadata: {exc}") from exc


def load_markdown(path: Path, data: bytes, folder_meta: Mapping[str, Any]) -> ParsedDocument:
    raw = decode_utf8(path, data)
    try:
        front, offset = split_front_matter(raw.replace("\r\n", "\n"), str(path))
        front_meta = clean_meta(front, f"{path} front matter")
    except MetadataError as exc:
        raise LoadError(path, str(exc).removeprefix(f"{path}: ")) from exc
    body = raw.replace("\r\n", "\n")[offset:]
    text, sections = markdown_sections(body)
    _check_text(path, text)
    meta = merge_meta(front_meta, _sidecar_meta(path), folder_meta)
    doc = _document(path, text, meta, "markdown", fallback_title=first_heading(text))
    return ParsedDocument(document=doc, text=text, sections=sections)


def load_text(path: Path, data: bytes, folder_meta: Mapping[str, Any]) -> ParsedDocument:
    text = normalise_text(decode_utf8(path, data))
    _check_text(path, text)
    first_line = next((ln for ln in text.splitlines() if ln.strip()), "")
    meta = merge_meta(_sidecar_meta(path), folder_meta)
    fallback = first_line if 0 < len(first_line) <= 150 else None
    doc = _document(path, text, meta, "text", fallback_title=fallback)
    return ParsedDocument(document=doc, text=text, sections=[Span(start=0, end=len(text))])


_HTML_BLOCKS = ("p", "li", "td", "th", "pre", "blockquote", "dd", "dt", "caption", "figcaption")


def load_html(path: Path, data: bytes, folder_meta: Mapping[str, Any]) -> ParsedDocument:
    from bs4 import BeautifulSoup

    raw = decode_utf8(path, data)
    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "noscript", "template", "svg"]):
        tag.decompose()
    html_meta: dict[str, Any] = {}
    for name, key in (
        ("citation_title", "title"),
        ("dc.title", "title"),
        ("citation_publisher", "publisher"),
        ("dc.publisher", "publisher"),
        ("citation_journal_title", "publisher"),
        ("citation_publication_date", "year"),
        ("citation_date", "year"),
        ("dc.date", "year"),
    ):
        found = soup.find("meta", attrs={"name": re.compile(f"^{re.escape(name)}$", re.I)})
        if found is not None and found.get("content") and key not in html_meta:
            html_meta[key] = found.get("content")
    if soup.title and soup.title.string and "title" not in html_meta:
        html_meta["title"] = soup.title.string.strip()
    html_meta = clean_meta(html_meta, f"{path} <meta>", lenient=True)
    lines: list[str] = []
    body = soup.body or soup
    for el in body.find_all(["h1", "h2", "h3", "h4", "h5", "h6", *_HTML_BLOCKS]):
        if el.name in _HTML_BLOCKS and el.find_parent(_HTML_BLOCKS):
            continue
        content = " ".join(el.get_text(" ", strip=True).split())
        if not content:
            continue
        if el.name and el.name[0] == "h" and el.name[1:].isdigit():
            lines.append("#" * int(el.name[1:]) + " " + content)
        else:
            lines.append(content)
    if not lines:
        lines = [soup.get_text("\n", strip=True)]
    text, sections = markdown_sections("\n\n".join(lines))
    _check_text(path, text)
    meta = merge_meta(_sidecar_meta(path), html_meta, folder_meta)
    doc = _document(path, text, meta, "html", fallback_title=first_heading(text))
    return ParsedDocument(document=doc, text=text, sections=sections)


def _pdf_extract(path: str) -> dict[str, Any]:
    """Parse a PDF into per-page text and its metadata (runs in a child process)."""
    import pypdf
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(path, strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as exc:  # missing crypto backend, unknown algorithm
                return {"error": f"encrypted PDF that cannot be opened ({exc})"}
            if not ok:
                return {"error": "encrypted PDF: a password is required to read it"}
        pages: list[str] = []
        styled: list[list[StyledLine]] = []
        for page in reader.pages:
            lines = _StyledLines()
            try:
                pages.append(page.extract_text(visitor_text=lines.visit) or "")
            except FileNotDecryptedError:
                return {"error": "encrypted PDF: a password is required to read it"}
            except Exception:  # one broken page does not sink the document
                pages.append("")
            styled.append(lines.done())
        meta: dict[str, Any] = {}
        try:
            info = reader.metadata
            if info is not None:
                meta = {
                    "title": str(info.title or "") or None,
                    "publisher": str(info.author or "") or None,
                    "year": info.creation_date.year if info.creation_date else None,
                }
        except Exception:
            meta = {}
        return {"pages": pages, "meta": meta, "styled": styled, "outline": _pdf_outline(reader)}
    except FileNotDecryptedError:
        return {"error": "encrypted PDF: a password is required to read it"}
    except PdfReadError as exc:
        return {"error": f"corrupt or truncated PDF ({exc})"}
    except Exception as exc:
        return {"error": f"unreadable PDF ({type(exc).__name__}: {exc})"}


_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.I)
"""Font names of bold faces ("Helvetica-Bold", "ABCDEF+Arial,Bold", "MinionPro-Semibold")."""
BOLD_WEIGHT = 600
"""A font descriptor's /FontWeight from which a face is bold (CSS weights: 600 semibold, 700 bold)."""


def _is_bold(font: Any) -> bool:
    """A font dictionary of a bold face: by its name, or its descriptor's weight or ForceBold flag."""
    if not font:
        return False
    try:
        if _BOLD_FONT.search(str(font.get("/BaseFont", ""))):
            return True
        desc = font.get("/FontDescriptor")
        desc = desc.get_object() if desc is not None else None
        if desc is None:
            return False
        weight = desc.get("/FontWeight")
        flags = int(desc.get("/Flags", 0) or 0)
        return (weight is not None and float(weight) >= BOLD_WEIGHT) or bool(flags & (1 << 18))
    except Exception:  # an odd font dictionary: read as regular
        return False


class _StyledLines:
    """Collects a page's lines with their font size and weight from pypdf's text visitor.

    A line's style is the style that draws most of its characters; a line drawn in two styles
    (a bold run-in label and its regular text) is marked with size 0, which no heading has.
    """

    def __init__(self) -> None:
        self.lines: list[StyledLine] = []
        self.parts: list[tuple[str, float, bool]] = []

    def visit(self, text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if not text:
            return
        try:
            a, b = tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3]
            points = round(float(size) * math.hypot(a, b) / SIZE_STEP) * SIZE_STEP
        except Exception:
            points = 0.0
        bold = _is_bold(font)
        pieces = text.split("\n")
        for i, piece in enumerate(pieces):
            if i:
                self.flush()
            if piece.strip():
                self.parts.append((piece, points, bold))

    def flush(self) -> None:
        if not self.parts:
            return
        text = " ".join("".join(t for t, _, _ in self.parts).split())
        styles = {(s, b) for t, s, b in self.parts if t.strip()}
        size, bold = next(iter(styles)) if len(styles) == 1 else (0.0, False)
        self.lines.append((text, size, bold))
        self.parts = []

    def done(self) -> list[StyledLine]:
        self.flush()
        return self.lines


def _pdf_outline(reader: Any) -> list[OutlineEntry]:
    """The PDF's bookmarks as ``(depth, title, page index)``, in order; empty when it has none or
    they cannot be read."""
    out: list[OutlineEntry] = []

    def walk(items: Any, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
                continue
            try:
                page = reader.get_destination_page_number(item)
            except Exception:
                page = None
            title = str(getattr(item, "title", "") or "")
            out.append((depth, title, page if isinstance(page, int) and page >= 0 else None))

    try:
        walk(reader.outline, 0)
    except Exception:  # a broken outline is no reason to lose the text
        return out
    return out


def _pdf_child(path: str, conn: Any) -> None:
    try:
        conn.send(_pdf_extract(path))
    except BaseException as exc:  # MemoryError, RecursionError
        conn.send({"error": f"PDF parser failed ({type(exc).__name__})"})
    finally:
        conn.close()


def extract_pdf(path: Path, timeout_s: float | None) -> dict[str, Any]:
    """Run the PDF parser in a child process bounded by ``timeout_s`` (None: in-process)."""
    if timeout_s is None:
        return _pdf_extract(str(path))
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_pdf_child, args=(str(path), child), daemon=True)
    proc.start()
    child.close()
    try:
        if parent.poll(timeout_s):
            try:
                return parent.recv()
            except EOFError:
                return {"error": "PDF parser crashed"}
        return {"error": f"PDF parsing took longer than {timeout_s:g} s; skipped"}
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        parent.close()


_TRAILING_STOP = {"in", "of", "the", "and", "for", "with", "a", "an", "to", "on", "by", "from", "at", "or"}


def _trusted_pdf_title(title: str, first_page: str) -> str | None:
    """The PDF's /Title if it looks whole; completed from page 1 if it was cut short; else None.

    Producers often write a file name or a prefix-cut title ("A loss-of-function mutation in").
    """
    title = " ".join(normalise_text(title).split())
    if len(title) < 8 or title.lower().endswith((".doc", ".docx", ".pdf", ".tex", ".indd")):
        return None
    last = title.rsplit(" ", 1)[-1].lower()
    page = " ".join(first_page[:3000].split())
    pos = page.lower().find(title.lower())
    if last in _TRAILING_STOP or title.endswith(("-", ",", ":")):
        if pos < 0:
            return None
        rest = page[pos + len(title) :]
        # extend to the end of the title phrase: stop at a sentence end or an author-list comma run
        match = re.match(r"^([^.\n]{1,200}?)(?=\s+(?:[A-Z][a-z]+\s[A-Z]{1,2}\b|[A-Z][a-z]+\s[A-Z][a-z]+\d|[A-Z][a-z]+,|\d|·|Received|Abstract)|[.]|$)", rest)
        return (title + (match.group(1) if match else "")).strip() or None
    return title


def load_pdf(
    path: Path, folder_meta: Mapping[str, Any], *, timeout_s: float | None = 120.0
) -> ParsedDocument:
    if path.stat().st_size == 0:
        raise LoadError(path, "empty file (0 bytes)")
    result = extract_pdf(path, timeout_s)
    if "error" in result:
        raise LoadError(path, result["error"])
    page_texts = strip_running_lines(dehyphenate([normalise_text(t) for t in result["pages"]]))
    if not page_texts:
        raise LoadError(path, "PDF has no pages")
    parts: list[str] = []
    pages: list[Span] = []
    pos = 0
    for number, page_text in enumerate(page_texts, start=1):
        if parts:
            sep = page_separator(parts[-1], page_text)
            parts.append(sep)
            pos += len(sep)
        parts.append(page_text)
        pages.append(Span(start=pos, end=pos + len(page_text), page=number))
        pos += len(page_text)
    text = "".join(parts)
    n_chars = sum(len(t) for t in page_texts)
    if n_chars == 0:
        raise LoadError(path, "no text layer (image-only or scanned PDF; OCR it first)")
    if len(text.strip()) < MIN_TEXT_CHARS:
        pages_said = f"{len(page_texts)} page" + ("s" if len(page_texts) != 1 else "")
        raise LoadError(
            path,
            f"only {n_chars} characters of text on {pages_said}, too few to index (a form, or "
            "a scan whose text is in images: OCR it first)",
        )
    pdf_meta = {k: v for k, v in (result.get("meta") or {}).items() if v}
    if pdf_meta.get("title"):
        fixed = _trusted_pdf_title(str(pdf_meta["title"]), page_texts[0])
        if fixed:
            pdf_meta["title"] = fixed
        else:
            pdf_meta.pop("title")
    pdf_meta = clean_meta(pdf_meta, f"{path} PDF metadata", lenient=True)
    meta = merge_meta(_sidecar_meta(path), pdf_meta, folder_meta)
    first_line = next((ln for ln in text.splitlines() if len(ln.strip()) > 8), None)
    doc = _document(
        path, text, meta, "pdf", fallback_title=first_line, n_pages=len(page_texts)
    )
    styled = [[(normalise_text(t), size, bold) for t, size, bold in lines] for lines in result.get("styled") or []]
    found = find_headings(page_texts, styled or None, result.get("outline"))
    headings = [
        (pages[h.page].start + h.start, pages[h.page].start + h.end, h.level, h.title)
        for h in found
        if h.page < len(pages)
    ]
    return ParsedDocument(document=doc, text=text, sections=pdf_sections(text, headings), pages=pages)


def heading_spans(text: str, headings: Sequence[tuple[int, int, int, str]]) -> list[Span]:
    """Section spans of ``text`` from its headings ``(start, end, level, title)`` (absolute
    offsets, in order): each heading's section runs from the end of its heading line to the next
    heading, and its path is the titles of the headings above it (lower levels) and its own, as
    Markdown sections are. The text before the first heading has no path; heading lines are in
    no section (their words are in the path)."""
    sections: list[Span] = []
    path: list[tuple[int, str]] = []
    first = headings[0][0] if headings else len(text)
    if text[:first].strip():
        sections.append(Span(start=0, end=first))
    for i, (_, end, level, title) in enumerate(headings):
        # a reference list's heading heads nothing after the list (an appendix set smaller)
        path = [(lvl, t) for lvl, t in path if lvl < level and not BIBLIOGRAPHY_HEADING.match(t)]
        path.append((level, title))
        stop = headings[i + 1][0] if i + 1 < len(headings) else len(text)
        if text.startswith("\n", end) and end < stop:
            end += 1  # the section starts on the line after its heading
        if text[end:stop].strip():
            sections.append(Span(start=end, end=stop, section=tuple(t for _, t in path)))
    return sections


def pdf_sections(text: str, headings: Sequence[tuple[int, int, int, str]] = ()) -> list[Span]:
    """Section spans of a PDF's text: the sections of its headings (:func:`heading_spans`; found by
    :func:`curbside.ingest.pdftext.find_headings`) with its reference lists cut out as sections of
    their own (named by their heading line, which
    :func:`curbside.ingest.pdftext.is_bibliography` recognises). Text after a reference list that
    is still under the list's own heading (the acknowledgements, the declarations) keeps the path
    above it, not the list's."""
    lists = bibliography_spans(text)
    # a reference list's own heading line is the start of its span, not a heading of the body
    headings = [h for h in headings if not any(s <= h[0] < e for s, e, _ in lists)]
    body = heading_spans(text, headings) if headings else [Span(start=0, end=len(text))]
    sections: list[Span] = []
    for span in body:
        pos, path = span.start, span.section
        if path and BIBLIOGRAPHY_HEADING.match(path[-1]):
            path = path[:-1]
        for start, end, heading in lists:
            if end <= pos or start >= span.end:
                continue
            start, end = max(start, pos), min(end, span.end)
            if text[pos:start].strip():
                sections.append(Span(start=pos, end=start, section=path))
            sections.append(Span(start=start, end=end, section=(*path, heading)))
            pos = end
        if text[pos : span.end].strip():
            sections.append(Span(start=pos, end=span.end, section=path))
    return sections or [Span(start=0, end=len(text))]


def load_jsonl(path: Path, data: bytes, folder_meta: Mapping[str, Any]) -> LoadResult:
    """One document per line (PubMed/BEIR shape): id, title, text|abstract, year, publisher|journal, kind.

    A record's own fields win, then the file's sidecar (``corpus.jsonl.meta.yaml``: a ``kind`` or
    ``publisher`` for every record of the file), then the folder's manifest, as for other formats.
    """
    raw = decode_utf8(path, data)
    file_meta = merge_meta(_sidecar_meta(path), folder_meta)
    docs: list[ParsedDocument] = []
    issues: list[LoadIssue] = []
    for lineno, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            issues.append(LoadIssue(path=where, reason=f"invalid JSON ({exc.msg})"))
            continue
        except RecursionError:  # "[[[[…" thousands deep: the parser recurses once per level
            issues.append(LoadIssue(path=where, reason="invalid JSON (nested too deeply to parse)"))
            continue
        except ValueError as exc:  # e.g. an integer over Python's 4,300-digit conversion limit
            issues.append(LoadIssue(path=where, reason=f"invalid JSON ({exc})"))
            continue
        if not isinstance(record, dict):
            issues.append(LoadIssue(path=where, reason="line is not a JSON object"))
            continue
        body = record.get("text") or record.get("abstract") or record.get("contents")
        if isinstance(body, list) and all(isinstance(x, str) for x in body):
            body = "\n\n".join(body)
        if not isinstance(body, str) or len(normalise_text(body)) < MIN_TEXT_CHARS:
            issues.append(LoadIssue(path=where, reason="record has no 'text' or 'abstract' with usable text"))
            continue
        try:
            meta = merge_meta(clean_meta(record, where), file_meta)
        except MetadataError as exc:
            issues.append(LoadIssue(path=where, reason=str(exc).removeprefix(f"{where}: ")))
            continue
        text = normalise_text(body)
        rid = record.get("id") or record.get("_id") or record.get("pmid")
        if not (_is_record_id(rid)):
            rid = lineno  # no id, or one that is not a short string or number: the line number
        doc = _document(
            path,
            text,
            meta,
            "jsonl",
            fallback_title=f"{path.stem} record {rid}",
            record_path=f"{path}#{rid}",
        )
        docs.append(ParsedDocument(document=doc, text=text, sections=[Span(start=0, end=len(text))]))
    if not docs and not issues:
        issues.append(LoadIssue(path=str(path), reason="empty JSONL file (no records)"))
    return LoadResult(documents=docs, issues=issues)


def _is_record_id(value: Any) -> bool:
    return (isinstance(value, str) and 0 < len(value) <= MAX_RECORD_ID_CHARS) or (
        isinstance(value, int) and not isinstance(value, bool)
    )


Loader = Callable[[Path, bytes, Mapping[str, Any]], ParsedDocument]
_BYTE_LOADERS: dict[str, Loader] = {
    "markdown": load_markdown,
    "html": load_html,
    "text": load_text,
}


def load_file(
    path: Path,
    folder_meta: Mapping[str, Any] | None = None,
    *,
    max_bytes: int | None = None,
    pdf_timeout_s: float | None = 120.0,
) -> LoadResult:
    """Load any supported file. Raises :class:`LoadError` for a file that yields nothing."""
    folder_meta = folder_meta or {}
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise LoadError(path, f"unsupported file type {path.suffix!r}")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(path, f"cannot read ({exc.strerror})") from exc
    if size == 0:
        raise LoadError(path, "empty file (0 bytes)")
    if max_bytes is not None and size > max_bytes:
        raise LoadError(path, f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit")
    if kind == "pdf":
        return LoadResult([load_pdf(path, folder_meta, timeout_s=pdf_timeout_s)], [])
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(path, f"cannot read ({exc.strerror})") from exc
    if kind == "jsonl":
        result = load_jsonl(path, data, folder_meta)
        if not result.documents:
            reasons = "; ".join(f"{i.path}: {i.reason}" for i in result.issues[:3])
            raise LoadError(path, f"no usable records ({reasons})")
        return result
    return LoadResult([_BYTE_LOADERS[kind](path, data, folder_meta)], [])
