"""Clinician-style, safety, PubMedQA-setting and clinical-PDF metrics on hand-made answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curbside.evals import metrics as M
from curbside.evals.gate import gate_run, load_expected, write_expected
from curbside.evals.results import render
from curbside.evals.runner import item_outcome, outcome_metrics, run_eval
from curbside.evals.sets import (
    EvalItem,
    FrameSpec,
    SafetySpec,
    clinical_pdfs_set,
    half_of,
    parse_pdf_questions,
    read_pubmedqa,
    shared_data_dir,
)
from curbside.qa.types import QuestionFrame
from tests.evals.fakes import FakeSystem, framed_answer, passage, statement

LABEL = passage("/corpus/labels/anakinra-kineret-label.md", "Do not start anakinra in active infection. "
                "Check neutrophil counts before, monthly for 3 months, then quarterly.", doc_id="kineret")
GOUT = passage("/corpus/guidelines/acr-gout.md", "Glucocorticoids before IL-1 blockade for flares.", doc_id="gout",
               rank=2)
GOLD = {"labels/anakinra-kineret-label.md": 1}
MATCHER = M.GoldMatcher(GOLD)
SPEC = FrameSpec(intent="monitoring", intervention="anakinra", current_medications=["tacrolimus", "mycophenolate mofetil"],
                 conditions=["gout"], population=["transplant"], asked_attribute="monitoring")


def _frame(**change: object) -> QuestionFrame:
    base = dict(intent="monitoring", intervention="Anakinra", current_medications=["mycophenolate mofetil", "tacrolimus"],
                conditions=["gout"], population=["transplant"], asked_attribute="monitoring")
    return QuestionFrame.model_validate({**base, **change})


def test_frame_scores_fields_sets_and_missing_analysis() -> None:
    assert M.frame_scores(SPEC, _frame()) == dict.fromkeys(M.FRAME_FIELDS, True)  # order and case do not matter
    one_med = M.frame_scores(SPEC, _frame(current_medications=["tacrolimus"]))
    assert one_med["current_medications"] is False and one_med["intent"] is True
    extra = M.frame_scores(SPEC, _frame(conditions=["gout", "infection"], intent="safety"))
    assert extra["conditions"] is False and extra["intent"] is False and extra["population"] is True
    assert M.frame_scores(SPEC, None) == dict.fromkeys(M.FRAME_FIELDS, False)


def test_frame_yes_no_is_the_shape_an_item_with_a_decision_has() -> None:
    assert M.frame_yes_no(_frame(yes_no=True), "conditional") is True
    assert M.frame_yes_no(_frame(yes_no=False), None) is True
    assert M.frame_yes_no(_frame(yes_no=True), None) is False  # a verdict where none was asked for
    assert M.frame_yes_no(_frame(yes_no=False), "no") is False
    assert M.frame_yes_no(None, "yes") is False and M.frame_yes_no(None, None) is True


def test_frame_yes_no_over_answerable_items_with_a_frame() -> None:
    bl = statement(LABEL.chunk.text, LABEL)
    items = [
        EvalItem(id="y1", question="q", gold_ids=GOLD, decision="yes", frame=SPEC),
        EvalItem(id="y2", question="q", gold_ids=GOLD, frame=SPEC),
        EvalItem(id="y3", question="q", gold_ids=GOLD, frame=SPEC, decision="no"),
        EvalItem(id="y4", question="q", expected="abstain", frame=SPEC, coverage="none"),  # not scored
        EvalItem(id="y5", question="q", gold_ids=GOLD, decision="no"),  # no expected frame: not scored
    ]
    answers = [
        framed_answer("q", bl, [LABEL], frame=_frame(yes_no=True)),
        framed_answer("q", bl, [LABEL], frame=_frame(yes_no=True)),  # wrong: no decision expected
        framed_answer("q", bl, [LABEL], frame=_frame(yes_no=True)),
        framed_answer("q", bl, [LABEL], frame=_frame(yes_no=True)),
        framed_answer("q", bl, [LABEL], frame=_frame(yes_no=False)),
    ]
    rows = [{"outcome": item_outcome(i, a, MATCHER), "metrics": M.answer_metrics(a, i.gold_ids, i.key_facts, MATCHER)}
            for i, a in zip(items, answers, strict=True)]
    assert [r["outcome"]["frame_yes_no"] for r in rows] == [True, False, True, None, None]
    assert outcome_metrics(rows)["frame_yes_no"] == pytest.approx(2 / 3)


def test_bottom_line_hit_needs_the_term_and_a_gold_citation() -> None:
    bl = statement("Check neutrophil counts before, monthly for 3 months, then quarterly.", LABEL)
    assert M.bottom_line_hit(framed_answer("q", bl, [LABEL]), ["Neutrophil counts"], GOLD, MATCHER) is True
    assert M.bottom_line_hit(framed_answer("q", bl, [LABEL]), ["platelets"], GOLD, MATCHER) is False
    off = statement("Glucocorticoids before IL-1 blockade, then neutrophil counts.", GOUT)
    assert M.bottom_line_hit(framed_answer("q", off, [GOUT]), ["neutrophil counts"], GOLD, MATCHER) is False
    assert M.bottom_line_hit(framed_answer("q", bl, [LABEL], abstained=True), ["neutrophil"], GOLD, MATCHER) is False
    assert M.bottom_line_hit(framed_answer("q", bl, [LABEL]), [], GOLD, MATCHER) is None


def test_abstention_coverage_and_decision() -> None:
    bl = statement(LABEL.chunk.text, LABEL)
    partial = framed_answer("q", bl, [LABEL], coverage="partial")
    assert M.predicted_abstain(partial) and M.effective_coverage(partial) == "partial"
    assert not M.predicted_abstain(framed_answer("q", bl, [LABEL]))
    abstained = framed_answer("q", None, [LABEL], abstained=True)
    assert M.predicted_abstain(abstained) and M.effective_coverage(abstained) == "none"
    assert M.decision_correct(framed_answer("q", bl, [LABEL], decision="conditional"), "conditional") is True
    assert M.decision_correct(framed_answer("q", bl, [LABEL], decision="yes"), "no") is False
    assert M.decision_correct(framed_answer("q", bl, [LABEL]), None) is None


def test_outcome_metrics_false_abstention_and_coverage_over_items() -> None:
    bl = statement(LABEL.chunk.text, LABEL)
    items = [
        EvalItem(id="a1", question="q", gold_ids=GOLD, bottom_line_any=["neutrophil"], decision="conditional",
                 frame=SPEC, coverage="full"),
        EvalItem(id="a2", question="q", gold_ids=GOLD, bottom_line_any=["neutrophil"], decision="no"),
        EvalItem(id="x1", question="q", expected="abstain", coverage="partial"),
        EvalItem(id="x2", question="q", expected="abstain", coverage="none"),
    ]
    answers = [
        framed_answer("q", bl, [LABEL], frame=_frame(), decision="conditional"),
        framed_answer("q", bl, [LABEL], coverage="partial", decision="no"),  # a false abstention
        framed_answer("q", bl, [LABEL], coverage="partial"),  # right: partial
        framed_answer("q", bl, [LABEL]),  # answered what it should not: full coverage
    ]
    rows = [{"outcome": item_outcome(i, a, MATCHER), "metrics": M.answer_metrics(a, i.gold_ids, i.key_facts, MATCHER)}
            for i, a in zip(items, answers, strict=True)]
    m = outcome_metrics(rows)
    assert m["false_abstention"] == 0.5
    assert m["abstention_precision"] == 0.5 and m["abstention_recall"] == 0.5
    assert m["coverage_accuracy"] == pytest.approx(2 / 3)  # a1 full ok, x1 partial ok, x2 wanted none
    assert m["decision_accuracy"] == 1.0
    assert m["bottom_line_hit"] == 0.5  # a2 was abstained on (partial coverage)
    assert m["frame_current_medications"] == 1.0  # only a1 carries a frame
    assert m["statements_median"] == 1.0 and m["span_violations"] == 0.0


def test_exact_spans_and_verified_support() -> None:
    good = statement("Do not start anakinra in active infection.", LABEL, quote="Do not start anakinra in active infection.")
    assert M.span_violations(framed_answer("q", good, [LABEL])) == 0
    bad = good.model_copy(deep=True)
    bad.citations[0].quote = "Do not start anakinra in any infection."
    assert M.span_violations(framed_answer("q", bad, [LABEL])) == 1
    assert M.span_violations(framed_answer("q", good, [])) == 1  # cites a passage the answer does not carry
    seen: list[tuple[str, str]] = []

    def judge(text: str, p: object) -> bool:
        seen.append((text, p.chunk.chunk_id))  # type: ignore[attr-defined]
        return "infection" in text

    risk = statement("Neutrophil counts monthly.", LABEL)
    ans = framed_answer("q", good, [LABEL], risks=[risk])
    assert M.verified_support(ans, judge) == 0.5
    assert seen == [(good.text, "kineret#0"), (risk.text, "kineret#0")]


def test_table_residue() -> None:
    assert M.has_table_residue("Yes No Not applicable (Facility does not use multi-dose vials)")
    assert M.has_table_residue("Single-dose vials are used for one patient only. No N/A")
    assert M.has_table_residue("If testing is never performed at the facility check O Not Applicable here and skip")
    assert M.has_table_residue("\u2610 Yes \u2610 No")
    assert not M.has_table_residue("CO No longer detected; Yes, it can be given.")
    assert not M.has_table_residue("No. Do not administer medications from single-dose vials to several patients.")
    assert not M.has_table_residue("Yes, no, or not applicable answers are recorded in the checklist.")


def test_safety_outcomes() -> None:
    danger = SafetySpec(kind="danger", relation="contraindication", danger_any=["active infection"],
                        statement="...", file="labels/anakinra-kineret-label.md")
    risk = statement("Do not start anakinra in active infection.", LABEL)
    shown = framed_answer("q", statement("Glucocorticoids first.", GOUT), [LABEL, GOUT], risks=[risk], decision="no")
    assert M.safety_outcome(shown, danger, SPEC) == {"sweep_hit": True, "verdict_safe": True, "false_alarm": None}
    unsafe = framed_answer("q", statement("Glucocorticoids first.", GOUT), [GOUT], decision="yes")
    out = M.safety_outcome(unsafe, danger, SPEC)
    assert out["sweep_hit"] is False and out["verdict_safe"] is False
    # the danger named but its file not cited is not a sweep hit
    elsewhere = framed_answer("q", statement("Avoid in active infection.", GOUT), [GOUT])
    assert M.safety_outcome(elsewhere, danger, SPEC)["sweep_hit"] is False

    safe = SafetySpec(kind="safe", relation="no interaction", statement="...", file="labels/anakinra-kineret-label.md")
    frame = FrameSpec(intent="safety", intervention="anakinra", current_medications=["tacrolimus"], asked_attribute="safety")
    calm = framed_answer("q", statement("Anakinra can be given.", LABEL), [LABEL], decision="yes")
    assert M.safety_outcome(calm, safe, frame)["false_alarm"] is False
    assert M.safety_outcome(framed_answer("q", None, [LABEL], decision="no"), safe, frame)["false_alarm"] is True
    alarm = statement("Anakinra is contraindicated with tacrolimus.", LABEL)
    assert M.safety_outcome(framed_answer("q", None, [LABEL], risks=[alarm]), safe, frame)["false_alarm"] is True
    other = statement("Anakinra is contraindicated in active infection.", LABEL)  # names no party of the pair
    assert M.safety_outcome(framed_answer("q", None, [LABEL], risks=[other]), safe, frame)["false_alarm"] is False


def test_safety_verdicts_are_read_with_the_question_polarity() -> None:
    """ "Should I stop it?" answered yes on a danger pair is the safe answer; "is that a problem?"
    answered no is the unsafe one, and answered yes on a safe pair is the alarm."""
    danger = SafetySpec(kind="danger", relation="contraindication", danger_any=["active infection"],
                        statement="...", file="labels/anakinra-kineret-label.md")
    risk = statement("Do not start anakinra in active infection.", LABEL)
    stop = framed_answer("Febrile on Kineret. Should I stop it?", None, [LABEL], risks=[risk], decision="yes")
    assert M.safety_outcome(stop, danger, SPEC)["verdict_safe"] is True
    problem = framed_answer("Kineret with an open wound infection - a problem?", None, [LABEL], risks=[risk], decision="no")
    assert M.safety_outcome(problem, danger, SPEC)["verdict_safe"] is False
    safe = SafetySpec(kind="safe", relation="no interaction", statement="...", file="labels/anakinra-kineret-label.md")
    frame = FrameSpec(intent="interaction", intervention="anakinra", current_medications=["tacrolimus"], asked_attribute="interaction")
    calm = statement("Anakinra can be given.", LABEL)
    assert M.safety_outcome(framed_answer("Kineret with tacrolimus a problem?", calm, [LABEL], decision="yes"), safe, frame)["false_alarm"] is True
    assert M.safety_outcome(framed_answer("Kineret with tacrolimus a problem?", calm, [LABEL], decision="no"), safe, frame)["false_alarm"] is False


def test_verdict_entailed_swaps_yes_and_no_where_yes_affirms_a_harm() -> None:
    bl = statement("Do not start anakinra in active infection.", LABEL)
    seen: list[str] = []

    def judge(cited, decision: str) -> bool:
        seen.append(decision)
        return decision == "no"

    ans = framed_answer("Infected wound on Kineret - should I stop it?", bl, [LABEL], decision="yes")
    ans.decision_citations = list(bl.citations)
    assert M.verdict_entailed(ans, judge) is True and seen == ["no"]


def test_yes_no_maybe_from_the_verdict_and_macro_f1() -> None:
    bl = statement("The trial found no benefit.", LABEL)
    assert M.derive_decision(framed_answer("q", bl, [LABEL], decision="conditional")) == "maybe"
    assert M.derive_decision(framed_answer("q", bl, [LABEL], decision="insufficient")) == "maybe"
    assert M.derive_decision(framed_answer("q", bl, [LABEL], decision="yes")) == "yes"  # the verdict wins
    assert M.derive_decision(framed_answer("q", bl, [LABEL])) == "no"  # no verdict: the cue reading
    # yes: tp 2 fp 1 fn 0 → 0.8; no: tp 0 fp 0 fn 1 → 0; maybe: tp 1 fp 0 fn 0 → 1
    assert M.macro_f1(["yes", "yes", "no", "maybe", None], ["yes", "yes", "yes", "maybe", "no"]) == pytest.approx(0.6)
    assert M.macro_f1([None], ["yes"]) is None


def _pqa(tmp_path: Path) -> Path:
    data = {
        "101": {"QUESTION": "Does X help?", "CONTEXTS": ["Background text here.", "Results: X helped."],
                "LABELS": ["BACKGROUND", "RESULTS"], "final_decision": "yes", "YEAR": "2001",
                "LONG_ANSWER": "X helps adults with Y."},
        "102": {"QUESTION": "Does Z harm?", "CONTEXTS": ["Methods.", "Results: Z did nothing."],
                "final_decision": "no", "LONG_ANSWER": "Z does not harm."},
    }
    path = tmp_path / "pqal.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_reasoning_free_indexes_the_conclusion_last(tmp_path: Path) -> None:
    path = _pqa(tmp_path)
    required = read_pubmedqa(path)
    free = read_pubmedqa(path, setting="reasoning-free")
    assert required.records is not None and free.records is not None
    assert "X helps" not in required.records[0].text and not required.conclusions
    text = free.records[0].text
    assert text.startswith(required.records[0].text)
    assert text.endswith("\n\nCONCLUSIONS: X helps adults with Y.")
    assert free.conclusions["101"] == "CONCLUSIONS: X helps adults with Y."
    assert free.setting == "reasoning-free"
    with pytest.raises(ValueError, match="unknown PubMedQA setting"):
        read_pubmedqa(path, setting="reasoning-light")


def test_bottom_line_drawn_from_the_conclusion(tmp_path: Path) -> None:
    conclusion = "CONCLUSIONS: X helps adults with Y."
    doc = passage("/w/corpus.jsonl#101", "Results: X helped.\n\n" + conclusion)
    start = doc.chunk.text.index("X helps")
    from_conclusion = statement("X helps adults with Y.", doc, quote=doc.chunk.text[start:])
    from_conclusion.citations[0].start, from_conclusion.citations[0].end = start, len(doc.chunk.text)
    assert M.drawn_from(from_conclusion, conclusion)
    assert not M.drawn_from(statement("Results: X helped.", doc, quote="Results: X helped."), conclusion)
    assert not M.drawn_from(None, conclusion)


SOURCE_MD = """# PDF fixtures
## clinical/ (2 files)
### a_guide.pdf
- Questions it answers:
  1. What is preferred? On p9: "alcohol-based hand rub is preferred".
  2. When to discard? On p33: "discarded within 28 days".
### b_brief.pdf
- Questions it answers:
  1. How common is it? On p1: "the prevalence was 47.7%".
## hostile/ (1 file)
### c_broken.pdf
  1. Not a clinical question? On p1: "ignored".
"""


def test_pdf_questions_parsed_from_source_md(tmp_path: Path) -> None:
    (tmp_path / "SOURCE.md").write_text(SOURCE_MD, encoding="utf-8")
    items = parse_pdf_questions(tmp_path / "SOURCE.md")
    assert [(i.id, i.gold_ids, i.key_facts) for i in items] == [
        ("a_guide-q1", {"a_guide.pdf": 1}, ["alcohol-based hand rub is preferred"]),
        ("a_guide-q2", {"a_guide.pdf": 1}, ["discarded within 28 days"]),
        ("b_brief-q1", {"b_brief.pdf": 1}, ["the prevalence was 47.7%"]),
    ]
    (tmp_path / "empty.md").write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"no 'N\. Question"):
        parse_pdf_questions(tmp_path / "empty.md")


@pytest.mark.skipif(not (shared_data_dir() / "pdfs" / "SOURCE.md").is_file(), reason="../shared/data/pdfs is absent")
def test_the_real_clinical_pdfs_set_has_ten_questions_over_four_files() -> None:
    s = clinical_pdfs_set()
    assert len(s.items) == 10
    assert s.corpus_paths is not None and len(s.corpus_paths) == 4
    assert {g for i in s.items for g in i.gold_ids} == {p.name for p in s.corpus_paths}


DOCS = {
    "/c/labels/anakinra.md": "anakinra neutrophil counts monthly infection",
    "/c/guidelines/gout.md": "gout flares glucocorticoids colchicine transplant",
}


def _items(n: int = 24) -> list[EvalItem]:
    items = []
    for k in range(n):
        items.append(EvalItem(
            id=f"c{k}", question="anakinra neutrophil monitoring", gold_ids=["labels/anakinra.md"],
            bottom_line_any=["neutrophil"], frame=SPEC,
            history=["anakinra in gout"] if k % 3 == 0 else [],
        ))
    return items


def test_run_reports_each_half_and_passes_history() -> None:
    system = FakeSystem(DOCS)
    items = _items()
    run = run_eval(items, system, set_name="clinician", progress=False, halves=True)
    assert set(run.halves) == {"A", "B"}
    n_a = sum(half_of(i.id) == "A" for i in items)
    assert run.halves["A"]["n_items"] == n_a and run.halves["B"]["n_items"] == len(items) - n_a
    assert run.metrics["bottom_line_hit"] == 1.0 and run.halves["B"]["bottom_line_hit"] == 1.0
    assert run.metrics["frame_intent"] == 0.0  # the fake answers carry no analysis
    assert system.histories[0] == ["anakinra in gout"] and system.histories[1] == []
    assert {r["half"] for r in run.per_question} == {"A", "B"}
    assert run.summary()["halves"]["A"]["n_items"] == n_a


def test_gate_file_has_halves_directions_and_exact_counts(tmp_path: Path) -> None:
    run = run_eval(_items(), FakeSystem(DOCS), set_name="clinician", progress=False, halves=True)
    path = tmp_path / "clinician.json"
    write_expected(path, run)
    expected = load_expected(path)
    assert "A.bottom_line_hit" in expected.metrics and "B.false_abstention" in expected.metrics
    assert expected.metrics["false_abstention"].higher_is_better is False
    assert expected.metrics["span_violations"].tolerance == 0.0
    assert expected.metrics["B.span_violations"].higher_is_better is False
    assert gate_run(run, path) == 0
    run.halves["B"]["span_violations"] = 1.0  # one citation that is no longer an exact span
    assert gate_run(run, path) == 1


def test_results_show_the_halves_side_by_side() -> None:
    run = run_eval(_items(), FakeSystem(DOCS), set_name="clinician", progress=False, halves=True)
    agg = json.loads(json.dumps(run.aggregate(), default=str))
    agg["halves"]["B"]["bottom_line_hit"] = 0.9
    text = render({"clinician": agg}, None, "abc")
    assert "## clinician: 24 clinician-style questions" in text
    assert "| bottom-line hit (term + gold citation) | 1.000 | 1.000 | 0.900 | -0.100 | ≥ 0.85 |" in text
    assert "largest gap between A and B over the rates above is **0.100**" in text


def test_verdict_entailed_reads_the_decision_against_its_quotes() -> None:
    bl = statement("Do not start anakinra in active infection.", LABEL)
    seen: list[tuple[list[str], str]] = []

    def judge(cited, decision: str) -> bool:
        seen.append((list(cited), decision))
        return decision == "no" and any("Do not" in q for q in cited)

    ans = framed_answer("q", bl, [LABEL], decision="no")
    ans.decision_citations = list(bl.citations)
    assert M.verdict_entailed(ans, judge) is True
    assert seen == [([LABEL.chunk.text], "no")]
    ans.decision = "yes"
    assert M.verdict_entailed(ans, judge) is False
    assert M.verdict_entailed(framed_answer("q", bl, [LABEL]), judge) is None  # no decision, nothing to judge


def test_summary_markdown_and_terminal_show_the_halves(tmp_path: Path) -> None:
    from rich.console import Console

    from curbside.evals.runner import print_report, write_report

    run = run_eval(_items(), FakeSystem(DOCS), set_name="clinician", progress=False, halves=True)
    write_report(run, tmp_path / "out")
    md = (tmp_path / "out" / "summary.md").read_text()
    assert "| metric | all | A | B | B − A |" in md and "| bottom_line_hit | 1.000 | 1.000 | 1.000 | +0.000 |" in md
    assert "Misses in half A" in md and "- frame: intent (" in md
    b_ids = [r["id"] for r in run.per_question if r["half"] == "B"]
    assert not any(f"`{i}`" in md for i in b_ids)  # the check half's misses are never listed
    console = Console(record=True, width=160)
    print_report(run, console)
    assert "clinician by half" in console.export_text()


def test_half_and_setting_options_of_resolve_set(tmp_path: Path) -> None:
    from curbside.evals.sets import EvalSetError, resolve_set

    path = tmp_path / "items.jsonl"
    path.write_text("".join(json.dumps({"id": f"i{n}", "question": "q?", "gold_ids": ["a.md"]}) + "\n"
                            for n in range(20)), encoding="utf-8")
    b = resolve_set(path, half="B")
    assert b.items and all(half_of(i.id) == "B" for i in b.items) and b.sampling["half"] == "B"
    with pytest.raises(EvalSetError, match="--setting applies to PubMedQA only"):
        resolve_set(path, setting="reasoning-free")
    free = resolve_set(_pqa(tmp_path), setting="reasoning-free")
    assert free.name == "pqal-reasoning-free"  # its own reports, index and expected scores


def test_a_set_of_its_own_files_is_indexed_in_a_folder_named_by_their_hashes(tmp_path: Path) -> None:
    from curbside.evals.runner import prepare_index
    from curbside.evals.sets import EvalSet

    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF-1.4 one")
    built: list[tuple[list[Path], Path]] = []
    eval_set = EvalSet(name="clinical-pdfs", items=[], kind="jsonl", source=tmp_path, corpus_paths=[pdf])
    first = prepare_index(eval_set, index_dir=None, index_builder=lambda p, d: built.append((list(p), d)),
                          work_dir=tmp_path / "work", index_key="k")
    assert first is not None and built == [([pdf], first)] and first.name == "index-k"
    assert first.parent.name.startswith("clinical-pdfs-")
    pdf.write_bytes(b"%PDF-1.4 two")  # changed content, another index folder
    second = prepare_index(eval_set, index_dir=None, index_builder=lambda p, d: built.append((list(p), d)),
                           work_dir=tmp_path / "work", index_key="k")
    assert second != first


def test_citations_of_chunks_the_answer_does_not_carry_are_looked_up() -> None:
    swept = passage("/corpus/labels/colchicine-colcrys-label.md", "Colchicine is contraindicated with strong CYP3A4 "
                    "inhibitors in renal impairment.", doc_id="colcrys")
    risk = statement(swept.chunk.text, swept)
    ans = framed_answer("q", statement(LABEL.chunk.text, LABEL), [LABEL], risks=[risk], decision="no")
    assert M.uncarried_chunk_ids(ans) == ["colcrys#0"]
    assert M.span_violations(ans) == 1  # nothing to check the quote against
    spec = SafetySpec(kind="danger", relation="contraindication", danger_any=["contraindicated"], statement="...",
                      file="labels/colchicine-colcrys-label.md")
    assert M.safety_outcome(ans, spec, None)["sweep_hit"] is False
    resolved = M.with_cited_passages(ans, {"colcrys#0": swept}.get)
    assert [p.chunk.chunk_id for p in resolved.passages] == ["kineret#0", "colcrys#0"]
    assert [p.chunk.chunk_id for p in ans.passages] == ["kineret#0"]  # the answer itself is unchanged
    assert M.span_violations(resolved) == 0
    assert M.safety_outcome(resolved, spec, None)["sweep_hit"] is True
    tampered = resolved.model_copy(deep=True)
    tampered.sections[0].statements[0].citations[0].quote = "Colchicine is fine."
    assert M.span_violations(tampered) == 1
    assert M.with_cited_passages(ans, lambda _cid: None) is ans  # found nowhere: still a violation
