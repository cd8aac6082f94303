"""The Python front door refuses bad arguments with errors that name them (L7), and reads
questions, follow-up turns and queries in the same Unicode form as the documents (M9)."""

from __future__ import annotations

from pathlib import Path

import pytest

import curbside
from curbside import Filters, Pipeline, Settings
from curbside.inputs import check_history, check_k, check_text, normalise_query
from curbside.pipeline import build_options
from tests.fakes import FakeHashEncoder, write_tiny_corpus

CYCLOSPORINE_SPELLINGS = {
    "zero-width space": "cyclo\u200bsporine",
    "soft hyphen": "cyclo\u00adsporine",
    "fullwidth letters": "\uff43\uff59\uff43\uff4c\uff4f\uff53\uff50\uff4f\uff52\uff49\uff4e\uff45",
}


@pytest.fixture(scope="module")
def tiny_pipeline(tmp_path_factory: pytest.TempPathFactory):
    """The tiny corpus indexed with the fake encoder, and a Pipeline that reads it with the same one."""
    from curbside.index.builder import build_index

    tmp = tmp_path_factory.mktemp("api-inputs")
    encoder = FakeHashEncoder()
    settings = Settings(cache_dir=tmp / "cache", progress=False, embedding={"model": encoder.model_id})
    build_index([write_tiny_corpus(tmp / "corpus")], tmp / "index", encoder, build_options(settings))
    # Patched only while this pipeline loads (it keeps the encoder it was given): left on for the
    # module, it also gave the fake encoder to the session's bundled pipeline, first built in this
    # module, so every later test of the session ran on a 64-d fake index.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("curbside.pipeline.get_encoder", lambda model, device="cpu": encoder)
        pipeline = Pipeline(tmp / "index", settings=settings)
    yield pipeline
    pipeline.close()


# ---------------------------------------------------------------------------------------------
# L7: validation at the front door


@pytest.mark.parametrize("question", [None, 42, b"bytes", ["a list"]])
def test_module_ask_refuses_a_non_string_before_loading_anything(tmp_path: Path, question: object) -> None:
    # no index exists there: the argument check must come first, as a TypeError naming the argument
    with pytest.raises(TypeError, match=r"question must be a string, not "):
        curbside.ask(question, index=tmp_path / "no-index")  # type: ignore[arg-type]


@pytest.mark.parametrize("question", [None, 42])
def test_pipeline_ask_refuses_a_non_string_question(tiny_pipeline: Pipeline, question: object) -> None:
    with pytest.raises(TypeError, match="question must be a string"):
        tiny_pipeline.ask(question)  # type: ignore[arg-type]


@pytest.mark.parametrize("question", ["", "   ", "\u200b\u00ad", "\n\t"])
def test_blank_questions_are_value_errors(tiny_pipeline: Pipeline, question: str) -> None:
    with pytest.raises(ValueError, match="question is empty"):
        tiny_pipeline.ask(question)


def test_history_as_a_bare_string_is_refused_not_read_per_character(tiny_pipeline: Pipeline) -> None:
    with pytest.raises(TypeError, match=r"history must be a list .*history=\[turn\]"):
        tiny_pipeline.ask("What about the dose?", history="Warfarin INR monitoring")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"history\[1\] must be a string, not int"):
        tiny_pipeline.ask("What about the dose?", history=["warfarin", 3])  # type: ignore[list-item]


def test_filters_and_context_of_the_wrong_type_are_named(tiny_pipeline: Pipeline) -> None:
    with pytest.raises(TypeError, match="filters must be a Filters or None, not dict"):
        tiny_pipeline.ask("warfarin INR", filters={"kinds": ["guideline"]})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="context must be a PatientContext or None, not dict"):
        tiny_pipeline.ask("warfarin INR", context={"age": 70})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="filters must be a Filters or None"):
        tiny_pipeline.search("warfarin INR", filters="drug-label")  # type: ignore[arg-type]


async def test_aask_and_ask_stream_check_the_same_arguments(tiny_pipeline: Pipeline) -> None:
    with pytest.raises(TypeError, match="question must be a string"):
        await tiny_pipeline.aask(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="history must be a list"):
        next(iter(tiny_pipeline.ask_stream("warfarin INR", history="warfarin")))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="question is empty"):
        next(iter(tiny_pipeline.ask_stream(" ")))


@pytest.mark.parametrize("query", ["", "  ", "\u200b"])
def test_search_refuses_an_empty_query(tiny_pipeline: Pipeline, query: str) -> None:
    with pytest.raises(ValueError, match="query is empty"):
        tiny_pipeline.search(query)


@pytest.mark.parametrize("k", [0, -1, -100])
def test_search_refuses_k_below_one(tiny_pipeline: Pipeline, k: int) -> None:
    with pytest.raises(ValueError, match=f"k must be a positive integer, not {k}"):
        tiny_pipeline.search("warfarin INR bleeding", k=k)


@pytest.mark.parametrize("k", [True, 2.5, "3"])
def test_search_refuses_k_that_is_not_an_integer(tiny_pipeline: Pipeline, k: object) -> None:
    with pytest.raises(TypeError, match="k must be a positive integer"):
        tiny_pipeline.search("warfarin INR bleeding", k=k)  # type: ignore[arg-type]


def test_search_with_k_beyond_the_index_returns_what_there_is(tiny_pipeline: Pipeline) -> None:
    hits = tiny_pipeline.search("warfarin INR bleeding", k=10**9)
    assert 0 < len(hits) <= tiny_pipeline.manifest.n_chunks
    assert len({h.chunk.chunk_id for h in hits}) == len(hits)
    assert tiny_pipeline.search("warfarin INR bleeding", k=1)[0].document.title == hits[0].document.title


def test_valid_calls_still_answer(tiny_pipeline: Pipeline) -> None:
    hits = tiny_pipeline.search("warfarin INR bleeding", k=2, filters=Filters(kinds=["drug-label"]))
    assert hits and {h.document.kind for h in hits} == {"drug-label"}
    answer = tiny_pipeline.ask("How often is the INR checked with warfarin?", history=("Warfarin bleeding risk",))
    assert answer.question


# ---------------------------------------------------------------------------------------------
# M9: the same normal form as documents


def test_normalise_query_matches_the_ingest_normal_form() -> None:
    for spelling in CYCLOSPORINE_SPELLINGS.values():
        assert normalise_query(f"Is {spelling} safe?") == "Is cyclosporine safe?"
    assert normalise_query("  two\n\nlines\u00a0and\ttabs ") == "two lines and tabs"
    assert normalise_query("\ufb01rst") == "first"  # the ligature documents lose at ingest too
    assert check_text(" a\u200bb ", "question") == "ab"
    assert check_history(["x\u00ady", " ", "\u200b"]) == ["xy"]  # blank turns carry nothing
    assert check_k(None) is None and check_k(3) == 3


def test_history_turns_reach_the_analysis_normalised(tiny_pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, list[str]]] = []
    real = tiny_pipeline.analyse

    def spy(question: str, history=()):  # type: ignore[no-untyped-def]
        seen.append((question, list(history)))
        return real(question, history)

    monkeypatch.setattr(tiny_pipeline, "analyse", spy)
    tiny_pipeline.ask("What about \uff57\uff41\uff52\uff46\uff41\uff52\uff49\uff4e?", history=["INR\u200b  monitoring\u00ad", "   "])
    assert seen[-1] == ("What about warfarin?", ["INR monitoring"])


def test_search_query_is_normalised_like_documents(tiny_pipeline: Pipeline) -> None:
    plain = [h.chunk.chunk_id for h in tiny_pipeline.search("warfarin INR bleeding", k=3)]
    for odd in ("war\u200bfarin INR bleed\u00ading", "\uff57\uff41\uff52\uff46\uff41\uff52\uff49\uff4e INR bleeding"):
        assert [h.chunk.chunk_id for h in tiny_pipeline.search(odd, k=3)] == plain


@pytest.fixture(scope="module")
def plain_cyclosporine_answers(bundled_pipeline: Pipeline) -> dict[str, object]:
    answers = {q: bundled_pipeline.ask(q) for q in CYCLOSPORINE_QUESTIONS}
    # the comparison below means something only if the plain spelling is recognised and answered
    assert all(a.analysis and "cyclosporine" in a.analysis.drugs for a in answers.values())
    assert any(not a.abstained for a in answers.values()), {q: a.abstention_reason for q, a in answers.items()}
    return answers  # type: ignore[return-value]


CYCLOSPORINE_QUESTIONS = (
    "Can cyclosporine be given with colchicine?",
    "What monitoring does cyclosporine need?",
    "Is cyclosporine safe in pregnancy?",
)


@pytest.mark.integration
@pytest.mark.parametrize("how", list(CYCLOSPORINE_SPELLINGS))
def test_hidden_cyclosporine_is_read_as_cyclosporine(bundled_pipeline: Pipeline, plain_cyclosporine_answers, how: str) -> None:
    """A zero-width space, soft hyphen or fullwidth letters change nothing: same drugs, same answer."""
    spelling = CYCLOSPORINE_SPELLINGS[how]
    for question, plain in plain_cyclosporine_answers.items():
        answer = bundled_pipeline.ask(question.replace("cyclosporine", spelling))
        assert answer.analysis is not None and "cyclosporine" in answer.analysis.drugs, (how, answer.analysis)
        assert answer.abstained == plain.abstained, (how, question, answer.abstention_reason, answer.missing)
        assert answer.missing == plain.missing
        assert (answer.bottom_line and answer.bottom_line.text) == (plain.bottom_line and plain.bottom_line.text)
