"""The research-stance model: its packaged artifact, its features, how the composer uses it, and that
its training reads PubMedQA half A only."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from curbside.evals.sets import half_of
from curbside.qa import compose
from curbside.qa.stance import (
    CUE_NAMES,
    MODEL_FILE,
    QUESTION_CUE_NAMES,
    READINGS,
    STANCES,
    StanceModel,
    cue_features,
    features,
    load_stance_model,
    question_features,
)
from tests.fakes import FakeHashEncoder

PACKAGED = Path(compose.__file__).resolve().parent / MODEL_FILE


def _cues(text: str) -> dict[str, float]:
    return dict(zip(CUE_NAMES, cue_features(text).tolist(), strict=True))


def test_packaged_model_is_small_bound_to_its_encoder_and_trained_on_half_a() -> None:
    assert PACKAGED.stat().st_size <= 25 * 1024 * 1024
    model = load_stance_model()
    assert model is not None and model.dim == 384
    prov = model.meta["provenance"]
    assert prov["trained_by"] == "python -m curbside.evals.train_stance"
    assert prov["data"]["trained_on"].startswith("half A") and "half B unused" in prov["data"]["trained_on"]
    assert prov["embedding_model"]
    for half in ("A_cv", "A_in_sample", "B_check"):
        assert 0.0 <= prov["scores"][half]["accuracy"] <= 1.0


def test_cue_features_read_negation_null_results_uncertainty_and_equivalence() -> None:
    null = _cues("Adjuvant therapy did not improve survival and there was no significant difference.")
    assert null["negation"] == 1.0 and null["null_result"] == 1.0 and null["equivalence"] == 1.0
    open_ = _cues("Whether screening helps remains unclear; further studies are needed.")
    assert open_["uncertainty"] == 1.0 and open_["null_result"] == 0.0
    positive = _cues("Early mobilisation significantly reduced the length of stay.")
    assert positive["positive"] == 1.0 and positive["negation"] == 0.0 and positive["null_result"] == 0.0
    assert _cues("This doesn't change outcomes.")["negation"] == 1.0
    assert max(_cues("may may may may may")["hedge_count"], 0) == 1.0  # capped


def _toy_model(dim: int = 4) -> StanceModel:
    """for by default; against on a null result; insufficient on open uncertainty."""
    n = dim + len(CUE_NAMES)
    weights = np.zeros((3, n))
    weights[1, dim + CUE_NAMES.index("null_result")] = 5.0
    weights[2, dim + CUE_NAMES.index("uncertainty")] = 5.0
    return StanceModel(weights, np.array([1.0, 0.0, 0.0]), np.zeros(n), np.ones(n), dim=dim)


def test_insufficient_is_a_class_of_the_model_and_reaches_the_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    model = _toy_model()
    vec = np.ones(4, dtype=np.float32) / 2
    assert model.classify("Outcomes improved.", vec).stance == "for"
    assert model.classify("Mortality did not differ.", vec).stance == "against"
    found = model.classify("The benefit remains unclear.", vec)
    assert found.stance == "insufficient" and found.label == "maybe"
    assert abs(sum(found.probabilities.values()) - 1.0) < 1e-3
    monkeypatch.setattr(compose, "load_stance_model", lambda: model)
    assert compose._research_stance("The benefit remains unclear.", vec) == "insufficient"
    assert compose._research_stance("Mortality did not differ.", vec) == "against"


def test_a_study_is_read_from_its_statements_together_with_the_readings_offsets() -> None:
    model = _toy_model()
    vec = np.ones(4, dtype=np.float32) / 2
    other = np.asarray([1.0, 0.0, 0.0, 0.0], dtype=np.float32)
    found = model.read_study([("Treatment shortened the stay.", vec), ("Whether it lowers costs remains unclear.", other)])
    # the statements are read as one text: the open question in the second leaves the study open
    assert found.stance == "insufficient"
    whole = model.probabilities("Treatment shortened the stay. Whether it lowers costs remains unclear.", (vec + other) / 2)
    assert found.probabilities == pytest.approx(dict(zip(STANCES, whole, strict=True)), abs=1e-3)
    assert model.read_study([("Treatment shortened the stay.", vec)]).stance == "for"
    # a calibrated offset for the rare class calls it where the plain argmax does not
    model.meta = {"calibration": {"conclusion": {"offsets": [0.0, 0.0, 2.0]}}}
    assert np.allclose(model.offsets("results"), 0.0) and model.offsets("conclusion")[2] == 2.0
    assert model.read_study([("Treatment shortened the stay.", vec)], "conclusion").stance == "insufficient"
    assert model.read_study([("Treatment shortened the stay.", vec)], "results").stance == "for"
    assert model.classify("Treatment shortened the stay.", vec).stance == "for"  # one sentence: no offsets
    with pytest.raises(ValueError, match="unknown study reading 'abstract'"):
        model.read_study([("Treatment shortened the stay.", vec)], "abstract")
    with pytest.raises(ValueError, match="at least one statement"):
        model.read_study([])


def _q(question: str, text: str) -> dict[str, float]:
    return dict(zip(QUESTION_CUE_NAMES, question_features(question, text).tolist(), strict=True))


def test_question_features_read_whether_the_finding_negates_the_questions_own_words() -> None:
    # a negative prefix of the asked word, and a negator governing it within its clause
    assert _q("Are clinical predictors adequate?", "Clinical predictors appear inadequate.")["asked_negated"] == 1.0
    assert _q("Is intensive monitoring necessary?", "Intensive monitoring is probably unnecessary.")["asked_negated"] == 1.0
    asked = "Does a family meeting prevent depression?"
    assert _q(asked, "This study did not demonstrate preventive effects of family meetings.")["asked_negated"] == 1.0
    far = _q(asked, "Not all of the sites that took part offered family meetings.")
    assert far["asked_negated"] == 0.0 and far["asked_stated"] > 0.0  # "family" lies past the negator's reach
    denied = _q("Is X associated with uptake?", "X was not associated with uptake.")
    assert denied["asked_negated"] == 1.0 and denied["asked_stated"] == 1.0 and denied["asked_stated_unnegated"] < 1.0
    # the clause ends the negation: "not ..., but associated" affirms the asked word
    affirmed = _q("Is X associated with uptake?", "Size did not matter; X associated with uptake.")
    assert affirmed["asked_negated"] == 0.0 and affirmed["asked_stated_unnegated"] == 1.0
    # short stems never match a prefixed word ("use" is no negation of "in-use")
    assert _q("Do nurses use it?", "Nurses in the unit used it.")["asked_negated"] == 0.0
    assert _q("Is it really necessary?", "It is.")["challenge"] == 1.0
    assert _q("Is it necessary?", "It is.")["challenge"] == 0.0


def _question_model(dim: int = 4) -> StanceModel:
    """for by default; against when the finding negates the question's words."""
    n = dim + len(CUE_NAMES) + len(QUESTION_CUE_NAMES)
    weights = np.zeros((3, n))
    weights[1, dim + len(CUE_NAMES) + QUESTION_CUE_NAMES.index("asked_negated")] = 5.0
    mean = np.zeros(n)
    mean[dim + len(CUE_NAMES):] = 0.2  # a training mean the missing question is imputed to
    return StanceModel(weights, np.array([1.0, 0.0, 0.0]), mean, np.ones(n), dim=dim, question_features=True)


def test_a_study_is_read_against_the_question_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: the stance was read from the finding alone, so "Clinical predictors appear
    inadequate" (no negator, positive words) answered yes to "Are clinical predictors adequate?"."""
    model = _question_model()
    vec = np.ones(4, dtype=np.float32) / 2
    text = "Clinical predictors appear inadequate for the evaluation of the cervical spine."
    assert model.read_study([(text, vec)], question="Are clinical predictors adequate?").stance == "against"
    assert model.read_study([(text, vec)], question="Are clinical predictors costly?").stance == "for"
    # without a question the question features take their training mean: they add nothing
    x = features(text, vec, None)
    z = np.concatenate([(x - model.mean[: x.size]) / model.scale[: x.size], np.zeros(len(QUESTION_CUE_NAMES))])
    logits = model.weights @ z + model.bias
    expected = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    assert np.allclose(model.probabilities(text, vec), expected) and model.classify(text, vec).stance == "for"
    monkeypatch.setattr(compose, "load_stance_model", lambda: model)
    assert compose._research_stance(text, vec, "Are clinical predictors adequate?") == "against"


def test_each_reading_has_its_own_weights_and_survives_a_round_trip(tmp_path: Path) -> None:
    conclusion, results = _question_model(), _question_model()
    results.bias = np.array([0.0, 2.0, 0.0])  # the results reader leans to "against"
    conclusion.readers = {"results": results}
    vec = np.ones(4, dtype=np.float32) / 2
    statements = [("Stays were shorter.", vec)]
    assert conclusion.read_study(statements, "conclusion", "Q?").stance == "for"
    assert conclusion.read_study(statements, "results", "Q?").stance == "against"
    path = tmp_path / "m.json"
    path.write_text(json.dumps(conclusion.to_json()))
    loaded = load_stance_model(str(path))
    assert loaded is not None and loaded.question_features and set(loaded.readers) == {"results"}
    assert loaded.read_study(statements, "results", "Q?").stance == "against"
    with pytest.raises(ValueError, match="unknown reading"):
        StanceModel(results.weights, results.bias, results.mean, results.scale, 4, question_features=True,
                    readers={"abstract": results})
    data = conclusion.to_json()
    data["question_cues"] = data["question_cues"][:-1]
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="question features differ"):
        load_stance_model.__wrapped__(str(path))


def test_packaged_model_carries_calibrated_study_readings() -> None:
    model = load_stance_model()
    assert model is not None
    readings = model.meta["provenance"]["study_readings"]
    for reading in READINGS:
        offsets = model.offsets(reading)
        assert offsets.shape == (3,) and offsets[0] == 0.0
        assert list(offsets) == readings[reading]["offsets"]
        for half in ("A_cv_uncalibrated", "A_cv", "B_check"):
            assert 0.0 <= readings[reading][half]["accuracy"] <= 1.0
        # calibrated for macro-F1 without giving up half A's accuracy
        assert readings[reading]["A_cv"]["accuracy"] >= readings[reading]["A_cv_uncalibrated"]["accuracy"]
        assert readings[reading]["A_cv"]["macro_f1"] >= readings[reading]["A_cv_uncalibrated"]["macro_f1"]


def test_a_vector_from_another_encoder_falls_back_to_the_cue_reading() -> None:
    model = load_stance_model()
    assert model is not None
    other = np.ones(64, dtype=np.float32) / 8
    assert not model.applies_to(other) and not model.applies_to(None)
    with pytest.raises(ValueError, match="384-d"):
        model.classify("Outcomes improved.", other)
    assert compose._research_stance("Outcomes did not improve.", other) == "against"
    assert compose._research_stance("Outcomes improved.", other) == "for"


def test_a_model_file_of_other_features_is_refused_by_name(tmp_path: Path) -> None:
    data = _toy_model().to_json()
    data["cues"] = data["cues"][:-1]
    path = tmp_path / "stance.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"stance\.json: its classes or cue features differ"):
        load_stance_model(str(path))
    assert load_stance_model(str(tmp_path / "absent.json")) is None


@pytest.mark.integration
def test_packaged_model_reads_clear_conclusions(real_encoder) -> None:
    model = load_stance_model()
    assert model is not None
    texts = {
        "for": "Laparoscopic repair is safe and effective and significantly reduced postoperative pain.",
        "against": "Routine screening did not reduce mortality, and no significant benefit was found.",
    }
    vecs = real_encoder.encode(list(texts.values()))
    for (expected, text), vec in zip(texts.items(), vecs, strict=True):
        assert model.classify(text, vec).stance == expected, text


def _synthetic_pubmedqa(path: Path, flip_b: bool) -> None:
    """Conclusions that say yes (improved), no (did not improve) or maybe (unclear); half B's labels
    rotated on demand."""
    data = {}
    conclusions = {
        "yes": "Treatment {n} improved outcome {m}.",
        "no": "Treatment {n} did not improve outcome {m}; no significant difference was found.",
        "maybe": "Whether treatment {n} changes outcome {m} remains unclear; further studies are needed.",
    }
    labels = list(conclusions)
    for n in range(90):
        pmid = str(10_000 + n)
        said = labels[n % 3]
        label = labels[(n + 1) % 3] if flip_b and half_of(pmid) == "B" else said
        conclusion = conclusions[said].format(n=n, m=n % 7)
        data[pmid] = {"QUESTION": f"Does treatment {n} help?", "CONTEXTS": ["Background."],
                      "LONG_ANSWER": conclusion, "final_decision": label}
    path.write_text(json.dumps(data))


def test_training_reads_half_a_only(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from curbside.evals.train_stance import train

    models = {}
    for flip in (False, True):
        data = tmp_path / f"pq-{flip}.json"
        _synthetic_pubmedqa(data, flip_b=flip)
        out = tmp_path / f"model-{flip}.json"
        prov = train(data, out, encoder=FakeHashEncoder(dim=32))
        models[flip] = (json.loads(out.read_text()), prov)
    (plain, prov_plain), (flipped, prov_flipped) = models[False], models[True]
    assert plain["weights"] == flipped["weights"] and plain["bias"] == flipped["bias"]
    # the study readings' offsets are chosen on half A too: rotating half B's labels moves none
    assert plain["calibration"] == flipped["calibration"] and set(plain["calibration"]) == set(READINGS)
    for reading in READINGS:
        assert prov_plain["study_readings"][reading]["A_cv"] == prov_flipped["study_readings"][reading]["A_cv"]
        assert prov_plain["study_readings"][reading]["B_check"]["accuracy"] > prov_flipped["study_readings"][reading]["B_check"]["accuracy"]
    assert prov_plain["scores"]["A_in_sample"] == prov_flipped["scores"]["A_in_sample"]
    assert prov_plain["scores"]["B_check"]["accuracy"] > prov_flipped["scores"]["B_check"]["accuracy"]
    assert StanceModel.from_json(plain).dim == 32 and list(plain["classes"]) == list(STANCES)


def test_training_needs_every_class_in_half_a(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from curbside.evals.sets import EvalSetError
    from curbside.evals.train_stance import train

    data = tmp_path / "pq.json"
    data.write_text(json.dumps({
        str(n): {"QUESTION": "Q?", "CONTEXTS": ["c"], "LONG_ANSWER": "It improved the outcome.", "final_decision": "yes"}
        for n in range(20)
    }))
    with pytest.raises(EvalSetError, match=r"pq\.json: half A has no item labelled maybe or no"):
        train(data, tmp_path / "m.json", encoder=FakeHashEncoder(dim=16))
