"""Citation verification: is a statement supported by the passages it cites?

No NLI model runs offline, so support is judged with what does: content-word overlap between the
statement and the cited passage, embedding similarity to the passage's best sentence, and two hard
rules — every number (doses, percentages) and every drug named in the statement must appear in the
cited passage. Text that reads like an instruction to the model is never support for anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from curbside.qa.aliases import AliasTable
from curbside.qa.retrieval import mentions
from curbside.qa.sentences import INJECTION, SentenceEmbedder, passage_sentences
from curbside.qa.types import Passage

__all__ = ["INJECTION", "CitationVerifier", "Support", "VerifyParams"]

_WORD = re.compile(r"[a-z][a-z0-9-]+")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?(?![\w])")
_STOP = set(
    ["a", "an", "the", "of", "in", "on", "for", "to", "with", "and", "or", "is", "are", "was", "were", "be", "been", "being", "it", "its", "this", "that", "these", "those", "as", "by", "at", "from", "than", "then", "there", "their", "they", "them", "he", "she", "his", "her", "can", "could", "should", "would", "will", "may", "might", "must", "do", "does", "did", "not", "no", "nor", "but", "if", "so", "such", "into", "over", "under", "about", "after", "before", "between", "during", "also", "which", "who", "whom", "whose", "what", "when", "where", "why", "how", "all", "any", "both", "each", "few", "more", "most", "other", "some", "same", "only", "own", "very", "just", "patient", "patients"]
)


def content_words(text: str) -> set[str]:
    return {w[:7] for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def numbers(text: str) -> set[str]:
    return {n.replace(",", ".").rstrip("0").rstrip(".") if "." in n else n for n in _NUMBER.findall(text)}


@dataclass
class Support:
    supported: bool
    overlap: float
    similarity: float
    reason: str
    span: tuple[int, int] | None = None  # best supporting sentence within the chunk


@dataclass
class VerifyParams:
    min_overlap: float = 0.5
    min_overlap_with_similarity: float = 0.3
    min_similarity: float = 0.6


class CitationVerifier:
    def __init__(self, embedder: SentenceEmbedder, table: AliasTable, params: VerifyParams | None = None) -> None:
        self.embedder = embedder
        self.table = table
        self.params = params or VerifyParams()

    def check(self, statement: str, passage: Passage) -> Support:
        """Does ``passage`` support ``statement``?"""
        p = self.params
        text = passage.chunk.text
        if INJECTION.search(statement):
            return Support(False, 0.0, 0.0, "statement repeats an instruction planted in a document")
        missing_numbers = numbers(statement) - numbers(text)
        if missing_numbers:
            return Support(False, 0.0, 0.0, f"numbers not in the cited passage: {', '.join(sorted(missing_numbers))}")
        for _, _, surface, generic in self.table.find(statement):
            if not mentions(text, self.table.names_of(generic)):
                return Support(False, 0.0, 0.0, f"{surface} is not mentioned in the cited passage")
        words = content_words(statement)
        overlap = len(words & content_words(text)) / max(1, len(words))
        sentences = passage_sentences([passage], min_chars=10)
        sim, span = 0.0, None
        if sentences:
            vecs = self.embedder.embed([statement, *(s.text for s in sentences)])
            sims = vecs[1:] @ vecs[0]
            best = int(np.argmax(sims))
            sim, span = float(sims[best]), (sentences[best].start, sentences[best].end)
        if overlap >= p.min_overlap or (overlap >= p.min_overlap_with_similarity and sim >= p.min_similarity):
            return Support(True, overlap, sim, "supported", span)
        return Support(False, overlap, sim, f"weak support (word overlap {overlap:.2f}, similarity {sim:.2f})", span)

    def best_support(self, statement: str, passages: Sequence[Passage]) -> list[tuple[int, Support]]:
        """Support of each candidate passage (by index), supported ones first."""
        results = [(i, self.check(statement, p)) for i, p in enumerate(passages)]
        return sorted(results, key=lambda x: (not x[1].supported, -x[1].overlap))
