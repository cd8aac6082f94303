"""End-to-end answers on the bundled corpus with the real packaged model (issue acceptance)."""

from __future__ import annotations

import asyncio

import pytest

from curbside.qa.render import display_text
from curbside.qa.types import Answer

pytestmark = pytest.mark.integration

ANAKINRA = (
    "Is it safe to start anakinra in a patient with gout who is already on tacrolimus (FK506) and Cellcept?"
)


@pytest.fixture(scope="module")
def anakinra_answer(bundled_pipeline) -> Answer:
    return bundled_pipeline.ask(ANAKINRA)


def _chunk_text(pipeline, chunk_id: str) -> str:
    found = pipeline.index.store.chunk_by_id(chunk_id)
    assert found is not None, chunk_id
    return found[1].text


def test_bottom_line_is_a_cited_caution_about_anakinra(anakinra_answer: Answer) -> None:
    a = anakinra_answer
    assert not a.abstained
    assert a.bottom_line is not None and a.bottom_line.citations
    text = a.bottom_line.text.lower()
    assert "anakinra" in text
    assert any(w in text for w in ("infection", "risk", "avoid", "against", "caution", "not recommended"))
    cited = {r.number: r for r in a.references}[a.bottom_line.citations[0].ref]
    assert cited.kind in ("guideline", "drug-label")


def test_references_mix_guideline_and_other_kinds(anakinra_answer: Answer) -> None:
    labels = {r.label for r in anakinra_answer.references}
    assert "Guideline" in labels
    assert labels - {"Guideline"}, labels
    numbers = [r.number for r in anakinra_answer.references]
    assert numbers == list(range(1, len(numbers) + 1))
    for ref in anakinra_answer.references:
        assert ref.title and ref.year


def test_alternatives_cite_colchicine_or_glucocorticoid_sources(anakinra_answer: Answer) -> None:
    alt = anakinra_answer.section("alternatives")
    assert alt is not None and alt.statements
    text = " ".join(s.text.lower() for s in alt.statements)
    assert "colchicine" in text or "glucocorticoid" in text or "nsaid" in text


def test_every_citation_span_equals_the_cited_text(bundled_pipeline, anakinra_answer: Answer) -> None:
    refs = {r.number for r in anakinra_answer.references}
    for statement in anakinra_answer.statements():
        for c in statement.citations:
            assert c.ref in refs
            chunk_text = _chunk_text(bundled_pipeline, c.chunk_id)
            assert chunk_text[c.start : c.end] == c.quote
            # no statement cites a passage that lacks it (statement text is whitespace-normalised)
            assert statement.text == display_text(c.quote)


def test_references_are_numbered_by_first_use_and_all_cited(anakinra_answer: Answer) -> None:
    order = []
    for s in anakinra_answer.statements():
        for c in s.citations:
            if c.ref not in order:
                order.append(c.ref)
    assert order == sorted(order)
    assert set(order) == {r.number for r in anakinra_answer.references}


def test_patient_context_is_echoed(anakinra_answer: Answer) -> None:
    ctx = anakinra_answer.patient_context
    assert ctx.medications == ["tacrolimus", "mycophenolate mofetil"]
    assert "gout" in ctx.conditions


def test_answer_json_round_trip(anakinra_answer: Answer) -> None:
    again = Answer.model_validate_json(anakinra_answer.model_dump_json())
    assert again == anakinra_answer
    assert anakinra_answer.settings_hash and anakinra_answer.timings_ms["total_ms"] > 0


@pytest.mark.parametrize(
    "question",
    [
        "What is the recommended dose of lecanemab for early Alzheimer disease?",
        "Is ocrelizumab safe in a patient on tacrolimus?",
        "How should rabies post-exposure prophylaxis be scheduled?",
    ],
)
def test_questions_the_corpus_cannot_answer_abstain(bundled_pipeline, question: str) -> None:
    a = bundled_pipeline.ask(question)
    assert a.abstained, a.bottom_line
    assert a.abstention_reason
    assert a.bottom_line is None and not a.sections and not a.references
    assert a.passages  # closest passages are still shown, for reference only


def test_missing_drug_is_named(bundled_pipeline) -> None:
    a = bundled_pipeline.ask("Is ocrelizumab safe in a patient on tacrolimus?")
    assert a.missing == ["ocrelizumab"]


def test_follow_up_keeps_patient_context(bundled_pipeline) -> None:
    a = bundled_pipeline.ask("What about canakinumab instead?", history=[ANAKINRA])
    assert "tacrolimus" in a.patient_context.medications
    assert "gout" in a.patient_context.conditions
    assert a.analysis is not None and a.analysis.candidate_drugs == ["canakinumab"]
    assert not a.abstained
    assert "canakinumab" in (a.bottom_line.text.lower() if a.bottom_line else "")


def test_async_variant(bundled_pipeline) -> None:
    a = asyncio.run(bundled_pipeline.aask("Which vaccines should be avoided after a kidney transplant?"))
    assert not a.abstained and a.bottom_line is not None
    assert "vaccin" in " ".join(s.text.lower() for s in a.statements())
