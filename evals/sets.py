"""Eval sets: the JSONL eval-item format, BEIR folders, PubMedQA, and the named sets.

The eval-item format (one JSON object per line, blank lines and ``//`` comment lines ignored)::

    {"id": "colchicine-clarithro-1",
     "question": "Can colchicine be given with clarithromycin?",
     "gold_ids": ["colchicine-colcrys-label.md"],          # or {"colchicine-colcrys-label.md": 2}
     "key_facts": ["0.6 mg followed by 0.3 mg"],
     "expected": "answer",                                  # "answer" | "abstain"
     "label": null,                                         # "yes" | "no" | "maybe" | null
     "context": {"age": 71, "kidney_function": "eGFR 25"},  # optional PatientContext fields
     "tags": ["interaction", "brand"]}

Clinician-style and safety items may add (all optional; see :class:`EvalItem`)::

     "history": ["Is it safe to start anakinra in gout on tacrolimus?"],   # earlier turns, oldest first
     "frame": {"intent": "safety", "intervention": "colchicine",          # INTENTS / ATTRIBUTES /
               "current_medications": ["tacrolimus"], "conditions": ["gout"],  # POPULATIONS of
               "population": ["transplant"], "asked_attribute": "safety"},     # curbside.qa.types
     "bottom_line_any": ["avoid", "0.6 mg"],   # any one of these in a correct bottom line
     "decision": "no",                          # "yes" | "no" | "conditional" | null
     "coverage": "full",                        # expected Answer.coverage: "full" | "partial" | "none"
     "safety": {"kind": "danger", "relation": "contraindication", "danger_any": ["contraindicated"],
                "statement": "...", "file": "labels/colchicine-colcrys-label.md"}

Every item belongs to one of two halves by a fixed hash of its id (:func:`half_of`): ``A`` to tune on,
``B`` to check with.

``gold_ids`` name what a right answer is drawn from: document ids, chunk ids (``doc_id#n``), record
ids of a JSONL corpus (BEIR ``_id``, PubMed id) or source file names relative to the corpus folder
(``"pdf/kdigo-2009-kidney-transplant-recipients.pdf"``); a retrieved passage matches a file name when
its document path ends with it. A list means grade 1 for each; a mapping gives graded relevance
(0 = judged not relevant). ``key_facts`` are short phrases a correct answer must contain or cite
(matched case-insensitively with punctuation folded, see :func:`curbside.evals.metrics.normalise`).

Named sets: ``bundled``, ``clinician``, ``clinician2``, ``clinician3`` and ``safety`` (``evals/sets/<name>.jsonl`` over the
repository's ``corpus/``), ``clinical-pdfs`` (the questions of ``pdfs/clinical/SOURCE.md`` over its
PDFs),
``medquad`` and ``scifact`` (BEIR folders) and ``pubmedqa`` (``pqal_dev.json``), the last three read
from ``../shared/data`` beside the repository, or from ``$CURBSIDE_SHARED_DATA``.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from curbside.qa.types import ATTRIBUTES, INTENTS, POPULATIONS, PatientContext

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
SETS_DIR = PACKAGE_DIR / "sets"
NAMED_SETS = ("bundled", "clinician", "clinician2", "clinician3", "safety", "medquad", "scifact", "pubmedqa")
CORPUS_SETS = ("bundled", "clinician", "clinician2", "clinician3", "safety")
"""Named JSONL sets in ``evals/sets/`` evaluated over the bundled ``corpus/``."""
HALVES = ("A", "B")


def half_of(item_id: str) -> Literal["A", "B"]:
    """The item's half: ``A`` (tune) when the first byte of SHA-256(id) is even, else ``B`` (check).

    A content hash of the id alone, so an item keeps its half however the file is ordered or grown.
    """
    return "A" if hashlib.sha256(item_id.encode("utf-8")).digest()[0] % 2 == 0 else "B"


def select_half(items: Sequence[EvalItem], half: str | None) -> list[EvalItem]:
    """The items of one half (``None``: all of them)."""
    if half is None:
        return list(items)
    if half not in HALVES:
        raise EvalSetError(f"unknown half {half!r}; use A or B")
    return [i for i in items if half_of(i.id) == half]


class EvalSetError(ValueError):
    """An eval set that cannot be found or read; the message says where and why."""


class FrameSpec(BaseModel):
    """The question frame a clinician would give the question (compared with ``analysis.frame``)."""

    model_config = ConfigDict(extra="forbid")

    intent: str = Field(description="One of curbside.qa.types.INTENTS.")
    intervention: str | None = Field(None, description="Generic or class name asked about.")
    current_medications: list[str] = Field(default_factory=list, description="Generic names.")
    conditions: list[str] = Field(default_factory=list)
    population: list[str] = Field(default_factory=list, description="Subset of POPULATIONS.")
    asked_attribute: str = Field(description="One of curbside.qa.types.ATTRIBUTES.")

    @field_validator("intent")
    @classmethod
    def _intent(cls, value: str) -> str:
        if value not in INTENTS:
            raise ValueError(f"unknown intent {value!r}; use one of {', '.join(INTENTS)}")
        return value

    @field_validator("asked_attribute")
    @classmethod
    def _attribute(cls, value: str) -> str:
        if value not in ATTRIBUTES:
            raise ValueError(f"unknown asked attribute {value!r}; use one of {', '.join(ATTRIBUTES)}")
        return value

    @field_validator("population")
    @classmethod
    def _population(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if v not in POPULATIONS]
        if bad:
            raise ValueError(f"unknown population {bad[0]!r}; use any of {', '.join(POPULATIONS)}")
        return value


class SafetySpec(BaseModel):
    """What a safety-set item checks: a stated danger the answer must show, or a stated safe pair."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["danger", "safe"]
    relation: str = Field(min_length=1, description="e.g. contraindication, avoid, dose adjustment, interaction.")
    danger_any: list[str] = Field(
        default_factory=list, description="Terms, any one of which shows the danger (danger items)."
    )
    statement: str = Field(min_length=1, description="What the corpus states about the pair.")
    file: str = Field(min_length=1, description="Corpus file (relative to corpus/) that states it.")

    @model_validator(mode="after")
    def _terms(self) -> SafetySpec:
        if self.kind == "danger" and not [t for t in self.danger_any if t.strip()]:
            raise ValueError("a danger item needs at least one danger_any term")
        return self


class EvalItem(BaseModel):
    """One eval question with what a right answer must retrieve, contain or do."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, description="Unique within the set.")
    question: str = Field(min_length=1)
    gold_ids: dict[str, int] = Field(
        default_factory=dict,
        description="Relevant doc ids, chunk ids, record ids or source file names → grade (list = grade 1).",
    )
    key_facts: list[str] = Field(default_factory=list, description="Phrases a right answer contains or cites.")
    expected: Literal["answer", "abstain"] = "answer"
    label: Literal["yes", "no", "maybe"] | None = None
    context: dict[str, Any] | None = Field(None, description="PatientContext fields given with the question.")
    tags: list[str] = Field(default_factory=list)
    history: list[str] = Field(
        default_factory=list, description="Earlier user turns, oldest first (follow-up questions)."
    )
    frame: FrameSpec | None = Field(None, description="The expected question frame.")
    bottom_line_any: list[str] = Field(
        default_factory=list, description="Terms any one of which a correct bottom line contains."
    )
    decision: Literal["yes", "no", "conditional"] | None = Field(
        None, description="Expected verdict of a yes/no-shaped question."
    )
    coverage: Literal["full", "partial", "none"] | None = Field(
        None, description="Expected Answer.coverage."
    )
    safety: SafetySpec | None = Field(None, description="Safety-set expectation (issue 19).")

    @field_validator("gold_ids", mode="before")
    @classmethod
    def _grades(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {value: 1}
        if isinstance(value, list | tuple):
            return {str(v): 1 for v in value}
        return value

    @field_validator("gold_ids")
    @classmethod
    def _non_negative(cls, value: dict[str, int]) -> dict[str, int]:
        bad = [k for k, g in value.items() if g < 0 or not k.strip()]
        if bad:
            raise ValueError(f"gold ids must be non-empty with grades >= 0 (bad: {bad[:3]})")
        return value

    @field_validator("context")
    @classmethod
    def _context(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            PatientContext.model_validate(value)  # unknown keys or wrong types fail here
        return value

    @model_validator(mode="after")
    def _consistent(self) -> EvalItem:
        if self.expected == "abstain" and self.relevant:
            raise ValueError("an item expected to abstain cannot have relevant gold_ids")
        if self.expected == "answer" and not self.relevant and not self.key_facts:
            raise ValueError("an answerable item needs gold_ids (grade > 0) or key_facts")
        if self.expected == "abstain" and (self.decision or self.bottom_line_any):
            raise ValueError("an item expected to abstain cannot have a decision or bottom_line_any")
        if self.expected == "abstain" and self.coverage == "full":
            raise ValueError("an item expected to abstain cannot expect coverage 'full'")
        if self.expected == "answer" and self.coverage in ("partial", "none"):
            raise ValueError(f"an answerable item cannot expect coverage {self.coverage!r}; use expected 'abstain'")
        if any(not h.strip() for h in self.history):
            raise ValueError("history turns must be non-empty")
        return self

    @property
    def relevant(self) -> dict[str, int]:
        """Gold ids with a positive grade."""
        return {k: g for k, g in self.gold_ids.items() if g > 0}

    def patient_context(self) -> PatientContext | None:
        return PatientContext.model_validate(self.context) if self.context else None


@dataclass
class CorpusRecord:
    """One retrievable unit of a set's own corpus (a BEIR document, a PubMed abstract, a file)."""

    id: str
    title: str
    text: str
    year: int | None = None
    kind: str | None = None  # the document kind it is indexed as (None: the loader's default, review)


@dataclass
class EvalSet:
    """Items plus what they are evaluated over."""

    name: str
    items: list[EvalItem]
    kind: Literal["jsonl", "beir", "pubmedqa"]
    source: Path
    split: str | None = None
    records: list[CorpusRecord] | None = field(default=None, repr=False)
    corpus_dir: Path | None = None  # bundled/custom sets: the folder the gold file names live in
    sampling: dict[str, Any] = field(default_factory=dict)
    corpus_paths: list[Path] | None = None  # files indexed for this set alone (clinical-pdfs)
    conclusions: dict[str, str] = field(default_factory=dict, repr=False)  # item id → indexed conclusion
    setting: str | None = None  # PubMedQA: reasoning-required | reasoning-free

    @property
    def has_frames(self) -> bool:
        """Any item carries an expected frame: the set is reported per half."""
        return any(i.frame is not None for i in self.items)

    @property
    def gold_universe(self) -> set[str]:
        return {g for item in self.items for g in item.gold_ids}


# ---------------------------------------------------------------------------------------------
# JSONL eval items


def parse_items(lines: Iterable[str], where: str = "<items>") -> list[EvalItem]:
    """Parse eval-item JSONL; every bad line is reported as ``where:line: reason`` in one error."""
    items: list[EvalItem] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for lineno, raw in enumerate(lines, start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("//"):
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{where}:{lineno}: invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(data, dict):
            errors.append(f"{where}:{lineno}: expected a JSON object, found {type(data).__name__}")
            continue
        try:
            item = EvalItem.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'item'}: {e['msg']}" for e in exc.errors()
            )
            errors.append(f"{where}:{lineno}: {problems}")
            continue
        if item.id in seen:
            errors.append(f"{where}:{lineno}: duplicate id {item.id!r} (first on line {seen[item.id]})")
            continue
        seen[item.id] = lineno
        items.append(item)
    if errors:
        shown = "\n  ".join(errors[:20])
        more = f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else ""
        raise EvalSetError(f"{len(errors)} bad line(s) in {where}:\n  {shown}{more}")
    return items


def read_items(path: Path | str) -> list[EvalItem]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalSetError(f"cannot read eval items from {path}: {exc}") from exc
    items = parse_items(text.splitlines(), str(path))
    if not items:
        raise EvalSetError(f"{path}: no eval items")
    return items


def write_items(items: Sequence[EvalItem], path: Path | str) -> None:
    with Path(path).open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(item.model_dump_json(exclude_defaults=True) + "\n")


# ---------------------------------------------------------------------------------------------
# BEIR folders


def beir_splits(folder: Path) -> list[str]:
    qrels = folder / "qrels"
    return sorted(p.stem for p in qrels.glob("*.tsv")) if qrels.is_dir() else []


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """``query-id corpus-id score`` TSV (header optional, CRLF or LF) → {qid: {doc id: grade}}."""
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for lineno, raw in enumerate(fh, start=1):
            line = raw.rstrip("\r\n").lstrip("\ufeff")
            if not line.strip():
                continue
            parts = line.split("\t")
            if lineno == 1 and parts[0].strip().lower() in ("query-id", "query_id", "qid"):
                continue
            if len(parts) < 2:
                raise EvalSetError(f"{path}:{lineno}: expected 'query-id<TAB>corpus-id<TAB>score'")
            qid, did = parts[0].strip(), parts[1].strip()
            try:
                grade = int(float(parts[2])) if len(parts) > 2 and parts[2].strip() else 1
            except ValueError as exc:
                raise EvalSetError(f"{path}:{lineno}: score {parts[2]!r} is not a number") from exc
            qrels.setdefault(qid, {})[did] = grade
    return qrels


def _read_jsonl(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, start=1):
            line = raw.strip().lstrip("\ufeff")
            if not line:
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvalSetError(f"{path}:{lineno}: invalid JSON ({exc.msg})") from exc
            if not isinstance(data, dict):
                raise EvalSetError(f"{path}:{lineno}: expected a JSON object")
            yield lineno, data


def read_beir(
    folder: Path | str,
    split: str | None = None,
    *,
    name: str | None = None,
    max_docs: int | None = None,
    max_queries: int | None = None,
    seed: int = 13,
) -> EvalSet:
    """Read a BEIR folder (``corpus.jsonl``, ``queries.jsonl``, ``qrels/<split>.tsv``).

    ``split`` defaults to the only split present; with several, it must be named. Only queries with
    at least one relevant judgement in the split become items.
    """
    folder = Path(folder)
    for needed in ("corpus.jsonl", "queries.jsonl"):
        if not (folder / needed).is_file():
            raise EvalSetError(f"{folder} is not a BEIR folder: {needed} is missing")
    splits = beir_splits(folder)
    if not splits:
        raise EvalSetError(f"{folder}/qrels holds no <split>.tsv file")
    if split is None:
        if len(splits) > 1:
            raise EvalSetError(f"{folder} has several splits ({', '.join(splits)}); choose one with --split")
        split = splits[0]
    elif split not in splits:
        raise EvalSetError(f"{folder} has no split {split!r}; splits present: {', '.join(splits)}")
    qrels = read_qrels(folder / "qrels" / f"{split}.tsv")
    queries = {str(q.get("_id")): str(q.get("text", "")) for _, q in _read_jsonl(folder / "queries.jsonl")}
    qids = sorted(q for q, rels in qrels.items() if any(g > 0 for g in rels.values()))
    missing = [q for q in qids if q not in queries]
    if missing:
        raise EvalSetError(f"{len(missing)} qrel query ids are not in queries.jsonl (e.g. {missing[0]!r})")
    rng = random.Random(seed)
    if max_queries is not None and len(qids) > max_queries:
        qids = sorted(rng.sample(qids, max_queries))
    items = [
        EvalItem.model_validate({"id": q, "question": queries[q], "gold_ids": qrels[q], "tags": [split]})
        for q in qids
    ]
    records = [
        CorpusRecord(id=str(d.get("_id")), title=str(d.get("title") or ""), text=str(d.get("text") or ""))
        for _, d in _read_jsonl(folder / "corpus.jsonl")
    ]
    records = sample_records(records, {g for i in items for g in i.gold_ids}, max_docs, rng)
    return EvalSet(
        name=name or folder.name,
        items=items,
        kind="beir",
        source=folder,
        split=split,
        records=records,
        sampling={"split": split, "max_docs": max_docs, "max_queries": max_queries, "seed": seed},
    )


def sample_records(
    records: list[CorpusRecord], keep: set[str], max_docs: int | None, rng: random.Random
) -> list[CorpusRecord]:
    """Every record in ``keep`` plus random others up to ``max_docs`` in all (corpus order kept)."""
    if max_docs is None or len(records) <= max_docs:
        return records
    gold = [i for i, r in enumerate(records) if r.id in keep]
    others = [i for i, r in enumerate(records) if r.id not in keep]
    room = max(0, max_docs - len(gold))
    chosen = set(gold) | set(rng.sample(others, min(room, len(others))))
    return [records[i] for i in sorted(chosen)]


# ---------------------------------------------------------------------------------------------
# PubMedQA


PUBMEDQA_SETTINGS = ("reasoning-required", "reasoning-free")
CONCLUSION_HEADING = "CONCLUSIONS"


def pubmedqa_text(contexts: Sequence[Any], conclusion: str | None = None) -> str:
    """An abstract's indexed text: its context paragraphs, then (reasoning-free) its conclusion last.

    The conclusion is one more paragraph headed ``CONCLUSIONS:``, as structured abstracts print it.
    """
    text = "\n\n".join(str(c) for c in contexts)
    if conclusion is not None and conclusion.strip():
        text += f"\n\n{CONCLUSION_HEADING}: {conclusion.strip()}"
    return text


def read_pubmedqa(
    path: Path | str,
    *,
    name: str = "pubmedqa",
    max_docs: int | None = None,
    max_queries: int | None = None,
    seed: int = 13,
    setting: str = "reasoning-required",
) -> EvalSet:
    """PubMedQA PQA-L JSON: each item's abstract forms one document (id = PubMed id).

    ``setting`` follows Jin et al. (2019): *reasoning-required* indexes the CONTEXTS only (the
    conclusion is held back, so the answer must be inferred from the results); *reasoning-free*
    also indexes the abstract's conclusion (LONG_ANSWER) as its last paragraph.
    """
    if setting not in PUBMEDQA_SETTINGS:
        raise EvalSetError(f"unknown PubMedQA setting {setting!r}; use {' or '.join(PUBMEDQA_SETTINGS)}")
    free = setting == "reasoning-free"
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvalSetError(f"cannot read PubMedQA file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise EvalSetError(f"{path}: expected a JSON object keyed by PubMed id")
    items: list[EvalItem] = []
    records: list[CorpusRecord] = []
    conclusions: dict[str, str] = {}
    for pmid, entry in data.items():
        try:
            contexts = entry["CONTEXTS"]
            question = entry["QUESTION"]
            decision = str(entry["final_decision"]).strip().lower()
        except (KeyError, TypeError) as exc:
            raise EvalSetError(f"{path}: item {pmid!r} lacks QUESTION, CONTEXTS or final_decision") from exc
        conclusion = None
        if free:
            conclusion = entry.get("LONG_ANSWER")
            if not isinstance(conclusion, str) or not conclusion.strip():
                raise EvalSetError(f"{path}: item {pmid!r} has no LONG_ANSWER (needed for reasoning-free)")
            conclusions[str(pmid)] = f"{CONCLUSION_HEADING}: {conclusion.strip()}"
        year = entry.get("YEAR")
        records.append(
            CorpusRecord(
                id=str(pmid),
                title=f"PubMed {pmid}",
                text=pubmedqa_text(contexts, conclusion),
                year=int(year) if str(year or "").isdigit() else None,
                kind="research",  # a PubMed abstract: the composer reads it as research
            )
        )
        items.append(
            EvalItem.model_validate({
                "id": str(pmid), "question": str(question), "gold_ids": [str(pmid)],
                "label": decision if decision in ("yes", "no", "maybe") else None, "tags": ["pubmedqa"],
            })
        )
    rng = random.Random(seed)
    if max_queries is not None and len(items) > max_queries:
        keep = set(rng.sample([i.id for i in items], max_queries))
        items = [i for i in items if i.id in keep]
    records = sample_records(records, {i.id for i in items}, max_docs, rng)
    keep_ids = {i.id for i in items}
    return EvalSet(
        name=name, items=items, kind="pubmedqa", source=path, split="dev", records=records,
        sampling={"split": "dev", "max_docs": max_docs, "max_queries": max_queries, "seed": seed},
        conclusions={k: v for k, v in conclusions.items() if k in keep_ids}, setting=setting,
    )


# ---------------------------------------------------------------------------------------------
# the real clinical PDFs (questions and quoted answers from ../shared/data/pdfs/SOURCE.md)

CLINICAL_PDFS_SET = "clinical-pdfs"
_PDF_HEADING = re.compile(r"^###\s+(\S+\.pdf)\s*$")
_PDF_QUESTION = re.compile(r'^\s*\d+\.\s+(?P<q>.+?\?)\s+On p(?P<page>\d+):\s+"(?P<quote>[^"]+)"')


def parse_pdf_questions(source_md: Path, folder: str = "clinical") -> list[EvalItem]:
    """The questions SOURCE.md lists for each PDF of ``folder``, each with its quoted answer.

    Read at run time (the questions and quotes stay in ../shared/data). Each numbered line under a
    ``### <file>.pdf`` heading of the ``## <folder>/`` part, ``N. Question? On pP: "quoted answer"``,
    becomes an item whose gold is that file and whose key fact is the quote.
    """
    try:
        lines = source_md.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalSetError(f"cannot read {source_md}: {exc}") from exc
    items: list[EvalItem] = []
    in_folder, pdf = False, None
    for line in lines:
        if line.startswith("## "):
            in_folder = line[3:].strip().startswith(f"{folder}/")
            pdf = None
            continue
        head = _PDF_HEADING.match(line)
        if head:
            pdf = head.group(1) if in_folder else None
            continue
        m = _PDF_QUESTION.match(line)
        if m and pdf:
            n = sum(1 for i in items if i.gold_ids.get(pdf)) + 1
            items.append(EvalItem(
                id=f"{Path(pdf).stem}-q{n}", question=m.group("q").strip(), gold_ids={pdf: 1},
                key_facts=[m.group("quote")], tags=["clinical-pdf", f"page-{m.group('page')}"],
            ))
    if not items:
        raise EvalSetError(f"{source_md}: no 'N. Question? On pP: \"quote\"' lines under ## {folder}/")
    return items


def clinical_pdfs_set(root: Path | None = None) -> EvalSet:
    """The ``clinical-pdfs`` set: SOURCE.md's questions over the four PDFs of ``pdfs/clinical``."""
    root = root or shared_data_dir() / "pdfs"
    source, folder = root / "SOURCE.md", root / "clinical"
    if not source.is_file() or not folder.is_dir():
        raise EvalSetError(
            f"eval set {CLINICAL_PDFS_SET!r} needs {source} and {folder}, which are absent; the public data "
            "lives in ../shared/data beside the repository (set CURBSIDE_SHARED_DATA to point elsewhere)"
        )
    items = parse_pdf_questions(source)
    pdfs = sorted(folder.glob("*.pdf"))
    missing = sorted({g for i in items for g in i.gold_ids} - {p.name for p in pdfs})
    if missing:
        raise EvalSetError(f"{source} names PDFs that are not in {folder}: {', '.join(missing)}")
    return EvalSet(
        name=CLINICAL_PDFS_SET, items=items, kind="jsonl", source=source, corpus_dir=folder,
        corpus_paths=pdfs, sampling={"split": None, "max_docs": None, "max_queries": None, "seed": 13},
    )


# ---------------------------------------------------------------------------------------------
# named sets and corpus files


def shared_data_dir() -> Path:
    env = os.environ.get("CURBSIDE_SHARED_DATA")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "data"


def bundled_corpus_dir() -> Path:
    env = os.environ.get("CURBSIDE_CORPUS_DIR")
    return Path(env) if env else REPO_ROOT / "corpus"


_SHARED_PATHS = {"medquad": "medquad", "scifact": "beir/scifact", "pubmedqa": "pubmedqa/pqal_dev.json"}


def resolve_set(
    name_or_path: str | Path,
    *,
    split: str | None = None,
    max_docs: int | None = None,
    max_queries: int | None = None,
    seed: int = 13,
    half: str | None = None,
    setting: str | None = None,
) -> EvalSet:
    """A named set (:data:`NAMED_SETS`, ``clinical-pdfs``) or a path to one, optionally one half.

    A path may be a BEIR folder, a PubMedQA-shaped ``.json`` file or an eval-item ``.jsonl`` file.
    ``setting`` applies to PubMedQA (default reasoning-required); the reasoning-free run is named
    ``<name>-reasoning-free`` so its index, reports and expected scores stay apart. ``half`` keeps
    the items of one half (:func:`half_of`) and is recorded in the sampling.
    """
    eval_set = _resolve(name_or_path, split=split, max_docs=max_docs, max_queries=max_queries, seed=seed,
                        setting=setting)
    if half is not None:
        eval_set.items = select_half(eval_set.items, half)
        eval_set.sampling["half"] = half
        if not eval_set.items:
            raise EvalSetError(f"half {half} of {eval_set.name} has no items")
    return eval_set


def _resolve(
    name_or_path: str | Path,
    *,
    split: str | None,
    max_docs: int | None,
    max_queries: int | None,
    seed: int,
    setting: str | None,
) -> EvalSet:
    key = str(name_or_path)
    if setting is not None and key != "pubmedqa" and not key.lower().endswith(".json"):
        raise EvalSetError(f"--setting applies to PubMedQA only, not to {key!r}")
    if key == CLINICAL_PDFS_SET:
        return clinical_pdfs_set()
    if key in CORPUS_SETS:
        source = SETS_DIR / f"{key}.jsonl"
        if not source.is_file():
            raise EvalSetError(f"eval set {key!r} needs {source}, which is absent")
        items = read_items(source)
        if max_queries is not None and len(items) > max_queries:
            keep = set(random.Random(seed).sample([i.id for i in items], max_queries))
            items = [i for i in items if i.id in keep]
        return EvalSet(
            name=key, items=items, kind="jsonl", source=source,
            corpus_dir=bundled_corpus_dir(),
            sampling={"split": None, "max_docs": None, "max_queries": max_queries, "seed": seed},
        )
    if key in _SHARED_PATHS:
        root = shared_data_dir()
        path = root / _SHARED_PATHS[key]
        if not path.exists():
            raise EvalSetError(
                f"eval set {key!r} needs {path}, which is absent; the public data lives in ../shared/data "
                "beside the repository (set CURBSIDE_SHARED_DATA to point elsewhere)"
            )
        name_or_path = path
    path = Path(name_or_path)
    name = key if key in _SHARED_PATHS else path.stem if path.is_file() else path.name
    if path.is_dir():
        return read_beir(path, split, name=name, max_docs=max_docs, max_queries=max_queries, seed=seed)
    if path.is_file() and path.suffix.lower() == ".json":
        setting = setting or "reasoning-required"
        if setting != "reasoning-required":
            name = f"{name}-{setting}"
        return read_pubmedqa(path, name=name, max_docs=max_docs, max_queries=max_queries, seed=seed,
                             setting=setting)
    if path.is_file():
        items = read_items(path)
        if max_queries is not None and len(items) > max_queries:
            keep = set(random.Random(seed).sample([i.id for i in items], max_queries))
            items = [i for i in items if i.id in keep]
        return EvalSet(
            name=name, items=items, kind="jsonl", source=path,
            sampling={"split": None, "max_docs": None, "max_queries": max_queries, "seed": seed},
        )
    raise EvalSetError(
        f"unknown eval set {key!r}: use one of {', '.join(NAMED_SETS)}, {CLINICAL_PDFS_SET}, a BEIR folder, "
        "a PubMedQA .json file or an eval-item .jsonl file"
    )


def corpus_bytes(records: Sequence[CorpusRecord]) -> bytes:
    """The set's corpus as JSONL (id, title, text[, year][, kind]); deterministic for equal records.

    A record's ``kind`` is written into its line, where the JSONL loader reads it, so an abstract
    is indexed as research rather than under the loader's default.
    """
    out = []
    for r in records:
        rec: dict[str, Any] = {"id": r.id, "title": r.title, "text": r.text}
        if r.year is not None:
            rec["year"] = r.year
        if r.kind is not None:
            rec["kind"] = r.kind
        out.append(json.dumps(rec, ensure_ascii=False, sort_keys=True))
    return ("\n".join(out) + "\n").encode("utf-8")


def write_corpus(records: Sequence[CorpusRecord], work_dir: Path, set_name: str) -> tuple[Path, str]:
    """Write the corpus JSONL under ``work_dir`` keyed by its content hash; returns (file, hash).

    The file is written only when absent, so an unchanged corpus keeps its file (and fingerprint),
    and an index built from it is reused.
    """
    blob = corpus_bytes(records)
    digest = hashlib.sha256(blob).hexdigest()[:16]
    folder = work_dir / f"{set_name}-{digest}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "corpus.jsonl"
    if not path.is_file() or path.stat().st_size != len(blob):
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(blob)
        tmp.replace(path)
    return path, digest


def records_from_folder(folder: Path) -> list[CorpusRecord]:
    """Load a corpus folder with the ingest loaders; record id = path relative to the folder."""
    from curbside.ingest.discover import discover
    from curbside.ingest.loaders import LoadError, load_file

    sources, _issues = discover([folder])
    records: list[CorpusRecord] = []
    for src in sources:
        try:
            result = load_file(src.path, src.folder_meta)
        except LoadError:
            continue
        rel = src.path.resolve().relative_to(folder.resolve()).as_posix()
        for parsed in result.documents:
            doc = parsed.document
            rid = rel if "#" not in doc.path else f"{rel}#{doc.path.rsplit('#', 1)[1]}"
            records.append(CorpusRecord(id=rid, title=doc.title, text=parsed.text, year=doc.year, kind=doc.kind))
    return records


def qrels_of(items: Sequence[EvalItem]) -> dict[str, dict[str, int]]:
    return {i.id: dict(i.gold_ids) for i in items if i.relevant}


def as_mapping(value: Mapping[str, int] | Sequence[str]) -> dict[str, int]:
    return dict(value) if isinstance(value, Mapping) else {v: 1 for v in value}
