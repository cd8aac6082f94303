"""HTTP front door: a JSON API, an OpenAI-compatible chat endpoint, and a small chat page.

Endpoints (all JSON; errors use the OpenAI error shape ``{"error": {message, type, param, code}}``):

- ``POST /v1/ask`` — one cited :class:`Answer` (plus a ``conversation_id`` for follow-ups)
- ``POST /v1/search`` — ranked passages
- ``GET /v1/documents`` — indexed documents and the index manifest; ``GET /v1/documents/{doc_id}``
  one document with its passages (the link chat annotations give a source without an address)
- ``POST /v1/reload`` — re-open the index after a rebuild (atomic swap)
- ``POST /v1/chat/completions``, ``GET /v1/models`` — the OpenAI chat API, with ``stream: true``
  (in :mod:`curbside.openai_api`; frontend task prompts in :mod:`curbside.chat_tasks`)
- ``GET /healthz`` (liveness), ``GET /readyz`` (index loaded), ``GET /`` (chat page), ``/docs``

Production behaviour lives in two ASGI middlewares rather than in the endpoints, so it also covers
requests that never reach an endpoint: :class:`AccessLogMiddleware` (request id, JSON access log
with a UTC timestamp and the request's ``kind``, the generic 500 for unexpected errors) and
:class:`GuardMiddleware` (Host check against DNS rebinding, bearer-key auth, the body size limit
and JSON-only bodies on state-changing routes, all before the body is parsed). Question text is
never logged unless ``settings.log_questions`` is on.

Everything that reads a question or its history (analysis, retrieval, composition) runs in a
worker thread, never on the event loop, so probes answer while long requests are worked on.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from curbside.pipeline import Pipeline, __version__
from curbside.qa.retrieval import Filters
from curbside.qa.types import Answer, PatientContext
from curbside.settings import Settings

log = logging.getLogger("curbside.server")
access_log = logging.getLogger("curbside.access")

STATIC_DIR = Path(__file__).resolve().parent / "static"
INDEX_ENV = "CURBSIDE_SERVE_INDEX"
SETTINGS_ENV = "CURBSIDE_SERVE_SETTINGS_JSON"

#: Paths served without an API key: probes and the chat page's own files (no data in them).
PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/", "/favicon.ico", "/docs", "/docs/oauth2-redirect", "/openapi.json"})
PUBLIC_PREFIXES = ("/static/",)
#: Probes answer whatever Host they are sent to (orchestrators probe by pod address); no data in them.
PROBE_PATHS = frozenset({"/healthz", "/readyz"})
#: Methods that change state or carry a body: they must send JSON, which a cross-site HTML form
#: cannot (forms send urlencoded, multipart or text/plain without a CORS preflight).
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})

MAX_HISTORY_TURNS = 50
MAX_CONVERSATIONS = 1024
MAX_SEARCH_K = 50
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


# --------------------------------------------------------------------------------------------
# Errors


class APIError(Exception):
    """An expected error with an HTTP status and an OpenAI-style error body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type, param, code


def error_body(message: str, type: str, param: str | None = None, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


def error_response(
    status: int, message: str, type: str, param: str | None = None, code: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(message, type, param, code), status_code=status, headers=headers)


_STATUS_TYPES = {
    400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
    404: "not_found_error", 405: "invalid_request_error", 413: "invalid_request_error",
    415: "invalid_request_error", 422: "invalid_request_error", 429: "rate_limit_error",
    503: "service_unavailable", 504: "timeout_error",
}


def _loc(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts) or "body"


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        detail = next(e for e in errors if e.get("type") == "json_invalid")
        ctx = detail.get("ctx") or {}
        reason = f": {ctx['error']}" if ctx.get("error") else ""
        return error_response(400, f"Malformed JSON in the request body{reason}.", "invalid_request_error", None, "json_invalid")
    first = errors[0] if errors else {"loc": ("body",), "msg": "invalid request"}
    messages = [f"{_loc(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in errors[:5]]
    return error_response(
        422, "Invalid request: " + "; ".join(messages), "invalid_request_error",
        _loc(first.get("loc", ())), "validation_error",
    )


async def _api_error(request: Request, exc: APIError) -> JSONResponse:
    return error_response(exc.status, exc.message, exc.type, exc.param, exc.code)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    message = exc.detail if isinstance(exc.detail, str) else "request failed"
    return error_response(
        exc.status_code, message, _STATUS_TYPES.get(exc.status_code, "invalid_request_error"),
        None, None, getattr(exc, "headers", None),
    )


# --------------------------------------------------------------------------------------------
# Middlewares


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


async def _send_json(send: Send, status: int, body: dict[str, Any], headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    payload = json.dumps(body).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()), *headers],
    })
    await send({"type": "http.response.body", "body": payload})


class AccessLogMiddleware:
    """Outermost layer: request id, one JSON access-log line per request, generic 500s.

    The log line holds a UTC timestamp (ISO 8601), method, path (no query string), status,
    duration, request id and, when an endpoint names it, the request's ``kind`` ("answer",
    "search", "task:title", ...) — never a body. ``scope["state"]["log_question"]`` is added only
    when ``log_questions`` is on.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        started_at = datetime.now(UTC)
        given = _header(scope, b"x-request-id")
        request_id = given if given and _REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            # Server-side detail goes to the server log only; the client gets a generic message.
            log.exception("unhandled error (request id %s)", request_id)
            status = 500
            if not started:
                await _send_json(
                    send, 500,
                    error_body(f"Internal server error (request id {request_id}).", "server_error", None, "internal_error"),
                    [(b"x-request-id", request_id.encode())],
                )
        finally:
            entry: dict[str, Any] = {
                "ts": started_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "method": scope.get("method"),
                "path": scope.get("path"),
                "status": status,
                "duration_ms": round((time.perf_counter() - t0) * 1e3, 2),
                "request_id": request_id,
            }
            kind = scope["state"].get("kind")
            if kind is not None:
                entry["kind"] = kind
            question = scope["state"].get("log_question")
            if question is not None and self.settings.log_questions:
                entry["question"] = question
            access_log.info(json.dumps(entry))


def split_host(value: str) -> tuple[str, int | None]:
    """``Host`` header → (lower-case name without IPv6 brackets, port or None)."""
    value = value.strip().lower()
    if value.startswith("["):  # [::1]:8000
        name, _, rest = value[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    else:
        name, sep, port = value.rpartition(":") if value.count(":") == 1 else (value, "", "")
        if not sep:
            name, port = value, ""
    return name, int(port) if port.isdigit() else None


class GuardMiddleware:
    """Host check, bearer-key auth, the body size limit and JSON-only bodies — all before any
    body is parsed.

    The ``Host`` header must name the address the server is bound to (or, bound to loopback, a
    loopback name), or one of ``server.allowed_hosts``: a page on another site whose name was
    re-pointed at 127.0.0.1 (DNS rebinding) sends its own name and is refused. Requests that change
    state must be ``application/json``, which a cross-site form cannot send without a preflight.
    Bodies are read here (at most ``max_body_bytes`` of them) and replayed to the app, so a body
    over the limit is refused with 413 whether it announced its length or streamed it.
    """

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        key = settings.server.api_key
        self.api_key = key.get_secret_value().encode() if key is not None and key.get_secret_value() else None
        self.max_body = settings.server.max_body_bytes
        self.body_timeout = settings.server.request_timeout_s
        allowed = [h.strip().lower() for h in settings.server.allowed_hosts if h.strip()]
        self.any_host = "*" in allowed
        self.allowed_hosts = {split_host(h) for h in allowed if h != "*"}

    def _host_allowed(self, scope: Scope) -> bool:
        if self.any_host or scope.get("path") in PROBE_PATHS:
            return True
        header = _header(scope, b"host")
        if header is None:  # HTTP/1.0 without Host: nothing a browser would send
            return True
        name, port = split_host(header)
        if (name, port) in self.allowed_hosts or (name, None) in self.allowed_hosts:
            return True
        server = scope.get("server")
        if not server:
            return False
        bound, bound_port = str(server[0]).lower().strip("[]"), server[1]
        if port is not None and bound_port is not None and port != bound_port:
            return False
        return name == bound or (bound in LOOPBACK_NAMES and name in LOOPBACK_NAMES)

    @staticmethod
    def _json_body(scope: Scope) -> bool:
        media = (_header(scope, b"content-type") or "").split(";", 1)[0].strip().lower()
        return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))

    def _authorised(self, scope: Scope) -> bool:
        if self.api_key is None:
            return True
        path = scope.get("path", "")
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
            return True
        header = _header(scope, b"authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        return hmac.compare_digest(token.strip().encode(), self.api_key)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not self._host_allowed(scope):
            await _send_json(
                send, 400,
                error_body("Invalid Host header: this server answers only to its own address "
                           "(set CURBSIDE_SERVER__ALLOWED_HOSTS to add names).",
                           "invalid_request_error", None, "invalid_host"),
            )
            return
        if scope.get("method") != "OPTIONS" and not self._authorised(scope):
            await _send_json(
                send, 401,
                error_body("Missing or invalid API key: send 'Authorization: Bearer <key>'.",
                           "authentication_error", None, "invalid_api_key"),
                [(b"www-authenticate", b"Bearer")],
            )
            return
        length = _header(scope, b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await _send_json(send, 400, error_body("Invalid Content-Length header.", "invalid_request_error", None, "bad_content_length"))
                return
            if declared > self.max_body:
                await self._too_large(send)
                return
        if scope.get("method") not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        if not self._json_body(scope):
            await _send_json(
                send, 415,
                error_body("Send the request body as JSON (Content-Type: application/json).",
                           "invalid_request_error", None, "unsupported_media_type"),
                [(b"connection", b"close")],
            )
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        deadline = time.monotonic() + self.body_timeout
        while more:
            try:
                message = await asyncio.wait_for(receive(), timeout=max(0.01, deadline - time.monotonic()))
            except TimeoutError:  # a trickling client must not hold a connection forever
                await _send_json(
                    send, 408,
                    error_body(f"Request body not received within {self.body_timeout:g} s.",
                               "invalid_request_error", None, "body_timeout"),
                    [(b"connection", b"close")],
                )
                return
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_body:
                await self._too_large(send)
                return
            chunks.append(body)
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        await _send_json(
            send, 413,
            error_body(f"Request body too large: the limit is {self.max_body} bytes.",
                       "invalid_request_error", None, "body_too_large"),
            [(b"connection", b"close")],
        )


# --------------------------------------------------------------------------------------------
# API models


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="The clinical question.")
    history: list[str] | None = Field(
        None, description="Earlier user questions of this conversation, oldest first (for follow-ups)."
    )
    conversation_id: str | None = Field(
        None, description="Continue a conversation the server remembers (returned by an earlier /v1/ask)."
    )
    filters: Filters | None = Field(None, description="Metadata filters (kinds, publishers, years).")
    patient_context: PatientContext | None = Field(
        None, description="Patient details to consider, completing those stated in the question."
    )


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(description="Search text.")
    k: int = Field(8, ge=1, le=MAX_SEARCH_K, description="Passages to return.")
    filters: Filters | None = None


# --------------------------------------------------------------------------------------------
# Conversations


class ConversationStore:
    """Bounded in-memory LRU: conversation id → earlier user questions (per worker process)."""

    def __init__(self, max_conversations: int = MAX_CONVERSATIONS, max_turns: int = MAX_HISTORY_TURNS) -> None:
        self.max_conversations, self.max_turns = max_conversations, max_turns
        self._data: OrderedDict[str, list[str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, conversation_id: str) -> list[str] | None:
        with self._lock:
            turns = self._data.get(conversation_id)
            if turns is None:
                return None
            self._data.move_to_end(conversation_id)
            return list(turns)

    def append(self, conversation_id: str, question: str) -> None:
        with self._lock:
            turns = self._data.pop(conversation_id, [])
            turns.append(question)
            self._data[conversation_id] = turns[-self.max_turns :]
            while len(self._data) > self.max_conversations:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)


# --------------------------------------------------------------------------------------------
# Helpers


PipelineOpener = Callable[[], Any]


class _State:
    """Per-app state: the pipeline (loaded at startup unless given), conversations, reload lock,
    and how loading is going (attempts, the last reason the index was not usable)."""

    def __init__(self, settings: Settings, pipeline: Pipeline | None, opener: PipelineOpener | None = None) -> None:
        self.settings = settings
        self.pipeline = pipeline
        self.opener = opener or (lambda: Pipeline(os.environ.get(INDEX_ENV) or None, settings))
        self.load_error: str | None = None
        self.load_attempts = 0
        self.conversations = ConversationStore()
        self.reload_lock = asyncio.Lock()
        self.started = int(time.time())


def _state(request: Request) -> _State:
    state: _State = request.app.state.curbside
    return state


def _pipeline(request: Request) -> Pipeline:
    st = _state(request)
    if st.pipeline is None:
        message = ("The index is not loaded yet; retry shortly." if st.load_error is None
                   else "The index is not usable yet (the server keeps retrying; see the server log).")
        raise APIError(503, message, type="service_unavailable", code="not_ready")
    return st.pipeline


def set_kind(request: Request, kind: str) -> None:
    """Name what the request is for in the access log ("answer", "search", "task:title", ...)."""
    request.scope.setdefault("state", {})["kind"] = kind


def _check_text(value: str, field: str, limit: int) -> str:
    if len(value) > limit:
        raise APIError(422, f"{field} is too long: {len(value)} characters, the limit is {limit}.", param=field, code="too_long")
    if not value.strip():
        raise APIError(422, f"{field} is empty.", param=field, code="empty")
    return value


def _check_history(history: Sequence[str], field: str, limit: int, total_limit: int | None = None) -> list[str]:
    if len(history) > MAX_HISTORY_TURNS:
        raise APIError(422, f"{field} has {len(history)} turns; the limit is {MAX_HISTORY_TURNS}.", param=field, code="too_long")
    for i, turn in enumerate(history):
        if len(turn) > limit:
            raise APIError(422, f"{field}[{i}] is too long: {len(turn)} characters, the limit is {limit}.", param=field, code="too_long")
    total = sum(len(t) for t in history)
    if total_limit is not None and total > total_limit:
        raise APIError(422, f"{field} is too long: {total} characters in all, the limit is {total_limit}.",
                       param=field, code="too_long")
    return [t for t in history if t.strip()]


def latest_turns(history: Sequence[str], limit: int, max_chars: int) -> list[str]:
    """The most recent turns that fit in ``max_chars`` (and ``MAX_HISTORY_TURNS``), oldest first:
    a chat frontend resends the whole conversation, and the latest turns are the ones a follow-up
    refers to. Turns longer than ``limit`` (pasted text, not questions) are left out."""
    kept: list[str] = []
    used = 0
    for turn in reversed(history):
        if not turn.strip() or len(turn) > limit:
            continue
        if used + len(turn) > max_chars or len(kept) >= MAX_HISTORY_TURNS:
            break
        kept.append(turn)
        used += len(turn)
    return kept[::-1]


async def _run(request: Request, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a blocking pipeline call in a worker thread under the per-request time limit."""
    timeout = _state(request).settings.server.request_timeout_s
    try:
        return await asyncio.wait_for(asyncio.to_thread(fn, *args, **kwargs), timeout=timeout)
    except TimeoutError:
        raise APIError(504, f"The request took longer than the {timeout:g} s limit.", type="timeout_error", code="timeout") from None
    except ValidationError:
        raise  # a bug, not bad input: the generic 500
    except ValueError as exc:  # the pipeline's word for bad input (e.g. an empty question)
        raise APIError(400, f"Invalid request: {exc}", code="invalid_input") from None


async def answer_question(request: Request, question: str, history: list[str], filters: Filters | None,
                          context: PatientContext | None) -> Answer:
    """One answer, composed in a worker thread: the follow-up analysis over ``history`` (the
    pipeline carries the earlier turns' frame and patient) happens there too, never on the loop."""
    pipeline = _pipeline(request)
    st = _state(request)
    set_kind(request, "answer")
    if st.settings.log_questions:
        request.scope.setdefault("state", {})["log_question"] = question
    answer: Answer = await _run(request, pipeline.ask, question, history=history, filters=filters, context=context)
    return answer


# --------------------------------------------------------------------------------------------
# App


def create_app(pipeline: Pipeline | None = None, settings: Settings | None = None, *,
               opener: PipelineOpener | None = None) -> FastAPI:
    """The ASGI app. Without ``pipeline``, each worker loads one at startup (in the background, so
    ``/healthz`` answers at once and ``/readyz`` says 503 until the index is loaded). An index that
    is locked by an ingest or missing is retried with back-off until it opens. ``opener`` replaces
    how the pipeline is opened (tests)."""
    from curbside import openai_api

    settings = settings or (pipeline.settings if pipeline is not None else Settings())
    state = _State(settings, pipeline, opener)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task: asyncio.Task[None] | None = None
        if state.pipeline is None:
            task = asyncio.create_task(load_with_retries(state))
        try:
            yield
        finally:
            if task is not None and not task.done():
                task.cancel()

    app = FastAPI(
        title="Curbside",
        version=__version__,
        description="Cited answers to clinical questions from the indexed guidelines and research.",
        lifespan=lifespan,
    )
    app.state.curbside = state
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(APIError, _api_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    # Added innermost first: the access log wraps CORS, which wraps auth and the body limit (so a
    # browser can read a 401 and preflight requests need no key).
    app.add_middleware(GuardMiddleware, settings=settings)
    if settings.server.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.server.cors_origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
        )
    app.add_middleware(AccessLogMiddleware, settings=settings)

    @app.get("/healthz", tags=["ops"], summary="Liveness (always 200)")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], summary="Readiness: 200 once the index is loaded")
    async def readyz() -> JSONResponse:
        if state.pipeline is None:
            body: dict[str, Any] = {"status": "loading" if state.load_error is None else "waiting"}
            if state.load_error is not None:
                # the exception's name only ("IndexLockedError"): paths stay in the server log
                body.update(reason=state.load_error.split(":", 1)[0], attempts=state.load_attempts)
            return JSONResponse(body, status_code=503)
        manifest = state.pipeline.manifest
        return JSONResponse({"status": "ready", "documents": manifest.n_documents, "chunks": manifest.n_chunks})

    @app.post("/v1/ask", tags=["api"], summary="Answer a question with cited statements")
    async def ask(body: AskRequest, request: Request) -> JSONResponse:
        limit = settings.server.max_question_chars
        question = _check_text(body.question, "question", limit)
        if body.history is not None and body.conversation_id is not None:
            raise APIError(422, "Send either history or conversation_id, not both.", param="history", code="conflict")
        if body.conversation_id is not None:
            if not _CONVERSATION_ID.match(body.conversation_id):
                raise APIError(422, "conversation_id is malformed.", param="conversation_id", code="invalid")
            stored = state.conversations.get(body.conversation_id)
            if stored is None:
                raise APIError(
                    404, "Unknown conversation_id (conversations are kept in memory for a while, per "
                    "server process); start again or send history instead.", type="not_found_error",
                    param="conversation_id", code="conversation_not_found",
                )
            history = latest_turns(stored, limit, settings.server.max_history_chars)
            conversation_id = body.conversation_id
        else:
            history = _check_history(body.history or [], "history", limit, settings.server.max_history_chars)
            conversation_id = uuid.uuid4().hex
        answer = await answer_question(request, question, history, body.filters, body.patient_context)
        if body.history is not None:  # a client-held conversation becomes a server-held one too
            for turn in history:
                state.conversations.append(conversation_id, turn)
        state.conversations.append(conversation_id, question)
        return JSONResponse({**answer.model_dump(mode="json"), "conversation_id": conversation_id})

    @app.post("/v1/search", tags=["api"], summary="Retrieve ranked passages")
    async def search(body: SearchRequest, request: Request) -> JSONResponse:
        query = _check_text(body.query, "query", settings.server.max_question_chars)
        pipeline = _pipeline(request)
        set_kind(request, "search")
        if settings.log_questions:
            request.scope.setdefault("state", {})["log_question"] = query
        passages = await _run(request, pipeline.search, query, k=body.k, filters=body.filters)
        return JSONResponse({"query": query, "passages": [p.model_dump(mode="json") for p in passages]})

    @app.get("/v1/documents", tags=["api"], summary="Indexed documents and the index manifest")
    async def documents(request: Request) -> JSONResponse:
        pipeline = _pipeline(request)
        docs = await _run(request, pipeline.index.documents)
        quarantined = pipeline.index.quarantined_documents  # left out of search unless allowed
        return JSONResponse({
            "count": len(docs),
            "documents": [
                {**d.model_dump(mode="json"), "quarantined": d.doc_id in quarantined,
                 "quarantine_rules": sorted({f["rule"] for f in quarantined.get(d.doc_id, [])})}
                for d in docs
            ],
            "manifest": pipeline.manifest.model_dump(mode="json"),
        })

    @app.get("/v1/documents/{doc_id}", tags=["api"],
             summary="One document and its passages (the link for a cited source without an address)")
    async def document(doc_id: str, request: Request, chunk: str | None = None) -> JSONResponse:
        if not _DOC_ID.match(doc_id) or (chunk is not None and not _CHUNK_ID.match(chunk)):
            raise APIError(404, "No such document.", type="not_found_error", param="doc_id", code="document_not_found")
        pipeline = _pipeline(request)
        found = await _run(request, _document_with_chunks, pipeline, doc_id, chunk)
        if found is None:
            raise APIError(404, "No such document.", type="not_found_error", param="doc_id", code="document_not_found")
        return JSONResponse(found)

    @app.post("/v1/reload", tags=["ops"], summary="Re-open the index after a rebuild (atomic swap)")
    async def reload(request: Request) -> JSONResponse:
        pipeline = _pipeline(request)
        async with state.reload_lock:
            try:
                await asyncio.to_thread(pipeline.reload)
            except Exception as exc:
                log.exception("index reload failed")
                raise APIError(503, f"Reload failed ({type(exc).__name__}); still serving the previous index.",
                               type="service_unavailable", code="reload_failed") from None
        manifest = pipeline.manifest
        return JSONResponse({"status": "reloaded", "documents": manifest.n_documents, "chunks": manifest.n_chunks,
                             "created_at": str(manifest.created_at)})

    app.include_router(openai_api.router)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers=_PAGE_HEADERS)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> FileResponse:
        return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


_DOC_ID = re.compile(r"^[0-9a-f]{8,64}$")
_CHUNK_ID = re.compile(r"^[0-9a-f]{8,64}#\d{1,9}$")


def _document_with_chunks(pipeline: Any, doc_id: str, chunk_id: str | None) -> dict[str, Any] | None:
    """The document's metadata and passages (or only ``chunk_id``'s), as the documents route
    serves them. Passages go through the index's own chunk lookup, so a quarantined document's
    text is not served here either."""
    index = pipeline.index
    doc = index.document_map([doc_id]).get(doc_id)
    if doc is None:
        return None
    rows = [row for row, chunk, _ in index.store.chunks_of_documents([doc_id])
            if chunk_id is None or chunk.chunk_id == chunk_id]
    chunks = sorted(index.chunks(rows).values(), key=lambda c: c.n)
    if chunk_id is not None and not chunks:
        return None
    return {"document": doc.model_dump(mode="json"), "passages": [c.model_dump(mode="json") for c in chunks]}


_PAGE_HEADERS = {
    # The page loads nothing from elsewhere and never evaluates strings as code.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


async def load_with_retries(state: _State) -> None:
    """Open the pipeline; while the index is unusable (an ingest holds its lock, it is missing or
    half-built) keep trying, waiting ``load_retry_s`` and doubling up to ``load_retry_max_s``.
    Each attempt logs one line; ``/readyz`` turns ready on the first one that opens."""
    server = state.settings.server
    delay = server.load_retry_s
    while True:
        state.load_attempts += 1
        try:
            pipeline = await asyncio.to_thread(state.opener)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            first = state.load_error is None
            state.load_error = f"{type(exc).__name__}: {exc}"
            log.warning("index not usable (attempt %d): %s; retrying in %.3g s",
                        state.load_attempts, state.load_error, delay, exc_info=first)
            await asyncio.sleep(delay)
            delay = min(delay * 2, server.load_retry_max_s)
            continue
        state.pipeline = pipeline
        state.load_error = None
        log.info("index loaded from %s (%d chunks, attempt %d)", getattr(pipeline, "index_dir", "?"),
                 pipeline.manifest.n_chunks, state.load_attempts)
        return


# --------------------------------------------------------------------------------------------
# Serving


def _settings_json(settings: Settings) -> str:
    data = settings.model_dump()
    for group in ("llm", "server"):
        for key, value in list(data[group].items()):
            if hasattr(value, "get_secret_value"):
                data[group][key] = value.get_secret_value()
    return json.dumps(data, default=str)


def app_from_env() -> FastAPI:
    """uvicorn factory: settings and index path handed over by :func:`serve` through the environment."""
    raw = os.environ.get(SETTINGS_ENV)
    settings = Settings(**json.loads(raw)) if raw else Settings()
    return create_app(settings=settings)


LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(message)s"},
        "default": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "access": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stdout"},
        "default": {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"},
    },
    "loggers": {
        "curbside.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "curbside": {"handlers": ["default"], "level": "INFO", "propagate": False},
        "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
    },
}


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The uvicorn options every way of serving uses (``serve``, the tests' live server)."""
    return {
        "timeout_keep_alive": settings.server.keep_alive_s,
        "access_log": False,  # curbside.access logs every request as JSON instead
        "server_header": False,
    }


def serve(settings: Settings, index: str | None, host: str, port: int, workers: int = 1) -> None:
    """Run uvicorn in factory mode: each worker process loads its own pipeline at startup."""
    import uvicorn

    if index:
        os.environ[INDEX_ENV] = str(Path(index).resolve())
    else:
        os.environ.pop(INDEX_ENV, None)
    os.environ[SETTINGS_ENV] = _settings_json(settings)
    uvicorn.run(
        "curbside.server:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=LOG_CONFIG,
        **uvicorn_options(settings),
    )

