"""What "yes" means in a yes/no question (issue 16's verdict): start it, stop it, or "is it so?".

Regression: every yes/no question was read as "should I give it?". "Flare a month into Uloric,
should I stop it?" got "Yes: the library supports febuxostat here" from the label's "need not be
stopped" (the literal answer is no); "is an allergy to E. coli-derived proteins a contraindication to
Kineret?" got "No: the library contraindicates anakinra" (the literal answer is yes). On the second
author's clinician-style set (clinician2) half A, decision accuracy was 0.413 before this reading.
"""

from __future__ import annotations

import pytest

from curbside.qa.polarity import yes_no_polarity


@pytest.mark.parametrize(
    ("question", "polarity"),
    [
        ("flare 1 month into Uloric. should I stop it?", "stop"),
        ("admitted with sepsis - hold her Jardiance?", "stop"),
        ("Asthma well controlled for 3 months on ICS. Can she stop the inhaler?", "stop"),
        # stopping in the story or in a wh-question is not the ask
        ("Is aspirin OK to reduce recurrence in a 63-year-old who had an unprovoked PE and is stopping anticoagulation?", "do"),
        ("How long do I hold Eliquis before a hip replacement?", "do"),
        ("Does a 5-day prednisone burst mean I should hold off on MMR?", "do"),
        ("kidney tx on cyclosporine, flaring - does CsA really raise colchicine levels?", "exists"),
        ("onc pt on cyclophosphamide, needs allopurinol - interaction?", "exists"),
        ("is an allergy to E. coli-derived proteins a contraindication to Kineret?", "exists"),
        ("Can Neoral cause gout?", "exists"),
        # a contraindication named in the story is not what is asked
        ("71-year-old in whom NSAIDs and colchicine are contraindicated: is canakinumab for a gout flare safe?", "do"),
        ("needs a z-pack for bronchitis, already on colchicine for gout. reduce colchicine?", "adjust"),
        ("Can I lower the allopurinol dose?", "adjust"),
        ("Is it safe to start anakinra in a patient with gout who is already on tacrolimus (FK506) and Cellcept?", "do"),
        ("Can I give Bactrim?", "do"),
        ("do the SPRINT results apply to my diabetic pt?", "applies"),
        ("Muscle aches on simvastatin - give up on LDL lowering?", "stop"),
        # "is that a problem?" asks whether a harm exists; a person as subject asks what they may do
        ("Lansoprazole together with mycophenolate: a problem?", "problem"),
        ("Clarithromycin in a patient on simvastatin - any concern?", "problem"),
        ("I'm considering Otezla for her psoriasis. Any issues?", "problem"),
        ("Can it raise her INR?", "exists"),
        ("Mom on tacrolimus; the baby had oral polio vaccine. Can she change his nappies?", "do"),
        ("Is there a problem with giving the second dose early?", "do"),
        # keeping a drug the patient takes is "should I stop it?" turned round; staying on a dose asks the dose
        ("Adding basal insulin for his type 2 diabetes — can he stay on metformin?", "keep"),
        ("Patient on allopurinol for years has a flare. Can he keep taking it?", "keep"),
        ("Is it OK to continue Zestril in a CKD patient whose creatinine rose 15%?", "keep"),
        ("Should I continue the prophylaxis?", "keep"),
        ("unprovoked PE, continuing Eliquis past 3 months - stay on full dose?", "do"),
        ("Flare a month into Uloric, should I stop it?", "stop"),
        ("Can I start metformin?", "do"),
    ],
)
def test_yes_no_polarity(question: str, polarity: str) -> None:
    assert yes_no_polarity(question) == polarity


def test_need_not_be_stopped_answers_should_i_stop_it_no(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("Gout flare one month into Uloric. Should I stop it?")
    assert answer.decision == "no", answer.decision_text
    cited = " ".join(bundled_pipeline_text(bundled_pipeline, answer))
    assert "need not be stopped" in cited


def test_a_stated_contraindication_answers_is_it_a_contraindication_yes(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("Is an allergy to E. coli-derived proteins a contraindication to Kineret?")
    assert answer.decision == "yes", answer.decision_text
    assert answer.bottom_line is not None and "contraindicated" in answer.bottom_line.text


def test_a_stated_interaction_answers_interaction_question_yes(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("Kidney transplant on cyclosporine, flaring. Does CsA really raise colchicine levels?")
    assert answer.decision == "yes", answer.decision_text


def test_alone_or_combined_avoidance_answers_for_the_drug_alone(bundled_pipeline) -> None:
    """"Aspirin, alone or combined with clopidogrel, is not recommended ..." is about aspirin alone
    too; it had been set aside as an interaction with a drug the patient is not on, and a febuxostat
    sentence led the answer to an atrial-fibrillation question."""
    answer = bundled_pipeline.ask("80 yo with AF refuses a DOAC. Is aspirin a reasonable substitute?")
    assert answer.bottom_line is not None
    assert "aspirin" in answer.bottom_line.text.lower() and "atrial fibrillation" in answer.bottom_line.text.lower()
    assert answer.decision == "no", answer.decision_text


def bundled_pipeline_text(pipeline, answer) -> list[str]:
    """The texts of the verdict's cited statements."""
    return [st.text for st in [answer.bottom_line, *(s for sec in answer.sections for s in sec.statements)] if st is not None]


def test_a_stop_question_is_answered_by_what_the_library_says_of_stopping(bundled_pipeline) -> None:
    """"Admitted with sepsis - hold her Jardiance?" led with "Genital infections were more common
    with empagliflozin" (the closest sentence); the guideline's word on withholding answers it."""
    answer = bundled_pipeline.ask("Admitted with sepsis - hold her Jardiance?")
    assert answer.bottom_line is not None and "withholding" in answer.bottom_line.text.lower()
    assert answer.decision == "yes", answer.decision_text


def test_a_verdict_always_comes_with_its_bottom_line(bundled_pipeline) -> None:
    """The group asked about (older adults) had no answering statement, so the plan chose no bottom
    line while the sweep's avoidance for atrial fibrillation made the verdict: a verdict with nothing
    above it. The avoidance leads."""
    answer = bundled_pipeline.ask("Elderly afib pt, family prefers aspirin over a blood thinner - reasonable?")
    assert answer.decision == "no"
    assert answer.bottom_line is not None and "not recommended" in answer.bottom_line.text


def test_a_sentence_pointing_elsewhere_does_not_lead(bundled_pipeline) -> None:
    """"These four drug classes are recommended ..." names none of them; the sentence that does leads."""
    answer = bundled_pipeline.ask("New HFrEF - what are the core drug classes?")
    assert answer.bottom_line is not None
    assert not answer.bottom_line.text.startswith("These")
    assert "SGLT2" in answer.bottom_line.text or "beta-blocker" in answer.bottom_line.text.lower()


def test_does_it_apply_to_my_patient_is_answered_by_whom_the_source_left_out(bundled_pipeline) -> None:
    """"Does the FAST reassurance apply to my patient with severe heart failure?" was "Conditional:
    febuxostat only with the precautions the library states"; FAST excluded severe heart failure."""
    answer = bundled_pipeline.ask("Does the FAST reassurance about febuxostat apply to my patient with severe heart failure?")
    assert answer.decision == "no", answer.decision_text
    assert answer.bottom_line is not None and "excluded" in answer.bottom_line.text
    sprint = bundled_pipeline.ask("Do the SPRINT results apply to my diabetic patient?")
    assert sprint.bottom_line is not None and "diabetes" in sprint.bottom_line.text
    assert sprint.decision == "no", sprint.decision_text
    # the source asked about answers, not another guideline's "the same target applies to adults with diabetes"
    target = bundled_pipeline.ask("Does the SPRINT systolic under 120 apply to my diabetic patient?")
    assert target.bottom_line is not None and "SPRINT" in target.bottom_line.text
    assert target.decision == "no", target.decision_text


def test_a_studys_finding_asked_as_did_it_raise_keeps_the_disagreement_reading(bundled_pipeline) -> None:
    """"Did febuxostat raise cardiovascular death?" asks whether an effect exists, but what studies
    found is read study by study: CARES and FAST disagree, and the answer says so."""
    answer = bundled_pipeline.ask("Did febuxostat raise cardiovascular death compared with allopurinol?")
    assert any(n.startswith("The cited sources disagree") for n in answer.evidence_notes), answer.evidence_notes


def test_the_drug_a_stop_question_names_by_pronoun_is_the_intervention(bundled_pipeline) -> None:
    """"Already on allopurinol and now flaring. Hold it til the flare settles?" had no intervention
    (allopurinol was only a current medication), so nothing about allopurinol was looked up."""
    answer = bundled_pipeline.ask("Already on allopurinol and now flaring. Hold it til the flare settles?")
    assert answer.analysis is not None
    assert answer.analysis.frame.intervention == "allopurinol"
    assert answer.analysis.frame.current_medications == []


def test_a_denied_effect_is_not_advice_against_the_drug(bundled_pipeline) -> None:
    """"Does azithromycin raise colchicine levels?" -- "Azithromycin did not raise colchicine exposure
    ...": the verdict is no, and it had read "No: the library advises against azithromycin here"."""
    answer = bundled_pipeline.ask("Does azithromycin raise colchicine levels?")
    assert answer.decision == "no", answer.decision_text
    assert answer.decision_text is not None and "advises against" not in answer.decision_text


def test_whether_a_drug_helps_is_answered_no_by_a_recommendation_against_it(bundled_pipeline) -> None:
    """A benefit question is not an "exists" question: the ACR's recommendation against vitamin C
    for gout answers "Does vitamin C help gout?" no (read as a stated effect it was a yes)."""
    assert yes_no_polarity("Does vitamin C help gout?") == "do"
    answer = bundled_pipeline.ask("Does vitamin C help gout?")
    assert answer.decision == "no", answer.decision_text


def test_a_stated_harm_answers_is_it_a_problem_yes(bundled_pipeline) -> None:
    """ "Is it a problem?" is "is it fine?" turned round: the harm the library states is a yes."""
    answer = bundled_pipeline.ask("Patient on cyclosporine needs a statin. Simvastatin with it a concern?")
    assert answer.decision == "yes", answer.decision_text
    assert answer.decision_citations
    cited = " ".join(bundled_pipeline_text(bundled_pipeline, answer))
    assert "myotoxicity" in cited or "rhabdomyolysis" in cited
