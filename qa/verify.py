"""Citation verification: does the cited passage state the statement, with the same polarity and values?

A statement is supported only if one or two sentences of its cited passage say the same thing in the
same direction and strength. The verifier

1. **aligns** the statement with the passage's best-matching sentences (content-word stems shared
   and embedding similarity), then
2. **reads** both sides (:func:`read`): negation cues and their scope, in the manner of ConText
   (Harkema et al. 2009, the algorithm medspaCy implements: forward and backward cues, scope to a
   terminating term or clause boundary, pseudo-cues such as "not only"); hedges and their scope;
   direction words on named axes (amount, time, length, quality, activity, start/stop, safety,
   efficacy, rank); the direction of a recommendation ("recommend" vs "recommend against", "avoid",
   "contraindicated", "should not"); quantities with their unit, frequency and bound ("at least
   6 months" vs "up to 6 months"); drugs (the shared alias table); and populations (adults vs
   children, with vs without CKD), and
3. **compares** them: any disagreement rejects the statement with a reason naming what differs
   (``Support.kind`` is one of :data:`REJECTIONS`). Otherwise a small logistic model over the
   alignment features (``qa/data/verify_model.json``, trained by ``curbside eval verify --train``)
   scores how fully the passage states the statement, and the statement passes above
   :attr:`VerifyParams.min_score`.

medspaCy itself is not used: installing it pins numpy < 2 and pulls QuickUMLS and PyRuSH, which
this project's numpy 2 stack cannot take; its ConText rules are small enough to state here.

The API, used by the LLM composer and by ``curbside eval`` as the independent judge::

    verifier = CitationVerifier(embedder, table)
    support = verifier.check(statement, passage)        # -> Support(supported, score, kind, reason, span)
    supports = verifier.check_all([(statement, passage), ...])  # the same, statements embedded in one batch
    verdict = verifier.entails(statements, "no")       # is a decision consistent with its statements?
    stance(statement)                                   # -> +1 (for / yes), -1 (against / no), 0

As ``curbside eval``'s judge: ``SupportJudge = lambda text, passage: verifier.check(text, passage).supported``
and ``VerdictJudge = lambda quotes, decision: verifier.entails(quotes, decision).supported``.

Text that reads like an instruction to the model is never support for anything.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from curbside.qa.aliases import AliasTable
from curbside.qa.sentences import INJECTION, SentenceEmbedder, passage_sentences
from curbside.qa.types import Passage

__all__ = [
    "INJECTION", "REJECTIONS", "CitationVerifier", "Quantity", "Reading", "Support", "VerifyParams",
    "compare", "read", "stance",
]

REJECTIONS = (
    "injection", "negation", "antonym", "direction", "hedge", "number", "unit", "frequency", "bound",
    "drug", "population", "weak",
)
"""Reasons a statement can be rejected (``Support.kind``); ``supported`` when it passes."""

# --------------------------------------------------------------------------------------------
# Lexicons. General English, written out here (no WordNet ships offline on PyPI); each entry is a
# class of words, not a wording of any test.

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[a-zµ][a-z0-9µ]*(?:['’-][a-z0-9]+)*|[<>≤≥%/;:,()]", re.I)

STOP = frozenset(
    ["a", "an", "the", "of", "in", "on", "for", "to", "with", "and", "or", "is", "are", "was", "were", "be", "been", "being", "it", "its", "this", "that", "these", "those", "as", "by", "at", "from", "than", "then", "there", "their", "they", "them", "he", "she", "his", "her", "can", "could", "should", "would", "will", "may", "might", "must", "do", "does", "did", "but", "if", "so", "such", "into", "over", "under", "about", "also", "which", "who", "whom", "whose", "what", "when", "where", "why", "how", "all", "any", "both", "each", "few", "most", "other", "some", "same", "only", "own", "very", "just", "patient", "patients", "people", "person", "has", "have", "had", "having", "shall", "per", "vs", "versus", "i.e", "e.g", "etc", "one"]
)

# ConText-style negation: forward cues negate what follows (to a terminator or clause boundary),
# backward cues what precedes; pseudo-cues look like negation and are not.
NEG_FORWARD = (
    "not", "no", "never", "none", "neither", "nor", "without", "cannot", "can't", "don't", "doesn't",
    "didn't", "isn't", "aren't", "wasn't", "weren't", "won't", "shouldn't", "fail to", "fails to",
    "failed to", "failure to", "lack", "lacks", "lacked", "lacking", "lack of", "absence of", "unable to",
    "free of", "rather than", "instead of", "no longer", "nothing", "nobody", "non", "ruled out",
    "did not", "does not", "do not", "not been", "nor did",
)
NEG_BACKWARD = ("absent", "was ruled out", "were ruled out", "is ruled out", "was excluded", "were excluded", "not seen", "unchanged")
NEG_PSEUDO = ("not only", "no doubt", "not just", "whether or not", "not necessarily", "if not", "nothing but", "no more than", "no less than", "no later than", "no sooner than", "not more than", "not less than", "not exceeding", "no fewer than")
SCOPE_END = frozenset(["but", "however", "although", "though", "yet", "whereas", "while", "except", "unless", "which", "who", "because", "since", "so", ";", ":", "(", ")"])
NEG_WINDOW = 8  # tokens a cue reaches; ConText's default scope is the sentence, but list-heavy
# clinical sentences put unrelated facts after a comma, so the scope also stops at one.

HEDGES = (
    "may", "might", "could", "can", "possibly", "possible", "potentially", "potential", "perhaps", "likely",
    "unlikely", "probably", "probable", "suggest", "suggests", "suggested", "suggesting", "appear", "appears",
    "appeared", "seem", "seems", "seemed", "consider", "considered", "considering", "some", "occasionally",
    "sometimes", "trend", "tend", "tends", "associated", "association", "associations", "correlated",
    "correlation", "linked", "link", "hypothesis", "hypothesize", "hypothesized", "speculate", "uncertain",
    "unclear", "might", "option", "reasonable", "conditionally", "conditional", "weak", "weakly",
)
BOOSTERS = (
    "always", "certainly", "definitely", "proven", "proves", "prove", "undoubtedly", "clearly", "invariably",
    "must", "will", "guarantees", "guaranteed", "every", "all", "universally", "establishes", "established",
    "demonstrates", "confirms", "confirmed",
)
_HEDGE_WORDS = frozenset(HEDGES)
_NEG_WORDS = frozenset(w for cue in NEG_FORWARD for w in cue.split() if w not in {"to", "of", "than", "been", "did", "does", "do"})
MODAL_HEDGES = frozenset(["may", "might", "could", "can", "possibly", "possible", "potentially", "perhaps", "likely", "probably", "unlikely"])
"""Hedges of possibility: a statement that drops one states as fact what its passage calls possible.
Reporting hedges ("suggest", "associated with") are checked only on near-copies (research
conclusions are restated as claims without them)."""
CAUSAL = ("cause", "causes", "caused", "causing", "leads", "lead", "led", "results", "resulted", "induces", "induce", "induced", "produces", "drives")

# direction words: stem -> (axis, sign). A statement and its sentence disagree when a word on an
# axis takes the opposite sign about the same thing.
_AXES: dict[str, tuple[Iterable[str], Iterable[str]]] = {
    "amount": (
        ["increase", "increases", "increased", "increasing", "increment", "rise", "rises", "rising", "rose", "risen", "raise", "raises", "raised", "raising", "elevate", "elevates", "elevated", "elevation", "higher", "high", "highest", "more", "greater", "greatest", "larger", "exceed", "exceeds", "exceeded", "up", "boost", "boosts", "boosted", "enhance", "enhances", "enhanced", "enhancement", "gain", "gains", "accumulate", "accumulates", "accumulation", "excess", "upregulate", "upregulates", "upregulated", "upregulation", "amplify", "amplifies", "augment", "augments", "augmented", "heighten", "heightened", "expand", "expands", "expanded", "expansion", "double", "doubled", "doubles", "maximum", "maximal", "max"],
        ["decrease", "decreases", "decreased", "decreasing", "decline", "declines", "declined", "reduce", "reduces", "reduced", "reducing", "reduction", "lower", "lowers", "lowered", "lowering", "low", "lowest", "less", "least", "fewer", "smaller", "smallest", "fall", "falls", "fell", "fallen", "drop", "drops", "dropped", "diminish", "diminishes", "diminished", "attenuate", "attenuates", "attenuated", "loss", "lose", "loses", "lost", "deplete", "depleted", "depletion", "deficit", "deficiency", "downregulate", "downregulates", "downregulated", "downregulation", "shrink", "shrinks", "shrank", "cut", "cuts", "halve", "halved", "minimum", "minimal", "min"],
    ),
    "time": (
        ["before", "prior", "earlier", "early", "precede", "precedes", "preceded", "preceding", "preoperative", "first", "initial", "initially", "beforehand", "pre"],
        ["after", "later", "late", "following", "follows", "followed", "subsequent", "subsequently", "postoperative", "last", "final", "finally", "afterwards", "post"],
    ),
    "length": (["longer", "long", "lengthen", "lengthens", "prolong", "prolongs", "prolonged", "extended", "extend", "extends"],
               ["shorter", "short", "shorten", "shortens", "shortened", "brief", "briefer", "truncated"]),
    "quality": (
        ["improve", "improves", "improved", "improving", "improvement", "better", "best", "benefit", "benefits", "beneficial", "favourable", "favorable", "superior", "protect", "protects", "protective", "protected", "positive", "gain"],
        ["worsen", "worsens", "worsened", "worsening", "worse", "worst", "harm", "harms", "harmful", "detrimental", "unfavourable", "unfavorable", "inferior", "impair", "impairs", "impaired", "impairment", "deteriorate", "deteriorates", "deterioration", "negative", "adverse"],
    ),
    "amount ": (  # more or less of something by acting on it: read on the amount axis
        ["activate", "activates", "activated", "activation", "stimulate", "stimulates", "stimulated", "stimulation", "promote", "promotes", "promoted", "induce", "induces", "induced", "induction", "agonist", "facilitate", "facilitates", "facilitated", "potentiate", "potentiates", "mediate", "mediates", "mediated", "accelerate", "accelerates", "accelerated", "hasten", "hastens", "abundant", "abundance"],
        ["inhibit", "inhibits", "inhibited", "inhibition", "inhibitor", "inhibitors", "suppress", "suppresses", "suppressed", "suppression", "block", "blocks", "blocked", "blockade", "antagonist", "antagonize", "prevent", "prevents", "prevented", "prevention", "impede", "impedes", "impeded", "abolish", "abolishes", "abolished", "repress", "represses", "repressed", "slow", "slows", "slowed", "delay", "delays", "delayed", "scarce", "scarcity", "dampen", "dampens", "dampened", "abrogate", "abrogates", "abrogated", "ablation"],
    ),
    "start": (
        ["start", "starts", "started", "starting", "begin", "begins", "began", "initiate", "initiates", "initiated", "initiation", "continue", "continues", "continued", "resume", "resumes", "resumed", "add", "added", "restart", "restarted"],
        ["stop", "stops", "stopped", "stopping", "discontinue", "discontinues", "discontinued", "discontinuation", "withdraw", "withdraws", "withdrawn", "withdrawal", "cease", "ceases", "ceased", "halt", "hold", "held", "interrupt", "interrupted", "taper", "tapered"],
    ),
    "safety": (["safe", "safely", "safety", "tolerated", "well-tolerated"], ["unsafe", "dangerous", "toxic", "toxicity", "hazardous", "fatal"]),
    "efficacy": (["effective", "efficacious", "efficacy", "works", "successful", "success"],
                 ["ineffective", "inefficacious", "unsuccessful", "futile", "failure"]),
    "presence": (["present", "presence", "detected", "detectable", "positive"], ["absent", "undetectable", "undetected"]),
    "rank": (["strong", "strongly", "major", "primary", "main"], ["weak", "weakly", "minor", "secondary"]),
    "relation": (["over", "above", "exceeds"], ["under", "below"]),
    "sex": (["men", "male", "males", "man", "boys"], ["women", "female", "females", "woman", "girls"]),
    "recommend": (
        ["recommend", "recommends", "recommended", "recommending", "recommendation", "recommendations", "advise", "advises", "advised", "advising", "suggest", "suggests", "suggested", "prefer", "prefers", "preferred", "preference", "indicated", "indication", "first-line", "option", "options", "appropriate", "reasonable", "endorse", "endorses", "endorsed", "favour", "favours", "favoured", "favor", "favors", "favored", "encourage", "encourages", "encouraged", "suitable", "acceptable", "beneficial"],
        ["avoid", "avoids", "avoided", "avoiding", "avoidance", "contraindicated", "contraindication", "contraindications", "discourage", "discourages", "discouraged", "inappropriate", "prohibited", "unsuitable", "unacceptable", "refrain"],
    ),
}
DIRECTION: dict[str, tuple[str, int]] = {}
for _axis_name, (_up, _down) in _AXES.items():
    _axis = _axis_name.strip()
    for _w in _up:
        DIRECTION.setdefault(_w, (_axis, +1))
    for _w in _down:
        DIRECTION.setdefault(_w, (_axis, -1))
_NO_INFLECTION = frozenset({"present", "cut", "up", "min", "max", "pre", "post", "add", "hold", "double"})


def _inflections(word: str) -> list[str]:
    """Regular verb forms the lexicon leaves out ("activating" for "activate", "amplified" for "amplify")."""
    if word in _NO_INFLECTION or "-" in word or not word.isalpha() or word.endswith(("s", "ed", "ing")):
        return []  # already inflected (or not a word to inflect)
    if word.endswith("e"):
        return [word + "s", word + "d", word[:-1] + "ing"]
    if word.endswith("y"):
        return [word[:-1] + "ies", word[:-1] + "ied", word + "ing"]
    return [word + "s", word + "ed", word + "ing"]


for _w, _entry in list(DIRECTION.items()):
    for _form in _inflections(_w):
        DIRECTION.setdefault(_form, _entry)
# "relation" words and "more"/"less" double as bounds; bounds are compared on quantities instead
_BOUND_WORDS = {"over", "above", "under", "below", "more", "less", "maximum", "minimum", "max", "min", "up", "least", "fewer", "exceeds", "exceed", "greater", "higher", "lower"}

_COMPOUND_NEUTRAL = frozenset({"well-tolerated", "first-line", "long-term", "short-term", "up-to-date", "follow-up", "pre-existing", "post-marketing", "high-quality", "low-quality"})
_AGAINST = frozenset({"against"})  # "recommends against": negates the recommendation word before it
# (kept for reference: the recommendation is read as the "recommend" axis of DIRECTION)
_REC_FOR_UNUSED = re.compile(
    r"\b(recommend(s|ed|ation)?|suggest(s|ed)?|advis(e|es|ed)|prefer(s|red)?|preferred|indicated|first[- ]line|"
    r"should (be )?(used|given|start\w*|continu\w*|offer\w*|consider\w*|receiv\w*|take\w*|use|get)|is an option|are options?|"
    r"endorse[sd]?|favou?r(s|ed)?|appropriate|reasonable)\b",
    re.I,
)
_REC_AGAINST_UNUSED = re.compile(
    r"\b(recommend(s|ed)? against|suggest(s|ed)? against|advis(e|es|ed) against|against (the )?(use|using|routine)|"
    r"not (be )?(recommended|suggested|advised|indicated|preferred|used|given|started|routinely)|"
    r"(should|must|do|does|can) not (be )?(use|used|give|given|start|started|take|taken|receive|combine|combined|co-?administer\w*)|"
    r"avoid(s|ed|ing|ance)?|contraindicat\w*|discourag\w*|prohibit\w*|inappropriate|"
    r"never (be )?(used|given)|should not|must not|do not use|not to (use|give|start))\b",
    re.I,
)

# populations: group -> words; with "without"/"no" in front the group is negated
POPULATIONS: dict[str, tuple[str, ...]] = {
    "adult": ("adult", "adults", "grown-up", "grown-ups"),
    "child": ("child", "children", "pediatric", "paediatric", "kids", "toddler", "toddlers", "boys", "girls", "juvenile", "childhood"),
    "infant": ("infant", "infants", "neonate", "neonates", "newborn", "newborns", "neonatal"),
    "adolescent": ("adolescent", "adolescents", "teenager", "teenagers", "youth", "adolescence"),
    "older": ("older", "elderly", "geriatric", "aged 65", "over 65", "seniors"),
    "younger": ("younger", "young"),
    "pregnancy": ("pregnancy", "pregnant", "pregnancies", "gestation", "gestational", "trimester", "expecting"),
    "lactation": ("lactation", "lactating", "breastfeeding", "breast-feeding", "nursing mothers", "breast milk"),
    "women": ("women", "woman", "female", "females"),
    "men": ("men", "man", "male", "males"),
    "ckd": ("ckd", "chronic kidney disease", "kidney disease", "renal impairment", "renal insufficiency",
            "kidney impairment", "renal disease", "renal failure", "kidney failure", "egfr", "creatinine clearance"),
    "dialysis": ("dialysis", "haemodialysis", "hemodialysis"),
    "transplant": ("transplant", "transplantation", "transplant recipients", "allograft"),
    "hepatic": ("hepatic impairment", "liver disease", "cirrhosis", "hepatic insufficiency"),
}
_AGES = ("infant", "child", "adolescent", "adult")
EXCLUSIVE = (
    *({a, b} for a in _AGES for b in _AGES if a < b), {"older", "younger"}, {"pregnancy", "lactation"},
    {"women", "men"}, {"child", "older"}, {"infant", "older"}, {"adolescent", "older"},
)
_NON_POPULATION = re.compile(r"\b(older|young(er)?) (age|than)\b|\b(man|male)(date|y)\b", re.I)

# quantities
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "hundred": 100, "half": 0.5, "single": 1,
}
UNITS: dict[str, tuple[str, float]] = {  # surface -> (dimension:base unit, factor to base)
    "mg": ("mass", 1e-3), "milligram": ("mass", 1e-3), "milligrams": ("mass", 1e-3),
    "mcg": ("mass", 1e-6), "µg": ("mass", 1e-6), "ug": ("mass", 1e-6), "microgram": ("mass", 1e-6), "micrograms": ("mass", 1e-6),
    "g": ("mass", 1.0), "gram": ("mass", 1.0), "grams": ("mass", 1.0), "kg": ("weight", 1.0), "lb": ("weight", 0.4536),
    "ng": ("mass", 1e-9), "ml": ("volume", 1e-3), "l": ("volume", 1.0), "dl": ("volume", 0.1),
    "units": ("units", 1.0), "unit": ("units", 1.0), "iu": ("units", 1.0),
    "mmol": ("amount", 1e-3), "mol": ("amount", 1.0), "meq": ("meq", 1.0),
    "%": ("percent", 1.0), "percent": ("percent", 1.0), "mmhg": ("pressure", 1.0),
    "second": ("time", 1 / 3600), "seconds": ("time", 1 / 3600), "minute": ("time", 1 / 60), "minutes": ("time", 1 / 60),
    "min": ("time", 1 / 60), "hour": ("time", 1.0), "hours": ("time", 1.0), "h": ("time", 1.0), "hr": ("time", 1.0),
    "day": ("time", 24.0), "days": ("time", 24.0), "week": ("time", 168.0), "weeks": ("time", 168.0),
    "month": ("time", 730.0), "months": ("time", 730.0), "year": ("time", 8766.0), "years": ("time", 8766.0),
    "tablet": ("tablet", 1.0), "tablets": ("tablet", 1.0), "dose": ("dose", 1.0), "doses": ("dose", 1.0),
}
FREQUENCY = re.compile(
    r"\b(?:(once|twice|three times|four times|1|2|3|4)\s+(?:a\s+|per\s+)?(daily|day|weekly|week|monthly|month|yearly|year)|"
    r"(daily|weekly|monthly|yearly|annually|nightly|hourly|fortnightly|biweekly|quarterly)|"
    r"every\s+(other\s+)?(\d+\s+|one\s+|two\s+|three\s+|four\s+|six\s+|eight\s+|twelve\s+)?(to\s+\d+\s+)?(hours?|days?|weeks?|months?|years?)|"
    r"per\s+(day|week|month|year)|a\s+(day|week|month|year)|/(day|d|week|wk|month|year)|"
    r"\b(qd|bid|tid|qid|q\d+h|od|bd|prn)\b|as needed)",
    re.I,
)
_FREQ_PERIOD = {"day": "day", "daily": "day", "nightly": "day", "d": "day", "week": "week", "weekly": "week", "wk": "week",
                "month": "month", "monthly": "month", "year": "year", "yearly": "year", "annually": "year",
                "hourly": "hour", "fortnightly": "2week", "biweekly": "2week", "quarterly": "3month"}
_TIMES = {"once": 1, "twice": 2, "three times": 3, "four times": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_ABBREV_FREQ = {"qd": "1/day", "od": "1/day", "bid": "2/day", "bd": "2/day", "tid": "3/day", "qid": "4/day", "prn": "prn", "as needed": "prn"}
LOWER_BOUND = re.compile(r"\b(at least|more than|greater than|higher than|larger than|above|over|above|exceed\w*|no less than|not less than|no fewer than|minimum( of)?|or more|or higher|or greater|or longer|or above|beyond|longer than|older than|>=?|≥)", re.I)
UPPER_BOUND = re.compile(r"\b(up to|at most|less than|fewer than|lower than|smaller than|under|below|no more than|not more than|not exceeding|maximum( of)?|or less|or lower|or fewer|or shorter|or below|within|shorter than|younger than|<=?|≤)", re.I)


def _stem(word: str) -> str:
    return _stemmer().stemWord(word.lower())


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@dataclass(frozen=True)
class Quantity:
    value: float
    unit: str  # surface unit, normalised ("mg"), "" when none
    dimension: str  # "mass", "time", ... or ""
    base: float | None  # value in the dimension's base unit
    bound: int  # +1 at least / more than, -1 up to / less than, 0 exact
    start: int  # token index
    frequency: frozenset[str] = frozenset()  # how often, when stated right after it ("1/day")
    label: str = ""  # the word it counts ("stage" in "stage 2", "type" in "type 1")
    year: bool = False  # a bare four-digit year

    def describe(self) -> str:
        bound = {1: "at least ", -1: "up to ", 0: ""}[self.bound]
        return f"{bound}{self.value:g}{' ' + self.unit if self.unit else ''}"


@dataclass
class Reading:
    """What a sentence states, read for comparison (see :func:`read`)."""

    text: str
    tokens: list[str]
    stems: list[str]
    content: list[int]  # indices of content tokens
    negated: set[int]
    hedged: set[int]
    boosters: set[str]
    causal: bool
    associative: bool
    directions: list[tuple[int, str, int]]  # (token index, axis, sign)
    recommendation: int  # +1 for, -1 against, 0 none
    quantities: list[Quantity]
    frequencies: set[str]
    drugs: set[str]
    populations: dict[str, bool]  # group -> negated ("without CKD")
    drug_words: dict[str, str] = field(default_factory=dict)  # lower-case word of a drug name -> generic
    neg_cues: int = 0  # negation cues in the sentence
    modal_hedged: set[int] = field(default_factory=set)  # in the scope of a modal hedge ("may", "possibly")

    @property
    def content_stems(self) -> set[str]:
        return {self.stems[i] for i in self.content}


def _phrase_hits(tokens: Sequence[str], phrases: Iterable[str]) -> list[tuple[int, int]]:
    """(start, end) token spans where a phrase of ``phrases`` occurs."""
    out = []
    joined = [t.lower() for t in tokens]
    for phrase in phrases:
        parts = phrase.split()
        n = len(parts)
        for i in range(len(joined) - n + 1):
            if joined[i : i + n] == parts:
                out.append((i, i + n))
    return out


_AUX = frozenset(["is", "are", "was", "were", "should", "must", "will", "would", "can", "could", "may", "might", "has", "have", "had", "does", "did", "do"])
_SUBORDINATE = frozenset(["when", "if", "until", "unless", "because", "whereas", "while", "after", "before", "once", "where", "whether"])


def _scope_forward(tokens: Sequence[str], start: int) -> set[int]:
    """Tokens a forward cue reaches: to a terminator, a clause boundary, or a new finite verb."""
    out = set()
    for j in range(start, min(len(tokens), start + NEG_WINDOW)):
        t = tokens[j].lower()
        if t in SCOPE_END or t == "," or (t in {"and", "or"} and j > start + 1 and _clause_starts(tokens, j)):
            break
        if j > start and (t in _AUX or t in _SUBORDINATE):
            break
        out.add(j)
    return out


def _clause_starts(tokens: Sequence[str], j: int) -> bool:
    """'and'/'or' followed by a new clause (a determiner or a verb-like word) ends a scope."""
    nxt = tokens[j + 1].lower() if j + 1 < len(tokens) else ""
    return nxt in {"the", "a", "an", "this", "it", "they", "should", "is", "are", "can", "may"}


def _scope_backward(tokens: Sequence[str], end: int) -> set[int]:
    out = set()
    for j in range(end - 1, max(-1, end - 1 - NEG_WINDOW), -1):
        t = tokens[j].lower()
        if t in SCOPE_END or t == ",":
            break
        out.add(j)
    return out


@lru_cache(maxsize=50_000)
def _read_cached(text: str) -> Reading:
    return _read(text, None)


def read(text: str, table: AliasTable | None = None) -> Reading:
    """Read a sentence: negation and hedge scopes, directions, recommendation, quantities, groups."""
    reading = _read_cached(text)
    if table is not None:
        reading = _with_drugs(reading, table)
    return reading


def _with_drugs(reading: Reading, table: AliasTable) -> Reading:
    found = table.find(reading.text)
    if not found:
        return reading
    words = {w.lower(): generic for *_, surface, generic in found for w in _TOKEN.findall(surface)}
    return Reading(**{**reading.__dict__, "drugs": {g for *_, g in found}, "drug_words": words})


def _read(text: str, table: AliasTable | None) -> Reading:
    clean_text = re.sub(r"\b(non|Non)-(?=[a-z])", r"\1 ", text)
    tokens = _TOKEN.findall(clean_text)
    low = [t.lower() for t in tokens]
    stems = [_stem(t) if t[:1].isalpha() else t for t in low]
    pseudo: set[int] = set()
    for s, e in _phrase_hits(low, NEG_PSEUDO):
        pseudo.update(range(s, e))
    negated: set[int] = set()
    cue_tokens: set[int] = set()
    for s, e in _phrase_hits(low, NEG_FORWARD):
        if s in pseudo:
            continue
        cue_tokens.update(range(s, e))
        # "non" negates the one word it is joined to ("non-neural cells": the cells are not negated)
        negated |= {e} if low[s] == "non" and e < len(low) else _scope_forward(low, e)
    for s, e in _phrase_hits(low, NEG_BACKWARD):
        cue_tokens.update(range(s, e))
        negated |= _scope_backward(low, s)
    negated -= cue_tokens
    neg_cues = sum(1 for s_, _ in _phrase_hits(low, NEG_FORWARD) if s_ not in pseudo) + len(_phrase_hits(low, NEG_BACKWARD))
    hedged: set[int] = set()
    modal_hedged: set[int] = set()
    for _s, e in _phrase_hits(low, HEDGES):  # a hedge reaches the predicate after it
        hedged |= _scope_forward(low, e)
        if low[_s] in MODAL_HEDGES:
            modal_hedged |= _scope_forward(low, e)
    boosters = {t for t in low if t in BOOSTERS}
    content = [i for i, t in enumerate(low) if t[:1].isalpha() and t not in STOP and len(t) > 2 and i not in cue_tokens]
    directions = []
    for i, t in enumerate(low):
        head = t if t in DIRECTION else t.split("-", 1)[0]  # "low-dose", "high-risk"
        if head in DIRECTION and (head == t or t not in _COMPOUND_NEUTRAL):
            axis, sign = DIRECTION[head]
            directions.append((i, axis, sign))
        elif t.startswith(("de", "in", "un", "dis")):  # "deactivates", "inactivated", "disables"
            for prefix in ("de", "in", "un", "dis"):
                if t.startswith(prefix) and t[len(prefix):] in DIRECTION and len(t) - len(prefix) > 4:
                    axis, sign = DIRECTION[t[len(prefix):]]
                    directions.append((i, axis, -sign))
                    break
    for i, t in enumerate(low):  # "recommends against X": the recommendation is negated
        if t in _AGAINST:
            for j in range(max(0, i - 3), i):
                if DIRECTION.get(low[j], ("", 0))[0] == "recommend":
                    negated.symmetric_difference_update({j})  # "does not recommend against" = recommends
                    cue_tokens.add(i)
    directions += _ratio_directions(clean_text, low)
    rec_signs = [(-sign if i in negated else sign) for i, axis, sign in directions if axis == "recommend"]
    rec = min(rec_signs) if rec_signs else 0
    quantities = _quantities(tokens, low)
    frequencies = _frequencies(text)
    populations: dict[str, bool] = {}
    clean = _NON_POPULATION.sub(" ", " ".join(low))
    ctoks = _TOKEN.findall(clean)
    for group, words in POPULATIONS.items():
        for s, _ in _phrase_hits(ctoks, words):
            neg = any(w in {"without", "no", "non", "not"} for w in ctoks[max(0, s - 3) : s])
            populations[group] = populations.get(group, False) or neg
    return Reading(
        text=text, tokens=tokens, stems=stems, content=content, negated=negated, hedged=hedged, boosters=boosters,
        causal=any(t in CAUSAL for t in low), associative=any(t.startswith(("associat", "correlat", "link")) for t in low),
        directions=directions, recommendation=rec, quantities=quantities, frequencies=frequencies, drugs=set(),
        populations=populations, neg_cues=neg_cues, modal_hedged=modal_hedged,
    )


RATIO = re.compile(
    r"(?:\b(?i:(?:adjusted |incidence )?(?:odds|hazard|risk|rate) ratios?|relative risks?)|\ba?ORs?|\ba?HRs?|\ba?RRs?|\bIRRs?)\b"
    r"[^0-9;]{0,120}?(\d+(?:\.\d+)?)(?:[^0-9;]|95\s*%){0,40}?(\d+(?:\.\d+)?)\s*(?:-|–|to|,)\s*(\d+(?:\.\d+)?)"
)
"""A ratio statistic with its confidence interval ("odds ratio 2.77 (95% CI 1.04 to 7.97)", "HR, 0.83;
95% CI, 0.72-0.96"): an interval wholly above 1 says the outcome is more frequent, wholly below 1
less; one that spans 1 states no direction. The statement "X decreases the risk of Y" is reversed by
an odds ratio of Y above 1 as it is by "higher risk"."""


def _ratio_directions(text: str, low: Sequence[str]) -> list[tuple[int, str, int]]:
    """(token index of the statistic's name, "amount", sign) for each ratio whose interval excludes 1."""
    out = []
    for m in RATIO.finditer(text.replace("·", ".")):  # the Lancet's mid-dot decimal ("1·75")
        value, lo, hi = (float(m.group(k)) for k in (1, 2, 3))
        if not lo <= value <= hi:  # not a value with its interval
            continue
        sign = 1 if lo > 1 else -1 if hi < 1 else 0
        if sign:
            i = len(_TOKEN.findall(text[: m.start()]))
            if i < len(low):
                out.append((i, "amount", sign))
    return out


def _quantities(tokens: Sequence[str], low: Sequence[str]) -> list[Quantity]:
    out = []
    for i, t in enumerate(low):
        value: float | None = None
        if re.fullmatch(r"\d+(?:[.,]\d+)*", t):
            raw = t.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", t) else t.replace(",", ".")
            try:
                value = float(raw)
            except ValueError:
                continue
        elif t in _NUMBER_WORDS and (i + 1 < len(low) and low[i + 1] in UNITS):
            value = float(_NUMBER_WORDS[t])
        if value is None:
            continue
        unit, j = "", i + 1
        while j < len(low) and low[j] in {"to", "-", "–", "or", "and"} and j + 1 < len(low) and re.fullmatch(r"\d+(?:[.,]\d+)?", low[j + 1]):
            j += 2  # a range "1 to 2 mg": the unit comes after the second number
        if j < len(low) and low[j] in UNITS:
            unit = low[j]
            if j + 2 < len(low) and low[j + 1] == "/" and low[j + 2] in UNITS:  # mg/kg, mL/min
                unit = f"{unit}/{low[j + 2]}"
        dim, base = "", None
        if unit:
            head = unit.split("/")[0]
            dim, factor = UNITS[head]
            if "/" in unit:
                dim = f"{dim}/{unit.split('/', 1)[1]}"
            base = value * factor
        before = " ".join(low[max(0, i - 4) : i])
        after = " ".join(low[j + 1 : j + 4]) if unit else " ".join(low[i + 1 : i + 4])
        bound = 0
        lb_b = [m.start() for m in LOWER_BOUND.finditer(before) if m.end() >= len(before) - 1]
        ub_b = [m.start() for m in UPPER_BOUND.finditer(before) if m.end() >= len(before) - 1]
        if lb_b and (not ub_b or min(lb_b) < min(ub_b)):  # the longer phrase wins ("no more than")
            bound = 1
        elif ub_b:
            bound = -1
        elif LOWER_BOUND.match(after or "") or re.match(r"^(or more|or higher|or greater|or longer|or older)", after):
            bound = 1
        elif re.match(r"^(or less|or lower|or fewer|or shorter|or younger)", after):
            bound = -1
        freq = frozenset(f for f in _frequencies(" ".join(low[j + 1 if unit else i + 1 : j + 7])) if not f.startswith(("/", "x")))
        label = low[i - 1] if i > 0 and low[i - 1][:1].isalpha() and low[i - 1] not in STOP and len(low[i - 1]) > 1 else ""
        year = not unit and 1900 <= value <= 2100 and float(value).is_integer()
        out.append(Quantity(value, unit, dim, base, bound, i, freq, label, year))
    return out


_EITHER = re.compile(r"\b(once|twice|three times) or (twice|three times|four times)\s+(?:a\s+|per\s+)?(daily|day|weekly|week|monthly|month)", re.I)
_COUNT = re.compile(r"\b(once|twice|thrice|three times|four times)\b(?!\s+(?:or\s+\w+(?:\s+times)?\s+)?(?:a\s+|per\s+|every\s+)?(?:daily|day|weekly|week|monthly|month|yearly|year|other)\b)", re.I)


def _frequencies(text: str) -> set[str]:
    out = set()
    for m in _EITHER.finditer(text):
        period = _FREQ_PERIOD[m.group(3).lower()]
        out |= {f"{_TIMES[m.group(1).lower()]}/{period}", f"{_TIMES.get(m.group(2).lower(), 2)}/{period}"}
    for m in _COUNT.finditer(text):
        out.add("x" + str({"once": 1, "twice": 2, "thrice": 3, "three times": 3, "four times": 4}[m.group(1).lower()]))
    for m in FREQUENCY.finditer(text):
        s = m.group(0).lower().strip()
        if s in _ABBREV_FREQ or s.rstrip("s") in _ABBREV_FREQ:
            out.add(_ABBREV_FREQ.get(s, "prn"))
            continue
        if m.group(1):
            out.add(f"{_TIMES[m.group(1).lower()]}/{_FREQ_PERIOD[m.group(2).lower()]}")
        elif m.group(3):
            out.add(f"1/{_FREQ_PERIOD[m.group(3).lower()]}")
        elif s.startswith("every"):
            n = (m.group(5) or "1").strip()
            n = str(_NUMBER_WORDS.get(n, n))
            unit = m.group(7).lower().rstrip("s")
            out.add(f"1/{'2' if m.group(4) else n}{unit}")
        else:
            period = next(g for g in m.groups()[7:] if g)
            out.add(f"1/{_FREQ_PERIOD.get(period.lower(), period.lower())}")
    # "once daily" implies "daily": keep the bare period too, so "daily" matches "once daily"
    for f in list(out):
        if f.startswith("1/"):
            out.add("/" + f[2:])
    return out


# --------------------------------------------------------------------------------------------
# Sentences that state no finding

FRAMING = re.compile(
    r"^\s*(?:OBJECTIVES?|AIMS?|PURPOSE|QUESTION|METHODS?|DESIGN|STUDY DESIGN|SETTING|PARTICIPANTS|INTERVENTIONS?|"
    r"MAIN OUTCOME MEASURES?|MEASUREMENTS|MATERIALS AND METHODS)\b"
    r"|^\s*(?:[A-Z]{4,}\s+)?(?i:to|we) (?i:determine|evaluate|assess|investigate|examine|compare|test|estimate|explore|"
    r"quantify|describe|characteri[sz]e|identify)\b"
    r"|(?i:\b(?:the (?:aims?|objectives?|purposes?|goals?) of (?:this|the|our|the present) (?:study|trial|review|analysis|work)"
    r"|(?:this|the present|our) (?:study|trial|review|analysis|work) (?:aimed|aims|sought|was designed|is designed|set out)"
    r"|we (?:aimed|sought|set out|hypothesi[sz]ed|asked whether|investigated whether|examined whether|tested whether))\b)",
)
"""A sentence that states a study's aim, question or methods (structured-abstract labels, "we aimed
to", "to determine whether"): it says what was asked, not what was found, so it supports nothing.
Upper-case labels only: a guideline's "Test to determine ..." is an instruction, not a heading."""
FRAMING_PENALTY = 3.0
"""Rank penalty of a framing sentence in alignment: more than overlap + similarity can reach (2)."""


@lru_cache(maxsize=20_000)
def is_framing(sentence: str) -> bool:
    """Does ``sentence`` state an aim, a question or a method rather than a finding?"""
    return bool(FRAMING.search(sentence)) or sentence.rstrip().endswith("?")


# --------------------------------------------------------------------------------------------
# Comparison


@dataclass
class Mismatch:
    kind: str
    reason: str


DIRECTION_WINDOW = 6
"""Tokens either side of a direction word that say what it is about ("a reduction in the incidence
of tuberculosis": the thing changed may sit five tokens after the word that changes it)."""


VALENCE_AXES = frozenset({"quality", "efficacy", "safety"})
"""Axes that all say whether something is good for the patient: "ineffective" reverses "improved",
"harmful" reverses "effective" (each alone is a direction on its own axis)."""


def _same_axis(a: str, b: str) -> bool:
    return a == b or (a in VALENCE_AXES and b in VALENCE_AXES)


def _near(reading: Reading, i: int, window: int = DIRECTION_WINDOW) -> set[str]:
    """Content stems within ``window`` tokens of token ``i`` (what a direction word is about)."""
    return {reading.stems[j] for j in reading.content if j != i and abs(j - i) <= window}


_POP_WORD = {w: g for g, words in POPULATIONS.items() for w in words if " " not in w}
_FREQ_WORD = {"daily": "day", "weekly": "week", "monthly": "month", "yearly": "year", "annually": "year", "hourly": "hour",
              "nightly": "night", "once": "x1", "twice": "x2", "thrice": "x3", "fortnightly": "2week", "quarterly": "3month"}
_MIN_DIRECTION_WEIGHT = 2.0
"""A direction word contradicts only when the opposite word shares at least one neighbouring content
word with it (1 + shared neighbours): "higher count" is not reversed by an unrelated "reduction"."""
EDIT_MIN_RATIO = 0.6
"""Token-sequence similarity (difflib ratio) above which a statement is read as an edited copy of its
sentence, and each substituted word is checked for the relation it bears to the word it replaces
(in the manner of natural-logic alignment, MacCartney and Manning 2007)."""


def _category(word: str, reading: Reading, i: int) -> tuple[str, str] | None:
    """(kind, value) of a word whose substitution by another of the same kind changes the claim."""
    if re.fullmatch(r"\d+(?:[.,]\d+)?", word):
        return "number", word.replace(",", ".")
    if word in reading.drug_words:
        return "drug", reading.drug_words[word]
    if word in _POP_WORD:
        return "population", _POP_WORD[word]
    if word in _FREQ_WORD:
        return "frequency", _FREQ_WORD[word]
    if word in UNITS and i > 0 and re.fullmatch(r"\d+(?:[.,]\d+)?", reading.tokens[i - 1]):
        return "unit", word
    if word in DIRECTION:
        axis, sign = DIRECTION[word]
        kind = "bound" if word in _BOUND_WORDS and _is_bound(reading, i) else ("direction" if axis == "recommend" else "antonym")
        return kind, f"{axis}:{sign}"
    return None


def _converts(st: Reading, ref: Reading, i: int) -> bool:
    """The statement's quantity at token ``i`` equals one of the sentence's in other units."""
    return any(q.start in (i, i - 1) and any(_same_dimension_value(q, r) for r in ref.quantities) for q in st.quantities)


def _edit_mismatch(st: Reading, ref: Reading) -> Mismatch | None:
    """A word of the statement that replaces a different word of the same kind in the sentence."""
    import difflib

    a = [t.lower() for t in st.tokens]
    b = [t.lower() for t in ref.tokens]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() < EDIT_MIN_RATIO:
        return None
    ops = matcher.get_opcodes()
    matched_ref = {j for op, _i1, _i2, j1, j2 in ops if op == "equal" for j in range(j1, j2)}
    for op, i1, i2, j1, j2 in ops:
        # a hedge of the sentence dropped while what it hedges is kept ("may be preferred" -> "is preferred")
        if op in {"insert", "replace"} and j2 - j1 <= 3 and i2 - i1 <= 3:
            lost = [b[j] for j in range(j1, j2) if b[j] in _HEDGE_WORDS]
            if lost and not any(a[i] in _HEDGE_WORDS for i in range(i1, i2)) and any(j in matched_ref for j in range(j2, j2 + 3)):
                if any(i in st.negated or a[i] in _NEG_WORDS for i in range(i1, min(i2 + 2, len(a)))):
                    return Mismatch("negation", f"the statement negates what the passage says '{lost[0]}' happen")
                return Mismatch("hedge", f"the passage says '{lost[0]}'; the statement states it as certain")
        if op != "replace" or i2 - i1 > 3 or j2 - j1 > 3:
            continue
        mine = [(c, a[i], i) for i in range(i1, i2) if (c := _category(a[i], st, i))]
        theirs = [(c, b[j]) for j in range(j1, j2) if (c := _category(b[j], ref, j))]
        for (kind, value), word, i in mine:
            if kind in {"number", "unit"} and _converts(st, ref, i):
                continue  # "1200 mcg" for "1.2 mg"
            for (kind2, value2), word2 in theirs:
                same_kind = kind == kind2 or {kind, kind2} <= {"antonym", "bound"}
                if not same_kind or value == value2:
                    continue
                if kind == "population" and not any({value, value2} <= ex for ex in EXCLUSIVE):
                    continue
                if kind in {"antonym", "bound", "direction"} and value.split(":")[0] != value2.split(":")[0]:
                    continue
                return Mismatch(kind, f"the statement says '{word}' where the passage says '{word2}'")
    return None


def compare(st: Reading, ref: Reading, context: Reading | None = None) -> Mismatch | None:
    """The first way ``st`` misstates ``ref`` (its aligned sentence), or None when it does not.

    ``context`` is the whole passage read as one text: a drug, group or number the aligned
    sentence leaves implicit may come from elsewhere in the passage.
    """
    absent = sorted(st.drugs - ref.drugs - (context.drugs if context is not None else set()))
    if absent:  # a drug the passage never names: the plainest reason, so it comes first
        return Mismatch("drug", f"{absent[0]} is not mentioned in the cited passage")
    edited = _edit_mismatch(st, ref)
    if edited is not None:
        return edited
    opposed = _prefix_antonym(st, ref)
    if opposed is not None:
        return opposed
    shared = st.content_stems & ref.content_stems
    st_neg, st_pos = _polar_stems(st)
    ref_neg, ref_pos = _polar_stems(ref)
    # recommendation direction ("recommends" / "recommends against", "avoid", "contraindicated")
    if st.recommendation < 0 and ref.recommendation == 0 and not _negation_about(ref, _against_topic(st)):
        return Mismatch("direction", "the statement advises against what the passage does not")
    if ref.recommendation < 0 and st.recommendation == 0 and not st.negated and _against_topic(ref) & st.content_stems:
        return Mismatch("direction", "the passage advises against it; the statement does not say so")
    # directions on the same axis about the same thing (recommendation included)
    for i, axis, sign in st.directions:
        if st.tokens[i].lower() in _BOUND_WORDS and _is_bound(st, i):
            continue
        eff = -sign if i in st.negated else sign
        about = _near(st, i)
        same, opposite, opposite_word, by_negation = 0.0, 0.0, "", False
        for j, axis2, sign2 in ref.directions:
            if not _same_axis(axis, axis2) or (ref.tokens[j].lower() in _BOUND_WORDS and _is_bound(ref, j)):
                continue
            eff2 = -sign2 if j in ref.negated else sign2
            weight = 1.0 + len(about & _near(ref, j))
            if eff2 == eff:
                same = max(same, weight)
            elif weight > opposite:
                opposite, opposite_word = weight, ref.tokens[j]
                by_negation = (i in st.negated) != (j in ref.negated)
        if opposite > same and opposite >= _MIN_DIRECTION_WEIGHT:
            if axis == "recommend":
                what = "advises against" if eff > 0 else "recommends"
                return Mismatch("direction", f"the passage {what} it ('{opposite_word}'); the statement says '{st.tokens[i]}'")
            if by_negation:  # "does not increase" against "increased": a negation, not an antonym
                side = "statement" if i in st.negated else "passage"
                return Mismatch("negation", f"the {side} negates '{st.tokens[i] if side == 'statement' else opposite_word}' and the other does not")
            if st.tokens[i].lower() != opposite_word.lower():
                return Mismatch("antonym", f"the statement says '{st.tokens[i]}' where the passage says '{opposite_word}'")
    # negation: a shared word negated on one side only
    flipped = sorted((st_neg & ref_pos) | (ref_neg & st_pos))  # negated on one side, never on the other
    if st.neg_cues and st.neg_cues == ref.neg_cues:
        flipped = []  # both negate once (or equally often): the scopes differ in wording, not in polarity
    if (ref.recommendation < 0 and st_neg & _against_topic(ref)) or (st.recommendation < 0 and ref_neg & _against_topic(st)):
        flipped = []  # "should not be combined with X" for "advises against combining with X"
    if flipped and _same_absence(st, ref):
        flipped = []  # "lack of FGF21 leads to ..." for "FGF21 deficiency causes ..."
    if flipped:
        word = next((st.tokens[i] for i in st.content if st.stems[i] == flipped[0]), flipped[0])
        side = "statement" if flipped[0] in st_neg else "passage"
        kind = "direction" if DIRECTION.get(word.lower(), ("", 0))[0] == "recommend" else "negation"
        return Mismatch(kind, f"the {side} negates '{word}' and the other does not")
    if st_neg and not ref.negated and not _negation_absorbed(st, ref):
        word = next(st.tokens[i] for i in sorted(st.negated) if i in st.content)
        return Mismatch("negation", f"the statement negates '{word}'; the passage states no negation")
    null = _null_finding(st, ref)
    if null is not None:
        return null
    # hedge -> certainty
    st_hedged = {st.stems[i] for i in st.hedged if i in st.content}
    ref_hedged = {ref.stems[i] for i in ref.modal_hedged if i in ref.content}
    lost = (shared & ref_hedged) - st_hedged
    ref_cues = {t.lower() for t in ref.tokens} & MODAL_HEDGES
    st_cues = {t.lower() for t in st.tokens} & _HEDGE_WORDS
    if lost and not (ref_cues & st_cues) and len(lost) >= max(1, len(shared & ref_hedged) // 2):
        return Mismatch("hedge", "the passage hedges this ('may', 'can', 'suggests'); the statement states it as certain")
    new_boost = st.boosters - ref.boosters - (context.boosters if context else set())
    if new_boost and (ref.hedged or _strong_booster(new_boost)):
        return Mismatch("hedge", f"the statement adds certainty ('{sorted(new_boost)[0]}') the passage does not state")
    if ref.associative and st.causal and not st.associative and not ref.causal:
        return Mismatch("hedge", "the passage reports an association; the statement states a cause")
    # quantities
    digits = _digits(st.text) - _digits(ref.text) - (_digits(context.text) if context is not None else set())
    pool_q = ref.quantities + (context.quantities if context is not None else [])
    digits -= {f"{q.value:g}" for q in st.quantities if any(_same_dimension_value(q, r) for r in pool_q)}
    # a digit that is part of a name the passage writes without a hyphen or space ("A-769662" / "A769662")
    named = _named_digits(st.text, ref.text + " " + (context.text if context is not None else "")) if st.quantities or digits else set()
    digits -= named
    if digits:
        return Mismatch("number", f"{sorted(digits)[0]} is not in the cited passage")
    mismatch = _compare_quantities(st, ref, context, named)
    if mismatch:
        return mismatch
    # frequencies
    missing_freq = st.frequencies - ref.frequencies - (context.frequencies if context and not ref.frequencies else set())
    missing_freq = {f for f in missing_freq if not f.startswith("/") or ("1" + f) not in st.frequencies}
    missing_freq = {f for f in missing_freq if not f.startswith("x") or any(g.startswith("x") for g in ref.frequencies)}
    if missing_freq:
        has = ", ".join(sorted(f for f in ref.frequencies if not f.startswith("/"))) or "none"
        return Mismatch("frequency", f"frequency {_fmt_freq(sorted(missing_freq)[0])} is not the passage's ({has})")
    # populations
    for group, neg in st.populations.items():
        pool = ref.populations if group in ref.populations or not context else context.populations
        if group in ref.populations and ref.populations[group] != neg:
            return Mismatch("population", f"the statement says {'without' if neg else 'with'} {group}; the passage the opposite")
        if group not in pool:
            other = [g for g in ref.populations if any({group, g} <= ex for ex in EXCLUSIVE)]
            if other:
                return Mismatch("population", f"the statement is about {group}; the passage about {other[0]}")
            if context is not None and group not in context.populations and group not in {"younger", "older", "adult"}:
                return Mismatch("population", f"the passage says nothing about {group}")
    # drugs
    if st.drugs:
        pool_drugs = ref.drugs if ref.drugs or context is None else context.drugs
        missing = sorted(st.drugs - pool_drugs - (context.drugs if context is not None and not ref.drugs else set()))
        if missing:
            return Mismatch("drug", f"{missing[0]} is not mentioned in the cited sentence")
    return None


NEG_PREFIXES = ("non", "un", "in", "im", "ir", "il")
"""Prefixes that make an adjective its opposite ("inaccurate", "unstable", "UCP1-independent")."""
_ADJECTIVE_END = ("able", "ible", "ent", "ant", "ive", "ate", "ete", "ic", "al", "ous", "ful", "ary", "ed")
_MIN_BASE = 6  # a base shorter than this is too often a different word ("form" / "inform")


def _negated_forms(word: str) -> set[str]:
    """The words ``word`` is the opposite of by a negative prefix ("inaccurate" -> {"accurate"})."""
    head, _, last = word.rpartition("-")
    out = set()
    for p in NEG_PREFIXES:
        base = last[len(p):].lstrip("-")
        if last.startswith(p) and len(base) >= _MIN_BASE and base.endswith(_ADJECTIVE_END):
            out.add(f"{head}-{base}" if head else base)
    return out


def _prefix_antonym(st: Reading, ref: Reading) -> Mismatch | None:
    """A word on one side whose negatively prefixed form is on the other ("dependent" / "independent")."""
    a = {t.lower() for t in st.tokens}
    b = {t.lower() for t in ref.tokens}
    for mine, theirs, mine_stems, side in ((a, b, set(st.stems), "statement"), (b, a, set(ref.stems), "passage")):
        for word in sorted(mine - theirs):
            for base in sorted(_negated_forms(word)):
                # not when the same side also says the plain word ("undifferentiated ... differentiate")
                if base in theirs and base not in mine and _stem(base.rpartition("-")[2]) not in mine_stems:
                    said, other = (word, base) if side == "statement" else (base, word)
                    return Mismatch("antonym", f"the statement says '{said}' where the passage says '{other}'")
    return None


NULL_FINDING = re.compile(
    r"\b(?:no|not|nor|neither|without|lack of|absence of)\s+(?:\w+\s+){0,2}?(?:statistically\s+)?(?:significant(?:ly)?\s+|clear\s+|"
    r"detectable\s+|measurable\s+|meaningful\s+)?(?:differences?|effects?|associations?|associated|changes?|benefits?|impact|"
    r"correlations?|correlated|relationships?|related|influence|improvements?|reductions?|increases?)\b"
    r"|\b(?:did|does|do|was|were|is|are) not (?:significantly |substantially |appreciably )?(?:differ|change|affect|alter|improve|"
    r"reduce|increase|decrease|influence|predict|modify|lower|raise)\w*\b"
    r"|\b(?:unchanged|unaffected|unrelated|dispensable)\b|\b(?:was|were|is|are|remains?|remained) (?:lacking|absent)\b",
    re.I,
)
"""A finding of no effect, no difference or no association ("no significant difference in
mortality", "did not reduce", "was unaffected")."""
_CLAUSE = re.compile(r"[;,:]|\b(?:but|whereas|while|although|though|however)\b", re.I)


def _asserts_effect(reading: Reading) -> bool:
    """The sentence says something changes or is linked (a direction word, a cause, an association), unnegated."""
    if reading.neg_cues or NULL_FINDING.search(reading.text):
        return False
    directed = any(axis not in {"time", "sex", "relation", "rank"} for _, axis, _ in reading.directions)
    return directed or reading.causal or reading.associative


def _null_finding(st: Reading, ref: Reading) -> Mismatch | None:
    """The passage finds no effect (no difference, no association) where the statement states one.

    Only when the clause that finds nothing is the part of the sentence that shares most with the
    statement: "reduced A but did not change B" still supports "reduces A"."""
    if not _asserts_effect(st):
        return None
    text = ref.text
    m = NULL_FINDING.search(text)
    if m is None:
        return None
    cuts = [0, *(c.start() for c in _CLAUSE.finditer(text)), len(text)]
    clauses = [(a, b) for a, b in pairwise(cuts) if b > a]
    stems = st.content_stems

    def shared(a: int, b: int) -> int:
        return len(stems & {_stem(w) for w in _TOKEN.findall(text[a:b]) if w[:1].isalpha()})

    null_clause = next((c for c in clauses if c[0] <= m.start() < c[1]), (0, len(text)))
    # the statement's subject may be named in the clause before ("X, however, did not reduce Y")
    best_other = max((shared(a, b) for a, b in clauses if (a, b) != null_clause and not NULL_FINDING.search(text[a:b])), default=0)
    if shared(*null_clause) == 0 or best_other > shared(*null_clause):
        return None
    return Mismatch("negation", f"the passage finds no effect ('{m.group(0).strip()}'); the statement states one")


def _polar_stems(reading: Reading) -> tuple[set[str], set[str]]:
    """(stems negated wherever they occur, stems never negated) among the content words."""
    neg: set[str] = set()
    pos: set[str] = set()
    for i in reading.content:
        (neg if i in reading.negated else pos).add(reading.stems[i])
    return neg - pos, pos - neg


def _against_topic(reading: Reading) -> set[str]:
    """Content stems near a sentence's "avoid" / "contraindicated" / "not recommended" (what it is against)."""
    low = [t.lower() for t in reading.tokens]
    out: set[int] = set()
    for i, axis, sign in reading.directions:
        if axis == "recommend" and (-sign if i in reading.negated else sign) < 0:
            out |= _scope_forward(low, i + 1)  # what follows; in the passive what precedes
            if i > 0 and low[i - 1] in {"be", "is", "are", "been", "was", "were", "not"}:
                out |= _scope_backward(low, i)
    return {reading.stems[j] for j in out if j in reading.content}


def _negation_about(reading: Reading, stems: set[str]) -> bool:
    """A negation in ``reading`` covers one of ``stems`` ("should not be used with X" for "avoid X")."""
    return any(reading.stems[i] in stems for i in reading.negated)


_DIGITS = re.compile(r"(?<![A-Za-z\d.,])\d+(?:[.,]\d+)?(?![\d])")  # not digits inside a name (Dscam1, IL-2)


_NAMED_DIGIT = re.compile(r"(?:[A-Za-z][A-Za-z0-9]*[- ]?)?\d+[A-Za-z]+\d*|[A-Za-z]+[- ]\d+[A-Za-z0-9]*")
"""A run of digits joined to letters: a name ("A-769662", "3T3", "IL-6"), not a count."""


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _named_digits(statement: str, passage: str) -> set[str]:
    """Digits of ``statement`` that belong to a name the passage also writes, with or without the
    hyphen or space ("A-769662" for "A769662", "NIH 3T3" for "NIH3T3"); "IL-4" for "IL-2" stays a
    different number."""
    whole = _compact(passage)
    out: set[str] = set()
    for m in _NAMED_DIGIT.finditer(statement):
        name = _compact(m.group(0))
        if len(name) >= 3 and name in whole:
            out |= _digits_of(m.group(0))
    return out


_COUNT_WORDS = {w: str(int(v)) for w, v in _NUMBER_WORDS.items() if v >= 2 and float(v).is_integer()}
_COUNT_WORD = re.compile(r"\b(" + "|".join(_COUNT_WORDS) + r")\b(?!\s+times?\b)", re.I)
"""Number words read as their value ("one in two" / "one in five"); not "one" (a pronoun as often
as a count), "half" or "single", nor a count of times ("three times daily" is a frequency)."""


@lru_cache(maxsize=20_000)
def _digits(text: str) -> frozenset[str]:
    return frozenset(_digits_of(text))


def _digits_of(text: str) -> set[str]:
    out = {_COUNT_WORDS[m.group(1).lower()] for m in _COUNT_WORD.finditer(text)}
    for n in _DIGITS.findall(text):
        n = n.replace(",", ".")
        out.add(n.rstrip("0").rstrip(".") if "." in n else n)
    return out


def _strong_booster(words: set[str]) -> bool:
    return bool(words & {"always", "certainly", "definitely", "proven", "proves", "prove", "undoubtedly", "invariably", "guarantees", "guaranteed", "universally"})


ABSENCE_CUES = frozenset({"lack", "lacks", "lacked", "lacking", "absence"})
"""Negation cues that say a thing is missing ("lack of FGF21", "mice that lack interferon-gamma")."""
ABSENCE_WORDS = frozenset({
    "lack", "lacks", "lacked", "lacking", "absence", "absent", "deficiency", "deficiencies", "deficient", "knockout",
    "knockouts", "loss", "depletion", "depleted", "ablation", "ablated", "null", "deletion", "deleted",
})
"""Words that state a thing is missing, in the passage's wording: a statement's "lack of X" is the
passage's "X deficiency", "deficiency of X", "X knockout", "loss of X" (the usual ways research
writes an experiment without X; lower-case word forms, no inflection added)."""


_ABSENCE_AFTER = frozenset({"deficiency", "deficiencies", "deficient", "knockout", "knockouts", "null", "depleted", "ablated", "deleted"})
"""Absence words written after the missing thing ("FGF21 deficiency", "STAT4 knockout")."""


def _absent_things(reading: Reading) -> set[str]:
    """Content stems a reading says are missing: the content word an absence word names ("FGF21
    deficiency", "deficiency of FGF21", "loss of X", "mice that lack X")."""
    low = [t.lower() for t in reading.tokens]
    content = set(reading.content)
    out: set[str] = set()
    for i, t in enumerate(low):
        if t not in ABSENCE_WORDS:
            continue
        of = i + 1 < len(low) and low[i + 1] == "of"
        sides = [i + 2] if of else [i + 1] if t in ABSENCE_CUES else []
        if not of and t in _ABSENCE_AFTER:
            sides.append(i - 1)
        for j in sides:
            if 0 <= j < len(low) - 1 and j not in content and low[j] in {"the", "a", "an", "its", "their"} and j > i:
                j += 1  # "lacking the receptor"
            if 0 <= j < len(low) and j in content and low[j] not in ABSENCE_WORDS:
                out.add(reading.stems[j])
    return out


def _same_absence(st: Reading, ref: Reading) -> bool:
    """The statement's only negation is that something is missing ("lack of X") and the passage says
    the same thing is missing in other words ("X deficiency"): a shared absence, not a negation on
    one side. Any other negation cue in the statement ("not", "no") keeps the ordinary comparison."""
    low = [t.lower() for t in st.tokens]
    cues = [s for s, _ in _phrase_hits(low, NEG_FORWARD) if low[s] not in {"of"}]
    if not cues or any(low[s] not in ABSENCE_CUES for s in cues):
        return False
    return bool(_absent_things(st) & _absent_things(ref))


def _negation_absorbed(st: Reading, ref: Reading) -> bool:
    """A statement's negation said in other words by the passage ("does not increase" / "unchanged",
    "not effective" / "ineffective", "no longer" / "stopped")."""
    if _same_absence(st, ref):
        return True
    for i, axis, sign in st.directions:
        if i in st.negated:
            for _, axis2, sign2 in ref.directions:
                if axis2 == axis and sign2 == -sign:
                    return True
    if ref.recommendation < 0:
        return True
    return any(t in {"unchanged", "similar", "comparable", "neutral", "null", "insignificant", "nonsignificant"} for t in (x.lower() for x in ref.tokens))


def _is_bound(reading: Reading, i: int) -> bool:
    """A direction word that is a bound on a number ("more than 30 mL", "up to 8 mg")."""
    return any((0 < q.start - i <= 3 or 0 < i - q.start <= 3) and not q.year for q in reading.quantities)


def _fmt_freq(f: str) -> str:
    if f.startswith("x"):
        return {"1": "once", "2": "twice"}.get(f[1:], f"{f[1:]} times")
    n, period = f.split("/", 1)
    if not n:
        return f"per {period}"
    return {"1": "once", "2": "twice"}.get(n, f"{n} times") + f" per {period}"


def _compare_quantities(st: Reading, ref: Reading, context: Reading | None, named: set[str] | frozenset[str] = frozenset()) -> Mismatch | None:
    """The first quantity of ``st`` the passage gives another value, unit, frequency or bound;
    ``named``: bare numbers that are part of a name the passage also writes (not quantities)."""
    for q in st.quantities:
        if not q.unit and f"{q.value:g}" in named:
            continue
        candidates = [r for r in ref.quantities if _same_value(q, r)]
        pool = "the cited sentence"
        rival = next((r for r in ref.quantities if not _same_value(q, r) and ((q.unit and r.unit == q.unit) or (q.label and r.label == q.label))), None)
        if not candidates and rival is not None:  # the aligned sentence gives this quantity another value
            return Mismatch("number", f"{q.describe()} where the passage says {rival.describe()}")
        if not candidates and context is not None:
            candidates = [r for r in context.quantities if _same_value(q, r)]
            pool = "the cited passage"
        if not candidates:
            convertible = [r for r in ref.quantities if q.dimension and r.dimension == q.dimension and r.base and q.base and math.isclose(r.base, q.base, rel_tol=1e-6)]
            if convertible:
                continue
            units = [r for r in ref.quantities if r.unit and q.unit and r.unit != q.unit and math.isclose(r.value, q.value)]
            if units:
                return Mismatch("unit", f"{q.describe()} where the passage says {units[0].describe()}")
            return Mismatch("number", f"{q.describe()} is not in {pool}")
        best = candidates[0]
        if q.frequency and all(r.frequency and not (r.frequency & q.frequency) for r in candidates):
            theirs = ", ".join(_fmt_freq(f) for f in sorted(candidates[0].frequency))
            return Mismatch("frequency", f"{q.describe()} {_fmt_freq(sorted(q.frequency)[0])} where the passage says {theirs}")
        if q.unit and not any(r.unit == q.unit or not r.unit for r in candidates) and not any(_same_dimension_value(q, r) for r in candidates):
            return Mismatch("unit", f"{q.describe()} where the passage says {best.describe()}")
        if q.bound and not any(r.bound == q.bound for r in candidates):
            said = next((r for r in candidates if r.bound), best)
            return Mismatch("bound", f"'{q.describe()}' where the passage says '{said.describe()}'")
    return None


def _same_value(q: Quantity, r: Quantity) -> bool:
    if not math.isclose(q.value, r.value, rel_tol=1e-9):
        return False
    return not (q.unit and r.unit and q.unit != r.unit and not _same_dimension_value(q, r))


def _same_dimension_value(q: Quantity, r: Quantity) -> bool:
    return bool(q.dimension and q.dimension == r.dimension and q.base is not None and r.base is not None and math.isclose(q.base, r.base, rel_tol=1e-6))


# --------------------------------------------------------------------------------------------
# The verifier


@dataclass
class Support:
    """The verdict on one (statement, passage) pair."""

    supported: bool
    overlap: float  # share of the statement's content stems the aligned sentences contain
    similarity: float  # embedding similarity to the best sentence
    reason: str  # "supported", or what is wrong, in words
    span: tuple[int, int] | None = None  # best supporting sentence within the chunk
    kind: str = "supported"  # "supported" or one of REJECTIONS
    score: float = 0.0  # probability-like support score in [0, 1] (for AUROC and ranking)
    sentence: str = ""  # the aligned sentence


@dataclass
class VerifyParams:
    min_score: float | None = None
    """Support score at or above which an aligned, consistent statement passes; None: the trained
    model's threshold (``verify_model.json``: NOT-ENOUGH-INFO claims of SciFact train accepted at 0.20)."""
    min_overlap: float = 0.4
    """Below this share of content stems found in the aligned sentences nothing passes: the
    passage does not state most of what the statement says."""
    align_sentences: int = 2
    """Aligned sentences whose words the statement may draw on (a claim may span two)."""


@dataclass
class _Model:
    names: list[str]
    weights: list[float]
    bias: float
    mean: list[float] = field(default_factory=list)
    scale: list[float] = field(default_factory=list)
    threshold: float = 0.5

    def score(self, features: dict[str, float]) -> float:
        z = self.bias
        for k, name in enumerate(self.names):
            x = features.get(name, 0.0)
            if self.mean:
                x = (x - self.mean[k]) / (self.scale[k] or 1.0)
            z += self.weights[k] * x
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


# Until a model is trained: support rises with overlap and similarity (hand-set, documented).
_DEFAULT_MODEL = _Model(["overlap", "similarity"], [6.0, 4.0], -5.0)
FEATURES = (
    "overlap", "overlap_best", "similarity", "similarity_top2", "similarity_any", "novel", "novel_frac",
    "passage_overlap", "len_ratio", "direction_conflict", "direction_agree", "direction_same",
    "direction_opposed", "direction_same_wide", "direction_opposed_wide", "numbers_missing", "finding",
)
"""What the support model is trained on (:meth:`CitationVerifier.features` computes more; a trained
model names its own). Only how fully and in which direction the passage states the statement: not
whether either side is negated or hedged by itself (``st_negated``, ``ref_hedged``...), which the
rules compare and which on SciFact mostly marks how annotators wrote contradicting claims, a prior
that would fail a faithful "should not be combined" for "advises against combining"."""

DIRECTION_SENTENCES = 3
"""Best-aligned sentences whose direction words feed the ``*_wide`` features: on SciFact's fit half
the claim's direction (same or reversed) is read more often from the best three than the best two
(grouped 5-fold AUROC of SUPPORT vs CONTRADICT 0.708 -> 0.723)."""

FINDING = re.compile(
    r"\b(?:RESULTS?|CONCLUSIONS?|FINDINGS|INTERPRETATION)\b|(?i:\b(?:significant(?:ly)?|p\s*[<=]|odds ratio|hazard ratio|"
    r"relative risk|confidence interval|we (?:show|found|find|report|demonstrate|identify|observed)|(?:results|data|findings) "
    r"(?:show|suggest|indicate|demonstrate|reveal)))"
)
"""A sentence that reports a result (a results label, a test statistic, "we show"): the kind a
research claim rests on (a feature for the support model, not a rule)."""


_POLARITY = frozenset({"negation", "antonym", "direction"})


def _direction_weights(st: Reading, ref: Reading) -> tuple[float, float]:
    """(agreeing, opposed) strongest direction-word pair on one axis, weighted as in :func:`compare`
    by the content words they share nearby; negation reverses a direction."""
    same = opposed = 0.0
    for i, axis, sign in st.directions:
        eff = -sign if i in st.negated else sign
        about = _near(st, i)
        for j, axis2, sign2 in ref.directions:
            if not _same_axis(axis, axis2):
                continue
            weight = 1.0 + len(about & _near(ref, j))
            if (-sign2 if j in ref.negated else sign2) == eff:
                same = max(same, weight)
            else:
                opposed = max(opposed, weight)
    return same, opposed


@lru_cache(maxsize=4)
def load_model(path: str | None = None) -> _Model:
    """The support model: ``qa/data/verify_model.json`` (see ``curbside eval verify --train``)."""
    try:
        source = Path(path) if path else resources.files("curbside.qa").joinpath("data/verify_model.json")
        text = source.read_text("utf-8")
    except (FileNotFoundError, OSError):
        return _DEFAULT_MODEL
    data = json.loads(text)
    return _Model(
        list(data["features"]), list(data["weights"]), float(data["bias"]), list(data.get("mean", [])),
        list(data.get("scale", [])), float(data.get("threshold", 0.5)),
    )


class CitationVerifier:
    def __init__(self, embedder: SentenceEmbedder, table: AliasTable, params: VerifyParams | None = None, model: _Model | None = None) -> None:
        self.embedder = embedder
        self.table = table
        self.params = params or VerifyParams()
        self.model = model or load_model()

    @property
    def threshold(self) -> float:
        return self.params.min_score if self.params.min_score is not None else self.model.threshold

    # -- one pair --------------------------------------------------------------------------

    def features(self, statement: str, passage: Passage) -> tuple[dict[str, float], list[tuple[Reading, tuple[int, int]]], Reading, Reading]:
        """Alignment features, the aligned sentences (best first), the statement's and the passage's readings."""
        text = passage.chunk.text
        st = read(statement, self.table)
        whole = read(text, self.table)
        sentences = passage_sentences([passage], min_chars=10) or []
        spans = [(s.start, s.end) for s in sentences] or [(0, len(text))]
        readings = [read(text[a:b], self.table) for a, b in spans]
        stems = st.content_stems or {"_"}
        overlaps = [len(stems & r.content_stems) / len(stems) for r in readings]
        vecs = self.embedder.embed([statement, *(text[a:b] for a, b in spans)])
        sims = vecs[1:] @ vecs[0]
        # a sentence that states what a study asked or did (its aim, its methods) states no finding:
        # it is aligned only when nothing else in the passage is (and then cannot support)
        framing = [is_framing(r.text) and not is_framing(statement) for r in readings]  # an aim may cite an aim
        rank = sorted(range(len(readings)), key=lambda k: -(overlaps[k] + float(sims[k])) + FRAMING_PENALTY * framing[k])
        top = rank[: self.params.align_sentences]
        top = [k for k in top if not framing[k]] or top[:1]
        covered: set[str] = set()
        for k in top:
            covered |= readings[k].content_stems
        best = top[0]
        overlap = len(stems & covered) / len(stems)
        novel = stems - whole.content_stems
        ref = readings[best]
        conflicts = agrees = 0
        for _i, axis, sign in st.directions:
            for _j, axis2, sign2 in ref.directions:
                if axis == axis2:
                    if sign == sign2:
                        agrees += 1
                    else:
                        conflicts += 1
        # the same, over the next-best sentences too: a research claim's direction is often stated
        # (or reversed) by a sentence other than the one sharing most words with it
        wider = [k for k in rank[:DIRECTION_SENTENCES] if not framing[k]] or top
        weights = {k: _direction_weights(st, readings[k]) for k in {best, *wider}}
        same_w, opposed_w = weights[best]
        wide = [weights[k] for k in wider]
        nums_missing = sum(1 for q in st.quantities if not any(_same_value(q, r) for r in whole.quantities))
        feats = {
            "overlap": overlap,
            "overlap_best": overlaps[best],
            "similarity": float(sims[best]),
            "similarity_top2": float(np.mean([sims[k] for k in top])),
            "novel": float(len(novel)),
            "novel_frac": len(novel) / len(stems),
            "passage_overlap": len(stems & whole.content_stems) / len(stems),
            "len_ratio": min(3.0, len(st.content) / max(1, len(ref.content))),
            "st_negated": float(bool(st.negated)),
            "ref_negated": float(bool(ref.negated)),
            "st_hedged": float(bool(st.hedged)),
            "ref_hedged": float(bool(ref.hedged)),
            "direction_conflict": float(conflicts),
            "direction_agree": float(agrees),
            "numbers_missing": float(nums_missing),
            "direction_same": same_w,
            "direction_opposed": opposed_w,
            "direction_same_wide": max(w for w, _ in wide),
            "direction_opposed_wide": max(o for _, o in wide),
            "negation_one_side": float((st.neg_cues > 0) != (ref.neg_cues > 0)),
            "st_null": float(bool(NULL_FINDING.search(statement))),
            "ref_null": float(bool(NULL_FINDING.search(ref.text))),
            "finding": float(bool(FINDING.search(ref.text))),
            "similarity_any": float(max((sims[k] for k in range(len(readings)) if not framing[k]), default=sims[best])),
        }
        return feats, [(readings[k], spans[k]) for k in top], st, whole

    def check(self, statement: str, passage: Passage) -> Support:
        """Does ``passage`` support ``statement``? Every rejection names its reason (``kind``, ``reason``)."""
        if INJECTION.search(statement):
            return Support(False, 0.0, 0.0, "statement repeats an instruction planted in a document", None, "injection")
        feats, aligned, st, whole = self.features(statement, passage)
        score = self.model.score(feats)
        overlap, sim = feats["overlap"], feats["similarity"]
        (ref, span), *_ = aligned
        found: Mismatch | None = None
        for k, (r, s) in enumerate(aligned):
            m = compare(st, r, whole)
            if m is None:
                if found is not None and found.kind in _POLARITY and _direction_weights(st, r)[0] < _MIN_DIRECTION_WEIGHT:
                    break  # the best sentence reverses the statement; one that merely does not cannot clear it
                ref, span = r, s
                found = None
                break
            if k == 0:
                found = m
            # a second sentence only rescues when it states the statement at least as fully as the
            # first: a neighbour that shares a few words must not clear a contradiction
            if k + 1 < len(aligned) and len(st.content_stems & aligned[k + 1][0].content_stems) < len(st.content_stems & r.content_stems):
                break
        sentence = ref.text
        if found is None and is_framing(sentence) and not is_framing(statement):
            return Support(False, overlap, sim, "the passage states what was studied (an aim or a method), not a finding", span, "weak", score, sentence)
        if found is not None:
            return Support(False, overlap, sim, found.reason, span, found.kind, score * 0.1, sentence)
        if overlap < self.params.min_overlap or score < self.threshold:
            return Support(False, overlap, sim, f"weak support (word overlap {overlap:.2f}, similarity {sim:.2f}, score {score:.2f})", span, "weak", score, sentence)
        return Support(True, overlap, sim, "supported", span, "supported", score, sentence)

    def check_all(self, pairs: Sequence[tuple[str, Passage]]) -> list[Support]:
        """:meth:`check` for many (statement, passage) pairs, the statements embedded in one batch."""
        self.embedder.embed(list(dict.fromkeys(st for st, _ in pairs)))  # fills the embedder's cache
        return [self.check(st, p) for st, p in pairs]

    def best_support(self, statement: str, passages: Sequence[Passage]) -> list[tuple[int, Support]]:
        """Support of each candidate passage (by index), supported ones first."""
        results = [(i, self.check(statement, p)) for i, p in enumerate(passages)]
        return sorted(results, key=lambda x: (not x[1].supported, -x[1].score))

    # -- a verdict -------------------------------------------------------------------------

    def entails(self, statements: Sequence[str], verdict: str) -> Support:
        """Is ``verdict`` ("yes" | "no" | "conditional" | "insufficient") consistent with the stance of
        the statements it cites? "yes" needs a statement for and none against; "no" one against and
        none for; "conditional" either both, or a statement with a condition ("if", "unless", "with
        monitoring", a dose adjustment); "insufficient" is entailed by no statements."""
        verdict = verdict.lower().strip()
        stances = [stance(s) for s in statements]
        pro, con = stances.count(1), stances.count(-1)
        conditioned = any(_CONDITION.search(s) for s in statements)
        if verdict == "insufficient":
            ok, why = not statements or (pro == 0 and con == 0), "no cited statement takes a side"
        elif not statements:
            ok, why = False, "the verdict cites no statement"
        elif verdict == "yes":
            ok, why = pro > 0 and con == 0, f"{pro} statement(s) for, {con} against"
        elif verdict == "no":
            ok, why = con > 0 and pro == 0, f"{con} statement(s) against, {pro} for"
        elif verdict == "conditional":
            ok, why = (pro > 0 and con > 0) or (conditioned and (pro + con) > 0), f"{pro} for, {con} against, {'a' if conditioned else 'no'} condition stated"
        else:
            raise ValueError(f"verdict must be yes, no, conditional or insufficient, not {verdict!r}")
        reason = "supported" if ok else f"the verdict '{verdict}' does not follow: {why}"
        return Support(ok, 0.0, 0.0, reason, None, "supported" if ok else "direction", 1.0 if ok else 0.0, "")


_CONDITION = re.compile(
    r"\b(if|unless|provided|only when|only if|as long as|with (close )?monitoring|monitor\w*|reduce[ds]? (the )?dose|dose reduction|"
    r"adjust\w*|caution|cautious\w*|lower dose|reduced dose|after screening|once|until)\b",
    re.I,
)


def stance(statement: str) -> int:
    """+1 when a statement is for doing the thing (recommended, safe, effective, may be used), −1 when
    against (avoid, contraindicated, do not, unsafe, increases risk of harm), 0 when neither."""
    r = read(statement)
    if r.recommendation:
        return r.recommendation
    score = 0
    for i, axis, sign in r.directions:
        eff = -sign if i in r.negated else sign
        if axis in {"safety", "efficacy", "quality"}:
            score += eff
    if re.search(r"\b(risk|harm|toxicity|infection|bleeding|death|adverse)\b", statement, re.I):
        for i, axis, sign in r.directions:
            if axis == "amount":
                score -= -sign if i in r.negated else sign
    return (score > 0) - (score < 0)
