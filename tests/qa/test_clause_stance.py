"""A sentence that takes two sides is read for the drug asked about in its own clause.

"The ACR conditionally recommends against stopping low-dose aspirin ... and against adding or
switching to fenofibrate solely for gout" keeps aspirin going and advises against fenofibrate: a
clinician asking about fenofibrate must get a no, one asking about aspirin a yes.
"""

from __future__ import annotations


def test_the_against_of_the_drugs_own_clause_decides(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("Worth switching his statin to fenofibrate for the gout?")
    assert answer.decision == "no", answer.decision_text
    assert answer.bottom_line is not None and "fenofibrate" in answer.bottom_line.text


def test_against_stopping_a_drug_keeps_it_going(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("Should he keep taking low-dose aspirin now that he has gout?")
    assert answer.decision == "yes", answer.decision_text
