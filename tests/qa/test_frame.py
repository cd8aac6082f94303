"""The question frame (issue 15): what a clinician's question asks, about which drug, for whom.

Each case is a small, general phrasing of a clinical question; the assertions are what a
clinician reading the frame would check: the intervention asked about, the patient's current
medications and conditions, the population, and what is being asked. No embedding model is
loaded: the frame is built from the bundled alias table alone.
"""

from __future__ import annotations

import pytest

from curbside.pipeline import analyse_turns
from curbside.qa.aliases import AliasTable
from curbside.qa.claims import tag
from curbside.qa.compose import ATTRIBUTE_ANSWERS
from curbside.qa.frame import assign_roles, build_frame, classify, find_conditions, find_population
from curbside.qa.plan import attribute_match, not_stated
from curbside.qa.query import analyse
from curbside.qa.types import PatientContext, QuestionFrame

SEED = "Is it safe to start anakinra in a patient with gout who is already on tacrolimus (FK506) and Cellcept?"


@pytest.fixture(scope="module")
def table() -> AliasTable:
    return AliasTable.bundled()


def frame_of(question: str, table: AliasTable) -> QuestionFrame:
    return analyse(question, table).frame


def follow_up(question: str, history: list[str], table: AliasTable) -> QuestionFrame:
    return analyse_turns(question, history, table).frame


# --- the seed question --------------------------------------------------------------------------


def test_seed_question_frame(table: AliasTable) -> None:
    frame = frame_of(SEED, table)
    assert frame.intent == "safety"
    assert frame.intervention == "anakinra"
    assert frame.current_medications == ["tacrolimus", "mycophenolate mofetil"]
    assert "gout" in frame.conditions
    assert frame.yes_no
    # the drugs the patient is on are not what is being asked about
    assert "anakinra" not in frame.current_medications


def test_build_frame_on_raw_mentions_matches_analyse(table: AliasTable) -> None:
    """build_frame reads the alias table's mentions the same way analyse does."""
    frame = build_frame(SEED, table.find(SEED), PatientContext())
    assert frame.intervention == "anakinra"
    assert frame.current_medications == ["tacrolimus", "mycophenolate mofetil"]
    assert frame.conditions == ["gout"]


# --- current medications given by codes, abbreviations and brands -------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "Can I start allopurinol in a man on MMF and FK506?",
        "My patient is on MMF and FK506. Can I add febuxostat?",
        "Is colchicine okay for a kidney transplant recipient on MMF and FK506?",
    ],
)
def test_two_abbreviated_current_medications_are_both_found(question: str, table: AliasTable) -> None:
    frame = frame_of(question, table)
    assert sorted(frame.current_medications) == ["mycophenolate mofetil", "tacrolimus"]
    assert frame.intervention not in ("mycophenolate mofetil", "tacrolimus")


def test_two_brand_current_medications_are_both_found(table: AliasTable) -> None:
    frame = frame_of("Can I start febuxostat in a patient taking Prograf and CellCept?", table)
    assert frame.intervention == "febuxostat"
    assert frame.current_medications == ["tacrolimus", "mycophenolate mofetil"]


def test_a_booster_is_taken_with_the_drug_it_boosts(table: AliasTable) -> None:
    """"On Prezista boosted with ritonavir" names two drugs the patient takes; the drug asked about
    is the one after them, not the booster."""
    frame = frame_of("71F with HIV and an eGFR of 35 on Prezista boosted with ritonavir. Thinking about Colcrys for a gout flare: OK?", table)
    assert frame.intervention == "colchicine"
    assert sorted(frame.current_medications) == ["darunavir", "ritonavir"]


def test_mycophenolate_alone_is_mycophenolate_mofetil(table: AliasTable) -> None:
    assert table.lookup("mycophenolate") == "mycophenolate mofetil"
    as_current = frame_of("Can I give azathioprine to a patient on mycophenolate?", table)
    assert as_current.intervention == "azathioprine"
    assert as_current.current_medications == ["mycophenolate mofetil"]
    as_intervention = frame_of("Is mycophenolate safe in pregnancy?", table)
    assert as_intervention.intervention == "mycophenolate mofetil"


def test_assign_roles_splits_intervention_from_what_the_patient_is_on() -> None:
    question = "Can I add febuxostat for a patient already taking tacrolimus and azathioprine?"
    mentions = [
        (question.index("febuxostat"), question.index("febuxostat") + 10, "febuxostat", "febuxostat"),
        (question.index("tacrolimus"), question.index("tacrolimus") + 10, "tacrolimus", "tacrolimus"),
        (question.index("azathioprine"), question.index("azathioprine") + 12, "azathioprine", "azathioprine"),
    ]
    interventions, current, comparator, linked = assign_roles(question, mentions)
    assert interventions == ["febuxostat"]
    assert current == ["tacrolimus", "azathioprine"]
    assert comparator is None
    assert linked == []


# --- conditions: abbreviations on word boundaries, outcomes are not conditions ------------------


@pytest.mark.parametrize(
    "question",
    [
        "Can I give Noxafil to a patient on tacrolimus?",
        "Is Jakafi okay in a patient on Advagraf?",
        "Is Carafate safe in a patient on warfarin?",
        "Can Zanaflex be taken with ciprofloxacin?",
    ],
)
def test_brand_containing_af_does_not_set_atrial_fibrillation(question: str, table: AliasTable) -> None:
    frame = frame_of(question, table)
    assert "atrial fibrillation" not in frame.conditions
    assert frame.intervention is not None  # the brand itself is read as a drug


def test_upper_case_af_is_atrial_fibrillation_and_lower_case_is_not(table: AliasTable) -> None:
    upper = frame_of("Can I start apixaban in a patient with AF?", table)
    assert "atrial fibrillation" in upper.conditions
    lower = frame_of("Can I start apixaban in a patient with af?", table)
    assert "atrial fibrillation" not in lower.conditions
    both = frame_of("Is apixaban appropriate for a woman with AF and hypertension?", table)
    assert {"atrial fibrillation", "hypertension"} <= set(both.conditions)


@pytest.mark.parametrize(
    ("question", "outcome"),
    [
        ("Does methotrexate raise the risk of pneumonia?", "pneumonia"),
        ("Does tofacitinib raise the risk of a blood clot?", "venous thromboembolism"),
        ("Does allopurinol raise the risk of gout flares?", "gout"),
    ],
)
def test_outcome_asked_about_is_not_a_patient_condition(question: str, outcome: str, table: AliasTable) -> None:
    analysis = analyse(question, table)
    assert outcome not in analysis.frame.conditions
    assert outcome not in analysis.conditions
    assert analysis.frame.asked_attribute == "adverse effects"
    has, asked = find_conditions(question)
    assert outcome not in has
    assert outcome in asked


def test_risk_of_infection_does_not_give_the_patient_an_infection(table: AliasTable) -> None:
    frame = frame_of("Does methotrexate raise the risk of infection?", table)
    assert frame.conditions == []
    assert frame.intervention == "methotrexate"
    assert frame.asked_attribute == "adverse effects"
    # the same words said of the patient do make a condition
    septic = frame_of("Is tofacitinib safe in a patient with sepsis?", table)
    assert "active infection" in septic.conditions


def test_outcome_and_a_condition_in_one_question_are_told_apart(table: AliasTable) -> None:
    frame = frame_of("Does allopurinol raise the risk of gout flares in a patient with CKD?", table)
    assert "chronic kidney disease" in frame.conditions
    assert "gout" not in frame.conditions


def test_increase_the_risk_is_an_adverse_effects_question(table: AliasTable) -> None:
    frame = frame_of("Does tofacitinib increase the risk of blood clots?", table)
    assert frame.intent == "safety"
    assert frame.asked_attribute == "adverse effects"


def test_heart_failure_is_the_patients_condition_not_the_indication(table: AliasTable) -> None:
    frame = frame_of("Is ibuprofen okay for a patient with heart failure?", table)
    assert frame.intervention == "ibuprofen"
    assert frame.intent == "safety"
    assert "heart failure" in frame.conditions
    assert frame.indication != "heart failure"


# --- intent -------------------------------------------------------------------------------------


def test_drug_with_drug_is_an_interaction_question(table: AliasTable) -> None:
    frame = frame_of("Can colchicine be given with clarithromycin?", table)
    assert frame.intent == "interaction"
    assert frame.asked_attribute == "interaction"
    assert frame.intervention == "colchicine"
    assert frame.current_medications == ["clarithromycin"]
    # the order of the question decides which drug is asked about
    reverse = frame_of("Can clarithromycin be given with colchicine?", table)
    assert reverse.intervention == "clarithromycin"
    assert reverse.current_medications == ["colchicine"]


def test_classify_orders_specific_asks_before_safety() -> None:
    assert classify("How often should I check a blood count on azathioprine?", [], True)[:2] == ("monitoring", "monitoring")
    assert classify("Is azathioprine safe in pregnancy?", ["pregnancy"], True)[:2] == ("population", "pregnancy")
    intent, attribute, yes_no = classify("Is azathioprine safe?", [], True)
    assert (intent, attribute, yes_no) == ("safety", "safety", True)
    intent, attribute, yes_no = classify("What dose of azathioprine?", [], True)
    assert (intent, attribute, yes_no) == ("dose", "dose", False)


def test_comparison_names_both_drugs(table: AliasTable) -> None:
    frame = frame_of("Is febuxostat better than allopurinol?", table)
    assert frame.intent == "comparison"
    assert (frame.intervention, frame.comparator) == ("febuxostat", "allopurinol")
    assert frame.current_medications == []


def test_patients_dialysis_does_not_turn_a_comparison_into_a_dose_question(table: AliasTable) -> None:
    frame = frame_of("Is apixaban or warfarin better for AF in a patient on dialysis?", table)
    assert frame.intent in ("comparison", "choice")
    assert frame.asked_attribute != "renal dose"
    assert "dialysis" in frame.population


def test_monitoring_question_names_the_drug_the_patient_is_on(table: AliasTable) -> None:
    frame = frame_of("How often should I check a CBC on azathioprine?", table)
    assert (frame.intent, frame.asked_attribute) == ("monitoring", "monitoring")
    assert frame.intervention == "azathioprine"


def test_choice_question_names_no_intervention_and_keeps_the_patient(table: AliasTable) -> None:
    frame = frame_of("What should I give a kidney transplant recipient with a gout flare?", table)
    assert frame.intent == "choice"
    assert frame.intervention is None
    assert frame.indication == "gout"
    assert "kidney transplant" in frame.conditions
    assert "transplant" in frame.population


def test_patient_conditions_said_in_several_ways(table: AliasTable) -> None:
    frame = frame_of("Is colchicine safe in a diabetic who has CKD?", table)
    assert {"type 2 diabetes", "chronic kidney disease"} <= set(frame.conditions)
    assert "ckd" in frame.population
    pregnant = frame_of("Can I use Cellcept in a lupus patient who is pregnant?", table)
    assert pregnant.intervention == "mycophenolate mofetil"
    assert "lupus" in pregnant.conditions
    assert pregnant.asked_attribute == "pregnancy"


@pytest.mark.parametrize(
    "question",
    ["Starting allopurinol, what colchicine prophylaxis dose?", "On tacrolimus, what dose of colchicine?"],
)
def test_wh_question_after_a_leading_clause_is_not_yes_no(question: str, table: AliasTable) -> None:
    frame = frame_of(question, table)
    assert frame.asked_attribute == "dose"
    assert not frame.yes_no


# --- population ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "What apixaban dose in Child-Pugh C cirrhosis?",
        "Is rivaroxaban safe in Child-Pugh B cirrhosis?",
    ],
)
def test_child_pugh_is_hepatic_impairment_not_a_child(question: str, table: AliasTable) -> None:
    frame = frame_of(question, table)
    assert "child" not in frame.population
    assert "hepatic impairment" in frame.population
    assert frame.asked_attribute != "children"
    assert "child" not in find_population("a Child-Pugh C patient", None, None)


def test_child_pugh_spelled_with_a_space_is_hepatic_impairment(table: AliasTable) -> None:
    frame = frame_of("What apixaban dose in Child Pugh C?", table)
    assert "hepatic impairment" in frame.population
    assert "child" not in frame.population


def test_age_72_is_an_older_adult_but_not_a_question_about_older_adults(table: AliasTable) -> None:
    frame = frame_of("Is allopurinol safe in a 72-year-old man?", table)
    assert "older adult" in frame.population
    assert frame.intervention == "allopurinol"
    assert frame.intent == "safety"
    assert frame.asked_attribute == "safety"
    assert frame.asked_attribute != "older adults"
    assert find_population("a man", 72, None) == ["older adult"]
    assert find_population("a man", 50, None) == []


def test_a_childs_age_asks_about_children_but_an_adults_age_only_describes_the_patient(table: AliasTable) -> None:
    # the clinician set's convention: "OK for a 15-year-old?" asks about use in a child; an age of
    # 80 alone does not make the question about older adults
    by_age = frame_of("Is colchicine safe in a 12-year-old?", table)
    assert "child" in by_age.population
    assert (by_age.intent, by_age.asked_attribute) == ("population", "children")
    old = frame_of("Is colchicine safe in an 80-year-old with a flare?", table)
    assert "older adult" in old.population
    assert old.asked_attribute == "safety"
    by_word = frame_of("Is colchicine safe in a child?", table)
    assert by_word.intent == "population"
    assert by_word.asked_attribute == "children"


def test_question_about_older_adults_asks_about_older_adults(table: AliasTable) -> None:
    frame = frame_of("Is colchicine safe in older adults?", table)
    assert frame.asked_attribute == "older adults"


@pytest.mark.parametrize(
    ("question", "qualifier"),
    [
        ("What dose of allopurinol at eGFR 25?", "eGFR 25"),
        ("How should I dose colchicine with an eGFR of 25?", "eGFR 25"),
        ("What dose of apixaban with a CrCl of 25?", "CrCl 25"),
    ],
)
def test_kidney_function_value_sets_ckd_and_the_renal_dose_qualifier(question: str, qualifier: str, table: AliasTable) -> None:
    frame = frame_of(question, table)
    assert "ckd" in frame.population
    assert frame.asked_attribute == "renal dose"
    assert frame.qualifier == qualifier
    assert frame.asked() == f"renal dose ({qualifier})"


def test_normal_kidney_function_is_not_ckd(table: AliasTable) -> None:
    frame = frame_of("Is allopurinol safe in a patient with an eGFR of 75?", table)
    assert "ckd" not in frame.population
    assert find_population("eGFR 25", None, None) == ["ckd"]
    assert find_population("eGFR 75", None, None) == []


# --- follow-ups carry the frame -----------------------------------------------------------------


def test_followup_instead_replaces_the_intervention(table: AliasTable) -> None:
    frame = follow_up("What about colchicine instead?", [SEED], table)
    assert frame.intervention == "colchicine"
    assert frame.intervention != "anakinra"
    assert frame.current_medications == ["tacrolimus", "mycophenolate mofetil"]
    assert "gout" in frame.conditions


@pytest.mark.parametrize("question", ["How about colchicine instead?", "Colchicine instead?", "And colchicine instead?"])
def test_followup_instead_keeps_the_patient(question: str, table: AliasTable) -> None:
    frame = follow_up(question, [SEED], table)
    assert frame.intervention == "colchicine"
    assert "anakinra" not in (frame.intervention, *frame.current_medications)
    assert frame.current_medications == ["tacrolimus", "mycophenolate mofetil"]
    assert "gout" in frame.conditions


def test_followup_in_pregnancy_keeps_anakinra_and_asks_about_pregnancy(table: AliasTable) -> None:
    frame = follow_up("What about in pregnancy?", [SEED], table)
    assert frame.intervention == "anakinra"
    assert "pregnancy" in frame.population
    assert frame.asked_attribute == "pregnancy"
    assert frame.intent == "population"
    assert frame.current_medications == ["tacrolimus", "mycophenolate mofetil"]


def test_followup_pregnancy_is_grounded(table: AliasTable) -> None:
    """After a CKD question about allopurinol, 'What about in pregnancy?' asks whether allopurinol
    can be used in pregnancy: the pregnancy statement answers it, the CKD dose statement does not,
    and if nothing answers, the library says so about allopurinol in pregnancy."""
    history = ["Is allopurinol safe in a patient with chronic kidney disease?"]
    question = "What about in pregnancy?"
    analysis = analyse_turns(question, history, table)
    frame = analysis.frame
    assert frame.intervention == "allopurinol"
    assert frame.asked_attribute == "pregnancy"
    assert "pregnancy" in frame.population
    assert "chronic kidney disease" in frame.conditions  # the patient is the same
    assert analysis.context.pregnant is True
    assert "allopurinol" in analysis.search_text  # what retrieval searches names the drug

    about_pregnancy = tag("Allopurinol should be used in pregnancy only if clearly needed.", table)
    about_kidneys = tag("Start allopurinol at 50 mg daily in patients with stage 4 chronic kidney disease.", table)
    assert attribute_match(about_pregnancy, frame, question) >= ATTRIBUTE_ANSWERS
    assert attribute_match(about_kidneys, frame, question) < ATTRIBUTE_ANSWERS
    assert not_stated(frame) == "The library does not state whether allopurinol can be used in pregnancy."


def test_followup_while_breastfeeding_asks_about_lactation(table: AliasTable) -> None:
    frame = follow_up("What about while breastfeeding?", [SEED], table)
    assert frame.intervention == "anakinra"
    assert frame.asked_attribute == "lactation"


def test_followup_with_its_own_ask_replaces_the_ask_not_the_drug(table: AliasTable) -> None:
    dose = follow_up("What dose?", [SEED], table)
    assert (dose.intervention, dose.intent, dose.asked_attribute) == ("anakinra", "dose", "dose")
    monitoring = follow_up("How should it be monitored?", [SEED], table)
    assert (monitoring.intervention, monitoring.asked_attribute) == ("anakinra", "monitoring")
    assert monitoring.current_medications == ["tacrolimus", "mycophenolate mofetil"]


def test_second_followup_carries_the_replaced_intervention(table: AliasTable) -> None:
    frame = follow_up("What about in pregnancy?", [SEED, "Colchicine instead?"], table)
    assert frame.intervention == "colchicine"
    assert frame.asked_attribute == "pregnancy"
    assert frame.current_medications == ["tacrolimus", "mycophenolate mofetil"]


def test_followup_and_with_adds_a_co_medication(table: AliasTable) -> None:
    frame = follow_up("And with cyclosporine?", ["Can colchicine be given with clarithromycin?"], table)
    assert frame.intervention == "colchicine"
    assert frame.intent == "interaction"
    assert "cyclosporine" in frame.current_medications
    assert "clarithromycin" in frame.current_medications


def test_followup_what_about_with_adds_a_co_medication(table: AliasTable) -> None:
    frame = follow_up("What about with verapamil?", ["Can colchicine be given with clarithromycin?"], table)
    assert frame.intervention == "colchicine"
    assert "verapamil" in frame.current_medications


def test_follow_up_without_history_is_the_question_alone(table: AliasTable) -> None:
    alone = analyse_turns("What about in pregnancy?", [], table).frame
    assert alone.intervention is None
    assert alone.current_medications == []


# --- two substances together, background vs indication, value-seeking short asks ----------------


@pytest.mark.parametrize(("question", "intervention", "other"), [
    ("Any interaction between febuxostat and warfarin?", "febuxostat", "warfarin"),
    ("Cyclosporine plus spironolactone, OK?", "cyclosporine", "spironolactone"),
    ("Metformin and topiramate together?", "metformin", "topiramate"),
    ("Can I add clarithromycin to his tacrolimus?", "clarithromycin", "tacrolimus"),
    ("Is allopurinol fine with her azathioprine?", "allopurinol", "azathioprine"),
])
def test_two_substances_taken_together_are_an_interaction_with_both_parties(question: str, intervention: str, other: str, table: AliasTable) -> None:
    f = frame_of(question, table)
    assert (f.intent, f.asked_attribute) == ("interaction", "interaction")
    assert {f.intervention, *f.current_medications} >= {intervention, other}, "the second party is not dropped"


@pytest.mark.parametrize("question", [
    "Can she keep drinking grapefruit juice on tacrolimus?",
    "Can I give clarithromycin to someone on tacrolimus?",
    "Patient on azathioprine: is it OK to start allopurinol?",
    "Heart transplant recipient on cyclosporine, wants ibuprofen. Fine?",
])
def test_a_patient_on_a_drug_asks_about_the_safety_of_the_new_one(question: str, table: AliasTable) -> None:
    # the intent convention of evals/sets/README.md: "a patient on X" describes the patient (the
    # safety sweep checks the answer against X); only a question that pairs the two is an interaction
    f = frame_of(question, table)
    assert (f.intent, f.asked_attribute) == ("safety", "safety")
    assert f.current_medications, "the patient's medication is still recorded"


def test_interacting_foods_and_herbs_are_parties(table: AliasTable) -> None:
    f = frame_of("Patient on tacrolimus started St John's wort. Can she keep taking it?", table)
    assert "st john's wort" in {f.intervention, *f.current_medications}
    assert "tacrolimus" in {f.intervention, *f.current_medications}


def test_one_drug_plus_a_condition_is_not_an_interaction(table: AliasTable) -> None:
    f = frame_of("Gout flare plus an active leg cellulitis. Start anakinra?", table)
    assert f.intent != "interaction" and f.intervention == "anakinra"


def test_a_drug_named_with_the_patients_background_asks_whether_it_is_safe(table: AliasTable) -> None:
    assert frame_of("Apixaban in Child-Pugh C cirrhosis?", table).intent == "safety"
    f = frame_of("Steroids for severe CAP?", table)  # the condition it would treat: is it indicated?
    assert f.intent == "indication" and f.indication == "pneumonia"


def test_a_short_ask_for_a_value_is_not_yes_no(table: AliasTable) -> None:
    f = frame_of("Colcrys dosing for an acute flare in a 54-year-old?", table)
    assert f.asked_attribute == "dose" and not f.yes_no
    assert frame_of("Statin?", table).yes_no


def test_patient_risk_words_are_not_a_safety_ask(table: AliasTable) -> None:
    intent, _, _ = classify("Intermediate risk, CAC score of zero, non-smoker. Statin?", [], True)
    assert intent != "safety"
    assert classify("Anakinra for him: any risks?", [], True)[0] == "safety"


@pytest.mark.parametrize(("question", "yes_no"), [
    ("He had an MI last year and he's on Uloric. Keep going?", True),
    ("68-year-old man with AF and hypertension, CHA2DS2-VASc 2. Anticoagulate?", True),
    ("Patient on Eliquis 5 bid is starting itraconazole. Change anything?", True),
    ("Transplant patient on cyclosporine also takes digoxin. Fine to continue both as they are?", True),
    ("Colcrys dosing for an acute flare?", False),
    ("Which anticoagulant for a new DVT?", False),
    ("LMWH or a DOAC for cancer-associated clot?", False),
    ("On tacrolimus, what dose of colchicine?", False),
])
def test_any_question_that_is_no_wh_question_and_offers_no_choice_is_yes_no(question: str, yes_no: bool, table: AliasTable) -> None:
    assert frame_of(question, table).yes_no is yes_no


def test_a_comparison_naming_a_dose_is_still_a_comparison(table: AliasTable) -> None:
    f = frame_of("Does anakinra beat a 40 mg Kenalog shot for a flare?", table)
    assert f.intent == "comparison"


def test_clinicians_short_drug_names_and_steroids_are_vocabulary(table: AliasTable) -> None:
    assert frame_of("Ex-smoker still exacerbating on triple therapy. Azithro?", table).intervention == "azithromycin"
    assert frame_of("Doxy for his cellulitis?", table).intervention == "doxycycline"
    from curbside.ingest.vocabulary import find_classes
    assert [c for *_, c in find_classes("can't take steroids")] == ["corticosteroid"]


def test_kidney_function_after_a_dose_question_asks_for_the_renal_dose(table: AliasTable) -> None:
    f = follow_up("And if his CrCl is 20?", ["Anakinra dose for RA?"], table)
    assert (f.intent, f.asked_attribute, f.intervention) == ("dose_adjustment", "renal dose", "anakinra")
    assert f.qualifier == "CrCl 20"
    f = follow_up("And if he's on dialysis?", ["Colchicine dose for an acute gout flare?"], table)
    assert (f.intent, f.asked_attribute) == ("dose_adjustment", "renal dose")


def test_an_age_in_a_follow_up_describes_the_patient_without_changing_the_ask(table: AliasTable) -> None:
    f = follow_up("What about in an 80-year-old with CrCl 40?", ["Is colchicine OK with atorvastatin?"], table)
    assert f.intent == "interaction" and f.intervention == "colchicine"


@pytest.mark.parametrize(("question", "hfref"), [
    ("EF 30% with AF and a fast rate. Can I use diltiazem?", True),
    ("LVEF of 35% after an MI. Start a beta-blocker?", True),
    ("Ejection fraction 55%, hypertension. Amlodipine?", False),
])
def test_a_reduced_ejection_fraction_is_heart_failure(question: str, hfref: bool) -> None:
    has, _ = find_conditions(question)
    assert ("heart failure" in has) is hfref


@pytest.mark.parametrize(("question", "high"), [
    ("Prograf patient with potassium 5.3 — can I add lisinopril?", True),
    ("Transplant patient with a K of 5.6 on tacrolimus. Bactrim?", True),
    ("HFrEF, K 4.6, eGFR 40. Add spironolactone?", False),
    ("Vitamin K 10 mg for an INR of 9?", False),
])
def test_a_high_potassium_value_is_hyperkalaemia(question: str, high: bool) -> None:
    has, _ = find_conditions(question)
    assert ("hyperkalemia" in has) is high


# --- non-drug interventions --------------------------------------------------------------------


@pytest.mark.parametrize(("question", "intervention"), [
    ("NYHA III despite optimal therapy, EF 25%. CRT?", "cardiac resynchronization therapy"),
    ("Should he get an IVC filter?", "inferior vena cava filter"),
    ("Is pulmonary rehab worth it after a COPD admission?", "pulmonary rehabilitation"),
    ("Does icing the knee help a gout flare?", "topical ice"),
])
def test_a_non_drug_intervention_is_what_a_drugless_question_asks_about(question: str, intervention: str, table: AliasTable) -> None:
    assert frame_of(question, table).intervention == intervention


def test_a_drug_to_start_outranks_a_procedure_and_a_reported_test_result_is_history(table: AliasTable) -> None:
    assert frame_of("Before his colonoscopy, should I stop apixaban?", table).intervention == "apixaban"
    assert frame_of("Positive FIT last month. What now?", table).intervention is None
    assert frame_of("Normal colonoscopy at 55 — when is the next one due?", table).intervention == "colonoscopy"


# --- the asking clause, wh-words and the ask's syntax ---------------------------------------------


@pytest.mark.parametrize(("question", "intent", "attribute"), [
    # the sentences before the asking clause are the patient's story
    ("Creatinine checked on routine labs is fine. Start allopurinol now?", "indication", "indication"),
    # ... unless the asking clause only says that something is asked
    ("Tacrolimus plus fluconazole — any concerns?", "interaction", "interaction"),
    ("Stable on warfarin, now needs clarithromycin. What should I do?", "interaction", "interaction"),
    ("How long should she stay on apixaban after a provoked DVT?", "dose", "duration"),
    ("How long on isoniazid before starting the TNF inhibitor?", "other", "timing"),
    ("How many weeks after rituximab before a shingles vaccine?", "other", "timing"),
    ("He takes low-dose aspirin. Any problem starting apixaban?", "safety", "safety"),
    ("Is sertraline OK while nursing?", "population", "lactation"),
    ("Does he need a yearly QuantiFERON on adalimumab?", "monitoring", "monitoring"),
    ("Is rivaroxaban as good as warfarin for a DVT?", "comparison", "efficacy"),
    ("Does apixaban bleed less than warfarin compared head to head?", "comparison", "adverse effects"),
    ("How do I titrate metformin?", "dose", "dose"),
])
def test_the_ask_is_read_from_the_syntax_of_the_asking_clause(question: str, intent: str, attribute: str, table: AliasTable) -> None:
    f = frame_of(question, table)
    assert (f.intent, f.asked_attribute) == (intent, attribute), f


def test_a_bare_name_after_the_story_asks_whether_to_give_it(table: AliasTable) -> None:
    f = frame_of("Stage 2 hypertension, 10-year risk 15%, diabetic. ACE inhibitor?", table)
    assert (f.intent, f.asked_attribute, f.intervention) == ("indication", "indication", "ace inhibitor")


def test_two_drugs_offered_as_alternatives_ask_for_a_choice(table: AliasTable) -> None:
    f = frame_of("First unprovoked PE — apixaban or warfarin?", table)
    assert (f.intent, f.asked_attribute, f.intervention, f.comparator) == ("choice", "first-line choice", None, None)


def test_a_dose_for_a_patient_on_an_interacting_drug_is_a_dose_adjustment(table: AliasTable) -> None:
    f = frame_of("She takes verapamil. What colchicine dose for her flare?", table)
    assert (f.intent, f.intervention, f.current_medications) == ("dose_adjustment", "colchicine", ["verapamil"])
    g = frame_of("Switching Myfortic to CellCept — what dose?", table)
    assert g.intent == "dose"  # moving between drugs is a dose question, not an adjustment


def test_a_dose_named_as_the_manner_of_giving_asks_no_dose(table: AliasTable) -> None:
    f = frame_of("Rash on febuxostat last year — could I restart it at a lower dose?", table)
    assert f.intent == "safety", f


def test_a_stated_body_weight_makes_a_bare_drug_question_a_dose_question(table: AliasTable) -> None:
    f = frame_of("Enoxaparin for a DVT in a 120 kg man with eGFR 25?", table)
    assert (f.intent, f.asked_attribute) == ("dose_adjustment", "renal dose"), f


def test_therapies_named_by_their_verb_or_adjective_are_interventions(table: AliasTable) -> None:
    assert frame_of("CHA2DS2-VASc of 3 in a 70-year-old woman. Anticoagulate?", table).intervention == "oral anticoagulant"
    assert frame_of("Two flares this year, urate 9. Time for urate-lowering?", table).intervention == "urate-lowering therapy"


def test_a_wh_question_after_the_story_asks_for_the_choice_not_about_the_need(table: AliasTable) -> None:
    f = frame_of("Liver transplant on tacrolimus needs anticoagulation. What should I use?", table)
    assert (f.intent, f.intervention) == ("choice", None), f


# --- clinician phrasings of every intent (written for these tests, not taken from the eval set) ---


@pytest.mark.parametrize(("question", "intent"), [
    ('Is it okay to give prednisone to a diabetic with a flare?', 'safety'),
    ('Can my pregnant patient keep taking her azathioprine?', 'population'),
    ("What's the maximum dose of febuxostat?", 'dose'),
    ('How should I dose allopurinol in a patient on dialysis?', 'dose_adjustment'),
    ("Does she need her colchicine reduced now that she's on clarithromycin?", 'dose_adjustment'),
    ("What do you recommend for a flare in someone who can't have NSAIDs?", 'choice'),
    ('Best initial antibiotic for pyelonephritis?', 'choice'),
    ('Would you start a statin in a 45-year-old with LDL 160?', 'indication'),
    ('Is there a role for canakinumab in gout?', 'indication'),
    ('Is empagliflozin effective in heart failure without diabetes?', 'indication'),
    ('Any interaction between tacrolimus and fluconazole?', 'interaction'),
    ('Does clarithromycin raise tacrolimus levels?', 'interaction'),
    ('What labs should I follow on methotrexate?', 'monitoring'),
    ('How frequently do I check potassium after starting spironolactone?', 'monitoring'),
    ('What INR should I aim for with a mechanical aortic valve?', 'target'),
    ('What LDL goal for secondary prevention?', 'target'),
    ('Is apixaban contraindicated in severe liver disease?', 'contraindication'),
    ('Is apixaban better than warfarin for stroke prevention?', 'comparison'),
    ('How does febuxostat compare with allopurinol for cardiovascular safety?', 'comparison'),
    ('When should I stop apixaban before a knee replacement?', 'other'),
    ('How long do I wait after a live vaccine before starting tacrolimus?', 'other'),
    ('For how many months should anticoagulation continue after a provoked DVT?', 'dose'),
    ('What are the side effects of anakinra?', 'safety'),
    ('Can sirolimus cause mouth ulcers?', 'safety'),
    ('Who should get PJP prophylaxis after a kidney transplant?', 'indication'),
    ('Is valganciclovir dosing different at a CrCl of 30?', 'dose_adjustment'),
    ('Is Uloric safe in a patient with heart disease?', 'safety'),
    ('Can I use NSAIDs in a kidney transplant recipient?', 'safety'),
    ('Should I be worried about giving Bactrim to someone on warfarin?', 'safety'),
    ('Can tacrolimus and clarithromycin be given together?', 'interaction'),
    ('Should I hold metformin before a CT with contrast?', 'other'),
    ("What's the starting dose of apixaban for a PE?", 'dose'),
    ('Is it OK to use colchicine while breastfeeding?', 'population'),
    ('Which statin should I pick for a patient on cyclosporine?', 'choice'),
    ('What do I check before starting azathioprine?', 'monitoring'),
    ('Does allopurinol need adjusting in renal impairment?', 'dose_adjustment'),
    ("What's the evidence for SGLT2 inhibitors in CKD?", 'indication'),
    ('How effective is low-dose colchicine for a flare?', 'indication'),
    ('Is tacrolimus safe for a 10-year-old?', 'population'),
    ('Could the rash be from allopurinol?', 'safety'),
    ('72F on Eliquis, CrCl 28 — still 5 bid?', 'dose_adjustment'),
    ('Gout pt on Neoral, flaring. Colchicine ok?', 'safety'),
    ('Recurrent UTIs in a 30-year-old woman — prophylaxis?', 'indication'),
    ('Xarelto for a distal DVT?', 'indication'),
    ('Starting Imuran next week. Anything I should test first?', 'monitoring'),
    ('Got a kid with FMF. Colchicine dose?', 'dose'),
    ("She's 30 weeks pregnant with a DVT. LMWH or warfarin?", 'choice'),
    ('Is Prograf okay while breastfeeding?', 'population'),
    ('What should her tacrolimus trough be a year after transplant?', 'target'),
    ('HbA1c goal for an 85-year-old in a nursing home?', 'target'),
    ("He's been on allopurinol 300 for a year, urate 7.5. Go up?", 'dose'),
    ('Urate 8 despite allopurinol 300 — increase the dose?', 'dose'),
    ('Can I stop her warfarin for a dental extraction?', 'other'),
    ('Ok to restart apixaban 48 hours after hip surgery?', 'other'),
    ('Which vaccines are off limits after a kidney transplant?', 'safety'),
    ('Febuxostat vs allopurinol — which has more cardiac risk?', 'comparison'),
    ('Rapamune and Prograf together long term — issues?', 'interaction'),
    ('Does Bactrim interact with methotrexate?', 'interaction'),
    ('New-onset AF in a 50-year-old with no risk factors. Anticoagulation?', 'indication'),
    ('What are the contraindications to febuxostat?', 'contraindication'),
    ('Does empagliflozin reduce mortality in HFrEF?', 'indication'),
    ("CKD stage 4 and a gout flare — what's safest?", 'choice'),
    ('On mycophenolate, wants to get pregnant. What do I tell her?', 'population'),
    ('Kidney transplant on tacrolimus, starting diltiazem for BP. Anything to watch?', 'monitoring'),
    ('Child-Pugh B cirrhosis — apixaban dose?', 'dose_adjustment'),
    ('Is metformin still OK at an eGFR of 40?', 'safety'),
    ('Which patients with COPD should get azithromycin?', 'indication'),
    ("What's the loading dose of sirolimus?", 'dose'),
    ('Anakinra: how long to continue for a flare?', 'dose'),
    ("What do I use for PJP prophylaxis if she's allergic to sulfa?", 'choice'),
    ('How often do you repeat a colonoscopy after a normal one?', 'monitoring'),
    ('Should a 60-year-old with diabetes be on a statin?', 'indication'),
    ('Can canakinumab be given to someone with active TB?', 'safety'),
    ('Is it safe to combine allopurinol and azathioprine?', 'interaction'),
    ('Is there any danger in giving a live vaccine to a patient on Humira?', 'safety'),
    ('Compression stockings after a DVT — worth it?', 'indication'),
    ("When's the best time to start ULT after a flare?", 'other'),
    ('Any evidence that vitamin C lowers urate?', 'indication'),
    ('How much prednisone for a COPD exacerbation?', 'dose'),
])
def test_clinician_phrasings_of_every_intent(question: str, intent: str, table: AliasTable) -> None:
    # the intent convention of evals/sets/README.md, read from the syntax of the question
    f = frame_of(question, table)
    assert f.intent == intent, f


def test_a_test_before_a_drug_starts_is_screening(table: AliasTable) -> None:
    f = frame_of("Do I need hepatitis B serology before giving rituximab?", table)
    assert (f.intent, f.asked_attribute) == ("monitoring", "screening"), f


def test_a_drug_for_its_indication_in_a_patient_with_another_condition_asks_about_safety(table: AliasTable) -> None:
    assert frame_of("Prednisone for a gout flare in a diabetic?", table).intent == "safety"
    assert frame_of("Prednisone for a gout flare?", table).intent in ("indication", "choice")


def test_a_drug_the_patient_is_on_at_maximum_dose_is_current(table: AliasTable) -> None:
    f = frame_of("LDL still 120 on maximal rosuvastatin. What next?", table)
    assert (f.intervention, f.current_medications) == (None, ["rosuvastatin"]), f


@pytest.mark.parametrize(("history", "question", "intent", "intervention"), [
    ([], 'Pt on Xarelto w/ new AF ablation planned — hold how long?', 'other', "rivaroxaban"),
    ([], 'Allopurinol + azathioprine: dose adjust?', 'dose_adjustment', "allopurinol"),
    ([], 'Is febuxostat first line for gout?', 'choice', "febuxostat"),
    ([], 'Metformin — hold for contrast?', 'other', "metformin"),
    ([], 'Anything better than colchicine for prophylaxis?', 'choice', None),
    ([], 'Does Kineret work for gout flares?', 'indication', "anakinra"),
    ([], 'Safe to give Shingrix on tacrolimus?', 'safety', "recombinant zoster vaccine"),
    ([], 'ACE inhibitor in pregnancy?', 'population', "ace inhibitor"),
    ([], 'Prednisone taper for a gout flare — how fast?', 'dose', "prednisone"),
    ([], 'Colchicine in a patient on dialysis?', 'safety', "colchicine"),
    ([], "What's the risk of bleeding with apixaban plus aspirin?", 'interaction', "apixaban"),
    ([], 'Which antihypertensive in pregnancy?', 'choice', None),
    ([], 'How soon after starting allopurinol can I expect urate to fall?', 'other', "allopurinol"),
    (["Colchicine dose for an acute flare?"], 'And in someone on clarithromycin?', 'dose_adjustment', "colchicine"),
    (["Is allopurinol OK with azathioprine?"], 'What about febuxostat?', 'interaction', "febuxostat"),
    (["Apixaban dose for AF?"], "What if she's on dialysis?", 'dose_adjustment', "apixaban"),
    (["Is metformin safe in CKD?"], 'What monitoring does she need?', 'monitoring', "metformin"),
    (["Can I use warfarin for a DVT?"], 'How long?', 'dose', "warfarin"),
    (["Urate target in gout?"], 'And with tophi?', 'target', "urate-lowering therapy"),
    (["Tacrolimus trough target after kidney transplant?"], 'How often should it be checked?', 'monitoring', "tacrolimus"),
    (["Best treatment for a gout flare in CKD 4?"], 'What about prednisone?', 'choice', "prednisone"),
])
def test_terse_questions_and_follow_ups_read_by_the_convention(history: list[str], question: str, intent: str, intervention: str | None, table: AliasTable) -> None:
    f = follow_up(question, history, table)
    assert (f.intent, f.intervention) == (intent, intervention), f


def test_a_procedure_in_the_story_of_a_patient_on_a_drug_is_the_event_not_the_intervention(table: AliasTable) -> None:
    f = frame_of("On warfarin for AF, needs a colonoscopy. Bridge?", table)
    assert f.intervention == "warfarin", f
    assert frame_of("Unexplained weight loss on metformin — stop it?", table).intervention == "metformin"


@pytest.mark.parametrize(("question", "intent"), [
    ('Colchicine for a flare in someone on hemodialysis?', 'safety'),
    ('Allopurinol after a first flare?', 'indication'),
    ('Apixaban for AF in an 88-year-old, 52 kg?', 'dose'),
    ('Prednisone for a flare — duration?', 'dose'),
    ('Warfarin before a dental extraction?', 'other'),
    ('Live vaccines after stopping rituximab?', 'other'),
    ('Aspirin with apixaban?', 'interaction'),
    ('Febuxostat in someone with heart failure?', 'safety'),
    ('Methotrexate dosing in CKD 3?', 'dose_adjustment'),
    ('Tacrolimus trough goal in a liver transplant?', 'target'),
    ('Labs on azathioprine?', 'monitoring'),
    ('Sirolimus in pregnancy?', 'population'),
    ('Mycophenolate while breastfeeding?', 'population'),
    ('Colchicine and cyclosporine?', 'interaction'),
    ('First-line for pyelonephritis?', 'choice'),
    ('Ceftriaxone or levofloxacin for CAP?', 'choice'),
    ('Febuxostat vs allopurinol mortality?', 'comparison'),
    ('Shingrix before starting tofacitinib?', 'other'),
    ('Apixaban 2.5 or 5?', 'dose'),
    ('Metformin contraindications?', 'contraindication'),
    ('Boxed warning for febuxostat?', 'safety'),
    ('Anakinra side effects?', 'safety'),
    ('Duration of PJP prophylaxis after lung transplant?', 'dose'),
    ('When to restart warfarin after a GI bleed?', 'other'),
    ('TB screening before adalimumab?', 'monitoring'),
    ('NSAID in a patient on lithium?', 'safety'),
    ('Eliquis in mechanical valve?', 'safety'),
])
def test_terse_questions_without_a_question_verb(question: str, intent: str, table: AliasTable) -> None:
    assert frame_of(question, table).intent == intent


@pytest.mark.parametrize(("history", "question", "intent", "intervention"), [
    (["Is allopurinol safe in CKD 4?"], 'What dose should I start at?', 'dose_adjustment', "allopurinol"),
    (["Is allopurinol safe in CKD 4?"], 'And febuxostat?', 'safety', "febuxostat"),
    (["Can I give colchicine with atorvastatin?"], 'What about with cyclosporine?', 'interaction', "colchicine"),
    (["Apixaban dose for a new DVT?"], 'And after the first week?', 'dose', "apixaban"),
    (["Apixaban dose for a new DVT?"], 'Does it need adjusting for a CrCl of 25?', 'dose_adjustment', "apixaban"),
    (["Is tacrolimus OK in pregnancy?"], 'And breastfeeding?', 'population', "tacrolimus"),
    (["Is tacrolimus OK in pregnancy?"], 'What levels should I aim for?', 'target', "tacrolimus"),
    (["Metformin in a patient with eGFR 35?"], 'Any interaction with her cimetidine?', 'interaction', "metformin"),
    (["Azathioprine monitoring?"], 'And if she starts allopurinol?', 'monitoring', "azathioprine"),
    (["Can I start anakinra for a flare?"], 'How long should I give it?', 'dose', "anakinra"),
    (["Can I start anakinra for a flare?"], 'Is there a boxed warning?', 'safety', "anakinra"),
])
def test_follow_ups_keep_the_patient_and_take_their_own_ask(history: list[str], question: str, intent: str, intervention: str | None, table: AliasTable) -> None:
    f = follow_up(question, history, table)
    assert (f.intent, f.intervention) == (intent, intervention), f


def test_a_follow_up_that_adds_a_drug_the_patient_starts_keeps_the_earlier_intervention(table: AliasTable) -> None:
    f = follow_up("And if she starts allopurinol?", ["Azathioprine monitoring?"], table)
    assert (f.intervention, f.current_medications) == ("azathioprine", ["allopurinol"])


def test_a_choice_of_prevention_asks_for_the_prophylaxis(table: AliasTable) -> None:
    f = frame_of("Which antifungals prevent invasive aspergillosis after a lung transplant?", table)
    assert (f.intent, f.asked_attribute) == ("choice", "prophylaxis"), f


def test_lay_and_subtype_names_of_conditions(table: AliasTable) -> None:
    """A bladder infection is a urinary tract infection; ulcerative colitis and Crohn's are the
    inflammatory bowel disease a guideline's scope names; 'IBD' counts only in capitals."""
    assert "urinary tract infection" in frame_of("Plain amoxicillin for a bladder infection?", table).conditions
    def named(q: str) -> set[str]:
        f = frame_of(q, table)
        return {*f.conditions, *([f.indication] if f.indication else [])}

    assert "inflammatory bowel disease" in named("Does the screening schedule apply to my ulcerative colitis patient?")
    assert "inflammatory bowel disease" in named("Crohn's disease on azathioprine: live vaccines?")
    assert "inflammatory bowel disease" not in named("Is the ibd of this drug known?")


def test_a_question_that_names_no_ask_is_yes_no(table: AliasTable) -> None:
    """A research title asked as a question ("X: a single syndrome?") asks whether it is so; the
    fallback attribute is no request for a value. A bare choice still is."""
    assert frame_of("Chronic functional somatic symptoms: a single syndrome?", table).yes_no
    assert frame_of("Stage I lung carcinoma: really an early stage?", table).yes_no
    assert not frame_of("Which antibiotic for cystitis?", table).yes_no


def test_kidney_function_said_as_a_change_and_a_wh_question_after_a_preposition() -> None:
    from curbside.qa.frame import renal_value

    assert renal_value("His eGFR is now 40. What dose should he be on?") == 40
    assert renal_value("eGFR dropped from 40 to 36 after starting dapagliflozin.") == 36
    assert renal_value("CrCl of 25") == 25


def test_by_how_much_is_no_yes_no_question(table: AliasTable) -> None:
    assert not frame_of("By how much should I cut colchicine in someone on tacrolimus?", table).yes_no
    assert frame_of("On Ranexa. Can I add clarithromycin?", table).current_medications == ["ranolazine"]
