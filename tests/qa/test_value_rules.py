"""A rule on stopping or keeping a drug whose trigger is a kidney-function value is read against the
patient's stated value; a restriction on starting a drug does not decide for one already taking it."""

from __future__ import annotations

import pytest

from curbside.qa.aliases import AliasTable
from curbside.qa.frame import carry_frame, renal_value
from curbside.qa.query import analyse


@pytest.mark.parametrize(("question", "value"), [("eGFR now 38. Can he stay on it?", 38), ("CrCl currently 24", 24), ("eGFR today of 41", 41)])
def test_a_kidney_function_stated_as_now_is_read(question: str, value: int) -> None:
    assert renal_value(question) == value


@pytest.mark.parametrize(
    "question",
    [
        "67M with T2DM on metformin for years, eGFR now 38. Can he stay on it?",
        "Should I stop metformin now that her eGFR is 40?",
    ],
)
def test_a_continuation_rule_the_patient_meets_answers_conditionally(bundled_pipeline, question: str) -> None:
    """'whose eGFR falls below 45 ... the benefits and risks of continuing should be reassessed' answers
    at 38 or 40, not 'starting metformin is not recommended between 30 and 45', which is about starting."""
    answer = bundled_pipeline.ask(question)
    assert answer.decision == "conditional"
    assert answer.bottom_line is not None and "continuing should be reassessed" in answer.bottom_line.text


def test_a_value_rule_the_patient_meets_says_stop(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("On metformin for years, eGFR now 25 - can he continue it?")
    assert answer.decision == "no"
    assert answer.bottom_line is not None and "below 30" in answer.bottom_line.text


def test_a_value_rule_the_patient_does_not_meet_leaves_the_drug_going(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("Patient on metformin with eGFR 55, can he keep taking it?")
    assert answer.decision == "yes"
    assert answer.bottom_line is not None and "below 30" not in answer.bottom_line.text


def test_the_follow_up_uses_the_kidney_function_it_states(bundled_pipeline) -> None:
    history = ["67M, new T2DM, eGFR 52. OK to start Glucophage?", "How often should I recheck his kidney function on it?"]
    answer = bundled_pipeline.ask("Two years on, his eGFR is now 38. Can he stay on it?", history=history)
    assert answer.decision == "conditional"
    assert answer.bottom_line is not None and "reassessed" in answer.bottom_line.text


def test_what_if_already_on_it_asks_about_keeping_the_drug_at_the_stated_kidney_function(bundled_pipeline) -> None:
    """After "can I start it?" at an eGFR of 35, "what if she's already on it?" asks whether to keep it:
    the conversation's eGFR meets the continuation rule, not the restriction on starting."""
    answer = bundled_pipeline.ask("What if she's already on it?", history=["Metformin with an eGFR of 35 - can I start it?"])
    assert answer.analysis.frame.kidney_value == 35
    assert answer.decision == "conditional"
    assert answer.bottom_line is not None and "reassessed" in answer.bottom_line.text


def test_a_later_kidney_function_replaces_the_earlier_one_in_the_frame() -> None:
    table = AliasTable.bundled()
    first = analyse("67M, new T2DM, eGFR 52. OK to start Glucophage?", table).frame
    later = "Two years on, his eGFR is now 38. Can he stay on it?"
    assert carry_frame(later, analyse(later, table).frame, [first]).kidney_value == 38
    again = "And is it safe with his lisinopril?"
    assert carry_frame(again, analyse(again, table).frame, [first]).kidney_value == 52


def test_a_continuation_floor_the_patient_meets_keeps_the_drug_going(bundled_pipeline) -> None:
    """'can usually be continued if the eGFR later falls below 20' answers at 18 ('once started' is
    not a restriction on starting it)."""
    answer = bundled_pipeline.ask("On dapagliflozin for CKD, eGFR has dropped to 18. Keep it going?")
    assert answer.decision == "yes"
    assert answer.bottom_line is not None and "continued if the eGFR later falls below 20" in answer.bottom_line.text


def test_recommending_continuing_is_advice_to_keep_it_going() -> None:
    from curbside.qa.aliases import AliasTable
    from curbside.qa.claims import tag

    table = AliasTable.bundled()
    assert "continue" in tag("The ACR conditionally recommends continuing ULT indefinitely rather than stopping it.", table).relations
    assert "continue" not in tag("The ACR recommends against continuing ULT.", table).relations


@pytest.mark.parametrize(
    ("question", "bottom_line_has"),
    [
        ("urate at goal for a year on allopurinol - can we stop it?", "continuing ULT indefinitely"),
        ("already on allopurinol and now flaring. hold it til the flare settles?", "already taking ULT should continue it"),
    ],
)
def test_a_stop_question_is_answered_by_what_the_library_says_of_the_drugs_category(bundled_pipeline, question: str, bottom_line_has: str) -> None:
    """The sources speak of urate-lowering therapy ('ULT'), not of allopurinol by name."""
    answer = bundled_pipeline.ask(question)
    assert answer.decision == "no"
    assert answer.bottom_line is not None and bottom_line_has in answer.bottom_line.text
