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
from collections import Counter
from collections.abc import Sequence

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
