"""A learned reading of a question's intent, used with the rules of :mod:`curbside.qa.frame`.

The rules read the ask from cue words tried from the most specific to the most general; they were
written against one set of wordings and fall through to structural defaults ("a drug named with a
condition asks whether it is indicated") when no cue matches. This module holds a multinomial
logistic regression over the question's words that reads the intent (and the asked attribute)
the way the labelled questions it was fitted on are read, and :func:`revise` lets it replace the
rules' intent only where its probability is high enough: one threshold where the rules read the
question itself (an ask cue, or what the question says of the patient: a group it asks about, a
condition or risk group the drug would be given in, a medicine the patient takes), another (lower)
where they fell through to a default that reads nothing of the kind (a drug named for a condition,
a bare name after the story, nothing asked at all). Both thresholds were chosen by
cross-validation on the training questions (see ``evals/train_intent.py``).

Features (:func:`intent_features`), all general properties of a wording, never of a document:

- word unigrams and bigrams of the question, with every drug, drug class, vaccine and procedure
  the alias table found replaced by one token (``DRUG`` / ``PROC``) and numbers by ``NUM``, so that
  what is learnt is how an ask is phrased, not which drug it names;
- the same for the asking clause alone (the last sentence or dash-separated clause), and its first
  two words;
- character 3-5-grams of the words (morphology: "dosing", "dosed", "titrate", "uptitrate");
- what the rules read: their intent and attribute, whether an ask cue or a default decided, whether
  the patient takes a medicine, whether an intervention was found, how many substances are named,
  the population, and whether the question is yes/no-shaped.

The weights live in ``qa/data/intent_model.json``, written by one command::

    python -m curbside.evals.train_intent

which records its provenance (training files and their hashes, halves used, sizes, the
regularisation and thresholds chosen by cross-validation, and the cross-validated scores) in the
file. Without the file the rules decide alone. Scoring is a sparse dot product: well under a
millisecond per question.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import numpy as np

MODEL_FILE = Path(__file__).resolve().parent / "data" / "intent_model.json"
FORMAT = "curbside-intent-model/1"

Span = tuple[int, int, str]  # (start, end, placeholder token)

_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+(?:\.\d+)?|\?|DRUG|PROC")
_CLAUSE_BREAK = re.compile(r"[.!?;]\s+|\s+[—–-]+\s+|:\s+")
CHAR_WEIGHT = 0.3
"""Weight of one character n-gram against one word: a word yields about a dozen n-grams, so
without damping they would outweigh the words they come from."""
CHAR_MIN_WORD = 4
"""Words shorter than this ("on", "is", "dose"'s neighbours) add no character n-grams."""


def _masked(question: str, spans: Sequence[Span]) -> str:
    out: list[str] = []
    last = 0
    for start, end, token in sorted(spans):
        if start < last:
            continue
        out.append(question[last:start].lower())
        out.append(f" {token} ")
        last = end
    out.append(question[last:].lower())
    return "".join(out)


def _tokens(text: str) -> list[str]:
    return ["NUM" if t[0].isdigit() else t for t in _TOKEN.findall(text)]


def _ask_clause(text: str) -> str:
    stripped = text.rstrip()
    cut = 0
    for m in _CLAUSE_BREAK.finditer(stripped):
        if m.end() < len(stripped):
            cut = m.end()
    return text[cut:]


READINGS = frozenset({"ask", "population", "background", "patient"})
"""How the rules decided when they read the question itself rather than falling through to a
default: an ask cue, a group the question asks about ("in pregnancy?"), a drug given in a patient
with another condition or a risk group ("Prednisone for a flare in a diabetic?", "X in CKD 4?": the
convention's safety), a drug for a patient on another ("Y in a patient on X?"). The model needs
the higher bar to replace these."""


@dataclass(frozen=True)
class RuleReading:
    """What the rules read of the question (the model's view of them)."""

    intent: str
    attribute: str
    classified: str
    """The intent the ask cues gave, before the frame's later readings (options, a class to choose)."""
    how: str
    """``ask`` when an ask cue decided, else the name of the default the rules fell through to."""
    current: bool
    intervention: bool
    substances: int
    population: tuple[str, ...]
    yes_no: bool


def intent_features(question: str, spans: Sequence[Span], rules: RuleReading) -> dict[str, float]:
    """The sparse features of one question (see the module docstring)."""
    text = _masked(question, spans)
    toks = _tokens(text)
    feats: dict[str, float] = {}

    def add(key: str, value: float = 1.0) -> None:
        feats[key] = feats.get(key, 0.0) + value

    for t in toks:
        add("w:" + t)
    for a, b in pairwise(toks):
        add("b:" + a + "_" + b)
    clause = _ask_clause(text)
    ask = _tokens(clause)
    for t in ask:
        add("a:" + t)
    for a, b in pairwise(ask):
        add("ab:" + a + "_" + b)
    if ask:
        add("s1:" + ask[0])
    if len(ask) > 1:
        add("s2:" + ask[0] + "_" + ask[1])
    add("story" if clause != text else "nostory")
    for t in toks:
        if t in ("DRUG", "PROC", "NUM") or len(t) < CHAR_MIN_WORD:
            continue
        word = "<" + t + ">"
        for n in (3, 4, 5):
            for i in range(len(word) - n + 1):
                add("c:" + word[i : i + n], CHAR_WEIGHT)
    for key in (
        f"r:i={rules.intent}", f"r:a={rules.attribute}", f"r:ci={rules.classified}", f"r:how={rules.how}",
        f"r:ihow={rules.intent}_{rules.how}", f"x:cur={rules.current}", f"x:iv={rules.intervention}",
        f"x:nsub={min(2, rules.substances)}", f"x:yn={rules.yes_no}", *(f"x:pop={p}" for p in rules.population),
    ):
        add(key)
    return feats


class _Head:
    """One softmax layer over the sparse features: a row of class weights per known feature."""

    def __init__(self, classes: Sequence[str], bias: Sequence[float], weights: Mapping[str, Sequence[float]]) -> None:
        self.classes = list(classes)
        self.bias = np.asarray(bias, dtype=np.float64)
        self.index = {key: i for i, key in enumerate(weights)}
        self.matrix = np.asarray(list(weights.values()), dtype=np.float64).reshape(len(self.index), len(self.classes))

    def probabilities(self, feats: Mapping[str, float]) -> list[float]:
        rows, values = [], []
        for key, value in feats.items():
            i = self.index.get(key)
            if i is not None:
                rows.append(i)
                values.append(value)
        scores = self.bias + (np.asarray(values) @ self.matrix[rows] if rows else 0.0)
        exps = np.exp(scores - scores.max())
        return [float(p) for p in exps / exps.sum()]


@dataclass
class IntentModel:
    """The fitted intent and attribute heads, the thresholds and the intent-attribute pairs seen."""

    intent: _Head
    attribute: _Head
    threshold_ask: float
    """Probability the model needs to replace an intent the rules read (:data:`READINGS`)."""
    threshold_default: float
    """Probability the model needs to replace an intent the rules fell through to."""
    pairs: dict[str, list[str]]
    """Per intent, the attributes the training labels give it."""
    provenance: dict[str, object]

    @classmethod
    def from_json(cls, data: Mapping[str, object], source: str = "") -> IntentModel:
        if data.get("format") != FORMAT:
            raise ValueError(f"{source or 'intent model'}: format {data.get('format')!r} is not {FORMAT!r}")

        def head(name: str) -> _Head:
            h = data[name]
            if not isinstance(h, dict):
                raise ValueError(f"{source or 'intent model'}: field {name!r} is not an object")
            return _Head(h["classes"], h["bias"], h["weights"])

        pairs = data["pairs"]
        thresholds = data["thresholds"]
        if not isinstance(pairs, dict) or not isinstance(thresholds, dict):
            raise ValueError(f"{source or 'intent model'}: fields 'pairs' and 'thresholds' must be objects")
        provenance = data.get("provenance", {})
        return cls(
            intent=head("intent"), attribute=head("attribute"),
            threshold_ask=float(thresholds["ask"]), threshold_default=float(thresholds["default"]),
            pairs={k: list(v) for k, v in pairs.items()},
            provenance=dict(provenance) if isinstance(provenance, dict) else {},
        )

    def predict(self, feats: Mapping[str, float]) -> tuple[str, float]:
        probs = self.intent.probabilities(feats)
        k = max(range(len(probs)), key=probs.__getitem__)
        return self.intent.classes[k], probs[k]

    def revise(self, feats: Mapping[str, float], rules: RuleReading) -> tuple[str, str] | None:
        """(intent, attribute) to use instead of the rules', or None to keep theirs."""
        intent, p = self.predict(feats)
        threshold = self.threshold_ask if rules.how in READINGS else self.threshold_default
        if intent == rules.intent or p < threshold:
            return None
        allowed = self.pairs.get(intent, [])
        if rules.attribute in allowed:
            return intent, rules.attribute
        probs = self.attribute.probabilities(feats)
        ranked = sorted(range(len(probs)), key=lambda k: -probs[k])
        for k in ranked:
            if self.attribute.classes[k] in allowed:
                return intent, self.attribute.classes[k]
        return None


@lru_cache(maxsize=2)
def load_intent_model(path: str | None = None) -> IntentModel | None:
    """The bundled model (or the one at ``path``); None when the file is absent."""
    file = Path(path) if path else MODEL_FILE
    if not file.is_file():
        return None
    return IntentModel.from_json(json.loads(file.read_text(encoding="utf-8")), str(file))
