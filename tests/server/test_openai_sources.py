"""url_citation addresses as Open WebUI uses them: it keys sources by address and numbers its
``[n]`` chips by distinct address in order of arrival, so each reference needs an address of its
own (found by tests/server/test_openwebui.py: two digests of the 2020 ACR gout guideline share one
DOI, and every chip after the second one named the wrong reference)."""

from __future__ import annotations

from curbside.openai_api import url_citations
from curbside.qa.types import Answer, Reference

DOI = "https://doi.org/10.1002/acr.24180"


def _ref(number: int, url: str, doc_id: str) -> Reference:
    return Reference(number=number, kind="guideline", label="Guideline", title=f"Digest {number}", url=url,
                     doc_id=doc_id, chunk_ids=[f"{doc_id}#0"])


def _open_webui_chips(notes: list[dict]) -> list[str]:
    """What Open WebUI 0.12 shows for [1], [2], ...: the title of the n-th distinct address
    (ContentRenderer.svelte getSourceIds, one source event per annotation)."""
    seen: dict[str, str] = {}
    for note in notes:
        seen.setdefault(note["url_citation"]["url"], note["url_citation"]["title"])
    return list(seen.values())


def test_references_sharing_an_address_get_addresses_of_their_own() -> None:
    refs = [_ref(1, DOI, "a" * 16), _ref(2, "https://example.org/label", "b" * 16), _ref(3, DOI, "c" * 16)]
    answer = Answer(question="q", references=refs)
    content = "One [1]. Two [2]. Three [3]. One again [1]."
    notes = url_citations(content, answer, "http://127.0.0.1:8000")

    urls = [n["url_citation"]["url"] for n in notes]
    assert urls[1] == "https://example.org/label", "an address of its own stays the address"
    assert urls[0] == "http://127.0.0.1:8000/v1/documents/" + "a" * 16 + "?chunk=" + "a" * 16 + "%230"
    assert urls[2] == "http://127.0.0.1:8000/v1/documents/" + "c" * 16 + "?chunk=" + "c" * 16 + "%230"
    assert urls[3] == urls[0], "the same reference keeps one address"
    assert _open_webui_chips(notes) == ["Digest 1", "Digest 2", "Digest 3"]


def test_distinct_addresses_are_left_alone() -> None:
    refs = [_ref(1, DOI, "a" * 16), _ref(2, "https://example.org/label", "b" * 16)]
    notes = url_citations("A [1] and [2].", Answer(question="q", references=refs), "http://x")
    assert [n["url_citation"]["url"] for n in notes] == [DOI, "https://example.org/label"]
