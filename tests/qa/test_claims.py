"""Sentence claims (issues 16, 19): what a citable sentence says, about which drug, for whom.

The claim decides whether a sentence is a contraindication, an avoidance, a dose change or a
recommendation, and which patients it covers. A clinician reading the sentence would agree with
each assertion below; the sentences are written in ordinary label and guideline style.
"""

from __future__ import annotations

import pytest

from curbside.qa.aliases import AliasTable
from curbside.qa.claims import Claim, tag


@pytest.fixture(scope="module")
def table() -> AliasTable:
    return AliasTable.bundled()


def claim(text: str, table: AliasTable) -> Claim:
    return tag(text, table)


# --- relations and direction --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Allopurinol should not be given to patients who have had a severe skin reaction to it.",
        "Febuxostat should not be used with azathioprine.",
        "Do not combine colchicine with clarithromycin in patients with renal impairment.",
        "Febuxostat is not recommended in patients with established cardiovascular disease.",
    ],
)
def test_should_not_and_not_recommended_are_avoidance(text: str, table: AliasTable) -> None:
    c = claim(text, table)
    assert "avoid" in c.relations
    assert c.direction == "against"


def test_contraindicated_in_is_a_contraindication(table: AliasTable) -> None:
    c = claim("Anakinra is contraindicated in patients with known hypersensitivity to E. coli-derived proteins.", table)
    assert "contraindication" in c.relations
    assert c.direction == "against"
    assert "anakinra" in c.drugs
    assert c.names(["anakinra"])
    assert not c.names(["colchicine"])


@pytest.mark.parametrize(
    "text",
    [
        "Apixaban is not contraindicated in patients with mild hepatic impairment.",
        "Colchicine is not contraindicated with azithromycin.",
    ],
)
def test_not_contraindicated_is_not_a_contraindication(text: str, table: AliasTable) -> None:
    c = claim(text, table)
    assert "contraindication" not in c.relations
    assert c.direction != "against"


@pytest.mark.parametrize(
    "text",
    [
        "No dose adjustment is needed in patients with mild renal impairment.",
        "Tacrolimus does not require dose adjustment in renal impairment.",
        "The dose need not be adjusted in older adults.",
    ],
)
def test_no_dose_adjustment_is_no_change(text: str, table: AliasTable) -> None:
    c = claim(text, table)
    assert "no_change" in c.relations
    assert "dose_change" not in c.relations
    assert c.direction == "for"


def test_dose_adjustment_is_not_required_is_no_change(table: AliasTable) -> None:
    c = claim("Dose adjustment is not required in patients with mild hepatic impairment.", table)
    assert "no_change" in c.relations
    assert "dose_change" not in c.relations


def test_dose_reduction_is_a_dose_change(table: AliasTable) -> None:
    c = claim("Reduce the dose to 2.5 mg twice daily in patients with a creatinine clearance below 30 mL/min.", table)
    assert "dose_change" in c.relations
    assert "no_change" not in c.relations
    assert "dose" in c.relations
    assert "ckd" in c.populations


def test_dose_of_x_should_be_reduced_is_a_dose_change(table: AliasTable) -> None:
    c = claim("The dose of apixaban should be reduced in patients aged 80 years or older.", table)
    assert "dose_change" in c.relations


def test_conditional_second_line_recommendation_is_not_a_contraindication(table: AliasTable) -> None:
    c = claim("The panel conditionally recommends febuxostat when allopurinol is ineffective or contraindicated.", table)
    assert "contraindication" not in c.relations
    assert "avoid" not in c.relations
    assert "second_line" in c.relations
    assert c.direction == "conditional"
    assert {"febuxostat", "allopurinol"} <= c.drugs


def test_if_not_tolerated_names_a_precondition_not_a_danger(table: AliasTable) -> None:
    c = claim("Prednisone can be used if colchicine and NSAIDs are not tolerated or contraindicated.", table)
    assert "contraindication" not in c.relations
    assert c.direction != "against"


def test_conditionally_recommends_against_is_against(table: AliasTable) -> None:
    c = claim("The panel conditionally recommends against the use of probenecid in patients with a creatinine clearance below 50 mL/min.", table)
    assert "avoid" in c.relations
    assert c.direction == "against"


def test_first_line_recommendation_is_for(table: AliasTable) -> None:
    c = claim("We recommend allopurinol as the first-line urate-lowering therapy.", table)
    assert "first_line" in c.relations
    assert c.direction == "for"


def test_drug_class_named_in_a_sentence_is_tagged(table: AliasTable) -> None:
    c = claim("NSAIDs should be avoided in patients with HFrEF because they worsen heart failure.", table)
    assert "nsaid" in c.classes
    assert "heart failure" in c.conditions
    assert c.direction == "against"


def test_strong_cyp3a4_inhibitors_are_an_interaction_class(table: AliasTable) -> None:
    c = claim("Colchicine is contraindicated in patients with hepatic impairment who are taking strong CYP3A4 inhibitors.", table)
    assert "strong cyp3a4 inhibitor" in c.classes
    assert {"contraindication", "interaction"} <= c.relations
    assert "hepatic impairment" in c.populations


def test_renal_or_hepatic_impairment_covers_both_populations(table: AliasTable) -> None:
    c = claim("Colchicine is contraindicated in patients with renal or hepatic impairment who are taking strong CYP3A4 inhibitors.", table)
    assert {"ckd", "hepatic impairment"} <= c.populations


def test_hedged_statement_is_marked(table: AliasTable) -> None:
    assert claim("Febuxostat may increase cardiovascular mortality.", table).hedged
    assert not claim("Febuxostat increased cardiovascular mortality compared with allopurinol.", table).hedged


# --- renal and age ranges -----------------------------------------------------------------------


def test_creatinine_clearance_below_30_covers_25_not_40(table: AliasTable) -> None:
    c = claim("Colchicine should not be used in patients with a creatinine clearance below 30 mL/min.", table)
    assert c.covers_renal(25) is True
    assert c.covers_renal(40) is False
    assert c.covers_renal(30) is False  # "below 30" excludes 30 itself


def test_egfr_range_covers_its_middle_and_not_beyond(table: AliasTable) -> None:
    c = claim("Start allopurinol at 100 mg daily in patients with an eGFR of 30 to 60 mL/min.", table)
    assert c.covers_renal(45) is True
    assert c.covers_renal(25) is False
    assert c.covers_renal(75) is False


def test_no_renal_range_stated_is_none(table: AliasTable) -> None:
    assert claim("Allopurinol is the first-line urate-lowering therapy.", table).covers_renal(25) is None


def test_adults_aged_40_to_75_do_not_cover_82(table: AliasTable) -> None:
    c = claim("Statin therapy is recommended for adults aged 40 to 75 years with diabetes.", table)
    assert c.covers_age(82) is False
    assert c.covers_age(60) is True
    assert c.covers_age(40) is True
    assert c.covers_age(75) is True


def test_or_older_is_an_open_age_range(table: AliasTable) -> None:
    c = claim("Apixaban is given at 2.5 mg twice daily to patients 80 years or older with a low body weight.", table)
    assert c.covers_age(85) is True
    assert c.covers_age(70) is False
    assert "older adult" in c.populations


def test_no_age_range_stated_is_none(table: AliasTable) -> None:
    assert claim("Colchicine is used for gout flares.", table).covers_age(82) is None


# --- populations --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "population"),
    [
        ("Mycophenolate mofetil use during pregnancy is associated with fetal malformations.", "pregnancy"),
        ("It is not known whether anakinra is excreted in human milk.", "lactation"),
        ("Safety and effectiveness of febuxostat in pediatric patients have not been established.", "child"),
        ("Use colchicine with caution in elderly patients.", "older adult"),
        ("Tacrolimus is used to prevent rejection in kidney transplant recipients.", "transplant"),
    ],
)
def test_population_of_a_statement(text: str, population: str, table: AliasTable) -> None:
    assert population in claim(text, table).populations


# --- phases -------------------------------------------------------------------------------------


def test_extended_phase_dose_is_extended_not_initial(table: AliasTable) -> None:
    c = claim("For extended treatment after at least 6 months, the recommended dose of apixaban is 2.5 mg twice daily.", table)
    assert "dose" in c.relations
    assert "extended" in c.phases
    assert "initial" not in c.phases


def test_first_seven_days_dose_is_initial_not_extended(table: AliasTable) -> None:
    c = claim("The recommended dose of apixaban is 10 mg twice daily for the first 7 days, followed by 5 mg twice daily.", table)
    assert "dose" in c.relations
    assert "initial" in c.phases
    assert "extended" not in c.phases


def test_prophylaxis_dose_is_prophylaxis_not_treatment(table: AliasTable) -> None:
    c = claim("For prophylaxis of gout flares, colchicine 0.6 mg once or twice daily is recommended.", table)
    assert "prophylaxis" in c.phases
    assert "treatment" not in c.phases
    flare = claim("For treatment of a gout flare, colchicine 1.2 mg at the first sign of the flare, followed by 0.6 mg one hour later.", table)
    assert "prophylaxis" not in flare.phases


def test_recurrence_prevention_dose_is_extended(table: AliasTable) -> None:
    c = claim("To reduce the risk of recurrent DVT and PE after at least 6 months of treatment, take apixaban 2.5 mg twice daily.", table)
    assert "extended" in c.phases


def test_tag_is_cached_and_deterministic(table: AliasTable) -> None:
    text = "Avoid live vaccines in patients receiving tofacitinib."
    assert tag(text, table) is tag(text, table)
    c = tag(text, table)
    assert "avoid" in c.relations
    assert "tofacitinib" in c.drugs


# --- negation and scope of "avoid" / "do not" (issue 19) ----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Glucocorticoids given orally or by injection do not depend on kidney clearance and are often the practical choice for gout flares in CKD.",
        "For Black adults with hypertension who do not have heart failure, the guideline favours a thiazide-type diuretic.",
    ],
)
def test_do_not_describing_a_patient_or_a_drug_is_not_avoidance(text: str, table: AliasTable) -> None:
    assert "avoid" not in claim(text, table).relations


def test_do_not_give_is_avoidance(table: AliasTable) -> None:
    assert "avoid" in claim("Do not give live vaccines to transplant recipients.", table).relations


def test_a_stopping_rule_is_a_precaution_not_an_avoidance(table: AliasTable) -> None:
    c = claim("The mineralocorticoid receptor antagonist should be stopped if potassium cannot be kept below 5.5 mEq/L.", table)
    assert "avoid" not in c.relations and "caution" in c.relations
    assert "avoid" in claim("Metformin should be stopped in patients with severe kidney impairment.", table).relations


def test_contraindicated_listed_with_intolerance_describes_who_may_get_it(table: AliasTable) -> None:
    c = claim("Patients had frequent gout flares and were contraindicated for, intolerant of, or unresponsive to NSAIDs and/or colchicine.", table)
    assert "contraindication" not in c.relations and c.direction != "against"


def test_avoiding_an_interaction_is_not_avoiding_a_drug(table: AliasTable) -> None:
    c = claim("Replacing azathioprine with mycophenolate mofetil avoids the allopurinol-azathioprine interaction.", table)
    assert "avoid" not in c.relations
    assert "avoid" in claim("KDIGO suggests avoiding NSAIDs in kidney transplant recipients.", table).relations


def test_adding_to_a_risk_with_another_drug_is_a_harmful_interaction(table: AliasTable) -> None:
    c = claim("Potassium-sparing diuretics and ACE inhibitors add to the risk of hyperkalemia with tacrolimus.", table)
    assert {"interaction", "adverse"} <= c.relations
    c = claim("ACE inhibitors given with azathioprine have been linked to anemia and severe leukopenia.", table)
    assert {"interaction", "adverse"} <= c.relations


def test_a_change_in_a_named_drugs_levels_is_an_exposure_relation(table: AliasTable) -> None:
    assert "exposure" in claim("Strong CYP3A4 inhibitors can greatly raise sirolimus levels.", table).relations
    lowered = claim("Proton pump inhibitors reduce mycophenolic acid exposure.", table)
    assert {"exposure", "interaction"} <= lowered.relations  # what an interaction question asks
    assert "exposure" not in claim("Allopurinol lowers serum urate levels.", table).relations


def test_renal_severity_words_state_a_kidney_function_range(table: AliasTable) -> None:
    severe = claim("EULAR advises avoiding colchicine in patients with severe renal impairment.", table)
    assert severe.covers_renal(25) is True and severe.covers_renal(55) is False
    mild_moderate = claim("In mild or moderate renal impairment, no dose change is needed for colchicine.", table)
    assert mild_moderate.covers_renal(55) is True and mild_moderate.covers_renal(20) is False


def test_a_boxed_warning_that_states_no_harm_is_a_precaution(table: AliasTable) -> None:
    who = claim("The tacrolimus boxed warning states that only physicians experienced in immunosuppressive therapy should prescribe it.", table)
    assert "boxed" not in who.relations and "caution" in who.relations
    harm = claim("The azathioprine boxed warning notes reports of post-transplant lymphoma.", table)
    assert "boxed" in harm.relations


def test_a_complication_or_an_asymptomatic_state_is_not_the_condition(table: AliasTable) -> None:
    """A statement about diabetic ketoacidosis or asymptomatic hyperuricaemia is not about every
    patient with diabetes or gout."""
    assert "type 2 diabetes" not in claim("Metformin is contraindicated in diabetic ketoacidosis.", table).conditions
    assert "gout" not in claim("Allopurinol is not recommended for asymptomatic hyperuricemia.", table).conditions
    assert "type 2 diabetes" in claim("Metformin is first-line in diabetic patients.", table).conditions
    assert "gout" in claim("Allopurinol is recommended for gout with hyperuricemia.", table).conditions


def test_a_negated_exposure_change_is_none(table: AliasTable) -> None:
    c = claim("Azithromycin did not raise colchicine exposure enough to need a colchicine dose change.", table)
    assert "exposure" not in c.relations


def test_a_negation_does_not_reach_into_the_next_clause(table: AliasTable) -> None:
    """"Not bioequivalent and must not be interchanged": the second clause is an avoidance."""
    c = claim("The cyclosporine boxed warning states that Neoral and Sandimmune are not bioequivalent and must not be interchanged.", table)
    assert {"avoid", "boxed"} <= c.relations


def test_not_advised_is_avoidance_and_potentiation_an_interaction(table: AliasTable) -> None:
    assert "avoid" in claim("Live vaccines are not advised during tacrolimus therapy.", table).relations
    c = claim("NSAIDs may potentiate the nephrotoxicity of cyclosporine.", table)
    assert {"interaction", "adverse"} <= c.relations


def test_raising_a_lab_value_is_an_adverse_effect() -> None:
    table = AliasTable.bundled()
    c = tag("Trimethoprim-sulfamethoxazole can raise serum potassium and serum creatinine.", table)
    assert "adverse" in c.relations
    assert "adverse" not in tag("Fluconazole can raise blood concentrations of tacrolimus.", table).relations


def test_a_condition_a_drug_causes_is_its_outcome_not_its_population() -> None:
    table = AliasTable.bundled()
    assert "hyperkalemia" not in tag("Tacrolimus can cause hyperkalemia, so potassium should be monitored.", table).conditions
    assert "hyperkalemia" in tag("In patients with hyperkalemia, spironolactone should be avoided.", table).conditions


def test_guideline_suggesting_against_is_against(table) -> None:
    """GRADE wording: "is not suggested", "we suggest against" are recommendations against."""
    for text in (
        "Routine use of compression stockings to prevent post-thrombotic syndrome is not suggested for patients with acute DVT.",
        "The panel suggests against adding vitamin C for gout.",
    ):
        assert tag(text, table).direction == "against", text


def test_interrupting_or_reducing_is_a_dose_change_and_considered_for_is_a_recommendation(table) -> None:
    text = "If neutropenia develops on mycophenolate, the label advises interrupting or reducing mycophenolate."
    assert "dose_change" in tag(text, table).relations
    assert "recommend" in tag("Roflumilast is considered for patients with FEV1 below 50% predicted.", table).relations
    assert "recommend" not in tag("Roflumilast is considered a second-line agent by some.", table).relations


def test_a_conditional_recommendation_is_not_a_later_line(table) -> None:
    """GRADE's 'conditionally recommends' grades the strength of a recommendation; it places the
    treatment after nothing (the verdict read it as 'Not a first choice')."""
    c = tag("The ACR conditionally recommends topical ice as an add-on to anti-inflammatory treatment of a gout flare.", table)
    assert "second_line" not in c.relations and "recommend" in c.relations
    later = tag("The ACR conditionally recommends an IL-1 inhibitor for a flare when colchicine, NSAIDs and glucocorticoids are ineffective.", table)
    assert "second_line" in later.relations


def test_labelled_for_is_an_indication(table) -> None:
    c = tag("Immediate-release Glucophage is labelled for adults and for children aged 10 years and older.", table)
    assert "indication" in c.relations


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        ("Foscarnet and cidofovir are second-line options for ganciclovir-resistant CMV.", "cytomegalovirus"),
        ("For DVT or PE, apixaban is given twice daily.", "venous thromboembolism"),
        ("In adults with CKD G3, halve the dose.", "chronic kidney disease"),
        ("PJP prophylaxis is given for 6 months.", "pneumocystis"),
    ],
)
def test_a_capitalised_abbreviation_names_its_condition(text: str, condition: str, table: AliasTable) -> None:
    """Documents write "CMV", "DVT", "CKD" in capitals: a sentence using only the abbreviation is
    about the condition as much as one spelling it out."""
    assert condition in claim(text, table).conditions


def test_a_lower_case_short_word_is_not_an_abbreviation(table: AliasTable) -> None:
    assert not claim("The pe teacher had a hit with the cap on.", table).conditions


@pytest.mark.parametrize(
    "text",
    [
        "PJP should not occur while a patient is taking TMP-SMX prophylaxis.",
        "Tacrolimus levels should not change much once the dose is stable.",
    ],
)
def test_should_not_said_of_an_event_avoids_nothing(text: str, table: AliasTable) -> None:
    assert "avoid" not in claim(text, table).relations


def test_should_not_said_of_prescribing_is_avoidance(table: AliasTable) -> None:
    assert "avoid" in claim("Sirolimus should not be used in liver transplant recipients.", table).relations
    assert "avoid" in claim("Transplant recipients should not receive live vaccines.", table).relations


def test_patients_who_have_a_contraindication_is_not_a_contraindication(table: AliasTable) -> None:
    """"An option for patients who have a contraindication to anticoagulation" describes who gets the
    option; read as a contraindication it turned "Anticoagulate?" for an AF patient into a no."""
    claim = tag("Percutaneous left atrial appendage occlusion is an option for patients at moderate-to-high stroke risk "
                "who have a contraindication to long-term oral anticoagulation because of a non-reversible cause.", table)
    assert "contraindication" not in claim.relations
    assert "contraindication" in tag("Apixaban is contraindicated in patients with active pathological bleeding.", table).relations
