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


def test_leaving_a_drug_as_it_is_asks_whether_to_keep_it() -> None:
    from curbside.qa.polarity import yes_no_polarity

    assert yes_no_polarity("Just uses albuterol now and then. Leave it like that?") == "keep"
    assert yes_no_polarity("Should I leave him on allopurinol?") == "keep"
    assert yes_no_polarity("Should I leave a message for her GP?") == "do"


def test_a_group_of_adults_and_adolescents_is_not_a_childrens_statement() -> None:
    from curbside.qa.compose import _ADULTS_TOO

    assert _ADULTS_TOO.search("GINA does not recommend treating adults or adolescents with a SABA alone.")
    assert not _ADULTS_TOO.search("Canakinumab is labelled for children aged 2 years and older.")
