"""Types produced by the QA layer: passages, patient context, statements, citations, answers."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from curbside.ingest.types import KIND_LABELS, Chunk, Document

SectionName = Literal[
    "rationale", "alternatives", "risks", "monitoring", "evidence", "conclusion", "closest"
]
SECTION_TITLES: dict[str, str] = {
    "rationale": "Rationale",
    "alternatives": "Alternatives",
    "risks": "Risks and considerations",
    "monitoring": "Monitoring",
    "evidence": "Evidence from research",
    "conclusion": "Conclusion",
    "closest": "Closest statements (they do not answer the question)",
}


class Passage(BaseModel):
    """A retrieved chunk with its document and every score that ranked it."""

    model_config = ConfigDict(extra="forbid")

    chunk: Chunk
    document: Document
    row_id: int = -1
    dense_score: float | None = None
    lexical_score: float | None = None
    fused_score: float = 0.0
    rerank_score: float | None = None
    features: dict[str, float] = Field(default_factory=dict, description="Rescoring signals.")
    rank: int = 0

    @property
    def score(self) -> float:
        return self.rerank_score if self.rerank_score is not None else self.fused_score


class PatientContext(BaseModel):
    """Patient details pulled out of the question (never logged unless enabled)."""

    model_config = ConfigDict(extra="forbid")

    age: int | None = None
    sex: Literal["female", "male"] | None = None
    pregnant: bool | None = None
    kidney_function: str | None = Field(None, description="e.g. 'eGFR 35', 'CKD stage 4', 'dialysis'")
    medications: list[str] = Field(default_factory=list, description="Current medications (generic).")
    conditions: list[str] = Field(default_factory=list)

    def is_empty(self) -> bool:
        return not any([self.age, self.sex, self.pregnant, self.kidney_function, self.medications, self.conditions])

    def merged_with(self, earlier: PatientContext) -> PatientContext:
        """This turn's details, completed by an earlier turn's (follow-up questions)."""
        return PatientContext(
            age=self.age if self.age is not None else earlier.age,
            sex=self.sex or earlier.sex,
            pregnant=self.pregnant if self.pregnant is not None else earlier.pregnant,
            kidney_function=self.kidney_function or earlier.kidney_function,
            medications=list(dict.fromkeys([*earlier.medications, *self.medications])),
            conditions=list(dict.fromkeys([*earlier.conditions, *self.conditions])),
        )


Intent = Literal[
    "safety", "interaction", "dose", "dose_adjustment", "choice", "target", "monitoring",
    "population", "indication", "contraindication", "comparison", "other",
]
"""What kind of answer the question wants (see :mod:`curbside.qa.frame`)."""

INTENTS: tuple[str, ...] = (
    "safety", "interaction", "dose", "dose_adjustment", "choice", "target", "monitoring",
    "population", "indication", "contraindication", "comparison", "other",
)

ATTRIBUTES: tuple[str, ...] = (
    "safety", "interaction", "dose", "renal dose", "target", "monitoring", "pregnancy", "lactation",
    "children", "older adults", "contraindication", "boxed warning", "adverse effects",
    "first-line choice", "alternatives", "duration", "timing", "efficacy", "indication",
    "screening", "vaccination", "prophylaxis",
)
"""The closed list of asked attributes: what a question wants to know about its intervention."""

POPULATIONS: tuple[str, ...] = (
    "pregnancy", "lactation", "child", "older adult", "ckd", "dialysis", "transplant",
    "hepatic impairment",
)

Decision = Literal["yes", "no", "conditional", "insufficient"]
Coverage = Literal["full", "partial", "none"]


class QuestionFrame(BaseModel):
    """What the question asks, about what, for which patient: the frame composition answers."""

    model_config = ConfigDict(extra="forbid")

    intent: Intent = Field("other", description="Kind of answer wanted (safety, dose, choice, ...).")
    intervention: str | None = Field(
        None, description="The drug, class or treatment asked about (generic or class name)."
    )
    comparator: str | None = Field(None, description="The other arm of a comparison or 'instead' question.")
    options: list[str] = Field(
        default_factory=list,
        description="The interventions a choice question offers ('warfarin or heparin?'), in question "
        "order: what the answer chooses among and checks for this patient (the intervention stays unset).",
    )
    intervention_classes: list[str] = Field(
        default_factory=list, description="Classes of the intervention (for class-level answers)."
    )
    for_contact: bool = Field(
        False,
        description="The intervention is given to someone close to the patient (a grandchild's MMR, a "
        "spouse's flu vaccine), not to the patient: the patient is exposed to it, not treated with it.",
    )
    current_medications: list[str] = Field(
        default_factory=list, description="What the patient already takes (generic names)."
    )
    conditions: list[str] = Field(
        default_factory=list, description="Conditions the question says the patient has."
    )
    population: list[str] = Field(default_factory=list, description="Subset of POPULATIONS.")
    asked_attribute: str = Field("safety", description="One of ATTRIBUTES.")
    qualifier: str | None = Field(
        None, description="Detail of the asked attribute, e.g. 'CrCl 25' for 'renal dose'."
    )
    indication: str | None = Field(None, description="The condition being treated, when named.")
    phase: str | None = Field(
        None,
        description="The treatment phase (prophylaxis, extended, initial) an earlier turn of the "
        "conversation set, for a follow-up that does not say it ('on colchicine 0.6 bid ppx ...' then "
        "'what colchicine dose once he's on diltiazem?').",
    )
    ruled_out: list[str] = Field(
        default_factory=list,
        description="Treatments the question rules out for the patient (failed, not tolerated, allergic "
        "to, contraindicated, 'X is out', or the earlier intervention of an 'instead' / 'what else' "
        "follow-up): a choice or alternatives answer names another.",
    )
    implied_population: list[str] = Field(
        default_factory=list,
        description="Populations the patient's medicines imply but the question does not say "
        "(tacrolimus with mycophenolate: a transplant recipient); used to look for what the library "
        "says of that group, never as the question's own population.",
    )
    kidney_value: int | None = Field(
        None,
        description="The patient's eGFR or CrCl (mL/min) as the conversation last stated it ('eGFR of 35'), "
        "kept for follow-ups that do not repeat it.",
    )
    yes_no: bool = Field(False, description="The question is answered by yes / no / conditional.")
    ask_explicit: bool = Field(
        True, description="The question says what it asks; False when the asked attribute is only a default."
    )

    def asked(self) -> str:
        """The asked attribute in words ("renal dose (CrCl 25)")."""
        return f"{self.asked_attribute} ({self.qualifier})" if self.qualifier else self.asked_attribute


class QueryAnalysis(BaseModel):
    """What query understanding made of a question."""

    model_config = ConfigDict(extra="forbid")

    question: str
    normalised: str = Field(description="Question with brand names and codes replaced by generics.")
    search_text: str = Field(description="What the retrievers search for.")
    drugs: list[str] = Field(default_factory=list, description="Generic names mentioned.")
    candidate_drugs: list[str] = Field(default_factory=list, description="Drugs asked about (not current).")
    replacements: dict[str, str] = Field(default_factory=dict, description="alias → generic applied.")
    conditions: list[str] = Field(default_factory=list)
    key_terms: list[str] = Field(default_factory=list, description="Content words that must be covered.")
    context: PatientContext = Field(default_factory=PatientContext)
    question_type: str = "general"
    frame: QuestionFrame = Field(default_factory=QuestionFrame)


class Citation(BaseModel):
    """A pointer from a statement to the exact span of a passage that supports it."""

    model_config = ConfigDict(extra="forbid")

    ref: int = Field(ge=1, description="1-based reference number.")
    chunk_id: str
    start: int = Field(description="Start of the cited span within the chunk text.")
    end: int = Field(description="End (exclusive) of the cited span within the chunk text.")
    quote: str = Field(description="The cited text, equal to chunk.text[start:end].")


class Statement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str
    citations: list[Citation] = Field(min_length=1)
    supported: bool | None = Field(None, description="Result of citation verification, if run.")
    verification: str | None = Field(
        None, description="Why citation verification rejected the statement (kept only when flagged)."
    )


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: SectionName
    title: str
    statements: list[Statement] = Field(default_factory=list)


HTTP_URL = re.compile(r"^https?://[^\s<>\"'`\\]+$", re.IGNORECASE)
"""The only addresses that leave the engine: http(s), with nothing that could break out of Markdown
or an HTML attribute (``javascript:``, ``data:`` and the like are dropped)."""


class Reference(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: int = Field(ge=1)
    kind: str = Field(description="guideline | research | drug-label | review")
    label: str = Field(description="Guideline | Research | Drug label | Review")
    title: str
    publisher: str = ""
    year: int | None = None
    url: str = ""
    doc_id: str
    chunk_ids: list[str] = Field(default_factory=list, description="Cited chunks of this source.")

    @classmethod
    def from_document(cls, number: int, doc: Document) -> Reference:
        return cls(
            number=number,
            kind=doc.kind,
            label=KIND_LABELS.get(doc.kind, doc.kind.title()),
            title=doc.title,
            publisher=doc.publisher,
            year=doc.year,
            url=doc.url.strip() if HTTP_URL.match(doc.url.strip()) else "",
            doc_id=doc.doc_id,
        )


class Answer(BaseModel):
    """A structured, cited recommendation — or an explicit abstention."""

    model_config = ConfigDict(extra="forbid")

    question: str
    abstained: bool = False
    bottom_line: Statement | None = None
    decision: Decision | None = Field(
        None, description="Verdict for yes/no-shaped questions: yes | no | conditional | insufficient."
    )
    decision_citations: list[Citation] = Field(
        default_factory=list, description="The statements the decision rests on."
    )
    decision_text: str | None = Field(None, description="The verdict in words, shown first.")
    coverage: Coverage = Field(
        "full", description="full: the asked attribute is answered; partial: the intervention is "
        "covered but not what was asked; none: the library does not cover it.",
    )
    abstention_reason: str | None = None
    missing: list[str] = Field(default_factory=list, description="Key entities no passage covers.")
    sections: list[Section] = Field(default_factory=list)
    references: list[Reference] = Field(default_factory=list)
    passages: list[Passage] = Field(default_factory=list, description="Retrieved passages, ranked.")
    patient_context: PatientContext = Field(default_factory=PatientContext)
    analysis: QueryAnalysis | None = None
    evidence_notes: list[str] = Field(default_factory=list)
    composer: str = "extractive"
    unsupported_removed: int = Field(0, description="Statements dropped by citation verification.")
    timings_ms: dict[str, float] = Field(default_factory=dict)
    settings_hash: str = ""

    def statements(self) -> list[Statement]:
        out = [self.bottom_line] if self.bottom_line else []
        for section in self.sections:
            out.extend(section.statements)
        return out

    def section(self, name: str) -> Section | None:
        return next((s for s in self.sections if s.name == name), None)

    def cited_chunk_ids(self) -> list[str]:
        return list(dict.fromkeys(c.chunk_id for s in self.statements() for c in s.citations))
