"""Eval-item JSONL, BEIR folders (CRLF and LF), PubMedQA, named sets and corpus files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curbside.evals.sets import (
    CorpusRecord,
    EvalSetError,
    parse_items,
    read_beir,
    read_items,
    read_pubmedqa,
    resolve_set,
    write_corpus,
)

GOOD = {"id": "a", "question": "What is colchicine?", "gold_ids": ["colchicine.md"], "key_facts": ["gout"]}


def test_item_reader_reports_bad_lines_by_number(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    lines = [
        json.dumps(GOOD),
        "",
        "{not json",
        json.dumps({**GOOD, "id": "b", "expected": "sometimes"}),
        json.dumps({**GOOD, "id": "a"}),
        json.dumps({**GOOD, "id": "c", "context": {"favourite_colour": "red"}}),
        json.dumps({**GOOD, "id": "d"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(EvalSetError) as err:
        read_items(path)
    msg = str(err.value)
    assert "4 bad line(s)" in msg
    assert f"{path}:3: invalid JSON" in msg
    assert f"{path}:4: expected" in msg
    assert f"{path}:5: duplicate id 'a' (first on line 1)" in msg
    assert f"{path}:6: context" in msg
    assert ":1:" not in msg and ":7:" not in msg


def test_item_rules() -> None:
    (item,) = parse_items([json.dumps({**GOOD, "gold_ids": {"x.md": 2, "y.md": 0}})])
    assert item.relevant == {"x.md": 2}
    (listed,) = parse_items([json.dumps(GOOD)])
    assert listed.gold_ids == {"colchicine.md": 1}
    with pytest.raises(EvalSetError, match="cannot have relevant gold_ids"):
        parse_items([json.dumps({**GOOD, "expected": "abstain"})])
    with pytest.raises(EvalSetError, match="needs gold_ids"):
        parse_items([json.dumps({"id": "z", "question": "q?"})])
    (ctx,) = parse_items([json.dumps({**GOOD, "context": {"age": 70, "kidney_function": "eGFR 25"}})])
    assert ctx.patient_context().age == 70


def _beir(folder: Path, newline: str, splits: dict[str, list[tuple[str, str, int]]]) -> Path:
    (folder / "qrels").mkdir(parents=True)
    docs = [{"_id": f"d{i}", "title": f"T{i}", "text": f"text {i}", "metadata": {}} for i in range(6)]
    (folder / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    queries = [{"_id": q, "text": f"query {q}", "metadata": {}} for q in ("1", "2", "3")]
    (folder / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries), encoding="utf-8")
    for split, rows in splits.items():
        body = newline.join(["query-id\tcorpus-id\tscore", *[f"{q}\t{d}\t{s}" for q, d, s in rows]]) + newline
        (folder / "qrels" / f"{split}.tsv").write_bytes(body.encode("utf-8"))
    return folder


@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_beir_reader_crlf_and_lf(tmp_path: Path, newline: str) -> None:
    folder = _beir(tmp_path / "set", newline, {"test": [("1", "d0", 1), ("1", "d3", 2), ("2", "d1", 1), ("3", "d2", 0)]})
    s = read_beir(folder)
    assert s.split == "test"  # the only split is the default
    assert [i.id for i in s.items] == ["1", "2"]  # query 3 has no relevant judgement
    assert s.items[0].gold_ids == {"d0": 1, "d3": 2}
    assert all("\r" not in g for i in s.items for g in i.gold_ids)
    assert s.items[1].question == "query 2"
    assert [r.id for r in s.records] == [f"d{i}" for i in range(6)]


def test_qrels_without_score_column_and_crlf(tmp_path: Path) -> None:
    from curbside.evals.sets import read_qrels

    path = tmp_path / "q.tsv"
    path.write_bytes(b"query-id\tcorpus-id\r\n1\td0\r\n1\td1\r\n")
    assert read_qrels(path) == {"1": {"d0": 1, "d1": 1}}


def test_beir_split_must_be_chosen_when_several(tmp_path: Path) -> None:
    folder = _beir(tmp_path / "set", "\n", {"train": [("1", "d0", 1)], "dev": [("2", "d1", 1)]})
    with pytest.raises(EvalSetError, match=r"several splits \(dev, train\)"):
        read_beir(folder)
    with pytest.raises(EvalSetError, match="no split 'test'; splits present: dev, train"):
        read_beir(folder, "test")
    assert [i.id for i in read_beir(folder, "dev").items] == ["2"]


def test_beir_sampling_keeps_gold_docs(tmp_path: Path) -> None:
    folder = _beir(tmp_path / "set", "\n", {"t": [("1", "d5", 1), ("2", "d4", 1), ("3", "d0", 1)]})
    s = read_beir(folder, max_queries=2, max_docs=3, seed=1)
    assert len(s.items) == 2
    ids = {r.id for r in s.records}
    assert len(ids) == 3
    assert {g for i in s.items for g in i.gold_ids} <= ids
    again = read_beir(folder, max_queries=2, max_docs=3, seed=1)
    assert [r.id for r in again.records] == [r.id for r in s.records]  # fixed seed


def test_pubmedqa_reader(tmp_path: Path) -> None:
    path = tmp_path / "pq.json"
    path.write_text(json.dumps({
        "111": {"QUESTION": "Does X help?", "CONTEXTS": ["Background.", "Results."], "final_decision": "yes", "YEAR": "2001"},
        "222": {"QUESTION": "Is Y harmful?", "CONTEXTS": ["Only one."], "final_decision": "maybe"},
    }), encoding="utf-8")
    s = read_pubmedqa(path)
    assert [(i.id, i.label, i.gold_ids) for i in s.items] == [("111", "yes", {"111": 1}), ("222", "maybe", {"222": 1})]
    assert s.records[0].text == "Background.\n\nResults." and s.records[0].year == 2001
    path.write_text(json.dumps({"1": {"QUESTION": "q"}}), encoding="utf-8")
    with pytest.raises(EvalSetError, match="lacks QUESTION, CONTEXTS or final_decision"):
        read_pubmedqa(path)


def test_named_set_without_shared_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURBSIDE_SHARED_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(EvalSetError, match=r"eval set 'scifact' needs .*nowhere/beir/scifact"):
        resolve_set("scifact")
    with pytest.raises(EvalSetError, match="unknown eval set 'nope'"):
        resolve_set("nope")


def test_corpus_file_is_content_keyed_and_kept(tmp_path: Path) -> None:
    recs = [CorpusRecord("a", "A", "alpha text"), CorpusRecord("b", "B", "beta text")]
    p1, h1 = write_corpus(recs, tmp_path, "s")
    mtime = p1.stat().st_mtime_ns
    p2, h2 = write_corpus(list(recs), tmp_path, "s")
    assert (p1, h1) == (p2, h2) and p2.stat().st_mtime_ns == mtime  # not rewritten
    p3, h3 = write_corpus(recs[:1], tmp_path, "s")
    assert h3 != h1 and p3.parent != p1.parent
    assert json.loads(p1.read_text().splitlines()[0]) == {"id": "a", "title": "A", "text": "alpha text"}


def test_bundled_set_is_well_formed() -> None:
    s = resolve_set("bundled")
    assert len(s.items) >= 60
    abstain = [i for i in s.items if i.expected == "abstain"]
    assert len(abstain) >= 12
    assert sum(1 for i in s.items if i.context) >= 5
    corpus = s.corpus_dir
    if corpus is None or not corpus.is_dir():
        pytest.skip("bundled corpus folder absent")
    for item in s.items:
        for gold in item.gold_ids:
            assert (corpus / gold).is_file(), f"{item.id}: gold file {gold} not in corpus/"


def test_bundled_key_facts_occur_in_their_gold_documents() -> None:
    from curbside.evals.metrics import contains_fact
    from curbside.evals.sets import records_from_folder

    s = resolve_set("bundled")
    if s.corpus_dir is None or not s.corpus_dir.is_dir():
        pytest.skip("bundled corpus folder absent")
    texts = {r.id: f"{r.title}\n{r.text}" for r in records_from_folder(s.corpus_dir)}
    missing = [
        (item.id, fact)
        for item in s.items
        for fact in item.key_facts
        if not any(contains_fact(texts.get(g, ""), fact) for g in item.relevant)
    ]
    assert not missing


# --- clinician-style and safety fields (issues 15, 16, 19) ----------------------------------------

FRAMED = {
    **GOOD,
    "id": "f1",
    "history": ["Is it safe to start anakinra in gout on tacrolimus?"],
    "frame": {"intent": "safety", "intervention": "colchicine", "current_medications": ["tacrolimus"],
              "conditions": ["gout"], "population": ["transplant"], "asked_attribute": "safety"},
    "bottom_line_any": ["avoid", "0.6 mg"],
    "decision": "conditional",
    "coverage": "full",
    "safety": {"kind": "danger", "relation": "interaction", "danger_any": ["reduce"],
               "statement": "Reduce the colchicine dose with strong CYP3A4 inhibitors.",
               "file": "labels/colchicine.md"},
}


def test_framed_item_round_trips() -> None:
    (item,) = parse_items([json.dumps(FRAMED)])
    assert item.frame is not None and item.frame.intent == "safety"
    assert item.frame.population == ["transplant"]
    assert item.history == FRAMED["history"]
    assert item.safety is not None and item.safety.file == "labels/colchicine.md"
    (again,) = parse_items([item.model_dump_json(exclude_defaults=True)])
    assert again == item


def test_abstain_item_may_carry_frame_and_coverage() -> None:
    data = {"id": "ab", "question": "Anakinra target level?", "expected": "abstain", "coverage": "partial",
            "frame": {"intent": "target", "intervention": "anakinra", "asked_attribute": "target"}}
    (item,) = parse_items([json.dumps(data)])
    assert item.coverage == "partial" and item.frame is not None


@pytest.mark.parametrize(
    ("change", "field", "needle"),
    [
        ({"frame": {**FRAMED["frame"], "intent": "dosing"}}, "frame.intent", "unknown intent 'dosing'"),
        ({"frame": {**FRAMED["frame"], "asked_attribute": "dosage"}}, "frame.asked_attribute", "unknown asked attribute"),
        ({"frame": {**FRAMED["frame"], "population": ["pregnant"]}}, "frame.population", "unknown population 'pregnant'"),
        ({"frame": {**FRAMED["frame"], "patient": "x"}}, "frame.patient", "Extra inputs"),
        ({"decision": "maybe"}, "decision", "Input should be"),
        ({"coverage": "some"}, "coverage", "Input should be"),
        ({"safety": {**FRAMED["safety"], "danger_any": []}}, "safety", "danger_any"),
        ({"safety": {**FRAMED["safety"], "kind": "risky"}}, "safety.kind", "Input should be"),
    ],
)
def test_bad_frame_names_field_and_line(tmp_path: Path, change: dict, field: str, needle: str) -> None:
    path = tmp_path / "clinician.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + json.dumps({**FRAMED, **change}) + "\n", encoding="utf-8")
    with pytest.raises(EvalSetError) as err:
        read_items(path)
    msg = str(err.value)
    assert f"{path}:2: {field}" in msg and needle in msg


def test_contradictory_expectations_are_refused() -> None:
    with pytest.raises(EvalSetError, match="cannot have a decision"):
        parse_items([json.dumps({"id": "x", "question": "q?", "expected": "abstain", "decision": "no"})])
    with pytest.raises(EvalSetError, match="cannot expect coverage 'full'"):
        parse_items([json.dumps({"id": "x", "question": "q?", "expected": "abstain", "coverage": "full"})])
    with pytest.raises(EvalSetError, match="cannot expect coverage 'partial'"):
        parse_items([json.dumps({**GOOD, "coverage": "partial"})])


def test_halves_are_fixed_by_the_id_hash() -> None:
    import hashlib

    from curbside.evals.sets import half_of, select_half

    ids = [f"item-{n}" for n in range(400)]
    halves = [half_of(i) for i in ids]
    # the documented rule, spelled out: first byte of SHA-256(id) even → A
    assert halves == ["A" if hashlib.sha256(i.encode()).digest()[0] % 2 == 0 else "B" for i in ids]
    # stable values pinned, so a change of rule cannot pass silently
    assert [half_of(i) for i in ("a", "b", "c", "anakinra-gout-1")] == ["A", "A", "A", "B"]
    assert 150 < halves.count("A") < 250  # roughly balanced
    items = parse_items([json.dumps({**GOOD, "id": i}) for i in ids[:40]])
    a, b = select_half(items, "A"), select_half(items, "B")
    assert len(a) + len(b) == 40 and not {i.id for i in a} & {i.id for i in b}
    # independent of order: reversed file, same halves
    assert {i.id for i in select_half(list(reversed(items)), "A")} == {i.id for i in a}
    with pytest.raises(EvalSetError, match="unknown half"):
        select_half(items, "C")
