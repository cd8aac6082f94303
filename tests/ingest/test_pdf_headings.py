"""PDF headings become section paths: from the outline (bookmarks) when the PDF has one, else from
the typography (lines larger than the body text, or bold lines standing alone), as Markdown
headings do. The bundled corpus PDFs, rendered from Markdown, must get their sources' sections.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from curbside.ingest.chunking import chunk_document
from curbside.ingest.loaders import load_file, pdf_sections
from curbside.ingest.pdftext import (
    find_headings,
    heading_key,
    is_bibliography,
    outline_headings,
    typography_headings,
)

REPO = Path(__file__).resolve().parents[2]

Block = tuple[str, str]  # ("h1" | "h2" | "b" | "p", text)


def _styled_pdf(pages: Sequence[Sequence[Block]], *, outline: bool = False) -> bytes:
    """A PDF drawn as a word processor would: 18/13 pt bold headings (h1/h2), 11 pt bold lines
    (b) and 11 pt body text (p); with ``outline`` the headings are bookmarked too."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF()
    for blocks in pages:
        pdf.add_page()
        for kind, text in blocks:
            if kind in ("h1", "h2"):
                if outline:
                    pdf.start_section(text, level=0 if kind == "h1" else 1)
                pdf.set_font("Helvetica", "B", 18 if kind == "h1" else 13)
            else:
                pdf.set_font("Helvetica", "B" if kind == "b" else "", 11)
            pdf.multi_cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


BODY = (
    "Colchicine is given at the first sign of a flare. The usual dose is 1.2 mg followed by\n"
    "0.6 mg one hour later, and the course is not repeated within three days."
)
PAGES: list[list[Block]] = [
    [
        ("h1", "Managing gout flares"),
        ("p", "This leaflet summarises how a gout flare is treated in primary care."),
        ("h2", "Colchicine"),
        ("p", BODY),
    ],
    [
        ("h2", "Glucocorticoids"),
        ("p", "Prednisolone 30 mg daily for five days is an alternative when colchicine is not suitable."),
        ("b", "Renal impairment"),
        ("p", "Colchicine doses are reduced when the eGFR is below 30 and avoided on dialysis."),
    ],
]


def _load(tmp_path: Path, data: bytes, name: str = "leaflet.pdf"):
    path = tmp_path / name
    path.write_bytes(data)
    return load_file(path).documents[0]


def _section_of(parsed, needle: str) -> tuple[str, ...]:
    at = parsed.text.index(needle)
    return next(s.section for s in parsed.sections if s.start <= at < s.end)


def test_typography_headings_become_section_paths(tmp_path: Path) -> None:
    parsed = _load(tmp_path, _styled_pdf(PAGES))
    assert _section_of(parsed, "The usual dose is 1.2 mg") == ("Managing gout flares", "Colchicine")
    assert _section_of(parsed, "Prednisolone 30 mg") == ("Managing gout flares", "Glucocorticoids")
    # a bold line of body size stands below the 13 pt headings
    assert _section_of(parsed, "Colchicine doses are reduced") == ("Managing gout flares", "Glucocorticoids", "Renal impairment")
    assert _section_of(parsed, "This leaflet summarises") == ("Managing gout flares",)


def test_heading_lines_are_in_no_section_and_no_chunk(tmp_path: Path) -> None:
    parsed = _load(tmp_path, _styled_pdf(PAGES))
    covered = "".join(parsed.text[s.start : s.end] for s in parsed.sections)
    assert "Glucocorticoids" not in covered.replace("Glucocorticoid", "")  # the heading line only
    chunks = chunk_document(parsed, lambda texts: [len(t.split()) for t in texts])
    assert all(not c.text.startswith("Colchicine\n") for c in chunks)
    dose = next(c for c in chunks if "1.2 mg" in c.text)
    assert dose.section == ("Managing gout flares", "Colchicine")
    assert dose.embed_text.startswith(f"{parsed.document.title}\nManaging gout flares > Colchicine\n")


def test_outline_levels_give_the_paths(tmp_path: Path) -> None:
    parsed = _load(tmp_path, _styled_pdf(PAGES, outline=True))
    assert _section_of(parsed, "The usual dose is 1.2 mg") == ("Managing gout flares", "Colchicine")
    # the outline decides: the bold line it does not bookmark is text of the section above
    assert _section_of(parsed, "Colchicine doses are reduced") == ("Managing gout flares", "Glucocorticoids")


def test_plain_pdf_keeps_no_path(tmp_path: Path) -> None:
    from tests.fakes import make_text_pdf

    parsed = _load(tmp_path, make_text_pdf(["Colchicine is given early.\nThe usual dose is 1.2 mg then 0.6 mg."]))
    assert [s.section for s in parsed.sections] == [()]


def test_heading_key_ignores_case_spacing_punctuation_and_ligatures() -> None:
    assert heading_key("Aims/hypothesis") == heading_key("Aimshypothesis ")
    assert heading_key("Speci\ufb01c  ﬁndings") == "specificfindings"


def test_outline_titles_are_placed_in_order_on_their_pages_and_run_in_headings_cut() -> None:
    pages = [
        "Contents\nMethods 2\nResults 2",
        "Methods A 31-year-old woman was treated with glibenclamide.\nResults were reported in full.\nResults\nThe channel was impaired.",
    ]
    outline = [(0, "_GoBack", 0), (0, "Methods", 1), (0, "Results", 1)]
    found = outline_headings(pages, outline)
    assert [(h.page, h.title) for h in found] == [(1, "Methods"), (1, "Results")]
    methods, results = found
    assert pages[1][methods.end :].startswith(" A 31-year-old")  # run-in: the text goes on
    # "Results were reported" is prose (a lower-case word follows), the heading is the line after
    assert pages[1][results.start : results.end] == "Results"


def test_a_stray_bookmark_is_no_outline_and_typography_is_read() -> None:
    pages = ["Introduction\nText of the introduction goes here."]
    styled = [[("Introduction", 18.0, False), ("Text of the introduction goes here.", 12.0, False)]]
    got = find_headings(pages, styled, [(0, "_GoBack", 0)])
    assert [h.title for h in got] == ["Introduction"]


def test_typography_skips_captions_joins_wrapped_headings_and_ranks_styles() -> None:
    page = "A Title Set\nOver Two Lines\nFigure 1. Rates by age\nBody text in a paragraph.\nSmall Heading\nMore text."
    styled = [[
        ("A Title Set", 18.0, True), ("Over Two Lines", 18.0, True), ("Figure 1. Rates by age", 11.0, True),
        ("Body text in a paragraph.", 11.0, False), ("Small Heading", 11.0, True), ("More text.", 11.0, False),
    ]]
    got = typography_headings([page], styled)
    assert [(h.title, h.level) for h in got] == [("A Title Set Over Two Lines", 0), ("Small Heading", 1)]


def test_reference_list_heading_heads_nothing_after_the_list() -> None:
    text = (
        "Discussion\nThe drug worked.\nReferences\n1. Smith J. A trial. Lancet 2001.\n2. Jones K. Another. BMJ 2002.\n"
        "Appendix A\nA checklist follows here."
    )
    heads = [
        (0, 10, 0, "Discussion"),
        (text.index("References"), text.index("References") + 10, 0, "References"),
        (text.index("Appendix"), text.index("Appendix") + 10, 1, "Appendix A"),
    ]
    sections = pdf_sections(text, heads)
    bib = [s for s in sections if is_bibliography(s.section)]
    assert len(bib) == 1 and text[bib[0].start : bib[0].end].startswith("References\n1. Smith")
    appendix = next(s for s in sections if "checklist" in text[s.start : s.end])
    assert appendix.section == ("Discussion", "Appendix A")


@pytest.mark.parametrize("stem", sorted(p.stem for p in (REPO / "corpus" / "pdf-sources").glob("*.md")))
def test_bundled_pdfs_get_their_markdown_sources_sections(stem: str) -> None:
    pdf = REPO / "corpus" / "pdf" / f"{stem}.pdf"
    md = REPO / "corpus" / "pdf-sources" / f"{stem}.md"
    if not pdf.is_file():
        pytest.skip(f"{pdf} not rendered")
    want = {s.section for s in load_file(md).documents[0].sections if s.section}
    got = {s.section for s in load_file(pdf).documents[0].sections if s.section}
    # the rendered PDF adds a "Source summarised: ..." line under the title, which has no text in the source
    assert want <= got and all(len(path) == 1 for path in got - want)


def test_real_outline_sections(clinical_pdf) -> None:
    nchs = clinical_pdf("nchs_databrief511_hypertension_2024.pdf")
    assert _section_of(nchs, "hypertension was 47.7%") == ("Key findings",)
    kcnj11 = clinical_pdf("diabetologia_2024_kcnj11_sulfonylurea.pdf")
    path = _section_of(kcnj11, "was treated with glibenclamide")
    assert path[-2:] == ("Abstract", "Methods")


def test_real_typography_sections(clinical_pdf) -> None:
    cdc = clinical_pdf("cdc_outpatient_infection_prevention_2016.pdf")
    path = _section_of(cdc, "the preferred method of hand hygiene in\nclinical situations")
    assert path and "REFERENCES" not in path
    later = _section_of(cdc, "discarded within 28 days")
    assert later and not any(is_bibliography(later[: i + 1]) for i in range(len(later)))



def test_a_table_header_repeated_on_every_page_and_a_bold_lead_in_are_no_headings() -> None:
    header = ("Elements to be assessed Assessment Notes", 12.0, True)
    pages, styled = [], []
    for n in range(4):
        pages.append(f"Section {n + 1}: Checks\n{header[0]}\nA. Hands are washed.\nPPE is used correctly:\nB. Gloves are changed.")
        styled.append([
            (f"Section {n + 1}: Checks", 14.0, False), header, ("A. Hands are washed.", 12.0, False),
            ("PPE is used correctly:", 12.0, True), ("B. Gloves are changed.", 12.0, False),
        ])
    got = typography_headings(pages, styled)
    assert [h.title for h in got] == [f"Section {n + 1}: Checks" for n in range(4)]


def test_a_title_and_its_subtitle_after_a_colon_are_one_heading() -> None:
    page = "GUIDE TO INFECTION PREVENTION:\nMINIMUM EXPECTATIONS\nIntroduction\nBody text here."
    styled = [[
        ("GUIDE TO INFECTION PREVENTION:", 22.0, True), ("MINIMUM EXPECTATIONS", 18.0, True),
        ("Introduction", 16.0, True), ("Body text here.", 12.0, False),
    ]]
    got = typography_headings([page], styled)
    assert [(h.title, h.level) for h in got] == [("GUIDE TO INFECTION PREVENTION: MINIMUM EXPECTATIONS", 0), ("Introduction", 1)]
