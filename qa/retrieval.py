"""Hybrid retrieval: dense (FAISS) + lexical (BM25) on the normalised query, weighted reciprocal-rank
fusion, metadata filters, a second-stage rescoring, and per-document caps.

The rescoring uses only what runs offline. It adds up, with one set of weights for every collection,
the candidates' dense, BM25 and best-sentence similarity to the question — each standardised over
the candidates, so their scales stop mattering — with how many of the question's drugs (under any of
their names), conditions and key terms a passage covers, whether it covers the aspect asked about
(symptoms, treatment, ...), and whether the question names its document's title.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from curbside.index.reader import Index
from curbside.ingest.pdftext import is_bibliography
from curbside.ingest.types import KIND_LABELS, DocKind
from curbside.qa.aliases import AliasTable
from curbside.qa.aspects import aspect_agreement, passage_aspects, question_aspects
from curbside.qa.query import CONDITIONS
from curbside.qa.sentences import SentenceEmbedder, passage_sentences
from curbside.qa.types import Passage, QueryAnalysis

#: Years a filter may name. Ingest stores four-digit years from 1800 to 2099 only
#: (``ingest.metadata.normalise_year``); a little slack above lets "up to 2200" mean "no upper bound".
FILTER_YEAR_MIN, FILTER_YEAR_MAX = 1800, 2200
#: Publisher substrings per filter. Each becomes one ``LIKE`` term of an ``OR`` in the chunk table's
#: query, and SQLite refuses expressions deeper than 1000; a person filters by a handful.
MAX_FILTER_PUBLISHERS = 50
#: Longest publisher substring (longer than any publisher name in practice).
MAX_FILTER_PUBLISHER_CHARS = 200
_FilterYear = Annotated[int, Field(ge=FILTER_YEAR_MIN, le=FILTER_YEAR_MAX)]


class Filters(BaseModel):
    """Metadata filters applied before ranking. Every field is bounded, so client input can only
    be refused with a validation error naming the field, never reach the store as an overflow or
    an over-deep query."""

    model_config = ConfigDict(extra="forbid")

    kinds: list[DocKind] | None = Field(
        None, max_length=len(KIND_LABELS), description="guideline | research | drug-label | review"
    )
    publishers: list[Annotated[str, Field(min_length=1, max_length=MAX_FILTER_PUBLISHER_CHARS)]] | None = Field(
        None, max_length=MAX_FILTER_PUBLISHERS, description="Substring match, case-insensitive."
    )
    year_min: _FilterYear | None = Field(None, description=f"Earliest year ({FILTER_YEAR_MIN}-{FILTER_YEAR_MAX}).")
    year_max: _FilterYear | None = Field(None, description=f"Latest year ({FILTER_YEAR_MIN}-{FILTER_YEAR_MAX}).")

    @model_validator(mode="after")
    def _years_in_order(self) -> Filters:
        if self.year_min is not None and self.year_max is not None and self.year_min > self.year_max:
            raise ValueError(f"year_min ({self.year_min}) is after year_max ({self.year_max})")
        return self

    def is_empty(self) -> bool:
        return not (self.kinds or self.publishers or self.year_min or self.year_max)


SOFT_CAP_FLOOR = 0.0
"""Rescoring score under which a passage does not compete for the answer: the rescoring sums
similarities standardised over the candidate pool, so 0 is an average candidate's score. Answer
retrieval lets a document past its cap (:func:`cap_per_document`) only in place of passages below
it. ``None`` makes the cap hard (document search keeps it hard: a results list is for breadth)."""


@dataclass
class RetrievalParams:
    """Mirror of the retrieval settings group (the front door fills it)."""

    top_k: int = 8
    dense_k: int = 100
    lexical_k: int = 100
    rrf_k: int = 60
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    per_doc_cap: int = 2
    soft_cap_floor: float | None = SOFT_CAP_FLOOR
    rescore: bool = True
    rescore_depth: int = 100
    rescore_dense_weight: float = 1.0
    rescore_lexical_weight: float = 1.0
    rescore_sentence_weight: float = 1.0
    rescore_coverage_weight: float = 0.5
    rescore_aspect_weight: float = 1.0
    rescore_other_aspect_weight: float = -0.5
    rescore_title_named_weight: float = 1.0
    rescore_fusion_weight: float = 0.0
    rescore_title_weight: float = 0.0
    rescore_prf_weight: float = 0.0
    ensure_entities: bool = True
    alternatives_k: int = 2

    def weights(self) -> dict[str, float]:
        """Feature weights of the rescoring (see :meth:`HybridRetriever.features`)."""
        return {
            "rrf": self.rescore_fusion_weight,
            "dense": self.rescore_dense_weight,
            "lexical": self.rescore_lexical_weight,
            "sentence": self.rescore_sentence_weight,
            "coverage": self.rescore_coverage_weight,
            "title": self.rescore_title_weight,
            "prf": self.rescore_prf_weight,
            "aspect": self.rescore_aspect_weight,
            "other_aspect": self.rescore_other_aspect_weight,
            "title_named": self.rescore_title_named_weight,
        }


FEATURES: tuple[str, ...] = tuple(RetrievalParams().weights())

ENTITY_CACHE_SIZE = 2048
"""Entity lookups kept per loaded index (a few MB of passages; the cache goes with the retriever
when the index is reloaded)."""


def standardise(values: np.ndarray) -> np.ndarray:
    """Scores as standard deviations from the candidates' mean (0 everywhere when they are all equal).

    Cosines, BM25 scores and sentence similarities live on different scales that also vary from
    question to question; standardised over the same candidates, one set of weights combines them
    on any collection.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return values
    sd = values.std()
    if sd < 1e-9:
        return np.zeros_like(values)
    return (values - values.mean()) / sd


def rrf_fuse(
    rankings: Sequence[Sequence[int]], weights: Sequence[float], k: int = 60
) -> list[tuple[int, float]]:
    """Weighted reciprocal-rank fusion; ties broken by id. Ranks are 1-based."""
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        if weight <= 0:
            continue
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda x: (-x[1], x[0]))


_CONCLUSION_SECTION = re.compile(r"\bconclusions?\b", re.I)
"""A section heading that holds a study's conclusion ("Conclusions", "Discussion and conclusion")."""
_CONCLUSION_LABEL = re.compile(r"(?:^|\n)\s*conclusions?\s*:", re.I)
"""A structured abstract's inline label opening its conclusion paragraph ("CONCLUSIONS: ...")."""


def _leading_conclusion(pool: Sequence[Passage], out: Sequence[Passage]) -> list[Passage]:
    """The leading study's conclusion, when the per-document cap left it out of ``out``.

    A study answers a question with its conclusion, and a short abstract's best-matching chunks are
    often its background and results: with two chunks a document, a three-chunk abstract loses the
    paragraph that states its answer. When the top passage is research, its document's first chunk
    in ``pool`` whose section or inline label is a conclusion comes along (one passage, after the rest).
    """
    if not out or out[0].document.kind != "research":
        return []
    lead, held = out[0].document.doc_id, {x.chunk.chunk_id for x in out}
    return [x for x in pool if x.document.doc_id == lead and x.chunk.chunk_id not in held
            and (_CONCLUSION_SECTION.search(" ".join(x.chunk.section)) or _CONCLUSION_LABEL.search(x.chunk.text))][:1]


def cap_per_document(passages: Sequence[Passage], cap: int, k: int, *, floor: float | None = None) -> list[Passage]:
    """Keep at most ``cap`` passages per document, in order, up to ``k``.

    With a ``floor`` (on ``rerank_score``) the cap is soft: it spreads the top ``k`` over documents
    that compete, not over those that do not. A passage past its document's cap takes the place of
    one that scores below the floor (in a library of a few documents, the question's one document
    is all that matches, and the cap would hand the composer the other documents' weakest passages
    instead of the rest of the answer: a numbered list's items in the third-best chunk). Passages
    come back in the order of ``passages``.
    """
    counts: dict[str, int] = {}
    out: list[Passage] = []
    for p in passages:
        n = counts.get(p.document.doc_id, 0)
        if n >= cap:
            continue
        counts[p.document.doc_id] = n + 1
        out.append(p)
        if len(out) >= k:
            break
    if floor is None:
        return out

    def strong(p: Passage) -> bool:
        return p.rerank_score is not None and p.rerank_score >= floor

    weak = [p for p in out if not strong(p)]
    if not weak:
        return out
    kept = {id(p) for p in out if strong(p)}
    room = k - len(kept)
    extra = [p for p in passages if id(p) not in kept and strong(p)][:room]
    if not extra:
        return out
    kept.update(id(p) for p in extra)
    chosen = [p for p in passages if id(p) in kept]
    return chosen + weak[: k - len(chosen)]


STEMS_CACHE = 200_000
"""Texts whose stems are kept: the same library sentences come back question after question, and
one bm25s tokenizer call costs about 0.3 ms however short the text (its set-up dominates)."""
_stem_cache: dict[str, tuple[str, ...]] = {}


def stems(text: str) -> list[str]:
    """Stemmed content words, with the same tokenizer and stemmer as the BM25 index."""
    cached = _stem_cache.get(text)
    return list(cached if cached is not None else stems_many([text])[0])


def stems_many(texts: Sequence[str]) -> list[tuple[str, ...]]:
    """:func:`stems` of many texts, the uncached ones in a single tokenizer call."""
    from curbside.index.lexical import tokenize

    missing = list(dict.fromkeys(t for t in texts if t not in _stem_cache))
    if missing:
        if len(_stem_cache) + len(missing) > STEMS_CACHE:
            _stem_cache.clear()  # a crude bound; a long-running server refills it in a few questions
        for text, toks in zip(missing, tokenize(missing), strict=True):
            _stem_cache[text] = tuple(toks)
    out = []
    for t in texts:
        cached = _stem_cache.get(t)  # another thread may have cleared the cache meanwhile
        out.append(cached if cached is not None else tuple(tokenize([t])[0]))
    return out


@lru_cache(maxsize=50_000)
def title_stems(title: str) -> frozenset[str]:
    """Stems of a document title (cached: the same documents come back query after query)."""
    return frozenset(stems(title))


def _stem(word: str) -> str:
    return word[:6] if len(word) > 6 else word


@dataclass
class CoverageTerms:
    """Groups of alternatives; a passage covers a group if any alternative occurs in it."""

    groups: list[tuple[float, list[str]]] = field(default_factory=list)

    def score(self, text: str) -> float:
        if not self.groups:
            return 0.0
        low = text.lower()
        total = sum(w for w, _ in self.groups)
        got = sum(w for w, alts in self.groups if any(a in low for a in alts))
        return got / total


def coverage_terms(analysis: QueryAnalysis, table: AliasTable) -> CoverageTerms:
    groups: list[tuple[float, list[str]]] = []
    for drug in analysis.drugs:
        weight = 2.0 if drug in analysis.candidate_drugs else 1.0
        groups.append((weight, [n.lower() for n in table.names_of(drug)]))
    for cond in analysis.conditions:
        groups.append((1.0, [w.strip() for w in CONDITIONS.get(cond, (cond,)) if w.strip()]))
    for term in analysis.key_terms[:8]:
        if not any(term in alts for _, alts in groups):
            groups.append((0.5, [_stem(term)]))
    return CoverageTerms(groups)


class HybridRetriever:
    """Retrieves passages for an analysed question from one loaded :class:`Index`."""

    def __init__(self, index: Index, embedder: SentenceEmbedder, table: AliasTable, params: RetrievalParams | None = None) -> None:
        self.index = index
        self.embedder = embedder
        self.table = table
        self.params = params or RetrievalParams()
        self.last_timings: dict[str, float] = {}
        self._entity_cache: dict[tuple[str, int], list[Passage]] = {}
        self._entity_lock = threading.Lock()

    def _allowed_rows(self, filters: Filters | None) -> list[int] | None:
        if filters is None or filters.is_empty():
            return None
        return self.index.store.rows_where(
            kinds=filters.kinds, publishers=filters.publishers, year_min=filters.year_min, year_max=filters.year_max
        )

    def retrieve(
        self,
        analysis: QueryAnalysis,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        query_vector: np.ndarray | None = None,
        for_answer: bool = False,
    ) -> list[Passage]:
        """Top passages for the question; ``for_answer`` leaves out reference lists and adds
        passages on alternatives."""
        p = self.params
        k = k or p.top_k
        t0 = time.perf_counter()
        allowed = self._allowed_rows(filters)
        if query_vector is None:
            query_vector = self.embedder.embed([analysis.normalised])
        t1 = time.perf_counter()
        # each retriever fetches at least k, so asking for 100 results can return 100 documents
        dense_k, lexical_k = max(p.dense_k, k), max(p.lexical_k, k)
        dense = self.index.dense_search(query_vector.reshape(1, -1), dense_k, allowed)[0] if p.dense_weight > 0 else []
        t2 = time.perf_counter()
        lexical = self.index.lexical_search(analysis.search_text, lexical_k, allowed) if p.lexical_weight > 0 else []
        t3 = time.perf_counter()
        depth = max(p.rescore_depth, k * p.per_doc_cap) if p.rescore else k * max(p.per_doc_cap, 3)
        passages = self._pool(dense, lexical, depth)
        if for_answer:
            # a reference list names other works; its entries never answer (and are never quoted)
            passages = [x for x in passages if not is_bibliography(x.chunk.section)]
        t4 = time.perf_counter()
        if p.rescore and passages:
            self._rescore(analysis, passages, query_vector.reshape(-1))
            passages.sort(key=lambda x: (-(x.rerank_score or 0.0), x.chunk.chunk_id))
        t5 = time.perf_counter()
        floor = p.soft_cap_floor if for_answer and p.rescore else None
        out = cap_per_document(passages, p.per_doc_cap, k, floor=floor)
        if for_answer:
            out += _leading_conclusion(passages, out)
        if p.ensure_entities and analysis.drugs:
            out = self._ensure_entities(analysis, passages, out, allowed)
        if for_answer and p.alternatives_k and analysis.candidate_drugs and analysis.conditions and analysis.question_type in (
            "safety", "interaction", "alternative", "indication", "general"
        ):
            out.extend(self._alternatives(analysis, out, allowed))
        for rank, passage in enumerate(out, start=1):
            passage.rank = rank
        self.last_timings = {
            "embed_query_ms": (t1 - t0) * 1e3,
            "dense_ms": (t2 - t1) * 1e3,
            "lexical_ms": (t3 - t2) * 1e3,
            "fetch_ms": (t4 - t3) * 1e3,
            "rescore_ms": (t5 - t4) * 1e3,
        }
        return out

    def _pool(self, dense: list[tuple[int, float]], lexical: list[tuple[int, float]], depth: int) -> list[Passage]:
        p = self.params
        fused = rrf_fuse(
            [[r for r, _ in dense], [r for r, _ in lexical]], [p.dense_weight, p.lexical_weight], p.rrf_k
        )
        pool = fused[:depth]
        dense_s, lex_s = dict(dense), dict(lexical)
        chunks = self.index.chunks([r for r, _ in pool])
        docs = self.index.document_map(list({c.doc_id for c in chunks.values()}))
        return [
            Passage(
                chunk=chunks[r],
                document=docs[chunks[r].doc_id],
                row_id=r,
                dense_score=dense_s.get(r),
                lexical_score=lex_s.get(r),
                fused_score=s,
            )
            for r, s in pool
            if r in chunks and chunks[r].doc_id in docs
        ]

    def candidates(self, analysis: QueryAnalysis, depth: int = 100) -> list[Passage]:
        """The whole fused candidate pool with its rescoring features (for fitting weights)."""
        qvec = self.embedder.embed([analysis.normalised])
        dense = self.index.dense_search(qvec.reshape(1, -1), depth, None)[0]
        lexical = self.index.lexical_search(analysis.search_text, depth, None)
        passages = self._pool(dense, lexical, 2 * depth)
        if passages:
            self.features(analysis, passages, qvec.reshape(-1))
        return passages

    def entity_passages(self, query: str, k: int) -> list[Passage]:
        """Passages naming the query's entities, by BM25 alone: the safety sweep's lookup, which
        must not depend on how similar a passage is to the question. Results are cached per
        (query, k): the same drug and partner names come back question after question."""
        key = (query, k)
        with self._entity_lock:
            hit = self._entity_cache.get(key)
        if hit is not None:
            return hit
        out = self._passages_for_rows(self.index.lexical_search(query, k, None))
        with self._entity_lock:
            self._entity_cache[key] = out
            if len(self._entity_cache) > ENTITY_CACHE_SIZE:
                self._entity_cache.pop(next(iter(self._entity_cache)))
        return out

    def _passages_for_rows(self, hits: Sequence[tuple[int, float]]) -> list[Passage]:
        chunks = self.index.chunks([r for r, _ in hits])
        docs = self.index.document_map(list({c.doc_id for c in chunks.values()}))
        return [
            Passage(chunk=chunks[r], document=docs[chunks[r].doc_id], row_id=r, lexical_score=sc, fused_score=0.0, rerank_score=0.0)
            for r, sc in hits
            if r in chunks and chunks[r].doc_id in docs
        ]

    def _ensure_entities(
        self, analysis: QueryAnalysis, ranked: list[Passage], out: list[Passage], allowed: list[int] | None
    ) -> list[Passage]:
        """Make sure every drug named in the question is covered by at least one passage.

        A question about three drugs needs evidence on each; when the top k leaves one out, the
        best candidate mentioning it (or a targeted lexical search for it) replaces the lowest-ranked
        passage whose entities are covered elsewhere.
        """
        out = list(out)
        drugs = [*analysis.candidate_drugs, *(d for d in analysis.drugs if d not in analysis.candidate_drugs)]
        names = {d: self.table.names_of(d) for d in drugs}

        def covers(p: Passage, d: str) -> bool:
            return mentions(p.chunk.embed_text, names[d])

        for drug in drugs:
            if any(covers(p, drug) for p in out):
                continue
            chosen = {p.chunk.chunk_id for p in out}
            cand = next((p for p in ranked if p.chunk.chunk_id not in chosen and covers(p, drug)), None)
            if cand is None:
                query = " ".join(names[drug][:4]) + " " + analysis.normalised
                hits = self.index.lexical_search(query, 10, allowed)
                cand = next(
                    (p for p in self._passages_for_rows(hits) if p.chunk.chunk_id not in chosen and covers(p, drug)),
                    None,
                )
            if cand is None:
                continue
            # replace the lowest-ranked passage that is not the only one covering some drug
            for i in range(len(out) - 1, -1, -1):
                others = out[:i] + out[i + 1 :]
                if all(any(covers(o, d) for o in others) or not covers(out[i], d) for d in drugs):
                    out[i] = cand
                    break
            else:
                out.append(cand)
        return out

    def _alternatives(self, analysis: QueryAnalysis, out: list[Passage], allowed: list[int] | None) -> list[Passage]:
        """Passages on other treatments of the question's condition (for the Alternatives section)."""
        conditions = " ".join(c for c in analysis.conditions if "transplant" not in c)
        if not conditions:
            return []
        query = f"{conditions} treatment options"
        seen_docs = {p.document.doc_id for p in out}
        vec = self.embedder.embed([query])
        dense = self.index.dense_search(vec, 20, allowed)[0]
        lexical = self.index.lexical_search(query, 20, allowed)
        fused = rrf_fuse([[r for r, _ in dense], [r for r, _ in lexical]], [1.0, 1.0], self.params.rrf_k)
        extra: list[Passage] = []
        cand_names = [n for d in analysis.candidate_drugs for n in self.table.names_of(d)]
        for p in self._passages_for_rows(fused[:20]):
            if p.document.doc_id in seen_docs or p.document.kind == "research":
                continue
            if cand_names and not mentions(p.chunk.text, cand_names) and not self.table.find(p.chunk.text):
                continue  # an alternatives passage should name some treatment
            extra.append(p)
            seen_docs.add(p.document.doc_id)
            if len(extra) >= self.params.alternatives_k:
                break
        return extra

    def features(
        self, analysis: QueryAnalysis, passages: list[Passage], qvec: np.ndarray, needed: Collection[str] | None = None
    ) -> None:
        """Fill ``passage.features`` for every candidate: the signals the rescoring combines.

        Similarity scores are standardised over the candidates (see :func:`standardise`):

        - ``dense``: cosine of the question and the chunk (exact, also for BM25-only candidates);
        - ``lexical``: BM25 score (also for dense-only candidates);
        - ``sentence``: best cosine of the question and one sentence of the chunk or its document's
          title (or the whole chunk, if higher);
        - ``prf``: cosine with the centroid of the question and the five best fused candidates
          (pseudo-relevance feedback: documents like the likely answers).

        Shares and flags, between 0 and 1:

        - ``rrf``: fused reciprocal-rank score, divided by the best in the pool;
        - ``coverage``: weighted share of the question's drugs, conditions and key terms present;
        - ``aspect`` / ``other_aspect``: the passage covers the aspect the question asks about
          (symptoms, treatment, causes, ...; see :mod:`curbside.qa.aspects`) / clearly covers another;
        - ``title``: share of the document title's (stemmed, stop-worded) words found in the question;
        - ``title_named``: the question names every word of the document title — "symptoms of
          Gitelman syndrome" points at the document called "Gitelman syndrome".

        ``needed`` limits the work to the named features (the rest are left out of the dict).
        """
        need = set(FEATURES if needed is None else needed)
        rows = [p.row_id for p in passages]
        vecs = self.index.vectors_for_rows(rows)
        for passage, sim in zip(passages, vecs @ qvec, strict=True):
            if passage.dense_score is None:
                passage.dense_score = float(sim)
        if "lexical" in need and any(p.lexical_score is None for p in passages):
            lex = self.index.lexical_scores_for(analysis.search_text, rows)
            for p in passages:
                if p.lexical_score is None:
                    p.lexical_score = lex.get(p.row_id, 0.0)
        values: dict[str, np.ndarray] = {}
        dense = np.array([p.dense_score or 0.0 for p in passages], dtype=np.float64)
        if "dense" in need:
            values["dense"] = standardise(dense)
        if "lexical" in need:
            values["lexical"] = standardise(np.array([p.lexical_score or 0.0 for p in passages]))
        if "sentence" in need:
            # a document's title is its one-line summary: it counts among each passage's sentences
            titles = list(dict.fromkeys(p.document.title for p in passages if p.document.title.strip()))
            title_sim = dict(zip(titles, self.embedder.embed(titles) @ qvec, strict=True)) if titles else {}
            best = np.maximum(dense, [title_sim.get(p.document.title, -1.0) for p in passages])
            sentences = passage_sentences(passages, min_chars=15)
            if sentences:
                sims = self.embedder.embed([s.text for s in sentences]) @ qvec
                for sent, sim in zip(sentences, sims, strict=True):
                    best[sent.passage_index] = max(best[sent.passage_index], float(sim))
            values["sentence"] = standardise(best)
        if "prf" in need:
            top = np.argsort([-x.fused_score for x in passages], kind="stable")[:5]
            centroid = vecs[top].mean(axis=0) + qvec
            centroid /= np.linalg.norm(centroid) or 1.0
            values["prf"] = standardise(vecs @ centroid)
        if "rrf" in need:
            top_rrf = max((x.fused_score for x in passages), default=1.0) or 1.0
            values["rrf"] = np.array([p.fused_score / top_rrf for p in passages])
        if "coverage" in need:
            terms = coverage_terms(analysis, self.table)
            values["coverage"] = np.array([terms.score(p.chunk.embed_text) for p in passages])
        if need & {"title", "title_named"}:
            query_stems = set(stems(analysis.normalised))
            shares: dict[str, tuple[float, float]] = {}
            for p in passages:
                if p.document.doc_id not in shares:
                    title = title_stems(p.document.title)
                    share = len(title & query_stems) / len(title) if title else 0.0
                    shares[p.document.doc_id] = (share, 1.0 if share == 1.0 else 0.0)
            values["title"] = np.array([shares[p.document.doc_id][0] for p in passages])
            values["title_named"] = np.array([shares[p.document.doc_id][1] for p in passages])
        if need & {"aspect", "other_aspect"}:
            asked = question_aspects(analysis.question)
            agreement = [(0.0, 0.0)] * len(passages)
            if asked:
                unsectioned = list({p.document.doc_id for p in passages if not p.chunk.section})
                openings = self.index.document_openings(unsectioned) if unsectioned else {}
                agreement = [
                    aspect_agreement(
                        asked,
                        passage_aspects(p.chunk.section, openings.get(p.document.doc_id, ""), p.chunk.text[:300]),
                    )
                    for p in passages
                ]
            values["aspect"] = np.array([a for a, _ in agreement])
            values["other_aspect"] = np.array([b for _, b in agreement])
        names = [f for f in FEATURES if f in need and f in values]
        for i, passage in enumerate(passages):
            passage.features = {name: float(values[name][i]) for name in names}

    def _rescore(self, analysis: QueryAnalysis, passages: list[Passage], qvec: np.ndarray) -> None:
        weights = {name: w for name, w in self.params.weights().items() if w != 0}
        self.features(analysis, passages, qvec, needed=weights)
        for passage in passages:
            passage.rerank_score = sum(w * passage.features[name] for name, w in weights.items())


def mentions(text: str, names: Sequence[str]) -> bool:
    low = text.lower()
    return any(re.search(r"(?<![a-z0-9])" + re.escape(n.lower()) + r"(?![a-z0-9])", low) for n in names)
