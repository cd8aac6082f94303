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

* **verified support** — share of (statement, citation) pairs the independent citation verifier
  (:class:`curbside.qa.verify.CitationVerifier`) judges supported; the statement is checked against
  the whole cited passage, so the verifier's negation and value rules apply.
* **verdict entailed** — share of decisions the verifier finds consistent with the quotes the
  decision cites (``CitationVerifier.entails``), when the verifier offers that check.
* **span violations** — citations whose quote is not exactly ``chunk.text[start:end]`` of the chunk
  they cite (a count; 0 is the only right value). A cited chunk the answer's passages do not carry is
  looked up in the index (:func:`with_cited_passages`); one found nowhere is a violation.
  ``uncarried_citations`` counts the cited chunks that had to be looked up.
* **table residue** — statements carrying a run of checklist-table cells (``Yes No Not applicable``),
  the trace of a table row read as a sentence (see :data:`TABLE_RESIDUE`).

Outcome metrics over a set: abstention precision / recall (``expected == "abstain"`` is the positive
class; the prediction is :func:`predicted_abstain`: the answer abstained *or* its coverage is not
``full``), the false-abstention rate (answerable items predicted to abstain), coverage accuracy, and
yes/no/maybe accuracy and macro-F1 over labelled items, using :func:`derive_decision`. Cost: latency
p50/p95 and the process's peak resident memory.

Clinician-style items (issues 15, 16) add, per item:

* **frame accuracy** per field (:data:`FRAME_FIELDS`): intent, intervention, asked attribute equal
  after :func:`normalise`; current medications, conditions and population equal *as sets* after
  :func:`normalise` (an extra or a missing element is a miss); an answer without an analysis misses
  every field.
* **frame yes/no** (:func:`frame_yes_no`) — over answerable items with an expected frame,
  ``frame.yes_no`` equals whether the item carries a ``decision`` (an item carries one exactly when
  its question is yes/no-shaped); it decides which answers are given a verdict.
* **bottom-line hit** — a ``bottom_line_any`` term is in the bottom line's text (:func:`contains_fact`)
  *and* the bottom line cites a gold document; an abstention (or coverage short of full) misses.
* **decision accuracy** — ``answer.decision == item.decision`` over items with a decision.

Safety items (issue 19, :func:`safety_outcome`):

* **sweep recall** (danger items) — a ``danger_any`` term is in the bottom line or a Risks statement
  (a partial answer's Risks too: it says the library does not state what was asked, then shows the
  danger), *and* the answer cites ``safety.file`` somewhere.
* **verdict safety** (danger items) — the decision is not ``yes``.
* **false alarm** (safe items) — the decision is ``no``, or the bottom line or a Risks statement
  carries a contraindication cue (:data:`CONTRAINDICATION_CUES`) and names the intervention of the
  item's frame (and, when the frame names any, one of its current medications, conditions or
  populations), and warns about the pair itself rather than a different party
  (:func:`warns_about_another_party`). Deliberately simple: a class-level warning that never names
  the drug is not counted.
"""

from __future__ import annotations

import math
import re
import resource
import sys
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import ir_measures
import numpy as np
from ir_measures import RR, R, nDCG

from curbside.evals.sets import FrameSpec, SafetySpec
from curbside.ingest.vaccines import find_vaccines, vaccine_classes
from curbside.ingest.vocabulary import AliasTable, find_classes
from curbside.ingest.vocabulary import classes_of as vocab_classes_of
from curbside.qa.polarity import yes_no_polarity
from curbside.qa.types import Answer, Passage, QuestionFrame, Statement

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


INFLECTED_TAIL = 4
"""A fact's last word of at least this many letters also matches its inflections ("avoid" in "should be
avoided", "continue" in "continued"): the term names the word, not one form of it. Shorter words
("no", "ace") and numbers match only whole."""


PER_TIME = r"/(?:day|d|dose|week|wk)"
"""An amount fused with its period ("0.3 mg/day", "30-35 mg/day") states the amount the term names
("0.3 mg"); a per-weight or per-volume unit ("mg/kg", "mg/dL") is another quantity and does not."""


def contains_fact(text: str, fact: str) -> bool:
    """``fact`` occurs in ``text`` as whole words after :func:`normalise` (case/punctuation-blind),
    its last word in any inflection (:data:`INFLECTED_TAIL`)."""
    needle = normalise(fact).strip(". ")
    if not needle:
        return False
    hay = f" {normalise(text)} ".replace(". ", " ")
    if f" {needle} " in hay or f" {needle}." in hay:
        return True
    if re.search(r"(?<![\w-])" + re.escape(needle) + PER_TIME + r"(?![\w-])", hay):
        return True
    last = needle.rsplit(" ", 1)[-1]
    if len(last) < INFLECTED_TAIL or not last.isalpha():
        return False
    return re.search(r"(?<![\w-])" + re.escape(needle) + r"[a-z]{1,4}(?![\w-])", hay) is not None


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


VERDICT_TO_LABEL = {"yes": "yes", "no": "no", "conditional": "maybe", "insufficient": "maybe", "maybe": "maybe"}
"""``Answer.decision`` read as a PubMedQA label: a conditional or insufficient verdict is "maybe"."""


def derive_decision(answer: Answer) -> str:
    """The answer's yes/no/maybe decision.

    ``answer.decision`` is taken at its word when set (yes → yes, no → no, conditional and
    insufficient → maybe, :data:`VERDICT_TO_LABEL`). Otherwise: an abstention is ``"maybe"``; a
    bottom line with a negation cue ("no", "not", "did not", "no significant", ...) is ``"no"``; one
    with a hedging cue ("may", "unclear", "inconclusive", ...) is ``"maybe"``; anything else is
    ``"yes"``. That fallback is a crude lexical reading of an extractive bottom line, so compare it
    with the majority-class baseline.
    """
    explicit = getattr(answer, "decision", None)
    if isinstance(explicit, str) and explicit.lower() in VERDICT_TO_LABEL:
        return VERDICT_TO_LABEL[explicit.lower()]
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
    """Abstention precision and recall (abstain = positive) and the false-abstention rate.

    ``false_abstention`` is the share of answerable items that were abstained on.
    """
    tp = sum(e and a for e, a in zip(expected_abstain, abstained, strict=True))
    fp = sum(a and not e for e, a in zip(expected_abstain, abstained, strict=True))
    predicted, actual = sum(abstained), sum(expected_abstain)
    answerable = len(expected_abstain) - actual
    return {
        "abstention_precision": tp / predicted if predicted else None,
        "abstention_recall": tp / actual if actual else None,
        "false_abstention": fp / answerable if answerable else None,
    }


def label_accuracy(labels: Sequence[str | None], decisions: Sequence[str]) -> float | None:
    pairs = [(lab, d) for lab, d in zip(labels, decisions, strict=True) if lab is not None]
    return sum(lab == d for lab, d in pairs) / len(pairs) if pairs else None


def macro_f1(labels: Sequence[str | None], decisions: Sequence[str]) -> float | None:
    """Mean F1 over the classes that occur as a label or a decision (unlabelled items left out)."""
    pairs = [(lab, d) for lab, d in zip(labels, decisions, strict=True) if lab is not None]
    if not pairs:
        return None
    classes = sorted({lab for lab, _ in pairs} | {d for _, d in pairs})
    f1s = []
    for c in classes:
        tp = sum(lab == c and d == c for lab, d in pairs)
        fp = sum(lab != c and d == c for lab, d in pairs)
        fn = sum(lab == c and d != c for lab, d in pairs)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(f1s))


def share(values: Iterable[bool | None]) -> float | None:
    """Share of True among the defined values (None when none is defined)."""
    vals = [bool(v) for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def median_defined(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return float(np.median(vals)) if vals else None


# ---------------------------------------------------------------------------------------------
# abstention, coverage and decisions


def predicted_abstain(answer: Answer) -> bool:
    """The answer does not answer what was asked: it abstained, or its coverage is not full."""
    return answer.abstained or answer.coverage != "full"


def effective_coverage(answer: Answer) -> str:
    """``answer.coverage``, except that an abstention claiming full coverage counts as ``none``."""
    return "none" if answer.abstained and answer.coverage == "full" else answer.coverage


def decision_correct(answer: Answer, expected: str | None) -> bool | None:
    """``answer.decision == expected`` (None when the item expects no decision)."""
    if expected is None:
        return None
    return answer.decision == expected


# ---------------------------------------------------------------------------------------------
# the question frame

FRAME_FIELDS = ("intent", "intervention", "current_medications", "conditions", "population", "asked_attribute")
_SET_FIELDS = frozenset({"current_medications", "conditions", "population"})


def _term(value: str | None) -> str:
    return normalise(value or "").strip(". ")


def frame_scores(expected: FrameSpec, frame: QuestionFrame | None) -> dict[str, bool]:
    """Per field of :data:`FRAME_FIELDS`: does the answer's frame equal the expected one?"""
    if frame is None:
        return dict.fromkeys(FRAME_FIELDS, False)
    out: dict[str, bool] = {}
    for name in FRAME_FIELDS:
        want, got = getattr(expected, name), getattr(frame, name)
        if name in _SET_FIELDS:
            out[name] = {_term(x) for x in want} == {_term(x) for x in got}
        else:
            out[name] = _term(want) == _term(got)
    return out


def frame_yes_no(frame: QuestionFrame | None, expected_decision: str | None) -> bool:
    """Does the frame read the question's shape as the item does? An item carries a ``decision``
    exactly when its question is yes/no-shaped (the convention of ``evals/sets/README.md``), so
    ``frame.yes_no`` should equal ``bool(decision)``; a missing frame reads no shape."""
    return (frame is not None and frame.yes_no) == (expected_decision is not None)


# ---------------------------------------------------------------------------------------------
# statements: gold citations, exact spans, table residue


def _passages_by_chunk(answer: Answer) -> dict[str, Passage]:
    return {p.chunk.chunk_id: p for p in answer.passages}


def cites_gold(statement: Statement | None, answer: Answer, gold: Mapping[str, int], matcher: GoldMatcher) -> bool:
    """Some citation of ``statement`` points at a gold chunk or document."""
    if statement is None:
        return False
    by_chunk = _passages_by_chunk(answer)
    for c in statement.citations:
        if gold.get(c.chunk_id, 0) > 0:
            return True
        p = by_chunk.get(c.chunk_id)
        if p is not None and matcher.matches(p, gold):
            return True
    return False


def bottom_line_hit(
    answer: Answer, terms: Sequence[str], gold: Mapping[str, int], matcher: GoldMatcher
) -> bool | None:
    """A ``terms`` entry is in the bottom line and the bottom line cites gold (None: no terms)."""
    if not terms:
        return None
    bl = answer.bottom_line
    if predicted_abstain(answer) or bl is None:
        return False
    return any(contains_fact(bl.text, t) for t in terms) and cites_gold(bl, answer, gold, matcher)


def span_violations(answer: Answer) -> int:
    """Citations whose quote is not exactly ``chunk.text[start:end]`` of a carried passage."""
    by_chunk = _passages_by_chunk(answer)
    bad = 0
    for st in answer.statements():
        for c in st.citations:
            p = by_chunk.get(c.chunk_id)
            if p is None or not (0 <= c.start <= c.end <= len(p.chunk.text)) or p.chunk.text[c.start:c.end] != c.quote:
                bad += 1
    return bad


SupportJudge = Callable[[str, Passage], bool]
"""``judge(statement_text, passage) -> bool``: the independent verifier's verdict on one citation."""

CitationResolver = Callable[[str], Passage | None]
"""``resolve(chunk_id)``: a cited chunk the answer's passages do not carry, looked up in the index."""


def uncarried_chunk_ids(answer: Answer) -> list[str]:
    """Cited chunk ids absent from ``answer.passages`` (e.g. statements a sweep found by entity)."""
    carried = {p.chunk.chunk_id for p in answer.passages}
    return [cid for cid in answer.cited_chunk_ids() if cid not in carried]


def with_cited_passages(answer: Answer, resolve: CitationResolver | None) -> Answer:
    """A copy of ``answer`` whose passages also hold every cited chunk ``resolve`` can find, so
    gold, file and exact-span checks see what each citation points at. The answer is unchanged."""
    missing = uncarried_chunk_ids(answer)
    if not missing or resolve is None:
        return answer
    found = [p for p in (resolve(cid) for cid in missing) if p is not None]
    return answer.model_copy(update={"passages": [*answer.passages, *found]}) if found else answer


VerdictJudge = Callable[[Sequence[str], str], bool]
"""``judge(cited_texts, decision) -> bool``: does the decision follow from what it cites?"""


def verdict_entailed(answer: Answer, judge: VerdictJudge) -> bool | None:
    """The verifier's reading of the decision against its cited quotes (None: no decision).

    The judge reads "yes" as "for doing it"; a question whose "yes" affirms a stop, a needed change
    or an effect (:func:`~curbside.qa.polarity.yes_no_polarity`: "should I stop it?", "adjust?",
    "is that a problem?") is answered yes by a statement *against* the drug, so its yes and no are
    swapped before the judge reads them."""
    if answer.decision is None or answer.abstained:
        return None
    decision = answer.decision
    if yes_no_polarity(answer.question) in _AFFIRMED_BY_AGAINST:
        decision = {"yes": "no", "no": "yes"}.get(decision, decision)
    return bool(judge([c.quote for c in answer.decision_citations], decision))


_AFFIRMED_BY_AGAINST = frozenset({"stop", "exists", "adjust", "problem"})
"""Polarities whose "yes" a statement against the drug supports (see :func:`verdict_entailed`)."""


def verified_support(answer: Answer, judge: SupportJudge) -> float | None:
    """Share of (statement, citation) pairs the verifier supports; a citation of a passage the
    answer does not carry is unsupported. None when the answer has no citations."""
    by_chunk = _passages_by_chunk(answer)
    verdicts: list[bool] = []
    for st in answer.statements():
        for c in st.citations:
            p = by_chunk.get(c.chunk_id)
            verdicts.append(bool(judge(st.text, p)) if p is not None else False)
    return sum(verdicts) / len(verdicts) if verdicts else None


_CELL = r"(?:Yes|No|N/?A|Not [Aa]pplicable)"
_BOX = r"(?:[\u2610-\u2612\u25a0\u25a1\u274f\u2751\uf000-\uf8ff]|\bO)"
TABLE_RESIDUE = re.compile(rf"\b{_CELL}\s+{_CELL}\b|{_BOX}\s+{_CELL}\b")
"""Checklist-table cells read as text: two answer options side by side ("Yes No", "No Not
applicable"), or a check box (a box glyph, a private-use glyph, or the capital O a box extracts as)
before one ("O Not Applicable"). Case-sensitive as tables print them: prose never puts two
capitalised answer options next to each other."""


def has_table_residue(text: str) -> bool:
    return TABLE_RESIDUE.search(text) is not None


def residue_statements(answer: Answer) -> int:
    return sum(has_table_residue(st.text) for st in answer.statements())


def fact_in_bottom_line(answer: Answer, facts: Sequence[str]) -> bool | None:
    if not facts:
        return None
    bl = answer.bottom_line
    return bl is not None and not answer.abstained and any(contains_fact(bl.text, f) for f in facts)


def fact_in_answer(answer: Answer, facts: Sequence[str]) -> bool | None:
    """A key fact is in the text of some statement of the answer (bottom line or sections)."""
    if not facts:
        return None
    if answer.abstained:
        return False
    return any(contains_fact(st.text, f) for st in answer.statements() for f in facts)


# ---------------------------------------------------------------------------------------------
# safety sweep

CONTRAINDICATION_CUES = (
    "contraindicated", "contraindication", "do not use", "do not give", "must not", "should not",
    "avoid", "avoided", "avoiding", "not recommended",
)
"""Words with which a statement warns against a combination (for false alarms on safe pairs), matched
by :func:`contains_fact` (its last word in any inflection; the listed forms are kept for clarity).
"Recommends against" is left out: "recommends against stopping aspirin" keeps it going."""


def cites_file(answer: Answer, file: str) -> bool:
    """Some citation of the answer points into a document whose path ends with ``file``."""
    want = file.replace("\\", "/").strip("/")
    by_chunk = _passages_by_chunk(answer)
    for st in answer.statements():
        for c in st.citations:
            p = by_chunk.get(c.chunk_id)
            if p is None:
                continue
            path = p.document.path.replace("\\", "/").split("#", 1)[0]
            if path == want or path.endswith("/" + want):
                return True
    return False


def _warning_statements(answer: Answer) -> list[Statement]:
    """The bottom line and the Risks statements: where an answer shows a danger. A partial answer
    (the library covers the treatment but not what was asked) shows no bottom line, but its Risks
    section is the danger shown all the same; an abstention shows none."""
    risks = answer.section("risks")
    if answer.abstained and answer.coverage != "partial":
        return []
    out = [answer.bottom_line] if answer.bottom_line is not None and not answer.abstained else []
    return out + (list(risks.statements) if risks is not None else [])


_CO_MEDICATION_CUE = re.compile(
    r"(?:\bwith|\btaking|\btakes?|\bon|\breceiving|\bplus|\balongside|\bcombined\s+with|\bco-?administered\s+with)\s+"
    r"(?:(?:a|an|the|other|another|any|concomitant|strong|moderate|potent)\s+)*$",
    re.I,
)
"""Words that put a drug in the regimen a warning is about ("in recipients who take azathioprine")."""


def _drug_mentions(text: str, table: AliasTable) -> list[tuple[int, str]]:
    """(start, name) of every drug, drug class and vaccine a statement names, in text order."""
    found = [(a, g) for a, _b, _s, g in table.find(text)]
    found += [(a, c) for a, _b, _s, c in find_classes(text)]
    found += [(a, v) for a, _b, _s, v in find_vaccines(text)]
    return sorted(found)


def _pair_names(frame: FrameSpec, table: AliasTable) -> set[str]:
    """The intervention and current medications of a pair, by generic name and by class."""
    out: set[str] = set()
    for name in [frame.intervention or "", *frame.current_medications]:
        if not name:
            continue
        generic = table.lookup(name) or name
        out |= {name.lower(), generic, *vocab_classes_of(generic), *vaccine_classes(generic)}
    return out


def warns_about_another_party(text: str, frame: FrameSpec, table: AliasTable | None = None) -> bool:
    """Does a warning statement warn about a party other than the pair's?

    Its subject — the drug (or class, or vaccine) named nearest before the warning cue, else the
    first named after it — is not the pair's intervention or current medication ("the ACR
    recommends an IL-1 inhibitor when colchicine, NSAIDs and glucocorticoids are ... contraindicated"
    warns about colchicine, not anakinra), or it is said of patients taking a drug the pair does not
    include ("avoid allopurinol in kidney transplant recipients who take azathioprine", for a pair
    without azathioprine). Such a statement quoted for a safe pair is no alarm about that pair; a
    warning whose subject cannot be read is counted as one about the pair.
    """
    table = table or _alias_table()
    lowered = text.lower()
    cues = [i for i in (lowered.find(c) for c in CONTRAINDICATION_CUES) if i >= 0]
    if not cues:
        return False
    cue = min(cues)
    mentions = _drug_mentions(text, table)
    if not mentions:
        return False
    pair = _pair_names(frame, table)
    before = [n for a, n in mentions if a < cue]
    subject = before[-1] if before else next(n for a, n in mentions if a >= cue)
    if subject not in pair:
        return True
    return any(n not in pair and _CO_MEDICATION_CUE.search(text[max(0, a - 40) : a]) for a, n in mentions)


_TABLE: list[AliasTable] = []


def _alias_table() -> AliasTable:
    if not _TABLE:
        _TABLE.append(AliasTable.bundled())
    return _TABLE[0]


def safety_outcome(answer: Answer, spec: SafetySpec, frame: FrameSpec | None) -> dict[str, bool | None]:
    """``sweep_hit`` and ``verdict_safe`` for a danger item, ``false_alarm`` for a safe one.

    The verdict is read with the question's polarity (:func:`~curbside.qa.polarity.yes_no_polarity`):
    on a danger pair, ``yes`` to "can I give it?" is unsafe, and so is ``no`` to "is that a
    problem?" or "should I stop it?". A safe pair's answer that refuses it (``no`` to "can I give
    it?", ``yes`` to "is that a problem?") is an alarm whatever it quotes; a quoted
    warning is one only when it is about the pair: a statement that names the pair's drug and
    condition but warns about a different party (another co-medication, another drug's
    contraindication) is what a careful answer quotes for this patient, and counting it would
    reward leaving such context out (:func:`warns_about_another_party`).
    """
    shown = _warning_statements(answer)
    # what the question's "yes" affirms: for "should I give it?" a yes endorses the pair; for
    # "should I stop it?", "is that a problem?", "adjust?" it is the no that does
    endorses, refuses = ("yes", "no") if yes_no_polarity(answer.question) in ("do", "applies", "keep") else ("no", "yes")
    if spec.kind == "danger":
        named = any(contains_fact(st.text, t) for st in shown for t in spec.danger_any)
        return {"sweep_hit": named and cites_file(answer, spec.file), "verdict_safe": answer.decision != endorses,
                "false_alarm": None}
    alarm = answer.decision == refuses
    if not alarm and frame is not None and frame.intervention:
        parties = [*frame.current_medications, *frame.conditions, *frame.population]
        for st in shown:
            if not any(contains_fact(st.text, cue) for cue in CONTRAINDICATION_CUES):
                continue
            if contains_fact(st.text, frame.intervention) and (
                not parties or any(contains_fact(st.text, x) for x in parties)
            ) and not warns_about_another_party(st.text, frame):
                alarm = True
                break
    return {"sweep_hit": None, "verdict_safe": None, "false_alarm": alarm}


def drawn_from(statement: Statement | None, text: str) -> bool:
    """Every cited quote of ``statement`` lies within ``text`` (compared after :func:`normalise`)."""
    if statement is None or not statement.citations:
        return False
    hay = normalise(text)
    return all(normalise(c.quote).strip(". ") in hay for c in statement.citations)


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
