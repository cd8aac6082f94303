"""Train the intent model (``qa/intent_model.py``) used with the frame's rules, and report its scores.

    python -m curbside.evals.train_intent [--out qa/data/intent_model.json]

Training questions, each labelled with the intent and asked attribute of the convention in
``evals/sets/README.md``:

- ``evals/sets/intent_train.jsonl``: questions written for this model (all of them);
- half A (:func:`~curbside.evals.sets.half_of`) of ``clinician.jsonl``, ``clinician2.jsonl`` and ``clinician3.jsonl``,
  each question on its own (follow-ups, whose intent comes from the earlier turns, are left out).

Half B of either set is never read. Each question is read by the frame's rules with the model
switched off (:func:`curbside.qa.frame.intent_reviser_in_use`), over the bundled alias table, and
its features are those :func:`curbside.qa.intent_model.intent_features` gives it. By 10-fold
cross-validation over all training questions, the regularisation (:data:`C_GRID`) and the two
thresholds (:data:`THRESHOLD_GRID`: where the rules read the question, and where they fell through
to a default; :data:`curbside.qa.intent_model.READINGS`) are chosen for the accuracy of the
frame's intent with the model in use, averaged over the sources (each set's half A and the written
questions count alike, so the many written questions do not outvote the sets' own wordings), ties
going to the higher thresholds (the rules keep what
they decide unless the model is surer). The model is then refitted on all of them and written with
its provenance (files and their SHA-256, counts, choices, and the cross-validated accuracy of the
rules alone and with the model, per source).

Needs scikit-learn (the ``dev`` extra); takes about five minutes on 2 shared cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from curbside.evals.sets import SETS_DIR, half_of, read_items
from curbside.qa.aliases import AliasTable
from curbside.qa.frame import intent_reviser_in_use
from curbside.qa.intent_model import FORMAT, MODEL_FILE, READINGS, RuleReading
from curbside.qa.query import analyse

WRITTEN = SETS_DIR / "intent_train.jsonl"
EVAL_SETS = ("clinician", "clinician2", "clinician3")
C_GRID = (3.0, 10.0, 30.0)
"""Inverse L2 strengths tried: the features are many and sparse, the questions few."""
THRESHOLD_GRID = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)
"""Model probabilities tried as the bar for replacing the rules' intent (1.01: never)."""
FOLDS = 10
MIN_COUNT = 2
"""A feature must occur in this many training questions to be kept (keeps the file small and
drops what one question alone would teach)."""
DIGITS = 4


@dataclass
class Example:
    source: str
    question: str
    intent: str
    attribute: str
    feats: dict[str, float]
    rules: RuleReading


def _read_written(path: Path) -> list[tuple[str, str, str]]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            row = json.loads(line)
            out.append((str(row["question"]), str(row["intent"]), str(row["asked_attribute"])))
        except (ValueError, KeyError) as exc:
            raise SystemExit(f"{path}:{n}: not a training question ({exc})") from exc
    return out


def _questions() -> tuple[list[tuple[str, str, str, str]], dict[str, str]]:
    """(source, question, intent, attribute) of every training question, and each file's SHA-256."""
    from curbside.qa.types import ATTRIBUTES, INTENTS

    rows: list[tuple[str, str, str, str]] = []
    hashes = {WRITTEN.name: hashlib.sha256(WRITTEN.read_bytes()).hexdigest()}
    for q, intent, attribute in _read_written(WRITTEN):
        if intent not in INTENTS or attribute not in ATTRIBUTES:
            raise SystemExit(f"{WRITTEN}: {q!r} has intent {intent!r} / attribute {attribute!r} outside the closed lists")
        rows.append(("written", q, intent, attribute))
    for name in EVAL_SETS:
        path = SETS_DIR / f"{name}.jsonl"
        if not path.is_file():
            continue
        hashes[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
        for item in read_items(path):
            if item.frame is None or item.history or half_of(item.id) != "A":
                continue
            rows.append((f"{name}-A", item.question, item.frame.intent, item.frame.asked_attribute))
    return rows, hashes


def read_examples() -> tuple[list[Example], dict[str, str]]:
    rows, hashes = _questions()
    table = AliasTable.bundled()
    seen: list[tuple[Mapping[str, float], RuleReading]] = []

    def record(feats: Mapping[str, float], rules: RuleReading) -> None:
        seen.append((dict(feats), rules))
        return None

    out = []
    for source, q, intent, attribute in rows:
        seen.clear()
        with intent_reviser_in_use(record):
            analyse(q, table)
        feats, rules = seen[-1]
        out.append(Example(source, q, intent, attribute, dict(feats), rules))
    return out, hashes


def _vectorise(examples: Sequence[Example], vocab: Mapping[str, int] | None = None) -> tuple[Any, dict[str, int]]:
    from scipy.sparse import csr_matrix

    if vocab is None:
        counts: dict[str, int] = {}
        for ex in examples:
            for k in ex.feats:
                counts[k] = counts.get(k, 0) + 1
        vocab = {k: i for i, k in enumerate(sorted(k for k, c in counts.items() if c >= MIN_COUNT))}
    rows, cols, vals = [], [], []
    for r, ex in enumerate(examples):
        for k, v in ex.feats.items():
            j = vocab.get(k)
            if j is not None:
                rows.append(r)
                cols.append(j)
                vals.append(v)
    return csr_matrix((vals, (rows, cols)), shape=(len(examples), len(vocab))), dict(vocab)


def _fit(examples: Sequence[Example], labels: Sequence[str], c: float) -> tuple[Any, dict[str, int]]:
    from sklearn.linear_model import LogisticRegression

    x, vocab = _vectorise(examples)
    model = LogisticRegression(C=c, max_iter=5000)
    model.fit(x, list(labels))
    return model, vocab


def _final(pred: str, p: float, rules: RuleReading, t_ask: float, t_default: float) -> str:
    threshold = t_ask if rules.how in READINGS else t_default
    return pred if p >= threshold else rules.intent


def cross_validate(examples: Sequence[Example]) -> dict[str, Any]:
    from sklearn.model_selection import KFold

    best: dict[str, Any] = {}
    idx = np.arange(len(examples))
    for c in C_GRID:
        preds: list[tuple[str, float]] = [("", 0.0)] * len(examples)
        for train, test in KFold(FOLDS, shuffle=True, random_state=0).split(idx):
            model, vocab = _fit([examples[i] for i in train], [examples[i].intent for i in train], c)
            x, _ = _vectorise([examples[i] for i in test], vocab)
            probs = model.predict_proba(x)
            for row, i in enumerate(test):
                k = int(probs[row].argmax())
                preds[i] = (str(model.classes_[k]), float(probs[row][k]))
        for t_ask in THRESHOLD_GRID:
            for t_default in THRESHOLD_GRID:
                hits = [_final(p, pr, ex.rules, t_ask, t_default) == ex.intent for (p, pr), ex in zip(preds, examples, strict=True)]
                sources = sorted({ex.source for ex in examples})
                # each source counts alike: the many written questions must not outvote the sets' own wordings
                acc = float(np.mean([np.mean([h for h, ex in zip(hits, examples, strict=True) if ex.source == s]) for s in sources]))
                key = (acc, t_ask, t_default)
                if not best or key > best["key"]:
                    by_source = {}
                    for source in sorted({ex.source for ex in examples}):
                        mine = [h for h, ex in zip(hits, examples, strict=True) if ex.source == source]
                        rules = [ex.rules.intent == ex.intent for ex in examples if ex.source == source]
                        by_source[source] = {"n": len(mine), "rules": round(float(np.mean(rules)), 3), "with_model": round(float(np.mean(mine)), 3)}
                    best = {"key": key, "C": c, "threshold_ask": t_ask, "threshold_default": t_default, "macro_accuracy": round(acc, 4), "by_source": by_source}
    best.pop("key")
    return best


def _head(model: Any, vocab: Mapping[str, int]) -> dict[str, Any]:
    coef = np.asarray(model.coef_)
    classes = [str(c) for c in model.classes_]
    if len(classes) == 2:  # binary: sklearn keeps one row; write it as two (softmax of ±z/2 is the same)
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        bias = [-float(model.intercept_[0]) / 2, float(model.intercept_[0]) / 2]
    else:
        bias = [float(b) for b in model.intercept_]
    weights = {k: [round(float(w), DIGITS) for w in coef[:, j]] for k, j in vocab.items() if np.any(np.abs(coef[:, j]) >= 10 ** -DIGITS)}
    return {"classes": classes, "bias": [round(b, DIGITS) for b in bias], "weights": weights}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args(argv)
    examples, hashes = read_examples()
    chosen = cross_validate(examples)
    intent_model, vocab = _fit(examples, [ex.intent for ex in examples], chosen["C"])
    attribute_model, attr_vocab = _fit(examples, [ex.attribute for ex in examples], chosen["C"])
    pairs: dict[str, set[str]] = {}
    for ex in examples:
        pairs.setdefault(ex.intent, set()).add(ex.attribute)
    counts: dict[str, int] = {}
    for ex in examples:
        counts[ex.source] = counts.get(ex.source, 0) + 1
    data = {
        "format": FORMAT,
        "intent": _head(intent_model, vocab),
        "attribute": _head(attribute_model, attr_vocab),
        "thresholds": {"ask": chosen["threshold_ask"], "default": chosen["threshold_default"]},
        "pairs": {k: sorted(v) for k, v in sorted(pairs.items())},
        "provenance": {
            "command": "python -m curbside.evals.train_intent",
            "trained": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
            "files": hashes,
            "halves": "written questions (all); clinician, clinician2 and clinician3 half A only, follow-ups left out; half B never read",
            "examples": counts,
            "min_count": MIN_COUNT,
            "cross_validation": {"folds": FOLDS, "C_grid": list(C_GRID), "threshold_grid": list(THRESHOLD_GRID), **chosen},
        },
    }
    args.out.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(json.dumps(data["provenance"]["cross_validation"], indent=1))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB, {len(data['intent']['weights'])} features)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
