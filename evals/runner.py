"""Batch evaluation: run a set through a system (and the plain baselines), score, report, gate.

The runner sees a system only through :class:`EvalSystem` (``search`` and ``ask``), so this layer
never imports the front door; ``curbside eval`` passes a factory that builds a ``Pipeline``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import inspect
import json
import math
import os
import platform
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from curbside.evals import metrics as M
from curbside.evals.baselines import PLAIN_SYSTEMS, PlainBaselines
from curbside.evals.references import references_for
from curbside.evals.sets import (
    HALVES,
    EvalItem,
    EvalSet,
    EvalSetError,
    half_of,
    qrels_of,
    records_from_folder,
    resolve_set,
    write_corpus,
)
from curbside.qa.types import Answer, Passage

SUMMARY_METRICS = ("nDCG@10", "R@1", "R@10", "R@100", "MRR@10")


class EvalSystem(Protocol):
    """What the runner needs from a question-answering system (``curbside.Pipeline`` fits)."""

    def search(self, query: str, *, k: int | None = None) -> list[Passage]: ...

    def ask(self, question: str) -> Answer: ...


SystemFactory = Callable[[Path | None], EvalSystem]
"""``factory(index_dir)`` → a system; ``None`` means the front door's default (bundled) index."""

IndexBuilder = Callable[[Sequence[Path], Path], Any]
"""``builder(paths, index_dir)`` builds or incrementally updates the index at ``index_dir``."""


@dataclass
class EvalRun:
    """Everything one run produced; :func:`write_report` turns it into files."""

    set_name: str
    split: str | None
    n_items: int
    metrics: dict[str, float | None]
    systems: dict[str, dict[str, float | None]]
    curves: dict[str, dict[int, float]]
    latencies: dict[str, list[float]]
    per_question: list[dict[str, Any]]
    stamp: dict[str, Any]
    sampling: dict[str, Any] = field(default_factory=dict)
    n_queries: int = 0
    halves: dict[str, dict[str, float | None]] = field(default_factory=dict)

    def gate_values(self) -> dict[str, float | None]:
        """The metrics the gate compares: the whole set's, then each half's as ``A.<metric>``."""
        out = dict(self.metrics)
        for half, values in self.halves.items():
            out.update({f"{half}.{k}": v for k, v in values.items()})
        return out

    def aggregate(self) -> dict[str, Any]:
        return {
            "set": self.set_name,
            "split": self.split,
            "n_items": self.n_items,
            "n_queries": self.n_queries,
            "sampling": self.sampling,
            "metrics": self.metrics,
            "systems": self.systems,
            "recall_curve": {s: {str(k): v for k, v in c.items()} for s, c in self.curves.items()},
            "halves": self.halves,
            "stamp": self.stamp,
        }

    def summary(self) -> dict[str, Any]:
        """The ``summary.json`` shape: set, split, n_queries and per-system headline numbers
        (plus ``halves``, each half's metrics, for sets reported per half)."""
        out: dict[str, Any] = {"set": self.set_name, "split": self.split, "n_queries": self.n_queries,
                               "systems": self.systems}
        if self.halves:
            out["halves"] = self.halves
        return out


# ---------------------------------------------------------------------------------------------
# stamping


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def stamp(settings_hash: str | None) -> dict[str, Any]:
    try:
        import psutil

        mem_gb: float | None = round(psutil.virtual_memory().total / 2**30, 1)
    except Exception:
        mem_gb = None
    return {
        "settings_hash": settings_hash,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "versions": {
            "curbside": _version("curbside"),
            "python": platform.python_version(),
            "faiss": _version("faiss-cpu") or _version("faiss-gpu") or _version("faiss"),
            "sentence-transformers": _version("sentence-transformers"),
            "torch": _version("torch"),
            "bm25s": _version("bm25s"),
            "ir-measures": _version("ir-measures"),
        },
        "machine": {
            "platform": platform.platform(),
            "machine": platform.machine(),
            "processor": platform.processor() or None,
            "cpus": os.cpu_count(),
            "memory_gb": mem_gb,
        },
    }


# ---------------------------------------------------------------------------------------------
# the run


def _accepts(system: Any, parameter: str) -> bool:
    try:
        return parameter in inspect.signature(system.ask).parameters
    except (TypeError, ValueError):
        return False


def _accepts_context(system: Any) -> bool:
    return _accepts(system, "context")


def _answer_json(answer: Answer, matcher: M.GoldMatcher) -> dict[str, Any]:
    data = answer.model_dump(mode="json", exclude={"passages"})
    data["passages"] = [
        {"chunk_id": p.chunk.chunk_id, "id": matcher.key(p), "rank": p.rank, "score": round(p.score, 6)}
        for p in answer.passages
    ]
    return data


def _systems_row(agg: Mapping[str, float], lat: Sequence[float]) -> dict[str, float | None]:
    stats = M.latency_stats(lat)
    row: dict[str, float | None] = {m: _clean(agg.get(m)) for m in SUMMARY_METRICS}
    row["p50_ms"], row["p95_ms"] = stats["p50_ms"], stats["p95_ms"]
    return row


def _clean(v: float | None) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def item_outcome(
    item: EvalItem,
    answer: Answer,
    matcher: M.GoldMatcher,
    *,
    support_judge: M.SupportJudge | None = None,
    verdict_judge: M.VerdictJudge | None = None,
    conclusion: str | None = None,
) -> dict[str, Any]:
    """Everything one answer scores on, per item (JSON-ready; None where the item does not apply)."""
    out: dict[str, Any] = {
        "expected_abstain": item.expected == "abstain",
        "predicted_abstain": M.predicted_abstain(answer),
        "coverage": M.effective_coverage(answer),
        "coverage_ok": None if item.coverage is None else M.effective_coverage(answer) == item.coverage,
        "frame": M.frame_scores(item.frame, answer.analysis.frame if answer.analysis else None)
        if item.frame is not None else None,
        # the question's shape, over answerable items with an expected frame (abstain items carry
        # no decision whatever their shape)
        "frame_yes_no": M.frame_yes_no(answer.analysis.frame if answer.analysis else None, item.decision)
        if item.frame is not None and item.expected != "abstain" else None,
        "label": item.label,
        "yesno": M.derive_decision(answer),
        "decision": answer.decision,
        "decision_ok": M.decision_correct(answer, item.decision),
        "bottom_line_hit": M.bottom_line_hit(answer, item.bottom_line_any, item.gold_ids, matcher)
        if item.expected == "answer" else None,
        "statements": None if answer.abstained else len(answer.statements()),
        "span_violations": M.span_violations(answer),
        "table_residue": M.residue_statements(answer),
        "verified_support": M.verified_support(answer, support_judge) if support_judge is not None else None,
        "verdict_entailed": M.verdict_entailed(answer, verdict_judge) if verdict_judge is not None else None,
        "key_fact_bottom_line": M.fact_in_bottom_line(answer, item.key_facts) if item.expected == "answer" else None,
        "key_fact_answer": M.fact_in_answer(answer, item.key_facts) if item.expected == "answer" else None,
        "conclusion_bottom_line": M.drawn_from(answer.bottom_line, conclusion) if conclusion else None,
    }
    if item.safety is not None:
        out.update(M.safety_outcome(answer, item.safety, item.frame))
    return out


OUTCOME_METRICS = (
    "frame_intent", "frame_intervention", "frame_current_medications", "frame_conditions",
    "frame_population", "frame_asked_attribute", "frame_yes_no", "false_abstention", "coverage_accuracy",
    "bottom_line_hit", "decision_accuracy", "verified_support", "verdict_entailed", "statements_median",
    "span_violations", "table_residue", "uncarried_citations", "key_fact_bottom_line", "key_fact_bottom_line_count",
    "key_fact_answer", "key_fact_answer_count", "sweep_recall", "verdict_safety", "false_alarms",
    "yesno_macro_f1", "conclusion_bottom_line",
)
"""Answer metrics beyond the original ones; reported only where the set's items define them."""


def outcome_metrics(rows: Sequence[Mapping[str, Any]]) -> dict[str, float | None]:
    """Set-level answer metrics from the per-item outcomes and scores of ``rows``."""
    answered = [r for r in rows if "outcome" in r]
    if not answered:
        return {}
    oc = [r["outcome"] for r in answered]
    scores = [r.get("metrics", {}) for r in answered]
    m: dict[str, float | None] = {}
    for key in ("citation_precision", "citation_support", "reference_coverage"):
        m[key] = M.mean_defined(s.get(key) for s in scores)
    expected = [o["expected_abstain"] for o in oc]
    predicted = [o["predicted_abstain"] for o in oc]
    scores_ab = M.abstention_scores(expected, predicted)
    m["abstention_precision"], m["abstention_recall"] = scores_ab["abstention_precision"], scores_ab["abstention_recall"]
    m["abstained_share"] = sum(predicted) / len(predicted)
    labels = [o["label"] for o in oc]
    decisions = [o["yesno"] for o in oc]
    m["yesno_accuracy"] = M.label_accuracy(labels, decisions)
    known = [lab for lab in labels if lab is not None]
    # the majority-class accuracy on the same items, to read yesno_accuracy against
    m["yesno_majority"] = max(known.count(x) for x in set(known)) / len(known) if known else None
    extra: dict[str, float | None] = {}
    framed = [o["frame"] for o in oc if o["frame"] is not None]
    for name in M.FRAME_FIELDS:
        extra[f"frame_{name}"] = M.share(f[name] for f in framed)
    extra["frame_yes_no"] = M.share(o.get("frame_yes_no") for o in oc)
    extra["false_abstention"] = scores_ab["false_abstention"]
    extra["coverage_accuracy"] = M.share(o["coverage_ok"] for o in oc)
    extra["bottom_line_hit"] = M.share(o["bottom_line_hit"] for o in oc)
    extra["decision_accuracy"] = M.share(o["decision_ok"] for o in oc)
    extra["verified_support"] = M.mean_defined(o["verified_support"] for o in oc)
    extra["verdict_entailed"] = M.share(o.get("verdict_entailed") for o in oc)
    extra["statements_median"] = M.median_defined(o["statements"] for o in oc)
    extra["span_violations"] = float(sum(o["span_violations"] for o in oc))
    extra["table_residue"] = float(sum(o["table_residue"] for o in oc))
    extra["uncarried_citations"] = float(sum(o.get("uncarried_citations", 0) for o in oc))
    for key in ("key_fact_bottom_line", "key_fact_answer"):
        vals = [o[key] for o in oc if o[key] is not None]
        extra[key] = M.share(vals)
        extra[f"{key}_count"] = float(sum(vals)) if vals else None
    extra["sweep_recall"] = M.share(o.get("sweep_hit") for o in oc)
    extra["verdict_safety"] = M.share(o.get("verdict_safe") for o in oc)
    extra["false_alarms"] = M.share(o.get("false_alarm") for o in oc)
    extra["yesno_macro_f1"] = M.macro_f1(labels, decisions)
    extra["conclusion_bottom_line"] = M.share(o["conclusion_bottom_line"] for o in oc)
    m.update({k: v for k, v in extra.items() if v is not None})
    return m


def half_metrics(rows: Sequence[Mapping[str, Any]]) -> dict[str, float | None]:
    """Retrieval means (over judged items) and :func:`outcome_metrics` for a subset of rows."""
    out: dict[str, float | None] = {}
    judged = [r for r in rows if any(g > 0 for g in r.get("gold_ids", {}).values())]
    for name in M.RETRIEVAL_MEASURES:
        vals = [r.get("metrics", {}).get(name, 0.0) for r in judged]
        out[name] = float(sum(vals) / len(vals)) if vals else None
    out.update(outcome_metrics(rows))
    out["n_items"] = float(len(rows))
    return out


def run_eval(
    items: Sequence[EvalItem],
    system: EvalSystem,
    *,
    set_name: str = "custom",
    split: str | None = None,
    universe: set[str] | None = None,
    k: int = 100,
    answers: bool = True,
    baselines: PlainBaselines | None = None,
    settings_hash: str | None = None,
    sampling: Mapping[str, Any] | None = None,
    progress: bool = True,
    console: Console | None = None,
    halves: bool = False,
    support_judge: M.SupportJudge | None = None,
    verdict_judge: M.VerdictJudge | None = None,
    conclusions: Mapping[str, str] | None = None,
    resolve: M.CitationResolver | None = None,
) -> EvalRun:
    """Run every item: ``search`` (k passages) for retrieval metrics, ``ask`` for answer metrics.

    Baselines, when given, search the same queries over the set's records. Latencies are wall-clock
    per call; ``ask`` runs right after ``search`` for the same question, so caches the system keeps
    (sentence embeddings) can make ``ask`` alone look cheap; ``question_p50_ms``/``question_p95_ms``
    (search + ask) is the per-question cost. ``ask`` receives an item's patient context when its
    signature has ``context``, and a follow-up's ``history``; a follow-up's retrieval is scored on
    the passages its answer retrieved with that history (``search`` alone sees no history).
    ``halves`` adds the metrics of each half (:func:`~curbside.evals.sets.half_of`) to the run;
    ``support_judge`` is the independent verifier for ``verified_support`` (``verdict_judge`` for
    ``verdict_entailed``); ``conclusions`` maps an
    item id to the indexed conclusion text its bottom line should be drawn from (PubMedQA
    reasoning-free); ``resolve`` looks up cited chunks the answer's passages do not carry, so every
    citation is scored against the chunk it points at.
    """
    console = console or Console(stderr=True)
    matcher = M.GoldMatcher(universe if universe is not None else {g for i in items for g in i.gold_ids})
    with_context = answers and _accepts_context(system)
    with_history = answers and _accepts(system, "history")
    if answers and not with_history and any(i.history for i in items):
        raise EvalSetError(f"{set_name} has follow-up items (history) but the system's ask() takes no history")
    conclusions = conclusions or {}
    runs: dict[str, dict[str, list[str]]] = {"curbside": {}}
    lat: dict[str, list[float]] = {"curbside": [], "ask": []}
    for name in baselines.names if baselines else []:
        runs[name], lat[name] = {}, []
    rows: list[dict[str, Any]] = []
    answer_hash = None

    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, disable=not progress, transient=False) as bar:
        task = bar.add_task(f"eval {set_name}", total=len(items))
        for item in items:
            t0 = time.perf_counter()
            passages = system.search(item.question, k=k)
            search_ms = (time.perf_counter() - t0) * 1e3
            ids = matcher.ranked_ids(passages)[:k]
            lat["curbside"].append(search_ms)
            row: dict[str, Any] = {
                "id": item.id, "half": half_of(item.id), "question": item.question, "expected": item.expected,
                "label": item.label, "gold_ids": item.gold_ids, "retrieved_ids": ids,
                "latency_ms": {"search": round(search_ms, 3)},
            }
            if item.history:
                row["history"] = list(item.history)
            if baselines is not None:
                row["baselines"] = {}
                for name, (bids, ms) in baselines.search(item.question, k).items():
                    runs[name][item.id] = bids
                    lat[name].append(ms)
                    row["baselines"][name] = bids[:10]
                    row["latency_ms"][name] = round(ms, 3)
            if answers:
                kwargs: dict[str, Any] = {}
                ctx = item.patient_context() if with_context else None
                if ctx is not None:
                    kwargs["context"] = ctx
                if item.history:
                    kwargs["history"] = list(item.history)
                t1 = time.perf_counter()
                answer = system.ask(item.question, **kwargs)
                ask_ms = (time.perf_counter() - t1) * 1e3
                lat["ask"].append(ask_ms)
                answer_hash = answer_hash or answer.settings_hash or None
                if item.history:
                    ids = matcher.ranked_ids(answer.passages)[:k]
                    row["retrieved_ids"] = ids
                uncarried = len(M.uncarried_chunk_ids(answer))
                scored = M.with_cited_passages(answer, resolve)
                scores = (
                    M.answer_metrics(scored, item.gold_ids, item.key_facts, matcher)
                    if item.expected == "answer" else {}
                )
                outcome = item_outcome(item, scored, matcher, support_judge=support_judge,
                                       verdict_judge=verdict_judge, conclusion=conclusions.get(item.id))
                outcome["uncarried_citations"] = uncarried
                row["latency_ms"]["ask"] = round(ask_ms, 3)
                row["abstained"] = answer.abstained
                row["decision"] = outcome["yesno"]
                row["metrics"] = dict(scores)
                row["outcome"] = outcome
                row["answer"] = _answer_json(answer, matcher)
            runs["curbside"][item.id] = ids
            rows.append(row)
            bar.advance(task)

    qrels = qrels_of(items)
    metrics: dict[str, float | None] = {}
    systems: dict[str, dict[str, float | None]] = {}
    curves: dict[str, dict[int, float]] = {}
    order = [s for s in PLAIN_SYSTEMS if s in runs] + ["curbside"]
    for name in order:
        agg, per_q = M.retrieval_metrics(qrels, runs[name])
        systems[name] = _systems_row(agg, lat[name])
        curves[name] = M.recall_curve(qrels, runs[name]) if qrels else {}
        if name == "curbside":
            metrics.update({m: _clean(v) for m, v in agg.items()})
            for row in rows:
                if row["id"] in per_q:
                    row.setdefault("metrics", {}).update({m: round(v, 6) for m, v in per_q[row["id"]].items()})
    if answers:
        metrics.update(outcome_metrics(rows))
    search = M.latency_stats(lat["curbside"])
    metrics["search_p50_ms"], metrics["search_p95_ms"] = search["p50_ms"], search["p95_ms"]
    if answers:
        ask = M.latency_stats(lat["ask"])
        metrics["ask_p50_ms"], metrics["ask_p95_ms"] = ask["p50_ms"], ask["p95_ms"]
        total = M.latency_stats([a + b for a, b in zip(lat["curbside"], lat["ask"], strict=True)])
        metrics["question_p50_ms"], metrics["question_p95_ms"] = total["p50_ms"], total["p95_ms"]
    metrics["peak_rss_mb"] = M.peak_rss_mb()
    if baselines is not None and baselines.dense is not None:
        metrics["dense_records_encoded"] = float(baselines.dense.encoded)
    by_half = (
        {h: half_metrics([r for r in rows if r["half"] == h]) for h in HALVES} if halves else {}
    )
    return EvalRun(
        set_name=set_name, split=split, n_items=len(items), n_queries=len(qrels), metrics=metrics,
        systems=systems, curves=curves, latencies={k_: v for k_, v in lat.items() if v},
        per_question=rows, stamp=stamp(settings_hash or answer_hash), sampling=dict(sampling or {}),
        halves=by_half,
    )


# ---------------------------------------------------------------------------------------------
# reports


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def best_plain(systems: Mapping[str, Mapping[str, float | None]], metric: str) -> float | None:
    vals = [s.get(metric) for n, s in systems.items() if n in PLAIN_SYSTEMS and s.get(metric) is not None]
    return max(vals) if vals else None  # type: ignore[type-var]


def systems_table(run: EvalRun) -> Table:
    table = Table(title=f"{escape(run.set_name)} ({escape(run.split or 'all')}), {run.n_queries} queries")
    table.add_column("system")
    for m in SUMMARY_METRICS:
        table.add_column(m, justify="right")
    table.add_column("p50 ms", justify="right")
    table.add_column("p95 ms", justify="right")
    for name, row in run.systems.items():
        table.add_row(name, *[_fmt(row.get(m)) for m in SUMMARY_METRICS],
                      _fmt(row.get("p50_ms"), 1), _fmt(row.get("p95_ms"), 1))
    if len(run.systems) > 1 and "curbside" in run.systems:
        cur = run.systems["curbside"]
        deltas = []
        for m in SUMMARY_METRICS:
            best, mine = best_plain(run.systems, m), cur.get(m)
            deltas.append("–" if best is None or mine is None else f"{mine - best:+.3f}")
        table.add_row("Δ curbside vs best plain", *deltas, "", "", style="bold")
    return table


def metrics_table(run: EvalRun) -> Table:
    table = Table(title="Curbside metrics")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in run.metrics.items():
        if key in SUMMARY_METRICS:
            continue
        table.add_row(key, _fmt(value, 1 if key.endswith(("_ms", "_mb")) else 3))
    return table


MISS_CHECKS: tuple[tuple[str, str, Any], ...] = (
    # (label, outcome key, the value that is a miss)
    ("bottom-line hit", "bottom_line_hit", False),
    ("decision", "decision_ok", False),
    ("coverage", "coverage_ok", False),
    ("sweep (danger not shown)", "sweep_hit", False),
    ("verdict safety ('yes' on a danger)", "verdict_safe", False),
    ("false alarm", "false_alarm", True),
)


def misses(rows: Sequence[Mapping[str, Any]], half: str = "A", limit: int = 20) -> list[tuple[str, int, list[str]]]:
    """(check, misses in ``half``, the first ``limit`` item ids) per check, frame fields included.

    Only the tune half's ids are listed, so reading them cannot tune on the check half.
    """
    mine = [r for r in rows if r.get("half") == half and "outcome" in r]
    out = []
    checks = [*MISS_CHECKS, *((f"frame: {f}", f"frame.{f}", False) for f in M.FRAME_FIELDS)]
    for label, key, bad in checks:
        if key.startswith("frame."):
            field_name = key.split(".", 1)[1]
            ids = [r["id"] for r in mine if r["outcome"]["frame"] is not None and r["outcome"]["frame"][field_name] is bad]
        else:
            ids = [r["id"] for r in mine if r["outcome"].get(key) is bad]
        if ids:
            out.append((label, len(ids), ids[:limit]))
    fa = [r["id"] for r in mine if not r["outcome"]["expected_abstain"] and r["outcome"]["predicted_abstain"]]
    if fa:
        out.append(("false abstention", len(fa), fa[:limit]))
    return out


HALF_SKIP = frozenset({"n_items", "R@5", "R@100", "abstained_share", "yesno_majority"})


def _half_rows(run: EvalRun) -> list[tuple[str, float | None, float | None, float | None, float | None]]:
    """(metric, all, A, B, B − A) for every metric a half defines."""
    a, b = run.halves.get("A", {}), run.halves.get("B", {})
    rows = []
    for key in dict.fromkeys([*a, *b]):
        if key in HALF_SKIP or key.endswith(("_ms", "_mb")):
            continue
        va, vb = a.get(key), b.get(key)
        if va is None and vb is None:
            continue
        gap = None if va is None or vb is None else vb - va
        rows.append((key, run.metrics.get(key), va, vb, gap))
    return rows


def halves_table(run: EvalRun) -> Table | None:
    if not run.halves:
        return None
    a, b = run.halves.get("A", {}), run.halves.get("B", {})
    table = Table(title=f"{escape(run.set_name)} by half (A tune: {_fmt(a.get('n_items'), 0)} items, "
                        f"B check: {_fmt(b.get('n_items'), 0)} items)")
    for col in ("metric", "all", "A", "B", "B − A"):
        table.add_column(col, justify="left" if col == "metric" else "right")
    for key, v, va, vb, gap in _half_rows(run):
        table.add_row(key, _fmt(v), _fmt(va), _fmt(vb), "–" if gap is None else f"{gap:+.3f}")
    return table


def references_table(set_name: str) -> Table | None:
    refs = references_for(set_name)
    if not refs:
        return None
    table = Table(title=f"Published / measured reference figures for {escape(set_name)}")
    for col in ("system", "metric", "value", "source"):
        table.add_column(col)
    for ref in refs:
        table.add_row(ref.system, ref.metric, ref.value, ref.source)
    return table


def print_report(run: EvalRun, console: Console) -> None:
    console.print(systems_table(run))
    console.print(metrics_table(run))
    halves = halves_table(run)
    if halves is not None:
        console.print(halves)
    refs = references_table(run.set_name)
    if refs is not None:
        console.print(refs)


def summary_markdown(run: EvalRun) -> str:
    lines = [f"# Eval: {run.set_name} ({run.split or 'all'})", ""]
    lines.append(f"{run.n_items} items, {run.n_queries} with relevance judgements. "
                 f"Settings hash `{run.stamp.get('settings_hash')}`, created {run.stamp.get('created')}.")
    if run.sampling.get("max_docs") is not None or run.sampling.get("max_queries") is not None:
        lines.append(f"Sampling: {json.dumps(run.sampling)}.")
    lines += ["", "| system | " + " | ".join(SUMMARY_METRICS) + " | p50 ms | p95 ms |",
              "|---|" + "---:|" * (len(SUMMARY_METRICS) + 2)]
    for name, row in run.systems.items():
        cells = [_fmt(row.get(m)) for m in SUMMARY_METRICS] + [_fmt(row.get("p50_ms"), 1), _fmt(row.get("p95_ms"), 1)]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "| metric | value |", "|---|---:|"]
    for key, value in run.metrics.items():
        if key not in SUMMARY_METRICS:
            lines.append(f"| {key} | {_fmt(value, 1 if key.endswith(('_ms', '_mb')) else 3)} |")
    if run.halves:
        lines += ["", "By half (A: tune, B: check; halves by SHA-256 of the item id):", "",
                  "| metric | all | A | B | B − A |", "|---|---:|---:|---:|---:|"]
        lines += [f"| {key} | {_fmt(v)} | {_fmt(va)} | {_fmt(vb)} | {'–' if gap is None else f'{gap:+.3f}'} |"
                  for key, v, va, vb, gap in _half_rows(run)]
        found = misses(run.per_question, "A")
        if found:
            lines += ["", "Misses in half A (tune on these; half B's are left out on purpose):", ""]
            lines += [f"- {label} ({n}): {', '.join(f'`{i}`' for i in ids)}{' ...' if n > len(ids) else ''}"
                      for label, n, ids in found]
    refs = references_for(run.set_name)
    if refs:
        lines += ["", "Reference figures:", "", "| system | metric | value | source |", "|---|---|---|---|"]
        lines += [f"| {r.system} | {r.metric} | {r.value} | {r.source} |" for r in refs]
    versions = ", ".join(f"{k} {v}" for k, v in run.stamp.get("versions", {}).items() if v)
    lines += ["", f"Versions: {versions}. Machine: {run.stamp.get('machine', {}).get('platform')}."]
    return "\n".join(lines) + "\n"


def write_plots(run: EvalRun, out_dir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    if any(run.curves.values()):
        fig, ax = plt.subplots(figsize=(6, 4))
        for name, curve in run.curves.items():
            if curve:
                ax.plot(list(curve), list(curve.values()), marker="o", label=name)
        ax.set_xscale("log")
        ax.set_xlabel("k")
        ax.set_ylabel("Recall@k")
        ax.set_ylim(0, 1.02)
        ax.set_title(f"Recall@k — {run.set_name}")
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(out_dir / "recall_at_k.png", dpi=110)
        plt.close(fig)
        written.append(out_dir / "recall_at_k.png")
    fig, ax = plt.subplots(figsize=(6, 4))
    for name in ("curbside", "ask"):
        if run.latencies.get(name):
            ax.hist(run.latencies[name], bins=30, alpha=0.6, label="search" if name == "curbside" else "ask")
    ax.set_xlabel("latency per question (ms)")
    ax.set_ylabel("questions")
    ax.set_title(f"Latency — {run.set_name}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_dir / "latency_hist.png", dpi=110)
    plt.close(fig)
    written.append(out_dir / "latency_hist.png")
    if len(run.systems) > 1:
        fig, ax = plt.subplots(figsize=(7, 4))
        names = list(run.systems)
        width = 0.8 / len(names)
        for i, name in enumerate(names):
            vals = [run.systems[name].get(m) or 0.0 for m in SUMMARY_METRICS]
            ax.bar([j + i * width for j in range(len(SUMMARY_METRICS))], vals, width, label=name)
        ax.set_xticks([j + width * (len(names) - 1) / 2 for j in range(len(SUMMARY_METRICS))])
        ax.set_xticklabels(SUMMARY_METRICS)
        ax.set_ylim(0, 1.02)
        ax.set_title(f"Systems — {run.set_name}")
        ax.legend()
        fig.tight_layout()
        fig.savefig(out_dir / "systems.png", dpi=110)
        plt.close(fig)
        written.append(out_dir / "systems.png")
    return written


def write_report(run: EvalRun, out_dir: Path | str) -> list[Path]:
    """questions.jsonl, aggregate.json, summary.json, summary.md and PNG plots under ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "questions.jsonl").open("w", encoding="utf-8") as fh:
        for row in run.per_question:
            fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    (out / "aggregate.json").write_text(json.dumps(run.aggregate(), indent=2, default=str) + "\n", encoding="utf-8")
    (out / "summary.json").write_text(json.dumps(run.summary(), indent=2) + "\n", encoding="utf-8")
    (out / "summary.md").write_text(summary_markdown(run), encoding="utf-8")
    files = [out / n for n in ("questions.jsonl", "aggregate.json", "summary.json", "summary.md")]
    return files + write_plots(run, out)


# ---------------------------------------------------------------------------------------------
# the entry point the CLI calls


def default_work_dir() -> Path:
    """Where set corpora and their indexes live: ``$CURBSIDE_EVAL_WORK_DIR`` or the user cache."""
    env = os.environ.get("CURBSIDE_EVAL_WORK_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("curbside")) / "evals"


def prepare_index(
    eval_set: EvalSet,
    *,
    index_dir: Path | None,
    index_builder: IndexBuilder | None,
    work_dir: Path,
    index_key: str = "",
) -> Path | None:
    """The index to evaluate against; for sets with their own records, build (or reuse) it.

    The set's records are written as ``corpus.jsonl`` in a work-dir folder named by the file's
    content hash; the index lives beside it (or at ``index_dir``), and the incremental builder
    leaves an index of unchanged content as it is. A set of files of its own (``corpus_paths``,
    e.g. the clinical PDFs) is indexed in place, in a work-dir folder named by the files' hashes.
    """
    if eval_set.corpus_paths is not None:
        digest = hashlib.sha256()
        for path in sorted(eval_set.corpus_paths):
            digest.update(f"{path.name}\0{path.stat().st_size}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        folder = work_dir / f"{eval_set.name}-{digest.hexdigest()[:16]}"
        target = index_dir or folder / (f"index-{index_key}" if index_key else "index")
        if index_builder is not None:
            index_builder(list(eval_set.corpus_paths), target)
        elif not target.exists():
            raise EvalSetError(f"no index for {eval_set.name} at {target} and no index builder was given")
        return target
    if eval_set.records is None:
        return index_dir
    corpus_file, _digest = write_corpus(eval_set.records, work_dir, eval_set.name)
    target = index_dir or corpus_file.parent / (f"index-{index_key}" if index_key else "index")
    if index_builder is not None:
        index_builder([corpus_file], target)
    elif not target.exists():
        raise EvalSetError(f"no index for {eval_set.name} at {target} and no index builder was given")
    return target


def judges_for(system: Any, console: Console | None = None) -> tuple[M.SupportJudge | None, M.VerdictJudge | None]:
    """The independent citation verifier over the system's own sentence embedder and alias table:
    a per-citation support judge and, when the verifier offers ``entails``, a verdict judge.

    ``curbside.Pipeline`` exposes both (``embedder``, ``table``); a system without them (a test
    fake) gets neither metric.
    """
    embedder, table = getattr(system, "embedder", None), getattr(system, "table", None)
    if embedder is None or table is None:
        return None, None
    from curbside.qa.verify import CitationVerifier

    try:
        verifier = CitationVerifier(embedder, table)
    except TypeError as exc:  # the verifier's constructor changed; say so rather than guess
        if console is not None:
            console.print(f"[yellow]verified support not measured:[/yellow] {escape(str(exc))}")
        return None, None

    def support(statement: str, passage: Passage) -> bool:
        return bool(verifier.check(statement, passage).supported)

    entails = getattr(verifier, "entails", None)
    if entails is None:
        return support, None

    def verdict(cited: Sequence[str], decision: str) -> bool:
        return bool(entails(list(cited), decision).supported)

    return support, verdict


def resolver_for(system: Any) -> M.CitationResolver | None:
    """Look cited chunks up in the system's index (``Pipeline.index``: its chunk table)."""
    index: Any = getattr(system, "index", None)
    store: Any = getattr(index, "store", None)
    if store is None or not hasattr(store, "chunk_by_id") or not hasattr(index, "document_map"):
        return None

    def resolve(chunk_id: str) -> Passage | None:
        found = store.chunk_by_id(chunk_id)
        if found is None:
            return None
        row, chunk = found
        doc = index.document_map([chunk.doc_id]).get(chunk.doc_id)
        return None if doc is None else Passage(chunk=chunk, document=doc, row_id=row, rank=0)

    return resolve


def run_named_set(
    name_or_path: str | Path,
    *,
    system_factory: SystemFactory,
    index_builder: IndexBuilder | None = None,
    out_dir: Path | str | None = None,
    index_dir: Path | str | None = None,
    baselines: bool = False,
    split: str | None = None,
    max_docs: int | None = None,
    max_queries: int | None = None,
    gate: bool = False,
    update_expected: bool = False,
    progress: bool = True,
    answers: bool | None = None,
    k: int = 100,
    work_dir: Path | str | None = None,
    index_key: str = "",
    encoder: Any = None,
    embedding_cache: Path | str | None = None,
    settings_hash: str | None = None,
    expected_dir: Path | str | None = None,
    tolerance: float = 0.02,
    seed: int = 13,
    half: str | None = None,
    setting: str | None = None,
    console: Console | None = None,
) -> int:
    """Evaluate a named set or a path; print the report; write files; gate. Returns an exit code.

    See :mod:`curbside.evals` for the meaning of each argument. Exit codes: 0 passed (or no gate),
    1 a gated metric regressed beyond its tolerance, 2 the set, index or expected file is unusable.
    """
    from curbside.evals.gate import GateError, expected_path, gate_run, write_expected

    console = console or Console(stderr=True)
    try:
        eval_set = resolve_set(name_or_path, split=split, max_docs=max_docs, max_queries=max_queries, seed=seed,
                               half=half, setting=setting)
        work = Path(work_dir) if work_dir is not None else default_work_dir()
        idx = prepare_index(
            eval_set, index_dir=Path(index_dir) if index_dir else None, index_builder=index_builder,
            work_dir=work, index_key=index_key,
        )
        system = system_factory(idx)
        plain = None
        if baselines:
            records = eval_set.records
            if records is None:
                if eval_set.corpus_dir is None or not eval_set.corpus_dir.is_dir():
                    raise EvalSetError(f"--baselines needs the corpus of {eval_set.name}; none is known")
                records = records_from_folder(eval_set.corpus_dir)
            enc = encoder if encoder is not None else getattr(system, "encoder", None)
            cache = None
            if enc is not None:
                from curbside.index.cache import EmbeddingCache

                cache = EmbeddingCache(Path(embedding_cache)) if embedding_cache else EmbeddingCache(None)
            console.print(f"baselines over {len(records)} records of {escape(eval_set.name)} ...")
            plain = PlainBaselines(records, enc, cache)
            if plain.dense is not None:
                console.print(f"dense baseline: {plain.dense.encoded} records encoded (rest from the cache)")
        do_answers = answers if answers is not None else eval_set.name != "scifact"
        support, verdict = judges_for(system, console) if do_answers else (None, None)
        run = run_eval(
            eval_set.items, system, set_name=eval_set.name, split=eval_set.split,
            universe=eval_set.gold_universe, k=k, answers=do_answers, baselines=plain,
            settings_hash=settings_hash, sampling=eval_set.sampling, progress=progress, console=console,
            halves=eval_set.has_frames and half is None, support_judge=support, verdict_judge=verdict,
            conclusions=eval_set.conclusions, resolve=resolver_for(system) if do_answers else None,
        )
    except (EvalSetError, FileNotFoundError) as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")  # paths and set names are the user's text
        return 2
    print_report(run, console)
    if out_dir is not None:
        files = write_report(run, out_dir)
        console.print(f"wrote {len(files)} files to {escape(str(out_dir))}")
    path = expected_path(eval_set.name, expected_dir)
    if update_expected:
        write_expected(path, run, tolerance=tolerance)
        console.print(f"expected scores written to {escape(str(path))}")
        return 0
    if gate:
        try:
            return gate_run(run, path, console)
        except GateError as exc:
            console.print(f"[red]gate error:[/red] {escape(str(exc))}")
            return 2
    return 0
