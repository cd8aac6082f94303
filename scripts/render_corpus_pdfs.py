"""Render the Markdown sources in ``corpus/pdf-sources/`` into PDFs in ``corpus/pdf/``.

A few documents of the bundled demo corpus are shipped as PDFs so that the PDF loader of the
ingest is exercised on real files. Their text is written and reviewed as Markdown (same format as
every other corpus document, see ``corpus/FORMAT.md``) and turned into PDFs by this script.

For every ``corpus/pdf-sources/<stem>.md`` the script writes:

* ``corpus/pdf/<stem>.pdf``: A4 pages, built-in core fonts (Helvetica), bold headings, wrapped
  paragraphs, list items and ``Page N of M`` in the footer. The PDF metadata carries the front
  matter: Title = ``title``, Author = ``publisher``, Subject =
  ``"Curbside corpus summary (<kind>, <year>)"`` and Creator =
  ``"curbside scripts/render_corpus_pdfs.py"``.
* ``corpus/pdf/<stem>.meta.yaml``: a sidecar holding ``title``, ``publisher``, ``year``, ``kind``
  and ``url`` from the front matter, which the ingest reads ahead of the PDF's own metadata.

The output is deterministic: the creation date is fixed (1 January of the source's year, UTC) and
the producer string does not carry the fpdf2 version, so re-running the script on unchanged
sources produces byte-identical files.

The core fonts only cover Latin-1, so characters outside it (en and em dashes, ``≥``, ``≤``, Greek
``μ``, curly quotes, subscripts and so on) are transliterated before rendering; anything still not
encodable becomes ``?`` so that rendering never fails.

Usage, from the repository root::

    .venv/bin/python scripts/render_corpus_pdfs.py            # render everything
    .venv/bin/python scripts/render_corpus_pdfs.py --verify   # render, then check with pypdf
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from fpdf import FPDF
from fpdf.enums import XPos, YPos

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE_DIR = REPO_ROOT / "corpus" / "pdf-sources"
DEFAULT_OUTPUT_DIR = REPO_ROOT / "corpus" / "pdf"

META_KEYS: tuple[str, ...] = ("title", "publisher", "year", "kind", "url")
CREATOR = "curbside scripts/render_corpus_pdfs.py"
PRODUCER = "fpdf2"

FONT = "Helvetica"
BODY_SIZE = 10.5
LINE_HEIGHT = 5.4
HEADING_SIZES: dict[int, float] = {1: 16.0, 2: 12.5, 3: 11.0}
LIST_INDENT_MM = 6.0

# Characters outside Latin-1 that appear in clinical text, mapped to Latin-1 stand-ins.
_TRANSLITERATIONS: dict[str, str] = {
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2013": "-",  # en dash
    "\u2014": " - ",  # em dash
    "\u2015": " - ",  # horizontal bar
    "\u2212": "-",  # minus sign
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2032": "'",
    "\u2033": '"',
    "\u2026": "...",
    "\u2022": "-",  # bullet
    "\u2023": "-",
    "\u2043": "-",
    "\u00b7": "\u00b7",  # middle dot is Latin-1 already
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2260": "!=",
    "\u2248": "~",
    "\u2192": "->",
    "\u2190": "<-",
    "\u2191": "up",
    "\u2193": "down",
    "\u00a0": " ",  # no-break space (Latin-1, but normalise it anyway)
    "\u2009": " ",  # thin space
    "\u202f": " ",  # narrow no-break space
    "\u200b": "",  # zero-width space
    "\u03bc": "\u00b5",  # Greek mu -> micro sign (Latin-1)
    "\u03b1": "alpha",
    "\u03b2": "beta",
    "\u03b3": "gamma",
    "\u03b4": "delta",
    "\u03ba": "kappa",
    "\u2122": "(TM)",
    "\u2082": "2",  # subscript two (as in CHA2DS2-VASc)
    "\u2083": "3",
}

_LINK_RE = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")
_BOLD_RE = re.compile(r"(\*\*|__)(.+?)\1")
_ITALIC_RE = re.compile(r"(?<![\w*])[*_](?!\s)(.+?)(?<!\s)[*_](?![\w*])")
_CODE_RE = re.compile(r"`([^`]+)`")
_BULLET_RE = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED_RE = re.compile(r"^\s*(\d+)[.)]\s+(.*)$")
_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


class SourceError(ValueError):
    """A source file cannot be rendered; the message names the file and the problem."""


@dataclass(frozen=True)
class Block:
    """One rendered unit of a Markdown body.

    Attributes:
        kind: ``"heading"``, ``"paragraph"``, ``"quote"``, ``"bullet"`` or ``"numbered"``.
        text: The block's text with inline Markdown removed.
        level: Heading level for headings, otherwise 0.
        marker: The list marker for list items (``"-"`` or ``"3."``), otherwise ``""``.
    """

    kind: str
    text: str
    level: int = 0
    marker: str = ""


def to_latin1(text: str) -> str:
    """Return ``text`` with every character representable in Latin-1.

    Known typographic characters are transliterated first; other characters are decomposed
    (NFKD) and stripped of combining marks; anything left that Latin-1 cannot encode becomes
    ``?``. Runs of spaces between words (left by e.g. ``" — "``) collapse to one.

    Args:
        text: Any Unicode string.

    Returns:
        A string that encodes to Latin-1 without errors.
    """
    out: list[str] = []
    for char in text:
        if char in _TRANSLITERATIONS:
            out.append(_TRANSLITERATIONS[char])
            continue
        if ord(char) < 256:
            out.append(char)
            continue
        decomposed = unicodedata.normalize("NFKD", char)
        stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
        out.append(stripped if stripped and all(ord(c) < 256 for c in stripped) else "?")
    return re.sub(r"(?<=\S) {2,}(?=\S)", " ", "".join(out))


def strip_inline_markdown(text: str) -> str:
    """Remove inline Markdown markup, keeping the visible text.

    Links become ``text (url)``; bold, italic and code markers are dropped.

    Args:
        text: One line or paragraph of Markdown.

    Returns:
        Plain text.
    """
    text = _LINK_RE.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text)
    text = _CODE_RE.sub(r"\1", text)
    text = _BOLD_RE.sub(r"\2", text)
    text = _ITALIC_RE.sub(r"\1", text)
    return text


def split_front_matter(text: str, where: str) -> tuple[dict[str, Any], str]:
    """Split a Markdown file into its YAML front matter and its body.

    Args:
        text: The whole file.
        where: The file name, used in error messages.

    Returns:
        The front matter as a mapping, and the body text after the closing ``---``.

    Raises:
        SourceError: If the front matter is missing, unclosed, not YAML, or lacks a field.
    """
    match = re.match(r"---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|$)", text, flags=re.S)
    if not match:
        raise SourceError(f"{where}: no YAML front matter ('---' block) at the top")
    try:
        data = yaml.safe_load(match.group(1) or "") or {}
    except yaml.YAMLError as exc:
        raise SourceError(f"{where}: malformed YAML front matter: {exc}") from exc
    if not isinstance(data, dict):
        raise SourceError(f"{where}: front matter must be a YAML mapping")
    missing = [key for key in META_KEYS if data.get(key) in (None, "")]
    if missing:
        raise SourceError(f"{where}: front matter lacks {', '.join(missing)}")
    try:
        int(str(data["year"]))
    except ValueError as exc:
        raise SourceError(f"{where}: front matter 'year' is {data['year']!r}, not a year") from exc
    return data, text[match.end() :]


def parse_blocks(body: str) -> list[Block]:
    """Turn a Markdown body into a flat list of blocks.

    Consecutive non-blank lines form one paragraph (as in Markdown), headings and list items
    are blocks of their own, and ``>`` lines form a quote block. Fenced code, tables and images
    are not expected in corpus documents and are rendered as plain paragraphs.

    Args:
        body: Markdown text without front matter.

    Returns:
        The blocks in document order.
    """
    blocks: list[Block] = []
    para: list[str] = []
    quote: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(Block("paragraph", strip_inline_markdown(" ".join(para))))
            para.clear()
        if quote:
            blocks.append(Block("quote", strip_inline_markdown(" ".join(quote))))
            quote.clear()

    for raw in body.splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith(">"):
            if para:
                flush()
            quote.append(line.lstrip(">").strip())
            continue
        heading = _HEADING_RE.match(line)
        bullet = _BULLET_RE.match(line)
        numbered = _NUMBERED_RE.match(line)
        if heading:
            flush()
            level = min(len(heading.group(1)), 3)
            blocks.append(Block("heading", strip_inline_markdown(heading.group(2)), level=level))
        elif bullet:
            flush()
            blocks.append(Block("bullet", strip_inline_markdown(bullet.group(1)), marker="-"))
        elif numbered:
            flush()
            blocks.append(
                Block(
                    "numbered",
                    strip_inline_markdown(numbered.group(2)),
                    marker=f"{numbered.group(1)}.",
                )
            )
        else:
            if quote:
                flush()
            para.append(line)
    flush()
    return blocks


class CorpusPDF(FPDF):
    """FPDF on A4 with a short ``Page N of M`` footer.

    The footer is kept short on purpose: text extraction puts it between the last line of one
    page and the first line of the next, so anything longer would add noise to indexed text.
    """

    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")

    def footer(self) -> None:
        """Print ``Page N of M`` centred at the bottom of each page."""
        self.set_y(-14)
        self.set_font(FONT, "I", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 6, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def render_pdf(meta: dict[str, Any], blocks: list[Block]) -> bytes:
    """Lay out the blocks of one document and return the PDF bytes.

    Args:
        meta: Front matter holding at least title, publisher, year, kind and url.
        blocks: The parsed body.

    Returns:
        The complete PDF file as bytes.
    """
    year = int(str(meta["year"]))
    title = to_latin1(str(meta["title"]).strip())
    publisher = to_latin1(str(meta["publisher"]).strip())
    kind = to_latin1(str(meta["kind"]).strip())

    pdf = CorpusPDF()
    pdf.set_title(title)
    pdf.set_author(publisher)
    pdf.set_subject(f"Curbside corpus summary ({kind}, {year})")
    pdf.set_creator(CREATOR)
    pdf.set_producer(PRODUCER)
    pdf.set_creation_date(dt.datetime(year, 1, 1, tzinfo=dt.UTC))
    pdf.set_lang("en")
    pdf.alias_nb_pages()
    pdf.set_margins(left=20, top=20, right=20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()

    for block in blocks:
        text = to_latin1(block.text)
        if block.kind == "heading":
            size = HEADING_SIZES.get(block.level, HEADING_SIZES[3])
            pdf.ln(3 if block.level > 1 else 0)
            pdf.set_font(FONT, "B", size)
            pdf.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            if block.level == 1:
                pdf.set_font(FONT, "", 9)
                pdf.set_text_color(80, 80, 80)
                source_line = to_latin1(f"Source summarised: {title}. {publisher}, {year}.")
                pdf.multi_cell(0, 4.6, source_line, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
                pdf.set_text_color(0, 0, 0)
            pdf.ln(1.5)
        elif block.kind == "quote":
            pdf.set_font(FONT, "I", 9.5)
            pdf.set_text_color(70, 70, 70)
            pdf.multi_cell(0, 5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_text_color(0, 0, 0)
            pdf.ln(2)
        elif block.kind in ("bullet", "numbered"):
            pdf.set_font(FONT, "", BODY_SIZE)
            pdf.set_x(pdf.l_margin + 2)
            pdf.cell(LIST_INDENT_MM, LINE_HEIGHT, to_latin1(block.marker))
            pdf.multi_cell(0, LINE_HEIGHT, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(0.8)
        else:
            pdf.set_font(FONT, "", BODY_SIZE)
            pdf.multi_cell(0, LINE_HEIGHT, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(2)
    return bytes(pdf.output())


def sidecar_yaml(meta: dict[str, Any]) -> str:
    """Return the sidecar YAML text for one document.

    Args:
        meta: Front matter of the source.

    Returns:
        YAML with title, publisher, year, kind and url, in that order.
    """
    data: dict[str, Any] = {}
    for key in META_KEYS:
        value = meta[key]
        data[key] = int(str(value)) if key == "year" else str(value).strip()
    header = "# Generated by scripts/render_corpus_pdfs.py from corpus/pdf-sources; do not edit.\n"
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless the file already holds exactly those bytes.

    Args:
        path: Destination file.
        data: Content to write.

    Returns:
        True if the file was written, False if it was already up to date.
    """
    if path.is_file() and path.read_bytes() == data:
        return False
    path.write_bytes(data)
    return True


def render_one(source: Path, output_dir: Path) -> tuple[Path, bool]:
    """Render one Markdown source into its PDF and sidecar.

    Args:
        source: A ``.md`` file with corpus front matter.
        output_dir: Folder for ``<stem>.pdf`` and ``<stem>.meta.yaml``.

    Returns:
        The PDF path, and whether the PDF or sidecar changed on disk.

    Raises:
        SourceError: If the source lacks usable front matter.
    """
    meta, body = split_front_matter(source.read_text(encoding="utf-8"), str(source))
    pdf_bytes = render_pdf(meta, parse_blocks(body))
    pdf_path = output_dir / f"{source.stem}.pdf"
    meta_path = output_dir / f"{source.stem}.meta.yaml"
    changed_pdf = write_if_changed(pdf_path, pdf_bytes)
    changed_meta = write_if_changed(meta_path, sidecar_yaml(meta).encode("utf-8"))
    return pdf_path, changed_pdf or changed_meta


def verify_pdf(pdf_path: Path, source: Path) -> list[str]:
    """Check a rendered PDF with pypdf.

    The text must extract, must contain the first body heading, and a source of more than
    about 450 words must span more than one page.

    Args:
        pdf_path: The rendered PDF.
        source: Its Markdown source, used to judge the expected length.

    Returns:
        Problems found; empty if the PDF looks right.
    """
    import pypdf  # imported lazily: only --verify needs it

    problems: list[str] = []
    reader = pypdf.PdfReader(str(pdf_path))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    words = len(source.read_text(encoding="utf-8").split())
    if len(text.split()) < 50:
        problems.append(f"{pdf_path.name}: only {len(text.split())} words extract")
    if words > 450 and len(reader.pages) < 2:
        problems.append(f"{pdf_path.name}: {words}-word source rendered on a single page")
    info: Any = reader.metadata or {}
    if not info.get("/Title") or not info.get("/Author"):
        problems.append(f"{pdf_path.name}: Title or Author metadata missing")
    return problems


def _display(path: Path) -> str:
    """Return ``path`` relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point.

    Args:
        argv: Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns:
        The process exit status: 0 on success, 1 if any source failed or verification failed.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source-dir", type=Path, default=DEFAULT_SOURCE_DIR)
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT_DIR)
    parser.add_argument(
        "--verify", action="store_true", help="check each PDF with pypdf after rendering"
    )
    args = parser.parse_args(argv)

    sources = sorted(args.source_dir.glob("*.md"))
    if not sources:
        print(f"no Markdown sources in {args.source_dir}", file=sys.stderr)
        return 1
    args.output_dir.mkdir(parents=True, exist_ok=True)

    failures = 0
    for source in sources:
        try:
            pdf_path, changed = render_one(source, args.output_dir)
        except SourceError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failures += 1
            continue
        status = "written" if changed else "unchanged"
        print(f"{status:9s} {_display(pdf_path)}")
        if args.verify:
            for problem in verify_pdf(pdf_path, source):
                print(f"verify: {problem}", file=sys.stderr)
                failures += 1

    stale = sorted(
        p for p in args.output_dir.glob("*.pdf") if not (args.source_dir / f"{p.stem}.md").is_file()
    )
    for path in stale:
        print(f"warning: {path.name} has no source in {args.source_dir}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
