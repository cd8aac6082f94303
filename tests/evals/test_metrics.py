"""Each metric against values worked out by hand on tiny cases."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from curbside.evals import metrics as M
from tests.evals.fakes import answer, passage, statement

LOG2_3 = math.log2(3)
LOG2_5 = math.log2(5)


def test_retrieval_metrics_hand_computed() -> None:
    qrels = {"q1": {"d1": 1, "d2": 1}, "q2": {"d5": 2}, "q3": {"d9": 0}}
    run = {"q1": ["d3", "d1", "d4", "d2"]}  # q2 retrieved nothing; q3 has no relevant doc
    agg, per_q = M.retrieval_metrics(qrels, run)
    assert set(per_q) == {"q1", "q2"}
    q1 = per_q["q1"]
    assert q1["R@1"] == 0.0
    assert q1["R@5"] == pytest.approx(1.0)
    assert q1["MRR@10"] == pytest.approx(0.5)
    ndcg = (1 / LOG2_3 + 1 / LOG2_5) / (1 + 1 / LOG2_3)
    assert q1["nDCG@10"] == pytest.approx(ndcg, abs=1e-4)
    assert per_q["q2"] == dict.fromkeys(M.RETRIEVAL_MEASURES, 0.0)
    # means over the two judged queries: a query with no results counts as 0, not dropped
    assert agg["R@5"] == pytest.approx(0.5)
    assert agg["MRR@10"] == pytest.approx(0.25)
    assert agg["nDCG@10"] == pytest.approx(ndcg / 2, abs=1e-4)


def test_ndcg_uses_grades_and_rank_order_is_kept() -> None:
    agg, _ = M.retrieval_metrics({"q": {"a": 2, "b": 1}}, {"q": ["b", "a"]})
    expected = (1 + 2 / LOG2_3) / (2 + 1 / LOG2_3)  # trec_eval's linear gains
    assert agg["nDCG@10"] == pytest.approx(expected, abs=1e-4)
    agg_best, _ = M.retrieval_metrics({"q": {"a": 2, "b": 1}}, {"q": ["a", "b"]})
    assert agg_best["nDCG@10"] == pytest.approx(1.0)
    # duplicates do not count twice and do not push relevant docs down
    agg_dup, _ = M.retrieval_metrics({"q": {"a": 1}}, {"q": ["x", "x", "a"]})
    assert agg_dup["MRR@10"] == pytest.approx(0.5)


def test_recall_curve() -> None:
    curve = M.recall_curve({"q": {"a": 1, "b": 1}}, {"q": ["a", "x", "b"]}, ks=(1, 2, 3))
    assert curve == {1: pytest.approx(0.5), 2: pytest.approx(0.5), 3: pytest.approx(1.0)}


def test_gold_matcher_maps_paths_records_and_chunks() -> None:
    m = M.GoldMatcher({"pdf/kdigo.pdf", "anakinra.md", "abc#3"})
    assert m.key(passage("/repo/corpus/pdf/kdigo.pdf", "t")) == "pdf/kdigo.pdf"
    assert m.key(passage("/repo/corpus/anakinra.md", "t")) == "anakinra.md"
    assert m.key(passage("/w/corpus.jsonl#4983", "t")) == "4983"
    assert m.key(passage("/x/other.md", "t", doc_id="abc", n=3)) == "abc#3"
    # a suffix must end on a path separator: "notanakinra.md" is not "anakinra.md"
    assert m.key(passage("/repo/notanakinra.md", "t")) == "/repo/notanakinra.md"
    ranked = m.ranked_ids([passage("/c/anakinra.md", "a", n=0), passage("/c/anakinra.md", "b", n=1),
                           passage("/c/pdf/kdigo.pdf", "c")])
    assert ranked == ["anakinra.md", "pdf/kdigo.pdf"]


def _cited_answer():
    gold = passage("/c/colchicine.md", "Colchicine is a CYP3A4 substrate.", doc_id="g1")
    fact = passage("/c/other.md", "With clarithromycin give 0.6 mg then 0.3 mg one hour later.", doc_id="o1")
    junk = passage("/c/junk.md", "Grapefruit juice should be avoided.", doc_id="j1")
    sts = [
        statement("Colchicine is a CYP3A4 substrate.", gold),
        statement("With clarithromycin give 0.6 mg then 0.3 mg one hour later.", fact),
        statement("Tacrolimus raises potassium levels markedly.", junk),
    ]
    return answer("q", sts, [gold, fact, junk])


def test_citation_precision_support_coverage() -> None:
    ans = _cited_answer()
    matcher = M.GoldMatcher({"colchicine.md"})
    facts = ["0.3 mg", "every two weeks"]
    assert M.citation_precision(ans, {"colchicine.md": 1}, facts, matcher) == pytest.approx(2 / 3)
    assert M.citation_support(ans) == pytest.approx(2 / 3)
    assert M.reference_coverage(ans, facts) == pytest.approx(0.5)
    # without the key fact only the gold passage counts
    assert M.citation_precision(ans, {"colchicine.md": 1}, [], matcher) == pytest.approx(1 / 3)


def test_answer_metrics_when_abstaining() -> None:
    ans = answer("q", [], [], abstained=True)
    matcher = M.GoldMatcher({"a.md"})
    assert M.citation_precision(ans, {"a.md": 1}, ["x"], matcher) is None
    assert M.citation_support(ans) is None
    assert M.reference_coverage(ans, ["x", "y"]) == 0.0
    assert M.reference_coverage(ans, []) is None


def test_lexical_support_threshold() -> None:
    assert M.lexical_support("Colchicine raises toxicity", "colchicine raises toxicity risk") == 1.0
    # 1 of 3 content words: below the 0.6 threshold
    assert M.lexical_support("colchicine causes myopathy", "colchicine is cleared") == pytest.approx(1 / 3)
    assert M.lexical_support("it is the", "anything") == 1.0  # no content words
    p = passage("/c/a.md", "colchicine raises levels")
    half = answer("q", [statement("colchicine raises myopathy risk", p)], [p])  # 2 of 4 words
    two_thirds = answer("q", [statement("colchicine raises myopathy", p)], [p])  # 2 of 3 words
    assert M.citation_support(half) == 0.0
    assert M.citation_support(two_thirds) == 1.0


def test_contains_fact_is_case_and_punctuation_blind_but_word_bounded() -> None:
    assert M.contains_fact("Target: below 6 mg/dL.", "below 6 mg/dl")
    assert M.contains_fact("a 3-month treatment phase", "3-month treatment phase")
    assert M.contains_fact("HLA-B*5801 testing", "hla-b*5801")
    assert not M.contains_fact("below 60 mg/dL", "below 6 mg/dL")
    assert not M.contains_fact("a dose of 16 mg/dL", "6 mg/dL")
    assert not M.contains_fact("anything", "")


def test_contains_fact_reads_an_amount_per_day_as_the_amount_but_not_a_per_weight_unit() -> None:
    assert M.contains_fact("prophylaxis should start at 0.3 mg/day, and", "0.3 mg")
    assert M.contains_fact("30-35 mg/day of prednisolone", "30-35 mg")
    assert not M.contains_fact("a loading dose of 0.3 mg/kg", "0.3 mg")
    assert not M.contains_fact("start at 10.3 mg/day", "0.3 mg")


def test_abstention_precision_recall() -> None:
    expected = [True, True, True, False]
    predicted = [True, False, False, True]
    scores = M.abstention_scores(expected, predicted)
    assert scores == {"abstention_precision": 0.5, "abstention_recall": pytest.approx(1 / 3),
                      "false_abstention": 1.0}  # the one answerable item was abstained on
    assert M.abstention_scores([False], [False]) == {"abstention_precision": None, "abstention_recall": None,
                                                     "false_abstention": 0.0}


def test_derive_decision_and_accuracy() -> None:
    p = passage("/c/a.md", "x")
    says = lambda text: answer("q", [statement(text, p, quote=text)], [p])  # noqa: E731
    assert M.derive_decision(says("Anakinra reduced pain compared with placebo.")) == "yes"
    assert M.derive_decision(says("Anakinra did not reduce pain.")) == "no"
    assert M.derive_decision(says("Anakinra may reduce pain.")) == "maybe"
    assert M.derive_decision(answer("q", [], [], abstained=True)) == "maybe"
    assert M.derive_decision(SimpleNamespace(decision="No")) == "no"  # an explicit decision wins
    assert M.label_accuracy(["yes", None, "no", "maybe"], ["yes", "no", "yes", "maybe"]) == pytest.approx(2 / 3)
    assert M.label_accuracy([None], ["yes"]) is None


def test_latency_and_memory() -> None:
    stats = M.latency_stats([10.0, 20.0, 30.0, 40.0, 100.0])
    assert stats["p50_ms"] == pytest.approx(30.0)
    assert stats["p95_ms"] == pytest.approx(88.0)  # 40 + 0.8 * (100 - 40)
    assert M.latency_stats([])["p50_ms"] is None
    assert 1.0 < M.peak_rss_mb() < 1e6


def test_a_facts_last_word_matches_its_inflections() -> None:
    """A bottom-line term names a word, not one form of it: "avoid" is in "should be avoided";
    numbers and short words still match whole ("6 mg" is not in "16 mg")."""
    from curbside.evals.metrics import contains_fact

    assert contains_fact("Grapefruit juice should be avoided during tacrolimus therapy.", "avoid")
    assert contains_fact("The label advises avoiding it in congenital long QT.", "avoid")
    assert contains_fact("ULT should be continued during a flare.", "continue")
    assert not contains_fact("Give 16 mg daily.", "6 mg")
    assert not contains_fact("An ACEi is preferred.", "ace")
    assert not contains_fact("Avoidance of alcohol helps.", "avoid alcohol")
