"""Deterministic passages, answers and systems for the eval tests (no model, no index)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from curbside.ingest.types import Chunk, Document
from curbside.qa.types import (
    Answer,
    Citation,
    Passage,
    PatientContext,
    QueryAnalysis,
    QuestionFrame,
    Reference,
    Section,
    Statement,
)


def passage(path: str, text: str, *, n: int = 0, doc_id: str | None = None, rank: int = 1) -> Passage:
    doc_id = doc_id or re.sub(r"\W+", "", path)[-16:] or "doc"
    chunk = Chunk(chunk_id=f"{doc_id}#{n}", doc_id=doc_id, n=n, text=text, char_start=0,
                  char_end=len(text), embed_text=text)
    document = Document(doc_id=doc_id, title=path, path=path)
    return Passage(chunk=chunk, document=document, rank=rank, fused_score=1.0 / rank)


def statement(text: str, cited: Passage, quote: str | None = None) -> Statement:
    quote = quote if quote is not None else cited.chunk.text
    return Statement(text=text, citations=[Citation(ref=1, chunk_id=cited.chunk.chunk_id, start=0,
                                                    end=len(quote), quote=quote)])


def answer(question: str, statements: Sequence[Statement], passages: Sequence[Passage], *,
           abstained: bool = False) -> Answer:
    if abstained:
        return Answer(question=question, abstained=True, abstention_reason="not covered", passages=list(passages))
    refs = [Reference.from_document(i + 1, p.document) for i, p in enumerate(passages)]
    sections = [Section(name="rationale", title="Rationale", statements=list(statements[1:]))] if len(statements) > 1 else []
    return Answer(question=question, bottom_line=statements[0] if statements else None, sections=sections,
                  passages=list(passages), references=refs, settings_hash="fakehash")


def framed_answer(
    question: str,
    bottom: Statement | None,
    passages: Sequence[Passage],
    *,
    frame: QuestionFrame | None = None,
    decision: str | None = None,
    coverage: str = "full",
    risks: Sequence[Statement] = (),
    abstained: bool = False,
) -> Answer:
    """An answer with the frame, verdict, coverage and Risks section the clinician metrics read."""
    refs = [Reference.from_document(i + 1, p.document) for i, p in enumerate(passages)]
    analysis = QueryAnalysis(question=question, normalised=question, search_text=question, frame=frame) \
        if frame is not None else None
    sections = [Section(name="risks", title="Risks and considerations", statements=list(risks))] if risks else []
    return Answer(question=question, bottom_line=bottom, passages=list(passages), references=refs,
                  decision=decision, coverage=coverage, sections=sections, analysis=analysis,  # type: ignore[arg-type]
                  abstained=abstained, settings_hash="fakehash")


class FakeSystem:
    """Keyword search over a dict of {path: text}; answers cite the top passage or abstain.

    ``ask`` abstains when no passage shares a word of 5+ letters with the question, and records the
    patient context it was given.
    """

    def __init__(self, docs: dict[str, str]) -> None:
        self.docs = docs
        self.contexts: list[PatientContext | None] = []
        self.histories: list[list[str]] = []

    @staticmethod
    def _words(text: str) -> set[str]:
        return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) >= 5}

    def search(self, query: str, *, k: int | None = None) -> list[Passage]:
        q = self._words(query)
        scored = sorted(
            ((len(q & self._words(text)), path) for path, text in self.docs.items()),
            key=lambda x: (-x[0], x[1]),
        )
        hits = [(s, p) for s, p in scored if s > 0][: k or 8]
        return [passage(p, self.docs[p], rank=i + 1) for i, (_, p) in enumerate(hits)]

    def ask(self, question: str, *, context: PatientContext | None = None, history: Sequence[str] = ()) -> Answer:
        """Answers ``question`` with the earlier turns' words added (a crude follow-up)."""
        self.contexts.append(context)
        self.histories.append(list(history))
        hits = self.search(" ".join([*history, question]), k=3)
        if not hits:
            return answer(question, [], [], abstained=True)
        top = hits[0]
        return answer(question, [statement(top.chunk.text, top)], hits)
