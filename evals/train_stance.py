"""Train the research-stance model (``qa/stance.py``) on PubMedQA half A, and report both halves.

    python -m curbside.evals.train_stance [--data PATH] [--out qa/data/stance_model.json]

One example per half-A item and reading (:data:`~curbside.qa.stance.READINGS`), labelled by the
item's ``final_decision`` (yes → for, no → against, maybe → insufficient), read as the composer reads
a study (:meth:`~curbside.qa.stance.StanceModel.read_study`, with the item's question):

- ``conclusion``: the citable sentences of its conclusion (``LONG_ANSWER``), read together;
- ``results``: the sentences of its CONTEXTS paragraphs labelled RESULTS (else the last paragraph),
  as the reasoning-required setting leaves them; fitted as a model of its own.

Half B (:func:`~curbside.evals.sets.half_of`, the fixed hash of the PubMed id) is never used for
fitting or for choosing anything. Per reading, the regularisation is picked by 5-fold
cross-validation on half A; then, from the same folds' held-out probabilities, the class offsets of
:data:`OFFSET_GRID` with the best macro-F1 among those that keep the uncalibrated accuracy (ties: the
smallest offsets) are written beside the weights. The scores written: half A cross-validated (the
model selection), half A refit (in-sample) and half B (the honest figure, never tuned on), each as
accuracy and macro-F1 of a study's stance against the item's label.

Needs scikit-learn (the ``dev`` extra) and the packaged encoder; takes about a minute on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from curbside.evals.metrics import label_accuracy, macro_f1
from curbside.evals.sets import EvalSetError, half_of, shared_data_dir
from curbside.ingest.chunking import citable_sentences
from curbside.qa.stance import (
    CUE_NAMES,
    LABEL_OF_STANCE,
    QUESTION_CUE_NAMES,
    READINGS,
    STANCE_OF_LABEL,
    STANCES,
    StanceModel,
    study_features,
)

C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
"""Inverse L2 strengths tried (see :func:`_fit` for what they shrink), chosen by CV on half A."""
FOLDS = 5
OFFSET_GRID = tuple((round(no, 2), round(maybe, 2)) for no in np.arange(-0.6, 0.61, 0.1) for maybe in np.arange(0.0, 1.61, 0.1))
"""Log-probability offsets (against, insufficient) tried for a study reading, "for" held at 0: wide
enough to let the rare *maybe* class be called, small beside the spread of the model's logits."""
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "qa" / "data" / "stance_model.json"


def read_items(path: Path) -> list[dict[str, Any]]:
    """PubMedQA PQA-L items with a conclusion: id, half, label, question, conclusion, its sentences
    and the result sentences."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvalSetError(f"cannot read PubMedQA file {path}: {exc}") from exc
    items = []
    for pmid, entry in data.items():
        label = str(entry.get("final_decision", "")).strip().lower()
        conclusion = str(entry.get("LONG_ANSWER") or "").strip()
        if label not in STANCE_OF_LABEL or not conclusion:
            continue
        sentences = [conclusion[a:b] for a, b in citable_sentences(conclusion)] or [conclusion]
        paragraphs = [(str(c), str(lab)) for c, lab in zip(entry.get("CONTEXTS") or [], entry.get("LABELS") or [], strict=False)]
        results = [c for c, lab in paragraphs if "RESULT" in lab.upper()] or [c for c, _ in paragraphs[-1:]]
        result_sentences = [r[a:b] for r in results for a, b in citable_sentences(r)]
        items.append({"id": str(pmid), "half": half_of(str(pmid)), "label": label,
                      "question": str(entry.get("QUESTION") or ""), "conclusion": conclusion,
                      "sentences": sentences, "results": result_sentences or sentences})
    return items


_READ_FROM = {"conclusion": "sentences", "results": "results"}


def _x(items: Sequence[dict[str, Any]], reading: str, vecs: dict[str, np.ndarray]) -> np.ndarray:
    """Each item's study features for one reading, with its question."""
    return np.stack([study_features([(t, vecs[t]) for t in i[_READ_FROM[reading]]], i["question"]) for i in items])


def _fit(x: np.ndarray, y: np.ndarray, c: float, dim: int) -> StanceModel:
    """Logistic regression with the cue and question features standardised and the sentence vector as it is.

    One L2 penalty then shrinks each of the embedding dimensions (spread about 0.05) far more than
    each cue (spread 1): the few cues carry the polarity, the embedding what kind of finding it is.
    """
    from sklearn.linear_model import LogisticRegression

    mean, scale = np.zeros(x.shape[1]), np.ones(x.shape[1])
    mean[dim:], scale[dim:] = x[:, dim:].mean(axis=0), x[:, dim:].std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    clf = LogisticRegression(C=c, max_iter=5000).fit((x - mean) / scale, list(y))
    return StanceModel(np.asarray(clf.coef_), np.asarray(clf.intercept_), mean, scale, dim=dim, question_features=True)


def _predict(model: StanceModel, x: np.ndarray) -> np.ndarray:
    """Class probabilities of feature rows (already built with their question)."""
    z = (x - model.mean) / model.scale
    logits = z @ model.weights.T + model.bias
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def _labels(probs: Sequence[np.ndarray] | np.ndarray, offsets: Sequence[float]) -> list[str]:
    """PubMedQA labels of class probabilities shifted by (against, insufficient) log offsets."""
    shift = np.asarray([0.0, *offsets])
    return [LABEL_OF_STANCE[STANCES[int((np.log(np.maximum(p, 1e-12)) + shift).argmax())]] for p in probs]


def _scores(labels: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    acc, f1 = label_accuracy(list(labels), list(predicted)), macro_f1(list(labels), list(predicted))
    return {"accuracy": None if acc is None else round(acc, 4), "macro_f1": None if f1 is None else round(f1, 4),
            "n": len(labels), "predicted": dict(Counter(predicted))}


def _fit_reading(train_items: Sequence[dict[str, Any]], check_items: Sequence[dict[str, Any]], reading: str,
                 vecs: dict[str, np.ndarray], dim: int) -> tuple[StanceModel, dict[str, Any]]:
    """One reading's model: C by CV on half A, offsets from the chosen C's held-out probabilities."""
    from sklearn.model_selection import StratifiedKFold

    x, x_b = _x(train_items, reading, vecs), _x(check_items, reading, vecs)
    y = np.asarray([STANCES.index(STANCE_OF_LABEL[i["label"]]) for i in train_items])
    labels_a, labels_b = [i["label"] for i in train_items], [i["label"] for i in check_items]
    folds = list(StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=0).split(x, y))
    held: dict[float, np.ndarray] = {}
    for c in C_GRID:
        probs = np.zeros((len(train_items), len(STANCES)))
        for fit_rows, held_rows in folds:
            probs[held_rows] = _predict(_fit(x[fit_rows], y[fit_rows], c, dim), x[held_rows])
        held[c] = probs
    cv = {c: _scores(labels_a, _labels(p, (0.0, 0.0)))["accuracy"] or 0.0 for c, p in held.items()}
    best_c = max(C_GRID, key=lambda c: (round(cv[c], 6), -c))  # ties: the stronger shrinkage
    probs = held[best_c]
    floor = cv[best_c]

    def objective(offsets: tuple[float, float]) -> tuple[bool, float, float]:
        s = _scores(labels_a, _labels(probs, offsets))
        return ((s["accuracy"] or 0.0) >= floor, round(s["macro_f1"] or 0.0, 6), -abs(offsets[0]) - abs(offsets[1]))

    best = max(OFFSET_GRID, key=objective)
    model = _fit(x, y, best_c, dim)
    in_sample = _predict(model, x)
    check = _predict(model, x_b) if len(check_items) else np.zeros((0, len(STANCES)))
    report = {
        "offsets": [0.0, *best],
        "regularisation": {"C_grid": list(C_GRID), "cv_accuracy": {str(c): round(v, 4) for c, v in cv.items()},
                           "chosen_C": best_c, "folds": f"{FOLDS}-fold stratified (seed 0), half A only"},
        "A_cv_uncalibrated": _scores(labels_a, _labels(probs, (0.0, 0.0))),
        "A_cv": _scores(labels_a, _labels(probs, best)),
        "A_in_sample": _scores(labels_a, _labels(in_sample, best)),
        "B_check_uncalibrated": _scores(labels_b, _labels(check, (0.0, 0.0))),
        "B_check": _scores(labels_b, _labels(check, best)),
    }
    return model, report


def train(data: Path, out: Path, *, encoder: Any = None) -> dict[str, Any]:
    """Fit each reading on half A, choose C and offsets on half A, write the model; returns its provenance."""
    from curbside.index.encoder import get_encoder
    from curbside.settings import PACKAGED_MODEL

    items = read_items(data)
    train_items = [i for i in items if i["half"] == "A"]
    check_items = [i for i in items if i["half"] == "B"]
    missing = sorted(set(STANCE_OF_LABEL) - {i["label"] for i in train_items})
    if missing:
        raise EvalSetError(f"{data}: half A has no item labelled {' or '.join(missing)}; the model needs all three classes")
    encoder = encoder or get_encoder(PACKAGED_MODEL)
    dim = int(encoder.dim)
    unique = list(dict.fromkeys(t for i in items for t in (*i["sentences"], *i["results"])))
    vecs = dict(zip(unique, encoder.encode(unique, batch_size=64), strict=True))

    models: dict[str, StanceModel] = {}
    readings: dict[str, Any] = {}
    for reading in READINGS:
        models[reading], readings[reading] = _fit_reading(train_items, check_items, reading, vecs, dim)
    model = models["conclusion"]
    model.readers = {r: m for r, m in models.items() if r != "conclusion"}

    import sklearn

    conclusion = readings["conclusion"]
    provenance = {
        "trained_by": "python -m curbside.evals.train_stance",
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "embedding_model": getattr(encoder, "model_id", str(PACKAGED_MODEL)),
        "data": {"file": data.name, "sha256": hashlib.sha256(data.read_bytes()).hexdigest(),
                 "trained_on": "half A (first byte of SHA-256 of the PubMed id even); half B unused",
                 "items": len(train_items), "examples": {r: len(train_items) for r in READINGS}},
        "examples": "one per half-A item and reading, with its QUESTION: its conclusion (LONG_ANSWER) sentences, or its "
                    "RESULTS-paragraph sentences, read together; labelled by final_decision",
        "regularisation": conclusion["regularisation"],
        "scores": {"A_cv": conclusion["A_cv_uncalibrated"], "A_in_sample": conclusion["A_in_sample"],
                   "B_check": conclusion["B_check_uncalibrated"]},
        "scores_note": "a study's stance vs the item's label, conclusion reading; B is the honest figure (never fitted or tuned on)",
        "study_readings": {
            "what": "read_study: the study's conclusion sentences (conclusion) or its RESULTS-paragraph sentences "
                    "(results), each read together by that reading's own weights, plus per-reading offsets "
                    "(for, against, insufficient)",
            "offset_grid": "against -0.6..0.6, insufficient 0..1.6, step 0.1; best macro-F1 keeping the uncalibrated accuracy, half A cross-fitted",
            **readings,
        },
        "sklearn": sklearn.__version__,
        "features": f"mean {dim}-d sentence embedding (as is) + {len(CUE_NAMES)} cue features + "
                    f"{len(QUESTION_CUE_NAMES)} question-relation features (standardised)",
    }
    model.meta = {"calibration": {r: {"offsets": readings[r]["offsets"]} for r in READINGS}, "provenance": provenance}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(model.to_json(), indent=1) + "\n", encoding="utf-8")
    return provenance


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="PubMedQA PQA-L JSON (default: ../shared/data/pubmedqa/pqal_dev.json)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the model JSON")
    args = parser.parse_args(argv)
    data = args.data or shared_data_dir() / "pubmedqa" / "pqal_dev.json"
    try:
        provenance = train(data, args.out)
    except EvalSetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({r: {k: v for k, v in provenance["study_readings"][r].items() if k != "regularisation"} for r in READINGS}, indent=1))
    chosen = {r: provenance["study_readings"][r]["regularisation"]["chosen_C"] for r in READINGS}
    print(f"chosen C {chosen}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
