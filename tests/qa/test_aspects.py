"""Question and passage aspects: what a question asks about, what a passage covers."""

from __future__ import annotations

import pytest

from curbside.qa.aspects import aspect_agreement, passage_aspects, question_aspects


@pytest.mark.parametrize(
    ("question", "aspects"),
    [
        ("What are the symptoms of Gitelman syndrome?", {"symptoms"}),
        ("How is sarcoidosis diagnosed?", {"diagnosis"}),
        ("What are the treatments for gout flares?", {"treatment"}),
        ("What causes Fine-Lubinsky syndrome?", {"causes"}),
        ("Is Lynch syndrome inherited?", {"inheritance"}),
        ("How to prevent tuberculosis?", {"prevention"}),
        ("What is the outlook for kidney dysplasia?", {"prognosis"}),
        ("Who is at risk for narcolepsy?", {"risk"}),
        ("What is (are) lymphatic filariasis?", {"definition"}),
        ("What is gout?", {"definition"}),
        # a named aspect wins over the "what is" shape
        ("What is the treatment for gout?", {"treatment"}),
        # claims and safety questions name no aspect: the signal stays neutral
        ("Anakinra is safe in a patient on tacrolimus and mycophenolate.", set()),
        ("0-dimensional biomaterials show inductive properties.", set()),
    ],
)
def test_question_aspects(question: str, aspects: set[str]) -> None:
    assert question_aspects(question) == aspects


def test_passage_aspect_from_headings() -> None:
    assert passage_aspects(("Gout guideline", "Flare treatment"), "", "Colchicine is first-line.") == {"treatment"}
    assert passage_aspects(("Overview",)) == {"definition"}


def test_passage_aspect_from_an_opening_question_or_definition() -> None:
    assert passage_aspects((), "What causes Fine-Lubinsky syndrome? The cause is unknown.") == {"causes"}
    assert passage_aspects((), "Lymphatic filariasis is a parasitic disease caused by worms.") == {"definition"}
    # the passage's own text counts only when it opens with a question, not with any "X is a" sentence
    assert passage_aspects((), "", "How is the condition diagnosed? By a blood test.") == {"diagnosis"}
    assert passage_aspects((), "", "This drug is a potent inhibitor.") == set()
    assert passage_aspects((), "", "Patients were followed for two years.") == set()


def test_agreement_is_neutral_without_information() -> None:
    assert aspect_agreement(frozenset({"treatment"}), frozenset({"treatment", "symptoms"})) == (1.0, 0.0)
    assert aspect_agreement(frozenset({"treatment"}), frozenset({"causes"})) == (0.0, 1.0)
    assert aspect_agreement(frozenset(), frozenset({"causes"})) == (0.0, 0.0)
    assert aspect_agreement(frozenset({"causes"}), frozenset()) == (0.0, 0.0)
