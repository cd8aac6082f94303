"""Frame rules added for clinician phrasings the first rules missed (issue 15).

Every question here is worded for this file (not taken from an eval set): each case is one way
clinicians commonly phrase the thing the rule reads, so the rule is tested on a wording it was not
written from. No embedding model is loaded: the frame comes from the bundled alias table alone.
"""

from __future__ import annotations

import pytest

from curbside.qa.aliases import AliasTable
from curbside.qa.query import analyse
from curbside.qa.types import QuestionFrame


@pytest.fixture(scope="module")
def table() -> AliasTable:
    return AliasTable.bundled()


def frame_of(question: str, table: AliasTable) -> QuestionFrame:
    return analyse(question, table).frame


# --- drugs the patient does not take --------------------------------------------------------------


@pytest.mark.parametrize(
    "question, intervention, current, absent",
    [
        ("Kidney transplant patient on tacrolimus (no azathioprine) — can I start allopurinol?", "allopurinol", ["tacrolimus"], "azathioprine"),
        ("On mycophenolate, not on steroids. Is the flu shot OK?", None, ["mycophenolate mofetil"], "corticosteroid"),
        ("Heart failure, off spironolactone since the potassium rose. Can I give ibuprofen?", "ibuprofen", [], "spironolactone"),
    ],
)
def test_a_drug_named_as_not_taken_is_neither_taken_nor_asked(question: str, intervention: str | None, current: list[str], absent: str, table: AliasTable) -> None:
    f = frame_of(question, table)
    if intervention is not None:
        assert f.intervention == intervention, f
    assert f.intervention != absent
    assert absent not in f.current_medications, f
    assert f.current_medications == current, f


def test_a_drug_to_be_stopped_is_what_the_patient_takes(table: AliasTable) -> None:
    f = frame_of("How soon after stopping prednisone can he have the yellow fever vaccine?", table)
    assert f.intervention == "yellow fever vaccine", f
    assert f.current_medications == ["prednisone"], f


def test_an_alternative_to_a_drug_does_not_ask_about_that_drug(table: AliasTable) -> None:
    f = frame_of("Is there an alternative to Bactrim for PJP prophylaxis in someone with a sulfa allergy?", table)
    assert f.intent == "choice" and f.asked_attribute == "alternatives", f
    assert f.intervention is None, f


# --- the drug the asking clause keeps -------------------------------------------------------------


@pytest.mark.parametrize(
    "question, kept, other",
    [
        ("New DVT while on tamoxifen; we're starting apixaban. Should she continue the tamoxifen?", "tamoxifen", "apixaban"),
        ("Starting insulin glargine this week — can she still take her glipizide?", "glipizide", "insulin glargine"),
        ("We just added amiodarone for his AF. Is it OK to keep him on simvastatin?", "simvastatin", "amiodarone"),
    ],
)
def test_the_drug_the_ask_keeps_is_the_intervention(question: str, kept: str, other: str, table: AliasTable) -> None:
    f = frame_of(question, table)
    assert f.intervention == kept, f
    assert other in f.current_medications, f


# --- dose adjustments: whose dose changes ---------------------------------------------------------


@pytest.mark.parametrize(
    "question, dosed, cause",
    [
        ("Patient takes tacrolimus 3 mg twice daily and is starting voriconazole — what do I change?", "tacrolimus", "voriconazole"),
        ("She is on rivaroxaban 20 daily and we need to give her carbamazepine. Any dose change needed?", "rivaroxaban", "carbamazepine"),
    ],
)
def test_the_drug_whose_dose_is_stated_is_the_one_adjusted(question: str, dosed: str, cause: str, table: AliasTable) -> None:
    f = frame_of(question, table)
    assert f.intent == "dose_adjustment", f
    assert f.intervention == dosed, f
    assert cause in f.current_medications, f


def test_adjusting_one_drug_for_another_is_a_dose_adjustment(table: AliasTable) -> None:
    f = frame_of("How should I adjust azathioprine if I start allopurinol?", table)
    assert (f.intent, f.intervention) == ("dose_adjustment", "azathioprine"), f
    assert f.current_medications == ["allopurinol"], f


# --- intent cues ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "Does clarithromycin bump up tacrolimus levels?",
        "Will rifampin knock down apixaban levels?",
        "Can fluconazole push up the sirolimus trough?",
    ],
)
def test_what_one_drug_does_to_anothers_levels_is_an_interaction(question: str, table: AliasTable) -> None:
    f = frame_of(question, table)
    assert f.intent == "interaction", f
    assert len(f.current_medications) == 1 and f.intervention is not None, f


@pytest.mark.parametrize("question", ["What INR range for warfarin with a mechanical aortic valve?", "Therapeutic range for a tacrolimus trough after a liver transplant?"])
def test_a_range_to_keep_a_value_in_is_a_target(question: str, table: AliasTable) -> None:
    assert frame_of(question, table).intent == "target"


@pytest.mark.parametrize(
    "question, first, second",
    [
        ("Is febuxostat safer than allopurinol for the heart?", "febuxostat", "allopurinol"),
        ("Is apixaban gentler than warfarin on the gut?", "apixaban", "warfarin"),
    ],
)
def test_safer_than_compares_two_drugs(question: str, first: str, second: str, table: AliasTable) -> None:
    f = frame_of(question, table)
    assert (f.intent, f.intervention, f.comparator) == ("comparison", first, second), f


@pytest.mark.parametrize(
    "question",
    [
        "Best anticoagulant for a patient with antiphospholipid syndrome?",
        "Preferred statin for someone on cyclosporine?",
        "First-line antihypertensive in a Black patient without CKD?",
    ],
)
def test_a_class_named_as_what_to_choose_asks_for_a_member(question: str, table: AliasTable) -> None:
    f = frame_of(question, table)
    assert f.intent == "choice", f
    assert f.intervention is None, f


def test_starting_a_drug_in_a_risk_group_with_nothing_treated_is_safety(table: AliasTable) -> None:
    f = frame_of("Would you start Xarelto in someone with a CrCl of 12?", table)
    assert (f.intent, f.intervention) == ("safety", "rivaroxaban"), f
    # naming what it treats keeps it an indication question
    g = frame_of("Would you start allopurinol after a first gout flare in CKD 3?", table)
    assert g.intent == "indication", g


# --- asks that fell through to "indication" -------------------------------------------------------


@pytest.mark.parametrize(
    "question, drug",
    [
        ("Allopurinol in a new gout patient — start at 100?", "allopurinol"),
        ("Febuxostat 40 or 80 to start?", "febuxostat"),
        ("How is Krystexxa given?", "pegloticase"),
        ("Metformin: take it with meals or on an empty stomach?", "metformin"),
        ("Dapsone regimen for PJP prophylaxis?", "dapsone"),
        ("Colchicine for an acute flare — what's the regimen?", "colchicine"),
    ],
)
def test_administration_and_regimen_questions_ask_for_the_dose(question: str, drug: str, table: AliasTable) -> None:
    f = frame_of(question, table)
    assert (f.intent, f.intervention) == ("dose", drug), f


def test_a_regimen_for_a_condition_with_no_drug_asks_what_to_give(table: AliasTable) -> None:
    f = frame_of("What's the regimen for CAP in a smoker?", table)
    assert (f.intent, f.intervention) == ("choice", None), f


@pytest.mark.parametrize(
    "question, drug",
    [
        ("Nitrofurantoin for pyelonephritis?", "nitrofurantoin"),
        ("Outpatient CAP, no comorbidities: amoxicillin?", "amoxicillin"),
        ("Uncomplicated cystitis in a healthy 30-year-old woman. Antibiotic?", None),
    ],
)
def test_an_antimicrobial_named_for_an_infection_asks_whether_it_is_the_pick(question: str, drug: str | None, table: AliasTable) -> None:
    f = frame_of(question, table)
    assert (f.intent, f.asked_attribute, f.intervention) == ("choice", "first-line choice", drug), f


def test_steroids_for_pneumonia_stay_an_indication_question(table: AliasTable) -> None:
    """Not an antimicrobial: whether to add it at all."""
    assert frame_of("Should steroids be added for severe pneumonia?", table).intent == "indication"


def test_where_to_start_asks_for_a_choice(table: AliasTable) -> None:
    f = frame_of("New diagnosis of type 2 diabetes, A1c 7.5 — where do I start?", table)
    assert (f.intent, f.intervention) == ("choice", None), f


@pytest.mark.parametrize(
    "question, drug, current",
    [
        ("When should Shingrix be given relative to starting a JAK inhibitor?", "recombinant zoster vaccine", None),
        ("How long should I wait after rituximab to give the flu vaccine?", "inactivated influenza vaccine", ["rituximab"]),
    ],
)
def test_timing_around_another_treatment_is_other(question: str, drug: str, current: list[str] | None, table: AliasTable) -> None:
    f = frame_of(question, table)
    assert (f.intent, f.asked_attribute, f.intervention) == ("other", "timing", drug), f
    if current is not None:
        assert f.current_medications == current, f


def test_an_hla_test_before_a_drug_is_screening_but_a_positive_result_is_the_patient(table: AliasTable) -> None:
    f = frame_of("Should I get an HLA-B*5801 before allopurinol?", table)
    assert (f.intent, f.asked_attribute, f.intervention) == ("monitoring", "screening", "allopurinol"), f
    g = frame_of("HLA-B*5801 positive. Is allopurinol safe?", table)
    assert g.intent == "safety", g


def test_a_bare_proposal_after_a_story_asks_whether_to_give_it(table: AliasTable) -> None:
    f = frame_of("Asymptomatic hyperuricemia of 9 — start ULT?", table)
    assert (f.intent, f.intervention) == ("indication", "urate-lowering therapy"), f


# --- safety asks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question, drug",
    [
        ("What are the risks of febuxostat in someone with heart disease?", "febuxostat"),
        ("Does tocilizumab mask infection?", "tocilizumab"),
        ("Kineret for a gout flare in someone with neutropenia — go ahead?", "anakinra"),
        ("Can a patient with a mechanical valve be on apixaban?", "apixaban"),
    ],
)
def test_safety_asks(question: str, drug: str, table: AliasTable) -> None:
    f = frame_of(question, table)
    assert (f.intent, f.intervention) == ("safety", drug), f
    assert drug not in f.current_medications


def test_what_are_the_options_is_still_a_choice(table: AliasTable) -> None:
    assert frame_of("What are the options for a flare when colchicine is not tolerated?", table).intent == "choice"


def test_contraindications_of_a_vaccine_are_asked_as_such(table: AliasTable) -> None:
    f = frame_of("Any contraindication to giving Shingrix after a kidney transplant?", table)
    assert (f.intent, f.intervention) == ("contraindication", "recombinant zoster vaccine"), f


# --- a choice between named options ---------------------------------------------------------------


@pytest.mark.parametrize(
    "question, options",
    [
        ("Pregnant with a new DVT: warfarin or heparin?", ["warfarin", "heparin"]),
        ("Flare in CKD 4 — prednisone or colchicine?", ["prednisone", "colchicine"]),
        ("Gout flare on tacrolimus: colchicine, prednisone or anakinra?", ["colchicine", "prednisone", "anakinra"]),
        ("Atrial fibrillation with eGFR 25 — apixaban or warfarin for her?", ["apixaban", "warfarin"]),
    ],
)
def test_a_choice_between_named_options_keeps_every_option(question: str, options: list[str], table: AliasTable) -> None:
    f = frame_of(question, table)
    assert f.intent == "choice", f
    # which option is the question: the intervention stays unset (the frame convention of
    # evals/sets/README.md), and the options are kept so the answer can check each of them
    assert f.intervention is None and f.comparator is None, f
    assert f.options == options, f
    assert not set(options) & set(f.current_medications), f


def test_options_the_patient_cannot_take_are_not_offered(table: AliasTable) -> None:
    f = frame_of("Flare in a man who can't take NSAIDs or colchicine. Anakinra?", table)
    assert f.options == [], f
    assert f.intervention == "anakinra", f


def test_a_comparison_of_two_named_drugs_is_not_a_list_of_options(table: AliasTable) -> None:
    f = frame_of("Is apixaban safer than warfarin in the elderly?", table)
    assert (f.intent, f.intervention, f.comparator, f.options) == ("comparison", "apixaban", "warfarin", []), f


# --- a target that belongs to one therapy ---------------------------------------------------------


@pytest.mark.parametrize(
    "question, therapy",
    [
        ("Serum urate goal for a man with tophi?", "urate-lowering therapy"),
        ("Where should I keep the uric acid once he has had three flares?", "urate-lowering therapy"),
        ("What INR should I aim for with a mechanical mitral valve?", "warfarin"),
    ],
)
def test_a_target_of_one_therapy_names_that_therapy(question: str, therapy: str, table: AliasTable) -> None:
    f = frame_of(question, table)
    assert (f.intent, f.intervention) == ("target", therapy), f


@pytest.mark.parametrize("question", ["How low should the LDL go after a stroke?", "Systolic goal for a 70-year-old diabetic?"])
def test_a_target_of_no_single_therapy_names_none(question: str, table: AliasTable) -> None:
    f = frame_of(question, table)
    assert (f.intent, f.intervention) == ("target", None), f


def test_a_target_asked_for_a_named_drug_keeps_it(table: AliasTable) -> None:
    f = frame_of("What urate should I aim for on febuxostat?", table)
    assert (f.intent, f.intervention) == ("target", "febuxostat"), f


# --- an intervention given to someone close to the patient ----------------------------------------


@pytest.mark.parametrize(
    "question, vaccine",
    [
        ("The grandkids are due for their MMR; grandpa had a kidney transplant and takes Prograf. Any problem?", "mmr vaccine"),
        ("Her husband's shingles vaccine — any risk to her while she's on tacrolimus?", "recombinant zoster vaccine"),
        ("Her son is on CellCept after a liver transplant. Can she get the nasal flu vaccine?", "live attenuated influenza vaccine"),
        ("Can the children of a heart transplant recipient have the varicella vaccine?", "varicella vaccine"),
    ],
)
def test_a_vaccine_for_a_household_contact_is_not_the_patients(question: str, vaccine: str, table: AliasTable) -> None:
    f = frame_of(question, table)
    assert f.intervention == vaccine, f
    assert f.for_contact, f


@pytest.mark.parametrize(
    "question",
    [
        "Can a kidney transplant patient get MMR?",
        "My 8-year-old son needs the MMR; can he get it?",
        "A 6-year-old on prednisone 2 mg/kg got the varicella vaccine yesterday. What now?",
    ],
)
def test_a_vaccine_for_the_patient_is_the_patients(question: str, table: AliasTable) -> None:
    assert not frame_of(question, table).for_contact


def test_what_to_do_after_a_contacts_vaccine_is_other(table: AliasTable) -> None:
    f = frame_of("Granddaughter had the varicella shot last week and has a few spots; grandpa is on tacrolimus. What should I do?", table)
    assert (f.intent, f.intervention, f.for_contact) == ("other", "varicella vaccine", True), f
    assert f.current_medications == ["tacrolimus"], f


def test_a_follow_up_about_a_contacts_vaccine_carries_the_patient(table: AliasTable) -> None:
    from curbside.pipeline import analyse_turns

    f = analyse_turns("What about his kids getting MMR?", ["Can a kidney transplant recipient on Prograf have a live vaccine?"], table).frame
    assert (f.intervention, f.for_contact) == ("mmr vaccine", True), f
    assert f.current_medications == ["tacrolimus"], f


# --- purposes, named effects and stated doses ------------------------------------------------------


@pytest.mark.parametrize(
    "question, drug",
    [
        ("He wants to use his wife's prednisone for a sore shoulder. Sensible?", "prednisone"),
        ("Can I add metformin for weight loss in prediabetes?", "metformin"),
    ],
)
def test_a_drug_asked_about_for_a_purpose_with_no_patient_detail_is_an_indication_question(question: str, drug: str, table: AliasTable) -> None:
    f = frame_of(question, table)
    assert (f.intent, f.intervention) == ("indication", drug), f


@pytest.mark.parametrize(
    "question",
    [
        "Can I start meloxicam for knee pain in a patient with heart failure?",
        "58-year-old with a prior GI bleed: is naproxen for gout safe?",
        "Patient on allopurinol for years has a flare. Can he keep taking it?",
    ],
)
def test_a_purpose_with_a_patient_described_stays_a_safety_question(question: str, table: AliasTable) -> None:
    assert frame_of(question, table).intent == "safety"


@pytest.mark.parametrize(
    "question, drug, other",
    [
        ("Apixaban for a man on aspirin: bleeding risk?", "apixaban", "aspirin"),
        ("Lithium patient needing ibuprofen — toxicity risk?", "ibuprofen", "lithium"),
    ],
)
def test_a_named_effect_with_a_co_medication_is_an_interaction(question: str, drug: str, other: str, table: AliasTable) -> None:
    f = frame_of(question, table)
    assert (f.intent, f.intervention) == ("interaction", drug), f
    assert f.current_medications == [other], f


def test_any_risk_with_a_co_medication_stays_safety(table: AliasTable) -> None:
    assert frame_of("Apixaban in a patient on aspirin — any risk?", table).intent == "safety"


def test_the_drug_given_a_purpose_in_a_pair_is_the_one_started(table: AliasTable) -> None:
    f = frame_of("Warfarin plus Bactrim for a UTI: what happens to the INR?", table)
    assert (f.intent, f.intervention, f.current_medications) == ("interaction", "trimethoprim-sulfamethoxazole", ["warfarin"]), f
    # a pair whose syntax says which drug the patient has keeps it
    g = frame_of("Can I add losartan to his lisinopril for more BP lowering?", table)
    assert (g.intervention, g.current_medications) == ("losartan", ["lisinopril"]), g


def test_a_stated_dose_of_the_drug_the_patient_takes_is_the_one_adjusted_after_a_story(table: AliasTable) -> None:
    f = frame_of("On diltiazem. I had her on colchicine 0.6 daily for prophylaxis — what should it be now?", table)
    assert (f.intent, f.intervention, f.current_medications) == ("dose_adjustment", "colchicine", ["diltiazem"]), f
    # a question that names the drug it asks about keeps it, whatever else has a dose
    g = frame_of("Can I use finerenone in someone with an eGFR of 40 taking Zestril 40 mg?", table)
    assert g.intervention == "finerenone", g


@pytest.mark.parametrize("question", ["How much salt should a patient with heart failure eat?", "How much fluid can someone on dialysis drink?"])
def test_a_quantity_of_diet_is_no_drug_dose(question: str, table: AliasTable) -> None:
    f = frame_of(question, table)
    assert (f.intent, f.intervention) == ("other", None), f


def test_treating_a_raised_urate_is_urate_lowering_therapy(table: AliasTable) -> None:
    f = frame_of("Serum uric acid 11 but no flares ever. Should I treat?", table)
    assert (f.intent, f.intervention) == ("indication", "urate-lowering therapy"), f


def test_statin_intensity_is_a_choice_of_regimen(table: AliasTable) -> None:
    f = frame_of("Diabetic aged 60 with LDL 130: what statin intensity?", table)
    assert (f.intent, f.asked_attribute) == ("choice", "dose"), f


# --- more phrasings: opinions, reactions, shortfalls, procedures, pairs ---------------------------


def test_thoughts_on_a_drug_ask_about_it(table: AliasTable) -> None:
    f = frame_of("Thoughts on febuxostat for a guy with a stent?", table)
    assert (f.intent, f.intervention, f.current_medications) == ("safety", "febuxostat", []), f


def test_dosing_in_end_stage_kidney_disease_is_a_renal_dose(table: AliasTable) -> None:
    f = frame_of("Anakinra dosing in ESRD?", table)
    assert (f.intent, f.asked_attribute) == ("dose_adjustment", "renal dose"), f


def test_a_drug_the_patient_reacted_to_is_asked_only_when_nothing_else_is(table: AliasTable) -> None:
    f = frame_of("h/o SJS with allopurinol — can I use febuxostat?", table)
    assert (f.intervention, f.current_medications) == ("febuxostat", []), f
    g = frame_of("Had a bad rash on Zyloprim last year. Can I try it again?", table)
    assert g.intervention == "allopurinol", g


def test_a_drug_that_falls_short_is_what_the_patient_has(table: AliasTable) -> None:
    f = frame_of("What should I switch him to if allopurinol isn't enough?", table)
    assert (f.intent, f.intervention, f.current_medications) == ("choice", None, ["allopurinol"]), f


@pytest.mark.parametrize(
    "question, intent, attribute",
    [
        ("OK to continue apixaban through a dental cleaning?", "other", "timing"),
        ("After a flare settles, when can ULT be started?", "other", "timing"),
        ("How long should colchicine prophylaxis continue after starting allopurinol?", "dose", "duration"),
        ("Where does canakinumab fit in gout?", "indication", "indication"),
        ("Should ULT be stopped during an acute flare?", "safety", "safety"),
        ("What do people use for a flare when everything is contraindicated?", "choice", "first-line choice"),
    ],
)
def test_more_asks(question: str, intent: str, attribute: str, table: AliasTable) -> None:
    f = frame_of(question, table)
    assert (f.intent, f.asked_attribute) == (intent, attribute), f


@pytest.mark.parametrize(
    "question, first, second",
    [
        ("Colchicine + atorvastatin: myopathy?", "colchicine", "atorvastatin"),
        ("Any CYP3A4 issues between clarithromycin and colchicine?", "clarithromycin", "colchicine"),
    ],
)
def test_a_pair_with_an_effect_or_between_is_an_interaction(question: str, first: str, second: str, table: AliasTable) -> None:
    f = frame_of(question, table)
    assert (f.intent, f.intervention, f.current_medications) == ("interaction", first, [second]), f


@pytest.mark.parametrize("question", ["Best way to prevent flares when starting allopurinol?", "Should he be on prophylaxis when I start ULT?"])
def test_the_drug_being_started_is_the_occasion_of_a_prophylaxis_question(question: str, table: AliasTable) -> None:
    f = frame_of(question, table)
    assert f.asked_attribute == "prophylaxis" and f.intervention is None, f


@pytest.mark.parametrize(
    "question, intent, intervention, current",
    [
        ("Do asymptomatic patients with high urate need treatment?", "indication", "urate-lowering therapy", []),
        ("If not allopurinol, then what?", "choice", None, ["allopurinol"]),
        ("Second-line option after metformin in a patient with ASCVD?", "choice", None, ["metformin"]),
        ("How do I convert from Myfortic to CellCept?", "dose", "mycophenolate mofetil", ["mycophenolic acid"]),
        ("Azathioprine dose when adding febuxostat?", "dose_adjustment", "azathioprine", ["febuxostat"]),
        ("Colchicine with clarithromycin — how much can I give?", "dose_adjustment", "colchicine", ["clarithromycin"]),
        ("What follow-up after starting apixaban?", "monitoring", "apixaban", []),
        ("Urate check how soon after changing the dose?", "monitoring", None, []),
        ("Do I need to follow potassium on Bactrim in a patient on lisinopril?", "monitoring", "trimethoprim-sulfamethoxazole", ["lisinopril"]),
    ],
)
def test_further_phrasings(question: str, intent: str, intervention: str | None, current: list[str], table: AliasTable) -> None:
    f = frame_of(question, table)
    assert (f.intent, f.intervention, f.current_medications) == (intent, intervention, current), f


def test_a_drug_started_as_the_occasion_of_prophylaxis_is_not_taken_yet(table: AliasTable) -> None:
    f = frame_of("Colcrys as prophylaxis while starting allopurinol in a man with eGFR 25 — safe?", table)
    assert (f.intervention, f.current_medications) == ("colchicine", []), f


def test_a_member_proposed_in_the_ask_replaces_the_class_the_story_needs(table: AliasTable) -> None:
    f = frame_of("Renal transplant on MMF, needs abx for a UTI. Cipro ok?", table)
    assert (f.intent, f.intervention) == ("safety", "ciprofloxacin"), f
    assert f.current_medications == ["mycophenolate mofetil"], f


def test_two_classes_named_by_their_shorthand_are_the_options(table: AliasTable) -> None:
    f = frame_of("Type 2 diabetes with CKD 3 — should I add a GLP-1 or an SGLT2?", table)
    assert f.intervention is None, f
    assert f.options == ["glp-1 receptor agonist", "sglt2 inhibitor"], f
    # whether to add one at all, asked before the options, stays an indication question
    g = frame_of("Should I add a GLP-1 or SGLT2 even though her sugars are well controlled?", table)
    assert (g.intent, g.options) == ("indication", ["glp-1 receptor agonist", "sglt2 inhibitor"]), g


def test_a_range_that_defines_a_category_is_no_treatment_target(table: AliasTable) -> None:
    assert frame_of("Which blood pressure range counts as stage 2 hypertension?", table).intent != "target"
    assert frame_of("What trough range defines tacrolimus toxicity?", table).intent != "target"


# --- the story's drug as the occasion; ruled-out drugs; restarts ----------------------------------


def test_the_drug_the_ask_names_is_asked_when_the_story_starts_another(table: AliasTable) -> None:
    f = frame_of("Started Xarelto last week. Is ibuprofen OK?", table)
    assert (f.intervention, f.current_medications) == ("ibuprofen", ["rivaroxaban"]), f
    g = frame_of("Starting febuxostat: does she need colchicine cover?", table)
    assert (g.intervention, g.current_medications) == ("colchicine", []), g


def test_drugs_said_to_be_ruled_out_are_neither_taken_nor_asked(table: AliasTable) -> None:
    f = frame_of("Man of 66 for whom NSAIDs and colchicine are contraindicated and steroids aren't an option: is anakinra safe for his flare?", table)
    assert (f.intent, f.intervention, f.current_medications) == ("safety", "anakinra", []), f
    # asking whether it is contraindicated is about that drug
    assert frame_of("Naproxen is contraindicated for him? He has CKD 4.", table).intervention == "naproxen"


@pytest.mark.parametrize(
    "question, drug",
    [
        ("He stopped allopurinol on his own; restart at the old dose?", "allopurinol"),
        ("Restart colchicine after the diarrhea settles?", "colchicine"),
    ],
)
def test_restarting_a_stopped_drug_asks_about_it(question: str, drug: str, table: AliasTable) -> None:
    assert frame_of(question, table).intervention == drug


@pytest.mark.parametrize(
    "question, intent",
    [
        ("What's the deal with febuxostat and cardiovascular death?", "safety"),
        ("What's recommended for DVT in pregnancy?", "choice"),
        ("What to do about the tacrolimus when he starts clarithromycin?", "dose_adjustment"),
        ("Bactrim in a kidney transplant on an ACE inhibitor — hyperkalemia?", "interaction"),
        ("Trimethoprim-sulfamethoxazole in a patient on lisinopril — wise?", "safety"),
    ],
)
def test_more_intent_phrasings(question: str, intent: str, table: AliasTable) -> None:
    assert frame_of(question, table).intent == intent


def test_a_course_just_finished_is_what_the_patient_has_had(table: AliasTable) -> None:
    f = frame_of("She finished a week of prednisone yesterday — can she have the yellow fever vaccine?", table)
    assert (f.intervention, f.current_medications) == ("yellow fever vaccine", ["prednisone"]), f


# --- follow-ups -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "history, question, intent, intervention",
    [
        (["Tacrolimus trough goal after kidney transplant?"], "And with fluconazole on board?", "interaction", "tacrolimus"),
        (["Is colchicine OK with atorvastatin?"], "What dose then?", "dose_adjustment", "colchicine"),
        (["Colchicine dose for a gout flare?"], "And if he's on clarithromycin?", "dose_adjustment", "colchicine"),
        (["Warfarin target INR for a mechanical mitral valve?"], "And for an aortic one?", "target", "warfarin"),
    ],
)
def test_follow_ups_that_add_a_co_medication_or_ask_a_dose(history: list[str], question: str, intent: str, intervention: str, table: AliasTable) -> None:
    from curbside.pipeline import analyse_turns

    f = analyse_turns(question, history, table).frame
    assert (f.intent, f.intervention) == (intent, intervention), f


def test_what_kind_should_i_use_asks_for_a_choice(table: AliasTable) -> None:
    f = frame_of("Cystitis in a man of 40 — what antibiotic should I use?", table)
    assert (f.intent, f.intervention) == ("choice", None), f
