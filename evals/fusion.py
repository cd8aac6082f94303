"""Fit the retrieval rescoring weights on eval sets, with cross-validation, and report ablations.

Curbside ranks candidates by a weighted sum of five signals (``HybridRetriever.features``): fused
RRF rank, dense cosine, BM25, best-sentence cosine and coverage of the question's entities. Instead
of fixed weights, this module collects those features once per query (the whole candidate pool),
then searches weights that maximise mean nDCG@10 — *jointly over several sets*, each set weighted
equally, so the result is one default that is not keyed to any single collection. Cross-validation
(k folds over queries, per set) reports how well the fitted weights hold on queries they were not
fitted on; the ablation table shows what each signal adds.

    curbside fit-fusion medquad scifact:train pubmedqa --out evals/fusion.json

Fitting uses only the shared halves in ``../shared/data``; the held-apart halves are never seen.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

FEATURES = ("rrf", "dense", "lexical", "sentence", "coverage", "title", "prf")


@dataclass
class QueryPool:
    """One query's candidate documents: a feature matrix and graded relevance."""

    qid: str
    doc_ids: list[str]
    X: np.ndarray  # (n_docs, n_features), doc-level (max over the doc's chunks)
    rel: np.ndarray  # graded relevance per candidate doc
    n_relevant: int  # relevant docs for the query (including those outside the pool)


def pool_from_passages(qid: str, passages: Sequence[Any], doc_key: Callable[[Any], str], gold: Mapping[str, int]) -> QueryPool:
    """Doc-level features (max over each document's chunks) for one query."""
    by_doc: dict[str, np.ndarray] = {}
    for p in passages:
        vec = np.array([p.features.get(f, 0.0) for f in FEATURES], dtype=np.float32)
        key = doc_key(p)
        by_doc[key] = np.maximum(by_doc[key], vec) if key in by_doc else vec
    ids = sorted(by_doc)
    X = np.vstack([by_doc[i] for i in ids]) if ids else np.zeros((0, len(FEATURES)), np.float32)
    rel = np.array([gold.get(i, 0) for i in ids], dtype=np.float32)
    return QueryPool(qid, ids, X, rel, sum(1 for v in gold.values() if v > 0))


def ndcg10(pool: QueryPool, w: np.ndarray) -> float:
    """nDCG@10 of ranking the pool by ``X @ w`` (ties by doc id); ideal over all relevant docs."""
    if pool.n_relevant == 0:
        return 0.0
    if len(pool.doc_ids) == 0:
        return 0.0
    scores = pool.X @ w
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], pool.doc_ids[i]))[:10]
    gains = [(2 ** pool.rel[i] - 1) / math.log2(r + 2) for r, i in enumerate(order)]
    ideal_rels = sorted(pool.rel[pool.rel > 0].tolist(), reverse=True)
    ideal_rels += [1.0] * max(0, pool.n_relevant - len(ideal_rels))  # relevant docs missing from the pool
    ideal = sum((2 ** r - 1) / math.log2(i + 2) for i, r in enumerate(sorted(ideal_rels, reverse=True)[:10]))
    return float(sum(gains) / ideal) if ideal else 0.0


def objective(sets: Mapping[str, Sequence[QueryPool]], w: np.ndarray) -> float:
    """Mean over sets of mean nDCG@10 (each set counts equally)."""
    return float(np.mean([np.mean([ndcg10(q, w) for q in pools]) for pools in sets.values() if pools]))


GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)


def fit(sets: Mapping[str, Sequence[QueryPool]], *, start: np.ndarray | None = None, rounds: int = 3) -> np.ndarray:
    """Coordinate ascent over a small grid per weight (scale-free: the sentence weight is fixed)."""
    w = start.copy() if start is not None else np.array([0.5, 0.0, 0.0, 0.5, 0.35, 0.0, 0.0], dtype=np.float32)
    best = objective(sets, w)
    free = [i for i, f in enumerate(FEATURES) if f != "sentence"]
    for _ in range(rounds):
        improved = False
        for i in free:
            for value in GRID:
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
            held[name].extend(ndcg10(q, w) for q in pools)
    return {"held_out_ndcg@10": {n: float(np.mean(v)) for n, v in held.items() if v}, "fold_weights": weights}


def ablation(sets: Mapping[str, Sequence[QueryPool]], w: np.ndarray) -> list[dict[str, Any]]:
    """nDCG@10 per set with the fitted weights, with each signal removed, and single signals."""
    rows = []

    def row(name: str, weights: np.ndarray) -> None:
        rows.append({"variant": name, **{s: float(np.mean([ndcg10(q, weights) for q in p])) for s, p in sets.items()}})

    row("fitted (all signals)", w)
    for i, f in enumerate(FEATURES):
        if w[i] > 0:
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
    """Fit, cross-validate and ablate; everything the fusion JSON holds."""
    d = np.array([default[f] for f in FEATURES], dtype=np.float32)
    weights = fit(sets, start=d)
    return {
        "features": list(FEATURES),
        "queries": {n: len(p) for n, p in sets.items()},
        "default_weights": dict(zip(FEATURES, d.tolist(), strict=True)),
        "default_ndcg@10": {n: float(np.mean([ndcg10(q, d) for q in p])) for n, p in sets.items()},
        "fitted_weights": dict(zip(FEATURES, weights.tolist(), strict=True)),
        "fitted_ndcg@10": {n: float(np.mean([ndcg10(q, weights) for q in p])) for n, p in sets.items()},
        "cross_validation": cross_validate(sets),
        "ablation": ablation(sets, weights),
    }


__all__ = ["FEATURES", "QueryPool", "ablation", "collect", "cross_validate", "fit", "ndcg10", "pool_from_passages", "report"]
