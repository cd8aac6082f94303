"""Train the research-stance model (``qa/stance.py``) on PubMedQA half A, and report both halves.

    python -m curbside.evals.train_stance [--data PATH] [--out qa/data/stance_model.json]

Training examples are half A's conclusions (``LONG_ANSWER``): each whole conclusion and each of its
citable sentences (the unit the composer cites), labelled by the item's ``final_decision`` (yes →
for, no → against, maybe → insufficient). Half B (:func:`~curbside.evals.sets.half_of`, the fixed
hash of the PubMed id) is never used for fitting or for choosing the regularisation, which is picked
by 5-fold cross-validation on half A, folds grouped by item. The scores written beside the weights:
half A cross-validated (the model selection), half A refit (in-sample) and half B (the honest
figure), each as accuracy and macro-F1 of a whole conclusion's stance against the item's label.

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
from curbside.qa.stance import CUE_NAMES, STANCE_OF_LABEL, STANCES, StanceModel, features

C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
"""Inverse L2 strengths tried (see :func:`_fit` for what they shrink), chosen by CV on half A."""
FOLDS = 5
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
        items.append({"id": str(pmid), "half": half_of(str(pmid)), "label": label, "conclusion": conclusion,
                      "sentences": sentences})
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
    unique = list(dict.fromkeys([*texts, *whole]))
    vecs = dict(zip(unique, encoder.encode(unique, batch_size=64), strict=True))
    x = np.stack([features(t, vecs[t]) for t in texts])
    y = np.asarray(ys)
    whole_a = np.stack([features(i["conclusion"], vecs[i["conclusion"]]) for i in train_items])

    cv: dict[float, float] = {}
    for c in C_GRID:
        predicted: dict[int, str] = {}
        for fit_rows, held_rows in GroupKFold(n_splits=FOLDS).split(x, y, groups):
            clf, mean, scale = _fit(x[fit_rows], y[fit_rows], c)
            held_items = sorted({groups[r] for r in held_rows})
            p = clf.predict((whole_a[held_items] - mean) / scale)
            predicted.update({n: STANCES[int(k)] for n, k in zip(held_items, p, strict=True)})
        cv[c] = float(np.mean([STANCES.index(predicted[n]) == STANCES.index(STANCE_OF_LABEL[i["label"]])
                               for n, i in enumerate(train_items)]))
    best_c = max(C_GRID, key=lambda c: (round(cv[c], 6), -c))  # ties: the stronger shrinkage
    clf, mean, scale = _fit(x, y, best_c)
    model = StanceModel(np.asarray(clf.coef_), np.asarray(clf.intercept_), mean, scale, dim=int(encoder.dim))

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
        "sklearn": sklearn.__version__,
        "features": f"{int(encoder.dim)}-d sentence embedding (as is) + {len(CUE_NAMES)} cue features (standardised)",
    }
    model.meta = {"provenance": provenance}
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
    print(f"chosen C {provenance['regularisation']['chosen_C']}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
