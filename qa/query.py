"""Query understanding: drug normalisation, patient context, question type and key terms."""

from __future__ import annotations

import re

from curbside.ingest.interventions import find_interventions
from curbside.ingest.vaccines import find_vaccines
from curbside.ingest.vocabulary import find_classes
from curbside.qa.aliases import AliasTable, expand_query
from curbside.qa.claims import MECHANISM_CLASS, classes_of, therapeutic_classes
from curbside.qa.frame import CONDITION_TERMS, build_frame, find_age
from curbside.qa.types import PatientContext, QueryAnalysis, QuestionFrame

CONDITIONS: dict[str, tuple[str, ...]] = CONDITION_TERMS

_STOP = set(
    ["a", "an", "the", "of", "in", "on", "for", "to", "with", "and", "or", "is", "are", "was", "were", "be", "been", "being", "it", "its", "this", "that", "these", "those", "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "can", "could", "should", "would", "will", "may", "might", "must", "do", "does", "did", "i", "we", "you", "he", "she", "they", "my", "our", "your", "his", "her", "their", "patient", "patients", "someone", "person", "people", "man", "woman", "year", "years", "old", "aged", "age", "safe", "safety", "start", "starting", "use", "using", "used", "give", "giving", "take", "taking", "already", "also", "any", "some", "about", "regarding", "recommended", "recommendation", "recommendations", "best", "option", "options", "treat", "treatment", "therapy", "manage", "management", "instead", "than", "then", "if", "not", "no", "yes", "there", "other", "have", "has", "had", "get", "who's", "mg", "dose", "doses", "dosing", "daily", "per", "day", "days", "week", "weeks", "month", "months"]
)
_QTYPES: list[tuple[str, re.Pattern[str]]] = [
    ("interaction", re.compile(r"\b(interact\w*|together|combin\w*|co-?administ\w*)", re.I)),
    ("dosing", re.compile(r"\b(dose|dosing|how much|mg|titrat|regimen|renal adjust)", re.I)),
    ("monitoring", re.compile(r"\b(monitor|check|follow[- ]up|lab|level|trough|how often)", re.I)),
    ("safety", re.compile(r"\b(safe|risk|contraindicat|avoid|warning|adverse|side effect|toxicit|caution)", re.I)),
    ("alternative", re.compile(r"\b(alternative|instead|other option|what else|second[- ]line)", re.I)),
    ("efficacy", re.compile(r"\b(effective|efficacy|work|benefit|reduce|outcome|trial|evidence)", re.I)),
    ("indication", re.compile(r"\b(when should|indicat|first[- ]line|treat|manage|recommend)", re.I)),
]


def extract_context(
    text: str, mentions: list[tuple[int, int, str, str]], procedures: list[tuple[int, int, str, str]] | None = None,
) -> tuple[PatientContext, QuestionFrame]:
    """Patient context and the question frame (intervention, current medications, ask).

    ``procedures`` are the non-drug interventions named (devices, procedures, tests): the frame's
    intervention when no drug is asked about."""
    ctx = PatientContext()
    low = " " + text.lower() + " "
    ctx.age = find_age(text)
    if re.search(r"\b(woman|female|girl|lady|mother|she|her)\b", low):
        ctx.sex = "female"
    elif re.search(r"\b(man|male|boy|gentleman|father|he|his)\b", low):
        ctx.sex = "male"
    if re.search(r"\bnot\s+pregnant\b", low):
        ctx.pregnant = False
    elif re.search(r"\bpregnan(t|cy)\b", low):
        ctx.pregnant = True
        ctx.sex = ctx.sex or "female"
    kidney = []
    if g := re.search(r"\be?gfr\s*(?:of|is|was|=|:|<|>|around|about|under|below)?\s*(\d{1,3})", low):
        kidney.append(f"eGFR {g.group(1)}")
    if g := re.search(r"\b(?:crcl|creatinine clearance|clcr)\s*(?:of|is|was|=|:|<|>|around|about|under|below)?\s*(\d{1,3})", low):
        kidney.append(f"CrCl {g.group(1)}")
    if g := re.search(r"\bckd\s*(?:stage\s*)?(g?[1-5][ab]?|iv|iii|ii|v)\b", low):
        kidney.append(f"CKD stage {g.group(1).upper()}")
    if re.search(r"\b(dialysis|esrd|eskd|haemodialysis|hemodialysis)\b", low):
        kidney.append("dialysis")
    ctx.kidney_function = ", ".join(kidney) or None
    frame = build_frame(text, mentions, ctx, procedures=procedures or [])
    ctx.conditions = list(frame.conditions)
    ctx.medications = list(frame.current_medications)
    return ctx, frame


TRANSPLANT_MAINTENANCE = frozenset({"calcineurin inhibitor", "mtor inhibitor", "antimetabolite immunosuppressant"})
"""Classes of maintenance immunosuppression after organ transplant (KDIGO 2009's regimen)."""


def implied_population(frame: QuestionFrame, table: AliasTable) -> list[str]:
    """A patient on transplant maintenance immunosuppression (a calcineurin or mTOR inhibitor, or two
    immunosuppressants) is most likely a transplant recipient; the answer looks for what the library
    says of transplant recipients too, and says so."""
    if "transplant" in frame.population:
        return []
    classes = [set(classes_of(table, m)) for m in frame.current_medications]
    maintenance = sum(1 for c in classes if c & TRANSPLANT_MAINTENANCE)
    if maintenance >= 2 or any(c & {"calcineurin inhibitor", "mtor inhibitor"} for c in classes):
        return ["transplant"]
    return []


def question_type(text: str) -> str:
    for name, pattern in _QTYPES:
        if pattern.search(text):
            return name
    return "general"


def key_terms(text: str, drugs: list[str]) -> list[str]:
    """Content words of the question that a relevant passage should mention (drugs excluded)."""
    words = re.findall(r"[a-z][a-z0-9-]{2,}", text.lower())
    drug_words = {w for d in drugs for w in d.split()}
    out = []
    for w in words:
        if w in _STOP or w in drug_words or w in out:
            continue
        out.append(w)
    return out


_UNKNOWN_DRUG = re.compile(
    r"\b([a-z]{3,}(?:mab|cept|kinra|tinib|ciclib|rafenib|limus|previr|buvir|tegravir|gliflozin|glutide|"
    r"gliptin|xaban|gatran|sartan|statin|floxacin|cycline|penem|cillin|parin|lukast|prazole|tidine|"
    r"triptan|setron|dronate|semide|vastatin|olol|dipine))\b",
    re.I,
)


def unknown_drug_mentions(question: str, table: AliasTable) -> list[tuple[int, int, str, str]]:
    """Words shaped like drug names (INN stems: -mab, -tinib, -gliflozin, ...) the table does not know.

    Treated as drugs, so a question about a drug absent from both the table and the corpus abstains
    instead of being answered from unrelated passages.
    """
    out = []
    for m in _UNKNOWN_DRUG.finditer(question):
        word = m.group(1)
        if table.lookup(word) is None:
            out.append((m.start(1), m.end(1), word, word.lower()))
    return out


def analyse(question: str, table: AliasTable, *, expand: bool = True) -> QueryAnalysis:
    """Normalise a question and pull out what retrieval and composition need."""
    unknown = unknown_drug_mentions(question, table)
    mentions = sorted(table.find(question) + unknown)
    normalised, replaced, drugs = table.normalise(question)
    drugs = [g for *_, g in mentions if g in drugs or g in {u[3] for u in unknown}]
    drugs = list(dict.fromkeys(drugs))
    # drug classes named in the question ("a statin", "NSAIDs", "live vaccines") take part in the
    # frame like drugs: an intervention or a current medication named by its class
    taken = [(a, b) for a, b, *_ in mentions]
    classes = [
        (a, b, surface, cls) for a, b, surface, cls in find_classes(question)
        if not any(a < e and s < b for s, e in taken) and not MECHANISM_CLASS.search(cls)
    ]
    taken += [(a, b) for a, b, *_ in classes]
    vaccines = [(a, b, surface, name) for a, b, surface, name in find_vaccines(question) if not any(a < e and s < b for s, e in taken)]
    taken += [(a, b) for a, b, *_ in vaccines]
    procedures = [p for p in find_interventions(question) if not any(p[0] < e and s < p[1] for s, e in taken)]
    context, frame = extract_context(question, sorted(mentions + classes + vaccines), procedures)
    if frame.intervention:
        frame.intervention_classes = therapeutic_classes(table, frame.intervention)
    frame.implied_population = implied_population(frame, table)
    candidates = [d for d in (frame.intervention, frame.comparator) if d]
    if not candidates:
        candidates = [d for d in drugs if d not in frame.current_medications] or list(frame.current_medications)
    search_text = normalised
    if expand and drugs:
        extra = [n for n in expand_query(drugs, table) if n.lower() not in normalised.lower()]
        if extra:
            search_text = normalised + " " + " ".join(extra)
    # a condition read from a value rather than named ("uric acid 10.2 ... never had gout" is
    # asymptomatic hyperuricaemia, "EF 30%" heart failure) is searched for by its name as well
    derived = [c for c in frame.conditions if not any(t in normalised.lower() for t in (c, *CONDITIONS.get(c, ())))]
    if expand and derived:
        search_text += " " + " ".join(derived)
    return QueryAnalysis(
        question=question,
        normalised=normalised,
        search_text=search_text,
        drugs=drugs,
        candidate_drugs=candidates,
        replacements=replaced,
        conditions=list(context.conditions),
        key_terms=key_terms(normalised, drugs),
        context=context,
        question_type=question_type(question),
        frame=frame,
    )
