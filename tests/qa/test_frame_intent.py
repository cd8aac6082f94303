"""The learned intent reading used with the frame's rules (qa/intent_model.py, evals/train_intent.py).

The model replaces the rules' intent only where it is confident, with one bar where an ask cue
decided and a lower one where the rules fell through to a default; these tests check the
mechanics on a hand-made model, the features, the hook the training reads features through, and
that the bundled model is present, small, honest about its provenance and used by the frame.
"""

from __future__ import annotations

import json

import pytest

from curbside.qa.aliases import AliasTable
from curbside.qa.frame import intent_reviser_in_use, read_ask
from curbside.qa.intent_model import (
    FORMAT,
    MODEL_FILE,
    IntentModel,
    RuleReading,
    intent_features,
    load_intent_model,
)
from curbside.qa.query import analyse


@pytest.fixture(scope="module")
def table() -> AliasTable:
    return AliasTable.bundled()


def _rules(intent: str = "indication", attribute: str = "indication", how: str = "treats") -> RuleReading:
    return RuleReading(intent=intent, attribute=attribute, classified=intent, how=how, current=False,
                       intervention=True, substances=1, population=(), yes_no=True)


def _toy(threshold_ask: float = 0.9, threshold_default: float = 0.5) -> IntentModel:
    """Two intents: the word 'level' pulls towards target, anything else towards indication."""
    return IntentModel.from_json({
        "format": FORMAT,
        "intent": {"classes": ["indication", "target"], "bias": [0.0, 0.0], "weights": {"w:level": [-1.0, 1.0]}},
        "attribute": {"classes": ["indication", "target", "monitoring"], "bias": [0.0, 0.0, 0.0],
                      "weights": {"w:level": [0.0, 0.5, 1.0]}},
        "thresholds": {"ask": threshold_ask, "default": threshold_default},
        "pairs": {"indication": ["indication"], "target": ["target"]},
    })


def test_features_mask_drugs_and_numbers_and_keep_the_rules_reading() -> None:
    q = "On tacrolimus 4 mg. Is colchicine OK?"
    spans = [(3, 13, "DRUG"), (22, 32, "DRUG")]
    feats = intent_features(q, spans, _rules("safety", "safety", "ask"))
    assert feats["w:DRUG"] == 2 and "w:NUM" in feats
    assert not any("tacrolimus" in k or "colchicine" in k for k in feats)
    assert feats["a:ok"] == 1 and feats["s1:is"] == 1  # the asking clause, read on its own
    assert feats["r:i=safety"] == 1 and feats["r:how=ask"] == 1


def test_revise_needs_the_bar_of_how_the_rules_decided() -> None:
    feats = {"w:level": 2.0}  # p(target) = 1 / (1 + e^-4) ≈ 0.98
    model = _toy(threshold_ask=0.99, threshold_default=0.5)
    assert model.revise(feats, _rules(how="ask")) is None  # an ask cue decided: the model is not sure enough
    assert model.revise(feats, _rules(how="treats")) == ("target", "target")  # a default: replaced
    assert model.revise({}, _rules(how="treats")) is None  # p = 0.5 for the rules' own intent: kept
    # what the question says of the patient ("X for a flare in a diabetic?") is a reading, not a default
    assert model.revise(feats, _rules(how="background")) is None


def test_revised_attribute_is_one_the_new_intent_takes() -> None:
    model = _toy(threshold_default=0.5)
    # the attribute head prefers monitoring, but target questions take only 'target'
    assert model.revise({"w:level": 2.0}, _rules()) == ("target", "target")
    # a rules attribute the new intent takes is kept
    model.pairs["target"] = ["target", "indication"]
    assert model.revise({"w:level": 2.0}, _rules()) == ("target", "indication")


def test_a_file_of_another_format_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match=r"model\.json.*format"):
        IntentModel.from_json({"format": "other/1"}, "model.json")


def test_read_ask_says_whether_an_ask_cue_or_a_default_decided() -> None:
    assert read_ask("What dose of azathioprine?", [], True)[3] == "ask"
    assert read_ask("Steroids for severe CAP?", [], True, treats=True)[3] == "treats"
    assert read_ask("Statin?", [], True)[3] == "treats"


def test_frames_read_features_through_the_reviser_in_use(table: AliasTable) -> None:
    seen: list[RuleReading] = []

    def force_target(feats: object, rules: RuleReading) -> tuple[str, str]:
        seen.append(rules)
        return "target", "target"

    with intent_reviser_in_use(force_target):
        frame = analyse("Steroids for severe CAP?", table).frame
    assert (frame.intent, frame.asked_attribute) == ("target", "target")
    assert seen and seen[-1].how == "treats" and seen[-1].intent == "indication"
    with intent_reviser_in_use(None):  # the rules alone
        assert analyse("Steroids for severe CAP?", table).frame.intent == "indication"


def test_bundled_model_is_small_and_never_saw_half_b() -> None:
    assert MODEL_FILE.is_file(), "qa/data/intent_model.json is missing: python -m curbside.evals.train_intent"
    assert MODEL_FILE.stat().st_size < 25e6
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    prov = data["provenance"]
    assert prov["command"] == "python -m curbside.evals.train_intent"
    assert "half B never read" in prov["halves"]
    assert set(prov["examples"]) <= {"written", "clinician-A", "clinician2-A", "clinician3-A"}
    model = load_intent_model()
    assert model is not None and 0 < model.threshold_default <= model.threshold_ask <= 1.01
