"""Benchmark harness: ``python -m benchmarks [all|scale|ingest|pdf|ask] [--sizes ...] [--out DIR]``.

Prints a table, writes JSON to ``--out`` (default ``benchmarks/out``) and, with ``--write-results``,
regenerates ``benchmarks/RESULTS.md``. Timings belong here, never in unit tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def machine() -> dict[str, Any]:
    import faiss
    import psutil

    try:
        import torch

        torch_v = torch.__version__
    except ImportError:
        torch_v = ""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "faiss": faiss.__version__,
        "torch": torch_v,
        "date": time.strftime("%Y-%m-%d"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("what", nargs="?", default="all", choices=["all", "scale", "ingest", "pdf", "ask", "report"])
    parser.add_argument("--inputs", nargs="*", type=Path, default=[], help="report: merge these JSON results.")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="Chunk counts for the scale benchmark.")
    parser.add_argument("--hnsw-max", type=int, default=200_000, help="Largest size at which HNSW is built.")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--write-results", action="store_true", help="Regenerate benchmarks/RESULTS.md.")
    args = parser.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": machine()}
    started = time.perf_counter()
    if args.what == "report":  # merge earlier runs (e.g. scale on a quiet machine, the rest later)
        total = 0.0
        for path in args.inputs:
            data = json.loads(path.read_text(encoding="utf-8"))
            total += data.pop("seconds", 0.0)
            results.update({k: v for k, v in data.items() if k != "machine"})
        results["seconds"] = round(total, 1)
        print_tables(results)
        if args.write_results:
            (HERE / "RESULTS.md").write_text(render_markdown(results), encoding="utf-8")
            print(f"wrote {HERE / 'RESULTS.md'}")
        return 0
    if args.what in ("all", "pdf"):
        from benchmarks.pipeline import bench_pdf

        print("PDF parsing ...", flush=True)
        results["pdf"] = bench_pdf()
    if args.what in ("all", "ingest"):
        from benchmarks.pipeline import bench_ingest

        print("ingest vs raw encode (bundled corpus) ...", flush=True)
        results["ingest"] = bench_ingest(HERE.parent / "corpus")
    if args.what in ("all", "ask"):
        from benchmarks.pipeline import bench_ask

        print("warm ask latency (bundled corpus) ...", flush=True)
        results["ask"] = bench_ask()
    if args.what in ("all", "scale"):
        from benchmarks.scale import run

        sizes = [int(s) for s in args.sizes.split(",") if s]
        print(f"vector search at {sizes} ...", flush=True)
        results["scale"] = run(sizes, hnsw_max=args.hnsw_max)
    results["seconds"] = round(time.perf_counter() - started, 1)
    name = "results" if args.what == "all" else args.what
    (args.out / f"{name}.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print_tables(results)
    if args.write_results:
        (HERE / "RESULTS.md").write_text(render_markdown(results), encoding="utf-8")
        print(f"wrote {HERE / 'RESULTS.md'}")
    return 0


def print_tables(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if "scale" in results:
        t = Table(title="Vector search (384-d, single-threaded queries)")
        for col in ("chunks", "factory", "p50 ms", "p95 ms", "recall@10", "B/chunk in RAM", "build s", "default"):
            t.add_column(col)
        for r in results["scale"]["rows"]:
            t.add_row(f"{r['n']:,}", r["factory"], f"{r['p50_ms']:.2f}", f"{r['p95_ms']:.2f}", f"{r['recall@10']:.3f}",
                      f"{r['index_bytes_per_chunk']:.0f}", f"{r['build_s']:.1f}", "✓" if r["default"] else "")
        console.print(t)
    for key in ("ingest", "pdf", "ask"):
        if key in results:
            console.print(f"[bold]{key}[/]: {json.dumps(results[key])}")


def render_markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        "# Benchmark results",
        "",
        "Regenerate with `python -m benchmarks all --write-results` (about 10–15 minutes on the machine below).",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GiB RAM; Python {m['python']}, "
        f"faiss {m['faiss']}, torch {m['torch']}; measured {m['date']}.",
        "",
    ]
    if "ingest" in results:
        lines += ["## Ingest vs raw `SentenceTransformer.encode` (bundled corpus)", "",
                  "| mode | chunks | texts embedded | pipeline s | raw encode s | chunks/s | overhead vs raw encode |",
                  "|---|---|---|---|---|---|---|"]
        for mode, r in results["ingest"].items():
            lines.append(f"| {mode} | {r['chunks']} | {r['texts_embedded']} | {r['pipeline_s']} | {r['raw_encode_s']} | "
                         f"{r['chunks_per_s']} | {r['overhead_vs_raw_encode']:+.1%} |")
        lines.append("")
    if "pdf" in results:
        r = results["pdf"]
        lines += ["## PDF parsing", "", f"{r['pages']} pages from {r['files']} PDFs in {r['seconds']} s: "
                  f"**{r['pages_per_s']} pages/s** (pypdf, text extraction and normalisation).", ""]
    if "ask" in results:
        r = results["ask"]
        lines += ["## `ask` on a warm pipeline (bundled corpus)", "",
                  f"{r['questions']} questions of `evals/sets/bundled.jsonl` over {r['chunks']} chunks ({r['factory']}): "
                  f"**p50 {r['ask_p50_ms']} ms, p95 {r['ask_p95_ms']} ms**. Pipeline load {r['pipeline_load_s']} s "
                  f"(model + index); index open (mmap) {r['index_open_mmap_s'] * 1e3:.1f} ms; process RSS "
                  f"{r['resident_mb']} MB."
                  + (f" The safety sweep's share: p50 {r['sweep_p50_ms']} ms, p95 {r['sweep_p95_ms']} ms." if "sweep_p50_ms" in r else ""),
                  ""]
    if "scale" in results:
        s = results["scale"]
        lines += ["## Vector search at scale", "",
                  f"Synthetic clustered vectors (d={s['dim']}), {s['queries']} queries, recall@10 against exact search; "
                  f"queries single-threaded; IVF nprobe={s['nprobe']}, HNSW efSearch={s['ef_search']}. Compressed "
                  "indexes (SQ8, PQ) re-rank 4×k candidates exactly against float16 vectors kept on disk (memory-mapped). "
                  "'B/chunk in RAM' is the FAISS index itself.", "",
                  "| chunks | factory | p50 ms | p95 ms | recall@10 | B/chunk in RAM | B/chunk on disk | build s | default |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for r in s["rows"]:
            lines.append(f"| {r['n']:,} | `{r['factory']}` | {r['p50_ms']} | {r['p95_ms']} | {r['recall@10']} | "
                         f"{r['index_bytes_per_chunk']} | {r['disk_bytes_per_chunk']} | {r['build_s']} | {'✓' if r['default'] else ''} |")
        lines.append("")
    if "load" in results:
        r = results["load"]
        lat = r["latency_ms"]
        lines += ["## HTTP server under load (`python benchmarks/load.py`)", "",
                  f"{r['clients']} concurrent clients for {r['seconds']} s against a local `curbside serve` "
                  f"(bundled corpus, one worker), a fixed mix of valid and invalid requests: **{r['requests']} requests, "
                  f"{r['requests_per_s']} req/s, p50 {lat['p50']} ms, p95 {lat['p95']} ms**, "
                  f"5xx: {r.get('server_errors_5xx', 0)}, unexpected statuses: {sum(r.get('unexpected', {}).values())}; "
                  f"status counts {r.get('status_counts', {})}.", ""]
        if r.get("by_kind"):
            lines += ["| request kind | count | p50 ms | p95 ms |", "|---|---:|---:|---:|"]
            lines += [f"| {k} | {v['count']} | {v['p50_ms']} | {v['p95_ms']} |" for k, v in r["by_kind"].items()]
            lines.append("")
    lines.append(f"Total harness time: {results['seconds']} s.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
