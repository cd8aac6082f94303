"""Bounds a statement sets on a measured value, read against the value the question gives.

A clinician relies on "where fluoroquinolone resistance is 10% or less" not answering for a place
where it is 20%, and on a criteria list ("at least two of ...") or an alternative ("..., or who
have heart failure") never excluding a patient by one value alone.
"""

from __future__ import annotations

import pytest

from curbside.qa.quantities import Bound, bounds, outside, values

CIPRO = ("For outpatient treatment of pyelonephritis, oral ciprofloxacin 500 mg twice daily for 7 days is "
         "appropriate where fluoroquinolone resistance in the community is 10% or less.")
CEFTRIAXONE = "If the fluoroquinolone resistance prevalence is greater than 10%, an initial dose of ceftriaxone is recommended."
BACTRIM = ("Trimethoprim-sulfamethoxazole 160/800 mg twice daily for 3 days is an appropriate first-line choice when local "
           "resistance of uropathogens to it does not exceed 20%, or when the infecting strain is known to be susceptible.")
SGLT2_ACR = ("KDIGO recommends an SGLT2 inhibitor for adults with CKD and an eGFR of 20 or more who have an ACR of 200 mg/g "
             "or more, or who have heart failure, whether or not they have diabetes.")
APIXABAN = ("For nonvalvular atrial fibrillation, the apixaban dose is lowered to 2.5 mg twice daily when a patient has at least "
            "two of three features: age 80 years or older, body weight 60 kg or less, or serum creatinine 1.5 mg/dL or higher.")


@pytest.mark.parametrize(("question", "expected"), [
    ("Outpatient pyelo in a 30F; local cipro resistance is about 20%. How do I start her?", {"resistance": 20.0}),
    ("Local E. coli resistance to Bactrim is 25%. Still use it?", {"resistance": 25.0}),
    ("62F with IgA nephropathy, eGFR 34, uACR 120 mg/g. SGLT2 inhibitor?", {"albuminuria": 120.0}),
    ("HF with an EF of 45%, no diabetes - Farxiga?", {"ejection fraction": 45.0}),
    ("K+ 5.8 on spironolactone - add lisinopril?", {"potassium": 5.8}),
    ("T2D, BMI 38 - which drug?", {"bmi": 38.0}),
    ("81M, 72 kg, creatinine 1.1 - Eliquis dose?", {}),
])
def test_values_a_question_gives(question: str, expected: dict[str, float]) -> None:
    assert values(question) == expected


def test_bounds_read_both_directions_and_ranges() -> None:
    assert [(b.quantity, b.low, b.high) for b in bounds(CIPRO)] == [("resistance", None, 10.0)]
    assert [(b.quantity, b.low, b.high) for b in bounds(CEFTRIAXONE)] == [("resistance", 10.0, None)]
    assert [(b.low, b.high) for b in bounds("HFmrEF has an LVEF of 41% to 49%.")] == [(41.0, 49.0)]
    assert [(b.low, b.high) for b in bounds(BACTRIM)] == [(None, 20.0)]  # "does not exceed" is an upper bound
    assert all(isinstance(b, Bound) for b in bounds(SGLT2_ACR))


def test_a_value_outside_the_bound_puts_the_statement_off_the_patient() -> None:
    assert outside(CIPRO, "local cipro resistance is about 20%") == "resistance"
    assert outside(CIPRO, "local fluoroquinolone resistance is 5%") is None
    assert outside(CEFTRIAXONE, "local cipro resistance is about 20%") is None
    assert outside("HFrEF is heart failure with an LVEF of 40% or less.", "EF of 45%") == "ejection fraction"
    assert outside(CIPRO, "Outpatient pyelo in a 30F - how do I start her?") is None  # no value given: nothing to compare


def test_a_bound_belongs_to_the_quantity_just_before_it() -> None:
    finerenone = ("For adults with type 2 diabetes, an eGFR above 25, normal serum potassium and albuminuria of 30 mg/g or more "
                  "despite the maximum tolerated dose of an ACE inhibitor or ARB, KDIGO suggests adding finerenone.")
    assert [(b.quantity, b.low) for b in bounds(finerenone)] == [("albuminuria", 30.0)]
    assert outside(finerenone, "T2D + CKD, eGFR 45, K 4.4, still albuminuric on max losartan - add Kerendia?") is None


def test_criteria_lists_and_alternatives_exclude_no_one() -> None:
    assert bounds(APIXABAN) == []
    assert outside(SGLT2_ACR, "uACR 120 mg/g, no heart failure") is None
    assert outside(BACTRIM, "Local E. coli resistance to Bactrim is 25%.") is None


def test_the_bound_decides_which_regimen_leads(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("Outpatient pyelo in a 30F; local cipro resistance is about 20%. How do I start her?")
    assert answer.bottom_line is not None and "10% or less" not in answer.bottom_line.text
