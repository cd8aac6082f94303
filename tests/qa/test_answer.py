"""End-to-end answers on the bundled corpus with the real packaged model (issue acceptance)."""

from __future__ import annotations

import asyncio
import re

import pytest

from curbside.qa.render import display_text, to_markdown
from curbside.qa.types import Answer

pytestmark = pytest.mark.integration

ANAKINRA = (
    "Is it safe to start anakinra in a patient with gout who is already on tacrolimus (FK506) and Cellcept?"
)


@pytest.fixture(scope="module")
def anakinra_answer(bundled_pipeline) -> Answer:
    return bundled_pipeline.ask(ANAKINRA)


def _chunk_text(pipeline, chunk_id: str) -> str:
    found = pipeline.index.store.chunk_by_id(chunk_id)
    assert found is not None, chunk_id
    return found[1].text


def test_verdict_comes_first_and_is_cited(anakinra_answer: Answer) -> None:
    """Issue 16: a yes/no-shaped question gets a verdict, with the statements it rests on."""
    a = anakinra_answer
    assert not a.abstained and a.coverage == "full"
    assert a.decision in ("no", "conditional"), a.decision_text  # never a plain yes for this patient
    assert a.decision_text and a.decision_citations
    refs = {r.number for r in a.references}
    assert all(c.ref in refs for c in a.decision_citations)
    markdown = to_markdown(a)
    assert markdown.index(a.decision_text.split(":")[0]) < markdown.index("Bottom line")


def test_bottom_line_is_the_guidelines_place_for_anakinra(anakinra_answer: Answer) -> None:
    """The guideline's order of flare treatments: IL-1 blockade after colchicine, NSAIDs, glucocorticoids."""
    a = anakinra_answer
    assert a.bottom_line is not None and a.bottom_line.citations
    text = a.bottom_line.text.lower()
    assert "anakinra" in text or "il-1" in text
    # IL-1 blockade comes after the standard agents, whether the guideline or the label says so
    assert any(w in text for w in ("glucocorticoid", "colchicine", "standard agents fail", "ineffective"))
    cited = {r.number: r for r in a.references}[a.bottom_line.citations[0].ref]
    assert cited.kind in ("guideline", "drug-label")
    statements = " ".join(s.text for s in a.statements()).lower()
    assert "when colchicine, nsaids and glucocorticoids are ineffective" in statements, "the guideline's order is in the answer"


def test_the_combined_immunosuppression_point_is_made(anakinra_answer: Answer) -> None:
    """Issue 16: adding a third immunosuppressive agent to tacrolimus and mycophenolate raises the
    patient's infection risk; the library says so of combining such drugs, and the answer must too."""
    text = " ".join(s.text.lower() for s in anakinra_answer.statements())
    assert "combining several immunosuppressive drugs" in text and "infection risk" in text


def test_neutrophil_schedule_is_under_monitoring(anakinra_answer: Answer) -> None:
    monitoring = anakinra_answer.section("monitoring")
    assert monitoring is not None
    assert any("neutrophil" in s.text.lower() for s in monitoring.statements)


def test_no_nsaid_offered_and_the_answer_says_why(anakinra_answer: Answer) -> None:
    """Issue 19: the library advises against NSAIDs for a transplant recipient; none is an alternative."""
    alt = anakinra_answer.section("alternatives")
    # what each alternative offers: the agents before its reason ("... because NSAIDs carry risks")
    offered = " ".join(re.split(r"\b(?:because|rather than|instead of|over)\b", s.text.lower())[0] for s in alt.statements) if alt else ""
    assert "nsaid" not in offered
    notes = " ".join(anakinra_answer.evidence_notes).lower()
    assert "not offered as alternatives" in notes and "nsaid" in notes
    risks = anakinra_answer.section("risks")
    assert risks is not None and any("nsaid" in s.text.lower() for s in risks.statements)


def test_nothing_about_drugs_the_patient_is_not_on(anakinra_answer: Answer) -> None:
    """Outside the alternatives, no statement is an interaction with a drug the patient does not take."""
    for section in anakinra_answer.sections:
        if section.name == "alternatives":
            continue
        for st in section.statements:
            assert "cyclosporine" not in st.text.lower(), st.text


def test_references_mix_guideline_and_other_kinds(anakinra_answer: Answer) -> None:
    labels = {r.label for r in anakinra_answer.references}
    assert "Guideline" in labels
    assert labels - {"Guideline"}, labels
    numbers = [r.number for r in anakinra_answer.references]
    assert numbers == list(range(1, len(numbers) + 1))
    for ref in anakinra_answer.references:
        assert ref.title and ref.year


def test_alternatives_are_glucocorticoids(anakinra_answer: Answer) -> None:
    alt = anakinra_answer.section("alternatives")
    assert alt is not None and alt.statements
    text = " ".join(s.text.lower() for s in alt.statements)
    assert "glucocorticoid" in text or "corticosteroid" in text
    # a precaution does not rule an alternative out: only what the library advises against does
    rejected = next((n for n in anakinra_answer.evidence_notes if n.startswith("Not offered as alternatives")), "")
    assert "corticosteroid" not in rejected and "glucocorticoid" not in rejected, rejected


def test_every_citation_span_equals_the_cited_text(bundled_pipeline, anakinra_answer: Answer) -> None:
    refs = {r.number for r in anakinra_answer.references}
    for statement in anakinra_answer.statements():
        for c in statement.citations:
            assert c.ref in refs
            chunk_text = _chunk_text(bundled_pipeline, c.chunk_id)
            assert chunk_text[c.start : c.end] == c.quote
            # no statement cites a passage that lacks it (statement text is whitespace-normalised)
            assert statement.text == display_text(c.quote)


def test_references_are_numbered_by_first_use_and_all_cited(anakinra_answer: Answer) -> None:
    order = []
    for s in anakinra_answer.statements():
        for c in s.citations:
            if c.ref not in order:
                order.append(c.ref)
    assert order == sorted(order)
    assert set(order) == {r.number for r in anakinra_answer.references}


def test_patient_context_is_echoed(anakinra_answer: Answer) -> None:
    ctx = anakinra_answer.patient_context
    assert ctx.medications == ["tacrolimus", "mycophenolate mofetil"]
    assert "gout" in ctx.conditions


def test_answer_json_round_trip(anakinra_answer: Answer) -> None:
    again = Answer.model_validate_json(anakinra_answer.model_dump_json())
    assert again == anakinra_answer
    assert anakinra_answer.settings_hash and anakinra_answer.timings_ms["total_ms"] > 0


@pytest.mark.parametrize(
    "question",
    [
        "What is the recommended dose of lecanemab for early Alzheimer disease?",
        "Is ocrelizumab safe in a patient on tacrolimus?",
        "How should rabies post-exposure prophylaxis be scheduled?",
    ],
)
def test_questions_the_corpus_cannot_answer_abstain(bundled_pipeline, question: str) -> None:
    a = bundled_pipeline.ask(question)
    assert a.abstained, a.bottom_line
    assert a.abstention_reason
    assert a.bottom_line is None and not a.sections and not a.references
    assert a.passages  # closest passages are still shown, for reference only


def test_missing_drug_is_named(bundled_pipeline) -> None:
    a = bundled_pipeline.ask("Is ocrelizumab safe in a patient on tacrolimus?")
    assert a.missing == ["ocrelizumab"]


def test_follow_up_keeps_patient_context(bundled_pipeline) -> None:
    a = bundled_pipeline.ask("What about canakinumab instead?", history=[ANAKINRA])
    assert "tacrolimus" in a.patient_context.medications
    assert "gout" in a.patient_context.conditions
    assert a.analysis is not None and a.analysis.frame.intervention == "canakinumab"
    assert a.analysis.frame.current_medications == ["tacrolimus", "mycophenolate mofetil"]
    assert not a.abstained
    assert "canakinumab" in (a.bottom_line.text.lower() if a.bottom_line else "")


def test_follow_up_colchicine_instead_is_about_colchicine_for_this_patient(bundled_pipeline) -> None:
    """Issue 15: "colchicine instead" replaces the intervention; the bottom line is about colchicine
    for a patient on tacrolimus, not a trial's adverse events."""
    a = bundled_pipeline.ask("What about colchicine instead?", history=[ANAKINRA])
    assert a.analysis is not None and a.analysis.frame.intervention == "colchicine"
    assert not a.abstained and a.bottom_line is not None
    assert "colchicine" in a.bottom_line.text.lower()
    cited = {r.number: r for r in a.references}[a.bottom_line.citations[0].ref]
    assert cited.kind != "research"


def test_follow_up_in_pregnancy_is_grounded_or_says_it_is_not_stated(bundled_pipeline) -> None:
    """Issue 14 H2 / 15: "What about in pregnancy?" asks about anakinra in pregnancy. The corpus says
    nothing of it, so the answer says exactly that instead of quoting another fact."""
    a = bundled_pipeline.ask("What about in pregnancy?", history=[ANAKINRA])
    assert a.analysis is not None and a.analysis.frame.intervention == "anakinra"
    assert a.analysis.frame.asked_attribute == "pregnancy"
    if not a.abstained:
        assert a.bottom_line is not None and "pregnan" in a.bottom_line.text.lower()
    else:
        assert a.coverage == "partial"
        assert "anakinra" in (a.abstention_reason or "") and "pregnancy" in (a.abstention_reason or "")


def test_pregnancy_follow_up_after_allopurinol_is_about_allopurinol(bundled_pipeline) -> None:
    """Issue 14 H2: no "patient context: pregnant" header over allopurinol titration text."""
    a = bundled_pipeline.ask("What about in pregnancy?", history=["Is allopurinol safe in a patient with chronic kidney disease?"])
    assert a.analysis is not None and a.analysis.frame.intervention == "allopurinol"
    if not a.abstained:
        assert all("pregnan" in st.text.lower() for st in [a.bottom_line] if st is not None)
    else:
        assert "allopurinol" in (a.abstention_reason or "")
    alone = bundled_pipeline.ask("What about in pregnancy?")
    assert alone.abstained  # no drug named and no conversation: nothing to answer about


def test_async_variant(bundled_pipeline) -> None:
    a = asyncio.run(bundled_pipeline.aask("Which vaccines should be avoided after a kidney transplant?"))
    assert not a.abstained and a.bottom_line is not None
    assert "vaccin" in " ".join(s.text.lower() for s in a.statements())


def test_a_harm_named_for_this_patient_is_never_a_plain_yes(bundled_pipeline) -> None:
    """The library says TMP-SMX raises potassium and creatinine in transplant recipients on a CNI."""
    a = bundled_pipeline.ask(
        "Is it safe to start trimethoprim-sulfamethoxazole for a UTI in a 71-year-old with a kidney "
        "transplant and a potassium of 5.2 who is maintained on tacrolimus?"
    )
    assert a.decision in ("conditional", "no"), a.decision_text
    cited = " ".join(s.quote for s in a.decision_citations)
    assert cited, "the verdict names the statement it rests on"


def test_a_recommendation_against_answers_does_it_help_with_no(bundled_pipeline) -> None:
    a = bundled_pipeline.ask("Is vitamin C worth adding for gout?")
    assert a.decision == "no", a.decision_text
    assert "against" in a.bottom_line.text


def test_a_dose_of_another_phase_is_never_the_bottom_line(bundled_pipeline) -> None:
    """Issue 19: the prophylaxis dose (2.5 mg twice daily after hip or knee replacement) does not
    answer a question about treating a new clot."""
    a = bundled_pipeline.ask("67-year-old with a fresh DVT: can I just start apixaban 2.5 mg bid?")
    assert a.bottom_line is not None
    text = a.bottom_line.text.lower()
    assert "replacement" not in text and "prevention" not in text, a.bottom_line.text
    assert a.decision != "yes", a.decision_text


@pytest.mark.parametrize(
    ("question", "decision", "bottom"),
    [
        # the label's dose for severe renal impairment, a group the patient is in: give it, at that dose
        ("34-year-old with a CrCl of 22: is Uloric for gout at 80 mg safe?", "conditional", "40 mg"),
        # the regimen for everyone with a new clot: the dose asked is not the one
        ("New proximal DVT diagnosed today. Is apixaban 2.5 mg twice daily the right dose to start?", "no", "10 mg"),
    ],
)
def test_another_dose_for_a_group_the_patient_is_in_makes_the_drug_conditional(bundled_pipeline, question: str, decision: str, bottom: str) -> None:
    a = bundled_pipeline.ask(question)
    assert a.decision == decision, a.decision_text
    assert a.bottom_line is not None and bottom in a.bottom_line.text, a.bottom_line


def test_a_warning_about_a_third_drug_that_lists_both_is_not_the_patients_interaction(bundled_pipeline) -> None:
    """"Colchicine should not be given to patients taking strong inhibitors such as ciclosporin or
    clarithromycin" names the patient's drug and the one asked about as examples of one kind: a
    warning about colchicine. What the library says of clarithromycin with ciclosporin answers."""
    a = bundled_pipeline.ask("My patient is a 41-year-old woman with a kidney transplant on Neoral. Can I start Biaxin for sinusitis?")
    assert a.bottom_line is not None and "colchicine" not in a.bottom_line.text.lower(), a.bottom_line.text
    assert "cyclosporine" in a.bottom_line.text.lower(), a.bottom_line.text
    assert a.decision == "conditional", a.decision_text
    # an avoidance whose list holds only the patient's drug still decides (the case above can fail)
    b = bundled_pipeline.ask("Apixaban for a DVT with carbamazepine — is that OK for a patient with epilepsy?")
    assert b.decision == "no", b.decision_text


def test_a_labelled_dose_for_the_combination_makes_a_guidelines_avoidance_conditional(bundled_pipeline) -> None:
    """EULAR says colchicine "should not be given to patients taking strong ... CYP3A4 inhibitors";
    the colchicine label gives the prophylaxis dose with one. The answer is conditional, cites
    both and says the sources differ. When the label's contraindication holds for this patient
    (kidney impairment as well), it is still a no."""
    a = bundled_pipeline.ask("Is it safe to start Colcrys for gout prophylaxis at 0.6 mg twice daily in a 41-year-old who is taking Noxafil?")
    assert a.decision == "conditional", a.decision_text
    assert a.decision_text and "sources differ" in a.decision_text and "EULAR" in a.decision_text, a.decision_text
    cited = {r.number: r for r in a.references}
    kinds = {cited[c.ref].label for c in a.decision_citations}
    assert kinds == {"Drug label", "Guideline"}, kinds
    b = bundled_pipeline.ask("Colcrys for a gout flare with Biaxin — is that OK for a patient with a CrCl of 25?")
    assert b.decision == "no", b.decision_text
    # a labelled dose of the other drug ("reducing the azathioprine dose") is no dose of this one
    c = bundled_pipeline.ask("Kidney transplant recipient who recently started azathioprine: can he have allopurinol?")
    assert c.decision == "no", c.decision_text


def test_disagreeing_sources_are_said_so_and_ordered_by_standing_and_date(bundled_pipeline) -> None:
    """Issue 16: CARES (2018) found more cardiovascular deaths on febuxostat than on allopurinol,
    FAST (2020) did not; the answer says the sources disagree, lists them by standing and then
    newest first, and gives no plain yes."""
    a = bundled_pipeline.ask("Did febuxostat raise cardiovascular death compared with allopurinol?")
    note = next((n for n in a.evidence_notes if n.startswith("The cited sources disagree")), None)
    assert note is not None, a.evidence_notes
    assert note.index("(2020)") < note.index("(2018)"), "of two studies, the newer comes first"
    assert a.decision != "yes", a.decision_text


def test_sources_that_agree_are_not_called_a_disagreement(bundled_pipeline) -> None:
    """The guidelines all place pegloticase after other urate-lowering drugs: a no, with no note."""
    a = bundled_pipeline.ask("Can I go straight to Krystexxa as the first urate-lowering drug?")
    assert a.decision == "no", a.decision_text
    assert a.analysis is not None and a.analysis.frame.comparator is None  # 'urate-lowering drug' is its role
    assert not any(n.startswith("The cited sources disagree") for n in a.evidence_notes)


def test_a_warning_about_another_patient_group_is_not_the_bottom_line(bundled_pipeline) -> None:
    """KDIGO's 'avoid allopurinol in recipients who take azathioprine' is not about a patient on tacrolimus alone."""
    a = bundled_pipeline.ask(
        "Is it safe to start Zyloprim for recurrent gout in a 47-year-old with a kidney transplant "
        "(no azathioprine) who is on Prograf?"
    )
    assert a.bottom_line is not None and "azathioprine" not in a.bottom_line.text


def test_dialysis_follow_up_to_a_flare_dose_gets_the_dialysis_dose(bundled_pipeline) -> None:
    """'On dialysis' says whom the label's dose is for; it is not another indication than gout."""
    a = bundled_pipeline.ask("And if he's on dialysis?", history=["Colchicine dose for an acute gout flare?"])
    assert a.coverage == "full", a.abstention_reason
    assert a.bottom_line is not None and "0.6 mg" in a.bottom_line.text and "dialysis" in a.bottom_line.text


def test_a_warning_about_the_comparator_is_a_reason_not_a_risk(bundled_pipeline) -> None:
    """'DOACs are not recommended in triple-positive APS' explains choosing warfarin; it is no risk of warfarin."""
    a = bundled_pipeline.ask("Can I start Coumadin rather than a DOAC in a patient with antiphospholipid syndrome and a new DVT?")
    assert a.bottom_line is not None and "warfarin" in a.bottom_line.text.lower()
    assert a.decision != "no", a.decision_text
    risks = a.section("risks")
    assert not risks or not any(s.text.startswith("Direct oral anticoagulants") for s in risks.statements)


def test_an_interaction_listing_the_co_medication_first_still_decides(bundled_pipeline) -> None:
    """'Drugs that strongly induce CYP3A4 and P-gp, such as ... carbamazepine ...' warns of apixaban with carbamazepine."""
    a = bundled_pipeline.ask("Apixaban for a DVT with carbamazepine — is that OK for a patient with epilepsy?")
    assert a.decision == "no", a.decision_text
    assert "carbamazepine" in " ".join(s.text.lower() for s in a.statements())


def test_an_avoidance_for_a_group_the_patient_is_not_said_to_be_in_is_a_precaution(bundled_pipeline) -> None:
    """'Not recommended ... in patients with PE who are haemodynamically unstable' does not make the answer no."""
    a = bundled_pipeline.ask("Can Eliquis be started for a DVT without any heparin lead-in?")
    assert a.decision != "no", a.decision_text
