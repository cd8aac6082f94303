"""When to answer and when to say the library does not state what was asked (issue 15's
abstention): an age bound inside a sentence's exception clause does not leave out the patients
the main clause speaks of, and a dose change asked as an amount is answered by an amount."""

from __future__ import annotations

import re

import pytest

from curbside.qa import compose
from curbside.qa.plan import asks_for_amount
from curbside.qa.types import QuestionFrame

_QUESTION = "Which apixaban dose does a 66-year-old with nonvalvular AF on haemodialysis take?"


@pytest.mark.integration
def test_an_age_bound_of_an_exception_does_not_leave_younger_patients_out(bundled_pipeline) -> None:
    """The label gives 5 mg twice daily on dialysis, "lowered to 2.5 mg if the patient is 80 years
    or older": that answers for a 66-year-old, whom only the exception's bound leaves out."""
    a = bundled_pipeline.ask(_QUESTION)
    assert not a.abstained, a.abstention_reason
    said = [s.text for section in a.sections for s in section.statements]
    assert any("on dialysis" in text and "5 mg twice daily" in text for text in said), said


@pytest.mark.integration
def test_reading_the_whole_sentence_as_its_population_refuses(bundled_pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same question with the exception clause not split off (every age bound taken as whom
    the sentence is about), as before: the dialysis dose no longer answers and the question is
    refused, so the test above checks the clause reading and not some other route."""
    monkeypatch.setattr(compose, "_EXCEPTION_CLAUSE", re.compile(r"(?!)"))
    a = bundled_pipeline.ask(_QUESTION)
    assert a.abstained and a.coverage == "partial", a.bottom_line


@pytest.mark.parametrize(
    ("question", "amount"),
    [
        ("By how much should I cut colchicine in someone on tacrolimus?", True),
        ("eGFR now 28 on allopurinol 300. What dose should she be on?", True),
        ("How many mg of colchicine once he starts clarithromycin?", True),
        ("ANC 1.1 on mycophenolate. What now?", False),
        ("On Eliquis, starting itraconazole: change anything?", False),
        ("Is the dose the same on dialysis?", False),
    ],
)
def test_a_dose_change_asked_as_an_amount(question: str, amount: bool) -> None:
    assert asks_for_amount(question) is amount


def test_a_dose_change_asked_as_an_amount_wants_a_value() -> None:
    """"By how much?" is not answered by "with dose reduction for calcineurin inhibitor use";
    "what now?" can be ("interrupt or reduce"), and a yes/no question never needs the number."""
    frame = QuestionFrame(intent="dose_adjustment", intervention="colchicine", current_medications=["tacrolimus"], asked_attribute="dose")
    assert compose._asks_for_value(frame, "By how much should I cut colchicine in someone on tacrolimus?")
    assert not compose._asks_for_value(frame, "Colchicine with tacrolimus: what now?")
    yes_no = frame.model_copy(update={"yes_no": True})
    assert not compose._asks_for_value(yes_no, "Should the colchicine dose be cut, and by how much?")
    assert compose._AMOUNT.search("dose reductions of 50% to 75%") and compose._AMOUNT.search("0.3 mg one hour later")
    assert not compose._AMOUNT.search("with dose reduction for concomitant calcineurin inhibitor use (grade 2D)")
