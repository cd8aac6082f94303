"""How a statement's scope and a question's patient are read, where a wrong reading turned a verdict
(issues 16 and 19).

Regressions, each from a clinician-style question over the bundled corpus:
- "Intermediate risk, CAC score of zero, non-smoker. Statin?" got "Conditional" from "reasonable to
  withhold statin therapy ..., except in cigarette smokers, people with diabetes ...": the groups an
  exception names were read as the statement's scope, not as the patients it leaves out.
- "benzbromarone ok at eGFR 25?" got "Conditional: ... with a dose change" from a sentence ending
  "except that benzbromarone is not for patients with estimated glomerular filtration rate below
  30": "except that" was read as an exception ("unless contraindicated"), the spelled-out eGFR was no
  kidney range, and the avoidance was read as said of allopurinol, the drug the sentence opens with.
- "triple-positive APS on Eliquis - ok to continue?" and "liver tx mom ..." placed the patient in no
  group: "APS" and "<organ> tx" were not in the vocabulary.
- "RA on Enbrel - repeat TB test every year?" gave the patient tuberculosis.
- "can losartan be the main urate lowering agent?" got "the cited sources disagree" because the
  hypertension of the sentence's second clause ("but may be considered when treatment for
  hypertension ... is needed") was read as the scope of its first.
- "Rapamune trough goal after cyclosporine is withdrawn?" swept sirolimus against cyclosporine.
"""

from __future__ import annotations

import pytest

from curbside.qa.aliases import AliasTable
from curbside.qa.claims import tag
from curbside.qa.frame import find_conditions
from curbside.qa.sweep import (
    APPLIES,
    NOT_THIS_PATIENT,
    UNSTATED,
    danger_clause,
    danger_scope,
    statement_scope,
    unplaced_medications,
)
from curbside.qa.types import QuestionFrame

TABLE = AliasTable.bundled()

CAC = (
    "A CAC score of zero makes it reasonable to withhold statin therapy and reassess later, except in cigarette "
    "smokers, people with diabetes and people with a family history of premature ASCVD."
)
BENZBROMARONE = (
    "In renal impairment, EULAR advises adjusting the maximum allopurinol dose to creatinine clearance and, if the "
    "target is then not reached, switching to febuxostat or benzbromarone with or without allopurinol, except that "
    "benzbromarone is not for patients with estimated glomerular filtration rate below 30."
)
LOSARTAN = (
    "The BSR guideline states that losartan and fenofibrate should not be used as primary ULT, but may be considered "
    "when treatment for hypertension or dyslipidaemia is needed because both have a weak uricosuric effect."
)


def test_an_exception_leaves_its_groups_out() -> None:
    plain = QuestionFrame(intent="indication", intervention="statin", asked_attribute="indication")
    diabetic = plain.model_copy(update={"conditions": ["type 2 diabetes"]})
    assert statement_scope(CAC, plain, TABLE) == APPLIES
    assert statement_scope(CAC, diabetic, TABLE) == NOT_THIS_PATIENT


def test_except_that_states_a_restriction_of_its_own() -> None:
    claim = tag(BENZBROMARONE, TABLE)
    assert "avoid" in claim.relations
    assert claim.covers_renal(25) is True and claim.covers_renal(45) is False
    assert danger_clause(BENZBROMARONE, "avoid") == "benzbromarone is not for patients with estimated glomerular filtration rate below 30."
    frame = QuestionFrame(intent="safety", intervention="benzbromarone", population=["ckd"])
    assert danger_scope(BENZBROMARONE, "avoid", frame, TABLE, question="benzbromarone ok at eGFR 25?") == APPLIES
    assert danger_scope(BENZBROMARONE, "avoid", frame, TABLE, question="benzbromarone ok at eGFR 45?") == NOT_THIS_PATIENT


def test_a_permission_clause_makes_an_avoidance_a_precaution_only_for_whom_it_permits() -> None:
    gout = QuestionFrame(intent="choice", intervention="losartan", conditions=["gout"])
    both = gout.model_copy(update={"conditions": ["gout", "hypertension"]})
    assert danger_scope(LOSARTAN, "avoid", gout, TABLE, question="can losartan be the main urate lowering agent?") == APPLIES
    assert danger_scope(LOSARTAN, "avoid", both, TABLE, question="gout and hypertension: losartan as the main urate lowerer?") == UNSTATED


@pytest.mark.parametrize(
    ("question", "has", "not_has"),
    [
        ("triple-positive APS on Eliquis - ok to continue?", "antiphospholipid syndrome", None),
        ("liver tx mom, baby just got rotavirus vaccine - can she change diapers?", "liver transplant", None),
        ("kidney tx on Renvela and mycophenolate - interaction?", "kidney transplant", None),
        ("RA on Enbrel - repeat TB test every year?", "rheumatoid arthritis", "tuberculosis"),
        ("uric acid 10.2 on routine labs, never had gout or stones. start allopurinol?", "asymptomatic hyperuricemia", "gout"),
        ("gout, urate 9 on allopurinol 300 - go up?", "gout", "asymptomatic hyperuricemia"),
        ("aps is a word in lower case here", None, "antiphospholipid syndrome"),
    ],
)
def test_the_patients_conditions(question: str, has: str | None, not_has: str | None) -> None:
    conditions, _asked = find_conditions(question)
    if has:
        assert has in conditions
    if not_has:
        assert not_has not in conditions


def test_a_drug_named_as_withdrawn_is_not_taken() -> None:
    frame = QuestionFrame(intent="target", intervention="sirolimus", asked_attribute="target")
    assert unplaced_medications(frame, TABLE, "Rapamune trough goal after cyclosporine is withdrawn?") == []
    assert unplaced_medications(frame, TABLE, "Rapamune trough goal with cyclosporine?") == ["cyclosporine"]


def test_a_relative_restriction_naming_the_drug_is_not_confirmed_by_the_drug_name() -> None:
    """"A patient who has had a severe reaction to allopurinol": a question that names allopurinol
    says nothing of a reaction, so the statement stays a precaution for this patient."""
    text = "A patient who has had a severe reaction to allopurinol should not be restarted on allopurinol."
    frame = QuestionFrame(intent="safety", intervention="allopurinol", yes_no=True)
    question = "already on allopurinol and now flaring. hold it til the flare settles?"
    assert statement_scope(text, frame, TABLE, question=question) == UNSTATED


@pytest.mark.parametrize(
    ("question", "decision"),
    [
        ("benzbromarone ok at eGFR 25?", "no"),
        ("Intermediate risk, CAC score of zero, non-smoker. Statin?", "no"),
        ("triple-positive APS on Eliquis - ok to continue?", "no"),
        ("pt with fatty liver disease starting allopurinol, do I follow LFTs?", "yes"),
        ("Uric acid of 10 on routine labs, never had gout. Treat it?", "no"),
        ("can losartan be the main urate lowering agent?", "no"),
    ],
)
def test_verdicts_that_turned_on_these_readings(bundled_pipeline, question: str, decision: str) -> None:
    answer = bundled_pipeline.ask(question)
    assert answer.decision == decision, (answer.decision_text, answer.bottom_line.text if answer.bottom_line else None)
    assert answer.decision_citations


def test_an_exception_narrowing_the_scope_leaves_out_only_what_it_adds() -> None:
    """"Contraindicated in pregnancy except in pregnant women with mechanical heart valves" holds for a
    pregnant patient without a valve; "except when both donor and recipient are CMV-seronegative"
    does not leave out a CMV-positive donor's recipient."""
    warfarin = "Warfarin is contraindicated in pregnancy except in pregnant women with mechanical heart valves who are at high risk of thromboembolism."
    pregnant = QuestionFrame(intent="safety", intervention="warfarin", population=["pregnancy"])
    with_valve = pregnant.model_copy(update={"conditions": ["mechanical heart valve"]})
    assert statement_scope(warfarin, pregnant, TABLE) != NOT_THIS_PATIENT
    assert statement_scope(warfarin, with_valve, TABLE) == NOT_THIS_PATIENT
    cmv = (
        "KDIGO 2009 recommends cytomegalovirus (CMV) chemoprophylaxis with oral ganciclovir or valganciclovir for at "
        "least 3 months after transplantation, except when both donor and recipient are CMV-seronegative."
    )
    recipient = QuestionFrame(intent="safety", intervention="valganciclovir", conditions=["kidney transplant", "cytomegalovirus"])
    assert statement_scope(cmv, recipient, TABLE) != NOT_THIS_PATIENT
