"""The runner with deterministic fake systems: outputs, summary.json shape, baselines, entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curbside.evals.baselines import PlainBaselines
from curbside.evals.runner import run_eval, run_named_set, write_report
from curbside.evals.sets import CorpusRecord, EvalItem
from curbside.index.cache import EmbeddingCache
from tests.conftest import FakeHashEncoder
from tests.evals.fakes import FakeSystem

DOCS = {
    "/c/colchicine.md": "colchicine clarithromycin interaction reduce colchicine dose",
    "/c/tacrolimus.md": "tacrolimus trough monitoring transplant kidney",
    "/c/pdf/warfarin.pdf": "warfarin target between values monitoring bleeding",
}
ITEMS = [
    EvalItem(id="q1", question="colchicine with clarithromycin dose", gold_ids=["colchicine.md"], key_facts=["reduce colchicine dose"]),
    EvalItem(id="q2", question="warfarin monitoring target", gold_ids=["pdf/warfarin.pdf"], label="yes",
             context={"age": 80, "medications": ["warfarin"]}),
    EvalItem(id="q3", question="tacrolimus trough transplant", gold_ids={"colchicine.md": 1}),
    EvalItem(id="q4", question="lecanemab amyloid imaging", expected="abstain"),
]
SUMMARY_KEYS = {"nDCG@10", "R@1", "R@10", "R@100", "MRR@10", "p50_ms", "p95_ms"}


def test_run_eval_metrics_and_files(tmp_path: Path) -> None:
    system = FakeSystem(DOCS)
    run = run_eval(ITEMS, system, set_name="tiny", progress=False)
    # q1 and q2 rank their gold first, q3's gold is not retrieved at all
    assert run.metrics["R@1"] == pytest.approx(2 / 3)
    assert run.metrics["MRR@10"] == pytest.approx(2 / 3)
    assert run.metrics["abstention_precision"] == 1.0 and run.metrics["abstention_recall"] == 1.0
    assert run.metrics["citation_precision"] == pytest.approx(2 / 3)
    assert run.metrics["yesno_accuracy"] == 1.0 and run.metrics["yesno_majority"] == 1.0
    assert system.contexts[1] is not None and system.contexts[1].age == 80  # context reached ask()
    assert run.per_question[0]["retrieved_ids"][0] == "colchicine.md"
    assert run.stamp["settings_hash"] == "fakehash"

    files = write_report(run, tmp_path / "out")
    names = {f.name for f in files}
    assert {"questions.jsonl", "aggregate.json", "summary.json", "summary.md", "recall_at_k.png",
            "latency_hist.png"} <= names
    rows = [json.loads(line) for line in (tmp_path / "out" / "questions.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["q1", "q2", "q3", "q4"]
    assert {"question", "retrieved_ids", "answer", "metrics"} <= set(rows[0])
    agg = json.loads((tmp_path / "out" / "aggregate.json").read_text())
    assert set(agg["stamp"]["versions"]) >= {"curbside", "python", "faiss", "sentence-transformers", "torch"}
    assert agg["stamp"]["machine"]["cpus"] >= 1
    assert (tmp_path / "out" / "recall_at_k.png").read_bytes()[:4] == b"\x89PNG"


def test_summary_json_shape_with_baselines(tmp_path: Path) -> None:
    records = [CorpusRecord(p.rsplit("/", 1)[1] if "pdf" not in p else "pdf/warfarin.pdf", "", t) for p, t in DOCS.items()]
    cache = EmbeddingCache(tmp_path / "emb.sqlite")
    encoder = FakeHashEncoder()
    plain = PlainBaselines(records, encoder, cache)
    assert plain.dense is not None and plain.dense.encoded == 3
    run = run_eval(ITEMS, FakeSystem(DOCS), set_name="tiny", split="dev", baselines=plain, answers=False,
                   progress=False)
    write_report(run, tmp_path / "out")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert set(summary) == {"set", "split", "n_queries", "systems"}
    assert summary["set"] == "tiny" and summary["split"] == "dev" and summary["n_queries"] == 3
    assert list(summary["systems"]) == ["bm25", "dense", "rrf", "curbside"]
    for name, row in summary["systems"].items():
        assert set(row) == SUMMARY_KEYS, name
        assert all(isinstance(v, float) for v in row.values()), name
    assert summary["systems"]["bm25"]["R@1"] == pytest.approx(2 / 3)
    assert (tmp_path / "out" / "systems.png").is_file()
    # a second run over the same records encodes nothing: the vectors come from the shared cache
    again = PlainBaselines(records, FakeHashEncoder(), EmbeddingCache(tmp_path / "emb.sqlite"))
    assert again.dense is not None and again.dense.encoded == 0


def test_rrf_fusion_hand_computed() -> None:
    from curbside.evals.baselines import Ranked, fuse

    fused = fuse(Ranked([0, 1, 2], 1.0), Ranked([2, 0, 3], 2.0), k=10)
    # 0: 1/61 + 1/62, 2: 1/63 + 1/61, 1: 1/62, 3: 1/63
    assert fused.indices == [0, 2, 1, 3]
    assert fused.ms >= 3.0
    assert fuse(Ranked([0, 1, 2], 0.0), Ranked([2, 0, 3], 0.0), k=2).indices == [0, 2]


def _beir_folder(root: Path) -> Path:
    (root / "qrels").mkdir(parents=True)
    docs = [{"_id": "d1", "title": "Colchicine", "text": "colchicine clarithromycin interaction"},
            {"_id": "d2", "title": "Warfarin", "text": "warfarin monitoring bleeding"}]
    (root / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
    qs = [{"_id": "1", "text": "colchicine clarithromycin"}, {"_id": "2", "text": "warfarin bleeding"}]
    (root / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in qs))
    (root / "qrels" / "test.tsv").write_bytes(b"query-id\tcorpus-id\tscore\r\n1\td1\t1\r\n2\td2\t1\r\n")
    return root


class _RecordSystem(FakeSystem):
    """Searches the corpus file the builder was given, with JSONL record paths ``file#id``."""

    def __init__(self, corpus_file: Path) -> None:
        docs = {}
        for line in corpus_file.read_text().splitlines():
            rec = json.loads(line)
            docs[f"{corpus_file}#{rec['id']}"] = f"{rec['title']} {rec['text']}"
        super().__init__(docs)


def test_run_named_set_builds_once_and_gates(tmp_path: Path) -> None:
    folder = _beir_folder(tmp_path / "beir")
    built: list[tuple[list[Path], Path]] = []

    def builder(paths, index_dir):
        built.append((list(paths), Path(index_dir)))
        Path(index_dir).mkdir(parents=True, exist_ok=True)

    def factory(index_dir):
        assert index_dir is not None
        return _RecordSystem(built[-1][0][0])

    common = dict(system_factory=factory, index_builder=builder, work_dir=tmp_path / "work", progress=False,
                  expected_dir=tmp_path / "expected", index_key="k1")
    assert run_named_set(folder, out_dir=tmp_path / "out", update_expected=True, **common) == 0
    expected = json.loads((tmp_path / "expected" / "beir.json").read_text())
    assert expected["metrics"]["R@1"]["value"] == 1.0
    assert run_named_set(folder, gate=True, **common) == 0
    # the same content maps to the same corpus file and index folder, so the builder can reuse it
    assert built[0] == built[1]
    assert built[0][1].name == "index-k1" and tmp_path / "work" in built[0][1].parents
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["n_queries"] == 2
    # a sampled run is not comparable with the unsampled expected scores
    assert run_named_set(folder, gate=True, max_queries=1, **common) == 2
    # a worse system fails the gate
    expected["metrics"]["R@1"]["value"] = 1.5
    (tmp_path / "expected" / "beir.json").write_text(json.dumps(expected))
    assert run_named_set(folder, gate=True, **common) == 1


def test_run_named_set_reports_unusable_sets(tmp_path: Path) -> None:
    rc = run_named_set(tmp_path / "missing.jsonl", system_factory=lambda _: FakeSystem(DOCS), progress=False)
    assert rc == 2
