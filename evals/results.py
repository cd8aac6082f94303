"""Render ``evals/RESULTS.md`` from eval run folders (``aggregate.json``) and a fusion fit.

Regenerate everything with one command (about an hour on 2 CPU cores the first time, mostly
embedding the corpora; later runs reuse the embedding cache)::

    curbside eval-all --out eval-out/ --write-results
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from curbside.evals.references import REFERENCES
from curbside.evals.sets import SETS_DIR


class RunSpec(NamedTuple):
    """One run of ``curbside eval-all``: its report folder is ``<out>/<folder>``."""

    folder: str
    set: str
    split: str | None = None
    answers: bool = True
    baselines: bool = True
    setting: str | None = None
    needs: str | None = None  # a set file that may not exist yet; the run is skipped without it


ALL_RUNS: tuple[RunSpec, ...] = (
    RunSpec("bundled", "bundled"),
    RunSpec("clinician", "clinician", needs=str(SETS_DIR / "clinician.jsonl")),
    RunSpec("clinician2", "clinician2", needs=str(SETS_DIR / "clinician2.jsonl")),
    RunSpec("clinician3", "clinician3", needs=str(SETS_DIR / "clinician3.jsonl")),
    RunSpec("safety", "safety", baselines=False, needs=str(SETS_DIR / "safety.jsonl")),
    RunSpec("medquad", "medquad", answers=False),
    RunSpec("scifact", "scifact", split="train", answers=False),
    RunSpec("pubmedqa", "pubmedqa"),
    RunSpec("pubmedqa-reasoning-free", "pubmedqa", baselines=False, setting="reasoning-free"),
    RunSpec("clinical-pdfs", "clinical-pdfs", baselines=False),
)
"""Every run behind ``evals/RESULTS.md``, in the order the sections appear."""

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
        if name in SPECIAL:
            out += SPECIAL[name](runs)
            continue
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


# ---------------------------------------------------------------------------------------------
# clinician-style, safety, PubMedQA settings, clinical PDFs

CLINICIAN_ROWS: tuple[tuple[str, str, str], ...] = (
    # (metric, what it is, target from issues 15 / 16)
    ("frame_intent", "frame: intent", "≥ 0.95"),
    ("frame_intervention", "frame: intervention", "≥ 0.95"),
    ("frame_current_medications", "frame: current medications (exact set)", "≥ 0.90"),
    ("frame_conditions", "frame: conditions (exact set)", ""),
    ("frame_population", "frame: population (exact set)", ""),
    ("frame_asked_attribute", "frame: asked attribute", ""),
    ("frame_yes_no", "frame: yes/no shape (= item has a decision)", ""),
    ("false_abstention", "false abstention (answerable items abstained)", "≤ 0.05"),
    ("abstention_precision", "abstention precision", "≥ 0.90"),
    ("abstention_recall", "abstention recall", "≥ 0.90"),
    ("coverage_accuracy", "coverage accuracy", ""),
    ("bottom_line_hit", "bottom-line hit (term + gold citation)", "≥ 0.85"),
    ("decision_accuracy", "decision accuracy", "≥ 0.85"),
    ("citation_precision", "citation precision", "≥ 0.80"),
    ("verified_support", "citation support (independent verifier)", ""),
    ("verdict_entailed", "verdict entailed by its citations (verifier)", ""),
    ("statements_median", "median statements per answer", "≤ 8"),
    ("span_violations", "citations not an exact span (count)", "0"),
    ("table_residue", "statements with table residue (count)", "0"),
    ("uncarried_citations", "cited chunks outside the answer's passages (count, looked up)", ""),
    ("nDCG@10", "retrieval nDCG@10", ""),
    ("R@10", "retrieval R@10", ""),
)
SAFETY_ROWS: tuple[tuple[str, str, str], ...] = (
    ("sweep_recall", "sweep recall (danger shown, its file cited)", "≥ 0.98"),
    ("verdict_safety", "verdict safety (no 'yes' on a danger item)", "1.0"),
    ("false_alarms", "false alarms on safe pairs", "≤ 0.10"),
    ("decision_accuracy", "decision accuracy", ""),
    ("frame_intervention", "frame: intervention", ""),
    ("span_violations", "citations not an exact span (count)", "0"),
    ("uncarried_citations", "cited chunks outside the answer's passages (count, looked up)", ""),
)
_DIGITS = {"span_violations": 0, "table_residue": 0, "uncarried_citations": 0, "statements_median": 1}


def _cell(value: Any, metric: str) -> str:
    if value is None:
        return "–"
    digits = _DIGITS.get(metric)
    return f"{value:.0f}" if digits == 0 else f"{value:.1f}" if digits == 1 else f"{value:.3f}"


def halves_table(agg: Mapping[str, Any], rows: tuple[tuple[str, str, str], ...]) -> list[str]:
    """Whole set, half A (tune), half B (check) and B − A for each metric, with its target."""
    halves = agg.get("halves") or {}
    metrics = agg.get("metrics", {})
    a, b = halves.get("A", {}), halves.get("B", {})
    n_a, n_b = a.get("n_items"), b.get("n_items")
    head = f"| metric | all ({agg.get('n_items')}) | A, tune ({_cell(n_a, 'span_violations')}) | " \
           f"B, check ({_cell(n_b, 'span_violations')}) | B − A | target |"
    lines = [head, "|---|---:|---:|---:|---:|---|"]
    gaps = []
    for metric, label, target in rows:
        va, vb = a.get(metric), b.get(metric)
        if metrics.get(metric) is None and va is None and vb is None:
            continue
        gap = None if va is None or vb is None else vb - va
        if gap is not None and metric not in _DIGITS and metric not in ("nDCG@10", "R@10"):
            gaps.append(abs(gap))
        gap_s = "–" if gap is None else f"{gap:+.0f}" if _DIGITS.get(metric) == 0 else f"{gap:+.3f}"
        lines.append(f"| {label} | {_cell(metrics.get(metric), metric)} | {_cell(va, metric)} | "
                     f"{_cell(vb, metric)} | {gap_s} | {target} |")
    if gaps:
        lines += ["", f"How far apart the halves are: the largest gap between A and B over the rates above is "
                      f"**{max(gaps):.3f}**, the mean gap {sum(gaps) / len(gaps):.3f}."]
    return lines


def clinician_section(runs: Mapping[str, Mapping[str, Any]], name: str = "clinician") -> list[str]:
    agg = runs[name]
    author = {
        "clinician2": " A second author's set, written from the corpus blind to Curbside's code and answers, "
                      "to measure how the methods carry over to wordings they were not fitted to.",
        "clinician3": " A third author's set, written blind to Curbside's answers after the frame, plan and sweep "
                      "had been tuned on the first two sets' A halves: how far those methods carry to new "
                      "questions (stories, follow-ups, alternatives).",
    }.get(name, "")
    out = [
        f"## {name}: {agg.get('n_items')} clinician-style questions over the bundled corpus",
        "",
        "Questions phrased as clinicians ask them (brand names, codes, patient details, follow-ups, "
        "questions the library cannot answer), each with its expected question frame, bottom-line "
        f"terms, verdict and coverage (`evals/sets/{name}.jsonl`).{author} The set is split by a fixed hash "
        "of the item id (`curbside.evals.sets.half_of`): tune on half A, check on half B. The intent model "
        "(`qa/intent_model.py`, `python -m curbside.evals.train_intent`) is trained on the stand-alone questions "
        "of every clinician set's half A, so half A's frame figures are partly training accuracy. An item counts "
        "as abstained when the answer abstains or its coverage is not `full`. Citation precision is the "
        "share of the distinct cited passages that come from a gold document or contain a key fact; the "
        "bottom-line hit needs a `bottom_line_any` term in the bottom line *and* a gold citation under it. "
        "Definitions: `curbside/evals/metrics.py`.",
        "",
    ]
    out += halves_table(agg, CLINICIAN_ROWS)
    if agg.get("metrics", {}).get("verdict_entailed") is None:
        out += ["", "TODO: judge that each verdict is entailed by its citations, once the verifier exposes a "
                    "verdict check; citation support above is judged per cited statement."]
    return [*out, ""]


def safety_section(runs: Mapping[str, Mapping[str, Any]]) -> list[str]:
    agg = runs["safety"]
    out = [
        f"## safety: {agg.get('n_items')} (intervention, medication or condition) pairs from the bundled corpus",
        "",
        "Danger items: the corpus states a contraindication, avoidance or required dose change for the "
        "pair; sweep recall counts an answer whose bottom line or Risks section names the danger and "
        "which cites the file that states it (a partial answer's Risks count). Safe items: the corpus "
        "states the pair is safe; a false alarm is a `no` verdict, or a bottom line or Risks statement "
        "with a contraindication cue naming the intervention and the patient's medication or condition "
        "that warns about the pair itself, not a different party (`evals/sets/safety.jsonl`, "
        "`curbside.evals.metrics.safety_outcome`).",
        "",
    ]
    return out + halves_table(agg, SAFETY_ROWS) + [""]


PUBMEDQA_PUBLISHED = (
    ("majority class", "0.552", "0.237", "0.552", "0.237"),
    ("single human annotator", "0.780", "0.722", "0.904", "0.842"),
    ("BioBERT", "0.681", "0.527", "–", "–"),
)
"""Accuracy and macro-F1 in the reasoning-required and reasoning-free settings (Jin et al. 2019, test
split; the majority class's macro-F1 computed from the label shares, the others from the paper's
Table 5, unverified here)."""


def pubmedqa_settings_section(runs: Mapping[str, Mapping[str, Any]]) -> list[str]:
    req, free = runs.get("pubmedqa", {}).get("metrics", {}), runs.get("pubmedqa-reasoning-free", {}).get("metrics", {})
    out = [
        "## PubMedQA in two settings: yes/no/maybe",
        "",
        "*Reasoning-required*: only the abstract's contexts are indexed (its conclusion held back). "
        "*Reasoning-free*: the abstract's conclusion (`LONG_ANSWER`) is indexed as its last paragraph, "
        "headed `CONCLUSIONS:`. The decision is `answer.decision` (yes → yes, no → no, conditional or "
        "insufficient → maybe) when the answer has one, else a cue-based reading of the bottom line. "
        "Published figures are on the test split; ours on the dev half (500 questions).",
        "",
        "| system | reasoning-required accuracy | macro-F1 | reasoning-free accuracy | macro-F1 |",
        "|---|---:|---:|---:|---:|",
        f"| **curbside** | {_fmt(req.get('yesno_accuracy'))} | {_fmt(req.get('yesno_macro_f1'))} | "
        f"{_fmt(free.get('yesno_accuracy'))} | {_fmt(free.get('yesno_macro_f1'))} |",
    ]
    out += [f"| {name} (published) | {rr} | {rr_f1} | {rf} | {rf_f1} |" for name, rr, rr_f1, rf, rf_f1 in PUBMEDQA_PUBLISHED]
    out += ["", "Targets (issue 16): reasoning-required ≥ 0.60, reasoning-free ≥ 0.75 with the bottom line "
                f"drawn from the conclusion in ≥ 0.85 of questions (measured: {_fmt(free.get('conclusion_bottom_line'))}).",
            ""]
    return out


def clinical_pdfs_section(runs: Mapping[str, Mapping[str, Any]]) -> list[str]:
    agg = runs["clinical-pdfs"]
    m = agg.get("metrics", {})
    n = agg.get("n_items")
    return [
        f"## clinical PDFs: {n} questions over 4 real documents",
        "",
        "The questions and quoted answers of `../shared/data/pdfs/SOURCE.md` (read at run time), over its "
        "four clinical PDFs (CDC, NCHS, Diabetologia, Exp Mol Med), indexed on their own.",
        "",
        "| metric | value | target |",
        "|---|---:|---|",
        f"| quoted answer in the bottom line | {_cell(m.get('key_fact_bottom_line_count'), 'span_violations')} of {n} | ≥ 9 |",
        f"| quoted answer anywhere in the answer | {_cell(m.get('key_fact_answer_count'), 'span_violations')} of {n} | |",
        f"| statements with table-layout residue (\"Yes No Not applicable\") | {_cell(m.get('table_residue'), 'table_residue')} | 0 |",
        f"| citations not an exact span | {_cell(m.get('span_violations'), 'span_violations')} | 0 |",
        f"| retrieval R@1 / nDCG@10 | {_fmt(m.get('R@1'))} / {_fmt(m.get('nDCG@10'))} | |",
        "",
    ]


SPECIAL: dict[str, Any] = {
    "clinician": clinician_section,
    "clinician2": lambda runs: clinician_section(runs, "clinician2"),
    "clinician3": lambda runs: clinician_section(runs, "clinician3"),
    "safety": safety_section,
    "clinical-pdfs": clinical_pdfs_section,
    "pubmedqa-reasoning-free": pubmedqa_settings_section,
}
"""Runs rendered by their own section rather than as a retrieval table."""


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
