"""Statements about a drug's category, and sentences about the source itself.

A clinician relies on these readings:
- a section on a category of drugs ("before biologic therapy") that names only the patient's
  conditions ("patients with RA and chronic hepatitis B ... be treated in the same way as patients
  without hepatitis B") answers for each drug of the category, and "patients without hepatitis B"
  is the comparison, not a group left out;
- a class asked about by name ("a TNF inhibitor") is in the categories every member is in;
- "combining X with Y" is an interaction, so it does not lead for a patient not on Y;
- an avoidance that reaches the patient's drug only by its class is a caution when the same source
  doses the two together by name (sirolimus with cyclosporine);
- a sentence that says what its source covers ("This digest covers ...", "The guideline includes
  recommendations on ...") states nothing about a patient or a treatment, so it never answers.
"""

from __future__ import annotations

import pytest


def test_a_category_section_naming_the_patients_conditions_answers_for_its_drugs(bundled_pipeline) -> None:
    # "patients with RA and chronic hepatitis B on effective antiviral treatment should be treated
    # for RA in the same way as patients without hepatitis B", under "... before biologic therapy":
    # it names no drug, yet it answers whether a biologic may be given; "patients without
    # hepatitis B" is the comparison, not a group the statement leaves out
    answer = bundled_pipeline.ask("Would you use etanercept in someone with rheumatoid arthritis and chronic hepatitis B on effective antiviral treatment?")
    assert answer.decision == "yes", answer.decision_text
    assert answer.bottom_line is not None and "same way as patients without hepatitis B" in answer.bottom_line.text


def test_an_interaction_statement_about_a_drug_the_patient_is_not_on_does_not_lead(bundled_pipeline) -> None:
    # "combining etanercept with anakinra ..." is an interaction; the patient takes no anakinra
    answer = bundled_pipeline.ask("47-year-old with rheumatoid arthritis and resolved hepatitis B (core and surface antibody positive, "
                                  "normal liver tests): is adalimumab safe?")
    assert answer.bottom_line is not None
    assert "anakinra" not in answer.bottom_line.text
    assert "viral load is monitored" in answer.bottom_line.text


@pytest.mark.parametrize("sentence", [
    "This digest covers the 2020 American College of Rheumatology (ACR) recommendations on when to start urate-lowering therapy.",
    "Section 9 of the American Diabetes Association (ADA) Standards of Care in Diabetes 2024 covers glucose-lowering drugs for type 1 and type 2 diabetes.",
    "The 2015 ACR guideline includes recommendations on screening for tuberculosis in patients starting or receiving biologic agents or tofacitinib.",
    "The 2015 ACR tuberculosis algorithm is written for patients with rheumatoid arthritis starting biologic agents or tofacitinib.",
])
def test_a_sentence_describing_its_source_is_not_an_answer(sentence: str) -> None:
    from curbside.qa.compose import _DESCRIBES_SOURCE

    assert _DESCRIBES_SOURCE.search(sentence)


@pytest.mark.parametrize("sentence", [
    "The IDSA 2013 guideline recommends PCV13 starting 2 to 6 months after solid organ transplantation.",
    "Under the 2015 ACR algorithm, a positive TST or IGRA result leads to a chest radiograph.",
    "Low-dose colchicine covers most flares when started within 12 hours.",
])
def test_a_sentence_stating_a_recommendation_or_fact_is_not_a_description_of_its_source(sentence: str) -> None:
    from curbside.qa.compose import _DESCRIBES_SOURCE

    assert not _DESCRIBES_SOURCE.search(sentence)


def test_a_question_about_a_class_reaches_what_its_category_section_says(bundled_pipeline) -> None:
    # every TNF inhibitor is a biologic, so the biologic screening statements answer a question
    # about "a TNF inhibitor"; the sentence saying what the algorithm is written for does not lead
    answer = bundled_pipeline.ask("On a TNF inhibitor for RA - annual TB screening needed?")
    assert answer.bottom_line is not None
    assert "is written for" not in answer.bottom_line.text and "provides a tuberculosis screening algorithm" not in answer.bottom_line.text


def test_a_class_avoidance_is_a_caution_for_a_drug_its_source_doses_by_name(bundled_pipeline) -> None:
    # the sirolimus label advises avoiding strong CYP3A4 and P-gp inhibitors "such as ketoconazole
    # ... clarithromycin", and the same label gives sirolimus with cyclosporine, adjusting the
    # cyclosporine dose: for a patient on cyclosporine that is a precaution, not a "no"
    answer = bundled_pipeline.ask("Kidney transplant on cyclosporine - can I add sirolimus?")
    assert answer.decision == "conditional", answer.decision_text
    # a drug the avoidance names stays a "no"
    named = bundled_pipeline.ask("Kidney transplant on sirolimus, needs clarithromycin for pneumonia - OK?")
    assert named.decision == "no", named.decision_text
