"""Verdicts that a label's "no dose change", a permission in a double negative, a contact's own
question, or a regimen word read wrongly (issues 16, 19).

Regressions, each from a clinician-style safety item (half A):

- "Can I start Colcrys at the standard flare dose at an eGFR of 55?" abstained ("the library does
  not state a colchicine dose at eGFR 55") although the label says that "in mild or moderate renal
  impairment, the colchicine label requires no dose change": "no dose change" was not read as
  one, and once it was, its "no" was taken to deny the dose asked about.
- "Metformin with basal insulin - is that OK?" answered "No" from "should generally be avoided in
  patients with clinical or laboratory evidence of hepatic disease" (the group was not read behind
  "evidence of") and from the boxed-warning sentence, which names no patients; insulin, named by its
  class, was no current medication.
- "Can a household member of an immunocompromised patient receive Varivax?" and "Can his
  12-year-old daughter get Varivax?" were read as the patient's own vaccine (or a question about
  children), and "inhaled corticosteroids are generally not a reason to withhold live vaccines"
  was read as an avoidance.
"""

from __future__ import annotations

import pytest

from curbside.qa.aliases import AliasTable
from curbside.qa.claims import tag
from curbside.qa.sweep import (
    APPLIES,
    NOT_THIS_PATIENT,
    _sentence_scope,
    danger_clause,
    statement_scope,
)
from curbside.qa.types import QuestionFrame


@pytest.fixture(scope="module")
def table() -> AliasTable:
    return AliasTable.bundled()


# --- claims ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "In mild or moderate renal impairment, the label requires no dose change for flare treatment.",
        "The label calls for no colchicine dose adjustment in moderate hepatic impairment.",
        "No dosage reduction is needed in older adults.",
    ],
)
def test_no_dose_change_is_no_change(text: str, table: AliasTable) -> None:
    relations = tag(text, table).relations
    assert "no_change" in relations and "dose_change" not in relations


def test_a_past_fact_is_no_avoidance(table: AliasTable) -> None:
    # "if it was not given before transplant" says what happened, it advises nothing against PCV13
    said = tag("The guideline recommends PCV13 starting 2 to 6 months after transplantation if it was not given before transplant.", table)
    assert "avoid" not in said.relations
    assert "avoid" in tag("PCV13 should not be given during an acute rejection episode.", table).relations
    assert "avoid" in tag("In the 2019 update, aspirin was not recommended for primary prevention in adults over 70.", table).relations


def test_not_a_reason_to_withhold_is_no_avoidance(table: AliasTable) -> None:
    said = tag("Inhaled or topical corticosteroids are generally not a reason to withhold live vaccines.", table)
    assert "avoid" not in said.relations
    assert "avoid" in tag("Live vaccines should be withheld in patients on high-dose corticosteroids.", table).relations


# --- scope -------------------------------------------------------------------------------------


def test_a_group_named_behind_evidence_of_is_the_scope(table: AliasTable) -> None:
    text = "Metformin should generally be avoided in patients with clinical or laboratory evidence of hepatic disease."
    groups = _sentence_scope(danger_clause(text, "avoid"), table).groups
    assert any("hepatic impairment" in names and not excluded for names, excluded in groups)
    # ... so for a patient with no liver disease it is a precaution, not a danger for them
    frame = QuestionFrame(intent="safety", intervention="metformin", current_medications=["insulin glargine"], yes_no=True)
    assert statement_scope(text, frame, table) != APPLIES


def test_systemic_use_of_a_drug_is_not_about_a_patient_taking_it_inhaled(table: AliasTable) -> None:
    text = "ACIP advises waiting at least 1 month after stopping high-dose systemic corticosteroid therapy before giving a live vaccine."
    frame = QuestionFrame(intent="safety", intervention="mmr vaccine", current_medications=["corticosteroid"], yes_no=True)
    inhaled = statement_scope(text, frame, table, question="MMR for a patient on an inhaled steroid?")
    oral = statement_scope(text, frame, table, question="MMR for a patient on oral steroids?")
    assert inhaled == NOT_THIS_PATIENT
    assert oral != NOT_THIS_PATIENT


# --- the dosed drug ----------------------------------------------------------------------------


def test_the_drug_a_dose_of_names_is_the_one_dosed(bundled_pipeline) -> None:
    composer = bundled_pipeline.composer
    text = "Metformin used with insulin raises the risk of hypoglycaemia, and a lower dose of the insulin may be needed."
    assert composer._dosed_drug(text) == "insulin"
    assert composer._dosed_drug("When allopurinol is given with azathioprine, the azathioprine dose should be reduced.") == "azathioprine"
    assert composer._dosed_drug("The colchicine flare dose is 1.2 mg followed by 0.6 mg an hour later.") == "colchicine"


# --- whole answers over the bundled corpus -----------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "Can I start Colcrys at the standard flare dose in a patient with an eGFR of 55?",
        "Thinking about colchicine at the usual flare dose for a 60-year-old with a CrCl of 65: OK?",
    ],
)
def test_no_dose_change_at_the_patients_kidney_function_answers_yes(bundled_pipeline, question: str) -> None:
    answer = bundled_pipeline.ask(question)
    assert answer.decision == "yes", answer.decision_text
    assert answer.bottom_line is not None and "no dose change" in answer.bottom_line.text


def test_severe_renal_impairment_is_not_answered_by_no_dose_change(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("Can I start Colcrys at the standard flare dose at a CrCl of 20?")
    assert answer.decision != "yes", answer.decision_text


def test_a_drug_named_by_its_class_is_a_current_medication(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("Metformin with basal insulin — is that OK?")
    frame = answer.analysis.frame
    assert frame.intervention == "metformin" and "insulin" in frame.current_medications
    assert answer.decision != "no", answer.decision_text
    assert answer.bottom_line is not None and "insulin" in answer.bottom_line.text
    # the dose that may change is the insulin's, and the verdict says so
    assert answer.decision_text and "insulin dose" in answer.decision_text


@pytest.mark.parametrize(
    "question",
    [
        "Can a household member of an immunocompromised patient receive Varivax?",
        "My patient is on tacrolimus after a kidney transplant. Can his 12-year-old daughter get Varivax?",
        "Can the 6-year-old grandson of my kidney transplant patient get the MMR vaccine?",
    ],
)
def test_a_live_vaccine_for_someone_close_to_the_patient_is_allowed(bundled_pipeline, question: str) -> None:
    answer = bundled_pipeline.ask(question)
    assert answer.analysis.frame.for_contact
    assert answer.decision == "yes", answer.decision_text


def test_the_patients_own_live_vaccine_after_a_transplant_is_still_no(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("My kidney transplant patient on tacrolimus wants the MMR vaccine. OK?")
    assert not answer.analysis.frame.for_contact
    assert answer.decision == "no", answer.decision_text


def test_a_live_vaccine_with_an_inhaled_steroid_is_allowed(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("MMR with an inhaled steroid — is that OK for a patient with asthma?")
    assert answer.decision == "yes", answer.decision_text


# --- a general rule and its exception; CKD stages ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ranges"),
    [
        ("ULT is recommended when the patient also has chronic kidney disease (CKD) stage 3 or worse.", ((0.0, 60.0),)),
        ("Allopurinol is first-line in CKD stages 3 to 5.", ((0.0, 60.0),)),
        ("In stage 4 CKD the dose is lower.", ((15.0, 30.0),)),
        ("Patients with CKD 3b need a lower starting dose.", ((30.0, 45.0),)),
        ("A protein intake of 0.8 g per kg per day for adults with CKD G3 to G5.", ((0.0, 60.0),)),
    ],
)
def test_ckd_stages_are_kidney_function_ranges(text: str, ranges: tuple[tuple[float, float], ...]) -> None:
    from curbside.qa.claims import renal_ranges

    assert renal_ranges(text) == ranges


def test_a_named_ckd_stage_stands_for_its_band() -> None:
    from curbside.qa.frame import stage_value

    assert stage_value("first-ever gout attack, CKD 3b. start ULT now?") == 37
    assert stage_value("CKD stage 2, new gout") == 75
    assert stage_value("CKD IV on dialysis soon") == 22
    assert stage_value("seen in the CKD clinic") is None
    assert stage_value("diagnosed with CKD 2 years ago, eGFR unknown") is None


@pytest.mark.parametrize(
    "question",
    ["First ever gout attack but her eGFR is 40. Start urate-lowering now?", "first-ever gout attack, CKD 3b. start ULT now?"],
)
def test_an_exception_for_a_group_the_patient_is_in_beats_the_general_rule(bundled_pipeline, question: str) -> None:
    answer = bundled_pipeline.ask(question)
    assert answer.decision == "yes", answer.decision_text
    assert answer.bottom_line is not None and "exception" in answer.bottom_line.text
    # the general rule is still shown, beside the exception
    shown = [s.text for section in answer.sections for s in section.statements]
    assert any("as a general rule" in text for text in shown)


def test_the_general_rule_holds_for_a_patient_outside_the_exception(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("First gout flare, eGFR 70, start ULT?")
    assert answer.decision == "no", answer.decision_text


# --- a class named by what its drugs do; the asked drug's own dose -----------------------------


def test_a_class_named_by_its_action_is_the_class() -> None:
    from curbside.ingest.vocabulary import find_classes

    named = {name for *_, name in find_classes("For patients taking drugs that strongly inhibit both CYP3A4 and P-gp, the dose is halved.")}
    assert named == {"strong cyp3a4 inhibitor", "p-gp inhibitor"}
    assert {name for *_, name in find_classes("Rifampin and other drugs that induce CYP3A4 lower its levels.")} == {"cyp3a4 inducer"}
    assert find_classes("Azithromycin does not inhibit CYP3A4.") == []


def test_a_strong_dual_inhibitor_halves_the_apixaban_dose_the_patient_would_start(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("Patient on ketoconazole. Can I start Eliquis 5 mg twice daily for AF?")
    assert answer.decision == "conditional", answer.decision_text
    cited = [s.text for section in answer.sections for s in section.statements]
    assert any("cut by half" in text for text in cited)


def test_a_rule_for_another_dose_of_the_asked_drug_is_not_this_patients(bundled_pipeline) -> None:
    # "for patients already on apixaban 2.5 mg ... should be avoided" is not about one on 5 mg
    on_five = bundled_pipeline.ask("Patient on Eliquis 5 bid is starting itraconazole. Change anything?")
    # "change anything?": yes, the dose the label halves for this pair
    assert on_five.decision == "yes" and "change is needed" in (on_five.decision_text or ""), on_five.decision_text
    assert on_five.bottom_line is not None and "cut by half" in on_five.bottom_line.text
    on_low = bundled_pipeline.ask("Patient on Eliquis 2.5 bid needs ketoconazole. OK?")
    assert on_low.decision == "no", on_low.decision_text


def test_an_absolute_rule_is_not_lifted_by_a_recommendation_for_the_condition(bundled_pipeline) -> None:
    # "An ARNi must not be given to patients with a history of angioedema" admits no exception;
    # "ARNi is recommended for HFrEF" is no exception to it
    answer = bundled_pipeline.ask("HFrEF with a history of ACE-inhibitor angioedema — can she have Entresto?")
    assert answer.decision == "no", answer.decision_text


def test_an_interaction_is_not_lifted_by_a_recommendation_for_the_patients_group(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("kidney tx on Imuran, can I add allopurinol for his gout?")
    assert answer.decision == "no", answer.decision_text


def test_the_labels_own_avoidance_at_the_patients_dose_is_no_disagreement(bundled_pipeline) -> None:
    # the apixaban label both halves the dose with strong dual inhibitors and advises avoiding them
    # for patients already on 2.5 mg: for such a patient the label's own avoidance stands
    answer = bundled_pipeline.ask("Would you give apixaban at 2.5 mg twice daily for AF to an 85-year-old who weighs 58 kg who has been taking Biaxin?")
    assert answer.decision == "no", answer.decision_text
    assert "sources differ" not in (answer.decision_text or "")


# --- denials across a list; a transplant candidate; a stated preference -------------------------


@pytest.mark.parametrize(
    ("question", "has"),
    [
        ("62F with IgA nephropathy, eGFR 34, no diabetes or heart failure. SGLT2 inhibitor?", []),
        ("Can I start empagliflozin in a patient with heart failure (EF 30%) who isn't diabetic?", ["heart failure"]),
        ("Not on dialysis, has CKD. Allopurinol dose?", ["chronic kidney disease"]),
        # an "and" or comma list may name what the patient has: the denial stays with its own word
        ("No history of gout, hypertension well controlled. Losartan?", ["hypertension"]),
        ("HFrEF, not diabetic, CKD 3. Dapagliflozin?", ["chronic kidney disease", "heart failure"]),
    ],
)
def test_a_denied_condition_is_not_the_patients(question: str, has: list[str]) -> None:
    from curbside.qa.frame import find_conditions

    assert sorted(find_conditions(question)[0]) == sorted(has)


def test_a_transplant_candidate_written_tx_is_awaiting_one(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("kidney tx candidate, not immunosuppressed, transplant not for months - MMR now?")
    assert answer.decision != "no", answer.decision_text
    assert answer.bottom_line is not None and "candidates" in answer.bottom_line.text


@pytest.mark.parametrize(
    ("question", "decision", "preferred"),
    [
        ("new gout pt, normal kidneys - start Uloric rather than allopurinol?", "no", "allopurinol"),
        ("Start allopurinol rather than febuxostat in a new gout patient?", "yes", "allopurinol"),
        ("New VTE, normal kidneys: warfarin rather than apixaban?", "no", "apixaban"),
    ],
)
def test_the_librarys_preference_between_two_answers_x_rather_than_y(bundled_pipeline, question: str, decision: str, preferred: str) -> None:
    answer = bundled_pipeline.ask(question)
    assert answer.decision == decision, answer.decision_text
    assert answer.decision_text and f"prefers {preferred}" in answer.decision_text


# --- a later-line treatment for a patient who cannot take the earlier ones ------------------------


@pytest.mark.parametrize(
    ("question", "ruled_out"),
    [
        ("Gout flare, cannot take NSAIDs or colchicine, steroids fine. Anakinra?", ["nsaid", "colchicine"]),
        ("Gout flare; she cannot take NSAIDs or colchicine but can take prednisone. Anakinra?", ["nsaid", "colchicine"]),
        ("Gout flare in a patient who cannot take colchicine, NSAIDs or steroids. Anakinra?", ["colchicine", "nsaid", "corticosteroid"]),
    ],
)
def test_what_the_patient_can_still_take_is_not_ruled_out(question: str, ruled_out: list[str], table: AliasTable) -> None:
    from curbside.qa.query import analyse

    assert analyse(question, table).frame.ruled_out == ruled_out


def test_a_later_line_treatment_is_yes_when_the_earlier_ones_are_ruled_out(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("Is anakinra OK for a gout flare in a 58-year-old who cannot take colchicine, NSAIDs or steroids?")
    assert answer.decision == "yes", answer.decision_text
    assert answer.bottom_line is not None and "IL-1 inhibitor" in answer.bottom_line.text
    # one earlier option left (prednisone): the later-line rule does not say she cannot take them
    left = bundled_pipeline.ask("Gout flare; she cannot take NSAIDs or colchicine but can take prednisone. Anakinra?")
    assert "cannot take them" not in (left.decision_text or ""), left.decision_text
