"""Document text reaches every rendering as text (issue 14, M6) and only http(s) addresses leave
the server (L3).

A Markdown-rendering client (Open WebUI, the CLI's Rich Markdown) must not load an image planted in
a document (a beacon), show a planted link, or run planted HTML; the structured answer keeps the
exact spans. The checks render the Markdown with a real CommonMark parser (markdown-it, the one Rich
uses) and look at the HTML it would show.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from curbside.ingest.types import Document
from curbside.qa.render import escape_markdown, reference_line, safe_url, to_markdown
from curbside.qa.types import Answer, Citation, Passage, Reference, Section, Statement
from tests.server.conftest import REPO

BEACON = "![status](https://evil.example/pixel.png?leak=1)"
PHISH = "[renew your licence](https://phish.example/login)"
RAW_HTML = '<img src="https://evil.example/b.gif" onerror="alert(1)">'
PLANTED = f"Colchicine is given at 0.6 mg {BEACON} once daily; see {PHISH} and {RAW_HTML} for details."
BAD_URLS = ["javascript:alert(1)", " JavaScript:alert(document.cookie)", "data:text/html,<b>x</b>",
            "vbscript:msgbox", "https://ok.example/\"onmouseover=alert(1)"]

_md = MarkdownIt("commonmark").enable("strikethrough")


def _html(markdown: str) -> str:
    return _md.render(markdown)


def _no_planted_markup(html: str) -> None:
    assert "<img" not in html, html
    assert not re.search(r"<a\s[^>]*href=\"https://(evil|phish)\.example", html), html
    assert "onerror" not in html or "&lt;img" in html, html


def _doc(title: str = "Colchicine [label](https://phish.example) *urgent*", url: str = "") -> Document:
    return Document(doc_id="d1", title=title, publisher="<b>ACR</b> ![x](https://evil.example/p.png)",
                    year=2024, kind="guideline", url=url, path="x.md")


def _answer(text: str = PLANTED, url: str = "") -> Answer:
    from curbside.ingest.types import Chunk

    doc = _doc(url=url)
    chunk = Chunk(chunk_id="d1#0", doc_id="d1", n=0, text=text, embed_text=text, char_start=0, char_end=len(text))
    cite = Citation(ref=1, chunk_id="d1#0", start=0, end=len(text), quote=text)
    statement = Statement(text=text, citations=[cite])
    return Answer(
        question="colchicine dose?", bottom_line=statement,
        sections=[Section(name="rationale", title="Rationale", statements=[statement])],
        references=[Reference.from_document(1, doc)],
        passages=[Passage(chunk=chunk, document=doc)],
    )


def test_markdown_escapes_planted_images_links_and_html() -> None:
    answer = _answer()
    markdown = to_markdown(answer)
    html = _html(markdown)
    _no_planted_markup(html)
    # the text is still all there, shown literally
    assert "![status](https://evil.example/pixel.png?leak=1)" in html
    assert "[renew your licence](https://phish.example/login)" in html
    assert "&lt;img" in html
    # the structured answer keeps the exact span
    assert answer.bottom_line is not None and answer.bottom_line.text == PLANTED
    assert answer.bottom_line.citations[0].quote == PLANTED
    # the engine's own markers are still the only [n] markers
    assert re.findall(r"(?<!\\)\[(\d+)\]", markdown) == ["1", "1", "1"]


def test_abstention_snippets_and_titles_are_escaped() -> None:
    answer = _answer()
    abstained = answer.model_copy(update={"abstained": True, "abstention_reason": f"nothing about {BEACON}",
                                          "missing": [PHISH], "bottom_line": None, "sections": []})
    html = _html(to_markdown(abstained))
    _no_planted_markup(html)
    assert "<em>urgent</em>" not in html and "<b>" not in html


def test_reference_line_escapes_title_and_publisher() -> None:
    line = reference_line(1, "Guideline", "A [b](https://phish.example) title", "<b>x</b>", 2020, "")
    html = _html(line)
    _no_planted_markup(html)
    assert "<b>" not in html and "[b](https://phish.example)" in html


@pytest.mark.parametrize("text", ["a_b_c", "x * y * z", "1 < 2 > 0", "back\\slash", "A & B", "~~no~~", "`code`"])
def test_escaped_text_renders_as_itself(text: str) -> None:
    html = _html(escape_markdown(text)).strip()
    inner = html.removeprefix("<p>").removesuffix("</p>")
    assert inner == text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.mark.parametrize("url", BAD_URLS)
def test_only_http_addresses_reach_references(url: str) -> None:
    ref = Reference.from_document(1, _doc(url=url))
    assert ref.url == ""
    assert safe_url(url) == ""
    assert url.strip() not in to_markdown(_answer(url=url))


def test_http_addresses_are_kept() -> None:
    for url in ("https://www.rheumatology.org/guidelines", "http://example.org/a?b=1"):
        assert Reference.from_document(1, _doc(url=url)).url == url
        assert url in to_markdown(_answer(url=url))


# ------------------------------------------------------------------------------ through the server

POISONED = f"""---
title: Quorvexalin prescribing summary
kind: drug-label
publisher: Test Pharma
year: 2024
url: "ftp://files.example/quorvexalin.pdf"
---
# Quorvexalin dosing

Quorvexalin is given as 5 mg by mouth once daily for gout flares {BEACON} in adults.
Quorvexalin should be stopped if diarrhoea develops; read {PHISH} before prescribing.
"""


@pytest.fixture(scope="module")
def poisoned_client(tmp_path_factory: pytest.TempPathFactory, real_encoder):
    from fastapi.testclient import TestClient

    from curbside import Pipeline, Settings, ingest
    from curbside.server import create_app

    tmp = tmp_path_factory.mktemp("poisoned")
    corpus = tmp / "corpus"
    corpus.mkdir()
    shutil.copy(REPO / "corpus" / "colchicine-colcrys-label.md", corpus)
    (corpus / "quorvexalin.md").write_text(POISONED)
    settings = Settings(cache_dir=tmp / "cache", progress=False)
    ingest([corpus], tmp / "index", settings)
    pipeline = Pipeline(Path(tmp / "index"), settings=settings)
    with TestClient(create_app(pipeline)) as client:
        yield client
    pipeline.close()


QUESTION = "What is the dose of quorvexalin for a gout flare?"


@pytest.mark.integration
def test_chat_content_and_citations_carry_no_planted_markup_or_script_url(poisoned_client) -> None:
    r = poisoned_client.post("/v1/chat/completions",
                             json={"model": "curbside", "messages": [{"role": "user", "content": QUESTION}]})
    assert r.status_code == 200, r.text
    body = r.json()
    content = body["choices"][0]["message"]["content"]
    assert "Quorvexalin" in content or "quorvexalin" in content.lower()
    assert "pixel.png" in content, "the planted text is shown (as text), not dropped"
    _no_planted_markup(_html(content))
    assert "ftp:" not in content
    refs = body["curbside"]["references"]
    assert any(ref["title"] == "Quorvexalin prescribing summary" for ref in refs), refs
    assert all(ref["url"] == "" or ref["url"].startswith("http") for ref in refs), refs
    assert all(not c.lower().startswith("ftp:") for c in body["citations"]), body["citations"]


@pytest.mark.integration
def test_streamed_chat_content_carries_no_planted_markup(poisoned_client) -> None:
    import json

    r = poisoned_client.post("/v1/chat/completions", json={
        "model": "curbside", "stream": True, "messages": [{"role": "user", "content": QUESTION}]})
    assert r.status_code == 200
    content = ""
    for line in r.text.splitlines():
        if line.startswith("data: {"):
            for choice in json.loads(line[6:])["choices"]:
                content += choice["delta"].get("content") or ""
    assert "pixel.png" in content
    _no_planted_markup(_html(content))


@pytest.mark.integration
def test_source_without_safe_address_is_linked_to_its_passage(poisoned_client) -> None:
    """The poisoned document's address is dropped, so its annotation links to the server's own
    ``/v1/documents/{doc_id}?chunk=...``, which serves the cited passage."""
    from urllib.parse import parse_qs, urlsplit

    body = poisoned_client.post("/v1/chat/completions", json={
        "model": "curbside", "messages": [{"role": "user", "content": QUESTION}]}).json()
    refs = {r["title"]: r for r in body["curbside"]["references"]}
    ref = refs["Quorvexalin prescribing summary"]
    notes = [n["url_citation"] for n in body["choices"][0]["message"]["annotations"]
             if n["url_citation"]["title"] == ref["title"]]
    assert notes, body["choices"][0]["message"]["annotations"]
    parts = urlsplit(notes[0]["url"])
    assert parts.scheme == "http" and parts.path == f"/v1/documents/{ref['doc_id']}"
    chunk = parse_qs(parts.query)["chunk"][0]
    assert chunk in ref["chunk_ids"]
    r = poisoned_client.get(parts.path, params={"chunk": chunk})
    assert r.status_code == 200, r.text
    served = r.json()
    assert served["document"]["title"] == ref["title"]
    assert [p["chunk_id"] for p in served["passages"]] == [chunk]
    assert "Quorvexalin" in served["passages"][0]["text"]
