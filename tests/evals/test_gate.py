"""The gate fails on a drop beyond tolerance and passes within it."""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from rich.console import Console

from curbside.evals.gate import (
    ExpectedScores,
    GateError,
    gate_metrics,
    load_expected,
    write_expected,
)

EXPECTED = ExpectedScores.model_validate({
    "set": "tiny",
    "metrics": {
        "nDCG@10": {"value": 0.80, "tolerance": 0.02},
        "search_p95_ms": {"value": 100.0, "tolerance": 50.0, "higher_is_better": False},
    },
})


def quiet() -> Console:
    return Console(file=io.StringIO(), width=120)


def test_gate_passes_within_tolerance() -> None:
    assert gate_metrics({"nDCG@10": 0.785, "search_p95_ms": 140.0}, EXPECTED, quiet()) == 0
    assert gate_metrics({"nDCG@10": 0.95, "search_p95_ms": 10.0}, EXPECTED, quiet()) == 0  # improvements pass


def test_gate_fails_beyond_tolerance() -> None:
    assert gate_metrics({"nDCG@10": 0.775, "search_p95_ms": 100.0}, EXPECTED, quiet()) == 1
    assert gate_metrics({"nDCG@10": 0.80, "search_p95_ms": 151.0}, EXPECTED, quiet()) == 1  # lower is better
    assert gate_metrics({"search_p95_ms": 100.0}, EXPECTED, quiet()) == 1  # a missing metric fails


def test_gate_prints_current_expected_and_delta() -> None:
    console = Console(record=True, width=120)
    gate_metrics({"nDCG@10": 0.70, "search_p95_ms": 90.0}, EXPECTED, console)
    text = console.export_text()
    assert "0.800" in text and "0.700" in text and "-0.100" in text and "regressed" in text


def test_write_expected_round_trip_keeps_hand_tolerances(tmp_path: Path) -> None:
    path = tmp_path / "tiny.json"
    run = SimpleNamespace(set_name="tiny", sampling={"split": "dev", "max_docs": None, "max_queries": None},
                          stamp={"settings_hash": "abc"}, metrics={"nDCG@10": 0.71234, "R@1": None})
    write_expected(path, run)
    data = json.loads(path.read_text())
    assert data["metrics"] == {"nDCG@10": {"value": 0.7123, "tolerance": 0.02, "higher_is_better": True}}
    data["metrics"]["nDCG@10"]["tolerance"] = 0.05
    path.write_text(json.dumps(data))
    run.metrics["nDCG@10"] = 0.6
    write_expected(path, run)
    assert load_expected(path).metrics["nDCG@10"].tolerance == 0.05
    assert gate_metrics({"nDCG@10": 0.56}, load_expected(path), quiet(), sampling=run.sampling) == 0
    assert gate_metrics({"nDCG@10": 0.54}, load_expected(path), quiet(), sampling=run.sampling) == 1
    with pytest.raises(GateError, match="sampled"):
        gate_metrics({"nDCG@10": 0.6}, load_expected(path), quiet(), sampling={"split": "dev", "max_queries": 5})


def test_missing_or_malformed_expected_file(tmp_path: Path) -> None:
    with pytest.raises(GateError, match="--update-expected"):
        load_expected(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"metrics": {"x": {"value": "high"}}}')
    with pytest.raises(GateError, match="malformed"):
        load_expected(bad)


def test_a_one_half_run_is_sent_to_the_whole_set_gate() -> None:
    import pytest

    from curbside.evals.gate import ExpectedScores, GateError, gate_metrics

    expected = ExpectedScores.model_validate({"set": "clinician", "sampling": {"split": None}, "metrics": {
        "B.bottom_line_hit": {"value": 0.8}}})
    with pytest.raises(GateError, match="gate a run without --half"):
        gate_metrics({"bottom_line_hit": 0.8}, expected, sampling={"split": None, "half": "B"})
