"""Loaders on real files: metadata precedence, sections, pages, and clear errors for bad input."""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from pathlib import Path

import pytest

from curbside.ingest.discover import discover
from curbside.ingest.loaders import LoadError, load_file, markdown_sections
from tests.fakes import (
    APIXABAN_PAGES,
    TINY_FILES,
    blank_pdf,
    encrypt_pdf,
    make_text_pdf,
)


def _ws(text: str) -> str:
    """Compare text the way a reader would: NFKC (ligatures → letters), whitespace collapsed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def _load_one(path: Path, **kwargs):
    result = load_file(path, **kwargs)
    assert len(result.documents) == 1
    return result.documents[0]


# ---------------------------------------------------------------------------------------------
# Markdown


def test_markdown_front_matter_becomes_metadata(tiny_corpus: Path) -> None:
    parsed = _load_one(tiny_corpus / "guideline_hypertension.md")
    doc = parsed.document
    assert doc.title == "Hypertension Management Guideline"
    assert doc.publisher == "National Heart Institute"
    assert doc.year == 2023
    assert doc.kind == "guideline"
    assert doc.url == "https://example.org/htn"
    assert doc.source_type == "markdown"
    assert doc.path == str(tiny_corpus / "guideline_hypertension.md")
    # the front matter itself is metadata, not text
    assert "publisher:" not in parsed.text
    assert not parsed.text.startswith("---")
    assert parsed.text.startswith("# Hypertension")


def test_markdown_kind_synonyms_and_drug_label(tiny_corpus: Path) -> None:
    assert _load_one(tiny_corpus / "label_warfarin.md").document.kind == "drug-label"
    assert _load_one(tiny_corpus / "research_metformin.md").document.kind == "research"


def test_markdown_sections_follow_headings(tiny_corpus: Path) -> None:
    parsed = _load_one(tiny_corpus / "guideline_hypertension.md")
    paths = [s.section for s in parsed.sections]
    assert paths == [
        ("Hypertension",),
        ("Hypertension", "Diagnosis"),
        ("Hypertension", "Treatment"),
    ]
    bodies = {s.section: parsed.text[s.start : s.end] for s in parsed.sections}
    assert "ambulatory blood pressure monitoring" in bodies[("Hypertension", "Diagnosis")]
    assert "amlodipine" in bodies[("Hypertension", "Treatment")]
    assert "amlodipine" not in bodies[("Hypertension", "Diagnosis")]
    for body in bodies.values():  # heading lines are labels, not section text
        assert not re.search(r"^#", body, flags=re.M)
    # spans are in order and do not overlap
    ends = [(s.start, s.end) for s in parsed.sections]
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(ends))


def test_markdown_sections_reset_at_same_or_higher_level() -> None:
    text, spans = markdown_sections(
        "Intro text before any heading.\n\n# A\n\nalpha\n\n## A1\n\none\n\n### deep\n\nx\n\n## A2\n\ntwo\n\n# B\n\nbeta\n"
    )
    assert [s.section for s in spans] == [
        (),
        ("A",),
        ("A", "A1"),
        ("A", "A1", "deep"),
        ("A", "A2"),
        ("B",),
    ]
    assert text[spans[0].start : spans[0].end].strip() == "Intro text before any heading."
    assert text[spans[-1].start : spans[-1].end].strip() == "beta"


def test_markdown_title_falls_back_to_first_heading(tmp_path: Path) -> None:
    path = tmp_path / "untitled-note.md"
    path.write_text(
        "# Managing **Acute** Otitis Media\n\nAmoxicillin is first line for most children.\n"
    )
    assert _load_one(path).document.title == "Managing Acute Otitis Media"


def test_sidecar_fills_in_below_front_matter(tmp_path: Path) -> None:
    md = tmp_path / "copd.md"
    md.write_text(
        "---\ntitle: COPD from front matter\n---\n# COPD\n\nTiotropium reduces exacerbations of COPD.\n"
    )
    (tmp_path / "copd.md.meta.yaml").write_text(
        "title: COPD from sidecar\npublisher: Lung Council\nyear: 2001\nkind: guideline\n"
    )
    doc = _load_one(md).document
    assert doc.title == "COPD from front matter"  # front matter wins
    assert doc.publisher == "Lung Council"  # sidecar fills what front matter lacks
    assert doc.year == 2001
    assert doc.kind == "guideline"


def test_stem_sidecar_applies_to_text_files(tmp_path: Path) -> None:
    txt = tmp_path / "ckd.txt"
    txt.write_text("Chronic kidney disease staging uses eGFR and albuminuria categories.\n")
    (tmp_path / "ckd.meta.yaml").write_text(
        "title: CKD staging\nkind: summary\nyear: 'published 2012'\n"
    )
    doc = _load_one(txt).document
    assert (doc.title, doc.kind, doc.year) == ("CKD staging", "review", 2012)


def test_malformed_sidecar_is_a_load_error_naming_the_sidecar(tmp_path: Path) -> None:
    txt = tmp_path / "ckd.txt"
    txt.write_text("Chronic kidney disease staging uses eGFR and albuminuria categories.\n")
    (tmp_path / "ckd.txt.meta.yaml").write_text("title: [unclosed\n")
    with pytest.raises(LoadError) as info:
        load_file(txt)
    assert "sidecar metadata" in info.value.reason
    assert "ckd.txt.meta.yaml" in str(info.value)
    assert "malformed YAML" in str(info.value)


def test_folder_manifest_defaults_files_and_exclude(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    (root / "drafts").mkdir(parents=True)
    (root / "sub").mkdir()
    (root / "manifest.yaml").write_text(
        "defaults:\n  publisher: Default Health Body\n  kind: guideline\n  year: 2015\n"
        "files:\n  sub/b.md:\n    title: Title from manifest\n    year: 2018\n"
        "exclude:\n  - drafts/**\n  - '*.skip.md'\n"
    )
    (root / "a.md").write_text(
        "---\npublisher: Front Matter Publisher\n---\n# Anaemia\n\nIron deficiency is the commonest cause of anaemia.\n"
    )
    (root / "sub" / "b.md").write_text(
        "# B heading\n\nHeart failure care uses loop diuretics for congestion.\n"
    )
    (root / "c.txt").write_text("Pneumonia severity can be scored with CURB-65 in adults.\n")
    (root / "c.meta.yaml").write_text("kind: research\n")
    (root / "drafts" / "d.md").write_text(
        "# Draft\n\nThis draft must not be indexed at all, ever.\n"
    )
    (root / "e.skip.md").write_text("# Skip\n\nThis file is excluded by a glob in the manifest.\n")

    sources, issues = discover([root])
    assert issues == []
    rels = sorted(s.path.relative_to(root).as_posix() for s in sources)
    assert rels == [
        "a.md",
        "c.txt",
        "sub/b.md",
    ]  # manifest, sidecar and excluded files are not documents

    docs = {
        s.path.relative_to(root).as_posix(): _load_one(s.path, folder_meta=s.folder_meta).document
        for s in sources
    }
    a, b, c = docs["a.md"], docs["sub/b.md"], docs["c.txt"]
    assert a.publisher == "Front Matter Publisher"  # front matter beats manifest defaults
    assert (a.kind, a.year) == ("guideline", 2015)  # the rest comes from defaults
    assert (b.title, b.year, b.publisher) == ("Title from manifest", 2018, "Default Health Body")
    assert c.kind == "research"  # sidecar beats manifest defaults
    assert c.publisher == "Default Health Body"


def test_malformed_manifest_is_reported_by_discover(tmp_path: Path) -> None:
    (tmp_path / "manifest.yaml").write_text("defaults: {kind: guideline\n")
    (tmp_path / "a.md").write_text("# A\n\nSome clinical text that is long enough to load.\n")
    sources, issues = discover([tmp_path])
    assert [s.path.name for s in sources] == ["a.md"]
    assert len(issues) == 1
    assert issues[0].path.endswith("manifest.yaml")
    assert "malformed YAML" in issues[0].reason


# ---------------------------------------------------------------------------------------------
# HTML, text, JSONL


def test_html_uses_citation_meta_and_skips_chrome(tiny_corpus: Path) -> None:
    parsed = _load_one(tiny_corpus / "sepsis.html")
    doc = parsed.document
    assert doc.title == "Early Management of Sepsis"  # citation_title beats <title>
    assert doc.publisher == "Critical Care Society"
    assert doc.year == 2020
    assert doc.source_type == "html"
    assert "tracking" not in parsed.text  # <script>
    assert "Home | About" not in parsed.text  # <nav>
    assert "broad-spectrum antibiotics" in parsed.text
    assert "fluid resuscitation" in parsed.text
    assert [s.section for s in parsed.sections] == [("Sepsis",), ("Sepsis", "First hour")]


def test_html_title_tag_used_without_citation_meta(tmp_path: Path) -> None:
    path = tmp_path / "page.htm"
    path.write_text(
        "<html><head><title> Croup in Children </title></head><body>"
        "<p>Give a single dose of oral dexamethasone for croup.</p></body></html>"
    )
    parsed = _load_one(path)
    assert parsed.document.title == "Croup in Children"
    assert parsed.text == "Give a single dose of oral dexamethasone for croup."


def test_text_loader_title_and_normalisation(tmp_path: Path) -> None:
    path = tmp_path / "gout.txt"
    path.write_bytes(
        "Gout notes\r\n\r\n\r\n\r\nColchicine\u00a0treats  an acute\tflare.\r\n".encode()
    )
    parsed = _load_one(path)
    assert parsed.document.title == "Gout notes"
    assert parsed.text == "Gout notes\n\nColchicine treats an acute flare."
    assert parsed.sections[0].start == 0 and parsed.sections[0].end == len(parsed.text)


def test_text_with_utf8_bom_loads(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfHeparin needs anti-Xa or aPTT monitoring.\n")
    assert _load_one(path).text.startswith("Heparin")


def test_jsonl_bad_lines_reported_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    lines = [
        '{"id": "a1", "title": "Good one", "abstract": "Beta blockers reduce mortality after myocardial infarction.", "journal": "Heart J"}',
        '{"id": "a2", "title": "Broken", "abstract": "missing closing brace"',
        '["not", "an", "object"]',
        "",
        '{"id": "a4", "title": "No body"}',
        '{"id": "a5", "title": "Good two", "text": ["Part one of the text about", "sodium valproate in pregnancy risk."], "year": 2017}',
        '{"id": "a6", "title": "Bad kind", "abstract": "A long enough abstract about renal colic analgesia.", "kind": "poem"}',
    ]
    path.write_text("\n".join(lines) + "\n")
    result = load_file(path)
    titles = [d.document.title for d in result.documents]
    assert titles == ["Good one", "Good two"]
    assert result.documents[0].document.publisher == "Heart J"
    assert result.documents[0].document.path == f"{path}#a1"
    assert result.documents[1].document.year == 2017
    assert "sodium valproate" in result.documents[1].text
    by_line = {i.path.rsplit(":", 1)[1]: i.reason for i in result.issues}
    assert set(by_line) == {"2", "3", "5", "7"}
    assert all(i.path.startswith(str(path)) for i in result.issues)
    assert "invalid JSON" in by_line["2"]
    assert "not a JSON object" in by_line["3"]
    assert "no 'text' or 'abstract'" in by_line["5"]
    assert "kind" in by_line["7"] and "poem" in by_line["7"]


def test_jsonl_with_no_usable_records_is_a_load_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": 1}\nnot json\n')
    with pytest.raises(LoadError) as info:
        load_file(path)
    assert "no usable records" in info.value.reason
    assert f"{path}:1" in info.value.reason and f"{path}:2" in info.value.reason


def test_tiny_corpus_jsonl_records(tiny_corpus: Path) -> None:
    result = load_file(tiny_corpus / "pubmed.jsonl")
    assert [d.document.title for d in result.documents] == [
        "Statins and LDL cholesterol",
        "Vitamin D and fractures",
        "Aspirin for stroke prevention",
    ]
    assert result.issues == []
    assert result.documents[1].document.kind == "research"  # "trial" synonym
    assert result.documents[1].document.year == 2019  # year given as a string
    assert len({d.document.doc_id for d in result.documents}) == 3


# ---------------------------------------------------------------------------------------------
# PDF: the four real clinical files

CLINICAL_PDFS = {
    "cdc_outpatient_infection_prevention_2016.pdf": (
        44,
        [
            (
                9,
                "the preferred method of hand hygiene in clinical situations is with an alcohol-based hand rub",
            ),
            (11, "Do not administer medications from single-dose or single-use vials, ampoules"),
            (33, "discarded within 28 days unless the manufacturer specifies a different"),
        ],
    ),
    "nchs_databrief511_hypertension_2024.pdf": (
        11,
        [
            (1, "the prevalence of adult hypertension was 47.7%"),
            (1, "currently taking medication (51.2%) to lower blood pressure"),
            (4, "control is defined as having systolic blood pressure below 130 mm Hg"),
        ],
    ),
    "diabetologia_2024_kcnj11_sulfonylurea.pdf": (
        12,
        [
            (
                1,
                "treated with glibenclamide (known as glyburide in the USA and Canada) and metformin",
            ),
            (1, "impaired surface expression of the  KATP channel by 40%"),
        ],
    ),
    "expmolmed_2023_eprs1_review.pdf": (
        11,
        [
            (
                1,
                "eight cytoplasmic tRNA synthetases form a central machinery called the multi-tRNA synthetase complex",
            ),
            (
                1,
                "the role of EPRS1 signaling in in\ufb02ammation resolution and metabolic modulation",
            ),
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CLINICAL_PDFS))
def test_clinical_pdf_pages_and_quoted_phrases(shared_data: Path, name: str) -> None:
    n_pages, phrases = CLINICAL_PDFS[name]
    path = shared_data / "pdfs" / "clinical" / name
    parsed = _load_one(path, pdf_timeout_s=60)
    doc = parsed.document
    assert doc.source_type == "pdf"
    assert doc.n_pages == n_pages
    assert [p.page for p in parsed.pages] == list(range(1, n_pages + 1))
    for a, b in zip(parsed.pages, parsed.pages[1:], strict=False):
        assert a.end <= b.start  # page spans in order, no overlap
    assert parsed.pages[-1].end == len(parsed.text)
    for page, phrase in phrases:
        span = parsed.pages[page - 1]
        assert _ws(phrase) in _ws(parsed.text[span.start : span.end]), (
            f"{name}: {phrase!r} not found on page {page}"
        )
    # ligatures are gone after NFKC (the EPRS1 review is full of U+FB01/U+FB02)
    assert not re.search("[\ufb00-\ufb06]", parsed.text)


def test_ligature_words_are_searchable_as_plain_letters(clinical_pdf) -> None:
    parsed = clinical_pdf("expmolmed_2023_eprs1_review.pdf")
    assert "specific" in parsed.text
    assert "inflammation" in parsed.text


def test_line_end_hyphenation_is_repaired(clinical_pdf) -> None:
    parsed = clinical_pdf("diabetologia_2024_kcnj11_sulfonylurea.pdf")
    assert "pregnancies" in parsed.text
    assert "pregnan-\ncies" not in parsed.text


def test_pdf_truncated_title_metadata_is_not_trusted(clinical_pdf) -> None:
    """SOURCE.md: this PDF's /Title is cut short ("A loss-of-function mutation in")."""
    doc = clinical_pdf("diabetologia_2024_kcnj11_sulfonylurea.pdf").document
    assert doc.title != "A loss-of-function mutation in"
    assert "KCNJ11" in doc.title


def test_pdf_made_here_loads_with_pages(tmp_path: Path) -> None:
    path = tmp_path / "apixaban.pdf"
    path.write_bytes(make_text_pdf(APIXABAN_PAGES))
    parsed = _load_one(path)
    assert parsed.document.n_pages == 2
    first, second = (parsed.text[p.start : p.end] for p in parsed.pages)
    assert "5 mg twice daily" in _ws(first)
    assert "2.5 mg twice daily" in _ws(second)
    assert "2.5 mg" not in first


def test_pdf_parsed_in_child_process_gives_same_text(tmp_path: Path) -> None:
    path = tmp_path / "apixaban.pdf"
    path.write_bytes(make_text_pdf(APIXABAN_PAGES))
    assert _load_one(path, pdf_timeout_s=30).text == _load_one(path, pdf_timeout_s=None).text


# ---------------------------------------------------------------------------------------------
# PDF: broken files made by the test


def test_encrypted_pdf_is_a_clear_load_error(tmp_path: Path) -> None:
    path = tmp_path / "locked.pdf"
    path.write_bytes(encrypt_pdf(make_text_pdf(APIXABAN_PAGES), user_password="s3cret"))
    with pytest.raises(LoadError) as info:
        load_file(path)
    assert str(path) in str(info.value)
    assert "encrypted" in info.value.reason.lower()
    assert "password" in info.value.reason.lower()


def test_pdf_encrypted_with_empty_user_password_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "owner-only.pdf"
    path.write_bytes(encrypt_pdf(make_text_pdf(APIXABAN_PAGES), user_password=""))
    assert "apixaban" in _load_one(path).text.lower()


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.9])
def test_truncated_pdf_is_a_clear_load_error(tmp_path: Path, fraction: float) -> None:
    data = make_text_pdf(APIXABAN_PAGES)
    path = tmp_path / f"truncated-{int(fraction * 100)}.pdf"
    path.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(LoadError) as info:
        load_file(path, pdf_timeout_s=30)
    assert str(path) in str(info.value)
    assert "corrupt" in info.value.reason.lower() or "truncated" in info.value.reason.lower()


def test_truncated_real_pdf_is_a_clear_load_error(shared_data: Path, tmp_path: Path) -> None:
    data = (
        shared_data / "pdfs" / "clinical" / "nchs_databrief511_hypertension_2024.pdf"
    ).read_bytes()
    path = tmp_path / "half.pdf"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(LoadError) as info:
        load_file(path)
    assert str(path) in str(info.value)
    assert "corrupt" in info.value.reason.lower()


@pytest.mark.parametrize("header", [b"", b"%PDF-1.7\n"])
def test_garbage_pdf_is_a_clear_load_error(tmp_path: Path, header: bytes) -> None:
    import random

    rng = random.Random(7)
    path = tmp_path / "garbage.pdf"
    path.write_bytes(header + bytes(rng.randrange(256) for _ in range(4000)))
    with pytest.raises(LoadError) as info:
        load_file(path)
    assert str(path) in str(info.value)
    assert "corrupt" in info.value.reason.lower()


def test_image_only_pdf_says_no_text_layer(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(blank_pdf())
    with pytest.raises(LoadError) as info:
        load_file(path)
    assert "no text layer" in info.value.reason
    assert "OCR" in info.value.reason


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("grayscale-image.pdf", "no text layer"),
        ("imagemagick-CCITTFaxDecode.pdf", "no text layer"),
        ("libreoffice-writer-password.pdf", "encrypted"),
        ("truncated_40pct_nchs_databrief511.pdf", "corrupt"),
        ("unreadablemetadata.pdf", "corrupt"),
        ("zero_bytes.pdf", "empty file"),
    ],
)
def test_hostile_pdfs_give_clear_reasons(shared_data: Path, name: str, expected: str) -> None:
    path = shared_data / "pdfs" / "hostile" / name
    with pytest.raises(LoadError) as info:
        load_file(path, pdf_timeout_s=60)
    assert name in str(info.value)
    assert expected in info.value.reason


# ---------------------------------------------------------------------------------------------
# other bad inputs


@pytest.mark.parametrize("suffix", [".md", ".txt", ".html", ".jsonl", ".pdf"])
def test_zero_byte_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    with pytest.raises(LoadError) as info:
        load_file(path)
    assert info.value.reason == "empty file (0 bytes)"
    assert info.value.path == str(path)


def test_not_utf8_text_names_the_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Caf\u00e9 au lait spots suggest neurofibromatosis type 1.".encode("latin-1"))
    with pytest.raises(LoadError) as info:
        load_file(path)
    assert "not valid UTF-8" in info.value.reason
    assert "at byte 3" in info.value.reason
    assert str(path) in str(info.value)


@pytest.mark.parametrize("suffix", [".txt", ".md", ".html"])
def test_binary_content_with_text_extension(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"really-a-zip{suffix}"
    path.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 4)
    with pytest.raises(LoadError) as info:
        load_file(path)
    assert "binary content" in info.value.reason


def test_malformed_yaml_front_matter_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad-front.md"
    path.write_text(
        "---\ntitle: Fine\nyear: [2020\nkind: guideline\n---\n# Body\n\nEnough body text to load.\n"
    )
    with pytest.raises(LoadError) as info:
        load_file(path)
    assert "malformed YAML front matter" in info.value.reason
    assert "line" in info.value.reason
    assert str(path) in str(info.value)
    assert not info.value.reason.startswith(str(path))  # the path is said once, not twice


def test_unclosed_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "open.md"
    path.write_text("---\ntitle: Never closed\n\n# Body\n\nEnough body text to load here.\n")
    with pytest.raises(LoadError) as info:
        load_file(path)
    assert "never closed" in info.value.reason


def test_front_matter_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.md"
    path.write_text("---\n- a\n- b\n---\n# Body\n\nEnough body text to load here.\n")
    with pytest.raises(LoadError) as info:
        load_file(path)
    assert "must be a YAML mapping" in info.value.reason


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [("kind", "poem", "field 'kind'"), ("year", "long ago", "field 'year'")],
)
def test_bad_front_matter_field_values(
    tmp_path: Path, field: str, value: str, expected: str
) -> None:
    path = tmp_path / "field.md"
    path.write_text(f"---\n{field}: {value}\n---\n# Body\n\nEnough body text to load here.\n")
    with pytest.raises(LoadError) as info:
        load_file(path)
    assert expected in info.value.reason
    assert value in info.value.reason


def test_too_little_text(tmp_path: Path) -> None:
    path = tmp_path / "short.md"
    path.write_text("---\ntitle: Only a title\n---\n\nTiny.\n")
    with pytest.raises(LoadError) as info:
        load_file(path)
    assert "no extractable text" in info.value.reason


def test_unsupported_suffix_and_size_limit(tmp_path: Path) -> None:
    doc = tmp_path / "notes.docx"
    doc.write_bytes(b"whatever")
    with pytest.raises(LoadError, match=r"unsupported file type '\.docx'"):
        load_file(doc)
    big = tmp_path / "big.md"
    big.write_text(TINY_FILES["guideline_asthma.md"] * 50)
    with pytest.raises(LoadError, match="over the 0 MB limit"):
        load_file(big, max_bytes=1000)
    assert load_file(big, max_bytes=10_000_000).documents


# ---------------------------------------------------------------------------------------------
# hostile input (issue 14: M3, M4, L10)


def test_deeply_nested_jsonl_line_is_reported_and_the_rest_kept(tmp_path: Path) -> None:
    """M3: one ``[`` × 5000 line raised RecursionError and dropped the whole file."""
    path = tmp_path / "records.jsonl"
    good = '{{"id": "{}", "title": "Good {}", "abstract": "Colchicine dosing is reduced with strong CYP3A4 inhibitors."}}'
    lines = [
        good.format("g1", "one"),
        "[" * 5000,
        "[" * 3000 + "]" * 3000,
        good.format("g2", "two"),
        '{"id": "n", "abstract": "A long enough abstract of text here.", "year": ' + "9" * 5000 + "}",
    ]
    path.write_text("\n".join(lines) + "\n")
    result = load_file(path)
    assert [d.document.title for d in result.documents] == ["Good one", "Good two"]
    by_line = {i.path: i.reason for i in result.issues}
    assert set(by_line) == {f"{path}:2", f"{path}:3", f"{path}:5"}
    assert "nested too deeply" in by_line[f"{path}:2"]
    assert "nested too deeply" in by_line[f"{path}:3"]
    assert "invalid JSON" in by_line[f"{path}:5"]


def test_object_valued_jsonl_title_is_rejected_naming_line_and_field(tmp_path: Path) -> None:
    """L10: ``"title": {"a": 1}`` was stored as the Python repr "{'a': 1}"."""
    path = tmp_path / "records.jsonl"
    body = "Allopurinol is started low and titrated in chronic kidney disease."
    lines = [
        json.dumps({"id": "ok", "title": "Plain title", "abstract": body}),
        json.dumps({"id": "obj", "title": {"text": "Nested", "lang": "en"}, "abstract": body}),
        json.dumps({"id": "authors", "title": "Authors as a list", "abstract": body, "author": ["Smith J", "Doe A"]}),
        json.dumps({"id": {"nested": 1}, "title": "Odd id", "abstract": body + " Again."}),
    ]
    path.write_text("\n".join(lines) + "\n")
    result = load_file(path)
    docs = {d.document.title: d.document for d in result.documents}
    assert set(docs) == {"Plain title", "Authors as a list", "Odd id"}
    assert not any("{" in d.title or "{" in d.path for d in docs.values())
    assert docs["Authors as a list"].publisher == "Smith J, Doe A"
    assert docs["Odd id"].path == f"{path}#4"  # an object id is not spliced into the path
    [issue] = result.issues
    assert issue.path == f"{path}:2"
    assert "field 'title'" in issue.reason and "mapping" in issue.reason


def _alias_bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + f"\npublisher: *a{levels - 1}\n"


def test_yaml_alias_bomb_in_front_matter_is_refused(tmp_path: Path) -> None:
    """M4: a 447-byte file gave a 7 MB publisher (stored, and served by /v1/documents)."""
    path = tmp_path / "bomb.md"
    path.write_text("---\ntitle: Bomb\n" + _alias_bomb(7) + "---\n# Body\n\nEnough body text to load.\n")
    assert path.stat().st_size < 600
    with pytest.raises(LoadError) as info:
        load_file(path)
    assert info.value.path == str(path)
    assert "aliases" in info.value.reason and "not allowed" in info.value.reason


def test_yaml_alias_bomb_in_sidecar_and_manifest_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    (folder / "sub").mkdir(parents=True)
    (folder / "note.txt").write_text("Warfarin needs INR monitoring after dose changes.\n")
    (folder / "note.txt.meta.yaml").write_text(_alias_bomb(7))
    with pytest.raises(LoadError) as info:
        load_file(folder / "note.txt")
    assert "sidecar" in info.value.reason and "aliases" in info.value.reason
    (folder / "manifest.yaml").write_text("defaults:\n  " + _alias_bomb(7).replace("\n", "\n  "))
    _, issues = discover([folder])
    [issue] = [i for i in issues if i.path.endswith("manifest.yaml")]
    assert issue.path == str(folder / "manifest.yaml")
    assert "aliases" in issue.reason


@pytest.mark.parametrize(("field", "limit"), [("title", 500), ("publisher", 300), ("url", 2048)])
def test_over_long_metadata_field_is_refused_naming_field_and_limit(
    tmp_path: Path, field: str, limit: int
) -> None:
    from curbside.ingest.metadata import FIELD_LIMITS

    assert FIELD_LIMITS[field] == limit
    path = tmp_path / "long.md"
    path.write_text(f"---\n{field}: {'w' * (limit + 1)}\n---\n# Body\n\nEnough body text to load.\n")
    with pytest.raises(LoadError) as info:
        load_file(path)
    assert f"field '{field}'" in info.value.reason
    assert f"{limit + 1:,} characters" in info.value.reason and f"{limit:,}" in info.value.reason
    path.write_text(f"---\n{field}: {'w' * limit}\n---\n# Body\n\nEnough body text to load.\n")
    assert load_file(path).documents  # at the limit: accepted


def test_mapping_valued_front_matter_field_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "obj.md"
    path.write_text("---\npublisher: {name: ACR, country: US}\n---\n# Body\n\nEnough body text.\n")
    with pytest.raises(LoadError) as info:
        load_file(path)
    assert "field 'publisher' is a mapping; expected text" in info.value.reason


def test_nul_byte_anywhere_in_a_text_file_is_binary(tmp_path: Path) -> None:
    """L10: NUL bytes were only looked for in the first 8 KB."""
    path = tmp_path / "late-nul.txt"
    head = b"Enough ordinary text about gout flares. " * 1000  # 40 kB
    path.write_bytes(head + b"\x00\x01\x02" + b"more text")
    with pytest.raises(LoadError) as info:
        load_file(path)
    assert "binary content" in info.value.reason
    assert f"at byte {len(head)}" in info.value.reason


def test_pdf_with_a_little_text_says_how_much(shared_data: Path) -> None:
    """L10: a form PDF with 19 characters of text was reported as having "no text layer"."""
    path = shared_data / "pdfs" / "hostile" / "pdflatex-forms.pdf"
    with pytest.raises(LoadError) as info:
        load_file(path, pdf_timeout_s=60)
    assert "no text layer" not in info.value.reason
    assert "only 19 characters of text on 1 page" in info.value.reason
