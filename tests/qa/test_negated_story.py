"""What the question says the patient does not have, read as the patient's story.

A clinician writes "no diabetes", "not immunosuppressed", "no severe symptoms" to describe the
patient. Curbside relies on three readings of that:
- a source that negates the same thing ("whether or not they have diabetes") agrees with the story;
  it does not deny what was asked, so it cannot turn a recommendation into a "no";
- a statement for patients *with* what the question denies ("for isolated distal DVT with severe
  symptoms") is not about this patient;
- a preference for not treating ("clinical surveillance is suggested over anticoagulation") answers
  "treat?" with no.
And "should metformin be stopped before contrast?" asks whether to stop, like "stop metformin?".
"""

from __future__ import annotations

import pytest

from curbside.qa.compose import _negated_stems, _with_what_is_denied
from curbside.qa.polarity import yes_no_polarity
from curbside.qa.retrieval import stems


def test_the_words_a_question_negates_are_collected_within_their_clause() -> None:
    got = _negated_stems("62F, eGFR 34, not immunosuppressed, with no transplant expected; on metformin")
    assert set(stems("immunosuppressed transplant expected")) <= got
    assert not set(stems("metformin")) & got  # after the clause ends


def test_a_preposition_ends_what_is_negated() -> None:
    got = _negated_stems("No improvement on allopurinol 300 mg; no history of stroke")
    assert set(stems("improvement stroke")) <= got
    assert not set(stems("allopurinol")) & got
    assert set(stems("dialysis")) <= _negated_stems("CKD 4, not on dialysis - apixaban?")
    # so a statement about patients on the drug is still about this one
    assert not _with_what_is_denied("In patients with gout on allopurinol, the dose is raised to target.",
                                    "No improvement on allopurinol 300 mg. Raise the dose?")


@pytest.mark.parametrize(("statement", "question", "off"), [
    ("For isolated distal DVT with severe symptoms or risk factors for extension, anticoagulation is suggested.",
     "Isolated distal DVT, no severe symptoms - anticoagulate?", True),
    ("Metformin is the first-line drug for adults with diabetes.", "CKD, eGFR 40, no diabetes - metformin?", True),
    # the same statement for a patient who does have it, or a question that says nothing of it
    ("For isolated distal DVT with severe symptoms or risk factors for extension, anticoagulation is suggested.",
     "Isolated distal DVT with severe calf pain - anticoagulate?", False),
    ("Metformin is the first-line drug for adults with diabetes.", "New type 2 diabetes, eGFR 60 - metformin?", False),
    # a group named with or without what is denied excludes no one
    ("KDIGO recommends an SGLT2 inhibitor for adults with diabetes or without it when the ACR is high.",
     "CKD, ACR 400, no diabetes - SGLT2 inhibitor?", False),
])
def test_a_statement_for_patients_with_what_the_question_denies_is_off_the_patient(statement: str, question: str, off: bool) -> None:
    assert _with_what_is_denied(statement, question) is off


def test_a_source_negating_what_the_story_negates_does_not_deny_the_ask(bundled_pipeline) -> None:
    # "whether or not they have diabetes" agreed with "no diabetes"; it was read as denying the
    # question, so KDIGO's recommendation answered "conditional"
    answer = bundled_pipeline.ask("Is dapagliflozin OK in a 41-year-old with CKD, an eGFR of 35 and an ACR of 450 mg/g, no diabetes?")
    assert answer.decision == "yes", answer.decision_text
    assert answer.bottom_line is not None and "SGLT2 inhibitor" in answer.bottom_line.text


def test_surveillance_preferred_over_treatment_answers_treat_with_no(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("subsegmental PE, no DVT, low recurrence risk - treat?")
    assert answer.decision == "no", answer.decision_text
    assert answer.bottom_line is not None and "surveillance" in answer.bottom_line.text


def test_the_statement_for_the_patient_without_severe_symptoms_answers(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("Isolated distal DVT, no severe symptoms - anticoagulate?")
    assert answer.decision == "no", answer.decision_text
    assert answer.bottom_line is not None and "without severe symptoms" in answer.bottom_line.text


@pytest.mark.parametrize("question", [
    "Should metformin be stopped before contrast?",
    "Should the warfarin be held?",
    "Does the apixaban need to be stopped?",
])
def test_a_passive_stop_question_asks_whether_to_stop(question: str) -> None:
    assert yes_no_polarity(question) == "stop"


@pytest.mark.parametrize(("question", "polarity"), [
    ("Should metformin be started?", "do"),
    ("Can the apixaban be continued?", "keep"),
])
def test_passive_start_and_keep_questions_are_not_stop_questions(question: str, polarity: str) -> None:
    assert yes_no_polarity(question) == polarity



@pytest.mark.parametrize(("question", "population"), [
    ("55 yo, CKD with eGFR 50, not on dialysis - statin?", ["ckd"]),
    ("She is not pregnant and not breastfeeding. Start allopurinol?", []),
    ("On dialysis three times a week - statin?", ["dialysis"]),
])
def test_a_group_the_question_says_the_patient_is_not_in_is_not_their_population(question: str, population: list[str]) -> None:
    from curbside.qa.frame import find_population

    assert find_population(question, None, None) == population


def test_a_danger_of_another_drug_that_lists_the_asked_one_as_its_co_medication_is_not_a_finding(bundled_pipeline) -> None:
    # "Colchicine toxicity in CKD can include myopathy ... particularly with interacting drugs such
    # as statins": colchicine's danger, for a patient on colchicine; it made a plain statin
    # question for a CKD patient "conditional"
    answer = bundled_pipeline.ask("55 yo, CKD with eGFR 50, not on dialysis - statin?")
    assert not any("Colchicine toxicity" in s.text for s in answer.statements())
    assert answer.decision == "yes", answer.decision_text
    on_colchicine = bundled_pipeline.ask("On colchicine for gout, CKD 3 - OK to start atorvastatin?")
    assert on_colchicine.decision == "conditional", on_colchicine.decision_text
