"""'Can he stay on it?' asks whether to keep a drug the patient takes ('should I stop it?' turned round);
and a staged monitoring schedule is answered by the stage the question is at; a low count is the condition it names."""

from __future__ import annotations

import pytest

from curbside.qa.aliases import AliasTable
from curbside.qa.claims import tag


def test_should_usually_be_continued_says_keep_it_going() -> None:
    claim = tag("Metformin should usually be continued when other glucose-lowering drugs, including insulin, are added.", AliasTable.bundled())
    assert "continue" in claim.relations


@pytest.mark.parametrize(
    ("question", "decision", "bottom_line_has"),
    [
        ("Adding basal insulin for his type 2 diabetes — can he stay on metformin?", "yes", "should usually be continued"),
        # "need not be stopped if a gout flare occurs": its trigger is the patient's, but it keeps the drug going
        ("Flared three weeks into Uloric — can he stay on it through the flare?", "yes", "need not be stopped"),
    ],
)
def test_keep_questions_answered_by_what_the_library_says_of_keeping_it(bundled_pipeline, question: str, decision: str, bottom_line_has: str) -> None:
    answer = bundled_pipeline.ask(question)
    assert answer.decision == decision
    assert answer.bottom_line is not None and bottom_line_has in answer.bottom_line.text


def test_a_continuation_floor_does_not_exclude_a_patient_above_it(bundled_pipeline) -> None:
    """'can usually be continued if the eGFR later falls below 20' keeps it going at 36 as well."""
    answer = bundled_pipeline.ask("eGFR dropped from 40 to 36 after starting dapagliflozin. Can he stay on it?")
    assert answer.decision == "yes"


@pytest.mark.parametrize("question", ["CBC schedule on azathioprine?", "CBC frequency when starting Imuran?"])
def test_a_staged_schedule_is_answered_by_its_first_stage(bundled_pipeline, question: str) -> None:
    answer = bundled_pipeline.ask(question)
    assert answer.bottom_line is not None and "weekly during the first month" in answer.bottom_line.text


def test_a_later_point_asked_is_answered_by_the_later_stage(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("Stable on azathioprine for 2 years. How often should I check a CBC now?")
    assert answer.bottom_line is not None and "first month" not in answer.bottom_line.text


def test_a_low_neutrophil_count_is_read_as_neutropenia() -> None:
    from curbside.qa.frame import find_conditions

    assert "neutropenia" in find_conditions("Her ANC is 0.9 on CellCept, what should I change?")[0]
    assert "neutropenia" not in find_conditions("ANC 3.2 on CellCept, anything to change?")[0]


def test_what_now_after_a_low_count_is_answered_by_the_change_the_label_states(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("Neutrophil count 1.0 in a patient on CellCept. What do I do?")
    assert not answer.abstained
    stated = [answer.bottom_line.text if answer.bottom_line else "", *(st.text for s in answer.sections for st in s.statements)]
    assert any("interrupting or reducing" in t for t in stated)
