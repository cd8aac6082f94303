"""What a label is labelled for, and statements about a narrower form of what the patient has.

A clinician relies on these readings:
- the ages a product is labelled for decide "is it OK for a 15-year-old?" (Glucophage is labelled
  from age 10, Glucophage XR for adults only), and the release form asked about is the one read;
- a boxed warning on who may prescribe ("only physicians experienced in immunosuppressive therapy")
  is not a danger of the drug for the patient;
- "not be started until ... surgical wounds have healed" is a danger for a patient days after the
  operation with the wound still open, and not for one whose graft is stable months later;
- "contraindicated with malignant hypertension" is a contraindication for a patient with malignant
  hypertension and only a precaution for one with hypertension; "severe hepatic impairment" holds
  for Child-Pugh C;
- a statement about a DVT of the leg does not answer for a patient with a PE, and a systolic
  pressure below 90 is hypotension;
- a class the label names ("an insulin secretagogue such as a sulfonylurea") takes in its members.

Sweep cases use hand-built passages; the end-to-end cases run the bundled corpus.
"""

from __future__ import annotations

import pytest

from curbside.ingest.interventions import find_interventions
from curbside.ingest.types import Chunk, Document
from curbside.qa.aliases import AliasTable
from curbside.qa.claims import classes_of, labelled_ages, release_form, tag
from curbside.qa.frame import condition_forms, find_conditions
from curbside.qa.query import analyse
from curbside.qa.sweep import (
    APPLIES,
    NOT_THIS_PATIENT,
    UNSTATED,
    _sentence_scope,
    danger_relation,
    pending_state,
    statement_scope,
    sweep,
)
from curbside.qa.types import Passage

GLUCOPHAGE_AGES = (
    "Immediate-release Glucophage is labelled for adults and for children aged 10 years and older, "
    "while extended-release Glucophage XR is labelled for adults only."
)
PRESCRIBER = ("The tacrolimus boxed warning states that only physicians experienced in immunosuppressive therapy "
              "and in the care of organ transplant patients should prescribe it.")
WAIT_FOR_HEALING = ("KDIGO 2009 recommends that an mTOR inhibitor such as sirolimus or everolimus, if used, not be "
                    "started until graft function is established and surgical wounds have healed.")
WARFARIN_LIST = ("Warfarin is contraindicated with major regional or lumbar block anaesthesia, with malignant "
                 "hypertension, and with known hypersensitivity to warfarin.")
SECRETAGOGUE = ("Metformin used with insulin or an insulin secretagogue such as a sulfonylurea raises the risk of "
                "hypoglycaemia, and a lower dose of the insulin or secretagogue may be needed.")


@pytest.fixture(scope="module")
def table() -> AliasTable:
    return AliasTable.bundled()


def passage(n: int, text: str, kind: str = "guideline") -> Passage:
    doc = Document(doc_id=f"doc{n}", title=f"Source {n}", publisher="Publisher", year=2024, kind=kind, path=f"/library/source{n}.md")
    chunk = Chunk(chunk_id=f"doc{n}#0", doc_id=f"doc{n}", n=0, text=text, char_start=0, char_end=len(text), embed_text=text)
    return Passage(chunk=chunk, document=doc)


def search_of(*texts: str):  # type: ignore[no-untyped-def]
    passages = [passage(i, t) for i, t in enumerate(texts)]
    return lambda _query, _k: passages


def found(question: str, subject: str, text: str, table: AliasTable) -> list[str]:
    frame = analyse(question, table).frame
    return [f.relation for f in sweep(frame, [subject], table, search_of(text), question=question)]


# --- labelling ages ----------------------------------------------------------------------------


def test_each_release_form_has_the_ages_its_clause_states() -> None:
    clauses = labelled_ages(GLUCOPHAGE_AGES)
    assert [(c.form, c.ages) for c in clauses] == [("immediate", ((10.0, 120.0),)), ("extended", ((18.0, 120.0),))]
    assert clauses[0].covers(13) and not clauses[1].covers(15)
    assert labelled_ages("Colchicine is indicated for prophylaxis and treatment of gout flares in adults.") == []


def test_a_release_form_is_read_from_its_name_and_not_from_lookalikes() -> None:
    assert release_form("Is Glucophage XR OK?") == "extended"
    assert release_form("immediate-release Glucophage") == "immediate"
    assert release_form("seen in the ER last night, on metformin") is None
    assert release_form("xr") is None  # abbreviations count in capitals only


@pytest.mark.parametrize(
    ("question", "decision"),
    [
        ("Is Glucophage XR OK for a 15-year-old?", "no"),
        ("Is immediate-release Glucophage OK in a 13-year-old with type 2 diabetes?", "yes"),
        ("can a 6 yo with FMF take colchicine?", "yes"),
        ("Is Glucophage OK for a 12-year-old?", "yes"),  # named without a form: the immediate-release product
    ],
)
def test_the_labelled_ages_decide_a_childs_question(bundled_pipeline, question: str, decision: str) -> None:
    answer = bundled_pipeline.ask(question)
    assert answer.decision == decision
    assert answer.bottom_line is not None and "aged" in answer.bottom_line.text + " " + (answer.decision_text or "")
    assert any("years" in c.quote for c in answer.decision_citations)


# --- who may prescribe -------------------------------------------------------------------------


def test_a_boxed_warning_on_who_may_prescribe_is_no_danger(table: AliasTable) -> None:
    assert danger_relation(tag(PRESCRIBER, table), PRESCRIBER) is None
    assert found("41-year-old getting a kidney transplant next week: is FK506 safe?", "tacrolimus", PRESCRIBER, table) == []
    lung = "The sirolimus boxed warning states that sirolimus is not recommended in lung transplant recipients."
    assert danger_relation(tag(lung, table), lung) is not None  # a boxed warning that warns of a danger still is one


# --- a start put off until a state is reached ---------------------------------------------------


def test_a_start_put_off_until_wounds_heal_is_a_danger_while_the_wound_is_open(table: AliasTable) -> None:
    assert found("Day 5 after kidney transplant, wound still open — start sirolimus now?", "sirolimus", WAIT_FOR_HEALING, table) == ["avoid"]
    assert found("Would you use sirolimus three days after a kidney transplant, with the wound still healing?",
                 "sirolimus", WAIT_FOR_HEALING, table) == ["avoid"]


def test_a_patient_the_question_does_not_place_before_the_state_is_not_decided_by_it(table: AliasTable) -> None:
    stable = "Kidney transplant recipient 6 months out with stable graft: can I convert her to sirolimus?"
    assert "avoid" not in found(stable, "sirolimus", WAIT_FOR_HEALING, table)
    on_cyclosporine = "Patient with a kidney transplant already on ciclosporin. OK to give everolimus?"
    frame = analyse(on_cyclosporine, table).frame
    assert statement_scope(WAIT_FOR_HEALING, frame, table, question=on_cyclosporine) == UNSTATED


def test_only_a_state_not_yet_reached_is_pending() -> None:
    assert pending_state("Day 5 after kidney transplant, wound still open")
    assert pending_state("Start allopurinol during an acute flare?")
    assert not pending_state("Still on tacrolimus 6 months out, convert to sirolimus?")
    assert not pending_state("open-angle glaucoma, on timolol")


def test_a_wait_of_stated_length_is_not_a_wait_for_a_state(table: AliasTable) -> None:
    timed = "Live vaccines should not be given until at least 4 weeks after stopping high-dose corticosteroids."
    assert not _sentence_scope(timed, table).awaits
    assert _sentence_scope(WAIT_FOR_HEALING, table).awaits


# --- a narrower form of the patient's condition -------------------------------------------------


def test_a_contraindication_for_a_narrower_form_holds_only_for_a_patient_in_it(table: AliasTable) -> None:
    malignant = "Is Jantoven OK in a 47-year-old with atrial fibrillation and malignant hypertension?"
    plain = "Is Jantoven OK in a 47-year-old with atrial fibrillation and hypertension?"
    assert found(malignant, "warfarin", WARFARIN_LIST, table) == ["contraindication"]
    assert found(plain, "warfarin", WARFARIN_LIST, table) == ["caution"]
    assert statement_scope(WARFARIN_LIST, analyse(malignant, table).frame, table, question=malignant) == APPLIES
    assert statement_scope(WARFARIN_LIST, analyse(plain, table).frame, table, question=plain) != APPLIES


def test_child_pugh_c_is_severe_hepatic_impairment(table: AliasTable) -> None:
    text = "Apixaban is not recommended in patients with severe hepatic impairment."
    assert found("71-year-old man with Child-Pugh C cirrhosis. Can I start Eliquis for atrial fibrillation?", "apixaban", text, table) == ["avoid"]
    assert found("Child-Pugh A cirrhosis and AF: can I start Eliquis?", "apixaban", text, table) == ["caution"]


def test_the_form_of_the_condition_treated_does_not_narrow_its_own_treatment(table: AliasTable) -> None:
    question = "Compression stockings to prevent post-thrombotic syndrome after a DVT?"
    text = "Routine use of compression stockings to prevent post-thrombotic syndrome is not suggested for patients with acute DVT."
    assert statement_scope(text, analyse(question, table).frame, table, subject="compression stockings", question=question) == APPLIES


# --- forms of one condition, and hypotension ----------------------------------------------------


def test_a_pe_and_a_dvt_are_forms_of_one_condition() -> None:
    assert condition_forms("For patients with acute DVT of the leg", "venous thromboembolism") == {"deep vein thrombosis"}
    assert condition_forms("PE with BP 82/50", "venous thromboembolism") == {"pulmonary embolism"}
    assert condition_forms("patients with VTE", "venous thromboembolism") == {"whole"}
    assert condition_forms("pe is an ordinary word here", "venous thromboembolism") == set()


def test_a_systolic_pressure_below_90_is_hypotension() -> None:
    assert "hypotension" in find_conditions("PE with BP 82/50 for 20 min")[0]
    assert "hypotension" not in find_conditions("BP 150/90 on lisinopril")[0]
    assert find_conditions("moderate rheumatic mitral stenosis")[0] == ["mitral stenosis"]


def test_thrombolysis_is_an_intervention() -> None:
    assert [name for *_, name in find_interventions("PE with BP 82/50 for 20 min - thrombolyse?")] == ["thrombolytic therapy"]


def test_thrombolysis_is_answered_for_the_form_of_clot_and_the_blood_pressure(bundled_pipeline) -> None:
    pe = bundled_pipeline.ask("PE with BP 82/50 for 20 min - thrombolyse?")
    assert pe.bottom_line is not None and "with hypotension" in pe.bottom_line.text
    assert pe.decision in ("yes", "conditional")
    dvt = bundled_pipeline.ask("New DVT in the calf, should I thrombolyse?")
    assert dvt.decision == "no"  # "anticoagulation alone is suggested over thrombolysis"
    assert dvt.bottom_line is not None and "over thrombolysis" in dvt.bottom_line.text


# --- a stated preference and its stated exception -----------------------------------------------


def test_a_preference_gives_way_to_its_stated_exception_for_a_patient_in_it(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("Can I start Coumadin rather than a DOAC in a patient with AF and moderate rheumatic mitral stenosis?")
    assert answer.decision == "yes"
    assert answer.bottom_line is not None and "mitral stenosis" in answer.bottom_line.text


# --- classes a label names ---------------------------------------------------------------------


def test_an_insulin_secretagogue_takes_in_the_sulfonylureas(table: AliasTable) -> None:
    assert "insulin secretagogue" in classes_of(table, "glipizide")
    question = "Seeing a 63-year-old with type 2 diabetes whose med list includes Glucotrol. Can Glucophage be added?"
    frame = analyse(question, table).frame
    assert statement_scope(SECRETAGOGUE, frame, table, question=question) != NOT_THIS_PATIENT
    assert found(question, "metformin", SECRETAGOGUE, table) == ["dose_change"]


# --- a trial's results and the drug's own indication ---------------------------------------------


def test_a_trials_event_rates_are_no_precaution(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("Can I start empagliflozin in a patient with heart failure (EF 30%) who isn't diabetic?")
    assert answer.decision == "yes"
