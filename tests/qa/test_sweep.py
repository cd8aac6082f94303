"""The safety sweep (issue 19): every library statement that links the treatment with this patient.

Passages are built by hand and returned by a fake ``search(query, k)``, so each case controls
exactly which sentences the sweep sees; no index or embedding model is involved. What a clinician
relies on: the sweep finds a danger stated through drug classes (a colchicine contraindication
with "strong CYP3A4 inhibitors" for a patient on clarithromycin) and through conditions (NSAIDs
in HFrEF), it does not pin on the treatment a danger said of another drug, and the strongest
danger comes first.
"""

from __future__ import annotations

import pytest

from curbside.ingest.types import Chunk, Document
from curbside.qa.aliases import AliasTable
from curbside.qa.claims import tag
from curbside.qa.query import analyse
from curbside.qa.sweep import (
    APPLIES,
    NOT_THIS_PATIENT,
    SWEEP_DEPTH,
    UNSTATED,
    Finding,
    _danger_is_about,
    asked_doses,
    danger_relation,
    phase_mismatch,
    question_traits,
    statement_scope,
    subject_terms,
    sweep,
    swept_treatments,
    unplaced_medications,
)
from curbside.qa.types import Passage, QuestionFrame

CYP3A4_CONTRAINDICATION = (
    "Colchicine is contraindicated in patients with renal or hepatic impairment who are taking strong CYP3A4 inhibitors."
)
NSAID_HFREF = "NSAIDs should be avoided in patients with HFrEF because they can worsen heart failure."
CLARITHROMYCIN_CAUTION = "Use colchicine with caution in patients taking clarithromycin and monitor for toxicity."


@pytest.fixture(scope="module")
def table() -> AliasTable:
    return AliasTable.bundled()


def passage(n: int, text: str, kind: str = "drug-label", title: str | None = None) -> Passage:
    doc = Document(doc_id=f"doc{n}", title=title or f"Source {n}", publisher="Publisher", year=2024, kind=kind, path=f"/library/source{n}.md")
    chunk = Chunk(chunk_id=f"doc{n}#0", doc_id=f"doc{n}", n=0, text=text, char_start=0, char_end=len(text), embed_text=text)
    return Passage(chunk=chunk, document=doc)


class FakeSearch:
    """``search(query, k)`` returning fixed passages and recording what it was asked."""

    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages
        self.calls: list[tuple[str, int]] = []

    def __call__(self, query: str, k: int) -> list[Passage]:
        self.calls.append((query, k))
        return self.passages[:k]


def sentences(findings: list[Finding]) -> list[str]:
    return [f.sentence.text for f in findings]


# --- linking through classes and conditions -----------------------------------------------------


def test_finds_a_class_contraindication_with_the_patients_co_medication(table: AliasTable) -> None:
    frame = QuestionFrame(intent="interaction", intervention="colchicine", current_medications=["clarithromycin"], population=["ckd"], asked_attribute="interaction")
    search = FakeSearch([passage(1, CYP3A4_CONTRAINDICATION + " Colchicine tablets are used for gout flares in adults.")])
    findings = sweep(frame, ["colchicine"], table, search)
    assert sentences(findings) == [CYP3A4_CONTRAINDICATION]
    finding = findings[0]
    assert (finding.subject, finding.partner, finding.relation) == ("colchicine", "clarithromycin", "contraindication")
    assert finding.decisive
    assert finding.passage.chunk.text[finding.sentence.start : finding.sentence.end] == finding.sentence.text


def test_frame_from_the_question_finds_the_class_contraindication(table: AliasTable) -> None:
    frame = analyse("Can I give colchicine to a patient with stage 4 CKD on clarithromycin?", table).frame
    findings = sweep(frame, [frame.intervention or ""], table, FakeSearch([passage(1, CYP3A4_CONTRAINDICATION)]))
    assert [(f.partner, f.relation) for f in findings] == [("clarithromycin", "contraindication")]


@pytest.mark.parametrize("co_medication", ["azithromycin", "allopurinol"])
def test_drug_outside_the_class_is_not_linked(co_medication: str, table: AliasTable) -> None:
    """Azithromycin is a macrolide like clarithromycin but not a strong CYP3A4 inhibitor."""
    frame = QuestionFrame(intent="interaction", intervention="colchicine", current_medications=[co_medication], asked_attribute="interaction")
    assert sweep(frame, ["colchicine"], table, FakeSearch([passage(1, CYP3A4_CONTRAINDICATION)])) == []


def test_finds_a_class_avoidance_for_the_patients_condition(table: AliasTable) -> None:
    frame = QuestionFrame(intent="safety", intervention="ibuprofen", conditions=["heart failure"], yes_no=True)
    findings = sweep(frame, ["ibuprofen"], table, FakeSearch([passage(1, NSAID_HFREF, "guideline")]))
    assert sentences(findings) == [NSAID_HFREF]
    assert (findings[0].subject, findings[0].partner, findings[0].relation) == ("ibuprofen", "heart failure", "avoid")
    assert findings[0].decisive


def test_frame_from_the_question_finds_the_heart_failure_avoidance(table: AliasTable) -> None:
    frame = analyse("Is ibuprofen okay for a patient with heart failure?", table).frame
    findings = sweep(frame, ["ibuprofen"], table, FakeSearch([passage(1, NSAID_HFREF, "guideline")]))
    assert [f.partner for f in findings] == ["heart failure"]


def test_required_dose_change_with_a_moderate_inhibitor_is_found_but_not_decisive(table: AliasTable) -> None:
    text = "Reduce the colchicine dose when it is given with moderate CYP3A4 inhibitors."
    on_verapamil = QuestionFrame(intent="interaction", intervention="colchicine", current_medications=["verapamil"])
    findings = sweep(on_verapamil, ["colchicine"], table, FakeSearch([passage(1, text), passage(2, CYP3A4_CONTRAINDICATION)]))
    assert [(f.partner, f.relation) for f in findings] == [("verapamil", "dose_change")]
    assert not findings[0].decisive
    # a strong inhibitor is linked to the strong-inhibitor contraindication, not the moderate one
    on_clarithromycin = QuestionFrame(intent="interaction", intervention="colchicine", current_medications=["clarithromycin"], population=["ckd"])
    findings = sweep(on_clarithromycin, ["colchicine"], table, FakeSearch([passage(1, text), passage(2, CYP3A4_CONTRAINDICATION)]))
    assert sentences(findings) == [CYP3A4_CONTRAINDICATION]


def test_population_partner_is_swept(table: AliasTable) -> None:
    frame = QuestionFrame(intent="population", intervention="mycophenolate mofetil", population=["pregnancy"], asked_attribute="pregnancy")
    text = "Mycophenolate is contraindicated in pregnancy because of the risk of birth defects."
    findings = sweep(frame, ["mycophenolate mofetil"], table, FakeSearch([passage(1, text)]))
    assert [(f.partner, f.relation) for f in findings] == [("pregnancy", "contraindication")]


def test_alternatives_are_swept_too(table: AliasTable) -> None:
    """An NSAID offered as an alternative to a transplant recipient on tacrolimus is swept."""
    frame = QuestionFrame(intent="safety", intervention="anakinra", current_medications=["tacrolimus"], conditions=["gout"], implied_population=["transplant"], yes_no=True)
    text = "NSAIDs should be avoided in transplant recipients taking calcineurin inhibitors because of nephrotoxicity."
    findings = sweep(frame, ["anakinra", "naproxen"], table, FakeSearch([passage(1, text, "guideline")]))
    assert [(f.subject, f.partner, f.relation) for f in findings] == [("naproxen", "tacrolimus", "avoid")]


# --- what is not a finding ----------------------------------------------------------------------


def test_danger_said_of_another_drug_is_ignored(table: AliasTable) -> None:
    frame = QuestionFrame(intent="safety", intervention="colchicine", current_medications=["tacrolimus"], yes_no=True)
    other = "The tacrolimus label warns that tacrolimus should not be given with cyclosporine, and colchicine was studied separately."
    own = "Colchicine should not be given with tacrolimus to patients with renal impairment."
    assert sweep(frame, ["colchicine"], table, FakeSearch([passage(1, other)])) == []
    # the same danger said of the drug asked about is found (the case above can fail)
    findings = sweep(frame, ["colchicine"], table, FakeSearch([passage(1, other), passage(2, own)]))
    assert sentences(findings) == [own]


def test_a_strong_inhibitor_rule_is_not_said_of_a_moderate_inhibitor(table: AliasTable) -> None:
    rule = "EULAR advises that colchicine should not be given to patients taking strong P-glycoprotein and/or CYP3A4 inhibitors such as ciclosporin or clarithromycin."
    on = lambda med: QuestionFrame(intent="safety", intervention="colchicine", current_medications=[med], yes_no=True)  # noqa: E731
    assert sweep(on("diltiazem"), ["colchicine"], table, FakeSearch([passage(1, rule)])) == []
    # the strong inhibitor it names is found (the case above can fail)
    assert [f.partner for f in sweep(on("itraconazole"), ["colchicine"], table, FakeSearch([passage(1, rule)]))] == ["itraconazole"]


def test_two_drugs_that_act_alike_on_a_third_are_not_linked(table: AliasTable) -> None:
    """Clarithromycin for a patient on cyclosporine: both are CYP3A4 and P-gp inhibitors, and what
    the sirolimus label says of such inhibitors is about sirolimus, not about the two together."""
    third = ("Strong CYP3A4 and P-glycoprotein inhibitors such as ketoconazole, itraconazole, clarithromycin and erythromycin "
             "can greatly raise sirolimus levels, and the sirolimus label advises avoiding them.")
    frame = QuestionFrame(intent="safety", intervention="clarithromycin", current_medications=["cyclosporine"], yes_no=True)
    assert sweep(frame, ["clarithromycin"], table, FakeSearch([passage(1, third)])) == []
    # for a patient on the third drug the same sentence is the danger (the case above can fail)
    frame = frame.model_copy(update={"current_medications": ["sirolimus"]})
    assert [f.partner for f in sweep(frame, ["clarithromycin"], table, FakeSearch([passage(1, third)]))] == ["sirolimus"]


def test_sentence_not_naming_the_treatment_is_ignored(table: AliasTable) -> None:
    frame = QuestionFrame(intent="interaction", intervention="colchicine", current_medications=["clarithromycin"])
    text = "Clarithromycin is contraindicated in patients with a history of QT prolongation."
    assert sweep(frame, ["colchicine"], table, FakeSearch([passage(1, text)])) == []


@pytest.mark.parametrize(
    "text",
    [
        "Colchicine is not contraindicated with azithromycin in patients with normal kidney function.",
        "Colchicine and azithromycin were both given to participants in the trial.",
    ],
)
def test_link_without_a_danger_is_not_a_finding(text: str, table: AliasTable) -> None:
    frame = QuestionFrame(intent="interaction", intervention="colchicine", current_medications=["azithromycin"])
    assert sweep(frame, ["colchicine"], table, FakeSearch([passage(1, text)])) == []


def test_danger_about_a_partner_the_patient_lacks_is_not_a_finding(table: AliasTable) -> None:
    frame = QuestionFrame(intent="safety", intervention="ibuprofen", conditions=["gout"], yes_no=True, indication="gout")
    assert sweep(frame, ["ibuprofen"], table, FakeSearch([passage(1, NSAID_HFREF)])) == []


def test_patient_with_nothing_to_link_is_not_searched(table: AliasTable) -> None:
    search = FakeSearch([passage(1, CYP3A4_CONTRAINDICATION)])
    assert sweep(QuestionFrame(intent="dose", intervention="colchicine", asked_attribute="dose"), ["colchicine"], table, search) == []
    assert search.calls == []


# --- order --------------------------------------------------------------------------------------


def test_contraindications_come_before_cautions(table: AliasTable) -> None:
    frame = QuestionFrame(intent="interaction", intervention="colchicine", current_medications=["clarithromycin"], population=["hepatic impairment"])
    search = FakeSearch([passage(1, CLARITHROMYCIN_CAUTION), passage(2, CYP3A4_CONTRAINDICATION)])
    findings = sweep(frame, ["colchicine"], table, search)
    assert [f.relation for f in findings] == ["contraindication", "caution"]
    assert [f.strength for f in findings] == sorted(f.strength for f in findings)
    assert findings[0].decisive and not findings[1].decisive


def test_at_equal_strength_the_label_comes_before_research(table: AliasTable) -> None:
    frame = QuestionFrame(intent="interaction", intervention="colchicine", current_medications=["clarithromycin"], population=["ckd"])
    research = "Colchicine should not be combined with clarithromycin, as fatal toxicity was reported in this cohort."
    search = FakeSearch([passage(1, research, "research"), passage(2, CYP3A4_CONTRAINDICATION.replace("is contraindicated", "should not be used"), "drug-label")])
    findings = sweep(frame, ["colchicine"], table, search)
    assert [f.passage.document.kind for f in findings] == ["drug-label", "research"]


def test_one_search_per_treatment_and_partner(table: AliasTable) -> None:
    """Each lookup pairs the treatment's names with one partner's: a partner named by many words
    (kidney disease) does not crowd the other partners' chunks out of the lookup."""
    frame = QuestionFrame(intent="safety", intervention="colchicine", current_medications=["clarithromycin"], conditions=["heart failure"])
    search = FakeSearch([])
    sweep(frame, ["colchicine", "naproxen"], table, search)
    # partners: clarithromycin, heart failure, and cardiovascular disease (the group heart failure is in)
    assert len(search.calls) == 6
    (with_med, k), (with_condition, _k), (with_group, _) = search.calls[:3]
    assert k == SWEEP_DEPTH
    assert "colchicine" in with_med and "clarithromycin" in with_med and "heart failure" not in with_med
    assert "colchicine" in with_condition and "heart failure" in with_condition and "clarithromycin" not in with_condition
    assert "cardiovascular" in with_group
    assert all("nsaid" in q for q, _ in search.calls[3:])  # an alternative is searched by its class too


# --- the pieces ---------------------------------------------------------------------------------


def test_danger_relation_strongest_first(table: AliasTable) -> None:
    assert danger_relation(tag("Colchicine is contraindicated with strong CYP3A4 inhibitors; use caution with moderate ones.", table)) == "contraindication"
    assert danger_relation(tag(CLARITHROMYCIN_CAUTION, table)) == "caution"
    assert danger_relation(tag("Clarithromycin increases colchicine concentrations and the risk of fatal toxicity.", table)) == "caution"
    assert danger_relation(tag("Colchicine is recommended for the treatment of gout flares.", table)) is None


def test_danger_is_about_the_drug_named_before_the_cue(table: AliasTable) -> None:
    generics, classes = subject_terms("colchicine", table)
    said_of_subject = "Colchicine should not be given with tacrolimus."
    said_of_other = "Tacrolimus should not be given with cyclosporine; colchicine was studied separately."
    assert _danger_is_about(said_of_subject, "avoid", generics, classes, table)
    assert not _danger_is_about(said_of_other, "avoid", generics, classes, table)
    assert _danger_is_about("Avoid colchicine in severe renal impairment.", "avoid", generics, classes, table)


def test_subject_terms_of_a_drug_and_of_a_class(table: AliasTable) -> None:
    assert subject_terms("ibuprofen", table) == ({"ibuprofen"}, {"nsaid"})
    generics, classes = subject_terms("nsaid", table)
    assert generics == set()
    assert "nsaid" in classes


# --- whom a statement is about (scope) ----------------------------------------------------------


def test_contraindication_in_a_group_the_patient_is_not_said_to_be_in_is_a_precaution(table: AliasTable) -> None:
    """"Contraindicated in renal or hepatic impairment with strong CYP3A4 inhibitors" for a patient on
    clarithromycin whose kidneys and liver the question does not mention: shown, but it does not decide."""
    frame = QuestionFrame(intent="interaction", intervention="colchicine", current_medications=["clarithromycin"])
    findings = sweep(frame, ["colchicine"], table, FakeSearch([passage(1, CYP3A4_CONTRAINDICATION)]))
    assert [(f.partner, f.relation) for f in findings] == [("clarithromycin", "caution")]
    assert not findings[0].decisive


def test_statement_about_patients_taking_another_drug_is_not_a_finding(table: AliasTable) -> None:
    text = "KDIGO recommends avoiding allopurinol in kidney transplant recipients who take azathioprine."
    on_tacrolimus = QuestionFrame(intent="safety", intervention="allopurinol", current_medications=["tacrolimus"],
                                  conditions=["gout", "kidney transplant"], population=["transplant"], indication="gout", yes_no=True)
    assert sweep(on_tacrolimus, ["allopurinol"], table, FakeSearch([passage(1, text, "guideline")])) == []
    on_azathioprine = on_tacrolimus.model_copy(update={"current_medications": ["azathioprine"]})
    findings = sweep(on_azathioprine, ["allopurinol"], table, FakeSearch([passage(1, text, "guideline")]))
    assert [(f.partner, f.relation) for f in findings] == [("azathioprine", "avoid")]


def test_kidney_function_outside_the_stated_severity_is_not_a_finding(table: AliasTable) -> None:
    text = "EULAR advises avoiding colchicine and NSAIDs in patients with severe renal impairment."

    def at(value: int) -> QuestionFrame:
        return QuestionFrame(intent="dose_adjustment", intervention="colchicine", population=["ckd"], asked_attribute="renal dose",
                             qualifier=f"eGFR {value}", yes_no=True)

    assert sweep(at(55), ["colchicine"], table, FakeSearch([passage(1, text, "guideline")])) == []
    assert [f.relation for f in sweep(at(22), ["colchicine"], table, FakeSearch([passage(1, text, "guideline")]))] == ["avoid"]


def test_statement_that_leaves_the_patients_condition_out_is_not_a_finding(table: AliasTable) -> None:
    text = "In adults without heart failure, NSAIDs should not be used for more than a few days."
    frame = QuestionFrame(intent="safety", intervention="ibuprofen", conditions=["heart failure"], yes_no=True)
    assert sweep(frame, ["ibuprofen"], table, FakeSearch([passage(1, text)])) == []


def test_an_inhibitor_asked_about_reaches_a_statement_about_its_mechanism_class(table: AliasTable) -> None:
    text = ("Strong CYP3A4 inhibitors such as ketoconazole and clarithromycin can greatly raise sirolimus levels, "
            "and the sirolimus label advises avoiding the combination.")
    frame = QuestionFrame(intent="safety", intervention="posaconazole", current_medications=["sirolimus"], yes_no=True)
    findings = sweep(frame, ["posaconazole"], table, FakeSearch([passage(1, text)]))
    assert [(f.partner, f.relation) for f in findings] == [("sirolimus", "avoid")]


def test_two_inhibitors_are_not_linked_by_a_statement_about_inhibitors(table: AliasTable) -> None:
    """Posaconazole for a patient on clarithromycin: "colchicine is contraindicated with strong CYP3A4
    inhibitors" names both only by how they act on colchicine."""
    frame = QuestionFrame(intent="safety", intervention="posaconazole", current_medications=["clarithromycin"], yes_no=True)
    text = "Colchicine is contraindicated with strong CYP3A4 inhibitors."
    assert sweep(frame, ["posaconazole"], table, FakeSearch([passage(1, text)])) == []


def test_statement_about_immunocompromised_patients_reaches_a_transplant_recipient(table: AliasTable) -> None:
    text = "The IDSA guideline advises against live attenuated influenza vaccine for immunocompromised patients."
    recipient = QuestionFrame(intent="safety", intervention="live attenuated influenza vaccine", conditions=["liver transplant"],
                              population=["transplant"], asked_attribute="vaccination", yes_no=True)
    findings = sweep(recipient, ["live attenuated influenza vaccine"], table, FakeSearch([passage(1, text, "guideline")]))
    assert [(f.partner, f.relation) for f in findings] == [("immunocompromised", "avoid")]
    pregnant = QuestionFrame(intent="safety", intervention="live attenuated influenza vaccine", population=["pregnancy"], yes_no=True)
    assert sweep(pregnant, ["live attenuated influenza vaccine"], table, FakeSearch([passage(1, text, "guideline")])) == []


def test_a_drug_that_lowers_the_patients_drug_exposure_is_a_finding(table: AliasTable) -> None:
    text = "Proton pump inhibitors reduce mycophenolic acid exposure from mycophenolate mofetil."
    frame = QuestionFrame(intent="interaction", intervention="pantoprazole", current_medications=["mycophenolate mofetil"], yes_no=True)
    findings = sweep(frame, ["pantoprazole"], table, FakeSearch([passage(1, text)]))
    assert [(f.partner, f.relation) for f in findings] == [("mycophenolate mofetil", "caution")]


def test_advice_against_the_treatment_for_its_indication_is_found(table: AliasTable) -> None:
    """"Aspirin, alone or combined with clopidogrel, is not recommended ... in atrial fibrillation":
    the indication is a partner for advice against (the clopidogrel is optional, not required)."""
    text = ("Aspirin, alone or combined with clopidogrel, is not recommended as an alternative to anticoagulation "
            "for stroke prevention in atrial fibrillation.")
    frame = QuestionFrame(intent="safety", intervention="aspirin", conditions=["atrial fibrillation"], indication="atrial fibrillation", yes_no=True)
    findings = sweep(frame, ["aspirin"], table, FakeSearch([passage(1, text, "guideline")]))
    assert [(f.partner, f.relation) for f in findings] == [("atrial fibrillation", "avoid")]
    # a precaution for the indication is no finding: every statement about a treatment for it names both
    caution = "Aspirin for stroke prevention in atrial fibrillation should be used with caution in older adults."
    assert sweep(frame, ["aspirin"], table, FakeSearch([passage(1, caution, "guideline")])) == []


def test_a_restriction_the_question_cannot_confirm_makes_a_precaution(table: AliasTable) -> None:
    text = ("Apixaban is not recommended in patients with pulmonary embolism who are haemodynamically unstable "
            "or who may receive thrombolysis.")
    frame = QuestionFrame(intent="safety", intervention="apixaban", conditions=["venous thromboembolism"], yes_no=True)
    findings = sweep(frame, ["apixaban"], table, FakeSearch([passage(1, text)]))
    assert [(f.partner, f.relation) for f in findings] == [("venous thromboembolism", "caution")]


def test_a_combination_concerns_a_patient_taking_another_of_its_drugs(table: AliasTable) -> None:
    text = "Combining an ACE inhibitor, an ARB and a direct renin inhibitor in any pair is to be avoided."
    alone = QuestionFrame(intent="safety", intervention="lisinopril", conditions=["chronic kidney disease"], yes_no=True)
    assert statement_scope(text, alone, table) == NOT_THIS_PATIENT
    on_losartan = alone.model_copy(update={"current_medications": ["losartan"]})
    assert statement_scope(text, on_losartan, table) == APPLIES
    findings = sweep(on_losartan, ["lisinopril"], table, FakeSearch([passage(1, text, "guideline")]))
    assert [(f.partner, f.relation) for f in findings] == [("losartan", "avoid")]


def test_statement_scope_reads_a_sentence_for_the_frames_patient(table: AliasTable) -> None:
    frame = QuestionFrame(intent="safety", intervention="allopurinol", current_medications=["tacrolimus"],
                          conditions=["gout", "kidney transplant"], population=["transplant"], yes_no=True)
    assert statement_scope("KDIGO recommends avoiding allopurinol in kidney transplant recipients who take azathioprine.", frame, table) == NOT_THIS_PATIENT
    assert statement_scope("NSAIDs are generally avoided for gout flares in patients with CKD.", frame, table, "naproxen") == UNSTATED
    assert statement_scope("KDIGO suggests avoiding NSAIDs in kidney transplant recipients.", frame, table, "naproxen") == APPLIES


def test_statement_about_cardiovascular_disease_reaches_a_patient_with_heart_failure(table: AliasTable) -> None:
    text = ("The febuxostat boxed warning states that gout patients with established cardiovascular disease who took "
            "febuxostat had a higher rate of cardiovascular death than those who took allopurinol.")
    # ("gout patients": the statement is about gout patients, so the patient is one)
    frame = QuestionFrame(intent="safety", intervention="febuxostat", conditions=["gout", "heart failure"], yes_no=True)
    findings = sweep(frame, ["febuxostat"], table, FakeSearch([passage(1, text)]))
    # the boxed warning reaches them; it states a harm without advising against febuxostat, so it is
    # the gravest precaution, not a no by itself (the label: "consider the risks and benefits")
    assert [f.relation for f in findings] == ["boxed"] and not findings[0].decisive
    asthma = QuestionFrame(intent="safety", intervention="febuxostat", conditions=["gout", "asthma"], yes_no=True)
    assert not any(f.decisive for f in sweep(asthma, ["febuxostat"], table, FakeSearch([passage(1, text)])))


def test_the_scope_of_an_exception_or_a_reason_does_not_restrict_the_statement(table: AliasTable) -> None:
    pregnant = QuestionFrame(intent="safety", intervention="warfarin", population=["pregnancy"], yes_no=True)
    text = "Warfarin is contraindicated in pregnancy except in pregnant women with mechanical heart valves who are at high risk of thromboembolism."
    assert statement_scope(text, pregnant, table) == APPLIES
    liver = QuestionFrame(intent="safety", intervention="sirolimus", current_medications=["mycophenolate mofetil"],
                          conditions=["liver transplant"], population=["transplant"], yes_no=True)
    text = ("The sirolimus boxed warning states that sirolimus is not recommended in liver transplant recipients, because "
            "sirolimus combined with cyclosporine or tacrolimus was linked to excess mortality.")
    assert statement_scope(text, liver, table) == APPLIES


def test_with_or_without_leaves_nobody_out_and_a_past_reaction_is_unconfirmed(table: AliasTable) -> None:
    bleeding = QuestionFrame(intent="safety", intervention="warfarin", conditions=["active bleeding"], yes_no=True)
    text = "Excessive anticoagulation with warfarin, with or without bleeding, can be managed by withholding warfarin."
    assert statement_scope(text, bleeding, table) != NOT_THIS_PATIENT
    gout = QuestionFrame(intent="safety", intervention="allopurinol", conditions=["gout"], yes_no=True)
    text = "A patient who has had a severe reaction to allopurinol should not be restarted on allopurinol."
    assert statement_scope(text, gout, table) == UNSTATED


def test_spironolactone_is_reached_as_a_potassium_sparing_diuretic(table: AliasTable) -> None:
    text = "Potassium-sparing diuretics, ACE inhibitors, and angiotensin receptor blockers add to the risk of hyperkalemia with tacrolimus."
    frame = QuestionFrame(intent="safety", intervention="spironolactone", current_medications=["tacrolimus"], yes_no=True)
    findings = sweep(frame, ["spironolactone"], table, FakeSearch([passage(1, text)]))
    assert [(f.partner, f.relation) for f in findings] == [("tacrolimus", "caution")]


def test_a_danger_said_of_the_patients_drug_with_the_treatment_is_found(table: AliasTable) -> None:
    """Asked about colchicine for a patient on clarithromycin, "clarithromycin should not be combined with
    colchicine" states the same danger; so it does when the frame swapped the two drugs' roles."""
    text = "Clarithromycin should not be combined with colchicine."
    frame = QuestionFrame(intent="interaction", intervention="colchicine", current_medications=["clarithromycin"], yes_no=True)
    findings = sweep(frame, ["colchicine"], table, FakeSearch([passage(1, text)]))
    assert [(f.partner, f.relation) for f in findings] == [("clarithromycin", "avoid")]
    swapped = QuestionFrame(intent="interaction", intervention="clarithromycin", current_medications=["colchicine"], yes_no=True)
    assert [(f.partner, f.relation) for f in sweep(swapped, ["clarithromycin"], table, FakeSearch([passage(1, text)]))] == [("colchicine", "avoid")]


def test_a_statement_about_a_co_medication_at_a_stated_dose_is_a_precaution(table: AliasTable) -> None:
    text = "For patients already on apixaban 2.5 mg twice daily, strong dual CYP3A4 and P-gp inhibitors should be avoided."
    frame = QuestionFrame(intent="dose_adjustment", intervention="itraconazole", current_medications=["apixaban"], yes_no=True)
    assert statement_scope(text, frame, table) == UNSTATED
    findings = sweep(frame, ["itraconazole"], table, FakeSearch([passage(1, text)]))
    assert [(f.partner, f.relation) for f in findings] == [("apixaban", "caution")]
    # asked about giving apixaban itself to a patient on clarithromycin, the danger at that dose decides
    asked = QuestionFrame(intent="dose", intervention="apixaban", current_medications=["clarithromycin"], yes_no=True)
    assert [(f.partner, f.relation) for f in sweep(asked, ["apixaban"], table, FakeSearch([passage(1, text)]))] == [("clarithromycin", "avoid")]


# --- lists, wider groups, doses for this patient, clause scope (issue 19, second pass) ----------


def test_danger_said_of_a_list_holding_the_patients_drug_with_the_treatment_alongside(table: AliasTable) -> None:
    """"Inducers such as rifampin, carbamazepine and phenytoin should be avoided with apixaban": the
    danger is said of the list (which holds the patient's carbamazepine), with the treatment as its
    co-medication; the nearest single name before the cue (phenytoin) is not the only subject."""
    text = "Drugs that strongly induce both CYP3A4 and P-gp, such as rifampin, carbamazepine and phenytoin, should be avoided with apixaban because they lower apixaban exposure."
    frame = QuestionFrame(intent="interaction", intervention="apixaban", current_medications=["carbamazepine"], asked_attribute="interaction")
    findings = sweep(frame, ["apixaban"], table, FakeSearch([passage(1, text)]))
    assert [(f.partner, f.relation) for f in findings] == [("carbamazepine", "avoid")]
    # a patient on none of the listed drugs has no finding
    other = QuestionFrame(intent="interaction", intervention="apixaban", current_medications=["metformin"], asked_attribute="interaction")
    assert sweep(other, ["apixaban"], table, FakeSearch([passage(1, text)])) == []


def test_treatment_named_in_the_list_the_danger_is_said_of(table: AliasTable) -> None:
    text = ("Strong CYP3A4 and P-glycoprotein inhibitors such as ketoconazole, voriconazole, itraconazole and clarithromycin "
            "can greatly raise sirolimus levels, and the sirolimus label advises avoiding them.")
    frame = QuestionFrame(intent="safety", intervention="voriconazole", current_medications=["sirolimus"], yes_no=True)
    findings = sweep(frame, ["voriconazole"], table, FakeSearch([passage(1, text)]))
    assert [(f.partner, f.relation) for f in findings] == [("sirolimus", "avoid")]
    assert _danger_is_about(text, "avoid", {"voriconazole"}, set(), table)


def test_co_medication_named_as_an_example_of_a_wider_group(table: AliasTable) -> None:
    """"Cyclosporine combined with other nephrotoxic drugs, including NSAIDs, ...": the NSAID is a
    drug the statement puts alongside cyclosporine, so ibuprofen for a patient on it is linked."""
    text = ("Cyclosporine combined with other nephrotoxic drugs, including nonsteroidal anti-inflammatory drugs (NSAIDs), "
            "aminoglycosides, and amphotericin B, increases the risk of kidney injury, so renal function needs close monitoring.")
    frame = QuestionFrame(intent="interaction", intervention="ibuprofen", current_medications=["cyclosporine"], asked_attribute="interaction")
    findings = sweep(frame, ["ibuprofen"], table, FakeSearch([passage(1, text)]))
    assert [(f.partner, f.relation) for f in findings] == [("cyclosporine", "caution")]


def test_a_condition_within_a_wider_group_the_statement_names(table: AliasTable) -> None:
    """Pneumonia is an active infection: the advice against starting anakinra in one is found."""
    text = "The anakinra label advises against starting anakinra in a patient with an active infection."
    frame = QuestionFrame(intent="safety", intervention="anakinra", conditions=["gout", "pneumonia"], indication="gout", yes_no=True)
    findings = sweep(frame, ["anakinra"], table, FakeSearch([passage(1, text)]))
    assert [(f.partner, f.relation) for f in findings] == [("pneumonia", "avoid")]
    assert findings[0].decisive
    # a condition that is no infection is not linked
    asthma = QuestionFrame(intent="safety", intervention="anakinra", conditions=["gout", "asthma"], indication="gout", yes_no=True)
    assert sweep(asthma, ["anakinra"], table, FakeSearch([passage(1, text)])) == []


SEVERE_RENAL_DOSE = "The febuxostat label limits the dose to 40 mg once daily in severe renal impairment."


def test_dose_stated_for_the_patients_group_is_a_dose_change(table: AliasTable) -> None:
    frame = QuestionFrame(intent="safety", intervention="febuxostat", conditions=["gout"], population=["ckd"], yes_no=True)
    findings = sweep(frame, ["febuxostat"], table, FakeSearch([passage(1, SEVERE_RENAL_DOSE)]))
    assert [(f.partner, f.relation) for f in findings] == [("ckd", "dose_change")]
    assert not findings[0].decisive
    # a dose said to need no change, and a laboratory value that reads like a dose, are not
    for text in ("The febuxostat label requires no dose adjustment in mild or moderate renal impairment.",
                 "KDIGO recommends febuxostat for adults with CKD who have an ACR of 200 mg/g or more."):
        assert sweep(frame, ["febuxostat"], table, FakeSearch([passage(1, text)])) == [], text


def test_named_degree_of_renal_impairment_is_a_kidney_function_range(table: AliasTable) -> None:
    """At an eGFR of 45 (moderate), a dose for severe renal impairment is not this patient's."""
    moderate = QuestionFrame(intent="safety", intervention="febuxostat", conditions=["gout"], population=["ckd"], qualifier="eGFR 45", yes_no=True)
    severe = moderate.model_copy(update={"qualifier": "eGFR 22"})
    assert sweep(moderate, ["febuxostat"], table, FakeSearch([passage(1, SEVERE_RENAL_DOSE)])) == []
    assert [f.relation for f in sweep(severe, ["febuxostat"], table, FakeSearch([passage(1, SEVERE_RENAL_DOSE)]))] == ["dose_change"]
    assert statement_scope(SEVERE_RENAL_DOSE, moderate, table) == NOT_THIS_PATIENT


def test_the_danger_clause_carries_its_own_scope(table: AliasTable) -> None:
    text = ("Febuxostat is cleared mainly by the liver, and the febuxostat label allows normal dosing in mild to moderate "
            "renal impairment but limits the dose to 40 mg daily in severe renal impairment.")
    moderate = QuestionFrame(intent="safety", intervention="febuxostat", conditions=["gout"], population=["ckd"], qualifier="eGFR 45", yes_no=True)
    assert sweep(moderate, ["febuxostat"], table, FakeSearch([passage(1, text)])) == []
    severe = moderate.model_copy(update={"qualifier": "eGFR 20"})
    assert [f.relation for f in sweep(severe, ["febuxostat"], table, FakeSearch([passage(1, text)]))] == ["dose_change"]


def test_warning_for_patients_with_cardiovascular_disease_is_a_precaution_without_it(table: AliasTable) -> None:
    text = ("The febuxostat boxed warning states that gout patients with established cardiovascular disease who took "
            "febuxostat had a higher rate of cardiovascular death than those who took allopurinol.")
    plain = QuestionFrame(intent="safety", intervention="febuxostat", conditions=["gout"], yes_no=True)
    findings = sweep(plain, ["febuxostat"], table, FakeSearch([passage(1, text)]))
    assert [f.relation for f in findings] == ["caution"] and not findings[0].decisive
    with_hf = QuestionFrame(intent="safety", intervention="febuxostat", conditions=["gout", "heart failure"], yes_no=True)
    findings = sweep(with_hf, ["febuxostat"], table, FakeSearch([passage(1, text)]))
    assert findings and findings[0].relation == "boxed" and not findings[0].decisive  # a stated harm, not an avoidance


def test_a_cue_before_every_drug_is_said_of_the_first_one_named(table: AliasTable) -> None:
    """"EULAR advises adjusting the allopurinol dose ... or switching to febuxostat": the dose change
    is allopurinol's, not a danger of febuxostat."""
    text = ("In renal impairment, EULAR advises adjusting the maximum allopurinol dose to creatinine clearance and, if the "
            "target is then not reached, switching to febuxostat.")
    assert not _danger_is_about(text, "dose_change", {"febuxostat"}, {"xanthine oxidase inhibitor"}, table)
    assert _danger_is_about(text, "dose_change", {"allopurinol"}, set(), table)


# --- the sweep in the answer (compose) -----------------------------------------------------------

TOPIRAMATE_METFORMIN = ("Carbonic anhydrase inhibitors, such as topiramate, can cause a metabolic acidosis that may add to "
                        "the lactic acidosis risk with metformin.")


def _compose(question: str, texts: list[str], table: AliasTable):  # type: ignore[no-untyped-def]
    from curbside.qa.compose import ExtractiveComposer
    from curbside.qa.sentences import SentenceEmbedder
    from tests.fakes import FakeHashEncoder

    passages = [passage(n, t, "drug-label") for n, t in enumerate(texts, start=1)]
    composer = ExtractiveComposer(SentenceEmbedder(FakeHashEncoder()), table, search=FakeSearch(passages))
    return composer.compose(analyse(question, table), passages)


def test_a_partial_answer_still_shows_what_the_sweep_found(table: AliasTable) -> None:
    """Nothing answers the monitoring question, but the library states an interaction with the
    patient's metformin: the partial answer says what is not stated and shows it under Risks."""
    answer = _compose("How often should I check levels when starting topiramate in a patient taking metformin?",
                      ["Topiramate is an antiepileptic used to prevent migraine. " + TOPIRAMATE_METFORMIN], table)
    assert answer.abstained and answer.coverage == "partial"
    risks = answer.section("risks")
    assert risks is not None and [s.text for s in risks.statements] == [TOPIRAMATE_METFORMIN]
    assert all(c.ref in {r.number for r in answer.references} for s in risks.statements for c in s.citations)


def test_a_contraindication_leads_an_answer_to_a_question_nothing_else_answers(table: AliasTable) -> None:
    """A monitoring question for a patient with heart failure: the avoidance in heart failure is the
    answer's bottom line, not left out of a partial answer."""
    avoid = "Thiazolidinediones raise the risk of worsening heart failure and should not be used in patients with heart failure."
    answer = _compose("What should I watch for with pioglitazone in a patient with heart failure?",
                      ["Pioglitazone is a thiazolidinedione used in type 2 diabetes. " + avoid], table)
    assert not answer.abstained
    assert answer.bottom_line is not None and answer.bottom_line.text == avoid


# --- doses keep their phase (the composer's dose verdict) ----------------------------------------

APIXABAN_VTE = "For treatment of deep vein thrombosis or pulmonary embolism, apixaban is given as 10 mg twice daily for 7 days, then 5 mg twice daily."


@pytest.mark.parametrize(
    ("question", "doses"),
    [
        ("Starting Eliquis for a brand-new DVT. Is 5 mg twice daily from day one right?", ["5mg"]),
        ("Is dapagliflozin OK in a 41-year-old with CKD, an eGFR of 35 and an ACR of 450 mg/g?", []),  # a lab value
        ("Can I use finerenone in someone with type 2 diabetes and CKD taking Zestril 40 mg?", []),  # the co-medication's dose
    ],
)
def test_doses_the_question_proposes_for_the_treatment(question: str, doses: list[str], table: AliasTable) -> None:
    assert asked_doses(question, analyse(question, table).frame, table) == doses


def test_the_extended_phase_dose_is_no_starting_dose() -> None:
    start = "Starting Eliquis for a brand-new DVT. Is 5 mg twice daily from day one right?"
    assert phase_mismatch(start, APIXABAN_VTE, ["5mg"])
    assert not phase_mismatch("Is 10 mg twice daily the right dose to start apixaban for a new DVT?", APIXABAN_VTE, ["10mg"])
    assert not phase_mismatch("After the first week, is apixaban 5 mg twice daily right?", APIXABAN_VTE, ["5mg"])


# --- what the question says of the patient beyond the vocabulary -------------------------------

HLA = "The current allopurinol labeling does not recommend allopurinol for HLA-B*58:01-positive patients unless the benefits clearly outweigh the risks."
TPMT = "For patients with homozygous TPMT or NUDT15 deficiency, the azathioprine label advises considering alternative therapy."


def test_a_trait_the_vocabulary_does_not_know_links_a_statement_scoped_by_it(table: AliasTable) -> None:
    question = "41-year-old who carries HLA-B*58:01: is allopurinol for gout safe?"
    frame = analyse(question, table).frame
    assert frame.conditions == ["gout"]  # the frame does not read the allele
    search = FakeSearch([passage(1, HLA)])
    assert sweep(frame, ["allopurinol"], table, search) == []
    findings = sweep(frame, ["allopurinol"], table, search, question=question)
    assert [(f.partner, f.relation) for f in findings] == [("hla-b*58:01", "avoid")] and findings[0].decisive


def test_advice_to_consider_an_alternative_is_an_avoidance(table: AliasTable) -> None:
    question = "Any reason not to give Imuran to a 52-year-old who is homozygous TPMT-deficient?"
    findings = sweep(analyse(question, table).frame, ["azathioprine"], table, FakeSearch([passage(1, TPMT)]), question=question)
    assert [f.relation for f in findings] == ["avoid"]
    assert danger_relation(tag(TPMT, table), TPMT) == "avoid"


def test_traits_leave_out_denied_common_and_frequent_words(table: AliasTable) -> None:
    question = "Patient with no heart disease who has been taking Uloric: can he have Naprosyn as flare prophylaxis?"
    frame = analyse(question, table).frame
    assert "heart" not in question_traits(question, frame, table)  # denied
    frequent = FakeSearch([passage(n, "Prophylaxis text.") for n in range(20)])
    assert "prophylaxis" in question_traits(question, frame, table)
    assert "prophylaxis" not in question_traits(question, frame, table, frequent)  # in too many chunks to single a statement out


def test_a_trait_links_only_advice_against_and_only_as_a_whole_word(table: AliasTable) -> None:
    """A trait may be what the treatment is for (a dose "for NOMID" is no danger), and "short" in the
    question is not "short-acting" in a statement."""
    nomid = "The anakinra starting dose for NOMID is 1-2 mg/kg daily, adjustable up to a maximum of 8 mg/kg daily."
    question = "2-year-old with NOMID: is anakinra safe?"
    assert sweep(analyse(question, table).frame, ["anakinra"], table, FakeSearch([passage(1, nomid)]), question=question) == []
    saba = "GINA does not recommend treating adults with a short-acting beta2-agonist alone, without prednisone."
    question = "Would you use a short prednisone course for a gout flare in someone with CKD?"
    found = sweep(analyse(question, table).frame, ["prednisone"], table, FakeSearch([passage(1, saba)]), question=question)
    assert all(f.partner != "short" for f in found)


def test_every_route_to_a_partial_answer_shows_the_findings_among_what_it_read(table: AliasTable) -> None:
    """A partial answer built without the findings handed to it (as when the sources that would
    answer leave this patient out) still shows the sweep's findings it read."""
    import numpy as np

    from curbside.qa.compose import ExtractiveComposer, _Item
    from curbside.qa.sentences import SentenceEmbedder, passage_sentences
    from curbside.qa.types import Answer
    from tests.fakes import FakeHashEncoder

    question = "What do I need to know before giving topiramate for migraine to a patient taking metformin?"
    frame = analyse(question, table).frame
    p = passage(1, "Topiramate is an antiepileptic used to prevent migraine. " + TOPIRAMATE_METFORMIN)
    found = {f.sentence.start: f for f in sweep(frame, ["topiramate"], table, FakeSearch([p]))}
    items = [_Item(s, p, tag(s.text, table), 0.5, np.zeros(4), finding=found.get(s.start)) for s in passage_sentences([p])]
    composer = ExtractiveComposer(SentenceEmbedder(FakeHashEncoder()), table)
    answer = composer._partial(Answer(question=question, passages=[p]), frame, items)
    risks = answer.section("risks")
    assert risks is not None and [s.text for s in risks.statements] == [TOPIRAMATE_METFORMIN]


def test_the_composer_names_the_treatment_by_the_classes_the_sweep_does(table: AliasTable) -> None:
    """"An ARNi should not be used ..." is about sacubitril/valsartan (the alias table's class): it
    leads the answer and decides it, rather than sitting under Rationale as a comparator's warning."""
    arni = "An ARNi should not be used in patients with severe hepatic impairment."
    answer = _compose("Is it safe to start Entresto in a patient with severe hepatic impairment?",
                      ["Sacubitril/valsartan (Entresto) is used in heart failure with reduced ejection fraction. " + arni], table)
    assert answer.bottom_line is not None and answer.bottom_line.text == arni
    assert answer.decision == "no"


# --- wordings beyond the generated set's (issue 19, third pass) ---------------------------------


def test_the_kidney_function_the_question_states_places_the_patient_outside_a_severe_range(table: AliasTable) -> None:
    """The frame holds the eGFR as a qualifier only when the renal dose is asked; a safety question
    that states it ("a patient with eGFR 50") still puts "severe renal impairment" outside them."""
    text = "EULAR advises avoiding colchicine and NSAIDs in patients with severe renal impairment."
    question = "Colchicine for a flare in a patient with eGFR 50?"
    frame = analyse(question, table).frame
    assert frame.qualifier is None and "ckd" in frame.population
    search = FakeSearch([passage(1, text, "guideline")])
    assert frame.kidney_value == 50
    assert sweep(frame, ["colchicine"], table, search) == []  # the frame carries the value a follow-up keeps
    unknown = frame.model_copy(update={"kidney_value": None})
    assert [f.relation for f in sweep(unknown, ["colchicine"], table, search)] == ["avoid"]  # no value: it may apply
    assert sweep(frame, ["colchicine"], table, search, question=question) == []
    assert statement_scope(text, frame, table, question=question) == NOT_THIS_PATIENT
    severe = "Colchicine for a flare in a patient with eGFR 22?"
    assert [f.relation for f in sweep(analyse(severe, table).frame, ["colchicine"], table, search, question=severe)] == ["avoid"]


def test_at_the_same_time_as_puts_the_treatment_alongside_the_patients_drug(table: AliasTable) -> None:
    text = "Tacrolimus should not be given at the same time as cyclosporine; the label says to stop one at least 24 hours before starting the other."
    frame = QuestionFrame(intent="interaction", intervention="cyclosporine", current_medications=["tacrolimus"], asked_attribute="interaction")
    assert [(f.partner, f.relation) for f in sweep(frame, ["cyclosporine"], table, FakeSearch([passage(1, text)]))] == [("tacrolimus", "avoid")]


def test_advice_to_wait_before_giving_is_an_avoidance(table: AliasTable) -> None:
    text = ("ACIP advises waiting at least 1 month after stopping high-dose systemic corticosteroid therapy that lasted "
            "14 days or more before giving a live virus vaccine.")
    frame = QuestionFrame(intent="safety", intervention="mmr vaccine", current_medications=["prednisone"], asked_attribute="vaccination", yes_no=True)
    findings = sweep(frame, ["mmr vaccine"], table, FakeSearch([passage(1, text, "guideline")]))
    assert [(f.partner, f.relation) for f in findings] == [("prednisone", "avoid")] and findings[0].decisive
    rather = "The ACR recommends starting allopurinol during the flare rather than waiting before starting it until the flare settles."
    assert danger_relation(tag(rather, table), rather) is None


def test_examples_after_a_condition_are_not_the_statements_scope(table: AliasTable) -> None:
    """"Comorbidities common in CKD, such as ... cardiovascular disease, add further reasons to avoid
    NSAIDs in these patients": the patients are those with CKD; the examples are comorbidities."""
    text = "Comorbidities common in CKD, such as heart failure, hypertension and cardiovascular disease, add further reasons to avoid NSAIDs in these patients."
    frame = QuestionFrame(intent="safety", intervention="aspirin", conditions=["gout", "coronary disease"], yes_no=True)
    findings = sweep(frame, ["aspirin"], table, FakeSearch([passage(1, text, "review")]))
    assert [f.relation for f in findings] == ["caution"]  # said of CKD, which this patient is not said to have
    ckd = QuestionFrame(intent="safety", intervention="naproxen", conditions=["gout", "chronic kidney disease"], population=["ckd"], yes_no=True)
    assert [f.relation for f in sweep(ckd, ["naproxen"], table, FakeSearch([passage(1, text, "review")]))] == ["avoid"]


def test_a_scope_of_past_treatment_is_one_the_question_cannot_confirm(table: AliasTable) -> None:
    text = ("The Neoral boxed warning adds that psoriasis patients previously treated with PUVA, methotrexate, other "
            "immunosuppressants, UVB, coal tar, or radiation have a higher risk of skin cancer on cyclosporine.")
    frame = QuestionFrame(intent="interaction", intervention="cyclosporine", current_medications=["tacrolimus"], conditions=["kidney transplant"], asked_attribute="interaction")
    findings = sweep(frame, ["cyclosporine"], table, FakeSearch([passage(1, text)]))
    assert [f.relation for f in findings] == ["caution"] and not findings[0].decisive


def test_a_short_abbreviation_in_capitals_is_a_trait(table: AliasTable) -> None:
    """"Long QT syndrome": QT is two letters, too short for a plain trait word, but written in capitals
    it is an abbreviation the question means; the label's avoidance in long QT is about this patient."""
    text = ("Tacrolimus can prolong the QT interval, and the label advises avoiding it in congenital long QT syndrome "
            "and considering ECG and electrolyte monitoring in patients at higher risk.")
    question = "Patient with long QT syndrome — tacrolimus OK?"
    frame = analyse(question, table).frame
    assert "qt" in question_traits(question, frame, table) and "ok" not in question_traits(question, frame, table)
    findings = sweep(frame, ["tacrolimus"], table, FakeSearch([passage(1, text)]), question=question)
    assert [f.relation for f in findings] == ["caution"]  # "congenital" narrows it to patients the question does not say this one is
    congenital = "Patient with congenital long QT syndrome — tacrolimus OK?"
    findings = sweep(analyse(congenital, table).frame, ["tacrolimus"], table, FakeSearch([passage(1, text)]), question=congenital)
    assert [f.relation for f in findings] == ["avoid"]


def test_an_allele_written_without_its_colon_is_the_same_allele(table: AliasTable) -> None:
    question = "Han Chinese patient who is HLA-B*5801 positive with gout. Allopurinol?"
    findings = sweep(analyse(question, table).frame, ["allopurinol"], table, FakeSearch([passage(1, HLA)]), question=question)
    assert [f.relation for f in findings] == ["avoid"]


HGPRT = "Mycophenolate should be avoided in patients with hereditary HGPRT deficiency, such as Lesch-Nyhan or Kelley-Seegmiller syndrome."
TPMT_HETEROZYGOUS = "For patients with heterozygous TPMT or NUDT15 deficiency, the azathioprine label advises reduced doses."


def test_a_hyphenated_name_is_one_trait(table: AliasTable) -> None:
    question = "Any reason not to give CellCept to a patient with Lesch-Nyhan syndrome and a kidney transplant?"
    frame = analyse(question, table).frame
    assert "lesch-nyhan" in question_traits(question, frame, table)
    findings = sweep(frame, ["mycophenolate mofetil"], table, FakeSearch([passage(1, HGPRT)]), question=question)
    assert [f.relation for f in findings] == ["avoid"]  # the example after "such as" is the trait itself


def test_a_trait_qualified_otherwise_in_the_statement_is_a_precaution_and_a_group_dose_is_a_dose_change(table: AliasTable) -> None:
    """Asked about a heterozygous patient, the homozygous avoidance is no decisive finding, and the
    reduced doses the label gives patients with the heterozygous trait are a dose change (a trait
    marking out patients, unlike "the starting dose for NOMID")."""
    question = "Would you use Imuran in someone with RA and heterozygous TPMT deficiency?"
    frame = analyse(question, table).frame
    findings = sweep(frame, ["azathioprine"], table, FakeSearch([passage(1, TPMT + " " + TPMT_HETEROZYGOUS)]), question=question)
    assert [(f.sentence.text, f.relation) for f in findings] == [(TPMT_HETEROZYGOUS, "dose_change"), (TPMT, "caution")]


def test_current_infection_in_a_guidelines_words_is_the_patients_active_infection(table: AliasTable) -> None:
    text = "EULAR names current infection as a contraindication to IL-1 blockers."
    frame = QuestionFrame(intent="safety", intervention="anakinra", conditions=["gout", "urinary tract infection"], indication="gout", yes_no=True)
    findings = sweep(frame, ["anakinra"], table, FakeSearch([passage(1, text, "guideline")]))
    assert [(f.partner, f.relation) for f in findings] == [("urinary tract infection", "contraindication")]
    well = QuestionFrame(intent="safety", intervention="anakinra", conditions=["gout"], indication="gout", yes_no=True)
    assert sweep(well, ["anakinra"], table, FakeSearch([passage(1, text, "guideline")])) == []


# --- the options a choice question proposes ------------------------------------------------------

WARFARIN_PREGNANCY = "Warfarin is contraindicated in pregnancy except in pregnant women with mechanical heart valves who are at high risk of thromboembolism."


@pytest.mark.parametrize(
    "frame_update",
    [
        {},  # the frame keeps neither option (a choice between them)
        {"intervention": "heparin", "comparator": "warfarin"},  # the second option carried as the comparator
        {"intervention": "warfarin", "comparator": "heparin"},
    ],
)
def test_every_option_of_a_choice_question_is_swept(frame_update: dict[str, str], table: AliasTable) -> None:
    """"Pregnant woman with a new DVT: warfarin or heparin?": both options are swept, so warfarin's
    pregnancy contraindication is found whichever option (if any) the frame holds as the intervention."""
    question = "Pregnant woman with a new DVT: warfarin or heparin?"
    frame = analyse(question, table).frame.model_copy(update=frame_update)
    subjects = swept_treatments(frame, table, question)
    assert set(subjects) == {"warfarin", "heparin"}
    findings = sweep(frame, subjects, table, FakeSearch([passage(1, WARFARIN_PREGNANCY)]), question=question)
    assert [(f.subject, f.partner, f.relation) for f in findings] == [("warfarin", "pregnancy", "contraindication")]


def test_a_drug_the_patient_takes_is_no_option_and_a_yes_no_question_sweeps_its_intervention(table: AliasTable) -> None:
    question = "Kidney transplant on tacrolimus with a gout flare: colchicine or ibuprofen?"
    assert swept_treatments(analyse(question, table).frame, table, question) == ["colchicine", "ibuprofen"]
    seed = "Is it safe to start anakinra in a patient with gout who is already on tacrolimus (FK506) and Cellcept?"
    assert swept_treatments(analyse(seed, table).frame, table, seed) == ["anakinra"]


def test_the_answer_to_a_choice_question_shows_the_danger_of_either_option(table: AliasTable, real_encoder) -> None:  # type: ignore[no-untyped-def]
    """The composer sweeps both options (the real encoder: a choice question with the fake one reads
    as unanswered before anything is composed)."""
    from curbside.qa.compose import ExtractiveComposer
    from curbside.qa.sentences import SentenceEmbedder

    heparin = "Low molecular weight heparin is recommended for treatment of venous thromboembolism in pregnancy."
    passages = [passage(1, heparin, "guideline"), passage(2, WARFARIN_PREGNANCY)]
    composer = ExtractiveComposer(SentenceEmbedder(real_encoder), table, search=FakeSearch(passages))
    question = "Pregnant woman with a new DVT: warfarin or heparin?"
    answer = composer.compose(analyse(question, table), passages)
    assert not answer.abstained
    shown = [answer.bottom_line.text if answer.bottom_line else "", *(s.text for sec in answer.sections for s in sec.statements)]
    assert WARFARIN_PREGNANCY in shown


SIROLIMUS_LIVER = ("The sirolimus boxed warning states that sirolimus is not recommended in liver transplant recipients, because "
                   "sirolimus combined with cyclosporine or tacrolimus was linked to excess mortality.")


def test_a_statement_about_one_organs_recipients_is_not_about_anothers(table: AliasTable) -> None:
    """"Not recommended in liver transplant recipients" also reads as "transplant recipients"; the
    organ is its scope: nothing for a kidney recipient; it stands when the organ is not named (the
    seed's patient on tacrolimus and mycophenolate is kept from NSAIDs by KDIGO's kidney advice)."""
    search = FakeSearch([passage(1, SIROLIMUS_LIVER)])
    kidney = QuestionFrame(intent="safety", intervention="sirolimus", conditions=["kidney transplant"], population=["transplant"], yes_no=True)
    assert sweep(kidney, ["sirolimus"], table, search) == []
    assert statement_scope(SIROLIMUS_LIVER, kidney, table) == NOT_THIS_PATIENT
    unnamed = QuestionFrame(intent="safety", intervention="sirolimus", conditions=["solid organ transplant"], population=["transplant"], yes_no=True)
    assert [f.relation for f in sweep(unnamed, ["sirolimus"], table, search)] == ["boxed"]
    liver = QuestionFrame(intent="safety", intervention="sirolimus", conditions=["liver transplant"], population=["transplant"], yes_no=True)
    assert [f.relation for f in sweep(liver, ["sirolimus"], table, search)] == ["boxed"]


def test_a_trait_after_a_clause_break_is_not_the_statements_scope(table: AliasTable) -> None:
    """"... if used, not be started until graft function is established": "graft" in the question
    ("stable graft") is not scoped by the "if" of the clause before."""
    text = ("KDIGO 2009 recommends that an mTOR inhibitor such as sirolimus or everolimus, if used, not be started "
            "until graft function is established and surgical wounds have healed.")
    question = "Kidney transplant recipient 6 months out with stable graft: can I convert her to sirolimus?"
    frame = analyse(question, table).frame
    found = sweep(frame, ["sirolimus"], table, FakeSearch([passage(1, text, "guideline")]), question=question)
    assert all(f.partner != "graft convert" for f in found)


def test_a_harm_named_with_a_vulnerable_group_is_a_precaution_for_a_patient_in_it(table: AliasTable) -> None:
    text = "Azathioprine can cause fetal harm, and patients should be told of the potential risk if it is used in pregnancy."
    pregnant = QuestionFrame(intent="population", intervention="azathioprine", population=["pregnancy"], asked_attribute="pregnancy", yes_no=True)
    assert [(f.partner, f.relation) for f in sweep(pregnant, ["azathioprine"], table, FakeSearch([passage(1, text)]))] == [("pregnancy", "caution")]
    hyperkalaemia = "Tacrolimus can cause hyperkalemia."  # a harm naming a condition is its outcome, not who it is said of
    frame = QuestionFrame(intent="safety", intervention="tacrolimus", conditions=["hyperkalemia"], yes_no=True)
    assert sweep(frame, ["tacrolimus"], table, FakeSearch([passage(1, hyperkalaemia)])) == []


LIVE_DURING_TACROLIMUS = "Live vaccines should be avoided during tacrolimus treatment because the immunosuppressed patient may be harmed by the vaccine organism."


def test_during_a_drugs_treatment_is_said_of_patients_taking_it(table: AliasTable) -> None:
    search = FakeSearch([passage(1, LIVE_DURING_TACROLIMUS)])
    on_it = QuestionFrame(intent="safety", intervention="mmr vaccine", current_medications=["tacrolimus"], asked_attribute="vaccination", yes_no=True)
    assert [(f.partner, f.relation) for f in sweep(on_it, ["mmr vaccine"], table, search)] == [("tacrolimus", "avoid")]
    # a transplant recipient not on tacrolimus is immunocompromised, but the statement is about tacrolimus treatment
    other = QuestionFrame(intent="safety", intervention="mmr vaccine", current_medications=["sirolimus"], conditions=["kidney transplant"], population=["transplant"], asked_attribute="vaccination", yes_no=True)
    assert sweep(other, ["mmr vaccine"], table, search) == []


def test_a_patient_said_not_to_be_immunosuppressed_is_not_linked_through_immunocompromised_people(table: AliasTable) -> None:
    text = "Live vaccines are generally contraindicated in severely immunocompromised people."
    question = "MMR for a 40-year-old with lupus nephritis in remission, off all treatment and not immunosuppressed?"
    frame = QuestionFrame(intent="safety", intervention="mmr vaccine", conditions=["lupus"], population=["transplant"], asked_attribute="vaccination", yes_no=True)
    search = FakeSearch([passage(1, text, "guideline")])
    assert [f.partner for f in sweep(frame, ["mmr vaccine"], table, search)] == ["immunocompromised"]
    assert sweep(frame, ["mmr vaccine"], table, search, question=question) == []


def test_a_sentence_in_two_overlapping_chunks_of_one_source_is_one_finding(table: AliasTable) -> None:
    frame = QuestionFrame(intent="interaction", intervention="colchicine", current_medications=["clarithromycin"], population=["ckd"], asked_attribute="interaction")
    doc = passage(1, "Intro. " + CYP3A4_CONTRAINDICATION).document
    first = Passage(chunk=Chunk(chunk_id="doc1#0", doc_id="doc1", n=0, text="Intro. " + CYP3A4_CONTRAINDICATION, char_start=0, char_end=10, embed_text="x"), document=doc)
    second = Passage(chunk=Chunk(chunk_id="doc1#1", doc_id="doc1", n=1, text=CYP3A4_CONTRAINDICATION + " More.", char_start=7, char_end=20, embed_text="x"), document=doc)
    assert len(sweep(frame, ["colchicine"], table, FakeSearch([first, second]))) == 1


def test_a_question_that_says_the_patient_is_immunocompromised_links_statements_about_them(table: AliasTable) -> None:
    text = "Live vaccines are generally contraindicated in severely immunocompromised people."
    question = "Severely immunocompromised patient after chemotherapy — can she get MMR?"
    frame = analyse(question, table).frame
    assert not (frame.conditions or frame.population)  # the frame's vocabulary holds neither
    findings = sweep(frame, ["mmr vaccine"], table, FakeSearch([passage(1, text, "guideline")]), question=question)
    assert [(f.partner, f.relation) for f in findings] == [("immunocompromised", "contraindication")]


def test_a_drug_the_frame_placed_nowhere_is_swept_as_taken_unless_the_question_says_it_is_not(table: AliasTable) -> None:
    text = "CYP3A inhibitors such as azole antifungals raise tacrolimus concentrations and can cause toxicity."
    question = "Voriconazole plus tacrolimus in a lung transplant recipient: what do I need to do?"
    frame = QuestionFrame(intent="safety", intervention="voriconazole", conditions=["lung transplant"], population=["transplant"])
    assert unplaced_medications(frame, table, question) == ["tacrolimus"]
    search = FakeSearch([passage(1, text)])
    assert sweep(frame, ["voriconazole"], table, search) == []
    assert [f.partner for f in sweep(frame, ["voriconazole"], table, search, question=question)] == ["tacrolimus"]
    for denied in ("Voriconazole in a lung transplant recipient switched off tacrolimus last year?",
                   "Lung transplant recipient (no tacrolimus): voriconazole?",
                   "Kidney transplant patient: tacrolimus or cyclosporine?"):
        assert "tacrolimus" not in unplaced_medications(analyse(denied, table).frame, table, denied)


def test_a_drug_the_patient_reacted_to_is_not_swept_as_taken(table: AliasTable) -> None:
    """"Had DRESS on allopurinol": allopurinol is the patient's history, so a febuxostat statement
    naming it (or its class) is no interaction for them."""
    for question in ("He had DRESS on allopurinol last year. Can I start febuxostat?",
                     "History of a rash with allopurinol; is Uloric OK?"):
        assert "allopurinol" not in unplaced_medications(analyse(question, table).frame, table, question)


def test_a_class_the_patient_takes_is_linked_by_its_own_name(table: AliasTable) -> None:
    text = "Sirolimus combined with ACE inhibitors raises the risk of angioedema."
    frame = QuestionFrame(intent="interaction", intervention="sirolimus", current_medications=["ace inhibitor"], asked_attribute="interaction")
    assert [f.partner for f in sweep(frame, ["sirolimus"], table, FakeSearch([passage(1, text)]))] == ["ace inhibitor"]


def test_a_harm_said_of_patients_who_also_take_the_patients_drug_is_a_precaution(table: AliasTable) -> None:
    text = ("Trimethoprim-sulfamethoxazole can raise serum potassium and serum creatinine, which matters in kidney "
            "transplant recipients who also take calcineurin inhibitors.")
    frame = QuestionFrame(intent="monitoring", intervention="trimethoprim-sulfamethoxazole", current_medications=["tacrolimus"], conditions=["kidney transplant"], population=["transplant"], asked_attribute="monitoring")
    assert [(f.partner, f.relation) for f in sweep(frame, ["trimethoprim-sulfamethoxazole"], table, FakeSearch([passage(1, text)]))] == [("tacrolimus", "caution")]


# --- generalising (stop 17): the label's unnamed subject, risk factors, restrictions the question states


METFORMIN_LABEL = "GLUCOPHAGE (metformin hydrochloride) tablets: Full Prescribing Information"
RISK_FACTORS = (
    "Risk factors named in the boxed warning are kidney impairment, certain drugs such as carbonic anhydrase "
    "inhibitors including topiramate, age 65 years or older, and hepatic impairment."
)


def test_a_label_sentence_naming_no_drug_before_its_danger_is_about_the_labels_drug(table: AliasTable) -> None:
    """The metformin label's boxed-warning risk factors never name metformin; for a patient on Diamox
    (acetazolamide, a carbonic anhydrase inhibitor) they are found, as a precaution (a risk factor
    raises the risk, it does not bar the drug). The same sentence in another drug's label, or in a
    guideline, has no unnamed subject."""
    question = "Is it safe to start metformin in a 60-year-old with type 2 diabetes who is already on Diamox?"
    frame = analyse(question, table).frame
    assert "acetazolamide" in frame.current_medications
    found = sweep(frame, ["metformin"], table, FakeSearch([passage(1, RISK_FACTORS, title=METFORMIN_LABEL)]), question=question)
    assert [(f.partner, f.relation) for f in found] == [("acetazolamide", "caution")]
    other = "JARDIANCE (empagliflozin) tablets: US prescribing information"
    assert sweep(frame, ["metformin"], table, FakeSearch([passage(1, RISK_FACTORS, title=other)]), question=question) == []
    assert sweep(frame, ["metformin"], table, FakeSearch([passage(1, RISK_FACTORS, "guideline", METFORMIN_LABEL)]), question=question) == []
    said_of_another = "Topiramate carries a boxed warning for metabolic acidosis with carbonic anhydrase inhibitors."
    assert sweep(frame, ["metformin"], table, FakeSearch([passage(1, said_of_another, title=METFORMIN_LABEL)]), question=question) == []


def test_boxed_warning_risk_factors_are_a_precaution_a_boxed_harm_is_not(table: AliasTable) -> None:
    assert danger_relation(tag(RISK_FACTORS, table), RISK_FACTORS) == "caution"
    harm = "The warfarin label carries a boxed warning that warfarin can cause major or fatal bleeding."
    assert danger_relation(tag(harm, table), harm) == "boxed"


UNSTABLE_PE = (
    "Apixaban is not recommended as a replacement for unfractionated heparin in patients with pulmonary embolism "
    "who are haemodynamically unstable or who may receive thrombolysis or pulmonary embolectomy."
)


@pytest.mark.parametrize(
    ("question", "relation"),
    [
        ("Quick check: Eliquis in someone with a PE, hypotensive and a candidate for thrombolysis, go ahead?", "avoid"),
        ("Can I start Eliquis for a massive PE in a patient who is haemodynamically unstable?", "avoid"),
        ("Can I start Eliquis for a PE in a stable outpatient?", None),
        ("She has finished 6 months of Eliquis for an unprovoked PE. Is 2.5 mg twice daily right from here?", None),
    ],
)
def test_a_restriction_the_question_states_makes_the_danger_this_patients(question: str, relation: str | None, table: AliasTable) -> None:
    """"who are haemodynamically unstable or who may receive thrombolysis" is a restriction no frame
    holds; a question that says so ("a candidate for thrombolysis") confirms it, and only then is the
    avoidance decisive; otherwise it stays a precaution (the group's own words, "pulmonary", confirm
    nothing)."""
    frame = analyse(question, table).frame
    found = sweep(frame, ["apixaban"], table, FakeSearch([passage(1, UNSTABLE_PE)]), question=question)
    if relation is None:
        assert not any(f.decisive for f in found)
    else:
        assert [f.relation for f in found] == [relation]


def test_a_danger_said_on_a_condition_holds_only_when_the_question_states_it(table: AliasTable) -> None:
    text = "If lactic acidosis is suspected in a patient with type 2 diabetes, metformin should be stopped at once."
    asked = "Can I start metformin in a patient with type 2 diabetes?"
    found = sweep(analyse(asked, table).frame, ["metformin"], table, FakeSearch([passage(1, text)]), question=asked)
    assert [f.relation for f in found] == ["caution"]
    suspected = "Patient with type 2 diabetes and suspected lactic acidosis: can I keep metformin going?"
    found = sweep(analyse(suspected, table).frame, ["metformin"], table, FakeSearch([passage(1, text)]), question=suspected)
    assert [f.relation for f in found] == ["avoid"]


def test_a_history_of_a_trait_scopes_a_statement_to_patients_who_have_it(table: AliasTable) -> None:
    text = (
        "The canakinumab label advises caution when giving canakinumab to patients with infections, a history of "
        "recurring infections, or conditions that predispose to infection."
    )
    question = "Would you use Ilaris for a gout flare in someone with a history of recurring infections?"
    frame = analyse(question, table).frame
    statement = passage(1, text)
    common = [passage(n, "Serious infections were reported.") for n in range(2, 14)]

    def search(query: str, k: int) -> list[Passage]:  # "infections" is a frequent word, "recurring" a rare one
        return common[:k] if query == "infections" else [statement]

    found = sweep(frame, ["canakinumab"], table, search, question=question)
    assert [(f.partner.split()[0], f.relation) for f in found] == [("recurring", "caution")]


ON_LOW_DOSE = "For patients already on apixaban 2.5 mg twice daily, strong dual CYP3A4 and P-gp inhibitors should be avoided."


@pytest.mark.parametrize(
    ("question", "relations"),
    [
        ("On Eliquis 5 bid for AF, needs clarithromycin for pneumonia. OK?", []),
        ("Already on apixaban 5 mg twice daily; can I give clarithromycin?", []),
        ("She takes apixaban 2.5 mg twice daily. Can I give clarithromycin?", ["avoid"]),
        ("She takes apixaban. Can I give clarithromycin?", ["caution"]),
    ],
)
def test_a_statement_about_a_dose_of_the_patients_drug_is_theirs_only_at_that_dose(
    question: str, relations: list[str], table: AliasTable
) -> None:
    """"Already on apixaban 2.5 mg" is about patients at that dose: decisive for one the question puts
    at 2.5 mg, not about one on 5 mg ("5 bid", written without a unit), a precaution when the question
    gives no dose."""
    frame = analyse(question, table).frame
    assert "apixaban" in frame.current_medications
    found = sweep(frame, ["clarithromycin"], table, FakeSearch([passage(1, ON_LOW_DOSE)]), question=question)
    assert [f.relation for f in found] == relations


def test_a_class_named_as_what_another_drug_is_does_not_link_the_class(table: AliasTable) -> None:
    """"Febuxostat is also a xanthine oxidase inhibitor, and its label lists azathioprine as a
    contraindicated combination": the class stands for febuxostat, so for a patient on allopurinol
    (another xanthine oxidase inhibitor) it is not the azathioprine contraindication; a statement
    about the class itself still is."""
    frame = QuestionFrame(intent="interaction", intervention="azathioprine", current_medications=["allopurinol"], asked_attribute="interaction")
    said_of_febuxostat = (
        "Febuxostat is also a xanthine oxidase inhibitor, and the febuxostat label (Uloric) lists azathioprine "
        "and mercaptopurine as contraindicated combinations."
    )
    assert sweep(frame, ["azathioprine"], table, FakeSearch([passage(1, said_of_febuxostat)])) == []
    of_the_class = "Xanthine oxidase inhibitors are contraindicated with azathioprine."
    found = sweep(frame, ["azathioprine"], table, FakeSearch([passage(1, of_the_class)]))
    assert [(f.partner, f.relation) for f in found] == [("allopurinol", "contraindication")]


APS = (
    "Direct oral anticoagulants including apixaban are not recommended for patients with triple-positive "
    "antiphospholipid syndrome because of a higher rate of recurrent thrombosis seen with DOACs compared with "
    "warfarin in that group."
)


@pytest.mark.parametrize(
    ("question", "decisive"),
    [
        ("Patient with triple-positive APS and a new DVT: can I use Eliquis?", True),
        ("Can I start Eliquis for a DVT in a patient with triple-positive antiphospholipid syndrome?", True),
        ("Can I start Eliquis for a new DVT in a 50-year-old?", False),
        ("She is on warfarin for a DVT and wants Eliquis instead. OK to start it?", False),
    ],
)
def test_a_scope_the_vocabulary_does_not_know_is_this_patients_when_the_question_names_it(
    question: str, decisive: bool, table: AliasTable
) -> None:
    """"For patients with triple-positive antiphospholipid syndrome" names a condition no vocabulary
    table holds: it decides only for a patient the question says has it; for anyone else it is at
    most a precaution."""
    frame = analyse(question, table).frame
    found = sweep(frame, ["apixaban"], table, FakeSearch([passage(1, APS)]), question=question)
    assert any(f.decisive for f in found) == decisive


def test_an_avoidance_another_clause_allows_for_this_patients_condition_is_a_precaution(table: AliasTable) -> None:
    text = (
        "The BSR guideline states that losartan and fenofibrate should not be used as primary ULT, but may be "
        "considered when treatment for hypertension or dyslipidaemia is needed because both have a weak uricosuric effect."
    )
    with_htn = QuestionFrame(intent="safety", intervention="losartan", conditions=["gout", "hypertension"], yes_no=True)
    found = sweep(with_htn, ["losartan"], table, FakeSearch([passage(1, text, "guideline")]))
    assert found and not any(f.decisive for f in found)
    barred = "The guideline states that losartan should not be used in patients with hypertension and gout."
    assert [f.relation for f in sweep(with_htn, ["losartan"], table, FakeSearch([passage(1, barred, "guideline")]))] == ["avoid"]


LIVE_VACCINES_TRANSPLANT = "KDIGO 2009 suggests avoiding live vaccines in kidney transplant recipients."


@pytest.mark.parametrize(
    ("question", "found"),
    [
        ("Is the MMR vaccine OK in a 63-year-old on the kidney transplant waiting list, not immunosuppressed?", False),
        ("She is awaiting a kidney transplant. Can she have the MMR vaccine now?", False),
        ("Can my kidney transplant recipient have the MMR vaccine?", True),
        ("Two years after a kidney transplant, on the list for a second one: MMR vaccine OK?", True),
    ],
)
def test_a_patient_awaiting_a_transplant_is_not_yet_a_recipient(question: str, found: bool, table: AliasTable) -> None:
    frame = analyse(question, table).frame
    findings = sweep(frame, ["mmr vaccine"], table, FakeSearch([passage(1, LIVE_VACCINES_TRANSPLANT, "guideline")]), question=question)
    assert bool(findings) == found


HIGH_DOSE_STEROIDS = (
    "ACIP advises waiting at least 1 month after stopping high-dose systemic corticosteroid therapy that lasted "
    "14 days or more before giving a live virus vaccine."
)


@pytest.mark.parametrize(
    ("question", "found"),
    [
        ("Patient just completed a short prednisone course — is the MMR vaccine OK now?", False),
        ("Does a 5-day prednisone burst mean I should hold off on MMR?", False),
        ("He has been on prednisone 40 mg daily for 3 months. Is the MMR vaccine OK?", True),
    ],
)
def test_a_statement_about_long_or_high_dose_use_is_not_about_a_short_course(question: str, found: bool, table: AliasTable) -> None:
    frame = analyse(question, table).frame
    findings = sweep(frame, ["mmr vaccine"], table, FakeSearch([passage(1, HIGH_DOSE_STEROIDS, "guideline")]), question=question)
    assert bool(findings) == found


@pytest.mark.parametrize(
    "question",
    ["AF with a mechanical mitral valve: Eliquis instead of warfarin?", "Can I start Eliquis in a patient with a mechanical aortic valve?"],
)
def test_a_statement_about_prosthetic_valves_is_about_a_mechanical_valve(question: str, table: AliasTable) -> None:
    text = "Apixaban is not recommended for patients with prosthetic heart valves because its safety and efficacy have not been studied in them."
    frame = analyse(question, table).frame
    found = sweep(frame, ["apixaban"], table, FakeSearch([passage(1, text)]), question=question)
    assert [(f.partner, f.relation) for f in found] == [("mechanical heart valve", "avoid")]



def test_clinicians_shorthand_is_no_patient_trait(table: AliasTable) -> None:
    question = "Quick one: 67F on Biaxin, thinking about Colcrys. Med list otherwise clear. Any red flags, reasonable to prescribe?"
    traits = question_traits(question, analyse(question, table).frame, table)
    assert not {"quick", "thinking", "list", "flags", "reasonable", "prescribe"} & set(traits)


@pytest.mark.parametrize(
    "text",
    [
        CYP3A4_CONTRAINDICATION,
        NSAID_HFREF,
        CLARITHROMYCIN_CAUTION,
        "Apixaban is not recommended for patients with prosthetic heart valves.",
        "With a strong CYP3A4 inhibitor, colchicine prophylaxis of 0.6 mg twice daily becomes 0.3 mg once daily.",
        "Clarithromycin raises colchicine levels.",
        "Azathioprine can cause fetal harm if it is used in pregnancy.",
    ],
)
def test_the_cheap_first_test_keeps_every_kind_of_danger_sentence(text: str, table: AliasTable) -> None:
    """A sentence is tagged only when some cue of a danger relation is in it; that test must never
    drop a sentence the tagger would read a danger from."""
    from curbside.qa.sweep import _may_state_a_danger

    assert _may_state_a_danger(text)
    claim = tag(text, table)
    assert danger_relation(claim, text) is not None or claim.relations & {"adverse", "dose"}
    assert not _may_state_a_danger("Colchicine tablets are used for gout flares in adults.")
