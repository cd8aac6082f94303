"""The stance of a research finding towards a yes/no question: for, against or insufficient.

A three-class logistic regression over three kinds of features of a study's statements (a research
abstract's conclusion, or its result sentences), read together:

- their sentence embedding (the mean of the vectors the composer already holds for them, from the
  packaged all-MiniLM-L6-v2), which places the finding among conclusions that answered yes, no or maybe;
- :data:`CUES`, counts of general linguistic cue classes — negation, a negated or null result,
  negative evaluation, open uncertainty, hedging, equivalence and positive findings — which the
  embedding represents weakly (a sentence and its negation lie close together);
- :data:`QUESTION_CUE_NAMES`, how the finding relates to the question asked: whether it negates the
  question's own words ("Are clinical predictors adequate?" — "clinical predictors appear
  inadequate"; "Is monitoring necessary?" — "is probably unnecessary"; "did not demonstrate
  preventive effects" for "Does X prevent ...?"), how many of them it states unnegated, and whether
  the question challenges a presumption ("really", "always", "must"): a finding's polarity alone
  cannot tell "X lowered Y" from a no to "Does X raise Y?".

"insufficient" is a class of its own, learned from the conclusions annotated *maybe*, not a wording
rule: the statement is read as leaving the question open when that class is the most probable.

A study answers a yes/no question with its conclusion as a whole, not with one of its sentences
("X improved Y. Larger trials are needed." is a yes; "... may help some patients, but not most" a
maybe). :meth:`StanceModel.read_study` reads a study's statements together (its conclusion, or,
where it states none, its result sentences), each reading with weights fitted on that kind of text
(:data:`READINGS`: result sentences are read on another scale than conclusions), and then applies
per-reading class offsets chosen on half A for accuracy plus macro-F1: a linear model under-calls
the rare *maybe*.

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

# The question's relation to the finding
_TOKEN = re.compile(r"n't|[\w-]+|[,;:.]")
_NEGATORS = frozenset({"not", "no", "never", "neither", "nor", "n't", "cannot", "without", "none", "fail", "fails",
                       "failed", "lack", "lacks", "lacking", "absence"})
"""Words that negate what follows them within the clause ("did not demonstrate preventive effects")."""
_CLAUSE_ENDS = frozenset({",", ";", ":", ".", "but", "although", "though", "whereas", "because", "while"})
NEGATION_REACH = 4
"""Words after a negator that it governs: a short window inside the clause, as in the composer's
denial reading, so "not associated with uptake" negates "associated" and not the rest of the sentence."""
_NEGATIVE_PREFIXES = ("un", "in", "im", "ir", "il", "non", "dis")
MIN_PREFIXED_STEM = 4
"""A question word must keep this many letters of stem for its prefixed form to count as its negation
("necessari" / "unnecessari", "adequ" / "inadequ"), so that short stems ("us", "creas") never match."""
_CHALLENGE = re.compile(r"\b(?:really|always|truly|actually|all|every|must|only|still)\b", re.I)
"""Adverbs and quantifiers by which a question challenges a presumption ("Is X really necessary?",
"Must early oral intake be limited to ...?", "should all patients undergo ...?"): general English,
weighted by the model like any cue."""
QUESTION_CUE_CAP = 3
QUESTION_CUE_NAMES = ("asked_negated", "asked_negated_count", "asked_stated", "asked_stated_unnegated", "challenge")


def _stems(tokens: Sequence[str]) -> list[str | None]:
    """Each token's stem (None for a stopword), with the tokenizer and stemmer of the BM25 index."""
    from curbside.qa.retrieval import stems_many

    return [found[0] if found else None for found in stems_many(list(tokens))]


def question_features(question: str, text: str) -> np.ndarray:
    """How a finding relates to the yes/no question's own words (:data:`QUESTION_CUE_NAMES`).

    - ``asked_negated`` / ``_count``: question words the finding negates, by a negator within
      :data:`NEGATION_REACH` words in the same clause, or by a negative prefix of the question's word;
    - ``asked_stated``: the share of the question's words the finding states at all, and
      ``asked_stated_unnegated`` the share it states without negating them;
    - ``challenge``: the question challenges a presumption (:data:`_CHALLENGE`).
    """
    asked = {s for s in _stems(_TOKEN.findall(question.lower())) if s}
    tokens = [t.lower() for t in _TOKEN.findall(text)]
    negated: set[str] = set()
    stated: set[str] = set()
    for i, stem in enumerate(_stems(tokens)):
        if stem is None:
            continue
        window = tokens[max(0, i - NEGATION_REACH) : i]
        last_negator = max((j for j, t in enumerate(window) if t in _NEGATORS), default=None)
        scoped = last_negator is not None and not _CLAUSE_ENDS.intersection(window[last_negator + 1 :])
        if stem in asked:
            stated.add(stem)
            if scoped:
                negated.add(stem)
            continue
        for prefix in _NEGATIVE_PREFIXES:
            bare = stem[len(prefix) :]
            if stem.startswith(prefix) and len(bare) >= MIN_PREFIXED_STEM and bare in asked:
                negated.add(bare)
                stated.add(bare)
    n = max(len(asked), 1)
    return np.asarray([float(bool(negated)), min(len(negated), QUESTION_CUE_CAP) / QUESTION_CUE_CAP,
                       len(stated) / n, len(stated - negated) / n, float(bool(_CHALLENGE.search(question)))],
                      dtype=np.float32)


def features(text: str, vec: np.ndarray, question: str | None = None) -> np.ndarray:
    """The model's input before standardisation: the sentence vector, then :func:`cue_features`, then
    (when a question is given) :func:`question_features`."""
    parts = [np.asarray(vec, dtype=np.float32).ravel(), cue_features(text)]
    if question is not None:
        parts.append(question_features(question, text))
    return np.concatenate(parts)


def study_features(statements: Sequence[tuple[str, np.ndarray]], question: str | None = None) -> np.ndarray:
    """:func:`features` of a study's statements read together: the mean of their vectors, the cues
    and the question's relation over their joined text."""
    if not statements:
        raise ValueError("read_study needs at least one statement")
    vec = np.mean([np.asarray(v, dtype=np.float32).ravel() for _, v in statements], axis=0)
    return features(" ".join(t for t, _ in statements), vec, question)


@dataclass(frozen=True)
class Stance:
    """A statement's stance and the class probabilities it was chosen from."""

    stance: str
    probabilities: dict[str, float]

    @property
    def label(self) -> str:
        """As a PubMedQA label: yes / no / maybe."""
        return LABEL_OF_STANCE[self.stance]


_LINEAR_KEYS = ("weights", "bias", "mean", "scale")


class StanceModel:
    """Multinomial logistic regression: ``softmax(W · standardise(features) + b)``.

    ``question_features`` says whether the features end with :data:`QUESTION_CUE_NAMES`; a model
    with them reads a statement without a question as if the question features took their training
    mean (they then add nothing). ``readers`` holds models fitted on another reading's text
    (``results``); a reading without one is read by this model.
    """

    def __init__(self, weights: np.ndarray, bias: np.ndarray, mean: np.ndarray, scale: np.ndarray,
                 dim: int, meta: dict[str, Any] | None = None, *, question_features: bool = False,
                 readers: dict[str, StanceModel] | None = None) -> None:
        n_features = dim + len(CUE_NAMES) + (len(QUESTION_CUE_NAMES) if question_features else 0)
        if weights.shape != (len(STANCES), n_features) or bias.shape != (len(STANCES),):
            raise ValueError(f"stance model: weights {weights.shape} / bias {bias.shape} do not fit "
                             f"{len(STANCES)} classes over {n_features} features")
        if mean.shape != (n_features,) or scale.shape != (n_features,):
            raise ValueError("stance model: mean and scale must have one value per feature")
        unknown = set(readers or {}) - set(READINGS)
        if unknown:
            raise ValueError(f"stance model: unknown reading(s) {sorted(unknown)}; use {' or '.join(READINGS)}")
        self.weights, self.bias, self.mean = weights, bias, mean
        self.scale = np.where(scale > 0, scale, 1.0)
        self.dim = dim
        self.question_features = question_features
        self.readers = dict(readers or {})
        self.meta = meta or {}

    def applies_to(self, vec: np.ndarray | None) -> bool:
        """Whether ``vec`` comes from an encoder of the dimension the model was trained on."""
        return vec is not None and np.asarray(vec).size == self.dim

    def _standardised(self, x: np.ndarray, question: str | None) -> np.ndarray:
        z = (x - self.mean[: x.size]) / self.scale[: x.size]
        if self.question_features and question is None:
            z = np.concatenate([z, np.zeros(len(QUESTION_CUE_NAMES))])  # the training mean: no evidence either way
        return z

    def _softmax(self, z: np.ndarray) -> np.ndarray:
        logits = self.weights @ z + self.bias
        e = np.exp(logits - logits.max())
        return np.asarray(e / e.sum())

    def _check(self, vec: np.ndarray) -> None:
        if not self.applies_to(vec):
            raise ValueError(f"stance model expects a {self.dim}-d sentence vector, got {np.asarray(vec).size}")

    def probabilities(self, text: str, vec: np.ndarray, question: str | None = None) -> np.ndarray:
        self._check(vec)
        return self._softmax(self._standardised(features(text, vec, question if self.question_features else None), question))

    def classify(self, text: str, vec: np.ndarray, question: str | None = None) -> Stance:
        """One statement's stance, with no reading's offsets."""
        p = self.probabilities(text, vec, question)
        return Stance(STANCES[int(p.argmax())], {s: round(float(v), 4) for s, v in zip(STANCES, p, strict=True)})

    def offsets(self, reading: str) -> np.ndarray:
        """Log-probability offsets per class for a study reading (zeros when the model has none)."""
        if reading not in READINGS:
            raise ValueError(f"unknown study reading {reading!r}; use {' or '.join(READINGS)}")
        found = (self.meta.get("calibration") or {}).get(reading, {}).get("offsets")
        return np.zeros(len(STANCES)) if found is None else np.asarray(found, dtype=np.float64)

    def reader(self, reading: str) -> StanceModel:
        """The model that reads ``reading``'s text: its own where one was fitted, else this one."""
        if reading not in READINGS:
            raise ValueError(f"unknown study reading {reading!r}; use {' or '.join(READINGS)}")
        return self.readers.get(reading, self)

    def study_probabilities(self, statements: Sequence[tuple[str, np.ndarray]], reading: str = "conclusion",
                            question: str | None = None) -> np.ndarray:
        """Class probabilities of a study's statements read together by the reading's model."""
        if reading not in READINGS:
            raise ValueError(f"unknown study reading {reading!r}; use {' or '.join(READINGS)}")
        if not statements:
            raise ValueError("read_study needs at least one statement")
        model = self.reader(reading)
        for _, vec in statements:
            model._check(vec)
        x = study_features(statements, question if model.question_features else None)
        return model._softmax(model._standardised(x, question))

    def read_study(self, statements: Sequence[tuple[str, np.ndarray]], reading: str = "conclusion",
                   question: str | None = None) -> Stance:
        """The stance of one study from several of its statements, read together.

        :meth:`study_probabilities`, shifted by the reading's calibrated offsets (:meth:`offsets`);
        the probabilities reported are those before the shift.
        """
        p = self.study_probabilities(statements, reading, question)
        chosen = int((np.log(np.maximum(p, 1e-12)) + self.offsets(reading)).argmax())
        return Stance(STANCES[chosen], {s: round(float(v), 4) for s, v in zip(STANCES, p, strict=True)})

    def _linear_json(self) -> dict[str, Any]:
        return {"weights": np.round(self.weights, 6).tolist(), "bias": np.round(self.bias, 6).tolist(),
                "mean": np.round(self.mean, 6).tolist(), "scale": np.round(self.scale, 6).tolist()}

    def to_json(self) -> dict[str, Any]:
        return {
            "classes": list(STANCES), "cues": list(CUE_NAMES), "dim": self.dim,
            "question_cues": list(QUESTION_CUE_NAMES) if self.question_features else [],
            **self._linear_json(),
            "readers": {r: m._linear_json() for r, m in self.readers.items()}, **self.meta,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], where: str = "stance model") -> StanceModel:
        try:
            if list(data["classes"]) != list(STANCES) or list(data["cues"]) != list(CUE_NAMES):
                raise ValueError("its classes or cue features differ from this code's; retrain it")
            question_cues = list(data.get("question_cues") or [])
            if question_cues and question_cues != list(QUESTION_CUE_NAMES):
                raise ValueError("its question features differ from this code's; retrain it")
            dim, with_question = int(data["dim"]), bool(question_cues)

            def linear(part: dict[str, Any], meta: dict[str, Any] | None = None,
                       readers: dict[str, StanceModel] | None = None) -> StanceModel:
                w, b, m, sc = (np.asarray(part[k], dtype=np.float64) for k in _LINEAR_KEYS)
                return cls(w, b, m, sc, dim, meta, question_features=with_question, readers=readers)

            readers = {r: linear(part) for r, part in (data.get("readers") or {}).items()}
            meta = {k: v for k, v in data.items()
                    if k not in ("classes", "cues", "dim", "question_cues", "readers", *_LINEAR_KEYS)}
            return linear(data, meta, readers)
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
