"""Streaming latency of ``/v1/chat/completions`` as a chat frontend sees it.

``python -m benchmarks.stream [--questions N] [--llm-base-url URL] [--out DIR]`` starts
``curbside serve`` on a loopback port (the bundled corpus unless ``--index``), warms it with one
question, then streams each question of ``evals/sets/bundled.jsonl`` one at a time and measures,
from the moment the request is sent:

- **first content delta**: the first SSE chunk whose ``delta.content`` is not empty (for the
  extractive composer it carries the bottom line);
- **bottom line**: the chunk that completes the ``**Bottom line:**`` line;
- **total**: until ``data: [DONE]``.

With ``--llm-base-url`` the server runs the LLM composer against that OpenAI-compatible endpoint
(for example llama.cpp serving the packaged SmolLM2, ``scripts/llm_demo.sh``); then the first
content delta is the first *verified* statement, and its time against the total says how much of
the generation the user no longer waits for. Each row also records which composer answered (an LLM
answer with nothing verified falls back to the extractive composer, whose text comes at the end) and
the statements streamed; the LLM server gets ``--llm-timeout`` for the model and for the request, as
a CPU generation takes minutes. The warm-up question is one that is not measured, so a server-side
prompt cache cannot flatter the first row. Prints a table and writes ``stream.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from benchmarks.load import is_loopback, start_server
from benchmarks.pipeline import _questions

HERE = Path(__file__).resolve().parent
#: The target from issue 18: the extractive composer's first content delta at p50, warm.
FIRST_DELTA_TARGET_MS = 150.0


def stream_once(client: httpx.Client, question: str) -> dict[str, Any]:
    """One streamed chat completion: milliseconds to the first content, the bottom line, the end."""
    body = {"model": "curbside", "stream": True, "messages": [{"role": "user", "content": question}]}
    t0 = time.perf_counter()
    first = bottom = None
    content = ""
    composer = None
    with client.stream("POST", "/v1/chat/completions", json=body) as r:
        r.raise_for_status()
        for line in r.iter_lines():
            if not line.startswith("data: "):
                continue
            if line == "data: [DONE]":
                break
            chunk = json.loads(line[6:])
            composer = (chunk.get("curbside") or {}).get("composer", composer)
            piece = (chunk["choices"][0]["delta"].get("content") or "") if chunk["choices"] else ""
            if piece:
                now = (time.perf_counter() - t0) * 1e3
                content += piece
                first = first if first is not None else now
                if bottom is None and "**Bottom line:**" in content and content.split("**Bottom line:**", 1)[1].count("\n"):
                    bottom = now
    total = (time.perf_counter() - t0) * 1e3
    statements = sum(1 for x in content.splitlines() if x.startswith(("**Bottom line:**", "- ")))
    return {"first_delta_ms": first, "bottom_line_ms": bottom, "total_ms": total, "composer": composer,
            "statements": statements}


def _pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"questions": len(rows)}
    for key in ("first_delta_ms", "bottom_line_ms", "total_ms"):
        values = [r[key] for r in rows if r[key] is not None]
        out[key] = {"p50": _pct(values, 50), "p95": _pct(values, 95), "n": len(values)}
    first, total = out["first_delta_ms"]["p50"], out["total_ms"]["p50"]
    out["first_delta_share_of_total_p50"] = round(first / total, 3) if first and total else None
    shares = [r["first_delta_ms"] / r["total_ms"] for r in rows if r["first_delta_ms"] is not None and r["total_ms"]]
    out["first_delta_share_of_total_per_answer"] = [round(x, 3) for x in shares]
    out["composers"] = {c: sum(1 for r in rows if r.get("composer") == c) for c in sorted({str(r.get("composer")) for r in rows})}
    return out


def run(url: str, questions: list[str], warmup: str, timeout_s: float = 300.0) -> dict[str, Any]:
    with httpx.Client(base_url=url, timeout=timeout_s) as client:
        stream_once(client, warmup)  # warm-up: caches, thread pool, model
        rows = [{"question_chars": len(q), **stream_once(client, q)} for q in questions]
    return {"summary": summarise(rows), "rows": rows}


def print_table(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    for composer, data in results["composers"].items():
        s = data["summary"]
        t = Table(title=f"/v1/chat/completions streaming, {composer} composer ({s['questions']} questions, warm)")
        for col in ("measure", "p50 ms", "p95 ms", "n"):
            t.add_column(col)
        for key, label in (("first_delta_ms", "first content delta"), ("bottom_line_ms", "bottom line complete"),
                           ("total_ms", "total (to [DONE])")):
            row = s[key]
            t.add_row(label, str(row["p50"]), str(row["p95"]), str(row["n"]))
        Console().print(t)
        if composer == "llm":
            print(f"answered by: {s['composers']}; first verified statement / total, per answer: "
                  f"{s['first_delta_share_of_total_per_answer']}")
        if composer == "extractive" and s["first_delta_ms"]["p50"] is not None:
            ok = s["first_delta_ms"]["p50"] <= FIRST_DELTA_TARGET_MS
            print(f"first delta p50 {s['first_delta_ms']['p50']} ms: "
                  f"{'meets' if ok else 'MISSES'} the {FIRST_DELTA_TARGET_MS:g} ms target")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.stream", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", help="Index directory (default: the bundled corpus).")
    ap.add_argument("--questions", type=int, default=0, help="Use only the first N questions (0: all).")
    ap.add_argument("--llm-base-url", help="Also measure the LLM composer against this loopback endpoint.")
    ap.add_argument("--llm-model", default=os.environ.get("CURBSIDE_LLM__MODEL", ""), help="Model name to ask for.")
    ap.add_argument("--llm-timeout", type=float, default=600.0,
                    help="Seconds the LLM composer may wait for the model, and a request may take (default 600).")
    ap.add_argument("--ready-timeout", type=float, default=900.0)
    ap.add_argument("--out", type=Path, default=HERE / "out")
    args = ap.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    questions = _questions()
    warmup = questions[-1]
    if args.questions > 0:
        questions = questions[: args.questions]
        warmup = warmup if warmup not in questions else questions[0]
    composers: dict[str, dict[str, str]] = {"extractive": {"CURBSIDE_COMPOSER__NAME": "extractive"}}
    if args.llm_base_url:
        if not is_loopback(args.llm_base_url):
            ap.error("--llm-base-url must be a loopback address")
        composers["llm"] = {"CURBSIDE_COMPOSER__NAME": "llm", "CURBSIDE_LLM__BASE_URL": args.llm_base_url,
                            "CURBSIDE_LLM__TIMEOUT_S": str(args.llm_timeout),
                            "CURBSIDE_SERVER__REQUEST_TIMEOUT_S": str(args.llm_timeout),
                            **({"CURBSIDE_LLM__MODEL": args.llm_model} if args.llm_model else {})}
    results: dict[str, Any] = {"composers": {}}
    saved = dict(os.environ)
    for name, env in composers.items():
        os.environ.update(env)
        proc: subprocess.Popen[bytes] | None = None
        try:
            print(f"starting a server on 127.0.0.1 ({name} composer) …", file=sys.stderr)
            proc, url = start_server(args.index, 1, args.ready_timeout, None)
            results["composers"][name] = run(url, questions, warmup, args.llm_timeout + 60)
        finally:
            os.environ.clear()
            os.environ.update(saved)
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
    from benchmarks.__main__ import machine

    results["machine"] = machine()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "stream.json"
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print_table(results)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
