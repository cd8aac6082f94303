"""The stance of a research finding towards a yes/no question: for, against or insufficient.

A three-class logistic regression over two kinds of features of one statement (a research abstract's
conclusion or result sentence):

- its sentence embedding (the vector the composer already holds for it, from the packaged
  all-MiniLM-L6-v2), which places the statement among conclusions that answered yes, no or maybe;
- :data:`CUES`, counts of general linguistic cue classes — negation, a negated or null result,
  negative evaluation, open uncertainty, hedging, equivalence and positive findings — which the
  embedding represents weakly (a sentence and its negation lie close together).

"insufficient" is a class of its own, learned from the conclusions annotated *maybe*, not a wording
rule: the statement is read as leaving the question open when that class is the most probable.

A study answers a yes/no question with its conclusion as a whole, not with one of its sentences
("X improved Y. Larger trials are needed." is a yes; "... may help some patients, but not most" a
maybe). :meth:`StanceModel.read_study` averages the class probabilities of a study's statements
(its conclusion, or, where it states none, its result sentences) and then applies per-reading
class offsets chosen on half A for accuracy plus macro-F1 (:data:`READINGS`): a linear model fitted
on one sentence at a time under-calls the rare *maybe*, and result sentences are read on another
scale than conclusions.

The weights live in ``qa/data/stance_model.json``, written by one command::

    python -m curbside.evals.train_stance          # trains on PubMedQA half A only

which records its provenance (data file hash, half, examples, regularisation chosen by
cross-validation on half A, scores on both halves) in the file. The model is bound to the encoder
it was trained with: a vector of another dimension is refused (:meth:`StanceModel.applies_to`), and
callers then fall back to their own reading.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

STANCES = ("for", "against", "insufficient")
"""The classes, in the model's row order: what a finding says to a yes/no question."""

LABEL_OF_STANCE = {"for": "yes", "against": "no", "insufficient": "maybe"}
STANCE_OF_LABEL = {v: k for k, v in LABEL_OF_STANCE.items()}

MODEL_FILE = "data/stance_model.json"

READINGS = ("conclusion", "results")
"""What :meth:`StanceModel.read_study` reads: a study's conclusion sentences, or its result sentences."""

# Cue classes: general English and scientific-reporting vocabulary, none keyed to a data set's items.
_NEGATION = r"\b(?:not|no|never|none|neither|nor|without|cannot|lacks?|lacking|absence)\b|n't\b"
_NULL_RESULT = (
    r"\bno\s+(?:significant|statistically|clear|apparent|major|additional|further|difference|differences|association|"
    r"effect|benefit|advantage|improvement|evidence|correlation|relationship|impact|role|increase|reduction|change)\b|"
    r"\bnot\s+(?:significantly|statistically|associated|correlated|related|linked|superior|inferior|effective|"
    r"different|improve\w*|differ\w*|predict\w*|influence\w*|affect\w*|increase\w*|reduce\w*|change\w*|confirm\w*|support\w*)\b|"
    r"\b(?:did|does|do|was|were|is|are|could|can)\s*n[o']t\b|\bfail(?:s|ed)?\s+to\b|\bindependent\s+of\b|\bunrelated\b"
)
_NEGATIVE_EVALUATION = (
    r"\b(?:insufficient|inadequate|unnecessary|unlikely|ineffective|unreliable|unsuitable|unjustified|inferior|"
    r"poor(?:ly)?|little|limited|lower|worse|deficit|harmful|overestimat\w*|rarely)\b|"
    r"\bnot\s+(?:needed|necessary|required|justified|warranted|recommended|useful|helpful|sufficient|adequate|reliable|accurate)\b"
)
_UNCERTAINTY = (
    r"\b(?:unclear|unknown|uncertain\w*|inconclusive|controvers\w*|conflicting|mixed|equivocal|debat\w*|questionable)\b|"
    r"\bremains?\s+to\s+be\b|\bnot\s+(?:yet\s+)?(?:clear|established|known|determined|conclusive)\b|"
    r"\bfurther\s+(?:studies|study|research|investigation|trials|work|evaluation)\b|\b(?:larger|prospective|randomi[sz]ed)\s+(?:studies|trials)\b.{0,40}\bneeded\b"
)
_HEDGE = r"\b(?:may|might|could|possibly|potential(?:ly)?|appears?|seems?|suggests?|suggested|likely|probably)\b"
_EQUIVALENCE = (
    r"\b(?:similar(?:ly)?|comparable|equivalent|equally|same|identical|non-?inferior|as\s+(?:effective|safe|good|accurate)\s+as)\b|"
    r"\b(?:did|does|do)\s+not\s+differ\b|\bno\s+(?:(?:statistically\s+)?significant\s+)?differences?\b"
)
_POSITIVE = (
    r"\b(?:significant(?:ly)?|effective(?:ly)?|safe(?:ly)?|improv\w*|benefi\w*|associated|predict\w*|increas\w*|reduc\w*|"
    r"superior|useful|feasible|valuable|valid|reliable|accurate|recommended|successful(?:ly)?|demonstrat\w*|confirm\w*|support\w*)\b"
)
CUES: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.I)
    for name, pattern in (
        ("negation", _NEGATION),
        ("null_result", _NULL_RESULT),
        ("negative_evaluation", _NEGATIVE_EVALUATION),
        ("uncertainty", _UNCERTAINTY),
        ("hedge", _HEDGE),
        ("equivalence", _EQUIVALENCE),
        ("positive", _POSITIVE),
    )
}
CUE_CAP = 3
"""A cue class counts up to this many occurrences: a fourth hedge says little more than a third."""


def cue_features(text: str) -> np.ndarray:
    """Per cue class: whether it occurs, and how often (capped at :data:`CUE_CAP`, scaled to 0–1)."""
    out: list[float] = []
    for pattern in CUES.values():
        n = len(pattern.findall(text))
        out += [float(n > 0), min(n, CUE_CAP) / CUE_CAP]
    return np.asarray(out, dtype=np.float32)


CUE_NAMES = tuple(f"{name}{suffix}" for name in CUES for suffix in ("", "_count"))


def features(text: str, vec: np.ndarray) -> np.ndarray:
    """The model's input before standardisation: the sentence vector, then :func:`cue_features`."""
    return np.concatenate([np.asarray(vec, dtype=np.float32).ravel(), cue_features(text)])


@dataclass(frozen=True)
class Stance:
    """A statement's stance and the class probabilities it was chosen from."""

    stance: str
    probabilities: dict[str, float]

    @property
    def label(self) -> str:
        """As a PubMedQA label: yes / no / maybe."""
        return LABEL_OF_STANCE[self.stance]


class StanceModel:
    """Multinomial logistic regression: ``softmax(W · standardise(features) + b)``."""

    def __init__(self, weights: np.ndarray, bias: np.ndarray, mean: np.ndarray, scale: np.ndarray,
                 dim: int, meta: dict[str, Any] | None = None) -> None:
        n_features = dim + len(CUE_NAMES)
        if weights.shape != (len(STANCES), n_features) or bias.shape != (len(STANCES),):
            raise ValueError(f"stance model: weights {weights.shape} / bias {bias.shape} do not fit "
                             f"{len(STANCES)} classes over {n_features} features")
        if mean.shape != (n_features,) or scale.shape != (n_features,):
            raise ValueError("stance model: mean and scale must have one value per feature")
        self.weights, self.bias, self.mean = weights, bias, mean
        self.scale = np.where(scale > 0, scale, 1.0)
        self.dim = dim
        self.meta = meta or {}

    def applies_to(self, vec: np.ndarray | None) -> bool:
        """Whether ``vec`` comes from an encoder of the dimension the model was trained on."""
        return vec is not None and np.asarray(vec).size == self.dim

    def probabilities(self, text: str, vec: np.ndarray) -> np.ndarray:
        if not self.applies_to(vec):
            raise ValueError(f"stance model expects a {self.dim}-d sentence vector, got {np.asarray(vec).size}")
        x = (features(text, vec) - self.mean) / self.scale
        z = self.weights @ x + self.bias
        z = np.exp(z - z.max())
        return np.asarray(z / z.sum())

    def classify(self, text: str, vec: np.ndarray) -> Stance:
        p = self.probabilities(text, vec)
        return Stance(STANCES[int(p.argmax())], {s: round(float(v), 4) for s, v in zip(STANCES, p, strict=True)})

    def offsets(self, reading: str) -> np.ndarray:
        """Log-probability offsets per class for a study reading (zeros when the model has none)."""
        if reading not in READINGS:
            raise ValueError(f"unknown study reading {reading!r}; use {' or '.join(READINGS)}")
        found = (self.meta.get("calibration") or {}).get(reading, {}).get("offsets")
        return np.zeros(len(STANCES)) if found is None else np.asarray(found, dtype=np.float64)

    def read_study(self, statements: Sequence[tuple[str, np.ndarray]], reading: str = "conclusion") -> Stance:
        """The stance of one study from several of its statements, read together.

        The mean of the statements' class probabilities, shifted by the reading's calibrated offsets
        (:meth:`offsets`); the probabilities reported are the mean, before the shift.
        """
        if not statements:
            raise ValueError("read_study needs at least one statement")
        p = np.mean([self.probabilities(text, vec) for text, vec in statements], axis=0)
        chosen = int((np.log(np.maximum(p, 1e-12)) + self.offsets(reading)).argmax())
        return Stance(STANCES[chosen], {s: round(float(v), 4) for s, v in zip(STANCES, p, strict=True)})

    def to_json(self) -> dict[str, Any]:
        return {
            "classes": list(STANCES), "cues": list(CUE_NAMES), "dim": self.dim,
            "weights": np.round(self.weights, 6).tolist(), "bias": np.round(self.bias, 6).tolist(),
            "mean": np.round(self.mean, 6).tolist(), "scale": np.round(self.scale, 6).tolist(), **self.meta,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], where: str = "stance model") -> StanceModel:
        try:
            if list(data["classes"]) != list(STANCES) or list(data["cues"]) != list(CUE_NAMES):
                raise ValueError("its classes or cue features differ from this code's; retrain it")
            meta = {k: v for k, v in data.items() if k not in ("classes", "cues", "dim", "weights", "bias", "mean", "scale")}
            return cls(np.asarray(data["weights"], dtype=np.float64), np.asarray(data["bias"], dtype=np.float64),
                       np.asarray(data["mean"], dtype=np.float64), np.asarray(data["scale"], dtype=np.float64),
                       int(data["dim"]), meta)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{where}: {exc}") from exc


@lru_cache(maxsize=4)
def load_stance_model(path: str | None = None) -> StanceModel | None:
    """The packaged model (``qa/data/stance_model.json``), or ``path``; None when no model is there."""
    try:
        source = Path(path) if path else resources.files("curbside.qa").joinpath(MODEL_FILE)
        text = source.read_text("utf-8")
    except (FileNotFoundError, OSError):
        return None
    return StanceModel.from_json(json.loads(text), str(path or MODEL_FILE))
