"""Answer composers. The default is extractive and offline: every statement is a sentence of a
retrieved passage, cited to its exact span, so no statement can say more than its source.

Composition: score each sentence of the retrieved passages against the question, assign it to a
section by what it says (and the heading it sits under), drop near-duplicates, lead with the
strongest guideline or label sentence about the drug asked about, and number references by first
use. If the passages do not cover the question's key entities, abstain and say what was missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from curbside.qa.aliases import AliasTable
from curbside.qa.render import display_text
from curbside.qa.retrieval import mentions
from curbside.qa.sentences import Sentence, SentenceEmbedder, passage_sentences
from curbside.qa.types import (
    SECTION_TITLES,
    Answer,
    Citation,
    Passage,
    QueryAnalysis,
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


_RISK = re.compile(
    r"\b(risk|risks|infection|infections|infectious|avoid|avoided|contraindicat\w*|not recommended|warning|"
    r"boxed|toxicit\w*|toxic|adverse|caution|interact\w*|myopathy|neutropenia|malignan\w*|lymphoma|"
    r"nephrotoxic\w*|harm|hazard|fatal|death|serious|increase[sd]? (?:the )?(?:risk|level|concentration|exposure)|"
    r"should not|must not|do not|discontinu\w*|hypersensitivity|bleeding)\b",
    re.I,
)
_MONITOR = re.compile(
    r"\b(monitor\w*|check\w*|measur\w*|trough|blood count|neutrophil count|cbc|levels? (?:should|are)|"
    r"test(?:ing|ed)?|screen\w*|follow[- ]up|every \d+|monthly|quarterly|periodic\w*)\b",
    re.I,
)
_RECOMMEND = re.compile(
    r"\b(recommend\w*|suggest\w*|should|first[- ]line|preferred|prefer|indicated|advis\w*|"
    r"conditionally|strongly|is approved|option|appropriate|consider\w*|reserve[sd]?|use of)\b",
    re.I,
)
_STRONG_REC = re.compile(
    r"\b(recommend\w*|suggest\w*|should|first[- ]line|preferred|advis\w*|reserve[sd]?|not recommended|avoid)\b",
    re.I,
)
_ALTERNATIVE = re.compile(r"\b(alternative\w*|instead|option\w*|second[- ]line|switch\w*|other agents?|or)\b", re.I)
_HEAD_RISK = re.compile(r"(risk|precaution|warning|safety|adverse|interaction|contraindicat|infection|toxicity|caution)", re.I)
_HEAD_MONITOR = re.compile(r"(monitor|laboratory|follow)", re.I)
_HEAD_ALT = re.compile(r"(alternative|option|other treatment)", re.I)
_HEAD_EVIDENCE = re.compile(r"(evidence|finding|result|trial|study|outcome|limitation)", re.I)


@dataclass
class _Scored:
    sent: Sentence
    passage: Passage
    sim: float
    score: float
    section: str
    bottom_score: float
    vec: np.ndarray
    has_candidate: bool = False


def _section_for(sent: str, passage: Passage, question_drugs: Sequence[str], other_drugs: Sequence[str]) -> str:
    heading = " ".join(passage.chunk.section)
    if passage.document.kind == "research" or (_HEAD_EVIDENCE.search(heading) and passage.document.kind != "guideline"):
        return "evidence"
    if _MONITOR.search(sent) and (_HEAD_MONITOR.search(heading) or not _RISK.search(sent) or re.search(r"\bmonitor", sent, re.I)):
        return "monitoring"
    if other_drugs and _RECOMMEND.search(sent) and not _RISK.search(sent):
        return "alternatives"
    if _HEAD_ALT.search(heading) and not _RISK.search(sent):
        return "alternatives"
    if _RISK.search(sent) or _HEAD_RISK.search(heading):
        return "risks"
    if _HEAD_MONITOR.search(heading):
        return "monitoring"
    return "rationale"


class ExtractiveComposer:
    """Offline composer: selects, sections and cites sentences of the retrieved passages."""

    name = "extractive"

    def __init__(
        self,
        embedder: SentenceEmbedder,
        table: AliasTable,
        params: ComposerParams | None = None,
        *,
        term_in_corpus: Callable[[str], bool] | None = None,
    ) -> None:
        self.embedder = embedder
        self.table = table
        self.params = params or ComposerParams()
        self.term_in_corpus = term_in_corpus  # e.g. Index.has_term: is a word anywhere in the corpus?

    def absent_rare_terms(self, analysis: QueryAnalysis) -> list[str]:
        """Specialised words of the question that occur nowhere in the indexed corpus.

        A word counts as specialised when the embedding model's tokenizer splits it into three or
        more pieces (names, acronyms, rare terms — "iPLEDGE", "Gitelman"); ordinary words are never
        decisive, whatever the corpus holds.
        """
        if self.term_in_corpus is None:
            return []
        condition_words = {w for c in analysis.conditions for w in c.split()}
        candidates = [t for t in analysis.key_terms if len(t) >= 5 and t not in condition_words]
        absent = [t for t in candidates if not self.term_in_corpus(t)]
        if not absent:
            return []
        pieces = self.embedder.encoder.count_tokens(absent)
        return [t for t, n in zip(absent, pieces, strict=True) if n >= 3]

    # -- abstention ------------------------------------------------------------------------

    def missing_entities(self, analysis: QueryAnalysis, passages: Sequence[Passage]) -> list[str]:
        """Drugs asked about that no retrieved passage mentions (under any name)."""
        text = "\n".join(p.chunk.embed_text for p in passages)
        return [d for d in analysis.candidate_drugs if not mentions(text, self.table.names_of(d))]

    def _missing_terms(self, analysis: QueryAnalysis, passages: Sequence[Passage]) -> list[str]:
        text = "\n".join(p.chunk.embed_text for p in passages).lower()
        return [t for t in analysis.key_terms if (t[:6] if len(t) > 6 else t) not in text]

    # -- composition -----------------------------------------------------------------------

    def compose(self, analysis: QueryAnalysis, passages: list[Passage]) -> Answer:
        p = self.params
        answer = Answer(question=analysis.question, passages=passages, patient_context=analysis.context, analysis=analysis, composer=self.name)
        if not passages:
            return self._abstain(answer, "No passage in the index matched the question.", [])
        missing = self.missing_entities(analysis, passages)
        if missing:
            names = ", ".join(missing)
            return self._abstain(answer, f"The indexed sources do not mention {names}, so they cannot answer this question.", missing)

        rare = self.absent_rare_terms(analysis)
        if rare:
            names = ", ".join(rare)
            return self._abstain(answer, f"The indexed sources never mention {names}, so they cannot answer this question.", rare)

        sentences = passage_sentences(passages)
        if not sentences:
            return self._abstain(answer, "The retrieved passages contain no citable sentences.", [])
        qvec = self.embedder.embed([analysis.normalised])[0]
        vecs = self.embedder.embed([s.text for s in sentences])
        sims = vecs @ qvec
        best_sim = float(sims.max())
        missing_terms = self._missing_terms(analysis, passages)
        if not analysis.drugs:
            uncovered = len(missing_terms) / max(1, len(analysis.key_terms))
            if best_sim < p.abstain_similarity or (best_sim < p.abstain_similarity + 0.15 and uncovered >= 0.5):
                what = ", ".join(missing_terms[:5]) or "the question's subject"
                return self._abstain(
                    answer, f"The indexed sources do not address this question (not covered: {what}).", missing_terms[:5]
                )

        cand_names = [n for d in analysis.candidate_drugs for n in self.table.names_of(d)]
        all_q_names = [n for d in analysis.drugs for n in self.table.names_of(d)]
        scored: list[_Scored] = []
        for sent, vec, sim in zip(sentences, vecs, sims, strict=True):
            passage = passages[sent.passage_index]
            has_cand = bool(cand_names) and mentions(sent.text, cand_names)
            has_q = bool(all_q_names) and mentions(sent.text, all_q_names)
            cond_hit = any(c.split()[0] in sent.text.lower() for c in analysis.conditions)
            if sim < p.min_sentence_similarity and not (has_cand and sim >= p.min_sentence_similarity - 0.1):
                continue
            other = [g for _, _, _, g in self.table.find(sent.text) if g not in analysis.drugs]
            section = _section_for(sent.text, passage, analysis.drugs, other)
            rank_prior = 1.0 / (1.0 + passage.rank) if passage.rank else 0.0
            score = float(sim) + 0.12 * has_cand + 0.06 * has_q + 0.05 * cond_hit + 0.1 * rank_prior
            kind_bonus = {"guideline": 0.12, "drug-label": 0.08, "review": 0.03}.get(passage.document.kind, 0.0)
            cue_bonus = 0.1 if (_RECOMMEND.search(sent.text) or _RISK.search(sent.text)) else 0.0
            lead = score + kind_bonus + cue_bonus + (0.1 if has_cand else (-0.2 if cand_names else 0.0))
            if analysis.question_type in ("safety", "interaction") and _RISK.search(sent.text):
                lead += 0.08
            about_question = has_q or cond_hit or not (all_q_names or analysis.conditions)
            if not about_question and section != "alternatives" and sim < 0.5:
                continue  # a statement must be about the question's drugs or conditions
            if section == "risks" and has_cand:
                score += 0.08  # the risks of the drug asked about come first
            scored.append(_Scored(sent, passage, float(sim), score, section, lead, vec, has_cand))
        if not scored:
            return self._abstain(answer, "No sentence of the retrieved passages is close enough to the question.", missing_terms[:5])

        chosen: list[_Scored] = []

        def is_duplicate(item: _Scored) -> bool:
            return any(
                float(item.vec @ c.vec) >= p.dedupe_similarity or item.sent.text == c.sent.text for c in chosen
            )

        non_research = [s for s in scored if s.passage.document.kind != "research"] or scored
        bottom = max(non_research, key=lambda s: (s.bottom_score, -s.passage.rank))
        chosen.append(bottom)
        by_section: dict[str, list[_Scored]] = {name: [] for name in SECTION_TITLES}
        for item in sorted(scored, key=lambda s: (-s.score, s.passage.chunk.chunk_id, s.sent.start)):
            if item is bottom or is_duplicate(item):
                continue
            bucket = by_section[item.section]
            if len(bucket) >= p.max_statements_per_section:
                continue
            bucket.append(item)
            chosen.append(item)
        # conclusion: the strongest remaining recommendation sentence from a guideline or label
        floor = float(np.median([c.sim for c in chosen]))
        leftovers = [
            s for s in scored
            if s not in chosen and s.passage.document.kind in ("guideline", "drug-label", "review")
            and _STRONG_REC.search(s.sent.text) and s.sim >= floor and not is_duplicate(s)
            and (s.has_candidate or not analysis.candidate_drugs)
        ]
        if leftovers:
            concl = max(leftovers, key=lambda s: s.bottom_score)
            by_section["conclusion"].append(concl)
            chosen.append(concl)
        # keep statements in a readable order within each section: by source, then position
        refs: dict[str, Reference] = {}

        def cite(item: _Scored) -> Statement:
            doc = item.passage.document
            if doc.doc_id not in refs:
                refs[doc.doc_id] = Reference.from_document(len(refs) + 1, doc)
            ref = refs[doc.doc_id]
            if item.passage.chunk.chunk_id not in ref.chunk_ids:
                ref.chunk_ids.append(item.passage.chunk.chunk_id)
            return Statement(
                text=display_text(item.sent.text),
                citations=[
                    Citation(
                        ref=ref.number,
                        chunk_id=item.passage.chunk.chunk_id,
                        start=item.sent.start,
                        end=item.sent.end,
                        quote=item.sent.text,
                    )
                ],
                supported=True,
            )

        answer.bottom_line = cite(bottom)
        for name in SECTION_TITLES:
            items = by_section[name]
            if not items:
                continue
            answer.sections.append(Section(name=name, title=SECTION_TITLES[name], statements=[cite(i) for i in items]))
        answer.references = list(refs.values())
        answer.evidence_notes = self._notes(analysis, passages, answer)
        return answer

    def _notes(self, analysis: QueryAnalysis, passages: Sequence[Passage], answer: Answer) -> list[str]:
        notes = []
        kinds: dict[str, int] = {}
        for ref in answer.references:
            kinds[ref.label] = kinds.get(ref.label, 0) + 1
        if kinds:
            notes.append("Cited sources: " + ", ".join(f"{n} {k.lower()}{'s' if n > 1 else ''}" for k, n in kinds.items()) + ".")
        text = "\n".join(p.chunk.embed_text for p in passages)
        for drug in analysis.drugs:
            if drug not in analysis.candidate_drugs and not mentions(text, self.table.names_of(drug)):
                notes.append(f"No retrieved passage mentions {drug}; its interactions were not checked.")
        if analysis.replacements:
            notes.append("Read " + ", ".join(f"{a} as {g}" for a, g in analysis.replacements.items()) + ".")
        if not any(r.kind == "guideline" for r in answer.references):
            notes.append("No guideline among the cited sources; weigh the evidence accordingly.")
        return notes

    def _abstain(self, answer: Answer, reason: str, missing: list[str]) -> Answer:
        answer.abstained = True
        answer.abstention_reason = reason
        answer.missing = missing
        answer.evidence_notes = [
            "Closest passages are listed for reference only; they are not a recommendation."
        ] if answer.passages else []
        return answer
