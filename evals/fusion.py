"""Ablate the retrieval rescoring on eval sets, and fit its weights with cross-validation.

Curbside ranks candidates by a weighted sum of signals (``HybridRetriever.features``): dense, BM25
and best-sentence similarity standardised over the candidates, coverage of the question's entities,
the passage's aspect against the one asked about, the question naming the document's title, and
optional others (fused rank, title share, pseudo-relevance feedback). This module collects those
features once per query (the whole candidate pool), then reports what the default weights score,
what each signal adds (the ablation), and what weights searched to maximise mean nDCG@10 — *jointly
over several sets*, each set weighted equally — would score, with k-fold cross-validation over
queries showing how well such fitted weights hold on queries they were not fitted on. The default
weights are set by hand (equal weights on the standardised similarities); the fit shows how much
is left on the table and keeps them honest.

    curbside fit-fusion medquad scifact:train pubmedqa bundled --out evals/fusion.json

Fitting uses only the shared halves in ``../shared/data``; the held-apart halves are never seen.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from curbside.qa.retrieval import FEATURES


@dataclass
class QueryPool:
    """One query's candidate passages: a feature matrix, the document of each, graded relevance."""

    qid: str
    doc_ids: list[str]  # per row; a document with several candidate passages has several rows
    X: np.ndarray  # (n_passages, n_features)
    rel: np.ndarray  # graded relevance of each row's document
    n_relevant: int  # relevant docs for the query (including those outside the pool)
    codes: np.ndarray = field(init=False, repr=False)  # doc id order, for ties

    def __post_init__(self) -> None:
        order = {d: i for i, d in enumerate(sorted(set(self.doc_ids)))}
        self.codes = np.array([order[d] for d in self.doc_ids], dtype=np.int64)


def pool_from_passages(qid: str, passages: Sequence[Any], doc_key: Callable[[Any], str], gold: Mapping[str, int]) -> QueryPool:
    """The features of every candidate passage of one query, with its document's relevance."""
    ids = [doc_key(p) for p in passages]
    rows = [[p.features.get(f, 0.0) for f in FEATURES] for p in passages]
    X = np.array(rows, dtype=np.float32) if rows else np.zeros((0, len(FEATURES)), np.float32)
    rel = np.array([gold.get(i, 0) for i in ids], dtype=np.float32)
    return QueryPool(qid, ids, X, rel, sum(1 for v in gold.values() if v > 0))


def ndcg10(pool: QueryPool, w: np.ndarray) -> float:
    """nDCG@10 of the documents in the order of their best passage by ``X @ w`` (ties by doc id).

    This is how the pipeline ranks documents; gains are linear in the grade (as ir_measures'
    nDCG), and the ideal ranking counts relevant documents missing from the pool.
    """
    if pool.n_relevant == 0 or len(pool.doc_ids) == 0:
        return 0.0
    order = np.lexsort((pool.codes, -(pool.X @ w)))
    seen: set[int] = set()
    gains = 0.0
    for i in order:
        code = int(pool.codes[i])
        if code in seen:
            continue
        seen.add(code)
        gains += float(pool.rel[i]) / math.log2(len(seen) + 1)
        if len(seen) == 10:
            break
    grades = {int(c): float(r) for c, r in zip(pool.codes, pool.rel, strict=True) if r > 0}
    ideal_rels = sorted(grades.values(), reverse=True)
    ideal_rels += [1.0] * max(0, pool.n_relevant - len(ideal_rels))  # relevant docs missing from the pool
    ideal = sum(r / math.log2(i + 2) for i, r in enumerate(sorted(ideal_rels, reverse=True)[:10]))
    return gains / ideal if ideal else 0.0


def mean_ndcg10(pools: Sequence[QueryPool], w: np.ndarray) -> float:
    """Mean nDCG@10 over the queries that have relevant documents (those that should abstain have none)."""
    scored = [ndcg10(q, w) for q in pools if q.n_relevant]
    return float(np.mean(scored)) if scored else 0.0


def objective(sets: Mapping[str, Sequence[QueryPool]], w: np.ndarray) -> float:
    """Mean over sets of mean nDCG@10 (each set counts equally)."""
    return float(np.mean([mean_ndcg10(pools, w) for pools in sets.values() if pools]))


GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
# signals that count against a passage take weights of the opposite sign
PENALTIES = frozenset({"other_aspect"})


def fit(sets: Mapping[str, Sequence[QueryPool]], *, start: np.ndarray | None = None, rounds: int = 3) -> np.ndarray:
    """Coordinate ascent over a small grid per weight (scale-free: the sentence weight is fixed).

    Weights are non-negative, except for the :data:`PENALTIES`, which are non-positive.
    """
    w = start.copy() if start is not None else np.array([float(f == "sentence") for f in FEATURES], dtype=np.float32)
    best = objective(sets, w)
    free = [i for i, f in enumerate(FEATURES) if f != "sentence"]
    for _ in range(rounds):
        improved = False
        for i in free:
            for value in (-g for g in GRID) if FEATURES[i] in PENALTIES else GRID:
                trial = w.copy()
                trial[i] = value
                score = objective(sets, trial)
                if score > best + 1e-6:
                    best, w, improved = score, trial, True
        if not improved:
            break
    return w


def cross_validate(sets: Mapping[str, Sequence[QueryPool]], folds: int = 5, seed: int = 13) -> dict[str, Any]:
    """k-fold CV over queries of every set at once; returns held-out nDCG@10 per set."""
    rng = random.Random(seed)
    assignment = {name: [rng.randrange(folds) for _ in pools] for name, pools in sets.items()}
    held: dict[str, list[float]] = {name: [] for name in sets}
    weights = []
    for fold in range(folds):
        train = {n: [q for q, f in zip(p, assignment[n], strict=True) if f != fold] for n, p in sets.items()}
        test = {n: [q for q, f in zip(p, assignment[n], strict=True) if f == fold] for n, p in sets.items()}
        w = fit(train)
        weights.append(w.tolist())
        for name, pools in test.items():
            held[name].extend(ndcg10(q, w) for q in pools if q.n_relevant)
    return {"held_out_ndcg@10": {n: float(np.mean(v)) for n, v in held.items() if v}, "fold_weights": weights}


def ablation(sets: Mapping[str, Sequence[QueryPool]], w: np.ndarray, label: str = "default") -> list[dict[str, Any]]:
    """nDCG@10 per set with the weights ``w``, with each of their signals removed, and single signals."""
    rows = []

    def row(name: str, weights: np.ndarray) -> None:
        rows.append({"variant": name, **{s: mean_ndcg10(p, weights) for s, p in sets.items()}})

    row(label, w)
    for i, f in enumerate(FEATURES):
        if w[i] != 0:
            v = w.copy()
            v[i] = 0.0
            row(f"without {f}", v)
    for i, f in enumerate(FEATURES):
        one = np.zeros(len(FEATURES), dtype=np.float32)
        one[i] = 1.0
        row(f"{f} only", one)
    return rows


def collect(system: Any, items: Sequence[Any], matcher: Any, depth: int = 100, progress: Callable[[], None] | None = None) -> list[QueryPool]:
    """Candidate pools with features for each eval item (``system`` is a Pipeline)."""
    pools = []
    for item in items:
        analysis = system.analyse(item.question)
        passages = system.retriever.candidates(analysis, depth)
        pools.append(pool_from_passages(item.id, passages, matcher.key, item.gold_ids))
        if progress is not None:
            progress()
    return pools


def report(sets: Mapping[str, Sequence[QueryPool]], default: Mapping[str, float]) -> dict[str, Any]:
    """Ablate the default weights, fit, cross-validate; everything the fusion JSON holds."""
    d = np.array([default[f] for f in FEATURES], dtype=np.float32)
    weights = fit(sets, start=d)
    return {
        "features": list(FEATURES),
        "queries": {n: sum(1 for q in p if q.n_relevant) for n, p in sets.items()},
        "default_weights": dict(zip(FEATURES, d.tolist(), strict=True)),
        "default_ndcg@10": {n: mean_ndcg10(p, d) for n, p in sets.items()},
        "fitted_weights": dict(zip(FEATURES, weights.tolist(), strict=True)),
        "fitted_ndcg@10": {n: mean_ndcg10(p, weights) for n, p in sets.items()},
        "cross_validation": cross_validate(sets),
        "ablation": ablation(sets, d),
    }


__all__ = ["FEATURES", "QueryPool", "ablation", "collect", "cross_validate", "fit", "mean_ndcg10", "ndcg10", "pool_from_passages", "report"]
