"""PDF layout clean-up: running headers and footers, reference lists, list items as sentences.

The synthetic texts below are shaped like what pypdf extracts from real reports and papers (one
line per layout line, no blank lines inside a page); the last tests check the four real clinical
PDFs of ../shared/data where they are present.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from curbside.ingest.chunking import citable_sentences, sentence_spans
from curbside.ingest.loaders import load_file, pdf_sections
from curbside.ingest.pdftext import (
    bibliography_spans,
    dehyphenate,
    is_bibliography,
    page_separator,
    strip_running_lines,
)
from tests.fakes import make_text_pdf

# ---------------------------------------------------------------------------------------------
# running headers and footers


def _page(n: int, body: str) -> str:
    header = "Field Manual of Wound Care - Edition 4, May 2019" if n % 2 else "Wound Care (2019) 12:100-131"
    return f"{100 + n}\n{header}\n{body}\nPage {n} of 6"


BODIES = [
    "Clean the wound with saline before every dressing change.",
    "Wound Care (2019) 12:100-131 is cited here in the body, not at an edge of the page,\nand stays.",
    "Dressings are changed every two days.",
    "A wound that is not healing after four weeks needs review.",
    "Antibiotics are not needed for a clean wound.",
    "Record the size of the wound at every visit.",
]


def test_running_headers_footers_and_page_numbers_are_dropped() -> None:
    pages = [_page(n, body) for n, body in enumerate(BODIES, start=1)]
    out = strip_running_lines(pages)
    assert out[0] == BODIES[0]
    assert out[2] == BODIES[2]
    # the same words inside the body are content, not a running line
    assert out[1] == BODIES[1]
    assert all("Page" not in p and "Edition 4" not in p for p in out)


def test_running_lines_are_matched_with_digits_and_punctuation_ignored() -> None:
    headers = ["Version 2.3 - September 2016", "Version 2.3- September 2016", "Version 2.3 - September 2016"]
    bodies = ["Wash hands before care.", "Wear gloves for blood.", "Discard sharps at once."]
    pages = [f"{h}\n{b}" for h, b in zip(headers, bodies, strict=True)]
    assert strip_running_lines(pages) == bodies


def test_few_pages_or_no_recurring_line_leave_the_text_alone() -> None:
    two = ["Header\nFirst page body.", "Header\nSecond page body."]
    assert strip_running_lines(two) == two
    distinct = [f"Heading {c}\nBody {c}." for c in "abcdef"]
    assert strip_running_lines(distinct) == distinct


def test_a_page_of_running_lines_only_keeps_its_text() -> None:
    pages = [_page(n, body) for n, body in enumerate(BODIES, start=1)] + ["107\nField Manual of Wound Care - Edition 4, May 2019"]
    assert strip_running_lines(pages)[-1] == pages[-1]


# ---------------------------------------------------------------------------------------------
# line-end hyphens


def test_line_end_hyphens_join_words_and_keep_compounds() -> None:
    pages = [
        "After three pregnan-\ncies the pro-\ncesses were dose-\ndependent and diabetes-\nrelated.",
        "A long-\nterm study of the multi-\ntRNA complex was normal-\nised and reported.",
        "The effect was dependent on the dose over the long term.\nThe multi-tRNA synthetase complex.\n"
        "Diabetes is common. The treat-\nment was re-\nported.",
    ]
    out = "\n".join(dehyphenate(pages))
    for word in ("pregnancies", "processes", "dose-dependent", "diabetes-related", "long-term", "multi-tRNA", "normalised", "treatment", "reported"):
        assert word in out, word
    assert "-\n" not in out


def test_a_sentence_runs_on_across_a_page_break() -> None:
    assert page_separator("an incidence substantially", "higher than in the population.") == "\n"
    assert page_separator("use, as shown in the trial,", "and the figure") == "\n"
    assert page_separator("The trial ended.", "the next page") == "\n\n"
    assert page_separator("a figure legend", "Results were") == "\n\n"
    assert page_separator("", "lower case start") == "\n\n"


def test_loaded_pdf_joins_a_sentence_split_by_a_page_break(tmp_path: Path) -> None:
    path = tmp_path / "split.pdf"
    path.write_bytes(make_text_pdf(["The first trial reported an incidence substantially", "higher than in the general population. A second trial followed."]))
    parsed = load_file(path).documents[0]
    got = [_ws(parsed.text[s:e]) for s, e in citable_sentences(parsed.text, lines=False)]
    assert "The first trial reported an incidence substantially higher than in the general population." in got
    assert [p.page for p in parsed.pages] == [1, 2]
    assert "higher than" in parsed.text[parsed.pages[1].start : parsed.pages[1].end]


# ---------------------------------------------------------------------------------------------
# reference lists

REPORT = """Results
Hypertension prevalence in adults was 47.7% and was higher in men.
References
1. Ostchega Y, Fryar CD, Nwankwo T. Hypertension prevalence among adults aged
18 and over: United States, 2017-2018. NCHS Data Brief, no 364. 2020.
2. Fuchs FD, Whelton PK. High blood pressure and cardiovascular disease. Hypertension
75(2):285-92. 2020.
3. National Center for Health Statistics. Survey procedures manual. 2021. Available from:
https://example.org/manual-
508.pdf.
Figure Tables
Data table for Figure 1. Prevalence of hypertension in adults.
1. Take the first measurement after five minutes of rest.
2. Repeat it twice."""


def test_a_reference_list_ends_after_its_last_entry() -> None:
    spans = bibliography_spans(REPORT)
    assert len(spans) == 1
    start, end, heading = spans[0]
    assert heading == "References"
    bib = REPORT[start:end]
    assert bib.startswith("References\n1. Ostchega")
    assert bib.endswith("508.pdf.")
    # what follows (a heading, a table, a numbered list that starts again at 1) is body
    assert "Figure Tables" not in bib and "first measurement" not in bib


def test_a_numbered_reference_list_interrupted_by_a_table_resumes_where_its_count_does() -> None:
    entries = "\n".join(f"{n}. Author{chr(64 + n)} AB. A paper title number {n}. J Med. 2020;{n}:1-9." for n in range(1, 4))
    table = "\n".join(["Table 1. Interactors and functions"] + [f"Cell {i} Cytoplasm Function" for i in range(14)])
    rest = "\n".join(f"{n}. Author{chr(64 + n)} AB. A paper title number {n}. J Med. 2020;{n}:1-9." for n in range(4, 7))
    text = f"Body sentence one.\nREFERENCES\n{entries}\n\n{table}\n\n{rest}\nACKNOWLEDGEMENTS\nWe thank the nurses."
    spans = bibliography_spans(text)
    assert [h for *_, h in spans] == ["REFERENCES", "REFERENCES"]
    assert "Cell 3" not in "".join(text[s:e] for s, e, _ in spans)
    assert text[spans[1][0] : spans[1][1]].startswith("4. AuthorD")
    assert "ACKNOWLEDGEMENTS" not in text[spans[1][0] : spans[1][1]]


def test_author_year_reference_lists_are_found() -> None:
    text = (
        "Discussion ends here.\nBibliography\nAdams JB, Cole R (2019) Dosing in older adults. Lancet 3:1-4.\n"
        "Baker T, Dunn S (2020) Renal dosing of\nantibiotics. BMJ 7:5-9.\nCarter H (2021) A third paper. JAMA 2:3-4."
    )
    (span,) = bibliography_spans(text)
    assert text[span[0] : span[1]].endswith("JAMA 2:3-4.")


def test_a_references_word_without_entries_is_not_a_reference_list() -> None:
    assert bibliography_spans("Contents\nReferences\nThe body text goes on here after the word.\nMore text.") == []
    assert bibliography_spans("See the references on page 9.\n1. First point.\n2. Second point.") == []


def test_pdf_sections_cover_the_text_with_the_reference_list_apart() -> None:
    sections = pdf_sections(REPORT)
    assert sections[0].start == 0 and sections[-1].end == len(REPORT)
    assert all(a.end == b.start for a, b in itertools.pairwise(sections))
    assert [s.section for s in sections] == [(), ("References",), ()]
    assert is_bibliography(sections[1].section) and not is_bibliography(sections[0].section)
    assert is_bibliography(("Treatment", "Reference list")) and not is_bibliography(("References to dosing",))


# ---------------------------------------------------------------------------------------------
# list items and checklists as sentences (PDF text: lines are layout)

CHECKLIST = """F. Medication administration tubing and connectors are used
for only one patient.
Yes No
Not applicable
(Facility does not
use tubing or
connectors)
G. Multi-dose vials are dated when they are
first opened and discarded within 28 days unless the
manufacturer specifies a different date.
Yes No
H. Sharps are disposed of in a puncture-resistant container."""


def _sentences(text: str) -> list[str]:
    return [" ".join(text[s:e].split()) for s, e in citable_sentences(text, lines=False)]


def test_checklist_items_are_sentences_apart_from_their_answer_cells() -> None:
    got = _sentences(CHECKLIST)
    # the items' letters are list markers, left out of the statement as "5. " is
    assert "Multi-dose vials are dated when they are first opened and discarded within 28 days unless the manufacturer specifies a different date." in got
    assert "Sharps are disposed of in a puncture-resistant container." in got
    assert not any(g.startswith(("F. ", "G. ", "H. ")) for g in got)
    assert "Yes No Not applicable (Facility does not use tubing or connectors)" in got


def test_bullet_lines_start_sentences() -> None:
    text = "Key findings\nData from the survey\n\u25cf During 2021, the prevalence\nwas 47.7%.\n\u25cf More than one-half\nwere treated."
    # "Key findings" and "Data from the survey" are headings: sentences of their own, never cited
    assert _sentences(text) == ["During 2021, the prevalence was 47.7%.", "More than one-half were treated."]


def test_an_initial_or_a_number_continuing_prose_does_not_start_a_sentence() -> None:
    text = "The method was described by\nJ. Smith and colleagues in a trial.\nDoses are listed in Table\n2. They were reduced."
    assert _sentences(text) == ["The method was described by J. Smith and colleagues in a trial.", "Doses are listed in Table 2.", "They were reduced."]


def test_a_stop_before_a_closing_typographic_quote_ends_a_sentence() -> None:
    text = "Awareness: a yes to \u201cHave you been told you had hypertension?\u201d\nControl: below 130/80 mm Hg."
    assert len(sentence_spans(text, lines=False)) == 2


def test_markdown_keeps_one_sentence_per_line() -> None:
    text = "- first item\n- second item\nA. plain line"
    assert [text[s:e] for s, e in sentence_spans(text, lines=True)] == text.split("\n")


def test_a_heading_line_is_not_carried_by_the_sentence_after_it() -> None:
    text = (
        "The survey ran for two years.\nData source and methods\nData for this report are from the survey.\n"
        "Design\nCARES was a multicentre trial.\nSamples were sent to the\nUniversity laboratory for testing.\n"
        "Samples were then frozen, thawed and\nAnalysed in one batch."
    )
    assert _sentences(text) == [
        "The survey ran for two years.",
        "Data for this report are from the survey.",
        "CARES was a multicentre trial.",
        "Samples were sent to the University laboratory for testing.",
        "Samples were then frozen, thawed and Analysed in one batch.",
    ]


def test_a_heading_line_is_not_carried_by_the_sentence_before_it() -> None:
    # a keyword list ends in no stop: the heading after it was glued to it ("... (NHANES) Suggested citation")
    text = (
        "Keywords: high blood pressure \u2022 National Health and Nutrition Examination\nSurvey (NHANES)\n"
        "Suggested citation\nFryar CD, Kit B. Hypertension prevalence among adults.\n\n"
        "Keywords Congenital hyperinsulinism \u00b7 Glibenclamide \u00b7 KATP channel \u00b7 Pharmacological chaperone\n"
        "Abbreviations\nHA Haemagglutinin\nTMD0 First set of transmembrane domains of SUR1\nIntroduction\n"
        "The central role of the KATP channel in insulin secretion is well understood.\n\n"
        "She was then treated with\nMetformin\nand insulin at night."
    )
    got = _sentences(text)
    # keyword lists and headings are never cited; what follows them is a sentence of its own
    assert got == [
        "Fryar CD, Kit B. Hypertension prevalence among adults.",
        "TMD0 First set of transmembrane domains of SUR1",  # (a glossary line reads as a heading)
        "The central role of the KATP channel in insulin secretion is well understood.",
        "She was then treated with Metformin and insulin at night.",
    ]


def test_a_figure_caption_interrupting_prose_starts_a_sentence() -> None:
    text = (
        "The prevalence remains above the target goal to lower blood pressure to\n"
        "Figure 5. Prevalence of hypertension awareness among adults\nNOTES: Hypertension is defined as 130 mm Hg or above.\n"
        "Doses are listed in\nTable 2. They were reduced.\nFig. 3 Effects of diazoxide on the current\nof mutant channels."
    )
    got = _sentences(text)
    assert got[0] == "The prevalence remains above the target goal to lower blood pressure to"
    assert "Prevalence of hypertension awareness among adults NOTES: Hypertension is defined as 130 mm Hg or above." in got
    # a table named in prose ("listed in" / "Table 2.") stays in its sentence
    assert "Doses are listed in Table 2." in got
    assert "Fig. 3 Effects of diazoxide on the current of mutant channels." in got


def test_lettered_and_roman_list_markers_are_left_out_of_pdf_statements() -> None:
    text = "Yes No\nE. Single dose vials are used for only one patient.\nYes No\niii. Hands are washed after gloves come off."
    assert _sentences(text) == ["Single dose vials are used for only one patient.", "Hands are washed after gloves come off."]
    # a species or an initial is no marker
    assert _sentences("E. coli grew in two of the cultures.") == ["E. coli grew in two of the cultures."]
    # Markdown keeps what it wrote
    line = "A. Plain Markdown line of a list"
    assert [line[s:e] for s, e in citable_sentences(line, lines=True)] == [line]


def test_a_structured_abstracts_run_in_headings_are_left_out_of_its_statements() -> None:
    text = (
        "Aims/hypothesis The KATP channel couples beta cell activity to insulin secretion.\n"
        "Methods A 31-year-old woman was diagnosed with mild hyperglycaemia during a screen.\n"
        "Results were similar in both groups. Results Functional analysis showed no changes.\n"
        "Main outcome measures Death from any cause at 90 days.\n"
        "Conclusions: Colchicine reduced flares in this trial."
    )
    assert _sentences(text) == [
        "The KATP channel couples beta cell activity to insulin secretion.",
        "A 31-year-old woman was diagnosed with mild hyperglycaemia during a screen.",
        "Results were similar in both groups.",  # prose: a lower-case word follows
        "Functional analysis showed no changes.",
        "Death from any cause at 90 days.",
        "Conclusions: Colchicine reduced flares in this trial.",  # the conclusion keeps its label
    ]
    # Markdown is left as written
    assert sentence_spans("Methods A trial of colchicine.", lines=True) == [(0, 30)]
    assert citable_sentences("Methods A trial of colchicine.", lines=True) == [(0, 30)]


def test_words_broken_after_a_space_and_a_hyphen_are_joined() -> None:
    pages = ["The loss of function causes congenital hyperinsu -\nlinism and a clinical pheno -\ntype of diabetes.",
             "Congenital hyperinsulinism is rare. The drug -\nwhich is a drug which works - is cheap."]
    out = "\n".join(dehyphenate(pages))
    assert "congenital hyperinsulinism and a clinical phenotype of diabetes" in out
    # two words of the document either side of a spaced hyphen may be a dash: left as they are
    assert "The drug -\nwhich" in out


def test_chart_axes_and_data_table_rows_are_not_sentences() -> None:
    chart = "Awareness Treatment Control\n100\n80\n60\n40\n20\n0\nPercent\nAugust 2021\n60.2 59.2\n50.3 51.2"
    row = "18-39 . . . . . . . . . . . . 399 27.2 (21.4-33.6) 2.8 Men 18 and older."
    prose = "Hypertension was higher in men (50.8%) than women (44.6%) and increased with age: 23.4% for ages 18-39."
    text = f"{chart}\n\n{row}\n\n{prose}"
    assert _sentences(text) == [prose]
    # Markdown keeps its table-like lines: a dose table there is content
    assert len(citable_sentences("| Dose | 5 mg | 10 mg | 20 mg |", lines=True)) == 1


# ---------------------------------------------------------------------------------------------
# a PDF made here, through the loader


def test_loaded_pdf_loses_its_running_lines_and_sets_its_references_apart(tmp_path: Path) -> None:
    pages = [
        f"Guide to Wound Care - Version 2\n{body}" for body in BODIES[:2]
    ] + ["Guide to Wound Care - Version 2\n" + REPORT]
    path = tmp_path / "guide.pdf"
    path.write_bytes(make_text_pdf(pages))
    parsed = load_file(path).documents[0]
    assert "Version 2" not in parsed.text
    names = [s.section for s in parsed.sections]
    assert ("References",) in names
    bib = next(s for s in parsed.sections if s.section == ("References",))
    assert "Ostchega" in parsed.text[bib.start : bib.end]
    assert "Clean the wound" not in parsed.text[bib.start : bib.end]


# ---------------------------------------------------------------------------------------------
# the real clinical PDFs


def _ws(text: str) -> str:
    return " ".join(text.split())


def test_real_checklist_item_is_a_sentence_of_its_own(clinical_pdf) -> None:
    parsed = clinical_pdf("cdc_outpatient_infection_prevention_2016.pdf")
    found = [_ws(parsed.text[s:e]) for s, e in citable_sentences(parsed.text, lines=False) if "within 28 days" in parsed.text[s:e]]
    assert found and all("Yes No" not in f and f.startswith("Multi-dose vials") for f in found)
    assert "Version 2.3 - September 2016" not in parsed.text[: parsed.pages[30].end]


@pytest.mark.parametrize(
    ("name", "first_entry"),
    [
        ("nchs_databrief511_hypertension_2024.pdf", "1. Ostchega Y"),
        ("diabetologia_2024_kcnj11_sulfonylurea.pdf", "1. Rorsman P"),
        ("expmolmed_2023_eprs1_review.pdf", "1. Giege, R."),
        ("cdc_outpatient_infection_prevention_2016.pdf", "1. Barie PS."),
    ],
)
def test_real_reference_lists_are_sections_of_their_own(clinical_pdf, name: str, first_entry: str) -> None:
    parsed = clinical_pdf(name)
    bibs = [s for s in parsed.sections if is_bibliography(s.section)]
    assert bibs
    assert parsed.text[bibs[0].start : bibs[0].end].split("\n")[1].startswith(first_entry)
    body = "".join(parsed.text[s.start : s.end] for s in parsed.sections if not is_bibliography(s.section))
    assert len(body) > 0.6 * len(parsed.text)  # the body is not swallowed
