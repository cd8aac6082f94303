"""Measured values a statement puts a bound on, and the patient's value the question gives.

"Ciprofloxacin ... where fluoroquinolone resistance in the community is 10% or less" says nothing
for a patient whose local resistance is 20%; "TMP-SMX ... when local resistance does not exceed
20%" does not answer "resistance is 25% - still use it?" with a yes. This module reads such bounds
(:func:`bounds`) and the values a question states (:func:`values`) for a few measured quantities
whose bound is a condition on the whole statement, and :func:`outside` says whether the patient's
value falls outside a bound the statement sets.

Kidney function is read elsewhere (:mod:`curbside.qa.claims` renal ranges, with its severity
words); ages too (``covers_age``). Quantities that labels combine into criteria ("at least two of:
age 80 or older, body weight 60 kg or less, serum creatinine 1.5 mg/dL or higher") are left out:
one criterion alone decides nothing, so a statement listing criteria is never read as bounded, nor
one whose bound is one alternative of several ("an ACR of 200 mg/g or more, or heart failure").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

QUANTITIES: dict[str, str] = {
    "resistance": r"resistan(?:ce|t)(?:\s+(?:rates?|levels?|prevalence))?",
    "albuminuria": r"u?acr|albumin[- ]to[- ]creatinine\s+ratio|albuminuria",
    "ejection fraction": r"(?:lv)?ef|(?:left\s+ventricular\s+)?ejection\s+fraction",
    "potassium": r"(?:serum\s+)?potassium|k\+?",
    "bmi": r"bmi|body[- ]mass\s+index",
}
"""Each quantity and how a text names it (case-insensitive; "EF", "K" only as whole words)."""

_NUMBER = r"(\d{1,4}(?:\.\d+)?)"
_UNIT = r"\s*(?:%|percent|mg/g|mg/mmol|mmol/l|meq/l|kg/m2|kg/m²)?"
_ANY_NAME = r"(?<!\w)(?:" + "|".join(QUANTITIES.values()) + r")(?!\w)"
_GAP = r"(?:(?!" + _ANY_NAME + r")[^.;:?!\d]){0,60}?"
"""Words between a quantity and its bound: within one clause, naming no other quantity ("normal
serum potassium and albuminuria of 30 mg/g or more" bounds albuminuria, not potassium)."""
_AT_LEAST = r"(?:at\s+least|≥|>=|more\s+than|greater\s+than|above|over|(?<!not\s)exceed(?:s|ing)?|higher\s+than)"
_AT_MOST = r"(?:at\s+most|≤|<=|<|below|under|less\s+than|lower\s+than|(?:does|do)\s+not\s+exceed|not\s+exceeding|no\s+more\s+than|up\s+to)"
_OR_MORE = r"or\s+(?:more|greater|higher|above)"
_OR_LESS = r"or\s+(?:less|lower|below|fewer)"

_CRITERIA = re.compile(r"\b(?:at\s+least\s+(?:two|three|2|3)\s+of|two\s+or\s+more\s+of|any\s+(?:two|2)\s+of)\b", re.I)
_ALTERNATIVE = re.compile(r",?\s+or\s+(?:who|in\s+whom|with|whose|if|when|those|patients)\b", re.I)


@dataclass(frozen=True)
class Bound:
    quantity: str
    low: float | None  # value must be at least this (None: no lower bound)
    high: float | None  # value must be at most this (None: no upper bound)
    end: int  # where the bound ends in the text


def _names(quantity: str) -> str:
    return r"(?<!\w)(?:" + QUANTITIES[quantity] + r")(?!\w)"


def bounds(text: str) -> list[Bound]:
    """The bounds a statement sets on the quantities of :data:`QUANTITIES`, in text order; none for
    a statement that lists criteria (:data:`_CRITERIA`)."""
    if _CRITERIA.search(text):
        return []
    out: list[Bound] = []
    for quantity in QUANTITIES:
        name = _names(quantity)
        patterns = (
            (re.compile(name + _GAP + r"\bbetween\s+" + _NUMBER + _UNIT + r"\s+(?:and|to)\s+" + _NUMBER, re.I), "range"),
            (re.compile(name + _GAP + r"(?<![\d.])" + _NUMBER + r"\s*%\s*(?:to|-|–)\s*" + _NUMBER + r"\s*%", re.I), "range"),
            (re.compile(name + _GAP + _AT_LEAST + r"\s*" + _NUMBER, re.I), "low"),
            (re.compile(name + _GAP + _AT_MOST + r"\s*" + _NUMBER, re.I), "high"),
            (re.compile(name + _GAP + r"(?<![\d.])" + _NUMBER + _UNIT + r"\s+" + _OR_MORE, re.I), "low"),
            (re.compile(name + _GAP + r"(?<![\d.])" + _NUMBER + _UNIT + r"\s+" + _OR_LESS, re.I), "high"),
        )
        for pattern, kind in patterns:
            for m in pattern.finditer(text):
                a = float(m.group(1))
                if kind == "range":
                    out.append(Bound(quantity, a, float(m.group(2)), m.end()))
                elif kind == "low":
                    out.append(Bound(quantity, a, None, m.end()))
                else:
                    out.append(Bound(quantity, None, a, m.end()))
    return sorted(out, key=lambda b: b.end)


_VALUE_GAP = r"(?:\s+(?:to|of|for)\s+[a-z][\w-]*(?:\s+[a-z][\w-]*)?)?\s*(?:is|was|of|at|about|around|approximately|roughly|~|=|:)?\s*(?:about|around|approximately|~)?\s*"


def values(question: str) -> dict[str, float]:
    """The value of each quantity the question states ("uACR 120 mg/g", "local cipro resistance is
    about 20%", "EF of 45%", "K 5.6"); the first one named counts."""
    out: dict[str, float] = {}
    for quantity in QUANTITIES:
        m = re.search(_names(quantity) + _VALUE_GAP + _NUMBER + r"(?![\d.])(?!\s*(?:or\s+(?:more|less)|mg\b(?!/)|mcg\b|days?|weeks?|months?|years?))", question, re.I)
        if m is not None:
            out[quantity] = float(m.group(1))
    return out


def outside(text: str, question: str) -> str | None:
    """The quantity whose stated bound the question's value falls outside, or None.

    A bound that is one alternative of several ("... of 200 mg/g or more, or who have heart
    failure") excludes no one."""
    given = values(question)
    if not given:
        return None
    for b in bounds(text):
        v = given.get(b.quantity)
        if v is None or _ALTERNATIVE.match(text, b.end + _unit_length(text, b.end)):
            continue
        if (b.low is not None and v < b.low) or (b.high is not None and v > b.high):
            return b.quantity
    return None


def _unit_length(text: str, at: int) -> int:
    m = re.match(_UNIT + r"(?:\s+" + _OR_MORE + r"|\s+" + _OR_LESS + r")?", text[at:], re.I)
    return m.end() if m else 0
