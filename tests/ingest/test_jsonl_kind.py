"""A JSONL record's kind reaches its indexed chunks (record field, then the file's sidecar, then the
folder's manifest), and an eval set's research abstracts are indexed as research.

Regression: PubMedQA abstracts were written as JSONL records without a kind and indexed under the
loader's default ("review"), and a ``corpus.jsonl.meta.yaml`` sidecar was ignored by the JSONL
loader, so the composer's research-conclusion logic never applied to them.
"""

from __future__ import annotations

import json
from pathlib import Path

from curbside.evals.sets import CorpusRecord, read_pubmedqa, write_corpus
from curbside.index.builder import build_index
from curbside.index.reader import Index
from curbside.ingest.loaders import load_file
from tests.fakes import FakeHashEncoder, build_options

TEXT = "Patients given the drug had fewer relapses than those given placebo over two years."


def _write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _kinds_of_chunks(index_dir: Path) -> dict[str, str]:
    """Record id (``file#id``) → the kind of the document every one of its chunks points at."""
    ix = Index.open(index_dir)
    try:
        docs = ix.store.documents()
        chunks = ix.store.chunks_of_documents([d.doc_id for d in docs])
        by_doc = ix.store.document_map({c.doc_id for _, c, _ in chunks})
        assert chunks, "the index holds no chunks"
        out: dict[str, str] = {}
        for _, chunk, _ in chunks:
            doc = by_doc[chunk.doc_id]
            out[doc.path.rsplit("#", 1)[1]] = doc.kind
        return out
    finally:
        ix.close()


def test_record_kind_beats_sidecar_which_beats_manifest(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "manifest.yaml").write_text("defaults:\n  kind: guideline\n  publisher: Folder Body\n")
    path = _write_jsonl(folder / "abstracts.jsonl", [
        {"id": "own", "text": TEXT, "kind": "drug label"},
        {"id": "plain", "text": TEXT + " Second record."},
    ])
    (folder / "abstracts.jsonl.meta.yaml").write_text("kind: research\n")
    result = load_file(path, {"kind": "guideline", "publisher": "Folder Body"})
    kinds = {d.document.path.rsplit("#", 1)[1]: d.document.kind for d in result.documents}
    assert kinds == {"own": "drug-label", "plain": "research"}
    assert {d.document.publisher for d in result.documents} == {"Folder Body"}


def test_record_kind_reaches_the_indexed_chunk(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    _write_jsonl(folder / "a.jsonl", [
        {"id": "r1", "text": TEXT, "kind": "research"},
        {"id": "r2", "text": TEXT + " A second abstract.", "kind": "trial"},
        {"id": "d1", "text": TEXT + " No kind given."},
    ])
    build_index([folder], tmp_path / "index", FakeHashEncoder(), build_options())
    assert _kinds_of_chunks(tmp_path / "index") == {"r1": "research", "r2": "research", "d1": "review"}


def test_sidecar_kind_reaches_the_indexed_chunk_of_a_file_given_alone(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "corpus.jsonl", [{"id": "x", "text": TEXT}])
    (tmp_path / "corpus.jsonl.meta.yaml").write_text("kind: research\n")
    build_index([path], tmp_path / "index", FakeHashEncoder(), build_options())
    assert _kinds_of_chunks(tmp_path / "index") == {"x": "research"}


def test_pubmedqa_abstracts_are_indexed_as_research(tmp_path: Path) -> None:
    data = {
        "111": {"QUESTION": "Does the drug reduce relapses?", "CONTEXTS": [TEXT], "final_decision": "yes",
                "LONG_ANSWER": "The drug reduced relapses.", "YEAR": "2004"},
        "222": {"QUESTION": "Is the scan useful?", "CONTEXTS": [TEXT + " The scan was done."],
                "final_decision": "no", "LONG_ANSWER": "The scan was not useful.", "YEAR": "2010"},
    }
    source = tmp_path / "pqal.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    for setting in ("reasoning-required", "reasoning-free"):
        eval_set = read_pubmedqa(source, setting=setting)
        assert eval_set.records is not None
        corpus, _ = write_corpus(eval_set.records, tmp_path / "work", eval_set.name + setting)
        lines = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
        assert {rec["kind"] for rec in lines} == {"research"}
        build_index([corpus], tmp_path / f"index-{setting}", FakeHashEncoder(), build_options())
        assert _kinds_of_chunks(tmp_path / f"index-{setting}") == {"111": "research", "222": "research"}


def test_a_record_without_kind_is_written_without_one(tmp_path: Path) -> None:
    corpus, _ = write_corpus([CorpusRecord(id="a", title="A", text=TEXT)], tmp_path, "plain")
    assert "kind" not in json.loads(corpus.read_text(encoding="utf-8"))
