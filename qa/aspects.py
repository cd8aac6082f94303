"""Which aspect of a subject a question asks about, and which aspect a passage covers.

"What are the symptoms of X?" and "How is X treated?" name the same subject; the passages that
answer them differ in *aspect*. A passage shows its aspect in its section headings ("Treatment",
"Signs and symptoms"), in an opening question ("How is X diagnosed?"), or — for an overview — in an
opening definition ("X is a rare disorder that ..."). Retrieval uses the match between the two as a
rescoring signal: every clinical collection is organised this way, so the signal carries over to a
user's own documents, and a question or passage without a recognisable aspect is simply neutral.

The cue words are ordinary clinical English, not keyed to any collection.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CUES: dict[str, str] = {
    "symptoms": r"symptom|signs? and symptoms|clinical (?:features|presentation)|manifestations?|presenting features",
    "causes": r"\bcause[sd]?\b|\bcausing\b|etiology|aetiology|pathogenesis|\bwhy do(?:es)?\b",
    "treatment": r"\btreat(?:s|ed|ing|ment|ments)?\b|\btherap(?:y|ies)\b|\bmanag(?:e|ed|ement)\b|\bwhat to do for\b",
    "diagnosis": r"diagnos|\btest(?:s|ing)?\b|\bexams?\b|\bscreening\b|\bwork-?up\b",
    "prevention": r"\bprevent|prophyla",
    "prognosis": r"\boutlook\b|prognos|life expectancy|\bsurvival\b",
    "inheritance": r"\binherit|hereditary pattern|autosomal|passed down",
    "frequency": r"how many people|how common|prevalence|incidence|\bfrequency\b",
    "risk": r"\bat risk\b|risk factors?|\bwho gets\b|susceptib",
    "complications": r"complication",
    "research": r"\bresearch\b|clinical trials?",
}
ASPECTS: tuple[str, ...] = (*_CUES, "definition")
_PATTERNS = {name: re.compile(cue, re.I) for name, cue in _CUES.items()}

# "What is X?" / "What are X?" asks for an overview, unless it asks for a named aspect of X
_DEFINITION_QUESTION = re.compile(r"^\s*(?:what|who)\s+(?:is|are)\b(?:\s+\(are\))?", re.I)
# a passage that opens with a question states the aspect it answers
_OPENING_QUESTION = re.compile(
    r"^\s*(?:what|how|who|is|are|can|do|does|why|when|which|should)\b[^?.!\n]{0,200}\?", re.I
)
_OVERVIEW_HEADING = re.compile(r"\b(?:overview|introduction|definition|what is)\b", re.I)
# "X is a rare disorder ...", "X refers to ...": an overview
_OPENING_DEFINITION = re.compile(
    r"^\s*[^.?!\n]{1,120}?\b(?:is|are|refers? to|describes?)\s+"
    r"(?:a|an|the|one|any|rare|common|group|condition|disorder|disease|inherited|genetic)\b",
    re.I,
)


def question_aspects(question: str) -> frozenset[str]:
    """Aspects a question asks about (empty when it names none)."""
    found = {name for name, pattern in _PATTERNS.items() if pattern.search(question)}
    if not found and _DEFINITION_QUESTION.search(question):
        found.add("definition")
    return frozenset(found)


def _opening_aspects(text: str, *, definition: bool) -> set[str]:
    question = _OPENING_QUESTION.match(text)
    if question:
        return set(question_aspects(question.group(0)))
    if definition and _OPENING_DEFINITION.match(text):
        return {"definition"}
    return set()


def passage_aspects(headings: Iterable[str], opening: str = "", text: str = "") -> frozenset[str]:
    """Aspects a passage covers.

    ``headings`` is its section path; ``opening`` the start of the document when the passage has no
    headings of its own (a document that answers one question says so at its start, and every
    passage of it shares that aspect); ``text`` the passage's own start, where an opening question
    also counts.
    """
    found: set[str] = set()
    for heading in headings:
        found.update(name for name, pattern in _PATTERNS.items() if pattern.search(heading))
        if _OVERVIEW_HEADING.search(heading):
            found.add("definition")
    found |= _opening_aspects(opening, definition=True)
    found |= _opening_aspects(text, definition=False)
    return frozenset(found)


def aspect_agreement(asked: frozenset[str], covered: frozenset[str]) -> tuple[float, float]:
    """(match, mismatch): 1.0 when the passage covers an asked aspect; 1.0 when it clearly covers others."""
    if not asked or not covered:
        return 0.0, 0.0
    return (1.0, 0.0) if asked & covered else (0.0, 1.0)


__all__ = ["ASPECTS", "aspect_agreement", "passage_aspects", "question_aspects"]
