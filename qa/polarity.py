"""What a yes/no question's "yes" affirms, read from the clause that asks it.

Kept free of the rest of :mod:`curbside.qa` so that the frame, the plan and the composer can all
read it (the frame takes the drug a stop question names by pronoun as the intervention).
"""

from __future__ import annotations

import functools
import re

_STOP_ASK = re.compile(
    r"(?:^\W*|\b(?:should|can|could|do|shall|must|may|to|will|would|I|we|you|she|he|they)\s+(?:\w+\s+)?)"
    r"(?:stop|hold|discontinue|d/c|come\s+off|taper\s+off|withdraw|quit|pause|interrupt|give\s+up(?:\s+on)?)\b(?!\s+off\b)(?!\s+(?:before|after)\b)|"
    r"\b(?:should|can|could|must|shall|may|need|needs)\s+(?:to\s+)?(?:it|this|that|they|these|the\s+[\w-]+|[\w-]+)\s+(?:still\s+)?be\s+"
    r"(?:stopped|held|discontinued|paused|interrupted|withheld|withdrawn)\b",
    re.I,
)
"""Stopping the drug as the ask ("should I stop it?", "hold her Jardiance?", "should metformin be
stopped before contrast?"), not in the story ("who is stopping anticoagulation"); "hold off on MMR?" asks whether to give it, not whether to stop it."""
_KEEP_ASK = re.compile(
    r"\b(?:should|can|could|do|shall|may|will|would|ok(?:ay)?|fine|safe|alright|reasonable)\s+(?:(?:I|we|you|she|he|they|it|to)\s+){0,2}(?:(?:just|still)\s+)?"
    r"(?:keep\s+(?:taking|using|on|going|\w+\s+on)|keep\s+(?:it|him|her|them|the\s+\w+)\b|stay\s+on|remain\s+on|continue|carry\s+on)\b(?!(?:\s+\w+){0,3}\s+dos(?:e|ing)\b)|"
    r"^\W*(?:(?:and|but|so)\W+)?(?:keep|continue|stay\s+on)\b(?!(?:\s+\w+){0,3}\s+dos(?:e|ing)\b)|"
    r"(?:^\W*(?:(?:and|but|so|ok(?:ay)?|fine)\W+)?|\b(?:should|can|could|do|shall|may|would)\s+(?:I|we|you)\s+(?:just\s+)?)leave\s+(?:it|him|her|them|things|the\s+[\w-]+)\s+"
    r"(?:like\s+(?:that|this)|as\s+(?:it\s+is|they\s+are|is)|alone|be|there|unchanged|on\s+\w+)\b|"
    r"\b(?:should|can|could|may|shall)\s+(?:it|this|that|they|these|the\s+[\w-]+|[\w-]+)\s+(?:still\s+)?be\s+(?:continued|kept(?:\s+going)?)\b|"
    r"^\W*(?:(?:and|but|so)\W+)?what\s+if\s+(?:she|he|they|the\s+patient)(?:'s|\s+is|\s+are|\s+has\s+been|\s+have\s+been)\s+already\s+(?:on|taking)\b",
    re.I,
)
"""Keeping the drug the patient already takes as the ask ("can he keep taking it?", "can he stay on
metformin?", "leave it like that?", "OK to continue allopurinol through the flare?", after "can I start it?" "what if she's
already on it?"): "should I stop it?" turned round.
Staying on a dose ("stay on the full dose?") asks for the dose, not whether to keep the drug."""
_STOP_NOT_ASKED = re.compile(r"\b(?:after|since|when|before|without)\s+(?:\w+\s+){0,2}?(?:stopping|holding|discontinuing)\b|\bhow\s+long\b|\bwhen\b", re.I)
_EFFECT_VERBS = (
    r"raise|raises|increase|increases|lower|lowers|reduce|reduces|change|changes|affect|affects|alter|alters|cause|causes|"
    r"matter|matters|interact|interacts|make\s+(?:\w+\s+){0,3}?(?:more|less)\s+likely"
)
_PERSON = r"(?:I|we|you|she|he|they|the\s+(?:patient|pt|mother|mom|baby|child|kids?))\b"
"""A person as the subject of "can she change ...": what she may do is asked, not whether a drug
changes something."""
_EXISTS_ASK = re.compile(
    r"\b(?:interact\w*|related|relevant)\s*\??\s*$|\boff[\s-]+limits\b|^\W*(?:(?:and|but|so|also|ok|okay)\W+)?any\s+(?:\w+\s+)?interactions?\b|"
    r"^\W*(?:(?:and|but|so|also|ok|okay)\W+)?(?:is|are)\s+(?!I\b|we\b|you\b)(?:[\w.-]+\W+){0,9}?(?:an?\s+)?contraindicat\w*|"
    rf"^\W*(?:(?:and|but|so|also|ok|okay)\W+)?(?:does|do|did|can|could|will|would)\s+(?!{_PERSON})(?:[\w.-]+\W+){{0,8}}?(?:{_EFFECT_VERBS})\b",
    re.I,
)
_PROBLEM_ASK = re.compile(r"(?:^\W*|\b(?:a|any)\s+(?:real\s+|big\s+|major\s+)?)(?:problems?|concerns?|issues?|worry|worries)\s*\??\s*$", re.I)
"""Whether there is a problem ("omeprazole with CellCept a problem?", "considering Xeljanz. Any
issues?"): "is it fine to give it?" turned round."""
_APPLIES_ASK = re.compile(r"\bappl(?:y|ies)\s+to\b|\bgenerali[sz]e\s+to\b|\bextrapolat\w*\s+to\b|\bvalid\s+for\b|\bhold\s+for\b", re.I)
_SAME_ASK = re.compile(r"\bas\s+(?:good|effective|well|safe|efficacious)\b|\bnon-?inferior\b|\bequivalent\s+to\b|\bjust\s+as\b", re.I)
"""Whether two treatments do equally well ("is the 1.8 mg regimen as effective as the hourly one?")."""
_DIFFERS_ASK = re.compile(
    r"\b(?:any\s+)?(?:better|worse|superior|inferior)\s+(?:than|to)\b|\bbeat\b|\bbeats\b|\boutperform\w*|"
    r"\b(?:more|less)\s+effective\s+than\b|\b(?:more|fewer|less)\s+(?:[\w-]+\s+){1,3}?(?:with|on|in)\s+(?:[\w-]+\s+){0,4}?than\b",
    re.I,
)
"""Whether one treatment does better (or causes more of something) than another ("does anakinra
beat a Kenalog shot?", "more infections with canakinumab than with the steroid shot?")."""
_ADJUST_ASK = re.compile(
    r"^\W*(?:(?:should|do|must|can|could)\s+(?:I|we|you)\s+(?:need\s+to\s+)?)?(?:reduce|lower|cut|adjust|decrease|halve|modify)\b|"
    r"^\W*(?:dose\s+)?(?:adjust\w*|change\s+anything|reduce\s+it)\s*\??\s*$",
    re.I,
)


@functools.lru_cache(maxsize=256)
def yes_no_polarity(question: str) -> str:
    """What a yes/no question's "yes" affirms, read from the clause that asks it.

    - ``stop``: whether to stop or hold the drug ("flare a month into Uloric, should I stop
      it?"): the library's "need not be stopped" is a no, its contraindication for this patient a yes.
    - ``keep``: whether the patient may stay on it ("can he keep taking it through the flare?"):
      ``stop`` turned round, so "should continue it" is a yes and a stopping rule this patient meets a no.
    - ``exists``: whether an effect, interaction or contraindication exists ("does CsA raise
      colchicine levels?", "on zonisamide, metformin interaction?", "is an E. coli protein allergy a
      contraindication to Kineret?"): a statement of the effect is a yes, whatever it advises. A person as the subject ("can she change diapers?")
      asks what the person may do, not whether an effect exists.
    - ``problem``: whether giving it poses a problem ("omeprazole with CellCept a problem?",
      "considering Xeljanz. Any issues?"): the reading of "is it fine to give it?" turned round, so
      a danger or a precaution the library states for this patient is a yes, its support a no.
    - ``applies``: whether a study's or guideline's finding holds for this patient ("do the SPRINT
      results apply to my diabetic patient?"): what the source says of whom it left out answers it.
    - ``adjust``: whether to change the dose ("already on colchicine, needs a Z-pack. Reduce
      colchicine?"): "no dose adjustment" is a no.
    - ``differs``: whether one treatment does better, or causes more of something, than another
      ("does anakinra beat a Kenalog shot?"): a finding of no difference is a no, of the difference a yes.
    - ``same``: whether two do equally well ("as effective as the hourly regimen?"): a finding of no
      difference is a yes.
    - ``do``: the rest, whether to give, start or continue it: the library's support is a yes.
    """
    ask = re.split(r"(?<=[.!;?:])(?<!\b[A-Z]\.)\s+|\s+[-\u2013\u2014]+\s+", question.strip())  # not at "E. coli"
    ask = [a for a in ask if a.strip()] or [question]
    last = ask[-1]
    if _APPLIES_ASK.search(last):
        return "applies"
    if _STOP_ASK.search(last) and not _STOP_NOT_ASKED.search(last):
        return "stop"
    if _KEEP_ASK.search(last):
        return "keep"
    if _PROBLEM_ASK.search(last):
        return "problem"
    if _SAME_ASK.search(last):
        return "same"
    if _DIFFERS_ASK.search(last):
        return "differs"
    if _EXISTS_ASK.search(last):
        return "exists"
    if _ADJUST_ASK.search(last):
        return "adjust"
    return "do"
