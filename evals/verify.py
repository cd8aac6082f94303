"""``curbside eval verify``: how well the citation verifier tells supported statements from the rest.

Sets (see :mod:`curbside.evals.verify_suite`): SciFact train claim–abstract pairs (SUPPORT,
CONTRADICT, NOT-ENOUGH-INFO), the perturbation suite generated from ``corpus/*.md``, and the
hand-labelled statements of the LLM composer. The report gives the accept rate of each category, the
AUROC of the support score where both classes are present, and checks the acceptance targets of
issue 17.

Training the support model (one command, a few minutes on 2 cores, writes ``qa/data/verify_model.json``)::

    curbside eval verify --train

SciFact train claims are split in two by a fixed hash of the claim id
(:func:`curbside.evals.verify_suite.scifact_half`). Training fits a logistic regression over the
features of :meth:`CitationVerifier.features` on the ``fit`` half plus the ``tune`` rules of the
perturbation suite (never the ``held`` rules, never the LLM labels), and calibrates the accept
threshold on the ``fit`` half alone (:func:`train`). The ``report`` half is only measured: the
SciFact targets are judged on it, and the report gives both halves.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curbside.evals.sets import REPO_ROOT, bundled_corpus_dir, shared_data_dir
from curbside.evals.verify_suite import (
    KINDS,
    VerifyPair,
    llm_pairs,
    perturbation_suite,
    scifact_pairs,
)
from curbside.ingest.types import Chunk, Document
from curbside.qa.types import Passage
from curbside.qa.verify import FEATURES, CitationVerifier

TARGET_NEI_ACCEPT = 0.20
"""Share of SciFact NOT-ENOUGH-INFO pairs the trained threshold lets through (issue 17 allows 0.25)."""
LLM_LABELS = REPO_ROOT / "evals" / "sets" / "llm_statements_labelled.jsonl"
MODEL_PATH = REPO_ROOT / "qa" / "data" / "verify_model.json"

TARGETS = {
    # (set, kind): (comparison, bound) from issue 17's acceptance
    ("perturbation", "original"): (">=", 0.98),
    ("perturbation", "rewording"): (">=", 0.80),
    **{("perturbation", k): ("<=", 0.05) for k in KINDS},
    ("scifact", "SUPPORT"): (">=", 0.70),
    ("scifact", "CONTRADICT"): ("<=", 0.20),
    ("scifact", "NEI"): ("<=", 0.25),
}


def as_passage(pair: VerifyPair, n: int = 0) -> Passage:
    doc = Document(doc_id=f"v{n}", title=pair.title or "passage", path=pair.source or "pair", source_type="text")
    chunk = Chunk(chunk_id=f"v{n}#0", doc_id=f"v{n}", n=0, text=pair.passage, char_start=0, char_end=len(pair.passage), embed_text=pair.passage)
    return Passage(chunk=chunk, document=doc)


@dataclass
class Row:
    pair: VerifyPair
    accepted: bool
    score: float
    kind: str  # the verifier's verdict kind
    reason: str
    features: dict[str, float]


def load_sets(names: Sequence[str], *, seed: int = 17) -> list[VerifyPair]:
    pairs: list[VerifyPair] = []
    for name in names:
        if name == "perturbation":
            pairs += perturbation_suite(bundled_corpus_dir(), seed=seed)
        elif name == "scifact":
            folder = shared_data_dir() / "beir" / "scifact"
            if not folder.exists():
                raise FileNotFoundError(f"{folder}: SciFact is not there (set CURBSIDE_SHARED_DATA)")
            pairs += scifact_pairs(folder)
        elif name == "llm":
            if LLM_LABELS.exists():
                pairs += llm_pairs(LLM_LABELS)
        else:
            raise ValueError(f"unknown verification set {name!r} (perturbation, scifact, llm)")
    return pairs


def run_pairs(verifier: CitationVerifier, pairs: Sequence[VerifyPair]) -> list[Row]:
    rows = []
    for n, pair in enumerate(pairs):
        passage = as_passage(pair, n)
        support = verifier.check(pair.statement, passage)
        feats = verifier.features(pair.statement, passage)[0] if support.kind != "injection" else {}
        rows.append(Row(pair, support.supported, support.score, support.kind, support.reason, feats))
    return rows


def _auroc(labels: Sequence[bool], scores: Sequence[float]) -> float | None:
    if len(set(labels)) < 2:
        return None
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def summarise(rows: Sequence[Row]) -> dict[str, Any]:
    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    held: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
    for r in rows:
        groups[(r.pair.set, r.pair.kind)].append(r)
        if r.pair.set in ("perturbation", "scifact"):
            held[(r.pair.set, r.pair.kind, r.pair.split)].append(r)
    categories = []
    for (set_name, kind), rs in sorted(groups.items()):
        rate = sum(r.accepted for r in rs) / len(rs)
        target = TARGETS.get((set_name, kind))
        # SciFact is judged on the half the support model never saw
        judged = [r for r in rs if r.pair.split == "report"] if set_name == "scifact" else rs
        judged_rate = sum(r.accepted for r in judged) / len(judged) if judged else rate
        ok = None if target is None else (judged_rate >= target[1] if target[0] == ">=" else judged_rate <= target[1])
        reasons: dict[str, int] = defaultdict(int)
        for r in rs:
            if not r.accepted:
                reasons[r.kind] += 1
        categories.append({
            "set": set_name, "kind": kind, "n": len(rs), "accepted": round(rate, 4),
            "target": f"{target[0]} {target[1]}" if target else None, "meets": ok,
            "rejected_by": dict(sorted(reasons.items(), key=lambda x: -x[1])),
            "by_split": {split: round(sum(r.accepted for r in hs) / len(hs), 4)
                         for (s, k, split), hs in sorted(held.items()) if s == set_name and k == kind},
        })
    auroc = {}
    for set_name in sorted({r.pair.set for r in rows}):
        rs = [r for r in rows if r.pair.set == set_name]
        auroc[set_name] = _auroc([r.pair.supported for r in rs], [r.score for r in rs])
    sci = [r for r in rows if r.pair.set == "scifact" and r.pair.kind in ("SUPPORT", "CONTRADICT")]
    if sci:
        auroc["scifact SUPPORT vs CONTRADICT"] = _auroc([r.pair.kind == "SUPPORT" for r in sci], [r.score for r in sci])
    llm = [r for r in rows if r.pair.set == "llm"]
    agreement = None
    if llm:
        agreement = {
            "n": len(llm),
            "agreement": round(sum(r.accepted == r.pair.supported for r in llm) / len(llm), 4),
            "labelled_supported": sum(r.pair.supported for r in llm),
            "accepted_of_supported": sum(r.accepted for r in llm if r.pair.supported),
            "accepted_of_unsupported": sum(r.accepted for r in llm if not r.pair.supported),
        }
    return {"categories": categories, "auroc": auroc, "llm_agreement": agreement, "pairs": len(rows)}


# --------------------------------------------------------------------------------------------
# training the support model


TARGET_CONTRADICT_FIT = 0.15
"""Share of the fit half's CONTRADICT pairs the calibrated threshold lets through: issue 17 allows
0.20; the margin is for the other half, which the threshold never sees."""
TARGET_NEI_FIT = 0.20
"""Share of the fit half's NOT-ENOUGH-INFO pairs let through (issue 17 allows 0.25)."""
SCIFACT_WEIGHT = 3.0
"""Sample weight of a SciFact pair against a perturbation pair in the fit: the perturbation pairs the
rules pass (about 1,500, nearly all faithful) would otherwise outnumber the claims (about 300)."""


CV_REPEATS = 3
"""Group-shuffled repeats of the out-of-fold scoring the threshold is calibrated on (one 5-fold split
of about 300 claims moves the calibrated CONTRADICT rate by several points)."""


def _fold(group: str, repeat: int, folds: int) -> int:
    """Fold of a claim (all its pairs together) in one repeat: a stable hash, never Python's ``hash()``."""
    return hashlib.sha256(f"{repeat}:{group}".encode()).digest()[0] % folds


def train(verifier: CitationVerifier, pairs: Sequence[VerifyPair], out: Path = MODEL_PATH, *, folds: int = 5) -> dict[str, Any]:
    """Fit the support model on the SciFact ``fit`` half and the ``tune`` perturbation rules; write JSON.

    The model is consulted only when no rule rejects, so it is fitted on the pairs the rules pass.
    Its accept threshold is calibrated on the fit half alone, from 5-fold out-of-fold scores
    (grouped by claim), as the lowest score at which the fit half's CONTRADICT and
    NOT-ENOUGH-INFO pairs pass at no more than :data:`TARGET_CONTRADICT_FIT` and
    :data:`TARGET_NEI_FIT` (pairs a rule rejects count as rejected). The ``report`` half and the
    ``held`` rules are never read here.
    """
    import numpy as np
    import sklearn
    from sklearn.linear_model import LogisticRegression

    candidates = [p for p in pairs if (p.set == "scifact" and p.split == "fit") or (p.set == "perturbation" and p.split == "tune")]
    sci_total: dict[str, int] = defaultdict(int)
    fit_pairs, feature_rows = [], []
    for n, pair in enumerate(candidates):
        if pair.set == "scifact":
            sci_total[pair.kind] += 1
        passage = as_passage(pair, n)
        if verifier.check(pair.statement, passage).kind in ("supported", "weak"):
            fit_pairs.append(pair)
            feature_rows.append(verifier.features(pair.statement, passage)[0])
    if not sci_total:
        raise ValueError("training needs the SciFact fit half (load the 'scifact' set)")
    xa = np.array([[feats[f] for f in FEATURES] for feats in feature_rows], dtype=float)
    ya = np.array([int(p.supported) for p in fit_pairs])
    groups = [p.source.split("#")[0] for p in fit_pairs]
    weights = np.array([SCIFACT_WEIGHT if p.set == "scifact" else 1.0 for p in fit_pairs])
    mean, scale = xa.mean(axis=0), xa.std(axis=0) + 1e-9
    xs = (xa - mean) / scale
    oof = np.zeros(len(ya))
    for repeat in range(CV_REPEATS):  # the mean of a few group shuffles: a steadier threshold than one split
        fold_of = np.array([_fold(g, repeat, folds) for g in groups])
        for k in range(folds):
            tr, te = np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k)
            fold_model = LogisticRegression(C=1.0, max_iter=2000)
            fold_model.fit(xs[tr], ya[tr], sample_weight=weights[tr])
            oof[te] += fold_model.predict_proba(xs[te])[:, 1] / CV_REPEATS
    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit(xs, ya, sample_weight=weights)
    overlap_ok = np.array([feats["overlap"] >= verifier.params.min_overlap for feats in feature_rows])
    sci_rows = [i for i, p in enumerate(fit_pairs) if p.set == "scifact"]

    def fit_rates(t: float) -> dict[str, float]:
        passed: dict[str, int] = defaultdict(int)
        for i in sci_rows:
            passed[fit_pairs[i].kind] += int(oof[i] >= t and overlap_ok[i])
        return {k: passed[k] / n for k, n in sci_total.items()}

    threshold = 1.0
    for t in sorted({float(oof[i]) for i in sci_rows}):
        rates = fit_rates(t)
        if rates.get("CONTRADICT", 0.0) <= TARGET_CONTRADICT_FIT and rates.get("NEI", 0.0) <= TARGET_NEI_FIT:
            threshold = t
            break
    data = {
        "features": list(FEATURES),
        "weights": [round(float(w), 6) for w in model.coef_[0]],
        "bias": round(float(model.intercept_[0]), 6),
        "threshold": round(float(threshold), 6),
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "provenance": {
            "command": "curbside eval verify --train",
            "trained_on": {
                "scifact_fit_pairs": len(sci_rows),
                "perturbation_tune_pairs": len(fit_pairs) - len(sci_rows),
            },
            "scifact": "BEIR SciFact train split, the 'fit' half of its claims (first bit of SHA-256 of the claim id), ../shared/data/beir/scifact",
            "perturbation": "curbside.evals.verify_suite.perturbation_suite(corpus/, seed=17), tune rules only",
            "model": (f"sklearn {sklearn.__version__} LogisticRegression(C=1) on standardised features, SciFact pairs weighted "
                      f"{SCIFACT_WEIGHT:g}, fitted on the pairs no rule rejects"),
            "threshold": (f"lowest out-of-fold score ({folds}-fold by claim, mean of {CV_REPEATS} shuffles) at which the fit half "
                          f"passes CONTRADICT <= {TARGET_CONTRADICT_FIT} and NOT-ENOUGH-INFO <= {TARGET_NEI_FIT}"),
            "fit_half_out_of_fold": {k: round(v, 4) for k, v in sorted(fit_rates(threshold).items())},
            "date": time.strftime("%Y-%m-%d"),
        },
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    curve = [(round(t, 3), {k: round(v, 3) for k, v in fit_rates(t).items()}) for t in np.linspace(0.0, 1.0, 21)]
    return {"threshold": threshold, "model": data, "curve": curve}


def evidence_ceiling(verifier: CitationVerifier, pairs: Sequence[VerifyPair]) -> dict[str, dict[str, float]]:
    """What the rules make of SciFact's annotated evidence sentences (``fit`` half only).

    For each SUPPORT and CONTRADICT pair with evidence: the share where a rule rejects the claim
    against every evidence sentence (what the rules would do with perfect alignment), and the share
    where the verifier's best-aligned sentence is an evidence sentence. A diagnostic, printed with
    ``--train``; nothing is fitted on it.
    """
    from curbside.ingest.chunking import sentence_spans
    from curbside.qa.verify import compare, read

    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for n, pair in enumerate(pairs):
        if pair.set != "scifact" or pair.split != "fit" or not pair.evidence or pair.kind not in ("SUPPORT", "CONTRADICT"):
            continue
        spans = sentence_spans(pair.passage)
        gold = [spans[i] for i in pair.evidence]
        st, whole = read(pair.statement, verifier.table), read(pair.passage, verifier.table)
        c = counts[pair.kind]
        c["n"] += 1
        c["rule_rejects_every_evidence_sentence"] += all(compare(st, read(pair.passage[a:b], verifier.table), whole) is not None for a, b in gold)
        _, aligned, _, _ = verifier.features(pair.statement, as_passage(pair, n))
        a0, b0 = aligned[0][1]
        c["aligned_is_evidence"] += any(a0 < b and a < b0 for a, b in gold)
    return {kind: {"n": c["n"], **{k: round(v / c["n"], 3) for k, v in c.items() if k != "n"}} for kind, c in sorted(counts.items())}


# --------------------------------------------------------------------------------------------
# entry point for the CLI


def default_verifier() -> CitationVerifier:
    from curbside.index.encoder import get_encoder
    from curbside.qa.aliases import AliasTable
    from curbside.qa.sentences import SentenceEmbedder
    from curbside.settings import Settings

    settings = Settings()
    encoder = get_encoder(settings.embedding.model, settings.embedding.device)
    return CitationVerifier(SentenceEmbedder(encoder), AliasTable.bundled())


def run_verify(
    sets: Sequence[str] = ("perturbation", "scifact", "llm"),
    *,
    out: Path | None = None,
    do_train: bool = False,
    verifier: CitationVerifier | None = None,
) -> tuple[dict[str, Any], int]:
    """Run the verification benchmark; returns (report, exit code: 1 when a target is missed)."""
    from curbside.qa.verify import load_model

    verifier = verifier or default_verifier()
    started = time.perf_counter()
    pairs = load_sets(sets)
    if do_train:
        trained = train(verifier, pairs)
        load_model.cache_clear()
        verifier.model = load_model()
    rows = run_pairs(verifier, pairs)
    report = summarise(rows)
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["model"] = json.loads(MODEL_PATH.read_text()).get("provenance") if MODEL_PATH.exists() else "default (untrained)"
    if do_train:
        report["fit_half_curve"] = trained["curve"]
        report["fit_half_evidence"] = evidence_ceiling(verifier, pairs)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "verify.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
        with (out / "verify-rows.jsonl").open("w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps({"set": r.pair.set, "kind": r.pair.kind, "split": r.pair.split, "source": r.pair.source,
                                     "statement": r.pair.statement, "label": r.pair.supported, "accepted": r.accepted,
                                     "score": round(r.score, 4), "verdict": r.kind, "reason": r.reason}) + "\n")
    failed = any(c["meets"] is False for c in report["categories"])
    return report, int(failed)


def render_markdown(report: dict[str, Any]) -> str:
    lines = ["| set | category | n | accepted | target | meets | by split (perturbation: held / tune rules; SciFact: fit / report half) | rejected by |", "|---|---|---|---|---|---|---|---|"]
    for c in report["categories"]:
        split = " / ".join(f"{v:.3f}" for v in c["by_split"].values()) if len(c["by_split"]) > 1 else ""
        rej = ", ".join(f"{k} {v}" for k, v in list(c["rejected_by"].items())[:4])
        meets = "" if c["meets"] is None else ("yes" if c["meets"] else "**no**")
        lines.append(f"| {c['set']} | {c['kind']} | {c['n']} | {c['accepted']:.3f} | {c['target'] or ''} | {meets} | {split} | {rej} |")
    lines.append("")
    lines.append("AUROC of the support score: " + ", ".join(f"{k} {v:.3f}" for k, v in report["auroc"].items() if v is not None))
    return "\n".join(lines)


def print_report(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Verification ({report['pairs']} pairs, {report['seconds']} s)")
    for col in ("set", "category", "n", "accepted", "target", "meets", "held/tune", "rejected by"):
        table.add_column(col)
    for c in report["categories"]:
        split = " / ".join(f"{v:.3f}" for v in c["by_split"].values()) if len(c["by_split"]) > 1 else ""
        rej = ", ".join(f"{k} {v}" for k, v in list(c["rejected_by"].items())[:3])
        meets = "" if c["meets"] is None else ("yes" if c["meets"] else "NO")
        table.add_row(c["set"], c["kind"], str(c["n"]), f"{c['accepted']:.3f}", c["target"] or "", meets, split, rej)
    console = Console()
    console.print(table)
    console.print("AUROC: " + ", ".join(f"{k} {v:.3f}" for k, v in report["auroc"].items() if v is not None))
    if report.get("llm_agreement"):
        console.print(f"LLM statements (hand labels): {report['llm_agreement']}")
    if report.get("fit_half_evidence"):
        console.print(f"SciFact fit half, the rules against the annotated evidence sentences: {report['fit_half_evidence']}")
    if report.get("fit_half_curve"):
        console.print("SciFact fit half, out-of-fold accept rates by threshold: " + "; ".join(f"{t}: {r}" for t, r in report["fit_half_curve"]))


def cli_main(out: Path | None = None, train: bool = False) -> int:
    """``curbside eval verify [--train] [--out DIR]``: print the report; exit 1 when a target is missed."""
    report, code = run_verify(out=out, do_train=train)
    print_report(report)
    return code
