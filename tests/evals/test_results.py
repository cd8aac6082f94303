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


def test_results_keep_the_old_sections_and_add_the_new_ones() -> None:
    base = _agg({"bm25": 0.9, "curbside": 0.95})
    bundled = {**base, "set": "bundled", "split": None, "n_queries": 71}
    clinician = {**base, "set": "clinician", "split": None, "n_items": 20,
                 "metrics": {"bottom_line_hit": 0.8, "span_violations": 0.0},
                 "halves": {"A": {"n_items": 11.0, "bottom_line_hit": 0.82, "span_violations": 0.0},
                            "B": {"n_items": 9.0, "bottom_line_hit": 0.78, "span_violations": 0.0}}}
    rr = {**base, "set": "pubmedqa", "split": "dev", "n_queries": 500,
          "metrics": {"yesno_accuracy": 0.61, "yesno_macro_f1": 0.5}}
    rf = {**rr, "set": "pubmedqa-reasoning-free",
          "metrics": {"yesno_accuracy": 0.77, "yesno_macro_f1": 0.6, "conclusion_bottom_line": 0.9}}
    pdfs = {**base, "set": "clinical-pdfs", "n_items": 10,
            "metrics": {"key_fact_bottom_line_count": 9.0, "key_fact_answer_count": 10.0, "table_residue": 0.0,
                        "span_violations": 0.0, "R@1": 1.0, "nDCG@10": 1.0}}
    text = render({"bundled": bundled, "clinician": clinician, "pubmedqa": rr, "pubmedqa-reasoning-free": rf,
                   "clinical-pdfs": pdfs}, None, "h")
    assert "## bundled: 71 queries" in text and "## pubmedqa (dev): 500 queries" in text
    assert "| bottom-line hit (term + gold citation) | 0.800 | 0.820 | 0.780 | -0.040 | ≥ 0.85 |" in text
    assert "| citations not an exact span (count) | 0 | 0 | 0 | +0 | 0 |" in text
    assert "| **curbside** | 0.610 | 0.500 | 0.770 | 0.600 |" in text
    assert "| single human annotator (published) | 0.780 | 0.722 | 0.904 | 0.842 |" in text
    assert "| majority class (published) | 0.552 | 0.237 | 0.552 | 0.237 |" in text
    assert "(measured: 0.900)" in text
    assert "| quoted answer in the bottom line | 9 of 10 | ≥ 9 |" in text
    # order: the clinician section follows bundled, the PubMedQA settings follow PubMedQA
    assert text.index("## bundled") < text.index("## clinician") < text.index("## pubmedqa (dev)") \
        < text.index("## PubMedQA in two settings") < text.index("## clinical PDFs")


def test_the_second_authors_clinician_set_has_its_own_section() -> None:
    base = _agg({"bm25": 0.9, "curbside": 0.95})
    run = {**base, "set": "clinician2", "split": None, "n_items": 30,
           "metrics": {"bottom_line_hit": 0.6, "span_violations": 0.0},
           "halves": {"A": {"n_items": 16.0, "bottom_line_hit": 0.62, "span_violations": 0.0},
                      "B": {"n_items": 14.0, "bottom_line_hit": 0.58, "span_violations": 0.0}}}
    text = render({"clinician2": run}, None, "h")
    assert "## clinician2: 30 clinician-style questions over the bundled corpus" in text
    assert "`evals/sets/clinician2.jsonl`" in text and "second author" in text
    assert "| bottom-line hit (term + gold citation) | 0.600 | 0.620 | 0.580 | -0.040 | ≥ 0.85 |" in text
