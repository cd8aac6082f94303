"""``curbside eval verify``: how well the citation verifier tells supported statements from the rest.

Sets (see :mod:`curbside.evals.verify_suite`): SciFact train claim–abstract pairs (SUPPORT,
CONTRADICT, NOT-ENOUGH-INFO), the perturbation suite generated from ``corpus/*.md``, and the
hand-labelled statements of the LLM composer. The report gives the accept rate of each category, the
AUROC of the support score where both classes are present, and checks the acceptance targets of
issue 17.

Training the support model (one command, a few minutes on 2 cores, writes ``qa/data/verify_model.json``)::

    curbside eval verify --train

It fits a logistic regression over the alignment features of :meth:`CitationVerifier.features` on
the SciFact train pairs plus the ``tune`` half of the perturbation suite (never the ``held`` rules,
never the LLM labels), and records 5-fold out-of-fold accept rates for SciFact, grouped by claim, so
the SciFact figures are not read off the data the model was fitted to.
"""

from __future__ import annotations

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
        if r.pair.set == "perturbation":
            held[(r.pair.set, r.pair.kind, r.pair.split)].append(r)
    categories = []
    for (set_name, kind), rs in sorted(groups.items()):
        rate = sum(r.accepted for r in rs) / len(rs)
        target = TARGETS.get((set_name, kind))
        ok = None if target is None else (rate >= target[1] if target[0] == ">=" else rate <= target[1])
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


def train(verifier: CitationVerifier, pairs: Sequence[VerifyPair], out: Path = MODEL_PATH, *, folds: int = 5, seed: int = 17) -> dict[str, Any]:
    """Fit the support model on SciFact train + the tune half of the perturbation suite; write JSON."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    candidates = [p for p in pairs if p.set == "scifact" or (p.set == "perturbation" and p.split == "tune")]
    # the model is consulted only when no rule rejects, so it learns from the pairs the rules pass
    fit_pairs, feature_rows = [], []
    for n, pair in enumerate(candidates):
        passage = as_passage(pair, n)
        if verifier.check(pair.statement, passage).kind in ("supported", "weak"):
            fit_pairs.append(pair)
            feature_rows.append(verifier.features(pair.statement, passage)[0])
    x, y, groups, is_sci = [], [], [], []
    for pair, feats in zip(fit_pairs, feature_rows, strict=True):
        x.append([feats[f] for f in FEATURES])
        y.append(int(pair.supported))
        groups.append(pair.source.split("#")[0])
        is_sci.append(pair.set == "scifact")
    xa, ya = np.array(x, dtype=float), np.array(y)
    mean, scale = xa.mean(axis=0), xa.std(axis=0) + 1e-9
    xs = (xa - mean) / scale
    oof = np.zeros(len(ya))
    for tr, te in GroupKFold(n_splits=folds).split(xs, ya, groups):
        model = LogisticRegression(C=1.0, max_iter=2000)
        model.fit(xs[tr], ya[tr])
        oof[te] = model.predict_proba(xs[te])[:, 1]
    model = LogisticRegression(C=1.0, max_iter=2000)
    model.fit(xs, ya)
    # the decision threshold: NOT-ENOUGH-INFO claims (topic shared, claim not stated) accepted at
    # TARGET_NEI_ACCEPT, read off the out-of-fold scores, so the threshold is not fitted in-sample
    nei_total = sum(1 for p in candidates if p.set == "scifact" and p.kind == "NEI")
    nei_scores = sorted((float(oof[i]) for i, p in enumerate(fit_pairs) if p.set == "scifact" and p.kind == "NEI"), reverse=True)
    allowed = int(TARGET_NEI_ACCEPT * nei_total)
    threshold = nei_scores[allowed] if len(nei_scores) > allowed else 0.5
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
                "scifact_train_pairs": int(sum(is_sci)),
                "perturbation_tune_pairs": int(len(fit_pairs) - sum(is_sci)),
            },
            "scifact": "BEIR SciFact train split (claims + qrels/train.tsv + evidence labels in metadata), ../shared/data/beir/scifact",
            "perturbation": "curbside.evals.verify_suite.perturbation_suite(corpus/, seed=17), tune rules only",
            "model": "sklearn LogisticRegression(C=1) on standardised features, fitted on the pairs no rule rejects",
            "date": time.strftime("%Y-%m-%d"),
        },
        "oof_scores_note": "5-fold out-of-fold (grouped by claim / corpus sentence) scores, used for the SciFact figures in the report",
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return {"oof": {_key(fit_pairs[i]): float(oof[i]) for i in range(len(fit_pairs))}, "threshold": threshold, "model": data}


def _key(pair: VerifyPair) -> str:
    return f"{pair.set}|{pair.kind}|{pair.source}|{pair.title}|{pair.statement}"


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
    oof: dict[str, float] | None = None
    if do_train:
        trained = train(verifier, pairs)
        load_model.cache_clear()
        verifier.model = load_model()
        oof = trained["oof"]
    rows = run_pairs(verifier, pairs)
    report = summarise(rows)
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["model"] = json.loads(MODEL_PATH.read_text()).get("provenance") if MODEL_PATH.exists() else "default (untrained)"
    if oof is not None:
        cv_rows = []
        threshold = verifier.threshold
        for r in rows:
            if r.pair.set != "scifact":
                continue
            score = oof.get(_key(r.pair))
            if score is None:  # a rule rejected it: rejected whatever the model says
                cv_rows.append(Row(r.pair, False, r.score, r.kind, r.reason, r.features))
                continue
            accepted = score >= threshold and r.features.get("overlap", 0) >= verifier.params.min_overlap
            cv_rows.append(Row(r.pair, accepted, score, r.kind, r.reason, r.features))
        report["scifact_cross_validated"] = summarise(cv_rows)
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
    lines = ["| set | category | n | accepted | target | meets | held / tune rules | rejected by |", "|---|---|---|---|---|---|---|---|"]
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
    cv = report.get("scifact_cross_validated")
    if cv:
        console.print("SciFact, 5-fold out-of-fold: " + ", ".join(f"{c['kind']} {c['accepted']:.3f}" for c in cv["categories"]))


def cli_main(out: Path | None = None, train: bool = False) -> int:
    """``curbside eval verify [--train] [--out DIR]``: print the report; exit 1 when a target is missed."""
    report, code = run_verify(out=out, do_train=train)
    print_report(report)
    return code
