"""The yes/no shape of a question (curbside.qa.shape): answered by yes / no / a condition, or by a
value, a choice or an explanation.

The wordings are written for these tests (not copied from an eval set): terse, story then ask,
abbreviations, follow-ups. Each names the word class that decides it.
"""

from __future__ import annotations

import pytest

from curbside.pipeline import analyse_turns
from curbside.qa.aliases import AliasTable
from curbside.qa.query import analyse
from curbside.qa.shape import asking_clause, follow_up_shape, is_yes_no


@pytest.fixture(scope="module")
def table() -> AliasTable:
    return AliasTable.bundled()


@pytest.mark.parametrize("question", [
    # an auxiliary or a modal, also after a comma or a dash
    "Can I give trimethoprim to someone on methotrexate?",
    "eGFR 28 and on lisinopril, should I cut the dose?",
    "Heart failure with EF 25%, is verapamil contraindicated?",
    "Seizure patient on valproate — does meropenem lower the level?",
    "Should I add ezetimibe or a PCSK9 inhibitor on top of his statin?",  # an auxiliary asks whether to
    # a bare verb proposing an act
    "Creatinine up 25% after the ACE inhibitor. Stop it?",
    "Sepsis on the ward, on empagliflozin - hold it?",
    "Well controlled on the biologic for two years - taper the dose?",
    "on dabigatran for AF, needs a dental extraction. just continue it?",
    "RA on methotrexate - check LFTs every 3 months?",
    # a verdict asked of what is proposed
    "Ceftriaxone in a penicillin-allergic patient — fine?",
    "ok to restart warfarin 2 days after the polypectomy?",
    "Worth adding spironolactone for resistant hypertension?",
    # only a name, or a name for a purpose: a thing to accept
    "Penicillin allergy, strep throat. Azithromycin?",
    "Doxycycline for early Lyme in a 10-year-old?",
    "pt with new AF and a mechanical valve - dabigatran instead of warfarin?",
    "Metformin 500 mg twice daily with an eGFR of 35?",  # the dose is proposed, not asked
    "Starting azathioprine — TPMT first?",
    # "any X" that proposes an act or asks a verdict
    "Any problem giving ibuprofen to a patient on lithium?",
    "any live vaccines off limits on methotrexate?",
])
def test_yes_no_shaped(question: str) -> None:
    assert is_yes_no(question), asking_clause(question)


@pytest.mark.parametrize("question", [
    # a wh-question, also after a comma, a dash, or inside a clause with no auxiliary
    "Lithium level 1.4 on the new diuretic, what now?",
    "on phenytoin, starting fluconazole - what should I expect?",
    "nitrofurantoin how many days for a simple UTI?",
    "In the trial what was the primary endpoint?",
    "For how long after a DVT do I anticoagulate?",
    # a value asked and none proposed
    "Vancomycin dose for a 90 kg man on dialysis?",
    "Gentamicin trough goal?",
    "Apixaban starting dose after a hip replacement?",
    "HbA1c target in a frail 85-year-old?",
    "Persistent hypokalemia on furosemide. Next step?",
    "Penicillin allergic, needs endocarditis prophylaxis - options?",
    "TSH monitoring schedule after starting levothyroxine?",
    "Boxed warnings on fluoroquinolones?",
    # a choice between named things
    "New DVT in pregnancy — enoxaparin or warfarin?",
    "Hypertension in a Black patient: amlodipine vs lisinopril first?",
    # "any X?" that asks for the X
    "Starting isoniazid. Any advice?",
    "On tacrolimus - anything to watch with clarithromycin?",
    "Any dose change for cefepime in CKD?",
    # a statement is no question
    "Tell me the clopidogrel loading dose.",
])
def test_not_yes_no_shaped(question: str) -> None:
    assert not is_yes_no(question), asking_clause(question)


def test_as_the_first_drug_names_a_role_proposed_not_a_choice_asked() -> None:
    assert is_yes_no("Pegloticase as the first urate-lowering drug for tophi?")
    assert not is_yes_no("First drug for tophaceous gout?")


def test_a_dose_named_as_the_manner_of_an_act_is_proposed() -> None:
    assert is_yes_no("Keep her on the same dose through the pregnancy?")
    assert is_yes_no("Low-dose aspirin after the stent in a patient on apixaban?")
    assert not is_yes_no("Usual amoxicillin dose for otitis media?")


def test_a_body_weight_stated_for_a_dose_asks_for_the_dose() -> None:
    assert not is_yes_no("Enoxaparin for a PE in a 60-year-old on dialysis, 110 kg?", value_asked=True)
    assert is_yes_no("Enoxaparin for a PE in a 60-year-old on dialysis?")


def test_asking_clause_is_the_last_sentence_dash_colon_or_comma_clause() -> None:
    assert asking_clause("Uric acid 9, no gout. Treat?") == "Treat?"
    assert asking_clause("pt on warfarin - E. coli UTI - Bactrim ok?") == "Bactrim ok?"
    assert asking_clause("Started on it last week, can she keep going?") == "can she keep going?"
    assert asking_clause("Crohn's, when the flare settles, restart it?") == "Crohn's, when the flare settles, restart it?"


@pytest.mark.parametrize(("follow", "earlier", "expected"), [
    ("And if she's 30 weeks pregnant?", True, True),  # elliptical: the earlier shape
    ("And if she's 30 weeks pregnant?", False, False),
    ("What about her husband getting the shingles vaccine?", True, True),
    ("and with an eGFR of 25?", False, False),
    ("The nasal flu vaccine?", True, True),
    ("Could I use cefalexin instead?", False, True),  # its own auxiliary
    ("stop it then?", False, True),  # its own bare verb
    ("and the max dose?", True, False),  # its own value
    ("What dose?", True, False),  # its own wh-word
])
def test_a_follow_up_takes_its_own_shape_only_when_it_says_how_it_asks(follow: str, earlier: bool, expected: bool) -> None:
    assert follow_up_shape(follow, earlier) is expected


def test_frames_carry_the_shape(table: AliasTable) -> None:
    assert analyse("eGFR 22 on metformin, do I stop it?", table).frame.yes_no
    assert not analyse("Clarithromycin dose for a CrCl of 25?", table).frame.yes_no
    dose = analyse_turns("And if she's on hemodialysis?", ["Gabapentin dose for neuropathic pain?"], table).frame
    assert not dose.yes_no  # asks the dose again, for a changed patient
    safe = analyse_turns("And if she's on hemodialysis?", ["Is gabapentin safe for neuropathic pain?"], table).frame
    assert safe.yes_no
