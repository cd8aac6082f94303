"""The safety sweep: every statement in the library that links a treatment with this patient.

For the intervention asked about (and each alternative the answer would offer), the sweep looks
up, by entity and independently of how the answer's passages were ranked, the library's sentences
that name the treatment (or one of its classes) together with one of the patient's current
medications (or their classes), conditions or populations, and that state a danger:
contraindication, boxed warning, avoidance, a required dose change, caution, or an interaction
that raises exposure or harm. Candidates come from lexical search over the treatment's and the
partner's names (BM25 finds every chunk naming both); each candidate sentence is then tagged
(:mod:`curbside.qa.claims`) and kept only if it really links the two with a danger relation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from curbside.ingest.vocabulary import find_classes
from curbside.qa.aliases import AliasTable
from curbside.qa.claims import RELATION_PATTERNS, Claim, classes_of, tag, therapeutic_classes
from curbside.qa.frame import CONDITION_TERMS
from curbside.qa.sentences import Sentence, passage_sentences
from curbside.qa.types import Passage, QuestionFrame

DANGER_RELATIONS = ("contraindication", "boxed", "avoid", "dose_change", "caution")
"""Relations that make a statement a danger for the patient, strongest first."""

SWEEP_DEPTH = 30
"""Chunks looked at per treatment (one BM25 query of its names and all the patient's partner terms).
In the bundled corpus no drug has more than 12 chunks naming it together with one partner, so 30
covers a patient with two or three partners; the sweep eval's recall checks this."""

_POPULATION_TERMS: dict[str, tuple[str, ...]] = {
    "pregnancy": ("pregnancy", "pregnant"),
    "lactation": ("breastfeeding", "lactation"),
    "child": ("children", "pediatric", "paediatric"),
    "older adult": ("elderly", "older"),
    "ckd": ("renal impairment", "kidney disease", "creatinine clearance"),
    "dialysis": ("dialysis",),
    "transplant": ("transplant", "recipients"),
    "hepatic impairment": ("hepatic impairment", "liver disease"),
}


@dataclass
class Finding:
    """A library statement linking ``subject`` with the patient's ``partner`` by a danger relation."""

    passage: Passage
    sentence: Sentence
    claim: Claim
    subject: str
    partner: str
    relation: str

    @property
    def strength(self) -> int:
        """0 = contraindication ... 4 = caution (lower is stronger)."""
        return DANGER_RELATIONS.index(self.relation) if self.relation in DANGER_RELATIONS else len(DANGER_RELATIONS)

    @property
    def decisive(self) -> bool:
        """A contraindication, boxed warning or avoidance decides a yes/no answer by itself."""
        return self.relation in ("contraindication", "boxed", "avoid")


Search = Callable[[str, int], list[Passage]]


def subject_terms(subject: str, table: AliasTable) -> tuple[set[str], set[str]]:
    """(generic names, class names) by which a statement can name ``subject``."""
    generics = {subject} if table.lookup(subject) or subject in table.generics else set()
    classes = set(therapeutic_classes(table, subject))
    if not generics:
        classes.add(subject)  # a class asked about by name ("NSAIDs")
    return generics, classes


def danger_relation(claim: Claim) -> str | None:
    for rel in DANGER_RELATIONS:
        if rel in claim.relations:
            return rel
    if "interaction" in claim.relations and "adverse" in claim.relations:
        return "caution"
    return None


def _partners(frame: QuestionFrame, table: AliasTable, exclude: frozenset[str] = frozenset()) -> list[tuple[str, str, Callable[[Claim], bool], list[str]]]:
    """(kind, name, does-a-claim-name-it, query words) for each thing the patient has."""
    out: list[tuple[str, str, Callable[[Claim], bool], list[str]]] = []
    for med in frame.current_medications:
        # a shared metabolic pathway is no interaction: substrate classes do not link two drugs
        med_classes = {c for c in classes_of(table, med) if "substrate" not in c}
        out.append((
            "medication", med,
            lambda c, m=med, mc=med_classes: m in c.drugs or bool(mc & c.classes),  # type: ignore[misc]
            [*table.names_of(med)[:3], *sorted(med_classes)[:3]],
        ))
    for cond in frame.conditions:
        if cond == frame.indication or cond in exclude:
            continue  # what is being treated is not a danger partner of its own treatment
        pops = {"transplant"} if "transplant" in cond else ({"ckd", "dialysis"} if "kidney disease" in cond else set())
        out.append((
            "condition", cond,
            lambda c, n=cond, p=pops: n in c.conditions or bool(p & c.populations),  # type: ignore[misc]
            list(CONDITION_TERMS.get(cond, (cond,))[:3]),
        ))
    for pop in [*frame.population, *(p for p in frame.implied_population if p not in frame.population)]:
        if any(pop == "transplant" and "transplant" in c for c in frame.conditions):
            continue
        out.append(("population", pop, lambda c, p=pop: p in c.populations, list(_POPULATION_TERMS.get(pop, (pop,)))))  # type: ignore[misc]
    return out


def _danger_is_about(text: str, relation: str, generics: set[str], classes: set[str], table: AliasTable) -> bool:
    """In a sentence naming several drugs, the danger must be said of the subject: the drug or class
    named nearest before the danger cue is the subject (or the sentence names no other drug), as
    in "X should not be given with Y"; not "the Z warning says Z is not recommended ... with X"."""
    mentions = [(a, g) for a, _b, _s, g in table.find(text)]
    mentions += [(a, c) for a, _b, _s, c in find_classes(text)]
    others = [(a, n) for a, n in mentions if n not in generics and n not in classes]
    if not others:
        return True
    cue = RELATION_PATTERNS[relation].search(text)
    if cue is None:
        return True
    before = [(a, n) for a, n in mentions if a < cue.start()]
    if not before:
        return True
    _pos, nearest = max(before)
    first = min(mentions)[1]
    return nearest in generics or nearest in classes or first in generics or first in classes


def sweep(
    frame: QuestionFrame, subjects: Sequence[str], table: AliasTable, search: Search, *,
    depth: int = SWEEP_DEPTH, exclude: frozenset[str] = frozenset(),
) -> list[Finding]:
    """Every danger statement linking one of ``subjects`` with the patient, strongest first.

    ``exclude`` names conditions that are not partners (the condition an alternative treats).
    """
    findings: list[Finding] = []
    seen: set[tuple[str, int, str]] = set()
    partners = _partners(frame, table, exclude)
    if not partners:
        return []
    for subject in subjects:
        generics, classes = subject_terms(subject, table)
        names = [*(n for g in generics for n in table.names_of(g)[:3]), *sorted(classes)[:3]]
        # one lookup per subject: BM25 ranks the chunks naming the subject and any partner first
        words = [w for _, partner, _, ws in partners if partner != subject for w in ws]
        candidates = search(" ".join([*names, *words]), depth)
        for passage in candidates:
            for sent in passage_sentences([passage]):
                claim = tag(sent.text, table)
                if not (claim.drugs & generics or claim.classes & classes):
                    continue
                relation = danger_relation(claim)
                if relation is None:
                    continue
                if not _danger_is_about(sent.text, relation, generics, classes, table):
                    continue
                for kind, partner, names_partner, _ in partners:
                    if (kind == "medication" and partner == subject) or not names_partner(claim):
                        continue
                    key = (passage.chunk.chunk_id, sent.start, subject)
                    if key in seen:
                        break
                    seen.add(key)
                    findings.append(Finding(passage, sent, claim, subject, partner, relation))
                    break
    kind_rank = {"drug-label": 0, "guideline": 1, "review": 2, "research": 3}
    findings.sort(key=lambda f: (f.strength, kind_rank.get(f.passage.document.kind, 4), f.passage.chunk.chunk_id, f.sentence.start))
    return findings
