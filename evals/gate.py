"""The eval gate: checked-in expected scores with tolerances, compared with a run.

``evals/expected/<set>.json``::

    {"set": "bundled", "sampling": {"split": null, "max_docs": null, "max_queries": null, "seed": 13},
     "settings_hash": "…", "updated": "2026-…",
     "metrics": {"nDCG@10": {"value": 0.80, "tolerance": 0.02, "higher_is_better": true}, …}}

A metric regresses when it is worse than ``value`` by more than ``tolerance`` (absolute), or when
the run did not produce it. Sets reported per half (those with frames) also gate each half's
metrics, named ``A.<metric>`` and ``B.<metric>``. Counts that must stay at zero (span violations,
table residue) are written with tolerance 0; rates where less is better (false abstention, false
alarms) with ``higher_is_better: false``.

Refresh a set's expected file after a deliberate change with
``curbside eval <set> --update-expected`` (alias ``--write-expected``); hand-set tolerances stay. Runs sampled differently from the expected file (another split,
``--max-docs`` or ``--max-queries``) are not comparable and are refused. Latency and memory depend on
the machine and are not gated unless added to the file by hand.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from curbside.evals.sets import PACKAGE_DIR

EXPECTED_DIR = PACKAGE_DIR / "expected"
GATED_METRICS = (
    "nDCG@10", "R@1", "R@5", "R@10", "R@100", "MRR@10",
    "citation_precision", "citation_support", "reference_coverage",
    "abstention_precision", "abstention_recall", "yesno_accuracy",
    # clinician-style, safety and PubMedQA-setting metrics (written only where a run defines them)
    "frame_intent", "frame_intervention", "frame_current_medications", "frame_conditions",
    "frame_population", "frame_asked_attribute", "frame_yes_no", "false_abstention", "coverage_accuracy",
    "bottom_line_hit", "decision_accuracy", "verified_support", "verdict_entailed", "statements_median",
    "span_violations", "table_residue", "key_fact_bottom_line", "key_fact_answer",
    "sweep_recall", "verdict_safety", "false_alarms", "yesno_macro_f1", "conclusion_bottom_line",
)
LOWER_IS_BETTER = frozenset({"false_abstention", "statements_median", "span_violations", "table_residue",
                             "false_alarms"})
EXACT_COUNTS = frozenset({"span_violations", "table_residue"})
"""Counts gated with tolerance 0: a single new violation fails the gate."""
HALF_GATED = tuple(m for m in GATED_METRICS if m not in ("R@5", "R@100"))
"""Metrics gated per half as well (``A.<metric>``)."""
HALF_TOLERANCE = 0.03
"""Least tolerance written for a half's rate: a half of ~80 items moves 0.0125 per item, so this
lets two items flip (a tie broken differently on another CPU) before the gate fails."""


def _base(name: str) -> str:
    return name.split(".", 1)[1] if name[:2] in ("A.", "B.") else name


class GateError(ValueError):
    """The expected file is missing, malformed or not comparable with the run."""


class ExpectedMetric(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: float
    tolerance: float = Field(0.02, ge=0)
    higher_is_better: bool = True


class ExpectedScores(BaseModel):
    model_config = ConfigDict(extra="forbid")

    set: str = ""
    sampling: dict[str, Any] = Field(default_factory=dict)
    settings_hash: str | None = None
    updated: str | None = None
    metrics: dict[str, ExpectedMetric]


class GateRow(BaseModel):
    metric: str
    expected: float
    current: float | None
    tolerance: float
    higher_is_better: bool

    @property
    def delta(self) -> float | None:
        return None if self.current is None else self.current - self.expected

    @property
    def status(self) -> str:
        if self.current is None or math.isnan(self.current):
            return "missing"
        worse = self.expected - self.current if self.higher_is_better else self.current - self.expected
        if worse > self.tolerance + 1e-12:
            return "regressed"
        if -worse > self.tolerance + 1e-12:
            return "improved"
        return "ok"


def expected_path(set_name: str, expected_dir: Path | str | None = None) -> Path:
    return Path(expected_dir or EXPECTED_DIR) / f"{set_name}.json"


def load_expected(path: Path | str) -> ExpectedScores:
    path = Path(path)
    if not path.is_file():
        raise GateError(f"no expected scores at {path}; create them with --update-expected")
    try:
        return ExpectedScores.model_validate_json(path.read_text(encoding="utf-8"))
    except (ValidationError, ValueError) as exc:
        raise GateError(f"{path}: malformed expected scores ({exc})") from exc


def compare(current: Mapping[str, float | None], expected: ExpectedScores) -> list[GateRow]:
    return [
        GateRow(metric=name, expected=spec.value, current=current.get(name), tolerance=spec.tolerance,
                higher_is_better=spec.higher_is_better)
        for name, spec in expected.metrics.items()
    ]


def gate_table(rows: list[GateRow], title: str = "Eval gate") -> Table:
    table = Table(title=title)
    for col, just in (("metric", "left"), ("expected", "right"), ("current", "right"),
                      ("delta", "right"), ("tolerance", "right"), ("status", "left")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    colour = {"ok": "green", "improved": "cyan", "regressed": "red", "missing": "red"}
    for r in rows:
        table.add_row(
            r.metric, f"{r.expected:.3f}", "–" if r.current is None else f"{r.current:.3f}",
            "–" if r.delta is None else f"{r.delta:+.3f}", f"±{r.tolerance:.3f}",
            f"[{colour[r.status]}]{r.status}[/{colour[r.status]}]",
        )
    return table


def gate_metrics(
    current: Mapping[str, float | None],
    expected: ExpectedScores,
    console: Console | None = None,
    *,
    sampling: Mapping[str, Any] | None = None,
) -> int:
    """Print current vs expected; 0 when nothing regressed, 1 otherwise."""
    if sampling is not None and expected.sampling and _norm(sampling) != _norm(expected.sampling):
        if sampling.get("half") and not expected.sampling.get("half"):
            raise GateError(
                f"this run holds half {sampling['half']} only; the expected scores gate each half of the whole "
                f"set (as {sampling['half']}.<metric>), so gate a run without --half"
            )
        raise GateError(
            f"this run was sampled as {json.dumps(_norm(sampling))}, the expected scores as "
            f"{json.dumps(_norm(expected.sampling))}; rerun with the same options or --update-expected"
        )
    rows = compare(current, expected)
    console = console or Console(stderr=True)
    console.print(gate_table(rows, f"Eval gate: {escape(expected.set or 'set')}"))
    bad = [r for r in rows if r.status in ("regressed", "missing")]
    if bad:
        console.print(f"[red]FAILED[/red]: {', '.join(r.metric for r in bad)} beyond tolerance")
        return 1
    improved = [r.metric for r in rows if r.status == "improved"]
    if improved:
        console.print(f"improved beyond tolerance: {', '.join(improved)} (consider --update-expected)")
    console.print("[green]gate passed[/green]")
    return 0


def _norm(sampling: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("split", "max_docs", "max_queries")
    out = {k: sampling.get(k) for k in keys}
    if sampling.get("half") is not None:
        out["half"] = sampling["half"]
    if out["max_docs"] is not None or out["max_queries"] is not None:
        out["seed"] = sampling.get("seed")
    return out


def gate_run(run: Any, path: Path | str, console: Console | None = None) -> int:
    """Gate an :class:`~curbside.evals.runner.EvalRun` against the expected file at ``path``."""
    expected = load_expected(path)
    console = console or Console(stderr=True)
    current_hash = run.stamp.get("settings_hash")
    if expected.settings_hash and current_hash and expected.settings_hash != current_hash:
        console.print(f"note: settings hash {current_hash} differs from the expected scores' "
                      f"{expected.settings_hash}; a deliberate settings change needs --update-expected")
    values = run.gate_values() if hasattr(run, "gate_values") else run.metrics
    return gate_metrics(values, expected, console, sampling=run.sampling)


def write_expected(
    path: Path | str,
    run: Any,
    *,
    tolerance: float = 0.02,
    metrics: tuple[str, ...] = GATED_METRICS,
) -> ExpectedScores:
    """Write (or update) the expected file from a run; hand-set tolerances and extra metrics stay."""
    path = Path(path)
    previous = load_expected(path) if path.is_file() else None
    values = run.gate_values() if hasattr(run, "gate_values") else run.metrics
    specs: dict[str, ExpectedMetric] = {}
    halves = [f"{h}.{m}" for h in getattr(run, "halves", {}) for m in HALF_GATED if m in metrics]
    names = list(dict.fromkeys([*metrics, *halves, *(previous.metrics if previous else {})]))
    for name in names:
        value = values.get(name)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        old = previous.metrics.get(name) if previous else None
        base = _base(name)
        specs[name] = ExpectedMetric(
            value=round(float(value), 4),
            tolerance=old.tolerance if old else 0.0 if base in EXACT_COUNTS
            else max(tolerance, HALF_TOLERANCE) if base != name else tolerance,
            higher_is_better=old.higher_is_better if old else not (
                base.endswith(("_ms", "_mb")) or base in LOWER_IS_BETTER
            ),
        )
    scores = ExpectedScores(
        set=run.set_name, sampling=_norm(run.sampling), settings_hash=run.stamp.get("settings_hash"),
        updated=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), metrics=specs,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(scores.model_dump(), indent=2) + "\n", encoding="utf-8")
    return scores
