"""The real Open WebUI (PyPI ``open-webui``) in headless Chromium against ``curbside serve``.

Both servers run on loopback with every offline switch set; the browser talks only to Open WebUI,
which talks only to Curbside (two of it: the extractive composer as ``curbside``, and the LLM
composer on a scripted model as ``curbside-llm``). The tests run in order, each checking one thing a
user sees: the model is listed, a streamed answer renders, ``[n]`` chips open the right reference,
the chat gets a title from the question, follow-up suggestions appear and one of them, clicked,
gets a cited answer; then the chip edge cases (two references with one address, side-by-side
markers) and the LLM composer's progress note. Curbside's access log then shows that no frontend
task prompt reached retrieval.

Setup: ``bash scripts/install_openwebui.sh`` (Open WebUI in a venv of its own, Chromium, playwright);
without it every test here skips, naming the script. Screenshots and a JSON summary of the run go to
``artifacts/openwebui/``; docs/openwebui.md records the last run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import ANAKINRA, REPO, free_port

# The first test also waits for both servers to start (and Curbside to build its index when the
# cache has none), so the limit is above the project's 600 s per test.
pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.integration, pytest.mark.timeout(1200)]

VENV = Path(os.environ.get("CURBSIDE_OPENWEBUI_VENV", Path.home() / ".cache/curbside/openwebui-venv"))
OPEN_WEBUI = VENV / "bin" / "open-webui"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = REPO / "artifacts" / "openwebui"
#: Open WebUI's first start runs ~60 database migrations and imports its whole stack (~45 s here).
OPENWEBUI_START_S = 240
#: Curbside builds the bundled index on first use when the cache has none (a minute or two).
CURBSIDE_START_S = 600
#: An answer, its title/tags/follow-up tasks and their round trips through Open WebUI.
ANSWER_S = 90
#: The model id of the second Curbside, the one with the LLM composer.
LLM_MODEL = "curbside-llm"
#: An ``[n]`` marker as Curbside writes it (escaped brackets are not markers).
MARKER = re.compile(r"(?<!\\)\[(\d+)\]")
#: Markers written side by side, which Open WebUI shows as one chip.
MARKER_GROUP = re.compile(r"(?:(?<!\\)\[\d+\])+")
#: Open WebUI's own look-ups that leave loopback (favicons of cited addresses via google.com);
#: they fail offline, harmlessly. Anything else leaving loopback fails the run.
KNOWN_EXTERNAL = ("https://www.google.com/s2/favicons",)

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
}


def _missing() -> str | None:
    if not OPEN_WEBUI.exists():
        return f"Open WebUI is not installed at {VENV} (bash scripts/install_openwebui.sh)"
    if not CHROMIUM.exists():
        return "Chromium is not installed at /usr/bin/chromium (bash scripts/install_openwebui.sh)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (bash scripts/install_openwebui.sh)"
    return None


if (_reason := _missing()) is not None:
    pytestmark.append(pytest.mark.skip(reason=_reason))


# --------------------------------------------------------------------------------------------
# The two servers


class Process:
    """A server subprocess on a loopback port, its output in a log file, stopped on exit."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path, cwd: Path) -> None:
        self.name, self.log = name, log
        self.port = int(argv[argv.index("--port") + 1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._out = log.open("w")
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=self._out, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait(self, path: str, ready: Any, timeout: float) -> float:
        """Seconds until GET ``path`` returns JSON that ``ready`` accepts."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=5) as r:
                    if ready(json.loads(r.read())):
                        return time.monotonic() - t0
            except (urllib.error.URLError, OSError, ValueError):
                pass
            time.sleep(1)
        raise RuntimeError(f"{self.name} not ready after {timeout:g} s; see {self.log}:\n{self.tail()}")

    def tail(self, n: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._out.close()


@dataclass
class Run:
    """What the tests share: the servers, the page, and the record of the run."""

    curbside: Process
    webui: Process
    page: Any
    curbside_llm: Process | None = None
    timings: dict[str, float] = field(default_factory=dict)
    results: dict[str, str] = field(default_factory=dict)
    observed: dict[str, str] = field(default_factory=dict)
    external: list[str] = field(default_factory=list)
    frames: list[dict[str, Any]] = field(default_factory=list)
    first_answer: dict[str, Any] = field(default_factory=dict)
    follow_up: str = ""
    direct_answers: int = 0
    asked_in_ui: int = 0

    def curbside_chat(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        """What Curbside itself answers to ``messages`` (the reference the UI is checked against)."""
        self.direct_answers += 1
        req = urllib.request.Request(self.curbside.url + "/v1/chat/completions", method="POST",
                                     data=json.dumps({"model": "curbside", "messages": messages}).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())

    def api(self, path: str) -> Any:
        """Open WebUI's own API, called from the page with its session token."""
        return self.page.evaluate(
            """async (path) => {
                const r = await fetch(path, {headers: {Authorization: 'Bearer ' + localStorage.token}});
                return await r.json();
            }""", path)

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"))

    def access_kinds(self, proc: Process | None = None) -> list[str]:
        kinds = []
        for line in (proc or self.curbside).log.read_text(errors="replace").splitlines():
            if line.startswith("{") and '"/v1/chat/completions"' in line:
                kinds.append(json.loads(line).get("kind", "?"))
        return kinds


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Iterator[Run]:
    from playwright.sync_api import sync_playwright

    from tests.server.test_llm_stream import EchoScripted

    tmp = tmp_path_factory.mktemp("openwebui")
    env = {**os.environ, **OFFLINE_ENV}
    curbside_bin = Path(sys.executable).with_name("curbside")
    cs_port, llm_cs_port, ui_port = free_port(), free_port(), free_port()
    # A scripted LLM (its first sentence supported by passage 1, one fabricated line) that waits
    # before writing, for a second Curbside with the LLM composer, listed as "curbside-llm".
    llm = EchoScripted()
    llm.mode = "slow"
    curbside = Process("curbside serve", [str(curbside_bin), "serve", "--host", "127.0.0.1", "--port", str(cs_port)],
                       env, tmp / "curbside.log", REPO)
    curbside_llm = Process(
        "curbside serve (LLM composer)",
        [str(curbside_bin), "serve", "--host", "127.0.0.1", "--port", str(llm_cs_port)],
        {**env, "CURBSIDE_COMPOSER__NAME": "llm", "CURBSIDE_LLM__BASE_URL": llm.url,
         "CURBSIDE_SERVER__MODEL_NAME": LLM_MODEL}, tmp / "curbside-llm.log", REPO)
    webui = None
    try:
        t_cs = curbside.wait("/readyz", lambda j: j.get("status") == "ready", CURBSIDE_START_S)
        curbside_llm.wait("/readyz", lambda j: j.get("status") == "ready", CURBSIDE_START_S)
        key = os.environ.get("CURBSIDE_SERVER__API_KEY") or "unused"
        ui_env = {
            **env,
            "DATA_DIR": str(tmp / "webui-data"),
            "OFFLINE_MODE": "true",              # no version check, no model or package downloads
            "ENABLE_OLLAMA_API": "false",
            "ENABLE_OPENAI_API": "true",
            # two connections: the extractive server ("curbside") and the LLM-composer one; the
            # key is the one Curbside asks for when the environment sets one, any value otherwise
            "OPENAI_API_BASE_URLS": f"{curbside.url}/v1;{curbside_llm.url}/v1",
            "OPENAI_API_KEYS": f"{key};{key}",
            "WEBUI_AUTH": "false",               # single user, no login page
            "WEBUI_SECRET_KEY": "curbside-openwebui-test",
            "RAG_EMBEDDING_MODEL": "",           # no sentence-transformers model to load at startup
            "BYPASS_EMBEDDING_AND_RETRIEVAL": "true",
            "ENABLE_TITLE_GENERATION": "true",
            "ENABLE_TAGS_GENERATION": "true",
            "ENABLE_FOLLOW_UP_GENERATION": "true",
            "TASK_MODEL_EXTERNAL": "curbside",
            "DEFAULT_MODELS": "curbside",
            "ANONYMIZED_TELEMETRY": "false", "SCARF_NO_ANALYTICS": "true", "DO_NOT_TRACK": "true",
        }
        (tmp / "webui-data").mkdir()
        webui = Process("open-webui serve", [str(OPEN_WEBUI), "serve", "--host", "127.0.0.1", "--port", str(ui_port)],
                        ui_env, tmp / "open-webui.log", tmp)
        t_ui = webui.wait("/health", lambda j: j.get("status") is True, OPENWEBUI_START_S)
        with sync_playwright() as pw:
            # a fresh profile of its own: nothing cached, no extensions, no signed-in state
            browser = pw.chromium.launch_persistent_context(
                str(tmp / "chromium"), executable_path=str(CHROMIUM), headless=True, args=ARGS,
                viewport={"width": 1280, "height": 900})
            page = browser.new_page()
            state = Run(curbside, webui, page, curbside_llm=curbside_llm, timings={"curbside_ready_s": round(t_cs, 1),
                                                         "openwebui_ready_s": round(t_ui, 1)})
            loopback = ("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:", "about:")

            def on_request(req: Any) -> None:
                if not req.url.startswith(loopback):
                    state.external.append(req.url)

            def on_websocket(ws: Any) -> None:
                def on_frame(payload: str | bytes) -> None:
                    text = payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
                    m = re.match(r"^\d+(\[.*)$", text, re.S)  # socket.io: "42[event, data]"
                    if m:
                        try:
                            event = json.loads(m.group(1))
                        except ValueError:
                            return
                        if isinstance(event, list) and len(event) > 1 and isinstance(event[1], dict):
                            state.frames.append({"t": time.monotonic(), **event[1]})
                ws.on("framereceived", on_frame)

            page.on("request", on_request)
            page.on("websocket", on_websocket)
            yield state
            browser.close()
    finally:
        if webui is not None:
            webui.stop()
        curbside.stop()
        curbside_llm.stop()
        llm.close()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for proc in [curbside, curbside_llm, *([webui] if webui else [])]:
            shutil.copy(proc.log, ARTIFACTS / proc.log.name)
        if "state" in locals():
            summary = {"open_webui": _version(), "results": state.results, "observed": state.observed,
                       "timings": state.timings,
                       "external_requests": sorted(set(state.external)), "access_kinds": state.access_kinds()}
            (ARTIFACTS / "run.json").write_text(json.dumps(summary, indent=2) + "\n")
            (ARTIFACTS / "frames.json").write_text(json.dumps(state.frames[:80], indent=1, default=str)[:400000])


def _version() -> str:
    out = subprocess.run([str(VENV / "bin" / "python"), "-c", "import importlib.metadata as m; print(m.version('open-webui'))"],
                         capture_output=True, text=True)
    return out.stdout.strip()


@pytest.fixture
def record(run: Run, request) -> Iterator[Run]:
    """Records each test's outcome (and its time) in the run summary."""
    failed_before = request.session.testsfailed
    t0 = time.monotonic()
    yield run
    run.timings[request.node.name + "_s"] = round(time.monotonic() - t0, 2)
    # the call's report is logged before teardown, so a failure has been counted by now
    run.results[request.node.name] = "failed" if request.session.testsfailed > failed_before else "passed"


# --------------------------------------------------------------------------------------------
# Helpers on the page


def _assistant_messages(page: Any) -> Any:
    """Each assistant message's wrapper (``#message-<id>``), in order."""
    return page.locator('[id^="message-"]').filter(has=page.locator("#response-content-container"))


def _wait_done(run: Run, count: int) -> Any:
    """The ``count``-th assistant message once Open WebUI marks it done (its Copy button shows)."""
    message = _assistant_messages(run.page).nth(count - 1)
    message.locator('button[aria-label="Copy"]').first.wait_for(timeout=ANSWER_S * 1000)
    return message.locator("#response-content-container")


def _chips(message: Any) -> list[str]:
    """The citation chips of a rendered answer, in document order: a single marker's chip as its
    title, a chip for adjacent markers (``[1][2]``) as Open WebUI labels it ("<short title> +1 more
    sources")."""
    labels = message.locator('button[aria-label^="View source: "], button[aria-label$=" more sources"]').evaluate_all(
        "els => els.map(e => e.getAttribute('aria-label'))")
    return [label.removeprefix("View source: ") for label in labels]


def _short_title(title: str) -> str:
    """How Open WebUI shortens a title on a chip (SourceToken.svelte getDisplayTitle)."""
    if title.startswith("http"):
        title = re.sub(r"^https?://(www\.)?", "", title).split("/")[0].split("?")[0].split("#")[0]
    return title[:15] + "..." + title[-10:] if len(title) > 30 else title


def _expected_chips(answer: dict[str, Any]) -> list[str]:
    """The chips Curbside's own answer calls for: each ``[n]`` marker's reference title, adjacent
    markers sharing one chip (Open WebUI's citation token takes ``[1][2]`` whole)."""
    refs = answer["curbside"]["references"]
    content = answer["choices"][0]["message"]["content"]
    chips = []
    for group in MARKER_GROUP.finditer(content):
        titles = [refs[int(n) - 1]["title"] for n in MARKER.findall(group.group(0)) if 1 <= int(n) <= len(refs)]
        if len(titles) == 1:
            chips.append(titles[0])
        elif titles:
            chips.append(f"{_short_title(titles[0])} +{len(titles) - 1} more sources")
    return chips


def _chat_id(run: Run) -> str:
    m = re.search(r"/c/([0-9a-f-]+)", run.page.url)
    assert m, f"no chat id in the address {run.page.url}"
    return m.group(1)


# --------------------------------------------------------------------------------------------
# The tests, in order, on one chat


def test_model_is_listed(record: Run) -> None:
    page = record.page
    t0 = time.monotonic()
    page.goto(record.webui.url + "/")
    page.wait_for_selector("#chat-input", timeout=60_000)
    record.timings["page_load_s"] = round(time.monotonic() - t0, 2)
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    notes = page.get_by_role("button", name="Okay, Let's Go!")  # the first-run release notes
    try:
        notes.wait_for(timeout=5_000)
        notes.click()
    except PlaywrightTimeout:
        pass  # no release-notes dialog this time

    models = [m["id"] for m in record.api("/api/models")["data"]]
    assert sorted(models) == ["curbside", LLM_MODEL], f"Open WebUI lists {models}"
    selector = page.locator("#model-selector-model-button")
    assert selector.get_attribute("aria-label") == "Selected model: curbside"
    selector.click()
    option = page.get_by_role("listbox").get_by_text("curbside", exact=True)
    option.first.wait_for(timeout=10_000)
    record.screenshot("model-list")
    page.keyboard.press("Escape")


def test_streamed_answer_renders(record: Run) -> None:
    page = record.page
    record.first_answer = record.curbside_chat([{"role": "user", "content": ANAKINRA}])
    page.locator("#chat-input").click()
    page.keyboard.type(ANAKINRA)
    frames_before = len(record.frames)
    t0 = time.monotonic()
    page.keyboard.press("Enter")
    record.asked_in_ui += 1
    page.get_by_text("Bottom line:").first.wait_for(timeout=ANSWER_S * 1000)
    record.timings["first_render_s"] = round(time.monotonic() - t0, 2)
    message = _wait_done(record, 1)
    record.timings["answer_done_s"] = round(time.monotonic() - t0, 2)

    # Open WebUI relayed the answer to the page as a stream of text deltas (its socket events), the
    # first of which already carries the bottom line (Curbside sends it in the first delta), and
    # one source event per [n] marker (from Curbside's url_citation annotations).
    events = [f for f in record.frames[frames_before:] if isinstance(f.get("data"), dict)]
    deltas = [(f["t"], f["data"]["data"]["delta"]) for f in events
              if f["data"].get("type") == "response:completion" and isinstance(f["data"].get("data"), dict)
              and f["data"]["data"].get("type") == "response.output_text.delta"]
    assert len(deltas) >= 3, f"the answer reached the page in {len(deltas)} deltas"
    record.timings["first_delta_s"] = round(deltas[0][0] - t0, 2)
    record.timings["stream_span_s"] = round(deltas[-1][0] - deltas[0][0], 3)
    record.observed["deltas"] = str(len(deltas))
    assert "**Bottom line:**" in deltas[0][1], f"first delta: {deltas[0][1][:200]!r}"
    content = record.first_answer["choices"][0]["message"]["content"]
    assert "".join(d for _, d in deltas) == content, "the streamed text is Curbside's answer, whole"
    sources = [f for f in events if f["data"].get("type") == "source"]
    assert len(sources) == len(MARKER.findall(content)), "one source event per [n] marker"

    # Rendered as Markdown: the bold bottom line, section headings, the references.
    assert message.locator("strong", has_text="Bottom line:").count() == 1
    headings = message.locator("h3").all_inner_texts()
    assert "References" in headings and len(headings) >= 3, headings
    text = message.inner_text()
    assert "**" not in text and "###" not in text, "no raw Markdown left in the rendering"
    # Known, not failed on (see docs/openwebui.md): a backslash-escaped marker in a note renders as KaTeX math
    record.observed["math_in_answer"] = str(message.locator(".katex").count())
    message.locator("strong", has_text="Bottom line:").scroll_into_view_if_needed()
    record.screenshot("answer")


def test_citation_chips_open_the_right_reference(record: Run) -> None:
    page = record.page
    message = _assistant_messages(page).nth(0).locator("#response-content-container")
    expected = _expected_chips(record.first_answer)
    chips = _chips(message)
    assert len(expected) >= 4
    assert chips == expected, "each [n] is a chip naming reference n"

    # Click the chip of a reference other than [1] and check the dialog names it.
    refs = record.first_answer["curbside"]["references"]
    assert len(refs) >= 2
    target = refs[-1]
    chip = message.locator(f'button[aria-label="View source: {target["title"]}"]').first
    chip.scroll_into_view_if_needed()
    chip.click()
    dialog = page.locator('[role="dialog"]').last
    dialog.wait_for(state="visible", timeout=10_000)
    link = dialog.locator("a[href]").first
    href = link.get_attribute("href") or ""
    want = target.get("url") or f"/v1/documents/{target['doc_id']}"
    assert href.split("#")[0] == want or want in href, f"the dialog links {href!r}, reference is {want!r}"
    assert target["title"] in dialog.inner_text()
    record.screenshot("citation")
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden", timeout=10_000)


def test_chat_title_comes_from_the_question(record: Run) -> None:
    page = record.page
    chat_id = _chat_id(record)
    deadline = time.monotonic() + ANSWER_S
    title = "New Chat"
    while time.monotonic() < deadline:
        title = record.api(f"/api/v1/chats/{chat_id}")["title"]
        if title != "New Chat":
            break
        time.sleep(1)
    assert title != "New Chat", "Open WebUI never got a title"
    assert "anakinra" in title.lower() and ("tacrolimus" in title.lower() or "gout" in title.lower()), title
    assert len(title) <= 80 and "{" not in title, title
    # The sidebar and the chat header show it
    page.locator(f'a[href="/c/{chat_id}"]', has_text=title).first.wait_for(timeout=10_000)
    page.locator("h1", has_text=title).first.wait_for(timeout=10_000)
    tags = [t["name"] if isinstance(t, dict) else t for t in record.api(f"/api/v1/chats/{chat_id}/tags")]
    record.observed["tags"] = ", ".join(tags)
    record.observed["title"] = title


def test_follow_up_suggestion_gets_a_cited_answer(record: Run) -> None:
    page = record.page
    buttons = page.locator('button[aria-label^="Follow up: "]')
    buttons.first.wait_for(timeout=ANSWER_S * 1000)
    suggestions = [b.removeprefix("Follow up: ") for b in
                   buttons.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")]
    assert 1 <= len(suggestions) <= 5, suggestions
    assert all(s.endswith("?") and "anakinra" in s.lower() for s in suggestions), suggestions
    record.observed["follow_ups"] = " | ".join(suggestions)
    buttons.first.scroll_into_view_if_needed()
    record.screenshot("follow-ups")

    choice = suggestions[0]
    record.follow_up = choice
    t0 = time.monotonic()
    buttons.first.click()
    record.asked_in_ui += 1
    message = _wait_done(record, 2)
    record.timings["follow_up_done_s"] = round(time.monotonic() - t0, 2)
    # The same answer Curbside gives the conversation directly
    first = record.first_answer["choices"][0]["message"]["content"]
    expected_answer = record.curbside_chat([
        {"role": "user", "content": ANAKINRA}, {"role": "assistant", "content": first},
        {"role": "user", "content": choice},
    ])
    assert not expected_answer["curbside"]["abstained"], "a suggestion Curbside abstains on"
    chips = _chips(message)
    assert chips, "the follow-up answer has citation chips"
    assert chips == _expected_chips(expected_answer)
    assert message.locator("strong", has_text="Bottom line:").count() == 1
    message.locator("strong", has_text="Bottom line:").scroll_into_view_if_needed()
    record.screenshot("follow-up-answer")


#: Questions whose answers cite both digests of the 2020 ACR gout guideline (one DOI between them).
SHARED_ADDRESS_QUESTIONS = [
    "Is vitamin C worth adding for gout?",
    "Uric acid of 10 on routine labs, never had gout. Treat it?",
    "What does the 2020 ACR gout guideline recommend as first-line urate-lowering therapy?",
    "Can he stay on his baby aspirin now that he has gout?",
    "She had SJS on allopurinol. Is Uloric safe?",
    "Gout flare plus an active leg cellulitis. Start anakinra?",
]


def test_references_sharing_an_address_keep_their_own_chips(record: Run) -> None:
    """Open WebUI numbers chips by distinct address: two references with one address must still
    get one chip each, the right one."""
    page = record.page
    question, answer = "", {}
    for q in SHARED_ADDRESS_QUESTIONS:
        a = record.curbside_chat([{"role": "user", "content": q}])
        urls = [r["url"] for r in a["curbside"]["references"] if r["url"]]
        if len(urls) != len(set(urls)):
            question, answer = q, a
            break
    if not question:
        pytest.skip("no candidate answer cites two references with one address any more")
    record.observed["shared_address_question"] = question
    page.goto(record.webui.url + "/")
    page.wait_for_selector("#chat-input", timeout=60_000)
    page.locator("#chat-input").click()
    page.keyboard.type(question)
    page.keyboard.press("Enter")
    record.asked_in_ui += 1
    message = _wait_done(record, 1)
    assert _chips(message) == _expected_chips(answer), "each [n] is a chip naming reference n"
    refs = answer["curbside"]["references"]
    shared = [r for r in refs if r["url"] and sum(x["url"] == r["url"] for x in refs) > 1]
    later = shared[-1]
    chip = message.locator(f'button[aria-label="View source: {later["title"]}"]').first
    chip.scroll_into_view_if_needed()
    chip.click()
    dialog = page.locator('[role="dialog"]').last
    dialog.wait_for(state="visible", timeout=10_000)
    href = dialog.locator("a[href]").first.get_attribute("href") or ""
    assert f"/v1/documents/{later['doc_id']}" in href, f"the dialog links {href!r}"
    assert later["title"] in dialog.inner_text()
    record.screenshot("shared-address-citation")
    page.keyboard.press("Escape")


#: Questions whose answers put two markers side by side (``[1][2]`` on the verdict line).
ADJACENT_MARKER_QUESTIONS = [
    "Flare in a patient on ranolazine for angina. Colchicine dose?",
    "CrCl 25 and a flare of the knee. Can I give the usual colchicine flare dose?",
    "Can he stay on his baby aspirin now that he has gout?",
    "She had SJS on allopurinol. Is Uloric safe?",
    "Gout flare plus an active leg cellulitis. Start anakinra?",
]


def _new_chat(run: Run, candidates: list[str], wanted: Any) -> tuple[str, dict[str, Any], Any]:
    """The first candidate whose answer (asked of Curbside directly) has what ``wanted`` looks
    for, asked in a new chat: (question, Curbside's answer, the rendered message)."""
    question, answer = "", {}
    for q in candidates:
        a = run.curbside_chat([{"role": "user", "content": q}])
        if wanted(a):
            question, answer = q, a
            break
    if not question:
        pytest.skip("no candidate question gives such an answer any more")
    page = run.page
    page.goto(run.webui.url + "/")
    page.wait_for_selector("#chat-input", timeout=60_000)
    page.locator("#chat-input").click()
    page.keyboard.type(question)
    page.keyboard.press("Enter")
    run.asked_in_ui += 1
    return question, answer, _wait_done(run, 1)


def _adjacent(answer: dict[str, Any]) -> list[int]:
    """The reference numbers of the first group of side-by-side markers, or []."""
    content = answer["choices"][0]["message"]["content"]
    n_refs = len(answer["curbside"]["references"])
    for group in MARKER_GROUP.finditer(content):
        numbers = [int(n) for n in MARKER.findall(group.group(0)) if 1 <= int(n) <= n_refs]
        if len(numbers) > 1:
            return numbers
    return []


def test_side_by_side_markers_share_a_chip_that_opens_each(record: Run) -> None:
    """``[1][2]`` is one chip ("<title> +1 more sources"); clicked, it lists both sources, and
    each opens its own reference."""
    question, answer, message = _new_chat(record, ADJACENT_MARKER_QUESTIONS, lambda a: bool(_adjacent(a)))
    record.observed["side_by_side_question"] = question
    assert _chips(message) == _expected_chips(answer)
    refs = answer["curbside"]["references"]
    numbers = _adjacent(answer)
    page = record.page
    group = message.locator('button[aria-label$=" more sources"]').first
    group.scroll_into_view_if_needed()
    group.click()
    second = refs[numbers[1] - 1]
    listed = page.locator(f'button[aria-label="View source: {second["title"]}"]')
    # the list opens outside the message (a popover), beside the chips already in the message
    listed.last.wait_for(state="visible", timeout=10_000)
    for n in numbers:
        assert page.locator(f'button[aria-label="View source: {refs[n - 1]["title"]}"]').count() >= 1
    listed.last.click()
    dialog = page.locator('[role="dialog"]').last
    dialog.wait_for(state="visible", timeout=10_000)
    href = dialog.locator("a[href]").first.get_attribute("href") or ""
    shared = sum(r["url"] == second["url"] for r in refs) > 1
    want = second["url"] if second["url"] and not shared else f"/v1/documents/{second['doc_id']}"
    assert href == want or want in href, f"the dialog links {href!r}, reference {numbers[1]} is {want!r}"
    assert second["title"] in dialog.inner_text()
    record.screenshot("side-by-side-citation")
    page.keyboard.press("Escape")


def test_llm_composer_shows_progress_then_verified_statements(record: Run) -> None:
    """With the LLM composer the page shows Curbside's progress note as Open WebUI's thinking
    block while the model writes, then only the verified statements, with their chips."""
    page = record.page
    page.goto(record.webui.url + "/")
    page.wait_for_selector("#chat-input", timeout=60_000)
    selector = page.locator("#model-selector-model-button")
    selector.click()
    page.get_by_role("listbox").get_by_text(LLM_MODEL, exact=True).first.click()
    assert selector.get_attribute("aria-label") == f"Selected model: {LLM_MODEL}"
    page.locator("#chat-input").click()
    page.keyboard.type(ANAKINRA)
    frames_before = len(record.frames)
    t0 = time.monotonic()
    page.keyboard.press("Enter")
    page.get_by_text("Thinking...").first.wait_for(timeout=ANSWER_S * 1000)
    record.timings["llm_progress_shown_s"] = round(time.monotonic() - t0, 2)
    message = _wait_done(record, 1)
    record.timings["llm_answer_done_s"] = round(time.monotonic() - t0, 2)
    wrapper = _assistant_messages(page).nth(0)
    assert wrapper.get_by_text(re.compile(r"^Thought for")).count() >= 1, "the progress block stays, folded"
    assert message.locator("strong", has_text="Bottom line:").count() == 1
    assert _chips(message), "the verified statement has its chip"
    assert "cures transplant rejection" not in message.inner_text(), "the unsupported statement is removed"
    kinds = [f["data"]["data"].get("type") for f in record.frames[frames_before:]
             if isinstance(f.get("data"), dict) and f["data"].get("type") == "response:completion"
             and isinstance(f["data"].get("data"), dict)]
    record.observed["llm_stream_events"] = ", ".join(dict.fromkeys(k for k in kinds if k))
    assert "response.reasoning_text.delta" in kinds and "response.output_text.delta" in kinds, kinds
    assert kinds.index("response.reasoning_text.delta") < kinds.index("response.output_text.delta"), \
        "the progress note comes before the first statement"
    # Known, not failed on (see docs/openwebui.md): the stream leaves out the answer's notes, among
    # them how many statements verification removed
    record.observed["llm_removed_note_shown"] = str("removed" in message.inner_text())
    assert record.curbside_llm is not None
    assert record.access_kinds(record.curbside_llm) == ["answer"], "the LLM server answered once, no tasks"
    record.screenshot("llm-answer")


def test_no_task_prompt_reached_retrieval(record: Run) -> None:
    # Let the follow-up's own background tasks finish
    deadline = time.monotonic() + ANSWER_S
    while time.monotonic() < deadline and record.access_kinds().count("task:follow_ups") < record.asked_in_ui:
        time.sleep(1)
    kinds = record.access_kinds()
    record.observed["access_kinds"] = ", ".join(kinds)
    # One retrieval per question typed or clicked, plus the reference answers asked directly.
    assert kinds.count("answer") == record.asked_in_ui + record.direct_answers, kinds
    assert {"task:title", "task:tags", "task:follow_ups"} <= set(kinds), kinds
    assert set(kinds) <= {"answer", "task:title", "task:tags", "task:follow_ups", "task:queries"}, kinds
    unexpected = [u for u in record.external if not u.startswith(KNOWN_EXTERNAL)]
    assert not unexpected, f"the page asked for addresses beyond loopback: {unexpected[:5]}"
