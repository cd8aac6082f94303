"""Train the research-stance model (``qa/stance.py``) on PubMedQA half A, and report both halves.

    python -m curbside.evals.train_stance [--data PATH] [--out qa/data/stance_model.json]

Training examples are half A's conclusions (``LONG_ANSWER``): each whole conclusion and each of its
citable sentences (the unit the composer cites), labelled by the item's ``final_decision`` (yes →
for, no → against, maybe → insufficient). Half B (:func:`~curbside.evals.sets.half_of`, the fixed
hash of the PubMed id) is never used for fitting or for choosing the regularisation, which is picked
by 5-fold cross-validation on half A, folds grouped by item. The scores written beside the weights:
half A cross-validated (the model selection), half A refit (in-sample) and half B (the honest
figure), each as accuracy and macro-F1 of a whole conclusion's stance against the item's label.

Then the study readings (:meth:`~curbside.qa.stance.StanceModel.read_study`) are calibrated: for
each half-A item, the mean class probabilities over its conclusion sentences (``conclusion``) and
over its result sentences (``results``: the CONTEXTS paragraphs labelled RESULTS, else the last
paragraph, as the reasoning-required setting leaves them), each from the fold model that did not see
the item; per reading, the class offsets of :data:`OFFSET_GRID` with the best macro-F1 there among
those that keep the uncalibrated accuracy (ties: the smallest offsets) are written beside the
weights, with the readings' scores on half A (cross-fitted) and half B (the final model, never tuned on).

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
    READINGS,
    STANCE_OF_LABEL,
    STANCES,
    StanceModel,
    features,
)

C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
"""Inverse L2 strengths tried (see :func:`_fit` for what they shrink), chosen by CV on half A."""
FOLDS = 5
OFFSET_GRID = tuple((round(no, 2), round(maybe, 2)) for no in np.arange(-0.6, 0.61, 0.1) for maybe in np.arange(0.0, 1.61, 0.1))
"""Log-probability offsets (against, insufficient) tried for a study reading, "for" held at 0: wide
enough to let the rare *maybe* class be called, small beside the spread of the model's logits."""
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "qa" / "data" / "stance_model.json"


def read_items(path: Path) -> list[dict[str, Any]]:
    """PubMedQA PQA-L items with a conclusion: id, half, label, conclusion and its sentences."""
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
        sentences = [conclusion[a:b] for a, b in citable_sentences(conclusion)]
        paragraphs = [(str(c), str(lab)) for c, lab in zip(entry.get("CONTEXTS") or [], entry.get("LABELS") or [], strict=False)]
        results = [c for c, lab in paragraphs if "RESULT" in lab.upper()] or [c for c, _ in paragraphs[-1:]]
        result_sentences = [r[a:b] for r in results for a, b in citable_sentences(r)]
        items.append({"id": str(pmid), "half": half_of(str(pmid)), "label": label, "conclusion": conclusion,
                      "sentences": sentences, "results": result_sentences or sentences})
    return items


def _examples(items: Sequence[dict[str, Any]]) -> tuple[list[str], list[int], list[int]]:
    """(texts, class index, item index): the whole conclusion, then each of its sentences."""
    texts, ys, groups = [], [], []
    for n, item in enumerate(items):
        for text in dict.fromkeys([item["conclusion"], *item["sentences"]]):
            texts.append(text)
            ys.append(STANCES.index(STANCE_OF_LABEL[item["label"]]))
            groups.append(n)
    return texts, ys, groups


def _fit(x: np.ndarray, y: np.ndarray, c: float) -> tuple[Any, np.ndarray, np.ndarray]:
    """Logistic regression with the cue features standardised and the unit sentence vector as it is.

    One L2 penalty then shrinks each of the 384 embedding dimensions (spread about 0.05) far more
    than each cue (spread 1): the few cues carry the polarity, the embedding what kind of finding it is.
    """
    from sklearn.linear_model import LogisticRegression

    cues = slice(x.shape[1] - len(CUE_NAMES), x.shape[1])
    mean, scale = np.zeros(x.shape[1]), np.ones(x.shape[1])
    mean[cues], scale[cues] = x[:, cues].mean(axis=0), x[:, cues].std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    clf = LogisticRegression(C=c, max_iter=5000).fit((x - mean) / scale, list(y))
    return clf, mean, scale


_READ_FROM = {"conclusion": "sentences", "results": "results"}


def _study_probs(model: StanceModel, item: dict[str, Any], reading: str, vecs: dict[str, np.ndarray]) -> np.ndarray:
    """Mean class probabilities over the item's conclusion sentences or its result sentences."""
    texts = item[_READ_FROM[reading]] or [item["conclusion"]]
    return np.asarray(np.mean([model.probabilities(t, vecs[t]) for t in texts], axis=0))


def _labels(probs: Sequence[np.ndarray], offsets: Sequence[float]) -> list[str]:
    """PubMedQA labels of mean probabilities shifted by (against, insufficient) log offsets."""
    shift = np.asarray([0.0, *offsets])
    return [LABEL_OF_STANCE[STANCES[int((np.log(np.maximum(p, 1e-12)) + shift).argmax())]] for p in probs]


def _scores(labels: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    acc, f1 = label_accuracy(list(labels), list(predicted)), macro_f1(list(labels), list(predicted))
    return {"accuracy": None if acc is None else round(acc, 4), "macro_f1": None if f1 is None else round(f1, 4),
            "n": len(labels), "predicted": dict(Counter(predicted))}


def train(data: Path, out: Path, *, encoder: Any = None) -> dict[str, Any]:
    """Fit on half A, choose C by grouped CV on half A, write the model; returns its provenance."""
    from sklearn.model_selection import GroupKFold

    from curbside.index.encoder import get_encoder
    from curbside.settings import PACKAGED_MODEL

    items = read_items(data)
    train_items = [i for i in items if i["half"] == "A"]
    check_items = [i for i in items if i["half"] == "B"]
    missing = sorted(set(STANCE_OF_LABEL) - {i["label"] for i in train_items})
    if missing:
        raise EvalSetError(f"{data}: half A has no item labelled {' or '.join(missing)}; the model needs all three classes")
    encoder = encoder or get_encoder(PACKAGED_MODEL)
    texts, ys, groups = _examples(train_items)
    whole = [i["conclusion"] for i in items]
    to_read = [t for i in items for t in (*i["sentences"], *i["results"])]
    unique = list(dict.fromkeys([*texts, *whole, *to_read]))
    vecs = dict(zip(unique, encoder.encode(unique, batch_size=64), strict=True))
    x = np.stack([features(t, vecs[t]) for t in texts])
    y = np.asarray(ys)
    whole_a = np.stack([features(i["conclusion"], vecs[i["conclusion"]]) for i in train_items])

    cv: dict[float, float] = {}
    folds = list(GroupKFold(n_splits=FOLDS).split(x, y, groups))
    for c in C_GRID:
        predicted: dict[int, str] = {}
        for fit_rows, held_rows in folds:
            clf, mean, scale = _fit(x[fit_rows], y[fit_rows], c)
            held_items = sorted({groups[r] for r in held_rows})
            p = clf.predict((whole_a[held_items] - mean) / scale)
            predicted.update({n: STANCES[int(k)] for n, k in zip(held_items, p, strict=True)})
        cv[c] = float(np.mean([STANCES.index(predicted[n]) == STANCES.index(STANCE_OF_LABEL[i["label"]])
                               for n, i in enumerate(train_items)]))
    best_c = max(C_GRID, key=lambda c: (round(cv[c], 6), -c))  # ties: the stronger shrinkage

    # study readings, cross-fitted on half A with the chosen C: each item read by a fold model that did not see it
    fold_mean_probs: dict[str, dict[int, np.ndarray]] = {r: {} for r in READINGS}
    for fit_rows, held_rows in folds:
        clf, mean, scale = _fit(x[fit_rows], y[fit_rows], best_c)
        fold_model = StanceModel(np.asarray(clf.coef_), np.asarray(clf.intercept_), mean, scale, dim=int(encoder.dim))
        for n in sorted({groups[r] for r in held_rows}):
            for reading in READINGS:
                fold_mean_probs[reading][n] = _study_probs(fold_model, train_items[n], reading, vecs)
    labels_a = [i["label"] for i in train_items]
    calibration: dict[str, Any] = {}
    for reading in READINGS:
        probs = [fold_mean_probs[reading][n] for n in range(len(train_items))]

        floor = _scores(labels_a, _labels(probs, (0.0, 0.0)))["accuracy"] or 0.0

        def objective(offsets: tuple[float, float], probs: list[np.ndarray] = probs, floor: float = floor) -> tuple[bool, float, float]:
            s = _scores(labels_a, _labels(probs, offsets))
            return ((s["accuracy"] or 0.0) >= floor, round(s["macro_f1"] or 0.0, 6), -abs(offsets[0]) - abs(offsets[1]))

        best = max(OFFSET_GRID, key=objective)
        calibration[reading] = {
            "offsets": [0.0, *best],
            "A_cv_uncalibrated": _scores(labels_a, _labels(probs, (0.0, 0.0))),
            "A_cv": _scores(labels_a, _labels(probs, best)),
        }

    clf, mean, scale = _fit(x, y, best_c)
    model = StanceModel(np.asarray(clf.coef_), np.asarray(clf.intercept_), mean, scale, dim=int(encoder.dim),
                        meta={"calibration": calibration})
    for reading in READINGS:
        calibration[reading]["B_check"] = _scores(
            [i["label"] for i in check_items],
            [model.read_study([(t, vecs[t]) for t in i[_READ_FROM[reading]]], reading).label for i in check_items])

    def read(group: Sequence[dict[str, Any]]) -> dict[str, Any]:
        labels = [i["label"] for i in group]
        predicted = [model.classify(i["conclusion"], vecs[i["conclusion"]]).label for i in group]
        return _scores(labels, predicted)

    import sklearn

    provenance = {
        "trained_by": "python -m curbside.evals.train_stance",
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "embedding_model": getattr(encoder, "model_id", str(PACKAGED_MODEL)),
        "data": {"file": data.name, "sha256": hashlib.sha256(data.read_bytes()).hexdigest(),
                 "trained_on": "half A (first byte of SHA-256 of the PubMed id even); half B unused",
                 "items": len(train_items), "examples": len(texts)},
        "examples": "each half-A conclusion (LONG_ANSWER) whole and sentence by sentence, labelled by final_decision",
        "regularisation": {"C_grid": list(C_GRID), "cv_accuracy": {str(c): round(v, 4) for c, v in cv.items()},
                           "chosen_C": best_c, "folds": f"{FOLDS}-fold grouped by item, half A only"},
        "scores": {"A_cv": {"accuracy": round(cv[best_c], 4)}, "A_in_sample": read(train_items),
                   "B_check": read(check_items)},
        "scores_note": "a whole conclusion's stance vs the item's label; B is the honest figure (never fitted or tuned on)",
        "study_readings": {
            "what": "read_study: mean class probabilities over a study's conclusion sentences (conclusion) or its "
                    "RESULTS-paragraph sentences (results), plus per-reading offsets (for, against, insufficient)",
            "offset_grid": "against -0.6..0.6, insufficient 0..1.6, step 0.1; best macro-F1 keeping the uncalibrated accuracy, half A cross-fitted",
            **calibration,
        },
        "sklearn": sklearn.__version__,
        "features": f"{int(encoder.dim)}-d sentence embedding (as is) + {len(CUE_NAMES)} cue features (standardised)",
    }
    model.meta = {"calibration": {r: {"offsets": calibration[r]["offsets"]} for r in READINGS}, "provenance": provenance}
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
    print(json.dumps(provenance["scores"], indent=1))
    print(json.dumps({r: {k: v for k, v in provenance["study_readings"][r].items()} for r in READINGS}, indent=1))
    print(f"chosen C {provenance['regularisation']['chosen_C']}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
