"""Benchmark: what citation verification adds to a 10-statement answer on the bundled corpus.

``python -m benchmarks.verify [--out DIR]`` prints a table and writes ``verify.json``.

For each bundled eval question a warm pipeline retrieves passages; ten statements are taken from
the cited sentences of those passages, restated (a prefix, so their embeddings are not cached, as
an LLM's statements would not be), and each is checked against the passage it comes from, first
one by one (what streaming verification costs) and then as one batch (``check_all``: the statements
embedded in one call). The passages' own sentence vectors come from the index, as in the pipeline.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
BUDGET_MS = 30.0  # issue 17: verification of a 10-statement answer adds at most 30 ms
STATEMENTS = 10


def bench_verify(index_dir: Path | None = None, *, max_questions: int | None = None) -> dict[str, Any]:
    from benchmarks.pipeline import _questions
    from curbside import Pipeline, Settings
    from curbside.qa.sentences import passage_sentences
    from curbside.qa.verify import CitationVerifier

    settings = Settings(progress=False)
    pipeline = Pipeline(index_dir, settings=settings)
    verifier = CitationVerifier(pipeline.embedder, pipeline.table)
    questions = _questions()[: max_questions or None]
    single: list[float] = []
    batch: list[float] = []
    logic: list[float] = []
    rejected = 0
    for q in questions:
        answer = pipeline.ask(q)
        passages = answer.passages
        pairs = []
        for s in passage_sentences(passages):
            if len(pairs) == STATEMENTS:
                break
            pairs.append((s.text, passages[s.passage_index]))
        if len(pairs) < STATEMENTS:
            continue
        fresh = [(f"In short, {text}", p) for text, p in pairs]  # a restatement: not in the embedder's cache
        t = time.perf_counter()
        verdicts = [verifier.check(text, p) for text, p in fresh]
        single.append((time.perf_counter() - t) * 1e3)
        rejected += sum(not v.supported for v in verdicts)
        again = [(f"Put simply, {text}", p) for text, p in pairs]
        t = time.perf_counter()
        verifier.check_all(again)
        batch.append((time.perf_counter() - t) * 1e3)
        t = time.perf_counter()  # the same statements again: their vectors cached, the rules and model only
        verifier.check_all(again)
        logic.append((time.perf_counter() - t) * 1e3)
    pipeline.close()
    return {
        "answers": len(single),
        "statements_per_answer": STATEMENTS,
        "one_by_one_p50_ms": round(float(np.percentile(single, 50)), 1),
        "one_by_one_p95_ms": round(float(np.percentile(single, 95)), 1),
        "batch_p50_ms": round(float(np.percentile(batch, 50)), 1),
        "batch_p95_ms": round(float(np.percentile(batch, 95)), 1),
        "rules_and_model_p50_ms": round(float(np.percentile(logic, 50)), 1),
        "rules_and_model_p95_ms": round(float(np.percentile(logic, 95)), 1),
        "budget_ms": BUDGET_MS,
        "within_budget_batch_p50": float(np.percentile(batch, 50)) <= BUDGET_MS,
        "rejected_share": round(rejected / max(1, len(single) * STATEMENTS), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.verify", description=__doc__)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--max-questions", type=int, default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from benchmarks.__main__ import machine

    result = {"machine": machine(), "verify": bench_verify(max_questions=args.max_questions)}
    r = result["verify"]
    print(f"{'verification of a 10-statement answer':<44} {'p50 ms':>8} {'p95 ms':>8}")
    print(f"{'  one statement at a time (streaming)':<44} {r['one_by_one_p50_ms']:>8} {r['one_by_one_p95_ms']:>8}")
    print(f"{'  one batch (check_all)':<44} {r['batch_p50_ms']:>8} {r['batch_p95_ms']:>8}")
    print(f"{'  rules and model only (statements embedded)':<44} {r['rules_and_model_p50_ms']:>8} {r['rules_and_model_p95_ms']:>8}")
    print(f"budget {r['budget_ms']} ms; {r['answers']} answers; share of statements rejected {r['rejected_share']}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "verify.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
