"""Verification pairs: (statement, passage, supported?) from SciFact, the bundled corpus, LLM output.

Three sources, each a list of :class:`VerifyPair`:

- :func:`scifact_pairs`: BEIR SciFact claims against the abstracts their ``metadata`` cites, labelled
  SUPPORT or CONTRADICT; claims with no evidence (NOT-ENOUGH-INFO) are paired with their top BM25
  abstract (bm25s over title + text, English stemming), which shares their topic but not their claim.
- :func:`perturbation_suite`: sentences of ``corpus/*.md`` checked against their own section, as
  written (``original``), faithfully reworded (``rewording``: clauses reordered, synonyms,
  active ↔ passive, a clause dropped) and perturbed (negation, antonym, direction of a
  recommendation, number, unit, frequency, bound, drug swap, population swap, hedge → certainty).
  Deterministic for a seed. Every rewrite rule carries a ``split``: ``tune`` rules were looked at
  while the verifier was written, ``held`` rules were not, so the ``held`` rows estimate how the
  verifier does on wordings it was not shaped on.
- :func:`llm_pairs`: statements a real local model wrote, hand-labelled
  (``evals/sets/llm_statements_labelled.jsonl``).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from curbside.ingest.chunking import sentence_spans
from curbside.ingest.vocabulary import AliasTable

__all__ = ["KINDS", "SCIFACT_HALVES", "VerifyPair", "llm_pairs", "perturbation_suite", "scifact_half", "scifact_pairs"]

KINDS = (
    "negation", "antonym", "direction", "number", "unit", "frequency", "bound", "drug", "population", "hedge",
)
"""The kinds of perturbation, each a way a statement can misstate its passage."""


@dataclass(frozen=True)
class VerifyPair:
    set: str  # "scifact" | "perturbation" | "llm"
    kind: str  # SUPPORT/CONTRADICT/NEI, original/rewording/<KINDS>, or the hand label
    statement: str
    passage: str
    supported: bool  # the right answer
    split: str = "tune"  # tune | held (perturbation rules), fit | report (SciFact claim halves)
    source: str = ""  # claim id / corpus file:line / llm item id
    title: str = ""
    evidence: tuple[int, ...] = ()
    """SciFact ``fit`` half only: the annotated evidence sentences, as indices into
    :func:`curbside.ingest.chunking.sentence_spans` of the passage (SciFact numbers the abstract's own
    sentences; the two splits agree on all but a few abstracts, and an index past the end is dropped)."""


# --------------------------------------------------------------------------------------------
# SciFact


def _read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


SCIFACT_HALVES = ("fit", "report")
"""SciFact train claims are split in two by a fixed hash of the claim id: the verifier's support model
is fitted and its threshold calibrated on ``fit``; ``report`` is only ever measured."""


def scifact_half(claim_id: str) -> str:
    """``fit`` or ``report``: the first bit of SHA-256 of the claim id (stable across runs and machines)."""
    return SCIFACT_HALVES[hashlib.sha256(claim_id.encode("utf-8")).digest()[0] & 1]


def scifact_pairs(folder: Path, *, split: str = "train") -> list[VerifyPair]:
    """SUPPORT / CONTRADICT pairs from the claims' evidence, and NEI pairs from BM25's top abstract.

    Each pair's ``split`` is its claim's half (:func:`scifact_half`), so that every pair of a claim
    (a claim may cite several abstracts) falls in the same half."""
    import bm25s
    import Stemmer

    docs = {d["_id"]: d for d in _read_jsonl(folder / "corpus.jsonl")}
    qrels_path = folder / "qrels" / f"{split}.tsv"
    if not qrels_path.exists():
        raise FileNotFoundError(f"{qrels_path}: no qrels for split {split!r}")
    in_split = {line.split("\t")[0] for line in qrels_path.read_text(encoding="utf-8").splitlines()[1:] if line.strip()}
    claims = [q for q in _read_jsonl(folder / "queries.jsonl") if q["_id"] in in_split]
    pairs: list[VerifyPair] = []
    nei = []
    for q in claims:
        evidence = q.get("metadata") or {}
        if not evidence:
            nei.append(q)
            continue
        for doc_id, sets in evidence.items():
            labels = {e["label"] for e in sets}
            if doc_id not in docs or len(labels) != 1:
                continue
            label = labels.pop()
            d = docs[doc_id]
            half = scifact_half(q["_id"])
            annotated: tuple[int, ...] = ()
            if half == "fit":  # the report half's annotations are never read
                n_sentences = len(sentence_spans(d["text"]))
                annotated = tuple(sorted({i for e in sets for i in e.get("sentences", []) if isinstance(i, int) and 0 <= i < n_sentences}))
            pairs.append(VerifyPair("scifact", label, q["text"], d["text"], label == "SUPPORT", half, q["_id"], d["title"], annotated))
    if nei:
        ids = list(docs)
        stemmer = Stemmer.Stemmer("english")
        corpus_tokens = bm25s.tokenize(
            [f"{docs[i]['title']} {docs[i]['text']}" for i in ids], stopwords="en", stemmer=stemmer, show_progress=False
        )
        retriever = bm25s.BM25()
        retriever.index(corpus_tokens, show_progress=False)
        query_tokens = bm25s.tokenize([q["text"] for q in nei], stopwords="en", stemmer=stemmer, show_progress=False)
        top, _ = retriever.retrieve(query_tokens, k=1, show_progress=False, n_threads=1)
        for q, row in zip(nei, top, strict=True):
            d = docs[ids[int(row[0])]]
            pairs.append(VerifyPair("scifact", "NEI", q["text"], d["text"], False, scifact_half(q["_id"]), q["_id"], d["title"]))
    return pairs


# --------------------------------------------------------------------------------------------
# Perturbation suite over the bundled corpus

Rewrite = Callable[[str, random.Random], str | None]


def _sub_once(pattern: str, repl: str | Callable[[re.Match[str]], str], text: str, flags: int = re.I) -> str | None:
    new, n = re.subn(pattern, repl, text, count=1, flags=flags)
    return new if n and new != text else None


def _keep_case(word: str, like: str) -> str:
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def _swap_words(pairs: Sequence[tuple[str, str]]) -> Rewrite:
    """Replace the first word of the sentence found in ``pairs`` (either side) by its partner."""
    table: dict[str, str] = {}
    for a, b in pairs:
        table.setdefault(a, b)
        table.setdefault(b, a)
    pattern = r"\b(" + "|".join(sorted(map(re.escape, table), key=len, reverse=True)) + r")\b"

    def rewrite(s: str, rng: random.Random) -> str | None:
        return _sub_once(pattern, lambda m: _keep_case(table[m.group(1).lower()], m.group(1)), s)

    return rewrite


_THIRD_PERSON = {
    "increases": "increase", "reduces": "reduce", "raises": "raise", "lowers": "lower", "causes": "cause",
    "recommends": "recommend", "requires": "require", "improves": "improve", "prevents": "prevent",
    "states": "state", "notes": "note", "suggests": "suggest", "lists": "list", "allows": "allow",
    "inhibits": "inhibit", "shows": "show", "found": "find", "showed": "show", "reduced": "reduce",
    "increased": "increase", "recommend": "recommend", "support": "support", "supports": "support",
}


def _negate_aux(s: str, rng: random.Random) -> str | None:
    if re.search(r"\b(is|are|was|were|should|can|must|will|may|could)\s+not\b", s, re.I):
        return None
    return _sub_once(r"\b(is|are|was|were|should|can|must|will|may|could)\b(?! not)", r"\1 not", s)


def _negate_verb(s: str, rng: random.Random) -> str | None:
    pattern = r"\b(" + "|".join(_THIRD_PERSON) + r")\b"
    m = re.search(pattern, s)
    if not m:
        return None
    word = m.group(1)
    aux = "did not" if word.endswith("ed") or word in {"found", "showed"} else ("do not" if not word.endswith("s") else "does not")
    return s[: m.start()] + f"{aux} {_THIRD_PERSON[word]}" + s[m.end() :]


def _drop_negation(s: str, rng: random.Random) -> str | None:
    out = _sub_once(r"\b(should|must|is|are|was|were|can|do|does|did)\s+not\s+", r"\1 ", s)
    if out:
        return re.sub(r"\b(do|does|did) (\w)", r"\2", out, count=1) if re.search(r"\b(do|does|did) \w", out) else out
    return _sub_once(r"\bnot\s+", "", s)


def _fails_to(s: str, rng: random.Random) -> str | None:
    pattern = r"(?<!other )(?<!the )\b(increases|reduces|raises|lowers|improves|prevents)\b"
    return _sub_once(pattern, lambda m: f"fails to {_THIRD_PERSON[m.group(1).lower()]}", s)


_ANTONYMS_TUNE = [
    ("increase", "decrease"), ("increases", "decreases"), ("increased", "decreased"), ("higher", "lower"),
    ("before", "after"), ("more", "less"), ("above", "below"), ("raise", "lower"), ("raises", "lowers"),
]
_ANTONYMS_HELD = [
    ("greater", "smaller"), ("longer", "shorter"), ("earlier", "later"), ("reduces", "increases"),
    ("reduced", "increased"), ("improves", "worsens"), ("rise", "fall"), ("high", "low"), ("first", "last"),
    ("lowers", "raises"), ("benefit", "harm"), ("safe", "unsafe"), ("effective", "ineffective"),
]


def _recommend_against(s: str, rng: random.Random) -> str | None:
    if re.search(r"\brecommends? against\b", s, re.I):
        return _sub_once(r"\b(recommends?) against\b", r"\1", s)
    return _sub_once(r"\b(recommends|recommend|suggests|suggest)\b(?! against| that)", r"\1 against", s)


def _use_to_avoid(s: str, rng: random.Random) -> str | None:
    return _sub_once(r"\b(should|can|may)\s+(be\s+)?(used|given|started|continued|preferred|offered|considered)\b", r"\1 be avoided", s)


def _recommended_to_contra(s: str, rng: random.Random) -> str | None:
    return _sub_once(r"\b(is|are)\s+(recommended|preferred|suggested|indicated|advised)\b", r"\1 contraindicated", s)


def _advise_against(s: str, rng: random.Random) -> str | None:  # held
    out = _sub_once(r"\bshould (receive|take|get|use|start)\b", r"should not \1", s)
    return out or _sub_once(r"\b(first-line|preferred)\b", "discouraged", s)


def _change_number(s: str, rng: random.Random) -> str | None:
    nums = [m for m in re.finditer(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w.]*\d)", s) if not re.match(r"(19|20)\d\d$", m.group(1))]
    if not nums:
        return None
    m = rng.choice(nums)
    value = float(m.group(1))
    options = [value * 2, value + 1, value * 3] if value < 1000 else [value + 100, value * 2]
    new = rng.choice(options)
    text = f"{new:g}" if "." in m.group(1) or new != int(new) else str(int(new))
    if text == m.group(1):
        return None
    return s[: m.start(1)] + text + s[m.end(1) :]


_UNITS_TUNE = [("mg", "mcg"), ("mcg", "mg"), ("g", "mg"), ("hours", "days"), ("weeks", "months"), ("mL", "L")]
_UNITS_HELD = [("days", "weeks"), ("months", "years"), ("mg/dL", "mmol/L"), ("minutes", "hours"), ("units", "mg"), ("kg", "lb")]


def _unit_swap(pairs: Sequence[tuple[str, str]]) -> Rewrite:
    def rewrite(s: str, rng: random.Random) -> str | None:
        for a, b in pairs:
            out = _sub_once(rf"(?<=\d)(\s*){re.escape(a)}(?![\w/])", rf"\g<1>{b}", s, flags=0)
            if out:
                return out
        return None

    return rewrite


_FREQ_TUNE = [("once daily", "once weekly"), ("twice daily", "once daily"), ("daily", "weekly"), ("weekly", "monthly")]
_FREQ_HELD = [("monthly", "yearly"), ("every other day", "every day"), ("annually", "every 10 years"), ("per day", "per week"), ("once", "twice")]


def _freq_swap(pairs: Sequence[tuple[str, str]]) -> Rewrite:
    def rewrite(s: str, rng: random.Random) -> str | None:
        for a, b in pairs:
            out = _sub_once(rf"\b{re.escape(a)}\b", b, s)
            if out:
                return out
        m = re.search(r"\bevery (\d+) (hours|days|weeks|months|years)\b", s)
        if m:
            return s[: m.start(1)] + str(int(m.group(1)) * 2) + s[m.end(1) :]
        return None

    return rewrite


_BOUNDS_TUNE = [("at least", "up to"), ("more than", "less than"), ("maximum", "minimum"), ("or more", "or less")]
_BOUNDS_HELD = [("no more than", "no less than"), ("up to", "at least"), ("below", "above"), ("under", "over"), ("exceeds", "is below")]

_POP_TUNE = [("adults", "children"), ("children", "adults"), ("women", "men"), ("older", "younger"), ("adult", "pediatric")]
_POP_HELD = [("men", "women"), ("pregnancy", "lactation"), ("infants", "adolescents"), ("elderly", "young")]


def _with_to_without(s: str, rng: random.Random) -> str | None:
    cond = r"(CKD|chronic kidney disease|kidney disease|renal impairment|diabetes|heart failure|gout|HIV|hepatic impairment|cardiovascular disease|a transplant)"
    out = _sub_once(rf"\bwith {cond}", r"without \1", s)
    return out or _sub_once(rf"\bwithout {cond}", r"with \1", s)


def _pregnant_swap(s: str, rng: random.Random) -> str | None:  # held
    return _sub_once(r"\bpregnant\b", "non-pregnant", s) or _sub_once(r"\bdialysis\b", "no dialysis", s)


def _hedge_to_certain(s: str, rng: random.Random) -> str | None:
    out = _sub_once(r"\b(may|might|could)\s+(?!not\b)(\w+)", lambda m: _certain_verb(m.group(2)), s)
    return out or _sub_once(r"\bcan (cause|increase|reduce|raise|lower|lead to|trigger)\b", r"will \1", s)


def _certain_verb(verb: str) -> str:
    if verb in {"be", "have"}:
        return {"be": "is", "have": "has"}[verb]
    if verb.endswith(("s", "sh", "ch", "x")):
        return verb + "es"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def _hedge_held(s: str, rng: random.Random) -> str | None:
    out = _sub_once(r"\b(is|are) associated with\b", r"\1 proven to cause", s)
    out = out or _sub_once(r"\bsuggests?\b(?! against)", "proves", s)
    out = out or _sub_once(r"(?<!more )(?<!less )\b(possibly|probably)\b", "certainly", s)
    return out or _sub_once(r"\bcan (?!not\b|be\b)(\w+)", r"will always \1", s)


def _drug_swap(table: AliasTable) -> Rewrite:
    generics = sorted(table.generics)

    def rewrite(s: str, rng: random.Random) -> str | None:
        found = table.find(s)
        if not found:
            return None
        start, end, surface, _generic = found[0]
        mentioned = {g for *_, g in found}
        choices = [g for g in generics if g not in mentioned and len(g) > 4]
        if not choices:
            return None
        return s[:start] + _keep_case(rng.choice(choices), surface) + s[end:]

    return rewrite


# faithful rewordings (positives)

_SYNONYMS_TUNE = [
    ("patients", "people"), ("recommends", "advises"), ("approximately", "about"), ("administered", "given"),
    ("physicians", "clinicians"), ("commonly", "often"), ("prior to", "before"), ("reduce", "lower"),
    ("reduces", "lowers"), ("use", "use"),
]
_SYNONYMS_HELD = [("should", "ought to"), ("because", "since"), ("however", "but"), ("substantially", "markedly"), ("initiated", "started"), ("discontinued", "stopped")]


def _synonyms(pairs: Sequence[tuple[str, str]]) -> Rewrite:
    table = {a: b for a, b in pairs if a != b}
    pattern = r"\b(" + "|".join(sorted(map(re.escape, table), key=len, reverse=True)) + r")\b"

    def rewrite(s: str, rng: random.Random) -> str | None:
        return _sub_once(pattern, lambda m: _keep_case(table[m.group(1).lower()], m.group(1)), s)

    return rewrite


def _reorder_clause(s: str, rng: random.Random) -> str | None:
    m = re.match(r"^(With|In|For|If|When|After|During|Before|Among|Because)\b([^,]{3,120}),\s+(.+?)([.;]?)$", s)
    if not m or re.search(r"\b(and|or)\b\s*$", m.group(2)):
        return None
    head = m.group(1).lower() + m.group(2)
    rest = m.group(3)
    return rest[:1].upper() + rest[1:] + " " + head + "."


def _to_passive(s: str, rng: random.Random) -> str | None:  # held
    m = re.match(r"^(The [\w\s()-]{3,60}?) (recommends|suggests|advises|lists|names) (?!that\b|against\b)(.+?)\.$", s)
    if not m:
        return None
    verb = {"recommends": "recommended", "suggests": "suggested", "advises": "advised", "lists": "listed", "names": "named"}[m.group(2)]
    obj = m.group(3)
    subj = m.group(1)
    return f"{obj[:1].upper() + obj[1:]} is {verb} by {subj[:1].lower() + subj[1:]}."


def _drop_clause(s: str, rng: random.Random) -> str | None:  # held
    m = re.match(r"^(.{40,}?)(?:;|, and| and notes that|, but)\s+.{15,}$", s)
    if not m or re.search(r"\b(not|no|without|unless|except)\b", s[m.end(1) :], re.I):
        return None
    return m.group(1).rstrip(",") + "."


@dataclass(frozen=True)
class Rule:
    kind: str
    name: str
    split: str
    rewrite: Rewrite
    supported: bool


def rules(table: AliasTable) -> list[Rule]:
    """Every rewrite rule of the suite, with its kind and its tune/held split."""
    return [
        Rule("rewording", "reorder-clause", "tune", _reorder_clause, True),
        Rule("rewording", "synonyms", "tune", _synonyms(_SYNONYMS_TUNE), True),
        Rule("rewording", "synonyms-held", "held", _synonyms(_SYNONYMS_HELD), True),
        Rule("rewording", "passive", "held", _to_passive, True),
        Rule("rewording", "drop-clause", "held", _drop_clause, True),
        Rule("negation", "aux-not", "tune", _negate_aux, False),
        Rule("negation", "does-not", "tune", _negate_verb, False),
        Rule("negation", "drop-negation", "held", _drop_negation, False),
        Rule("negation", "fails-to", "held", _fails_to, False),
        Rule("antonym", "antonym", "tune", _swap_words(_ANTONYMS_TUNE), False),
        Rule("antonym", "antonym-held", "held", _swap_words(_ANTONYMS_HELD), False),
        Rule("direction", "recommend-against", "tune", _recommend_against, False),
        Rule("direction", "use-to-avoid", "tune", _use_to_avoid, False),
        Rule("direction", "recommended-to-contraindicated", "held", _recommended_to_contra, False),
        Rule("direction", "advise-against", "held", _advise_against, False),
        Rule("number", "number", "tune", _change_number, False),
        Rule("unit", "unit", "tune", _unit_swap(_UNITS_TUNE), False),
        Rule("unit", "unit-held", "held", _unit_swap(_UNITS_HELD), False),
        Rule("frequency", "frequency", "tune", _freq_swap(_FREQ_TUNE), False),
        Rule("frequency", "frequency-held", "held", _freq_swap(_FREQ_HELD), False),
        Rule("bound", "bound", "tune", _swap_words(_BOUNDS_TUNE), False),
        Rule("bound", "bound-held", "held", _swap_words(_BOUNDS_HELD), False),
        Rule("drug", "drug-swap", "tune", _drug_swap(table), False),
        Rule("population", "population", "tune", _swap_words(_POP_TUNE), False),
        Rule("population", "with-without", "tune", _with_to_without, False),
        Rule("population", "population-held", "held", _swap_words(_POP_HELD), False),
        Rule("population", "pregnant-held", "held", _pregnant_swap, False),
        Rule("hedge", "may-to-does", "tune", _hedge_to_certain, False),
        Rule("hedge", "hedge-held", "held", _hedge_held, False),
    ]


def corpus_sections(corpus_dir: Path) -> Iterable[tuple[str, int, str, str, str]]:
    """(file name, line number, sentence, its section's text, document title) for each body sentence."""
    for path in sorted(corpus_dir.glob("*.md")):
        if path.name in {"README.md", "FORMAT.md"}:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        title = ""
        body_start = 0
        if lines and lines[0].strip() == "---":
            end = lines.index("---", 1)
            for line in lines[1:end]:
                if line.startswith("title:"):
                    title = line.split(":", 1)[1].strip().strip('"')
            body_start = end + 1
        section: list[tuple[int, str]] = []
        sections: list[list[tuple[int, str]]] = []
        for n, line in enumerate(lines[body_start:], start=body_start + 1):
            if line.startswith("#"):
                if section:
                    sections.append(section)
                section = []
            elif line.strip() and not line.startswith(">"):
                section.append((n, line.strip().lstrip("-* ").strip()))
        if section:
            sections.append(section)
        for sec in sections:
            text = "\n".join(s for _, s in sec)
            for n, sentence in sec:
                if 40 <= len(sentence) <= 400:
                    yield path.name, n, sentence, text, title


def perturbation_suite(corpus_dir: Path, table: AliasTable | None = None, *, seed: int = 17, per_rule: int = 120) -> list[VerifyPair]:
    """The perturbation suite: originals, faithful rewordings and perturbations (see module docstring).

    Each rule is applied to every corpus sentence it fits; a seeded sample of at most ``per_rule``
    results per rule is kept (originals: all), so the suite is balanced and the same for a seed.
    """
    table = table or AliasTable.bundled()
    rng = random.Random(seed)
    all_rules = rules(table)
    by_rule: dict[str, list[VerifyPair]] = {r.name: [] for r in all_rules}
    originals: list[VerifyPair] = []
    for name, n, sentence, passage, title in corpus_sections(corpus_dir):
        where = f"{name}:{n}"
        originals.append(VerifyPair("perturbation", "original", sentence, passage, True, "tune", where, title))
        for rule in all_rules:
            out = rule.rewrite(sentence, rng)
            if out and out.strip() != sentence.strip():
                by_rule[rule.name].append(VerifyPair("perturbation", rule.kind, out, passage, rule.supported, rule.split, f"{where}#{rule.name}", title))
    pairs = list(originals)
    for rule in all_rules:
        found = by_rule[rule.name]
        pairs.extend(found if len(found) <= per_rule else rng.sample(found, per_rule))
    return pairs


# --------------------------------------------------------------------------------------------
# Hand-labelled LLM statements


def llm_pairs(path: Path) -> list[VerifyPair]:
    """Hand-labelled statements of the LLM composer: ``{"statement", "chunk_text", "label", ...}``."""
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("//"):
            continue
        try:
            row = json.loads(line)
            label = row["label"]
            if label not in ("supported", "unsupported"):
                raise ValueError(f"label must be 'supported' or 'unsupported', not {label!r}")
            out.append(VerifyPair("llm", label, row["statement"], row["chunk_text"], label == "supported", "labelled", str(row.get("id", i)), row.get("title", "")))
        except (KeyError, ValueError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}:{i}: {exc}") from exc
    return out
