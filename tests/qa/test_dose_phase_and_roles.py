"""Which dose a question asks for, and whose (issues 15, 16 and 19: doses keep their phase).

Regressions, each from a clinician-style question over the bundled corpus (the third set's A half):
- "Gout pt on colchicine 0.6 bid ppx ... diltiazem. OK to start it?" then "ok, so what colchicine
  dose once he's on the diltiazem?" got the flare dose: the follow-up does not say "prophylaxis", the
  conversation does.
- "What's the colchicine ppx dose when I start allopurinol?" then "He's also on Ranexa 1000 bid for
  angina. What dose then?" took ranolazine as the drug asked about.
- "... on long-term erythromycin 250 tid. He's been on colchicine 0.6 bid since we started Zyloprim.
  Does the colchicine need to change?" asked about erythromycin.

The questions here are worded for this file, not taken from an eval set.
"""

from __future__ import annotations

from curbside.pipeline import analyse_turns
from curbside.qa.aliases import AliasTable
from curbside.qa.claims import tag
from curbside.qa.plan import attribute_match, question_phase
from curbside.qa.query import analyse

TABLE = AliasTable.bundled()

FLARE_DOSE = "With a P-gp inhibitor, the colchicine flare dose is a single 0.6 mg dose, not repeated for at least 3 days."
PPX_DOSE = "With a P-gp inhibitor, colchicine prophylaxis of 0.6 mg twice daily becomes 0.3 mg once daily."


def test_ppx_is_prophylaxis() -> None:
    assert question_phase("Colchicine ppx dose with cyclosporine?") == "prophylaxis"


def test_a_follow_up_keeps_the_phase_the_conversation_set() -> None:
    history = ["What colchicine ppx dose for someone starting allopurinol?"]
    question = "He's now also on amiodarone. What dose of it then?"
    frame = analyse_turns(question, history, TABLE).frame
    assert frame.phase == "prophylaxis"
    assert frame.intervention == "colchicine" and "amiodarone" in frame.current_medications
    assert attribute_match(tag(FLARE_DOSE, TABLE), frame, question) == 0.0
    assert attribute_match(tag(PPX_DOSE, TABLE), frame, question) > 0.0


def test_a_follow_up_naming_the_patients_other_drug_adds_it() -> None:
    history = ["Colchicine prophylaxis dose when starting febuxostat?"]
    frame = analyse_turns("She's also on verapamil for her blood pressure. What dose then?", history, TABLE).frame
    assert frame.intervention == "colchicine"
    assert "verapamil" in frame.current_medications
    assert frame.intent == "dose_adjustment"


def test_the_drug_the_asking_clause_names_is_the_one_whose_dose_changes() -> None:
    frame = analyse(
        "On clarithromycin for MAC. She has been on colchicine 0.6 bid since we started febuxostat. Does the colchicine need to be reduced?",
        TABLE,
    ).frame
    assert frame.intervention == "colchicine"
    assert "clarithromycin" in frame.current_medications
    assert frame.intent == "dose_adjustment"


def test_a_share_of_the_dose_is_an_amount_and_asking_for_one_is_asking_how_much() -> None:
    from curbside.qa.compose import _AMOUNT
    from curbside.qa.plan import asks_for_amount

    assert asks_for_amount("Starting posaconazole - by what percentage should the sirolimus come down?")
    assert asks_for_amount("What fraction of the usual azathioprine dose once allopurinol is on board?")
    assert _AMOUNT.search("reduce the azathioprine dose to one-third to one-quarter of the usual dose")
    assert not _AMOUNT.search("adjust the dose and check trough concentrations more often")


def test_competing_for_secretion_is_an_interaction() -> None:
    claim = tag("Valacyclovir competes with mycophenolate metabolites for tubular secretion, and levels of both may rise.", TABLE)
    assert "interaction" in claim.relations
