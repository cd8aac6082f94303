"""The bottom line's feature weights: hand-set defaults, the learned file, and the listwise fit."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from curbside.evals import train_bottom_line as T
from curbside.qa.compose import BOTTOM_LINE_WEIGHTS_PATH, BottomLineWeights


def test_bundled_weights_are_the_learned_file_and_name_known_features() -> None:
    data = json.loads(BOTTOM_LINE_WEIGHTS_PATH.read_text())
    w = BottomLineWeights.bundled()
    assert w.pool == data["pool"] == "about"
    assert set(data["weights"]) == set(BottomLineWeights.names())
    assert "half B never read" in data["provenance"]["data"], "the held-apart half must not train the weights"
    cv = data["cross_validation"]["top_candidate_right"][str(data["provenance"]["prior_strength"])]
    assert cv["learned"] > cv["hand_set"], "the learned file is only written when it beats the hand-set weights"


def test_a_weights_file_with_an_unknown_feature_or_pool_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "w.json"
    bad.write_text(json.dumps({"weights": {"attribute": 1.0, "shoe_size": 2.0}}))
    with pytest.raises(ValueError, match=r"w\.json.*shoe_size"):
        BottomLineWeights.load(bad)
    bad.write_text(json.dumps({"weights": {"attribute": 1.0}, "pool": "everything"}))
    with pytest.raises(ValueError, match="pool"):
        BottomLineWeights.load(bad)
    bad.write_text(json.dumps({"weights": {"attribute": 3.5}}))
    w = BottomLineWeights.load(bad)
    assert w.attribute == 3.5 and w.about == BottomLineWeights().about and w.pool == "answering"


def test_the_held_apart_half_cannot_train() -> None:
    with pytest.raises(ValueError, match="held apart"):
        T.collect(T.CLINICIAN_SET, half="B")


def test_listwise_fit_learns_a_feature_that_marks_the_right_candidate() -> None:
    rng = np.random.default_rng(0)
    qs = []
    for n in range(40):
        feats = rng.normal(size=(6, 3))
        right = np.zeros(6, dtype=bool)
        right[n % 6] = True
        feats[:, 2] = right * 1.0 + rng.normal(scale=0.1, size=6)  # feature 2 tells the right one
        qs.append(T.Question(f"q{n}", feats, right, np.ones(6, dtype=bool)))
    prior = np.array([1.0, 1.0, 0.0])
    w = T.fit(qs, prior, strength=0.001)
    assert w[2] > 1.0
    assert np.mean([T.top_right(w, q) for q in qs]) > np.mean([T.top_right(prior, q) for q in qs]) + 0.3
    # a strong pull keeps the hand-set weights
    assert np.allclose(T.fit(qs, prior, strength=100.0), prior, atol=0.05)
