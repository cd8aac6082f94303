"""A bottom line that advises nothing still answers a yes/no question in its own modality (issue 16).

Regression: "Can Eliquis be crushed down an NG tube?" got "Insufficient: the library does not state a
clear yes or no" although its bottom line was the label's "apixaban tablets may be crushed ... or
given through a nasogastric tube", and "should I be checking CK routinely on Lipitor?" got "Yes" from
a rationale statement although the bottom line says routine creatine kinase measurement "is not
useful". Over the clinician-style sets the "insufficient" verdict was right on none of the 20 items
that received it. Also: when the cited sources disagree, a bottom line that itself advises against,
states the finding asked about, or the test asked about decides, instead of "the strongest supports
it" turning every such answer into a conditional (right on none of 8).
"""

from __future__ import annotations

import pytest

from curbside.qa import compose
from curbside.qa.aliases import AliasTable
from curbside.qa.claims import tag


class _Sent:
    def __init__(self, text: str) -> None:
        self.text = text


class _Item:
    def __init__(self, text: str) -> None:
        self.sent = _Sent(text)
        self.claim = tag(text, AliasTable.bundled())


@pytest.mark.parametrize(
    ("text", "modality"),
    [
        ("Tablets may be crushed and given with applesauce.", "for"),
        ("Household members can receive inactivated influenza vaccine.", "for"),
        ("The guideline allows household members to receive most routine live vaccines.", "for"),
        ("Topical or inhaled corticosteroids are not a reason to withhold live vaccines.", "for"),
        ("Patients can continue the drug during a minor procedure.", "for"),
        ("Routine monitoring of serum levels is not necessary.", "against"),
        ("Bridging anticoagulation is generally not needed for these procedures.", "against"),
        ("There is no need to repeat the test every year.", "against"),
        # findings and effects are no permission; a denied permission is none either
        ("Statins can be associated with muscle symptoms.", None),
        ("Exposure may be increased by strong inhibitors.", None),
        ("The capsules cannot be opened.", None),
        ("Live vaccines may not be given to transplant recipients.", None),
        ("The label allows no more than one course every two weeks.", None),
        # a stated dose (or its absence) is read by the dose rules
        ("No dose adjustment is needed in mild renal impairment.", None),
        # keeping a drug going is no non-necessity of it
        ("Allopurinol need not be stopped during a flare.", None),
    ],
)
def test_modality_of_a_statement(text: str, modality: str | None) -> None:
    assert compose._modality(_Item(text)) == modality  # type: ignore[arg-type]


def test_a_permission_answers_can_it_be_done_yes(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("Can apixaban tablets be crushed for a patient who cannot swallow?")
    assert answer.decision == "yes", answer.decision_text
    assert answer.bottom_line is not None and "crushed" in answer.bottom_line.text


def test_not_useful_answers_should_i_check_it_no(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("Should I order creatine kinase routinely in a patient on rosuvastatin?")
    assert answer.decision == "no", answer.decision_text
    assert answer.bottom_line is not None and "not useful" in answer.bottom_line.text
    assert answer.decision_citations
