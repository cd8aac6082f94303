"""The safety sweep: every statement in the library that links a treatment with this patient.

For the intervention asked about (and each alternative the answer would offer), the sweep looks
up, by entity and independently of how the answer's passages were ranked, the library's sentences
that name the treatment (or one of its classes) together with one of the patient's current
medications (or their classes), conditions or populations, and that state a danger:
contraindication, boxed warning, avoidance, a required dose change, caution, or an interaction
that raises exposure or harm. Candidates come from lexical search over the treatment's and each
partner's names (one BM25 lookup per partner finds the chunks naming both); each candidate sentence
is then tagged (:mod:`curbside.qa.claims`) and kept only if it really links the two with a danger
relation, and only if it is about this patient (:func:`scope`): a statement said of patients taking a
drug this one does not take, or of a group that leaves this one out, is not; one said of a group the
question does not place the patient in is a precaution, never decisive. An inhibitor asked about
reaches statements about its mechanism class ("strong CYP3A4 inhibitors raise sirolimus levels").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from curbside.ingest.vaccines import find_vaccines
from curbside.ingest.vocabulary import find_classes
from curbside.qa.aliases import AliasTable
from curbside.qa.claims import (
    _EXPOSURE as EXPOSURE_PATTERN,  # the claim tagger's exposure cue, read as it reads it
)
from curbside.qa.claims import (
    BROAD_CLASSES,
    MECHANISM_CLASS,
    RELATION_PATTERNS,
    Claim,
    classes_of,
    condition_spans,
    renal_ranges,
    scope_mentions,
    tag,
    therapeutic_classes,
)
from curbside.qa.frame import (
    CONDITION_TERMS,
    POPULATION_OF_ATTRIBUTE,
    awaiting_transplant_read,
    reacted_to,
    renal_value,
    stage_value,
    stated_indication,
)
from curbside.qa.sentences import Sentence, passage_sentences
from curbside.qa.types import Passage, QuestionFrame

DANGER_RELATIONS = ("contraindication", "boxed", "avoid", "dose_change", "caution")
"""Relations that make a statement a danger for the patient, strongest first."""
_DANGER_CUE_RELATIONS = (*DANGER_RELATIONS, "dose", "recommend", "interaction", "adverse")
"""The relations a danger is read from (a dose for this patient's group, "not recommended", an
interaction's harm), whose patterns make up the sweep's cheap first test of a sentence."""

SWEEP_DEPTH = 30
"""Chunks looked at per treatment and partner (one BM25 query of the treatment's names and that
partner's). In the bundled corpus no drug has more than 12 chunks naming it together with one
partner; 20 lost a half-A danger (tacrolimus with cyclosporine), 30 loses none; the sweep eval's
recall checks this."""

_POPULATION_TERMS: dict[str, tuple[str, ...]] = {
    "pregnancy": ("pregnancy", "pregnant"),
    "lactation": ("breastfeeding", "lactation"),
    "child": ("children", "pediatric", "paediatric"),
    "older adult": ("elderly", "older"),
    "ckd": ("renal impairment", "kidney disease", "creatinine clearance"),
    "dialysis": ("dialysis",),
    "transplant": ("transplant", "recipients"),
    "hepatic impairment": ("hepatic impairment", "liver disease"),
    "immunocompromised": ("immunocompromised", "immunosuppressed", "immunocompetence"),
    "cardiovascular disease": ("cardiovascular disease", "cardiovascular"),
}

IMMUNOCOMPROMISED = re.compile(
    r"\bimmuno-?compromis\w*|\bimmuno-?suppressed\b|\bimmunodeficien\w*|\baltered\s+immunocompetence|\bsevere\s+immunosuppression",
    re.I,
)
"""A statement about immunocompromised people bears on a transplant recipient, a patient with HIV or
one taking an immunosuppressant (a population that contains theirs, as a class contains a drug)."""
_IMMUNOCOMPROMISING_CONDITIONS = re.compile(r"transplant|hiv", re.I)
CARDIOVASCULAR = re.compile(
    r"\b(?:established\s+|atherosclerotic\s+|known\s+|major\s+)?cardiovascular\s+(?:disease|events?|risk\s+factors?)|\bascvd\b", re.I
)
"""A statement about patients with cardiovascular disease bears on one with heart failure or
coronary disease (a group that contains theirs)."""
CARDIOVASCULAR_CONDITIONS = frozenset({"heart failure", "coronary disease"})
PROSTHETIC_VALVE = re.compile(r"\bprosthetic\s+(?:heart\s+|cardiac\s+)?valves?\b|\b(?:heart\s+)?valve\s+prosthes[ie]s\b", re.I)
"""A statement about patients with prosthetic heart valves ("not recommended for patients with
prosthetic heart valves") bears on one with a mechanical valve, a prosthetic valve by definition (a
group that contains theirs)."""
ACTIVE_INFECTION = re.compile(r"\b(?:active|current|ongoing)\s+(?:\w+\s+)?infections?\b", re.I)
"""An infection the patient has now, in a statement's words ("EULAR names current infection as a
contraindication to IL-1 blockers"): the frame's "active infection" (implied by pneumonia, a urinary
tract infection ...) under another adjective."""

HARMED_AS_A_GROUP = frozenset({"pregnancy", "lactation"})
"""Groups in whom a harm the library names with the group ("can cause fetal harm") is a precaution
for a patient in it, though no caution word is said: a harm statement naming a condition is mostly
its outcome ("can cause hyperkalemia"), and one naming children or older people mostly names them
among everyone ("overdoses have occurred in adults and children") or reports a study's result ("in
older patients ... did not find an excess"); a harm to the fetus or the breastfed child is said of
pregnancy and breastfeeding alone."""

UNKNOWN_UNLESS_STATED = frozenset({"older adult"})
"""Groups a question often leaves unsaid (the patient's age): a statement restricted to them is not
set aside for a patient who is not said to belong."""

_CO_MED_CUE = re.compile(
    r"(?:\bwith|\btaking|\btakes?|\btaken|\bon|\breceiving|\breceives?|\bplus|\balongside|\bconcomitant(?:ly)?|"
    r"\bcombined\s+with|\bco-?administered\s+with|\bgiven\s+with|\btogether\s+with|\bin\s+combination\s+with|"
    r"\bconcurrent(?:ly)?\s+with|\bco-?administration\s+(?:with|of)|\bconcomitant\s+use\s+(?:with|of)|"
    r"\bat\s+the\s+same\s+time\s+as|\bsimultaneously\s+with|\bin\s+addition\s+to|\badded\s+to|\bon\s+top\s+of|\bduring)\s+(?:a\s+|an\s+|the\s+|other\s+|another\s+|any\s+|"
    r"concomitant\s+|strong\s+|moderate\s+|potent\s+)*$",
    re.I,
)
"""Words that put a drug in the patient's regimen: "with clarithromycin", "who take azathioprine",
"in patients taking strong CYP3A4 inhibitors", "not be given at the same time as cyclosporine",
"added to metformin", "avoided during tacrolimus treatment"."""
_NOT_CO_MED = re.compile(r"\b(?:treat\w*|manag\w*|replac\w*|switch\w*|substitut\w*|compared|versus|vs\.?)\s+(?:[\w-]+\s+){0,3}with\s*$", re.I)
""""Treated with X", "replacing A with B": X and B are the treatment, not a drug taken alongside."""
_CO_MED_EXAMPLES = re.compile(
    _CO_MED_CUE.pattern[: -len("$")]
    + r"(?:[\w-]+\s+){0,4}(?:drugs?|agents?|medicines?|medications?|inhibitors?|inducers?|antibiotics?)\s*,?\s*"
    r"(?:including|such\s+as|e\.g\.,?|like|notably|especially)\s+(?:the\s+)?$",
    re.I,
)
"""A co-medication named as an example of a wider group the statement puts alongside: "combined with
other nephrotoxic drugs, including NSAIDs", "with drugs that are P-gp inhibitors, such as ..."."""
_OPTIONAL_CO_MED = re.compile(r"\balone\s+or\s+(?:[\w-]+\s+){0,2}$|\bwith\s+or\s+without\s+(?:[\w-]+\s+){0,2}$|\bor\s+without\s+$", re.I)
""""Aspirin, alone or combined with clopidogrel": the other drug is optional, not a requirement."""
_RELATIVE_SCOPE = re.compile(
    r"\b(?:patients?|people|adults?|children|women|men|recipients?|those|persons?|individuals?)\b[^.;]{0,60}?"
    r"\bwho\s+(?:are|is|were|may|might|need\w*|requir\w*|undergo\w*|receiv\w*|develop\w*|experienc\w*|ha(?:ve|s|d)\s+had)\b(?P<rest>[^,;.]*)",
    re.I,
)
"""A further restriction of the patients a statement is about ("in patients with pulmonary embolism
who are haemodynamically unstable"). When it names no drug and no condition or group the sweep
knows, the question cannot say whether the patient meets it."""
_EXCEPTION = re.compile(r"\b(?:except|unless|other\s+than|apart\s+from)\b", re.I)
_EXCEPT_THAT = re.compile(r"\s+that\b", re.I)
""""Except that X is not for ...": a restriction of its own, not an exception naming who is left out."""
_NEGATIVE_AFTER = re.compile(r"[\s-]*(?:sero)?negative\b", re.I)
_EXCEPTION_END = re.compile(r"[.;]|\bbut\b|\bwhereas\b", re.I)


def _clause_end(text: str, start: int) -> int:
    """Where the clause that begins at ``start`` ends (a full stop, semicolon or contrast)."""
    m = _EXCEPTION_END.search(text, start)
    return m.start() if m else len(text)


_TAKING = re.compile(r"^\s*(?:being\s+)?(?:taking|receiving|on|given|treated\s+with|using)\b", re.I)
_CAUSE = re.compile(r"\b(?:because|since|owing\s+to|due\s+to|as\s+a\s+result)\b", re.I)
"""A clause that gives the reason ("not recommended in liver recipients, because sirolimus combined
with tacrolimus was linked to ...") explains the danger; the drugs it names do not restrict it."""
_DOSE_AFTER = re.compile(r"\s+(?P<amount>\d+(?:\.\d+)?)\s*(?:mg|mcg|µg|g|units?|iu)\b", re.I)
"""A dose right after a co-medication ("on apixaban 2.5 mg twice daily"): the statement is about that
dose, which the frame does not hold."""
_CLAUSE_SUBJECT = re.compile(r"\s+(?:was|is|were|are|has|have|had|should|must|may|can|could|did|does|will|would)\b", re.I)
_LIST_GAP = re.compile(r"^(?:\s|,|\(|\)|/|\bor\b|\band\b|\ban?\b|\bthe\b|\bsuch\s+as\b|\bincluding\b|\be\.g\.|\blike\b|\bstrong\b|\bmoderate\b|\bpotent\b)*$", re.I)
"""Text between two mentions of one list ("P-gp inhibitors or strong CYP3A4 inhibitors such as ...")."""
_GROUP_LIST_GAP = re.compile(r"^(?:\s|,|\(|\)|/|\bor\b|\band\b|\ban?\b|\bthe\b)*$", re.I)
"""Text between two conditions or groups of one scope ("renal or hepatic impairment"). Examples are
not: in "comorbidities common in CKD, such as heart failure" the examples are of the comorbidities,
and the scope is CKD alone."""
_GROUP_CUE_REPEAT = re.compile(r"^\s*(?:,\s*(?:(?:or|and)\s+)?|\s(?:or|and)\s+)(?:with|in)\s+(?:(?:known|a|an|any)\s+)*$", re.I)
"""A list of groups that repeats its cue ("contraindicated ... with malignant hypertension, and with
known hypersensitivity to warfarin"): the groups are alternatives of one scope, as in "renal or
hepatic impairment"."""
_PAST_TREATMENT = re.compile(
    r"\b(?:previously|formerly|ever|once)\s+(?:been\s+)?(?:treated|exposed|given)\s+(?:with|to)\b|"
    r"\bprior\s+(?:treatment|therapy|exposure)\s+(?:with|to)\b",
    re.I,
)
"""A scope of past treatment ("psoriasis patients previously treated with PUVA, methotrexate, other
immunosuppressants"): the question says what the patient takes now, not what they took before."""
_QUALIFIER_CUE = re.compile(
    r"(?:\bin|\bfor|\bamong|\bwith|\bwho\s+(?:also\s+)?(?:have|has|are|is)|\bduring|\bhaving|\bif|\bwhen|"
    r"\b(?:when|if|where)\s+(?:the\s+|a\s+)?(?:patients?|people|adults?|they|he|she)\s+(?:also\s+|already\s+)?(?:has|have|had))\s+"
    r"(?:(?:a|an|the|patients?|people|adults?|persons?|individuals?|those|women|men|children|recipients?|severe|mild|moderate|"
    r"advanced|active|known|acute|chronic|established|decompensated|malignant|uncontrolled|refractory|unstable|untreated|"
    r"symptomatic|stage\s+\w+|[\w]+-\w+|on|undergoing|receiving|requiring)\s+){0,4}"
    r"(?:(?:(?:clinical|laboratory|biochemical|radiological)\s+(?:or\s+(?:clinical|laboratory|biochemical|radiological)\s+)?)?"
    r"(?:evidence|history|signs?|symptoms?)\s+of\s+(?:(?:a|an|severe|active|significant)\s+)?)?$",
    re.I,
)
"""Words before a condition or group that make it the statement's scope ("in patients with severe
renal impairment", "in kidney transplant recipients", "for patients on dialysis", "in patients with
clinical or laboratory evidence of hepatic disease", "when the patient also has CKD"), as opposed
to an outcome ("worsen kidney function", "the risk of worsening heart failure")."""
_GROUP_NOUN_AFTER = re.compile(r"[\s-]+(?:patients?|recipients?|people|adults?|children|women|men|candidates?|populations?)\b", re.I)
"""A condition named as the noun's modifier ("dialysis patients", "HFrEF patients") is the scope too."""
_EXCLUSION_CUE = re.compile(
    r"(?<!\bor\s)(?:\bwithout|\bno|\bfree\s+of|\b(?:do|does|did)\s+not\s+have|\bnot\s+(?:on|taking|having))\s+"
    r"(?:(?:a|an|any|known|history\s+of|evidence\s+of|severe|active)\s+){0,2}$",
    re.I,
)
"""A scope that leaves a group out ("adults who do not have heart failure or chronic kidney disease")."""
_COMPARED_GROUP = re.compile(
    r"\b(?:same\s+(?:way|manner)\s+as|same\s+as|as\s+for|like|than)\s+(?:(?:in|for)\s+)?(?:other\s+)?(?:patients|people|adults|those|persons)\s+"
    r"(?:without|with\s+no|who\s+do\s+not\s+have)\s+(?:[\w-]+\s+){0,2}$",
    re.I,
)
"""A group named as the comparison ("treated in the same way as patients without hepatitis B"),
which the statement does not leave out of its scope."""
_QUALIFIER_REACH = 60
"""Characters before a mention in which its scope (or exclusion) cue must lie."""


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
        """A contraindication, an avoidance, or a boxed warning that advises against the drug ("the
        sirolimus boxed warning states that sirolimus is not recommended in lung transplant
        recipients") decides a yes/no answer by itself. A boxed warning that only states a harm
        ("gout patients with established cardiovascular disease who took febuxostat had a higher
        rate of cardiovascular death") is the gravest precaution, shown first, but not a no."""
        if self.relation == "boxed":
            return bool(self.claim.relations & {"avoid", "contraindication"})
        return self.relation in ("contraindication", "avoid")


Search = Callable[[str, int], list[Passage]]


def named_classes(table: AliasTable, generic: str) -> set[str]:
    """The class the alias table itself gives a drug, when the shared class vocabulary knows it by
    that name ("angiotensin receptor-neprilysin inhibitor" for sacubitril/valsartan, which the
    class source lists only by its valsartan part): one more name a statement can call it by."""
    written = table.classes.get(generic)
    if not written:
        return set()
    return {c for *_, c in find_classes(written) if not MECHANISM_CLASS.search(c) and c not in BROAD_CLASSES}


def subject_terms(subject: str, table: AliasTable) -> tuple[set[str], set[str]]:
    """(generic names, class names) by which a statement can name ``subject``."""
    generic = table.lookup(subject)
    generics = {subject} if generic or subject in table.generics else set()
    classes = set(therapeutic_classes(table, subject)) | named_classes(table, generic or subject)
    if not generics:
        classes.add(subject)  # a class asked about by name ("NSAIDs")
    return generics, classes


def acting_classes(table: AliasTable, generic: str) -> set[str]:
    """How a drug acts on others: its inhibitor and inducer classes ("strong CYP3A4 inhibitor").
    A statement that "strong CYP3A4 inhibitors raise sirolimus levels" is about posaconazole given
    with sirolimus. Substrate classes are left out: sharing a pathway links no two drugs."""
    return {c for c in classes_of(table, generic) if MECHANISM_CLASS.search(c) and "substrate" not in c}


_ALTERNATIVE_ADVISED = re.compile(
    r"\b(?:consider\w*|choos\w*|us(?:e|ing)|select\w*|switch\w*\s+(?:from\s+[\w-]+\s+)?to)\s+(?:an?\s+)?(?:alternative|another|different)\s+"
    r"(?:[\w-]+\s+){0,2}?(?:therap\w*|treatments?|agents?|drugs?|medicines?|medications?|options?)\b",
    re.I,
)
"""Advice to use something else ("the label advises considering alternative therapy", "recommends
switching from febuxostat to another oral urate-lowering therapy"): an avoidance of the treatment
for the patients it is said of."""


def switches_away(text: str) -> bool:
    """Does the statement advise switching from the treatment to another ("recommends switching from
    febuxostat to another oral urate-lowering therapy")? Such advice is about patients already on
    it: for them an avoidance, for a patient not yet started a precaution."""
    m = _ALTERNATIVE_ADVISED.search(text)
    return m is not None and re.match(r"switch\w*\s+from\b", m.group(0), re.I) is not None


_WAIT_BEFORE = re.compile(
    r"(?<!rather\sthan\s)\bwait(?:s|ing)?\b[^.;]{0,120}?\bbefore\s+(?:giving|starting|administering|receiving|using|live)\b|"
    r"\b(?:a|the)\s+(?:longer\s+)?wait(?:ing\s+period)?\s+before\b",
    re.I,
)
"""Advice to wait before giving the treatment ("waiting at least 1 month after stopping high-dose
corticosteroids before giving a live virus vaccine", "a longer wait before live vaccines after
rituximab"): not now, for the patients it is said of, which is an avoidance. "Rather than waiting"
is the opposite advice."""


_RISK_FACTORS = re.compile(r"\brisk\s+factors?\b|\bfactors\s+that\s+(?:raise|increase)\b", re.I)
"""A boxed warning's list of risk factors ("Risk factors named in the boxed warning are kidney
impairment, ... age 65 years or older"): each raises the risk the warning is about, which is a
precaution for a patient who has one, not a bar to the drug (unless the sentence also says avoid)."""


_DANGER_CUE = re.compile(
    "|".join(
        f"(?:{p})"
        for p in (
            *(RELATION_PATTERNS[n].pattern for n in _DANGER_CUE_RELATIONS),
            EXPOSURE_PATTERN.pattern, _ALTERNATIVE_ADVISED.pattern, _WAIT_BEFORE.pattern,
        )
    ),
    re.I,
)
_MAY_DANGER: dict[str, bool] = {}


def _may_state_a_danger(text: str) -> bool:
    """Whether a sentence can hold a danger at all: some cue of a relation the sweep reads a danger
    from (:func:`danger_relation`, :func:`_dose_for_this_patient`, a harm) is in it. Most sentences
    of the chunks a lookup returns have none, and are not tagged (cached per sentence)."""
    hit = _MAY_DANGER.get(text)
    if hit is None:
        hit = bool(_DANGER_CUE.search(text))
        if len(_MAY_DANGER) > _SCOPE_CACHE_SIZE:
            _MAY_DANGER.clear()
        _MAY_DANGER[text] = hit
    return hit


_PRESCRIBER_ONLY = re.compile(
    r"\bonly\s+(?:physicians|clinicians|prescribers|doctors|specialists|those)\s+(?:who\s+are\s+)?experienced\s+in\b", re.I
)
"""A boxed warning on who may prescribe ("only physicians experienced in immunosuppressive therapy
and in the care of organ transplant patients should prescribe it"): a restriction on the prescriber,
present in every transplant immunosuppressant's label, not a danger of the drug for a patient. It
names transplant patients as those the prescriber cares for, and does not link the drug with them."""


def prescriber_restriction(text: str, claim: Claim | None = None) -> bool:
    """Is the statement a restriction on who may prescribe (:data:`_PRESCRIBER_ONLY`), and, given its
    ``claim``, nothing more (it states no contraindication, avoidance or dose change beside it)?"""
    if not _PRESCRIBER_ONLY.search(text):
        return False
    return claim is None or not claim.relations & {"contraindication", "avoid", "dose_change"}


def danger_relation(claim: Claim, text: str = "") -> str | None:
    if text and prescriber_restriction(text, claim):
        return None
    risk_factors = False
    for rel in DANGER_RELATIONS:
        if rel in claim.relations:
            if rel == "boxed" and text and _RISK_FACTORS.search(text):
                risk_factors = True
                continue
            return rel
    if risk_factors:
        return "caution"
    if text and _ALTERNATIVE_ADVISED.search(text) and (not claim.relations & {"recommend", "first_line"} or switches_away(text)):
        return "avoid"  # (a recommendation of switching away from the treatment advises against it)
    if text and _WAIT_BEFORE.search(text):
        return "avoid"
    if "interaction" in claim.relations and "adverse" in claim.relations:
        return "caution"
    if "exposure" in claim.relations:
        return "caution"  # one drug raises or lowers another's levels
    return None


@dataclass
class _Partner:
    """Something the patient has that a statement can link the treatment with."""

    kind: str  # medication | condition | population
    name: str
    words: list[str]  # what the lexical lookup searches for
    generics: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()  # classes that name what it is
    acting: frozenset[str] = frozenset()  # mechanism classes (a CYP3A4 inhibitor)
    conditions: frozenset[str] = frozenset()
    populations: frozenset[str] = frozenset()
    group: re.Pattern[str] | None = None  # a wider group named in words (immunocompromised people)

    def link(self, claim: Claim, text: str) -> str | None:
        """'direct' when the statement names it (or a class of it), 'acting' when only by how it
        acts on other drugs, None when the statement does not name it."""
        if self.generics & claim.drugs or self.classes & claim.classes:
            return "direct"
        if self.conditions & claim.conditions or self.populations & claim.populations:
            return "direct"
        if self.group is not None and self.group.search(text):
            return "direct"
        if self.acting & claim.classes:
            return "acting"
        return None


def patient_renal_value(frame: QuestionFrame, question: str | None) -> int | None:
    """The patient's kidney function (eGFR or CrCl) as the frame's qualifier ("CrCl 25"), the
    question or, for a follow-up that does not repeat it, the conversation states it; None when
    none does."""
    if frame.qualifier:
        digits = re.search(r"\d+", frame.qualifier)
        if digits:
            return int(digits.group(0))
    value = renal_value(question) if question else None
    if value is None and frame.kidney_value is None and question:
        value = stage_value(question)  # "CKD 3b": the middle of the stage's band
    return value if value is not None else frame.kidney_value


@dataclass(frozen=True)
class _Patient:
    """What the patient takes and has, as the statements' scope is checked against it."""

    drugs: frozenset[str]
    classes: frozenset[str]
    has: frozenset[str]  # conditions and populations, with what they imply
    renal_value: int | None
    words: frozenset[str] = frozenset()  # the question's own words (lower case), which may confirm a restriction
    doses: dict[str, float] = field(default_factory=dict)  # the dose the question gives a drug taken ("on Eliquis 5 bid")
    brief_course: bool = False  # the question says a drug was a short course ("a 5-day prednisone burst")
    local_route: bool = False  # the question gives a drug by a route that acts locally ("an inhaled steroid")
    treated: frozenset[str] = frozenset()  # the condition the treatment is for, in whatever form the question has it
    pending: bool = False  # the question says a state is not reached yet ("wound still open", days after surgery)


_IMPLIES: dict[str, tuple[str, ...]] = {
    "chronic kidney disease": ("ckd",),
    "ckd": ("chronic kidney disease",),
    "dialysis": ("ckd", "chronic kidney disease"),
    "end-stage kidney disease": ("chronic kidney disease", "ckd", "dialysis"),
    # an infection being treated is an active infection ("advises against starting X in a patient
    # with an active infection" bears on one with pneumonia); latent tuberculosis and chronic
    # hepatitis B are left out: a latent or chronic carrier state is not an active infection
    "pneumonia": ("active infection",),
    "urinary tract infection": ("active infection",),
    "aspergillosis": ("active infection",),
    "pneumocystis": ("active infection",),
    "cytomegalovirus": ("active infection",),
    "mechanical heart valve": ("prosthetic heart valve",),
}
"""Condition and population names that stand for the same patient (CKD the condition, CKD the group),
or for a wider group that contains theirs (a condition within a class of conditions, as a drug is
within its class): a statement about the wider group is about this patient."""


_NOT_TAKEN_BEFORE = re.compile(
    r"\b(?:no|not|never|off|stop\w*|discontinu\w*|switch\w*\s+(?:off|from)|chang\w*\s+from|instead\s+of|rather\s+than|"
    r"without|allerg\w*\s+to|intoleran\w*\s+(?:of|to)|failed|history\s+of|or)\s+(?:\w+\s+){0,2}\(?$",
    re.I,
)
"""Words before a drug that say the patient does not take it ("(no azathioprine)", "switched off
Imuran", "instead of allopurinol", "X or Y" naming an option)."""


_STOPPED_AFTER = re.compile(
    r"\s+(?:is\s+|was\s+|has\s+been\s+|had\s+been\s+|being\s+|got\s+)?(?:withdrawn|stopped|discontinued|tapered\s+off|weaned(?:\s+off)?)\b",
    re.I,
)
"""A drug named as no longer taken ("after cyclosporine is withdrawn", "tacrolimus was stopped")."""


def unplaced_medications(frame: QuestionFrame, table: AliasTable, question: str) -> list[str]:
    """Drugs the question names that the frame holds nowhere (neither as the intervention, the
    comparator, an option, nor a current medication) and that it does not say the patient does not
    take: "Voriconazole plus tacrolimus in a lung transplant recipient", "his Eliquis if he starts
    ketoconazole". The sweep links the treatment with them as with a current medication, so that a
    frame that lost a drug does not lose its interaction."""
    placed = {*frame.current_medications, *swept_treatments(frame, table, question)}
    out = []
    for a, b, _s, generic in table.find(question):
        if generic in placed or generic in out:
            continue
        if _STOPPED_AFTER.match(question, b):
            continue  # "after cyclosporine is withdrawn": no longer taken
        if _NOT_TAKEN_BEFORE.search(question[max(0, a - 40) : a]) or reacted_to(question, a):
            continue  # not taken, or a drug the patient reacted to ("had SJS on allopurinol")
        out.append(generic)
    return out


def _medications(frame: QuestionFrame, table: AliasTable, question: str | None) -> list[str]:
    return [*frame.current_medications, *(unplaced_medications(frame, table, question) if question else [])]


def _own_classes(table: AliasTable, med: str) -> set[str]:
    """The classes a current medication is named by; a class taken ("on an ACE inhibitor") is its own."""
    out = {c for c in classes_of(table, med) if "substrate" not in c} | named_classes(table, med)
    if med not in table.generics and table.lookup(med) is None:
        out.add(med)
    return out


def _patient(frame: QuestionFrame, table: AliasTable, question: str | None = None) -> _Patient:
    """``question``, when given, supplies the kidney function it states where the frame holds none
    (the frame keeps it as a qualifier only when the renal dose is what is asked): "colchicine for
    a patient with an eGFR of 50" is not a patient "with severe renal impairment"; and the drugs it
    names that the frame placed nowhere (:func:`unplaced_medications`)."""
    meds = frozenset(_medications(frame, table, question))
    classes = frozenset(c for m in meds for c in [*classes_of(table, m), *_own_classes(table, m)])
    has: set[str] = {*frame.conditions, *frame.population, *frame.implied_population}
    if frame.indication:
        has.add(frame.indication)
    asked = POPULATION_OF_ATTRIBUTE.get(frame.asked_attribute)
    if asked:
        has.add(asked)
    if frame.asked_attribute == "renal dose":
        has |= {"ckd"}
    if any("transplant" in c for c in has):
        has |= {"transplant", "solid organ transplant"}
    for name in list(has):
        has.update(_IMPLIES.get(name, ()))
    if _immunocompromised(frame, classes, question):
        has.add("immunocompromised")
    if CARDIOVASCULAR_CONDITIONS & has:
        has.add("cardiovascular disease")
    value = patient_renal_value(frame, question)
    words = frozenset(re.findall(r"[a-z]+", _RISK_NAMED.sub("", _untested(question)).lower())) | implied_words(question) if question else frozenset()
    # the asked drug's dose too, when the patient is said to be on it ("on Eliquis 5 bid ... change anything?")
    doses = stated_doses(question, meds | ({frame.intervention} if frame.intervention else set()), table) if question else {}
    return _Patient(meds, classes, frozenset(has), value, words, doses, bool(question and _BRIEF_COURSE.search(question)),
                    bool(question and _LOCAL_ROUTE.search(question) and not _SYSTEMIC_ROUTE.search(question)),
                    _treated(frame, question), pending_state(question))


def _treated(frame: QuestionFrame, question: str | None) -> frozenset[str]:
    """The condition the drug is given for, read as the patient has it (never narrowed: "compression
    stockings for acute DVT"): the frame's indication when the question states it or the patient has
    no other condition, not one the frame picked from several ("AF and hypertension - start
    warfarin?" is not warfarin for hypertension, so "contraindicated with malignant hypertension"
    stays narrower)."""
    if not frame.indication:
        return frozenset()
    others = [c for c in frame.conditions if c != frame.indication]
    if question is not None and others and frame.indication != stated_indication(question):
        return frozenset()
    return frozenset({frame.indication})


_TEST_OBJECT = re.compile(
    r"\b(?:send(?:ing)?|test(?:ing)?\s+(?:him\s+|her\s+|them\s+)?for|check(?:ing)?\s+(?:for\s+)?|screen(?:ing)?\s+(?:him\s+|her\s+)?for|"
    r"order(?:ing)?|genotyp\w*|type|typing)\s+(?:an?\s+|the\s+|his\s+|her\s+)?(?P<object>[\w*:/-]+(?:\s+(?:status|level|genotype|typing|test))?)",
    re.I,
)
_RESULT_GIVEN = re.compile(r"\b(?:positive|negative|came\s+back|result\w*|showed|shows|confirmed|detected)\b", re.I)


_RISK_NAMED = re.compile(
    r"\b(?!(?:high|higher|low|lower|increased|elevated|moderate|intermediate|at|of|the|a|an|no|any|his|her)\b)[a-z][\w-]*[\s-]+(?=risks?\b|risk\s+(?:factors?|scores?)\b)",
    re.I,
)
"""The word a risk is named by ("bleeding risk low", "fall risk"): the patient's risk of it, not a
trait they have, so it confirms no statement about patients who have it ("active bleeding"). A
level ("high risk") is kept: statements about patients at high risk are about them."""


def _untested(question: str) -> str:
    """The question without what it asks to test for ("should I send HLA-B*5801 before starting
    allopurinol?"): a trait named as a test's object is not the patient's, so it confirms no
    statement restricted to patients who have it, unless the question gives the result."""
    if _RESULT_GIVEN.search(question):
        return question
    return _TEST_OBJECT.sub(lambda m: m.group(0)[: m.start("object") - m.start()], question)


_INTENSIVE = re.compile(
    r"\bhigh[\s-]doses?\b|\b\d+\s+days?\s+or\s+(?:more|longer)\b|\b(?:at\s+least|more\s+than|over)\s+\d+\s+(?:days|weeks)\b|"
    r"\blong[\s-]term\b|\bprolonged\b",
    re.I,
)
"""A statement about a drug taken at a high dose or for long ("high-dose systemic corticosteroid
therapy that lasted 14 days or more")."""
_BRIEF_COURSE = re.compile(
    r"\bshort\s+(?:[\w-]+\s+)?(?:course|burst|taper)s?\b|\bbursts?\b|\bbrief\s+(?:[\w-]+\s+)?course\b|"
    r"\b(?:[1-9]|1[0-3])[\s-]days?\s+(?:[\w-]+\s+)?(?:course|burst|taper)\b",
    re.I,
)
"""A question that says the drug was a short course ("a short prednisone course", "a 5-day prednisone
burst"): a statement about high-dose or long use of it is not about this patient. ("Low-dose" is left
out: "on low-dose aspirin" names a drug, not a course.)"""
_LOCAL_ROUTE = re.compile(
    r"\b(?:inhaled|inhaler|inhalers|topical|topically|intranasal|nasal\s+spray|eye\s+drops?|ophthalmic|intra-?articular|cream|ointment|nebuli[sz]ed)\b", re.I
)
_SYSTEMIC_ROUTE = re.compile(r"\b(?:systemic|oral|orally|by\s+mouth|intravenous|iv|intramuscular|tablets?|po)\b", re.I)
"""The route a drug is given by: one that acts where it is put ("an inhaled steroid", "a steroid
cream"), or one that reaches the whole body. A statement about systemic use of a drug ("after
high-dose systemic corticosteroid therapy") is not about a patient who takes it locally only."""


_STATED_DOSE = re.compile(
    r"\s*(?:at\s+)?(?P<amount>\d+(?:\.\d+)?)\s*(?:(?:mg|mcg|µg)\b|(?=(?:bid|b\.i\.d\.?|tid|qd|od|daily|once|twice)\b))", re.I
)
"""A dose written right after a drug's name, with its unit or with only its frequency ("apixaban 2.5 mg",
"Eliquis 5 bid"), as clinicians write the dose a patient is on."""


def stated_doses(question: str, drugs: frozenset[str], table: AliasTable) -> dict[str, float]:
    """The dose the question gives each drug the patient takes (amount in the drug's usual unit)."""
    out: dict[str, float] = {}
    for _a, b, _s, generic in table.find(question):
        m = _STATED_DOSE.match(question, b)
        if m and generic in drugs and generic not in out:
            out[generic] = float(m.group("amount"))
    return out


_DENIES_IMMUNOSUPPRESSION = re.compile(
    r"\b(?:not|non|never|no\s+longer|isn'?t|is\s+not)[\s-]+(?:\w+\s+)?immuno-?(?:suppress|compromis)\w*|\bimmuno-?competent\b", re.I
)
"""A question that says the patient is not immunosuppressed ("on the transplant waiting list, not
immunosuppressed"): no statement about immunocompromised people is about them."""


_IMMUNOCOMPROMISED_SAID = re.compile(IMMUNOCOMPROMISED.pattern + r"|\bchemotherapy\b|\bHIV\b|\bAIDS\b", re.I)
"""The question itself says the patient is immunocompromised ("severely immunocompromised after
chemotherapy", "HIV with a CD4 of 150"), which the frame's conditions may not hold."""


def _immunocompromised(frame: QuestionFrame, med_classes: frozenset[str], question: str | None = None) -> bool:
    if question and _DENIES_IMMUNOSUPPRESSION.search(question):
        return False
    if question and _IMMUNOCOMPROMISED_SAID.search(question):
        return True
    return (
        "transplant" in frame.population or "transplant" in frame.implied_population
        or any(_IMMUNOCOMPROMISING_CONDITIONS.search(c) for c in frame.conditions)
        or "immunosuppressant" in med_classes
    )


def _partners(frame: QuestionFrame, table: AliasTable, exclude: frozenset[str] = frozenset(), question: str | None = None) -> list[_Partner]:
    """Each thing the patient has that a statement can link the treatment with."""
    out: list[_Partner] = []
    for med in _medications(frame, table, question):
        # a shared metabolic pathway is no interaction: substrate classes do not link two drugs
        med_classes = _own_classes(table, med)
        acting = acting_classes(table, med)
        out.append(_Partner(
            "medication", med, [*table.names_of(med)[:3], *sorted(med_classes)[:3]],
            generics=frozenset({med}), classes=frozenset(med_classes - acting), acting=frozenset(acting),
        ))
    for cond in frame.conditions:
        if cond == frame.indication or cond in exclude:
            continue  # what is being treated is not a danger partner of its own treatment
        pops = {"transplant"} if "transplant" in cond else ({"ckd", "dialysis"} if "kidney disease" in cond else set())
        wider = _IMPLIES.get(cond, ())
        out.append(_Partner(
            "condition", cond, list(CONDITION_TERMS.get(cond, (cond,))[:3]),
            conditions=frozenset({cond, *wider}), populations=frozenset(pops | set(wider)),
            group=ACTIVE_INFECTION if "active infection" in {cond, *wider} else (PROSTHETIC_VALVE if "prosthetic heart valve" in wider else None),
        ))
    if frame.indication and frame.indication not in exclude:
        # "aspirin is not recommended for stroke prevention in atrial fibrillation": advice against
        # the treatment for what it would treat (only contraindications and avoidances: every
        # statement about a treatment for its indication names the two)
        out.append(_Partner(
            "indication", frame.indication, list(CONDITION_TERMS.get(frame.indication, (frame.indication,))[:3]),
            conditions=frozenset({frame.indication}),
        ))
    for pop in [*frame.population, *(p for p in frame.implied_population if p not in frame.population)]:
        if any(pop == "transplant" and "transplant" in c for c in frame.conditions):
            continue
        out.append(_Partner("population", pop, list(_POPULATION_TERMS.get(pop, (pop,))), populations=frozenset({pop})))
    if _immunocompromised(frame, frozenset(c for m in frame.current_medications for c in classes_of(table, m)), question):
        out.append(_Partner("population", "immunocompromised", list(_POPULATION_TERMS["immunocompromised"]), group=IMMUNOCOMPROMISED))
    if CARDIOVASCULAR_CONDITIONS & set(frame.conditions) and "cardiovascular disease" not in exclude:
        out.append(_Partner("condition", "cardiovascular disease", list(_POPULATION_TERMS["cardiovascular disease"]), group=CARDIOVASCULAR))
    return out


def _mention_lists(text: str, table: AliasTable) -> list[tuple[int, set[str]]]:
    """The drugs and classes a sentence names, as lists: mentions joined only by list words ("strong
    CYP3A4 and P-gp inhibitors such as ketoconazole, voriconazole and clarithromycin") are one list,
    named together and said of together. (start of the list, names in it), in text order."""
    mentions = sorted(
        [(a, b, g) for a, b, _s, g in table.find(text)] + [(a, b, c) for a, b, _s, c in find_classes(text)]
    )
    lists: list[tuple[int, set[str]]] = []
    last_end: int | None = None
    for a, b, name in mentions:
        if last_end is not None and (a < last_end or _LIST_GAP.match(text[last_end:a])):
            lists[-1][1].add(name)
            last_end = max(last_end, b)
            continue
        lists.append((a, {name}))
        last_end = b
    return lists


def _danger_is_about(text: str, relation: str, generics: set[str], classes: set[str], table: AliasTable) -> bool:
    """In a sentence naming several drugs, the danger must be said of the subject: the drug or class
    (or the list holding it) named nearest before the danger cue is the subject, or the first one
    named is (the first after the cue when none comes before it; or the sentence names no other
    drug), as in "X should not be given with Y" and "drugs
    that induce CYP3A4, such as rifampin or X, should be avoided with Y"; not "the Z warning says Z
    is not recommended ... with X"."""
    lists = _mention_lists(text, table)
    mine = generics | classes
    if all(names <= mine for _a, names in lists):
        return True
    if lists and not lists[0][1] & mine and _OWN_HARM.match(text, lists[0][0]):
        return False  # "Colchicine toxicity ... particularly with interacting drugs such as statins": colchicine's danger
    pattern = RELATION_PATTERNS.get(relation)
    cue = pattern.search(text) if pattern is not None else None
    if cue is None:
        return True
    before = [names for a, names in lists if a < cue.start()]
    if not before:
        return bool(lists[0][1] & mine)  # "advises adjusting the allopurinol dose ... or switching to X": said of the first named
    return bool(before[-1] & mine or lists[0][1] & mine)


_OWN_HARM = re.compile(r"[\w-]+(?:\s+[\w-]+)?\s+(?:toxicity|toxic\s+effects|overdose|poisoning)\b", re.I)
"""A first-named drug whose harm the sentence is about ("Colchicine toxicity in CKD can include
myopathy ..."): the drugs it lists after are that drug's co-medications, not its subject."""
_COMBINATION_CUE = re.compile(r"(?:\bcombin\w*|\bcombination\s+of|\bco-?prescri\w*|\bpairing)\s+(?:(?:an?|the|any|two|both)\s+)?$", re.I)
""""Combining an ACE inhibitor, an ARB and a direct renin inhibitor": a danger of the combination,
which concerns a patient who would take the treatment together with another of the drugs listed."""


def _co_medications(text: str, table: AliasTable) -> list[tuple[list[str], bool]]:
    """The drugs a statement puts in the patient's regimen, as lists of alternatives: "contraindicated
    with P-gp inhibitors or strong CYP3A4 inhibitors" gives one list of two classes. The flag marks
    a combination listed as a whole ("combining A, B and C")."""
    mentions = sorted(
        [(a, b, g) for a, b, _s, g in table.find(text)] + [(a, b, c) for a, b, _s, c in find_classes(text)]
    )
    groups: list[tuple[list[str], bool]] = []
    last_end: int | None = None
    for a, b, name in mentions:
        if last_end is not None and a >= last_end and _LIST_GAP.match(text[last_end:a]):
            if _CLAUSE_SUBJECT.match(text, b):
                last_end = None  # "..., and colchicine was studied separately": a new clause, not the list
                continue
            groups[-1][0].append(name)  # the same list goes on
            last_end = b
            continue
        if last_end is not None and a < last_end:
            groups[-1][0].append(name)  # an overlapping mention ("strong CYP3A4 inhibitor" in "CYP3A4 inhibitor")
            continue
        head = text[max(0, a - 40) : a]
        wide_head = text[max(0, a - _QUALIFIER_REACH) : a]
        if _CAUSE.search(text[:a]):
            last_end = None  # the reason for the danger, not its scope
            continue
        if _COMBINATION_CUE.search(head):
            groups.append(([name], True))
            last_end = b
        elif (_CO_MED_CUE.search(head) or _CO_MED_EXAMPLES.search(wide_head)) and not _NOT_CO_MED.search(head) and not _OPTIONAL_CO_MED.search(head):
            groups.append(([name], False))
            last_end = b
        else:
            last_end = None
    return groups


def _co_medication_of(text: str, table: AliasTable, names: set[str]) -> bool:
    """Does the sentence name one of ``names`` as a drug taken alongside ("... given with colchicine")?"""
    return any(names & set(group) for group, _whole in _sentence_scope(text, table).co_medications)


ORGAN_TRANSPLANTS = frozenset({"kidney transplant", "liver transplant", "heart transplant", "lung transplant"})
GENERIC_TRANSPLANT = frozenset({"transplant", "solid organ transplant"})
"""A statement about one organ's recipients ("not recommended in liver transplant recipients") is
not about another organ's: the generic reading of its words ("transplant recipients") does not widen
it. For a recipient whose organ the question does not name (a patient on tacrolimus and
mycophenolate) it stands: KDIGO's advice against NSAIDs in kidney recipients is the library's word on
NSAIDs with a calcineurin inhibitor after any transplant, and a sweep errs towards showing it."""

APPLIES, UNSTATED, NOT_THIS_PATIENT = "applies", "unstated", "not this patient"
"""What :func:`scope` makes of a statement for this patient."""


@dataclass(frozen=True)
class _Scope:
    """What a sentence says of whom it is about, independent of any patient (cached per sentence)."""

    co_medications: tuple[tuple[tuple[str, ...], bool], ...]  # (alternatives, a combination listed whole?)
    groups: tuple[tuple[tuple[str, ...], bool], ...]  # (names, excluded?)
    unconfirmable: bool  # a restriction ("who are haemodynamically unstable") no frame can hold
    dosed: frozenset[tuple[str, float]] = frozenset()  # co-medications at a stated dose ("patients already on apixaban 2.5 mg")
    restrictions: tuple[frozenset[str], ...] = ()  # the words of each restriction only the question can confirm
    awaits: bool = False  # a start put off until a state is reached ("not be started until ... wounds have healed")


def _group_mentions(text: str) -> list[tuple[int, int, str]]:
    """Wider groups the sweep reads beyond the shared condition vocabulary ("gout patients with
    established cardiovascular disease", "severely immunocompromised people"): a statement scoped
    to one is about a patient only when the patient is in it."""
    out = [(m.start(), m.end(), "cardiovascular disease") for m in CARDIOVASCULAR.finditer(text)]
    out += [(m.start(), m.end(), "immunocompromised") for m in IMMUNOCOMPROMISED.finditer(text)]
    out += [(m.start(), m.end(), "active infection") for m in ACTIVE_INFECTION.finditer(text)]
    out += [(m.start(), m.end(), "prosthetic heart valve") for m in PROSTHETIC_VALVE.finditer(text)]
    return out


_LEADING_CONDITION = re.compile(r"^\s*(?:if|when|once|whenever)\s+(?P<rest>[^,;]{3,120}),", re.I)
"""A danger said on a condition ("If lactic acidosis is suspected, metformin should be stopped at once"):
it holds only when the patient meets it."""
_OCCASION = re.compile(
    r"\b(?:at\s+the\s+time\s+of|before|around|during|prior\s+to|ahead\s+of|after)\s*,?\s+(?:or\s+(?:before|after)\s*,?\s+)?"
    r"(?:an?\s+|the\s+|any\s+)?(?P<rest>(?:[\w-]+\s+){0,5}?(?:procedures?|surgery|surgeries|operations?|imaging|scans?|injections?|"
    r"infusions?|catheteri[sz]ation|colonoscopy|endoscopy|biops(?:y|ies)|extractions?|an(?:a)?esthesia))\b",
    re.I,
)
"""A danger tied to an occasion ("stopped at the time of, or before, an iodinated contrast imaging
procedure", "held before surgery"): it holds only when the question names that occasion."""
OCCASION_FAMILIES: tuple[frozenset[str], ...] = (
    frozenset({"imaging", "contrast", "iodinated", "radiographic", "radiological", "angiogram", "angiography",
               "angiographic", "scans", "tomography", "urography", "pyelogram", "catheterization", "catheterisation"}),
    frozenset({"surgery", "surgical", "operation", "operative", "perioperative", "preoperative", "postoperative",
               "arthroplasty", "replacement", "resection", "laparotomy", "laparoscopy", "anesthesia", "anaesthesia"}),
)
"""Words that name one kind of occasion (imaging with contrast; an operation): a restriction to the
occasion is confirmed by a question naming another word of its kind ("an iodinated contrast
imaging procedure" by "booked for a CT angiogram")."""


def _same_occasion(restriction: frozenset[str], words: frozenset[str]) -> bool:
    return any(restriction & family and words & family for family in OCCASION_FAMILIES)


_WITH_SCOPE = re.compile(
    r"\b(?:in|for|among)\s+(?:adults?\s+|adult\s+)?(?:patients?|people|adults?|children|women|men|recipients?|persons?|individuals?)\s+"
    r"with\s+(?P<rest>[^,;.()]{3,100})",
    re.I,
)
"""A statement scoped to patients with something ("not recommended for patients with triple-positive
antiphospholipid syndrome"): when the vocabulary knows no condition in it, only the question's words
can place the patient there."""
_SCOPE_END = re.compile(
    r"\b(?:because|since|owing|due|as|who|whose|which|that|when|where|if|unless|until|compared|than|to|in|at|for|"
    r"from|on|by|during|after|before|and\s+(?:should|must|may|can|is|are))\b",
    re.I,
)
"""Where the "with" phrase ends and the sentence goes on ("... syndrome because of ...")."""
_EXAMPLES_AFTER = re.compile(r"\s*,?\s*\(?(?:such\s+as|including|e\.g\.,?|like)\s+(?P<examples>[^.;()]{1,80})", re.I)
_RESTRICTION_FILLER = frozenset({
    "receive", "receives", "received", "receiving", "undergo", "undergoes", "undergoing", "require", "requires",
    "requiring", "suspected", "develop", "develops", "developed", "occur", "occurs", "present", "likely", "become",
    "becomes",
})
"""Verbs of a restriction ("who may receive thrombolysis", "if X is suspected"): what the question would
echo is the thing received or suspected, not the verb."""
RESTRICTION_MIN_LENGTH = 5
"""Words a question must share with a restriction to confirm it are content words of this length or
more ("thrombolysis", "unstable", "lactic"), as the question's traits are."""


def _restriction_words(rest: str, before: str) -> frozenset[str]:
    """The content words of a restriction that the question could state ("haemodynamically",
    "unstable", "thrombolysis", "embolectomy" of "who are haemodynamically unstable or who may receive
    thrombolysis or pulmonary embolectomy"), leaving out common words and those of the group the
    sentence already named before it ("pulmonary" of "patients with pulmonary embolism")."""
    named = set(re.findall(r"[a-z]+", before.lower()))
    words = re.findall(r"[a-z]+", rest.lower())
    return frozenset(
        w for w in words
        if len(w) >= RESTRICTION_MIN_LENGTH and w not in _COMMON_WORDS and w not in _RESTRICTION_FILLER and w not in named
    )


_SCOPES: dict[tuple[str, int], _Scope] = {}
_SCOPE_CACHE_SIZE = 50_000
"""Sentences whose scope is kept (as many as the claim cache holds)."""


def _sentence_scope(text: str, table: AliasTable) -> _Scope:
    key = (text, id(table))
    hit = _SCOPES.get(key)
    if hit is not None:
        return hit
    groups: list[tuple[list[str], bool]] = []
    last_end: int | None = None
    mentions = sorted([*scope_mentions(text), *_group_mentions(text)])
    excepted = [(m.end(), _clause_end(text, m.end())) for m in _EXCEPTION.finditer(text) if not _EXCEPT_THAT.match(text, m.end())]
    for a, b, name in mentions:
        if last_end is not None and (a < last_end or _GROUP_LIST_GAP.match(text[last_end:a]) or _GROUP_CUE_REPEAT.match(text[last_end:a])):
            groups[-1][0].append(name)  # "renal or hepatic impairment": any of them will do
            last_end = max(last_end, b)
            continue
        head = text[max(0, a - _QUALIFIER_REACH) : a]
        if any(lo <= a < hi for lo, hi in excepted):
            named_as_group = _QUALIFIER_CUE.search(head) or _GROUP_NOUN_AFTER.match(text, b)
            if not named_as_group or any(name in names and not excluded for names, excluded in groups) or _NEGATIVE_AFTER.match(text, b) or _EXCLUSION_CUE.search(head):
                # "contraindicated in pregnancy except in pregnant women with mechanical heart
                # valves": the group named again narrows the exception, it is not left out; nor is
                # one named as absent or in passing ("except when both donor and recipient are
                # CMV-seronegative")
                last_end = None
                continue
            # "reasonable to withhold statin therapy ..., except in cigarette smokers, people with
            # diabetes ...": the statement leaves out the groups its exception names
            groups.append(([name], True))
            last_end = b
        elif _EXCLUSION_CUE.search(head) and _COMPARED_GROUP.search(head):
            # "be treated in the same way as patients without hepatitis B": the group the patient
            # is compared with, not one the statement leaves out
            last_end = None
        elif _EXCLUSION_CUE.search(head):
            groups.append(([name], True))
            last_end = b
        elif _QUALIFIER_CUE.search(head) or _GROUP_NOUN_AFTER.match(text, b):
            groups.append(([name], False))
            last_end = b
        else:
            last_end = None
    unconfirmable = bool(_PAST_TREATMENT.search(text))
    awaits = bool(_AWAITS.search(text))
    restrictions: list[frozenset[str]] = []
    for m in _RELATIVE_SCOPE.finditer(text):
        if _EXCEPTION.search(text[: m.start()]):
            continue  # "contraindicated in pregnancy except in women ... who are at high risk": the exception's own scope
        if _TAKING.match(m.group("rest")):
            continue  # "who are taking strong CYP3A4 inhibitors": a co-medication, read as one
        named = [x for x in mentions if x[0] >= m.start("rest") and x[1] <= m.end()]
        if not named:
            rest = m.group("rest")
            for a, b, _s, _g in sorted(table.find(text), reverse=True):
                if a >= m.start("rest") and b <= m.end():
                    a, b = a - m.start("rest"), b - m.start("rest")
                    rest = rest[:a] + " " + rest[b:]  # "who has had a severe reaction to allopurinol": the drug is not the patient's trait
            words = _restriction_words(rest, text[: m.start("rest")])
            if words:
                restrictions.append(words)  # "who are haemodynamically unstable or who may receive thrombolysis"
            else:
                unconfirmable = True  # "who has had a severe reaction to X": nothing the question could echo
    for m in _WITH_SCOPE.finditer(text):
        rest = _SCOPE_END.split(m.group("rest"), maxsplit=1)[0]
        end = m.start("rest") + len(rest)
        if _EXCEPTION.search(text[: m.start()]) or [x for x in mentions if x[0] < end and x[1] > m.start("rest")]:
            continue  # an exception's own scope, or a condition or group the vocabulary reads (scoped above)
        if any(b > m.start("rest") and a < end for a, b, _s, _g in table.find(text)):
            continue  # "patients with a severe hypersensitivity reaction to apixaban": said of the drug
        examples = _EXAMPLES_AFTER.match(text, end) if rest == m.group("rest") else None
        if examples:
            rest += " " + examples.group("examples")  # "HGPRT deficiency, such as Lesch-Nyhan ...": the examples are in it
        if renal_ranges(rest):
            continue  # "for patients with an estimated glomerular filtration rate below 30": the kidney range, read by the claim
        words = _restriction_words(rest, text[: m.start("rest")])
        if words:
            restrictions.append(words)  # "for patients with triple-positive antiphospholipid syndrome"
    lead = _LEADING_CONDITION.match(text)
    if lead:
        rest = lead.group("rest")
        for a, b, _name in reversed([x for x in mentions if x[1] <= lead.end()]):
            # what the condition names from the vocabulary is scoped as any mention is; the rest is the restriction
            a, b = a - lead.start("rest"), b - lead.start("rest")
            rest = rest[: max(a, 0)] + " " + rest[max(b, 0) :]
        words = _restriction_words(rest, "")
        if words:
            restrictions.append(words)  # "If lactic acidosis is suspected, metformin should be stopped"
    for m in _OCCASION.finditer(text):
        words = _restriction_words(m.group("rest"), "")
        if words:
            restrictions.append(words)  # "at the time of, or before, an iodinated contrast imaging procedure"
    co_meds = _co_medications(text, table)
    dosed = frozenset(
        (g, float(dose.group("amount")))
        for _a, b, _s, g in table.find(text)
        if (dose := _DOSE_AFTER.match(text, b)) and any(g in group for group, _w in co_meds)
    )
    out = _Scope(
        tuple((tuple(g), whole) for g, whole in co_meds),
        tuple((tuple(names), excluded) for names, excluded in groups),
        unconfirmable,
        dosed,
        tuple(restrictions),
        awaits,
    )
    if len(_SCOPES) > _SCOPE_CACHE_SIZE:
        _SCOPES.clear()
    _SCOPES[key] = out
    return out


def scope(text: str, claim: Claim, patient: _Patient, subject: set[str], table: AliasTable) -> str:
    """Is the statement about this patient?

    ``NOT_THIS_PATIENT`` when it is said of patients taking a drug this one does not take ("in
    kidney transplant recipients who take azathioprine": the question lists what the patient takes),
    of a group that leaves this one out ("adults who do not have heart failure"), or of a kidney
    function outside this patient's stated one ("in severe renal impairment" at an eGFR of 55).
    ``UNSTATED`` when it is said of a condition or group the patient is not said to have ("avoided in
    patients with CKD" for a patient whose kidneys the question does not mention), or restricted in a
    way the question cannot confirm: a precaution to show, not a danger that decides. ``APPLIES``
    otherwise.
    """
    parts = _sentence_scope(text, table)
    taken = patient.drugs | patient.classes
    if patient.local_route and re.search(r"\bsystemic", text, re.I) and (claim.drugs | claim.classes) & (taken - subject):
        return NOT_THIS_PATIENT  # "after high-dose systemic corticosteroid therapy", for a patient on an inhaled steroid
    if patient.brief_course and _INTENSIVE.search(text) and (claim.drugs | claim.classes) & (taken - subject):
        return NOT_THIS_PATIENT  # "after high-dose corticosteroid therapy that lasted 14 days or more", for a 5-day burst
    for group, whole in parts.co_medications:
        if whole:
            others = set(group) - subject
            if others and not taken & others:
                return NOT_THIS_PATIENT  # the combination needs another of its drugs
        elif not (taken | subject) & set(group):
            return NOT_THIS_PATIENT
    if patient.renal_value is not None and claim.covers_renal(patient.renal_value) is False:
        return NOT_THIS_PATIENT  # the claim reads named degrees too ("severe renal impairment": below 30)
    # a dose the patient's own drug is at is one the frame does not hold, unless the question states
    # it ("on Eliquis 5 bid"): the same dose is this patient's, another is not. The treatment's dose
    # is what is being asked, so a danger at a dose of it stays decisive, unless the question gives
    # the treatment's own dose and it is another ("for patients already on apixaban 2.5 mg", asked
    # of one on 5 mg)
    unstated_dose = False
    for drug, amount in parts.dosed:
        stated = patient.doses.get(drug)
        if drug in subject and stated is None:
            continue
        if stated is None:
            unstated_dose = True
        elif stated != amount:
            return NOT_THIS_PATIENT  # "for patients already on apixaban 2.5 mg" for one on 5 mg
    unconfirmed = any(not (words & patient.words or _same_occasion(words, patient.words)) for words in parts.restrictions)
    waiting = parts.awaits and not patient.pending  # "not be started until ... healed", for a patient the question does not place before it
    verdict = UNSTATED if parts.unconfirmable or unconfirmed or unstated_dose or waiting else APPLIES
    for names, excluded in parts.groups:
        organs = set(names) & ORGAN_TRANSPLANTS
        if organs and patient.has & ORGAN_TRANSPLANTS:
            # "in liver transplant recipients" also reads as "transplant recipients": the organ is the scope
            names = tuple(n for n in names if n not in GENERIC_TRANSPLANT)
            if not excluded and not organs & patient.has:
                return NOT_THIS_PATIENT  # said of another organ's recipients than this patient's
        present = [n for n in names if n in patient.has and (n in patient.treated or not narrowed(text, n, patient.words))]
        if excluded and present:
            return NOT_THIS_PATIENT
        if not excluded and not present and not all(n in UNKNOWN_UNLESS_STATED for n in names):
            verdict = UNSTATED
    return verdict


def statement_scope(
    text: str, frame: QuestionFrame, table: AliasTable, subject: str | None = None, claim: Claim | None = None,
    question: str | None = None,
) -> str:
    """:func:`scope` of one sentence for the patient of ``frame`` and the treatment ``subject``
    (default: the frame's intervention): ``APPLIES``, ``UNSTATED`` or ``NOT_THIS_PATIENT``. For a
    composer deciding whether a statement it would cite is about this patient, as the sweep does;
    ``claim`` is the sentence's :func:`tag`, when the caller has it already; ``question`` the
    question's text, which may state the patient's kidney function where the frame does not."""
    terms, patient = _scope_parties(frame, table, subject, question)
    return scope(text, claim if claim is not None else tag(text, table), patient, terms, table)


def dosed_scope(text: str, table: AliasTable) -> frozenset[tuple[str, float]]:
    """The drugs a statement is scoped to patients taking at a stated dose, with the dose ("for
    patients already on apixaban 2.5 mg twice daily": apixaban at 2.5)."""
    return _sentence_scope(text, table).dosed


def patient_groups(text: str, frame: QuestionFrame, table: AliasTable, question: str | None = None) -> frozenset[str]:
    """The groups a statement is scoped to that this patient is in ("when the patient also has
    chronic kidney disease (CKD) stage 3 or worse", for a patient with CKD 3b): what makes a
    statement more specific to this patient than one said of everyone with their condition."""
    _terms, patient = _scope_parties(frame, table, None, question)
    return frozenset(n for names, excluded in _sentence_scope(text, table).groups if not excluded for n in names if n in patient.has)


def danger_scope(
    text: str, relation: str, frame: QuestionFrame, table: AliasTable, subject: str | None = None, question: str | None = None,
) -> str:
    """:func:`statement_scope` of the clause that states a danger of ``relation``, as the sweep reads
    it: "losartan should not be used as primary ULT, but may be considered when treatment for
    hypertension is needed" is scoped by its first clause (``APPLIES`` to a patient with gout alone),
    and the permission of the second makes it only a precaution (``UNSTATED``) for a patient with
    hypertension (:func:`_allowed_for_this_patient`)."""
    terms, patient = _scope_parties(frame, table, subject, question)
    clause = danger_clause(text, relation)
    where = scope(clause, tag(clause, table), patient, terms, table)
    if where != NOT_THIS_PATIENT and relation in ("contraindication", "avoid") and clause != text and _allowed_for_this_patient(text, clause, patient, table):
        return UNSTATED
    return where


def _scope_parties(frame: QuestionFrame, table: AliasTable, subject: str | None, question: str | None) -> tuple[set[str], _Patient]:
    """The names a statement's subject goes by (the treatment, its classes and the classes acting on
    it) and the patient, for :func:`scope`."""
    name = subject or frame.intervention
    terms: set[str] = set()
    if name:
        generics, classes = subject_terms(name, table)
        terms = generics | classes | {name} | set().union(*(acting_classes(table, g) for g in generics))
        # every class the treatment is in, broad ones too: "while on a biologic agent" holds of etanercept
        terms |= set().union(*(classes_of(table, g) for g in generics))
    return terms, _patient(awaiting_transplant_read(frame, question), table, question)


_CHUNK_NAMES: dict[tuple[str, int], frozenset[str]] = {}


def _names_in(text: str, table: AliasTable) -> frozenset[str]:
    """Every drug, vaccine and class a chunk names (cached per chunk text): a chunk naming none of
    the treatment's is not split into sentences and tagged."""
    key = (text, id(table))
    hit = _CHUNK_NAMES.get(key)
    if hit is None:
        classes_in = getattr(table, "find_classes", None) or find_classes  # as the claims read them
        hit = frozenset(
            [*(g for *_, g in table.find(text)), *(v for *_, v in find_vaccines(text)), *(c for *_, c in classes_in(text))]
        )
        if len(_CHUNK_NAMES) > _SCOPE_CACHE_SIZE:
            _CHUNK_NAMES.clear()
        _CHUNK_NAMES[key] = hit
    return hit


_DOSE_AMOUNT = r"\b\d+(?:\.\d+)?\s*(?:mg|mcg|µg|micrograms?|g|units?|iu)\b(?!\s*/\s*(?:g|dl|l|ml|min|mmol|mol)\b)"
_DOSE_STATEMENT = re.compile(_DOSE_AMOUNT, re.I)
_LAB_BEFORE = re.compile(
    r"\b(?:acr|albumin\w*|proteinuria|urate|uric|creatinine|potassium|sodium|glucose|hba1c|ldl|cholesterol|"
    r"triglycerides?|levels?|concentrations?|excretion)\b[^.;]{0,25}$",
    re.I,
)
"""A measurement named just before an amount ("albuminuria of at least 300 mg per day"): the amount
is the patient's value, not a dose."""


def states_a_dose(text: str) -> bool:
    """A dose, not a laboratory value: an amount of drug (per kilogram or square metre, but not a
    concentration or ratio such as "200 mg/g" or "1.5 mg/dL", nor one a measurement names)."""
    return any(not _LAB_BEFORE.search(text[max(0, m.start() - 40) : m.start()]) for m in _DOSE_STATEMENT.finditer(text))


_CLAUSE_BREAK = re.compile(r";\s+|,?\s+\b(?:but|whereas|while|although|though|however|except\s+that)\b,?\s+", re.I)
"""Where a sentence turns to a clause with a scope of its own ("allows normal dosing in moderate
renal impairment but limits the dose to 40 mg in severe renal impairment")."""


_PERMITS = re.compile(
    r"\b(?:may|can|could|might)\s+(?:still\s+)?(?:be\s+)?(?:considered|used|given|continued|started|an\s+option)\b|"
    r"\bis\s+(?:an\s+option|acceptable|reasonable)\b|\bremains?\s+an\s+option\b",
    re.I,
)
"""Words of a clause that allow the treatment after all ("but may be considered when ...")."""


def _allowed_for_this_patient(text: str, clause: str, patient: _Patient, table: AliasTable) -> bool:
    """Another clause of the sentence allows the treatment for something this patient has: "losartan
    should not be used as primary ULT, but may be considered when treatment for hypertension is
    needed", asked for a patient with gout and hypertension. Then the avoidance is not this patient's
    bar, only a precaution."""
    if clause == text:
        return False
    rest = text.replace(clause, " ", 1)
    if not _PERMITS.search(rest):
        return False
    named = {name for *_, name in scope_mentions(rest)} | {g for *_, g in table.find(rest)}
    return bool(named & (patient.has | patient.drugs))


def danger_clause(text: str, relation: str) -> str:
    """The clause of ``text`` that states the danger (the one holding its cue), whose scope is the
    danger's; the whole sentence when it has one clause or the cue cannot be placed."""
    breaks = list(_CLAUSE_BREAK.finditer(text))
    if not breaks:
        return text
    pattern = _DOSE_STATEMENT if relation == "dose_change" and not RELATION_PATTERNS["dose_change"].search(text) else RELATION_PATTERNS.get(relation)
    cue = pattern.search(text) if pattern is not None else None
    if cue is None:
        return text
    start = 0
    for m in breaks:
        if m.start() > cue.start():
            return text[start : m.start()]
        start = m.end()
    return text[start:]


def _dose_for_this_patient(text: str, claim: Claim, patient: _Patient, table: AliasTable) -> str | None:
    """``dose_change`` for a dose the statement gives only for a group or co-medication this patient
    has ("limits the dose to 40 mg once daily in severe renal impairment", "with a P-gp inhibitor,
    the flare dose is a single 0.6 mg"): the dose they need is not the usual one. A dose said to need
    no change ("no dose adjustment in moderate renal impairment") is none."""
    if "dose" not in claim.relations or "no_change" in claim.relations or not states_a_dose(text):
        return None
    parts = _sentence_scope(text, table)
    taken = patient.drugs | patient.classes
    if claim.renal_ranges and patient.has & {"ckd", "chronic kidney disease", "dialysis"}:
        return "dose_change"  # "if CrCl is below 30 mL/min, give 5 mg" (scope() then checks the patient's value)
    if any(not excluded and {n for n in names if tag(n, table).populations} & patient.has for names, excluded in parts.groups):
        # a group that changes how a drug is dosed (kidney or liver function, age, pregnancy, a
        # transplant): "the anakinra dose for rheumatoid arthritis is 100 mg" is the usual dose
        # for what it treats, not a changed one
        return "dose_change"
    if any(not whole and set(group) & taken for group, whole in parts.co_medications):
        return "dose_change"
    return None


_TRAIT_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-*:][A-Za-z0-9]+)*")
_COMMON_WORDS = frozenset({
    "about", "above", "acute", "adult", "adults", "after", "again", "against", "already", "also", "although",
    "among", "another", "anyone", "anything", "around", "attack", "attacks", "because", "been", "before", "being",
    "below", "best", "between", "both", "cannot", "carries", "carry", "change", "changes", "child", "children",
    "chronic", "concern", "concerns", "condition", "conditions", "consider", "considered", "continue",
    "continuing", "could", "current", "currently", "daily", "diagnosed", "diagnosis", "disease", "disorder",
    "does", "doing", "done", "dose", "doses", "dosing", "drug", "drugs", "during", "each", "either", "episode",
    "episodes", "ever", "every", "female", "fine", "first", "flare", "flares", "from", "further", "gave", "give",
    "given", "giving", "have", "having", "here", "high", "higher", "history", "hold", "holding", "infection",
    "into", "just", "keep", "keeping", "know", "known", "left", "level", "levels", "like", "long", "low", "lower",
    "male", "medication", "medications", "medicine", "medicines", "mild", "moderate", "month", "months", "more",
    "most", "much", "must", "need", "needs", "negative", "never", "next", "none", "normal", "note", "noted", "ok",
    "okay", "old", "once", "only", "option", "options", "other", "others", "over", "patient", "patients",
    "person", "plan", "planned", "planning", "positive", "prior", "problem", "problems", "really", "reason",
    "reasons", "recent", "recently", "recurrent", "result", "results", "right", "risk", "risks", "safe", "safely",
    "said", "same", "says", "second", "severe", "should", "since", "some", "someone", "stable", "start",
    "started", "starting", "starts", "still", "stop", "stopping", "such", "switch", "switching", "syndrome",
    "take", "takes", "taking", "test", "tested", "testing", "than", "that", "their", "them", "then", "therapy",
    "there", "these", "they", "thing", "things", "this", "those", "through", "today", "took", "treat", "treated",
    "treating", "treatment", "twice", "type", "under", "until", "used", "using", "usual", "very", "want", "watch",
    "week", "weeks", "were", "what", "when", "where", "whether", "which", "while", "whom", "will", "with",
    "within", "without", "woman", "women", "worry", "would", "year", "year-old", "years", "your", "yours",
    "added", "adding", "advice", "advise", "ahead", "allowed", "along", "alright", "asked", "asking", "asks",
    "avoid", "avoided", "back", "better", "came", "cause", "causes", "check", "checking", "choice", "choose",
    "clinic", "combination", "combine", "combined", "combining", "come", "considering", "drink", "drinking",
    "effect", "effects", "else", "evening", "flags", "good", "idea", "includes", "including", "interact",
    "interaction", "interactions", "interacts", "issue", "issues", "kind", "last", "list", "loves", "maybe",
    "mean", "means", "might", "morning", "night", "pick", "plus", "prefer", "preferred", "prescribe",
    "prescribed", "prescribing", "question", "questions", "quick", "reasonable", "recommend", "recommended",
    "seeing", "side", "sort", "tell", "telling", "think", "thinking", "together", "told", "tomorrow", "visit",
    "wanted", "wants", "went", "worse", "yesterday"
})
"""Words of a question that name no trait of the patient (function words and the ordinary words of
a clinical question, its shorthand included: "quick one", "thinking about", "med list", "any red flags"): the rest, minus the drugs and conditions the frame already read, are what the
question says of the patient that the vocabulary may not know ("homozygous TPMT-deficient",
"HLA-B*58:01", "triple-positive antiphospholipid")."""
_TRAIT_CUE = re.compile(r"\b(?:in|for|with|among|who|whose|carr\w*|having|if|when|until|history\s+of)\b", re.I)
"""Words that put a trait in a statement's scope; "until" names the state a start waits for ("not
be started until ... surgical wounds have healed"), which a patient whose wound is still open has
not reached."""
_RECENT_OPERATION = re.compile(
    r"\b(?:\d+|a\s+few|one|two|three|four|five|six|seven|ten)\s+(?:days?|weeks?)\s+(?:after|post|since|out\s+from)\s+"
    r"(?:(?:a|an|the|his|her|their|my)\s+)?(?:[\w-]+\s+){0,2}(?:transplant\w*|surgery|operation|procedure)\b|"
    r"\bpost-?op(?:erative(?:ly)?)?\b|\bday\s+\d+\s+(?:after|post)\b",
    re.I,
)
"""A question placing the patient days or weeks after an operation ("three days after a kidney
transplant", "day 5 after ...", "post-op"): the patient has a surgical wound, so a statement about
surgical wounds does not narrow to other patients than this one."""
_CHILD_PUGH = re.compile(r"\bchild[\s-]+pugh\s+(?:class\s+|score\s+)?(?P<grade>[ABC])\b", re.I)
CHILD_PUGH_SEVERITY = {"a": "mild", "b": "moderate", "c": "severe"}
"""The hepatic impairment each Child-Pugh class is, as FDA labels name it (the FDA guidance on
pharmacokinetics in hepatic impairment: class A mild, B moderate, C severe)."""


def implied_words(question: str) -> frozenset[str]:
    """Words a question's own words imply for confirming a statement's qualifiers: "Child-Pugh C" is
    severe hepatic impairment, and "three days after a kidney transplant" a surgical wound."""
    out: set[str] = set()
    for m in _CHILD_PUGH.finditer(question):
        out.add(CHILD_PUGH_SEVERITY[m.group("grade").lower()])
    if _RECENT_OPERATION.search(question):
        out |= {"surgical", "surgery", "operation"}
    return frozenset(out)


def pending_state(question: str | None) -> bool:
    """Does the question place the patient before a state a start may wait for (:data:`_NOT_YET`,
    :data:`_RECENT_OPERATION`)?"""
    return bool(question and (_RECENT_OPERATION.search(question) or _NOT_YET.search(question)))


_AWAITS = re.compile(
    r"\b(?:not\s+(?:be\s+)?(?:started|given|begun|used|introduced)|wait\w*|defer\w*|delay\w*|postpone\w*)\b[^.;]{0,40}?\buntil\b"
    r"(?![^.;]{0,30}\b(?:hours?|days?|weeks?|months?|years?)\b)",
    re.I,
)
"""A start put off until a state is reached ("not be started until graft function is established
and surgical wounds have healed", "delayed until the inflammation of an attack has settled"): a
danger for a patient who has not reached it, which only the question can say
(:func:`pending_state`). A wait of stated length ("not be given until 4 weeks after stopping") is
a time, read by the scope as any restriction is."""
_NOT_YET = re.compile(
    r"\b(?:still\s+(?:healing|open|draining|unhealed|flaring|inflamed)|not\s+(?:yet\s+)?(?:healed|settled|resolved)|unhealed|"
    r"non-?healing|open\s+wound|wound\s+(?:is\s+)?(?:still\s+)?open|yet\s+to\s+(?:heal|settle|resolve)|"
    r"during\s+(?:a|an|the|his|her|this)\s+(?:acute\s+)?(?:flare|attack)|mid-?flare|in\s+the\s+middle\s+of\s+(?:a|an|the)\s+(?:flare|attack))\b",
    re.I,
)
"""A question saying a state a start may wait for is not reached yet ("the wound still healing",
"wound still open", "during an acute flare")."""
TRAIT_MIN_LENGTH = 4
"""Shorter words ("dvt", "ckd" aside, which the frame reads) are too often abbreviations of something
else, unless written in capitals (:data:`_ABBREVIATION`)."""
_ABBREVIATION = re.compile(r"[A-Z]{2,3}")
"""A short word written in capitals is an abbreviation the question uses on purpose ("long QT
syndrome", "HIV", "APS"); like any trait it must be rare in the library to count."""


TRAIT_RARE_CHUNKS = 10
"""A trait word must be rare in the library: found in at most this many chunks (one lexical lookup
of the word). "Homozygous", "antiphospholipid" and "HLA-B*58:01" are; "heart", "short" and
"prophylaxis" are not, and a statement naming them is not singled out by them."""
_NEGATED_BEFORE = re.compile(r"\b(?:no|not|without|never|denies|free\s+of|non)[\s-]+(?:[\w-]+\s+){0,1}$", re.I)


def question_traits(question: str, frame: QuestionFrame, table: AliasTable, search: Search | None = None) -> list[str]:
    """What the question says of the patient beyond the frame's vocabulary, as lower-case words:
    the words left once the drugs, vaccines, classes and conditions it names, the common words of a
    question and the words it denies ("no heart disease") are taken out, and (given ``search``)
    only those rare in the library (:data:`TRAIT_RARE_CHUNKS`). A danger statement scoped by one of
    them ("for HLA-B*58:01-positive patients") is about this patient though no condition table
    names the trait. A trait named as what to test for ("send HLA-B*5801?") is not one the
    patient is said to have (:func:`_untested`)."""
    question = _untested(question)
    spans = [(a, b) for a, b, _s, _g in table.find(question)]
    spans += [(a, b) for a, b, _s, _v in find_vaccines(question)]
    spans += [(a, b) for a, b, _s, _c in find_classes(question)]
    spans += [(a, b) for a, b, _n in scope_mentions(question)]
    drug_words = {w.lower() for name in [frame.intervention or "", *frame.current_medications] for w in re.findall(r"\w+", name)}
    out: list[str] = []
    for m in _TRAIT_TOKEN.finditer(question):
        if any(a <= m.start() < b for a, b in spans):
            continue
        if _NEGATED_BEFORE.search(question[max(0, m.start() - 30) : m.start()]):
            continue
        written = m.group(0)
        token = written.lower()
        # an allele or gene name ("HLA-B*58:01") is one word; "TPMT-deficient" is two
        pieces = list(zip(written.split("-"), token.split("-"), strict=True)) if not re.search(r"[\d*]", token) else [(written, token)]
        if len(pieces) > 1 and all(len(w) >= TRAIT_MIN_LENGTH for _p, w in pieces):
            pieces.append((written, token))  # a hyphenated name is also one word ("Lesch-Nyhan")
        for part, word in pieces:
            short_abbreviation = _ABBREVIATION.fullmatch(part) is not None  # "QT", "HIV", "APS"
            if (len(word) >= TRAIT_MIN_LENGTH or short_abbreviation) and word not in _COMMON_WORDS and word not in drug_words and not word.isdigit():
                out.append(word)
    words = list(dict.fromkeys(out))
    if search is not None:
        words = [w for w in words if len(search(w, TRAIT_RARE_CHUNKS + 1)) <= TRAIT_RARE_CHUNKS]
    return words


def _allele_pattern(token: str) -> str:
    """An allele as written either way: "HLA-B*5801" and "HLA-B*58:01" are one allele (the colon
    between its fields is optional in common writing)."""
    out = ""
    for i, ch in enumerate(token):
        if ch == ":":
            continue
        out += re.escape(ch)
        if ch.isdigit() and i + 1 < len(token) and (token[i + 1].isdigit() or token[i + 1] == ":"):
            out += ":?"
    return out


NARROWING_QUALIFIERS = frozenset({
    "malignant", "uncontrolled", "decompensated", "acute", "severe", "advanced", "refractory", "unstable",
    "untreated", "fulminant", "symptomatic",
})
"""Words before a condition that name a narrower form of it ("contraindicated with malignant
hypertension", "hypoxic states such as acute heart failure"): a statement about that form is about
a patient the question places in it (it says "malignant", "acute"), and only a precaution for one
with the condition unqualified. Kidney function is read from its stated ranges instead
(:func:`~curbside.qa.claims.renal_ranges`), so "severe renal impairment" is not read here."""
_KIDNEY_CONDITIONS = frozenset({"chronic kidney disease", "end-stage kidney disease", "renal impairment", "acute kidney injury"})
_QUALIFIER_WORDS = 2
"""How many words before a condition's name can qualify it ("acute decompensated heart failure")."""


def _narrowed_condition(text: str, partner: _Partner, asked: frozenset[str]) -> bool:
    """The partner's condition is named only in a narrower form the question does not state."""
    return partner.kind == "condition" and narrowed(text, partner.name, asked)


def narrowed(text: str, condition: str, asked: frozenset[str]) -> bool:
    """Every mention of ``condition`` in the sentence is qualified as a narrower form of it
    (:data:`NARROWING_QUALIFIERS`) that the question (its words, ``asked``) does not state."""
    if condition in _KIDNEY_CONDITIONS:
        return False
    spans = condition_spans(text, condition)
    if not spans:
        return False
    for start, _end in spans:
        before = re.findall(r"[a-z][a-z-]*", text[max(0, start - 40) : start].lower())[-_QUALIFIER_WORDS:]
        if not any(w in NARROWING_QUALIFIERS and w not in asked for w in before):
            return False
    return True


def _trait_partner(traits: Sequence[str]) -> _Partner | None:
    if not traits:
        return None
    # a plain word stands alone ("short" is not "short-acting"); an allele may go on ("HLA-B*58:01-positive")
    words = "|".join(_allele_pattern(t) if re.search(r"[\d*]", t) else re.escape(t) + r"(?:e?s)?(?!-)" for t in traits)  # "wound" is "wounds"
    return _Partner("trait", " ".join(traits), list(traits), group=re.compile(r"(?<![\w*:-])(?:" + words + r")(?![\w*:])", re.I))


_TRAIT_GROUP_CUE = re.compile(
    r"\b(?:patients?|people|persons?|individuals?|adults?|children|women|men|those|carriers?|recipients?)\b[^.;]{0,25}?"
    r"\b(?:with|who|whose|carr\w*|having)\b|\b(?:in|among)\s+(?:patients?|people|those|adults?|children)\b|"
    r"\bhistory\s+of\b",  # "a history of recurring infections" marks out the patients who have one
    re.I,
)
"""A trait named as what marks out a group of patients ("for patients with heterozygous TPMT
deficiency"), not as what the treatment is for ("the starting dose for NOMID")."""
_CLAUSE_COMMA = re.compile(r"[,;:](?!\s*(?:such\s+as|including|e\.g\.|or\b|and\b|[\w-]+\s+or\b|[\w-]+,))")
"""A comma or semicolon that ends a clause, not one inside a list or before its examples."""
_TRAIT_LIST_BREAK = re.compile(r"\b(?:such\s+as|including|e\.g\.|or|and)\b|,", re.I)


@dataclass(frozen=True)
class _TraitScope:
    """How a statement's scope names a trait of the question."""

    group: bool  # as what marks out a group of patients (see _TRAIT_GROUP_CUE)
    narrower: bool  # with a qualifier the question does not state ("homozygous" for a heterozygous patient)


def _trait_scope(text: str, partner: _Partner, asked: frozenset[str], pending: bool = False) -> _TraitScope | None:
    """The trait is named in the statement's scope ("for patients with homozygous TPMT ... deficiency"):
    a scope cue lies shortly before it; None when no mention is. The words between the cue and the
    trait ("with homozygous TPMT", "in congenital long QT") are qualifiers the question must state
    too (``asked``: its words); one it does not state narrows the statement to patients the question
    does not place this one among. ``pending``: the question says the patient has not yet reached
    a state ("wound still open", three days after the operation), so "until ... wounds have healed"
    scopes them; otherwise an "until" clause names a state the patient may well be in ("stable
    graft" is the graft function a start waits for)."""
    assert partner.group is not None
    best: _TraitScope | None = None
    for m in partner.group.finditer(text):
        head = text[max(0, m.start() - _QUALIFIER_REACH) : m.start()]
        breaks = [b for b in _CLAUSE_COMMA.finditer(head)]
        if breaks:
            head = head[breaks[-1].end() :]  # "if used, not be started until graft function ...": the cue is in another clause
        cues = list(_TRAIT_CUE.finditer(head))
        if not cues or (cues[-1].group(0).lower() == "until" and not pending):
            continue  # the state a start waits for scopes only a patient who has not reached it
        between = head[cues[-1].end() :]
        breaks = list(_TRAIT_LIST_BREAK.finditer(between))
        if breaks:
            between = between[breaks[-1].end() :]  # "deficiency, such as Lesch-Nyhan": the example is the trait itself
        extra = [w for w in re.findall(r"[a-z][a-z0-9]+", between.lower())
                 if len(w) >= TRAIT_MIN_LENGTH and w not in _COMMON_WORDS and w not in asked]
        here = _TraitScope(group=bool(_TRAIT_GROUP_CUE.search(head)), narrower=bool(extra))
        if best is None or (best.narrower, not best.group) > (here.narrower, not here.group):
            best = here
    return best


OPTION_INTENTS = frozenset({"choice", "comparison"})
"""Intents whose question proposes options ("warfarin or heparin?"): each option is swept."""


def swept_treatments(frame: QuestionFrame, table: AliasTable, question: str | None = None) -> list[str]:
    """The treatments an answer must sweep for this patient: the intervention, the comparator (the
    other arm the question proposes), and, for a choice or comparison, every drug, vaccine or class
    the question names as an option (what the patient already takes is no option). "Pregnant woman
    with a new DVT: warfarin or heparin?" sweeps both, whichever the frame keeps as the intervention,
    so the pregnancy contraindication of warfarin is shown even when neither is."""
    out = [frame.intervention, frame.comparator]
    if question and frame.intent in OPTION_INTENTS:
        named = [(a, g) for a, _b, _s, g in table.find(question)]
        named += [(a, v) for a, _b, _s, v in find_vaccines(question)]
        named += [(a, c) for a, _b, _s, c in find_classes(question) if c not in BROAD_CLASSES]
        out += [name for _a, name in sorted(named)]
    taken = set(frame.current_medications)
    return list(dict.fromkeys(x for x in out if x and x not in taken))


def _lookups(names: list[str], partners: list[_Partner], subject: str) -> list[str]:
    """One lexical query per partner: the treatment's names with that partner's, so that a partner
    with many words (kidney disease) does not crowd out the chunks naming the treatment and another."""
    queries = [" ".join([*names, *p.words]) for p in partners if p.name != subject]
    return list(dict.fromkeys(queries))


_IS_A = re.compile(r"\s+(?:is|are|was|as)\s+(?:also\s+|itself\s+|likewise\s+|another\s+|both\s+)?(?:an?\s+|the\s+)?$", re.I)
_PREDICATED: dict[tuple[str, int], frozenset[str]] = {}


def _predicated_classes(text: str, table: AliasTable) -> frozenset[str]:
    """Classes the sentence names only as what a drug it names is ("Febuxostat is also a xanthine
    oxidase inhibitor, and the febuxostat label lists azathioprine ... as contraindicated"): such a
    mention stands for that drug, not for the class, so it links no other member of the class
    (allopurinol) with what the sentence says."""
    key = (text, id(table))
    hit = _PREDICATED.get(key)
    if hit is not None:
        return hit
    ends = [b for _a, b, _s, _g in table.find(text)]
    predicated: set[str] = set()
    free: set[str] = set()
    for a, _b, _s, name in find_classes(text):
        m = _IS_A.search(text, max(0, a - 40), a)
        if m and any(text[e : m.start()].strip() == "" for e in ends if e <= m.start()):
            predicated.add(name)
        else:
            free.add(name)
    out = frozenset(predicated - free)
    if len(_PREDICATED) > _SCOPE_CACHE_SIZE:
        _PREDICATED.clear()
    _PREDICATED[key] = out
    return out


_LABEL_DRUG: dict[tuple[str, int], str | None] = {}
"""The drug of each label title seen (a library has a few hundred labels at most)."""


def label_drug(passage: Passage, table: AliasTable) -> str | None:
    """The one drug a drug label is about, read from its title ("GLUCOPHAGE (metformin) tablets"),
    or None (not a label, or a title naming no drug or several)."""
    doc = passage.document
    if doc.kind != "drug-label":
        return None
    key = (doc.title, id(table))
    if key not in _LABEL_DRUG:
        found = {g for *_, g in table.find(doc.title)}
        _LABEL_DRUG[key] = found.pop() if len(found) == 1 else None
    return _LABEL_DRUG[key]


def _said_of_the_label_drug(text: str, relation: str, table: AliasTable) -> bool:
    """A label's sentence that names no drug before its (first) danger cue ("Risk factors named in the boxed
    warning are kidney impairment, certain drugs such as carbonic anhydrase inhibitors ...") states a
    danger of the label's own drug, which the label leaves unnamed as its subject; the drugs named
    after the cue are the partners."""
    cues = [m.start() for rel in (relation, *DANGER_RELATIONS) if (m := _cue(rel, text)) is not None]
    if not cues:
        return False
    return all(a >= min(cues) for a, _names in _mention_lists(text, table))


def _cue(relation: str, text: str) -> re.Match[str] | None:
    pattern = RELATION_PATTERNS.get(relation)
    return pattern.search(text) if pattern is not None else None


def sweep(
    frame: QuestionFrame, subjects: Sequence[str], table: AliasTable, search: Search, *,
    depth: int = SWEEP_DEPTH, exclude: frozenset[str] = frozenset(), question: str | None = None,
) -> list[Finding]:
    """Every danger statement linking one of ``subjects`` with the patient, strongest first.

    ``exclude`` names conditions that are not partners (the condition an alternative treats).
    ``question``, when given, adds what it says of the patient beyond the frame's vocabulary
    (:func:`question_traits`) as one more partner, linked only where a statement's scope names it.
    """
    findings: list[Finding] = []
    seen: set[tuple[str, str, str]] = set()
    frame = awaiting_transplant_read(frame, question)
    partners = _partners(frame, table, exclude, question)
    trait = _trait_partner(question_traits(question, frame, table, search)) if question else None
    if trait is not None:
        partners.append(trait)
    if not partners:
        return []
    patient = _patient(frame, table, question)
    asked = frozenset(re.findall(r"[a-z][a-z0-9]+", question.lower())) if question else frozenset()
    if question:
        asked |= implied_words(question)
    pending = patient.pending
    vulnerable = frozenset(p.name for p in partners if p.kind == "population") & HARMED_AS_A_GROUP
    taken = patient.drugs | patient.classes
    for subject in subjects:
        generics, classes = subject_terms(subject, table)
        acting = set().union(*(acting_classes(table, g) for g in generics)) if generics else set()
        names = [*(n for g in generics for n in table.names_of(g)[:3]), *sorted(classes)[:3]]
        candidates: list[Passage] = []
        known: set[str] = set()
        for query in _lookups(names, partners, subject):
            for passage in search(query, depth):
                if passage.chunk.chunk_id not in known:
                    known.add(passage.chunk.chunk_id)
                    candidates.append(passage)
        wanted = generics | {subject} | classes | acting
        for passage in candidates:
            own_label = label_drug(passage, table) in generics
            if not own_label and not wanted & _names_in(passage.chunk.text, table):
                continue  # no sentence of this chunk can name the treatment
            for sent in passage_sentences([passage]):
                if not _may_state_a_danger(sent.text):
                    continue  # no relation a danger is read from can be tagged in it
                claim = tag(sent.text, table)
                borrowed = _predicated_classes(sent.text, table) if claim.classes else frozenset()
                if borrowed:
                    claim = replace(claim, classes=claim.classes - borrowed)
                named = bool(claim.drugs & (generics | {subject}) or claim.classes & classes)  # a vaccine is tagged by name
                unnamed = own_label and not named  # the label's own drug may be the unnamed subject
                if not named and not claim.classes & acting and not unnamed:
                    continue
                relation = danger_relation(claim, sent.text) or _dose_for_this_patient(sent.text, claim, patient, table)
                if unnamed:
                    if relation is None or not _said_of_the_label_drug(sent.text, relation, table):
                        continue
                    named = True
                if relation is None and "adverse" in claim.relations and "result" not in claim.relations and claim.populations & vulnerable:
                    relation = "caution"  # "can cause fetal harm ... if it is used in pregnancy", for a pregnant patient
                if relation is None and "adverse" in claim.relations and (claim.drugs & taken or claim.classes & taken) and any(
                    set(group) & taken for group, _whole in _sentence_scope(sent.text, table).co_medications
                ):
                    relation = "caution"  # a harm said of patients who also take the patient's drug: an interaction
                if relation is None:
                    continue
                if not any(p.link(claim, sent.text) for p in partners):
                    continue  # cheap test first: the statement names nothing the patient has
                said_of: list[_Partner] | None = None  # None: the danger is said of the treatment
                if not unnamed and not _danger_is_about(sent.text, relation, generics, classes | (acting if not named else set()), table):
                    # "Clarithromycin should not be given with colchicine", asked about colchicine for a
                    # patient on clarithromycin: said of the patient's drug, with the treatment as its
                    # co-medication, it is the same danger
                    said_of = [p for p in partners if p.kind == "medication" and p.link(claim, sent.text)
                               and _danger_is_about(sent.text, relation, set(p.generics), set(p.classes | p.acting), table)
                               and _co_medication_of(sent.text, table, generics | {subject} | classes | acting)]
                    if not said_of:
                        continue
                clause = danger_clause(sent.text, relation)
                where = scope(clause, tag(clause, table) if clause != sent.text else claim, patient, generics | classes | acting, table)
                if where == NOT_THIS_PATIENT:
                    continue
                if where == UNSTATED:
                    relation = "caution"  # said of a group this patient is not said to be in
                if relation in ("contraindication", "avoid") and _allowed_for_this_patient(sent.text, clause, patient, table):
                    relation = "caution"  # "should not be used as primary ULT, but may be considered when treatment for hypertension is needed"
                for partner in said_of if said_of is not None else partners:
                    if partner.kind == "medication" and partner.name == subject:
                        continue
                    decisive = relation in ("contraindication", "avoid", "boxed")
                    if partner.kind == "indication" and not decisive:
                        continue  # every statement about a treatment for its indication names the two
                    link = partner.link(claim, sent.text)
                    if partner.kind == "trait":
                        how = _trait_scope(sent.text, partner, asked, pending) if link is not None else None
                        if how is None or not (decisive or how.group):
                            continue  # a trait may be what the treatment is for: "the starting dose for NOMID"
                        if how.narrower:
                            relation = "caution"  # "homozygous TPMT deficiency" asked of a heterozygous patient
                    elif link is not None and _narrowed_condition(sent.text, partner, asked):
                        relation = "caution"  # "contraindicated with malignant hypertension", for plain hypertension
                    if link is None or (link == "acting" and not named):
                        continue  # two drugs that only act on others are not linked by a statement about such drugs
                    if link == "acting" and partner.kind == "medication" and not (partner.acting & claim.classes) - acting:
                        # "strong CYP3A4 and P-gp inhibitors such as ... clarithromycin ... raise
                        # sirolimus levels", asked of clarithromycin for a patient on cyclosporine:
                        # the two act alike, and the statement is of their action on a third drug
                        continue
                    key = (passage.document.doc_id, " ".join(sent.text.split()), subject)
                    if key in seen:
                        break  # the same sentence in an overlapping chunk of the same source
                    seen.add(key)
                    findings.append(Finding(passage, sent, claim, subject, partner.name, relation))
                    break
    _used_together_by_name(findings, partners)
    kind_rank = {"drug-label": 0, "guideline": 1, "review": 2, "research": 3}
    findings.sort(key=lambda f: (f.strength, kind_rank.get(f.passage.document.kind, 4), f.passage.chunk.chunk_id, f.sentence.start))
    return findings


def _used_together_by_name(findings: list[Finding], partners: Sequence[_Partner]) -> None:
    """An avoidance that reaches the patient's drug only through its class ("strong CYP3A4 and
    P-gp inhibitors such as ketoconazole ... clarithromycin ... the sirolimus label advises avoiding
    them", for a patient on cyclosporine) is a caution when the same source names that drug and
    says how the two are given together ("sirolimus combined with cyclosporine ... cyclosporine
    dosing adjusted"): the source does not count it among the drugs it advises against. Only an
    avoidance: a contraindication or boxed warning stands whatever else its source says."""
    by_name = {p.name: p for p in partners if p.kind == "medication"}
    for f in findings:
        partner = by_name.get(f.partner)
        if f.relation != "avoid" or partner is None or partner.generics & f.claim.drugs:
            continue
        if any(g is not f and g.partner == f.partner and g.relation == "dose_change" and partner.generics & g.claim.drugs
               and g.passage.document.doc_id == f.passage.document.doc_id for g in findings):
            f.relation = "caution"


# --- doses the question proposes (for the composer's dose verdict) ------------------------------

_AMOUNT = re.compile(r"\b\d+(?:\.\d+)?\s*(?:mg|mcg|µg|g|units?)\b(?!\s*/)", re.I)
_STARTING = re.compile(
    r"\b(?:start\w*|initial\w*|begin\w*|from\s+day\s+(?:one|1)|day\s+(?:one|1)\b|first\s+dose|loading|"
    r"new(?:ly)?\b|brand-new|fresh|just\s+diagnosed|diagnosed\s+today)",
    re.I,
)
"""A question about the first phase of a treatment ("the right dose to start?", "a brand-new DVT")."""
_LATER_PHASE = re.compile(r"\b(?:then|followed\s+by|thereafter|after\s+(?:that|which|the\s+first))\b", re.I)
"""A stated regimen with a later phase ("10 mg twice daily for 7 days, then 5 mg twice daily")."""


def asked_doses(question: str, frame: QuestionFrame, table: AliasTable) -> list[str]:
    """Amounts the question proposes for the treatment, spaces removed ("2.5mg"): not a laboratory
    value ("an ACR of 450 mg/g") nor the dose of a drug the patient already takes ("on Zestril 40
    mg"), which are no dose asked about."""
    meds = set(frame.current_medications) - ({frame.intervention} if frame.intervention else set())
    ends = [b for _a, b, _s, g in table.find(question) if g in meds]
    out = []
    for m in _AMOUNT.finditer(question):
        if any(question[b : m.start()].strip() == "" for b in ends):
            continue
        out.append(m.group(0).replace(" ", "").lower())
    return out


def phase_mismatch(question: str, stated: str, asked: Sequence[str]) -> bool:
    """The question asks about starting, the stated regimen has a later phase, and the amount asked
    is not the first phase's: "5 mg twice daily from day one" against "10 mg twice daily for 7 days,
    then 5 mg twice daily" is the extended-phase dose given for a new clot."""
    if not asked or not _STARTING.search(question) or not _LATER_PHASE.search(stated):
        return False
    doses = [m.group(0).replace(" ", "").lower() for m in _AMOUNT.finditer(stated)]
    return bool(doses) and asked[0] != doses[0]
