"""The answer plan: per asked attribute, what a sentence must state to answer it, and the words
for saying that the library does not state it.

``ATTRIBUTE_PLANS`` maps each asked attribute of :data:`curbside.qa.types.ATTRIBUTES` to the claim
relations that answer it (:mod:`curbside.qa.claims`), the population a sentence must be about, and
whether the answer needs a number (a dose, a target). :func:`attribute_match` scores a claim
against a frame with that table; :func:`not_stated` words an honest "the library does not state"
line. Which sections an intent shows lives in ``INTENT_SECTIONS``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from curbside.qa.aliases import AliasTable
from curbside.qa.claims import Claim
from curbside.qa.types import QuestionFrame


@dataclass(frozen=True)
class AttributePlan:
    relations: frozenset[str]  # any one answers the attribute
    population: str | None = None  # the claim must be about this population
    needs_number: bool = False
    verdict: bool = False  # a yes/no verdict belongs to this attribute's answer
    supporting: frozenset[str] = frozenset()  # relations that bear on it without settling it


def _p(*relations: str, population: str | None = None, needs_number: bool = False, verdict: bool = False, supporting: tuple[str, ...] = ()) -> AttributePlan:
    return AttributePlan(frozenset(relations), population, needs_number, verdict, frozenset(supporting))


SUPPORTING = 0.6
"""attribute_match of a sentence whose relation bears on the attribute without settling it (an
adverse effect for a safety question): enough to ground an answer, ranked below one that settles."""

AGAINST_DOING = frozenset({"contraindication", "avoid", "boxed"})
"""Relations that say not to do it: whatever a yes/no question asks about doing it, they answer no."""
_DANGER = ("contraindication", "boxed", "avoid", "caution", "dose_change", "no_change")
ATTRIBUTE_PLANS: dict[str, AttributePlan] = {
    "safety": _p(*_DANGER, "second_line", "first_line", verdict=True, supporting=("adverse", "recommend", "monitoring", "interaction")),
    "interaction": _p("interaction", *_DANGER, verdict=True),
    "dose": _p("dose", needs_number=True, supporting=("dose_change", "no_change")),
    "renal dose": _p("dose", "dose_change", "no_change", "contraindication", "avoid", population="ckd"),
    "target": _p("target", needs_number=True),
    "monitoring": _p("monitoring", "screening"),
    "pregnancy": _p(*_DANGER, "recommend", "adverse", population="pregnancy", verdict=True),
    "lactation": _p(*_DANGER, "recommend", "adverse", population="lactation", verdict=True),
    "children": _p(*_DANGER, "recommend", "dose", "adverse", "indication", population="child", verdict=True),
    "older adults": _p(*_DANGER, "recommend", "dose", "adverse", population="older adult", verdict=True),
    "contraindication": _p("contraindication", "avoid", "boxed", verdict=True, supporting=("caution",)),
    "boxed warning": _p("boxed"),
    "adverse effects": _p("adverse"),
    "first-line choice": _p("first_line", "second_line", supporting=("recommend",)),
    "alternatives": _p("recommend", "first_line", "second_line"),
    "duration": _p("duration"),
    "timing": _p("timing", "screening"),
    "efficacy": _p("result", supporting=("recommend",)),
    "indication": _p("indication", "first_line", "second_line", verdict=True, supporting=("recommend",)),
    "screening": _p("screening"),
    "vaccination": _p("vaccination"),
    "prophylaxis": _p("prophylaxis"),
}

# Sections an intent shows, in order (the bottom line and verdict always come first).
INTENT_SECTIONS: dict[str, tuple[str, ...]] = {
    "safety": ("rationale", "risks", "alternatives", "monitoring", "evidence", "conclusion"),
    "interaction": ("rationale", "risks", "alternatives", "monitoring", "conclusion"),
    "dose": ("rationale", "risks", "monitoring", "conclusion"),
    "dose_adjustment": ("rationale", "risks", "monitoring", "conclusion"),
    "choice": ("rationale", "alternatives", "risks", "evidence", "conclusion"),
    "target": ("rationale", "monitoring", "conclusion"),
    "monitoring": ("rationale", "risks", "conclusion"),
    "population": ("rationale", "risks", "alternatives", "conclusion"),
    "indication": ("rationale", "alternatives", "risks", "evidence", "conclusion"),
    "contraindication": ("rationale", "risks", "alternatives", "conclusion"),
    "comparison": ("rationale", "evidence", "risks", "conclusion"),
    "other": ("rationale", "risks", "monitoring", "evidence", "conclusion"),
}

_PHASE_OF_QUESTION: list[tuple[str, re.Pattern[str]]] = [
    ("prophylaxis", re.compile(r"\bprophyla\w*|\bppx\b|\bprevent\w*|\bpreventive", re.I)),
    ("extended", re.compile(r"\bextended|\blong-term|\bbeyond\s+\d|\bafter\s+\d+\s+months|\b(?:done|completed|finished|had)\s+(?:\w+\s+){0,2}\d+\s+months|\bcontinuing\b|\bfrom\s+here\b|\brecurren\w*|\bsecondary\s+prevention|\bmaintenance", re.I)),
    ("initial", re.compile(r"\bnew\b|\bacute\b|\bjust\s+diagnosed|\binitial|\bstart\w*\s+dose|\bloading|\bfirst\s+(?:week|days)|\bfresh|\bnewly", re.I)),
]


_AMOUNT_ASK = re.compile(
    r"\bhow\s+much\b|\bhow\s+many\s+(?:mg|milligrams?|micrograms?|units?|tablets?|pills?|percent)\b|"
    r"\b(?:by\s+)?what\s+(?:percentage|percent|fraction|proportion|factor)\b|"
    r"\b(?:what|which)(?:'s|\s+is|\s+should)?\s+(?:be\s+)?(?:the\s+|his\s+|her\s+|their\s+|a\s+)?(?:new\s+|right\s+|correct\s+|reduced\s+|adjusted\s+)?(?:dose|dosage|dosing|amount)\b",
    re.I,
)


_DOSE_AT_KIDNEY = re.compile(
    r"\b(?:dose|dosage|dosing)\s+(?:at|for|with|in|on)\s+(?:an?\s+|his\s+|her\s+)?"
    r"(?:crcl|clcr|e?gfr|creatinine\s+clearance|ckd|stage|dialysis|h(?:a)?emodialysis)\b",
    re.I,
)


def asks_dose_at_kidney_function(question: str) -> bool:
    """Does the question ask for the dose at a kidney function it names ("dose at a CrCl of 40?",
    "dosing on dialysis?")? That names the value the dose is for, however short the question: it
    is answered by a dose, a share of the dose, or not giving it, never by "doses must be adjusted
    for kidney function"."""
    return bool(_DOSE_AT_KIDNEY.search(question))


def asks_for_amount(question: str) -> bool:
    """Does the question ask how much to give ("What dose should he be on?", "By how much should I
    cut it?"), rather than what to do ("ANC 1.1 on it. What now?", "Change anything?")? An amount
    is answered by an amount (or by not giving it at all), never by "reduce the dose"."""
    return bool(_AMOUNT_ASK.search(question))


_ON_A_REGIMEN = re.compile(r"\b(?:been|is|'s|stays?|remains?|currently|already|still)\s+(?:taking\s+|on\s+)(?:(?:his|her|their|the)\s+)?$", re.I)
_REGULAR_DOSE = re.compile(r"\s+\d+(?:\.\d+)?\s*(?:mg|mcg|g|units?)?\s*(?:bid|tid|qid|qd|od|daily|once\s+(?:a\s+)?daily|twice\s+(?:a\s+)?daily|once\s+a\s+day|twice\s+a\s+day|every\s+\w+|q\d+h)\b", re.I)
"""A patient said to be taking the asked drug at a regular dose ("he's been on colchicine 0.6 bid
since we started Zyloprim"): the dose asked about is the one of the course under way
(prophylaxis, extended), not a first or acute dose (:data:`ONGOING`)."""
ONGOING = "ongoing"
ONGOING_PHASES = frozenset({"prophylaxis", "extended"})
"""The claim phases a course under way continues."""

_OTHER_DRUG_GAP = re.compile(r"^[\s-]*(?:(?:oral|iv|low-dose|high-dose|daily)\s+)?$", re.I)
"""What may stand between a phase word and the drug it describes ("long-term erythromycin",
"prophylactic oral TMP-SMX")."""


@functools.lru_cache(maxsize=256)
def question_phase(question: str, intervention: str | None = None) -> str | None:
    """The treatment phase a dose question is about, when it says: prophylaxis, extended, initial.

    A phase word that describes another drug than ``intervention`` ("on long-term erythromycin
    ... does the colchicine need to change?") is that drug's course, not the asked one's.
    Cached: :func:`attribute_match` asks it once per dose sentence of the same question.
    """
    others: list[int] = []
    if intervention is not None:
        found = AliasTable.bundled().find(question)
        others = [start for start, _end, _surface, generic in found if generic != intervention]
        if any(generic == intervention and _ON_A_REGIMEN.search(question[:start]) and _REGULAR_DOSE.match(question[end:]) for start, end, _s, generic in found):
            return ONGOING
    for name, pattern in _PHASE_OF_QUESTION:
        for m in pattern.finditer(question):
            if any(start >= m.end() and _OTHER_DRUG_GAP.match(question[m.end() : start]) for start in others):
                continue
            return name
    return None


def attribute_match(claim: Claim, frame: QuestionFrame, question: str) -> float:
    """How well a sentence's claim answers the frame's asked attribute, from 0 to 1.

    1 when it states one of the attribute's relations (and the attribute's population, and a
    number where one is needed); partial credit when only the relation or only the population is
    there. Dose statements of another phase or population than the question's score 0.
    """
    plan = ATTRIBUTE_PLANS.get(frame.asked_attribute, ATTRIBUTE_PLANS["safety"])
    rel = bool(claim.relations & plan.relations)
    pop_ok = True
    if plan.population == "ckd":
        pop_ok = bool(claim.populations & {"ckd", "dialysis"})
    elif plan.population:
        pop_ok = plan.population in claim.populations
    score = 0.0
    if not rel and claim.relations & plan.supporting and pop_ok:
        score = SUPPORTING
    elif rel and pop_ok:
        score = 1.0
    elif rel:
        score = 0.35
    elif pop_ok and plan.population:
        score = 0.5
    if frame.yes_no and score < 1.0 and pop_ok and claim.relations & AGAINST_DOING:
        score = 1.0  # "is X a reasonable substitute?" is answered by "X is not recommended as an alternative"
    if plan.needs_number and score == 1.0 and "dose" not in claim.relations and frame.asked_attribute == "dose":
        score *= 0.3
    if (frame.intent == "dose_adjustment" and frame.asked_attribute == "dose" and "dose_change" in claim.relations
            and not asks_for_amount(question) and claim.conditions & set(frame.conditions)):
        # "ANC 1.1 on mycophenolate. What now?": the change the library states for what this patient
        # has ("if neutropenia develops ... interrupting or reducing") is what to do, no number needed
        score = 1.0
    if frame.asked_attribute in ("dose", "renal dose", "monitoring", "duration"):
        # a dose for children answers only a question about children (and so on for each group)
        for pop in ("child", "pregnancy", "lactation"):
            if pop in frame.population and pop not in claim.populations:
                score = min(score, 0.35)
    if "dose" in claim.relations and frame.asked_attribute in ("dose", "renal dose"):
        phase = question_phase(question, frame.intervention) or frame.phase
        phases = claim.phases - {"treatment"}
        if phase == ONGOING:
            # a course under way: its maintenance or prophylaxis dose, not the acute or first dose
            return score if phases & ONGOING_PHASES else (0.0 if claim.phases else score * 0.4)
        if phase and phases and phase not in phases and not (phase == "initial" and "initial" in claim.phases):
            return 0.0  # an extended-phase or prophylaxis dose does not answer a question about a new clot
        if phase == "prophylaxis" and "treatment" in claim.phases and "prophylaxis" not in claim.phases:
            return 0.0  # a flare's treatment dose does not answer a question about the prophylaxis dose
        if phase is None and phases & {"prophylaxis", "extended"} and "initial" not in phases:
            score *= 0.4
        if "child" in claim.populations and "child" not in frame.population:
            score *= 0.3
        if frame.asked_attribute == "renal dose" and frame.qualifier:
            value = int(re.sub(r"\D", "", frame.qualifier) or 0)
            covered = claim.covers_renal(value)
            if covered is False:
                score *= 0.2
            elif covered:
                score = min(1.0, score + 0.25)
    if frame.intervention in claim.kin_only and frame.asked_attribute in ("dose", "renal dose"):
        score *= KIN_DOSE
    if claim.direction != "against" and "ckd" not in claim.populations and frame.asked_attribute == "renal dose" and "dose_change" in claim.relations:
        score *= 0.6
    return score


KIN_DOSE = 0.4
"""attribute_match kept by a dose sentence that names the asked drug's prodrug or active form, not
the drug (a mycophenolic acid dose for a mycophenolate mofetil question): the same drug in the body,
but not the same milligrams (1 g of mycophenolate mofetil delivers about what 720 mg of mycophenolic
acid does), so it ranks below a dose of the drug itself and answers only when nothing else does."""


_ATTR_WORDS: dict[str, str] = {
    "safety": "whether {x} is safe for this patient",
    "interaction": "how {x} interacts with {meds}",
    "dose": "a {x} dose{pop}",
    "renal dose": "a {x} dose at {qual}",
    "target": "a target for {x}",
    "monitoring": "how to monitor {x}",
    "pregnancy": "whether {x} can be used in pregnancy",
    "lactation": "whether {x} can be used while breastfeeding",
    "children": "how {x} is used in children",
    "older adults": "how {x} is used in older adults",
    "contraindication": "a contraindication of {x}{for_patient}",
    "boxed warning": "a boxed warning for {x}",
    "adverse effects": "the adverse effects of {x}",
    "first-line choice": "a first-line choice{for_ind}",
    "alternatives": "alternatives to {x}",
    "duration": "how long to give {x}",
    "timing": "when to give {x}",
    "efficacy": "how well {x} works{for_ind}",
    "indication": "when {x} is indicated{for_ind}",
    "screening": "what to screen for before {x}",
    "vaccination": "which vaccines apply{for_patient}",
    "prophylaxis": "a prophylaxis regimen{for_ind}",
}


def not_stated(frame: QuestionFrame) -> str:
    """"The library does not state an anakinra dose for children." for an uncovered attribute."""
    x = frame.intervention or "this treatment"
    pop = ""
    if "child" in frame.population:
        pop = " for children"
    elif "pregnancy" in frame.population:
        pop = " in pregnancy"
    meds = " and ".join(frame.current_medications) or "the patient's other medicines"
    qual = frame.qualifier or "reduced kidney function"
    for_ind = f" for {frame.indication}" if frame.indication else ""
    for_patient = " for this patient" if (frame.conditions or frame.current_medications or frame.population) else ""
    words = _ATTR_WORDS.get(frame.asked_attribute, "what was asked about {x}")
    phrase = words.format(x=x, meds=meds, pop=pop, qual=qual, for_ind=for_ind, for_patient=for_patient)
    phrase = re.sub(r"\ba ([aeiou])", r"an \1", phrase)
    return f"The library does not state {phrase}."
