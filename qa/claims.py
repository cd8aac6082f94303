"""Sentence-level claims: what a citable sentence says, about which drugs, for whom.

A :class:`Claim` is a light predication in the spirit of NLM's SemRep: the drugs and drug classes a
sentence names, the relations it states (recommendation, avoidance, contraindication, dose, dose
change, monitoring, interaction, adverse effect, result, target ...), the populations and
conditions it applies to, its direction (for / against / conditional) and, for dose statements,
the phase it belongs to (initial, extended, prophylaxis, treatment). The answer plan matches a
question frame against claims; the safety sweep uses them to find every statement that links the
intervention with the patient.

Claims are computed from the sentence text alone (cached per text), with cue lexicons that
describe clinical writing in general rather than any one document. Negated cues are respected:
"no dose adjustment is needed" is a ``no_change`` claim, not a ``dose_change`` one; "do not" is
advice only before a prescribing verb ("do not give", not "who do not have"); "stop X if ..." is a
precaution, not an avoidance; "avoids the interaction" avoids an event, not a drug. ``exposure``
marks a sentence in which one drug changes a named drug's levels ("raise sirolimus levels").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from curbside.ingest.vaccines import find_vaccines, vaccine_classes
from curbside.ingest.vocabulary import classes_of as vocab_classes_of
from curbside.ingest.vocabulary import find_classes as vocab_find_classes
from curbside.ingest.vocabulary import members_of as vocab_members_of
from curbside.qa.aliases import AliasTable
from curbside.qa.frame import CKD_STAGE_GFR, CONDITION_TERMS

# -- relation cues ---------------------------------------------------------------------------------

_PRESCRIBING_VERBS = (
    r"(?:use|give|start|initiate|combine|co-?administer|prescribe|offer|administer|add|take|exceed|"
    r"restart|resume|repeat|crush|chew|split|switch|inject|vaccinate|breast-?feed|increase|double)\b"
)
"""Verbs after "do not" that make it advice about a treatment ("do not give X"), unlike a description
("who do not have heart failure", "do not depend on kidney clearance")."""

_EVENT_VERBS = r"(?:occur|happen|develop|arise|appear|recur|rise|fall|drop|change)\b"
"""What "should not" denies when it is said of an event, not of prescribing ("PJP should not occur
while a patient is taking TMP-SMX", "levels should not change"): no avoidance of anything."""

_R = {
    "contraindication": r"contra-?indicat\w*",
    "boxed": r"boxed\s+warning|black[- ]box",
    "avoid": (
        r"\bavoid\w*|\bdo\s+not\s+(?:\w+ly\s+)?" + _PRESCRIBING_VERBS + r"|\bdoes\s+not\s+recommend|\b(?:should|must)\s+not\b(?!\s+(?:\w+ly\s+)?" + _EVENT_VERBS + r")|\bnot\s+(?:be\s+)?"
        r"(?:used|given|started|combined|co-?administered|prescribed|offered)\b|\bnot\s+recommended|"
        r"\brecommend\w*\s+against|\bsuggest\w*\s+against|\bnot\s+(?:routinely\s+)?suggested|\badvis\w*\s+against|\bwarns?\s+against|\bargues?\s+against|"
        r"\bharmful|\bnever\b|\bnot\s+suitable|\bnot\s+to\s+be\s+(?:used|given)|\bshould\s+be\s+stopped|"
        r"\bdiscontinue|\bwithh[eo]ld|\bunsafe|\bnot\s+for\s+(?:use\s+in\s+)?(?:patients|people|persons|adults|children|women|men|those|anyone|use)\b|\bnot\s+(?:be\s+)?(?:safe|appropriate)|\bnot\s+advis(?:ed|able)|\binadvisable"
    ),
    "caution": r"\bcaution\w*|\bcareful\w*|\bwith\s+care\b|\bclose(?:ly)?\s+monitor\w*|\bvigilan\w*|\bused\s+cautiously",
    "dose_change": (
        r"\breduc\w*\s+(?:the\s+)?(?:\w+\s+)?dos\w*|\bdos\w*\s+(?:reduction|adjustment|modification|should\s+be\s+(?:reduced|lowered|adjusted))|"
        r"\badjust\w*|\blower\s+(?:starting\s+|initial\s+|maintenance\s+)?dos\w*|\bdose\s+of\s+\w+(?:\s+\w+)?\s+(?:should|must|may)\s+be\s+(?:reduced|lowered|halved|decreased)|"
        r"\bdose\s+(?:should|must)\s+be\s+(?:reduced|lowered|halved|decreased)|\bhalve\w*|\bnot\s+exceed|"
        r"\bno\s+more\s+than|\bmaximum\s+(?:daily\s+)?dose|\bdose[- ]reduc\w*|\bdecrease\s+the\s+dose|\bdosing\s+interval|"
        r"\bevery\s+other\s+day|\balternate\s+days|\bonce\s+every\s+(?:two|2|three|3)\s+(?:days|weeks)|\bnot\s+repeated|\bcut\s+by\s+half|\bhalved|"
        r"\b(?:interrupt\w*|withh[eo]ld\w*|hold\w*)\s+or\s+reduc\w*|\breduc\w*\s+or\s+(?:interrupt\w*|withh[eo]ld\w*|hold\w*)"
    ),
    "no_change": r"\bno\s+(?:dose\s+|dosage\s+)?adjustment|\bno\s+(?:[a-z-]+\s+)?(?:dose|dosage)\s+(?:adjustment|change|reduction|modification)|\b(?:dose|dosage)\s+(?:adjustment|change|reduction)\s+(?:is|are)\s+not\s+(?:required|needed|necessary)|\bnot\s+(?:be\s+)?reduced|\bnot\s+(?:require|need)\w*\s+(?:a\s+)?(?:dose|dosage)\s+(?:adjust|change|reduc)|\bwithout\s+dose\s+adjust",
    "dose": r"\b\d+(?:[.,]\d+)?\s*(?:-|–|to)?\s*(?:\d+(?:[.,]\d+)?\s*)?(?:mg|mcg|µg|microgram\w*|g|grams?|units?|iu|mg/kg|mg/m2|ml)\b(?!/dl|/l\b)"
    # a statin's intensity is its dose band (ACC/AHA 2018: high, moderate, low intensity by dose)
    r"|\b(?:high|moderate|low)[- ]intensity\s+statin",
    "monitoring": (
        r"\bmonitor\w*|\bcheck\w*|\bmeasur\w*|\bevery\s+\d+|\bat\s+baseline|\bbaseline\b|\bblood\s+counts?|"
        r"\bneutrophil\s+counts?|\blevels?\s+(?:should|are|is)\b|\bfollow-?up\b|\btrough|\bcbc\b|\bliver\s+(?:tests?|enzymes)|"
        r"\bmonthly|\bquarterly|\bperiodic\w*|\bregular(?:ly)?\s+(?:tests?|checks?|blood)"
    ),
    "recommend": (
        r"\brecommend\w*|\bsuggest\w*|\bprefer\w*|\bfirst[- ]line|\bshould\s+be\s+(?:used|given|offered|started|considered|treated)|\bshould\s+(?:also\s+)?(?:receive|get)\b|"
        r"\bis\s+an?\s+(?:option|alternative)|\bcan\s+be\s+(?:used|given|continued|considered)|\bmay\s+be\s+(?:used|given|considered)|\b(?:is|are)\s+considered\s+for\b|"
        r"\bindicated\b|\bsupports?\b|\bfavou?r\w*|\bendors\w*|\bare\s+options|\boptions?\s+(?:for|include)|\bfirst\s+choice|"
        r"\btreat\w*\s+with\b|\bis\s+safe\b|\bare\s+safe\b|\bapproved\s+for|\b(?:commonly|often|usually|widely|generally)\s+used\b|\bpractical\s+choice"
    ),
    "first_line": r"\bfirst[- ]line|\bfirst\s+choice|\bpreferred|\binitial\s+(?:therapy|treatment|choice)|\bahead\s+of|"
                  r"\b(?:drug|agent|anticoagulant|treatment|therapy|option)s?\s+of\s+choice",
    "second_line": (
        r"\bsecond[- ]line|\bwhen\s+(?:[\w-]+,?\s+){0,8}(?:ineffective|not\s+tolerated|poorly\s+tolerated|contraindicated|fail\w*|inadequate)|"
        r"\bif\s+(?:[\w-]+,?\s+){0,8}(?:ineffective|not\s+tolerated|poorly\s+tolerated|contraindicated|fail\w*)|\breserv\w*|"
        r"\bafter\s+(?:\w+\s+){0,4}fail\w*|\bbehind\b"
    ),
    "interaction": (
        r"\binteract\w*|\bincreas\w*\s+(?:\w+\s+){0,4}(?:concentrations?|exposure|levels?|toxicity)|\bcyp3a4?\b|\bp-?gp\b|"
        r"\bp-glycoprotein|\b(?:cyp\w*|p-?gp|p-glycoprotein|strong|moderate|potent)\s+(?:\w+\s+)?(?:inhibitors?|inducers?)\b|"
        r"\bin\s+combination\s+with|\bcombin\w*\s+(?:[\w-]+\s+){0,4}?with\b|\bcombination\b|"
        r"\bconcomitant\w*|\btogether\s+with|\bco-?administ\w*|\bwith\s+(?:a|an)\s+\w+\s+inhibitor|\bcompetes?\s+with|"
        r"\b(?:levels?|concentrations?|exposures?)\s+of\s+both\b|"
        r"\b(?:given|taken|used|combined|co-?prescribed|started)\s+(?:together\s+)?with\b|\bpatients?\s+(?:taking|on|receiving)\b|"
        r"\bin\s+patients\s+(?:taking|on|receiving)\b|\braises?\s+(?:\w+\s+){0,3}(?:levels?|concentrations?|exposure)|"
        r"\badds?\s+to\s+(?:the\s+)?(?:\w+\s+){0,4}risk|\bco-?medications?\b|\bconcomitant\s+(?:medications?|drugs?|use)|\bpotentiat\w*|\badditive\b|\bsynergis\w*"
    ),
    "adverse": (
        r"\brisks?\b|\binfections?\b|\btoxicit\w*|\btoxic\b|\badverse|\bside\s+effects?|\bmyopathy|\bmyotoxic\w*|\bneutropenia|"
        r"\bbleeding|\bhypersensitivity|\bmalignan\w*|\blymphoma|\bserious\b|\bfatal|\bdeath|\bsuppression|\bnephrotoxic\w*|"
        r"\bhepatotoxic\w*|\bhypoglyc\w*|\blactic\s+acidosis|\brhabdomyolysis|\breactions?\b|\bcan\s+cause|\bcauses?\b|"
        r"\binduc\w*\s+(?:\w+\s+)?(?:diabetes|hyperkal\w*|hyperuric\w*|gout|hypertension)|\bnew-onset|\bworsen\w*|"
        r"\bhyperkal\w*|\ban(?:a)?emi\w*|\bleuko?peni\w*|\bleucopeni\w*|\bthrombocytopeni\w*|\bpancytopeni\w*|\bagranulocyt\w*|"
        r"\bmyelosuppress\w*|\bmarrow\s+(?:suppression|toxicity)|\bacidosis|\bqt\s+prolong\w*|\bhypotension|\bserotonin\s+syndrome|"
        r"\bnephrotoxic\w*|\blinked\s+to|\bhas\s+been\s+reported|\bhave\s+been\s+reported|"
        r"\bcan\s+(?:raise|increase|elevate|lower|reduce|decrease)\s+(?:the\s+)?(?:serum|plasma|blood)\s+(?!(?:concentrations?|levels?)\s+of\b)\w+"
    ),
    "result": (
        r"\bhazard\s+ratio|\bHR\b|\b95%\s*CI|\bconfidence\s+interval|\bp\s*[<=]\s*0|\bodds\s+ratio|\brelative\s+risk|"
        r"\b\d+(?:\.\d+)?\s*%|\bnon-?inferior\w*|\bsuperior\w*|\bcompared\s+with|\bversus\b|\bvs\.?\b|"
        r"\b(?:reduced|lowered|increased|improved|did\s+not\s+(?:reduce|differ|improve|increase)|was\s+associated|were\s+associated|"
        r"no\s+(?:significant\s+)?difference|similar\s+to|higher|lower)\b"
    ),
    "design": r"\brandomi[sz]\w*|\benrolled|\bwere\s+assigned|\bdouble-blind|\bplacebo-controlled|\bopen-label|\bparticipants\s+were|\bdesign\b|\bcohort\s+of\b|\bmulticent\w*",
    "target": r"\btarget\w*|\bgoal\w*|\bbelow\s+\d|\bless\s+than\s+\d|<\s*\d|\bat\s+or\s+below|\bthreshold|\bunder\s+\d|\bor\s+below\b|\bor\s+lower\b",
    "duration": r"\bfor\s+(?:at\s+least\s+|up\s+to\s+|a\s+minimum\s+of\s+)?\d+\s*(?:to\s+\d+\s*)?(?:days?|weeks?|months?|years?)|\bduration|\buntil\b|\bindefinite\w*|\blong-term|\bcontinued?\s+for|\bstopp\w*\s+after|\bat\s+least\s+\d+\s*(?:days?|weeks?|months?)"
        r"|\b(?:lasting|beyond|over)\s+\d+\s*(?:days?|weeks?|months?|years?)|\b\d+-(?:day|week|month|year)\s+(?:course|treatment|phase|period)|\bextended[\s-]phase"
        r"|\b(?:stop|end)\w*\s+(?:\w+\s+){0,2}after\s+(?:the\s+)?\d+|\blifelong|\bno\s+planned\s+stop",
    "timing": r"\bbefore\b|\bafter\b|\bwithin\s+\d|\bwhen\s+to\b|\bstart\w*\s+(?:at|within|once|after|when)|\bduring\b|\btiming|\bas\s+soon\s+as|\bearly\b",
    "screening": r"\b(?:re-?)?screen\w*|\b(?:re-?)?test\w*\s+for|\bbefore\s+start\w*|\bprior\s+to\s+(?:start\w*|initiat\w*|treatment)|\bbaseline\s+(?:test|screen)\w*|\binterferon-gamma|\bigra\b|\btuberculin",
    "vaccination": r"\bvaccin\w*|\bimmuni[sz]\w*|\blive\s+(?:attenuated\s+)?(?:vaccines?|virus)|\btoxoid",
    "prophylaxis": r"\bprophyla\w*|\bprevent\w*|\bpreventive",
    "indication": r"\bindicated\b|\bfor\s+the\s+treatment\s+of|\bapproved\s+for|\blabell?ed\s+(?:only\s+)?for\b|\bused\s+(?:to\s+treat|for)\b|\btreatment\s+of\b",
}
RELATION_PATTERNS: dict[str, re.Pattern[str]] = {name: re.compile(p, re.I) for name, p in _R.items()}

# A cue preceded by a negation inside its clause flips: "not contraindicated", "no need to avoid".
_NEGATED = re.compile(
    r"\b(?:not|no|without|never|nor|neither|none)\b(?:\s+[\w-]+){0,2}\s*$|\b(?:not|no)\s+(?:a\s+|an\s+)?(?:reason|grounds|need|cause)\s+(?:to|for)\s+$", re.I
)
"""A cue negated just before it ("not recommended", "no dose adjustment", "not FDA-approved for", "generally
not a reason to withhold live vaccines")."""

_POPULATION_PATTERNS: dict[str, re.Pattern[str]] = {
    "pregnancy": re.compile(r"\bpregnan\w*|\bfetal|\bfetus|\bteratogen\w*|\btrimester|\bconception|\bcontracepti\w*", re.I),
    "lactation": re.compile(r"\bbreast-?\s?feed\w*|\blactat\w*|\bnursing\b|\bbreast\s?milk|\bhuman\s+milk", re.I),
    "child": re.compile(r"\bchild\w*|\bpaediatric|\bpediatric|\binfant\w*|\badolescen\w*|\bneonat\w*|\byears?\s+of\s+age\s+and\s+(?:older|younger)|\bjuvenile", re.I),
    "older adult": re.compile(r"\belderly|\bolder\s+(?:adults?|patients?|people)|\bgeriatric|\baged\s+(?:65|70|75|80)|\b(?:65|70|75|80)\s+years\s+(?:or|and)\s+older|\bfrail", re.I),
    "ckd": re.compile(r"\brenal\s+(?:or\s+hepatic\s+)?(?:impairment|insufficiency|function|disease|failure)|\bkidney\s+(?:disease|function|impairment)|\bckd\b|\be?gfr\b|\bcrcl\b|\bcreatinine\s+clearance|\bml/min", re.I),
    "dialysis": re.compile(r"\bdialy\w*|\bhaemodialysis|\bhemodialysis|\besrd\b|\beskd\b|\bend-stage", re.I),
    "transplant": re.compile(r"\btransplant\w*|\ballograft|\brecipients?\b", re.I),
    "hepatic impairment": re.compile(r"\bhepatic\s+(?:impairment|disease|insufficiency)|\bliver\s+(?:disease|impairment|failure)|\bcirrho\w*|\bchild-?pugh", re.I),
}
_PHASES: dict[str, re.Pattern[str]] = {
    "prophylaxis": re.compile(r"\bprophyla\w*|\bprevent\w*\s+(?:of\s+)?(?:\w+\s+){0,3}(?:flares?|recurrence|attacks?|infection|thrombo\w*|dvt|clots?|embolism|stroke)|\bpreventive|\bafter\s+(?:hip|knee)\s+(?:or\s+knee\s+)?(?:replacement|surgery)", re.I),
    "extended": re.compile(r"\bextended[- ]\w*|\bafter\s+(?:at\s+least\s+)?(?:6|six|3|three)\s+months|\blong-term\s+(?:prevention|therapy|treatment)|\breduce\s+the\s+risk\s+of\s+recurren\w*|\brecurren\w*|\bsecondary\s+prevention|\bbeyond\s+(?:the\s+)?(?:first|initial)", re.I),
    "initial": re.compile(r"\binitial\b|\bfirst\s+\d+\s+days|\bfor\s+(?:the\s+first\s+)?(?:7|seven|21)\s+days|\bloading|\bfollowed\s+by|\bthen\b|\bacute\b|\bstarting\s+dose|\bat\s+the\s+first\s+sign", re.I),
    "treatment": re.compile(r"\btreatment\s+of\s+(?:a\s+|an\s+)?(?:acute\s+|new\s+)?(?:flare|dvt|pe|vte|deep|pulmonary|infection|attack)|\bto\s+treat\b|\bfor\s+(?:an?\s+)?(?:acute\s+)?(?:flare|attack)|\bflare\s+(?:dose|doses|dosing|regimen|treatment|course)", re.I),
}
_RENAL_BOUND = re.compile(
    r"(?:crcl|creatinine\s+clearance|e?gfr|clcr|(?:estimated\s+)?glomerular\s+filtration\s+rate)[^.;]{0,40}?(?P<op>below|under|less\s+than|<|≤|of\s+less\s+than|above|over|greater\s+than|>|≥|at\s+least|between)\s*(?P<a>\d{1,3})(?:\s*(?:and|to|-|–)\s*(?P<b>\d{1,3}))?"
    r"|(?P<a2>\d{1,3})\s*(?:to|-|–)\s*(?P<b2>\d{1,3})\s*ml/min",
    re.I,
)


@dataclass(frozen=True)
class Claim:
    """What one sentence states (see the module docstring)."""

    drugs: frozenset[str]
    classes: frozenset[str]
    relations: frozenset[str]
    populations: frozenset[str]
    conditions: frozenset[str]
    phases: frozenset[str]
    renal_ranges: tuple[tuple[float, float], ...]
    hedged: bool
    age_ranges: tuple[tuple[float, float], ...] = ()
    kin_only: frozenset[str] = frozenset()  # in ``drugs`` as the prodrug or active form of a drug named

    @property
    def direction(self) -> str:
        """against | conditional | for | neutral."""
        r = self.relations
        if "second_line" in r and r & {"recommend", "first_line"} and not r & {"boxed", "avoid"} and not re.search(r"against", " ".join(r)):
            return "conditional"  # "recommends X when Y is ineffective or contraindicated"
        if r & {"contraindication", "boxed", "avoid"}:
            return "against"
        if r & {"caution", "dose_change", "second_line"}:
            return "conditional"
        if r & {"recommend", "first_line", "no_change", "continue"}:
            return "for"
        return "neutral"

    def names(self, generics: Iterable[str]) -> bool:
        return bool(self.drugs & set(generics))

    def covers_age(self, age: int) -> bool | None:
        """Does an age range stated here ("adults aged 40 to 75") include ``age``? None if none."""
        if not self.age_ranges:
            return None
        return any(lo <= age <= hi for lo, hi in self.age_ranges)

    def covers_renal(self, value: int) -> bool | None:
        """Does a kidney-function range stated here include ``value``? None when none is stated."""
        if not self.renal_ranges:
            return None
        return any(lo <= value < hi for lo, hi in self.renal_ranges)


_CONDITION_CLAUSE = re.compile(r"\b(?:when|if|unless|where|in\s+whom|for\s+whom|who\s+(?:have|has))\b[^.;]*$", re.I)
_EXCEPT_CLAUSE = re.compile(r"\b(?:unless|except(?!\s+that\b)|if\s+not|other\s+than)\b[^.;,]*$", re.I)
""""Unless contraindicated", "except in ...": what follows names an exception, not a contraindication.
"Except that X is not for patients with ..." states a restriction of its own and is read as one."""
_KEEP_GOING = re.compile(
    r"\b(?:not|against|need\s+not|no\s+need\s+to)\s+(?:be\s+)?(?:stop\w*|discontinu\w*|withh[eo]ld\w*|interrupt\w*|held)\b|"
    r"\bagainst\s+(?:stopping|discontinuing|withholding|interrupting)\b|\bshould\s+continue|\bcan\s+(?:be\s+)?continu\w*|\bcontinue\w*\s+(?:taking|the|it|their|his|her)\b|"
    r"\b(?:should|can|may|must|is|are)\s+(?:usually\s+|generally\s+|still\s+|normally\s+)?(?:be\s+)?continued\b|"
    r"\b(?:recommend|advis|suggest|favou?r)\w*\s+(?:(?!against\b)\w+ly\s+)?continuing\b|"
    r"\b(?:(?:stopping|discontinuing|interrupting)\s+(?:[\w-]+\s+){0,2}(?:early|prematurely)|premature\s+discontinuation)\b[^.;]{0,60}?\b(?:raises?|increases?)\s+(?:the\s+)?risk",
    re.I,
)
"""Advice to keep a drug going: "need not be stopped", "recommends against stopping", "should be
continued", "recommends continuing ULT indefinitely", and the warning that stopping early raises a
risk ("stopping apixaban early, without another anticoagulant, raises the risk of thrombotic events")."""


_STOP_CUE = re.compile(r"stop|discontinu|withh[eo]ld", re.I)
_STOP_TRIGGER = re.compile(
    r"\b(?:if|when|whenever|until|in\s+case\s+of|(?:who|that)\s+develops?|at\s+the\s+first\s+(?:sign|appearance|onset))\b", re.I
)
"""After "should be stopped" / "discontinue": the event that triggers it. "Stop X if potassium rises"
is a stopping rule, a precaution for a patient on X, not advice against starting X."""
_NOT_GIVEN = re.compile(r"not\s+(?:be\s+)?(?:used|given|started|combined|co-?administered|prescribed|offered)\b", re.I)
_PAST_FACT = re.compile(r"\b(?:was|were|had|had\s+been|has\s+been|have\s+been)\s+$", re.I)
"""Before "not given": a fact about the patient's past ("if it was not given before transplant"),
not advice against giving it. Only the prescribing verbs (:data:`_NOT_GIVEN`) are read so: "was not
recommended" still states a recommendation."""
_INTOLERANCE = re.compile(
    r"\b(?:intoleran\w*|unresponsive|refractory|inadequate(?:ly)?\s+respon\w*|(?:not|poorly)\s+tolerated|ineffective|unable\s+to\s+take|fail\w*\s+to\s+respond)\b",
    re.I,
)
"""Words listed with "contraindicated" when a sentence describes who may get a treatment ("patients
contraindicated for, intolerant of, or unresponsive to NSAIDs"), not a contraindication of it."""
_HAVING_ONE = re.compile(r"\b(?:who\s+(?:have|has)|with|having|has|have)\s+(?:an?\s+|any\s+)?(?:absolute\s+|relative\s+)?$", re.I)
"""Before "contraindication": the patients it describes have one ("patients with a contraindication to
long-term anticoagulation"), so the sentence is about them, not a contraindication it states."""
_PRECONDITION_SPAN = 60
"""Characters either side of a contraindication cue within which an intolerance word makes the cue
part of a precondition list (a short coordinated phrase, not the next clause)."""
_AVOIDED_EVENT = re.compile(
    r"^\w*\s+(?:the\s+|this\s+|that\s+|an?\s+|any\s+)?(?:[\w–-]+\s+){0,2}?(?:interactions?|risks?|need|problems?|complications?|harm|errors?|delays?)\b",
    re.I,
)
"""What is avoided is an event, not a treatment: "replacing azathioprine avoids the allopurinol–
azathioprine interaction" states a benefit, not an avoidance."""


def _relations(text: str) -> set[str]:
    found: set[str] = set()
    for name, pattern in RELATION_PATTERNS.items():
        for m in pattern.finditer(text):
            if name in ("contraindication", "avoid") and _EXCEPT_CLAUSE.search(text[max(0, m.start() - 80) : m.start()]):
                continue  # "unless contraindicated" names an exception, not a contraindication
            if name == "contraindication" and _INTOLERANCE.search(text[max(0, m.start() - _PRECONDITION_SPAN) : m.end() + _PRECONDITION_SPAN]):
                continue  # "contraindicated for, intolerant of, or unresponsive to X" describes who may get it
            if name == "contraindication" and _HAVING_ONE.search(text[max(0, m.start() - 30) : m.start()]):
                continue  # "an option for patients who have a contraindication to anticoagulation": who gets the option
            if name == "avoid" and _NOT_GIVEN.match(m.group(0)) and _PAST_FACT.search(text[max(0, m.start() - 20) : m.start()]):
                continue  # "if it was not given before transplant": what happened, not advice
            if name == "avoid" and m.group(0).lower().startswith("avoid") and _AVOIDED_EVENT.match(text[m.start() :]):
                continue  # "avoids the interaction", "to avoid the risk of": an event is avoided
            if name == "avoid" and _STOP_CUE.search(m.group(0)) and _STOP_TRIGGER.search(text[m.end() :]) and not _KEEP_GOING.search(text):
                found.add("caution")
                continue  # "should be stopped if potassium cannot be kept below 5.5": a stopping rule
            if name == "avoid" and _KEEP_GOING.search(text[m.start() : m.end() + 40]) and _KEEP_GOING.search(text):
                found.add("continue")
                continue  # "need not be stopped", "recommends against stopping": keep it going
            if name in ("contraindication", "avoid") and _CONDITION_CLAUSE.search(text[max(0, m.start() - 160) : m.start()]) and re.search(r"\b(?:ineffective|tolerated|fail\w*|inadequate|adequate\s+response|not\s+(?:possible|tolerated|appropriate))\b", text, re.I):
                continue  # "when X is ineffective, poorly tolerated or contraindicated" names a precondition
            if name in ("contraindication", "avoid", "dose_change", "boxed", "caution", "recommend") and _negated(text, m.start()):
                if name in ("dose_change",):
                    found.add("no_change")
                elif name == "recommend" and re.match(r"recommend", m.group(0), re.I):
                    found.add("avoid")  # "does not recommend" / "not recommended"
                continue
            found.add(name)
            break
    if "no_change" in found:
        found.discard("dose_change")
    if "boxed" in found and not found & {"adverse", "avoid", "contraindication"}:
        # a boxed warning is a danger by the harm it warns of; one that only says who should
        # prescribe or which patients qualify ("restricts X to patients who ...") is a precaution
        found.discard("boxed")
        found.add("caution")
    if _KEEP_GOING.search(text):
        found.add("continue")
        found.discard("avoid")
    return found


_STOP_VERB = re.compile(r"\b(?:stop(?:ped|ping|s)?|discontinu\w*|withh[eo]ld\w*)\b", re.I)


def stopping_rule_trigger(text: str) -> str | None:
    """The clause that triggers a sentence's stopping rule ("warfarin should be stopped if
    calciphylaxis is diagnosed" -> "calciphylaxis is diagnosed"), or None when it states none."""
    for m in _STOP_VERB.finditer(text):
        trigger = _STOP_TRIGGER.search(text, m.end())
        if trigger is not None:
            return re.split(r"[;.]|\bbut\b", text[trigger.end() :])[0]
    return None


def stopping_rule_conditions(text: str) -> frozenset[str]:
    """The conditions that trigger a sentence's stopping rule ("... calciphylaxis is diagnosed" ->
    calciphylaxis): for a patient who has one, the rule is an avoidance, not a precaution for later."""
    trigger = stopping_rule_trigger(text)
    return frozenset(_conditions(trigger)) if trigger else frozenset()


def _negated(text: str, start: int) -> bool:
    head = text[max(0, start - 30) : start]
    head = re.split(r"[,;:]|\bbut\b|\bhowever\b|\band\b", head)[-1]  # a negation does not cross into the next clause
    return bool(_NEGATED.search(head))


RENAL_SEVERITY: dict[str, tuple[float, float]] = {
    "mild": (60.0, 90.0),
    "moderate": (30.0, 60.0),
    "severe": (0.0, 30.0),
    "end-stage": (0.0, 15.0),
}
"""Kidney function (CrCl or eGFR, mL/min) a severity word stands for, as the FDA renal-impairment
guidance and the KDIGO GFR categories use them (mild G2 60-89, moderate G3 30-59, severe G4 below 30
with labels counting end-stage in it, end-stage/kidney failure G5 below 15)."""
_RENAL_SEVERITY = re.compile(
    r"\b(?P<a>mild|moderate|severe|end[- ]stage)(?:\s*(?:,|or|to|and|-|–)\s*(?P<b>mild|moderate|severe|end[- ]stage))?\s+"
    r"(?:renal|kidney)\s+(?:impairment|insufficiency|disease|failure|dysfunction)|\b(?P<esrd>esrd|eskd)\b",
    re.I,
)


def _severity_range(word: str) -> tuple[float, float]:
    return RENAL_SEVERITY["end-stage" if word.lower().startswith("end") else word.lower()]


_STAGE_RANGE = re.compile(
    r"(?:\b(?:ckd|chronic\s+kidney\s+disease)(?:\s*\([^)]*\))?\s*(?:stages?\s*|g)?(?P<s1>[1-5][ab]?)(?!\s*(?:years?|yrs?|months?|weeks?|days?)\b)"
    r"|\b(?:stages?|g)\s*(?P<s2>[1-5][ab]?)(?=\s+(?:ckd|chronic\s+kidney\s+disease)))\b"
    r"(?:\s*(?:-|–|to|through)\s*(?:stage\s*|g)?(?P<to>[1-5][ab]?)\b|(?P<worse>\s+or\s+(?:worse|higher|above|greater|later|more\s+advanced|beyond)))?",
    re.I,
)
"""CKD stages a statement names, alone or as a span ("CKD stage 3 or worse", "CKD stages 3 to 5",
"stage 4 CKD"), read as their GFR bands (:data:`~curbside.qa.frame.CKD_STAGE_GFR`)."""


def renal_ranges(text: str) -> tuple[tuple[float, float], ...]:
    out = []
    for m in _RENAL_SEVERITY.finditer(text):
        if m.group("esrd"):
            out.append(RENAL_SEVERITY["end-stage"])
            continue
        ranges = [_severity_range(m.group("a")), *([_severity_range(m.group("b"))] if m.group("b") else [])]
        out.append((min(r[0] for r in ranges), max(r[1] for r in ranges)))  # "mild or moderate": 30-90
    for m in _STAGE_RANGE.finditer(text):
        lo, hi = CKD_STAGE_GFR[(m.group("s1") or m.group("s2")).lower()]
        if m.group("to"):
            lo = min(lo, CKD_STAGE_GFR[m.group("to").lower()][0])  # "stages 3 to 5"
        elif m.group("worse"):
            lo = 0.0  # "CKD stage 3 or worse": that stage and every later one
        out.append((lo, hi))
    for m in _RENAL_BOUND.finditer(text):
        if m.group("a2"):
            out.append((float(m.group("a2")), float(m.group("b2")) + 1))
            continue
        op, a, b = m.group("op").lower(), float(m.group("a")), m.group("b")
        if op == "between" and b:
            out.append((a, float(b) + 1))
        elif op in ("below", "under", "less than", "<", "of less than"):
            out.append((0.0, a))
        elif op == "≤":
            out.append((0.0, a + 1))
        else:
            out.append((a, 1000.0))
    return tuple(out)


_AGE_RANGE = re.compile(
    r"\b(?:aged|ages?|adults?|patients?|people|children)\s+(?:aged\s+)?(?P<a>\d{1,3})\s*(?:to|-|–|through)\s*(?P<b>\d{1,3})\s*(?:years?)?"
    r"|\b(?P<c>\d{1,3})\s*years?\s*(?:of\s+age\s+)?(?:or|and)\s+(?P<dir>older|over|above|younger|under|below)",
    re.I,
)


def _age_ranges(text: str) -> tuple[tuple[float, float], ...]:
    out = []
    for m in _AGE_RANGE.finditer(text):
        if m.group("a"):
            a, b = float(m.group("a")), float(m.group("b"))
            if 0 < a < b < 120:
                out.append((a, b))
        else:
            c = float(m.group("c"))
            out.append((c, 120.0) if m.group("dir").lower() in ("older", "over", "above") else (0.0, c))
    return tuple(out)


_LABELLED = re.compile(r"\b(?:labell?ed|indicated|approved)\s+(?:only\s+)?(?:for|in)\b", re.I)
"""A statement of what a product is labelled for ("is labelled for adults and for children aged 10
years and older", "is also indicated for familial Mediterranean fever in adults and children aged 4
years and older")."""
_ADULTS_ONLY = re.compile(r"\b(?:for|in)\s+adults\s+only\b|\bonly\s+(?:for|in)\s+adults\b", re.I)
ADULT_YEARS = 18.0
"""The age an "adults only" labelling starts at (the age of majority the FDA's paediatric rules use)."""
_LABEL_CLAUSES = re.compile(r",\s*(?:while|whereas|but)\s+|;\s*", re.I)
RELEASE_FORMS = {
    "extended": re.compile(r"\b(?:XR|XL|(?i:extended|modified|sustained|slow)[-\s]release)\b"),
    "immediate": re.compile(r"\b(?:IR|(?i:immediate)[-\s]release)\b"),
}
"""Release forms of one drug that may be labelled differently (Glucophage and Glucophage XR). The
abbreviations count in capitals only; "ER" and "SR" are left out, being also the emergency room and
sinus rhythm."""


def release_form(text: str) -> str | None:
    """The release form a text names ("Glucophage XR": extended), or None."""
    return next((form for form, pattern in RELEASE_FORMS.items() if pattern.search(text)), None)


@dataclass(frozen=True)
class Labelling:
    """One clause of a labelling statement: the release form it is about and the ages it covers."""

    clause: str
    form: str | None
    ages: tuple[tuple[float, float], ...]

    def covers(self, age: int) -> bool:
        return any(lo <= age <= hi for lo, hi in self.ages)


def labelled_ages(text: str) -> list[Labelling]:
    """The ages each clause of a labelling statement covers: "Immediate-release Glucophage is
    labelled for adults and for children aged 10 years and older, while extended-release Glucophage
    XR is labelled for adults only" gives immediate (10+) and extended (18+). Clauses that state no
    age ("indicated for gout flares in adults") are left out: what a label leaves unsaid is not a
    restriction read here."""
    out = []
    for clause in _LABEL_CLAUSES.split(text):
        if not _LABELLED.search(clause):
            continue
        ages = _age_ranges(clause) or (((ADULT_YEARS, 120.0),) if _ADULTS_ONLY.search(clause) else ())
        if ages:
            out.append(Labelling(clause.strip(), release_form(clause), ages))
    return out


_HEDGE = re.compile(r"\b(?:may|might|could|possibly|suggests?|unclear|uncertain|remains?\s+to\s+be\s+determined|limited\s+evidence|not\s+known)\b", re.I)
SHORT_TERM = 3
"""Condition terms this short are abbreviations ("cmv", "dvt", "ckd", "pe", "ra"): in a document they
count only written in capitals ("CMV"), since in lower case several are ordinary words ("pe", "hit",
"cap")."""


def _condition_pattern(terms: Sequence[str]) -> re.Pattern[str]:
    long_ = [re.escape(t).replace(r"\ ", r"[\s-]+") for t in terms if len(t) > SHORT_TERM]
    short = [re.escape(t.upper()) for t in terms if len(t) <= SHORT_TERM]
    alternatives = [f"(?i:{'|'.join(long_)})"] if long_ else []
    alternatives += short
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])")


_CONDITION_RE = {name: _condition_pattern(terms) for name, terms in CONDITION_TERMS.items()}


_EXPOSURE = re.compile(
    r"\b(?:increas|rais|elevat|reduc|lower|decreas|doubl|halv|boost|inhibit)\w*\s+(?:the\s+|their\s+|its\s+)?"
    r"(?:[\w/-]+\s+){0,4}?(?:concentrations?|exposure|levels?|auc|clearance|breakdown|metabolism)\b(?:\s+of\s+[\w/-]+(?:\s+[\w/-]+)?)?",
    re.I,
)
"""A change in how much of a drug the body sees: "raise sirolimus levels", "reduce mycophenolic acid
exposure", "reduces the clearance of digoxin". It is an ``exposure`` relation only when the phrase
names a drug ("lowers serum urate levels" names none)."""


def _changes_exposure(text: str, drug_spans: list[tuple[int, int]]) -> bool:
    """An exposure phrase that names a drug and is not negated ("did not raise colchicine exposure")."""
    return any(
        any(m.start() <= a and b <= m.end() for a, b in drug_spans) and not _negated(text, m.start())
        for m in _EXPOSURE.finditer(text)
    )


_COMPLICATION_HEAD = re.compile(r"\s+(?:(?:keto)?acidosis|coma|cris[ie]s|emergenc\w*|urgenc\w*|storm)\b", re.I)
"""A condition word that modifies an acute complication names the complication ("diabetic
ketoacidosis", "hypertensive emergency"), a state a patient with the condition need not be in."""
_ASYMPTOMATIC = re.compile(r"\b(?:asymptomatic|subclinical)\s+$", re.I)
""""Asymptomatic hyperuricaemia" is hyperuricaemia without the disease (gout) the term stands for."""


def condition_spans(text: str, name: str) -> list[tuple[int, int]]:
    """Where a sentence names the condition ``name`` by one of its terms (:data:`CONDITION_TERMS`)."""
    pattern = _CONDITION_RE.get(name)
    return [m.span() for m in pattern.finditer(text)] if pattern is not None else []


def _conditions(text: str) -> set[str]:
    """Conditions a sentence names; a complication or an asymptomatic state is named as itself
    ("diabetic ketoacidosis", "asymptomatic hyperuricemia"), so a statement about it is not read as
    one about every patient with the condition."""
    out: set[str] = set()
    for name, pattern in _CONDITION_RE.items():
        for m in pattern.finditer(text):
            head = _COMPLICATION_HEAD.match(text, m.end())
            if head:
                out.add(f"{m.group(0)}{head.group(0)}".lower().replace("  ", " ").strip())
            elif _ASYMPTOMATIC.search(text[max(0, m.start() - 16) : m.start()]):
                out.add(f"asymptomatic {m.group(0).lower()}")
            elif name in _EFFECT_CONDITIONS and _EFFECT_CUE.search(text[max(0, m.start() - 40) : m.start()]):
                continue  # "can cause hyperkalemia": the drug's effect, not the patients it is about
            elif name == "cancer" and not _HAS_CANCER.search(text[max(0, m.start() - 30) : m.end() + 12]):
                continue  # "malignancies and skin cancer" as a drug's risk: not whom the sentence is about
            else:
                out.add(name)
    return out


_EFFECT_CONDITIONS = frozenset({"hyperkalemia"})
_HAS_CANCER = re.compile(r"\b(?:with|active|have|has|having|had)\s+(?:\w+\s+){0,2}(?:cancer|malignanc\w*)|\bcancer[\s-]+(?:associated|patients?|related)\b", re.I)
"""Cancer as what the patients have ("patients with active cancer", "cancer-associated thrombosis"),
not as a drug's risk ("lymphoma and other malignancies", "skin cancer")."""
"""Conditions a drug causes as often as patients have them: named after an effect cue they are the
statement's outcome ("tacrolimus can cause hyperkalemia"), not its population ("in patients with
hyperkalemia")."""
_EFFECT_CUE = re.compile(
    r"\b(?:cause[sd]?|causing|risk\s+of|associated\s+with|lead(?:s|ing)?\s+to|induc\w*|rais\w*|increas\w*|worsen\w*)\s+(?:\w+\s+){0,3}$",
    re.I,
)


@lru_cache(maxsize=50_000)
def _tag_cached(text: str, table_id: int) -> Claim:
    table = _TABLES[table_id]
    found = table.find(text)
    named = frozenset([*(g for *_, g in found), *(v for *_, v in find_vaccines(text))])
    kin_of = getattr(table, "kin", None)
    drugs = frozenset(k for g in named for k in kin_of(g)) | named if kin_of else named
    find_classes = getattr(table, "find_classes", None) or vocab_find_classes
    classes = frozenset(c for *_, c in find_classes(text))
    relations = _relations(text)
    if _changes_exposure(text, [(a, b) for a, b, *_ in found]):
        relations |= {"exposure", "interaction"}  # one drug changing another's levels is an interaction
    return Claim(
        drugs=drugs,
        classes=classes,
        relations=frozenset(relations),
        populations=frozenset(n for n, p in _POPULATION_PATTERNS.items() if p.search(text)),
        conditions=frozenset(_conditions(text)),
        phases=frozenset(n for n, p in _PHASES.items() if p.search(text)),
        renal_ranges=renal_ranges(text),
        hedged=bool(_HEDGE.search(text)),
        age_ranges=_age_ranges(text),
        kin_only=drugs - named,
    )


def scope_mentions(text: str) -> list[tuple[int, int, str]]:
    """(start, end, name) of every condition and population a sentence names, in text order: where
    a statement's scope can be read from (see :func:`curbside.qa.sweep.sweep`)."""
    out = [(m.start(), m.end(), n) for n, p in _CONDITION_RE.items() for m in p.finditer(text)]
    out += [(m.start(), m.end(), n) for n, p in _POPULATION_PATTERNS.items() for m in p.finditer(text)]
    return sorted(out)


_TABLES: dict[int, AliasTable] = {}


def tag(text: str, table: AliasTable) -> Claim:
    """The claim of one sentence (cached per text and table)."""
    key = id(table)
    if key not in _TABLES:
        if len(_TABLES) > 16:
            _TABLES.clear()
            _tag_cached.cache_clear()
        _TABLES[key] = table
    return _tag_cached(text, key)


MECHANISM_CLASS = re.compile(r"cyp\w*|p-?gp|p-glycoprotein|transporter|enzyme", re.I)
"""Interaction-mechanism classes ("strong CYP3A4 inhibitor"): they link a patient's drug to a
statement about interacting drugs, but a statement about CYP3A4 inhibitors is not about each of them."""


def classes_of(table: AliasTable, generic: str) -> list[str]:
    """Classes of a drug (lower case) from the shared vocabulary's class table."""
    fn = getattr(table, "classes_of", None) or vocab_classes_of
    out = list(fn(generic)) or vaccine_classes(generic)
    one = table.classes.get(generic)
    if not out and one:
        out = [one.lower()]
    return out


BROAD_CLASSES = frozenset({
    "immunosuppressant", "urate-lowering therapy", "anticoagulant", "antibiotic", "antimicrobial",
    "analgesic", "antihypertensive", "anti-inflammatory", "biologic", "vaccine", "antiviral",
    "antifungal", "antidiabetic", "diuretic", "antiplatelet",
})
"""Therapeutic categories: a statement about "immunosuppressants" bears on a patient taking one,
but it does not tell what the library says of each member, as a pharmacologic class does."""


def therapeutic_classes(table: AliasTable, generic: str) -> list[str]:
    """Pharmacologic classes that name what a drug is (an NSAID, an IL-1 inhibitor): not how it
    interacts (CYP3A4 substrate) and not a broad therapeutic category (see ``BROAD_CLASSES``)."""
    return [c for c in classes_of(table, generic) if not MECHANISM_CLASS.search(c) and c not in BROAD_CLASSES]


def members_of(table: AliasTable, class_name: str) -> list[str]:
    fn = getattr(table, "members_of", None) or vocab_members_of
    return list(fn(class_name))
