"""Generate the safety eval set (issue 19) from the hand-curated pair table.

``evals/sets/safety_pairs.yaml`` lists (intervention, current medication / condition / population)
pairs for which the bundled corpus states a danger (contraindication, boxed warning, avoid, major
interaction, required dose change) or states that the pair is safe. Each pair carries the corpus file
and the verbatim sentence that states it. This script checks every pair against the corpus (the
sentence must be a substring of the file; danger terms must come from the sentence or name a drug of
the pair) and turns each pair into two clinician-style questions, worded by a seeded choice over many
phrasings (brand names, ages, kidney function, "already on", "just started" ...), written to
``evals/sets/safety.jsonl`` in the eval-item format of :mod:`curbside.evals.sets`.

Run from the repository root (deterministic: the same table gives the same file)::

    .venv/bin/python -m curbside.evals.make_safety_set          # or: python evals/make_safety_set.py
    .venv/bin/python -m curbside.evals.make_safety_set --check  # fail if safety.jsonl is stale
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from curbside.evals.sets import EvalItem
from curbside.qa.types import ATTRIBUTES, INTENTS, POPULATIONS

PACKAGE_DIR = Path(__file__).resolve().parent
PAIRS_PATH = PACKAGE_DIR / "sets" / "safety_pairs.yaml"
OUT_PATH = PACKAGE_DIR / "sets" / "safety.jsonl"
CORPUS_DIR = PACKAGE_DIR.parent / "corpus"
QUESTIONS_PER_PAIR = 2
"""Questions per pair from the first phrasings (:data:`_MED_TEMPLATES`, :data:`_CONTEXT_TEMPLATES`)."""
STORY_QUESTIONS = 1
"""Further questions per pair from the story phrasings (:data:`_STORY_MED_TEMPLATES` ...): clinicians'
shorthand ("67F", "Pt", "med list"), brand names and abbreviations preferred. Drawn with their own seed,
so adding them left the first questions of every pair exactly as they were."""
SEED = "curbside-safety-v1"
"""Seed prefix of the per-pair random choices; change it (and regenerate) only to reword the set."""
STORY_SEED = "curbside-safety-story-v1"

OLDER_ADULT_AGE = 65
"""Ages at or above this put "older adult" in the frame's population, as in the clinician set."""
CHILD_AGE = 18
DEFAULT_AGES = (34, 41, 47, 52, 58, 63, 67, 71)

Relation = Literal["contraindication", "boxed warning", "avoid", "interaction", "dose change", "caution", "none"]


class SafetySetError(ValueError):
    """A pair table that cannot be turned into a safety set; the message names the pair and field."""


class ExplicitQuestion(BaseModel):
    """A question template written for one pair (phase-specific doses, third-party questions)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, description="Template with {drug}, {med}, {patient}, {age}, {pron} ...")
    yes_no: bool = Field(description="Answered by yes / no / conditional (then it carries a decision).")


class Pair(BaseModel):
    """One row of ``safety_pairs.yaml`` (see the comment block at the top of that file)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")
    kind: Literal["danger", "safe"]
    relation: Relation
    intervention: str = Field(min_length=1)
    names: list[str] = Field(min_length=1, description="Ways to name the intervention; first = generic.")
    purpose: str = ""
    meds: dict[str, list[str]] = Field(default_factory=dict, description="generic -> ways to name it")
    conditions: list[str] = Field(default_factory=list)
    population: list[str] = Field(default_factory=list)
    patient: list[str] = Field(default_factory=list, description="Phrases describing the patient.")
    ages: list[int] = Field(default_factory=list)
    sex: Literal["female", "male"] | None = None
    via_class: str | None = None
    verb: str | None = Field(None, description="Verb for 'Can I ___ it' (default start; give for vaccines).")
    attribute: str = "safety"
    intent: str | None = None
    file: str = Field(min_length=1)
    statement: str = Field(min_length=1)
    danger_any: list[str] = Field(default_factory=list)
    decision: Literal["yes", "no", "conditional"]
    questions: list[ExplicitQuestion] = Field(default_factory=list)
    added: str | None = Field(None, description="When the pair was added (e.g. 'stop 17'); tags its items.")

    @model_validator(mode="after")
    def _consistent(self) -> Pair:
        if self.kind == "danger":
            if not self.danger_any:
                raise ValueError("a danger pair needs danger_any terms")
            if self.relation == "none":
                raise ValueError("a danger pair needs a relation other than 'none'")
            if self.decision == "yes":
                raise ValueError("a danger pair cannot have decision 'yes'")
        else:
            if self.relation != "none" or self.danger_any or self.decision != "yes":
                raise ValueError("a safe pair has relation 'none', no danger_any and decision 'yes'")
        bad = [p for p in self.population if p not in POPULATIONS]
        if bad:
            raise ValueError(f"unknown population {bad[0]!r}; use any of {', '.join(POPULATIONS)}")
        if self.attribute not in ATTRIBUTES:
            raise ValueError(f"unknown attribute {self.attribute!r}")
        if self.intent is not None and self.intent not in INTENTS:
            raise ValueError(f"unknown intent {self.intent!r}")
        lowered = [self.intervention, *self.meds, *self.conditions]
        if any(v != v.lower() for v in lowered):
            raise ValueError("intervention, meds and conditions are lower-case generic names")
        if self.intervention in self.meds:
            raise ValueError("the intervention cannot also be a current medication")
        if not self.questions and not self.meds and not self.patient:
            raise ValueError("a pair without meds or patient phrases needs explicit questions")
        if self.added is not None and not re.fullmatch(r"[a-z0-9][a-z0-9 -]*", self.added):
            raise ValueError(f"added: {self.added!r} is not a lower-case label such as 'stop 17'")
        return self


# ---------------------------------------------------------------------------------------------
# reading and checking the table


def corpus_text(file: str, corpus_dir: Path = CORPUS_DIR) -> str:
    """The text a gold file id stands for: ``pdf/<stem>.pdf`` is rendered from ``pdf-sources/<stem>.md``."""
    if file.startswith("pdf/") and file.endswith(".pdf"):
        if not (corpus_dir / file).is_file():
            raise SafetySetError(f"{file}: no such PDF under {corpus_dir}")
        path = corpus_dir / "pdf-sources" / (Path(file).stem + ".md")
    else:
        path = corpus_dir / file
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SafetySetError(f"{file}: cannot read {path}: {exc}") from exc


def read_pairs(path: Path = PAIRS_PATH, corpus_dir: Path = CORPUS_DIR) -> list[Pair]:
    """Parse and check the pair table; every problem is reported, each naming its pair and field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SafetySetError(f"cannot read {path}: {exc}") from exc
    rows = data.get("pairs") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise SafetySetError(f"{path}: expected a mapping with a non-empty 'pairs' list")
    pairs: list[Pair] = []
    errors: list[str] = []
    seen: set[str] = set()
    for n, row in enumerate(rows, start=1):
        where = f"pair {n} ({row.get('id', '?') if isinstance(row, dict) else '?'})"
        try:
            pair = Pair.model_validate(row)
        except ValidationError as exc:
            errors += [f"{where}: {'.'.join(map(str, e['loc'])) or 'pair'}: {e['msg']}" for e in exc.errors()]
            continue
        if pair.id in seen:
            errors.append(f"{where}: duplicate id")
        seen.add(pair.id)
        errors += [f"{where}: {p}" for p in _corpus_problems(pair, corpus_dir)]
        pairs.append(pair)
    if errors:
        raise SafetySetError(f"{len(errors)} problem(s) in {path}:\n  " + "\n  ".join(errors))
    return pairs


def _corpus_problems(pair: Pair, corpus_dir: Path) -> list[str]:
    try:
        text = corpus_text(pair.file, corpus_dir)
    except SafetySetError as exc:
        return [f"file: {exc}"]
    problems = []
    if pair.statement not in text:
        problems.append(f"statement: not a verbatim sentence of {pair.file}")
    if pair.file.startswith("pdf/"):
        try:
            pair.statement.encode("latin-1")
        except UnicodeEncodeError:
            problems.append("statement: the PDF renders Latin-1 only, so this sentence is not verbatim in it")
    names = [pair.intervention, *pair.names, *pair.meds, *(n for ns in pair.meds.values() for n in ns)]
    allowed = [pair.statement.lower(), *(n.lower() for n in names)]
    for term in pair.danger_any:
        if not any(term.lower() in a for a in allowed):
            problems.append(f"danger_any: {term!r} is neither in the statement nor a drug of the pair")
    if pair.danger_any and not any(t.lower() in pair.statement.lower() for t in pair.danger_any):
        problems.append("danger_any: no term comes from the statement")
    return problems


# ---------------------------------------------------------------------------------------------
# wording

# (template, shape): "yn" templates are yes/no-shaped and carry the pair's decision; "open" do not.
# "interaction" templates ask about the pair as a combination (frame intent "interaction").
_MED_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("Is it safe to {start} {drug}{purpose} in {a_age}-year-old {patient_sp}who is {on} {med}?", "yn"),
    ("Patient {patient_sp}{on} {med}. OK to give {drug}{purpose}?", "yn"),
    ("Can I use {drug}{purpose} in someone {patient_sp}taking {med}?", "yn"),
    ("{Drug}{purpose} with {med} — is that OK{for_patient}?", "yn-interaction"),
    ("Would you give {drug}{purpose} to {a_age}-year-old {patient_sp}who {started} {med}?", "yn"),
    ("Patient {patient_sp}who {started} {med}: can {pron} have {drug}{purpose}?", "yn"),
    ("What do I need to know before giving {drug}{purpose} to {a_age}-year-old {patient_sp}on {med}?",
     "open-interaction"),
    ("{Age}-year-old {patient_sp}on {med} needs {drug}{purpose}. Anything I should change?", "open-interaction"),
)
_CONTEXT_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("Is {drug} OK{purpose} in {a_age}-year-old {patient}?", "yn"),
    ("Can I {start} {drug}{purpose} in a patient {patient}?", "yn"),
    ("Would you use {drug}{purpose} in someone {patient}?", "yn"),
    ("{Age}-year-old {patient}: is {drug}{purpose} safe?", "yn"),
    ("Any reason not to give {drug}{purpose} to {a_age}-year-old {patient}?", "open"),
    ("Anything I should watch for with {drug}{purpose} in a patient {patient}?", "open"),
)
_STORY_MED_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("{Age}{sex_letter} {patient_sp}on {med}. Thinking about {drug}{purpose}: OK?", "yn"),
    ("Pt {patient_sp}takes {med} daily; plan is to add {drug}{purpose}. Safe?", "yn"),
    ("Quick one: {drug}{purpose} for someone {patient_sp}who takes {med}, fine?", "yn"),
    ("Seeing {a_age}-year-old {patient_sp}whose med list includes {med}. Can {drug}{purpose} be added?", "yn"),
    ("{Pron} has been on {med} for years{patient_comma}. Is {drug}{purpose} reasonable now?", "yn"),
    ("My patient is {a_age}-year-old {sex_noun} {patient_sp}on {med}. Can I {start} {drug}{purpose}?", "yn"),
    ("Any concerns adding {drug}{purpose} to {med} in {a_age}-year-old {patient_sp}?", "open-interaction"),
    ("Med list: {med}{patient_comma}. I want to prescribe {drug}{purpose}. Any red flags?", "open"),
)
_STORY_CONTEXT_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("{Age}{sex_letter} {patient}. Thinking about {drug}{purpose}: OK?", "yn"),
    ("Pt {patient}, and I'm considering {drug}{purpose}. Reasonable?", "yn"),
    ("Quick check: {drug}{purpose} in someone {patient}, go ahead?", "yn"),
    ("My patient is {a_age}-year-old {sex_noun} {patient}. Can I {start} {drug}{purpose}?", "yn"),
    ("I have {a_age}-year-old {patient} and I'm considering {drug}{purpose}. Any issues?", "open"),
    ("Is there any problem prescribing {drug}{purpose} for a patient {patient}?", "open"),
)
_ON = ("already on", "on", "taking", "maintained on")
_STARTED = ("just started", "recently started", "has been taking", "is on")


@dataclass(frozen=True)
class Question:
    text: str
    yes_no: bool
    intent: str
    attribute: str
    population: tuple[str, ...]
    brand: bool
    story: bool = False


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def _pick(names: Sequence[str], rng: random.Random, prefer_alias: bool) -> str:
    """One way to name a drug; with ``prefer_alias`` a brand, code or abbreviation when there is one."""
    aliases = list(names[1:]) if prefer_alias and len(names) > 1 else list(names)
    return rng.choice(aliases)


def _words(pair: Pair, rng: random.Random, prefer_alias: bool = False) -> dict[str, Any]:
    ages = pair.ages or list(DEFAULT_AGES)
    sex = pair.sex or rng.choice(("female", "male"))
    patient = rng.choice(pair.patient) if pair.patient else ""
    meds = [_pick(names, rng, prefer_alias) for names in pair.meds.values()]
    drug = _pick(pair.names, rng, prefer_alias)
    age = rng.choice(ages)
    child = age < CHILD_AGE
    words: dict[str, Any] = {
        "drug": drug,
        "Drug": _cap(drug),
        "med": " and ".join(meds),
        "age": age,
        "pron": "she" if sex == "female" else "he",
        "Pron": "She" if sex == "female" else "He",
        "pron_pos": "her" if sex == "female" else "his",
        "patient": patient,
        "patient_sp": f"{patient} " if patient else "",
        "patient_comma": f", {patient}" if patient else "",
        "for_patient": f" for a patient {patient}" if patient else "",
        "purpose": f" {pair.purpose}" if pair.purpose else "",
        "start": pair.verb or ("give" if pair.attribute == "vaccination" else "start"),
        "on": rng.choice(_ON),
        "started": rng.choice(_STARTED),
        "_brand": drug != pair.names[0] or any(m not in pair.meds for m in meds),
    }
    words["sex_letter"] = "F" if sex == "female" else "M"
    words["sex_noun"] = ("girl" if child else "woman") if sex == "female" else ("boy" if child else "man")
    words["Age"] = str(words["age"])
    words["a_age"] = ("an " if str(words["age"]).startswith("8") or words["age"] in (11, 18) else "a ") + str(words["age"])
    return words


def _usable(pair: Pair, templates: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    pool = list(templates)
    if not pair.patient:
        pool = [t for t in pool if "{patient}" not in t[0]]
    if pair.ages:  # the age matters (a child, a dose threshold): every question states it
        pool = [t for t in pool if "age}" in t[0] or "{Age}" in t[0]]
    return pool


def _question(pair: Pair, template: str, shape: str, rng: random.Random, *, story: bool = False) -> Question:
    words = _words(pair, rng, prefer_alias=story)
    text = " ".join(template.format(**words).split())
    text = text.replace(" ,", ",").replace(" .", ".").replace(" ?", "?")
    return Question(
        text=_cap(text),
        yes_no=shape.startswith("yn"),
        intent=_intent(pair, shape),
        attribute=_attribute(pair, shape),
        population=_population(pair, words["age"] if "age}" in template or "{Age}" in template else None),
        brand=bool(words["_brand"]),
        story=story,
    )


def questions_for(pair: Pair) -> list[Question]:
    """Differently worded questions for a pair (deterministic for the pair id): two from the first
    phrasings, then :data:`STORY_QUESTIONS` from the story phrasings (for a pair with explicit
    questions, its further explicit ones, if it has more)."""
    rng = random.Random(f"{SEED}:{pair.id}")
    if pair.questions:
        pool = [(q.text, "yn" if q.yes_no else "open") for q in pair.questions]
    else:
        pool = _usable(pair, _MED_TEMPLATES if pair.meds else _CONTEXT_TEMPLATES)
    if len(pool) < QUESTIONS_PER_PAIR:
        raise SafetySetError(f"pair {pair.id}: fewer than {QUESTIONS_PER_PAIR} usable question templates")
    # at least one yes/no question per pair, so that every pair tests the verdict
    yes_no = [t for t in pool if t[1].startswith("yn")]
    if not yes_no:
        raise SafetySetError(f"pair {pair.id}: no yes/no-shaped question template")
    first = rng.choice(yes_no)
    chosen = [first, *rng.sample([t for t in pool if t != first], QUESTIONS_PER_PAIR - 1)]
    out = [_question(pair, template, shape, rng) for template, shape in chosen]
    story_rng = random.Random(f"{STORY_SEED}:{pair.id}")
    if pair.questions:
        story_pool = [t for t in pool if t not in chosen]
    else:
        story_pool = _usable(pair, _STORY_MED_TEMPLATES if pair.meds else _STORY_CONTEXT_TEMPLATES)
    for template, shape in story_rng.sample(story_pool, min(STORY_QUESTIONS, len(story_pool))):
        out.append(_question(pair, template, shape, story_rng, story=not pair.questions))
    texts = [q.text for q in out]
    if len(set(texts)) < len(texts):
        raise SafetySetError(f"pair {pair.id}: two questions came out the same; add phrasings")
    return out


def _intent(pair: Pair, shape: str) -> str:
    if shape.endswith("interaction") and pair.meds and pair.attribute == "safety" and pair.intent is None:
        return "interaction"
    if pair.intent is not None:
        return pair.intent
    if pair.attribute == "dose":
        return "dose"
    return "safety"


def _attribute(pair: Pair, shape: str) -> str:
    if shape.endswith("interaction") and pair.meds and pair.attribute == "safety" and pair.intent is None:
        return "interaction"
    return pair.attribute


def _population(pair: Pair, age: int | None) -> tuple[str, ...]:
    pop = list(pair.population)
    if age is not None and age >= OLDER_ADULT_AGE and "older adult" not in pop:
        pop.append("older adult")
    if age is not None and age < CHILD_AGE and "child" not in pop:
        pop.append("child")
    return tuple(pop)


# ---------------------------------------------------------------------------------------------
# items


def items_for(pair: Pair) -> list[dict[str, Any]]:
    items = []
    for n, q in enumerate(questions_for(pair), start=1):
        tags = ["safety", pair.kind, pair.relation.replace(" ", "-")]
        if pair.via_class:
            tags.append("class-reach")
        if q.brand:
            tags.append("brand")
        if q.story:
            tags.append("story")
        if pair.added:
            tags.append("added-" + pair.added.replace(" ", "-"))
        item: dict[str, Any] = {
            "id": f"sf-{pair.id}-{n}",
            "question": q.text,
            "history": [],
            "expected": "answer",
            "gold_ids": {pair.file: 1},
            "frame": {
                "intent": q.intent,
                "intervention": pair.intervention,
                "current_medications": list(pair.meds),
                "conditions": list(pair.conditions),
                "population": list(q.population),
                "asked_attribute": q.attribute,
            },
            "safety": {
                "kind": pair.kind,
                "relation": pair.relation,
                "danger_any": [t.lower() for t in pair.danger_any],
                "statement": pair.statement,
                "file": pair.file,
            },
        }
        if q.yes_no:
            item["decision"] = pair.decision
        item["coverage"] = "full"
        item["tags"] = tags
        EvalItem.model_validate(item)  # the harness reads it with this model
        items.append(item)
    return items


def render(pairs: Sequence[Pair]) -> str:
    counts = Counter(p.kind for p in pairs)
    lines = [
        f"// Curbside safety eval set (issue 19): generated by evals/make_safety_set.py from "
        f"evals/sets/safety_pairs.yaml ({counts['danger']} danger pairs, {counts['safe']} safe pairs, "
        f"{QUESTIONS_PER_PAIR} questions each and up to {STORY_QUESTIONS} story-worded). "
        "Do not edit by hand; edit the table and regenerate."
    ]
    lines += [json.dumps(item, ensure_ascii=False) for p in pairs for item in items_for(p)]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=Path, default=PAIRS_PATH)
    parser.add_argument("--out", type=Path, default=OUT_PATH)
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    parser.add_argument("--check", action="store_true", help="exit 1 if --out differs from what the table gives")
    args = parser.parse_args(argv)
    try:
        pairs = read_pairs(args.pairs, args.corpus)
        text = render(pairs)
    except SafetySetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    counts = Counter(p.kind for p in pairs)
    items = sum(len(questions_for(p)) for p in pairs)
    summary = f"{len(pairs)} pairs ({counts['danger']} danger, {counts['safe']} safe) -> {items} items"
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        if current != text:
            print(f"{args.out} is stale: run python -m curbside.evals.make_safety_set", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date: {summary}")
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: {summary}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
