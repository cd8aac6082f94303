"""Batch evaluation: eval sets, metrics, the runner, plain baselines and the regression gate.

This layer imports ``curbside.qa``, ``curbside.index`` and ``curbside.ingest`` only; the front door
(``curbside eval``) hands it a system factory and an index builder.

Entry point for the CLI::

    from curbside.evals import run_named_set

    exit_code = run_named_set(
        name_or_path,                # "bundled" | "clinician" | "clinician2" | "clinician3" | "safety" | "clinical-pdfs" | "medquad" |
                                     # "scifact" | "pubmedqa" | path to a BEIR folder, a PubMedQA-shaped
                                     # .json or an eval-item .jsonl
        *,
        system_factory,              # (index_dir: Path | None) -> object with
                                     #   .search(query, *, k=None) -> list[Passage]
                                     #   .ask(question[, context=PatientContext]) -> Answer
                                     # None = the default bundled-corpus index (e.g. Pipeline(None))
        index_builder=None,          # (paths: Sequence[Path], index_dir: Path) -> Any; builds or
                                     # incrementally updates an index (e.g. curbside.ingest with settings)
        out_dir=None,                # write questions.jsonl, aggregate.json, summary.json, summary.md, PNGs
        index_dir=None,              # bundled/.jsonl sets: the index to use (None: the factory's default);
                                     # BEIR/PubMedQA sets: where to build the set's index (None: work dir)
        baselines=False,             # also run bm25, dense, rrf over the same corpus (issue 10)
        split=None,                  # BEIR split; default = the only split present
        max_docs=None,               # keep every gold doc of the sampled queries + random others (seeded)
        max_queries=None,            # sample this many queries (seeded)
        gate=False,                  # compare with evals/expected/<set>.json; exit 1 on regression
        update_expected=False,       # write evals/expected/<set>.json from this run
        progress=True,               # rich progress bar
        answers=None,                # call .ask for answer metrics (default: every set but scifact)
        k=100,                       # retrieval depth for .search and the baselines
        work_dir=None,               # set corpora + indexes (default $CURBSIDE_EVAL_WORK_DIR or
                                     # <user cache>/curbside/evals), never the repository
        index_key="",                # e.g. settings.index_hash(): one index per chunking/model setting
        encoder=None,                # TextEncoder for the dense baseline (default: system.encoder)
        embedding_cache=None,        # path of the shared embeddings.sqlite (settings.embedding_cache_path())
        settings_hash=None,          # stamped on reports (default: taken from the answers)
        expected_dir=None,           # default: evals/expected
        tolerance=0.02,              # default tolerance for --update-expected
        seed=13,
        half=None,                   # "A" (tune) | "B" (check): one half only; sets with frames
                                     # otherwise report (and gate) both halves beside the whole set
        setting=None,                # PubMedQA: "reasoning-required" (default) | "reasoning-free"
        console=None,                # rich Console (default: stderr)
    ) -> int                         # 0 ok, 1 gate regression, 2 unusable set/index/expected file

Eval sets and their JSONL format: :mod:`curbside.evals.sets`. Metric definitions:
:mod:`curbside.evals.metrics`. The gate file format: :mod:`curbside.evals.gate`.

Refreshing the checked-in expected scores after a deliberate change (tolerances set by hand stay)::

    curbside eval bundled --write-expected
    curbside eval clinician --write-expected      # whole set plus A.<metric> / B.<metric>
    curbside eval safety --write-expected
    curbside eval pubmedqa --write-expected
"""

from __future__ import annotations

from curbside.evals.gate import (
    ExpectedScores,
    GateError,
    gate_metrics,
    load_expected,
    write_expected,
)
from curbside.evals.metrics import GoldMatcher, derive_decision, retrieval_metrics
from curbside.evals.runner import (
    EvalRun,
    EvalSystem,
    IndexBuilder,
    SystemFactory,
    run_eval,
    run_named_set,
    write_report,
)
from curbside.evals.sets import (
    EvalItem,
    EvalSet,
    EvalSetError,
    read_beir,
    read_items,
    read_pubmedqa,
    resolve_set,
)

__all__ = [
    "EvalItem",
    "EvalRun",
    "EvalSet",
    "EvalSetError",
    "EvalSystem",
    "ExpectedScores",
    "GateError",
    "GoldMatcher",
    "IndexBuilder",
    "SystemFactory",
    "derive_decision",
    "gate_metrics",
    "load_expected",
    "read_beir",
    "read_items",
    "read_pubmedqa",
    "resolve_set",
    "retrieval_metrics",
    "run_eval",
    "run_named_set",
    "write_expected",
    "write_report",
]
