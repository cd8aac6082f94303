"""Frontend task prompts (issue 18): a chat UI's title, tags, follow-up and query prompts are
answered in the JSON they ask for, never run through retrieval, and are not held to the
question-length limit. The prompts here have the structure Open WebUI's default templates have
(``### Task:``, an output section naming the JSON key, the chat quoted as ``USER:`` /
``ASSISTANT:`` lines in ``<chat_history>``), in our own words: recognition is by structure."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient

from curbside import chat_tasks
from curbside.server import create_app
from tests.server.conftest import ANAKINRA

pytestmark = pytest.mark.integration

TEMPLATES = {
    "title": "### Task:\nWrite a short title for this chat.\n### Guidelines:\n- Two to five words.\n"
             "### Output:\nJSON format: { \"title\": \"the title\" }\n### Chat History:\n<chat_history>\n{history}\n</chat_history>",
    "tags": "### Task:\nGive broad and specific tags for the chat's themes.\n\n### Output:\n"
            "JSON format: { \"tags\": [\"tag1\", \"tag2\"] }\n\n### Chat History:\n<chat_history>\n{history}\n</chat_history>",
    "follow_ups": "### Task:\nSuggest 3-5 questions the user might ask next.\n### Guidelines:\n"
                  "- Respond with a JSON object with a \"follow_ups\" key.\n### Output:\n"
                  "JSON format: { \"follow_ups\": [\"Question 1?\", \"Question 2?\"] }\n### Chat History:\n"
                  "<chat_history>\n{history}\n</chat_history>",
    "queries": "### Task:\nDecide which search queries would help, in the given language.\n### Guidelines:\n"
               "- Respond EXCLUSIVELY with a JSON object: { \"queries\": [\"query1\", \"query2\"] }\n"
               "### Chat History:\n<chat_history>\n{history}\n</chat_history>",
}


class RecordingPipeline:
    """The real pipeline, recording every question that reaches retrieval."""

    def __init__(self, pipeline: Any) -> None:
        self._pipeline = pipeline
        self.retrieved: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pipeline, name)

    def ask(self, question: str, **kwargs: Any) -> Any:
        self.retrieved.append(question)
        return self._pipeline.ask(question, **kwargs)

    def search(self, query: str, **kwargs: Any) -> Any:
        self.retrieved.append(query)
        return self._pipeline.search(query, **kwargs)

    def ask_stream(self, question: str, **kwargs: Any) -> Any:
        self.retrieved.append(question)
        return self._pipeline.ask_stream(question, **kwargs)


@pytest.fixture(scope="module")
def recording(pipeline):
    recorder = RecordingPipeline(pipeline)
    with TestClient(create_app(recorder, pipeline.settings)) as client:  # type: ignore[arg-type]
        yield client, recorder


@pytest.fixture(scope="module")
def conversation(recording) -> str:
    client, _ = recording
    body = client.post("/v1/chat/completions", json={"model": "curbside", "messages": [{"role": "user", "content": ANAKINRA}]}).json()
    answer = body["choices"][0]["message"]["content"]
    return f"USER: {ANAKINRA}\nASSISTANT: {answer}"


def _task(client: TestClient, name: str, history: str, **extra: Any) -> tuple[dict, Any]:
    prompt = TEMPLATES[name].replace("{history}", history)
    r = client.post("/v1/chat/completions", json={"model": "curbside", "messages": [{"role": "user", "content": prompt}], **extra})
    assert r.status_code == 200, r.text[:300]
    body = r.json()
    content = body["choices"][0]["message"]["content"]
    return body, json.loads(content)


def test_prompts_are_recognised_by_structure() -> None:
    for name, template in TEMPLATES.items():
        task = chat_tasks.recognise(template.replace("{history}", f"USER: {ANAKINRA}"))
        assert task is not None and task.name == name
    assert chat_tasks.recognise(ANAKINRA) is None
    assert chat_tasks.recognise("### Task: what is the colchicine dose?") is None, "a question, not a task"


def test_title_comes_from_the_clinical_question(recording, conversation: str) -> None:
    client, _ = recording
    assert len(conversation) > 2000, "the prompt quotes the answer: longer than a question may be"
    body, data = _task(client, "title", conversation, max_completion_tokens=1000)
    title = data["title"]
    assert "anakinra" in title.lower(), title
    assert 1 <= len(title.split()) <= 10
    assert body["choices"][0]["finish_reason"] == "stop" and body["choices"][0]["message"]["annotations"] == []


def test_tags_come_from_the_frame(recording, conversation: str) -> None:
    client, _ = recording
    _, data = _task(client, "tags", conversation)
    tags = data["tags"]
    assert tags[0] == "Health"
    lowered = {t.lower() for t in tags}
    assert "anakinra" in lowered and ("tacrolimus" in lowered or "gout" in lowered), tags
    assert all(isinstance(t, str) and t for t in tags) and len(tags) <= chat_tasks.MAX_TAGS


def test_follow_ups_are_questions_the_library_answers(recording, conversation: str, pipeline) -> None:
    client, _ = recording
    _, data = _task(client, "follow_ups", conversation)
    follow_ups = data["follow_ups"]
    assert 1 <= len(follow_ups) <= chat_tasks.MAX_FOLLOW_UPS, follow_ups
    for question in follow_ups:
        assert question.endswith("?") and "anakinra" in question.lower(), question
        assert not pipeline.ask(question, history=[ANAKINRA]).abstained, question


def test_queries_are_the_question(recording, conversation: str) -> None:
    client, _ = recording
    _, data = _task(client, "queries", conversation)
    assert len(data["queries"]) == 1 and "anakinra" in data["queries"][0].lower()


def test_streamed_task_answers_in_one_json_delta(recording, conversation: str) -> None:
    client, _ = recording
    prompt = TEMPLATES["title"].replace("{history}", conversation)
    r = client.post("/v1/chat/completions", json={"model": "curbside", "stream": True,
                                                  "messages": [{"role": "user", "content": prompt}]})
    events = [json.loads(line[6:]) for line in r.text.splitlines() if line.startswith("data: {")]
    text = "".join(e["choices"][0]["delta"].get("content") or "" for e in events)
    assert "anakinra" in json.loads(text)["title"].lower()


def test_no_task_prompt_reaches_retrieval(recording, conversation: str, caplog: pytest.LogCaptureFixture) -> None:
    client, recorder = recording
    recorder.retrieved.clear()
    with caplog.at_level(logging.INFO, "curbside.access"):
        for name in TEMPLATES:
            _task(client, name, conversation)
        client.post("/v1/chat/completions", json={"model": "curbside", "messages": [{"role": "user", "content": ANAKINRA}]})
    kinds = [json.loads(rec.getMessage()).get("kind") for rec in caplog.records if rec.name == "curbside.access"]
    assert kinds == ["task:title", "task:tags", "task:follow_ups", "task:queries", "answer"], kinds
    assert not any("### Task" in q or "<chat_history>" in q for q in recorder.retrieved), recorder.retrieved
    # only the follow-up task asked the library anything: its own short candidate questions
    assert all(len(q) < 200 for q in recorder.retrieved[:-1])
    assert recorder.retrieved[-1] == ANAKINRA


def test_a_real_question_is_still_held_to_the_length_limit(recording, settings) -> None:
    client, _ = recording
    long = "### Task: " + "gout " * settings.server.max_question_chars
    r = client.post("/v1/chat/completions", json={"model": "curbside", "messages": [{"role": "user", "content": long}]})
    assert r.status_code == 400 and r.json()["error"]["code"] == "too_long"


def test_title_falls_back_to_the_questions_words() -> None:
    assert chat_tasks.title_for("How should I counsel about sun exposure?", None) == "How should I counsel about sun"


def test_a_recogniser_can_be_registered() -> None:
    task = chat_tasks.Task("emoji", respond=lambda prompt, pipeline, budget: {"emoji": "🩺"}, key="emoji")
    chat_tasks.register(task)
    try:
        prompt = "### Task:\nPick an emoji.\n### Output:\nJSON format: { \"emoji\": \"x\" }\n<chat_history>\nUSER: hi\n</chat_history>"
        assert chat_tasks.recognise(prompt) is task
    finally:
        chat_tasks.REGISTRY.remove(task)
