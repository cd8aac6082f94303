"""Clinical shorthand for drug classes (issue 15): the bare names clinicians write for a class."""

from __future__ import annotations

import pytest

from curbside.ingest.vocabulary import find_classes


@pytest.mark.parametrize(
    "text, surface, name",
    [
        ("should I add an SGLT2 for her kidneys?", "SGLT2", "sglt2 inhibitor"),
        ("start a GLP-1 for weight?", "GLP-1", "glp-1 receptor agonist"),
        ("needs abx for a UTI", "abx", "antibiotic"),
    ],
)
def test_bare_class_shorthand_names_the_class(text: str, surface: str, name: str) -> None:
    assert (surface, name) in [(s, n) for _a, _b, s, n in find_classes(text)]


def test_the_longer_document_name_still_wins() -> None:
    """Documents write the full name; the shorthand must not split it."""
    found = find_classes("SGLT2 inhibitors and GLP-1 receptor agonists reduce events")
    assert [(s, n) for _a, _b, s, n in found] == [
        ("SGLT2 inhibitors", "sglt2 inhibitor"),
        ("GLP-1 receptor agonists", "glp-1 receptor agonist"),
    ]
