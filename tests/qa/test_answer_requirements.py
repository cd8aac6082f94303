"""What an answer must contain to count as one (issue 15's abstention, issue 16's plan), on the
bundled corpus with the real packaged model: a wh-question for a dose is answered by a number;
an interaction is any statement naming both drugs and what one does to the other; a limitation of
use for another purpose decides nothing; a device or test is grounded by its name like a drug."""

from __future__ import annotations

import pytest

from curbside.ingest.vocabulary import classes_of

pytestmark = pytest.mark.integration


def test_a_dose_question_without_a_stated_number_is_partial(bundled_pipeline) -> None:
    """The library says to give daily TMP-SMX for PJP prophylaxis after a transplant but never the
    milligrams: "what dose?" is not answered by the recommendation to give it."""
    a = bundled_pipeline.ask("What Bactrim dose for PJP prophylaxis after a kidney transplant?")
    assert a.abstained and a.coverage == "partial", a.bottom_line
    assert "does not state" in (a.abstention_reason or "")
    assert "dose" in (a.abstention_reason or "")


def test_a_dose_question_with_a_stated_number_keeps_its_number(bundled_pipeline) -> None:
    a = bundled_pipeline.ask("Colcrys dosing for an acute flare?")
    assert not a.abstained and a.bottom_line is not None
    assert any(ch.isdigit() for ch in a.bottom_line.text), a.bottom_line.text


def test_both_drugs_and_an_effect_is_an_interaction(bundled_pipeline) -> None:
    """The azathioprine label names TMP-SMX as adding to its myelosuppression, with no interaction
    verb: that answers "can I add Bactrim on Imuran?" rather than a refusal."""
    a = bundled_pipeline.ask("Can I add Bactrim for someone on Imuran?")
    assert not a.abstained, a.abstention_reason
    assert a.bottom_line is not None and "myelosuppression" in a.bottom_line.text.lower()
    assert a.decision in ("no", "conditional")


def test_a_limitation_of_another_use_does_not_decide(bundled_pipeline) -> None:
    """"Colchicine should not be used to treat pain from other causes" is no answer to whether it
    can continue with azithromycin, where the library states no dose change is needed ..."""
    a = bundled_pipeline.ask("Is it fine to keep her colchicine going while she takes a Z-pack?")
    assert a.decision == "yes", a.decision_text
    cited = " ".join(c.quote for c in a.decision_citations).lower()
    assert "analgesic" not in cited


def test_a_limitation_of_the_asked_use_decides(bundled_pipeline) -> None:
    """... but it answers the question about that use."""
    a = bundled_pipeline.ask("Patient wants to take his leftover colchicine for back pain. Reasonable?")
    assert a.decision == "no", a.decision_text


def test_a_biologic_is_a_biologic() -> None:
    """Screening before "a biologic agent" applies to adalimumab and anakinra (FDA EPC: cytokine
    blockers), not to a JAK inhibitor or a small-molecule immunosuppressant."""
    assert "biologic" in classes_of("adalimumab")
    assert "biologic" in classes_of("anakinra")
    assert "biologic" not in classes_of("tofacitinib")
    assert "biologic" not in classes_of("tacrolimus")


def test_screening_before_a_tnf_inhibitor_is_answered_from_the_biologics_guideline(bundled_pipeline) -> None:
    a = bundled_pipeline.ask("Screening before starting Humira for RA?")
    assert not a.abstained, a.abstention_reason
    text = " ".join(s.text for s in a.statements()).lower()
    assert "tuberculosis" in text or "tst" in text or "igra" in text


def test_a_device_is_grounded_by_its_name(bundled_pipeline) -> None:
    """Compression stockings are no drug; the library's statement about them answers."""
    a = bundled_pipeline.ask("Compression stockings to prevent post-thrombotic syndrome after a DVT?")
    assert not a.abstained, a.abstention_reason
    assert a.bottom_line is not None and "compression stockings" in a.bottom_line.text.lower()


def test_a_statement_denying_what_is_asked_answers_no(bundled_pipeline) -> None:
    """A recommendation "without the need to calculate risk" answers "do I need a risk calculator?"
    with no, though the sentence itself recommends something."""
    a = bundled_pipeline.ask("LDL 195 in a 35-year-old. Do I need a risk calculator first?")
    assert a.decision == "no", a.decision_text
    b = bundled_pipeline.ask("Does the average-risk colon screening schedule apply to my ulcerative colitis patient?")
    assert b.decision == "no", b.decision_text


def test_denial_stays_inside_the_negations_clause() -> None:
    from curbside.qa.compose import _denies
    from curbside.qa.retrieval import stems

    asked = frozenset(stems("apply ulcerative colitis schedule"))
    assert _denies("The recommendation does not apply to people with inflammatory bowel disease.", asked)
    assert not _denies("The schedule applies to adults who are not at high risk.", asked)
    gout = frozenset(stems("safe start gout"))
    assert not _denies("Gout is not an FDA-approved indication for anakinra, so its use for gout is off-label.", gout)
    assert not _denies("No dose change is needed, and the schedule applies.", frozenset(stems("apply")))


def test_whether_it_causes_is_not_made_conditional_by_precautions(bundled_pipeline) -> None:
    """"Does tacrolimus cause diabetes?" -- the label says it can: yes, whatever else it advises."""
    a = bundled_pipeline.ask("Does tacrolimus cause diabetes after transplant?")
    assert a.decision == "yes", a.decision_text


def test_a_guideline_not_suggesting_it_answers_no(bundled_pipeline) -> None:
    a = bundled_pipeline.ask("Compression stockings to prevent post-thrombotic syndrome after a DVT?")
    assert a.decision == "no", a.decision_text


def test_a_follow_ups_population_is_held_to(bundled_pipeline) -> None:
    """After "Kidney transplant patient on CellCept just had her baby.", "Can she breastfeed on it?"
    asks about lactation; a statement about mycophenolate in general does not answer it."""
    a = bundled_pipeline.ask("Can she breastfeed on it?", history=["Kidney transplant patient on CellCept just had her baby."])
    assert a.coverage != "full", a.bottom_line


def test_with_no_patient_described_no_statement_is_off_patient(bundled_pipeline) -> None:
    """A statement about hypertension is off a patient said to have only gout, but a question naming
    no patient ("What blood pressure does this report count as controlled?") has no one to be off:
    the definitions it asks for concern hypertension and must be able to lead."""
    import numpy as np

    from curbside.qa.claims import tag
    from curbside.qa.compose import ExtractiveComposer, _Item
    from curbside.qa.types import QuestionFrame

    composer = bundled_pipeline.composer
    assert isinstance(composer, ExtractiveComposer)
    text = "Among those with hypertension, control is defined as systolic blood pressure below 130 mm Hg."
    item = _Item(None, None, tag(text, composer.table), 0.6, np.zeros(3))  # type: ignore[arg-type]
    assert not composer._off_patient(item, QuestionFrame(intent="other", asked_attribute="first-line choice"))
    assert composer._off_patient(item, QuestionFrame(intent="safety", asked_attribute="safety", conditions=["gout"]))


def test_a_source_that_leaves_the_patient_out_does_not_answer_for_them(bundled_pipeline) -> None:
    """The cholesterol guideline digest says it leaves out adults older than 75: statin primary
    prevention for an 82-year-old is not stated, and the answer quotes the source's own scope."""
    a = bundled_pipeline.ask("Statin for primary prevention in a healthy 82-year-old?")
    assert a.coverage == "partial", a.bottom_line
    assert "older than 75" in (a.abstention_reason or "")
    b = bundled_pipeline.ask("50-year-old diabetic, LDL 110. Statin intensity?")
    assert b.coverage == "full", b.abstention_reason


def test_scope_statements_are_read_from_the_whole_document(bundled_pipeline) -> None:
    composer = bundled_pipeline.composer
    doc = next(d for d in bundled_pipeline.index.store.documents() if d.path.endswith("cholesterol-aha-acc-2018.md"))
    assert any("leaves out" in st for st in composer._scope_statements(doc))


def test_a_negation_describing_patients_or_a_comparator_denies_nothing() -> None:
    from curbside.qa.compose import _denies
    from curbside.qa.retrieval import stems

    mouth = frozenset(stems("kenalog shot nil by mouth"))
    assert not _denies("For a patient who cannot take medicines by mouth, the ACR strongly recommends a glucocorticoid.", mouth)
    recur = frozenset(stems("reduce recurrence unprovoked"))
    assert not _denies("After unprovoked PE, aspirin is suggested over no aspirin to reduce recurrent VTE.", recur)
    assert _denies("Aspirin does not reduce recurrence after unprovoked PE.", recur)
    appropriate = frozenset(stems("steroid courses appropriate canakinumab"))
    assert not _denies("It is restricted to adults for whom NSAIDs and colchicine are contraindicated or not appropriate.", appropriate)


def test_albuterol_is_a_saba() -> None:
    """GINA speaks of SABAs; albuterol is one (FDA EPC beta2-adrenergic agonist, less the long-acting)."""
    assert "saba" in classes_of("albuterol")
    assert "saba" not in classes_of("formoterol")


def test_the_warning_about_the_patients_own_drug_leads_over_a_general_one(bundled_pipeline) -> None:
    """Several statements forbid a live vaccine here: the cyclosporine label's (the drug the patient
    takes) answers this patient; the guideline's general "contraindicated in transplant recipients"
    is a risk beside it. Among decisive warnings the one that best answers the question leads."""
    a = bundled_pipeline.ask("Patient on Sandimmune wants the yellow fever vaccine before travel. OK?")
    assert a.bottom_line is not None and "cyclosporine" in a.bottom_line.text.lower(), a.bottom_line
    assert a.decision == "no"


def test_a_label_sentence_naming_no_drug_is_about_the_drug_its_heading_names(bundled_pipeline) -> None:
    """Under the metformin label's Dosing heading, "The immediate-release dose can be raised ... up
    to a maximum of 2,550 mg per day" names no drug; it is about metformin all the same, and "max"
    is the label's "maximum"."""
    a = bundled_pipeline.ask("Max daily dose of immediate-release metformin?")
    assert a.bottom_line is not None and "2,550 mg" in a.bottom_line.text, a.bottom_line


def test_a_goal_is_answered_by_the_goal_the_sources_set_for_its_therapy(bundled_pipeline) -> None:
    """"BSR serum urate goal?" reads as a target of urate-lowering therapy; the BSR digest's "The BSR
    treat-to-target goal is a serum uric acid of 300 umol/L" names no drug and is the answer."""
    a = bundled_pipeline.ask("BSR serum urate goal?")
    assert a.bottom_line is not None and "300" in a.bottom_line.text, a.bottom_line


def test_a_recommendation_above_a_kidney_function_is_no_yes_below_it(bundled_pipeline) -> None:
    """The heart-failure guideline recommends an MRA "when the eGFR is above 30": for a patient
    at eGFR 22 that recommends nothing, so the verdict is no, and says why."""
    a = bundled_pipeline.ask("HFrEF with NYHA II symptoms and an eGFR of 22. Start eplerenone?")
    assert a.decision == "no", (a.decision, a.decision_text, a.bottom_line)
    assert "kidney function" in (a.decision_text or "")


def test_what_a_trial_set_out_to_do_is_not_its_finding(bundled_pipeline) -> None:
    """"SPRINT asked whether aiming below 120 ..." says what the trial was for; a question about how
    SPRINT measured blood pressure is answered by the sentence that says how."""
    a = bundled_pipeline.ask("In SPRINT, how was blood pressure actually measured?")
    assert a.bottom_line is not None and "automated" in a.bottom_line.text, a.bottom_line


def test_a_vaccine_for_someone_close_to_the_patient_is_answered_for_the_contact(bundled_pipeline) -> None:
    """A granddaughter's MMR is not given to the transplant recipient: the recipient's live-vaccine
    contraindication does not decide it; what the sources say of household contacts does."""
    a = bundled_pipeline.ask("Can the grandchildren of my kidney transplant patient have the MMR vaccine?")
    assert a.bottom_line is not None and "household" in a.bottom_line.text.lower(), a.bottom_line
    assert a.decision != "no", a.decision_text


def test_a_question_for_a_magnitude_is_answered_by_a_figure(bundled_pipeline) -> None:
    """"How large was ..." asks for a figure: CARES's 4.3% against 3.2% answers it, a sentence that
    only says the trials differed does not."""
    a = bundled_pipeline.ask("How large was the excess of cardiovascular deaths on febuxostat compared with allopurinol in CARES?")
    assert a.bottom_line is not None and any(ch.isdigit() for ch in a.bottom_line.text), a.bottom_line


def test_a_warning_for_patients_who_reacted_is_a_no_for_a_patient_who_did(bundled_pipeline) -> None:
    """"A patient who has had a severe reaction to allopurinol should not be restarted" is scoped to
    patients who reacted; this patient did, so it leads and is a no, not a precondition (it was
    neither retrieved nor read so: the answer said "Yes: the library supports allopurinol")."""
    a = bundled_pipeline.ask("History of DRESS with allopurinol. Can I try it again at a low dose?")
    assert a.decision == "no", (a.decision, a.decision_text, a.bottom_line)
    assert a.bottom_line is not None and "reaction" in a.bottom_line.text, a.bottom_line


def test_a_contacts_vaccine_is_not_refused_by_the_patients_own_warnings(bundled_pipeline) -> None:
    """The bottom line says household members may have live vaccines; the verdict must not then say
    no from the recipient's own "avoid live vaccines on sirolimus" (it did: answer and verdict
    contradicted each other)."""
    a = bundled_pipeline.ask("Her granddaughter is getting the chickenpox vaccine; she's on sirolimus after a liver transplant. Any issue?")
    assert a.bottom_line is not None and "household" in a.bottom_line.text.lower(), a.bottom_line
    assert a.decision != "no", a.decision_text
