"""evals/RESULTS.md rendering: the systems side by side, the delta, and the ablation table."""

from __future__ import annotations

from curbside.evals.results import render


def _agg(ndcg: dict[str, float]) -> dict:
    return {
        "set": "scifact", "split": "train", "n_queries": 809,
        "stamp": {"machine": {"cpus": 2, "memory_gb": 23.5, "platform": "Linux"}, "versions": {"curbside": "0.1.0"}},
        "systems": {name: {"nDCG@10": v, "R@1": 0.5, "R@10": 0.8, "R@100": 0.9, "MRR@10": 0.6, "p50_ms": 12.0, "p95_ms": 20.0}
                    for name, v in ndcg.items()},
        "metrics": {"peak_rss_mb": 900.0},
    }


def test_results_show_every_system_the_delta_and_the_ablation() -> None:
    fusion = {
        "queries": {"scifact": 809},
        "default_weights": {"dense": 1.0, "lexical": 1.0, "rrf": 0.0},
        "ablation": [{"variant": "default", "scifact": 0.747}, {"variant": "without dense", "scifact": 0.72}],
        "fitted_weights": {"dense": 1.5, "lexical": 1.0},
        "fitted_ndcg@10": {"scifact": 0.75},
        "cross_validation": {"held_out_ndcg@10": {"scifact": 0.745}},
    }
    text = render({"scifact": _agg({"bm25": 0.696, "dense": 0.660, "rrf": 0.718, "curbside": 0.747})}, fusion, "abc123")
    assert "## scifact (train): 809 queries" in text
    assert "| **curbside** | 0.747 |" in text
    assert "**+0.029 nDCG@10**" in text
    assert "Settings hash `abc123`" in text
    assert "| without dense | 0.720 |" in text
    assert "| jointly fitted, held-out folds (5-fold CV) | 0.745 |" in text
    assert "Default weights, set by hand: dense 1, lexical 1." in text  # zero weights are not listed
