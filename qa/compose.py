"""Answer composers. The default is extractive and offline: every statement is a sentence of a
library passage, cited to its exact span, so no statement can say more than its source.

The extractive composer answers the question's frame (:mod:`curbside.qa.frame`) with a plan
(:mod:`curbside.qa.plan`) over sentence claims (:mod:`curbside.qa.claims`):

1. **Grounding.** The library must cover the intervention asked about (by name or by one of its
   classes) *and* the asked attribute (a dose, a target, use in pregnancy ...). When it covers the
   intervention but not the attribute, the answer says so first ("The library does not state an
   anakinra dose for children.") and lists the closest statements as not answering
   (``coverage="partial"``); when it covers neither, it abstains (``coverage="none"``). A word of
   the patient's story that the library does not use never causes a refusal.
2. **Safety sweep** (:mod:`curbside.qa.sweep`): every statement linking the intervention with the
   patient's medications, conditions or population by a danger relation is found by entity,
   independently of ranking. A contraindication or avoidance decides the bottom line and verdict;
   the rest leads the Risks section. Alternatives are swept the same way and dropped when the
   library advises against them for this patient.
3. **Bottom line.** The sentence that best answers the asked attribute about the intervention for
   this patient, from the most authoritative source that states it.
4. **Verdict** for yes/no-shaped questions, from the stance of the cited statements.
5. **Sections by role**: rationale, risks, alternatives, monitoring, evidence (results, not study
   design), conclusion; each only with statements that belong, no padding.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from curbside.ingest.chunking import citable_sentences
from curbside.ingest.interventions import find_interventions
from curbside.ingest.types import Document
from curbside.ingest.vocabulary import DrugClasses, find_classes
from curbside.qa.aliases import AliasTable
from curbside.qa.claims import (
    ADULT_YEARS,
    BROAD_CLASSES,
    MECHANISM_CLASS,
    Claim,
    classes_of,
    labelled_ages,
    members_of,
    release_form,
    stopping_rule_conditions,
    stopping_rule_trigger,
    tag,
    therapeutic_classes,
)
from curbside.qa.frame import (
    CONDITION_FORMS,
    CONDITION_TERMS,
    POPULATION_OF_ATTRIBUTE,
    awaiting_transplant,
    condition_forms,
    find_age,
    reacted_to,
    renal_value,
)
from curbside.qa.plan import (
    AGAINST_DOING,
    ATTRIBUTE_PLANS,
    INTENT_SECTIONS,
    SUPPORTING,
    asks_dose_at_kidney_function,
    asks_for_amount,
    attribute_match,
    not_stated,
    question_phase,
)
from curbside.qa.polarity import yes_no_polarity
from curbside.qa.quantities import outside as outside_bound
from curbside.qa.render import display_text
from curbside.qa.retrieval import mentions, stems, stems_many
from curbside.qa.sentences import Sentence, SentenceEmbedder, passage_sentences
from curbside.qa.stance import load_stance_model
from curbside.qa.sweep import (
    APPLIES,
    NOT_THIS_PATIENT,
    UNSTATED,
    Finding,
    Search,
    danger_clause,
    danger_scope,
    dosed_scope,
    named_classes,
    patient_groups,
    patient_renal_value,
    phase_mismatch,
    prescriber_restriction,
    statement_scope,
    states_a_dose,
    sweep,
    swept_treatments,
    switches_away,
)
from curbside.qa.sweep import asked_doses as sweep_asked_doses
from curbside.qa.types import (
    SECTION_TITLES,
    Answer,
    Citation,
    Passage,
    QueryAnalysis,
    QuestionFrame,
    Reference,
    Section,
    Statement,
)


class Composer(Protocol):
    """Turns an analysed question and ranked passages into an :class:`Answer`."""

    name: str

    def compose(self, analysis: QueryAnalysis, passages: list[Passage]) -> Answer: ...


@dataclass
class ComposerParams:
    max_statements_per_section: int = 3
    min_sentence_similarity: float = 0.25
    abstain_similarity: float = 0.35
    dedupe_similarity: float = 0.9
    max_statements: int = 9
    """An answer's statements, bottom line included: what a clinician reads on one screen. Most
    answers use far fewer (the clinician-style eval's target is a median of at most 8); the cap
    leaves a safety answer room for its risks, alternatives and monitoring."""


# -- scoring weights of the bottom line (see BottomLineWeights) -----------------------------------


@dataclass(frozen=True)
class BottomLineWeights:
    """How the bottom line is chosen among sentences that answer the asked attribute: a weighted
    sum of named features of each sentence (``_Item.features``).

    ``attribute`` dominates: a sentence that states what was asked beats one that is merely
    similar. ``about`` rewards naming the intervention itself over its class. ``patient`` rewards
    a sentence that speaks to this patient's medications, conditions or population.
    ``authority`` prefers guidelines and labels over reviews and research (a research summary
    still leads when nothing else states the answer). ``similarity`` (cosine with the question)
    breaks ties among sentences of the same standing. ``terms`` is the share of the question's own
    content words (stemmed, drug names aside) that the sentence uses: "bridging", "contrast",
    "diarrhoea" say what the question is about more precisely than any category. ``retrieval``
    is the rank prior of the sentence's passage in the hybrid retrieval (1/rank; 0 for passages
    only the entity lookups found), whose ranking the public evals measure; with no intervention
    to ground on, ``retrieval_drugless`` weighs the rank of the sentence's *document* among the
    retrieved documents instead, since the best-ranked document is then the most reliable sign of
    the answer (and within one document the sentences' own features decide). ``conclusion`` favours a research abstract's conclusion
    (a CONCLUSIONS section, "In conclusion", "These findings suggest") over its methods and
    results, as a clinician reads an abstract; ``design_only`` (how a trial was run, with no
    result) and ``off_topic`` (a statement about vaccines, screening... for another question)
    count against. ``number`` (the sentence states a number where the attribute needs one),
    ``frequency`` (a schedule, for a "how often" question), ``settles`` (a relation that settles
    the attribute), ``supports`` (one that only bears on it), ``class_only`` (the subject named by
    its class), ``heading`` (the question's words in the passage's section heading) and
    ``other_indication`` (the sentence is about another condition than the one being treated: an AF
    dose for a DVT question) are 0 in the hand-set weights.

    The hand-set values below are the defaults; ``bundled()`` reads the weights learned from the
    clinician-style set's tune half (``python -m curbside.evals.train_bottom_line``, provenance and
    its measured effect in ``qa/data/bottom_line_weights.json``) when that file is present.
    """

    attribute: float = 2.0
    about: float = 1.0
    patient: float = 0.6
    authority: float = 0.5
    similarity: float = 1.5
    terms: float = 1.5
    retrieval: float = 1.0
    retrieval_drugless: float = 3.0
    conclusion: float = 3.0
    design_only: float = -2.0
    off_topic: float = -1.0
    number: float = 0.0
    frequency: float = 0.0
    settles: float = 0.0
    supports: float = 0.0
    class_only: float = 0.0
    heading: float = 0.0
    other_indication: float = 0.0
    pool: str = "answering"
    """Which sentences may lead: ``answering`` (those stating the asked attribute, the hand-set
    rule) or ``about`` (every sentence about the subject; the learned weights' setting)."""

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The feature names (every field but ``pool``)."""
        return tuple(f.name for f in fields(cls) if f.name != "pool")

    def score(self, features: dict[str, float]) -> float:
        return float(sum(getattr(self, name) * value for name, value in features.items()))

    @classmethod
    def load(cls, path: Path) -> BottomLineWeights:
        """Weights from a JSON file with a ``weights`` object; a name it does not know is an error."""
        data = json.loads(path.read_text(encoding="utf-8"))
        weights = data.get("weights")
        if not isinstance(weights, dict):
            raise ValueError(f"{path}: no 'weights' object")
        unknown = set(weights) - set(cls.names())
        if unknown:
            raise ValueError(f"{path}: unknown bottom-line feature(s) {sorted(unknown)}")
        pool = data.get("pool", "answering")
        if pool not in ("answering", "about"):
            raise ValueError(f"{path}: 'pool' must be 'answering' or 'about', not {pool!r}")
        return cls(**{k: float(v) for k, v in weights.items()}, pool=pool)

    @classmethod
    def bundled(cls) -> BottomLineWeights:
        path = BOTTOM_LINE_WEIGHTS_PATH
        return cls.load(path) if path.is_file() else cls()


BOTTOM_LINE_WEIGHTS_PATH = Path(__file__).parent / "data" / "bottom_line_weights.json"


AUTHORITY: dict[str, float] = {"guideline": 1.0, "drug-label": 0.9, "review": 0.5, "research": 0.3}
"""Source standing. Labels equal guidelines for what labels are the source of (dose, contraindication,
interactions, monitoring; see ``_LABEL_ATTRIBUTES``)."""
_LABEL_ATTRIBUTES = {"dose", "renal dose", "contraindication", "boxed warning", "interaction", "monitoring", "adverse effects"}

ATTRIBUTE_ANSWERS = SUPPORTING
"""A sentence grounds an answer when it states one of the attribute's relations, or a relation that
bears on it (``plan.SUPPORTING``), with the attribute's population and number; a sentence with only
the relation or only the population never grounds one."""

LOOKUP_DEPTH = 6
"""Passages fetched per entity lookup: a drug's label or guideline rarely spreads one attribute over
more than a few chunks."""
LOOKUP_WORDS: dict[str, str] = {
    "dose": "dose mg daily dosing",
    "renal dose": "dose renal impairment creatinine clearance kidney",
    "target": "target goal below",
    "monitoring": "monitor monitoring check counts levels",
    "pregnancy": "pregnancy pregnant",
    "lactation": "breastfeeding lactation",
    "children": "children pediatric",
    "older adults": "elderly older adults",
    "contraindication": "contraindicated contraindications",
    "boxed warning": "boxed warning",
    "adverse effects": "adverse reactions risk",
    "interaction": "interactions inhibitors concentrations",
    "duration": "duration months weeks",
    "screening": "screen before starting",
    "vaccination": "vaccines live",
    "prophylaxis": "prophylaxis prevention",
    "safety": "contraindications warnings risk",
}
"""Words that, with the intervention's names, find the passages stating an attribute."""

_TOPICS = {"vaccination", "screening", "prophylaxis", "target", "duration"}
"""Relations that make a sentence about a topic of its own: it answers a safety question only when
that topic is asked about."""
_ASKED_TOPICS = {"vaccination": {"vaccination"}, "screening": {"screening"}, "prophylaxis": {"prophylaxis"},
                 "target": {"target"}, "duration": {"duration"}, "timing": {"screening", "duration"}}

_ALONE_OR_COMBINED = re.compile(r"\balone\s+or\s+(?:(?:when\s+)?combined|together|in\s+combination|with)\b", re.I)
"""A statement about a drug "alone or combined with" another is about the drug alone as well."""

_STOPPING = re.compile(r"\b(?:stop\w*|abandon\w*|giv\w*\s+up|discontinu\w*|withh[eo]ld\w*|withdraw\w*|interrupt\w*|paus\w*|held|step\w*\s+down)\b", re.I)
"""Words that say what to do about stopping a drug: a stop question's answer has one."""
_CONTINUING = re.compile(r"\b(?:continuing|continuation|continued)\b|\bcontinues?\s+(?:it|them|the|taking|treatment|therapy)\b", re.I)
"""Words that speak of keeping a drug going ("the benefits and risks of continuing should be
reassessed"), whether or not the sentence advises it (advice to continue is the claims' ``continue``);
not what else continues ("extended if flares continue")."""

_LEFT_OUT = re.compile(
    r"\bexclud\w*|\b(?:did|does|do)\s+not\s+(?:include|enrol\w*|apply|cover|study)\b|\bnot\s+(?:included|enrolled|studied|eligible)\b|"
    r"\bleaves?\s+out\b|\bleft\s+out\b|\bmay\s+not\s+apply\b|\b(?:people|patients|adults|participants)\s+without\b",
    re.I,
)
_COHORT = re.compile(_LEFT_OUT.pattern + r"|\b(?:included|enrolled|participants|patients\s+(?:with|who)|applies\s+to|eligible)\b", re.I)
"""Whom a study or guideline took in or left out: what answers "does it apply to my patient?"."""

_DANGLING = re.compile(
    r"^(?:These|Those|Such|Both\s+of\s+them|The\s+above|The\s+following)\b|"
    r"\b(?:schedule|table|list|steps?|criteria|options?|regimens?|doses?)\s+(?:above|below)\b|\bas\s+(?:above|below|follows)\b",
    re.I,
)
"""A sentence whose content is in another ("These four drug classes are recommended ...", "monitoring
on the schedule above"): quoted alone it answers nothing."""

SUBJECT_PIECES = 2
"""With neither a drug nor a condition recognised, a content word the library never uses and the
embedding model's tokenizer does not know whole (two or more pieces: "rabies", "Gitelman") is the
question's subject; a word it knows whole is ordinary English and never decisive."""

NEEDS_A_DRUG = frozenset({"pregnancy", "lactation", "children", "older adults", "dose", "renal dose", "interaction", "contraindication", "boxed warning", "adverse effects"})
"""Asked attributes that are attributes of a medicine: a question asking one with no medicine named
(and none carried from the conversation) cannot be answered from any statement."""

RESEARCH_LEAD_MARGIN = 0.15
"""How far above the abstention similarity a study must come for a drugless question to be read as
a question about that study (the same margin the drugless path already asks of an answer with no
sentence stating the asked relation)."""
DRUGLESS_TOP_PASSAGES = 3
"""A question naming no intervention is answered from the three best-ranked passages: hybrid
retrieval puts a gold document first for 72% of the clinician-style tune half and 99% of PubMedQA
(R@1), and in the top 5 for 93% (R@5); sentences from lower or looked-up passages match categories
without matching the question."""

_EITHER_DRUG = frozenset({"dose_adjustment", "dose", "interaction", "monitoring"})
"""Intents where a question naming two drugs may ask about either one's dose, effect or monitoring:
an interaction is a pair, and the library may state it under either drug ("on Eliquis, needs
ketoconazole" is answered by the apixaban label's strong-CYP3A4-inhibitor dose)."""

CONTEXT_SIMILARITY = 0.3
"""A statement naming no drug of the answer but this patient's situation ("combining several
immunosuppressive drugs raises infection risk") joins the rationale at this cosine to the question;
such statements share few words with it, so the bar sits below the composer's 0.4 for drug statements."""

_OFFER_CLAUSE = re.compile(r"\b(?:because|since|as\s+(?:an?\s+)?alternative\s+to|owing\s+to|due\s+to|whereas|rather\s+than|instead\s+of|over)\b", re.I)
"""Where the agents a recommendation offers end: "glucocorticoids are used ... because NSAIDs and
colchicine carry risks" offers glucocorticoids only."""

_EFFECT_OF_COMBINING = frozenset({"adverse", "caution", "dose_change", "monitoring"})
"""Relations of a sentence naming both drugs of an interaction question that make it an
interaction statement although the claim tagger found no interaction verb."""
_DECIDED_BY_DANGER = frozenset({"safety", "interaction", "contraindication", "population", "indication"})
"""Intents whose answer a contraindication for this patient decides: the danger becomes the bottom
line. For a dose, timing or choice question the answering statement stays the bottom line and the
danger leads the Risks section (and a yes/no verdict still becomes no)."""


_AFTER_A_REACTION = re.compile(r"\b(?:who\s+(?:has|have)\s+had|with\s+a\s+(?:history|prior)\s+of|who\s+(?:previously\s+)?(?:had|developed)|previously\s+had)\s+(?:an?\s+)?(?:\w+\s+){0,2}(?:reaction|hypersensitivity|rash|allergy)\b", re.I)
"""A statement scoped to patients who reacted to a drug before."""
_CONTACT = re.compile(r"\b(?:household|close|family)\s+(?:contacts?|members?)\b|\bcaregivers?\b|\bpeople\s+(?:living|who\s+live)\s+with\b", re.I)
"""A statement about the people around a patient, for an intervention given to one of them."""
_TABLE_RESIDUE = re.compile(r"\b(?:yes\s+no(?:\s+not\s+applicable)?|not\s+applicable\s+yes|☐|□|\[\s\])", re.I)
_CONCLUSION = re.compile(r"^\s*(?:conclusions?\s*:|in\s+conclusion|we\s+conclude|to\s+conclude|(?:these|our|the)\s+(?:results|findings|data|observations)\s+(?:suggest|indicate|show|demonstrate|support|confirm)|this\s+study\s+(?:shows|suggests|demonstrates|indicates|confirms))", re.I)
_CONCLUSION_HEAD = re.compile(r"\bconclusion", re.I)
_SUMMARY_HEAD = re.compile(r"^\s*(?:key\s+(?:findings|points|messages)|highlights|summary|bottom\s+line|in\s+brief|at\s+a\s+glance)\s*:?\s*$", re.I)
"""A section in which a report or guideline sums up its own findings ("Key findings" of a data
brief, "Key points", "Summary"): what it states there is its conclusion, and counts as a study's
conclusion does. A study's "Key findings" are its results, which the study's rules already read."""
_BLANK_LINE = re.compile(r"\n\s*\n")
_DESIGN_ONLY = re.compile(r"\b(?:randomi[sz]ed|enrolled|were\s+assigned|double-blind|open-label|were\s+recruited|participants\s+were|the\s+trial\s+(?:compared|tested|enrolled)|asked\s+whether|(?:was|were)\s+designed\s+to|aimed\s+to|sought\s+to|set\s+out\s+to)\b", re.I)
_FREQUENCY = re.compile(r"\bevery\s+\d|\bmonthly|\bquarterly|\bweekly|\bdaily|\bannual\w*|\byearly|\bat\s+\d+\s+(?:weeks?|months?)|\bbefore\s+start\w*|\bbaseline|\bfor\s+the\s+first\s+\d+|\bthen\b", re.I)
_NUMBER = re.compile(r"\d")
_ASKS_QUANTITY = re.compile(r"\bhow\s+(?:big|large|much|many|common|frequent(?:ly)?|likely|high|low)\b|\bwhat\s+(?:proportion|percentage|share|fraction|rate)\b|\bhow\s+often\s+does\b", re.I)
"""A question for a magnitude ("how big was the signal?", "how common is it?", "what proportion?"),
which a statement without a figure cannot answer. ("How often should I check ...?" asks for a
schedule, read by the monitoring plan.)"""
_FIGURE = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|hundred|thousand|half|third|quarter|dozen|most|majority|minority|rare|rarely|common|uncommon)\b", re.I)
"""A figure as prose states it: digits, number words, or a proportion in words ("eight synthetases",
"half of patients", "rare")."""
_DOSE_VALUE_PATTERN = r"\b\d+(?:\.\d+)?\s*(?:mg|mcg|µg|g|units?)\b"
UNVALUED = 0.5
"""``attribute_match`` cap for a sentence with no number (for a dose: no amount with its unit),
asked for a dose or a target (the plan's ``needs_number``): it bears on the question ("daily
TMP-SMX for 3 to 6 months") but cannot be its answer, so it neither grounds the answer nor
outranks one that states the value (below ``ATTRIBUTE_ANSWERS``)."""


def _asks_for_value(frame: QuestionFrame, question: str = "") -> bool:
    """A wh-question for a dose or a target ("What Bactrim dose for PJP prophylaxis?"), or a dose
    change asked as an amount ("By how much should I cut colchicine on tacrolimus?", "eGFR now 40:
    what dose should he be on?"); not a yes/no one ("same dose?") nor what to change ("INR 9 on
    warfarin, what now?"), which a sentence without a number can answer."""
    if frame.intent == "dose_adjustment" and frame.asked_attribute == "renal dose" and asks_dose_at_kidney_function(question):
        return True  # "dose at a CrCl of 40?" asks the amount, however the frame reads its shape
    if frame.yes_no:
        return False
    plan = ATTRIBUTE_PLANS.get(frame.asked_attribute, ATTRIBUTE_PLANS["safety"])
    if plan.needs_number and frame.intent in ("dose", "target"):
        return True
    return frame.intent == "dose_adjustment" and frame.asked_attribute in ("dose", "renal dose") and asks_for_amount(question)


_AMOUNT = re.compile(
    rf"{_DOSE_VALUE_PATTERN}|\b\d+(?:\.\d+)?\s*%|\b(?:one|two)[- ](?:half|third|quarter|fourth)s?\b|\bhalf\s+(?:the|of\s+the)\s+(?:usual\s+)?dose\b|\bhalved\b",
    re.I,
)
"""What answers a dose change asked as an amount: a dose with its unit or a share of the dose
("reductions of 50% to 75%", "one-third to one-quarter of the usual dose", "halved")."""
_NO_DOSE = frozenset({"contraindication", "avoid", "no_change"})
"""Relations that answer a dose change asked as an amount without a number: not giving it at all,
or keeping the dose."""
_EXCEPTION_CLAUSE = re.compile(r"\b(?:if|when|whenever|unless)\b", re.I)
"""Where a sentence's exception begins: "the label gives 5 mg twice daily, lowered to 2.5 mg if the
patient is 80 years or older" states the dose for everyone younger; an age bound after it is the
exception's, not whom the sentence is about."""
RULED_OUT_NAMED = 2
"""Ruled-out treatments a sentence must name to be the one written for "X and Y failed, what next?"
(read only when at least this many are ruled out): one name alone is often only the drug itself
("valganciclovir and ganciclovir are the drugs of choice") or a comparison ("as effective as colchicine")."""
_HOW_OFTEN = re.compile(r"\bhow\s+often|\binterval|\bfrequency|\bhow\s+frequently|\bschedule", re.I)
_LATER_STAGE = re.compile(
    r"\bafter\s+the\s+(?:first|second|third|\w+th|\d+(?:st|nd|rd|th)?)\s+(?:week|month|year)s?\b|\bduring\s+the\s+(?:second|third)\b|"
    r"\bthereafter\b|\bonce\s+(?:stable|established)\b|\bafter\s+(?:\d+|one|two|three|six)\s+(?:weeks?|months?)\s+of\s+(?:therapy|treatment)",
    re.I,
)
"""A later stage of a staged schedule ("after the third month ... monthly", "twice monthly during the
second and third months"): it answers "how do I monitor it?" only after the first stage does."""
_LATER_ASKED = re.compile(r"\bstable\b|\blong[\s-]term\b|\bafter\s+(?:\d+|the\s+first)|\b\d+\s+(?:months?|years?)\s+(?:in|on|out|later|into)\b|\byears?\b|\bnow\s+that\b", re.I)
"""A question about a later point of treatment, which a later stage of the schedule answers."""
LATER_STAGE_ATTR = 0.5
"""attribute_match kept by a later-stage monitoring sentence for a question that names no later
point: below the first stage (1.0), above a sentence that states no schedule at all."""


_QUESTION: ContextVar[str | None] = ContextVar("curbside_question", default=None)
"""The question being composed for, so that a statement's scope is read against what the question
states and the frame does not hold (its kidney function, the words of a restriction), as the sweep
reads it (:func:`~curbside.qa.sweep.statement_scope`). Per call, so concurrent ``ask`` calls keep
their own."""


@dataclass(eq=False)
class _Item:
    sent: Sentence
    passage: Passage
    claim: Claim
    sim: float
    vec: np.ndarray
    about: float = 0.0  # 1 names the intervention, 0.8 one of its classes, 0 neither
    attr: float = 0.0
    patient: float = 0.0
    finding: Finding | None = None
    score: float = 0.0
    features: dict[str, float] = field(default_factory=dict)
    doc_rank: int = 0  # rank of the sentence's document among the retrieved documents (0: looked up)
    category: bool = False  # about the intervention only through its therapeutic category (CATEGORY_ABOUT)
    memo: dict[tuple[str, int], object] = field(default_factory=dict)  # per-frame readings, computed once

    @property
    def kind(self) -> str:
        return self.passage.document.kind


@dataclass
class _Plan:
    bottom: _Item | None = None
    sections: dict[str, list[_Item]] = field(default_factory=dict)
    decision: str | None = None
    decision_text: str | None = None
    decision_items: list[_Item] = field(default_factory=list)
    rejected: dict[str, Finding] = field(default_factory=dict)  # agent -> why it is not offered
    disagreement: list[_Item] = field(default_factory=list)  # cited statements that disagree, strongest and newest first
    question: str = ""


class ExtractiveComposer:
    """Offline composer: answers the question frame with cited sentences of library passages."""

    name = "extractive"

    def __init__(
        self,
        embedder: SentenceEmbedder,
        table: AliasTable,
        params: ComposerParams | None = None,
        *,
        term_in_corpus: Callable[[str], bool] | None = None,
        search: Search | None = None,
        weights: BottomLineWeights | None = None,
        document_text: Callable[[str], Sequence[str]] | None = None,
    ) -> None:
        self.embedder = embedder
        self.table = table
        self.params = params or ComposerParams()
        self.term_in_corpus = term_in_corpus
        self.search = search  # entity lookup over the whole library, for the safety sweep
        self.weights = weights or BottomLineWeights.bundled()
        self.document_text = document_text  # a document's chunk texts, for what it says it leaves out
        self._scopes: dict[str, tuple[str, ...]] = {}
        self._category_memo: dict[str, frozenset[str]] = {}  # a subject's therapeutic categories
        self._omissions: dict[str, tuple[str, ...]] = {}  # per document: the sentences saying what it leaves out

    # -- abstention helpers (kept for callers and tests) ------------------------------------------

    def missing_entities(self, analysis: QueryAnalysis, passages: Sequence[Passage]) -> list[str]:
        """Drugs asked about that no passage mentions, under any name or by one of their classes."""
        text = "\n".join(p.chunk.embed_text for p in passages)
        out = []
        for d in analysis.candidate_drugs:
            if mentions(text, self.table.names_of(d)):
                continue
            if set(therapeutic_classes(self.table, d)) & self._classes_in(text):
                continue
            out.append(d)
        return out

    def absent_subject_terms(self, analysis: QueryAnalysis) -> list[str]:
        """For a question naming no intervention and no condition: words the tokenizer does not know
        whole (names, rare terms — "rabies", "Gitelman") that occur nowhere in the library. With no drug to
        ground on, such a word is the question's subject; with one, it is only the patient's story and
        never causes a refusal (issue 15)."""
        frame = analysis.frame
        if self.term_in_corpus is None or frame.intervention or frame.conditions or frame.indication:
            return []  # a recognised drug or condition grounds the question; other words are its story
        # a drug or class name is vocabulary, never an unknown subject ("can't take ... steroids")
        candidates = [t for t in analysis.key_terms if len(t) >= 5 and not self.table.find(t) and not self._classes_in(t)]
        absent = [t for t in candidates if not self.term_in_corpus(t)]
        if not absent:
            return []
        pieces = self.embedder.encoder.count_tokens(absent)
        return [t for t, n in zip(absent, pieces, strict=True) if n >= SUBJECT_PIECES]

    def _classes_in(self, text: str) -> set[str]:
        return set(tag(text, self.table).classes)

    # -- composition -----------------------------------------------------------------------------

    def compose(self, analysis: QueryAnalysis, passages: list[Passage]) -> Answer:
        token = _QUESTION.set(analysis.question)
        try:
            return self._compose(analysis, passages)
        finally:
            _QUESTION.reset(token)

    def _compose(self, analysis: QueryAnalysis, passages: list[Passage]) -> Answer:
        p = self.params
        frame = analysis.frame
        answer = Answer(question=analysis.question, passages=passages, patient_context=analysis.context, analysis=analysis, composer=self.name)
        if not passages:
            return self._abstain(answer, "No passage in the index matched the question.", [], coverage="none")
        subject = frame.intervention
        findings: list[Finding] = []
        swept = swept_treatments(frame, self.table, analysis.question)  # with every option a choice proposes
        if swept and self.search is not None:
            t_sweep = time.perf_counter()
            findings = sweep(frame, swept, self.table, self.search, question=analysis.question)
            if frame.for_contact:
                # a grandchild's vaccine is not given to the patient: only what the library says of
                # the patient's contacts receiving it is a danger to weigh
                findings = [f for f in findings if _CONTACT.search(f.sentence.text)]
            answer.timings_ms["sweep_ms"] = round((time.perf_counter() - t_sweep) * 1e3, 2)
        pool = list(passages)
        known = {x.chunk.chunk_id for x in pool}
        extra = [f.passage for f in findings]
        if subject and self.search is not None:
            extra += self._lookup(frame, subject, analysis.question)
        elif frame.ruled_out and self.search is not None and (frame.intent == "choice" or frame.asked_attribute in _CHOOSES_A_TREATMENT):
            # "can't take colchicine, NSAIDs or steroids. What's left?": what the library offers when
            # those fail or cannot be used, found by the treatments ruled out, not by the words asked
            ruled = " ".join(n for r in frame.ruled_out for n in self.table.names_of(r)[:1])
            topic = " ".join([*frame.conditions[:1], frame.indication or ""]).strip()
            extra += self.search(f"{topic} {ruled} ineffective poorly tolerated contraindicated recommends alternative", LOOKUP_DEPTH)
        for passage in extra:
            if passage.chunk.chunk_id not in known:
                known.add(passage.chunk.chunk_id)
                pool.append(passage)
        answer.passages = pool  # looked-up passages are part of what the answer read
        sentences = [s for s in passage_sentences(pool) if not _TABLE_RESIDUE.search(s.text)]
        if not sentences:
            return self._abstain(answer, "The retrieved passages contain no citable sentences.", [], coverage="none")
        qvec = self.embedder.embed([analysis.normalised])[0]
        vecs = self.embedder.embed([s.text for s in sentences])
        sims = vecs @ qvec
        finding_at = {(f.passage.chunk.chunk_id, f.sentence.start): f for f in findings}
        items = [
            _Item(s, pool[s.passage_index], tag(s.text, self.table), float(sim), vec,
                  finding=finding_at.get((pool[s.passage_index].chunk.chunk_id, s.start)))
            for s, vec, sim in zip(sentences, vecs, sims, strict=True)
        ]
        subject_classes = set(therapeutic_classes(self.table, subject)) | named_classes(self.table, subject) if subject else set()
        if subject and subject not in self.table.generics and self.table.lookup(subject) is None:
            subject_classes.add(subject)  # a class or treatment asked about by name
        doc_rank: dict[str, int] = {}
        for passage in sorted((x for x in pool if x.rank > 0), key=lambda x: x.rank):
            doc_rank.setdefault(passage.document.doc_id, len(doc_rank) + 1)
        for item in items:
            item.doc_rank = doc_rank.get(item.passage.document.doc_id, 0)
        # stems of every sentence and heading in one tokenizer call (scoring reads them per item)
        stems_many([analysis.normalised, *(i.sent.text for i in items), *{" ".join(i.passage.chunk.section) for i in items}])
        for item in items:
            self._score(item, frame, analysis, subject, subject_classes)

        # 1. grounding
        research_lead: list[_Item] = []  # for a research question: the leading study's conclusion
        out_docs: set[str] = set()  # documents that say they leave this patient out
        if subject:
            about = [i for i in items if i.about > 0]
            if not about:
                what = subject
                answer.missing = [what]
                return self._abstain(answer, f"The library does not cover {what}, so it cannot answer this question.", [what], coverage="none")
            answering = [i for i in about if i.attr >= ATTRIBUTE_ANSWERS and i.sim >= p.min_sentence_similarity - 0.1 and not self._names_absent_party(i, frame) and not _tells_what_is_left_out(i)]
            # the sweep's decisive findings among the sentences read, as the plan takes them (a
            # warning about the comparator decides nothing), so that grounding and plan agree
            decisive = [i for i in items if i.finding is not None and i.finding.decisive and not self._warns_of_another_drug(i, frame)]
            if not answering and frame.current_medications and frame.intent in _EITHER_DRUG:
                # "On Eliquis, starting itraconazole: change anything?" may be about either drug
                for med in frame.current_medications:
                    swapped = frame.model_copy(update={
                        "intervention": med, "intervention_classes": therapeutic_classes(self.table, med),
                        "current_medications": [subject, *(m for m in frame.current_medications if m != med)],
                    })
                    self._rescore(items, swapped, analysis, med, set(swapped.intervention_classes))
                    answering = [i for i in items if i.about > 0 and i.attr >= ATTRIBUTE_ANSWERS and i.sim >= p.min_sentence_similarity - 0.1 and not _tells_what_is_left_out(i)]
                    if answering:
                        frame, subject = swapped, med  # the answer's own analysis keeps the question's frame
                        about = [i for i in items if i.about > 0]
                        break
                else:
                    self._rescore(items, frame, analysis, subject, subject_classes)
            if self._left_out(analysis.question, frame, about) is not None:
                # its own source says it leaves out what was asked: a statement about its category
                # ("antibiotic treatment should continue for 5 days") does not make up for that
                answering = [i for i in answering if i.about >= CLASS_ABOUT]
            if not decisive:
                answering, leaves_out = self._within_scope(answering, about, frame, analysis)
                out_docs = set(leaves_out)
                if leaves_out and all(i.about < CLASS_ABOUT for i in answering):
                    # the sources on it leave this patient out, and what is left only mentions its
                    # class beside another drug
                    return self._out_of_scope(answer, frame, about, leaves_out)
            if not answering and not decisive:
                # a contraindication for this patient is never left out of a partial answer: it leads
                return self._partial(answer, frame, about, [i for i in items if i.finding and not self._warns_of_another_drug(i, frame)])
        else:
            best_sim = float(sims.max())
            # a question naming no drug whose best passage is a study, close to the question: a
            # research question, answered by that study whatever words it spells otherwise
            research_led = passages[0].document.kind == "research" and best_sim >= p.abstain_similarity + RESEARCH_LEAD_MARGIN
            if frame.asked_attribute in NEEDS_A_DRUG and frame.ask_explicit and not research_led:
                return self._abstain(answer, f"The question asks about {frame.asked_attribute} but names no medicine; say which one.", [], coverage="none")
            rare = [] if research_led else self.absent_subject_terms(analysis)
            if rare:
                names = ", ".join(rare)
                return self._abstain(answer, f"The indexed sources never mention {names}, so they cannot answer this question.", rare, coverage="none")
            # with no intervention to look up, the answer comes from what retrieval ranked highest
            answering = [
                i for i in items if i.attr >= ATTRIBUTE_ANSWERS and i.sim >= p.min_sentence_similarity and i.about > 0 and not _tells_what_is_left_out(i)
                and 0 < i.passage.rank <= DRUGLESS_TOP_PASSAGES
            ]
            if not answering and (frame.conditions or frame.indication):
                # the patient's condition is recognised and the best passages speak of it: answer from
                # them even if no sentence carries the asked relation (no refusal on wording)
                answering = [
                    i for i in items if i.about >= 1.0 and i.sim >= p.min_sentence_similarity and not _tells_what_is_left_out(i)
                    and 0 < i.passage.rank <= DRUGLESS_TOP_PASSAGES
                ]
            if research_led:
                # the leading study's conclusion answers a research question, or else its results
                top_doc = passages[0].document.doc_id
                study = [i for i in items if i.passage.document.doc_id == top_doc]
                lead = [i for i in study if i.sim >= p.min_sentence_similarity]
                # its conclusion is the study's answer however its words compare with the question's
                research_lead = [i for i in study if _CONCLUSION.search(i.sent.text) or _CONCLUSION_HEAD.search(" ".join(i.passage.chunk.section))]
                research_lead = research_lead or [i for i in lead if "result" in i.claim.relations and not _DESIGN_ONLY.search(i.sent.text)]
                have = {id(i) for i in answering}
                answering = answering + [i for i in research_lead if id(i) not in have]
            if best_sim < p.abstain_similarity or (not answering and best_sim < p.abstain_similarity + RESEARCH_LEAD_MARGIN):
                what = ", ".join(analysis.key_terms[:5]) or "the question's subject"
                return self._abstain(answer, f"The indexed sources do not address this question (not covered: {what}).", analysis.key_terms[:5], coverage="none")
            if not answering:
                answering = [i for i in items if i.sim >= p.abstain_similarity and not _tells_what_is_left_out(i)]
                if not answering:
                    return self._abstain(answer, "No sentence of the retrieved passages is close enough to the question.", [], coverage="none")
            kept, leaves_out = self._within_scope(answering, answering, frame, analysis)
            out_docs = set(leaves_out)
            if leaves_out and not any(i.about >= 1.0 for i in kept):
                # the sources on the condition leave this patient out; nothing else speaks of it
                return self._out_of_scope(answer, frame, answering, leaves_out)
            answering = kept

        leading = answering
        if research_lead:
            leading = research_lead
        elif self.weights.pool == "about":
            # the learned weights choose the bottom line among every sentence about the question's
            # subject, not only those the claim tagger says state the asked attribute
            ok = {id(i) for i in answering}
            leading = [*answering, *(i for i in items if id(i) not in ok and i.passage.document.doc_id not in out_docs and self._may_lead(i, frame, drugless=subject is None))]
        if frame.ruled_out and frame.intervention is None and (frame.intent == "choice" or frame.asked_attribute in _CHOOSES_A_TREATMENT):
            # "can't take colchicine, NSAIDs or steroids. What's left?": the answer names something
            # else; a sentence offering only what is ruled out answers another question
            another = [i for i in leading if self._offers_another(i, frame)]
            if not another:
                another = [i for i in items if self._offers_another(i, frame) and i.attr >= ATTRIBUTE_ANSWERS and i.sim >= p.min_sentence_similarity
                           and i.passage.document.doc_id not in out_docs and not _tells_what_is_left_out(i)]
            # of those, a sentence for exactly this situation, naming what is ruled out as its
            # condition ("an IL-1 inhibitor ... when colchicine, NSAIDs and glucocorticoids are
            # ineffective, poorly tolerated or contraindicated"), answers before one that does not
            conditioned = [i for i in another if len(frame.ruled_out) >= RULED_OUT_NAMED and self._names_ruled_out(i, frame) >= RULED_OUT_NAMED]
            leading = conditioned or another or leading
        if _ASKS_QUANTITY.search(analysis.question):
            # "how big was the signal?", "how common is it?" are answered by a figure
            counted = [i for i in leading if _FIGURE.search(i.sent.text)]
            leading = counted or leading
        polarity = yes_no_polarity(analysis.question) if frame.yes_no else "do"
        if polarity in _OF_STOPPING:
            # "should I stop it?" is answered by what the library says of stopping or keeping it
            stopping = [i for i in leading if i.about > 0 and _says_of_stopping(i)]
            # a stopping rule whose trigger the patient is not said to have ("stop at the first
            # appearance of skin rash") answers for other patients, not whether to stop it here
            rule_met = {id(i): _rule_met(i, frame, analysis.question) for i in stopping}
            met = [i for i in stopping if rule_met[id(i)] is not False]
            # what the library says of keeping it going answers before a stopping rule whose
            # trigger the question does not name ("paused for surgery" for "can he stay on it?")
            triggered = [i for i in met if rule_met[id(i)]]
            if polarity == "keep":
                keeping = [i for i in met if "continue" in i.claim.relations and not rule_met[id(i)]]
                met = triggered or keeping or met
            else:
                met = triggered or met  # a rule this patient meets answers before one whose trigger is not named
            leading = met or [i for i in leading if i not in stopping] or leading
        elif polarity == "applies":
            # "does it apply to my diabetic patient?" is answered by whom the source left out or took in
            scoped = [i for i in (*leading, *items) if i.about > 0 and _COHORT.search(i.sent.text) and self._names_patient(i, frame)]
            if scoped:
                # the source the question is about is the one retrieval ranked first among them
                first = min((i.doc_rank for i in scoped if i.doc_rank), default=0)
                scoped = [i for i in scoped if i.doc_rank == first] or scoped
            leading = list(dict.fromkeys(scoped)) or leading
        if frame.for_contact:
            # given to someone close to the patient: what the sources say of such contacts answers
            contacts = [i for i in leading if _CONTACT.search(i.sent.text)] or [i for i in items if i.about > 0 and _CONTACT.search(i.sent.text)]
            leading = contacts or leading
        plan = self._plan(frame, analysis, items, answering, findings, leading)
        return self._render(answer, plan, frame)

    def _scope_statements(self, doc: Document) -> tuple[str, ...]:
        """The sentences in which a document says whom it leaves out ("This summary leaves out
        children, adults older than 75 years, pregnancy"; "covers adults ... who are not
        immunocompromised"), read once per document with the splitter citations use."""
        if doc.doc_id not in self._scopes:
            texts = self.document_text(doc.doc_id) if self.document_text is not None else ()
            lines = doc.source_type != "pdf"  # as passage_sentences reads it
            self._scopes[doc.doc_id] = tuple(
                " ".join(text[a:b].split())
                for text in texts
                for a, b in citable_sentences(text, lines=lines)
                if _SCOPE_EXCLUSION.search(text[a:b])
            )
        return self._scopes[doc.doc_id]

    def _left_out(self, question: str, frame: QuestionFrame, about: Sequence[_Item]) -> tuple[Document, str] | None:
        """A source on the intervention (one naming it or its class) that says it leaves out what
        was asked, with the statement that says so; None if none does."""
        if frame.intervention is None:
            return None
        classes = {*frame.intervention_classes, *therapeutic_classes(self.table, frame.intervention)}
        seen: set[str] = set()
        for item in sorted(about, key=lambda i: -i.about):
            doc = item.passage.document
            if item.about < CLASS_ABOUT or doc.doc_id in seen:
                continue
            seen.add(doc.doc_id)
            statement = self._omission(doc, frame, question, classes)
            if statement is not None:
                return doc, statement
        return None

    def _omission(self, doc: Document, frame: QuestionFrame, question: str, subject_classes: set[str]) -> str | None:
        """The statement in which a document says it leaves out what was asked about the
        intervention ("This digest leaves out ... numeric trough target ranges" for a tacrolimus
        target), or None."""
        kinds = _omitted_kinds(frame, question)
        if not kinds or frame.intervention is None:
            return None
        own = {frame.intervention} | subject_classes
        if doc.doc_id not in self._omissions:
            texts = self.document_text(doc.doc_id) if self.document_text is not None else ()
            lines = doc.source_type != "pdf"
            self._omissions[doc.doc_id] = tuple(
                " ".join(text[a:b].split())
                for text in texts
                for a, b in citable_sentences(text, lines=lines)
                if _OMISSION.search(text[a:b])
            )
        for statement in self._omissions[doc.doc_id]:
            if any(kind in kinds and (not named or named & own) for kind, named in omitted_items(statement, self.table)):
                return statement
        return None

    def _excludes(self, statement: str, frame: QuestionFrame, analysis: QueryAnalysis) -> bool:
        """Does a scope statement leave out this patient: a special group they are in
        (``SCOPE_GROUPS``; a transplant recipient is immunocompromised) or their stated age?"""
        c = tag(statement, self.table)
        groups = {*frame.population, *frame.implied_population}
        if groups & {"transplant"} or any("transplant" in x for x in frame.conditions):
            groups.add("immunocompromised")
        if c.populations & groups & SCOPE_GROUPS:
            return True  # (a condition a source leaves out is often the answer itself: "SPRINT excluded diabetes")
        if "immunocompromised" in groups and _IMMUNOCOMPROMISED.search(statement):
            return True
        age = analysis.context.age
        if age is None:
            return False
        if c.covers_age(age) is True:
            return True
        return any(age > int(m.group(1)) for m in _OLDER_THAN.finditer(statement)) or any(age < int(m.group(1)) for m in _YOUNGER_THAN.finditer(statement))

    def _within_scope(
        self, answering: list[_Item], candidates: list[_Item], frame: QuestionFrame, analysis: QueryAnalysis
    ) -> tuple[list[_Item], dict[str, str]]:
        """The answering statements whose documents do not leave this patient out, and each
        document among them and ``candidates`` (the sentences the bottom line may come from) that
        does, with the statement that says so."""
        if self.document_text is None or not (frame.population or frame.implied_population or frame.conditions or analysis.context.age is not None):
            return answering, {}
        leaves: dict[str, str | None] = {}
        for item in [*answering, *candidates]:
            doc = item.passage.document.doc_id
            if doc not in leaves:
                leaves[doc] = next((st for st in self._scope_statements(item.passage.document) if self._excludes(st, frame, analysis)), None)
        out = {d: st for d, st in leaves.items() if st is not None}
        return [i for i in answering if i.passage.document.doc_id not in out], out

    def _out_of_scope(self, answer: Answer, frame: QuestionFrame, about: list[_Item], leaves_out: dict[str, str]) -> Answer:
        """The sources that would answer leave this patient out: say so, in their own words."""
        answer = self._partial(answer, frame, [i for i in about if i.passage.document.doc_id not in leaves_out] or about)
        doc_id, statement = next(iter(leaves_out.items()))
        title = next((p.document.title for p in answer.passages if p.document.doc_id == doc_id), "a source")
        answer.abstention_reason = (answer.abstention_reason or "") + f' The source that addresses it leaves this patient out ({title}: "{statement}").'
        return answer

    def _offers_another(self, item: _Item, frame: QuestionFrame) -> bool:
        """Does the sentence name a treatment other than those the question rules out (their
        classes included: "high-intensity statin" is what "on max atorvastatin" rules out), without
        advising against it?"""
        if item.claim.direction == "against":
            return False
        ruled = {k for r in frame.ruled_out for k in self.table.kin(r)}  # valganciclovir is ganciclovir
        ruled_classes = {k for r in ruled for k in classes_of(self.table, r)} | ruled

        def other(name: str) -> bool:
            return name not in ruled_classes and not ruled.intersection(classes_of(self.table, name))

        text = item.sent.text
        preamble = _PREAMBLE.match(text)
        main = text[preamble.end() :] if preamble else text  # "If colchicine is not tolerated, EULAR suggests ..."
        first = self._first_treatment(main)
        if first is not None:
            return other(first)  # "FAST supports febuxostat as an alternative to allopurinol" offers febuxostat
        named = set(item.claim.drugs) | set(item.claim.classes) | _procedures_in(item)
        return any(other(n) for n in named)

    def _others_all_ruled_out(self, item: _Item, frame: QuestionFrame) -> bool:
        """Every treatment the sentence's precondition names is one the patient cannot take
        ("... for a gout flare when colchicine, NSAIDs and glucocorticoids are ineffective, poorly
        tolerated or contraindicated", for a patient who cannot take colchicine, NSAIDs or
        steroids). A class counts as ruled out when it shares members with one that is
        (glucocorticoids and corticosteroids)."""
        cue = _PRECONDITION.search(item.sent.text)
        if cue is None:
            return False
        clause = tag(item.sent.text[cue.end() :], self.table)
        named = clause.drugs | clause.classes
        ruled = set(frame.ruled_out)
        ruled_members = {m for r in ruled for m in members_of(self.table, r)}
        for name in named - {frame.intervention or ""}:
            if name in ruled or ruled & set(classes_of(self.table, name)):
                continue
            if ruled_members & set(members_of(self.table, name)):
                continue
            return False
        return bool(named)

    def _names_ruled_out(self, item: _Item, frame: QuestionFrame) -> int:
        """How many of the question's ruled-out treatments the sentence names, by name or class."""
        named = set(item.claim.drugs) | set(item.claim.classes)
        return sum(1 for r in frame.ruled_out if r in named or named.intersection(classes_of(self.table, r)))

    def _first_treatment(self, text: str) -> str | None:
        """The first drug or drug class a text names."""
        finder = getattr(self.table, "find_classes", None) or find_classes
        found = sorted([*((m[0], m[3]) for m in self.table.find(text)), *((m[0], m[3]) for m in finder(text))])
        return found[0][1] if found else None

    def _may_lead(self, item: _Item, frame: QuestionFrame, *, drugless: bool) -> bool:
        """A sentence the learned weights may put first: about the subject, close enough to the
        question, naming no party the question does not (the bars of ``answering`` but the attribute's)."""
        p = self.params
        if _disqualified(item, frame) or _tells_what_is_left_out(item):
            return False
        if drugless:
            return item.about > 0 and item.sim >= p.min_sentence_similarity and 0 < item.passage.rank <= DRUGLESS_TOP_PASSAGES
        return item.about > 0 and item.sim >= p.min_sentence_similarity - 0.1 and not self._names_absent_party(item, frame)

    def _lookup(self, frame: QuestionFrame, subject: str, question: str = "") -> list[Passage]:
        """Library passages on the intervention and the asked attribute (and, for a safety question,
        its monitoring), found by entity so that what the plan needs is there whatever the ranking."""
        names = " ".join(self.table.names_of(subject)[:3] + frame.intervention_classes[:2])
        words = LOOKUP_WORDS.get(frame.asked_attribute, "")
        queries = [f"{names} {words}".strip()]
        for med in frame.current_medications[:3]:
            # what the library says about the intervention with each of the patient's drugs
            med_names = " ".join(self.table.names_of(med)[:2] + therapeutic_classes(self.table, med)[:1])
            queries.append(f"{names} {med_names}")
        if frame.intent in ("safety", "population", "interaction", "indication"):
            queries.append(f"{names} {LOOKUP_WORDS['monitoring']}")
        med_classes = sorted({k for m in frame.current_medications for k in classes_of(self.table, m) if not MECHANISM_CLASS.search(k)})
        if med_classes and frame.intent in ("safety", "interaction", "indication"):
            # statements about combining the intervention's kind of drug with the patient's
            queries.append(" ".join([*med_classes[:3], "combining several risk"]))
        if (frame.implied_population and frame.indication) or (frame.implied_population and frame.conditions):
            # what the library says of this kind of patient (a transplant recipient) with this condition
            topic = frame.indication or frame.conditions[0]
            queries.append(f"{topic} {' '.join(frame.implied_population)} recipients treatment")
        if frame.indication and frame.intent in ("safety", "indication", "choice", "population", "comparison"):
            # the guideline's place for the intervention in treating this condition
            queries.append(f"{names} {frame.indication} recommends first-line")
        out: list[Passage] = []
        assert self.search is not None
        if frame.yes_no and yes_no_polarity(question) in _OF_STOPPING:
            # "hold her Jardiance?": what the library says of stopping, holding or continuing it
            # and of its category ("a patient already taking ULT should continue it during an attack")
            category = [c for c in classes_of(self.table, subject) if c in BROAD_CLASSES][:1]
            # with the category's shortest written form too: the sources write "ULT" more than the name
            written = [min(DrugClasses.bundled().surfaces(c), key=len) for c in category]
            queries.append(f"{names} {' '.join(dict.fromkeys([*category, *written]))} withholding stopping temporarily continue")
            if written:
                # and by the category alone, which drug names would outscore ("already taking ULT
                # should continue it during an acute attack" names no drug)
                queries.append(f"{' '.join(written)} stopping stopped continue continued")
        if self._reacted_to(question, subject):
            # the patient reacted to it before: what the library says of restarting after a reaction
            queries.append(f"{names} previous severe reaction hypersensitivity restart")
        for query in queries:
            out.extend(self.search(query, LOOKUP_DEPTH))
        return out

    # -- scoring ---------------------------------------------------------------------------------

    def _score(self, item: _Item, frame: QuestionFrame, analysis: QueryAnalysis, subject: str | None, subject_classes: set[str]) -> None:
        c = item.claim
        if subject:
            if subject in c.drugs or subject in _procedures_in(item):
                item.about = 1.0  # the drug, or the device, test or procedure asked about
            elif subject_classes & c.classes:
                # named by its class; a sentence that is about another drug only mentions the class
                others = c.drugs - set(frame.current_medications) - {frame.comparator or ""}
                item.about = 0.4 if others else CLASS_ABOUT
            elif not (c.drugs or c.classes) and subject in self._heading_drugs(item):
                # a label's sentence that names no drug is about the drug its heading names ("The
                # immediate-release dose can be raised ... up to 2,550 mg" under "Metformin ... Dosing")
                item.about = HEADING_ABOUT
            elif frame.asked_attribute == "target" and subject not in self.table.generics and self._is_class(subject) and (frame.indication in c.conditions or "target" in c.relations) and not c.drugs - set(frame.current_medications):
                # a goal belongs to the therapy that pursues it (the frame's "urate-lowering therapy"
                # for "urate goal?"): a goal the sources set for treating the condition, naming no
                # other drug, is about that therapy
                item.about = PURPOSE_ABOUT
            elif c.classes & self._categories(subject):
                # its therapeutic category ("before starting a biologic agent"): what the library
                # says of the category bears on it, below what it says of the drug or its class
                item.about, item.category = CATEGORY_ABOUT, True
            elif (not c.drugs and c.conditions & set(frame.conditions) and not c.classes & set(classes_of(self.table, subject)) - BROAD_CLASSES
                  and self._heading_classes(item) & self._categories(subject)):
                # a section on the category that names only the patient's conditions ("patients
                # with rheumatoid arthritis and chronic hepatitis B ... be treated for rheumatoid
                # arthritis in the same way as patients without hepatitis B", under "... before
                # biologic therapy"): what it says of treating them bears on the category's drugs
                item.about, item.category = CATEGORY_ABOUT, True
        else:
            if frame.indication:
                item.about = 1.0 if frame.indication in c.conditions else (0.3 if set(frame.conditions) & c.conditions else 0.0)
            elif frame.conditions:
                item.about = 1.0 if set(frame.conditions) & c.conditions else 0.0
            else:
                item.about = 1.0
        # a population the question names is always held to ("Can she breastfeed on it?" after a
        # story: a follow-up's ask may be implicit, its group is not)
        held = frame.ask_explicit or ATTRIBUTE_PLANS.get(frame.asked_attribute, ATTRIBUTE_PLANS["safety"]).population is not None
        item.attr = attribute_match(c, frame, analysis.question) if held else SUPPORTING
        if frame.yes_no and item.about > 0 and _says_of_stopping(item):
            if _rule_met(item, frame, analysis.question) is False:
                # "stop at the first appearance of skin rash or hypersensitivity", "stopped if the
                # eGFR falls below 30" at an eGFR of 52: a rule for patients with what this one is
                # not said to have answers another patient's question, whatever is asked
                item.attr = min(item.attr, SUPPORTING)
            elif yes_no_polarity(analysis.question) in _OF_STOPPING:
                item.attr = max(item.attr, 1.0)  # "should I stop it?" is answered by what the library says of stopping it
        if frame.asked_attribute == "monitoring" and _HOW_OFTEN.search(analysis.question) and not _FREQUENCY.search(item.sent.text):
            item.attr = min(item.attr, 0.5)  # "how often" is answered by a schedule
        if frame.asked_attribute == "monitoring" and _LATER_STAGE.search(item.sent.text) and not _LATER_ASKED.search(analysis.question):
            item.attr = min(item.attr, LATER_STAGE_ATTR)  # the schedule's first stage answers first
        if frame.asked_attribute == "interaction" and frame.current_medications:
            meds = set(frame.current_medications)
            med_classes = self._med_classes(meds)
            if not (c.drugs & meds or c.classes & med_classes):
                item.attr = min(item.attr, 0.5)  # an interaction needs both parties
            elif item.about > 0 and c.relations & _EFFECT_OF_COMBINING:
                # both parties and what one does to the other ("TMP-SMX can add to the
                # myelosuppression caused by azathioprine"): an interaction, whatever its verb
                item.attr = max(item.attr, 1.0)
        if frame.intent == "dose_adjustment":
            if _asks_for_value(frame, analysis.question) and not (_AMOUNT.search(item.sent.text) or c.relations & _NO_DOSE):
                item.attr = min(item.attr, UNVALUED)  # "by how much?" is not answered by "with dose reduction"
        elif _asks_for_value(frame) and not (_DOSE_VALUE if frame.asked_attribute == "dose" else _NUMBER).search(item.sent.text):
            item.attr = min(item.attr, UNVALUED)  # a dose or target question is answered by its number
        if frame.intent == "dose_adjustment" and frame.asked_attribute == "dose" and frame.current_medications:
            meds = set(frame.current_medications)
            if not (c.drugs & meds or c.classes & self._med_classes(meds)):
                item.attr = min(item.attr, 0.5)  # the dose change asked about is the one for this co-medication
        age = analysis.context.age
        if age is not None and c.covers_age(age) is False and tag(_EXCEPTION_CLAUSE.split(item.sent.text, maxsplit=1)[0], self.table).covers_age(age) is not None:
            item.attr = min(item.attr, 0.3)  # "adults aged 40 to 75" does not answer for an 82-year-old
        treated = c.conditions - BACKGROUND_CONDITIONS  # what the sentence treats, not whom it is about
        if frame.asked_attribute in ("dose", "renal dose", "duration") and frame.indication:
            # a dose's section says what it treats when the sentence does not ("First-line
            # treatment of acute cystitis" above "TMP-SMX 160/800 mg twice daily for 3 days")
            dosed = treated or self._heading_conditions(item) - BACKGROUND_CONDITIONS
            if dosed and frame.indication not in dosed:
                item.attr = min(item.attr, 0.3)  # a cystitis dose does not answer a PJP prophylaxis question
        item.patient = self._patient_link(c, frame)
        authority = AUTHORITY.get(item.kind, 0.3)
        if item.kind == "drug-label" and frame.asked_attribute in _LABEL_ATTRIBUTES:
            authority = 1.0
        rank_prior = 1.0 / item.passage.rank if item.passage.rank > 0 else 0.0
        wanted = _question_stems(analysis)
        plan = ATTRIBUTE_PLANS.get(frame.asked_attribute, ATTRIBUTE_PLANS["safety"])
        research = item.kind == "research"
        off_topic = (c.relations & _TOPICS) - _ASKED_TOPICS.get(frame.asked_attribute, set())
        # "no" about the drug itself settles any yes/no question about it
        settling = plan.relations | (AGAINST_DOING if frame.yes_no and item.about >= 1.0 else frozenset())
        # (a dose change the plan found to answer in full, as one for what this patient has
        # answers "ANC 1.1 on it. What now?", is not off the question for naming monitoring too)
        what_to_change = frame.intent == "dose_adjustment" and "dose_change" in c.relations and item.attr >= 1.0
        off = bool(off_topic and not c.relations & settling - _TOPICS) and not what_to_change
        item.features = {
            "attribute": item.attr,
            "about": item.about,
            "patient": item.patient,
            "authority": authority,
            "similarity": item.sim,
            "terms": self._term_share(item.sent.text, wanted),
            "retrieval": rank_prior if subject else 0.0,
            # with no drug, the rank of the document: within one document the sentences' own
            # features decide (the reason for this weight, a gold document first for most
            # questions, is a document-level figure)
            "retrieval_drugless": 0.0 if subject else (1.0 / item.doc_rank if item.doc_rank else 0.0),
            "conclusion": float((research and bool(_CONCLUSION.search(item.sent.text) or _CONCLUSION_HEAD.search(" ".join(item.passage.chunk.section))))
                                or (not research and bool(item.passage.chunk.section and _SUMMARY_HEAD.match(item.passage.chunk.section[-1])))),
            "design_only": float(research and bool(_DESIGN_ONLY.search(item.sent.text)) and "result" not in c.relations),
            "off_topic": float(off),
            "number": float(plan.needs_number and bool(_NUMBER.search(item.sent.text))),
            "frequency": float(bool(_HOW_OFTEN.search(analysis.question)) and bool(_FREQUENCY.search(item.sent.text))),
            "settles": float(bool(c.relations & plan.relations)),
            "supports": float(bool(c.relations & plan.supporting) and not c.relations & plan.relations),
            "class_only": float(0 < item.about < 1),
            "heading": self._heading_share(item, wanted, frame.asked_attribute),
            "other_indication": float(bool(frame.indication and treated and frame.indication not in treated)),
        }
        item.score = self.weights.score(item.features)
        if off:
            item.attr = min(item.attr, SUPPORTING)  # a statement about vaccines, screening... answers another question

    def _rescore(self, items: list[_Item], frame: QuestionFrame, analysis: QueryAnalysis, subject: str, subject_classes: set[str]) -> None:
        """Score every sentence again for another reading of the question (the co-medication as the
        drug asked about). ``_score`` sets how a sentence is about the subject only when it is, so
        that reading starts from "about nothing": a colchicine dose must not count as about
        tacrolimus because it was about colchicine under the first reading."""
        for item in items:
            item.about, item.category = 0.0, False
            self._score(item, frame, analysis, subject, subject_classes)

    def _med_classes(self, meds: set[str]) -> set[str]:
        """The classes of the patient's medicines, and each one the question names only by its
        class ("on basal insulin": the class is what they take, and what a statement names)."""
        return {k for m in meds for k in classes_of(self.table, m)} | {m for m in meds if self._is_class(m)}

    def _is_class(self, name: str) -> bool:
        """A therapy named as a drug class ("urate-lowering therapy"), not a drug, device or procedure."""
        return any(found == name for *_, found in find_classes(name))

    def _heading_drugs(self, item: _Item) -> frozenset[str]:
        """Drugs the headings of the sentence's section name, read once per item."""
        section = item.passage.chunk.section
        return self._heading_claim(item, "headings", " / ".join(section)).drugs if section else frozenset()

    def _categories(self, subject: str) -> frozenset[str]:
        """The therapeutic categories (``BROAD_CLASSES``) of a drug, or of every member of a class
        asked about by name ("a TNF inhibitor" is a biologic because each TNF inhibitor is)."""
        if subject not in self._category_memo:
            own = set(classes_of(self.table, subject))
            if not own:
                members = [set(classes_of(self.table, m)) for m in members_of(self.table, subject)]
                own = set.intersection(*members) if members else set()
            self._category_memo[subject] = frozenset(own & BROAD_CLASSES)
        return self._category_memo[subject]

    def _heading_classes(self, item: _Item) -> frozenset[str]:
        """Drug classes the headings of the sentence's section name, read once per item."""
        section = item.passage.chunk.section
        return self._heading_claim(item, "headings", " / ".join(section)).classes if section else frozenset()

    def _heading_conditions(self, item: _Item) -> frozenset[str]:
        """Conditions the last heading of the sentence's section names, read once per item."""
        section = item.passage.chunk.section
        return self._heading_claim(item, "last heading", section[-1]).conditions if section else frozenset()

    def _heading_claim(self, item: _Item, name: str, heading: str) -> Claim:
        """The claim of ``heading`` (the item's ``name``: its section's headings, or the last one),
        tagged once per item."""
        key = (name, 0)
        if key not in item.memo:
            item.memo[key] = tag(heading, self.table)
        found = item.memo[key]
        assert isinstance(found, Claim)
        return found

    def _heading_share(self, item: _Item, question_stems: frozenset[str], attribute: str) -> float:
        """Share of the question's content words (and the asked attribute's lookup words) in the
        section heading of the sentence's passage: "Dosage in renal impairment" for a renal-dose
        question."""
        heading = " ".join(item.passage.chunk.section)
        if not heading:
            return 0.0
        wanted = question_stems | frozenset(stems(LOOKUP_WORDS.get(attribute, "")))
        return len(wanted & set(stems(heading))) / len(wanted) if wanted else 0.0

    def _meds_covered(self, c: Claim, frame: QuestionFrame) -> int:
        """How many of the patient's medicines a statement speaks of, by name or class: one about
        combining immunosuppressants covers both of a patient's immunosuppressants."""
        return sum(1 for m in frame.current_medications if m in c.drugs or set(classes_of(self.table, m)) & c.classes)

    def _term_share(self, text: str, wanted: frozenset[str]) -> float:
        """Share of the question's content words (stems, ``_question_stems``) the sentence uses."""
        if not wanted:
            return 0.0
        have = set(stems(text))
        return len(wanted & have) / len(wanted)

    def _patient_link(self, c: Claim, frame: QuestionFrame) -> float:
        meds = set(frame.current_medications)
        med_classes = self._med_classes(meds)
        hits = 0
        if c.drugs & meds or c.classes & med_classes:
            hits += 1
        if set(frame.conditions) & c.conditions or (any("transplant" in x for x in frame.conditions) and "transplant" in c.populations):
            hits += 1
        if (set(frame.population) | set(frame.implied_population)) & c.populations:
            hits += 1
        return min(1.0, hits / 2)

    # -- the plan --------------------------------------------------------------------------------

    def _plan(self, frame: QuestionFrame, analysis: QueryAnalysis, items: list[_Item], answering: list[_Item], findings: list[Finding], leading: Sequence[_Item] = ()) -> _Plan:
        """``leading``: the sentences the bottom line may be chosen from (default: ``answering``)."""
        plan = _Plan(question=analysis.question)
        by_key = {(i.passage.chunk.chunk_id, i.sent.start): i for i in items}
        finding_items = [by_key[(f.passage.chunk.chunk_id, f.sentence.start)] for f in findings if (f.passage.chunk.chunk_id, f.sentence.start) in by_key]
        decisive = self._decisive(finding_items, frame)
        def rank_key(i: _Item) -> tuple[bool, bool, float, str, int]:
            # a statement about another patient leads only when nothing else answers; a warning
            # about another patient ("avoid X in recipients who take azathioprine") never reads as
            # this patient's bottom line while another statement answers
            elsewhere = self._off_patient(i, frame) or (i.claim.direction == "against" and (self._not_for_verdict(i, frame) or self._warns_of_another_drug(i, frame)))
            # a sentence that points elsewhere for its content ("on the schedule above", "These four
            # drug classes ...") says nothing by itself: another that answers leads before it
            # (nor does one on who may prescribe: "only physicians experienced in ... should prescribe it")
            empty = bool(_DANGLING.search(i.sent.text)) or prescriber_restriction(i.sent.text)
            return (elsewhere, empty, -i.score, i.passage.chunk.chunk_id, i.sent.start)

        ranked = sorted(answering, key=rank_key)
        # a contraindication or avoidance for this patient decides the answer
        asked_pop = POPULATION_OF_ATTRIBUTE.get(frame.asked_attribute)
        stated_dangers = decisive
        if frame.intent == "population" and asked_pop:
            decisive = [i for i in decisive if i.finding and i.finding.partner == asked_pop]
        reaction = [i for i in items if i.about >= CLASS_ABOUT and i.claim.direction == "against" and self._reacted_as_stated(i, frame, analysis.question)]
        if reaction:
            # the patient reacted to it before, and the library says what that means: it leads
            plan.bottom = min(reaction, key=lambda i: -i.score)
        elif decisive and (frame.intent in _DECIDED_BY_DANGER or not ranked):
            plan.bottom = min(decisive, key=_strongest_first)
        elif ranked:
            plan.bottom = min(leading or ranked, key=rank_key)
        elif stated_dangers:
            # nothing answers the group asked about, but a danger stands for this patient: it leads
            # (a verdict is never shown without the statement it rests on as the bottom line)
            plan.bottom = min(stated_dangers, key=_strongest_first)
        chosen: list[_Item] = [plan.bottom] if plan.bottom else []
        p = self.params

        def dup(item: _Item) -> bool:
            return any(item.sent.text == c.sent.text or float(item.vec @ c.vec) >= p.dedupe_similarity for c in chosen)

        def take(name: str, candidates: Sequence[_Item], limit: int) -> None:
            bucket = plan.sections.setdefault(name, [])
            for item in candidates:
                if len(bucket) >= limit or len(chosen) >= p.max_statements:
                    break
                if item in chosen or dup(item):
                    continue
                bucket.append(item)
                chosen.append(item)

        subject = frame.intervention
        # Risks: the sweep's findings first, then adverse effects of the intervention that concern this patient
        # a finding that warns of the comparator ("DOACs are not recommended in APS", asked about
        # warfarin rather than a DOAC) is a reason for the choice: Rationale, not Risks
        reasons = [i for i in finding_items if i is not plan.bottom and self._warns_of_another_drug(i, frame)]
        risk_items = [i for i in finding_items if i is not plan.bottom and i not in reasons]
        adverse = sorted(
            (i for i in items if (i.about > 0 and not i.category if subject else i.patient > 0 and bool(i.claim.drugs & set(frame.current_medications)))
             and i.claim.relations & {"adverse", "caution", "avoid", "contraindication", "boxed"}
             and i.finding is None and (i.patient > 0 or (frame.asked_attribute in ("adverse effects", "contraindication", "boxed warning", "safety") and i.sim >= 0.5))
             and not self._names_absent_party(i, frame) and not self._warns_of_another_drug(i, frame)),
            key=lambda i: -(i.score + i.patient),
        )
        # Rationale: other sentences that answer the asked attribute or speak to this patient
        rationale = [i for i in ranked if i is not plan.bottom and i.about > 0 and not i.category and not self._names_absent_party(i, frame) and i.kind != "research" and not self._off_patient(i, frame)]
        # what the intervention's own harms are ("an increased incidence of serious infections"):
        # a statement about this kind of patient that names the same harm ("combining several
        # immunosuppressive drugs ... raises infection risk") is the one that bears on adding it
        context = [
            i for i in items
            if i.about == 0 and subject and i.patient > 0 and i.sim >= CONTEXT_SIMILARITY and i.claim.relations & {"adverse", "avoid", "caution"}
            and i.claim.direction != "for"
            and self._about_class_context(i, frame) and not self._names_absent_party(i, frame)
        ]
        if context:
            harms = set().union(*(_effect_stems(i.sent.text) for i in items if i.about >= CLASS_ABOUT and "adverse" in i.claim.relations))
            context.sort(key=lambda i: (not (_effect_stems(i.sent.text) & harms), -self._meds_covered(i.claim, frame), -i.score))
        rationale[:0] = context[:1]  # at most one statement about this kind of patient, ahead of the drug's own
        rationale[:0] = [i for i in reasons if i not in rationale]
        monitoring = sorted(
            (i for i in items if "monitoring" in i.claim.relations and ((i.about > 0 and not i.category) or (not subject and i.sim >= 0.4)) and i.kind != "research"
             and not self._names_absent_party(i, frame) and not self._off_patient(i, frame)),
            key=lambda i: (-i.about, -bool(_FREQUENCY.search(i.sent.text)), -i.score),
        )
        evidence = sorted(
            (i for i in items if i.kind == "research" and i.about > 0 and "result" in i.claim.relations and not _DESIGN_ONLY.search(i.sent.text)
             and not self._names_absent_party(i, frame)
             # with no intervention to tie another study to the question, only the leading study's results are its evidence
             and (subject is not None or plan.bottom is None or i.passage.document.doc_id == plan.bottom.passage.document.doc_id)),
            key=lambda i: -i.score,
        )
        alternatives = self._alternatives(frame, items, plan)
        if not subject and plan.bottom is not None and self.search is not None and (frame.current_medications or frame.conditions or frame.population):
            # a choice question: the agents the bottom line names are swept for this patient too
            named = sorted((plan.bottom.claim.drugs - set(frame.current_medications)) | plan.bottom.claim.classes)
            for agent in named:
                if agent not in plan.rejected and (finding := self._advised_against(frame, agent)) is not None:
                    plan.rejected[agent] = finding
        rejected_items = [self._finding_item(f, frame, analysis) for f in plan.rejected.values()]
        conclusion = [
            i for i in sorted(items, key=lambda i: -i.score)
            if i.kind in ("guideline", "drug-label") and i.about > 0 and i.claim.relations & {"recommend", "first_line", "second_line"}
            and i.claim.direction != "against" and (i.patient > 0 or (frame.indication and frame.indication in i.claim.conditions))
            and not self._names_absent_party(i, frame)
        ]
        order = INTENT_SECTIONS.get(frame.intent, INTENT_SECTIONS["other"])
        pools = {
            "risks": risk_items + rejected_items + adverse,
            "rationale": rationale,
            "monitoring": monitoring,
            "evidence": evidence,
            "alternatives": alternatives,
            "conclusion": conclusion,
        }
        limits = {"rationale": 2, "risks": 3, "alternatives": 2, "monitoring": 2, "evidence": 2, "conclusion": 1}
        # the sweep's findings are never cut for length
        if risk_items or rejected_items:
            bucket = plan.sections.setdefault("risks", [])
            for item in risk_items + rejected_items:
                if item not in chosen and not dup(item):
                    bucket.append(item)
                    chosen.append(item)
        for name in order:
            if name in pools:
                take(name, pools[name], limits[name])
        self._verdict(plan, frame, findings, finding_items, items)
        return plan

    def _off_patient(self, item: _Item, frame: QuestionFrame) -> bool:
        """A statement about a condition or group this patient is not said to have ("in a patient
        with an active infection", "in severe renal impairment") does not decide their answer."""
        question = _QUESTION.get() or ""
        if question and outside_bound(item.sent.text, question):
            return True  # "where fluoroquinolone resistance is 10% or less", asked where it is 20%
        if question and awaiting_transplant(question) and _RECIPIENTS.search(item.sent.text) and not _CANDIDATES.search(item.sent.text):
            return True  # "avoid live vaccines in kidney transplant recipients", asked of one on the waiting list
        if question and _with_what_is_denied(item.sent.text, question):
            return True  # "for isolated distal DVT with severe symptoms", asked of one with no severe symptoms
        if question and (risk := _risk_reading(item.sent.text, question)) is not None and risk[0] == "unmet":
            return True  # "suggested when bleeding risk is not high", asked of a patient with a high bleeding risk
        for cond in {*frame.conditions, *([frame.indication] if frame.indication else [])} & CONDITION_FORMS.keys():
            said, asked = condition_forms(item.sent.text, cond), condition_forms(question, cond)
            if said and asked and "whole" not in said | asked and not said & asked:
                return True  # "for acute DVT of the leg", asked of a patient with a PE
        if item.patient > 0:
            return False
        if not (frame.current_medications or frame.conditions or frame.population or frame.implied_population or frame.indication):
            return False  # no patient described ("what does this report count as controlled?"): no one to be off
        c = item.claim
        have_conditions = set(frame.conditions) | ({frame.indication} if frame.indication else set())
        have_pops = set(frame.population)
        asked_pop = POPULATION_OF_ATTRIBUTE.get(frame.asked_attribute)
        if asked_pop:
            have_pops.add(asked_pop)
        if frame.asked_attribute == "renal dose":
            have_pops |= {"ckd", "dialysis"}
        if any("transplant" in x for x in frame.conditions):
            have_pops.add("transplant")
        absent_conditions = c.conditions - have_conditions - {"solid organ transplant"}
        absent_pops = c.populations - have_pops
        if "child" in absent_pops and _ADULTS_TOO.search(item.sent.text):
            absent_pops = absent_pops - {"child"}  # "adults or adolescents", "adults and children": adults are in it too
        return bool(absent_conditions or absent_pops)

    def _decisive(self, finding_items: list[_Item], frame: QuestionFrame) -> list[_Item]:
        """The sweep's decisive findings that warn of the treatment itself (not of the comparator);
        for a patient asking whether to stop or keep a drug going, not a restriction on starting it alone."""
        keep = frame.yes_no and yes_no_polarity(_QUESTION.get() or "") in _OF_STOPPING
        on_it = keep or (frame.intervention or "") in frame.current_medications
        return [i for i in finding_items if i.finding and i.finding.decisive and not self._warns_of_another_drug(i, frame)
                and not (keep and _restricts_starting(i.sent.text))
                and not (switches_away(i.sent.text) and not on_it)]  # advice to switch away is for patients already on it

    def _dosed_instead(self, decisive: list[_Item], finding_items: list[_Item], frame: QuestionFrame) -> tuple[_Item, _Item] | None:
        """(the label's dose, the avoidance) when every decisive finding is an avoidance (none a
        contraindication or boxed warning) and the intervention's own label states the dose to give
        with each partner the avoidances name: the regulator's word on using the two together is a
        dose change, so the combination is conditional and the stricter source is cited beside it.
        None when a contraindication stands, a partner has no labelled dose, or the label that doses
        it itself advises against it for patients at this patient's dose."""
        if not decisive or any(i.finding and i.finding.relation != "avoid" for i in decisive):
            return None
        doses: dict[str, _Item] = {}
        for item in finding_items:
            f = item.finding
            if (f is not None and item.kind == "drug-label" and f.subject == frame.intervention and f.relation in ("dose_change", "caution")
                    and "no_change" not in item.claim.relations and "dose" in item.claim.relations and states_a_dose(item.sent.text)
                    and self._dosed_drug(item.sent.text) in (frame.intervention, None) and self._scope(item, frame) == APPLIES):
                doses.setdefault(f.partner, item)
        partners = {i.finding.partner for i in decisive if i.finding}
        if not partners or not partners <= set(doses):
            return None
        labels = {doses[p].passage.document.doc_id for p in partners}
        if any(i.passage.document.doc_id in labels and dosed_scope(i.sent.text, self.table) for i in decisive):
            # the label itself advises against it for patients at a dose ("for patients already on
            # apixaban 2.5 mg twice daily, strong dual inhibitors should be avoided"), which scope()
            # kept for this patient: no disagreement, the label's own avoidance stands
            return None
        avoid = next((i for i in decisive if i.kind != "drug-label"), decisive[0])
        assert avoid.finding is not None  # _decisive keeps only findings
        return doses[avoid.finding.partner], avoid

    def _dosed_drug(self, text: str) -> str | None:
        """The drug whose dose a sentence states: the one named last before its first "dose" word,
        else before its first amount ("the colchicine flare dose is 0.6 mg"; "colchicine
        prophylaxis of 0.6 mg becomes 0.3 mg"; but "when allopurinol is given ..., reducing the
        azathioprine dose" doses azathioprine), or the one "dose of" names ("a lower dose of the
        insulin or secretagogue may be needed"). A class counts as the drug it names. None when no
        drug is named before it."""
        cue = _DOSE_WORD.search(text) or _DOSE_VALUE.search(text)
        if cue is None:
            return None
        names = sorted([(start, g) for start, _, _, g in self.table.find(text)] + [(start, k) for start, _, _, k in find_classes(text)])
        of = _DOSE_OF.match(text, cue.end())
        if of is not None:
            after = [g for start, g in names if start == of.end()]
            if after:
                return after[0]
        before = [g for start, g in names if start < cue.start()]
        return before[-1] if before else None

    def _not_for_verdict(self, item: _Item, frame: QuestionFrame) -> bool:
        """A statement that may not decide this patient's verdict: off the patient as above, or put
        outside this patient by the sweep's scope reading ("in patients who take azathioprine" for a
        patient not on it, an eGFR range that excludes theirs)."""
        if self._off_patient(item, frame) or self._warns_of_another_drug(item, frame) or _limits_another_use(item, frame):
            return True
        if frame.yes_no and _restricts_starting(item.sent.text) and yes_no_polarity(_QUESTION.get() or "") in _OF_STOPPING:
            return True  # "starting metformin is not recommended at an eGFR of 30 to 45" for one already on it
        if item.features.get("other_indication"):
            return True  # amoxicillin recommended for pneumonia says nothing of amoxicillin for cystitis
        if not (frame.current_medications or frame.conditions or frame.population):
            return False
        return self._scope(item, frame) == NOT_THIS_PATIENT

    def _scope(self, item: _Item, frame: QuestionFrame) -> str:
        """The sweep's scope reading of the sentence for this frame's patient, read once per frame."""
        key = ("scope", id(frame))
        if key not in item.memo:
            relation = _avoidance(item.claim)
            if item.claim.direction == "against" and relation is not None:
                # an avoidance is scoped by the clause that states it (the sweep's reading)
                item.memo[key] = danger_scope(item.sent.text, relation, frame, self.table, question=_QUESTION.get())
            else:
                item.memo[key] = statement_scope(item.sent.text, frame, self.table, claim=item.claim, question=_QUESTION.get())
        return str(item.memo[key])

    def _warns_of_another_drug(self, item: _Item, frame: QuestionFrame) -> bool:
        """An avoidance whose subject, the drug or class it names first, is not the intervention
        ("DOACs are not recommended in triple-positive antiphospholipid syndrome ... compared with
        warfarin", asked about warfarin): a warning about the comparator, not about this treatment."""
        if frame.intervention is None or item.claim.direction != "against":
            return False
        key = ("warns_of_another_drug", id(frame))
        if key not in item.memo:
            item.memo[key] = self._first_named_is_another_drug(item, frame)
        return bool(item.memo[key])

    def _first_named_is_another_drug(self, item: _Item, frame: QuestionFrame) -> bool:
        assert frame.intervention is not None
        c = item.claim
        meds = set(frame.current_medications)
        med_classes = self._med_classes(meds)
        # it names the patient's drug: an interaction of the treatment with it, unless a third drug
        # is its subject ("colchicine should not be given to patients taking strong inhibitors such
        # as ciclosporin or clarithromycin", asked of clarithromycin for a patient on ciclosporin)
        patients = bool(c.drugs & meds or c.classes & med_classes)
        text = item.sent.text
        own = {frame.intervention, *frame.intervention_classes, *classes_of(self.table, frame.intervention), *named_classes(self.table, frame.intervention)}
        clause = danger_clause(text, _avoidance(c) or "avoid")  # "..., except that benzbromarone is not for patients with ...": its own subject
        spans = [(a, g) for a, _b, _s, g in self.table.find(clause)] + [(a, k) for a, _b, _s, k in find_classes(clause)]
        if not spans and clause != text:
            spans = [(a, g) for a, _b, _s, g in self.table.find(text)] + [(a, k) for a, _b, _s, k in find_classes(text)]
        if not spans:
            return False
        first = min(spans)[1]
        if patients:
            return first not in own | meds and self._listed_together(text, frame.intervention, meds)
        return first not in own

    def _listed_together(self, text: str, drug: str, others: set[str]) -> bool:
        """Are ``drug`` and one of ``others`` named in one run of names ("such as ciclosporin or
        clarithromycin")? Then they are examples of one kind, not the two sides of an interaction."""
        found = sorted((a, b, g) for a, b, _s, g in self.table.find(text))
        run: set[str] = set()
        for k, (_a, _b, g) in enumerate(found):
            if k and not _LIST_GAP.match(text[found[k - 1][1] : found[k][0]]):
                run = set()
            run.add(g)
            if drug in run and run & others:
                return True
        return False

    def _names_absent_party(self, item: _Item, frame: QuestionFrame) -> bool:
        """An interaction statement about a drug (or class) the patient is not on does not belong."""
        if "interaction" not in item.claim.relations:
            return False
        alone = _ALONE_OR_COMBINED.search(item.sent.text)
        if alone and frame.intervention and mentions(item.sent.text[: alone.start()], self.table.names_of(frame.intervention)):
            return False  # "aspirin, alone or combined with clopidogrel, is not recommended" holds for aspirin alone
        others = item.claim.drugs - {frame.intervention or "", *(frame.current_medications), frame.comparator or ""}
        own_classes = set(frame.intervention_classes) | {k for m in frame.current_medications for k in classes_of(self.table, m)}
        other_classes = item.claim.classes - own_classes - BROAD_CLASSES
        if not others and not (other_classes and re.search(r"\bcombin\w*|\btogether|\bwith\b|\bpair", item.sent.text, re.I)):
            return False
        meds = set(frame.current_medications)
        med_classes = self._med_classes(meds)
        return not (item.claim.drugs & meds or item.claim.classes & med_classes)

    def _about_class_context(self, item: _Item, frame: QuestionFrame) -> bool:
        """A sentence that names no other drug but speaks of this patient's situation (e.g.
        combined immunosuppression in a transplant recipient) may give the rationale."""
        meds = set(frame.current_medications)
        med_classes = self._med_classes(meds)
        other_drugs = item.claim.drugs - meds
        other_classes = item.claim.classes - med_classes - set(frame.intervention_classes)
        return not other_drugs and not other_classes

    def _alternatives(self, frame: QuestionFrame, items: list[_Item], plan: _Plan) -> list[_Item]:
        """Other treatments for the same indication that the library does not advise against here.

        Each agent an alternative statement names is swept (:func:`curbside.qa.sweep.sweep`); a
        statement naming an agent the library advises against for this patient is not offered, and
        the statement that says why goes to ``plan.rejected``.
        """
        indication = frame.indication or next((c for c in frame.conditions if "transplant" not in c and "kidney" not in c), None)
        if not indication:
            return []
        terms = [t for t in CONDITION_TERMS.get(indication, (indication,)) if len(t) > 3]
        out: list[_Item] = []
        verdicts: dict[str, Finding | None] = {}
        for item in sorted(items, key=lambda i: -i.score):
            c = item.claim
            if not (c.relations & {"recommend", "first_line"}) or c.direction == "against" or item.kind == "research":
                continue
            if not (indication in c.conditions or any(t in item.sent.text.lower() for t in terms) or any(t in item.passage.document.title.lower() for t in terms)):
                continue
            offered = tag(_OFFER_CLAUSE.split(item.sent.text, maxsplit=1)[0], self.table)  # not the "because ..." part
            others = sorted(offered.drugs - {frame.intervention or ""} - set(frame.current_medications))
            other_classes = sorted(offered.classes - set(frame.intervention_classes) - BROAD_CLASSES - {k for m in frame.current_medications for k in classes_of(self.table, m)})
            if not others and not other_classes:
                continue
            if frame.intervention and frame.intervention in c.drugs and not others:
                continue
            bad = []
            for agent in [*others, *other_classes]:
                if agent not in verdicts:
                    verdicts[agent] = self._advised_against(frame, agent)
                if verdicts[agent] is not None:
                    bad.append(agent)
            if bad:
                for agent in bad:
                    finding = verdicts[agent]
                    if finding is not None and agent not in plan.rejected:
                        plan.rejected[agent] = finding
                continue
            out.append(item)
        return out

    def _advised_against(self, frame: QuestionFrame, alternative: str) -> Finding | None:
        """The strongest statement advising against ``alternative`` for this patient, if any. A
        precaution (use with caution, reduce the dose) does not rule an alternative out: KDIGO
        suggests colchicine for transplant recipients *with* a dose reduction."""
        if self.search is None:
            return None
        treated = frozenset(c for c in (frame.indication, *frame.conditions) if c and "transplant" not in c and "kidney" not in c)
        found = [f for f in sweep(frame, [alternative], self.table, self.search, exclude=treated) if f.relation in ("contraindication", "boxed", "avoid")]
        return found[0] if found else None

    def _finding_item(self, finding: Finding, frame: QuestionFrame, analysis: QueryAnalysis) -> _Item:
        vecs = self.embedder.embed([analysis.normalised, finding.sentence.text])
        item = _Item(finding.sentence, finding.passage, finding.claim, float(vecs[1] @ vecs[0]), vecs[1], finding=finding)
        item.patient = self._patient_link(finding.claim, frame)
        return item

    # -- verdict ---------------------------------------------------------------------------------

    def _verdict(self, plan: _Plan, frame: QuestionFrame, findings: list[Finding], finding_items: list[_Item], items: list[_Item],
                 polarity: str | None = None) -> None:
        """yes / no / conditional / insufficient for a yes/no-shaped question, with what it rests on.

        In order: an avoidance whose partner the intervention's own label doses (a guideline's
        "should not be given with" beside the label's dose with it) makes it ``conditional``, the
        disagreement named (:meth:`_dosed_instead`); a contraindication or avoidance for this
        patient (the sweep) makes it ``no``; else
        the stance of the bottom line — the statement that answers what was asked — decides
        (against → no, a precondition, dose change, caution or a later line of therapy →
        conditional, for → yes), and a dose change or caution for this patient turns a ``yes`` into
        ``conditional``. For questions whether a drug causes or helps something, the bottom line
        answers yes when it affirms it and no when it denies it. A bottom line that advises nothing
        answers in its own modality (:func:`_modality`: "may be crushed" yes, "is not needed" no).
        Nothing decisive: insufficient.

        ``polarity`` (default: read from the question, :func:`~curbside.qa.polarity.yes_no_polarity`)
        says what "yes" affirms; a ``problem`` question is read as "is it fine?" and turned round.
        """
        if not frame.yes_no:
            return
        x = frame.intervention or "this"
        decisive = self._decisive(finding_items, frame)
        cautions = [i for i in finding_items if i.finding and not i.finding.decisive]
        bottom = plan.bottom
        polarity = polarity or yes_no_polarity(plan.question)
        dosed = self._dosed_instead(decisive, finding_items, frame) if polarity in ("do", "keep") else None
        if dosed is not None:
            # "Colcrys with Noxafil?" -- EULAR: "should not be given to patients taking strong
            # CYP3A4 inhibitors"; the colchicine label: "with a strong CYP3A4 inhibitor, prophylaxis
            # becomes 0.3 mg once daily". The drug's own label gives the dose for this partner, so
            # the combination is used with a dose change, and the stricter source is named beside it
            dose, avoid = dosed
            who = (avoid.passage.document.publisher or avoid.passage.document.title).split(";")[0].strip()
            plan.decision, plan.decision_items = "conditional", [dose, avoid]
            assert dose.finding is not None  # _dosed_instead keeps only findings
            partner = dose.finding.partner
            named = partner in frame.current_medications or partner in self.table.classes
            where = f"with {_display(partner)}" if named else "for this patient"
            plan.decision_text = (f"Conditional: the {x} label gives a changed dose {where}, though "
                                  f"{who} advises against it (sources differ; both cited).")
            return
        exception = self._exception_for_patient(decisive, items, frame) if decisive and polarity == "do" else None
        if exception is not None:
            # "After a first gout flare, the ACR conditionally recommends against starting ULT as a
            # general rule" -- "The ACR makes an exception ... and conditionally recommends ULT when
            # the patient also has CKD stage 3 or worse": the recommendation for a group this
            # patient is in, and the avoidance does not name, is the one about them; it leads, and
            # the general rule is shown beside it
            item, groups = exception
            plan.decision, plan.decision_items = "yes", [item, decisive[0]]
            plan.decision_text = (f"Yes: the library's advice against {x} is a general rule, and it recommends {x} "
                                  f"for patients like this one ({max(sorted(groups), key=len)}).")
            _lead_with(plan, item)
            return
        if decisive:
            top = decisive[0]
            rel = top.finding.relation if top.finding else "avoid"
            word = {"contraindication": "contraindicates", "boxed": "carries a boxed warning on"}.get(rel, "advises against")
            why = f"the library {word} {x} for this patient ({top.finding.partner if top.finding else 'see below'})"
            plan.decision_items = decisive[:2]
            if polarity in ("stop", "exists", "problem"):
                # "should I stop it?" / "is that a contraindication?" / "a problem?": the stated danger says yes
                plan.decision, plan.decision_text = "yes", f"Yes: {why}."
            elif polarity == "adjust" and top.finding is not None and top.finding.partner in frame.current_medications:
                # "on Eliquis, needs ketoconazole - adjust?": a stated danger of the combination says
                # something must change (a danger of the patient's kidneys or age is left to the
                # dose rules: "the flare dose is not reduced" answers "cut the dose at CrCl 25?" no)
                plan.decision, plan.decision_text = "yes", f"Yes, a change is needed: {why}."
            else:
                plan.decision, plan.decision_text = "no", f"No: {why}."
            return
        if polarity == "do" and self._preference_verdict(plan, frame, items):
            return
        if polarity == "do" and self._age_verdict(plan, frame, items):
            return
        if polarity == "problem":
            # "is it a problem?" is "is it fine to give it?" turned round: a precaution for this
            # patient is the problem asked about, the library's support says there is none
            self._verdict(plan, frame, findings, finding_items, items, polarity="do")
            turned = {"yes": ("no", f"No: the library states no problem; it supports {x} here."),
                      "no": ("yes", f"Yes: the library advises against {x} here.")}
            harm = plan.decision == "conditional" and any(i.claim.relations & _HARMS for i in plan.decision_items)
            if harm:
                # "CsA + simvastatin - concern?" -- "raises the risk of myotoxicity": the harm is
                # the problem asked about (a dose to titrate or a caution stays conditional)
                plan.decision, plan.decision_text = "yes", f"Yes: the library states a harm of {x} for this patient."
            elif plan.decision in turned:
                plan.decision, plan.decision_text = turned[plan.decision]
            return
        if polarity != "do" and self._polar_verdict(polarity, plan, frame, items):
            return
        if bottom is not None and bottom.claim.direction == "against" and self._reacted_as_stated(bottom, frame, plan.question):
            # a patient who reacted to it before, and the library's word on restarting after a reaction
            plan.decision, plan.decision_items = "no", [bottom]
            plan.decision_text = f"No: the library advises against {x} after the reaction this patient had."
            return
        if bottom is not None and frame.asked_attribute in ("dose", "renal dose") and "dose" in bottom.claim.relations:
            asked_doses = sweep_asked_doses(plan.question, frame, self.table)  # not a lab value, not a co-medication's dose
            if asked_doses:
                # "Is 2.5 mg the right dose to start?": the library's dose for this phase says yes or no
                stated = {d.replace(" ", "").lower() for d in _DOSE_VALUE.findall(bottom.sent.text)}
                same = all(d in stated for d in asked_doses) and not phase_mismatch(plan.question, bottom.sent.text, asked_doses)
                plan.decision_items = [bottom]
                changed = [i for i in cautions if i.finding and i.finding.relation == "dose_change"]
                if same and changed:
                    # the usual dose, but the library states another for this patient (their kidneys, a co-medication)
                    plan.decision, plan.decision_items = "conditional", [bottom, changed[0]]
                    plan.decision_text = f"Conditional: {x} with a dose change the library states for this patient."
                elif same:
                    plan.decision, plan.decision_text = "yes", f"Yes: that is the {x} dose the library states here."
                elif not bottom.claim.populations & (set(frame.population) | set(frame.implied_population)):
                    plan.decision, plan.decision_text = "no", f"No: the library states another {x} dose for this (see the bottom line)."
                else:
                    # "is Uloric 80 mg safe at CrCl 22?" -- "limits the dose to 40 mg once daily in
                    # severe renal impairment": the drug may be given, at the dose the library states
                    # for a group the patient is in; a regimen for everyone ("10 mg twice daily for
                    # 7 days" asked "2.5 mg to start?") says the asked dose is not the one
                    plan.decision = "conditional"
                    plan.decision_text = f"Conditional: {x} at the dose the library states for this patient (see the bottom line)."
                return
        if self._unchanged_here(plan, frame, polarity):
            # "start Colcrys at the standard flare dose at eGFR 55?" -- "in mild or moderate renal
            # impairment, the label requires no dose change": the statement for this patient's own
            # kidney function settles the dose asked about, above a dose change stated for renal
            # impairment in general or for another phase (it stays among the risks)
            assert bottom is not None  # _unchanged_here requires it
            plan.decision, plan.decision_items = "yes", [bottom]
            plan.decision_text = f"Yes: the library states no {x} dose change at this kidney function."
            return
        stance_of = _verdict_basis(plan)
        if frame.for_contact:
            # a vaccine for someone close to the patient: only what is said of such contacts decides
            stance_of = [i for i in stance_of if _CONTACT.search(i.sent.text)]
        direction, basis = "neutral", None
        asked = self._asked_words(plan.question, frame)
        # a study answers as a whole, read against the question, when the question names no drug or
        # when the passages found are all research ("Does pretreatment with statins improve outcome
        # after stroke?" over a library of abstracts); a guideline or label beside them keeps the clinical reading
        by_study = frame.intervention is None or all(i.kind == "research" for i in items)
        kidney = renal_value(plan.question)
        treated = self._treated_conditions(frame, items)
        untreated = frame.model_copy(update={"conditions": [c for c in frame.conditions if c not in treated]}) if treated else frame
        age = find_age(plan.question) or ADULT_YEARS  # an adult unless the question says otherwise
        for item in stance_of:
            # support stated only for another kidney function ("recommended ... when the eGFR is
            # above 30", for a patient at 25) is left out of this patient's scope, and still decides:
            # it supports nothing for them (read below as "outside")
            elsewhere = kidney is not None and item.claim.direction == "for" and item.claim.covers_renal(kidney) is False
            if self._not_for_verdict(item, frame) and not (item.kind == "research" and frame.intervention is None) and not elsewhere:
                continue  # "contraindicated in metabolic acidosis" says nothing of a patient without it
            if prescriber_restriction(item.sent.text, item.claim):
                continue  # "only physicians experienced in immunosuppressive therapy should prescribe it": not of the patient
            d = _study_stance(item, items, plan.question) if item.kind == "research" and by_study else _stance(item, frame)
            if d == "conditional" and item.claim.direction == "neutral" and "adverse" in item.claim.relations and (
                item.kind == "research" or self._patient_link(item.claim, untreated) == 0
            ):
                # a harm named only of the condition the drug is given for ("serious infections
                # compared with placebo in rheumatoid arthritis trials", asked of an RA patient) is
                # every such patient's, and a trial's event rates are its results: neither is a
                # precaution particular to this patient
                d = "neutral"
            if d == "conditional" and item.kind != "research" and self._tried_first(item, frame):
                # "when high-intensity statin therapy is not tolerated, moderate-intensity statin
                # therapy is used instead", asked whether to give a statin: the statin is what is
                # tried first, so the statement is read without its later-line reading
                d = replace(item.claim, relations=item.claim.relations - {"second_line"}).direction
            if d == "for" and self._against_where_named(item, frame):
                # "recommends against stopping low-dose aspirin ... and against adding or switching
                # to fenofibrate solely for gout", asked about fenofibrate: the sentence is for
                # keeping aspirin, and against the drug asked about
                d = "against"
            if d == "for" and _unsettled_risk(item.sent.text, plan.question):
                # "systemic thrombolytic therapy is suggested when bleeding risk is not high", for
                # a patient whose bleeding risk the question does not give: yes only on that condition
                d = "conditional"
            if d == "for" and self._disfavoured(item, frame):
                # "anticoagulation alone is suggested over thrombolysis", asked of thrombolysis; a
                # preference with a stated exception where the intervention is the choice ("the
                # exceptions are patients with ... mitral stenosis, in whom warfarin remains the
                # anticoagulant of choice") holds for this patient only outside it
                exception_item = self._stated_exception(item, items, frame)
                if exception_item is None:
                    d = "against"
                elif patient_groups(exception_item.sent.text, frame, self.table, plan.question):
                    d, item = "for", exception_item
                else:
                    d = "conditional"
            if (d == "neutral" and "indication" in item.claim.relations and item.claim.conditions & treated
                    and item.claim.covers_age(age) is not False and not self._names_other_treatments(item, frame)):
                # "anakinra is approved for ... rheumatoid arthritis in adults", asked of an adult
                # with RA: the label's indication for the patient's condition supports it. One for
                # patients "in whom NSAIDs and colchicine are contraindicated" is a later line, left
                # to the second-line reading
                d = "for"
            unchanged = "no_change" in item.claim.relations and "dose_change" not in item.claim.relations
            if d in ("for", "neutral", "conditional") and frame.asked_attribute not in _AFFIRMS and not unchanged and _denies(item.sent.text, asked):
                # "do I need a risk calculator?" -- "... without the need to calculate risk"; but
                # "requires no dose change" denies a change, not the dose asked about ("start it
                # at the standard dose at eGFR 55?"), so it affirms the usual dose
                d = "against"
            if d == "against" and polarity == "do" and frame.asked_attribute != "boxed warning" and item.claim.relations & AGAINST_DOING == {"boxed"} and self._scope(item, frame) == APPLIES:
                # "the metformin label carries a boxed warning about lactic acidosis": a warning for
                # everyone given the drug, so a precaution of giving it, never a no by itself (a
                # boxed warning for something this patient has is a finding of the sweep, above)
                d = "conditional"
            if d == "against" and self._scope(item, frame) == UNSTATED and not (item.kind == "research" and frame.intervention is None) and not self._reacted_as_stated(item, frame, plan.question):
                d = "conditional"  # "not recommended in patients who are haemodynamically unstable": a precaution (a study's finding is its own)
            if d == "for" and frame.asked_attribute in _TESTS and item.claim.direction == "neutral" and self._scope(item, frame) == UNSTATED:
                d = "conditional"  # "patients with ongoing risk of tuberculosis exposure should be rescreened every year"
            if d == "neutral" and item is bottom and polarity == "do":
                # the bottom line advises nothing but may still answer in its own modality:
                # "apixaban tablets may be crushed ... or given through a nasogastric tube" permits
                # what "can Eliquis be crushed?" asks; "bridging with heparin is not generally
                # needed" answers "does she need bridging?" (:func:`_modality`)
                d = _modality(item) or "neutral"
            if d != "neutral":
                direction, basis = d, item
                break
        outside = direction == "for" and basis is not None and kidney is not None and basis.claim.covers_renal(kidney) is False
        if outside and basis is not None and kidney is not None and "continue" in basis.claim.relations and all(hi <= kidney for _lo, hi in basis.claim.renal_ranges):
            # "can usually be continued if the eGFR later falls below 20": kept going down to that
            # floor, so a patient above it is kept going too
            outside = False
        if outside:
            direction = "against"  # "recommended ... when the eGFR is above 30" for a patient at 25 recommends nothing for them
        plan.disagreement = [] if outside else self._disagreement(plan, frame)
        answered = basis is not None and basis is bottom and (
            direction == "against" or frame.asked_attribute in _AFFIRMS or frame.asked_attribute in _TESTS or basis.kind == "research")
        if plan.disagreement and not answered:
            # sources disagree: the verdict rests on the strongest, then newest, of them, and is
            # never a plain yes while a cited source for this patient advises against. Unless the
            # bottom line itself settles it: the statement chosen as the answer to what was asked
            # advises against ("should not be used as primary ULT"), or states the finding asked
            # about ("did not show anakinra to be superior"), or the test asked about ("recommends
            # testing for HLA-B*5801 before starting allopurinol": whether to give the drug is
            # not the question): then the verdict is the bottom line's,
            # and the disagreement is still shown in the note
            basis = plan.disagreement[0]
            direction = "against" if _stance(basis, frame) == "against" else "conditional"
        if direction == "for" and cautions and frame.asked_attribute not in _AFFIRMS:
            direction, basis = "conditional", cautions[0]  # (whether it causes or helps is no precaution)
        if direction == "neutral" and cautions:
            direction, basis = "conditional", cautions[0]
        if basis is None:
            plan.decision, plan.decision_text = "insufficient", "Insufficient: the library does not state a clear yes or no."
            plan.decision_items = [bottom] if bottom else []
            return
        plan.decision_items = [basis]
        if outside:
            plan.decision, plan.decision_text = "no", f"No: the library supports {x} only at a kidney function this patient is outside of (eGFR or CrCl {kidney})."
        elif direction == "against" and basis.claim.direction != "against" and (frame.asked_attribute in _AFFIRMS or yes_no_polarity(plan.question) == "exists"):
            # "Does azithromycin raise colchicine levels?" -- "Azithromycin did not raise colchicine
            # exposure ...": a finding denies the effect; nothing is advised against
            plan.decision, plan.decision_text = "no", f"No: the cited source does not find this for {x}."
        elif direction == "against" and basis is bottom and _modality(basis) == "against" and basis.claim.direction != "against":
            plan.decision, plan.decision_text = "no", "No: the library states it is not needed here."
        elif direction == "against" and polarity == "adjust":
            # "on Eliquis, needs ketoconazole - adjust?" -- "strong dual CYP3A4 and P-gp inhibitors
            # should be avoided": a change is needed, so the literal answer is yes
            plan.decision, plan.decision_text = "yes", f"Yes, a change is needed: the library advises against {x} here."
        elif direction == "against":
            plan.decision, plan.decision_text = "no", f"No: the library advises against {x} here."
        elif direction == "conditional":
            rel = basis.finding.relation if basis.finding else ""
            if plan.disagreement:
                text = f"Conditional: the cited sources disagree on {x}; the strongest supports it (see the note)."
            elif ("second_line" in basis.claim.relations and not basis.claim.relations & {"dose_change", "caution"} and frame.ruled_out
                    and self._names_ruled_out(basis, frame) >= RULED_OUT_NAMED and self._others_all_ruled_out(basis, frame)):
                # "an IL-1 inhibitor ... when colchicine, NSAIDs and glucocorticoids are ineffective,
                # poorly tolerated or contraindicated", for a patient who cannot take them: the
                # condition on using it holds, so it is the answer for this patient
                plan.decision, plan.decision_text = "yes", f"Yes: the library places {x} after other options, and this patient cannot take them."
                return
            elif "second_line" in basis.claim.relations and frame.asked_attribute == "first-line choice" and not self._tried_first(basis, frame):
                # "Krystexxa as the first urate lowerer?" -- "EULAR reserves pegloticase for ...
                # when no other drug ... reaches the target": asked whether it comes first, a
                # statement that puts it after other options says no
                plan.decision, plan.decision_text = "no", f"No: the library places {x} after other options, not first."
                return
            elif "second_line" in basis.claim.relations and not basis.claim.relations & {"dose_change", "caution"}:
                text = f"Not a first choice: the library places {x} after other options."
            elif frame.intervention and (rel == "dose_change" or "dose_change" in basis.claim.relations):
                other = self._dosed_drug(basis.sent.text)
                if other is not None and other != frame.intervention and other in {*frame.current_medications, *self._med_classes(set(frame.current_medications))}:
                    # "a lower dose of the insulin or secretagogue may be needed": the change is to the other drug
                    text = f"Conditional: {x} with a change to the {_display(other)} dose that the library states."
                else:
                    text = f"Conditional: {x} with a dose change the library states."
            elif frame.asked_attribute in _TESTS and basis.claim.direction == "neutral":
                text = f"Conditional: the library advises this {frame.asked_attribute} for some patients on {x} (see who)."
            elif rel == "boxed":
                # a boxed warning that states a harm for patients like this one, without advising
                # against the drug: the gravest precaution, named as such
                text = f"Conditional: the {x} label carries a boxed warning for patients like this one."
            elif (risk := _unsettled_risk(basis.sent.text, plan.question)) is not None:
                text = f"Conditional: the library supports {x} only {risk}."
            elif not frame.intervention:
                text = "Conditional: yes, with the conditions the library states."
            else:
                text = f"Conditional: {x} only with the precautions the library states."
            plan.decision, plan.decision_text = "conditional", text
        elif direction == "for" and basis.claim.direction != "for" and (frame.asked_attribute in _AFFIRMS or yes_no_polarity(plan.question) == "exists"):
            plan.decision, plan.decision_text = "yes", f"Yes: the cited source states this for {x}."  # a finding, not a recommendation
        elif direction == "for" and basis is bottom and _modality(basis) == "for" and basis.claim.direction != "for":
            plan.decision, plan.decision_text = "yes", "Yes: the library states that it may be done."
        elif direction == "for" and frame.asked_attribute in _TESTS and basis.claim.direction == "neutral":
            plan.decision, plan.decision_text = "yes", f"Yes: the library advises this {frame.asked_attribute} with {x}."
        elif direction == "for":
            plan.decision, plan.decision_text = "yes", f"Yes: the library supports {x} here."
        else:
            plan.decision, plan.decision_text = "insufficient", "Insufficient: the evidence cited does not settle this."

    def _exception_for_patient(self, decisive: list[_Item], items: list[_Item], frame: QuestionFrame) -> tuple[_Item, frozenset[str]] | None:
        """The exception to a general rule that holds for this patient, with the groups it names.

        A recommendation of the intervention, by the source of one of the decisive avoidances,
        scoped to a group this patient is in that none of them names; and either the rule is
        stated as general ("as a general rule", "usually") or the statement calls itself an
        exception. None when any decisive finding is a contraindication, a boxed warning or an
        interaction with the patient's medicines (an exception never lifts those), or when no such
        recommendation was retrieved."""
        meds = set(frame.current_medications)
        if any(i.finding is None or i.finding.relation != "avoid" or i.finding.partner in meds | self._med_classes(meds) for i in decisive):
            return None  # (an interaction is never lifted by what is said of a group of patients)
        general = any(_GENERAL_RULE.search(i.sent.text) for i in decisive)
        question = _QUESTION.get()
        # what the rule already names, and what the drug is given for, make no exception to it
        ruled = set().union(*(patient_groups(i.sent.text, frame, self.table, question) | i.claim.conditions for i in decisive))
        ruled |= {frame.indication} if frame.indication else set()
        sources = {i.passage.document.doc_id for i in decisive}
        for item in items:
            if item in decisive or item.claim.direction != "for" or item.about < CLASS_ABOUT or item.claim.relations & AGAINST_DOING:
                continue
            if item.passage.document.doc_id not in sources:
                continue  # the exception is the rule's own source's: another source's support is a disagreement
            if not (general or _EXCEPTION_MARK.search(item.sent.text)):
                continue  # "an ARNi must not be given ... angioedema" admits no exception; "is recommended for HFrEF" makes none
            if self._not_for_verdict(item, frame) or self._scope(item, frame) != APPLIES:
                continue
            groups = patient_groups(item.sent.text, frame, self.table, question) - ruled
            if groups:
                return item, groups
        return None

    def _stated_exception(self, item: _Item, items: list[_Item], frame: QuestionFrame) -> _Item | None:
        """A statement of ``item``'s source that names itself an exception (:data:`_EXCEPTION_MARK`)
        and names the intervention."""
        for other in items:
            if other is not item and other.about >= CLASS_ABOUT and other.passage.document.doc_id == item.passage.document.doc_id \
                    and _EXCEPTION_MARK.search(other.sent.text) and not other.claim.relations & AGAINST_DOING:
                return other
        return None

    def _disfavoured(self, item: _Item, frame: QuestionFrame) -> bool:
        """Is the intervention the one a stated preference puts second ("anticoagulation alone is
        suggested over thrombolysis")? Every mention of it, or of its class, follows the "over"."""
        cue = _OVER.search(item.sent.text)
        if cue is None:
            return False
        if not frame.intervention:
            # "subsegmental PE, low recurrence risk - treat?" -- "clinical surveillance is suggested
            # over anticoagulation": what is preferred is not treating, so treating is put second
            return bool(_NO_TREATMENT.search(item.sent.text[: cue.start()])) and bool(_ASKS_TO_TREAT.search(_QUESTION.get() or ""))
        spans = self._intervention_at(item.sent.text, frame)
        return bool(spans) and all(a >= cue.end() for a in spans)

    def _against_where_named(self, item: _Item, frame: QuestionFrame) -> bool:
        """Is every mention of the intervention governed by an "against" of its own clause
        ("... and against adding or switching to fenofibrate"), not one against stopping it?"""
        if not frame.intervention:
            return False
        text = item.sent.text
        spans = self._intervention_at(text, frame)
        return bool(spans) and all(_AGAINST_BEFORE.search(text[max(0, a - AGAINST_REACH) : a]) for a in spans)

    def _intervention_at(self, text: str, frame: QuestionFrame) -> list[int]:
        """Where a text names the intervention, by name, alias or class (start offsets)."""
        own = {frame.intervention, *frame.intervention_classes}
        spans = [a for a, _b, _s, g in self.table.find(text) if g in own]
        spans += [a for a, _b, _s, c in find_classes(text) if c in own]
        spans += [a for a, _b, _s, n in find_interventions(text) if n == frame.intervention]
        return spans

    def _tried_first(self, item: _Item, frame: QuestionFrame) -> bool:
        """Does the statement's "when ... not tolerated / ineffective" clause name the intervention
        itself ("When high-intensity statin therapy is not tolerated, moderate-intensity statin
        therapy is used instead", asked of a statin)? Then what it puts second is another form of
        the intervention or another drug; it does not place the intervention after other options."""
        if not frame.intervention or "second_line" not in item.claim.relations:
            return False
        text = item.sent.text
        clauses = [m.span() for m in _FAILED_FIRST.finditer(text)]
        return any(a <= at < b for at in self._intervention_at(text, frame) for a, b in clauses)

    def _names_other_treatments(self, item: _Item, frame: QuestionFrame) -> bool:
        """Does the statement name a drug or drug class other than the intervention and its classes?"""
        own = {frame.intervention, *frame.intervention_classes, *therapeutic_classes(self.table, frame.intervention or "")}
        return bool((item.claim.drugs - item.claim.kin_only - own) or (item.claim.classes - own))

    def _treated_conditions(self, frame: QuestionFrame, items: list[_Item]) -> frozenset[str]:
        """The patient's conditions the library gives the intervention for: named by a retrieved
        statement of the intervention (or its class) that recommends it or states its indication
        ("anakinra is approved for ... rheumatoid arthritis"). What the drug is given for is not a
        risk factor of giving it."""
        own = set(frame.conditions)
        out: set[str] = set()
        for item in items:
            if item.about >= CLASS_ABOUT and (item.claim.direction == "for" or "indication" in item.claim.relations) and not item.claim.relations & AGAINST_DOING:
                out |= item.claim.conditions & own
        return frozenset(out)

    def _age_verdict(self, plan: _Plan, frame: QuestionFrame, items: list[_Item]) -> bool:
        """ "Is Glucophage XR OK for a 15-year-old?": for a child of stated age, the ages the
        intervention is labelled for decide (:func:`~curbside.qa.claims.labelled_ages`): "labelled
        for adults only" is no, "indicated for ... children aged 4 years and older" for a 6-year-old
        yes. When the question names a release form, only a clause about that form decides; when it
        names none, a clause that names none or the immediate-release form. The statement leads the answer. False when no
        retrieved labelling statement of the intervention states an age."""
        age = find_age(plan.question)
        if not frame.intervention or age is None or age >= ADULT_YEARS:
            return False
        form = release_form(plan.question)
        for item in sorted(items, key=lambda i: -i.score):
            if item.about < CLASS_ABOUT or self._not_for_verdict(item, frame):
                continue
            if frame.conditions and item.claim.conditions and not item.claim.conditions & set(frame.conditions):
                continue  # labelled for another condition than the patient's
            # a product named without a form is the plain (immediate-release) one
            clauses = [c for c in labelled_ages(item.sent.text) if c.form == form or (form is None and c.form == "immediate")]
            if not clauses:
                continue
            x = _display(frame.intervention) if form is None else f"{form}-release {_display(frame.intervention)}"
            plan.decision_items = [item]
            if any(c.covers(age) for c in clauses):
                plan.decision, plan.decision_text = "yes", f"Yes: {x} is labelled for patients of this age ({age} years)."
            else:
                plan.decision, plan.decision_text = "no", f"No: {x} is not labelled for patients of this age ({age} years)."
            _lead_with(plan, item)
            return True
        return False

    def _preference_verdict(self, plan: _Plan, frame: QuestionFrame, items: list[_Item]) -> bool:
        """ "Start Uloric rather than allopurinol?": the library's stated preference between the
        two decides, read from the best-matching statement that names one as the first choice
        ("recommends allopurinol as the preferred first-line ULT": no) or puts one over the other
        ("recommends X over Y"). The statement leads the answer. False when none does."""
        x, y = frame.intervention, frame.comparator
        if not (frame.yes_no and x and y and frame.intent in ("choice", "comparison", "safety", "indication")):
            return False

        def names(text: str, name: str) -> bool:  # the drug by any of its names, or the class
            return mentions(text, self.table.names_of(name)) or any(k == name for *_, k in find_classes(text))

        for item in sorted(items, key=lambda i: -(i.attr + i.sim)):
            c = item.claim
            if c.direction != "for" or self._not_for_verdict(item, frame):
                continue
            text = item.sent.text
            has_x, has_y = names(text, x), names(text, y)
            decision = None
            over = _OVER.search(text)
            if over and has_x and has_y:
                before = text[: over.start()]
                if names(before, x) and not names(before, y):
                    decision = "yes"
                elif names(before, y) and not names(before, x):
                    decision = "no"
            elif "first_line" in c.relations and has_x != has_y:
                decision = "yes" if has_x else "no"
            if decision is None:
                continue
            plan.decision, plan.decision_items = decision, [item]
            first, second = (x, y) if decision == "yes" else (y, x)
            plan.decision_text = f"{decision.capitalize()}: the library prefers {_display(first)} to {_display(second)} here."
            _lead_with(plan, item)
            return True
        return False

    def _unchanged_here(self, plan: _Plan, frame: QuestionFrame, polarity: str) -> bool:
        """Does the bottom line say the usual dose stands at this patient's kidney function? A
        "can I give it (at the usual dose)?" question whose bottom line states no dose change for a
        kidney-function range that includes the value the question gives, for the phase asked."""
        bottom = plan.bottom
        kidney = renal_value(plan.question)
        if bottom is None or kidney is None or polarity != "do" or frame.asked_attribute not in ("dose", "renal dose"):
            return False
        c = bottom.claim
        if "no_change" not in c.relations or "dose_change" in c.relations or c.direction == "against" or not c.covers_renal(kidney):
            return False
        phase = question_phase(plan.question, frame.intervention) or frame.phase
        return not (phase and c.phases - {"treatment"} and phase not in c.phases)

    def _polar_verdict(self, polarity: str, plan: _Plan, frame: QuestionFrame, items: list[_Item]) -> bool:
        """The verdict of a question whose "yes" is not "give it" (:func:`~curbside.qa.plan.yes_no_polarity`),
        from the bottom line and the rationale, read in that order; False when none of them settles it.

        ``stop``: a statement for the drug or for keeping it going is a no, one against it for this
        patient a yes, a dose change or caution a conditional. ``exists``: a statement of the effect,
        interaction or contraindication asked about is a yes, one denying it a no. ``adjust``: "no
        dose adjustment" is a no (a stated dose change is left to the general reading).
        """
        x = frame.intervention or "this"
        candidates = _verdict_basis(plan)
        if polarity in ("differs", "same"):
            return self._comparison_verdict(polarity, plan, frame, [*candidates, *plan.sections.get("evidence", [])])
        if polarity == "exists" and plan.bottom is not None and plan.bottom.kind == "research":
            return False  # what studies found is read study by study, disagreements noticed (the general reading)
        for item in candidates:
            if item.about == 0 and frame.intervention is not None:
                continue
            if self._not_for_verdict(item, frame) and polarity != "exists":
                continue
            c = item.claim
            decision, text = None, ""
            if polarity == "stop":
                met = _rule_met(item, frame, _QUESTION.get())
                direction = "against" if met and _STOPPING.search(item.sent.text) else c.direction  # a stopping rule this patient meets
                if met and direction != "against" and "continue" not in c.relations:
                    # "for a patient whose eGFR falls below 45, the benefits and risks of continuing
                    # should be reassessed": a condition on keeping it going that this patient meets
                    decision, text = "conditional", f"Conditional: the library sets a condition on keeping {x} going that applies here."
                elif "continue" in c.relations or direction == "for":
                    decision, text = "no", f"No: the library advises keeping {x} going here."
                elif direction == "against" and self._scope(item, frame) != UNSTATED:
                    decision, text = "yes", f"Yes: the library advises against {x} here."
                elif direction in ("against", "conditional"):
                    decision, text = "conditional", f"Conditional: the library states when {x} is stopped or changed."
            elif polarity == "keep" and _says_of_stopping(item):
                # "can he keep taking it?": "stop" turned round, read from what is said of stopping
                # or keeping it going: a stopping rule this patient meets is a no ("should be
                # stopped if calciphylaxis is diagnosed"); any other danger is left to the general
                # reading and its sweep (taking every avoidance in scope as a no raised false alarms
                # on pairs the library calls safe)
                met = _rule_met(item, frame, _QUESTION.get())
                if "continue" in c.relations:  # "need not be stopped if a gout flare occurs"
                    decision, text = "yes", f"Yes: the library advises keeping {x} going here."
                elif met and _STOPPING.search(item.sent.text):
                    decision, text = "no", f"No: the library advises stopping {x} here."
                elif met:
                    # "for a patient whose eGFR falls below 45, the benefits and risks of continuing
                    # should be reassessed": a condition on keeping it going that this patient meets
                    decision, text = "conditional", f"Conditional: the library sets a condition on keeping {x} going that applies here."
                elif c.direction == "for":
                    decision, text = "yes", f"Yes: the library advises keeping {x} going here."
                elif c.direction == "conditional":
                    decision, text = "conditional", f"Conditional: the library states when {x} is stopped or changed."
            elif polarity == "exists" and item.kind != "research":
                denied = c.relations & {"result", "adverse"} and not c.relations & _EFFECT_STATED - {"result", "adverse"} and _NEG_RESULT.search(item.sent.text)
                if "no_change" in c.relations or denied:
                    # "no dose adjustment", "was not associated with": the effect asked about is denied
                    decision, text = "no", f"No: the library states no such effect of {x}."
                elif c.relations & _EFFECT_STATED:
                    decision, text = "yes", f"Yes: the library states it for {x}."
            elif polarity == "applies" and _COHORT.search(item.sent.text) and self._names_patient(item, frame):
                if _LEFT_OUT.search(item.sent.text):
                    decision, text = "no", "No: the cited source left out patients like this one."
                else:
                    decision, text = "yes", "Yes: the cited source included patients like this one."
            elif polarity == "adjust" and "no_change" in c.relations and "dose_change" not in c.relations:
                decision, text = "no", f"No: the library states no {x} dose change here."
            elif polarity == "adjust" and "dose_change" in c.relations and item.finding is not None and item.finding.partner in {*frame.current_medications, x}:
                # "on Eliquis 5 bid, needs ketoconazole - adjust?" -- "the apixaban dose is cut by
                # half": the sweep's dose change for this pair says a change is needed
                decision, text = "yes", "Yes, a change is needed: the library states a dose change for this combination."
            if decision:
                plan.decision, plan.decision_text, plan.decision_items = decision, text, [item]
                return True
        return False

    def _comparison_verdict(self, polarity: str, plan: _Plan, frame: QuestionFrame, candidates: list[_Item]) -> bool:
        """The verdict of "is X better than Y?" (``differs``) or "is X as good as Y?" (``same``) from
        the first cited finding that compares them: no difference found ("did not show anakinra to
        be superior", "have not been shown to be more effective") answers ``differs`` no and
        ``same`` yes; a difference found ("more often with canakinumab than with triamcinolone")
        answers ``differs`` yes (``same`` is left to the general reading: "better" still is "as
        good"). A trial's design ("designed to show superiority") and a comparison with placebo
        the question does not make are not findings about the comparison asked."""
        question = plan.question.lower()
        x = frame.intervention or "this"

        def off_point(item: _Item) -> bool:
            text = item.sent.text
            return bool(_TRIAL_DESIGN.search(text)) or ("placebo" in text.lower() and "placebo" not in question)

        def settle(item: _Item, decision: str, text: str) -> bool:
            plan.decision, plan.decision_text, plan.decision_items = decision, text, [item]
            if plan.bottom is not None and item is not plan.bottom and off_point(plan.bottom):
                # the finding answers the question; how the trial was built, or how a drug did
                # against placebo, does not: the finding leads, and the design is not shown
                _lead_with(plan, item, keep_replaced=False)
            return True

        for item in candidates:
            if item.about == 0 and frame.intervention is not None:
                continue
            if off_point(item):
                continue
            text = item.sent.text
            if _NO_DIFFERENCE.search(text):
                if polarity == "differs":
                    return settle(item, "no", f"No: the cited evidence found {x} no better than its comparator.")
                return settle(item, "yes", f"Yes: the cited evidence found no difference between {x} and its comparator.")
            if polarity == "differs" and _A_DIFFERENCE.search(text):
                return settle(item, "yes", f"Yes: the cited evidence found a difference between {x} and its comparator.")
        return False

    def _names_patient(self, item: _Item, frame: QuestionFrame) -> bool:
        """Does the sentence name one of the patient's conditions or groups (or, with none given, any)?"""
        traits = [*frame.conditions, *frame.population]
        if not traits:
            return True
        return bool(set(frame.conditions) & item.claim.conditions or set(frame.population) & item.claim.populations)

    def _reacted_as_stated(self, item: _Item, frame: QuestionFrame, question: str) -> bool:
        """The statement is about patients who reacted to the intervention ("a patient who has had
        a severe reaction to allopurinol should not be restarted") and the question says this
        patient did ("had DRESS on allopurinol"): its scope is this patient's, not a precondition."""
        if frame.intervention is None or not _AFTER_A_REACTION.search(item.sent.text):
            return False
        return self._reacted_to(question, frame.intervention)

    def _reacted_to(self, question: str, drug: str) -> bool:
        """Does the question say the patient reacted to ``drug``, under any of its names?"""
        return any(reacted_to(question, a) for a, _b, _s, generic in self.table.find(question) if generic == drug)

    def _asked_words(self, question: str, frame: QuestionFrame) -> frozenset[str]:
        """Stems of what a yes/no question asks ("need", "calculator", "apply"): its content words
        less the names of the drugs it mentions."""
        names = [frame.intervention or "", *frame.current_medications]
        drug_words = {w for n in names if n for alias in self.table.names_of(n)[:6] for w in stems(alias)}
        # the patient's conditions are their story, not the ask ("in the middle of a gout attack,
        # carry on with Zyloprim?" is not denied by "allopurinol does not treat a gout attack")
        story = {w for c in [*frame.conditions, frame.indication or ""] if c for w in stems(c)}
        # what the question itself negates describes the patient ("not immunosuppressed", "no
        # diabetes"): a source that negates it too ("only if they are not immunosuppressed",
        # "whether or not they have diabetes") agrees with the story, it does not deny the ask
        denied = _negated_stems(question)
        return frozenset(set(stems(question)) - drug_words - story - denied - _GENERIC_WORDS - _NEGATION_STEMS)

    def _disagreement(self, plan: _Plan, frame: QuestionFrame) -> list[_Item]:
        """Cited statements for this patient that take opposite sides (one for, one against),
        ordered by the standing of their source and then by date, newest first; empty when the
        cited statements agree."""
        if frame.intervention is None:
            return []  # with no intervention, statements about different things take no sides of one question
        cited = [*([plan.bottom] if plan.bottom else []), *plan.sections.get("rationale", []), *plan.sections.get("risks", [])]
        sides: dict[str, list[_Item]] = {"for": [], "against": []}
        # with no patient described, every cited finding speaks to the question as asked
        others = {g for *_, g in self.table.find(plan.question)} - {frame.intervention, frame.comparator, *frame.options}
        described = bool(others or frame.current_medications or frame.conditions or frame.population or frame.implied_population or frame.qualifier)
        for item in dict.fromkeys(cited):
            if self._not_for_verdict(item, frame) or (frame.intervention is not None and item.about < CLASS_ABOUT):
                continue  # a statement about another drug, or about the class with other drugs named, takes no side
            if described and self._scope(item, frame) != APPLIES:
                continue  # "should not be started alone in patients with HIT": a group this patient is not said to be in
            stance = _stance(item, frame)
            if stance in sides:
                sides[stance].append(item)
        if not (sides["for"] and sides["against"]):
            return []
        if len({i.passage.document.doc_id for i in sides["for"] + sides["against"]}) < 2:
            return []  # one source qualifying itself ("X is recommended ... X should be avoided when ...")
        return sorted(sides["for"] + sides["against"], key=lambda i: (-i.features.get("authority", 0.3), -(i.passage.document.year or 0)))

    # -- rendering into the Answer ---------------------------------------------------------------

    def _render(self, answer: Answer, plan: _Plan, frame: QuestionFrame) -> Answer:
        refs: dict[str, Reference] = {}

        def cite(item: _Item) -> Statement:
            return _cite(item, refs)

        statements: dict[int, Statement] = {}
        statements_items: list[_Item] = []

        def statement(item: _Item) -> Statement:
            if id(item) not in statements:
                statements[id(item)] = cite(item)
                statements_items.append(item)
            return statements[id(item)]

        if plan.decision_items:
            for item in plan.decision_items:
                statement(item)  # number the verdict's sources first
        if plan.bottom:
            answer.bottom_line = statement(plan.bottom)
        order = INTENT_SECTIONS.get(frame.intent, INTENT_SECTIONS["other"])
        names = ["risks", *[n for n in order if n != "risks"]] if plan.sections.get("risks") and any(i.finding for i in plan.sections["risks"]) else list(order)
        for name in names:
            items = plan.sections.get(name) or []
            if items:
                answer.sections.append(Section(name=name, title=SECTION_TITLES[name], statements=[statement(i) for i in items]))
        if plan.decision:
            answer.decision = plan.decision
            answer.decision_text = plan.decision_text
            answer.decision_citations = [c for i in plan.decision_items for c in statement(i).citations]
        answer.references = list(refs.values())
        carried = {p.chunk.chunk_id for p in answer.passages}
        for item in statements_items:
            if item.passage.chunk.chunk_id not in carried:  # e.g. the sweep of a rejected alternative
                carried.add(item.passage.chunk.chunk_id)
                answer.passages.append(item.passage)
        answer.coverage = "full"
        answer.evidence_notes = self._notes(answer, frame)
        if plan.disagreement:
            sides = []
            for item in plan.disagreement:
                st = statement(item)
                ref = next(r for r in answer.references if r.number == st.citations[0].ref) if st.citations else None
                who = f"{ref.label.lower()}{f' ({ref.year})' if ref and ref.year else ''}" if ref else "a source"
                side = "for" if _stance(item, frame) == "for" else "against"
                sides.append(f"{who} [{st.citations[0].ref}] {side}")
            answer.evidence_notes.insert(0, "The cited sources disagree: " + "; ".join(dict.fromkeys(sides))
                                         + ". They are listed by the standing of the source, then by date; the verdict follows the first.")
        if plan.rejected:
            why = []
            for agent, finding in plan.rejected.items():
                key = (finding.passage.chunk.chunk_id, finding.sentence.start)
                st = next((statements[id(i)] for i in statements_items if (i.passage.chunk.chunk_id, i.sent.start) == key), None)
                marks = "".join(f"[{c.ref}]" for c in st.citations) if st else ""
                why.append(f"{_display(agent)} ({_RELATION_WORDS.get(finding.relation, finding.relation)} for this patient {marks})".replace(" )", ")"))
            answer.evidence_notes.insert(0, "Not offered as alternatives: " + "; ".join(why) + ".")
        return answer

    def _notes(self, answer: Answer, frame: QuestionFrame) -> list[str]:
        notes = []
        kinds: dict[str, int] = {}
        for ref in answer.references:
            kinds[ref.label] = kinds.get(ref.label, 0) + 1
        if kinds:
            notes.append("Cited sources: " + ", ".join(f"{n} {_plural(k.lower(), n)}" for k, n in kinds.items()) + ".")
        analysis = answer.analysis
        if frame.intervention and frame.intervention_classes and answer.bottom_line is not None:
            bottom_text = answer.bottom_line.text.lower()
            if not mentions(bottom_text, self.table.names_of(frame.intervention)):
                notes.append(f"{frame.intervention.capitalize()} is {_article(frame.intervention_classes[0])} {frame.intervention_classes[0]}; the sources speak of the class.")
        text = "\n".join(p.chunk.embed_text for p in answer.passages)
        for drug in frame.current_medications:
            if not mentions(text, self.table.names_of(drug)):
                classes = classes_of(self.table, drug)
                if classes:
                    notes.append(f"{drug.capitalize()} is read as {_article(classes[0])} {classes[0]}.")
                else:
                    notes.append(f"No retrieved passage mentions {drug}; its interactions were not checked.")
        if frame.implied_population and frame.current_medications:
            notes.append(f"On {' and '.join(frame.current_medications)}: read as a {' and '.join(frame.implied_population)} recipient, so statements about that group were considered.")
        if analysis is not None and analysis.replacements:
            notes.append("Read " + ", ".join(f"{a} as {g}" for a, g in analysis.replacements.items()) + ".")
        if not any(r.kind == "guideline" for r in answer.references):
            notes.append("No guideline among the cited sources; weigh the evidence accordingly.")
        return notes

    def _partial(self, answer: Answer, frame: QuestionFrame, about: list[_Item], risks: Sequence[_Item] = ()) -> Answer:
        """The intervention is covered but not what was asked: say so, then what the safety sweep
        found for this patient (``risks``: a caution or dose change the library states is shown even
        when it does not answer the question), then the closest statements."""
        reason = not_stated(frame)
        if not risks:  # every route to a partial answer shows the sweep's findings among what it read
            risks = [i for i in about if i.finding and not self._warns_of_another_drug(i, frame)]
        left_out = self._left_out(answer.question, frame, about)
        said = ""
        if left_out is not None:
            # the source on it says it leaves this out: say so, in its own words, and show that first
            doc, said = left_out
            reason += f' {doc.title} says it leaves this out: "{said}"'
        closest = [i for i in sorted(about, key=lambda i: (" ".join(i.sent.text.split()) != said, -(i.attr + i.sim))) if i not in risks][:3]
        answer = self._abstain(answer, reason, [frame.asked()], coverage="partial")
        refs: dict[str, Reference] = {}
        warned = [_cite(item, refs) for item in risks]
        statements = [_cite(item, refs) for item in closest]
        sections = [Section(name="risks", title=SECTION_TITLES["risks"], statements=warned)] if warned else []
        if statements:
            sections.append(Section(name="closest", title=SECTION_TITLES["closest"], statements=statements))
        if sections:
            answer.sections = sections
            answer.references = list(refs.values())
        if frame.yes_no:
            answer.decision = "insufficient"
            answer.decision_text = "Insufficient: " + reason[0].lower() + reason[1:]
        return answer

    def _abstain(self, answer: Answer, reason: str, missing: list[str], *, coverage: str = "none") -> Answer:
        answer.abstained = True
        answer.abstention_reason = reason
        answer.missing = missing
        answer.coverage = coverage
        answer.evidence_notes = [
            "Closest passages are listed for reference only; they are not a recommendation."
        ] if answer.passages else []
        return answer


_GENERIC_WORDS = frozenset(stems(
    "patient patients dose doses safe start starting give use used take taking drug drugs treatment therapy "
    "year old man woman male female someone can should would could need needs ok okay fine what which how "
    "when who about also already now still just really usual best options option"
))


BACKGROUND_CONDITIONS = frozenset({
    "chronic kidney disease", "end-stage kidney disease", "liver disease", "kidney transplant",
    "liver transplant", "heart transplant", "lung transplant", "solid organ transplant",
})
"""Conditions that say whom a statement is about rather than what it treats: "a dialysis patient
gets a single 0.6 mg dose" is a gout-flare dose for a patient on dialysis."""
CLASS_ABOUT = 0.8
"""``_Item.about`` of a sentence naming the intervention's class with no other drug (1.0: the
intervention itself); lower values mention the class beside other drugs."""
HEADING_ABOUT = CLASS_ABOUT
"""A sentence naming no drug under a heading that names the intervention is about it by context, as
a reader takes it, like one naming its class; it stays below one naming the drug itself."""
PURPOSE_ABOUT = CLASS_ABOUT
"""A target the sources set for treating a condition, for a target question whose intervention is the
therapy that pursues it rather than a drug: about that therapy, as a class mention is."""
CATEGORY_ABOUT = 0.4
"""``_Item.about`` of a sentence naming only the intervention's therapeutic category (a biologic, an
immunosuppressant: ``BROAD_CLASSES``), as low as a class named beside other drugs: it grounds an
answer when nothing closer does, and ranks below the drug's own statements."""
DISQUALIFIED = 0.35
"""``attribute_match`` at or below which a sentence that states the asked relation states it for
another phase, population or kidney function (``plan.attribute_match``: 0.35 relation without the
population, 0 a dose of another phase, x0.2 outside the stated renal range)."""


def _stop_rule_met(text: str, frame: QuestionFrame, question: str | None) -> bool | None:
    """Does the patient meet the sentence's stopping rule ("stop at the first appearance of skin
    rash", "should be stopped if calciphylaxis is diagnosed")? None when it states no rule or its
    trigger is a value ("if the eGFR falls below 30"); True when the patient has a condition its
    trigger names or the question names what the trigger is ("now a widespread rash"); False
    otherwise."""
    trigger = stopping_rule_trigger(text)
    if trigger is None:
        return None
    if stopping_rule_conditions(text) & set(frame.conditions):
        return True
    if re.search(r"\d|\b(?:rises?|falls?|above|below|exceeds?|drops?)\b", trigger, re.I):
        return None  # "if potassium rises above 5.5": a value, read by the claims' ranges, not by the question's words
    said = {w for w in re.findall(r"[a-z]+", (question or "").lower()) if len(w) >= TRIGGER_WORD_MIN}
    named = {w for w in re.findall(r"[a-z]+", trigger.lower()) if len(w) >= TRIGGER_WORD_MIN} - _TRIGGER_FILLER
    return bool(said & named)


_INITIATION = re.compile(r"\b(?:start(?:s|ing|ed)?|initiat\w*|begin(?:s|ning)?|commenc\w*)\b", re.I)


def _restricts_starting(text: str) -> bool:
    """A restriction on starting a drug alone ("Starting metformin is not recommended when the eGFR
    is between 30 and 45"; "should not be initiated in ..."): it does not bear on whether a patient
    already taking it keeps it going, which a sentence naming stopping or continuing would."""
    return bool(_INITIATION.search(text)) and not (_STOPPING.search(text) or _CONTINUING.search(text))


def _rule_met(item: _Item, frame: QuestionFrame, question: str | None) -> bool | None:
    """:func:`_stop_rule_met`, with a rule on stopping or keeping a drug going whose trigger is a
    kidney-function value ("should be stopped if the eGFR falls below 30"; "for a patient ... whose
    eGFR falls below 45, the benefits and risks of continuing should be reassessed") read from the
    claim's range against the patient's stated value: met when the value is in it, not met when
    outside, None when the question states none."""
    text = item.sent.text
    met = _stop_rule_met(text, frame, question)
    if met is not None or not item.claim.renal_ranges:
        return met
    trigger = stopping_rule_trigger(text)
    # the value must be the rule's trigger ("stopped if the eGFR falls below 30") or the condition
    # of keeping it going; a range that only says whom a rule with another trigger is for ("stopped
    # before an iodinated contrast procedure in patients with an eGFR between 30 and 60") is not
    by_value = (trigger is not None and bool(re.search(r"\d", trigger))) or (
        trigger is None and not _STOPPING.search(text) and bool(_CONTINUING.search(text))
    )
    value = patient_renal_value(frame, question) if by_value else None
    return None if value is None else item.claim.covers_renal(value)


TRIGGER_WORD_MIN = 4
"""Words a question must share with a stopping rule's trigger to meet it have this many letters or
more ("rash", "fever", "jaundice"), as restriction words are read by the sweep."""
_TRIGGER_FILLER = frozenset({
    "first", "appearance", "sign", "signs", "onset", "other", "any", "diagnosed", "develops", "develop",
    "occurs", "occur", "suspected", "confirmed", "patient", "patients", "reaction", "reactions", "there", "with",
    "that", "this", "than", "more", "less", "level", "levels",
})
"""Words of a trigger that name no event ("at the first appearance of", "is diagnosed")."""
_CHOOSES_A_TREATMENT = frozenset({"alternatives", "first-line choice", "prophylaxis"})
"""Asked attributes answered by naming a treatment: with no intervention asked about, one the
question rules out (failed, not tolerated, allergic to) is not the answer."""
_PREAMBLE = re.compile(r"^\s*(?:if|when|whenever|in|for|among|after|despite|unless|although|while|once|where)\b[^,;]{0,160},\s*", re.I)
"""A sentence's opening clause that sets whom or when it applies to ("If colchicine is not
tolerated, ...", "In very-high-risk patients whose LDL-C stays at 70 mg/dL on the maximally tolerated
statin, ..."): what the sentence offers comes after it."""


def _disqualified(item: _Item, frame: QuestionFrame) -> bool:
    """A sentence that may never be the bottom line, however it scores: one about another
    population than the asked attribute's, or stating the asked relation for another phase,
    population or kidney function ("doses keep their phase and population", issue 19)."""
    plan = ATTRIBUTE_PLANS.get(frame.asked_attribute, ATTRIBUTE_PLANS["safety"])
    c = item.claim
    if plan.population == "ckd" and not c.populations & {"ckd", "dialysis"}:
        return True
    if plan.population and plan.population != "ckd" and plan.population not in c.populations:
        return True
    return bool(c.relations & plan.relations) and item.attr <= DISQUALIFIED


_SCOPE_EXCLUSION = re.compile(
    r"\bleaves?\s+out\b|\bdoes\s+not\s+(?:cover|address|apply\s+to|include)\b|\bdid\s+not\s+(?:include|enrol\w*|study)\b|"
    r"\bnot\s+covered\b|\bexclud(?:es|ed)\b|\bcovers\b[^.]{0,120}\bwho\s+are\s+not\b|\boutside\s+(?:its|the|this)\s+scope",
    re.I,
)
"""How a document says whom it leaves out (its scope), as the bundled digests and guidelines word it."""
SCOPE_GROUPS = frozenset({"child", "pregnancy", "lactation", "older adult", "transplant", "immunocompromised"})
"""The groups a source's scope statement can leave out for a patient: special populations, not the
disease the source is about ("leaves out CKD in children" leaves out children, not CKD)."""
_OMISSION = re.compile(
    r"\b(?:leaves?\s+out|omits|does\s+not\s+(?:give|cover|include|restate))\s+(?P<after>[^.;]+)"
    r"|(?P<before>[^.;]+?)\s+(?:is|are)\s+not\s+(?:(?:given|included|stated)\s+here|restated)\b",
    re.I,
)
"""How a document says what of its source it leaves out ("This digest leaves out the label's numeric
doses", "does not give drug doses or the organ-by-organ durations", "The dose and duration of
pivmecillinam are not restated here"). A passive form counts only with "here" (or "restated"): "when
prophylaxis is not given" describes patients, not the document."""
_DESCRIBES_SOURCE = re.compile(
    r"^\W*(?:[\w()&,.'-]+\s+){0,10}?(?:digest|summary|guidelines?|document|report|section|chapter|review|article|"
    r"statement|standards?(?:\s+of\s+care)?|algorithm|recommendations|label(?:ling)?|update)\s+"
    r"(?:(?:[\w-]+\s+){0,8}?)?(?:covers|summari[sz]es|includes\s+(?:\w+\s+)?recommendations|contains\s+\d+\s+recommendations|"
    r"provides\s+(?:an?\s+)?(?:[\w-]+\s+){0,3}(?:algorithm|recommendations|guidance)|is\s+written\s+for|"
    r"(?:is|are)\s+(?:intended|meant)\s+for|addresses|describes\s+(?:the\s+)?(?:recommendations|evidence|scope))\b",
    re.I,
)
"""How a document says what it is and covers ("This digest covers the 2020 ACR recommendations on
...", "Section 9 of the ADA Standards of Care covers glucose-lowering drugs", "The 2015 ACR guideline
includes recommendations on screening ...", "The tuberculosis algorithm is written for patients
with rheumatoid arthritis starting biologic agents"): its subject is the source itself and its verb
says what the source contains, so it states nothing about a patient or a treatment."""


def _tells_what_is_left_out(item: _Item) -> bool:
    """A sentence in which a document says what it leaves out ("This digest leaves out the label's
    numeric trough target ranges"), or what it covers (:data:`_DESCRIBES_SOURCE`), is about the
    document, never an answer, whatever its words are tagged with ("target", "dose"); it is shown
    among the closest statements of a partial answer."""
    return bool(_OMISSION.search(item.sent.text) or _DESCRIBES_SOURCE.search(item.sent.text))


def _omitted_kinds(frame: QuestionFrame, question: str) -> frozenset[str]:
    """The kinds of omission (``OMITTED_KINDS``) that leave out what the frame asks: a dose only
    when the question asks for the amount (an omitted dose table does not leave out "reduce the
    dose"), a renal dose for a dose at a kidney function."""
    asked = frame.asked_attribute
    value = _asks_for_value(frame, question)
    if asked == "dose":
        return frozenset({"dose"}) if value else frozenset()
    if asked == "renal dose":
        return frozenset({"renal dose", "dose"}) if value else frozenset({"renal dose"})
    return frozenset({asked}) & {kind for kind, _ in OMITTED_KINDS}


_OMITTED_ITEM = re.compile(r",|;|\band\b|\bor\b|\bnor\b|\(|\)", re.I)
OMITTED_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("renal dose", re.compile(r"\b(?:renal|kidney|creatinine)\b.*\b(?:dos|adjust|reduc)|\b(?:dos|adjust)\w*\b.*\b(?:renal|kidney|creatinine)\b", re.I)),
    ("dose", re.compile(r"\bdos(?:e|es|ing|age)\b|\btitrat\w*", re.I)),
    ("target", re.compile(r"\btargets?\b|\bgoals?\b|\bthresholds?\b|\branges?\b", re.I)),
    ("duration", re.compile(r"\bdurations?\b", re.I)),
    ("monitoring", re.compile(r"\bmonitoring\b", re.I)),
    ("timing", re.compile(r"\bwaiting\s+period", re.I)),
    ("vaccination", re.compile(r"\bvaccin\w*", re.I)),
)
"""What an item of a document's list of omissions is, checked in this order: a dose tied to kidney
function is a renal dose ("the renal dose adjustments", "the exact creatinine thresholds for dose
reduction"); any other dose, dosing table or titration is a dose ("target doses of each drug" is a
dose, not a target); then a target, goal, threshold or range; a duration; monitoring; a waiting
period (when to give); vaccination. Each is the asked attribute of the same name."""


def omitted_items(statement: str, table: AliasTable) -> list[tuple[str, frozenset[str]]]:
    """What a document's omission statement says it leaves out: (kind, drugs and classes named)
    per list item. An item naming no drug is about the drugs the whole list names ("The dose and
    duration of pivmecillinam", "specific colchicine, allopurinol, or azathioprine doses"), and a
    list naming none is about every drug of the document ("the label's numeric doses"). Only drugs
    named count: leaving out azathioprine doses is not leaving out those of its active form."""
    out: list[tuple[str, frozenset[str]]] = []
    for m in _OMISSION.finditer(statement):
        clause = m.group("after") or m.group("before") or ""
        whole = tag(clause, table)
        pending: frozenset[str] = frozenset()  # drugs listed before the item that names the kind
        for piece in _OMITTED_ITEM.split(clause):
            c = tag(piece, table)
            kind = next((k for k, pattern in OMITTED_KINDS if pattern.search(piece)), None)
            if kind is None:
                pending |= c.drugs - c.kin_only | c.classes
                continue
            named = c.drugs - c.kin_only | c.classes
            out.append((kind, named | pending if named else whole.drugs - whole.kin_only | whole.classes))
            pending = frozenset()
    return out


_IMMUNOCOMPROMISED = re.compile(r"\bimmuno(?:compromised|suppressed|deficien\w*)|\bimmunocompromise", re.I)
_OLDER_THAN = re.compile(r"\b(?:older\s+than|over|above)\s+(?:the\s+age\s+of\s+)?(\d{2,3})\b", re.I)
_YOUNGER_THAN = re.compile(r"\b(?:younger\s+than|under|below\s+the\s+age\s+of)\s+(\d{1,2})\b", re.I)


def _avoidance(claim: Claim) -> str | None:
    """The strongest advice-against relation a claim holds (contraindication, avoid, boxed), if any."""
    return next((r for r in ("contraindication", "avoid", "boxed") if r in claim.relations), None)


def _strongest_first(item: _Item) -> tuple[float, int]:
    """Order of warnings for the bottom line: the best-scoring, then the strongest finding."""
    return (-item.score, item.finding.strength if item.finding else 9)


_LIST_GAP = re.compile(r"^\s*(?:,\s*)?(?:(?:and|or|and/or)\s+)?$", re.I)
"""What separates two names of one list ("ciclosporin or clarithromycin", "rifampin, carbamazepine")."""


def _lead_with(plan: _Plan, item: _Item, *, keep_replaced: bool = True) -> None:
    """Make ``item``, the statement the verdict rests on, the bottom line. The one it replaces
    opens the rationale, so both stay cited, unless ``keep_replaced`` is False (a trial's design
    that answered nothing)."""
    if plan.bottom is item:
        return
    for section in plan.sections.values():
        if item in section:
            section.remove(item)
    if plan.bottom is not None and keep_replaced:
        plan.sections.setdefault("rationale", []).insert(0, plan.bottom)
    plan.bottom = item


def _verdict_basis(plan: _Plan) -> list[_Item]:
    """The statements a verdict is read from, in order: the bottom line, then the rationale."""
    return [*([plan.bottom] if plan.bottom else []), *plan.sections.get("rationale", [])]


_OF_STOPPING = ("stop", "keep")
"""Polarities answered by what the library says of stopping, holding or keeping a drug going."""


def _says_of_stopping(item: _Item) -> bool:
    """Does the sentence say whether to stop, hold or keep the drug going?"""
    return "continue" in item.claim.relations or bool(_STOPPING.search(item.sent.text) or _CONTINUING.search(item.sent.text))


def _procedures_in(item: _Item) -> set[str]:
    """The non-drug interventions (devices, tests, procedures) the sentence names, read once."""
    key = ("procedures", 0)
    if key not in item.memo:
        item.memo[key] = {name for *_, name in find_interventions(item.sent.text)}
    found = item.memo[key]
    assert isinstance(found, set)
    return found


_EFFECT = re.compile(r"\b(?:rais\w*|increas\w*|caus\w*|risk\s+of|lead\w*\s+to|associated\s+with|worsen\w*|induc\w*|higher\s+rate\s+of)\s+((?:[\w-]+\s+){0,5}[\w-]+)", re.I)
EFFECT_WORDS = 6
"""Words after an effect cue that name the effect ("raises ... infection risk", "an increased
incidence of serious infections"): the clause's object, within six words."""


def _effect_stems(text: str) -> set[str]:
    """Stems of what a sentence says something raises, causes or increases."""
    out: set[str] = set()
    for m in _EFFECT.finditer(text):
        out |= set(stems(" ".join(m.group(1).split()[:EFFECT_WORDS])))
    return out - _GENERIC_WORDS - _EFFECT_FILLER


_EFFECT_FILLER = frozenset(stems("risk rate incidence serious severe net state higher increased chance odds level levels concentration"))


def _limits_another_use(item: _Item, frame: QuestionFrame) -> bool:
    """A limitation of use for a purpose the question does not ask about ("colchicine is not an
    analgesic and should not be used to treat pain from other causes", asked whether it is fine with
    a Z-pack): against the drug *for that use*, it says nothing of its safety for this patient."""
    c = item.claim
    if c.direction != "against" or "indication" not in c.relations or frame.intent == "indication":
        return False
    patient = {*frame.conditions, *([frame.indication] if frame.indication else [])}
    if c.conditions & patient or c.populations & {*frame.population, *frame.implied_population}:
        return False
    return not item.features.get("terms")  # the question names none of its words ("for back pain?" does)


SHORTHAND: dict[str, str] = {
    "max": "maximum", "min": "minimum", "tx": "treatment", "dx": "diagnosis", "hx": "history",
    "sx": "symptoms", "abx": "antibiotics", "ppx": "prophylaxis", "wk": "week", "wks": "weeks",
    "yr": "year", "yrs": "years",
    "bid": "twice daily", "tid": "three times daily", "qd": "once daily", "prn": "as needed",
}
"""Clinicians' shorthand in a question, as the documents spell it ("max dose" is the label's "maximum
dose"): the question's words are compared with a sentence's after this spelling-out. Ambiguous
ones stay as written ("HR" is also a hazard ratio or heart rate, "mo" rarely a month)."""
_SHORTHAND_WORD = re.compile(r"(?<![\w/-])(" + "|".join(SHORTHAND) + r")(?![\w/-])", re.I)


def _question_stems(analysis: QueryAnalysis) -> frozenset[str]:
    drug_words = {w for d in analysis.drugs for w in stems(d)}
    text = _SHORTHAND_WORD.sub(lambda m: SHORTHAND[m.group(1).lower()], analysis.normalised)
    return frozenset(set(stems(text)) - drug_words - _GENERIC_WORDS)


def _cite(item: _Item, refs: dict[str, Reference]) -> Statement:
    """A sentence as a statement cited to its exact span; references numbered by first use."""
    doc = item.passage.document
    if doc.doc_id not in refs:
        refs[doc.doc_id] = Reference.from_document(len(refs) + 1, doc)
    ref = refs[doc.doc_id]
    if item.passage.chunk.chunk_id not in ref.chunk_ids:
        ref.chunk_ids.append(item.passage.chunk.chunk_id)
    return Statement(
        text=display_text(item.sent.text),
        citations=[Citation(ref=ref.number, chunk_id=item.passage.chunk.chunk_id, start=item.sent.start, end=item.sent.end, quote=item.sent.text)],
        supported=True,
    )


_RELATION_WORDS = {
    "contraindication": "contraindicated", "boxed": "boxed warning", "avoid": "advised against",
    "caution": "used with caution", "dose_change": "dose change needed",
}


def _display(name: str) -> str:
    """A class as an answer names it ("NSAID", "ACE inhibitor"); a drug as it is."""
    return DrugClasses.bundled().display(name) or name


def _plural(word: str, n: int) -> str:
    if n == 1:
        return word
    if word == "research":
        return "research sources"
    return word + "s"


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


_NO_DIFFERENCE = re.compile(
    r"\bnot\s+(?:been\s+)?(?:shown\s+)?(?:to\s+be\s+)?(?:superior|more\s+effective|better)\b|"
    r"\b(?:did|does|do)\s+not\s+(?:show|find|demonstrate|prove)\s+(?:[\w-]+\s+){0,4}?(?:to\s+be\s+)?(?:superior|superiority|more\s+effective|better|a\s+(?:significant\s+)?difference)\b|"
    r"\bno\s+(?:statistically\s+)?(?:significant\s+)?(?:difference|advantage)\b|\b(?:did|do|does)\s+not\s+differ\b|\bnot\s+(?:significantly\s+)?different\b|"
    r"\b(?:was|were|is|are|proved|proven)\s+non-?inferior\b|\bnon-?inferior\s+to\b|\bas\s+effective\s+as\b|\bcomparable\s+(?:efficacy|effectiveness|pain|results?|to)\b",
    re.I,
)
"""A comparison that found no difference (see :meth:`ExtractiveComposer._comparison_verdict`)."""
_A_DIFFERENCE = re.compile(
    r"\b(?:more|less)\s+(?:often|frequently|commonly|effective)\b|\b(?:higher|lower|greater)\s+(?:[\w-]+\s+){0,3}?than\b|"
    r"\bsuperior\s+to\b|\bbetter\s+than\b|\bsignificantly\s+(?:more|less|fewer|higher|lower|greater|better|reduced|increased)\b",
    re.I,
)
"""A comparison that found a difference (read after :data:`_NO_DIFFERENCE`, which "not superior to" also matches)."""
_TRIAL_DESIGN = re.compile(r"\b(?:non-?inferiority|superiority)\s+(?:trial|study|design)\b|\brandomi[sz]ed\s+\d+|\bdesigned\s+to\b|\baimed\s+to\b|\bto\s+(?:show|test|assess|determine)\s+(?:whether|superiority|non-?inferiority)\b|\bhypothes\w*|\bmargin\b", re.I)
"""How a trial was built, not what it found."""
_NEG_RESULT = re.compile(r"\b(?:did\s+not|does\s+not|do\s+not|no\s+(?:significant\s+)?(?:difference|association|effect|benefit|improvement|increase|reduction)|not\s+(?:associated|significant|superior|effective|improve)|failed\s+to|neither|nor|was\s+not|were\s+not|is\s+not|are\s+not|cannot|unlikely)\b", re.I)
_HEDGED_RESULT = re.compile(
    r"\b(?:unclear|uncertain\w*|inconclusive|remains?\s+to\s+be\s+(?:determined|established|clarified|seen)|not\s+(?:yet\s+)?clear|"
    r"conflicting|controversial|insufficient\s+evidence|no\s+(?:firm|definite)\s+conclusion|cannot\s+be\s+(?:determined|concluded)|"
    r"(?:may|might)\s+or\s+may\s+not|equivocal)\b",
    re.I,
)
"""Uncertainty that leaves a yes/no research question open ("maybe"). Ordinary hedges of a positive
finding ("these results suggest X may improve Y") are a yes, as PubMedQA's annotators read them."""


_AFFIRMS = frozenset({"adverse effects", "efficacy"})
_HARMS = frozenset({"adverse", "interaction", "exposure"})
"""Relations that state a harm (an adverse effect, an interaction, a change in a drug's levels): the
problem a "is it a problem?" question asks about, where a dose change or caution is a precaution."""
_TESTS = frozenset({"monitoring", "screening"})
"""Asked attributes whose act is a test, not the drug: sources for and against the drug take no
sides on whether to test."""
_ADVISES_TEST = re.compile(
    r"\b(?:advis\w*|recommend\w*|suggest\w*|calls?\s+for|instructs?)\b(?!\s+against)|"
    r"\b(?:should|must)\s+(?:be\s+|have\s+)?(?:\w+ly\s+)?(?:re)?(?:checked|monitored|tested|screened|measured|repeated|followed|done|performed|assessed|evaluated)\b",
    re.I,
)
"""Advice to do a test ("advises liver function evaluation", "should be rescreened every year"): for a
question whether to do it, a yes (conditional when said of patients the question does not place)."""
_EFFECT_STATED = frozenset({"adverse", "interaction", "dose_change", "caution", "contraindication", "avoid", "boxed", "result"})
"""Relations that state an effect, interaction or contraindication: a yes to "does X raise Y?",
"interaction?", "is that a contraindication?"."""


_DOSE_VALUE = re.compile(_DOSE_VALUE_PATTERN, re.I)
_GENERAL_RULE = re.compile(
    r"\b(?:as\s+a\s+(?:general\s+)?rule|in\s+general|generally|usually|routinely|typically|in\s+most\s+(?:patients|people|cases))\b", re.I
)
"""A rule stated as one with exceptions ("the ACR conditionally recommends against starting ULT as a
general rule"), unlike an absolute one ("must not be given to patients with a history of angioedema")."""
_EXCEPTION_MARK = re.compile(r"\b(?:an\s+exception|exceptions?\s+(?:are|is)|except(?:ion)?\s+(?:in|for|when|where))\b", re.I)
"""A statement that names itself an exception to a rule ("the ACR makes an exception after a first flare")."""
_PRECONDITION = re.compile(r"\b(?:when|if|for\s+whom|in\s+whom|who|whose|unless)\b", re.I)
"""Where a statement of who may get a later-line treatment turns to its precondition ("... when
colchicine, NSAIDs and glucocorticoids are ineffective")."""
_ADULTS_TOO = re.compile(r"\badults?\s+(?:or|and)\s+(?:adolescents|children|teenagers)\b|\b(?:adolescents|children)\s+(?:or|and)\s+adults\b", re.I)
"""A group of adults and children together ("adults or adolescents"): not a children-only statement."""
_AGAINST_BEFORE = re.compile(
    r"\bagainst\s+(?!stopp|discontinu|withdraw|withh|reduc|tapering)(?:(?:adding|starting|switching|using|giving|prescribing|initiating|routine|"
    r"the|a|an|or|to|use\s+of|treatment\s+with|therapy\s+with)\s+){1,5}$",
    re.I,
)
"""An "against" that governs the drug named next ("against adding or switching to fenofibrate");
not "against stopping" (which keeps a drug going)."""
AGAINST_REACH = 60
"""Characters before a mention in which its "against" must lie (the span of "against adding or
switching to"), short enough to stay in the mention's own coordinated clause."""
_NO_TREATMENT = re.compile(
    r"\b(?:surveillance|observation|watchful\s+waiting|watch\s+and\s+wait|serial\s+(?:[\w-]+\s+){0,2}imaging|no\s+(?:treatment|therapy|anticoagulation|antibiotics?))\b", re.I)
"""Options a source can prefer that treat nothing ("clinical surveillance is suggested over anticoagulation")."""
_ASKS_TO_TREAT = re.compile(r"\btreat(?:ment|ing)?\b|\banticoagulat\w*|\bantibiotics?\b", re.I)
"""A question that asks whether to treat at all ("treat?", "anticoagulate?"), naming no drug."""
_RECIPIENTS = re.compile(r"\brecipients?\b|\bafter\s+(?:solid\s+organ\s+)?transplant\w*", re.I)
"""Patients who have had a transplant, as a statement names them."""
_CANDIDATES = re.compile(r"\bcandidates?\b|\bbefore\s+(?:solid\s+organ\s+)?transplant\w*|\bwait(?:ing)?[\s-]?list", re.I)
"""Patients still awaiting one."""
_OVER = re.compile(r"\b(?:over|rather\s+than|in\s+preference\s+to|instead\s+of|ahead\s+of)\b", re.I)
"""A stated preference of one treatment to another ("recommends a DOAC over warfarin")."""
_FAILED_FIRST = re.compile(
    r"\b(?:when|if|in\s+(?:patients|people)\s+(?:in\s+)?whom)\s+(?:[\w-]+,?\s+){0,8}?(?:is\s+|are\s+)?(?:ineffective|not\s+tolerated|poorly\s+tolerated|"
    r"contraindicated|not\s+appropriate|inappropriate|fail\w*|inadequate)\b",
    re.I,
)
"""A later line's precondition up to the failure it names ("when colchicine, NSAIDs and
glucocorticoids are ineffective"): what it names is tried first (:data:`_PRECONDITION` marks only
where the precondition begins)."""
_RISK_CONDITION = re.compile(
    r"\b(?:when|if|provided|as\s+long\s+as)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}risk\s+is\s+(?:not\s+(?:high|increased|elevated)|low|acceptable)\b|"
    r"\b(?:in\s+)?(?:patients|people|those|adults)\s+(?:who\s+are\s+not\s+at|without\s+(?:a\s+)?)(?:high|increased)\s+(?:[\w-]+\s+){0,2}risk\b",
    re.I,
)
"""A recommendation's condition on a level of risk ("when bleeding risk is not high"): the
question must say the patient meets it, or the support is conditional on it."""
_LOW_RISK_GIVEN = re.compile(
    r"\blow\s+(?:[\w-]+\s+){0,2}risk\b|\brisk\s+(?:of\s+\w+\s+)?(?:is\s+)?(?:low|not\s+high)\b|\bnot\s+(?:at\s+)?(?:a\s+)?high\s+(?:[\w-]+\s+)?risk|"
    r"\bno\s+(?:[\w-]+\s+){0,2}risk\s+factors\b",
    re.I,
)
"""The question gives the patient's risk as low ("low bleeding risk", "no bleeding risk factors")."""
_HIGH_RISK_GIVEN = re.compile(
    r"(?<!not\s)(?<!not\sat\s)\b(?:high|increased|elevated)\s+(?:[\w-]+\s+){0,2}risk\b|\brisk\s+(?:of\s+\w+\s+)?(?:is\s+)?(?:high|increased|elevated)\b",
    re.I,
)
"""The question gives the patient's risk as high ("high bleeding risk", "bleeding risk is high")."""


def _risk_reading(text: str, question: str) -> tuple[str, str] | None:
    """(how the question meets it, the condition) for a risk condition a statement puts on its
    advice (:data:`_RISK_CONDITION`): ``met`` when the question gives the risk as low, ``unmet``
    when it gives it as high (the advice is not for this patient), ``unsettled`` when it says
    neither; None when the statement sets no such condition."""
    m = _RISK_CONDITION.search(text)
    if m is None:
        return None
    how = "met" if _LOW_RISK_GIVEN.search(question) else "unmet" if _HIGH_RISK_GIVEN.search(question) else "unsettled"
    return how, m.group(0).strip()


def _unsettled_risk(text: str, question: str) -> str | None:
    """The risk condition a statement puts on its advice when the question does not give the
    patient's risk (:func:`_risk_reading`); None otherwise."""
    reading = _risk_reading(text, question)
    return reading[1] if reading is not None and reading[0] == "unsettled" else None


_DOSE_WORD = re.compile(r"\bdos(?:e|es|ing|age)\b", re.I)
"""The word a sentence names the dose by, after the drug whose dose it is ("the azathioprine dose")."""
_DOSE_OF = re.compile(r"\s+of\s+(?:the\s+|his\s+|her\s+|their\s+)?", re.I)
"""After the dose word, what names the drug dosed ("a lower dose of the insulin")."""


_NEGATION_CUES = frozenset({"not", "no", "without", "never", "neither", "nor", "n't", "cannot"})
_NEGATION_STEMS = frozenset(stems(" ".join(_NEGATION_CUES)))
DENIAL_WINDOW = 4
"""Words after a negation cue that it governs ("does not apply to", "without the need to
calculate"): a short window that stays inside the clause, so that "gout is not an FDA-approved
indication for anakinra" denies the indication, not the question's gout."""
_DESCRIBES = frozenset({"who", "that", "which", "whom", "whose"})
"""A negation in a relative clause describes whom a statement is about ("patients who do not take
...", "adults for whom NSAIDs are contraindicated or not appropriate"); it denies nothing of the treatment."""
_COMPARED = frozenset({"over", "versus", "vs", "than", "or"})
""""no" after a comparison names the comparator ("aspirin is suggested over no aspirin")."""
_CLAUSE_END = frozenset({",", ";", ":", "but", "although", "though", "whereas", "and", "or", "because"})
_WORD = re.compile(r"n't|[\w-]+|[,;:]")


@lru_cache(maxsize=4096)
def _negated_stems(text: str) -> frozenset[str]:
    """Stems of the words a negation cue governs in ``text`` (the cue's clause, at most
    ``DENIAL_WINDOW`` words): "not immunosuppressed, with no transplant expected" gives
    immunosuppressed, transplant and expected. A preposition after a negated word ends what is
    negated: "no improvement on allopurinol" negates the improvement, not the allopurinol, while
    "not on dialysis" negates the dialysis. Cached: the composer asks it of the same question for
    every sentence it places (about 80 times an answer)."""
    tokens = [t.lower() for t in _WORD.findall(text)]
    out: set[str] = set()
    for i, token in enumerate(tokens):
        if token not in _NEGATION_CUES:
            continue
        taken = 0
        for follower in tokens[i + 1 : i + 1 + DENIAL_WINDOW]:
            if follower in _CLAUSE_END or (taken and follower in _NEGATION_SCOPE_END):
                break  # ("not on dialysis": a preposition right after the cue is part of what is negated)
            out.update(stems(follower.replace("-", " ")))
            taken += follower not in _NEGATION_SCOPE_END
    return frozenset(out)


_NEGATION_SCOPE_END = frozenset({"on", "in", "for", "after", "before", "despite", "since", "while", "with", "at", "from", "to", "until"})
"""Prepositions that end the words a negation governs ("no improvement on allopurinol", "no
transplant expected for 3 months"); "of" does not ("no history of stroke")."""
_WITH = re.compile(r"\b(?:with|on|receiving|undergoing|requiring)\s+((?:an?\s+|the\s+)?[\w-]+(?:\s+[\w-]+){0,2})", re.I)
"""A group a statement is for, named after "with" or "on" ("with severe symptoms", "with
diabetes", "on dialysis")."""


_EITHER_WAY = re.compile(r"\s*(?:,\s*)?or\s+(?:without|not)\b", re.I)
"""A group named both ways ("with diabetes or without it", "with or without")."""


def _with_what_is_denied(text: str, question: str) -> bool:
    """Does the statement apply to patients with what the question says this patient does not
    have ("for isolated distal DVT with severe symptoms", asked "no severe symptoms"; "adults with
    diabetes", asked "no diabetes")? Only the question's own negations count (:func:`_negated_stems`),
    and a group the statement also negates ("with or without diabetes") is nobody's exclusion."""
    denied = _negated_stems(question) - _GENERIC_WORDS
    if not denied:
        return False
    own = _negated_stems(text)
    for m in _WITH.finditer(text):
        words: list[str] = []
        for w in re.findall(r"[\w-]+", m.group(1).lower()):
            if w in _CLAUSE_END:
                break
            words.append(w)
        if _EITHER_WAY.match(text, m.start(1) + len(" ".join(words))):
            continue
        named = {st for w in words for st in stems(w.replace("-", " ")) if len(st) >= TRIGGER_WORD_MIN}
        if named & denied and not named & own:
            return True
    return False


def _denies(text: str, asked: frozenset[str]) -> bool:
    """The sentence negates one of the question's asked words within the negation's clause."""
    if not asked:
        return False
    tokens = [t.lower() for t in _WORD.findall(text)]
    for i, token in enumerate(tokens):
        if token not in _NEGATION_CUES:
            continue
        start = max((j for j in range(i) if tokens[j] in _CLAUSE_END - {"and", "or"}), default=-1) + 1
        if _DESCRIBES.intersection(tokens[start:i]) or (token == "no" and _COMPARED.intersection(tokens[max(0, i - 2) : i])):
            continue  # "patients who cannot take medicines by mouth", "for whom ... are not appropriate", "aspirin over no aspirin"
        for follower in tokens[i + 1 : i + 1 + DENIAL_WINDOW]:
            if follower in _CLAUSE_END:
                break
            if set(stems(follower.replace("-", " "))) & asked:  # "not an FDA-approved indication"
                return True
    return False


def _stance(item: _Item, frame: QuestionFrame) -> str:
    """against | conditional | for | insufficient | neutral: what a statement says to the question."""
    if frame.asked_attribute in _AFFIRMS or (item.kind == "research" and frame.intervention is None):
        # "Does X cause / help Y?": a statement affirming it is a yes, one denying it a no; a
        # recommendation against it ("the ACR recommends against vitamin C for gout") is a no
        if item.kind != "research" and item.claim.direction == "against" and item.about > 0:
            return "against"
        stance = _research_stance(item.sent.text, item.vec if item.kind == "research" else None)
        return {"against": "against", "insufficient": "insufficient"}.get(stance, "for") if item.about > 0 or frame.intervention is None else "neutral"
    if item.about == 0 and frame.intervention is not None:
        return "neutral"
    direction = item.claim.direction
    if "continue" not in item.claim.relations and _STOPPING.search(item.sent.text) and _rule_met(item, frame, _QUESTION.get()):
        # "warfarin should be stopped if calciphylaxis is diagnosed", for a patient with calciphylaxis:
        # the stopping rule is met, so it advises against the drug for this patient
        return "against"
    if direction == "neutral" and frame.asked_attribute in _TESTS and item.claim.relations & _TESTS and _ADVISES_TEST.search(item.sent.text):
        # "do I follow LFTs?" -- "the label advises ... periodic liver tests early in therapy": the
        # test asked about is advised (the claims read advice to test as no recommendation of the drug)
        return "for"
    if direction == "neutral" and "adverse" in item.claim.relations and item.patient > 0:
        # "TMP-SMX can raise potassium, which matters in transplant recipients on a CNI": a harm
        # the library names for this patient's situation is a precaution, not a neutral fact
        return "conditional"
    return direction


_PERMITS = re.compile(
    r"\b(?:may|can)\s+(?:safely\s+|still\s+|also\s+|usually\s+)?"
    r"(?:be\s+(?!associated\b|reported\b|seen\b|found\b|observed\b|linked\b|caused\b|increased\b|raised\b|reduced\b|lowered\b)\w+(?:ed|en)\b|"
    r"receive|take|get|have|continue|resume|use|breast-?feed|travel|proceed|remain)\b|"
    r"\bnot\s+(?:a\s+|an\s+)?(?:reason|grounds|cause)\s+(?:to|for)\s+(?:withh[eo]ld|avoid|stop|delay|defer|postpon)\w*|"
    r"\b(?:allows?|allowed|permits?|permitted)\s+(?:[\w-]+\s+){0,3}?to\s+(?:receive|take|get|have|continue|resume|use|breast-?feed)\b|"
    r"\b(?:allows?|permits?)\s+(?:[\w-]+\s+){1,8}?(?:in|for)\s+(?:[\w-]+\s+){0,4}?(?:patients|candidates|recipients|people|adults|children|women|men)\b",
    re.I,
)
"""A statement that permits an act ("tablets may be crushed", "household contacts can receive MMR",
"allows household members to receive most routine live vaccines", "inhaled corticosteroids are
generally not a reason to withhold live vaccines"): the answer to "can X be done?" when nothing
advises for or against it. Effects ("can be associated with", "may be increased") are findings, not
permissions; "cannot" and "may not" do not match."""
_ONLY_IF = re.compile(r"\bonly\s+(?:if|when|after|once|provided)\b|\bprovided\s+(?:that\s+)?(?!by\b)|\bas\s+long\s+as\b|\bon\s+condition\s+that\b", re.I)
"""A permission's conditions ("allows ... only if they are not immunosuppressed")."""
_UNNEEDED = re.compile(
    r"\bnot\s+(?:\w+ly\s+)?(?:needed|necessary|required|useful|helpful|beneficial|warranted)\b|\bno\s+need\s+(?:for|to)\b|\bunnecessary\b|\bneed\s+not\b(?!\s+be\s+(?:stopp|discontinu|withh|held|interrupt))",
    re.I,
)
"""A statement that something is not needed ("bridging with heparin is not generally needed",
"routine measurement of creatine kinase ... is not useful"): the answer no to "does she need it?".
"Need not be stopped" says to keep the drug going, which the claims read as continuing it."""


def _modality(item: _Item) -> str | None:
    """for / against / None: what a statement that advises nothing says in its own modality, a
    permission (:data:`_PERMITS`) or a non-necessity (:data:`_UNNEEDED`). A stated dose change
    ("no dose adjustment is required") is read by the dose rules, not here."""
    if "no_change" in item.claim.relations:
        return None
    text = item.sent.text
    if _UNNEEDED.search(text):
        return "against"
    if _PERMITS.search(text):
        # "allows live vaccines in transplant candidates only if they are not immunosuppressed and
        # transplantation is not expected within 4 weeks": a permission on conditions is a yes on them
        return "conditional" if _ONLY_IF.search(text) else "for"
    return None


def _research_stance(text: str, vec: np.ndarray | None = None, question: str | None = None) -> str:
    """The stance of a finding for a yes/no question: against | insufficient | for.

    A research statement comes with its sentence vector and is read by the learned stance model
    (:mod:`curbside.qa.stance`, trained on PubMedQA half A; "insufficient" is one of its classes).
    Any other statement, or a vector from an encoder the model was not trained with, is read by
    its negation and open-uncertainty cues.
    """
    model = load_stance_model()
    if vec is not None and model is not None and model.applies_to(vec):
        return model.classify(text, vec, question).stance
    if _NEG_RESULT.search(text):
        return "against"
    if _HEDGED_RESULT.search(text):
        return "insufficient"
    return "for"


def _study_stance(basis: _Item, items: Sequence[_Item], question: str | None = None) -> str:
    """A research question's verdict from the basis's study, its findings read together
    (:meth:`~curbside.qa.stance.StanceModel.read_study`): its conclusion (a conclusion section, or
    the sentence that opens one and the rest of its paragraph), else its result sentences; the basis
    alone (:func:`_research_stance`) when the study has neither or the model does not apply."""
    model = load_stance_model()
    own = sorted((i for i in items if i.passage.document.doc_id == basis.passage.document.doc_id and i.kind == "research"),
                 key=lambda i: (i.passage.chunk.char_start, i.sent.start))
    if model is None or not all(model.applies_to(i.vec) for i in own):
        return _research_stance(basis.sent.text, basis.vec, question)
    found = [i for i in own if _CONCLUSION_HEAD.search(" ".join(i.passage.chunk.section))]
    opener = next((i for i in own if _CONCLUSION.search(i.sent.text)), None)
    if not found and opener is not None:
        found = [opener]
        for item in own[own.index(opener) + 1:]:
            last = found[-1]
            if item.passage is not last.passage or _BLANK_LINE.search(item.passage.chunk.text[last.sent.end:item.sent.start]):
                break  # the conclusion is one paragraph
            found.append(item)
    reading = "conclusion" if found else "results"
    found = found or [i for i in own if "result" in i.claim.relations and not _DESIGN_ONLY.search(i.sent.text)]
    if not found:
        return _research_stance(basis.sent.text, basis.vec, question)
    return model.read_study([(i.sent.text, i.vec) for i in found], reading, question).stance
