"""Load test for the Curbside HTTP server (loopback only).

Drives N concurrent clients for T seconds with a fixed mix of valid and invalid requests and reports
throughput, latency percentiles and status counts; checks that bad input never becomes a 5xx.

    python benchmarks/load.py                      # starts a server on 127.0.0.1 (bundled index)
    python benchmarks/load.py --index /path/idx -c 50 -t 60 --out benchmarks/out/load.json
    python benchmarks/load.py --url http://127.0.0.1:8000 --api-key "$KEY"

Only loopback addresses are accepted for --url: this is a benchmark, not a traffic generator.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

QUESTIONS = [
    "Is it safe to start anakinra in a patient with gout who is already on tacrolimus (FK506) and Cellcept?",
    "How should colchicine be dosed for a gout flare in a patient taking cyclosporine?",
    "Which vaccines should be avoided in a kidney transplant recipient?",
    "Should febuxostat or allopurinol be used first for urate lowering in a patient with heart disease?",
    "What monitoring is needed when starting canakinumab?",
    "What is the first-line drug therapy for type 2 diabetes?",
]


@dataclass(frozen=True)
class Kind:
    """One request type of the mix: how to send it and the status it must get."""

    name: str
    weight: float
    expect: int


MIX = [
    Kind("ask", 30, 200),
    Kind("ask_follow_up", 5, 200),
    Kind("search", 15, 200),
    Kind("chat", 10, 200),
    Kind("chat_stream", 10, 200),
    Kind("documents", 3, 200),
    Kind("models", 2, 200),
    Kind("healthz", 5, 200),
    Kind("malformed_json", 5, 400),
    Kind("too_long_question", 5, 422),
    Kind("unknown_model", 4, 404),
    Kind("oversized_body", 3, 413),
    Kind("missing_field", 3, 422),
    Kind("title_task", 3, 200),
    Kind("form_post", 1, 415),
    Kind("foreign_host", 1, 400),
]


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def send(client: httpx.AsyncClient, kind: str, rng: random.Random, max_chars: int, max_body: int) -> int:
    q = rng.choice(QUESTIONS)
    chat = {"model": "curbside", "messages": [{"role": "user", "content": q}]}
    if kind == "ask":
        r = await client.post("/v1/ask", json={"question": q})
    elif kind == "ask_follow_up":
        r = await client.post("/v1/ask", json={"question": "What about canakinumab instead?", "history": [QUESTIONS[0]]})
    elif kind == "search":
        r = await client.post("/v1/search", json={"query": q, "k": 8})
    elif kind == "chat":
        r = await client.post("/v1/chat/completions", json=chat)
    elif kind == "chat_stream":
        async with client.stream("POST", "/v1/chat/completions", json={**chat, "stream": True}) as resp:
            last = b""
            async for line in resp.aiter_lines():
                if line:
                    last = line.encode()
            if resp.status_code == 200 and last != b"data: [DONE]":
                return -1  # a stream that did not finish properly
            return resp.status_code
    elif kind == "documents":
        r = await client.get("/v1/documents")
    elif kind == "models":
        r = await client.get("/v1/models")
    elif kind == "healthz":
        r = await client.get("/healthz")
    elif kind == "malformed_json":
        r = await client.post("/v1/ask", content=b'{"question": "gout', headers={"Content-Type": "application/json"})
    elif kind == "too_long_question":
        r = await client.post("/v1/ask", json={"question": "gout " * (max_chars // 4 + 10)})
    elif kind == "unknown_model":
        r = await client.post("/v1/chat/completions", json={**chat, "model": "no-such-model"})
    elif kind == "oversized_body":
        r = await client.post("/v1/ask", content=b"x" * (max_body + 1), headers={"Content-Type": "application/json"})
    elif kind == "missing_field":
        r = await client.post("/v1/ask", json={"query": q})
    elif kind == "title_task":  # a chat frontend's title prompt: answered without retrieval
        prompt = ("### Task:\nGenerate a concise title.\n### Output:\nJSON format: { \"title\": \"...\" }\n"
                  f"### Chat History:\n<chat_history>\nUSER: {q}\n</chat_history>")
        r = await client.post("/v1/chat/completions", json={"model": "curbside", "messages": [{"role": "user", "content": prompt}]})
    elif kind == "form_post":  # what a cross-site HTML form can send
        r = await client.post("/v1/reload", content=b"x=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
    elif kind == "foreign_host":  # a DNS-rebinding page's Host header
        r = await client.get("/v1/documents", headers={"Host": "rebind.attacker.example"})
    else:  # pragma: no cover
        raise ValueError(kind)
    return r.status_code


async def worker(
    client: httpx.AsyncClient, seed: int, deadline: float, results: list[tuple[str, int | str, float]],
    max_chars: int, max_body: int,
) -> None:
    rng = random.Random(seed)
    names = [k.name for k in MIX]
    weights = [k.weight for k in MIX]
    while time.monotonic() < deadline:
        kind = rng.choices(names, weights)[0]
        t0 = time.perf_counter()
        try:
            status: int | str = await send(client, kind, rng, max_chars, max_body)
        except httpx.HTTPError as exc:
            status = f"exception:{type(exc).__name__}"
        results.append((kind, status, (time.perf_counter() - t0) * 1e3))


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    i = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return round(ordered[i], 2)


async def run_load(url: str, clients: int, seconds: float, api_key: str | None, seed: int,
                   max_chars: int, max_body: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    results: list[tuple[str, int | str, float]] = []
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=60) as client:
        t0 = time.monotonic()
        deadline = t0 + seconds
        await asyncio.gather(*(worker(client, seed + i, deadline, results, max_chars, max_body) for i in range(clients)))
        elapsed = time.monotonic() - t0
    expected = {k.name: k.expect for k in MIX}
    by_status = Counter(str(s) for _, s, _ in results)
    by_kind: dict[str, list[float]] = defaultdict(list)
    unexpected: Counter[str] = Counter()
    for kind, status, ms in results:
        by_kind[kind].append(ms)
        if status != expected[kind]:
            unexpected[f"{kind}:{status}"] += 1
    latencies = [ms for _, _, ms in results]
    server_errors = sum(n for s, n in by_status.items() if s.startswith("5"))
    return {
        "url": url,
        "clients": clients,
        "seconds": round(elapsed, 2),
        "requests": len(results),
        "requests_per_s": round(len(results) / elapsed, 2) if elapsed else 0.0,
        "latency_ms": {
            "p50": percentile(latencies, 50), "p95": percentile(latencies, 95), "p99": percentile(latencies, 99),
            "mean": round(statistics.fmean(latencies), 2) if latencies else None,
        },
        "by_kind": {
            k: {"count": len(v), "p50_ms": percentile(v, 50), "p95_ms": percentile(v, 95)}
            for k, v in sorted(by_kind.items())
        },
        "status_counts": dict(sorted(by_status.items())),
        "server_errors_5xx": server_errors,
        "unexpected": dict(sorted(unexpected.items())),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(index: str | None, workers: int, ready_timeout: float, api_key: str | None) -> tuple[subprocess.Popen[bytes], str]:
    """`curbside.server.serve` in a child process on a free loopback port; waits for /readyz."""
    port = free_port()
    code = (
        "import sys; from curbside.server import serve; from curbside.settings import Settings; "
        "serve(Settings(progress=False), sys.argv[1] or None, '127.0.0.1', int(sys.argv[2]), int(sys.argv[3]))"
    )
    env = {k: v for k, v in os.environ.items() if k != "CURBSIDE_SERVER__API_KEY"}
    if api_key:
        env["CURBSIDE_SERVER__API_KEY"] = api_key
    proc = subprocess.Popen(
        [sys.executable, "-c", code, index or "", str(port), str(workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise SystemExit(f"the server exited early:\n{err[-3000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    proc.terminate()
    raise SystemExit(f"the server was not ready within {ready_timeout:.0f} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", help="Loopback server to drive (default: start one on 127.0.0.1).")
    ap.add_argument("--index", help="Index directory for the server started here (default: bundled corpus).")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn workers for the server started here.")
    ap.add_argument("-c", "--clients", type=int, default=50, help="Concurrent clients (default 50).")
    ap.add_argument("-t", "--seconds", type=float, default=60.0, help="Duration in seconds (default 60).")
    ap.add_argument("--api-key", default=os.environ.get("CURBSIDE_API_KEY"), help="Bearer key to send.")
    ap.add_argument("--max-question-chars", type=int, default=2000, help="The server's question limit.")
    ap.add_argument("--max-body-bytes", type=int, default=64_000, help="The server's body limit.")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ready-timeout", type=float, default=900.0, help="Wait this long for /readyz.")
    ap.add_argument("--out", type=Path, help="Write the results as JSON here.")
    args = ap.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0:
        ap.error("--clients and --seconds must be positive")

    proc = None
    if args.url:
        if not is_loopback(args.url):
            ap.error(f"--url must be a loopback address (127.0.0.0/8, ::1, localhost), not {args.url}")
        url = args.url.rstrip("/")
    else:
        print("starting a server on 127.0.0.1 …", file=sys.stderr)
        proc, url = start_server(args.index, args.workers, args.ready_timeout, args.api_key)
    try:
        report = asyncio.run(run_load(url, args.clients, args.seconds, args.api_key, args.seed,
                                      args.max_question_chars, args.max_body_bytes))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    lat = report["latency_ms"]
    print(f"{report['requests']} requests in {report['seconds']} s with {report['clients']} clients: "
          f"{report['requests_per_s']} req/s; latency p50 {lat['p50']} ms, p95 {lat['p95']} ms, p99 {lat['p99']} ms")
    print("status counts: " + ", ".join(f"{s}: {n}" for s, n in report["status_counts"].items()))
    for kind, row in report["by_kind"].items():
        print(f"  {kind:<18} {row['count']:>6}  p50 {row['p50_ms']:>8} ms  p95 {row['p95_ms']:>8} ms")
    if report["unexpected"]:
        print("UNEXPECTED statuses: " + ", ".join(f"{k}: {n}" for k, n in report["unexpected"].items()))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")
        print(f"wrote {args.out}")
    return 1 if report["server_errors_5xx"] or report["unexpected"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
