"""The server under load and faults, against a real uvicorn on 127.0.0.1.

- a soak: 50 concurrent clients send a mixed stream of valid and invalid requests; no 5xx ever,
  every invalid request gets its documented 4xx, and memory stays bounded (a short CI run and an
  opt-in ``slow`` run: ``pytest -m slow tests/server/test_load.py``);
- dropped SSE connections leave no busy workers behind;
- a client that trickles its body does not hold up anyone else, and is itself cut off;
- the index can be rebuilt and reloaded while requests keep coming, with no failed request.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from curbside import Pipeline, Settings
from curbside.qa.types import Answer
from curbside.server import create_app
from tests.server.conftest import ANAKINRA, REPO, LiveServer

pytestmark = pytest.mark.integration

CLIENTS = 50
RSS_BOUND_MB = 300
MB = 1024 * 1024


# ------------------------------------------------------------------------------ the request mix


@dataclass(frozen=True)
class Call:
    """One kind of request and the status it must get."""

    name: str
    method: str
    path: str
    status: int
    json: Any = None
    content: bytes | None = None
    stream: bool = False


def request_mix(settings: Settings) -> list[Call]:
    limit = settings.server.max_question_chars
    user = {"role": "user", "content": "Colchicine dose for a gout flare with clarithromycin?"}
    valid = [
        Call("search", "POST", "/v1/search", 200, json={"query": "tacrolimus interactions", "k": 5}),
        Call("ask", "POST", "/v1/ask", 200, json={"question": ANAKINRA}),
        Call("chat", "POST", "/v1/chat/completions", 200, json={"model": "curbside", "messages": [user]}),
        Call("chat-stream", "POST", "/v1/chat/completions", 200,
             json={"model": "curbside", "stream": True, "messages": [user]}, stream=True),
        Call("models", "GET", "/v1/models", 200),
    ]
    invalid = [
        Call("malformed-json", "POST", "/v1/ask", 400, content=b'{"question": "gout?"'),
        Call("oversized", "POST", "/v1/ask", 413, content=b'{"question": "' + b"x" * (settings.server.max_body_bytes + 1000) + b'"}'),
        Call("unknown-model", "POST", "/v1/chat/completions", 404, json={"model": "gpt-4o", "messages": [user]}),
        Call("missing-field", "POST", "/v1/ask", 422, json={}),
        Call("missing-messages", "POST", "/v1/chat/completions", 422, json={"model": "curbside"}),
        Call("too-long", "POST", "/v1/ask", 422, json={"question": "q" * (limit + 1)}),
        Call("too-long-chat", "POST", "/v1/chat/completions", 400,
             json={"model": "curbside", "messages": [{"role": "user", "content": "q" * (limit + 1)}]}),
        Call("wrong-method", "GET", "/v1/ask", 405),
        Call("wrong-method-delete", "DELETE", "/v1/search", 405),
        Call("no-such-path", "GET", "/v1/nothing-here", 404),
    ]
    return valid + invalid


@dataclass
class Tally:
    ok: Counter[str] = field(default_factory=Counter)
    expected_4xx: Counter[str] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)  # unexpected status, broken stream, exception

    @property
    def served(self) -> int:
        return sum(self.ok.values()) + sum(self.expected_4xx.values()) + len(self.wrong)


async def _one(client: httpx.AsyncClient, call: Call, tally: Tally) -> None:
    headers = {"Content-Type": "application/json"} if call.content is not None else None
    try:
        if call.stream:
            async with client.stream(call.method, call.path, json=call.json) as r:
                body = (await r.aread()).decode()
            complete = body.rstrip().endswith("data: [DONE]")
            if r.status_code != call.status or not complete:
                tally.wrong.append(f"{call.name}: {r.status_code}, stream complete={complete}")
                return
        else:
            r = await client.request(call.method, call.path, json=call.json, content=call.content, headers=headers)
            if r.status_code != call.status:
                tally.wrong.append(f"{call.name}: {r.status_code} {r.text[:200]}")
                return
            if r.status_code >= 400:
                error = r.json()["error"]
                assert error["message"] and error["type"], error
    except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError) as exc:
        # The server answers an oversized body with 413 and "Connection: close" before reading it
        # all; a client still uploading may see the reset instead of the 413 (RFC 9112 §9.6).
        # That is the body being refused, as intended; for any other request a reset is a failure.
        if call.status == 413:
            tally.expected_4xx[call.name] += 1
        else:
            tally.wrong.append(f"{call.name}: {type(exc).__name__}: {exc}")
        return
    except Exception as exc:  # a timeout or anything else is a failure too
        tally.wrong.append(f"{call.name}: {type(exc).__name__}: {exc}")
        return
    (tally.ok if call.status < 400 else tally.expected_4xx)[call.name] += 1


async def _soak(url: str, calls: list[Call], duration_s: float, clients: int = CLIENTS) -> Tally:
    tally = Tally()
    deadline = time.monotonic() + duration_s
    # generous timeouts: a busy machine makes requests slow, never wrong; idle connections are
    # dropped by the client (5 s) well before the server would close them (keep_alive_s)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=5.0)

    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:

        async def worker(n: int) -> None:
            # each client walks the mix from its own offset, so every kind is in flight at once
            for call in itertools.islice(itertools.cycle(calls), n % len(calls), None):
                if time.monotonic() >= deadline:
                    return
                await _one(client, call, tally)

        await asyncio.gather(*(worker(n) for n in range(clients)))
    return tally


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / MB


@pytest.fixture(scope="module")
def load_server(pipeline: Pipeline) -> Iterator[LiveServer]:
    with LiveServer(create_app(pipeline)) as server:
        yield server


@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    "duration_s",
    [15, pytest.param(int(os.environ.get("CURBSIDE_SOAK_SECONDS", "60")), marks=pytest.mark.slow, id="long")],
)
def test_soak_mixed_traffic_never_5xx(load_server: LiveServer, settings: Settings, duration_s: int) -> None:
    calls = request_mix(settings)
    warm = asyncio.run(_soak(load_server.url, calls, 1.0, clients=len(calls)))  # warm caches and pools
    assert not warm.wrong, warm.wrong
    rss_before = _rss_mb()
    tally = asyncio.run(_soak(load_server.url, calls, duration_s))
    rss_growth = _rss_mb() - rss_before

    assert not tally.wrong, f"{len(tally.wrong)} failures, first: {tally.wrong[:5]}"
    assert set(tally.ok) == {c.name for c in calls if c.status < 400}, tally.ok
    assert set(tally.expected_4xx) == {c.name for c in calls if c.status >= 400}, tally.expected_4xx
    assert rss_growth < RSS_BOUND_MB, f"RSS grew by {rss_growth:.0f} MB"
    assert httpx.get(f"{load_server.url}/healthz").status_code == 200
    print(
        f"\nload: {tally.served} requests served, {sum(tally.expected_4xx.values())} 4xx as expected, "
        f"{len(tally.wrong)} errors, RSS {rss_growth:+.0f} MB ({duration_s} s, {CLIENTS} clients; "
        f"200s {dict(tally.ok)})"
    )


# ------------------------------------------------------------------------------ dropped SSE connections


def _drop_streams(url: str, n: int) -> int:
    """Open ``n`` streaming chats at once, read the first chunk of each, then hang up."""

    async def one(client: httpx.AsyncClient) -> bool:
        body = {"model": "curbside", "stream": True, "messages": [{"role": "user", "content": ANAKINRA}]}
        async with client.stream("POST", "/v1/chat/completions", json=body) as r:
            async for line in r.aiter_lines():
                if line.startswith("data: "):
                    return r.status_code == 200  # leave mid-stream: the connection is closed here
        return False

    async def main() -> int:
        limits = httpx.Limits(max_connections=n, max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
            return sum(await asyncio.gather(*(one(client) for _ in range(n))))

    return asyncio.run(main())


def _wait_for(predicate, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_dropped_streams_leave_no_workers_behind(load_server: LiveServer) -> None:
    url = load_server.url
    warm = asyncio.run(_soak(url, request_mix(Settings())[:4], 1.0, clients=16))  # the thread pool at full size
    assert not warm.wrong, warm.wrong
    baseline = threading.active_count()
    assert _drop_streams(url, 60) == 60
    assert _wait_for(lambda: threading.active_count() <= baseline + 2, 10), (
        f"{threading.active_count()} threads after the dropped streams, {baseline} before"
    )
    r = httpx.post(f"{url}/v1/chat/completions", timeout=30,
                   json={"model": "curbside", "stream": True, "messages": [{"role": "user", "content": ANAKINRA}]})
    assert r.status_code == 200 and r.text.rstrip().endswith("data: [DONE]")
    assert httpx.post(f"{url}/v1/search", json={"query": "gout"}, timeout=30).status_code == 200


class _SlowStream:
    """A composer that streams like an LLM: one piece every ``step_s``, ``pieces`` in all."""

    def __init__(self, pieces: int, step_s: float) -> None:
        self.pieces, self.step_s = pieces, step_s
        self.active = 0  # ask_stream generators running
        self.produced = 0
        self._lock = threading.Lock()

    def compose_stream(self, *args: Any) -> Iterator[Any]:  # only its presence matters to the server
        raise NotImplementedError


class StreamingStub:
    """Just enough of a Pipeline for the live SSE path: ``ask_stream`` yields slowly."""

    def __init__(self, composer: _SlowStream) -> None:
        self.settings = Settings(server={"request_timeout_s": 30})
        self.table = None
        self.composer = composer

    def search(self, query: str, **kwargs: Any) -> list[Any]:
        return []

    def ask_stream(self, question: str, **kwargs: Any) -> Iterator[str | Answer]:
        c = self.composer
        with c._lock:
            c.active += 1
        try:
            for i in range(c.pieces):
                time.sleep(c.step_s)
                with c._lock:
                    c.produced += 1
                yield f"piece {i}\n"
            yield Answer(question=question, abstained=True, abstention_reason="stub")
        finally:
            with c._lock:
                c.active -= 1


def test_dropped_live_streams_stop_their_workers() -> None:
    """With a streaming (LLM) composer each request runs a generator in a worker thread; a client
    that hangs up must stop it, or a handful of dropped chats would hold the whole pool."""
    composer = _SlowStream(pieces=100, step_s=0.05)  # 5 s per full answer
    stub = StreamingStub(composer)
    with LiveServer(create_app(stub)) as server:  # type: ignore[arg-type]
        dropped = 12
        assert _drop_streams(server.url, dropped) == dropped
        t0 = time.perf_counter()
        r = httpx.post(f"{server.url}/v1/search", json={"query": "gout"}, timeout=60)
        search_s = time.perf_counter() - t0
        stopped = _wait_for(lambda: composer.active == 0, 5)
        produced = composer.produced
    assert r.status_code == 200
    summary = (f"{dropped} streams dropped after the first chunk: {produced} pieces composed for them afterwards "
               f"(of {dropped * composer.pieces}), a search waited {search_s:.1f} s, "
               f"{composer.active} still composing 5 s later")
    print(f"\ndropped live streams: {summary}")
    assert stopped and produced < dropped * composer.pieces / 4 and search_s < 2, summary


# ------------------------------------------------------------------------------ slow clients


def _trickle(url: str, stop: threading.Event, sent: list[float]) -> str:
    """Announce a 400-byte JSON body, then send one byte every 0.2 s; return how it ended."""
    host, port = url.removeprefix("http://").split(":")
    body = json.dumps({"query": "gout " + "x" * 370}).encode()
    assert len(body) > 300
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(b"POST /v1/search HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % (f"{host}:{port}".encode(), len(body)))
        t0 = time.monotonic()
        for byte in body:
            if stop.is_set():
                return "still open when the test gave up"
            try:
                s.sendall(bytes([byte]))
            except OSError as exc:
                return f"cut off after {time.monotonic() - t0:.1f} s ({type(exc).__name__})"
            sent.append(time.monotonic() - t0)
            s.settimeout(0.2)
            try:
                reply = s.recv(4096)
            except TimeoutError:
                continue
            except OSError as exc:
                return f"cut off after {time.monotonic() - t0:.1f} s ({type(exc).__name__})"
            status = reply.split(b"\r\n", 1)[0].decode(errors="replace") if reply else "connection closed"
            return f"{status} after {time.monotonic() - t0:.1f} s"
        return "the whole body went through"


BODY_TIMEOUT_S = 10.0  # the trickle is cut off after this; the others are asked well inside it


@pytest.mark.timeout(120)
def test_trickling_client_does_not_hold_up_others(pipeline: Pipeline) -> None:
    """While one client trickles its body, others are served and the trickle is cut off. Nothing
    here depends on how fast the machine is: the others only have to finish while the trickle is
    still open (they take milliseconds; it is held for 10 s), with generous client timeouts."""
    settings = pipeline.settings.with_overrides(server__request_timeout_s=BODY_TIMEOUT_S)
    with LiveServer(create_app(pipeline, settings)) as server:
        stop = threading.Event()
        sent: list[float] = []
        outcome: list[str] = []
        slow = threading.Thread(target=lambda: outcome.append(_trickle(server.url, stop, sent)), daemon=True)
        slow.start()
        try:
            assert _wait_for(lambda: len(sent) >= 3, 30), "the trickle never started"
            statuses = [httpx.post(f"{server.url}/v1/search", json={"query": "colchicine dose"}, timeout=60).status_code
                        for _ in range(3)]
            trickle_open = slow.is_alive()
            assert statuses == [200, 200, 200], statuses
            assert trickle_open, "the trickle ended before the other clients were served"
        finally:
            slow.join(timeout=BODY_TIMEOUT_S * 4)  # 400 bytes at 5/s take 80 s: the server cuts it off first
            stop.set()
            slow.join(timeout=5)
    print(f"\ntrickle: others served while it was open; the trickle: {outcome}")
    assert outcome and outcome[0].startswith(("HTTP/1.1 408", "HTTP/1.1 400", "HTTP/1.1 413", "cut off", "connection closed")), (
        f"a client sending 5 bytes/s was never cut off: {outcome}"
    )


@pytest.mark.timeout(60)
def test_idle_keep_alive_connection_outlives_client_pools(load_server: LiveServer, settings: Settings) -> None:
    """The server must not close an idle keep-alive connection before the client does: a client
    (httpx keeps idle connections 5 s, aiohttp - Open WebUI - 15 s) that sends its next request just
    as the server closes gets a reset. uvicorn's default (5 s) closed it first; under a busy machine,
    with responses read late, that was the soak test's ReadError on search and chat."""
    idle_s = 6.0  # longer than uvicorn's default keep-alive, shorter than the server's setting
    assert settings.server.keep_alive_s > idle_s
    host, port = load_server.url.removeprefix("http://").split(":")
    request = f"GET /healthz HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(request)
        assert s.recv(4096).startswith(b"HTTP/1.1 200")
        time.sleep(idle_s)
        s.sendall(request)
        reply = s.recv(4096)
    assert reply.startswith(b"HTTP/1.1 200"), f"the server closed the idle connection: {reply!r}"


# ------------------------------------------------------------------------------ rebuild under load


UNIQUE_TERM = "quorvexalin"
NEW_DOC = f"""---
title: Quorvexalin Rescue Protocol
kind: guideline
publisher: Test Society
year: 2025
---
# Quorvexalin rescue

{UNIQUE_TERM.capitalize()} is given as a 5 mg intravenous bolus for refractory gout flares in this made-up protocol.
Repeat {UNIQUE_TERM} once after thirty minutes if the flare has not settled.
"""
SEED_FILES = ["colchicine-colcrys-label.md", "tacrolimus-prograf-label.md", "acr-2020-gout-flare-management.md"]


def _has_term(response: httpx.Response) -> bool:
    return any(UNIQUE_TERM in p["chunk"]["text"].lower() for p in response.json()["passages"])


def rebuild_scenario(workdir: str, reloads: int) -> None:
    """Run in a child process (a crash must fail the test, not end the session): serve a small
    index, hammer it with searches, add a file, ingest a new generation, reload; print what was seen."""
    from curbside import ingest

    tmp = Path(workdir)
    corpus = tmp / "corpus"
    corpus.mkdir()
    for name in SEED_FILES:
        shutil.copy(REPO / "corpus" / name, corpus / name)
    settings = Settings(cache_dir=tmp / "cache", progress=False)
    index_dir = tmp / "index"
    ingest([corpus], index_dir, settings)
    pipeline = Pipeline(index_dir, settings=settings)
    failures: list[str] = []
    served = Counter[str]()
    stop = threading.Event()
    seen: dict[str, Any] = {}

    def hammer(url: str) -> None:
        queries = itertools.cycle(["tacrolimus interactions", "colchicine dose", UNIQUE_TERM, "gout flare"])
        with httpx.Client(base_url=url, timeout=30) as client:
            while not stop.is_set():
                try:
                    r = client.post("/v1/search", json={"query": next(queries), "k": 5})
                    if r.status_code != 200 or not r.json()["passages"]:
                        failures.append(f"{r.status_code}: {r.text[:200]}")
                    served["search"] += 1
                except Exception as exc:
                    failures.append(f"{type(exc).__name__}: {exc}")

    def search_term(url: str) -> bool:
        r = httpx.post(f"{url}/v1/search", json={"query": UNIQUE_TERM, "k": 8}, timeout=30)
        r.raise_for_status()
        seen["top_title"] = r.json()["passages"][0]["document"]["title"]
        return _has_term(r)

    with LiveServer(create_app(pipeline)) as server:
        threads = [threading.Thread(target=hammer, args=(server.url,), daemon=True) for _ in range(6)]
        for t in threads:
            t.start()
        seen["before"] = search_term(server.url)
        generation = os.readlink(index_dir / "current")
        (corpus / "quorvexalin-protocol.md").write_text(NEW_DOC)
        seen["added"] = len(ingest([corpus], index_dir, settings).added)  # a new generation beside the live one
        seen["new_generation"] = os.readlink(index_dir / "current") != generation
        seen["stale"] = search_term(server.url)  # not reloaded yet: still the old index
        seen["reloads"] = [httpx.post(f"{server.url}/v1/reload", json={}, timeout=60).status_code for _ in range(reloads)]
        seen["after"] = search_term(server.url)
        time.sleep(1.0)  # keep hammering the new index for a moment
        stop.set()
        for t in threads:
            t.join(timeout=30)
    pipeline.close()
    seen.update(served=served["search"], failures=failures[:5], n_failures=len(failures))
    print("RESULT " + json.dumps(seen))


@pytest.mark.timeout(240)
def test_rebuild_and_reload_under_load(tmp_path: Path, real_encoder) -> None:
    """Searches never fail while a new generation is built and the server reloads, again and again."""
    code = (f"import sys; sys.path.insert(0, {str(REPO)!r}); from tests.server.test_load import rebuild_scenario; "
            f"rebuild_scenario({str(tmp_path)!r}, reloads=10)")
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=200)
    lines = [ln for ln in child.stdout.splitlines() if ln.startswith("RESULT ")]
    assert child.returncode == 0 and lines, (
        f"the server process died (exit {child.returncode}) during rebuild + reload:\n{child.stderr[-3000:]}"
    )
    seen = json.loads(lines[-1].removeprefix("RESULT "))
    assert seen["before"] is False and seen["stale"] is False, seen
    assert seen["added"] == 1 and seen["new_generation"], seen
    assert seen["reloads"] == [200] * 10, seen
    assert seen["after"] is True and seen["top_title"] == "Quorvexalin Rescue Protocol", seen
    assert seen["served"] > 50, seen
    assert seen["n_failures"] == 0, f"{seen['n_failures']} of {seen['served']} searches failed: {seen['failures']}"
    print(f"\nrebuild under load: {seen['served']} searches during ingest + 10 reloads, 0 failed")
