"""Learn the bottom line's feature weights from the clinician-style set's tune half.

    python -m curbside.evals.train_bottom_line            # writes qa/data/bottom_line_weights.json
    python -m curbside.evals.train_bottom_line --dry-run  # prints the fit, writes nothing

The extractive composer chooses the bottom line as the highest weighted sum of named features
among the sentences that answer the asked attribute (:class:`curbside.qa.compose.BottomLineWeights`).
This command runs the composer over half A of ``evals/sets/clinician.jsonl`` (never half B: that
half is what the eval reports as the check), records every candidate sentence's features, marks as
right the candidates that contain one of the item's ``bottom_line_any`` terms and come from a gold
document (the eval's own bottom-line-hit rule, :func:`curbside.evals.metrics.bottom_line_hit`), and
fits the weights by a listwise softmax over every sentence that may lead (``pool="about"``: about
the subject and close to the question, whether or not the claim tagger found the asked attribute
in it; the ``attribute`` feature carries that): the probability mass the weights put on right candidates,
summed over questions, with an L2 pull toward the hand-set weights so that a feature the data says
little about keeps its hand-set value. The pull's strength is chosen by 5-fold cross-validation over
the tune half's questions. The file records the data, the fit and the cross-validated hit rates
(hand-set vs learned) within the candidate pools.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from curbside.evals.metrics import GoldMatcher, contains_fact
from curbside.evals.sets import read_items, select_half
from curbside.qa.compose import BOTTOM_LINE_WEIGHTS_PATH, BottomLineWeights, ExtractiveComposer

CLINICIAN_SET = Path(__file__).parent / "sets" / "clinician.jsonl"
TUNE_HALF = "A"
PRIOR_STRENGTHS = (0.001, 0.003, 0.01, 0.03, 0.1)
"""Candidate L2 pulls toward the hand-set weights (per question, averaged loss); 5-fold CV picks one."""
FOLDS = 5
STEPS = 800
LEARNING_RATE = 0.05


@dataclasses.dataclass
class Question:
    item_id: str
    features: np.ndarray  # candidates x features
    right: np.ndarray  # bool per candidate
    answering: np.ndarray  # bool per candidate: states the asked attribute (the hand-set pool)


def collect(set_path: Path, half: str = TUNE_HALF) -> tuple[list[Question], dict[str, int]]:
    """Run the composer on one half and keep each answered question's candidate pool: every
    sentence that may lead under ``pool="about"``, marked right or wrong and answering or not."""
    from curbside import Pipeline

    if half != TUNE_HALF:
        raise ValueError(f"the weights are learned on half {TUNE_HALF} only; half {half} is held apart")
    items = [i for i in select_half(read_items(set_path), half) if i.expected == "answer" and i.bottom_line_any]
    names = BottomLineWeights.names()
    captured: dict[str, Any] = {}
    original = ExtractiveComposer._plan

    def spy(self: ExtractiveComposer, frame: Any, analysis: Any, items_: Any, answering: Any, findings: Any, leading: Any = ()) -> Any:
        captured["answering"] = list(answering)
        captured["leading"] = list(leading or answering)
        return original(self, frame, analysis, items_, answering, findings, leading)

    ExtractiveComposer._plan = spy
    counts = {"items": len(items), "answered": 0, "with_right_candidate": 0}
    out: list[Question] = []
    try:
        pipeline = Pipeline()
        composer = pipeline.composer
        if not isinstance(composer, ExtractiveComposer):
            raise TypeError("the bottom-line weights belong to the extractive composer")
        composer.weights = dataclasses.replace(BottomLineWeights(), pool="about")  # features only; the fit sets the weights
        matcher = GoldMatcher({g for i in items for g in i.gold_ids})
        for n, item in enumerate(items, 1):
            captured.clear()
            pipeline.ask(item.question, history=item.history)
            pool = captured.get("leading") or []
            if not pool:
                continue
            counts["answered"] += 1
            answering = {id(c) for c in captured["answering"]}
            right = np.array([
                any(contains_fact(c.sent.text, t) for t in item.bottom_line_any) and matcher.matches(c.passage, item.gold_ids)
                for c in pool
            ])
            counts["with_right_candidate"] += int(right.any())
            out.append(Question(
                item.id,
                np.array([[c.features.get(k, 0.0) for k in names] for c in pool], dtype=float),
                right,
                np.array([id(c) in answering for c in pool]),
            ))
            if n % 25 == 0:
                print(f"  {n}/{len(items)} questions", file=sys.stderr)
        pipeline.close()
    finally:
        ExtractiveComposer._plan = original
    return out, counts


def _learnable(qs: list[Question]) -> list[Question]:
    """Questions that say something about the weights: a right and a wrong candidate."""
    return [q for q in qs if q.right.any() and not q.right.all()]


def _loss_grad(w: np.ndarray, qs: list[Question], prior: np.ndarray, strength: float) -> tuple[float, np.ndarray]:
    loss, grad = 0.0, np.zeros_like(w)
    for q in qs:
        s = q.features @ w
        s = s - s.max()
        p = np.exp(s)
        p /= p.sum()
        mass = p[q.right].sum()
        loss -= np.log(mass + 1e-12)
        # d(-log sum_right p)/dw = E_p[f] - E_{p | right}[f]
        pr = np.where(q.right, p, 0.0) / (mass + 1e-12)
        grad += p @ q.features - pr @ q.features
    n = max(len(qs), 1)
    diff = w - prior
    return loss / n + strength * float(diff @ diff), grad / n + 2 * strength * diff


def fit(qs: list[Question], prior: np.ndarray, strength: float) -> np.ndarray:
    """Gradient descent (Adam) on the listwise loss from the hand-set weights."""
    w = prior.copy()
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t in range(1, STEPS + 1):
        _, g = _loss_grad(w, qs, prior, strength)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= LEARNING_RATE * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return w


def top_right(w: np.ndarray, q: Question, *, answering_only: bool = False) -> bool:
    """Whether the top-scored candidate is right (over the answering ones only, if asked)."""
    scores = q.features @ w
    if answering_only:
        if not q.answering.any():
            return False
        scores = np.where(q.answering, scores, -np.inf)
    return bool(q.right[int(np.argmax(scores))])


def _fold(item_id: str) -> int:
    return int(hashlib.sha256(item_id.encode()).hexdigest(), 16) % FOLDS


def cross_validate(qs: list[Question], prior: np.ndarray) -> dict[float, dict[str, float]]:
    """Per pull strength, the share of answered tune-half questions whose bottom line is right on
    held-out folds: hand-set weights over the answering sentences (today's rule) against learned
    weights over every sentence that may lead."""
    out: dict[float, dict[str, float]] = {}
    hand = float(np.mean([top_right(prior, q, answering_only=True) for q in qs]))
    for strength in PRIOR_STRENGTHS:
        learned: list[bool] = []
        for k in range(FOLDS):
            train = _learnable([q for q in qs if _fold(q.item_id) != k])
            test = [q for q in qs if _fold(q.item_id) == k]
            w = fit(train, prior, strength)
            learned.extend(top_right(w, q) for q in test)
        out[strength] = {"hand_set": hand, "learned": float(np.mean(learned))}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", type=Path, default=CLINICIAN_SET, help="eval-item JSONL (default: the clinician-style set)")
    ap.add_argument("--out", type=Path, default=BOTTOM_LINE_WEIGHTS_PATH)
    ap.add_argument("--dry-run", action="store_true", help="print the fit; write nothing")
    args = ap.parse_args(argv)
    started = time.time()
    names = BottomLineWeights.names()
    prior = np.array([getattr(BottomLineWeights(), k) for k in names], dtype=float)
    print(f"collecting candidate pools on half {TUNE_HALF} of {args.set} ...", file=sys.stderr)
    qs, counts = collect(args.set)
    if len(_learnable(qs)) < 2 * FOLDS:
        print(f"only {len(_learnable(qs))} questions with a right and a wrong candidate: too few to learn from", file=sys.stderr)
        return 1
    cv = cross_validate(qs, prior)
    strength = max(cv, key=lambda s: (cv[s]["learned"], s))  # ties go to the stronger pull
    w = fit(_learnable(qs), prior, strength)
    result = {
        "pool": "about",
        "weights": {k: round(float(x), 4) for k, x in zip(names, w, strict=True)},
        "hand_set": {k: float(x) for k, x in zip(names, prior, strict=True)},
        "provenance": {
            "command": "python -m curbside.evals.train_bottom_line",
            "data": f"{args.set.name}, half {TUNE_HALF} (fixed SHA-256 hash of the item id); half B never read",
            "label": "a candidate is right when it contains a bottom_line_any term and comes from a gold document",
            "counts": {**counts, "questions_fitted": len(_learnable(qs))},
            "prior_strength": strength,
            "trained": time.strftime("%Y-%m-%d"),
            "seconds": round(time.time() - started, 1),
        },
        "cross_validation": {
            "folds": FOLDS,
            "top_candidate_right": {str(s): v for s, v in cv.items()},
            "note": "share of answered tune-half questions whose bottom line is right on held-out folds: "
                    "hand_set = hand-set weights over the sentences stating the asked attribute; "
                    "learned = learned weights over every sentence that may lead",
        },
        "fit_top_candidate_right": {
            "hand_set": float(np.mean([top_right(prior, q, answering_only=True) for q in qs])),
            "learned": float(np.mean([top_right(w, q) for q in qs])),
        },
    }
    print(json.dumps({k: result[k] for k in ("weights", "cross_validation", "fit_top_candidate_right")}, indent=2))
    if cv[strength]["learned"] <= cv[strength]["hand_set"]:
        print("the learned weights do not beat the hand-set ones in cross-validation: nothing written", file=sys.stderr)
        return 0
    if not args.dry_run:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
