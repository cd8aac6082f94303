"""The LLM composer streams verified statements through the server's SSE endpoint."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from curbside import Pipeline
from curbside.qa.compose import ExtractiveComposer
from curbside.qa.llm import LLMComposer, LLMParams
from curbside.qa.sentences import SentenceEmbedder
from tests.qa.test_llm import Scripted
from tests.server.conftest import ANAKINRA


class EchoScripted(Scripted):
    """Replies with the first sentence of passage 1 (supported) and one fabricated line."""

    def __init__(self) -> None:
        super().__init__()
        self.reply_fn = self.reply_for

    def reply_for(self, body: dict[str, Any]) -> str:
        user = body["messages"][-1]["content"]
        first = re.search(r'<passage n="1"[^>]*>\n(.+?)(?<=[.])\s', user, re.S)
        assert first is not None
        sentence = " ".join(first.group(1).split())
        return f"BOTTOM LINE: {sentence} [1]\n## Risks and considerations\n- Anakinra cures transplant rejection in 99% of patients. [1]\n"


@pytest.fixture
def llm_pipeline(pipeline: Pipeline) -> Iterator[tuple[Pipeline, EchoScripted]]:
    server = EchoScripted()
    embedder = SentenceEmbedder(pipeline.encoder)
    composer = LLMComposer(
        LLMParams(base_url=server.url, timeout_s=10), embedder, pipeline.table,
        fallback=ExtractiveComposer(embedder, pipeline.table),
    )
    p = Pipeline(pipeline.index_dir, settings=pipeline.settings, composer=composer)
    yield p, server
    p.close()
    server.close()


def test_llm_answer_streams_verified_text_over_sse(llm_pipeline: tuple[Pipeline, EchoScripted]) -> None:
    from fastapi.testclient import TestClient

    from curbside.server import create_app

    pipeline, scripted = llm_pipeline
    with TestClient(create_app(pipeline)) as client:
        body = {"model": "curbside", "stream": True, "messages": [{"role": "user", "content": ANAKINRA}]}
        with client.stream("POST", "/v1/chat/completions", json=body) as r:
            assert r.status_code == 200
            events = [line[6:] for line in r.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert len({c["id"] for c in chunks}) == 1 and len({c["created"] for c in chunks}) == 1
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    # the bottom line first (under the patient-context line, as the answer renders), markers kept
    assert re.match(r"(\*Patient context considered: [^\n]*\*\n\n)?\*\*Bottom line:\*\*", text) and "[1]" in text
    assert "99%" not in text  # the fabricated statement was removed before it reached the client
    final = chunks[-1]
    assert final["choices"][0]["finish_reason"] == "stop"
    answer = final["curbside"]
    assert answer["composer"] == "llm" and answer["unsupported_removed"] == 1
    assert final["citations"] and scripted.requests[0]["stream"] is True
