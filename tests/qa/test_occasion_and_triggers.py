"""When a stated danger holds for this patient: occasions, stopping rules met, tests asked about
(issues 16 and 19), and two shapes of question the readings of them depend on (issue 15).

Regressions, each from a clinician-style question over the bundled corpus (the third set's A half):
- "67M, new T2DM, eGFR 52. OK to start Glucophage?" got "No" from "Metformin should be stopped at the
  time of, or before, an iodinated contrast imaging procedure in patients with an eGFR between 30 and
  60": a danger tied to an occasion the question never names.
- "... skin biopsy confirms calciphylaxis. Keep the warfarin going?" got "Conditional" from "warfarin
  should be stopped if calciphylaxis is diagnosed": a stopping rule the patient meets is an avoidance.
- "Should I send HLA-B*5801 before starting allopurinol?" got "No" from the label's line on
  HLA-B*58:01-positive patients: the allele the question asks to test for was read as the patient's.
- "Can I restart it once the LFTs normalise?" was read as a monitoring question.
- "Any interaction if I start acyclovir?", "Any role for Farxiga?" got no verdict.

The questions here are worded for this file, not taken from an eval set.
"""

from __future__ import annotations

import pytest

from curbside.qa.aliases import AliasTable
from curbside.qa.claims import stopping_rule_conditions
from curbside.qa.polarity import yes_no_polarity
from curbside.qa.query import analyse
from curbside.qa.shape import is_yes_no
from curbside.qa.sweep import APPLIES, UNSTATED, question_traits, statement_scope
from curbside.qa.types import QuestionFrame

TABLE = AliasTable.bundled()

CONTRAST = (
    "Metformin should be stopped at the time of, or before, an iodinated contrast imaging procedure in patients "
    "with an eGFR between 30 and 60 mL/min/1.73 m2."
)
HELD_FOR_SURGERY = "Apixaban should be stopped at least 48 hours before elective surgery with a high bleeding risk."


@pytest.mark.parametrize(
    "text, question, expected",
    [
        (CONTRAST, "eGFR 45, type 2 diabetes. Can I start metformin?", UNSTATED),
        (CONTRAST, "eGFR 45 on metformin and she has a contrast CT on Friday. Keep it going?", APPLIES),
        (CONTRAST, "eGFR 40 on metformin, cardiac catheterization tomorrow. Continue?", APPLIES),
        (HELD_FOR_SURGERY, "On apixaban for AF. Any reason to stop it?", UNSTATED),
        (HELD_FOR_SURGERY, "On apixaban, booked for a hip arthroplasty next week. Keep taking it?", APPLIES),
    ],
)
def test_a_danger_tied_to_an_occasion_holds_when_the_question_names_it(text: str, question: str, expected: str) -> None:
    frame = analyse(question, TABLE).frame
    assert statement_scope(text, frame, TABLE, question=question) == expected


def test_a_stopping_rule_names_its_trigger() -> None:
    assert stopping_rule_conditions("Warfarin should be stopped if calciphylaxis is diagnosed.") == {"calciphylaxis"}
    assert stopping_rule_conditions("Discontinue allopurinol at the first sign of hypersensitivity.") == {"hypersensitivity"}
    assert stopping_rule_conditions("Warfarin is linked with calciphylaxis.") == frozenset()


def test_a_trait_asked_to_be_tested_for_is_not_the_patients() -> None:
    plain = QuestionFrame(intent="monitoring", intervention="allopurinol", asked_attribute="screening")
    asked = "Han Chinese man starting allopurinol: should I test for HLA-B*5801 first?"
    told = "Han Chinese man, HLA-B*5801 positive. Start allopurinol?"
    assert not any("hla" in t for t in question_traits(asked, plain, TABLE))
    assert any("hla" in t for t in question_traits(told, plain, TABLE))


def test_an_act_timed_by_a_test_asks_about_the_act() -> None:
    frame = analyse("Held his febuxostat for an ALT of 5x ULN. Can we restart it when the liver tests are back to normal?", TABLE).frame
    assert frame.intent not in ("monitoring",) and frame.asked_attribute not in ("monitoring", "screening")
    assert frame.intervention == "febuxostat" and frame.yes_no


def test_keeping_the_drug_going_asks_about_the_drug() -> None:
    frame = analyse("Dialysis patient on warfarin for a mechanical valve, biopsy-proven calciphylaxis. Keep the warfarin going?", TABLE).frame
    assert frame.intervention == "warfarin"
    assert "calciphylaxis" in frame.conditions


@pytest.mark.parametrize(
    "question, yes_no",
    [
        ("Kidney recipient on tacrolimus. Any interaction with fluconazole?", True),
        ("HFpEF, EF 55%. Any role for empagliflozin?", True),
        ("Gout and CKD 3. Any contraindication to febuxostat?", True),
        ("Starting febuxostat next week. Any concerns?", False),
        ("Starting febuxostat next week. Any tips?", False),
    ],
)
def test_any_x_is_yes_no_when_x_is_whether_something_holds(question: str, yes_no: bool) -> None:
    assert is_yes_no(question) is yes_no


def test_any_interaction_asks_whether_it_exists() -> None:
    assert yes_no_polarity("On tacrolimus. Any interaction with fluconazole?") == "exists"


# --- answers ------------------------------------------------------------------------------------


def test_a_stopping_rule_the_patient_meets_is_a_no_to_keeping_it(bundled_pipeline) -> None:
    keep = bundled_pipeline.ask("Hemodialysis, on warfarin for AF, now biopsy-proven calciphylaxis. Should she stay on warfarin?")
    stop = bundled_pipeline.ask("Hemodialysis, on warfarin for AF, now biopsy-proven calciphylaxis. Should I stop the warfarin?")
    assert keep.decision == "no", keep.decision_text
    assert stop.decision == "yes", stop.decision_text
    assert any("calciphylaxis" in c.quote for c in keep.decision_citations)


def test_a_stopping_rule_is_met_by_the_event_the_question_names_and_not_by_a_value() -> None:
    from curbside.qa.compose import _stop_rule_met

    rash = "The label says to stop the drug at the first appearance of skin rash or other signs of hypersensitivity."
    frame = QuestionFrame(intent="safety", intervention="allopurinol", yes_no=True)
    assert _stop_rule_met(rash, frame, "Two weeks on allopurinol and now a blistering rash. Stop it?") is True
    assert _stop_rule_met(rash, frame, "Urate at goal for two years on allopurinol. Can we stop it?") is False
    kidney = "Metformin should be stopped if the eGFR falls below 30 mL/min/1.73 m2."
    assert _stop_rule_met(kidney, frame, "eGFR 28 now, potassium fine. Stop metformin?") is None
    assert _stop_rule_met("Metformin lowers glucose.", frame, "Stop metformin?") is None


def test_a_rule_for_another_patients_trigger_does_not_answer_whether_to_stop(bundled_pipeline) -> None:
    rash = bundled_pipeline.ask("Three weeks into allopurinol he has a spreading rash and fever. Should we stop it?")
    assert rash.decision == "yes", rash.decision_text
    assert rash.bottom_line is not None and "rash" in rash.bottom_line.text
    goal = bundled_pipeline.ask("Urate has been under 6 for two years on allopurinol. Can we stop it now?")
    assert goal.bottom_line is not None and "rash" not in goal.bottom_line.text, goal.bottom_line.text
