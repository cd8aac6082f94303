"""Section-aware chunking. Pure functions: parsed text in, chunks out, nothing touches disk.

Chunks never cross a section boundary, are packed from whole sentences, are capped in tokens of the
embedding model's own tokenizer (``count_tokens`` is injected) *including* the title/section prefix
that is embedded with them, and repeat up to ``overlap_tokens`` of trailing sentences. Every chunk
satisfies ``chunk.text == parsed.text[chunk.char_start:chunk.char_end]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from curbside.ingest.types import Chunk, ParsedDocument, Span

TokenCounter = Callable[[Sequence[str]], list[int]]
SPECIAL_TOKENS = 2  # [CLS] ... [SEP]

_ABBREVIATIONS = {
    "e.g", "i.e", "vs", "etc", "dr", "mr", "mrs", "ms", "fig", "al", "approx", "no", "st", "jr",
    "inc", "ltd", "dept", "u.s", "ca", "cf", "min", "max", "mg", "mcg", "ml", "dl", "vol", "ed",
}
_SENT_END = re.compile(r"[.!?]['\")\]]*\s+")
_WORD = re.compile(r"\S+")


def sentence_spans(text: str, start: int = 0, end: int | None = None, *, lines: bool = True) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` into sentence spans (absolute offsets, whitespace trimmed).

    With ``lines=True`` a line break also ends a sentence (Markdown lists, HTML blocks); for PDF
    text, where lines are layout, only blank lines do.
    """
    end = len(text) if end is None else end
    blocks = re.split(r"\n\s*\n" if not lines else r"\n", text[start:end])
    spans: list[tuple[int, int]] = []
    pos = start
    for block in blocks:
        block_start = text.index(block, pos) if block else pos
        pos = block_start + len(block)
        cut = block_start
        for match in _SENT_END.finditer(block):
            stop = block_start + match.start() + 1
            word = re.search(r"(\S+)$", text[cut:stop])
            token = word.group(1).rstrip(".!?'\")]").lower() if word else ""
            if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
                continue
            nxt = block_start + match.end()
            if nxt < len(text) and text[nxt].islower():
                continue
            spans.append((cut, block_start + match.end()))
            cut = block_start + match.end()
        spans.append((cut, pos))
    out: list[tuple[int, int]] = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def citable_sentences(
    text: str, *, lines: bool = True, min_chars: int = 15, max_chars: int = 700
) -> list[tuple[int, int]]:
    """Sentence spans worth citing: list markers stripped (offsets stay exact), no fragments."""
    out: list[tuple[int, int]] = []
    for start, end in sentence_spans(text, lines=lines):
        lead = re.match(r"^(?:[-*+\u2022]\s+|\d+[.)]\s+|>\s*|#+\s+)", text[start:end])
        if lead:
            start += lead.end()
        sent = text[start:end]
        if min_chars <= len(sent) <= max_chars and re.search(r"[A-Za-z]{3}", sent):
            out.append((start, end))
    return out


def embed_prefix(title: str, section: Sequence[str]) -> str:
    """The context embedded in front of a chunk's text."""
    head = title.strip()
    if section:
        head += "\n" + " > ".join(section)
    return head + "\n"


def _split_long(
    text: str, span: tuple[int, int], budget: int, count_tokens: TokenCounter
) -> list[tuple[int, int, int]]:
    """Split an over-long sentence at word boundaries into pieces within ``budget`` tokens."""
    words = [(m.start() + span[0], m.end() + span[0]) for m in _WORD.finditer(text[span[0] : span[1]])]
    counts = count_tokens([text[s:e] for s, e in words])
    pieces: list[tuple[int, int, int]] = []
    cur_start, cur_tokens, cur_end = None, 0, 0
    for (s, e), n in zip(words, counts, strict=True):
        if n > budget:  # a single "word" longer than the budget: cut it by characters
            if cur_start is not None:
                pieces.append((cur_start, cur_end, cur_tokens))
                cur_start, cur_tokens = None, 0
            i = s
            while i < e:
                # tokens per character vary (punctuation runs are one token each): shrink until it fits
                step = max(1, (e - i) * budget // max(count_tokens([text[i:e]])[0], 1))
                j = min(e, i + step)
                tokens = count_tokens([text[i:j]])[0]
                while tokens > budget and j - i > 1:
                    j = i + max(1, (j - i) // 2)
                    tokens = count_tokens([text[i:j]])[0]
                pieces.append((i, j, tokens))
                i = j
            continue
        if cur_start is not None and cur_tokens + n > budget:
            pieces.append((cur_start, cur_end, cur_tokens))
            cur_start, cur_tokens = None, 0
        if cur_start is None:
            cur_start = s
        cur_tokens += n
        cur_end = e
    if cur_start is not None:
        pieces.append((cur_start, cur_end, cur_tokens))
    return pieces


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
            prefix_tokens = count_tokens([prefix])[0] if prefix else 0
            prefix_cache[section.section] = (prefix, prefix_tokens)
        prefix, prefix_tokens = prefix_cache[section.section]
        budget = max_tokens - SPECIAL_TOKENS - prefix_tokens
        if budget < 8:  # absurdly long title: embed without the prefix rather than fail
            prefix, budget = "", max_tokens - SPECIAL_TOKENS
        sents = sentence_spans(text, section.start, section.end, lines=line_breaks)
        if not sents:
            continue
        counts = count_tokens([text[s:e] for s, e in sents])
        units: list[tuple[int, int, int]] = []
        for (s, e), n in zip(sents, counts, strict=True):
            units.extend(_split_long(text, (s, e), budget, count_tokens) if n > budget else [(s, e, n)])
        i = 0
        while i < len(units):
            j, total = i, 0
            while j < len(units) and total + units[j][2] <= budget:
                total += units[j][2]
                j += 1
            j = max(j, i + 1)
            start, end = units[i][0], units[j - 1][1]
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
            if j >= len(units):
                break
            # step back over trailing units that fit in the overlap budget
            back, overlap = j, 0
            while back - 1 > i and overlap + units[back - 1][2] <= overlap_tokens:
                overlap += units[back - 1][2]
                back -= 1
            i = back
    return chunks
