"""Eval metrics: retrieval (ir_measures), citations, outcomes and cost.

Retrieval is scored at the level the gold ids name (documents for file names and record ids):
retrieved passages are mapped to ids with :class:`GoldMatcher`, deduplicated in rank order, and
scored with ir_measures (pytrec_eval). Queries that retrieved nothing score 0 (they are not dropped,
unlike trec_eval's default), and items without a relevant gold id are left out of retrieval means.

Answer metrics, per answer:

* **citation precision** — share of the distinct cited passages that are gold (match a gold id
  with grade > 0) or contain one of the item's key facts.
* **citation support** — share of statements whose cited spans lexically support them: at least
  ``SUPPORT_THRESHOLD`` (60 %) of the statement's content words (lower-cased words of 3+ characters or
  numbers, minus stop words) occur in the concatenated quotes of its citations.
* **reference coverage** — share of the item's key facts that occur in the cited text (the full text
  of every cited passage, i.e. what a reader reaches by following the citations); an answer that
  abstains on an answerable item covers nothing.

Outcome metrics over a set: abstention precision / recall (``expected == "abstain"`` is the positive
class, ``answer.abstained`` the prediction) and yes/no/maybe accuracy over labelled items, using
:func:`derive_decision`. Cost: latency p50/p95 and the process's peak resident memory.
"""

from __future__ import annotations

import math
import re
import resource
import sys
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import ir_measures
import numpy as np
from ir_measures import RR, R, nDCG

from curbside.qa.types import Answer, Passage

RETRIEVAL_MEASURES: dict[str, Any] = {
    "R@1": R @ 1,
    "R@5": R @ 5,
    "R@10": R @ 10,
    "R@100": R @ 100,
    "MRR@10": RR @ 10,
    "nDCG@10": nDCG @ 10,
}
CURVE_KS = (1, 2, 3, 5, 10, 20, 30, 50, 100)
SUPPORT_THRESHOLD = 0.6

# ---------------------------------------------------------------------------------------------
# mapping passages to gold ids


def record_id(path: str) -> str | None:
    """The record id of a JSONL document path (``<file>#<record id>``), else None."""
    return path.rsplit("#", 1)[1] if "#" in path else None


class GoldMatcher:
    """Maps a retrieved passage to the gold id it stands for (or to its own record id / path).

    A gold id matches a passage when it equals the chunk id, the document id, the record id of a
    JSONL document, or a ``/``-separated suffix of the document path (``"pdf/x.pdf"`` matches
    ``/any/where/corpus/pdf/x.pdf``).
    """

    def __init__(self, universe: Iterable[str]) -> None:
        self.universe = {g.replace("\\", "/") for g in universe}

    def _path_suffixes(self, path: str) -> list[str]:
        parts = [p for p in path.replace("\\", "/").split("/") if p]
        return ["/".join(parts[i:]) for i in range(len(parts))]

    def key(self, passage: Passage) -> str:
        for cand in (passage.chunk.chunk_id, passage.document.doc_id, passage.chunk.doc_id):
            if cand in self.universe:
                return cand
        path = passage.document.path
        rid = record_id(path)
        if rid is not None:
            return rid
        for suffix in self._path_suffixes(path):
            if suffix in self.universe:
                return suffix
        return path

    def matches(self, passage: Passage, gold: Mapping[str, int]) -> bool:
        return gold.get(self.key(passage), 0) > 0 or any(
            gold.get(c, 0) > 0 for c in (passage.chunk.chunk_id, passage.document.doc_id)
        )

    def ranked_ids(self, passages: Sequence[Passage]) -> list[str]:
        """Distinct ids in rank order (the first passage of a document decides its rank)."""
        return list(dict.fromkeys(self.key(p) for p in passages))


# ---------------------------------------------------------------------------------------------
# retrieval


def retrieval_metrics(
    qrels: Mapping[str, Mapping[str, int]],
    run: Mapping[str, Sequence[str]],
    measures: Mapping[str, Any] | None = None,
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """(mean over judged queries, per-query values) for ranked id lists against graded qrels.

    Only queries with a relevant judgement count; a query absent from ``run`` (or with an empty
    ranking) scores 0 on every measure.
    """
    measures = dict(measures or RETRIEVAL_MEASURES)
    judged = sorted(q for q, rels in qrels.items() if any(g > 0 for g in rels.values()))
    per_query: dict[str, dict[str, float]] = {q: dict.fromkeys(measures, 0.0) for q in judged}
    if not judged:
        return dict.fromkeys(measures, math.nan), per_query
    ir_qrels = [ir_measures.Qrel(q, d, int(g)) for q in judged for d, g in qrels[q].items()]
    ir_run: list[ir_measures.ScoredDoc] = []
    for q in judged:
        ids = list(dict.fromkeys(run.get(q, ())))
        # strictly decreasing scores keep the given rank order (no tie-breaking by doc id)
        ir_run.extend(ir_measures.ScoredDoc(q, d, float(len(ids) - rank)) for rank, d in enumerate(ids))
    by_measure = {m: name for name, m in measures.items()}
    if ir_run:
        for metric in ir_measures.iter_calc(list(measures.values()), ir_qrels, ir_run):
            per_query[metric.query_id][by_measure[metric.measure]] = float(metric.value)
    agg = {name: float(np.mean([per_query[q][name] for q in judged])) for name in measures}
    return agg, per_query


def recall_curve(
    qrels: Mapping[str, Mapping[str, int]], run: Mapping[str, Sequence[str]], ks: Sequence[int] = CURVE_KS
) -> dict[int, float]:
    agg, _ = retrieval_metrics(qrels, run, {f"R@{k}": R @ k for k in ks})
    return {k: agg[f"R@{k}"] for k in ks}


# ---------------------------------------------------------------------------------------------
# text helpers

_STOP = frozenset(
    ["a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i", "if", "in", "into", "is", "it", "its", "itself", "just", "may", "me", "might", "more", "most", "must", "my", "no", "nor", "not", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "out", "over", "own", "same", "shall", "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "per", "via"]
)
_WORD = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")


def normalise(text: str) -> str:
    """Lower-case, NFKC, punctuation folded to single spaces (for key-fact matching)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    return " ".join(re.sub(r"[^0-9a-zµ%<>=.+*/-]+", " ", text).replace(" .", " ").split())


def contains_fact(text: str, fact: str) -> bool:
    """``fact`` occurs in ``text`` as whole words after :func:`normalise` (case/punctuation-blind)."""
    needle = normalise(fact).strip(". ")
    if not needle:
        return False
    hay = f" {normalise(text)} ".replace(". ", " ")
    return f" {needle} " in hay or f" {needle}." in hay


def content_words(text: str) -> set[str]:
    words = _WORD.findall(unicodedata.normalize("NFKC", text).lower())
    return {w for w in words if w not in _STOP and (len(w) >= 3 or w.isdigit())}


def lexical_support(statement: str, evidence: str) -> float:
    """Share of the statement's content words that occur in the evidence (1.0 if it has none)."""
    words = content_words(statement)
    if not words:
        return 1.0
    return len(words & content_words(evidence)) / len(words)


# ---------------------------------------------------------------------------------------------
# answers


def _cited(answer: Answer) -> list[tuple[str, Passage | None, str]]:
    """(chunk id, passage if retrieved, cited quotes joined) for each distinct cited chunk."""
    by_chunk = {p.chunk.chunk_id: p for p in answer.passages}
    quotes: dict[str, list[str]] = {}
    for st in answer.statements():
        for c in st.citations:
            quotes.setdefault(c.chunk_id, []).append(c.quote)
    return [(cid, by_chunk.get(cid), " ".join(q)) for cid, q in quotes.items()]


def citation_precision(
    answer: Answer, gold: Mapping[str, int], key_facts: Sequence[str], matcher: GoldMatcher
) -> float | None:
    cited = _cited(answer)
    if not cited:
        return None
    good = 0
    for cid, passage, quote in cited:
        text = passage.chunk.text if passage is not None else quote
        is_gold = gold.get(cid, 0) > 0 or (passage is not None and matcher.matches(passage, gold))
        if is_gold or any(contains_fact(text, f) for f in key_facts):
            good += 1
    return good / len(cited)


def citation_support(answer: Answer, threshold: float = SUPPORT_THRESHOLD) -> float | None:
    statements = answer.statements()
    if not statements:
        return None
    ok = sum(
        lexical_support(st.text, " ".join(c.quote for c in st.citations)) >= threshold for st in statements
    )
    return ok / len(statements)


def reference_coverage(answer: Answer, key_facts: Sequence[str]) -> float | None:
    if not key_facts:
        return None
    if answer.abstained:
        return 0.0
    cited_text = "\n".join(p.chunk.text if p is not None else q for _, p, q in _cited(answer))
    return sum(contains_fact(cited_text, f) for f in key_facts) / len(key_facts)


_NO = re.compile(
    r"\b(?:no|not|never|neither|nor|without|cannot|did not|does not|do not|was not|were not|"
    r"failed to|no significant|no difference|unrelated|ineffective|fails?)\b",
    re.I,
)
_MAYBE = re.compile(
    r"\b(?:may|might|possibly|unclear|uncertain|inconclusive|insufficient|limited evidence|"
    r"mixed|conflicting|could|suggests?|trend)\b",
    re.I,
)


def derive_decision(answer: Answer) -> str:
    """The composer's yes/no/maybe decision.

    An answer object carrying a ``decision`` attribute (``"yes" | "no" | "maybe"``) is taken at its
    word. Otherwise: an abstention is ``"maybe"``; a bottom line with a negation cue ("no", "not",
    "did not", "no significant", ...) is ``"no"``; one with a hedging cue ("may", "unclear",
    "inconclusive", ...) is ``"maybe"``; anything else is ``"yes"``. This is a crude lexical reading
    of an extractive bottom line, so compare it with the majority-class baseline.
    """
    explicit = getattr(answer, "decision", None)
    if isinstance(explicit, str) and explicit.lower() in ("yes", "no", "maybe"):
        return explicit.lower()
    if answer.abstained or answer.bottom_line is None:
        return "maybe"
    text = answer.bottom_line.text
    if _NO.search(text):
        return "no"
    if _MAYBE.search(text):
        return "maybe"
    return "yes"


def answer_metrics(
    answer: Answer, gold: Mapping[str, int], key_facts: Sequence[str], matcher: GoldMatcher
) -> dict[str, float | None]:
    return {
        "citation_precision": citation_precision(answer, gold, key_facts, matcher),
        "citation_support": citation_support(answer),
        "reference_coverage": reference_coverage(answer, key_facts),
    }


def abstention_scores(expected_abstain: Sequence[bool], abstained: Sequence[bool]) -> dict[str, float | None]:
    tp = sum(e and a for e, a in zip(expected_abstain, abstained, strict=True))
    predicted, actual = sum(abstained), sum(expected_abstain)
    return {
        "abstention_precision": tp / predicted if predicted else None,
        "abstention_recall": tp / actual if actual else None,
    }


def label_accuracy(labels: Sequence[str | None], decisions: Sequence[str]) -> float | None:
    pairs = [(lab, d) for lab, d in zip(labels, decisions, strict=True) if lab is not None]
    return sum(lab == d for lab, d in pairs) / len(pairs) if pairs else None


def mean_defined(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None and not math.isnan(v)]
    return float(np.mean(vals)) if vals else None


# ---------------------------------------------------------------------------------------------
# cost


def latency_stats(ms: Sequence[float]) -> dict[str, float | None]:
    """p50 / p95 (linear interpolation) and mean of latencies in milliseconds."""
    if not ms:
        return {"p50_ms": None, "p95_ms": None, "mean_ms": None}
    arr = np.asarray(ms, dtype=float)
    return {
        "p50_ms": float(np.percentile(arr, 50)),
        "p95_ms": float(np.percentile(arr, 95)),
        "mean_ms": float(arr.mean()),
    }


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    try:
        import psutil

        current = psutil.Process().memory_info().rss
    except Exception:  # psutil is optional at run time
        current = 0
    return max(peak * scale, current) / (1024 * 1024)
