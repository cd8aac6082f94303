"""Section-aware chunking. Pure functions: parsed text in, chunks out, nothing touches disk.

Chunks never cross a section boundary, are packed from whole sentences, are capped in tokens of the
embedding model's own tokenizer (``count_tokens`` is injected) *including* the title/section prefix
that is embedded with them, and repeat up to ``overlap_tokens`` of trailing sentences. Every chunk
satisfies ``chunk.text == parsed.text[chunk.char_start:chunk.char_end]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

from curbside.ingest.types import Chunk, ParsedDocument, Span

TokenCounter = Callable[[Sequence[str]], list[int]]
TEXT_VERSION = 7
"""Version of the text and sentence spans the loaders and this chunker make of the same file: 2
cleans PDF layout (running headers, reference lists, list items and check-box cells; see
:mod:`curbside.ingest.pdftext`), 3 cuts PDF heading lines off the sentence after them, 4 keeps the
hyphen of compounds broken at a line end and lets a sentence run on across a page break, 5 joins
words broken at a line end after a space ("hyperinsu -" / "linism"), cuts a PDF heading off the
sentence before it too (one capitalised word on a line of its own is a heading), and starts a
sentence at a figure or table caption that interrupts prose, 6 leaves a structured abstract's
run-in heading ("Methods A 31-year-old ...") out of the citable sentence (the sentences embedded at
index time), 7 gives PDF text section paths from its headings (the outline's bookmarks, or lines
set larger or bold: :func:`curbside.ingest.pdftext.find_headings`) and leaves the heading lines
out of the sections, as Markdown headings are. Part of the index hash, so an index built from other text is
re-chunked rather than half-matched by the sentences the answer step splits at query time."""
SPECIAL_TOKENS = 2  # [CLS] ... [SEP]
# The longest entry in the packaged models' vocabularies is 18 characters, so real text needs fewer
# than this many characters per token (a space included); text that needs more is not being
# represented (a WordPiece "word" over 100 characters becomes one [UNK]). A chunk of ``budget``
# tokens is also capped at ``budget * MAX_CHARS_PER_TOKEN`` characters, which bounds its size.
MAX_CHARS_PER_TOKEN = 20
# Characters handed to the tokenizer in one call. Big enough to amortise the call (hundreds of
# sentences), small enough that a fast tokenizer's working memory (about 60 bytes per character,
# measured with MiniLM's) stays near 4 MB whatever the size of the document.
COUNT_BATCH_CHARS = 65_536

_ABBREVIATIONS = {
    "e.g", "i.e", "vs", "etc", "dr", "mr", "mrs", "ms", "fig", "al", "approx", "no", "st", "jr",
    "inc", "ltd", "dept", "u.s", "ca", "cf", "min", "max", "mg", "mcg", "ml", "dl", "vol", "ed",
}
_SENT_END = re.compile(r"[.!?]['\")\]\u2019\u201d\u00bb]*\s+")  # closing quotes, typographic ones too
BULLETS = "\u2022\u25cf\u25aa\u25a0\u25e6\u2023\u2219\u25cb\u25c6\u25ba\u27a2\u2713\u2714\u274f\u2751\u2610\uf0b7\uf0a7\uf0d8"
"""Bullet glyphs that open a list item: typographic bullets, squares, arrows, ticks, check boxes,
and the private-use Symbol/Wingdings bullets that word processors' PDFs carry."""
_ITEM_LINE = re.compile(
    rf"(?:[{BULLETS}]|[-\u2013](?=\s))\s*\S|(?P<enum>(?:[A-Z]|[a-z]|[ivx]{{1,4}}|[IVX]{{1,5}}|\d{{1,2}})[.)]\s+[A-Z(\"\u201c])"
)
"""A PDF line that opens a list item: a bullet, or an enumerator ("G. ", "iii. ", "2) ") before a
capitalised word."""
_CLOSED_LINE = re.compile(r"[.:;!?)\]]['\"\u2019\u201d]*\s*$")
LABEL_WORDS = 3
"""A line of at most this many words none of which starts in lower case is a label (a table cell,
a heading, a check-box caption), not running prose that an enumerator could continue."""
_LIST_LEAD = re.compile(rf"^(?:[-*+\u2013]\s+|[{BULLETS}]\s*|\d+[.)]\s+|>\s*|#+\s+)")
_PDF_ITEM_LEAD = re.compile(r"^(?:[A-Z]|[a-z]|[ivx]{1,4}|[IVX]{1,5})[.)]\s+(?=[A-Z(\"\u201c][a-z(])")
"""A lettered or roman enumerator opening a PDF sentence ("G. Multi-dose vials are dated ...",
"iii. Hands are washed ..."): a list item's marker, which the statement quoted from it leaves out
as it leaves out "5. " (a single capital then a word is an initial only in prose, where it does not
open a sentence: "described by" / "J. Smith")."""
_ABSTRACT_LABELS = (
    r"background|context|importance|introduction|objectives?|aims?|aims?/hypothesis|hypothesis|purpose|"
    r"methods?|design|setting|settings|participants|interventions?|exposures?|"
    r"measurements|main\s+outcomes?(?:\s+and\s+|\s+)measures?|outcomes?|analysis|"
    r"results|findings|limitations|evidence\s+acquisition|evidence\s+synthesis|"
    r"data\s+sources|study\s+selection|data\s+extraction|trial\s+registration|funding"
)
_RUN_IN_LABEL = re.compile(rf"(?i:{_ABSTRACT_LABELS})(?:\s*[:.\u2014\u2013-])?\s+(?=[A-Z0-9][\w\u2019'-]*\s)")
"""A structured abstract's run-in heading set on the line of its first sentence ("Methods A
31-year-old woman was ...", "Results Functional analysis showed ..."): the labels of structured
abstracts (NLM's list, and the journals' pairs), followed by a capitalised word. The statement
quoted from such a sentence leaves the label out, as a heading is left out of the sentence after it
("Results were similar" is prose: a lower-case word follows). Conclusion labels ("Conclusions:",
"Interpretation") stay: they say what the sentence is, and the composer reads them."""
_KEYWORD_LIST = re.compile(r"^(?:key\s?words?|index\s+terms|mesh\s+terms)\b\s*[:.\u2014\u2013-]?\s", re.I)
"""A paper's keyword list ("Keywords: high blood pressure • NHANES", "Keywords Congenital
hyperinsulinism · Glibenclamide"): index terms, which match a question on their topic and state
nothing."""
_WORD = re.compile(r"\S+")
_LINE_BREAK = re.compile(r"\n")
_BLANK_LINE = re.compile(r"\n\s*\n")
_LAST_WORD = re.compile(r"(\S+)$")
_ABBREVIATION_LOOKBACK = 64  # characters before a stop searched for the word it ends


def sentence_spans(text: str, start: int = 0, end: int | None = None, *, lines: bool = True) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` into sentence spans (absolute offsets, whitespace trimmed).

    With ``lines=True`` a line break also ends a sentence (Markdown lists, HTML blocks); for PDF
    text, where lines are layout, only blank lines do.
    """
    return list(iter_sentence_spans(text, start, end, lines=lines))


def _blocks(text: str, start: int, end: int, lines: bool) -> Iterator[tuple[int, int]]:
    """Line (or paragraph) ranges of ``text[start:end]``, found without copying the text.

    A paragraph of PDF text is cut again where a line opens a list item (:func:`_opens_item`):
    extracted lists and checklists carry no blank lines, and their items seldom end in a stop.
    """
    pos = start
    for sep in (_LINE_BREAK if lines else _BLANK_LINE).finditer(text, start, end):
        yield from (((pos, sep.start()),) if lines else _items(text, pos, sep.start()))
        pos = sep.end()
    yield from (((pos, end),) if lines else _items(text, pos, end))


def _items(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """``text[start:end]`` (one paragraph of layout lines) cut before each line that opens a list
    item or a figure or table caption (:func:`_opens_caption`), and before and after each heading
    line (:func:`_is_heading`): a heading is a sentence of its own, carried by neither the
    sentence before it nor the one after it."""
    pos = line_start = start
    closed = True  # the paragraph's first line follows a break
    prev_start = prev_end = -1  # the line before ``line_start`` (none for the paragraph's first)
    for brk in _LINE_BREAK.finditer(text, start, end):
        nxt = brk.end()
        heading = _is_heading(text, line_start, brk.start(), closed, nxt, end) or _is_word_heading(
            text, prev_start, prev_end, line_start, brk.start(), nxt, end
        )
        if heading and pos < line_start:
            yield pos, line_start - 1
            pos = line_start
        if heading or _opens_item(text, line_start, brk.start(), nxt, end) or _opens_caption(text, line_start, brk.start(), nxt, end):
            yield pos, brk.start()
            pos = nxt
        closed = _CLOSED_LINE.search(text, line_start, brk.start()) is not None or pos == nxt
        prev_start, prev_end = line_start, brk.start()
        line_start = nxt
    yield pos, end


HEADING_WORDS = 5
HEADING_CHARS = 60
"""A PDF heading line is short: "Data source and methods", "Key findings", "Respiratory Hygiene".
A longer line without a stop is wrapped prose far more often than a heading."""
_OPEN_END = re.compile(r"[-,;:.!?(\u2013\u2014/&]\s*$")
_FUNCTION_WORDS = frozenset([
    "a", "an", "the", "of", "and", "or", "for", "to", "in", "on", "at", "by", "with", "from", "as",
    "than", "that", "which", "who", "is", "are", "was", "were", "be", "not", "no", "its", "their",
    "his", "her", "our", "this", "these", "those",
])
"""Words a wrapped line of prose ends in and a heading does not ("Samples were sent to the")."""


def _is_heading(text: str, start: int, end: int, after_closed: bool, next_start: int, limit: int) -> bool:
    """The PDF line ``text[start:end]`` is a heading that the next line's sentence must not carry.

    It stands after a closed line (or opens its paragraph), starts with a capital, is short
    (:data:`HEADING_WORDS`, :data:`HEADING_CHARS`), ends in a word that is not a function word and
    with no punctuation, and the next line starts with a capital: "Data source and methods" /
    "Data for this report are from ...". "Samples were sent to the" / "University" is prose.
    """
    line = text[start:end].strip()
    words = line.split()
    if not (after_closed and words and line[0].isupper() and len(words) <= HEADING_WORDS and len(line) <= HEADING_CHARS):
        return False
    if _OPEN_END.search(line) or words[-1].lower() in _FUNCTION_WORDS:
        return False
    nxt = text[next_start : min(limit, next_start + 1)]
    return nxt.isupper()


def _is_word_heading(text: str, prev_start: int, prev_end: int, start: int, end: int, next_start: int, limit: int) -> bool:
    """The PDF line ``text[start:end]`` is one capitalised word standing between two lines, a
    heading even after an open line ("Pharmacological chaperone" / "Abbreviations" / "HA
    Haemagglutinin"; "... domains of SUR1" / "Introduction" / "The central role ..."): wrapped prose
    seldom leaves one word on a line of its own, never one starting with a capital after a line that
    ends in a function word ("treated with" / "Metformin") or open punctuation, before a capital."""
    line = text[start:end].strip()
    if prev_start < 0 or not line or " " in line or not (line[0].isupper() and line[1:].isalpha() and line[1:].islower()):
        return False
    prev = text[prev_start:prev_end].rstrip()
    words = prev.split()
    if not words or _OPEN_END.search(prev) or words[-1].lower() in _FUNCTION_WORDS:
        return False
    return text[next_start : min(limit, next_start + 1)].isupper()


_CAPTION = re.compile(r"(?:Figure|Fig\.|Table|Box|Chart|Exhibit)\s?\d{1,3}[A-Za-z]?(?:[.:]|\s+[A-Z])")
"""A line that opens a figure or table caption: "Figure 5. Prevalence of ...", "Fig. 3 Effects of
...", "Table 2: Doses"."""
_REFERS_ON = re.compile(r"(?:\b(?:see|in|and|or)|[(\[,])\s*$", re.I)
"""How a line ends that goes on to name a figure or table in prose ("as shown in" / "Figure 2. The")."""


def _opens_caption(text: str, prev_start: int, prev_end: int, start: int, end: int) -> bool:
    """The line at ``start`` opens a figure or table caption: laid out wherever the figure sits, it
    interrupts the sentence around it ("... the target goal to lower blood pressure to" / "Figure 5.
    Prevalence of ...") and is a statement of its own, not the end of that sentence."""
    if _CAPTION.match(text, start, end) is None:
        return False
    return _REFERS_ON.search(text, prev_start, prev_end) is None


def _opens_item(text: str, prev_start: int, prev_end: int, start: int, end: int) -> bool:
    """The line at ``start`` opens a list item after the line ``text[prev_start:prev_end]``.

    A bullet always does. An enumerator does after a line that is closed (ends in a stop, a colon,
    a bracket) or is a label (:data:`LABEL_WORDS`): "Yes No" / "G. Multi-dose vials are dated".
    After open prose it does not: "as described by" / "J. Smith" is one sentence.
    """
    m = _ITEM_LINE.match(text, start, end)
    if m is None:
        return False
    if m.group("enum") is None:
        return True
    if _CLOSED_LINE.search(text, prev_start, prev_end):
        return True
    words = text[prev_start:prev_end].split()
    return 0 < len(words) <= LABEL_WORDS and not any(w[0].islower() for w in words)


def iter_sentence_spans(
    text: str, start: int = 0, end: int | None = None, *, lines: bool = True
) -> Iterator[tuple[int, int]]:
    """:func:`sentence_spans` one span at a time (memory does not grow with the text)."""
    end = len(text) if end is None else end
    for block_start, block_end in _blocks(text, start, end, lines):
        cut = block_start
        for match in _SENT_END.finditer(text, block_start, block_end):
            stop = match.start() + 1
            # the word before the stop; an abbreviation is short, so a bounded look-back suffices
            word = _LAST_WORD.search(text, max(cut, stop - _ABBREVIATION_LOOKBACK), stop)
            token = word.group(1).rstrip(".!?'\")]").lower() if word else ""
            if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
                continue
            nxt = match.end()
            if nxt < len(text) and text[nxt].islower():
                continue
            yield from _trimmed(text, cut, nxt)
            cut = nxt
        yield from _trimmed(text, cut, block_end)


def _trimmed(text: str, s: int, e: int) -> Iterator[tuple[int, int]]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e > s:
        yield s, e


MAX_WORDLESS_SHARE = 0.5
"""In PDF text, a "sentence" more than half of whose tokens hold no letter (numbers, dot leaders,
brackets) is a chart's axis or a data-table row read line by line ("Awareness Treatment Control 100
80 60 40 20 0 Percent ... 60.2 59.2"), not a statement. Prose with many figures stays under it:
"higher in men (50.8%) than women (44.6%) and increased with age: 23.4% for ages 18-39, 52.5%
for 40-59, and 71.6% for 60 and older" is 8 of 26."""
_HAS_LETTER = re.compile(r"[^\W\d_]")


def wordless_share(sentence: str) -> float:
    """Share of the whitespace-separated tokens of ``sentence`` that contain no letter."""
    tokens = sentence.split()
    if not tokens:
        return 1.0
    return sum(1 for t in tokens if not _HAS_LETTER.search(t)) / len(tokens)


def citable_sentences(
    text: str, *, lines: bool = True, min_chars: int = 15, max_chars: int = 700
) -> list[tuple[int, int]]:
    """Sentence spans worth citing: list markers stripped (offsets stay exact; in PDF text lettered
    and roman ones too, :data:`_PDF_ITEM_LEAD`, and structured-abstract run-in headings,
    :data:`_RUN_IN_LABEL`), no fragments, and in PDF text (``lines=False``) no
    chart or table residue (:data:`MAX_WORDLESS_SHARE`), no keyword list (:data:`_KEYWORD_LIST`)
    and no heading line (:func:`_heading_only`)."""
    out: list[tuple[int, int]] = []
    for start, end in sentence_spans(text, lines=lines):
        lead = _LIST_LEAD.match(text[start:end]) or (None if lines else _PDF_ITEM_LEAD.match(text[start:end]))
        if lead:
            start += lead.end()
        label = None if lines else _RUN_IN_LABEL.match(text, start, end)
        if label:
            start = label.end()
        sent = text[start:end]
        if not (min_chars <= len(sent) <= max_chars and re.search(r"[A-Za-z]{3}", sent)):
            continue
        if not lines and (wordless_share(sent) > MAX_WORDLESS_SHARE or _KEYWORD_LIST.match(sent) or (not lead and _heading_only(sent))):
            continue
        out.append((start, end))
    return out


def _heading_only(sentence: str) -> bool:
    """A PDF "sentence" that is one heading line ("Data source and methods", "Suggested citation"):
    :func:`_items` sets headings apart, and a heading names a topic without stating anything."""
    if "\n" in sentence:
        return False
    words = sentence.split()
    return (
        0 < len(words) <= HEADING_WORDS and len(sentence) <= HEADING_CHARS and sentence[0].isupper()
        and not _CLOSED_LINE.search(sentence) and not _OPEN_END.search(sentence)
        and words[-1].lower() not in _FUNCTION_WORDS
    )


def embed_prefix(title: str, section: Sequence[str]) -> str:
    """The context embedded in front of a chunk's text."""
    head = title.strip()
    if section:
        head += "\n" + " > ".join(section)
    return head + "\n"


def _char_cut(
    text: str, s: int, e: int, budget: int, max_chars: int, count_tokens: TokenCounter
) -> Iterator[tuple[int, int, int]]:
    """Cut ``text[s:e]`` (one unbroken "word") by characters into pieces within ``budget``.

    Each count sees at most ``max_chars`` characters, so a 50 MB run without spaces costs what a
    chunk costs. Tokens per character vary (punctuation runs are one token each): an estimate from
    the window's own count, then halving, until the piece fits.
    """
    i = s
    while i < e:
        j = min(e, i + max_chars)
        tokens = count_tokens([text[i:j]])[0]
        if tokens > budget:
            j = i + max(1, (j - i) * budget // tokens)
            tokens = count_tokens([text[i:j]])[0]
        while tokens > budget and j - i > 1:
            j = i + max(1, (j - i) // 2)
            tokens = count_tokens([text[i:j]])[0]
        yield i, j, tokens
        i = j


def _split_long(
    text: str, span: tuple[int, int], budget: int, count_tokens: TokenCounter, max_chars: int
) -> Iterator[tuple[int, int, int]]:
    """Split an over-long sentence at word boundaries into pieces within ``budget`` tokens.

    Words are found and counted a bounded batch at a time, never all at once: memory stays that of
    a few chunks however long the unbroken text is (a 50 MB single-line file once took 9 GB).
    """
    cur_start: int | None = None
    cur_tokens = cur_end = 0
    words = _WORD.finditer(text, span[0], span[1])
    while True:
        batch: list[tuple[int, int]] = []
        batch_chars = 0
        for match in words:
            batch.append(match.span())
            batch_chars += match.end() - match.start()
            if batch_chars >= COUNT_BATCH_CHARS:
                break
        if not batch:
            break
        # a "word" longer than a chunk may hold is cut by characters without being counted whole
        counts = count_tokens([text[s:e] for s, e in batch if e - s <= max_chars])
        counted = iter(counts)
        for s, e in batch:
            n = next(counted) if e - s <= max_chars else budget + 1
            if n > budget:  # a single "word" longer than the budget
                if cur_start is not None:
                    yield cur_start, cur_end, cur_tokens
                    cur_start, cur_tokens = None, 0
                yield from _char_cut(text, s, e, budget, max_chars, count_tokens)
                continue
            if cur_start is not None and (cur_tokens + n > budget or e - cur_start > max_chars):
                yield cur_start, cur_end, cur_tokens
                cur_start, cur_tokens = None, 0
            if cur_start is None:
                cur_start = s
            cur_tokens += n
            cur_end = e
    if cur_start is not None:
        yield cur_start, cur_end, cur_tokens


def _units(
    text: str,
    sentences: Iterator[tuple[int, int]],
    budget: int,
    count_tokens: TokenCounter,
    max_chars: int,
) -> Iterator[tuple[int, int, int]]:
    """(start, end, tokens) packing units: sentences, or pieces of sentences over the budget.

    Sentences are counted in batches of about ``COUNT_BATCH_CHARS``; one longer than a chunk may
    hold in characters is never handed to the tokenizer whole.
    """
    batch: list[tuple[int, int]] = []
    batch_chars = 0

    def flush() -> Iterator[tuple[int, int, int]]:
        if not batch:
            return
        counts = count_tokens([text[s:e] for s, e in batch])
        for (s, e), n in zip(batch, counts, strict=True):
            if n > budget:
                yield from _split_long(text, (s, e), budget, count_tokens, max_chars)
            else:
                yield s, e, n
        batch.clear()

    for s, e in sentences:
        if e - s > max_chars:
            yield from flush()
            batch_chars = 0
            yield from _split_long(text, (s, e), budget, count_tokens, max_chars)
            continue
        batch.append((s, e))
        batch_chars += e - s
        if batch_chars >= COUNT_BATCH_CHARS:
            yield from flush()
            batch_chars = 0
    yield from flush()



def _pack(
    units: Iterator[tuple[int, int, int]], budget: int, overlap_tokens: int, max_chars: int
) -> Iterator[tuple[int, int]]:
    """Greedy packing of units into (start, end) chunk spans within ``budget`` tokens and
    ``max_chars`` characters, each repeating up to ``overlap_tokens`` of the previous one's units.

    ``pending`` holds the units from the current chunk's first one on: one chunk's worth plus one,
    so memory does not grow with the section.
    """
    pending: list[tuple[int, int, int]] = []

    def more() -> bool:
        unit = next(units, None)
        if unit is not None:
            pending.append(unit)
        return unit is not None

    if not more():
        return
    while True:
        j, total = 0, 0
        while j < len(pending) or more():
            _, end, n = pending[j]
            if j > 0 and (total + n > budget or end - pending[0][0] > max_chars):
                break
            total += n
            j += 1
            if total > budget:  # a unit over the budget on its own stands alone
                break
        yield pending[0][0], pending[j - 1][1]
        if j == len(pending) and not more():
            return
        # step back over trailing units that fit in the overlap budget
        back, overlap = j, 0
        while back - 1 > 0 and overlap + pending[back - 1][2] <= overlap_tokens:
            overlap += pending[back - 1][2]
            back -= 1
        del pending[:back]


def _pages_for(pages: Sequence[Span], start: int, end: int) -> tuple[int | None, int | None]:
    hit = [p.page for p in pages if p.page is not None and p.start < end and p.end > start]
    if not hit:
        return None, None
    return min(hit), max(hit)

def chunk_document(
    parsed: ParsedDocument,
    count_tokens: TokenCounter,
    *,
    max_tokens: int = 200,
    overlap_tokens: int = 32,
    with_prefix: bool = True,
) -> list[Chunk]:
    """Chunk one parsed document; see the module docstring for the guarantees."""
    doc = parsed.document
    text = parsed.text
    sections = parsed.sections or [Span(start=0, end=len(text))]
    line_breaks = doc.source_type != "pdf"
    chunks: list[Chunk] = []
    prefix_cache: dict[tuple[str, ...], tuple[str, int]] = {}
    for section in sections:
        if section.section not in prefix_cache:
            prefix = embed_prefix(doc.title, section.section) if with_prefix else ""
            # a prefix longer than a whole chunk may be is never useful context (and never counted)
            if len(prefix) > max_tokens * MAX_CHARS_PER_TOKEN:
                prefix = ""
            prefix_tokens = count_tokens([prefix])[0] if prefix else 0
            prefix_cache[section.section] = (prefix, prefix_tokens)
        prefix, prefix_tokens = prefix_cache[section.section]
        budget = max_tokens - SPECIAL_TOKENS - prefix_tokens
        if budget < 8:  # absurdly long title: embed without the prefix rather than fail
            prefix, budget = "", max_tokens - SPECIAL_TOKENS
        max_chars = budget * MAX_CHARS_PER_TOKEN
        sentences = iter_sentence_spans(text, section.start, section.end, lines=line_breaks)
        units = _units(text, sentences, budget, count_tokens, max_chars)
        for start, end in _pack(units, budget, overlap_tokens, max_chars):
            page_start, page_end = _pages_for(parsed.pages, start, end)
            n = len(chunks)
            chunks.append(
                Chunk(
                    chunk_id=f"{doc.doc_id}#{n}",
                    doc_id=doc.doc_id,
                    n=n,
                    text=text[start:end],
                    section=section.section,
                    page_start=page_start,
                    page_end=page_end,
                    char_start=start,
                    char_end=end,
                    embed_text=prefix + text[start:end],
                )
            )
    return chunks
