"""The answer plan (issues 16, 19): does a sentence answer what was asked, for this patient?

``attribute_match`` scores a sentence's claim against the question frame; a score of at least
``compose.ATTRIBUTE_ANSWERS`` is what the composer takes as answering. A
clinician relies on three things here: a dose of another phase is not the answer (the extended
dose of an anticoagulant for a new clot), a dose for another population is not the answer (an
adult dose for a child), and when nothing answers, the library says exactly what it does not state.
"""

from __future__ import annotations

import pytest

from curbside.qa.aliases import AliasTable
from curbside.qa.claims import tag
from curbside.qa.compose import ATTRIBUTE_ANSWERS
from curbside.qa.plan import ATTRIBUTE_PLANS, attribute_match, not_stated, question_phase
from curbside.qa.query import analyse
from curbside.qa.types import ATTRIBUTES, QuestionFrame

ANSWERS = ATTRIBUTE_ANSWERS
"""The score from which the composer takes a sentence as answering the asked attribute."""

EXTENDED = "For extended treatment after at least 6 months, the recommended dose of apixaban is 2.5 mg twice daily."
INITIAL = "The recommended dose of apixaban is 10 mg twice daily for the first 7 days, followed by 5 mg twice daily."
ADULT_DOSE = "The recommended dose of anakinra for adults with rheumatoid arthritis is 100 mg daily."
CHILD_DOSE = "In children, the starting dose of anakinra is 1 to 2 mg/kg daily."


@pytest.fixture(scope="module")
def table() -> AliasTable:
    return AliasTable.bundled()


def score(sentence: str, question: str, table: AliasTable) -> float:
    return attribute_match(tag(sentence, table), analyse(question, table).frame, question)


def test_every_attribute_has_a_plan() -> None:
    assert set(ATTRIBUTES) == set(ATTRIBUTE_PLANS)


# --- phases -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "phase"),
    [
        ("What apixaban dose for a new DVT?", "initial"),
        ("What dose of apixaban for a newly diagnosed pulmonary embolism?", "initial"),
        ("What is the apixaban dose for extended treatment after 6 months?", "extended"),
        ("What colchicine dose for flare prophylaxis?", "prophylaxis"),
        ("What is the usual apixaban dose?", None),
    ],
)
def test_question_phase(question: str, phase: str | None) -> None:
    assert question_phase(question) == phase


@pytest.mark.parametrize("question", ["What apixaban dose for a new DVT?", "What dose of apixaban for a newly diagnosed pulmonary embolism?"])
def test_extended_phase_dose_does_not_answer_a_new_clot(question: str, table: AliasTable) -> None:
    assert score(EXTENDED, question, table) == 0.0
    assert score(INITIAL, question, table) >= ANSWERS


def test_recurrence_prevention_dose_does_not_answer_a_new_clot(table: AliasTable) -> None:
    sentence = "To reduce the risk of recurrent DVT and PE after at least 6 months of treatment, take apixaban 2.5 mg twice daily."
    assert score(sentence, "What apixaban dose for a new DVT?", table) == 0.0


def test_extended_phase_dose_answers_an_extended_phase_question(table: AliasTable) -> None:
    question = "What is the apixaban dose for extended treatment after 6 months?"
    assert score(EXTENDED, question, table) >= ANSWERS


def test_prophylaxis_dose_does_not_answer_a_flare_treatment_question(table: AliasTable) -> None:
    prophylaxis = "For prophylaxis of gout flares, colchicine 0.6 mg once or twice daily is recommended."
    treatment = "For treatment of a gout flare, colchicine 1.2 mg at the first sign of the flare, followed by 0.6 mg one hour later."
    question = "What colchicine dose for an acute gout flare?"
    assert score(prophylaxis, question, table) == 0.0
    assert score(treatment, question, table) >= ANSWERS


def test_phase_less_question_prefers_a_dose_that_is_not_for_the_extended_phase(table: AliasTable) -> None:
    question = "What is the usual apixaban dose?"
    assert score(INITIAL, question, table) > score(EXTENDED, question, table)


# --- populations --------------------------------------------------------------------------------


@pytest.mark.parametrize("question", ["What is the anakinra dose for children?", "What dose of anakinra in a 9-year-old?"])
def test_adult_dose_does_not_answer_a_childrens_dose_question(question: str, table: AliasTable) -> None:
    assert score(ADULT_DOSE, question, table) < ANSWERS
    assert score(CHILD_DOSE, question, table) >= ANSWERS


def test_childrens_dose_ranks_below_the_adult_dose_for_an_adult(table: AliasTable) -> None:
    question = "What is the anakinra dose for rheumatoid arthritis?"
    assert score(ADULT_DOSE, question, table) > score(CHILD_DOSE, question, table)


def test_pregnancy_question_is_answered_by_a_pregnancy_statement(table: AliasTable) -> None:
    question = "Is anakinra safe in pregnancy?"
    assert score("Anakinra should be used in pregnancy only if clearly needed.", question, table) >= ANSWERS
    assert score("The recommended dose of anakinra is 100 mg daily.", question, table) < ANSWERS


# --- renal dose ---------------------------------------------------------------------------------


def test_renal_dose_range_must_cover_the_patients_kidney_function(table: AliasTable) -> None:
    question = "What dose of allopurinol at eGFR 25?"
    covering = "Start allopurinol at no more than 50 mg daily in patients with an eGFR below 30 mL/min."
    excluding = "Start allopurinol at 100 mg daily in patients with an eGFR of 30 to 60 mL/min."
    no_kidney_words = "Allopurinol should be started at 100 mg daily."
    assert score(covering, question, table) >= ANSWERS
    assert score(excluding, question, table) < ANSWERS
    assert score(no_kidney_words, question, table) < ANSWERS
    assert score(covering, question, table) > score(excluding, question, table)


def test_renal_dose_question_is_answered_by_an_avoidance_at_that_kidney_function(table: AliasTable) -> None:
    question = "What dose of colchicine at CrCl 25?"
    avoid_below_30 = "Colchicine should not be used in patients with a creatinine clearance below 30 mL/min."
    no_change_above_30 = "No dose adjustment of colchicine is needed in patients with a creatinine clearance of 30 to 80 mL/min."
    assert score(avoid_below_30, question, table) >= ANSWERS
    assert score(no_change_above_30, question, table) < ANSWERS


# --- other attributes ---------------------------------------------------------------------------


def test_monitoring_question_is_answered_by_a_monitoring_statement(table: AliasTable) -> None:
    question = "How often should neutrophil counts be checked on anakinra?"
    assert score("Neutrophil counts should be assessed before starting anakinra, monthly for 3 months, and quarterly thereafter.", question, table) >= ANSWERS
    assert score("The recommended dose of anakinra is 100 mg daily.", question, table) < ANSWERS


def test_safety_question_is_answered_by_a_contraindication(table: AliasTable) -> None:
    question = "Is it safe to give anakinra to a patient with an active infection?"
    assert score("Anakinra should not be started in patients with an active infection.", question, table) == 1.0
    assert score("Anakinra is supplied as a prefilled syringe.", question, table) < ANSWERS


def test_target_question_needs_a_target_statement(table: AliasTable) -> None:
    question = "What urate target on allopurinol?"
    assert score("Titrate allopurinol to a serum urate target below 6 mg/dL.", question, table) >= ANSWERS
    assert score("Allopurinol is the preferred first-line urate-lowering therapy.", question, table) < ANSWERS


# --- saying what the library does not state -----------------------------------------------------


def test_not_stated_for_a_childrens_dose(table: AliasTable) -> None:
    frame = analyse("What is the anakinra dose for children?", table).frame
    assert not_stated(frame) == "The library does not state an anakinra dose for children."


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (
            QuestionFrame(intent="dose", intervention="anakinra", asked_attribute="dose", population=["child"]),
            "The library does not state an anakinra dose for children.",
        ),
        (
            QuestionFrame(intent="dose_adjustment", intervention="allopurinol", asked_attribute="renal dose", population=["ckd"], qualifier="eGFR 25"),
            "The library does not state an allopurinol dose at eGFR 25.",
        ),
        (
            QuestionFrame(intent="population", intervention="colchicine", asked_attribute="pregnancy", population=["pregnancy"]),
            "The library does not state whether colchicine can be used in pregnancy.",
        ),
        (
            QuestionFrame(intent="interaction", intervention="colchicine", asked_attribute="interaction", current_medications=["clarithromycin", "cyclosporine"]),
            "The library does not state how colchicine interacts with clarithromycin and cyclosporine.",
        ),
        (
            QuestionFrame(intent="target", intervention="tacrolimus", asked_attribute="target"),
            "The library does not state a target for tacrolimus.",
        ),
        (
            QuestionFrame(intent="dose", intervention="febuxostat", asked_attribute="dose"),
            "The library does not state a febuxostat dose.",
        ),
    ],
)
def test_not_stated_wording(frame: QuestionFrame, expected: str) -> None:
    assert not_stated(frame) == expected


def test_not_stated_without_an_intervention_does_not_invent_one() -> None:
    sentence = not_stated(QuestionFrame(intent="choice", asked_attribute="first-line choice", indication="gout"))
    assert sentence == "The library does not state a first-line choice for gout."


@pytest.mark.parametrize(
    "question",
    [
        "Finished 6 months of Eliquis for a DVT and staying on it. What dose now?",
        "She has completed 12 months of rivaroxaban; we're continuing. Dose?",
    ],
)
def test_a_question_after_months_of_treatment_is_about_the_extended_phase(question: str) -> None:
    assert question_phase(question) == "extended"


def test_a_new_clot_is_not_the_extended_phase() -> None:
    assert question_phase("New DVT yesterday. Apixaban dose?") == "initial"
