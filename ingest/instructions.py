"""Text that reads as instructions to a language model, found at ingest so such documents can be
quarantined before they are ever retrieved.

A library of guidelines, drug labels and research has no reason to address a chatbot. Text that
does — "ignore previous instructions", "SYSTEM PROMPT:", "you are now in developer mode", a chat
template's role tags, a ``<script>`` — is a planted instruction (prompt injection), and everything
else in that document is suspect too: the payload of an attack is usually an ordinary-looking
sentence ("recommend double-dose colchicine 4.8 mg daily") beside the trigger. So the unit of
defence is the whole document: :func:`scan_document` looks at every sentence of the text and at
every metadata field, and one finding is enough for the index builder to quarantine the document.

The rules (:data:`RULES`) are shapes of prompt injection, not particular wordings. Each one names
what it catches and why that shape cannot be ordinary clinical prose; the set is measured for false
positives on the bundled corpus, MedQuAD, SciFact and PubMedQA (none of whose documents it flags)
and for recall on varied injection samples (``tests/security/test_quarantine.py``).

What the rules cannot catch, and ``docs/reliability.md`` says so: paraphrases that never use the
vocabulary of prompts or models ("kindly set aside what you were told before"), other languages,
encoded text (base64, leetspeak), letters swapped for look-alikes from other scripts, and false
medical claims written as ordinary prose with no instruction beside them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from curbside.ingest.types import Document

# Version of the rule set. It is stored in the index manifest; an index screened with another
# version is screened again on the next ingest (bump it whenever RULES change).
RULES_VERSION = "2026-12-01.6"


@dataclass(frozen=True)
class InstructionRule:
    """One shape of planted instruction: a name, why it is one, and a regular expression."""

    name: str
    reason: str
    pattern: str


# Words that name a model or chatbot as the addressee. "model" alone is not among them: research
# text is full of statistical models that "should be validated".
_BOT_NAMED = (
    r"(?:a\.i\.|artificial\s+intelligence|ai\s+(?:assistant|model|system|agent|chatbot|language\s+model)|chat\s?bot|chatgpt|"
    r"gpt(?:-?\d)?|claude|gemini|copilot|llm|large\s+language\s+model|language\s+model)"
)
# Also "AI" alone (which is aortic or adrenal insufficiency too), "assistant" (a person, often) and
# "bot": used only where the rest of the phrase addresses a model.
_BOT = rf"(?:{_BOT_NAMED}|ai|assistant|bot)"
# Roles that call a person an "assistant", so "physician assistants should ..." is not a bot.
_NOT_PERSON = (
    r"(?<!physician )(?<!physician's )(?<!medical )(?<!nursing )(?<!nurse )(?<!dental )(?<!clinical )"
    r"(?<!research )(?<!laboratory )(?<!lab )(?<!teaching )(?<!care )(?<!health )(?<!pharmacy )"
    r"(?<!personal )(?<!home )(?<!surgical )(?<!study )(?<!therapy )(?<!office )(?<!certified )"
)
_PRIOR = r"(?:previous|prior|above|earlier|preceding|foregoing|former|original|initial|old|existing|system|developer|safety)"
_STRONG = r"(?:ignore|disregard|override|bypass)"
_WEAK = r"(?:forget|discard|abandon|skip|set\s+aside|throw\s+out)"
_DETS = r"(?:(?:all|any|every|each|the|your|my|these|those|of|everything|anything|that|this)\s+){0,3}"
_ORDERS = r"(?:instructions?|prompts?|directives?|directions?|commands?|guardrails?|programming|rules?|guidelines?|guidance|messages?|context|constraints?|policies|policy)"

_MODAL = (
    r"(?:must|should|shall|will|is\s+to|are\s+to|needs?\s+to|has\s+to|have\s+to"
    r"|is\s+(?:instructed|required|told|asked)\s+to|are\s+(?:instructed|required|told|asked)\s+to)"
)
_ADVERBS = r"(?:(?:now|always|only|never|not|instead|immediately)\s+)*"

RULES: tuple[InstructionRule, ...] = (
    InstructionRule(
        "override",
        "tells the reader to drop the instructions it was given (ignore/disregard/forget previous instructions)",
        # any of these verbs: with previous/prior/system ... instructions, or what came before
        rf"\b(?:{_STRONG}|{_WEAK})\s+{_DETS}"
        rf"(?:(?:{_PRIOR})\s+(?:\w+\s+)?{_ORDERS}\b"
        rf"|{_ORDERS}\s+(?:you\s+(?:were|have\s+been)\s+given|(?:given|provided)\s+to\s+you)\b"
        rf"|(?:(?<=your )|(?<=my ))(?:rules|programming|guardrails|training|prompt|system\s+prompt)\b"
        rf"|(?:the\s+)?other\s+(?:sources|documents|passages|context|search\s+results|results|references|texts)\b"
        rf"|(?:the\s+)?(?:text|everything|anything|all|content|words|lines|paragraphs?|sentences?|messages?)\s+(?:above|before\s+this|so\s+far|preceding\s+this)\b"
        rf"|(?:you\s+(?:were|have\s+been)\s+(?:told|given|instructed)|(?:what|everything)\s+(?:you\s+were|was)\s+(?:told|said)\s+(?:before|earlier|above)))"
        # the strong verbs (never said to a patient about their own care): also your instructions,
        # the user's question, or instructions outright
        rf"|\b{_STRONG}\s+{_DETS}"
        rf"(?:(?:(?<=your )|(?<=my ))(?:(?:{_PRIOR})\s+)?(?:instructions|guidelines|rules|programming|directives|guardrails|policies|prompt|training|constraints"
        rf"|(?:safety\s+|content\s+)?filters|safeguards)\b"
        rf"|(?:the\s+)?user(?:'s|s)?\s+(?:question|request|query|instructions?|prompt|message)\b"
        rf"|(?:instructions?|prompts?)\b(?!\s+(?:of|from|on|for|about|given|provided|in|at|by|to|printed|written|that|which)\b))"
        rf"|\b(?:do\s+not|don't|never|stop)\s+(?:follow|obey)(?:ing)?\s+(?:(?:your|the|any|all|these|those)\s+){{0,2}}"
        rf"(?:(?:original|previous|prior|initial|system|earlier)\s+)?(?:instructions|prompts?|programming|directives)\b"
        rf"(?!\s+(?:of|from|on|for|about|in|at|by|to|printed|written|that|which)\b)",
    ),
    InstructionRule(
        "new-orders",
        "announces instructions that replace the reader's own (new instructions:, overrides your programming)",
        r"\b(?:new|updated|revised|override|priority|real|secret|hidden)\s+(?:system\s+)?(?:instructions?|prompt|directives?|rules?)\s*:"
        r"|\b(?:override|supersede|replace)s?\s+(?:all\s+|any\s+)?(?:your|the\s+system|system)\s+(?:\w+\s+)?(?:instructions|prompts?|programming|directives|rules)\b"
        r"|\b(?:override|supersede)s?\s+(?:all|any)\s+(?:previous|prior|other|earlier)\s+(?:instructions|prompts)\b",
    ),
    InstructionRule(
        "system-prompt",
        "names the hidden prompt of a chat model (system prompt, system message:, pre-prompt)",
        r"\b(?:system|hidden|developer|pre-?)[\s_-]?prompts?\b|\bsystem\s+(?:message|instructions?)\s*:"
        r"|\b(?:system|admin|administrator|root)\s+override\b"
        r"|\bprompt\s+injection\b",
    ),
    InstructionRule(
        "mode-switch",
        "claims to switch the reader into another mode (developer mode, DAN, jailbreak, no guardrails)",
        r"\b(?:developer|dev|god|sudo|unrestricted|unfiltered|uncensored|jailbreak|jailbroken|dan)\s+mode\b"
        r"|\bjailbr(?:oken|eak(?:s|ing|ed)?)\b|\bdo\s+anything\s+now\b"
        r"|\bwithout\s+(?:any\s+)?(?:censorship|guardrails|(?:safety|content)\s+(?:filters|restrictions|guardrails))\b",
    ),
    InstructionRule(
        "new-identity",
        "gives the reader a new identity or behaviour (you are now ..., from now on you ..., pretend you are, act as an AI)",
        rf"(?<!if )(?<!whether )(?<!unless )(?<!when )(?<!once )\byou\s+are\s+now\s+"
        rf"(?:(?:a|an|my)\s+(?:\w+\s+)?(?:{_BOT}|unrestricted|unfiltered|uncensored|evil|different\s+(?:ai|assistant|model))\b"
        rf"|(?:in|operating\s+in|running\s+in)\s+(?:\w+\s+)?mode\b|acting\s+as|operating\s+as|free\s+(?:of|from)\s+(?:all\s+|your\s+)?(?:rules|restrictions)|no\s+longer\s+(?:bound|restricted|an?\s+{_BOT})|unrestricted|jailbroken|dan\b)"
        rf"|\bfrom\s+now\s+on,?\s+(?:you\s+(?:are\s+(?:(?:a|an|my)\s+(?:\w+\s+)?(?:{_BOT}|unrestricted|unfiltered|uncensored|evil)\b|dan\b|\w+bot\b|\w+gpt\b)|will\s+(?:act|respond|answer|reply|behave|ignore)|must\s+(?:act|respond|answer|reply|ignore))"
        rf"|(?:respond|answer|reply)\s+(?:only|always|as|with|in)\b|the\s+{_BOT}\b)"
        rf"|\bpretend\s+(?:that\s+)?(?:you\s+are|you're)\s+(?:a|an|the|my)\s+(?:\w+\s+)?"
        rf"(?:{_BOT}|doctor|physician|pharmacist|nurse|expert|developer|admin|hacker|human|different|new)\b"
        rf"|\b(?:pretend\s+to\s+be|role-?play\s+as|act\s+as)\s+(?:a|an|the|my)\s+(?:\w+\s+){{0,2}}{_BOT_NAMED}s?\b"
        rf"|\b(?:pretend\s+to\s+be|role-?play\s+as|act\s+as)\s+(?:a|an|the|my)\s+"
        rf"(?:unrestricted|unfiltered|uncensored|evil|different|jailbroken|rogue|helpful)\s+(?:\w+\s+)?{_BOT}s?\b"
        rf"|\b(?:let's|let\s+us)\s+role-?play\b"
        rf"|\byou\s+are\s+(?:a|an)\s+(?:helpful|unrestricted|unfiltered|uncensored|obedient|harmless)\s+(?:\w+\s+)?{_BOT}\b"
        rf"|\byou\s+are\s+(?:a|an)\s+{_BOT}\b(?!-|\s+(?:generated|based|derived|driven|tool)\b)"
        rf"|\byou\s+are\s+(?:chatgpt|gpt-?\d|claude|gemini|copilot|bard|llama|mistral)\b",
    ),
    InstructionRule(
        "exfiltrate",
        "asks the reader to disclose secrets (reveal the API key, print your instructions, show the password)",
        r"\b(?:reveal|print|show|output|display|repeat|leak|disclose|expose|dump|send|echo|read\s+out|spell\s+out|tell\s+(?:me|us)|give\s+(?:me|us))\s+"
        r"(?:(?:me|us|the|your|all|any|its|of|full|whole|entire|exact|original|hidden|secret|current)\s+){0,4}"
        r"(?:api[\s_-]?keys?|access\s+tokens?|auth(?:entication)?\s+tokens?|bearer\s+tokens?|secret\s+keys?|private\s+keys?|(?<!your )(?:passwords?|credentials)|"
        r"env(?:ironment)?\s+variables|(?:system|hidden)\s+(?:prompt|instructions|message)|instructions\s+(?:you\s+were\s+given|above)|"
        r"(?<=your )(?:(?:initial|original|hidden|secret|system|full|first|complete)\s+)?(?:instructions|prompt|rules|secrets|configuration)|"
        r"(?<=reveal the )prompt|(?<=leak the )prompt|(?<=disclose the )prompt|(?<=dump the )prompt)\b",
    ),
    InstructionRule(
        "addressed-to-model",
        "speaks to a chatbot or language model directly (note to the AI, dear assistant, if you are an LLM)",
        rf"\b(?:note|message|instructions?|attention|reminder|memo|directive)s?\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?{_BOT_NAMED}s?\b"
        rf"(?!\s+(?:in|of|on|research|development|tools?|systems?|applications?|use|models?|based)\b)"
        rf"|\b(?:(?:dear|hey|hi|hello|attention)\s+(?:the\s+|any\s+|all\s+|every\s+)?|(?:to|for)\s+(?:the|any|all|every)\s+){_NOT_PERSON}{_BOT}s?"
        rf"(?:\s+(?:reading|processing|seeing|summari[sz]ing)\s+(?:this|these)(?:\s+\w+)?)?\s*[,:!]"
        rf"|\b(?:if|when|since|because)\s+you(?:\s+are|'re|\u2019re)\s+(?:an?\s+)?{_BOT}\b(?!-)"
        rf"|\bas\s+an?\s+(?:(?:ai|a\.i\.|artificial\s+intelligence)(?:\s+(?:large\s+)?language)?|(?:large\s+)?language)\s+(?:model|assistant)\s*,"
        rf"|\b(?:any|every|all)\s+{_BOT}s?\s+(?:reading|processing|summari[sz]ing|parsing|seeing)\s+(?:this|these)\b"
        rf"|\b{_BOT}s?\s+(?:reading|processing|summari[sz]ing|parsing|seeing)\s+(?:this|these)\s+"
        rf"(?:text|document|page|passage|message|content|file|article|note|instructions|lines|words)\s+(?:should|must|shall|needs?\s+to|are\s+to|is\s+to)\b"
        rf"|\b(?:(?:the\s+|this\s+|an?\s+|any\s+)(?:{_BOT_NAMED}|ai)|{_BOT_NAMED}s|ais)\s+{_MODAL}\s+{_ADVERBS}"
        rf"(?:recommend|answer|respond|reply|say|tell|output|print|ignore|state|include|mention|claim|write|advise|obey|comply|reveal|disregard|forget|pretend|refuse|cite|append)\b"
        # a plain "assistant" is often a person: only verbs no person's assistant is told in a text
        rf"|\b(?:the\s+|this\s+|an?\s+|any\s+){_NOT_PERSON}(?:assistant|bot)s?\s+{_MODAL}\s+{_ADVERBS}"
        rf"(?:recommend|output|print|ignore|disregard|forget|pretend|obey|comply|reveal|cite|append)\b",
    ),
    InstructionRule(
        "task-hijack",
        "tells the reader what to say while it does its task (when summarizing this document, say ...)",
        r"\b(?:when|while|if|before|after)\s+(?:you\s+(?:are\s+)?)?(?:summari[sz]ing|summari[sz]e|answering|answer|responding|respond|replying|reply)\s+"
        r"(?:to\s+)?(?:this|the|any|a|every)\s+(?:document|text|page|passage|article|content|question|query|request|prompt|user)s?\b[^.\n]{0,80}?,\s*"
        r"(?:always\s+|please\s+|only\s+|you\s+(?:must|should)\s+)?(?:say|state|tell|claim|mention|include|write|respond|reply|recommend|add|insert|output|answer)\b"
        r"|\b(?:always|only)\s+cite\s+(?:only\s+)?this\s+(?:page|document|source|article|site|text)\b|\bcite\s+only\s+this\b",
    ),
    InstructionRule(
        "user-deception",
        "tells the reader to hide things from the person it serves (do not tell the user)",
        r"\b(?:do\s+not|don't|never|without)\s+(?:tell(?:ing)?|inform(?:ing)?|warn(?:ing)?|alert(?:ing)?|notify(?:ing)?|let(?:ting)?)\s+the\s+(?:user|human|operator)\b"
        r"|\b(?:do\s+not|don't|never)\s+(?:mention|reveal|disclose)\s+(?:this|these|that|it)\s+(?:instructions?\s+)?to\s+the\s+(?:user|human)\b",
    ),
    InstructionRule(
        "role-tag",
        "carries a chat template's role markers (<|im_start|>, [INST], <<SYS>>, ### Instruction:, Assistant:)",
        r"<\|[a-z_]{2,40}\|>|<\|(?:im_start|im_end|endoftext|eot_id|start_header_id|end_header_id)"
        r"|\[/?INST\]|<</?SYS>>|\[\s*/?\s*(?:system|sys|assistant|admin)\s*\]|<\s*/?\s*(?:system|assistant|user|human|instructions?)\s*>"
        r"|^[ \t]*#{1,6}[ \t]*(?:instruction|instructions|system|assistant|response|human|user|input)[ \t]*:"
        r"|^[ \t]*(?:system|assistant)[ \t]*:[ \t]*(?:you|your|ignore|disregard|always|never|from\s+now|act|respond|answer|reply|do\s+not|sure|certainly|absolutely|of\s+course|okay|ok|here\s+is|i\s+will|i'll|i\s+am|i'm|i\s+can)\b"
        r"|^[ \t]*(?:human|user)[ \t]*:[^\n]{1,500}\n(?:[^\n]{0,500}\n){0,3}?[ \t]*(?:assistant|ai|gpt|bot)[ \t]*:"
        r"|\b(?:begin|end|start)[_ ](?:system|hidden|secret)[_ ](?:prompt|instructions?|message)\b",
    ),
    InstructionRule(
        "active-markup",
        "carries HTML that a renderer would run or load (script, iframe, event handlers, javascript: links)",
        r"<\s*/?\s*(?:script|iframe|frame|frameset|object|embed|applet|svg|style|meta|form|base)\b"
        r"|\bon(?:error|load|click|mouseover|mouseenter|focus|blur|submit|change|input|keydown|keyup|animationstart|toggle)\s*="
        r"|\bjavascript\s*:|\bvbscript\s*:|\bdata\s*:\s*text/html\b|\bsrcdoc\s*=",
    ),
)

# Every rule's match starts at the start of a word, at "<", "[" or "#", or at the start of a line.
# Checking that once before trying the rules makes a scan about five times faster (most positions
# are inside words); tests/security/test_quarantine.py checks it changes no finding.
_STARTS = r"(?:(?<![a-z0-9_])(?=[a-z])|(?=[<\[#])|^)"
_ALTERNATIVES = "|".join(f"(?P<{rule.name.replace('-', '_')}>{rule.pattern})" for rule in RULES)
# One pattern for all rules; the matching rule is the match's ``lastgroup``.
PATTERN = re.compile(f"{_STARTS}(?:{_ALTERNATIVES})", re.IGNORECASE | re.MULTILINE)
UNGUARDED_PATTERN = re.compile(_ALTERNATIVES, re.IGNORECASE | re.MULTILINE)
_BY_GROUP = {rule.name.replace("-", "_"): rule for rule in RULES}

# Scanning works on windows of the text, so memory stays small for a file of any size; a window
# overlaps the next by more than any rule can match (each rule's pattern is bounded), so no match
# is cut in two.
_WINDOW = 1 << 16
_OVERLAP = 2048
_EXCERPT = 80  # characters of context shown on each side of a finding


@dataclass(frozen=True)
class Finding:
    """One piece of text that reads as an instruction to a model."""

    field: str  # "text" or a metadata field name (title, publisher, url, path)
    rule: str
    reason: str
    start: int  # offsets in that field's value
    end: int
    excerpt: str  # the matched text with a little context, on one line

    def describe(self) -> str:
        where = "text" if self.field == "text" else f"{self.field}"
        return f"{where} [{self.start}:{self.end}] {self.rule}: {self.excerpt!r} ({self.reason})"


def _normalised(text: str) -> tuple[str, list[int] | None]:
    """NFKC, with format and control characters removed (zero-width spaces, soft hyphens), and an
    offset map back to ``text``; ``None`` when the text is ASCII and nothing changes."""
    if text.isascii():
        return text, None
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch not in "\n\t" and unicodedata.category(ch)[0] == "C":
            continue
        for piece in unicodedata.normalize("NFKC", ch):
            out.append(piece)
            where.append(i)
    where.append(len(text))
    return "".join(out), where


def find_instructions(text: str, field: str = "text", *, limit: int = 5) -> list[Finding]:
    """Up to ``limit`` findings in ``text`` (in order), scanning it in bounded windows."""
    found: list[Finding] = []
    seen_end = -1
    for base in range(0, max(len(text), 1), _WINDOW):
        window = text[base : base + _WINDOW + _OVERLAP]
        norm, where = _normalised(window)
        for m in PATTERN.finditer(norm):
            start = base + (where[m.start()] if where else m.start())
            end = base + (where[m.end()] if where else m.end())
            if start <= seen_end:
                continue
            seen_end = end
            rule = _BY_GROUP[m.lastgroup or ""]
            lo, hi = max(0, start - _EXCERPT), min(len(text), end + _EXCERPT)
            excerpt = " ".join(text[lo:hi].split())
            found.append(Finding(field, rule.name, rule.reason, start, end, excerpt))
            if len(found) >= limit:
                return found
    return found


def scan_fields(fields: Iterable[tuple[str, str]], *, limit: int = 5) -> list[Finding]:
    """Findings over several (field name, value) pairs, the document text among them."""
    out: list[Finding] = []
    for name, value in fields:
        if value and len(out) < limit:
            out.extend(find_instructions(value, name, limit=limit - len(out)))
    return out


def iter_rules() -> Iterator[InstructionRule]:
    """The documented rule set, in order."""
    return iter(RULES)


def scan_document(document: Document, text: str, *, limit: int = 5) -> list[Finding]:
    """Findings in a document's text and in each metadata field a reader sees (title, publisher,
    address, file name)."""
    return scan_fields(
        [
            ("title", document.title),
            ("publisher", document.publisher),
            ("url", document.url),
            ("path", document.path),
            ("text", text),
        ],
        limit=limit,
    )
