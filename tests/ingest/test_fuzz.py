"""Property tests: whatever the input, loaders fail only with LoadError and chunks stay citable."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from curbside.ingest.chunking import chunk_document, sentence_spans
from curbside.ingest.loaders import LoadError, load_file, markdown_sections
from curbside.ingest.types import Chunk, Document, ParsedDocument, Span, content_id
from tests.fakes import APIXABAN_PAGES, FakeHashEncoder, make_text_pdf

COUNT = FakeHashEncoder().count_tokens
FUZZ = settings(
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# ---------------------------------------------------------------------------------------------
# strategies

_words = st.sampled_from(
    [
        "aspirin",
        "e.g.",
        "vs.",
        "Dr.",
        "mg.",
        "BP",
        "140/90",
        "U.S.",
        "ﬁnely",
        "naïve",
        "β-blocker",
        "—",
        "...",
        "?",
        "!",
        "(see",
        "Fig.",
        "2)",
        "**bold**",
        "`code`",
        "http://x.org/a.b",
        "\u00ad",
        "\u200b",
        "日本語",
        "مرحبا",
        "\t",
        "  ",
        "-",
        "x" * 40,
    ]
)
_sentence = st.lists(_words, min_size=1, max_size=25).map(" ".join)
_line = st.one_of(
    _sentence,
    st.builds(lambda n, t: "#" * n + " " + t, st.integers(1, 7), _sentence),
    st.builds(lambda t: "- " + t, _sentence),
    st.builds(lambda t: "> " + t, _sentence),
    st.sampled_from(
        ["", "", "---", "#", "# ", "####### too deep", "```", "|a|b|", "\r", "\f", "\x00"]
    ),
    st.text(max_size=60),  # arbitrary unicode, control characters and surrogates excluded
)
markdownish = st.lists(_line, max_size=40).map("\n".join)

_front_value = st.one_of(
    st.sampled_from(
        [
            "guideline",
            "research",
            "drug label",
            "trial",
            "poem",
            "2021",
            "circa 1999",
            "",
            "[",
            "{a: b}",
            "'x'",
        ]
    ),
    st.text(max_size=20),
)
front_matter = st.builds(
    lambda pairs: "---\n" + "".join(f"{k}: {v}\n" for k, v in pairs) + "---\n",
    st.lists(
        st.tuples(
            st.sampled_from(["title", "kind", "year", "publisher", "url", "tags"]), _front_value
        ),
        max_size=5,
    ),
)
markdown_file = st.one_of(
    markdownish, st.builds(lambda fm, body: fm + body, front_matter, markdownish)
)

_json_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=80),
    _sentence,
    st.lists(_sentence, max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
_record = st.dictionaries(
    st.sampled_from(
        [
            "id",
            "_id",
            "pmid",
            "title",
            "abstract",
            "text",
            "contents",
            "year",
            "kind",
            "journal",
            "publisher",
            "url",
            "source",
        ]
    ),
    _json_value,
    max_size=7,
)
_jsonl_line = st.one_of(
    _record.map(json.dumps), st.text(max_size=40), st.sampled_from(["", "[]", "1", "{", "null"])
)
jsonl_file = st.lists(_jsonl_line, max_size=8).map("\n".join)

_tag = st.sampled_from(
    ["p", "h1", "h2", "h3", "li", "td", "div", "span", "script", "nav", "pre", "blockquote", "b"]
)
_html_piece = st.one_of(
    st.builds(lambda t, body: f"<{t}>{body}</{t}>", _tag, _sentence),
    st.builds(lambda t, body: f"<{t}>{body}", _tag, _sentence),  # unclosed
    st.builds(
        lambda n, v: f'<meta name="{n}" content="{v}">',
        st.sampled_from(["citation_title", "DC.date", "citation_publication_date", "dc.publisher"]),
        st.text(max_size=20).map(lambda s: s.replace('"', "")),
    ),
    st.sampled_from(
        [
            "<html>",
            "<body>",
            "</body>",
            "<!--",
            "-->",
            "<![CDATA[",
            "<!doctype html>",
            "&amp;",
            "&#0;",
            "<",
            ">",
        ]
    ),
    st.text(max_size=40),
)
html_file = st.lists(_html_piece, max_size=25).map("".join)

# ---------------------------------------------------------------------------------------------
# invariants


def _check_chunks(parsed: ParsedDocument, chunks: list[Chunk]) -> None:
    last_start = -1
    for i, c in enumerate(chunks):
        assert c.n == i
        assert c.chunk_id == f"{parsed.document.doc_id}#{i}"
        assert 0 <= c.char_start < c.char_end <= len(parsed.text)
        assert c.text == parsed.text[c.char_start : c.char_end]
        assert c.char_start >= last_start, "chunks out of order"
        last_start = c.char_start


def _check_parsed(parsed: ParsedDocument) -> None:
    text = parsed.text
    assert parsed.document.doc_id == content_id(text)
    for span in [*parsed.sections, *parsed.pages]:
        assert 0 <= span.start <= span.end <= len(text)
    starts = [s.start for s in parsed.sections]
    assert starts == sorted(starts)


# ---------------------------------------------------------------------------------------------
# pure functions


@FUZZ
@given(text=st.one_of(markdownish, st.text()), lines=st.booleans())
@example(text="a. b\n\nc", lines=False)
@example(text=" \n \n x. Y.", lines=True)
def test_sentence_spans_are_trimmed_ordered_and_in_bounds(text: str, lines: bool) -> None:
    spans = sentence_spans(text, lines=lines)
    prev_end = 0
    for s, e in spans:
        assert prev_end <= s < e <= len(text)
        assert not text[s].isspace() and not text[e - 1].isspace()
        prev_end = e
    # nothing but whitespace is lost between sentences
    covered: set[int] = set()
    for s, e in spans:
        covered.update(range(s, e))
    assert all(text[i].isspace() for i in range(len(text)) if i not in covered)


@FUZZ
@given(
    body=markdownish,
    title=st.one_of(st.just("Fuzz title"), st.text(max_size=300)),
    max_tokens=st.integers(12, 120),
    overlap=st.integers(0, 40),
    with_prefix=st.booleans(),
)
def test_markdown_sections_and_chunks_hold_their_invariants(
    body: str, title: str, max_tokens: int, overlap: int, with_prefix: bool
) -> None:
    text, sections = markdown_sections(body)
    doc = Document(doc_id=content_id(text), title=title, path="fuzz.md", source_type="markdown")
    parsed = ParsedDocument(document=doc, text=text, sections=sections)
    _check_parsed(parsed)
    for a, b in itertools.pairwise(sections):
        assert a.end <= b.start
    chunks = chunk_document(
        parsed, COUNT, max_tokens=max_tokens, overlap_tokens=overlap, with_prefix=with_prefix
    )
    _check_chunks(parsed, chunks)
    # inside its own section (a text of headings only has no section: chunk_document treats it as one)
    effective = sections or [Span(start=0, end=len(text))]
    for c in chunks:
        assert any(
            s.start <= c.char_start and c.char_end <= s.end and s.section == c.section
            for s in effective
        )
    # with the fake tokenizer token counts are additive, so the cap must hold exactly
    for n in COUNT([c.embed_text for c in chunks]):
        assert n + 2 <= max_tokens


# ---------------------------------------------------------------------------------------------
# loaders on real temp files


def _load_and_check(path: Path) -> None:
    try:
        result = load_file(path, pdf_timeout_s=None)  # in-process: a fork per example is too slow
    except LoadError as exc:
        assert str(path) in str(exc)
        assert exc.reason
        return
    assert result.documents
    for issue in result.issues:
        assert issue.path.startswith(str(path)) and issue.reason
    for parsed in result.documents:
        _check_parsed(parsed)
        _check_chunks(parsed, chunk_document(parsed, COUNT, max_tokens=40, overlap_tokens=8))


@FUZZ
@given(content=markdown_file, encoding=st.sampled_from(["utf-8", "utf-8-sig", "crlf"]))
def test_load_markdown_never_crashes(tmp_path: Path, content: str, encoding: str) -> None:
    path = tmp_path / "fuzz.md"
    if encoding == "crlf":
        path.write_bytes(content.replace("\n", "\r\n").encode("utf-8", "surrogatepass"))
    else:
        path.write_bytes(content.encode(encoding, "surrogatepass"))
    _load_and_check(path)


@FUZZ
@given(
    content=st.one_of(
        markdownish.map(lambda s: s.encode("utf-8", "surrogatepass")), st.binary(max_size=300)
    )
)
def test_load_text_never_crashes(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "fuzz.txt"
    path.write_bytes(content)
    _load_and_check(path)


@FUZZ
@given(content=jsonl_file)
def test_load_jsonl_never_crashes(tmp_path: Path, content: str) -> None:
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes(content.encode("utf-8", "surrogatepass"))
    _load_and_check(path)


@FUZZ
@given(content=html_file)
def test_load_html_never_crashes(tmp_path: Path, content: str) -> None:
    path = tmp_path / "fuzz.html"
    path.write_bytes(content.encode("utf-8", "surrogatepass"))
    _load_and_check(path)


_PDF = make_text_pdf(APIXABAN_PAGES)


@settings(
    deadline=None, max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cut=st.integers(0, len(_PDF)),
    flips=st.lists(st.tuples(st.integers(0, len(_PDF) - 1), st.integers(0, 255)), max_size=8),
)
def test_load_damaged_pdf_never_crashes(
    tmp_path: Path, cut: int, flips: list[tuple[int, int]]
) -> None:
    data = bytearray(_PDF)
    for pos, value in flips:
        data[pos] = value
    path = tmp_path / "fuzz.pdf"
    path.write_bytes(bytes(data[: max(cut, 1)] if cut < len(_PDF) else data))
    _load_and_check(path)
