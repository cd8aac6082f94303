"""The question frame: what a clinician's question asks, about which intervention, for which patient.

``build_frame`` reads one question (drug mentions already found by the alias table) into a
:class:`~curbside.qa.types.QuestionFrame`; ``carry_frame`` completes a follow-up's frame from the
frames of the earlier turns. Both are rules over clinical phrasing rather than over any document's
wording, so they apply to any library:

- **Roles of drugs.** A drug after a "patient is on" cue (on, taking, receiving, maintained on,
  already on, with ... therapy) is a current medication; a drug after a "start" cue (start, add,
  give, use, switch to, what about, is X safe) or the first drug of the main clause is the
  intervention. Drugs joined by "and" / "," share the role of the first. In an interaction
  question ("X with Y", "X and Y together") the first is the intervention, the rest are
  co-medications.
- **Conditions are the patient's** only when the question says so ("with gout", "has CKD",
  "diabetic", "in a transplant recipient"), never when they are the outcome asked about
  ("does X raise the risk of infection?").
- **Intent and asked attribute** come from the question's ask cues, tested from the most specific
  (target, monitoring, renal dose) to the most general (safety), so "How often should I check
  levels?" is monitoring, not dose.
- **Population** is what the question says about the patient (pregnant, breastfeeding, a child,
  an older adult, CKD or an eGFR / CrCl below 60, dialysis, a transplant, hepatic impairment).
- **Options.** A choice between named options ("warfarin or heparin?") leaves the intervention
  unset (which one is the question) and keeps the options in ``QuestionFrame.options``, so that
  the answer can check each of them for this patient.
- **Whom it is for.** An intervention given to someone close to the patient (a grandchild's MMR,
  a spouse's flu vaccine) sets ``QuestionFrame.for_contact``: the patient is exposed to it, not
  treated with it.
- **The story and the ask.** What comes before the asking clause is the patient's story: a drug
  the ask names is what is asked about ("Started Xarelto last week. Is ibuprofen OK?"), a drug the
  ask keeps ("— can he stay on metformin?") too; drugs said not to be taken, ruled out, stopped or
  reacted to are neither taken nor asked unless the ask takes them up again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager

from curbside.ingest.interventions import kind_of
from curbside.ingest.vocabulary import classes_of as vocab_classes_of
from curbside.ingest.vocabulary import find_classes
from curbside.qa.intent_model import RuleReading, intent_features, load_intent_model
from curbside.qa.polarity import yes_no_polarity
from curbside.qa.shape import follow_up_shape, is_yes_no
from curbside.qa.types import PatientContext, QuestionFrame

Mention = tuple[int, int, str, str]  # (start, end, surface, generic)

# --- drug roles ----------------------------------------------------------------------------------

_CURRENT_CUE = re.compile(
    r"\b(?:already\s+(?:on|taking|receiving|using)|currently\s+(?:on|taking|receiving|using)|"
    r"(?:is|are|was|been|being|remains?|stays?)\s+on|maintained\s+on|maintenance(?:\s+on)?|taking|takes|"
    r"receiving|receives|treated\s+with|on\s+(?:a|an|long-term|chronic|stable|high-dose|low-dose|"
    r"daily|maintenance|max|maximum|maximal|full-dose)?|using|uses|background(?:\s+of)?|regimen\s+of|home\s+meds?|meds?\s*:?|"
    r"(?:stable|long-term|chronic)\s+on|who\s+(?:takes|is\s+taking|uses))(?![A-Za-z])",
    re.I,
)
_START_CUE = re.compile(
    r"\b(?:(?:start\w*|put|putting|begin\w*|switch\w*|chang\w*|initiat\w*)\s+(?:\w+\s+)?on\s*|"
    r"(?:can|could|may|should)\s+(?:he|she|they|i|we|you|the\s+patient)\s+(?:have|get|receive|take|be\s+given|go\s+on)|\bbe\s+(?:started\s+|put\s+|kept\s+)?on\s+|needs?|needing|getting|"
    r"start|starting|started|add|adding|initiat\w*|begin|beginning|use|using\s+(?=\w+\s+(?:for|in|to))|"
    r"give|giving|given|prescrib\w*|switch(?:ing)?\s+to|change\s+to|instead|about|consider\w*|"
    r"try|trying|thoughts\s+on\s*|opinions?\s+on\s*|views?\s+on\s*|safe\s+to|dose\s+of|dosing\s+of|dose|dosing|can\s+(?:i|we|you)|should\s+(?:i|we)|"
    r"is|are|does|do|recommend\w*|prefer\w*|choose|pick|offer|treat\w*\s+with|reach\s+for|"
    r"ok(?:ay)?\s+to|fine\s+to|compare\w*|vs\.?|versus|or|than|restart\w*|resum\w*|continu\w*|"
    r"stop\w*|hold\w*|discontinu\w*|stay\s+on|keep\s+(?:taking\s+|using\s+|(?:him|her|them)\s+on\s+)?|remain\s+on)(?![A-Za-z])",
    re.I,
)
_PATIENT = re.compile(
    r"\b(?:patient|pt|man|woman|male|female|lady|gentleman|boy|girl|child|kid|infant|recipient|"
    r"person|someone|he|she|they|him|her|mother|father|adult|teen|adolescent|\d{1,3}\s*(?:yo|y/?o|"
    r"-?year-old|-?yr-old|[mf]))\b",
    re.I,
)
_COORD = re.compile(r"^\s*(?:\([^)]*\)\s*)?(?:,|and|&|\+|plus|as well as|or|/|boosted\s+(?:with|by))?\s*(?:\([^)]*\)\s*)?$", re.I)
"""The gap between two drugs the patient takes together ("on tacrolimus and MMF", "on Prezista
boosted with ritonavir": a pharmacokinetic booster is taken with the drug it boosts)."""
_INTERACTION_LINK = re.compile(
    r"\b(?:with|and|plus|alongside|together\s+with|combined\s+with|in\s+combination\s+with|"
    r"co-?administ\w*\s+with|on\s+top\s+of|while\s+on|interact\w*\s+with)(?:\s+(?:his|her|their|my|the|a|an|current|usual))?"
    r"(?:\s+(?:basal|bolus|prandial|daily|weekly|oral|iv|inhaled|low-dose|high-dose|full-dose|long-acting|short-acting|extended-release))?\s*$",
    re.I,
)
"""The gap between the asked drug and one taken with it ("colchicine with clarithromycin",
"metformin with basal insulin": a word for the regimen may stand before the second drug)."""
_COMPARE = re.compile(r"\b(?:vs\.?|versus|compared?d?\s+(?:with|to|against)|against|as\s+(?:good|effective|safe)\s+as|better\s+than|worse\s+than|or|over|rather\s+than|than)\s*$", re.I)
_PAST_OR_EXCLUDED = re.compile(
    r"\b(?:switched\s+off|came\s+off|taken\s+off|stopped|discontinued|no\s+longer\s+(?:on|taking)|previously\s+on|used\s+to\s+take|"
    r"(?:can|couldn|won|wouldn)'?t\s+(?:take|have|use|tolerate)|(?:cannot|could\s+not|can\s+not)\s+(?:take|have|use|tolerate)|unable\s+to\s+(?:take|tolerate)|intolerant\s+(?:of|to)|allergic\s+to|failed)\b[^.?!;:]{0,40}$",
    re.I,
)
_NOT_TAKEN = re.compile(r"(?:\(|\b)(?:no|not\s+(?:on|taking|using|receiving)|never\s+(?:on|taken|had)|without|off)\s+(?:any\s+|the\s+)?$", re.I)
"""A drug named as one the patient does not take ("on tacrolimus (no azathioprine)", "not on
steroids", "off prednisone"): neither taken nor asked about."""
_REACTED_TO = re.compile(r"\b(?:reaction|rash|sjs|ten|dress|anaphylaxis|angioedema|hives|hypersensitivity|intolerance|allergy)\s+(?:to|with|from|on)\s+(?:the\s+)?$", re.I)
"""A drug the patient reacted to ("h/o SJS with allopurinol"): not taken now, and asked about only
when the question names nothing else ("Had DRESS on allopurinol — can I rechallenge?")."""


def reacted_to(question: str, start: int) -> bool:
    """Does the question say the patient reacted to the drug named at ``start`` ("had SJS on
    allopurinol")? Such a drug is their history, not a medication they take."""
    return _REACTED_TO.search(question[max(0, start - 40) : start]) is not None
_RULED_OUT_AFTER = re.compile(
    r"^\s*(?:(?:,|and|or)\s+[\w-]+\s+){0,3}(?:(?!(?:is|are|was|were)\b)[a-z][\w-]*\s+){0,2}?(?:(?:are|is|were|was)\s+(?:both\s+|all\s+)?"
    r"(?:contraindicated|not\s+(?:appropriate|tolerated|an\s+option|possible)|ruled\s+out|out\s+of\s+the\s+question)|"
    r"(?:aren'?t|isn'?t|weren'?t|wasn'?t)\s+(?:appropriate|tolerated|an\s+option|possible))(?![^.?!;:]{0,20}\?)",
    re.I,
)
"""Drugs said to be ruled out for the patient ("NSAIDs and colchicine are contraindicated")."""
_RESTART_ASK = re.compile(r"\b(?:restart\w*|re-?start\w*|resum\w*|rechalleng\w*|again|back\s+on)\b", re.I)
"""An ask to take up again a drug the story says was stopped or reacted to."""
_STOPPING = re.compile(r"\b(?:after|before|since|once|when|until)\s+(?:stopping|finishing|completing|coming\s+off|tapering(?:\s+off)?|discontinuing)\s+(?:his|her|their|the)?\s*$|\b(?:wait|long)\s+(?:\w+\s+)?after\s+(?:(?:his|her|their|the|a|last)\s+)?(?:(?:dose|course|infusion)\s+of\s+)?$", re.I)
"""A drug the patient will stop ("when can she get MMR after stopping prednisone?"): what the
patient takes now, around which the question times something else."""
_STARTED_BEFORE = re.compile(r"\b(?:who|that|and)\s+(?:has\s+)?(?:just|recently|already)?\s*(?:started|began|begun|been\s+started\s+on|been\s+taking|been\s+on)\s*$|\b(?:since|after|when)\s+(?:we|i|you|they|he|she)\s+(?:just\s+)?(?:started|began)\s*(?:him|her|them)?\s*(?:on\s+)?$|\b(?:recently|just)\s+started\s*$|\bnew(?:ly)?\s+(?:started\s+)?on\s*$", re.I)
_ONTO = re.compile(r"\b(?:add\w*|combin\w*|put\w*)\b[^.?!;]{0,40}\b(?:to|onto|with)\s+(?:his|her|their|the|a|an|current|existing|background)?\s*(?:current\s+|existing\s+)?$", re.I)
_AS_ADJECTIVE = re.compile(r"^\s*(?:-?\s*(?:treated|maintained|based))?\s*(?:patient|patients|recipient|recipients|user|users|pt)\b", re.I)
_ALTERNATIVE_OF = re.compile(r"\b(?:if\s+not|(?:options?|choices?|agents?|drugs?|therapy|step|line)\s+after|despite|failed|failing|can'?t\s+take|cannot\s+take|intolerant\s+of|allergic\s+to|reversal\s+(?:agent\s+)?(?:for|of)|revers\w*|not\s+(?:falling|working|responding)\s+on)\b[^.?!;]{0,30}$", re.I)
_WHEN_STARTING = re.compile(r"\b(?:when|while|if|once|on)\s+(?:i\s+|we\s+|you\s+)?(?:add\w*|start\w*|begin\w*|initiat\w*)\s+(?:the\s+|his\s+|her\s+)?$", re.I)
_FAILING_AFTER = re.compile(r"^\s*(?:is\s*n[o']t|isn'?t|is\s+not|has\s*n'?t|hasn'?t|has\s+not|does\s*n'?t|doesn'?t|does\s+not|did\s*n'?t|didn'?t|failed|fails|stopped)\s+(?:\w+\s+)?(?:enough|working|work|helping|help|controlling|control|tolerated|an\s+option|doing)", re.I)
"""A drug said to fall short ("if allopurinol isn't enough"): what the patient has, to be replaced."""
_STAYS_AFTER = re.compile(
    r"^\s*(?:dose\s+|doses\s+|dosing\s+)?(?:(?:can|could|would|will|may)\s+(?:stay|remain|continue|be\s+(?:kept|continued|left))|stays|remains)\b", re.I
)
"""A drug the question wants kept as it is ("so the 6-MP can stay where it is", "his tacrolimus dose
can remain"): what the patient takes."""
_SWITCH_FROM = re.compile(r"\b(?:switch\w*|chang\w*|convert\w*)\s+(?:his|her|their|the|a|an)?\s*$|\breplace\s+(?:his|her|their|the)?\s*$", re.I)
_WHILE_ON = re.compile(r"\bwhile\s+on\s*$", re.I)
_BETTER_THAN = re.compile(r"\b(?:better|safer|stronger)\s+than\s*$|\b(?:other\s+than|besides|apart\s+from|except)\s*$", re.I)
_INSTEAD_OF = re.compile(r"\b(?:conver\w*\s+(?:(?:him|her|them|a\s+patient)\s+)?from|instead\s+of|in\s+place\s+of|switch(?:ing)?\s+from|replac\w*|change\s+from|alternatives?\s+(?:to|for)|substitutes?\s+for)\s*$", re.I)


_ALLERGY_AFTER = re.compile(r"^[\s-]*['\u2019]?[\s-]*(?:allerg\w*|intoleran\w*|hypersensitivity)\b", re.I)
"""A drug named with the patient's allergy to it ("sulfa allergy", "a penicillin-allergic man"):
not taken, not asked about, and ruled out."""
_FALLS_SHORT_BEFORE = re.compile(
    r"\b(?:despite|failed|failing|(?:can|couldn|won)'?t\s+(?:take|have|use|tolerate)|(?:cannot|could\s+not|can\s+not)\s+(?:take|have|use|tolerate)|"
    r"unable\s+to\s+(?:take|tolerate)|intolerant\s+(?:of|to)|allergic\s+to|allergy\s+to|not\s+(?:falling|working|responding|controlled)\s+on|"
    r"(?:does|do|did)\s*(?:n'?t|\s+not)\s+tolerate|intolerance\s+(?:of|to)|contraindications?\s+to(?:\s+(?:both|all|either))?|"
    r"on\s+(?:the\s+|a\s+)?(?:max(?:imum|imal|imally\s+tolerated)?|highest|top|full)(?:\s+(?:tolerated\s+)?(?:dose|dosage))?(?:\s+of)?|maxed\s+(?:out\s+)?on|"
    r"instead\s+of|in\s+place\s+of|alternatives?\s+(?:to|for)|other\s+than|besides|apart\s+from)\b[^.?!;]{0,40}$",
    re.I,
)
_FALLS_SHORT_AFTER = re.compile(
    r"^(?:\s*(?:,|and|or|/|&|\+)\s*[\w-]+){0,4}\s*(?:(?:have|has|had|were|was|are|is|all|both|each)\s+){0,3}"
    r"(?:failed|not\s+tolerated|didn'?t\s+work|out\b|contraindicated|not\s+an?\s+option|ruled\s+out|not\s+(?:working|enough|helping|possible|appropriate))",
    re.I,
)


_CONTRAST = re.compile(r"\bbut\b|\bhowever\b|\balthough\b|\bthough\b|\bwhereas\b|;")
"""Where a question turns from what the patient cannot take to what they can ("cannot take NSAIDs
but can take prednisone")."""
_STILL_AN_OPTION = re.compile(r"\s*(?:(?:is|are)\s+)?(?:fine|ok|okay|tolerated|allowed|an\s+option)\b", re.I)
"""Words after a drug that keep it an option ("steroids fine")."""


def ruled_out_treatments(question: str, mentions: Sequence[Mention]) -> list[str]:
    """The treatments the question says this patient cannot have or has failed: can't take,
    allergic to, intolerant of, contraindicated, "X is out", "despite X", "on max X", "instead of X".
    A question asking for alternatives wants something other than these."""
    out: list[str] = []
    for start, end, _surface, generic in sorted(mentions):
        before = _CONTRAST.split(question[max(0, start - 60) : start])[-1]  # "... but can take prednisone": a new clause
        after = question[end : end + 80]
        if generic in out or _STILL_AN_OPTION.match(after):
            continue  # "steroids fine", "prednisone is OK"
        if (_FALLS_SHORT_BEFORE.search(before) or _FALLS_SHORT_AFTER.match(after) or _FAILING_AFTER.match(after[:30])
                or _ALLERGY_AFTER.match(after) or _RULED_OUT_AFTER.match(after[:60]) or _REACTED_TO.search(before[-30:])):
            out.append(generic)
    return out


def _cue_before(text: str, start: int, window: int = 90) -> tuple[str | None, int]:
    """The role cue nearest before ``start`` within its clause: ("current" | "start" | None, pos)."""
    lo = max(0, start - window)
    before = text[lo:start]
    # a clause ends at sentence punctuation or a semicolon; commas keep the clause (lists)
    cut = max(before.rfind(ch) for ch in ".?!;")
    if cut >= 0:
        before = before[cut + 1 :]
        lo = lo + cut + 1
    best: tuple[str | None, int, int] = (None, -1, 0)
    for kind, pattern in (("current", _CURRENT_CUE), ("start", _START_CUE)):
        for m in pattern.finditer(before):
            longer = m.end() == best[1] and m.end() - m.start() > best[2]
            if m.end() > best[1] or longer:
                best = (kind, m.end(), m.end() - m.start())
    return best[0], (lo + best[1]) if best[1] >= 0 else -1


def assign_roles(question: str, mentions: Sequence[Mention]) -> tuple[list[str], list[str], str | None, list[str]]:
    """Split drug mentions into (interventions, current medications, comparator, linked).

    A co-medication the question pairs with the intervention ("colchicine with clarithromycin",
    "add colchicine to his atorvastatin") is returned among the current medications and also in
    ``linked``: the question takes the two as a pair, which makes it an interaction question (the
    intent convention of ``evals/sets/README.md``). A medication that only describes the patient
    ("a patient on X", "while on X") is current but not linked.
    """
    interventions: list[str] = []
    current: list[str] = []
    comparator: str | None = None
    prev_role: str | None = None
    prev_end = -1
    linked: list[str] = []
    reacted: list[str] = []
    ordered = sorted(mentions)
    for i, (start, end, _surface, generic) in enumerate(ordered):
        between = question[prev_end:start] if prev_end >= 0 else ""
        role: str
        if prev_end >= 0 and _COORD.match(between) and prev_role is not None and not re.search(r"\bor\b|/", between):
            role = prev_role  # "on tacrolimus and Cellcept": both current
        else:
            cue, _pos = _cue_before(question, start)
            head = question[:start]
            tail = question[end : end + 20]
            if _RULED_OUT_AFTER.match(question[end : end + 60]):
                prev_role, prev_end = "past", end
                continue  # "in whom NSAIDs and colchicine are contraindicated": neither taken nor asked
            if _ALLERGY_AFTER.match(tail) and not _RESTART_ASK.search(question[end:]):
                prev_role, prev_end = "past", end
                continue  # "sulfa allergy - what for PJP ppx?": neither taken nor asked about
            if _REACTED_TO.search(head[-30:]):
                reacted.append(generic)
                prev_role, prev_end = "past", end
                continue
            if _PAST_OR_EXCLUDED.search(head[-45:]) or _NOT_TAKEN.search(head[-20:]):
                if _RESTART_ASK.search(question[end:]):
                    reacted.append(generic)  # "He stopped allopurinol on his own; restart at the old dose?"
                prev_role, prev_end = "past", end
                continue  # "switched off azathioprine", "can't take NSAIDs": neither asked about nor taken
            if _STAYS_AFTER.match(question[end : end + 40]) or _FAILING_AFTER.match(question[end : end + 30]) or _AS_ADJECTIVE.match(tail) or _ALTERNATIVE_OF.search(head[-50:]) or re.match(r"\s+reversal\b", tail, re.I) or _STARTED_BEFORE.search(head[-45:]) or _STOPPING.search(head[-40:]):
                role = "current"  # "a Rapamune patient", "despite apixaban", "Pradaxa reversal"
            elif _ONTO.search(head[-60:]):
                role = "current"  # "add Y to X": X is what the patient has, and the question pairs them
                linked.append(generic)
            elif not interventions and _BETTER_THAN.search(head[-30:]):
                role = "current"  # "Anything better than colchicine?": what the patient has, to be replaced
            elif interventions and _WHEN_STARTING.search(head[-40:]):
                if re.search(r"\bprophyla\w*", question, re.I):
                    prev_role, prev_end = "past", end
                    continue  # "Colchicine prophylaxis while starting allopurinol": the occasion, not yet taken
                role = "current"  # "Azathioprine dose when adding febuxostat?": the drug that changes the first one's dose
            elif _INSTEAD_OF.search(head[-40:]) or _SWITCH_FROM.search(head[-40:]):
                role = "current"  # "instead of X", "switch X to Y", "replace X": X is what the patient has
            elif prev_end >= 0 and prev_role == "intervention" and _COMPARE.search(question[prev_end:start]):
                role = "comparator"
            elif prev_end >= 0 and prev_role == "intervention" and _INTERACTION_LINK.search(question[prev_end:start]):
                role = "current"  # "colchicine with clarithromycin": the co-medication
                if not _WHILE_ON.search(question[prev_end:start]):
                    linked.append(generic)  # "X while on Y" describes the patient; it does not pair them
            elif (cue == "current" and (_PATIENT.search(head) or re.search(r"\b(?:already|currently|on)\b", head[-30:], re.I))) or (cue == "current" and not interventions and i + 1 < len(ordered)) or (cue == "current" and interventions):
                role = "current"
            else:
                role = "intervention"
        if role == "past" or generic in interventions or generic in current or generic == comparator:
            prev_role, prev_end = role, end
            continue
        if role == "current":
            current.append(generic)
        elif role == "comparator" and comparator is None:
            comparator = generic
        else:
            interventions.append(generic)
            role = "intervention"
        prev_role, prev_end = role, end
    if not interventions and reacted:
        interventions.append(reacted[0])  # "Had DRESS on allopurinol years ago — can I rechallenge?"
    return interventions, current, comparator, linked


# --- conditions ---------------------------------------------------------------------------------

CONDITION_TERMS: dict[str, tuple[str, ...]] = {
    "gout": ("gout", "gouty", "gout flare", "podagra", "tophaceous", "tophi", "hyperuricemia", "hyperuricaemia"),
    "kidney transplant": ("kidney transplant", "renal transplant", "kidney-transplant", "renal allograft", "kidney allograft", "kidney recipient", "renal transplant recipient", "ktr", "kidney tx", "renal tx"),
    "liver transplant": ("liver transplant", "liver recipient", "hepatic transplant", "liver tx"),
    "heart transplant": ("heart transplant", "cardiac transplant", "heart tx"),
    "lung transplant": ("lung transplant", "lung tx"),
    "solid organ transplant": ("solid organ transplant", "solid-organ transplant", "transplant recipient", "organ transplant", "transplanted", "sot", "post-transplant", "transplant patient", "tx recipient", "post-tx"),
    "chronic kidney disease": ("chronic kidney disease", "ckd", "renal insufficiency", "renal impairment", "kidney disease", "impaired renal function", "reduced kidney function", "kidney impairment", "renal disease", "kidney function is reduced"),
    "end-stage kidney disease": ("dialysis", "esrd", "eskd", "end-stage renal", "end-stage kidney", "haemodialysis", "hemodialysis", "peritoneal dialysis", "hd"),
    "liver disease": ("cirrhosis", "cirrhotic", "hepatic impairment", "liver disease", "child-pugh", "liver impairment"),
    "type 2 diabetes": ("type 2 diabetes", "t2dm", "t2d", "diabetes", "diabetic"),
    "type 1 diabetes": ("type 1 diabetes", "t1dm", "t1d"),
    "hypertension": ("hypertension", "high blood pressure", "hypertensive", "htn"),
    "atrial fibrillation": ("atrial fibrillation", "afib", "a-fib", "af", "a fib", "paroxysmal af", "non-valvular af", "nvaf"),
    "heart failure": ("heart failure", "hfref", "hfpef", "hfmref", "cardiac failure", "reduced ejection fraction", "chf", "lvef"),
    "coronary disease": ("coronary artery disease", "coronary heart disease", "cad", "myocardial infarction", "heart attack", "angina", "ascvd", "stent", "nstemi", "stemi"),
    "asthma": ("asthma", "asthmatic"),
    "copd": ("copd", "chronic obstructive", "emphysema"),
    "pneumonia": ("pneumonia", "cap"),
    "urinary tract infection": ("cystitis", "pyelonephritis", "urinary tract infection", "uti", "bladder infection", "urinary infection", "kidney infection"),
    "tuberculosis": ("tuberculosis", "latent tb", "tb", "ltbi", "positive quantiferon", "positive igra", "positive ppd"),
    "hepatitis b": ("hepatitis b", "hbv", "hbsag", "hep b"),
    "rheumatoid arthritis": ("rheumatoid arthritis", "ra"),
    "lupus": ("lupus", "sle", "lupus nephritis"),
    "venous thromboembolism": ("venous thromboembolism", "deep vein thrombosis", "deep venous thrombosis", "dvt", "pulmonary embolism", "pe", "vte", "blood clot", "clot"),
    "neutropenia": ("neutropenia", "neutropenic", "low neutrophils", "low anc"),
    "heparin-induced thrombocytopenia": ("heparin-induced thrombocytopenia", "heparin induced thrombocytopenia", "hit"),
    "hyperkalemia": ("hyperkalemia", "hyperkalaemia", "high potassium", "raised potassium", "elevated potassium"),
    "hypotension": ("hypotension", "hypotensive"),
    "mitral stenosis": ("mitral stenosis", "mitral valve stenosis"),
    "osteoporosis": ("osteoporosis",),
    "cytomegalovirus": ("cmv", "cytomegalovirus"),
    "pneumocystis": ("pneumocystis", "pjp", "pcp"),
    "hyperlipidemia": ("hyperlipidemia", "hyperlipidaemia", "high cholesterol", "dyslipidemia", "hypercholesterolemia", "ldl"),
    "colorectal cancer": ("colorectal cancer", "colon cancer"),
    "cancer": ("cancer", "active cancer", "malignancy", "metastatic cancer", "cancer patient", "cancer-associated thrombosis", "on chemotherapy", "on chemo"),
    "inflammatory bowel disease": ("inflammatory bowel disease", "ibd", "ulcerative colitis", "crohn's disease", "crohn disease", "crohn's", "crohns"),
    "active infection": ("active infection", "infected", "sepsis", "septic", "cellulitis", "abscess", "osteomyelitis", "septic arthritis", "on iv antibiotics", "on antibiotics", "active tb", "active tuberculosis"),
    "active bleeding": ("active bleeding", "actively bleeding", "bleeding", "gi bleed", "gastrointestinal bleeding", "hemorrhage", "haemorrhage", "bleed"),
    "hypersensitivity": ("hypersensitivity", "allergy", "allergic", "anaphylaxis"),
    "asymptomatic hyperuricemia": ("asymptomatic hyperuricemia", "asymptomatic hyperuricaemia"),
    "antiphospholipid syndrome": ("antiphospholipid syndrome", "antiphospholipid antibody syndrome", "aps"),
    "calciphylaxis": ("calciphylaxis", "calcific uremic arteriolopathy", "calcific uraemic arteriolopathy"),
    "mechanical heart valve": ("mechanical heart valve", "mechanical heart valves", "mechanical valve", "mechanical valves", "mechanical mitral valve", "mechanical aortic valve", "mechanical prosthetic valve", "metallic valve"),
}
CONDITION_FORMS: dict[str, dict[str, re.Pattern[str]]] = {
    "venous thromboembolism": {
        "whole": re.compile(r"\bVTEs?\b|\b(?i:venous\s+thromboembolism|thromboembolic\s+disease)\b"),
        "deep vein thrombosis": re.compile(r"\bDVTs?\b|\b(?i:deep[\s-]+vein\s+thrombos[ie]s|deep[\s-]+venous\s+thrombos[ie]s)\b"),
        "pulmonary embolism": re.compile(r"\bPEs?\b|\b(?i:pulmonary\s+embol\w*)\b"),
    },
}
"""The forms of a condition the vocabulary reads as one ("venous thromboembolism": a DVT or a PE),
each as written, and the term for the condition as a whole. A statement about one form alone ("for
acute DVT of the leg") is not about a patient the question gives only the other ("PE with BP 82/50")."""


def condition_forms(text: str, condition: str) -> set[str]:
    """The forms of ``condition`` (:data:`CONDITION_FORMS`) a text names; "whole" for the condition as a whole."""
    return {form for form, pattern in CONDITION_FORMS.get(condition, {}).items() if pattern.search(text)}


_CONDITION_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        name,
        re.compile(
            r"(?<![\w-])(?:" + "|".join(re.escape(t).replace(r"\ ", r"[\s-]+") for t in sorted(terms, key=len, reverse=True)) + r")(?![\w-])",
            re.I if any(not t.isupper() for t in terms) else 0,
        ),
    )
    for name, terms in CONDITION_TERMS.items()
]
# Short abbreviations that are also ordinary words or other things: they count only in upper case.
_CASE_SENSITIVE = {"hd", "af", "ra", "pe", "cap", "sot", "cad", "tb", "chf", "ktr", "pcp", "ldl", "htn", "hit", "ibd", "aps"}

# A condition named as the outcome asked about ("risk of infection", "prevent gout flares") is
# not a condition of the patient.
_OUTCOME_CUE = re.compile(
    r"\b(?:risk|risks|chance|odds|incidence|rate)\s+(?:of|for)\s+(?:\w+\s+){0,2}$|"
    r"\b(?:cause|causes|causing|caused|lead\s+to|leads\s+to|trigger\w*|provok\w*|precipitat\w*|"
    r"develop|developing|get|getting|prevent\w*|prophylaxis\s+(?:of|for|against)|"
    r"reduc\w*|lower\w*|rais\w*|increas\w*|worsen\w*|screen\w*\s+for|test\w*\s+for|rule\s+out|"
    r"exclud\w*|protect\w*\s+against|against|avoid\w*)\s*(?:\w+\s+){0,1}$",
    re.I,
)
_HAS_CUE = re.compile(
    r"\b(?:with|has|have|having|had|history\s+of|known|diagnosed\s+with|suffer\w*\s+from|"
    r"in\s+(?:a|an|the|my)?|on|after|post|who\s+has|who\s+had|and)\s*(?:\w+\s+){0,3}$",
    re.I,
)


_URATE_VALUE = re.compile(r"\b(?:serum\s+)?(?:urate|uric\s+acid|sua)\s*(?:level\s+)?(?:of|is|was|=|:|at)?\s*(\d{1,2}(?:\.\d)?)\b(?!\s*(?:%|mmol|µmol|umol))", re.I)
URATE_SATURATION = 6.8
"""Serum urate above 6.8 mg/dL is hyperuricaemia: the concentration at which monosodium urate
saturates at body temperature (the threshold the ACR and EULAR gout guidelines use)."""
_NO_GOUT = re.compile(
    r"\b(?:never\s+had|no\s+(?:history\s+of\s+|prior\s+|previous\s+)?|without|denies)\s*(?:a\s+)?(?:gout|flares?|attacks?|tophi)\b|"
    r"\bnever\s+(?:had\s+)?(?:a\s+)?(?:gout\s+)?(?:flare|attack)d?\b|\basymptomatic\b",
    re.I,
)
"""The question says the patient has no gout ("never had gout", "no flares", "asymptomatic")."""
_GOUT_ITSELF = re.compile(r"\bgout(?:y)?\b|\bpodagra\b|\btoph\w+", re.I)


_EJECTION_FRACTION = re.compile(r"\b(?:l?v?ef|ejection\s+fraction)\s*(?:of|is|was|=|:|at)?\s*(\d{1,2})\s*%", re.I)
_POTASSIUM = re.compile(r"\b(?:k\+?|potassium)\s*(?:of|is|was|=|:|at)?\s*(\d(?:\.\d)?)(?!\s*(?:mg|g|mcg|%))\b", re.I)
HYPERKALEMIA_K = 5.0
"""A serum potassium above 5.0 mmol/L is hyperkalaemia (the usual laboratory definition)."""
_NEUTROPHILS = re.compile(r"\b(?:anc|absolute\s+neutrophil\s+count|neutrophils?(?:\s+count)?)\s*(?:of|is|was|=|:|at|now|down\s+to)?\s*(\d(?:\.\d{1,2})?)(?!\s*(?:%|mg|g\b|mcg))\b", re.I)
NEUTROPENIA_ANC = 1.5
"""An absolute neutrophil count below 1.5 x 10^3/uL is neutropenia (the usual laboratory
definition; counts are written in thousands: "ANC 1.1")."""
HFREF_EF = 40
"""An ejection fraction at or below 40% is heart failure with reduced ejection fraction (the
universal definition of heart failure, HFrEF: LVEF <= 40%)."""
_BLOOD_PRESSURE = re.compile(r"\b(?:s?bp|blood\s+pressure|systolic(?:\s+bp)?)\s*(?:of|is|was|=|:|at|down\s+to)?\s*(\d{2,3})(?:\s*/\s*\d{2,3})?\b", re.I)
HYPOTENSION_SBP = 90
"""A systolic blood pressure below 90 mm Hg is hypotension (the definition the bundled VTE guideline
quotes for PE with hypotension, and the usual one for shock)."""


_NEGATED_CONDITION = re.compile(
    r"(?:\b(?:no|not|without|never\s+(?:had|been\s+diagnosed\s+with)|denies|free\s+of|non)|\b(?:is|are|was|were)n'?t|\b(?:is|are|was|were)\s+not)"
    r"[\s-]+(?:(?:known|history\s+of|prior|previous|active|a|an|on)\s+)?"
    r"(?:[\w'-]+(?:\s+[\w'-]+){0,2}\s+(?:or|nor)\s+(?:(?:known|history\s+of|prior|previous|active|a|an|on)\s+)?)?$",
    re.I,
)
"""A condition named only to be denied ("no diabetes", "never had gout", "who isn't diabetic"), the
denial carried across a short "or" list ("no diabetes or heart failure": neither), as ConText
scopes a negation over what follows it ("no gout, hypertension" and "and" lists are left alone:
they may name what the patient has). "Non-diabetic" stays a word of its own and is not matched."""


_TEST_OF = re.compile(r"[\s-]+(?:tests?|testing|tested|screen|screens|screening|skin\s+tests?|blood\s+tests?|serolog\w*|titers?|titres?|assays?)\b", re.I)
"""A condition named as what a test looks for ("repeat TB test every year?", "HIV screening before
starting"): the test is asked about; the patient is not said to have the condition."""
_RISK_OF = re.compile(r"[\s-]+(?:risks?|risk\s+(?:factors?|scores?|is|was))\b", re.I)
"""A condition named as a risk ("bleeding risk low", "infection risk"): the risk of it, not the
condition itself (a patient whose bleeding risk is low is not bleeding)."""


def find_conditions(question: str) -> tuple[list[str], list[str]]:
    """(conditions the patient has, conditions named as the outcome or indication asked about)."""
    has: list[str] = []
    asked: list[str] = []
    for name, pattern in _CONDITION_PATTERNS:
        for m in pattern.finditer(question):
            surface = m.group(0)
            if surface.lower().replace(" ", "") in _CASE_SENSITIVE and not surface.isupper():
                continue
            head = question[max(0, m.start() - 40) : m.start()]
            if _NEGATED_CONDITION.search(head):
                continue  # "no diabetes", "never had gout", "without heart failure": not the patient's
            if _RISK_OF.match(question, m.end()):
                continue  # "bleeding risk low": neither a condition of the patient nor what the drug is for
            tested = _TEST_OF.match(question, m.end())
            target = asked if tested or (_OUTCOME_CUE.search(head) and not _HAS_CUE.search(head[-12:])) else has
            if name not in target:
                target.append(name)
    k = _POTASSIUM.search(question)
    if k and float(k.group(1)) > HYPERKALEMIA_K and "hyperkalemia" not in has and "hyperkalemia" not in asked:
        has.append("hyperkalemia")  # "potassium of 5.3", "K 5.6"
    anc = _NEUTROPHILS.search(question)
    if anc and float(anc.group(1)) < NEUTROPENIA_ANC and "neutropenia" not in has and "neutropenia" not in asked:
        has.append("neutropenia")  # "ANC 1.1 on mycophenolate": a low count is neutropenia
    bp = _BLOOD_PRESSURE.search(question)
    if bp and int(bp.group(1)) < HYPOTENSION_SBP and "hypotension" not in has and "hypotension" not in asked:
        has.append("hypotension")  # "BP 82/50": a systolic pressure below 90 is hypotension
    ef = _EJECTION_FRACTION.search(question)
    if ef and int(ef.group(1)) <= HFREF_EF and "heart failure" not in has and "heart failure" not in asked:
        has.append("heart failure")  # "EF 30%": a reduced ejection fraction is HFrEF
    urate = _URATE_VALUE.search(question)
    gout_denied = _NO_GOUT.search(question)
    if urate and float(urate.group(1)) > URATE_SATURATION and gout_denied and "asymptomatic hyperuricemia" not in has:
        has.append("asymptomatic hyperuricemia")  # "uric acid 10.2 on routine labs, never had gout"
    if "asymptomatic hyperuricemia" in has and "gout" in has and not _GOUT_ITSELF.search(question):
        has.remove("gout")  # "asymptomatic hyperuricemia" is raised urate without gout
    for name in list(has):
        if name in asked:
            asked.remove(name)
    if "solid organ transplant" in has and any(c.endswith("transplant") and c != "solid organ transplant" for c in has):
        has.remove("solid organ transplant")
    for found in (has, asked):
        if "cancer" in found and any(c.endswith("cancer") and c != "cancer" for c in (*has, *asked)):
            found.remove("cancer")  # "colon cancer" is the cancer named
    if "type 1 diabetes" in has and "type 2 diabetes" in has:
        has.remove("type 2 diabetes")
    return has, asked


# --- population ---------------------------------------------------------------------------------

_POPULATION: list[tuple[str, re.Pattern[str]]] = [
    ("pregnancy", re.compile(r"\b(?:pregnan\w*|expecting|gravid|trimester|weeks\s+pregnant|antenatal|prenatal|conceive|conception)\b", re.I)),
    ("lactation", re.compile(r"\b(?:breast-?\s?feed\w*|lactat\w*|nursing\s+(?:mother|her|baby|infant|a\s+baby)|while\s+(?:she\s+is\s+|she's\s+)?nursing|breast\s?milk|postpartum\s+and\s+nursing)\b", re.I)),
    ("child", re.compile(r"\b(?:child|children|kid|kids|paediatric|pediatric|infant|toddler|neonate|newborn|adolescent|teen|teenager|boy|girl|juvenile)\b(?![-\s]?pugh)", re.I)),
    ("older adult", re.compile(r"\b(?:elderly|older\s+(?:adult|patient|person|man|woman|people)s?|geriatric|frail|very\s+old|aged\s+(?:6[5-9]|[7-9]\d))\b", re.I)),
    # "HD" only in capitals, as the hemodialysis abbreviation ("gouty HD patient", "on HD")
    ("dialysis", re.compile(r"\b(?:dialysis|haemodialysis|hemodialysis|esrd|eskd|end-stage\s+(?:renal|kidney)|(?-i:HD))\b", re.I)),
    ("transplant", re.compile(r"\b(?:transplant\w*|allograft|ktr|sot)\b", re.I)),
    ("hepatic impairment", re.compile(r"\b(?:cirrho\w*|hepatic\s+impairment|liver\s+(?:disease|impairment|failure|cirrhosis)|child[-\s]?pugh)\b", re.I)),
]
_CKD = re.compile(r"\b(?:ckd|chronic\s+kidney\s+disease|renal\s+(?:impairment|insufficiency|disease)|kidney\s+(?:disease|impairment)|impaired\s+(?:renal|kidney)|reduced\s+(?:renal|kidney)\s+function)\b", re.I)
_RENAL_VALUE = re.compile(
    r"\b(?:e?gfr|crcl|creatinine\s+clearance|clcr)\s*(?:(?:is|was|has\s+been)\s+(?:now\s+|down\s+to\s+|about\s+|around\s+)?|(?:now|currently|today)\s+(?:at\s+|of\s+)?|(?:dropped|fell|fallen|down|went\s+down|declined)\s+(?:from\s+\d{1,3}\s+)?to\s+|"
    r"(?:of|at|=|:|<|>|≤|≥|~|around|about|under|below)\s*)?(\d{1,3})",
    re.I,
)
"""The kidney function stated: "eGFR 40", "CrCl of 25", "eGFR is now 40", "eGFR now 40", "eGFR dropped from 40 to 36"
(the latest value)."""
_AGE = re.compile(
    r"\b(\d{1,3})\s*[- ]?(?:year|yr)s?[- ]?old\b|\b(?:aged|age)\s*(\d{1,3})\b|\b(\d{1,3})\s*(?:yo|y/o|y\.o\.)\b|"
    r"\b(\d{1,3})\s*-?\s*(?:m|f|M|F)\b(?![a-z])|\b(\d{1,3})\s*(?:-year|yr)\b(?!-?\s*(?:[\w-]+\s+){0,2}(?:risk|survival|follow|history|period|course|interval|mortality|event|outcome|rate)s?\b)",
)


def find_age(question: str) -> int | None:
    for m in _AGE.finditer(question):
        value = next((g for g in m.groups() if g), None)
        if value and 0 < int(value) < 120:
            return int(value)
    return None


CKD_STAGE_GFR: dict[str, tuple[float, float]] = {
    "1": (90.0, 1000.0), "2": (60.0, 90.0), "3": (30.0, 60.0), "3a": (45.0, 60.0), "3b": (30.0, 45.0),
    "4": (15.0, 30.0), "5": (0.0, 15.0),
}
"""The GFR (mL/min/1.73 m2) of each CKD stage, as the KDIGO 2012 CKD guideline's GFR categories
define them (G1 at least 90, G2 60-89, G3a 45-59, G3b 30-44, G4 15-29, G5 below 15)."""
_STAGE_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5"}
CKD_STAGE = re.compile(
    r"\b(?:ckd|chronic\s+kidney\s+disease)(?:\s*\([^)]*\))?\s*(?:stages?\s*|g)?(?P<s>[1-5][ab]?|iii|iv|ii|v)\b(?!\s*(?:years?|yrs?|months?|weeks?|days?)\b)"
    r"|\b(?:stages?|g)\s*(?P<s2>[1-5][ab]?)\s+(?:ckd|chronic\s+kidney\s+disease)\b",
    re.I,
)
"""A CKD stage named: "CKD 3b", "CKD stage 4", "chronic kidney disease (CKD) stage 3", "stage 4 CKD"
(not a time: "CKD 2 years ago")."""


def ckd_stage(text: str) -> str | None:
    """The CKD stage a text names first ("3b", "4"), or None."""
    m = CKD_STAGE.search(text)
    if m is None:
        return None
    stage = (m.group("s") or m.group("s2")).lower()
    return _STAGE_ROMAN.get(stage, stage)


def stage_value(question: str) -> int | None:
    """A kidney function that stands for the CKD stage the question names when it gives no value
    ("CKD 3b": 37), the middle of the stage's GFR band, so that a range stated in stages or in
    values holds for it exactly when it holds for the band."""
    stage = ckd_stage(question)
    if stage is None:
        return None
    lo, hi = CKD_STAGE_GFR[stage]
    return int((lo + min(hi, 120.0)) / 2)


def renal_value(question: str) -> int | None:
    """eGFR / CrCl value stated in the question (mL/min or mL/min/1.73 m²)."""
    m = _RENAL_VALUE.search(question)
    return int(m.group(1)) if m else None


def renal_qualifier(question: str) -> str | None:
    """The kidney function a question states, as a frame qualifier ("CrCl 25", "eGFR 38")."""
    gfr = renal_value(question)
    if gfr is None:
        return None
    kind = "CrCl" if re.search(r"crcl|creatinine\s+clearance|clcr", question, re.I) else "eGFR"
    return f"{kind} {gfr}"


_POPULATION_DENIED = re.compile(
    r"\b(?:no|not|never|non|without|isn't|aren't|neither|nor)(?:[\s-]+(?:yet|currently|on|in|receiving|requiring|needing|been|a|an|longer)){0,2}[\s-]+$", re.I
)
"""Words before a group that say the patient is not in it ("not on dialysis", "non-pregnant", "not yet on dialysis")."""


def find_population(question: str, age: int | None, pregnant: bool | None) -> list[str]:
    out = [name for name, pattern in _POPULATION
           if any(not _POPULATION_DENIED.search(question[max(0, m.start() - 30) : m.start()]) for m in pattern.finditer(question))]
    if pregnant is False and "pregnancy" in out:
        out.remove("pregnancy")
    if age is not None:
        if age < 18 and "child" not in out:
            out.append("child")
        if age >= 65 and "older adult" not in out:
            out.append("older adult")
    gfr = renal_value(question)
    if ((_CKD.search(question) or (gfr is not None and gfr < 60)) and "dialysis" not in out) or (re.search(r"\bckd\s*(?:stage\s*)?(?:g?[3-5][ab]?|iii|iv|v)\b", question, re.I) and "ckd" not in out):
        out.append("ckd")
    # "transplant" only when the patient has one (not "transplant guidelines" in a question about a drug)
    order = {name: i for i, name in enumerate(("pregnancy", "lactation", "child", "older adult", "ckd", "dialysis", "transplant", "hepatic impairment"))}
    return sorted(dict.fromkeys(out), key=lambda n: order.get(n, 99))


# --- intent and asked attribute -----------------------------------------------------------------

# Tested in order: the first rule whose pattern matches decides (most specific first). Each is a
# way clinicians phrase an ask, not a document's wording.
def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


_LEVELS_CHANGED = (
    r"\b(?:raise|raises|increase|increases|lower|lowers|reduce|reduces|affect|affects|change|changes|boost|boosts|alter|alters|"
    r"(?:bump|push|drive|shoot|send)s?\s+up|(?:knock|bring|drive)s?\s+down|doubles?|spikes?|drops?|mess(?:es)?\s+(?:up|with))\s+"
    r"(?:the\s+|his\s+|her\s+|their\s+)?(?:[\w-]+\s+)?(?:levels?|concentrations?|exposure|troughs?|inr)\b"
)
"""What one drug does to another's levels ("does clarithromycin bump up tacrolimus levels?"): an
interaction, tested before monitoring so that "trough" or "levels" does not make it a monitoring
question."""


_RULES: list[tuple[str, str, re.Pattern[str]]] = [
    ("safety", "boxed warning", _rx(r"\bboxed\s+warning|black\s+box")),
    ("population", "pregnancy", _rx(r"\bcontracepti\w*|\bfather\s+a\s+child|\btrying\s+to\s+conceive|\bget(?:ting)?\s+pregnant|\bpregnan\w*|\bbreast-?\s?feed\w*|\blactat\w*|\bwhile\s+(?:she\s+is\s+|she's\s+)?nursing|\bnursing\s+(?:mother|a\s+baby)")),
    ("target", "target", _rx(r"\bwhat\s+should\s+(?:the\s+|his\s+|her\s+|their\s+)?(?:[\w-]+\s+){0,2}(?:levels?|troughs?|inr|a1c|hba1c|bp|pressure|urate|uric\s+acid|ldl|heart\s+rate)\s+be\b|\btarget\w*|\bgoal\w*|\baim\s+(?:for|at)|\bthreshold|\bcut-?off|\bwhere\s+(?:should|do|would)\s+(?:i|we|you)\s+(?:keep|aim|want)\b|\b(?:inr|trough|levels?|therapeutic|target)\s+(?:range|window)\b(?![^?]*\bdefin)|\bhow\s+low|\bkeep\s+(?:the\s+|his\s+|her\s+|their\s+)?[\w ]{0,20}?\b(?:at|below|under|less\s+than)\s+\d|\btreat\s+to|\bbelow\s+what|\bunder\s+what|\bat\s+what\s+(?:level|value|number|saturation|spo2|oxygen|a1c|ldl|bp|pressure|inr|egfr)|\b(?:systolic|diastolic|bp|a1c|ldl|urate|inr)\s+(?:under|below|of|<)\s*\d")),
    ("other", "timing", _rx(r"\bwhen\s+(?:can|should|do|to)\s+(?:[\w-]+\s+){1,3}be\s+(?:started|restarted|resumed|given|stopped|held)\b|\brelative\s+to\s+(?:starting|stopping|the\s+(?:start|first|last))|\bhow\s+long\s+(?:should|do|must|would)\s+(?:i|we|you|she|he|they)\s+wait\b|\bwait\s+after\b|\b(?:hold|stop|interrupt|pause)\w*\s+(?:it\s+|(?:the\s+|his\s+|her\s+)?\w+\s+)?(?:for\s+)?how\s+long\b|\b(?:stop|hold|interrupt|pause|continu\w*|keep\w*)\s+(?:\w+\s+){0,3}(?:for|before|around|through|during)\s+(?:a|an|the|her|his|their)?\s*(?:[\w-]+\s+)?(?:surgery|cleaning|procedure|extraction|operation|colonoscopy|endoscopy|biopsy|injection|epidural|replacement)\b|\b(?:re)?start\w*\s+(?:\w+\s+){0,3}(?:\d+\s+(?:hours?|days?|weeks?)\s+)?(?:after|post)[\s-]+(?:a\s+|an\s+|the\s+|his\s+|her\s+)?(?:[\w-]+\s+)?(?:surgery|procedure|operation|replacement|extraction|delivery|bleed|biopsy)\b|\bbest\s+time\s+to\b|\bwhen(?:'s|\s+is)\s+(?:the\s+)?(?:best|right)\s+time\b|\bhow\s+far\s+(?:ahead|in\s+advance)|\bhow\s+many\s+(?:\w+\s+)?(?:hours|days|weeks|months)\s+(?:after|before)|\bgap\b|\bwashout|\b(?:morning|day|night)\s+(?:of|before)\s+(?:the\s+|his\s+|her\s+)?(?:surgery|procedure|operation|scan)|\bhow\s+(?:do|should)\s+(?:i|we)\s+switch|\bhow\s+long\s+(?:before|after|between|do\s+i\s+(?:hold|wait|stop))|\bhow\s+long\s+(?:\w+\s+){1,4}(?:before|after)\s+(?:the|a|an|his|her|starting|stopping|surgery)\b|\bwhen\s+(?:can|should|do|to)\s+(?:i|we|she|he|they)?\s*(?:start|restart|resume|give|get|stop|hold|time|begin)|\bwait\s+(?:for|until|before)|\bhold\s+\w+\s+before|\bbefore\s+(?:a|an|the|his|her)\s+[\w-]*\s*(?:surgery|procedure|replacement|colonoscopy|ct|scan|contrast|operation|extraction|endoscopy|biopsy|injection|epidural|delivery|ablation|cardioversion)|\b(?:after|since)\s+(?:stopping|finishing|completing|the\s+last\s+(?:dose|infusion|course))\b|\btime\s+(?:the\s+|his\s+|her\s+)?\w+\s+(?:with|around)|\bbridg\w*|\bhow\s+soon|\bcontrast\b|\bperi-?operative")),
    ("interaction", "interaction", _rx(_LEVELS_CHANGED)),
    ("dose", "duration", _rx(r"\bhow\s+long\b(?!\s+(?:ago|since|until|before|after|between|does\s+it\s+take|is\s+(?:it|the)\s+(?:half|gap)))|\bstop\s+or\s+continue|\bcontinue\s+or\s+stop|\bcome\s+off\s+(?:\w+\s+)?(?:early|now)|\bhow\s+long\s+(?:on|to\s+(?:give|continue|treat|keep)|should\s+(?:i|we|she|he|they)\s+(?:continue|treat|give|keep|stay)|do\s+(?:i|we)\s+(?:continue|treat|give|keep))|\bduration|\bfor\s+how\s+(?:long|many)|\bcan\s+(?:she|he|they|i)\s+stop|\bstop\s+the\s+\w+\b|\bhow\s+many\s+(?:weeks|months|days|years)|\bindefinite\w*|\blifelong")),
    ("monitoring", "screening", _rx(r"\bscreen\w*|\b(?:get|order|send|check|do|need)\s+(?:an?\s+|the\s+)?hla\b|\bhla[\w*:-]*\s+(?:typing|testing|test|genotyp\w*)\b|\b(?:what|which)\s+(?:\w+\s+){0,2}(?:test|tests|assay)\s+(?:do|does|should|is|are)\b|\btests?\s+(?:for|before)|\bbefore\s+starting|\bprior\s+to\s+starting|\bbaseline\s+(?:tests?|labs?|work-?up)|\bwhat\s+(?:test|tests|labs?)\s+[^?]{0,30}\b(?:before|prior|pre-)|\bwhat\s+confirms|\bconfirm\w*\s+(?:the\s+)?diagnos\w*|\bhow\s+(?:do\s+i|to)\s+diagnos\w*|\bwhich\s+(?:test|estimate|equation|assay)")),
    ("monitoring", "monitoring", _rx(r"\b(?:should|do|must|need\s+to)\s+(?:i|we)\s+(?:test|check|screen|order|draw|measure)\b|\b(?:i|we)\s+(?:should|need\s+to|must)\s+(?:test|check|screen|order|draw|measure)\b|\b(?:need|order|get|send|draw|repeat|recheck|yearly|annual|routine|regular|periodic)\s+(?:a\s+|an\s+|the\s+|any\s+)?(?:\w+\s+){0,2}(?:tests?|testing|cultures?|x-?rays?|scans?|ultrasound|echo\w*|ecgs?|ekgs?|biops\w*|pcrs?|serology|typing|genotyp\w*|titers?|titres?|counts?|panels?|imaging|quantiferon|igra|ppd|tpmt|lfts?|a1c|hba1c|lipids?|cbc)\b|\bmonitor\w*|\bhow\s+often\b(?!\s+(?:for|during|per|a\s+day)\b)(?![^?]{0,40}\b(?:cause|causes|happen|occur|get)\b)|\bcheck\w*|\blabs?\b|\bblood\s+tests?|\bwhat\s+tests?|\bsurveillance|\bfollow[\s-]+(?:up|with)|\bfollow\s+(?:the\s+|his\s+|her\s+)?(?:potassium|creatinine|levels?|labs?|counts?|lfts?|inr|urate|a1c|cbc|k\+?)(?![\w+])|\bwatch\b|\bkeep\s+an\s+eye|\btrough|\bcbc\b|\bblood\s+counts?|\blfts?\b|\brecheck\w*|\bmeasure\w*|\blevels?\s+(?:be\s+)?(?:checked|drawn|measured)")),
    ("contraindication", "contraindication", _rx(r"\bcontra-?indicat\w*|\brules?\s+out\s+\w+|\bruled\s+out\b|\ballerg\w*\s+(?:that|to\s+\w+)\s+(?:rules|prevents)")),
    ("safety", "vaccination", _rx(r"\bvaccin\w*|\bimmuni[sz]\w*|\b(?:flu|mmr|zoster|shingles|varicella|yellow\s+fever|pneumonia|pneumococcal|hpv|tetanus|covid|hep(?:atitis)?\s*b)\s+shots?\b|\bbooster|\bmmr\b|\bzoster|\bshingrix|\bshingles|\bflu\s*mist|\bflu\s+shot|\binfluenza\s+vaccine|\bpneumococcal|\bvaricella|\byellow\s+fever|\blive\s+(?:attenuated\s+)?vaccines?|\bbcg\b|\bhpv\b")),
    ("choice", "alternatives", _rx(r"\b(?:anything|something|what(?:'s|\s+is)?)\s+(?:\w+\s+)?(?:better|safer|else)\s+than\b")),
    ("comparison", "efficacy", _rx(r"\bcompare[sd]?\s+(?:with|to|against)\b|\bas\s+(?:good|effective|safe)\s+as|\bworse\s+than|\b(?:safer|riskier|gentler|stronger|weaker|faster|cheaper)\s+than|\bless\s+(?:risky|safe|toxic|effective)\s+than|\bhow\s+(?:did|does)\s+(?:it|\w+)\s+do\s+against|\bbetter\s+than|\bbeat|\bversus|\bvs\.?\b|\bcompared\s+(?:with|to)|\bagainst\s+(?:a|an|the)\b|\bsuperior|\bnon-?inferior|\bhow\s+did\s+it\s+do|\bmore\s+effective|\bworks?\s+better")),
    ("dose_adjustment", "renal dose", _rx(r"\b(?:e?gfr|crcl|creatinine\s+clearance|clcr|ckd)\b[^?]{0,40}\b\d+(?:\.\d+)?\s*(?:mg|mcg|g)?\s*(?:bid|tid|qd|od|daily|twice\s+(?:a\s+)?daily|once\s+(?:a\s+)?daily)\b|\b(?:as\s+usual|usual|full|standard|same)\b[^?]{0,40}\b(?:e?gfr|crcl|creatinine\s+clearance|clcr)\b|(?:\b(?:dose|doses|dosing|dosage|adjust\w*|reduc\w*|cut|lower|change|modify|usual|full|how\s+much|what\s+(?:dose|strength))\b[^?]{0,70}\b(?:e?gfr|crcl|creatinine\s+clearance|clcr|renal(?!\s+(?:transplant|allograft))|kidney(?!\s+(?:transplant|allograft|recipient))|ckd|dialysis|haemodialysis|hemodialysis|esrd|eskd|end-stage\s+(?:renal|kidney))|\b(?:e?gfr|crcl|creatinine\s+clearance|clcr|renal(?!\s+(?:transplant|allograft))|kidney(?!\s+(?:transplant|allograft|recipient))|ckd|dialysis|haemodialysis|hemodialysis|esrd|eskd|end-stage\s+(?:renal|kidney))\b[^?]{0,70}\b(?:dose|doses|dosing|dosage|adjust\w*|how\s+much|what\s+(?:should\s+it|dose)))|\brenally\s+dos\w*")),
    ("dose_adjustment", "dose", _rx(r"\bdose\s+(?:adjust\w*|reduc\w*|chang\w*|modif\w*)|\bneeds?\s+(?:\w+\s+){0,3}(?:reduc|lower|adjust|halv|decreas|cut\s+back)\w*\b|\bby\s+how\s+much\b|\bhow\s+much\s+(?:\w+\s+){0,3}(?:cut|reduce|lower|decrease|bump|raise|increase)\b|\b(?:by\s+how\s+much|cut|reduc\w*|lower|adjust\w*|change|modify|halve)\b(?!\s+(?:the\s+)?(?:risk|chance|odds|rate|incidence))[^?]{0,40}\b(?:dose|doses|dosing|it|anything|him|her)\b|\bwhat\s+should\s+(?:it|the\s+dose)\s+be|\b(?:dose|dosing)\b[^?]{0,40}\b(?:hepatic|liver(?!\s+(?:transplant|recipient|allograft))|cirrho\w*|child-?pugh)|\b(?:hepatic|liver(?!\s+(?:transplant|recipient|allograft))|cirrho\w*|child-?pugh)\b[^?]{0,60}\b(?:dose|dosing)|\bwhat\s+(?:do\s+i\s+do|now)\b|\bchange\s+anything|\bwhat\s+(?:to|should\s+i|do\s+i|do\s+we|should\s+we)\s+do\s+(?:about|with)\s+(?:the|his|her|their)\s+[\w-]+\s+(?:when|if|now|once|while)\b|\bwhat\s+(?:do|should|would|must)\s+(?:i|we)\s+(?:change|adjust)\b|\bhow\s+(?:should|do|would|can|much\s+should)\s+(?:i|we)\s+adjust\b|\bdoses?\s+(?:\w+\s+){0,2}(?:change|be\s+(?:changed|adjusted|reduced|lowered|cut|halved))\b|\b(?:needs?|require\w*)\s+(?:a\s+)?(?:dose\s+)?(?:adjustment|reduction|change)\b|\banything\s+to\s+(?:change|adjust)\b|\bneeds?\s+to\s+(?:change|be\s+(?:changed|adjusted|reduced|lowered|cut))\b")),
    ("dose", "dose", _rx(r"\bhow\s+(?:do|should|would)\s+(?:i|we|you)\s+convert\b|\bconver(?:t|sion)\s+(?:\w+\s+)?from\b|\b\d+(?:\.\d+)?\s*(?:mg|mcg|g)?\s+or\s+\d+(?:\.\d+)?\s*(?:mg|mcg|g)?(?:\s+(?:to\s+(?:start|begin)|first|daily|a\s+day|bid|twice\s+daily|once\s+daily))?\s*\??\s*$|\b(?:start|begin|initiat)\w*\s+(?:(?:it|him|her|them|\w+)\s+)?(?:at|on|with)\s+\d|\bhow\s+(?:is|are|should)\s+(?:it|they|\w+)\s+(?:be\s+)?(?:given|taken|administered|injected|infused|used)\b|\b(?!(?:what|which|the|a|an|best|preferred|initial|first|empiric|antibiotic|treatment|prophylaxis|drug)\b)[a-z][\w-]+\s+regimens?\b|\bwhat(?:'s|\s+is)\s+the\s+regimen\b|\b(?:with|without)\s+(?:food|meals?|milk)\b|\bempty\s+stomach|\bbefore\s+(?:meals|breakfast)\b|\bwhat\s+time\s+of\s+day\b|\btaper\w*\b|\bhow\s+(?:fast|quickly)\s+(?:can|should|do|to)\b|\bgo\s+up\b|\bup-?titrat\w*|\bincrease\s+(?:the\s+|his\s+|her\s+)?dose\b|\b\d+(?:\.\d+)?\s*(?:mg|mcg|g|units?)?\s*(?:bid|b\.i\.d\.|tid|qid|qd|od|daily|twice\s+(?:a\s+)?daily|once\s+(?:a\s+)?daily|a\s+day)\s*\?|\b(?:low|high|standard|usual)-dose\s+(?:\w+\s+)?(?:regimen|schedule)|\bhow\s+(?:do|should|would)\s+(?:i|we|you|she|he|they)\s+(?:start|titrate|take|dose|administer|give)\b|\bhow\s+(?:is|should)\s+(?:it|\w+)\s+(?:be\s+)?(?:dosed|started)|\b(?<!-)(?:dose|doses|dosing|dosage|how\s+much|how\s+many\s+(?:mg|milligrams|tablets|units|grams)|milligram\w*|\bmg\b|\bmcg\b|loading|titrat\w*|max(?:imum)?\s+(?:dose|daily)|starting\s+dose|start\s+\w+\s+at|what\s+strength|how\s+often\s+(?:for|during)\s+an?\s+(?:attack|flare)|crush\w*|how\s+(?:should|do)\s+(?:i|we)\s+(?:give|dose|prescribe))")),
    ("interaction", "interaction", _rx(r"\binteract\w*|\btogether\b|\bco-?administ\w*|\bconcomitant\w*|\bcombin(?:e|ed|ing|ation)\b|\bplus\b|\balongside\b|\bdrug[- ]drug\b")),
    ("safety", "adverse effects", _rx(r"\b(?:be|is|was)\s+(?:\w+\s+)?(?:from|due\s+to|caused\s+by|related\s+to)\s+(?:the\s+|his\s+|her\s+)?(?!\w+\s+(?:transplant|surgery))\w|\bcaused\s+by\b|\b(?:could|can|might|may|would)\s+(?:that|this|it|these|those|they)\s+be\s+(?:the|his|her|their)\s+(?:[\w-]+\s*){1,2}\?|\bculprit\b|\bto\s+blame\b|\bside[- ]effects?|\badverse\s+(?:effects?|events?|reactions?)|\btoxicit\w*|\b(?:can|does|do|will|could|might)\s+(?:\w+\s+){1,3}(?:cause|raise|increase|trigger|lead\s+to|worsen|induce|mask|hide|damage|harm|hurt)\b|\bcaus\w*\s+(?:\w+\s+)?(?:gout|diabetes|hyperkal\w*|diarrh\w*|bleeding|myopathy)|\bharms?\b|\btrade\s+off|\brisk\s+of\b|\bsignal\b")),
    ("indication", "efficacy", _rx(r"\b(?:does|do|did|will|would|can)\s+(?:\w+\s+){1,6}(?:help|work|improve|reduce|lower|prevent|cut|benefit)\b|\beffectiveness|\b(?:is|are|was|were|be|been|how|as|more|less|most|still|really)\s+(?:[\w-]+\s+){0,2}effective\b|\beffective\s*(?:\?|$)|\befficacy|\bworth\s+(?:adding|it|trying|using)|\bbenefit\w*|\bmortality|\bsurvival|\boutcomes?\b|\bevidence\b")),
    ("choice", "alternatives", _rx(r"\bstill\s+\w+ing\s+(?:on|despite)\b|\balternative\w*|\binstead\b|\bother\s+options?|\boptions?\s*\??\s*$|\bwhat\s+else|\bwhat'?s\s+left|\bsubstitute|\breplace\b|\bswitch(?:ing)?\s+(?:\w+\s+){0,3}to\b|\breversal|\brevers\w*\s+(?:agent|it)|\bantidote|\bnext\s+step|\bthe\s+play\b|\bnot\s+(?:falling|working|responding)|\bdespite\b|\bfail(?:ed|ing|s)\b|\bcan'?t\s+take")),
    ("choice", "dose", _rx(r"\b(?:statin|therapy|treatment)\s+intensity\b|\bwhat\s+intensity\b|\b(?:high|moderate|low)[- ]intensity\s+or\s+(?:high|moderate|low)")),
    ("choice", "first-line choice", _rx(r"\bfirst[- ]line|\bwhat\s+(?:[\w-]+\s+){1,2}(?:should|do|would|can)\s+(?:i|we|you)\s+(?:use|give|start|pick|choose|add|try|prescribe|reach\s+for)\b|\bwhat(?:'s|\s+is|\s+are)\s+(?:recommended|preferred|advised|suggested)\s+for\b|\b(?:second|third|next)[- ]line\b|\bthen\s+what\b|\bwhat\s+then\b|\bfirst\s+choice|\bas\s+(?:the|a|my|his|her)\s+first\s+(?:[\w-]+\s+){0,2}(?:drug|agent|therapy|treatment|medication|option)|\bdrug\s+of\s+choice|\bpreferred|\bbest\s+(?:[\w-]+\s+)?(?:option|choice|drug|agent|treatment|therapy|antibiotic|way|regimen)|\bwhich\s+(?:drug|agent|medication|medicine|antibiotics?|one|treatment|therapy|option|class|regimen|anticoagulant|doac|inhaler|glucose|statin|antihypertensives?|antidepressants?|analgesics?|painkillers?|antiemetics?|antiepileptics?|antifungals?|antivirals?|vaccines?|biologics?|immunosuppressants?|diuretics?)|\bwhat\s+(?:drug|agent|medication|medicine|antibiotic|treatment|therapy|regimen|inhaler|classes|are\s+(?:the\s+)?(?:options|choices|alternatives|first-line|preferred|recommended|treatments?|drugs|agents|antibiotics))|\bwhat\s+(?:do|should|would|can)\s+(?:i|you|we|people)\s+(?:use|give|start|prescribe|reach|add|pick|choose|recommend|suggest|try|offer)|\bwhat\s+to\s+(?:use|give|start|add)|\bwhere\s+(?:do|should|would|to)\s+(?:i|we|you)?\s*(?:start|begin)\b|\bhow\s+(?:should|do|would)\s+(?:i|we|you)\s+(?:treat|manage|handle)|\bhow\s+to\s+(?:treat|manage)|\bwhat(?:'s|\s+is)\s+(?:the\s+)?(?:treatment|best|preferred|first|go-to|safest|safer)|\bgo-to|\bempiric\w*|\binitial\s+(?:therapy|treatment|choice|inhaler|regimen|drug)|\bregimen\s*\??\s*$|\bone\s+drug\s+or\s+two|\bor\s+(?:a|an)\s+\w+\s*\??\s*$|\breach\s+for|\bcore\s+drug|\bwhat\s+(?:\w+\s+)?(?:people|most)\s+(?:usually|use)")),
    ("indication", "prophylaxis", _rx(r"\bprophyla\w*|\bprevent\w*|\bpreventive")),
    ("indication", "indication", _rx(r"\bindicat\w*|\bwhere\s+(?:does|do|would)\s+(?:[\w-]+\s+){1,3}fit\b|\bfit\s+in\s+(?:the\s+)?(?:treatment|therapy|management)\b|\bwhich\s+(?:patients|people|adults|children|women|men)\b[^?]{0,40}\b(?:should|get|need|qualify|benefit)\b|\bshould\s+(?:[\w-]+\s+){1,6}be\s+(?:on|started|given|treated|offered)\b|\b(?:would|do)\s+(?:you|i|we)\s+(?:start|treat|give|add|use|offer|recommend|prescribe)\b|\b(?:a\s+)?role\s+for\b|\bplace\s+(?:for|in\s+therapy)\b|\bwho\s+(?:should|needs?|gets?|qualif\w*)|\bshould\s+(?:i|we|she|he|they)\s+(?:start|get|be\s+started|receive|treat|give|offer|add|anticoagulate|use)|\bdo\s+(?:i|we|they)\s+need|\bdoes\s+(?:he|she|this\s+patient|the\s+patient|it)\s+need|\bneed\s+(?:to\s+start|treatment|a|an)\b|\bworth\s+(?:starting|treating)|\bcandidate\s+for|\bapproved\s+for|\bused\s+for|\bfor\s+what\b|\btreat\s+it|\bstart\s+(?:[\w-]+\s+){0,3}now|\banticoagulate|\bqualif\w*|\bapply\s+to")),
    ("safety", "safety", _rx(r"\bsafe\w*|\bwhat(?:'s|\s+is)\s+the\s+(?:deal|story|issue|problem|concern)\s+with\b|\brestart\w*|\bresum\w*|\bback\s+on\b|\bbe\s+(?:stopped|held|discontinued|paused|continued)\s+(?:during|while|in|through|for)\b|\bgive\s+up\b|\bgo\s+ahead\b|\bproceed\b|\bleave\s+(?:it|him|her|them)\b|\bstay\s+on\b|\brechallenge\w*|\bok(?:ay)?\b|\bfine\b|\balright|\b(?:the|any|what|main|real|big|biggest|other)\s+risks?\b|\brisks?\s*\?|\bconcerns?\b|\bworr\w*|\bdanger\w*|\bproblems?\b|\bissues?\b|\bcaution\w*|\bcareful|\bavoid\w*|\bcan\s+(?:i|we|you|he|she|they)\s+(?:give|start|use|add|prescribe|take|continue|restart|keep|stay|rechallenge|go)|\bcould\s+(?:i|we)|\bshould\s+(?:i|we)\s+(?:avoid|worry|stop|hold)|\ballowed|\bacceptable|\bappropriate|\breasonable|\btolerat\w*|\bstop\s+it|\bkeep\s+(?:taking|it|going)|\bgood\s+choice")),
]
_SAFETY_ASK = _rx(r"\bsafe\w*|\bok(?:ay)?\b|\bfine\b|\bconcerns?\b|\bproblems?\b|\bcan\s+(?:i|we)\s+(?:use|give|add|start)")
DEFAULT_ATTRIBUTE = "first-line choice"
"""What a question with no drug and no recognisable ask is taken to ask; such a frame is marked
``ask_explicit=False`` so that the composer does not hold a sentence to it."""
_DRUG_ATTRIBUTES = frozenset({"dose", "renal dose", "interaction"})
"""Attributes that ask about a drug: without one in the question they are no ask ("single-dose vial")."""

_POPULATION_ASK = {
    "pregnancy": "pregnancy",
    "lactation": "lactation",
    "child": "children",
    "older adult": "older adults",
}
POPULATION_OF_ATTRIBUTE = {attribute: population for population, attribute in _POPULATION_ASK.items()}
"""The population an asked attribute is about ("children" -> "child")."""
_WH_OPEN = re.compile(r"^\s*(?:(?:and|so|but|ok(?:ay)?)[, ]+)?(?:(?:by|to|for|from|at|in|on|with|until)\s+)?(?:what|which|how|when|who|whom|where|why)\b", re.I)
_INDICATION = re.compile(r"\bfor\s+(?:a|an|the|his|her|their|my)?\s*(?:acute\s+|new\s+|recurrent\s+|first\s+|mild\s+|severe\s+)?([a-z][a-z -]{2,40}?)(?:\s+(?:in|on|with|who|when|if|after|before)\b|[?.,;]|$)", re.I)
_COMBINATION_ASK = re.compile(
    r"\b(?:interact\w*|together|combin\w*|co-?administ\w*|co-?prescrib\w*|concomitant\w*|alongside|"
    r"at\s+the\s+same\s+time|plus|what\s+happens\s+to|levels?\b|exposure|mess(?:es)?\s+with|what\s+(?:to|should\s+i)\s+expect|"
    r"related\s*\?|continue\s+both|both\s+(?:drugs|together|as)|with\s+(?:his|her|their)\s+\w+)",
    re.I,
)
"""Words that take two substances as a pair ("X plus Y?", "fine with his Y?", "any interaction
between X and Y?", "what happens to levels?", "related?"): an interaction question even when it says
"safe". A patient described as on Y ("can I add X for someone on Y?", "keep X while she takes Y?")
asks about the safety of X for this patient (the convention of ``evals/sets/README.md``)."""


_NAMED_EFFECT_RISK = re.compile(
    r"\b(?!(?:the|any|what|main|real|big|biggest|other|overall|safety|a|an|his|her|their|added|extra|increased|higher|much)\b)"
    r"[a-z][\w-]+(?:\s+[a-z][\w-]+)?\s+risks?\s*\??\s*$",
    re.I,
)
"""An asking clause that names the effect feared ("— serotonin syndrome risk?", "bleeding risk?"):
with a co-medication named, the effect of taking both (the intent convention: an interaction)."""
_ACT_ON_DRUG_ASK = re.compile(
    r"^\W*(?:(?:and|so|but|ok(?:ay)?)\W+)?(?:can|could|should|may|shall)\s+(?:i|we|he|she|they|you)\s+(?:still\s+|safely\s+)?"
    r"(?:restart|resume|rechallenge|re-?challenge|re-?start|start|give|continue|keep|put\s+(?:him|her|them)\s+back\s+on)\b",
    re.I,
)
_LEANS_ON_EARLIER = re.compile(r"^\W*(?:and|or|but|also|what\s+about|how\s+about|what\s+if)\b", re.I)
"""A question that opens by leaning on an earlier one ("And in someone on clarithromycin?")."""
_LATER_CLAUSE = re.compile(r"\b(?:once|when|until|after|as\s+soon\s+as|if)\b.*$", re.I)
"""A clause that times the act ("Can I restart it once the LFTs normalise?"): the act is asked, the
test in its timing clause is not."""
_BEFORE_STARTING = re.compile(r"\b(?:before|prior\s+to|ahead\s+of)\s+(?:starting|giving|putting|beginning|initiating|prescribing|treatment|therapy|the\s+first\s+dose)\b|\b(?:first|beforehand)\s*\?\s*$", re.I)
"""A test asked for before a drug starts ("before giving ACZ885", "HLA typing first?") screens."""
_CHOICE_RULE_EARLY = next(p for i, a, p in _RULES if a == "first-line choice")
_INTERACTION_ASK = re.compile("|".join(p.pattern for i, a, p in _RULES if a == "interaction"), re.I)
_PROPHYLAXIS_ASK = next(p for i, a, p in _RULES if a == "prophylaxis")
_VACCINE_ASK = next(p for i, a, p in _RULES if a == "vaccination")
_TEST_WORD = re.compile(r"\b(?:screen\w*|tests?|testing|titers?|titres?|serology|quantiferon|igra|ppd|x-?ray|labs?)\b", re.I)
_TEST_VERB = re.compile(r"\b(?:check\w*|recheck\w*|test\w*|measur\w*|draw\w*|monitor\w*|repeat\s+(?:the\s+)?(?:\w+\s+)?(?:level|test|lab))", re.I)
_HOW_LONG_ON = re.compile(r"\bhow\s+long\s+(?:should|do|does|will|must|can)\s+(?:[\w-]+\s+){0,4}?(?:continu\w*|run|last|keep\s+going|go\s+on|be\s+(?:continued|given|kept))\b", re.I)
"""How long a treatment goes on ("how long should prophylaxis continue after ..."): its duration."""
_DOSE_AS_MANNER = re.compile(r"\b(?:at|with|on)\s+(?:a\s+|the\s+)?(?:low|lower|reduced|small|smaller|half|full|high|higher|usual|standard)(?:er)?\s+dose\b", re.I)
"""A dose named as the manner of an act ("rechallenge at a low dose", "start on a reduced dose"):
the question asks whether to act, not for the dose."""
_WEIGHT = re.compile(r"\b\d{2,3}(?:\.\d)?\s*(?:kg|kilos?|lb|lbs)\b", re.I)
"""A body weight stated in a drug question is a dosing detail."""
_CLAUSE_BREAK = re.compile(r"[.!?;]\s+|\s+[—–-]+\s+|:\s+")


_GENERIC_ASK = re.compile(
    r"^\W*(?:and\s+|so\s+)?(?:what\s+(?:now|next|then|do\s+(?:i|we)\s+do|should\s+(?:i|we)\s+do)|"
    r"any\s+(?:concerns?|problems?|issues?|thoughts|advice)|thoughts|ok(?:ay)?|fine|safe|reasonable|advice|wise|sensible|alright|"
    r"acceptable|appropriate|allowed|possible|(?:a\s+)?good\s+idea|go\s+ahead|proceed|yes\s+or\s+no)\W*$",
    re.I,
)
"""An asking clause that says only that something is asked ("What now?", "Any concern?", "OK?"):
what is asked is in the story before it, so the story's words decide."""


def ask_clause(question: str) -> str:
    """The clause that asks: the last sentence or dash-separated clause of the question. What comes
    before it ("Uric acid of 10 on routine labs, never had gout. Treat it?") is the patient's story."""
    text = question.rstrip()
    cut = 0
    for m in _CLAUSE_BREAK.finditer(text):
        if m.end() < len(text):
            cut = m.end()
    return question[cut:]


def classify(
    question: str,
    population: Sequence[str],
    has_intervention: bool,
    has_current: bool = False,
    *,
    substances: int = 0,
    treats: bool = False,
    background: bool = False,
    paired: bool = False,
    other_background: bool = False,
) -> tuple[str, str, bool]:
    """(intent, asked attribute, yes/no-shaped) of a question, by the rules (:func:`read_ask`)."""
    return read_ask(question, population, has_intervention, has_current, substances=substances, treats=treats, background=background, paired=paired, other_background=other_background)[:3]


def read_ask(
    question: str,
    population: Sequence[str],
    has_intervention: bool,
    has_current: bool = False,
    *,
    substances: int = 0,
    treats: bool = False,
    background: bool = False,
    paired: bool = False,
    other_background: bool = False,
) -> tuple[str, str, bool, str]:
    """(intent, asked attribute, yes/no-shaped, how) of a question: ``how`` is ``ask`` when an ask
    cue decided, else the name of the default the rules fell through to (``treats``: a drug named
    for a condition; ``background``: a drug named with the patient's background; ``patient``: a
    drug for a patient on another; ``none``: nothing asked and no drug named; ...).

    ``substances`` is how many drugs (or interacting foods and herbs) the question names: asking
    about combining them needs two. ``treats`` says the question names the condition the
    intervention would treat ("steroids for severe CAP?"): with no explicit ask, a drug named for a
    condition asks whether it is indicated, a drug named with only the patient's background
    (``background``: a condition or population the patient has, "apixaban in Child-Pugh C
    cirrhosis?") asks whether it is safe for them. ``paired`` says the question joins the
    intervention to a co-medication ("X with Y", "add X to Y"): with a safety ask, an interaction.
    ``other_background`` says the patient has a condition besides the one treated ("Naproxen for
    a flare in heart failure?"): with no explicit ask, the question is whether it is safe for them.
    """
    intent, attribute, how = _classify(question, population, has_intervention, has_current, substances=substances, treats=treats, background=background, paired=paired, other_background=other_background)
    # the shape is read from the asking clause's words (curbside.qa.shape); the one thing the
    # reading of the ask adds is a body weight stated for a dose ("Apixaban for AF on
    # hemodialysis, 75 kg?" asks for the dose though it names none)
    yes_no = is_yes_no(question, value_asked=how == "weight")
    return intent, attribute, yes_no, how


def _classify(
    question: str,
    population: Sequence[str],
    has_intervention: bool,
    has_current: bool,
    *,
    substances: int,
    treats: bool,
    background: bool,
    paired: bool = False,
    other_background: bool = False,
) -> tuple[str, str, str]:
    clause = ask_clause(question)
    story_end = len(question) - len(clause)
    clause_asks = story_end > 0 and not _GENERIC_ASK.match(clause) and any(
        p.search(question, story_end) for _i, a, p in _RULES if a != "safety"
    )
    for intent, attribute, pattern in _RULES:
        m = pattern.search(question)
        if not m:
            continue
        if attribute == "screening" and _VACCINE_ASK.search(question) and not _TEST_WORD.search(question):
            return "other", "timing", "ask"  # "Shingrix before starting tofacitinib?": when to vaccinate
        if attribute == "first-line choice" and _PROPHYLAXIS_ASK.search(question):
            return "choice", "prophylaxis", "ask"  # "Which antivirals prevent CMV after a transplant?": the choice of prophylaxis
        if attribute in ("monitoring", "screening") and _ACT_ON_DRUG_ASK.match(clause) and not pattern.search(question[:story_end] + " " + _LATER_CLAUSE.sub(" ", clause)):
            continue  # "Can I restart it once the LFTs normalise?": whether to restart, not what to test
        if attribute == "monitoring" and _BEFORE_STARTING.search(clause):
            attribute = "screening"  # "Do I need a QuantiFERON before giving it?": a test before starting screens
        if attribute == "timing" and _TEST_VERB.search(clause) and not re.search(r"\b(?:hold|stop|restart|resume|start|give|vaccinat\w*)\b", clause, re.I):
            continue  # "Urate check how soon after changing the dose?": when to test is monitoring
        if attribute == "timing" and _HOW_LONG_ON.search(question):
            continue  # "How long should colchicine prophylaxis continue after starting allopurinol?": a duration
        if attribute == "dose" and not pattern.search(_DOSE_AS_MANNER.sub(" ", question)):
            continue  # "can I rechallenge at a low dose?" asks whether, not which dose
        if intent == "population" and _CHOICE_RULE_EARLY.search(clause) and _WH_OPEN.search(clause):
            continue  # "Which antihypertensive in pregnancy?" asks for a choice (the ask decides first)
        if clause_asks and m.end() <= story_end and intent != "population":
            m = pattern.search(question, story_end)
            if not m:
                continue  # the words lie in the patient's story ("on routine labs"), and the asking clause asks something of its own
        if intent == "contraindication" and story_end > 0 and m.end() <= story_end and not pattern.search(question, story_end):
            continue  # "71-year-old in whom NSAIDs are contraindicated: is canakinumab safe?": the story, not the ask
        if intent == "contraindication" and _CHOICE_RULE_EARLY.search(clause) and _WH_OPEN.search(clause):
            continue  # "What do people use for a flare when everything is contraindicated?" asks for a choice
        if attribute == "pregnancy" and re.search(r"\bbreast-?\s?feed\w*|\blactat\w*|\bnursing\b", question, re.I) and not re.search(r"pregnan|contracep|conceive|father", question, re.I):
            attribute = "lactation"
        if intent == "comparison" and not has_intervention:
            continue
        if intent == "interaction" and substances < 2:
            continue  # "gout flare plus cellulitis": one drug combines with nothing
        if attribute == "prophylaxis" and has_intervention and _SAFETY_ASK.search(clause):
            continue  # "topiramate for migraine prevention with metformin: OK?", "any problem adding colchicine prophylaxis?" ask whether it is safe
        if attribute == "adverse effects" and has_intervention and has_current and _NAMED_EFFECT_RISK.search(clause):
            return "interaction", "interaction", "ask"  # "Lithium patient needing ibuprofen — toxicity risk?"
        if attribute == "safety" and has_intervention:
            # "Is it safe in pregnancy?" asks about use in a population; "on X, OK to start Y?" about an interaction
            asked_pop = _asked_population(question, population)
            if asked_pop:
                return "population", asked_pop, "ask"
            if has_current and (paired or _COMBINATION_ASK.search(question) or _NAMED_EFFECT_RISK.search(clause)):
                # "Y with X?", "add Y to X", "Y plus X": the question takes the two as a pair; "can I
                # add Y for someone on X?" asks about Y for this patient (safety), whose answer the
                # safety sweep still checks against X
                return "interaction", "interaction", "ask"
        return intent, attribute, "ask"
    asked_pop = _asked_population(question, population)
    if asked_pop and has_intervention:
        return "population", asked_pop, "population"
    effect_only = clause != question and _EFFECT_ONLY.match(clause) and not _GENERIC_ASK.match(clause)
    if has_intervention and has_current and (paired or _COMBINATION_ASK.search(question) or _MANAGE_ASK.search(question) or effect_only):
        return "interaction", "interaction", "pair"  # "On warfarin, needs Bactrim. What should I do?"
    if has_intervention and has_current:
        return "safety", "safety", "patient"  # "Y in a patient on X?": Y for this patient
    if has_intervention and _WEIGHT.search(question):
        # "Apixaban for AF in a 70-year-old on hemodialysis, 75 kg?": the weight is stated for the dose
        if _RISK_POPULATIONS.intersection(population) & {"ckd", "dialysis"}:
            return "dose_adjustment", "renal dose", "weight"
        return "dose", "dose", "weight"
    if has_intervention and _BARE_ASK.match(ask_clause(question)) and ask_clause(question) != question and not _RISK_POPULATIONS.intersection(population):
        return "indication", "indication", "bare"  # "EF 30% after three months of GDMT. ICD?": whether to give it
    if has_intervention and (not treats or other_background or _RISK_POPULATIONS.intersection(population)) and (background or population):
        return "safety", "safety", "background"  # "Apixaban in Child-Pugh C cirrhosis?", "Sirolimus right after a lung transplant?"
    if has_intervention:
        return "indication", "indication", "treats"  # "Steroids for severe CAP?", "Statin?"
    return "choice", DEFAULT_ATTRIBUTE, "none"


_CONVERSION = re.compile(r"\b(?:switch\w*|conver\w*|chang\w*|same\s+dose|milligram\s+for\s+milligram|mg\s+for\s+mg|equivalent|start\s+of|cover\s+the\s+start)\b", re.I)
"""A dose question about moving between drugs or covering the start of another ("Myfortic to
CellCept milligram for milligram?") asks a dose, not an adjustment for a co-medication."""
_MANAGE_ASK = re.compile(r"\bwhat\s+(?:should|do|would)\s+(?:i|we|you)\s+do\b|\bwhat\s+to\s+do\b|\bhow\s+(?:do|should)\s+(?:i|we)\s+(?:handle|manage)\s+(?:this|that|it|the\s+combination)\b", re.I)
"""Asking what to do about the situation the story describes: with a co-medication named, what to do
about the pair (the intent convention: an interaction)."""
_RISK_POPULATIONS = frozenset({"ckd", "dialysis", "hepatic impairment", "transplant"})
"""Patient groups in which a drug's safety is the question even when the question names what it
treats ("Naproxen for a flare with eGFR 22?")."""
_BARE_ASK = re.compile(r"^\W*(?:and\s+)?(?:an?\s+|the\s+)?(?!(?:add|start|give|use|try|stop|continue|keep|switch|restart|hold)\b)[\w/-]+(?:\s+[\w/-]+)?\s*\?\s*$", re.I)
"""An asking clause that is only a name after the patient's story ("... NYHA II. ICD?"): it asks
whether to give it."""
_CHILD_AGE = re.compile(r"\b(?:for|in|to)\s+(?:a|an|my|this|the)?\s*(\d{1,2})[- ]?(?:year|yr|y)s?[- ]?(?:old|o)\b", re.I)
ADULT_AGE = 18
"""Under 18 is a child (the frame convention of evals/sets/README.md)."""


def _asks_about_a_child(question: str) -> bool:
    """A child word, or a child's age as whom the question is for ("OK for a 15-year-old?")."""
    if re.search(r"\b(?:child|children|kid|kids|paediatric|pediatric|infant|toddler|neonate|adolescent|teen\w*)\b(?![-\s]?pugh)", question, re.I):
        return True
    age = find_age(question)
    return any(int(m.group(1)) < ADULT_AGE for m in _CHILD_AGE.finditer(question)) or (age is not None and age < ADULT_AGE)


def _asked_population(question: str, population: Sequence[str]) -> str | None:
    """The population the question asks about ("in pregnancy?", "while breastfeeding?", "in a
    child?", "for a 15-year-old?"). An adult's age alone describes the patient; it does not make the
    question about older adults."""
    for pop in population:
        attr = _POPULATION_ASK.get(pop)
        if not attr:
            continue
        if pop == "child" and not _asks_about_a_child(question):
            continue
        if pop == "older adult" and not re.search(r"\b(?:elderly|older\s+(?:adults?|patients?|people|person)|geriatric|the\s+old|frail)\b", question, re.I):
            continue  # an age alone describes the patient
        return attr
    return None


_NEW_CONDITION = re.compile(r"\b(?:new|acute|fresh|newly\s+diagnosed|diagnosed|first|recurrent|a\s+flare\s+of|treat(?:ing)?)\s+(?:\w+\s+){0,2}$", re.I)
_TREATED_AFTER = re.compile(r"^\s*(?:\w+\s+)?(?:flares?|attacks?|prophylaxis|treatment|therapy|dose|dosing|exacerbations?|episode)\b", re.I)


def _indication(question: str, conditions: Sequence[str], asked_conditions: Sequence[str]) -> str | None:
    if asked_conditions:
        return asked_conditions[0]
    for name, pattern in _CONDITION_PATTERNS:
        if name not in conditions:
            continue
        for hit in pattern.finditer(question):
            if _NEW_CONDITION.search(question[max(0, hit.start() - 30) : hit.start()]) or _TREATED_AFTER.match(question[hit.end() : hit.end() + 25]):
                return name  # "a new DVT", "acute gout", "gout prophylaxis": the condition being treated
    m = _INDICATION.search(question)
    if m:
        phrase = m.group(1).strip()
        has, _ = find_conditions(phrase)
        if has:
            return has[0]
    return None


def stated_indication(question: str) -> str | None:
    """The condition the question says is being treated ("a new DVT", "acute gout", "for AF"), not
    one guessed from the patient's conditions (:func:`_treated_condition`): "72-year-old with AF and
    hypertension - start warfarin?" states none, and hypertension is not what warfarin is for."""
    has, asked = find_conditions(question)
    return _indication(question, has, asked)


def _treated_condition(intent: str, conditions: Sequence[str]) -> str | None:
    """For a choice question ("what do I give a transplant patient with gout?") the condition
    being treated is the patient's condition that is not a background state."""
    if intent not in ("choice", "comparison", "indication"):
        return None
    for cond in conditions:
        if "transplant" not in cond and cond not in ("chronic kidney disease", "end-stage kidney disease", "liver disease"):
            return cond
    return None


_AS_THE_ROLE = re.compile(r"\bas\s+(?:the|a|an|his|her|their|my)?\s*(?:first|initial|second|next|only|main|sole|add-on)?[\s-]*$", re.I)


def _names_the_role(question: str, mentions: Sequence[Mention], name: str) -> bool:
    """``name`` is mentioned as the role the intervention would take ("as the first urate-lowering
    drug", "as an add-on anticoagulant"), not as a treatment of its own."""
    return any(generic == name and _AS_THE_ROLE.search(question[:start]) for start, _end, _surface, generic in mentions)


def asked_procedure(question: str, procedures: Sequence[Mention]) -> str | None:
    """The non-drug intervention (device, procedure, test, therapy) a question asks about, when it
    names no drug to start: the first one named that is not the patient's history ("had a
    colonoscopy", "positive FIT", "after an ablation") unless the question asks about it again
    ("when's the next one?")."""
    for start, end, _surface, name in sorted(procedures):
        head = question[max(0, start - 45) : start]
        if _PAST_OR_EXCLUDED.search(head):
            continue
        reported = _RESULT_BEFORE.search(head) or _RESULT_AFTER.match(question[end : end + 30]) or _EVENT_AFTER.match(question[end : end + 30])
        if reported and not _ASKED_AGAIN.search(question[end:]):
            continue
        return name
    return None


_RESULT_BEFORE = re.compile(r"\b(?:positive|negative|abnormal|normal|unremarkable|recent|prior|previous|last|had\s+(?:a|an|the)|after\s+(?:a|an|the|his|her))\s+(?:\w+\s+)?$", re.I)
_RESULT_AFTER = re.compile(r"^\s*(?:came\s+back|showed|was\s+(?:normal|negative|positive|abnormal)|results?\b)", re.I)
_EVENT_AFTER = re.compile(r"^\s*(?:is\s+|was\s+)?(?:planned|scheduled|booked|tomorrow|today|next\s+(?:week|month)|coming\s+up)\b", re.I)
"""A procedure named as an event of the story ("ablation planned", "colonoscopy tomorrow")."""
_ASKED_AGAIN = re.compile(r"\b(?:next\s+one|repeat\w*|again|another\s+one)\b", re.I)


_AWAITING_TRANSPLANT = re.compile(
    r"\bwait(?:ing)?[\s-]?list\w*|\bawait\w*\s+(?:an?\s+|the\s+|his\s+|her\s+|their\s+)?(?:[\w-]+\s+){0,2}transplant|"
    r"\bpre-?(?:transplant|tx)\b|\b(?:transplant|tx)\s+candidates?\b|\bcandidates?\s+for\s+(?:an?\s+)?(?:[\w-]+\s+){0,2}(?:transplant|tx)\b",
    re.I,
)
"""A patient who is to have a transplant ("on the kidney transplant waiting list", "awaiting a liver
transplant", "a transplant candidate", "kidney tx candidate")."""
_TRANSPLANTED = re.compile(
    r"\b(?:after|post-?|since)\s*(?:(?:a|an|the|his|her|their)\s+)?(?:[\w-]+\s+){0,2}transplant|\brecipients?\b|\btransplanted\b", re.I
)


def awaiting_transplant(question: str | None) -> bool:
    """Does the question describe a patient still awaiting a transplant (and not one who has had it)?"""
    return bool(question and _AWAITING_TRANSPLANT.search(question) and not _TRANSPLANTED.search(question))


def awaiting_transplant_read(frame: QuestionFrame, question: str | None) -> QuestionFrame:
    """The frame of a patient still awaiting a transplant: the question names the transplant ("on
    the kidney transplant waiting list", "kidney tx candidate"), but the patient has not had it, so
    it is neither their condition nor their population, and what the library says of transplant
    recipients is not yet about them (what it says of candidates is: "give live vaccines at least 4
    weeks before transplant"). Applied when the frame is read, and again by the sweep for frames
    built elsewhere (a follow-up's carried frame)."""
    if not awaiting_transplant(question):
        return frame
    return frame.model_copy(update={
        "conditions": [c for c in frame.conditions if "transplant" not in c],
        "population": [p for p in frame.population if p != "transplant"],
        "implied_population": [p for p in frame.implied_population if p != "transplant"],
    })


def build_frame(
    question: str, mentions: Sequence[Mention], context: PatientContext, classes_of: object = None,
    procedures: Sequence[Mention] = (),
) -> QuestionFrame:
    """The frame of one question on its own (see the module docstring).

    ``procedures`` are the non-drug interventions the question names
    (:func:`curbside.ingest.interventions.find_interventions`): one of them is the intervention when
    the question names no drug to start ("EF 30% after three months of GDMT. ICD?").
    """
    interventions, current, comparator, linked = assign_roles(question, mentions)
    procedure = None if interventions else asked_procedure(question, procedures)
    if procedure is not None and current and kind_of(procedure) in ("test", "procedure"):
        procedure = None  # "On warfarin, needs a colonoscopy. Bridge?" asks about the drug, around the procedure
    has, asked_conditions = find_conditions(question)
    population = find_population(question, context.age, context.pregnant)
    if "transplant" in population and not any("transplant" in c for c in has):
        has.append("solid organ transplant")
    treated = _indication(question, has, asked_conditions)
    intent, attribute, yes_no, how = read_ask(
        question, population, bool(interventions) or procedure is not None, bool(current),
        substances=len({m[3] for m in mentions}), treats=treated is not None, background=bool(has),
        other_background=any(c != treated for c in has),
        paired=bool(linked),
    )
    classified = intent
    intervention = interventions[0] if interventions else procedure
    member = _member_in_ask(question, mentions, intervention)
    if member is not None:
        # "Needs abx for a UTI. Cipro OK?": the story names the kind of drug needed, the asking
        # clause the one proposed
        interventions = [member, *(d for d in interventions if d not in (member, intervention))]
        intervention = member
    asked = _other_drug_in_ask(question, mentions, intervention, current) if member is None and _continued_in_ask(question, mentions) is None else None
    if asked is not None and intervention is not None:
        # "Starting allopurinol: does he need colchicine cover?": the story's drug is the occasion,
        # the asking clause's drug is asked about
        first = min(m[0] for m in mentions if m[3] == intervention)
        if re.search(r"\b(?:started|began|begun|was\s+put\s+on|has\s+been\s+on|been\s+on|completed|finished|took)\s+(?:\w+\s+){0,3}$", question[max(0, first - 40) : first], re.I):
            current = [*current, intervention]  # "Started Xarelto last week. Is ibuprofen OK?": taken now
        # "Starting allopurinol: does he need colchicine cover?": about to start, not yet taken
        interventions = [asked, *(d for d in interventions if d not in (asked, intervention))]
        intervention = asked
    kept = _continued_in_ask(question, mentions)
    if kept is not None and kept != intervention:
        # "Adding basal insulin — can he stay on metformin?": the asking clause is about the drug
        # kept; what the story starts joins the regimen it would be kept in
        current = [*(d for d in interventions if d != kept), *(m for m in current if m != kept)]
        interventions = [kept]
        intervention = kept
    if intent == "dose_adjustment" and intervention and len(interventions) > 1:
        # "How should I adjust azathioprine if I start allopurinol?": the dose of one drug changes
        # because of the others the question names
        current = [*current, *(d for d in interventions[1:] if d not in current)]
    if attribute in _ABOUT_A_DRUG and len(mentions) > 1:
        # "Starting allopurinol — what colchicine prophylaxis dose?": the ask attaches to a drug
        for start, end, _surface, generic in sorted(mentions):
            if _ASK_AFTER.match(question[end : end + 40]) or _ASK_BEFORE.search(question[max(0, start - 25) : start]):
                if generic != intervention:
                    if intervention:
                        current = [intervention, *(m for m in current if m != intervention)]
                    current = [m for m in current if m != generic]
                    intervention = generic
                break
    chosen = _kind_to_choose(question, mentions) if intent in ("choice", "indication", "safety", "other") else None
    if chosen is not None and chosen == intervention and comparator is None:
        # "Best anticoagulant for APS?", "First-line antiproliferative after a kidney transplant?":
        # the class names what to choose among; the member is what is asked
        if intent != "choice":
            attribute = "first-line choice"
        intent, intervention = "choice", None
    if intent == "choice" and intervention and comparator is None and _CHOOSE_AMONG.search(question):
        intervention = None  # "which anticoagulant?" asks for a choice; it names no intervention
    options = _options_offered(question, mentions)
    if len(options) > 1 and intent in ("choice", "indication", "safety", "other", "population") and not _COMPARATIVE.search(question):
        # "Pregnant with a new DVT: warfarin or heparin?", "Flare on tacrolimus: colchicine,
        # prednisone or anakinra?": a choice between the options the asking clause names. Which one
        # is the question, so no intervention is given; the options are kept so that the answer can
        # check each for this patient, and none of them is a current medication
        if intent != "choice" and not (intent == "indication" and _INDICATION_ASK.search(question)):
            intent, attribute = "choice", "first-line choice"  # "should I add X or Y?" stays whether to add one
        intervention = comparator = None
        current = [m for m in current if m not in options]
    elif intervention and comparator and (
        (intent == "choice" and re.search(r"\bor\b", question, re.I))
        or (intent in ("indication", "safety", "other", "population") and not _COMPARATIVE.search(question) and _offered_as_alternatives(question, mentions, intervention, comparator))
    ):
        # "Which is first-line, X or Y?", "New AF — DOAC or warfarin for her, given the CKD?": the
        # choice between the two named
        if intent != "choice" and not (intent == "indication" and _INDICATION_ASK.search(question)):
            intent, attribute = "choice", "first-line choice"
        options = [intervention, comparator]
        intervention = comparator = None
    else:
        options = []
    if linked and intent == "indication" and attribute == "efficacy":
        intent = "comparison"  # "Does adding X to Y improve control?" compares the pair with Y alone
    if linked and intent in ("safety", "other") and attribute in ("safety", "indication"):
        intent, attribute = "interaction", "interaction"
    if intent in ("indication", "safety") and len(interventions) > 1 and _joined(question, mentions, interventions[0], interventions[1]) and _BARE_PAIR.match(ask_clause(question)):
        intent, attribute = "interaction", "interaction"  # "Colchicine and cyclosporine?": the pair is the question
    if intent in ("dose", "dose_adjustment") and len(interventions) > 1 and intervention == interventions[0] and _joined(question, mentions, interventions[0], interventions[1]):
        # "Allopurinol + azathioprine: dose adjust?": the dose of the first, with the second taken too
        current = [*current, *(d for d in interventions[1:] if d not in current)]
        intent = "dose_adjustment"
    purposed = _given_a_purpose(question, mentions, intervention, interventions[1:]) if intent == "interaction" and intervention else None
    if purposed is not None and intervention is not None:
        # "Metformin plus topiramate for migraines — any concern?": the drug named for a purpose is
        # the one being started; the other is what the patient has
        current = [intervention, *(m for m in current if m != purposed)]
        interventions = [purposed, *(d for d in interventions if d != purposed)]
        intervention = purposed
    if intent in ("indication", "safety") and len(interventions) > 1 and _joined(question, mentions, interventions[0], interventions[1]) and (
        (_EFFECT_ONLY.match(ask_clause(question)) and ask_clause(question) != question) or re.search(r"\bbetween\s+$", question[: min(m[0] for m in mentions)], re.I)
    ):
        intent, attribute = "interaction", "interaction"  # "Colchicine + atorvastatin: myopathy?", "issues between X and Y?"
    if intervention and (attribute == "prophylaxis" or intent == "choice") and comparator is None and _STARTED_AS_CONTEXT.search(question[: min(m[0] for m in mentions if m[3] == intervention)] if any(m[3] == intervention for m in mentions) else ""):
        intervention = None  # "Best way to prevent flares when starting allopurinol?": the new drug sets the need; the prophylaxis is asked
    if intent == "interaction" and len(interventions) > 1:
        current = [*current, *(d for d in interventions[1:] if d not in current)]
    elif comparator is None and not options and len(interventions) > 1 and intent in ("comparison", "choice"):
        comparator = interventions[1]
    if comparator is not None and _names_the_role(question, mentions, comparator):
        comparator = None  # "Krystexxa as the first urate-lowering drug?": the kind of drug it would be, not another
    if intent == "choice" and intervention and comparator is None and _asked_by_wh_word(question, [*mentions, *procedures], intervention):
        intervention = None  # "On Imuran, needs urate lowering. What's the play?": the wh-word is what is asked
    if comparator is not None and intent not in ("interaction",) and _COMPARATIVE.search(question) and attribute != "alternatives":
        if intent != "comparison" and attribute not in ("efficacy", "adverse effects"):
            attribute = "efficacy"  # "Does X bleed less than Y compared head to head?" compares them
        intent = "comparison"
    elif comparator is not None and intent == "comparison":
        intent, attribute = "choice", "first-line choice"  # "DOAC or warfarin?" asks which to choose
    if intervention is None and current and yes_no_polarity(question) == "stop":
        # "Already on allopurinol and now flaring. Hold it?": the drug to stop is the one asked about
        intervention = current.pop(0)
    taken_from_current: str | None = None
    if intervention is None and current and intent != "choice" and attribute not in _NOT_ABOUT_CURRENT:
        # "How often should I check CBC on azathioprine?" names no new drug: it asks about the drug
        # the patient is on
        intervention = taken_from_current = current.pop(0)
    if attribute == "indication" and intent != "comparison" and intervention and not _INDICATION_ASK.search(question) and ("ckd" in population or "dialysis" in population):
        intent, attribute = "safety", "renal dose"  # "Metformin at eGFR 28?"
    if attribute == "indication" and intent == "indication" and intervention and treated is None and _RISK_POPULATIONS.intersection(population) and not _TREAT_WORD.search(question):
        intent, attribute = "safety", "safety"  # "Would you start Xarelto in someone with a CrCl of 12?": nothing treated, a risk group
    if intent == "indication" and attribute == "indication" and intervention and (treated or (has[0] if has else None)) in INFECTIONS and _antimicrobial(intervention) and not _INDICATION_ASK.search(question):
        # "Nitrofurantoin for pyelonephritis?", "Outpatient CAP: amoxicillin?": an infection is treated
        # in any case, so naming an antimicrobial for it asks whether it is the right pick
        intent, attribute = "choice", "first-line choice"
        if not vocab_classes_of(intervention):
            intervention = None  # "Cystitis in a healthy woman. Antibiotic?": which one is the question
    if intent == "safety" and attribute == "safety" and intervention and not current and not _RISK_POPULATIONS.intersection(population) and _BARE_START.search(ask_clause(question)):
        intent, attribute = "indication", "indication"  # "Asymptomatic hyperuricemia of 9 — start ULT?": whether to give it at all
    if intent == "safety" and attribute == "safety" and intervention and not current and not _RISK_POPULATIONS.intersection(population) and _purpose_is_the_story(question, mentions, intervention, has):
        # "Leftover colchicine for back pain. Reasonable?", "Can I add Jardiance for glucose control
        # in type 1 diabetes?": nothing about the patient but the purpose, so whether the drug is
        # for that purpose is the question
        intent, attribute = "indication", "indication"
    if intent == "dose" and attribute == "dose" and intervention is None and not current and treated is not None and re.search(r"\bregimens?\b", question, re.I):
        intent = "choice"  # "What's the regimen for CAP?" names no drug: what to give is the question
        attribute = "first-line choice"
    if intent == "dose" and attribute == "dose" and current and intervention not in current and not _CONVERSION.search(question):
        # "She's on clarithromycin. How much colchicine can I give?": the dose for a patient whose
        # co-medication changes it (the intent convention: a dose adjustment)
        intent = "dose_adjustment"
    if intent == "comparison" and attribute == "efficacy" and _HARM.search(question):
        attribute = "adverse effects"  # "How often does X cause diarrhoea compared with Y?" compares harms
    if intent == "comparison" and attribute not in ("efficacy", "adverse effects"):
        attribute = "first-line choice"
    clause_start = len(question) - len(ask_clause(question))
    in_ask = list(dict.fromkeys(g for a, _b, _s, g in sorted(mentions) if a >= clause_start))
    if intent == "dose_adjustment" and clause_start > 0 and len(in_ask) == 1 and in_ask[0] != intervention and in_ask[0] in current and intervention is not None and intervention == taken_from_current:
        # "On erythromycin ... been on colchicine 0.6 bid. Does the colchicine need to change?":
        # the one drug the asking clause names is the one whose dose may change; the story's other is why
        current = [intervention, *(m for m in current if m != in_ask[0])]
        intervention = in_ask[0]
    dosed = _dosed_current(question, mentions, current, intervention) if intent == "dose_adjustment" and not _names_in_ask(question, mentions, intervention) else None
    if dosed is not None and intervention is not None:
        # "On Eliquis 5 bid, starting itraconazole. Change anything?": the drug whose dose the
        # question states is the one whose dose may change; the new drug is why
        current = [intervention, *(m for m in current if m != dosed)]
        intervention = dosed
    if intent in ("dose", "dose_adjustment") and intervention is None and _DIET.search(question):
        intent = "other"  # "How much protein should someone with CKD 4 eat?": diet, not a drug's dose
        attribute = "dose"
    if intent == "indication" and intervention is None and not options and _TREAT_URATE.search(question):
        intervention = "urate-lowering therapy"  # "Uric acid of 10 on routine labs. Treat it?"
    if intent == "target" and intervention is None and not options:
        intervention = _therapy_of_target(question)  # "Urate goal after a kidney transplant?": the goal of urate-lowering therapy
    for_contact = intervention is not None and _for_a_contact(question, mentions, intervention)
    if for_contact and intent == "safety" and attribute == "vaccination" and _WHAT_NOW.match(ask_clause(question)):
        intent = "other"  # "Grandson got the varicella shot and now has a rash; grandma is on CellCept. What now?"
    revised = _revise_intent(question, mentions, procedures, RuleReading(
        intent=intent, attribute=attribute, classified=classified, how=how, current=bool(current),
        intervention=intervention is not None or bool(options), substances=len({m[3] for m in mentions}),
        population=tuple(population), yes_no=yes_no,
    ))
    if revised is not None:
        intent, attribute = revised  # the learned reading, where it is confident (curbside.qa.intent_model)
        if intervention is None and current and not options and intent == "safety" and yes_no and not _LEANS_ON_EARLIER.match(question):
            # "Keep the warfarin going?" read as a choice by the rules, a safety question by the
            # model: it asks about the drug the patient is on ("And in someone on clarithromycin?"
            # leans on an earlier question, whose drug the follow-up's carries)
            intervention = current.pop(0)
    if for_contact and intent == "population" and attribute in ("children", "older adults"):
        # "Can his 12-year-old daughter get Varivax?": the age is the contact's, who is given it;
        # what is asked is whether it is safe near this patient
        intent, attribute = "safety", "vaccination"
    ruled_out = ruled_out_treatments(question, mentions)
    if intervention is not None and intervention in ruled_out and intent != "choice" and _WHAT_NOW.match(ask_clause(question)):
        # "colchicine and naproxen both failed. What now?": the next treatment is asked, not the failed one's dose
        intent, attribute = "choice", "alternatives"
    if intent == "choice" or attribute in ("alternatives", "first-line choice"):
        # "can't take colchicine, NSAIDs or steroids. What's left?": what to choose is something else
        if attribute == "alternatives" and _ASKS_FOR_ANOTHER.search(question):
            # "Febuxostat after an MI - what should I use instead?": the drug named is the one replaced
            ruled_out += [m[3] for m in sorted(mentions) if m[3] not in ruled_out and m[3] != intervention and m[3] not in current and m[3] not in options and m[3] != comparator]
        if intervention in ruled_out:
            intervention = None  # "colchicine, naproxen and pred all failed. Next?" asks for another
        if comparator in ruled_out:
            comparator = None
    qualifier = renal_qualifier(question) if attribute == "renal dose" else None
    classes: list[str] = []
    if intervention and callable(classes_of):
        classes = list(classes_of(intervention))
    explicit = bool(intervention) or (attribute not in _DRUG_ATTRIBUTES and not (attribute == DEFAULT_ATTRIBUTE and not _CHOICE_RULE.search(question)))
    return awaiting_transplant_read(QuestionFrame(
        ask_explicit=explicit,
        intent=intent,
        intervention=intervention,
        comparator=comparator,
        options=options,
        intervention_classes=classes,
        for_contact=for_contact,
        current_medications=current,
        conditions=has,
        population=population,
        asked_attribute=attribute,
        qualifier=qualifier,
        indication=treated or _treated_condition(intent, has),
        yes_no=yes_no,
        ruled_out=ruled_out,
        kidney_value=renal_value(question),
    ), question)


IntentReviser = Callable[[Mapping[str, float], RuleReading], "tuple[str, str] | None"]
"""Given a question's features and the rules' reading, an (intent, attribute) to use instead, or None."""
_REVISER: list[IntentReviser | None] = []
"""A reviser set by :func:`intent_reviser_in_use` (training reads the features through it)."""


@contextmanager
def intent_reviser_in_use(reviser: IntentReviser | None) -> Iterator[None]:
    """Build frames with ``reviser`` instead of the bundled intent model (None: the rules alone)."""
    _REVISER.append(reviser)
    try:
        yield
    finally:
        _REVISER.pop()


def _revise_intent(question: str, mentions: Sequence[Mention], procedures: Sequence[Mention], rules: RuleReading) -> tuple[str, str] | None:
    """The learned intent where it is confident enough to replace the rules' (see
    :mod:`curbside.qa.intent_model`): drugs and procedures are masked, so the wording decides."""
    if _REVISER:
        reviser = _REVISER[-1]
    else:
        model = load_intent_model()
        reviser = model.revise if model is not None else None
    if reviser is None:
        return None
    spans = [(m[0], m[1], "DRUG") for m in mentions] + [(p[0], p[1], "PROC") for p in procedures]
    return reviser(intent_features(question, spans, rules), rules)


_CHOOSER = re.compile(r"\b(?:which|what|best|preferred|first[- ]line|first[- ]choice|go-to|initial|safest)\s+(?:(?:oral|iv|inhaled|topical|empiric(?:al)?|single|one)\s+)?$", re.I)


def _kind_to_choose(question: str, mentions: Sequence[Mention]) -> str | None:
    """A drug class named as the kind to choose from ("which statin", "best anticoagulant for",
    "first-line antiproliferative"): asking for one of its members, not about the class."""
    for start, _end, surface, generic in sorted(mentions):
        if _CHOOSER.search(question[max(0, start - 30) : start]) and any(c[0] == 0 and c[1] == len(surface) for c in find_classes(surface)):
            return generic
    return None


INFECTIONS = frozenset({"pneumonia", "urinary tract infection", "tuberculosis", "cytomegalovirus", "pneumocystis", "hepatitis b", "active infection"})
"""Conditions of :data:`CONDITION_TERMS` that are infections (treated with an antimicrobial)."""
ANTIMICROBIAL_CLASSES = frozenset({"antibiotic", "antiviral", "antifungal", "antimicrobial", "antibacterial"})
"""Broad classes (of the shared vocabulary) that make a drug an antimicrobial."""


def _antimicrobial(name: str) -> bool:
    """A drug of an antimicrobial class, or such a class itself ("antibiotic")."""
    return name in ANTIMICROBIAL_CLASSES or bool(ANTIMICROBIAL_CLASSES.intersection(vocab_classes_of(name)))


_BARE_START = re.compile(r"^\W*(?:and\s+|so\s+)?(?:start|begin|add|initiate|offer|treat\s+with)\s+(?:an?\s+|the\s+)?[\w/-]+(?:\s+[\w/-]+)?\s*\?\s*$", re.I)
"""An asking clause that only proposes a drug ("... — start ULT?"): whether to give it."""
_TREAT_WORD = re.compile(r"\b(?:for|treat\w*|prevent\w*|prophyla\w*|indicat\w*|benefit\w*|help|work|qualif\w*|candidate)\b", re.I)
"""Words that name a purpose: a question with none asks whether the drug may be used at all."""


_TARGET_THERAPY: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:serum\s+)?(?:urate|uric\s+acid|sua)\b", re.I), "urate-lowering therapy"),
    (re.compile(r"\binrs?\b", re.I), "warfarin"),
)
"""Measured values whose target is the target of one therapy: a serum urate goal is what
urate-lowering therapy is titrated to (treat-to-target), and the INR measures vitamin K antagonist
anticoagulation (warfarin is the one in the alias table). Blood pressure, LDL or A1c targets belong
to no single therapy, so they name none."""


def _therapy_of_target(question: str) -> str | None:
    for pattern, therapy in _TARGET_THERAPY:
        if pattern.search(question):
            return therapy
    return None


_CONTACT = (
    r"(?:grand)?(?:sons?|daughters?|child(?:ren)?|kids?)|grandkids?|grandchild(?:ren)?|grandbab(?:y|ies)|"
    r"husband|wife|spouse|partner|boyfriend|girlfriend|siblings?|brothers?|sisters?|baby|newborn|"
    r"household(?:\s+(?:contacts?|members?))?|family(?:\s+members?)?|close\s+contacts?|caregivers?|carers?|roommates?|"
    r"(?:grand)?(?:ma|pa|mother|father|mom|mum|dad)"
)
_OF_THE_PATIENT = r"(?:\s+of\s+(?:a|an|the|my|his|her|this)(?:\s+[\w-]+){1,5}?)?"
_CONTACT_RECEIVES = re.compile(
    r"(?:(?:^|[.;:!?—–]\s*)(?:(?:the|his|her|their|my|a|an)\s+)?|\b(?:the|his|her|their|my|a|an)\s+)(?:" + _CONTACT + r")(?:'s)?" + _OF_THE_PATIENT + r"\s+"
    r"(?:(?:just|recently|also)\s+)?(?:got|gets|get|getting|had|has\s+had|have|received|receives?|receiving|(?:is|are|was|were)\s+(?:getting|having|due\s+for|given)|"
    r"due\s+for|needs?|need\s+to\s+get|can\s+get|be\s+given)\s+(?:(?:a|an|the|his|her|their|its)\s+)?(?:[\w-]+\s+){0,2}?$"
    r"|\b(?:" + _CONTACT + r")'s\s+(?:[\w-]+\s+)?$"
    r"|\b(?:can|could|should|may)\s+(?:the|his|her|their|my|a|an)\s+(?:[\w-]+\s+)?(?:" + _CONTACT + r")" + _OF_THE_PATIENT + r"\s+(?:get|have|receive|be\s+given)\s+(?:(?:a|an|the)\s+)?(?:[\w-]+\s+){0,2}?$"
    r"|\b(?:" + _CONTACT + r")\s+(?:getting|receiving|who\s+(?:got|gets|received|is\s+getting))\s+(?:(?:a|an|the|his|her|their)\s+)?(?:[\w-]+\s+){0,2}?$",
    re.I,
)
_WHAT_NOW = re.compile(r"^\W*(?:and\s+|so\s+)?what\s+(?:now|next|then|do\s+(?:i|we)\s+do|should\s+(?:i|we|she|he)\s+do)\W*$", re.I)
_CONTACT_IS_PATIENT = re.compile(
    r"\b(?:his|her|their|my)\s+(?:" + _CONTACT + r")\s+(?:is|was|has\s+been|has|had)\s+(?:on\b|taking\b|a\s+(?:[\w-]+\s+)?transplant|"
    r"immunosuppressed|immunocompromised|(?:just\s+)?(?:had\s+)?(?:a\s+)?(?:kidney|liver|heart|lung|bone\s+marrow|stem\s+cell)\s+transplant|getting\s+chemo)",
    re.I,
)
"""Who receives the intervention when it is not the patient: someone close to the patient named as
receiving it ("Grandson got the varicella shot", "can the kids of a transplant patient get MMR?",
"her husband's flu vaccine"), or the person with the illness named as a relative of whoever would
receive it ("Her son is on CellCept after a liver transplant. Can she get the nasal flu vaccine?")."""


def _for_a_contact(question: str, mentions: Sequence[Mention], intervention: str) -> bool:
    """The intervention is given to someone close to the patient, not to the patient."""
    starts = [start for start, _end, _surface, generic in mentions if generic == intervention]
    if any(_CONTACT_RECEIVES.search(question[max(0, start - 90) : start]) for start in starts):
        return True
    return bool(_CONTACT_IS_PATIENT.search(question)) and any(
        re.search(r"\b(?:can|could|should|may)\s+(?:she|he|i|they|we)\s+(?:get|have|receive|be\s+given)\b", question[max(0, start - 40) : start], re.I)
        for start in starts
    )


_FOR_PURPOSE = re.compile(
    r"^\s*(?:\([^)]*\)\s*)?for\s+(?:(?:his|her|their|the|a|an|new|acute|chronic)\s+)*"
    r"(?!(?:him|her|them|someone|somebody|patients?|\d+|years?|months?|weeks?|days?|life|now|a\s+while|long|several|many|a\s+few|ages)\b)[a-z]",
    re.I,
)
"""A purpose written after a drug ("for back pain", "for glucose control"), not a person or a time."""
_PATIENT_DETAIL = re.compile(r"\b(?:who|with|whose|carr(?:y|ies|ier)|has|had|history)\b|\b(?:in|to)\s+(?:a|an|the|my|this|his|her|someone|somebody)\b", re.I)
"""Words that describe the patient beyond the purpose ("in a diabetic", "who carries ...")."""


def _names_in_ask(question: str, mentions: Sequence[Mention], name: str | None) -> bool:
    """The asking clause (the whole question when it tells no story first) names ``name``."""
    clause_start = len(question) - len(ask_clause(question))
    return any(generic == name and start >= clause_start for start, _end, _surface, generic in mentions)


def _purpose_is_the_story(question: str, mentions: Sequence[Mention], intervention: str, conditions: Sequence[str]) -> bool:
    """The intervention is written with a purpose ("X for back pain") and every condition of the
    patient is named within that purpose ("for glucose control in type 1 diabetes")."""
    ends = [end for _start, end, _surface, generic in mentions if generic == intervention]
    if not ends or not _FOR_PURPOSE.match(question[ends[0] : ends[0] + 40]):
        return False
    if find_age(question) is not None or _PATIENT_DETAIL.search(question):
        return False  # "in a patient with heart failure", "41-year-old who carries HLA-B*58:01": a patient described
    story = question[: ends[0]]
    return not any(p.search(story) for name, p in _CONDITION_PATTERNS if name in conditions)


def _given_a_purpose(question: str, mentions: Sequence[Mention], intervention: str, current: Sequence[str]) -> str | None:
    """The one co-medication written with the purpose it is for ("topiramate for migraines") when
    the intervention is written with none."""
    after = {generic: question[end : end + 40] for _start, end, _surface, generic in sorted(mentions, reverse=True)}
    if intervention not in after or _FOR_PURPOSE.match(after[intervention]):
        return None
    named = [m for m in current if m in after and _FOR_PURPOSE.match(after[m])]
    return named[0] if len(named) == 1 else None


_EFFECT_ONLY = re.compile(r"^\W*(?:any\s+|what\s+about\s+)?[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}\s*\?\s*$", re.I)
"""An asking clause of a word or two after a pair of drugs ("...: myopathy?"): the effect of the pair."""
_STARTED_AS_CONTEXT = re.compile(r"\b(?:when|while|as|once|after)\s+(?:i\s+|we\s+|you\s+)?(?:start\w*|begin\w*|initiat\w*)\s+(?:the\s+|his\s+|her\s+)?$", re.I)
"""A drug named as what is being started ("when starting allopurinol"): the occasion of the question."""
_DIET = re.compile(r"\bhow\s+much\s+(?:dietary\s+)?(?:protein|salt|sodium|fluids?|water|alcohol|caffeine|fib(?:re|er)|sugar|carbs?|carbohydrates?|exercise)\b", re.I)
"""A quantity of food, drink or exercise: no drug's dose."""
_TREAT_URATE = re.compile(r"\b(?:urate|uric\s+acid|hyperuric\w*)\b[^?]*\btreat\w*", re.I)
"""Treating a raised urate is urate-lowering therapy."""


def _other_drug_in_ask(question: str, mentions: Sequence[Mention], intervention: str | None, current: Sequence[str]) -> str | None:
    """The one drug the asking clause names when the intervention is named only in the story."""
    if intervention is None:
        return None
    clause_start = len(question) - len(ask_clause(question))
    if clause_start == 0 or any(generic == intervention and start >= clause_start for start, _end, _surface, generic in mentions):
        return None
    named = list(dict.fromkeys(generic for start, _end, _surface, generic in sorted(mentions) if start >= clause_start and generic not in current))
    return named[0] if len(named) == 1 else None


def _member_in_ask(question: str, mentions: Sequence[Mention], intervention: str | None) -> str | None:
    """A drug of the asking clause that belongs to the class the story names as the intervention."""
    if intervention is None:
        return None
    clause_start = len(question) - len(ask_clause(question))
    if clause_start == 0 or any(generic == intervention and start >= clause_start for start, _end, _surface, generic in mentions):
        return None
    for start, _end, _surface, generic in sorted(mentions):
        if start >= clause_start and generic != intervention and intervention in vocab_classes_of(generic):
            return generic
    return None


_CONTINUE_CUE = re.compile(
    r"\b(?:stay|remain|continu\w*|carry\s+on|keep\s+(?:him|her|them)\s+on|keep\s+(?:taking|using|giving|going\s+with)|"
    r"still\s+(?:take|use|give|have)|leave\s+(?:him|her|them)\s+on)\s+(?:on\s+|with\s+)?(?:his|her|their|the)?\s*$",
    re.I,
)


def _continued_in_ask(question: str, mentions: Sequence[Mention]) -> str | None:
    """The drug the asking clause asks to keep ("... — can he stay on metformin?", "Should she
    continue the tamoxifen?") when a story comes before it: that drug is what is asked about."""
    clause = ask_clause(question)
    story_end = len(question) - len(clause)
    if story_end == 0:
        return None
    for start, _end, _surface, generic in sorted(mentions):
        if start >= story_end and _CONTINUE_CUE.search(question[max(story_end, start - 40) : start]):
            return generic
    return None


_DOSE_STATED = re.compile(
    r"^\s*(?:(?:SR|XR|ER|CR|XL|LA)\s+)?\(?\d+(?:\.\d+)?\s*(?:mg|mcg|µg|g|units?)?(?:\s*(?:bid|b\.i\.d\.|tid|qid|qd|od|daily|"
    r"twice\s+(?:a\s+)?daily|once\s+(?:a\s+)?daily|a\s+day|q\d+h|weekly|prophylaxis))?\b",
    re.I,
)
"""A dose written right after a drug's name ("Eliquis 5 bid", "colchicine 0.6 bid", "tacrolimus 3 mg")."""


def _dosed_current(question: str, mentions: Sequence[Mention], current: Sequence[str], intervention: str | None) -> str | None:
    """The one current medication whose dose the question states, when the intervention's is not."""
    dosed = {generic for _start, end, _surface, generic in mentions if _DOSE_STATED.match(question[end : end + 30])}
    if intervention in dosed:
        return None
    candidates = [m for m in current if m in dosed]
    return candidates[0] if len(candidates) == 1 else None


def _asked_by_wh_word(question: str, mentions: Sequence[Mention], intervention: str) -> bool:
    """A choice whose asking clause is a wh-question that does not name the intervention ("...
    needs urate lowering. What's the play?"): what the wh-word stands for is asked, and the
    treatment named in the story is the need, not the answer."""
    clause = ask_clause(question)
    story_end = len(question) - len(clause)
    if story_end == 0 or not _WH_OPEN.search(clause):
        return False
    spans = [start for start, _end, _s, generic in mentions if generic == intervention]
    return bool(spans) and all(start < story_end for start in spans)


_BARE_PAIR = re.compile(r"^\W*(?:and\s+)?(?:[\w/-]+\s+){0,3}?[\w/-]+\s+(?:and|\+|&|with|plus)\s+(?:[\w/-]+\s*){1,4}\?\s*$", re.I)
"""An asking clause that only names two substances joined ("Colchicine and cyclosporine?")."""


def _between(question: str, mentions: Sequence[Mention], first: str, second: str) -> str | None:
    """The text between the first mentions of two substances, in question order (None: one is absent)."""
    spans = {generic: (start, end) for start, end, _s, generic in sorted(mentions, reverse=True)}
    if first not in spans or second not in spans:
        return None
    (_a0, a1), (b0, _b1) = sorted([spans[first], spans[second]])
    return question[a1:b0]


def _joined(question: str, mentions: Sequence[Mention], first: str, second: str) -> bool:
    """The question joins the two directly ("allopurinol + azathioprine", "X and Y")."""
    gap = _between(question, mentions, first, second)
    return gap is not None and bool(re.fullmatch(r"\s*(?:\+|plus|and|&|with)\s*", gap, re.I))


_OPTION_GAP = re.compile(r"\s*(?:,\s*(?:or\s+)?|or\s+|/\s*)(?:an?\s+|the\s+)?", re.I)
_OPTIONS_END = re.compile(r"^\s*(?:\([^)]*\)\s*)?(?:(?:for|in|to|with)\s+(?:him|her|them|this\s+\w+|the\s+\w+|a\s+\w+)\s*)?(?:first|then|now|here|instead)?\s*\?", re.I)


def _options_offered(question: str, mentions: Sequence[Mention]) -> list[str]:
    """The options an asking clause offers: mentions joined by "or" (with commas or slashes) that
    end the question ("warfarin or heparin?", "colchicine, prednisone or anakinra for her?")."""
    ordered = [m for m in sorted(mentions) if not _PAST_OR_EXCLUDED.search(question[max(0, m[0] - 45) : m[0]])]
    for i in range(len(ordered)):
        run = [ordered[i]]
        for nxt in ordered[i + 1 :]:
            if not _OPTION_GAP.fullmatch(question[run[-1][1] : nxt[0]]):
                break
            run.append(nxt)
        if len(run) < 2 or not _OPTIONS_END.match(question[run[-1][1] :]):
            continue
        if re.search(r"\bor\b|/", question[run[-2][1] : run[-1][0]], re.I):
            return list(dict.fromkeys(m[3] for m in run))
    return []


def _offered_as_alternatives(question: str, mentions: Sequence[Mention], first: str, second: str) -> bool:
    """The question offers the two as alternatives ("X or Y?", "X or a Y for ..."): a choice."""
    gap = _between(question, mentions, first, second)
    return gap is not None and bool(re.fullmatch(r"\s*,?\s*or\s+(?:a|an|the)?\s*", gap, re.I))


_CHOICE_RULE = next(p for i, a, p in _RULES if a == "first-line choice")
_COMPARATIVE = re.compile(r"\b(?:vs\.?|versus|compare[sd]?|better|beats?|superior|inferior|worse|against|as\s+(?:good|effective|safe)\s+as|(?:safer|riskier|gentler|stronger|weaker|faster|cheaper)\s+than|less\s+(?:risky|safe|toxic|effective)\s+than)\b", re.I)
"""Words that compare two named interventions (a comparison, not "X or Y?", which asks for a choice)."""
_HARM = re.compile(
    next(p for i, a, p in _RULES if a == "adverse effects").pattern
    + r"|\b(?:death|deaths|events?|bleed\w*|infections?|diarrh\w*|worse|safer|safety)\b",
    re.I,
)
"""Words of harm: a comparison that uses them compares adverse effects, not efficacy."""
_ABOUT_A_DRUG = frozenset({"dose", "renal dose", "duration", "monitoring", "target"})
_ASK_AFTER = re.compile(r"^\s*(?:\([^)]*\)\s*)?(?:\w+\s+){0,1}(?:dose|doses|dosing|dosage|levels?|trough|regimen)\b", re.I)
_ASK_BEFORE = re.compile(r"\b(?:dose|dosing|dosage|levels?)\s+(?:of|for)\s+$", re.I)
_CHOOSE_AMONG = re.compile(r"\b(?:which|what)\s+(?:\w+\s+)?\w+\s*(?:\b(?:for|in|to)\b|\?|$)", re.I)
_INDICATION_ASK = next(p for i, a, p in _RULES if a == "indication")
_NOT_ABOUT_CURRENT = frozenset({"vaccination", "prophylaxis", "first-line choice", "alternatives"})


# --- follow-ups ---------------------------------------------------------------------------------

_ELLIPTICAL = re.compile(
    r"^\s*(?:and|what\s+about|how\s+about|what\s+if|instead|or|also|same|then|would|could|is\s+it|"
    r"does\s+it|can\s+(?:he|she|they|i|we)|if\s+(?:he|she|they)|in\s+|during|while|for\s+(?:him|her|them)|"
    r"and\s+if|ok(?:ay)?|so)\b|\b(?:instead|this\s+patient|the\s+patient|him|her|them|that|it|same\s+patient|then)\b",
    re.I,
)
_RENAL_POPULATIONS = frozenset({"ckd", "dialysis"})
_CO_MED_FOLLOW_UP = re.compile(
    r"^\W*(?:and|but|what\s+about|how\s+about|or|what\s+if)?\s*(?:(?:if|when)\s+(?:he|she|they|the\s+patient)\s+"
    r"(?:is|are|was|were|'s)\s+(?:also\s+)?)?(?:with|on|taking|plus|alongside|together\s+with|combined\s+with)\b"
    r"|^\W*(?:and|but|what)?\s*(?:if|when)\s+(?:he|she|they|the\s+patient)\s+(?:also\s+)?(?:starts?|is\s+starting|begins?|adds?|gets?|needs?|takes?)\b"
    r"|^\W*(?:any|an|is\s+there\s+an?(?:y)?)\s+(?:interactions?|problems?|issues?|concerns?)\s+with\b"
    r"|^\W*(?:and|but|also)?\s*(?:he|she|they|the\s+patient|pt)\s*(?:'s|is|are)\s+(?:(?:also|now|already|currently)\s+){1,2}(?:on|taking)\b",
    re.I,
)
_ASKS_FOR_ANOTHER = re.compile(
    r"\b(?:what\s+else|anything\s+else|something\s+else|alternatives?|other\s+options?|substitute|what'?s\s+left|"
    r"(?:use|give|try|pick|choose|prescribe|start|switch\s+to)\s+instead)\b",
    re.I,
)
"""An ask for another treatment than the one named ("what should I use instead?", "what else?");
a bare "instead" may replace something else ("weekly instead?")."""
_INSTEAD = re.compile(r"\b(?:instead|rather|alternatively|switch\w*\s+to|(?:what|how)\s+about(?!\s+(?:with|on|taking|plus|if)\b))\b", re.I)


def is_follow_up(question: str, own: QuestionFrame) -> bool:
    """A turn that leans on the conversation: elliptical, pronouns, or names no intervention."""
    return bool(_ELLIPTICAL.search(question)) or len(question.split()) <= 7 or own.intervention is None


def carry_frame(question: str, own: QuestionFrame, earlier: Iterable[QuestionFrame]) -> QuestionFrame:
    """A follow-up's frame: the earlier patient, and the earlier intervention and intent unless the
    follow-up replaces them ("colchicine instead" replaces the intervention, "in pregnancy" sets
    the population and asks about it)."""
    base = QuestionFrame()
    for frame in earlier:
        base = _merge(base, frame, replace_intervention=frame.intervention is not None)
    if not is_follow_up(question, own) and own.intervention is not None:
        return own
    explicit_ask = _has_explicit_ask(question)
    co_medication = False
    out = base.model_copy(deep=True)
    # the patient: accumulate
    out.current_medications = list(dict.fromkeys([*base.current_medications, *own.current_medications]))
    out.conditions = list(dict.fromkeys([*base.conditions, *own.conditions]))
    out.population = list(dict.fromkeys([*base.population, *own.population]))
    out.ruled_out = list(dict.fromkeys([*base.ruled_out, *own.ruled_out]))
    if own.kidney_value is not None:
        out.kidney_value = own.kidney_value  # "Two years on, his eGFR is now 38": the latest value
    if own.intervention is not None and base.intervention and own.intervention != base.intervention and own.intervention in base.current_medications:
        # "Patient on Imuran needs allopurinol - ok?" then "What dose of azathioprine then?": the
        # drug proposed before is now taken beside the one asked about
        out.current_medications = [*out.current_medications, base.intervention]
        if own.intent == "dose":
            own = own.model_copy(update={"intent": "dose_adjustment"})  # its dose beside the new drug
    if own.intervention is None and base.intervention and own.asked_attribute == "alternatives" and _ASKS_FOR_ANOTHER.search(question):
        # "Is febuxostat OK after an MI?" then "What should I use instead?": another treatment is asked
        out.ruled_out = list(dict.fromkeys([*out.ruled_out, base.intervention]))
        out.intervention, out.intervention_classes, out.comparator = None, [], None
        out.intent, out.asked_attribute = "choice", "alternatives"
    if own.intervention is not None:
        if base.intervention and base.intervention != own.intervention and not _INSTEAD.search(question) and _CO_MED_FOLLOW_UP.search(question):
            # "And with clarithromycin?" names a co-medication of the earlier intervention
            out.current_medications = list(dict.fromkeys([*out.current_medications, own.intervention]))
            co_medication = True
        else:
            out.intervention = own.intervention
            out.intervention_classes = own.intervention_classes
            out.comparator = own.comparator  # "instead" replaces the earlier intervention
            out.options = own.options
            out.for_contact = own.for_contact  # "What about his kids getting MMR?"
            out.current_medications = [m for m in out.current_medications if m != own.intervention]
    if out.intervention is None and out.current_medications and re.search(r"\b(?:it|this|that|the\s+drug|the\s+medicine)\b", question, re.I):
        out.intervention = out.current_medications.pop(0)  # "Can she breastfeed on it?"
    if own.indication:
        out.indication = own.indication
    if explicit_ask:
        out.intent, out.asked_attribute, out.qualifier = own.intent, own.asked_attribute, own.qualifier
    # its own shape when it says how it asks; an elliptical turn asks the earlier question again
    out.yes_no = follow_up_shape(question, base.yes_no)
    new_pop = [p for p in own.population if p not in base.population]
    renal = [p for p in new_pop if p in _RENAL_POPULATIONS] or (["ckd"] if renal_value(question) is not None else [])
    if out.intent == "dose" and out.asked_attribute == "dose" and _RENAL_POPULATIONS.intersection(out.population) and explicit_ask:
        # "Is allopurinol safe in CKD 4?" then "What dose should I start at?": the dose for that kidney function
        out.intent, out.asked_attribute = "dose_adjustment", "renal dose"
        out.qualifier = renal_qualifier(question) or out.qualifier
    if renal and not explicit_ask and base.intent in ("dose", "dose_adjustment"):
        # "Anakinra dose for RA?" then "And if his CrCl is 20?": the dose for that kidney function
        out.intent, out.asked_attribute = "dose_adjustment", "renal dose"
        out.qualifier = renal_qualifier(question) or out.qualifier
    elif new_pop and not explicit_ask:
        # "What if she's pregnant?" asks about the population; "in an 80-year-old with CrCl 40?"
        # only describes the patient further (an age alone never makes the question about it)
        attr = _asked_population(question, new_pop)
        if attr:
            out.intent, out.asked_attribute = "population", attr
    if co_medication and _INTERACTION_ASK.search(question):
        out.intent, out.asked_attribute = "interaction", "interaction"  # "Any interaction with her cimetidine?"
    elif co_medication and not explicit_ask and out.intent not in ("dose", "dose_adjustment", "interaction", "monitoring"):
        # "Tacrolimus trough goal after a kidney transplant?" then "And with fluconazole on board?":
        # a follow-up that only adds a co-medication asks about the pair (the intent convention)
        out.intent, out.asked_attribute = "interaction", "interaction"
    if co_medication and out.intent == "dose" and out.asked_attribute == "dose":
        out.intent = "dose_adjustment"  # "Colchicine ppx dose?" then "He's also on Ranexa. What dose then?"
    if explicit_ask and out.intent == "dose" and out.asked_attribute == "dose" and base.intent == "interaction" and out.current_medications:
        out.intent = "dose_adjustment"  # "Is colchicine OK with atorvastatin?" then "What dose then?"
    added = [m for m in out.current_medications if m not in base.current_medications]
    if added and not explicit_ask and out.intent == "dose" and out.asked_attribute == "dose":
        out.intent = "dose_adjustment"  # "Colchicine dose for a flare?" then "And in someone on clarithromycin?"
    if own.intent == "population" and own.asked_attribute in _POPULATION_ASK.values():
        out.intent, out.asked_attribute = "population", own.asked_attribute
    if out.comparator == out.intervention:
        out.comparator = None
    return out


def _merge(base: QuestionFrame, frame: QuestionFrame, *, replace_intervention: bool) -> QuestionFrame:
    out = frame.model_copy(deep=True)
    if not replace_intervention:
        out.intervention = base.intervention
        out.intervention_classes = base.intervention_classes
    out.current_medications = list(dict.fromkeys([*base.current_medications, *frame.current_medications]))
    out.conditions = list(dict.fromkeys([*base.conditions, *frame.conditions]))
    out.population = list(dict.fromkeys([*base.population, *frame.population]))
    if out.intervention in out.current_medications:
        out.current_medications.remove(out.intervention)
    out.indication = frame.indication or base.indication
    out.ruled_out = list(dict.fromkeys([*base.ruled_out, *frame.ruled_out]))
    out.kidney_value = frame.kidney_value if frame.kidney_value is not None else base.kidney_value
    return out


def _has_explicit_ask(question: str) -> bool:
    """Does the follow-up say what it asks (a dose, monitoring, ...) rather than only 'what about X'?"""
    for _intent, attribute, pattern in _RULES:
        if attribute in ("safety",):
            continue
        if attribute == "alternatives" and re.search(r"\binstead\b", question, re.I) and not re.search(r"alternative|other option|what else", question, re.I):
            continue
        if pattern.search(question):
            return True
    return bool(re.search(r"\b(?:safe|ok(?:ay)?\s+to|risk)\b", question, re.I)) and not re.search(r"^\s*(?:what|how)\s+about\b", question, re.I)
