"""A patient on the transplant waiting list has not had the transplant.

A clinician asking about a transplant candidate relies on Curbside not treating the patient as a
recipient: the frame holds no transplant condition or population, the library's advice for
recipients ("avoid live vaccines in kidney transplant recipients") is not about this patient, and a
permission on conditions ("allows live vaccines in candidates only if they are not immunosuppressed
and transplantation is not expected within 4 weeks") is a conditional yes.
"""

from __future__ import annotations

import pytest

from curbside.qa.aliases import AliasTable
from curbside.qa.frame import awaiting_transplant
from curbside.qa.query import analyse


@pytest.mark.parametrize(("question", "awaiting"), [
    ("kidney tx candidate, not immunosuppressed, transplant not for months - MMR now?", True),
    ("On the liver transplant waiting list - shingles vaccine now?", True),
    ("Awaiting a kidney transplant; can he have the flu shot?", True),
    ("Kidney transplant recipient 3 years out - MMR?", False),
    ("Two months after a kidney transplant - flu shot?", False),
])
def test_a_candidate_is_told_from_a_recipient(question: str, awaiting: bool) -> None:
    assert awaiting_transplant(question) is awaiting


def test_the_frame_of_a_candidate_holds_no_transplant() -> None:
    frame = analyse("Is the MMR vaccine OK in a 63-year-old on the kidney transplant waiting list, not immunosuppressed?",
                    AliasTable.bundled()).frame
    assert not any("transplant" in c for c in frame.conditions)
    assert "transplant" not in frame.population


def test_advice_for_recipients_does_not_decide_for_a_candidate(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("Kidney transplant candidate, not yet immunosuppressed, transplant maybe in 2 months. MMR now?")
    assert answer.decision == "conditional", answer.decision_text
    assert answer.bottom_line is not None and "candidates" in answer.bottom_line.text
    assert all("recipients" not in c.quote for c in answer.decision_citations)
