"""Is a question yes/no-shaped? The reading of :attr:`curbside.qa.types.QuestionFrame.yes_no`.

A question is **yes/no-shaped** (answered by yes, no or a condition) when its *asking clause* —
the last sentence, or the last clause after a dash or a colon, or after a comma that opens an
auxiliary or a wh-word ("pt with fatty liver disease starting allopurinol, do I follow LFTs?") —

* is no wh-question: it does not open with a wh-word ("what for PJP ppx?", "how long on
  valganciclovir?") nor carry one inside a clause that opens with no auxiliary ("condoms how
  long after stopping?");
* offers no choice between named things ("DOAC or warfarin?", "insulin or Ozempic first?"),
  unless an auxiliary leads it ("should I add a GLP-1 or an SGLT2 inhibitor?" asks whether to);
* asks for no value it does not itself propose ("Colchicine dose?", "INR goal for a mechanical
  valve?", "Next step?", "Options?" ask for a dose, a goal, a step, a list; "Eliquis 2.5 mg?"
  proposes the dose);

and it either **opens with an auxiliary or a modal** ("do I…", "is…", "can…", "should…"), or
**proposes an act or a thing to accept**: a bare verb ("start allopurinol?", "stop the ICS?",
"repeat TB test every year?", "use Ilaris instead?"), a verdict asked of it ("ok?", "safe?",
"worth switching…?", "ok to start tofacitinib?"), or only a name ("Statin?", "amoxicillin for
empiric cystitis?", "colonoscopy?", "interaction?"). "Any X?" asks for the X ("Any advice?", "any
colchicine adjustment?") unless it goes on to propose an act ("any problem adding colchicine?"), a
verdict ("any vaccines off limits?"), or its X is whether something holds ("any interaction with
metformin?", "any role for dapagliflozin?").

A follow-up (:func:`follow_up_shape`) takes its own shape when it says how it asks (an auxiliary,
a bare verb, a verdict, a wh-word, a choice, a value); an elliptical one ("And if he's on
dialysis?", "What about his kids getting MMR?") asks the earlier question again for a changed
patient, so it takes that question's shape.

These are word-class rules (auxiliaries, wh-words, verbs of acting on a treatment, nouns that name
a value), not phrasings of particular questions.
"""

from __future__ import annotations

import re

_AUX = (
    r"(?:is|isn't|are|aren't|was|were|can|can't|could|should|shouldn't|shall|does|doesn't|do|don't|"
    r"did|didn't|may|might|must|would|wouldn't|will|won't|has|have|had|am)"
)
_LEAD = r"(?:(?:and|so|but|then|also|still|ok(?:ay)?|or)[,]?\s+)*"
"""Words that may open a clause before what decides its shape ("and if…", "so should I…", "ok,
can I…")."""
_AUX_OPEN = re.compile(rf"^\W*{_LEAD}{_AUX}\s+(?!you\s+tell)\w", re.I)
"""A clause that opens with an auxiliary or a modal ("Can I give…", "does CsA really raise…")."""
_WH_WORD = r"(?:what(?:'s)?|which|how|when|who|whom|whose|where|why)"
_WH_OPEN = re.compile(rf"^\W*{_LEAD}(?:(?:by|to|for|from|at|in|on|with|until|after|before)\s+)?{_WH_WORD}\b", re.I)
"""A clause that opens with a wh-word, perhaps after a preposition ("by how much…", "for what…")."""
_WH_INSIDE = re.compile(r"\b(?:what(?:'s)?|how)\b", re.I)
"""A wh-word inside a clause that opens with no auxiliary ("condoms how long after stopping?", "in
CARES how different was…") makes it a wh-question. Only *what* and *how*: *when*, *where*, *who*
and *which* are as often a conjunction or a relative ("restart when the flare settles?", "a
patient who had an MI?")."""
_ELLIPTICAL_OPEN = re.compile(r"^\W*(?:and\s+)?(?:what|how)\s+about\b|^\W*(?:and\s+)?what\s+if\b", re.I)
""""What about X?", "how about X?", "what if…?": no wh-question but a follow-up's way of asking
the earlier question again."""
_CHOICE = re.compile(r"\S\s+(?:or|vs\.?|versus)\s+(?!(?:not|no)\b)\w", re.I)
"""Two things offered to choose between ("DOAC or warfarin?"); "…or not?" is no choice."""
_ANY_OPEN = re.compile(rf"^\W*{_LEAD}(?:any|anything)\b", re.I)
""""Any X?" asks for the X."""
_ANY_PROPOSES = re.compile(
    r"\b(?:add|start|giv|us|tak|stopp|continu|switch|combin|restart|resum|keep|stay|hold|prescrib|"
    r"rechalleng|increas|reduc|lower|rais|try|treat|offer|mix|pair|hav|putt|gett|go|do|vaccinat|"
    r"drink|eat)ing\b|\bto\s+(?:add|start|give|use|take|stop|continue|switch|combine|restart|keep|hold|prescribe)\b|"
    r"\b(?:contraindicated|off[- ]limits|safe|ok(?:ay)?|fine|allowed|needed|necessary|required|first|now)\b|"
    r"\breason\s+not\s+to\b",
    re.I,
)
"""What turns "Any X…?" into a yes/no question: an act it proposes ("any problem adding
colchicine?", "any issue starting ramipril?") or a verdict it asks ("any vaccines off limits?",
"any test needed first?")."""
_ANY_WHETHER = re.compile(
    rf"^\W*{_LEAD}any\s+(?:real\s+|known\s+|significant\s+)?(?:interactions?|role|contraindications?|benefit|point|place|evidence|need|reason\s+(?:not\s+)?to)\b",
    re.I,
)
"""An "Any X?" whose X is whether something holds of the treatment: "any interaction with
metformin?", "any role for dapagliflozin?", "any contraindication?" are answered yes or no. "Any
advice?", "any dose change?" ask for the advice, the change, and "any concerns?", "any issues?"
for the concerns (the eval sets' convention: those carry no decision)."""
_VERDICT = re.compile(
    r"\b(?:safe|ok(?:ay)?|fine|allowed|contraindicated|an\s+option|acceptable|appropriate|reasonable|"
    r"worth\s+it|alright|a\s+good\s+idea|go\s+ahead|proceed|wise|sensible|advisable|necessary|needed|required|indicated|"
    r"a\s+problem|an\s+issue|a\s+concern|possible)\s*\?*\s*$"
    r"|^\W*" + _LEAD + r"(?:is\s+it\s+)?(?:safe|ok(?:ay)?|fine|reasonable|alright|acceptable|better|best|wise|worth|"
    r"necessary|appropriate|allowed|possible|legit|good)\s+(?:to\s+\w|\w+ing\b)",
    re.I,
)
"""A verdict asked of what the question proposes: at its end ("Kineret on top of Enbrel — OK?",
"omeprazole with CellCept a problem?") or leading an act ("ok to start tofacitinib?", "worth
switching his statin?", "safe to continue?"). A verdict word inside the clause ("benzbromarone ok
at eGFR 25?") needs no rule: the clause names a thing to accept."""
_ACT_VERBS = (
    r"(?:start|stop|use|switch|repeat|add|hold|give|continue|restart|resume|keep|stay|treat|reduce|"
    r"increase|decrease|adjust|change|cut|drop|lower|raise|try|check|recheck|test|screen|measure|"
    r"anticoagulate|leave|go|taper|wean|skip|avoid|prescribe|offer|rechallenge|bridge|delay|wait|defer|"
    r"crush|double|halve|discontinue|withhold|pause|replace|swap|convert|combine|"
    r"vaccinate|immunize|immunise|refer|admit|operate|biopsy|image|scan|order|send|draw|follow|monitor|"
    r"retest|rescreen|redose|titrate|uptitrate|downtitrate|escalate|de-escalate|deprescribe|tell|advise|"
    r"counsel|let|allow|permit|need|get|put|move|transition|aim|push|accept|ignore|observe|watch|"
    r"intensify|extend|shorten|finish|complete|cover)"
)
_ACT_OPEN = re.compile(rf"^\W*{_LEAD}(?:(?:just|still|also|now|then|really|maybe|perhaps|first)\s+)?{_ACT_VERBS}\b(?!-)", re.I)
"""A clause that opens with a bare verb proposing an act ("start allopurinol?", "stop the ICS?",
"give the flu shot?", "still use it for cystitis?")."""
_VALUE_NOUN = re.compile(
    r"\b(?:doses?|dosing|dosage|dosed|max(?:imum)?|target|goal|cut-?offs?|thresholds?|range|trough|"
    r"schedule|frequency|interval|duration|length|timing|how\s+often|intensity|regimens?|protocol|"
    r"options?|alternatives?|choices?|next(?:\s+steps?)?|plan|approach|work-?up|management|play|"
    r"reversal|antidote|(?<!as\s)(?<!as\sthe\s)(?<!as\sa\s)first[- ]line|second[- ]line|third[- ]line|drug\s+of\s+choice|go-to|preferred|"
    r"best|initial\s+\w+|(?<!as\s)(?<!as\sthe\s)(?<!as\sa\s)first\s+(?:drug|agent|choice|option|med(?:ication|icine)?|step|therapy|treatment)|"
    r"substitutes?|replacements?|rates?(?!\s+control)|incidence|comparator|warnings?|advice|counsel+ing|screening|monitoring|"
    r"things?\s+to\s+(?:watch|check|monitor|know|look\s+for)|labs?\s+to\s+(?:check|follow|draw))\b",
    re.I,
)
"""Nouns that name a value to be given ("Colchicine dose?", "INR goal?", "CBC schedule?",
"Options?", "Next step?", "Reversal agent?", "First-line antiproliferative?", "Boxed warning on
Imuran?", "Screening before starting Humira?"): a clause that names one and proposes none asks
for it. "As (the) first X" names a role proposed ("Krystexxa as first urate lowerer?")."""
_PROPOSED_VALUE = re.compile(
    r"\b\d+(?:\.\d+)?\s*(?:mg|mcg|µg|micrograms?|milligrams?|g|grams?|units?|iu)\b(?!\s*/\s*min)"
    r"|\bonce\s+(?:a|per|daily|weekly|monthly|yearly)\b"
    r"|\b(?:bid|tid|qid|qd|qhs|qod|twice|daily|nightly|weekly|fortnightly|monthly|yearly|annually|every\s+\w+|q\d+h)\b(?!\s+doses?\b)"
    r"|\b(?:full|half|reduced|low|lower|high|higher|standard|renal|usual|same|normal)[- ]dose[sd]?\s+(?!(?:of|for|to|in|on|with|when|if|after|before|and|or)\b)[a-z]"
    r"|\bat\s+(?:the\s+|a\s+)?(?:same|usual|full|half|standard|normal|reduced|lower|higher|low|high)\s+dose\b",
    re.I,
)
"""A value the clause itself proposes ("2.5 mg bid?", "every year?"): then it asks whether to use
it, not what it should be."""
_CLAUSE_BREAK = re.compile(
    r"(?<!\bvs)(?<!\be\.g)(?<!\bi\.e)(?<!\bDr)(?<!\b[A-Za-z])[.!?;]\s+|\s+[—–-]+\s+|[—–]|:\s+"
    rf"|,\s*(?={_LEAD}(?:{_AUX}\s+(?:i|we|you|he|she|they|it|this|that|there|the|a|an|his|her|my|our|their|patients?|pts?)\b"
    rf"|(?:what|how)\b|(?:when|where|who|which|why)\s+{_AUX}\b))",
    re.I,
)
"""Where the asking clause may begin: after a sentence, a dash, a colon, or a comma that opens an
auxiliary with its subject ("…, do I follow LFTs?") or a wh-question ("…, how long between…?",
"…, when can she…?"; "…, when the flare settles?" is a subordinate clause, no break)."""


def asking_clause(question: str) -> str:
    """The clause that asks: the text after the last clause break (:data:`_CLAUSE_BREAK`) that has
    words after it."""
    text = question.strip()
    cut = 0
    for m in _CLAUSE_BREAK.finditer(text):
        if text[m.end():].strip(" ?!.\"'"):
            cut = m.end()
    return text[cut:].strip()


def _is_wh(clause: str, follow_up: bool) -> bool:
    if _ELLIPTICAL_OPEN.match(clause):
        return not follow_up  # "…on simvastatin. What about the statin?" asks what of it
    if _WH_OPEN.match(clause):
        return True
    return not _AUX_OPEN.match(clause) and bool(_WH_INSIDE.search(clause))


def clause_shape(clause: str, *, value_asked: bool = False, follow_up: bool = False) -> bool | None:
    """The yes/no shape of an asking clause: True, False, or None when the clause says nothing of
    how it asks (only names a patient or a condition: "And if he's on dialysis?").

    ``value_asked`` says the question asks for a value the clause need not name (a body weight
    stated for a dose: "Apixaban for AF on hemodialysis, 75 kg?"). ``follow_up`` reads "what
    about X?" and "what if…?" as a follow-up's way of asking the earlier question again, not as a
    wh-question.
    """
    asks = clause.rstrip().endswith("?")
    if _is_wh(clause, follow_up):
        return False
    if _AUX_OPEN.match(clause):
        return True if asks else None
    if _VERDICT.search(clause):
        return True
    if not asks:
        return None
    if _CHOICE.search(clause):
        return False
    if _ANY_OPEN.match(clause):
        return bool(_ANY_PROPOSES.search(clause) or _ANY_WHETHER.match(clause))
    if _ACT_OPEN.match(clause):
        return True
    if (_VALUE_NOUN.search(clause) or value_asked) and not _PROPOSED_VALUE.search(clause):
        return False
    return None


def is_yes_no(question: str, *, value_asked: bool = False) -> bool:
    """Is the question yes/no-shaped (see the module docstring)? A clause that only names a thing
    to accept ("Statin?", "Apixaban in Child-Pugh C cirrhosis?") is; a statement is not."""
    clause = asking_clause(question)
    shape = clause_shape(clause, value_asked=value_asked)
    if shape is not None:
        return shape
    return clause.rstrip().endswith("?")


def follow_up_shape(question: str, earlier: bool) -> bool:
    """A follow-up's shape: its own when its asking clause says how it asks (:func:`clause_shape`),
    else that of the question it asks again (``earlier``): an elliptical turn ("And if he's on
    dialysis?", "What about colchicine then?", "and for a mechanical valve?", "The flu shot?")
    changes the patient or the thing asked about, not the kind of answer wanted."""
    shape = clause_shape(asking_clause(question), follow_up=True)
    return earlier if shape is None else shape
