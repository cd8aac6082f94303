"""Production behaviour: auth, size and length limits, bad input, timeouts, errors, logging, CORS."""

from __future__ import annotations

import json
import logging
import threading

import pytest
from fastapi.testclient import TestClient

from curbside.qa.types import Answer
from curbside.server import create_app
from curbside.settings import Settings
from tests.server.conftest import API_KEY


def _error(r) -> dict:
    body = r.json()
    assert set(body["error"]) == {"message", "type", "param", "code"}, body
    return body["error"]


# ------------------------------------------------------------------------------ auth


@pytest.mark.integration
def test_auth_required_with_a_key(auth_client: TestClient) -> None:
    r = auth_client.post("/v1/search", json={"query": "tacrolimus"})
    assert r.status_code == 401
    assert _error(r)["type"] == "authentication_error"
    assert r.headers["www-authenticate"] == "Bearer"
    r = auth_client.post("/v1/search", json={"query": "tacrolimus"}, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401
    r = auth_client.post("/v1/search", json={"query": "tacrolimus"}, headers={"Authorization": API_KEY})
    assert r.status_code == 401, "the scheme must be Bearer"
    good = {"Authorization": f"Bearer {API_KEY}"}
    r = auth_client.post("/v1/search", json={"query": "tacrolimus"}, headers=good)
    assert r.status_code == 200 and r.json()["passages"]
    for path in ("/v1/models", "/v1/documents"):
        assert auth_client.get(path).status_code == 401
        assert auth_client.get(path, headers=good).status_code == 200
    assert auth_client.post("/v1/reload").status_code == 401
    assert auth_client.post("/v1/chat/completions", json={"model": "curbside", "messages": []}).status_code == 401


@pytest.mark.integration
def test_probes_and_page_need_no_key(auth_client: TestClient) -> None:
    assert auth_client.get("/healthz").status_code == 200
    assert auth_client.get("/readyz").status_code == 200
    page = auth_client.get("/")
    assert page.status_code == 200 and "Curbside" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert auth_client.get("/static/app.js").status_code == 200
    assert auth_client.get("/docs").status_code == 200


# ------------------------------------------------------------------------------ limits and bad input


@pytest.mark.integration
def test_oversized_body_is_413_before_parsing(client: TestClient, settings: Settings) -> None:
    big = b"{" + b"x" * (settings.server.max_body_bytes + 10)  # not even valid JSON
    r = client.post("/v1/ask", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert str(settings.server.max_body_bytes) in _error(r)["message"]

    def streamed():  # chunked: no Content-Length announced
        for _ in range(20):
            yield b"x" * 8192

    r = client.post("/v1/ask", content=streamed(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413


@pytest.mark.integration
def test_too_long_question_names_the_field(client: TestClient, settings: Settings) -> None:
    limit = settings.server.max_question_chars
    r = client.post("/v1/ask", json={"question": "gout " * limit})
    assert r.status_code == 422
    err = _error(r)
    assert err["param"] == "question" and str(limit) in err["message"]
    r = client.post("/v1/search", json={"query": "q" * (limit + 1)})
    assert r.status_code == 422 and _error(r)["param"] == "query"
    r = client.post("/v1/chat/completions", json={"model": "curbside", "messages": [{"role": "user", "content": "x" * (limit + 1)}]})
    assert r.status_code == 400
    err = _error(r)
    assert err["param"] == "messages" and str(limit) in err["message"]
    r = client.post("/v1/ask", json={"question": "gout?", "history": ["y" * (limit + 1)]})
    assert r.status_code == 422 and _error(r)["param"] == "history"


@pytest.mark.integration
@pytest.mark.parametrize(
    ("path", "body", "status", "param"),
    [
        ("/v1/ask", b'{"question": "gout?"', 400, None),  # malformed JSON
        ("/v1/ask", b"not json at all", 400, None),
        ("/v1/chat/completions", b'{"model": "curbside", "messages": [', 400, None),
        ("/v1/ask", b"[]", 422, None),
        ("/v1/ask", b"{}", 422, "question"),
        ("/v1/ask", b'{"question": 5}', 422, "question"),
        ("/v1/ask", b'{"question": "   "}', 422, "question"),
        ("/v1/ask", b'{"question": "gout?", "surprise": 1}', 422, "surprise"),
        ("/v1/ask", b'{"question": "gout?", "filters": {"year_min": "soon"}}', 422, "filters.year_min"),
        ("/v1/ask", b'{"question": "gout?", "history": ["a"], "conversation_id": "abc"}', 422, "history"),
        ("/v1/ask", b'{"question": "gout?", "conversation_id": "../../etc"}', 422, "conversation_id"),
        ("/v1/search", b'{"query": "gout", "k": 0}', 422, "k"),
        ("/v1/search", b'{"query": "gout", "k": 100000}', 422, "k"),
        ("/v1/chat/completions", b'{"model": "curbside", "messages": []}', 422, "messages"),
        ("/v1/chat/completions", b'{"model": "curbside", "messages": [{"role": "wizard", "content": "hi"}]}', 422, "messages.0.role"),
        ("/v1/chat/completions", b'{"model": "curbside", "messages": [{"role": "system", "content": "hi"}]}', 400, "messages"),
        ("/v1/chat/completions", b'{"model": "curbside", "n": 3, "messages": [{"role": "user", "content": "gout?"}]}', 400, "n"),
    ],
)
def test_bad_input_is_a_clear_4xx(client: TestClient, path: str, body: bytes, status: int, param: str | None) -> None:
    r = client.post(path, content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == status, r.text
    err = _error(r)
    assert err["message"]
    if param is not None:
        assert err["param"] == param
    if status == 400 and param is None:
        assert "Malformed JSON" in err["message"]


@pytest.mark.integration
def test_wrong_method_and_path_are_json_4xx(client: TestClient) -> None:
    r = client.get("/v1/ask")
    assert r.status_code == 405 and _error(r)
    r = client.get("/v1/nothing-here")
    assert r.status_code == 404 and _error(r)


# ------------------------------------------------------------------------------ timeouts and errors (stubs)


class StubPipeline:
    """Just enough of a Pipeline for the server; ``behaviour`` decides what ``ask`` does."""

    def __init__(self, behaviour) -> None:
        self.behaviour = behaviour
        self.settings = Settings()
        self.table = None
        self.asked: list[dict] = []

    def ask(self, question: str, **kwargs):
        self.asked.append({"question": question, **kwargs})
        return self.behaviour(question)


def test_slow_pipeline_times_out_with_504() -> None:
    release = threading.Event()
    stub = StubPipeline(lambda q: release.wait(10) and Answer(question=q, abstained=True))
    settings = Settings(server={"request_timeout_s": 0.2})
    with TestClient(create_app(stub, settings)) as c:
        try:
            r = c.post("/v1/ask", json={"question": "slow question?"})
            assert r.status_code == 504
            assert "0.2 s" in _error(r)["message"]
            r = c.post("/v1/chat/completions", json={"model": "curbside", "stream": True, "messages": [{"role": "user", "content": "slow?"}]})
            assert r.status_code == 504 and _error(r)["type"] == "timeout_error"
        finally:
            release.set()  # let the abandoned worker threads finish before the loop closes
    assert len(stub.asked) == 2


def test_unexpected_errors_are_a_generic_500_without_details(caplog: pytest.LogCaptureFixture) -> None:
    def boom(q: str):
        raise RuntimeError("secret-internal-detail at /srv/private/path")

    with TestClient(create_app(StubPipeline(boom), Settings())) as c:
        r = c.post("/v1/ask", json={"question": "anything?"})
    assert r.status_code == 500
    err = _error(r)
    assert err["type"] == "server_error"
    assert r.headers["x-request-id"] in err["message"]
    assert "secret" not in r.text and "Traceback" not in r.text and "/srv" not in r.text


def test_pipeline_value_errors_are_400() -> None:
    def refuse(q: str):
        raise ValueError("question is empty")

    with TestClient(create_app(StubPipeline(refuse), Settings())) as c:
        r = c.post("/v1/ask", json={"question": "?"})
    assert r.status_code == 400 and "question is empty" in _error(r)["message"]


# ------------------------------------------------------------------------------ logging and CORS


@pytest.mark.integration
def test_access_log_is_json_without_question_text(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    secret = "zebra-marker-7731 anakinra gout tacrolimus?"
    with caplog.at_level(logging.DEBUG):
        r = client.post("/v1/ask", json={"question": secret}, headers={"X-Request-ID": "req-123"})
        client.post("/v1/chat/completions", json={"model": "curbside", "messages": [{"role": "user", "content": secret}]})
    assert r.status_code == 200
    assert r.headers["x-request-id"] == "req-123"
    assert all("zebra-marker" not in rec.getMessage() for rec in caplog.records)
    entries = [json.loads(rec.getMessage()) for rec in caplog.records if rec.name == "curbside.access"]
    entry = next(e for e in entries if e["request_id"] == "req-123")
    assert entry["method"] == "POST" and entry["path"] == "/v1/ask" and entry["status"] == 200
    assert entry["duration_ms"] >= 0
    assert all("question" not in e for e in entries)


def test_access_log_includes_questions_only_when_enabled(caplog: pytest.LogCaptureFixture) -> None:
    stub = StubPipeline(lambda q: Answer(question=q, abstained=True, abstention_reason="stub"))
    with TestClient(create_app(stub, Settings(log_questions=True))) as c, caplog.at_level(logging.INFO, "curbside.access"):
        assert c.post("/v1/ask", json={"question": "logged question?"}).status_code == 200
    entries = [json.loads(rec.getMessage()) for rec in caplog.records if rec.name == "curbside.access"]
    assert entries[-1]["question"] == "logged question?"


def test_cors_from_settings() -> None:
    stub = StubPipeline(lambda q: Answer(question=q, abstained=True))
    settings = Settings(server={"cors_origins": ["https://ehr.example.org"], "api_key": "k"})
    with TestClient(create_app(stub, settings)) as c:
        r = c.options("/v1/ask", headers={
            "Origin": "https://ehr.example.org", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        })
        assert r.status_code == 200, "preflight needs no key"
        assert r.headers["access-control-allow-origin"] == "https://ehr.example.org"
        r = c.post("/v1/ask", json={"question": "x?"}, headers={"Origin": "https://ehr.example.org"})
        assert r.status_code == 401
        assert r.headers["access-control-allow-origin"] == "https://ehr.example.org", "a browser can read the 401"
        r = c.options("/v1/ask", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in r.headers
