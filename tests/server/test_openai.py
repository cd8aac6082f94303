"""The OpenAI-compatible chat API: shapes, SSE framing, follow-ups, and the official client."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi.testclient import TestClient

from curbside.qa.render import to_markdown
from curbside.qa.types import Answer
from tests.server.conftest import ANAKINRA, FOLLOW_UP

pytestmark = pytest.mark.integration


def _chat(question: str, **extra) -> dict:
    return {"model": "curbside", "messages": [{"role": "user", "content": question}], **extra}


def parse_sse(raw: str) -> list[str]:
    """Every event must be exactly one ``data: <payload>`` line followed by a blank line."""
    assert raw.endswith("\n\n")
    events = raw[:-2].split("\n\n")
    payloads = []
    for event in events:
        assert event.startswith("data: "), event[:80]
        assert "\n" not in event, "one data line per event"
        payloads.append(event[len("data: ") :])
    return payloads


def test_models_list_and_retrieve(client: TestClient) -> None:
    r = client.get("/v1/models")
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == ["curbside"]
    assert body["data"][0]["object"] == "model" and isinstance(body["data"][0]["created"], int)
    assert client.get("/v1/models/curbside").json()["id"] == "curbside"


def test_unknown_model_is_404_openai_error(client: TestClient) -> None:
    for r in (client.post("/v1/chat/completions", json={**_chat("gout?"), "model": "gpt-4o"}),
              client.get("/v1/models/gpt-4o")):
        assert r.status_code == 404
        err = r.json()["error"]
        assert set(err) == {"message", "type", "param", "code"}
        assert err["code"] == "model_not_found" and err["type"] == "invalid_request_error"
        assert "gpt-4o" in err["message"]


def test_chat_completion_shape(client: TestClient) -> None:
    r = client.post("/v1/chat/completions", json=_chat(ANAKINRA, temperature=0.2, max_tokens=500, user="u1"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["object"] == "chat.completion"
    assert body["id"].startswith("chatcmpl-") and isinstance(body["created"], int) and body["model"] == "curbside"
    choice = body["choices"][0]
    assert choice["index"] == 0 and choice["finish_reason"] == "stop"
    assert choice["message"]["role"] == "assistant"
    answer = Answer.model_validate(body["curbside"])
    assert choice["message"]["content"] == to_markdown(answer)
    assert "**Bottom line:**" in choice["message"]["content"] and "[1]" in choice["message"]["content"]
    assert body["citations"] == [ref.url or ref.title for ref in answer.references]
    assert body["citations"] and all(body["citations"])
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0


def test_stream_framing(client: TestClient) -> None:
    r = client.post("/v1/chat/completions", json=_chat(ANAKINRA, stream=True))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    payloads = parse_sse(r.text)
    assert payloads[-1] == "[DONE]"
    chunks = [json.loads(p) for p in payloads[:-1]]
    assert len(chunks) >= 5, "the answer arrives in several pieces"
    assert {c["id"] for c in chunks} == {chunks[0]["id"]}
    assert {c["created"] for c in chunks} == {chunks[0]["created"]}
    assert all(c["object"] == "chat.completion.chunk" and c["model"] == "curbside" for c in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all("role" not in c["choices"][0]["delta"] for c in chunks[1:])
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks[:-1])
    last = chunks[-1]
    assert last["choices"][0]["finish_reason"] == "stop" and last["choices"][0]["delta"] == {}
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    answer = Answer.model_validate(last["curbside"])
    assert text == to_markdown(answer)
    assert last["citations"] == [ref.url or ref.title for ref in answer.references]
    assert all("curbside" not in c for c in chunks[:-1])


def test_stream_include_usage(client: TestClient) -> None:
    r = client.post("/v1/chat/completions", json=_chat(ANAKINRA, stream=True, stream_options={"include_usage": True}))
    payloads = parse_sse(r.text)
    chunks = [json.loads(p) for p in payloads[:-1]]
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0
    assert all(c["usage"] is None for c in chunks[:-1])


def test_chat_follow_up_keeps_the_patient_context(client: TestClient) -> None:
    first = client.post("/v1/chat/completions", json=_chat(ANAKINRA)).json()
    messages = [
        {"role": "system", "content": "You are a careful assistant."},
        {"role": "user", "content": ANAKINRA},
        {"role": "assistant", "content": first["choices"][0]["message"]["content"]},
        {"role": "user", "content": [{"type": "text", "text": FOLLOW_UP}]},
    ]
    r = client.post("/v1/chat/completions", json={"model": "curbside", "messages": messages, "stream": True})
    assert r.status_code == 200
    final = json.loads(parse_sse(r.text)[-2])
    answer = final["curbside"]
    assert answer["question"] == FOLLOW_UP
    assert "tacrolimus" in answer["patient_context"]["medications"]
    assert "canakinumab" in answer["analysis"]["candidate_drugs"]


# ------------------------------------------------------------------------------ real server


def test_official_openai_client(live_server) -> None:
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=f"{live_server.url}/v1", api_key="unused", max_retries=0, timeout=30)
    assert [m.id for m in client.models.list()] == ["curbside"]

    resp = client.chat.completions.create(model="curbside", messages=[{"role": "user", "content": ANAKINRA}])
    content = resp.choices[0].message.content
    assert resp.choices[0].finish_reason == "stop"
    assert "**Bottom line:**" in content and "[1]" in content
    extra = resp.model_extra or {}
    assert extra["citations"] and extra["curbside"]["references"]

    stream = client.chat.completions.create(
        model="curbside", messages=[{"role": "user", "content": ANAKINRA}], stream=True
    )
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert len({c.id for c in chunks}) == 1
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == content
    assert (chunks[-1].model_extra or {})["curbside"]["bottom_line"]["citations"]

    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert info.value.code == "model_not_found"


def test_live_server_rejects_a_streamed_oversized_body(live_server, settings) -> None:
    def body():
        for _ in range(settings.server.max_body_bytes // 4096 + 4):
            yield b"a" * 4096

    r = httpx.post(f"{live_server.url}/v1/ask", content=body(), headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 413
    assert httpx.get(f"{live_server.url}/healthz").status_code == 200
