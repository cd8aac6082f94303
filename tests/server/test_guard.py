"""Issue 14 L9 (cross-site form POSTs and DNS rebinding), M5 (long follow-up histories are
analysed off the event loop, and bounded), the access log's timestamp (issue 18), and the live
stream's progress notes and annotations."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from curbside import openai_api
from curbside.ingest.types import Chunk, Document
from curbside.qa.types import Answer, Citation, Reference, Statement
from curbside.server import create_app, split_host
from curbside.settings import Settings
from tests.server.conftest import ANAKINRA, LiveServer


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class LoopCheckingPipeline:
    """Enough of a Pipeline for the JSON routes; records any use of it on the event loop."""

    def __init__(self) -> None:
        self.settings = Settings()
        self.on_loop: list[str] = []
        self.reloads = 0
        self.asked: list[dict[str, Any]] = []

    def _check(self, what: str) -> None:
        if _on_event_loop():
            self.on_loop.append(what)

    @property
    def table(self) -> Any:  # the old server read the alias table on the loop for follow-ups
        self._check("table")
        return None

    def analyse(self, question: str, history: Any = ()) -> Any:
        self._check("analyse")
        return None

    def ask(self, question: str, **kwargs: Any) -> Answer:
        self._check("ask")
        self.asked.append({"question": question, **kwargs})
        return Answer(question=question, abstained=True, abstention_reason="stub")

    def reload(self) -> None:
        self.reloads += 1

    @property
    def manifest(self) -> Any:
        class M:
            n_documents = n_chunks = 0
            created_at = "now"
        return M()


# ------------------------------------------------------------------------------ L9


@pytest.mark.parametrize("content_type", [
    "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain", None,
])
def test_state_changing_routes_need_a_json_body(content_type: str | None) -> None:
    stub = LoopCheckingPipeline()
    with TestClient(create_app(stub, Settings())) as c:  # type: ignore[arg-type]
        headers = {"Content-Type": content_type} if content_type else {}
        r = c.post("/v1/reload", content=b"x=1" if content_type else b"", headers=headers)
        assert r.status_code == 415, r.text
        assert r.json()["error"]["code"] == "unsupported_media_type"
        r = c.post("/v1/ask", content=b'{"question": "gout?"}', headers=headers)
        assert r.status_code == 415
        assert stub.reloads == 0 and not stub.asked, "a cross-site form POST changed nothing"
        assert c.post("/v1/reload", json={}).status_code == 200 and stub.reloads == 1
        r = c.post("/v1/ask", content=b'{"question": "gout?"}', headers={"Content-Type": "application/json; charset=utf-8"})
        assert r.status_code == 200


def test_foreign_host_header_is_refused() -> None:
    stub = LoopCheckingPipeline()
    with TestClient(create_app(stub, Settings())) as c:  # type: ignore[arg-type]
        for host in ("evil.example", "evil.example:80", "127.0.0.1.evil.example", "testserver.evil.example"):
            r = c.get("/v1/documents", headers={"Host": host})
            assert r.status_code == 400, host
            assert r.json()["error"]["code"] == "invalid_host"
        assert c.get("/healthz", headers={"Host": "10.0.0.7:8000"}).status_code == 200, "probes answer any Host"
        assert c.get("/v1/models").status_code == 200  # its own name ("testserver")


def test_allowed_hosts_setting() -> None:
    stub = LoopCheckingPipeline()
    settings = Settings(server={"allowed_hosts": ["curbside.internal", "host.docker.internal:8000"]})
    with TestClient(create_app(stub, settings)) as c:  # type: ignore[arg-type]
        assert c.get("/v1/models", headers={"Host": "curbside.internal"}).status_code == 200
        assert c.get("/v1/models", headers={"Host": "curbside.internal:9999"}).status_code == 200
        assert c.get("/v1/models", headers={"Host": "host.docker.internal:8000"}).status_code == 200
        assert c.get("/v1/models", headers={"Host": "host.docker.internal:8001"}).status_code == 400
        assert c.get("/v1/models", headers={"Host": "evil.example"}).status_code == 400
    with TestClient(create_app(stub, Settings(server={"allowed_hosts": ["*"]}))) as c:  # type: ignore[arg-type]
        assert c.get("/v1/models", headers={"Host": "anything.example"}).status_code == 200


def test_live_server_answers_its_loopback_names_only() -> None:
    stub = LoopCheckingPipeline()
    with LiveServer(create_app(stub, Settings())) as server:  # type: ignore[arg-type]
        port = server.port
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost", f"[::1]:{port}"):
            assert httpx.get(f"{server.url}/v1/models", headers={"Host": host}).status_code == 200, host
        for host in (f"evil.example:{port}", f"localhost:{port + 1}", "rebind.attacker.example"):
            assert httpx.get(f"{server.url}/v1/documents", headers={"Host": host}).status_code == 400, host


def test_split_host() -> None:
    assert split_host("LocalHost:8000") == ("localhost", 8000)
    assert split_host("[::1]:8000") == ("::1", 8000)
    assert split_host("[::1]") == ("::1", None)
    assert split_host("example.org") == ("example.org", None)


# ------------------------------------------------------------------------------ M5


def test_follow_up_history_is_never_analysed_on_the_event_loop() -> None:
    stub = LoopCheckingPipeline()
    history = [f"Is drug {i} safe with tacrolimus in a patient with gout and CKD stage 3?" for i in range(40)]
    with TestClient(create_app(stub, Settings())) as c:  # type: ignore[arg-type]
        r = c.post("/v1/ask", json={"question": "What about in pregnancy?", "history": history})
        assert r.status_code == 200, r.text
        messages = [{"role": "user", "content": h} for h in history] + [{"role": "user", "content": "And colchicine?"}]
        r = c.post("/v1/chat/completions", json={"model": "curbside", "messages": messages})
        assert r.status_code == 200, r.text
    assert stub.on_loop == [], f"used on the event loop: {stub.on_loop}"
    assert stub.asked[0]["history"] == history


def test_history_is_bounded() -> None:
    stub = LoopCheckingPipeline()
    settings = Settings(server={"max_history_chars": 1000, "max_body_bytes": 200_000})
    turn = "x" * 300 + "?"
    with TestClient(create_app(stub, settings)) as c:  # type: ignore[arg-type]
        r = c.post("/v1/ask", json={"question": "gout?", "history": [turn] * 4})
        assert r.status_code == 422 and r.json()["error"]["param"] == "history"
        messages = [{"role": "user", "content": f"{i} {turn}"} for i in range(30)] + [{"role": "user", "content": "gout?"}]
        r = c.post("/v1/chat/completions", json={"model": "curbside", "messages": messages})
        assert r.status_code == 200, "a chat UI resends the whole conversation: the latest turns are kept"
    kept = stub.asked[-1]["history"]
    assert sum(map(len, kept)) <= 1000 and kept == [m["content"] for m in messages[-1 - len(kept) : -1]]


@pytest.mark.slow
@pytest.mark.integration
def test_healthz_stays_fast_while_long_histories_are_analysed(pipeline) -> None:
    """The probe from issue 14 M5: ten ~62 KB follow-ups at once froze /healthz for up to 6.1 s."""
    turn = "Is it safe to start anakinra in a patient with gout who is already on tacrolimus and CKD? "
    messages = [{"role": "user", "content": turn * 20} for _ in range(30)] + [{"role": "user", "content": "What about in pregnancy?"}]
    body = json.dumps({"model": "curbside", "messages": messages})
    assert 55_000 < len(body) < pipeline.settings.server.max_body_bytes
    with LiveServer(create_app(pipeline)) as server:
        stop = threading.Event()
        worst = [0.0]

        def probe() -> None:
            while not stop.is_set():
                t0 = time.perf_counter()
                assert httpx.get(f"{server.url}/healthz", timeout=30).status_code == 200
                worst[0] = max(worst[0], time.perf_counter() - t0)
                time.sleep(0.05)

        prober = threading.Thread(target=probe, daemon=True)
        prober.start()

        async def flood() -> list[int]:
            async with httpx.AsyncClient(base_url=server.url, timeout=120) as client:
                rs = await asyncio.gather(*(client.post("/v1/chat/completions", content=body,
                                                        headers={"Content-Type": "application/json"}) for _ in range(10)))
                return [r.status_code for r in rs]

        statuses = asyncio.run(flood())
        stop.set()
        prober.join(timeout=30)
    assert statuses == [200] * 10
    print(f"\nworst /healthz latency during ten 62 KB follow-ups: {worst[0] * 1e3:.0f} ms")
    assert worst[0] < 1.0, f"/healthz took {worst[0]:.2f} s"


# ------------------------------------------------------------------------------ access log


def test_access_log_has_an_iso_utc_timestamp(caplog: pytest.LogCaptureFixture) -> None:
    stub = LoopCheckingPipeline()
    with TestClient(create_app(stub, Settings())) as c, caplog.at_level(logging.INFO, "curbside.access"):  # type: ignore[arg-type]
        c.get("/healthz")
        c.post("/v1/ask", json={"question": "gout?"})
    entries = [json.loads(rec.getMessage()) for rec in caplog.records if rec.name == "curbside.access"]
    assert len(entries) == 2
    for entry in entries:
        assert entry["ts"].endswith("Z")
        ts = datetime.fromisoformat(entry["ts"].replace("Z", "+00:00"))
        assert ts.tzinfo is not None and abs((datetime.now(UTC) - ts).total_seconds()) < 60
    assert "kind" not in entries[0] and entries[1]["kind"] == "answer"


# ------------------------------------------------------------------------------ live (LLM) stream


class LiveStub:
    """A composer that writes like a slow LLM: a pause, then two statements, then the answer."""

    def __init__(self, pause_s: float) -> None:
        self.settings = Settings()
        self.pause_s = pause_s
        self.composer = type("C", (), {"compose_stream": lambda *a: None})()

    def ask_stream(self, question: str, **kwargs: Any) -> Iterator[str | Answer]:
        time.sleep(self.pause_s)
        yield "**Bottom line:** Statement one [1]\n"
        yield "\n### Risks and considerations\n- Statement two [2]\n"
        doc = Document(doc_id="abcdef0123456789", title="A guideline", kind="guideline", path="g.md")
        chunk = Chunk(chunk_id="abcdef0123456789#0", doc_id=doc.doc_id, n=0, text="Statement one.",
                      embed_text="Statement one.", char_start=0, char_end=14)
        cite = Citation(ref=1, chunk_id=chunk.chunk_id, start=0, end=14, quote="Statement one.")
        refs = [Reference(number=1, kind="guideline", label="Guideline", title="A guideline", doc_id=doc.doc_id,
                          chunk_ids=[chunk.chunk_id]),
                Reference(number=2, kind="research", label="Research", title="A trial", url="https://example.org/t",
                          doc_id="0123456789abcdef")]
        yield Answer(question=question, bottom_line=Statement(text="Statement one.", citations=[cite]),
                     references=refs, composer="llm")


def test_live_stream_shows_progress_then_statements_then_annotations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openai_api, "PROGRESS_EVERY_S", 0.1)
    stub = LiveStub(pause_s=0.35)
    with TestClient(create_app(stub, Settings())) as c:  # type: ignore[arg-type]
        r = c.post("/v1/chat/completions", json={"model": "curbside", "stream": True,
                                                 "messages": [{"role": "user", "content": ANAKINRA}]})
    events = [json.loads(line[6:]) for line in r.text.splitlines() if line.startswith("data: {")]
    deltas = [e["choices"][0]["delta"] for e in events]
    assert deltas[0]["role"] == "assistant" and deltas[0]["reasoning_content"], "progress from the first chunk"
    first_content = next(i for i, d in enumerate(deltas) if d.get("content"))
    assert any(d.get("reasoning_content", "").startswith("Still writing") for d in deltas[1:first_content]), deltas
    assert deltas[first_content]["content"].startswith("**Bottom line:**")
    content = "".join(d.get("content") or "" for d in deltas)
    notes = deltas[-1]["annotations"]
    assert [content[n["url_citation"]["start_index"] : n["url_citation"]["end_index"]] for n in notes] == ["[1]", "[2]"]
    assert notes[0]["url_citation"]["url"] == "http://testserver/v1/documents/abcdef0123456789?chunk=abcdef0123456789%230"
    assert notes[1]["url_citation"] == {"url": "https://example.org/t", "title": "A trial",
                                        "start_index": notes[1]["url_citation"]["start_index"],
                                        "end_index": notes[1]["url_citation"]["end_index"]}
    assert events[-1]["choices"][0]["finish_reason"] == "stop" and events[-1]["curbside"]["composer"] == "llm"
