"""The rescoring fit: nDCG@10 of a weighted pool, coordinate ascent, cross-validation, ablation."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from curbside.evals.fusion import (
    FEATURES,
    QueryPool,
    ablation,
    cross_validate,
    fit,
    mean_ndcg10,
    ndcg10,
    report,
)

LEX, SENT = FEATURES.index("lexical"), FEATURES.index("sentence")


def _pool(qid: str, X: np.ndarray, rel: list[float], n_relevant: int | None = None) -> QueryPool:
    ids = [f"{qid}-d{i}" for i in range(len(rel))]
    return QueryPool(qid, ids, X.astype(np.float32), np.array(rel, np.float32),
                     sum(1 for r in rel if r > 0) if n_relevant is None else n_relevant)


def _weights(**named: float) -> np.ndarray:
    return np.array([named.get(f, 0.0) for f in FEATURES], np.float32)


def test_ndcg10_by_hand() -> None:
    X = np.zeros((3, len(FEATURES)))
    X[:, LEX] = [0.9, 0.5, 0.1]
    pool = _pool("q", X, [0, 1, 0])
    assert ndcg10(pool, _weights(lexical=1)) == pytest.approx(1 / math.log2(3))
    # a second relevant document outside the pool still counts in the ideal ranking
    missing = _pool("q", X, [0, 1, 0], n_relevant=2)
    assert ndcg10(missing, _weights(lexical=1)) == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert ndcg10(pool, _weights(lexical=-1)) == pytest.approx(1 / math.log2(3))  # middle either way


def _synthetic_set(n: int, seed: int) -> list[QueryPool]:
    """The relevant document always has the highest ``lexical``; ``sentence`` is noise."""
    rng = random.Random(seed)
    pools = []
    for q in range(n):
        X = np.zeros((10, len(FEATURES)))
        X[:, SENT] = [rng.random() for _ in range(10)]
        X[:, LEX] = [rng.random() * 0.5 for _ in range(10)]
        hit = rng.randrange(10)
        X[hit, LEX] = 1.0
        rel = [1.0 if i == hit else 0.0 for i in range(10)]
        pools.append(_pool(f"s{seed}-q{q}", X, rel))
    return pools


def test_fit_finds_the_informative_signal_and_holds_out_of_fold() -> None:
    sets = {"a": _synthetic_set(40, 1), "b": _synthetic_set(40, 2)}
    start = _weights(sentence=1)
    before = {n: mean_ndcg10(p, start) for n, p in sets.items()}
    w = fit(sets, start=start)
    assert w[SENT] == 1.0  # the anchor of the scale is never moved
    assert w[LEX] > 1.0
    for name, pools in sets.items():
        assert mean_ndcg10(pools, w) > 0.95 > before[name] + 0.3
    held = cross_validate(sets, folds=4)["held_out_ndcg@10"]
    assert set(held) == {"a", "b"} and min(held.values()) > 0.9


def test_queries_without_relevant_documents_are_not_scored() -> None:
    pools = _synthetic_set(5, 3)
    empty = _pool("abstain", np.zeros((4, len(FEATURES))), [0, 0, 0, 0])
    w = _weights(lexical=1)
    assert mean_ndcg10([*pools, empty], w) == pytest.approx(mean_ndcg10(pools, w))


def test_ablation_removes_each_weighted_signal_and_tries_each_alone() -> None:
    sets = {"a": _synthetic_set(20, 4)}
    rows = {r["variant"]: r["a"] for r in ablation(sets, _weights(lexical=1, sentence=1))}
    assert set(rows) == {"default", "without lexical", "without sentence", *(f"{f} only" for f in FEATURES)}
    assert rows["without lexical"] < rows["default"] and rows["lexical only"] == pytest.approx(1.0)


def test_report_holds_default_fitted_and_cross_validation() -> None:
    sets = {"a": _synthetic_set(20, 5), "b": _synthetic_set(20, 6)}
    default = {f: (1.0 if f == "sentence" else 0.0) for f in FEATURES}
    out = report(sets, default)
    assert out["queries"] == {"a": 20, "b": 20}
    assert out["fitted_ndcg@10"]["a"] > out["default_ndcg@10"]["a"]
    assert out["ablation"][0]["variant"] == "default"
    assert set(out["cross_validation"]["held_out_ndcg@10"]) == {"a", "b"}


def test_a_document_counts_once_at_the_rank_of_its_best_passage() -> None:
    X = np.zeros((4, len(FEATURES)))
    X[:, LEX] = [0.9, 0.8, 0.7, 0.1]
    pool = QueryPool("q", ["a", "a", "b", "c"], X.astype(np.float32), np.array([0, 0, 1, 0], np.float32), 1)
    # a's two passages take ranks 1 and 2, but a is one document: b is the 2nd document
    assert ndcg10(pool, _weights(lexical=1)) == pytest.approx(1 / math.log2(3))


def test_graded_gains_are_linear_like_ir_measures() -> None:
    X = np.zeros((2, len(FEATURES)))
    X[:, LEX] = [0.9, 0.1]
    pool = _pool("q", X, [1, 2])
    ideal = 2 + 1 / math.log2(3)
    assert ndcg10(pool, _weights(lexical=1)) == pytest.approx((1 + 2 / math.log2(3)) / ideal)


def test_fitted_weights_keep_their_documented_signs() -> None:
    # a signal that is anti-correlated with relevance would win a negative weight if one were allowed
    rng = random.Random(7)
    pools = []
    for q in range(30):
        X = np.zeros((10, len(FEATURES)))
        X[:, SENT] = [rng.random() for _ in range(10)]
        X[:, FEATURES.index("dense")] = [rng.random() for _ in range(10)]
        hit = rng.randrange(10)
        X[hit, FEATURES.index("dense")] = -1.0
        X[:, FEATURES.index("other_aspect")] = 0.0
        X[hit, FEATURES.index("other_aspect")] = 0.0
        X[(hit + 1) % 10, FEATURES.index("other_aspect")] = 1.0
        pools.append(_pool(f"q{q}", X, [1.0 if i == hit else 0.0 for i in range(10)]))
    w = fit({"a": pools}, start=_weights(sentence=1))
    assert w[FEATURES.index("dense")] >= 0
    assert w[FEATURES.index("other_aspect")] <= 0
