"""Comparative yes/no questions, a course under way, and drug names inside hyphenated words
(issues 15 and 16).

Regressions, each from a clinician-style question over the bundled corpus (the sets' A halves):
- "Does anakinra beat a 40 mg Kenalog shot for a flare?" got "Yes" from "the anaGO trial ... was
  designed to show superiority of anakinra" (a design, not a finding; the finding was "did not show
  anakinra to be superior"); "more infections with canakinumab than with the steroid shot?" got
  "Conditional" from "reported more often with canakinumab than with triamcinolone".
- "... on long-term erythromycin. He's been on colchicine 0.6 bid since we started Zyloprim. Does the
  colchicine need to change?" led with the flare dose: "long-term" was read as the colchicine
  course's phase, and a course under way was not read at all.
- "HIV pt on a Tivicay-based regimen" gave no current medication: the brand was missing and a
  hyphen after a drug name stopped the match.

The questions here are worded for this file, not taken from an eval set.
"""

from __future__ import annotations

import pytest

from curbside.qa.aliases import AliasTable
from curbside.qa.plan import ONGOING, question_phase
from curbside.qa.polarity import yes_no_polarity
from curbside.qa.query import analyse

TABLE = AliasTable.bundled()


@pytest.mark.parametrize(
    "question, expected",
    [
        ("Is Uloric any better than allopurinol at getting urate down?", "differs"),
        ("Would anakinra beat prednisone for this flare?", "differs"),
        ("Fewer GI side effects with low-dose colchicine than with the high-dose regimen?", "differs"),
        ("Is the low-dose regimen as effective as the hourly one?", "same"),
        ("Is apixaban non-inferior to warfarin for this?", "same"),
        ("Is colchicine safe with his tacrolimus?", "do"),
        ("Does cyclosporine raise colchicine levels?", "exists"),
    ],
)
def test_a_comparison_asked_is_its_own_polarity(question: str, expected: str) -> None:
    assert yes_no_polarity(question) == expected


def test_a_phase_word_of_another_drug_is_not_the_asked_drugs_phase() -> None:
    q = "On long-term clarithromycin for bronchiectasis. What colchicine dose for a flare?"
    assert question_phase(q) == "extended"  # read without the drug asked about, as before
    assert question_phase(q, "colchicine") is None
    assert question_phase("What is the long-term apixaban dose after 6 months?", "apixaban") == "extended"


@pytest.mark.parametrize(
    "question",
    [
        "She's been on colchicine 0.6 mg daily since allopurinol was started. Now on verapamil - change it?",
        "He's on allopurinol 300 mg daily. Is allopurinol still needed once urate is at goal?",
    ],
)
def test_a_regular_dose_already_taken_is_a_course_under_way(question: str) -> None:
    intervention = analyse(question, TABLE).frame.intervention
    assert intervention is not None
    assert question_phase(question, intervention) == ONGOING


def test_no_course_under_way_without_a_regular_dose_of_the_asked_drug() -> None:
    q = "He's been on erythromycin 250 tid for years. Colchicine dose for a flare?"
    assert question_phase(q, "colchicine") != ONGOING


@pytest.mark.parametrize(
    "question, medication",
    [
        ("HIV patient on a Tivicay-based regimen. Metformin interaction?", "dolutegravir"),
        ("Kidney transplant on a tacrolimus-based regimen: colchicine for a flare?", "tacrolimus"),
    ],
)
def test_a_drug_name_before_based_or_treated_is_a_current_medication(question: str, medication: str) -> None:
    assert medication in analyse(question, TABLE).frame.current_medications


@pytest.mark.parametrize(
    "question, drug",
    [
        ("History of heparin-induced thrombocytopenia. Is warfarin safe now?", "heparin"),
        ("Methotrexate-naive RA patient with CKD 3. Is leflunomide an option?", "methotrexate"),
    ],
)
def test_a_drug_named_as_a_cause_or_never_taken_is_not_a_current_medication(question: str, drug: str) -> None:
    frame = analyse(question, TABLE).frame
    assert drug not in frame.current_medications
    assert frame.intervention != drug


def test_comparison_verdicts_read_the_finding_not_the_design(bundled_pipeline) -> None:
    beat = bundled_pipeline.ask("Would anakinra beat a triamcinolone injection for an acute gout flare?")
    assert beat.decision == "no"
    assert beat.bottom_line is not None and "designed to" not in beat.bottom_line.text
    assert "superior" in beat.bottom_line.text
    more = bundled_pipeline.ask("Were serious infections more common with canakinumab than with triamcinolone in the gout trials?")
    assert more.decision == "yes"
    assert more.bottom_line is not None and "more often" in more.bottom_line.text


def test_a_course_under_way_gets_its_prophylaxis_dose_not_the_flare_dose(bundled_pipeline) -> None:
    a = bundled_pipeline.ask(
        "On long-term erythromycin for bronchiectasis. She's been on colchicine 0.6 mg twice daily since "
        "allopurinol was started. Does the colchicine dose need to change?"
    )
    assert a.bottom_line is not None
    assert "prophylaxis" in a.bottom_line.text and "0.3 mg" in a.bottom_line.text
