"""The OpenAI chat API (``/v1/chat/completions``, ``/v1/models``): request models, what is and is
not honoured, frontend task prompts, ``url_citation`` annotations and streaming.

What a request may ask for (anything else is refused with a 400 naming the parameter, as ``n=2``):

- ``max_tokens`` / ``max_completion_tokens`` are honoured: the content is cut after that many
  tokens (whitespace-separated words, the unit ``usage`` counts) and ``finish_reason`` is
  ``"length"``.
- ``temperature`` (0-2), ``top_p`` (0-1), ``presence_penalty`` / ``frequency_penalty`` (-2-2),
  ``seed``, ``user``, ``metadata``, ``tools`` with ``tool_choice`` ``"auto"``/``"none"`` are
  accepted and have no effect: answers are composed from the library, deterministically, and no
  tool is ever called (which ``"auto"`` allows). Out-of-range values are refused.
- System and developer messages are accepted and ignored: the answer comes from the library and
  the user's questions, never from instructions. Assistant turns are ignored too; earlier user
  turns are the conversation's history.
- Refused: a forced tool (``tool_choice`` ``"required"`` or a named function, legacy
  ``function_call`` naming a function), ``response_format`` other than text, ``stop``,
  ``logprobs`` / ``top_logprobs``, ``n`` > 1, audio output.

Frontend task prompts (chat titles, tags, follow-up suggestions, search queries; see
:mod:`curbside.chat_tasks`) are answered in the JSON they ask for without running retrieval, and
the question-length limit applies only to a user's own question.

The assistant message carries OpenAI's standard ``annotations``: one ``url_citation`` per ``[n]``
marker in the content, with the reference's title, its address (or a ``/v1/documents/{doc_id}``
link to the cited passage when it has none) and the marker's ``start_index``/``end_index`` (in
code points of ``content``). The ``citations`` list and the ``curbside`` field (the structured
:class:`Answer`) stay beside them.

Streaming: the extractive composer's answer is complete before the first byte, so the first
content delta carries everything up to and including the bottom line, and the rest follows line by
line, each delta with the annotations of its own markers. A composer that writes as it goes (the
LLM composer) streams each verified statement as it arrives; until the first one, and while the
model keeps writing, ``delta.reasoning_content`` carries a short progress note (Open WebUI shows it
as a collapsible "thinking" block; other clients ignore the field).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from curbside import chat_tasks
from curbside.pipeline import __version__
from curbside.qa.render import to_markdown
from curbside.qa.retrieval import Filters
from curbside.qa.types import Answer, PatientContext
from curbside.server import (
    APIError,
    _pipeline,
    _state,
    answer_question,
    latest_turns,
    set_kind,
)

router = APIRouter(tags=["openai"])

#: Largest ``max_tokens`` accepted: far above any answer (a few hundred words), low enough that a
#: typo such as 10**12 is refused rather than silently meaning "no limit".
MAX_TOKENS_LIMIT = 1_000_000
#: Seconds without a new statement after which the live stream sends a progress note.
PROGRESS_EVERY_S = 3.0
#: An ``[n]`` marker written by the renderer (document text has its brackets escaped as ``\[``).
MARKER = re.compile(r"(?<!\\)\[(\d+)\]")


# --------------------------------------------------------------------------------------------
# Request models


class ChatMessage(BaseModel):
    # OpenAI messages carry optional fields (name, tool_calls, ...) that this engine has no use for.
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        if not self.content:
            return ""
        return "\n".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """OpenAI chat request; see the module docstring for what is honoured, ignored and refused.
    ``filters`` and ``patient_context`` are Curbside extensions (send them with the OpenAI
    client's ``extra_body``)."""

    model_config = ConfigDict(extra="ignore")

    model: str
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool | None = False
    stream_options: StreamOptions | None = None
    n: int | None = Field(None, ge=1)
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    stop: str | list[str] | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    functions: list[dict[str, Any]] | None = None
    function_call: str | dict[str, Any] | None = None
    response_format: dict[str, Any] | None = None
    modalities: list[str] | None = None
    audio: dict[str, Any] | None = None
    filters: Filters | None = None
    patient_context: PatientContext | None = None

    def token_limit(self) -> int | None:
        return self.max_completion_tokens if self.max_completion_tokens is not None else self.max_tokens


def _unsupported(param: str, message: str) -> APIError:
    return APIError(400, message, param=param, code="unsupported_parameter")


def _in_range(body: ChatCompletionRequest, param: str, low: float, high: float) -> None:
    value = getattr(body, param)
    if value is not None and not low <= value <= high:
        raise APIError(400, f"{param} must be between {low:g} and {high:g}; got {value:g}.", param=param,
                       code="invalid_value")


def check_request(body: ChatCompletionRequest) -> None:
    """Refuse, with a 400 naming the parameter, whatever this endpoint cannot honour."""
    if body.n not in (None, 1):
        raise APIError(400, "Only n=1 is supported.", param="n", code="unsupported_value")
    for param in ("max_tokens", "max_completion_tokens"):
        value = getattr(body, param)
        if value is not None and not 1 <= value <= MAX_TOKENS_LIMIT:
            raise APIError(400, f"{param} must be between 1 and {MAX_TOKENS_LIMIT}; got {value}.", param=param,
                           code="invalid_value")
    _in_range(body, "temperature", 0, 2)
    _in_range(body, "top_p", 0, 1)
    _in_range(body, "presence_penalty", -2, 2)
    _in_range(body, "frequency_penalty", -2, 2)
    if body.tool_choice not in (None, "auto", "none"):
        raise _unsupported("tool_choice", "Forcing a tool call is not supported: Curbside answers from its library "
                           "and never calls tools (tool_choice may be 'auto' or 'none').")
    if body.function_call not in (None, "auto", "none"):
        raise _unsupported("function_call", "Forcing a function call is not supported: Curbside answers from its "
                           "library and never calls functions (function_call may be 'auto' or 'none').")
    kind = (body.response_format or {}).get("type", "text")
    if kind != "text":
        raise _unsupported("response_format", f"response_format {kind!r} is not supported: answers are Markdown "
                           "text; the structured answer is in the response's `curbside` field.")
    if body.stop:
        raise _unsupported("stop", "Stop sequences are not supported: answers are composed whole, with their "
                           "citations; use max_tokens to limit the length.")
    if body.logprobs or body.top_logprobs:
        param = "logprobs" if body.logprobs else "top_logprobs"
        raise _unsupported(param, "Log probabilities are not available: answers are extracted from the sources, "
                           "not sampled from a language model.")
    if body.audio is not None or (body.modalities and set(body.modalities) != {"text"}):
        raise _unsupported("modalities", "Only text output is supported.")


# --------------------------------------------------------------------------------------------
# Content helpers


def citations(answer: Answer) -> list[str]:
    """Perplexity-style ``citations``: each reference's URL (or title), in reference order."""
    return [ref.url or ref.title for ref in answer.references]


def source_url(answer: Answer, number: int, base_url: str) -> str:
    """Where reference ``number`` can be read: its own address, or this server's link to the
    document and its first cited passage.

    An address that another reference of the answer shares (two digests of one guideline) gets
    the document link instead: clients key sources by address, and Open WebUI numbers its ``[n]``
    chips by distinct address, so two references with one address would merge there and every
    later chip would name the reference after its own.
    """
    ref = answer.references[number - 1]
    if ref.url and sum(r.url == ref.url for r in answer.references) == 1:
        return ref.url
    link = f"{base_url.rstrip('/')}/v1/documents/{ref.doc_id}"
    return link + (f"?chunk={quote(ref.chunk_ids[0], safe='')}" if ref.chunk_ids else "")


def url_citations(content: str, answer: Answer | None, base_url: str, offset: int = 0) -> list[dict[str, Any]]:
    """One OpenAI ``url_citation`` per ``[n]`` marker in ``content`` that names a reference;
    indices are code points of the whole message (``offset`` is where ``content`` starts in it)."""
    if answer is None:
        return []
    out = []
    for m in MARKER.finditer(content):
        number = int(m.group(1))
        if not 1 <= number <= len(answer.references):
            continue
        out.append({"type": "url_citation", "url_citation": {
            "url": source_url(answer, number, base_url),
            "title": answer.references[number - 1].title,
            "start_index": offset + m.start(),
            "end_index": offset + m.end(),
        }})
    return out


def limit_tokens(text: str, limit: int | None) -> tuple[str, bool]:
    """``text`` cut after ``limit`` whitespace-separated tokens, and whether it was cut."""
    if limit is None:
        return text, False
    for i, m in enumerate(re.finditer(r"\S+", text), start=1):
        if i == limit:
            cut = text[: m.end()]
            return cut, len(cut) < len(text.rstrip())
    return text, False


BOTTOM_LINE = "**Bottom line:**"


def first_piece_end(markdown: str) -> int:
    """End of the first content delta: through the bottom line's line (with the verdict and
    patient context before it), or through the first bold lead (an abstention's) when there is
    no bottom line, or the first line."""
    lines = markdown.splitlines(keepends=True)
    bold = None
    end = 0
    for line in lines:
        end += len(line)
        if line.startswith(BOTTOM_LINE):
            return end
        if bold is None and line.startswith("**"):
            bold = end
    if bold is not None:
        return bold
    return len(lines[0]) if lines else 0


def markdown_pieces(markdown: str) -> list[str]:
    """The Markdown as stream pieces: first everything through the bottom line, then one line
    each (keeping newlines); joins back exactly."""
    if not markdown:
        return [""]
    head = first_piece_end(markdown)
    rest = [piece for piece in markdown[head:].splitlines(keepends=True) if piece]
    return [markdown[:head], *rest] if head else rest


def _usage(prompt: str, completion: str) -> dict[str, int]:
    # Whitespace word counts: there is no generative tokenizer behind this model.
    p, c = len(prompt.split()), len(completion.split())
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def _model_error(model: str) -> APIError:
    return APIError(404, f"The model `{model}` does not exist or you do not have access to it.",
                    param="model", code="model_not_found")


def _model_card(request: Request) -> dict[str, Any]:
    st = _state(request)
    return {"id": st.settings.server.model_name, "object": "model", "created": st.started, "owned_by": "curbside"}


def base_url(request: Request) -> str:
    configured = _state(request).settings.server.public_url
    return configured.rstrip("/") if configured else str(request.base_url).rstrip("/")


class _Completion:
    """Ids and framing shared by one completion's JSON body or SSE chunks."""

    def __init__(self, request: Request, body: ChatCompletionRequest, fingerprint: str) -> None:
        self.id = "chatcmpl-" + uuid.uuid4().hex
        self.created = int(time.time())
        self.model = _state(request).settings.server.model_name
        self.fingerprint = fingerprint
        self.include_usage = bool(body.stream_options and body.stream_options.include_usage)

    def message(self, content: str, finish: str, usage: dict[str, int], notes: list[dict[str, Any]],
                **extra: Any) -> JSONResponse:
        return JSONResponse({
            "id": self.id, "object": "chat.completion", "created": self.created, "model": self.model,
            "system_fingerprint": self.fingerprint,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None, "annotations": notes},
                "logprobs": None,
                "finish_reason": finish,
            }],
            "usage": usage,
            **extra,
        })

    def chunk(self, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        data: dict[str, Any] = {
            "id": self.id, "object": "chat.completion.chunk", "created": self.created,
            "model": self.model, "system_fingerprint": self.fingerprint,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if self.include_usage:
            data["usage"] = None
        data.update(extra)
        return f"data: {json.dumps(data)}\n\n"

    def usage_chunk(self, usage: dict[str, int]) -> str:
        data = {"id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
                "system_fingerprint": self.fingerprint, "choices": [], "usage": usage}
        return f"data: {json.dumps(data)}\n\n"


_SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _sse(events: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(events, media_type="text/event-stream", headers=_SSE_HEADERS)


# --------------------------------------------------------------------------------------------
# Routes


@router.get("/v1/models", summary="OpenAI: list models")
async def models(request: Request) -> dict[str, Any]:
    return {"object": "list", "data": [_model_card(request)]}


@router.get("/v1/models/{model}", summary="OpenAI: retrieve a model")
async def model(model: str, request: Request) -> dict[str, Any]:
    if model != _state(request).settings.server.model_name:
        raise _model_error(model)
    return _model_card(request)


@router.post("/v1/chat/completions", summary="OpenAI: chat completion (stream or not)", response_model=None)
async def chat_completions(body: ChatCompletionRequest, request: Request) -> JSONResponse | StreamingResponse:
    settings = _state(request).settings
    if body.model != settings.server.model_name:
        raise _model_error(body.model)
    check_request(body)
    users = [u for u in (m.text() for m in body.messages if m.role == "user") if u.strip()]
    if not users:
        raise APIError(400, "messages must contain a user message with text.", param="messages", code="no_user_message")
    question = users[-1]
    task = chat_tasks.recognise(question)
    if task is not None:
        return await _task_completion(request, body, task, question)
    limit = settings.server.max_question_chars
    if len(question) > limit:
        raise APIError(400, f"messages: the last user message is too long: {len(question)} characters, "
                       f"the limit is {limit}.", param="messages", code="too_long")
    history = latest_turns(users[:-1], limit, settings.server.max_history_chars)
    pipeline = _pipeline(request)
    if body.stream and getattr(getattr(pipeline, "composer", None), "compose_stream", None) is not None:
        return _live_stream(request, body, question, history)
    answer = await answer_question(request, question, history, body.filters, body.patient_context)
    markdown, truncated = limit_tokens(to_markdown(answer), body.token_limit())
    finish = "length" if truncated else "stop"
    completion = _Completion(request, body, "curbside-" + (answer.settings_hash or __version__))
    extension = answer.model_dump(mode="json")
    cites = citations(answer)
    usage = _usage("\n".join(users), markdown)
    base = base_url(request)
    if not body.stream:
        return completion.message(markdown, finish, usage, url_citations(markdown, answer, base),
                                  citations=cites, curbside=extension)

    async def events() -> AsyncIterator[str]:
        yield completion.chunk({"role": "assistant", "content": ""})
        offset = 0
        for piece in markdown_pieces(markdown):
            yield completion.chunk({"content": piece, "annotations": url_citations(piece, answer, base, offset)})
            offset += len(piece)
        yield completion.chunk({}, finish, citations=cites, curbside=extension)
        if completion.include_usage:
            yield completion.usage_chunk(usage)
        yield "data: [DONE]\n\n"

    return _sse(events())


async def _task_completion(request: Request, body: ChatCompletionRequest, task: chat_tasks.Task,
                           prompt: str) -> JSONResponse | StreamingResponse:
    """A frontend task prompt answered in its own JSON shape, in a worker thread, with no retrieval
    of the prompt (only the follow-up task asks the library its own short candidate questions)."""
    set_kind(request, f"task:{task.name}")
    st = _state(request)
    pipeline = _pipeline(request)
    timeout = st.settings.server.request_timeout_s
    budget = min(st.settings.server.follow_up_budget_s, timeout / 2)
    try:
        result = await asyncio.wait_for(asyncio.to_thread(task.respond, prompt, pipeline, budget), timeout=timeout)
    except TimeoutError:
        raise APIError(504, f"The request took longer than the {timeout:g} s limit.", type="timeout_error",
                       code="timeout") from None
    content, truncated = limit_tokens(json.dumps(result, ensure_ascii=False), body.token_limit())
    finish = "length" if truncated else "stop"
    completion = _Completion(request, body, "curbside-" + __version__)
    usage = _usage(prompt, content)
    if not body.stream:
        return completion.message(content, finish, usage, [], curbside_task=task.name)

    async def events() -> AsyncIterator[str]:
        yield completion.chunk({"role": "assistant", "content": ""})
        yield completion.chunk({"content": content})
        yield completion.chunk({}, finish, curbside_task=task.name)
        if completion.include_usage:
            yield completion.usage_chunk(usage)
        yield "data: [DONE]\n\n"

    return _sse(events())


def _live_stream(request: Request, body: ChatCompletionRequest, question: str, history: list[str]) -> StreamingResponse:
    """Stream a composer that produces verified text as it goes (the LLM composer) piece by piece.

    The blocking pipeline generator runs in a worker thread and hands events over a queue; a
    client that disconnects stops the loop, and the per-request time limit bounds every wait.
    Until the first statement, and whenever the model is slow to write the next, a progress note
    goes out as ``reasoning_content``. Annotations for the markers come with the final chunk,
    when the references are known.
    """
    st = _state(request)
    pipeline = _pipeline(request)
    set_kind(request, "answer")
    if st.settings.log_questions:
        request.scope.setdefault("state", {})["log_question"] = question
    timeout = st.settings.server.request_timeout_s
    completion = _Completion(request, body, "curbside-" + __version__)
    limit = body.token_limit()
    base = base_url(request)

    async def events() -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        done = object()
        stop = threading.Event()

        def work() -> None:
            stream: Iterator[Any] = pipeline.ask_stream(question, history=history, filters=body.filters,
                                                        context=body.patient_context)
            try:
                for event in stream:
                    if stop.is_set():  # the client left: stop composing (closes the LLM stream too)
                        break
                    loop.call_soon_threadsafe(queue.put_nowait, event)
            except Exception as exc:  # reported to the client as text, never a broken stream
                loop.call_soon_threadsafe(queue.put_nowait, exc)
            finally:
                close = getattr(stream, "close", None)
                if close is not None:
                    close()
                loop.call_soon_threadsafe(queue.put_nowait, done)

        worker = asyncio.ensure_future(asyncio.to_thread(work))
        t0 = time.monotonic()
        yield completion.chunk({"role": "assistant", "content": "",
                                "reasoning_content": "Searching the library and writing the answer…\n"})
        answer: Answer | None = None
        content = ""
        finish = "stop"
        try:
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), timeout=min(PROGRESS_EVERY_S, timeout))
                except TimeoutError:
                    waited = time.monotonic() - t0
                    if waited >= timeout:
                        yield completion.chunk({"content": f"\n\n*The answer took longer than the {timeout:g} s limit.*"})
                        break
                    yield completion.chunk({"reasoning_content": f"Still writing ({waited:.0f} s)…\n"})
                    continue
                if event is done:
                    break
                if isinstance(event, Exception):
                    yield completion.chunk({"content": "\n\n*The answer could not be composed.*"})
                    break
                if isinstance(event, Answer):
                    answer = event
                    continue
                if finish == "length":
                    continue  # past max_tokens: keep draining so the answer arrives, send nothing
                piece, cut = limit_tokens(content + str(event), limit)
                piece = piece[len(content):]
                if cut:
                    finish = "length"
                if piece:
                    content += piece
                    yield completion.chunk({"content": piece})
            extra: dict[str, Any] = {}
            delta: dict[str, Any] = {}
            if answer is not None:
                extra = {"citations": citations(answer), "curbside": answer.model_dump(mode="json")}
                delta = {"annotations": url_citations(content, answer, base)}
            yield completion.chunk(delta, finish, **extra)
            yield "data: [DONE]\n\n"
        finally:
            stop.set()
            worker.cancel()

    return _sse(events())

