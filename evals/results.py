"""Render ``evals/RESULTS.md`` from eval run folders (``aggregate.json``) and a fusion fit.

Regenerate everything with one command (about an hour on 2 CPU cores the first time, mostly
embedding the corpora; later runs reuse the embedding cache)::

    curbside eval-all --out eval-out/ --write-results
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from curbside.evals.references import REFERENCES

SYSTEM_ORDER = ("bm25", "dense", "rrf", "curbside")
COLUMNS = ("nDCG@10", "R@1", "R@10", "R@100", "MRR@10", "p50_ms", "p95_ms")
TARGETS = {
    "medquad": "beat the best plain pipeline by ≥ 0.03 nDCG@10 (stretch: ≥ 0.88, R@1 ≥ 0.78)",
    "scifact": "beat the best plain pipeline by ≥ 0.03 nDCG@10 (stretch: ≥ 0.77)",
    "pubmedqa": "never below the best plain pipeline (stretch: R@1 ≥ 0.985)",
}


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}" if digits else f"{v:.1f}"
    return str(v)


def systems_table(agg: Mapping[str, Any]) -> list[str]:
    systems = agg.get("systems", {})
    lines = ["| system | " + " | ".join(COLUMNS) + " |", "|---|" + "---:|" * len(COLUMNS)]
    for name in SYSTEM_ORDER:
        if name in systems:
            row = systems[name]
            cells = [_fmt(row.get(c), 1 if c.endswith("_ms") else 3) for c in COLUMNS]
            lines.append(f"| {'**curbside**' if name == 'curbside' else name} | " + " | ".join(cells) + " |")
    plain = [systems[n]["nDCG@10"] for n in ("bm25", "dense", "rrf") if n in systems and systems[n].get("nDCG@10") is not None]
    if plain and "curbside" in systems:
        delta = systems["curbside"]["nDCG@10"] - max(plain)
        lines.append("")
        lines.append(f"Curbside vs the best plain pipeline: **{delta:+.3f} nDCG@10**.")
    return lines


def render(runs: Mapping[str, Mapping[str, Any]], fusion: Mapping[str, Any] | None, settings_hash: str) -> str:
    """The whole RESULTS.md text."""
    any_run = next(iter(runs.values()), {})
    stamp = any_run.get("stamp", {})
    machine = stamp.get("machine", {})
    versions = ", ".join(f"{k} {v}" for k, v in stamp.get("versions", {}).items())
    out = [
        "# Eval results",
        "",
        "Regenerate with `curbside eval-all --out eval-out/ --write-results` (see `curbside/evals/results.py`).",
        "",
        f"Machine: {machine.get('cpus', '?')} CPU cores, {machine.get('memory_gb', '?')} GB RAM, "
        f"{machine.get('platform', '')}; no GPU. Versions: {versions}. Settings hash `{settings_hash}` "
        "(defaults; packaged all-MiniLM-L6-v2, extractive composer).",
        "",
        "Retrieval is scored at document level with ir_measures; latencies are per query on a warm "
        "process (models loaded, embedding cache warm). These are the *shared* halves of each set; "
        "the held-apart halves are never used here.",
        "",
    ]
    for name, agg in runs.items():
        split = agg.get("split")
        title = f"## {name}" + (f" ({split})" if split else "") + f": {agg.get('n_queries')} queries"
        out += [title, ""]
        sampling = agg.get("sampling") or {}
        if sampling.get("max_docs") or sampling.get("max_queries"):
            out += [f"Sampled: `{json.dumps(agg['sampling'])}`.", ""]
        out += systems_table(agg)
        if name in TARGETS:
            out += ["", f"Target: {TARGETS[name]}."]
        refs = REFERENCES.get(name, [])
        if refs:
            out += ["", "Published / measured reference figures:"]
            out += [f"- {r.system}: {r.metric} {r.value} ({r.source})" for r in refs]
        metrics = agg.get("metrics", {})
        extra = {k: metrics[k] for k in ("citation_precision", "citation_support", "reference_coverage",
                                          "abstention_precision", "abstention_recall", "yesno_accuracy",
                                          "yesno_majority", "peak_rss_mb") if metrics.get(k) is not None}
        if extra:
            out += ["", "| answer metric | value |", "|---|---:|"]
            out += [f"| {k} | {_fmt(v)} |" for k, v in extra.items()]
        out.append("")
    if fusion:
        out += ablation_section(fusion)
    return "\n".join(out).rstrip() + "\n"


def ablation_section(fusion: Mapping[str, Any]) -> list[str]:
    """The ablation table of a ``curbside fit-fusion`` JSON, with how to read it."""
    default = fusion.get("default_weights", {})
    weights = ", ".join(f"{k} {v:g}" for k, v in default.items() if v)
    out = [
        "## What each part of Curbside's retrieval adds (ablation)",
        "",
        "Candidates are the union of the dense and BM25 top 100, cut to the best 100 by fused rank. Each is "
        "scored by a weighted sum of signals: `dense` (chunk cosine), `lexical` (BM25) and `sentence` (best "
        "question-sentence cosine), each *standardised over the candidates* so their scales stop mattering; "
        "`coverage` (share of the question's drugs, conditions and key terms present); `aspect` / "
        "`other_aspect` (the passage covers the aspect asked about — symptoms, treatment, causes, ... — or "
        "clearly another, from its headings or opening); `title_named` (the question names the document's "
        "whole title); and, off by default, `rrf` (fused rank), `title` (share of the title in the "
        f"question) and `prf` (closeness to the top five candidates' centroid). Default weights, set by hand: {weights}. "
        "A document ranks at its best passage, as in the pipeline. nDCG@10 per variant "
        "(queries that must abstain are left out):",
        "",
    ]
    sets = list(fusion.get("queries", {}))
    out.append("| variant | " + " | ".join(sets) + " |")
    out.append("|---|" + "---:|" * len(sets))
    for row in fusion.get("ablation", []):
        out.append(f"| {row['variant']} | " + " | ".join(_fmt(row[s]) for s in sets) + " |")
    fitted = fusion.get("fitted_ndcg@10", {})
    if fitted:
        out.append("| jointly fitted weights (in-sample) | " + " | ".join(_fmt(fitted.get(s)) for s in sets) + " |")
    cv = fusion.get("cross_validation", {}).get("held_out_ndcg@10", {})
    if cv:
        out.append("| jointly fitted, held-out folds (5-fold CV) | " + " | ".join(_fmt(cv.get(s)) for s in sets) + " |")
    fitted_w = ", ".join(f"{k} {v:g}" for k, v in fusion.get("fitted_weights", {}).items() if v)
    out += [
        "",
        f"Jointly fitted weights (coordinate ascent over every set above, each weighted equally): {fitted_w}. "
        "The default stays hand-set: equal weights on the standardised similarities carry over to a "
        "user's own documents without a fit, while the cross-validated row shows what fitting to these "
        "sets would gain or lose on each of them. Any weight can be set with `CURBSIDE_RETRIEVAL__RESCORE_<FEATURE>_WEIGHT` "
        "(`FUSION` for rrf).",
        "",
    ]
    return out


def load_run(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "aggregate.json").read_text(encoding="utf-8"))
