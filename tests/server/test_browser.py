"""The chat page in headless Chromium against a real uvicorn server (screenshot in artifacts/)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.server.conftest import ANAKINRA, FOLLOW_UP, REPO

pytestmark = [pytest.mark.browser, pytest.mark.integration]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


def _screenshot(page, path: Path) -> None:
    """The whole page as a viewport that tall, so the sticky header and composer sit where they belong."""
    size = page.viewport_size
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": height})
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path))
    page.set_viewport_size(size)


def test_chat_page_streams_a_cited_answer(browser, live_server) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 1500})
    external: list[str] = []
    page.on("request", lambda req: None if req.url.startswith(live_server.url) else external.append(req.url))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    bodies: list[dict] = []
    page.on("request", lambda req: bodies.append(json.loads(req.post_data)) if req.url.endswith("/v1/chat/completions") else None)

    page.goto(live_server.url + "/")
    page.get_by_test_id("question").fill(ANAKINRA)
    page.get_by_test_id("send").click()
    card = page.locator("article.card").nth(0)
    page.locator("article.card[data-done=true]").first.wait_for(timeout=30_000)

    assert int(card.get_attribute("data-chunks")) >= 5, "the answer arrived as a stream of chunks"
    body = card.get_by_test_id("answer")
    assert "Bottom line:" in body.inner_text()
    labels = card.get_by_test_id("reference-label").all_inner_texts()
    assert len(labels) >= 2
    assert "GUIDELINE" in [x.upper() for x in labels]
    assert set(x.upper() for x in labels) <= {"GUIDELINE", "RESEARCH", "DRUG LABEL", "REVIEW"}
    # the verdict (when the question is yes/no-shaped) may lead; the bottom line is rendered bold
    assert any(t.startswith("Bottom line") for t in body.locator("strong").all_inner_texts())
    assert body.locator("h3").count() >= 2

    # Click the bottom line's reference marker: the cited passage appears with the quote marked.
    body.locator("p.bottom-line .cite").first.click()
    evidence = card.get_by_test_id("evidence")
    evidence.wait_for(state="visible")
    marked = evidence.locator("mark").inner_text()
    expected = card.evaluate("el => el.answer.bottom_line.citations[0].quote")
    assert " ".join(marked.split()) == " ".join(expected.split()) and len(marked) > 20
    assert marked.split()[0] in evidence.get_by_test_id("evidence-quote").inner_text()

    artifacts = REPO / "artifacts"
    artifacts.mkdir(exist_ok=True)
    _screenshot(page, artifacts / "chat-page.png")

    # Follow-up: the page sends the whole conversation and the answer keeps the patient's drugs.
    page.get_by_test_id("question").fill(FOLLOW_UP)
    page.get_by_test_id("send").click()
    page.locator("article.card[data-done=true]").nth(1).wait_for(timeout=30_000)
    sent = bodies[-1]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[0]["content"] == ANAKINRA and sent[2]["content"] == FOLLOW_UP
    second = page.locator("article.card").nth(1)
    assert "tacrolimus" in second.get_by_test_id("answer").inner_text()
    _screenshot(page, artifacts / "chat-page-follow-up.png")

    assert not errors, errors
    assert not external, f"the page fetched from elsewhere: {external}"
    page.close()


def test_page_never_renders_markup_from_the_answer(browser, live_server) -> None:
    """Text that looks like HTML is shown as text: the renderer never parses answer text as HTML."""
    page = browser.new_page()
    page.goto(live_server.url + "/")
    evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> gout?'
    page.get_by_test_id("question").fill(evil)
    page.get_by_test_id("send").click()
    page.locator("article.card[data-done=true], article.card.failed").first.wait_for(timeout=30_000)
    assert page.evaluate("window.__pwned") is None
    assert page.locator(".thread img").count() == 0
    assert evil.strip() in page.locator(".turn.user .bubble").inner_text()
    page.close()
