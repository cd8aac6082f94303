"""Layout clean-up of text extracted from PDF pages. Pure functions: page texts in, text out.

A PDF page's text layer carries what the reader's eye skips: the running header and footer printed
on every page ("Version 2.3 - September 2016", "Diabetologia (2024) 67:940-951", the page number),
and, near the end of a paper or report, a reference list whose entries are other works' titles
("Hypertension prevalence among adults aged 18 and over"). Both read as sentences to a sentence
splitter, and a reference title matches a question about its topic better than the answer does.

- :func:`strip_running_lines` drops lines that recur at the top or bottom of many pages
  (compared with their digits masked, so "Page 3" and "Page 4" are one line).
- :func:`bibliography_spans` finds the reference list: a heading line (``References``,
  ``Bibliography``, ``Literature cited``...) followed by entries that start as reference entries do
  (a number counting up, or an author's surname and initials), up to the end of the last entry.
  The loader makes it a section of its own, which answers never quote (:func:`is_bibliography`).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

EDGE_LINES = 3
"""Lines at each end of a page searched for a running header or footer: a header is a line or
two (title, date, page number), and body text starts right after it."""
RUNNING_MIN_PAGES = 3
RUNNING_SHARE = 0.4
"""A line at a page's edge is a running header or footer when it recurs (digits masked) at the
edge of at least this share of the pages, and of at least ``RUNNING_MIN_PAGES`` pages: journals
alternate left and right page headers, so each of the two recurs on about half the pages."""
RUNNING_MAX_CHARS = 120
"""A running line is short: a title, a journal reference, a page number. A longer recurring line
is content (a repeated table heading row may be long, and is left alone)."""

_DIGITS = re.compile(r"\d+")
_NOT_WORD = re.compile(r"[\W_]+")

BIBLIOGRAPHY_HEADING = re.compile(
    r"^\s*(?:\d{1,2}\.?\s+)?(?:references?(?:\s+cited)?|reference\s+list|bibliography|literature\s+cited|"
    r"works\s+cited|cited\s+literature)\s*:?\s*$",
    re.I,
)
"""A reference list's heading: the line holds the heading alone (a contents line also carries its
page number, a sentence more words)."""
_NUMBERED_ENTRY = re.compile(r"^\s*(?:\[(\d{1,4})\]|(\d{1,4})\.)\s+\S")
_AUTHOR_ENTRY = re.compile(r"^\s*[A-Z][\w'\u2019-]+(?:[ -][A-Z][\w'\u2019-]+)?,?\s+(?:[A-Z]{1,3}\b|[A-Z]\.)")
"""How a reference entry starts: ``12. ``/``[12] `` (numbered lists) or ``Surname AB`` /
``Surname, A.`` (author-year lists)."""
ENTRY_GAP_LINES = 10
"""An entry is at most this many lines long (a long author list in a narrow column): a reference
list ends when no entry starts within this many lines of the previous one."""
ENTRY_LINES = 6
"""Lines the last entry may take: it ends earlier at a line that closes it and is followed by one
that starts with a capital (the next heading: "Acknowledgements", "Figure Tables")."""
NUMBER_STEP = 3
"""Numbered entries count up by one; a list extracted from two columns may skip a few. A number
outside this step is another list (a numbered checklist after the references)."""
MIN_ENTRIES = 2
RESUME_LINES = 150
"""Lines (a page or two) searched for the continuation of a numbered list after an interruption."""
"""Fewer entries than this after a heading: the word was not the head of a reference list."""


def mask_digits(line: str) -> str:
    """A line's identity as a running line: digits masked, case, spaces and punctuation ignored
    ("Version 2.3- September 2016" is "Version 2.3 - September 2016")."""
    return _NOT_WORD.sub("", _DIGITS.sub("0", line)).lower()


def strip_running_lines(pages: Sequence[str]) -> list[str]:
    """The pages' texts without their running headers and footers (see the module docstring).

    With fewer than ``RUNNING_MIN_PAGES`` pages nothing recurs often enough to tell, and the
    pages come back as they are. A page whose lines are all running lines keeps its text.
    """
    if len(pages) < RUNNING_MIN_PAGES:
        return list(pages)
    split = [page.split("\n") for page in pages]
    counts: Counter[str] = Counter()
    for lines in split:
        edge = {mask_digits(ln) for ln in lines[:EDGE_LINES] + lines[-EDGE_LINES:]}
        counts.update(k for k in edge if k and len(k) <= RUNNING_MAX_CHARS)
    need = max(RUNNING_MIN_PAGES, RUNNING_SHARE * len(pages))
    running = {k for k, n in counts.items() if n >= need}
    if not running:
        return list(pages)
    out = []
    for lines in split:
        n = len(lines)
        keep = [
            ln for i, ln in enumerate(lines)
            if not ((i < EDGE_LINES or i >= n - EDGE_LINES) and mask_digits(ln) in running)
        ]
        text = "\n".join(keep).strip()
        out.append(text if text else "\n".join(lines))
    return out


_LINE_END_HYPHEN = re.compile(r"([A-Za-z]*[a-z])( ?)-\n([a-z][A-Za-z]*)")
"""A word broken at a line end. Justified two-column text often comes out of pypdf with a space
before the hyphen ("congenital hyperinsu -" / "linism"): the space is layout, like the break."""
_WORDS = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
TAIL_WORD_CHARS = 4
"""A line-end hyphen stays when the part after it is itself a word of the document at least this
long ("dose-" / "dependent", "long-" / "term"); "pregnan-" / "cies" and "pro-" / "cesses" join."""
COMPOUND_TAIL_CHARS = 6
"""It also stays when the part before it is a word of the document (at least ``TAIL_WORD_CHARS``
long) and the part after it is long enough to be a word of its own ("diabetes-" / "related"), not a
suffix ("normal-" / "ised")."""


def dehyphenate(pages: Sequence[str]) -> list[str]:
    """Line-end hyphens resolved with the document's own words as the dictionary.

    A word broken at a line end ("treat-" / "ment") is joined; a compound that happens to break at
    its hyphen ("dose-" / "dependent", "multi-" / "tRNA") keeps it. In order: the joined word
    occurs elsewhere in the document: join; the hyphenated pair occurs elsewhere: keep; the part
    after the hyphen is a word of the document (:data:`TAIL_WORD_CHARS`), or the part before it
    is one and the part after it is word-long (:data:`COMPOUND_TAIL_CHARS`): keep; otherwise join.
    A break with a space before its hyphen ("hyperinsu -" / "linism") is resolved the same way,
    except that two words of the document either side of it are left apart (it may be a dash).
    """
    words: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for page in pages:
        # the broken words themselves ("pregnan", "cies") are no evidence
        for token in _WORDS.findall(_LINE_END_HYPHEN.sub(" ", page)):
            parts = token.lower().split("-")
            words.update(parts)
            pairs.update(itertools.pairwise(parts))

    def resolve(m: re.Match[str]) -> str:
        left, spaced, right = m.group(1), m.group(2), m.group(3)
        lo_left, lo_right = left.lower(), right.lower()
        if lo_left + lo_right in words:
            return left + right
        if (lo_left, lo_right) in pairs:
            return f"{left}-{right}"
        compound = (len(right) >= TAIL_WORD_CHARS and lo_right in words) or (
            len(left) >= TAIL_WORD_CHARS and lo_left in words and len(right) >= COMPOUND_TAIL_CHARS
        )  # "dose-" / "dependent"; "diabetes-" / "related", "negative-" / "feedback"
        if compound:
            # two words of the document either side of " -": as likely a dash as a hyphen, left as it is
            return m.group(0) if spaced else f"{left}-{right}"
        return left + right

    return [_LINE_END_HYPHEN.sub(resolve, page) for page in pages]


_OPEN_PAGE_END = re.compile(r"[a-z,;]\s*$")


def page_separator(previous: str, page: str) -> str:
    """What joins two pages' texts: a line break when a sentence runs on from one to the next
    ("... an incidence substantially" / "higher than in the general population"), else a blank
    line, which ends every sentence (PDF text is split into sentences at blank lines)."""
    if _OPEN_PAGE_END.search(previous) and page.lstrip()[:1].islower():
        return "\n"
    return "\n\n"


def _line_spans(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def _entry_number(line: str) -> int | None:
    m = _NUMBERED_ENTRY.match(line)
    if m is None:
        return None
    return int(m.group(1) or m.group(2))


def bibliography_spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, heading)`` of the reference lists in ``text``, heading line included, in order.

    A numbered list interrupted by a table or a figure (two-column pages) resumes where its count
    does, within ``RESUME_LINES``: the resumed part is a span of its own, under the same heading.
    """
    lines = _line_spans(text)

    def line(k: int) -> str:
        return text[lines[k][0] : lines[k][1]]

    def scan(first: int, last_number: int | None) -> tuple[int, int | None, int]:
        """From line ``first`` (an entry start or a heading): the last entry's line, its number, how many."""
        last_start, entries = first, 0
        j = first + 1
        while j < len(lines) and j - last_start <= ENTRY_GAP_LINES:
            number = _entry_number(line(j))
            if number is not None and _counts_on(last_number, number):
                last_start, last_number, entries = j, number, entries + 1
            elif number is None and last_number is None and _AUTHOR_ENTRY.match(line(j)) and (
                j == first + 1 or line(j - 1).rstrip().endswith((".", ")"))
            ):
                last_start, entries = j, entries + 1  # an author-year entry starts after one that closed
            j += 1
        return last_start, last_number, entries

    def entry_end(last_start: int) -> int:
        end = last_start
        while end + 1 < len(lines) and end + 1 - last_start < ENTRY_LINES:
            here, nxt = line(end).rstrip(), line(end + 1).lstrip()
            if not nxt or (here.endswith((".", ")")) and nxt[:1].isupper()):
                break  # a page break, or the entry closed and something new begins
            end += 1
        return end

    out: list[tuple[int, int, str]] = []
    i = 0
    while i < len(lines):
        if not BIBLIOGRAPHY_HEADING.match(line(i)):
            i += 1
            continue
        first, heading = i, line(i).strip()
        last_start, number, entries = scan(i, None)
        if entries < MIN_ENTRIES:
            i += 1
            continue
        while True:
            end = entry_end(last_start)
            out.append((lines[first][0], lines[end][1], heading))
            i = end + 1
            resume = next(
                (k for k in range(i, min(len(lines), i + RESUME_LINES)) if number is not None
                 and (n := _entry_number(line(k))) is not None and _counts_on(number, n)),
                None,
            )
            if resume is None:
                break
            first = resume
            last_start, number, _ = scan(resume, _entry_number(line(resume)))
    return out


def _counts_on(last: int | None, number: int) -> bool:
    """``number`` continues a numbered list whose last entry was ``last`` (None: the list's first)."""
    if last is None:
        return 0 < number <= NUMBER_STEP
    return 0 < number - last <= NUMBER_STEP


def is_bibliography(section: Sequence[str]) -> bool:
    """A chunk of a reference list (its section path ends in a reference-list heading)."""
    return bool(section) and BIBLIOGRAPHY_HEADING.match(section[-1]) is not None


# ---------------------------------------------------------------------------------------------
# headings: the document's outline (bookmarks) or its typography


StyledLine = tuple[str, float, bool]
"""A line of a page as the PDF draws it: ``(text, font size in points, bold)``; the extractor
(:func:`curbside.ingest.loaders._pdf_extract`) reads them from pypdf's text visitor."""
OutlineEntry = tuple[int, str, int | None]
"""A bookmark of the PDF's outline: ``(depth, title, page index or None)``."""


@dataclass(frozen=True)
class Heading:
    """A heading found in the text of page ``page`` (0-based) at ``start:end`` (offsets in that
    page's text), at ``level`` (0 the outermost), reading ``title``."""

    page: int
    start: int
    end: int
    level: int
    title: str


_KEY_DROP = re.compile(r"[\W_]+")


def heading_key(text: str) -> str:
    """A heading's identity for matching a bookmark title or a drawn line to the extracted text:
    NFKC, case folded, letters and digits only ("Aims/hypothesis" is the bookmark "Aimshypothesis",
    "EPRS1\\x92structure" the line "EPRS1 structure")."""
    return _KEY_DROP.sub("", unicodedata.normalize("NFKC", text).casefold())


MIN_KEY_CHARS = 3
"""A heading has at least this many letters or digits: a bookmark or a bold line of one or two
characters ("A", "1.") matches too much of a page to place."""
MAX_HEADING_CHARS = 250
"""A heading is at most this long (the longest of the clinical PDFs' bookmarks, a report's question
heading, is about 180 characters): a longer bold or large run is a pull quote or a sidebar."""
MAX_HEADING_LINES = 4
"""Lines a heading may wrap over in the extracted text."""
MIN_OUTLINE_HEADINGS = 2
"""An outline placing fewer headings than this in the text is no table of contents ("_GoBack", a
word processor's stray bookmark); the typography is read instead."""
_JUNK_BOOKMARK = re.compile(r"^_")  # word processors' hidden bookmarks ("_GoBack", "_Toc123")
_CAPTION_LINE = re.compile(r"^\s*(?:Figure|Fig\.|Table|Box|Chart|Exhibit)\s?\d{1,3}[A-Za-z]?\b", re.I)
"""A figure or table caption, often set in bold: it names a figure, it heads no section."""


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", text))
    return starts


def _match_key(text: str, start: int, key: str, max_lines: int = MAX_HEADING_LINES) -> int | None:
    """End offset in ``text`` where the lines from ``start`` spell ``key`` (:func:`heading_key`),
    within ``max_lines`` lines; None when they do not. The heading ends at a line end, or mid-line
    where a run-in heading gives way to its text ("Methods A 31-year-old woman ...": the rest of
    the line starts with a capital or a digit)."""
    i, k, lines = start, 0, 1
    end_limit = min(len(text), start + MAX_HEADING_CHARS + 2 * max_lines)
    while k < len(key) and i < end_limit:
        ch = text[i]
        if ch == "\n":
            lines += 1
            if lines > max_lines:
                return None
        folded = heading_key(ch)
        if folded:
            if not key.startswith(folded, k):
                return None
            k += len(folded)
        i += 1
    if k < len(key):
        return None
    line_end = text.find("\n", i)
    line_end = len(text) if line_end < 0 else line_end
    rest = text[i:line_end].strip()
    if not rest:
        return line_end
    if not heading_key(rest):
        return line_end  # trailing punctuation or a dot leader
    first = rest.lstrip(" .:\u2014\u2013-")[:1]
    return i if first.isupper() or first.isdigit() else None


def outline_headings(pages: Sequence[str], outline: Sequence[OutlineEntry]) -> list[Heading]:
    """The bookmarks of ``outline`` placed in the pages' texts, in reading order.

    Each title is looked for at a line start on the page its bookmark points to, then the next
    page (destinations often point at the top of the page before a heading), after the heading
    placed before it; a title found nowhere is left out, and so is a bookmark of a hidden
    word-processor mark. Depths become levels as they are.
    """
    found: list[Heading] = []
    after_page, after_pos = 0, 0
    starts = [_line_starts(p) for p in pages]
    for depth, title, page in outline:
        key = heading_key(title)
        if len(key) < MIN_KEY_CHARS or len(title) > MAX_HEADING_CHARS or _JUNK_BOOKMARK.match(title.strip()):
            continue
        first = after_page if page is None else max(page, after_page)
        for p in range(first, min(len(pages), first + 2)):
            lo = after_pos if p == after_page else 0
            hit = next(
                ((s, e) for s in starts[p] if s >= lo and (e := _match_key(pages[p], s, key)) is not None),
                None,
            )
            if hit is not None:
                begin = next(i for i in range(hit[0], hit[1]) if heading_key(pages[p][i]))  # "■ 1.5 Kompaktheit"
                found.append(Heading(p, begin, hit[1], depth, " ".join(pages[p][begin : hit[1]].split())))
                after_page, after_pos = p, hit[1]
                break
    return found


HEADING_SIZE_RATIO = 1.15
"""A line drawn in a font this much larger than the body text is a heading whatever its weight
(a 12.5 pt heading over 10.5 pt text; 18 pt over 12 pt)."""
BOLD_HEADING_RATIO = 1.04
"""A bold line this much larger than the body text is a heading (12 pt bold over 11 pt)."""
BOLD_BODY_RATIO = 0.95
"""A bold line of about the body size is a heading when it stands alone as a heading would: a
short line of its own, not a bold run inside a sentence, between closed prose."""
BOLD_HEADING_WORDS = 12
SIZE_STEP = 0.5
"""Font sizes are compared rounded to this many points."""


def body_size(styled: Sequence[Sequence[StyledLine]]) -> float | None:
    """The body text's font size: the size (regular weight) that draws the most characters."""
    counts: Counter[float] = Counter()
    for lines in styled:
        for text, size, bold in lines:
            if not bold:
                counts[size] += len(text.strip())
    return counts.most_common(1)[0][0] if counts else None


def _heading_style(line: StyledLine, body: float) -> bool:
    text, size, bold = line
    words = text.split()
    if not words or len(text) > MAX_HEADING_CHARS or _CAPTION_LINE.match(text):
        return False
    if not heading_key(text):
        return False
    if size >= body * HEADING_SIZE_RATIO or (bold and size >= body * BOLD_HEADING_RATIO):
        return True
    # a bold lead-in ends open ("PPE is used correctly:", "In adults,"): the text it leads in is its own
    return bold and size >= body * BOLD_BODY_RATIO and len(words) <= BOLD_HEADING_WORDS and not text.rstrip().endswith((",", ":"))


REPEATED_HEADING_PAGES = 3
"""A heading line drawn the same on this many pages or more is a table's header row repeated on
every page of the table ("Elements to be assessed  Assessment  Notes"), or a recurring label, not
the head of a section: a document names each of its sections once (an abstract's "Methods" and the
body's make two)."""


def typography_headings(pages: Sequence[str], styled: Sequence[Sequence[StyledLine]]) -> list[Heading]:
    """Headings read from how the lines are drawn: a line larger than the body text, or bold (see
    :func:`_heading_style`), whose text is a whole line of the extracted page. Consecutive heading
    lines of one style are one heading (a title wrapped over two lines), and so are a line ending
    in a colon and the heading line after it (a title and its subtitle); a line repeated on many
    pages is none (:data:`REPEATED_HEADING_PAGES`). Levels follow the styles: the largest size is
    level 0, and at one size a bold heading is above a regular one."""
    body = body_size(styled)
    if body is None:
        return []
    found: list[tuple[int, int, int, tuple[float, bool]]] = []
    for p, (page, lines) in enumerate(zip(pages, styled, strict=False)):
        wanted: dict[str, list[tuple[float, bool]]] = {}
        for line in lines:
            if _heading_style(line, body):
                wanted.setdefault(heading_key(line[0]), []).append((line[1], line[2]))
        if not wanted:
            continue
        pos = 0
        for raw in page.split("\n"):
            start, end = pos, pos + len(raw)
            pos = end + 1
            styles = wanted.get(heading_key(raw))
            if not styles:
                continue
            style = styles.pop(0)
            prev = found[-1] if found else None
            adjacent = prev is not None and prev[0] == p and page[prev[2] : start].strip() == ""
            if prev and adjacent and (prev[3] == style or page[prev[1] : prev[2]].rstrip().endswith(":")):
                # the heading's next line ("2024)"), or the subtitle after a title's colon
                found[-1] = (p, prev[1], end, prev[3])
            elif len(heading_key(raw)) >= MIN_KEY_CHARS and any(ch.isalpha() for ch in raw):
                found.append((p, start, end, style))
    pages_of: dict[str, set[int]] = {}
    for p, s, e, _ in found:
        pages_of.setdefault(heading_key(pages[p][s:e]), set()).add(p)
    found = [
        h for h in found
        if len(pages_of[heading_key(pages[h[0]][h[1] : h[2]])]) < REPEATED_HEADING_PAGES
        and (h[2] - h[1]) <= MAX_HEADING_CHARS + MAX_HEADING_LINES
    ]
    order = sorted({s for *_, s in found}, key=lambda s: (-s[0], not s[1]))
    level = {s: i for i, s in enumerate(order)}
    return [Heading(p, s, e, level[style], " ".join(pages[p][s:e].split())) for p, s, e, style in found]


def find_headings(
    pages: Sequence[str], styled: Sequence[Sequence[StyledLine]] | None, outline: Sequence[OutlineEntry] | None
) -> list[Heading]:
    """A PDF's headings: its outline's bookmarks when it has a usable outline
    (:data:`MIN_OUTLINE_HEADINGS` placed in the text), else what its typography shows."""
    if outline:
        placed = outline_headings(pages, outline)
        if len(placed) >= MIN_OUTLINE_HEADINGS:
            return placed
    return typography_headings(pages, styled) if styled else []
