"""Whether a drug caused what the patient has, and where a statement places the drug asked about.

A clinician relies on these readings:
- "Could that be the warfarin?" after a symptom asks whether warfarin causes it: a label stating
  that warfarin can cause it answers yes (not "only with precautions");
- asked whether a drug comes first ("Krystexxa as the first urate lowerer?"), a statement that
  keeps it for when other drugs fail answers no;
- a later line whose precondition names the drug asked about ("when high-intensity statin therapy
  is not tolerated, moderate-intensity statin therapy is used instead") tries that drug first, so
  it does not put the drug "after other options".
"""

from __future__ import annotations

import pytest

from curbside.qa.aliases import AliasTable
from curbside.qa.query import analyse


@pytest.fixture(scope="module")
def table() -> AliasTable:
    return AliasTable.bundled()


@pytest.mark.parametrize("question", [
    "Started Coumadin 5 weeks ago for AF; now painful purple toes. Could that be the warfarin?",
    "On tacrolimus with a new tremor - could it be the tacrolimus?",
    "New rash ten days into allopurinol - is the allopurinol the culprit?",
])
def test_asking_whether_the_drug_is_the_cause_asks_about_its_adverse_effects(question: str, table: AliasTable) -> None:
    assert analyse(question, table).frame.asked_attribute == "adverse effects"


def test_a_question_about_the_course_of_a_condition_is_not_a_question_of_cause(table: AliasTable) -> None:
    assert analyse("Knee pain again this morning - could this be the start of a flare?", table).frame.asked_attribute != "adverse effects"


def test_a_stated_adverse_effect_answers_whether_the_drug_caused_it(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("Started Coumadin 5 weeks ago for AF; now painful purple toes with good pedal pulses. "
                                  "Could that be the warfarin?")
    assert answer.decision == "yes"
    assert answer.bottom_line is not None and "purple toes" in answer.bottom_line.text


def test_a_drug_kept_for_when_others_fail_is_not_the_first_choice(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("Krystexxa as first urate lowerer for a tophaceous pt?")
    assert answer.decision == "no"
    assert answer.decision_text is not None and "not first" in answer.decision_text


def test_a_later_line_that_tries_the_drug_first_does_not_place_it_second(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("55 yo, CKD with eGFR 50, not on dialysis - statin?")
    assert answer.decision_text is not None and "after other options" not in answer.decision_text
    # and a true later line still reads as one
    later = bundled_pipeline.ask("Is it safe to start anakinra in a patient with gout who is already on tacrolimus (FK506) and Cellcept?")
    assert later.decision_text is not None and later.decision_text.startswith("Not a first choice")


# --- a risk named, a risk a recommendation is conditional on, and the risk of stopping ---------


def test_a_risk_of_a_condition_is_not_the_condition(table: AliasTable) -> None:
    from curbside.qa.frame import find_conditions

    assert find_conditions("Pancreatic cancer with a PE, bleeding risk low - keep going?")[0] == ["venous thromboembolism", "cancer"]
    assert "active bleeding" not in find_conditions("AF with high bleeding risk - apixaban?")[0]
    assert find_conditions("GI bleed last week - restart warfarin?")[0] == ["active bleeding"]
    frame = analyse("Pancreatic cancer with a PE on apixaban, bleeding risk low - keep going?", table).frame
    assert frame.indication != "active bleeding" and "active bleeding" not in frame.conditions


def test_a_low_bleeding_risk_does_not_meet_a_contraindication_for_active_bleeding(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("Pancreatic cancer with a PE treated 3 months with apixaban, bleeding risk low - keep going?")
    assert answer.decision != "no"
    assert answer.decision_text is not None and "active bleeding" not in answer.decision_text


def test_support_conditional_on_a_risk_the_question_does_not_give_is_conditional(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("PE with BP 82/50 for 20 min - thrombolyse?")
    assert answer.decision == "conditional"
    assert answer.decision_text is not None and "when bleeding risk is not high" in answer.decision_text


def test_support_conditional_on_a_low_risk_is_yes_at_low_risk_and_no_support_at_high_risk(bundled_pipeline) -> None:
    low = bundled_pipeline.ask("PE with BP 82/50 for 20 min, bleeding risk low - thrombolyse?")
    assert low.decision == "yes"
    high = bundled_pipeline.ask("PE with BP 82/50 for 20 min, high bleeding risk - thrombolyse?")
    assert high.decision != "yes"  # "suggested when bleeding risk is not high" is not advice for this patient
    assert high.bottom_line is None or "when bleeding risk is not high" not in high.bottom_line.text


def test_a_warning_that_stopping_early_raises_a_risk_advises_keeping_the_drug_going(table: AliasTable) -> None:
    from curbside.qa.claims import tag

    claim = tag("Stopping apixaban early, without another anticoagulant, raises the risk of thrombotic events such as stroke.", table)
    assert "continue" in claim.relations and claim.direction == "for"
    assert tag("Premature discontinuation of any oral anticoagulant increases the risk of thrombotic events.", table).direction == "for"
    assert "continue" not in tag("Apixaban should be stopped at least 48 hours before surgery with a high bleeding risk.", table).relations


def test_not_approved_is_no_approval(table: AliasTable) -> None:
    from curbside.qa.claims import tag

    assert tag("Anakinra is not FDA-approved for gout.", table).direction == "neutral"
    assert tag("Anakinra is FDA-approved for rheumatoid arthritis.", table).direction == "for"


# --- what is not an age, and what the drug is not given for --------------------------------------


def test_a_ten_year_risk_is_not_an_age() -> None:
    from curbside.qa.frame import find_age

    assert find_age("Would you use Lipitor in someone with prediabetes and a 10-year ASCVD risk of 12%?") is None
    assert find_age("a 10-year cardiovascular event risk of 8%") is None
    assert find_age("a 14-year girl with FMF") == 14
    assert find_age("a 10-year-old with FMF") == 10


def test_a_condition_the_question_does_not_say_is_treated_stays_narrowable(bundled_pipeline) -> None:
    from curbside.qa.frame import stated_indication

    question = "72-year-old with AF and hypertension - start warfarin?"
    assert stated_indication(question) is None
    answer = bundled_pipeline.ask(question)
    # "contraindicated ... with malignant hypertension" is not a contraindication for plain hypertension
    assert answer.decision != "no"
    assert stated_indication("Compression stockings for acute DVT?") == "venous thromboembolism"


def test_hd_in_capitals_is_hemodialysis(table: AliasTable) -> None:
    frame = analyse("gouty HD patient starting allopurinol - what colchicine prophylaxis dose?", table).frame
    assert "dialysis" in frame.population
    assert "dialysis" not in analyse("hd video of the procedure", table).frame.population


# --- boxed warnings that state a harm, drugs kept as they are, and what the patient cannot take -----


def test_a_boxed_warning_stating_a_harm_is_a_precaution_and_one_advising_against_is_a_no(bundled_pipeline) -> None:
    harm = bundled_pipeline.ask("Is Uloric OK for gout in a 58-year-old with a previous myocardial infarction?")
    assert harm.decision == "conditional"
    assert harm.decision_text is not None and "boxed warning" in harm.decision_text
    against = bundled_pipeline.ask("Rapamune for a lung transplant recipient?")
    assert against.decision == "no"


def test_a_drug_the_question_wants_kept_is_taken(table: AliasTable) -> None:
    from curbside.qa.frame import assign_roles

    question = "Could I use Uloric instead so the 6-MP can stay where it is?"
    interventions, current, _comparator, _linked = assign_roles(question, table.find(question))
    assert interventions == ["febuxostat"] and current == ["mercaptopurine"]


def test_a_follow_up_keeping_the_thiopurine_finds_the_contraindication(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask(
        "Could I use Uloric instead so the 6-MP can stay where it is?",
        history=["Crohn's pt maintained on 6-MP 75 mg daily now has tophaceous gout and needs Zyloprim. What do I do with the 6-MP dose?"],
    )
    assert answer.decision == "no"
    assert answer.decision_text is not None and "mercaptopurine" in answer.decision_text


@pytest.mark.parametrize(("question", "ruled"), [
    ("Is prednisolone OK for a gout flare in a 71-year-old who does not tolerate NSAIDs and colchicine?", ["nsaid", "colchicine"]),
    ("Vibramycin with a beta-lactam for CAP with contraindications to both macrolides and fluoroquinolones?", ["macrolide", "fluoroquinolone"]),
])
def test_what_the_patient_does_not_tolerate_or_has_contraindications_to_is_ruled_out(question: str, ruled: list[str], table: AliasTable) -> None:
    assert analyse(question, table).frame.ruled_out == ruled


def test_should_receive_recommends(table: AliasTable) -> None:
    from curbside.qa.claims import tag

    assert tag("Adults with pneumonia who test positive for influenza should receive anti-influenza treatment "
               "such as oseltamivir regardless of how long they have been ill.", table).direction == "for"
    assert tag("Severely immunocompromised patients should not receive live vaccines.", table).direction == "against"


def test_a_recommendation_worded_should_receive_answers_whether_to_give_it(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("CAP + flu positive, sick for 5 days - still give Tamiflu?")
    assert answer.decision == "yes" and answer.coverage == "full"
    assert answer.bottom_line is not None and "regardless of how long" in answer.bottom_line.text


def test_advice_to_switch_away_decides_for_a_patient_on_the_drug_and_cautions_before_starting(bundled_pipeline) -> None:
    from curbside.qa.polarity import yes_no_polarity
    from curbside.qa.sweep import switches_away

    acr = ("The 2020 American College of Rheumatology gout guideline conditionally recommends switching from febuxostat "
           "to another oral urate-lowering therapy, where available, in patients with a history of cardiovascular disease.")
    assert switches_away(acr)
    assert not switches_away("The label advises considering alternative therapy in these patients.")
    assert yes_no_polarity("A gout patient with a previous myocardial infarction is on febuxostat. Should it be continued?") == "keep"
    on_it = bundled_pipeline.ask("A gout patient with a previous myocardial infarction is on febuxostat. Should it be continued?")
    assert on_it.decision == "no"
    starting = bundled_pipeline.ask("Is Uloric OK for gout in a 58-year-old with a previous myocardial infarction?")
    assert starting.decision == "conditional"


def test_the_risk_a_question_names_is_not_a_trait_but_its_level_is_kept() -> None:
    from curbside.qa.sweep import _RISK_NAMED

    assert _RISK_NAMED.sub("", "bleeding risk low") == "risk low"
    assert _RISK_NAMED.sub("", "at high bleeding risk") == "at high risk"
    assert _RISK_NAMED.sub("", "high risk of thromboembolism") == "high risk of thromboembolism"
