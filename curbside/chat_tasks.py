"""Frontend task prompts: the requests a chat UI sends the model for its own bookkeeping.

Open WebUI (and UIs built like it) asks the model, around each answer, for a chat title, tags,
follow-up suggestions and search queries, in prompts shaped like::

    ### Task:
    Generate a concise title ...
    ### Output:
    JSON format: { "title": "your concise title here" }
    ### Chat History:
    <chat_history>
    USER: Is it safe to start anakinra ...?
    ASSISTANT: **Bottom line:** ...
    </chat_history>

Such a prompt is not a clinical question: running retrieval on it answers nothing and wastes the
pipeline. A task is recognised by its structure — the ``### Task:`` heading, the JSON key its
output asks for, and the quoted chat history — not by its wording, so edited templates still match.
It is answered in that JSON shape from the conversation's own questions: a title from the clinical
question's frame, tags from its drugs, conditions and intent, and follow-up questions that the
library can answer (each candidate is asked of the pipeline, within a time budget, and kept only if
it is answered rather than abstained on).

Adding a recogniser: write ``respond(prompt, pipeline, budget_s) -> dict`` (the JSON object to
return; ``pipeline`` is the loaded :class:`~curbside.Pipeline`, ``budget_s`` the time it may spend
asking the library) and register it for the output key it answers::

    register(Task("emoji", respond=my_emoji_responder, key="emoji"))

A task whose prompt does not follow the ``### Task:`` shape can pass its own ``matches`` predicate.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Responder = Callable[[str, Any, float], dict[str, Any]]


@dataclass(frozen=True)
class Task:
    """One kind of frontend task prompt and how to answer it."""

    name: str
    respond: Responder
    key: str = ""
    matches: Callable[[str], bool] | None = None

    def recognises(self, prompt: str) -> bool:
        if self.matches is not None:
            return self.matches(prompt)
        return is_task_prompt(prompt) and output_key(prompt) == self.key


_TASK_HEADING = re.compile(r"^\s*#{2,4}\s*Task\s*:", re.I)
#: The first JSON object key the prompt's output section asks for: `{ "title": ...`.
_OUTPUT_KEY = re.compile(r"\{\s*\"([A-Za-z_]+)\"\s*:")
_HISTORY = re.compile(r"<chat_history>\s*(.*?)\s*</chat_history>", re.S | re.I)
_ROLE_LINE = re.compile(r"^(USER|ASSISTANT|SYSTEM|TOOL)\s*:\s?", re.M)


def is_task_prompt(prompt: str) -> bool:
    """A ``### Task:`` prompt that asks for JSON and quotes the chat (the frontends' task shape)."""
    return bool(_TASK_HEADING.match(prompt)) and "json" in prompt.lower() and "<chat_history>" in prompt.lower()


def output_key(prompt: str) -> str | None:
    """The key of the JSON object the prompt asks for, read outside the quoted chat history."""
    outside = _HISTORY.sub("", prompt)
    m = _OUTPUT_KEY.search(outside)
    return m.group(1) if m else None


def chat_history(prompt: str) -> list[tuple[str, str]]:
    """The quoted conversation as (role, text) turns, in order ("USER: ..." / "ASSISTANT: ...")."""
    m = _HISTORY.search(prompt)
    if not m:
        return []
    body = m.group(1)
    marks = list(_ROLE_LINE.finditer(body))
    turns = []
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(body)
        text = body[mark.end() : end].strip()
        if text:
            turns.append((mark.group(1).lower(), text))
    return turns


def user_questions(prompt: str) -> list[str]:
    return [text for role, text in chat_history(prompt) if role == "user"]


# --------------------------------------------------------------------------------------------
# What a question is about


#: Words a title keeps for the question when it has no frame to name (a short phrase, as asked).
TITLE_FALLBACK_WORDS = 6
#: Most drug or condition names in a title (a title names the topic, not the whole patient).
TITLE_NAMES = 1
#: Most tags returned (Open WebUI asks for 1-3 broad and 1-3 specific ones).
MAX_TAGS = 6
#: Follow-up suggestions returned (Open WebUI asks for 3-5).
MAX_FOLLOW_UPS = 3

_INTENT_TAGS = {
    "safety": "Drug safety", "interaction": "Drug interactions", "dose": "Dosing",
    "dose_adjustment": "Dose adjustment", "choice": "Treatment choice", "target": "Treatment targets",
    "monitoring": "Monitoring", "population": "Special populations", "indication": "Indications",
    "contraindication": "Contraindications", "comparison": "Comparison",
}


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _analysis(pipeline: Any, question: str, history: list[str]) -> Any:
    analyse = getattr(pipeline, "analyse", None)
    return analyse(question, history) if analyse is not None else None


def _topic(analysis: Any) -> tuple[str | None, list[str], list[str]]:
    """(intervention, other drugs, conditions) of an analysis: the frame's, or the plain mentions
    when the frame is empty."""
    frame = getattr(analysis, "frame", None)
    drugs = list(getattr(analysis, "candidate_drugs", []) or getattr(analysis, "drugs", []) or [])
    intervention = getattr(frame, "intervention", None) or (drugs[0] if drugs else None)
    others = [d for d in (getattr(frame, "current_medications", None) or getattr(analysis, "drugs", []) or [])
              if d != intervention]
    conditions = list(getattr(frame, "conditions", None) or getattr(analysis, "conditions", []) or [])
    return intervention, others, conditions


def title_for(question: str, analysis: Any) -> str:
    """A short title from the question's frame: "Anakinra safety with tacrolimus in gout"."""
    intervention, others, conditions = _topic(analysis)
    frame = getattr(analysis, "frame", None)
    attribute = getattr(frame, "asked_attribute", None) if frame is not None else None
    if intervention:
        words = [_cap(intervention)]
        if attribute:
            words.append(attribute)
        if others:
            words.append("with " + ", ".join(others[:TITLE_NAMES]))
        if conditions:
            words.append("in " + ", ".join(conditions[:TITLE_NAMES]))
        return " ".join(words)
    if conditions:
        return " ".join([_cap(conditions[0]), *([attribute] if attribute and attribute != "safety" else [])])
    words = re.sub(r"[^\w\s'-]", " ", question).split()
    return _cap(" ".join(words[:TITLE_FALLBACK_WORDS])) or "Clinical question"


def tags_for(analysis: Any) -> list[str]:
    """Broad then specific: "Health", the intent, then the drugs and conditions named."""
    intervention, others, conditions = _topic(analysis)
    frame = getattr(analysis, "frame", None)
    intent = _INTENT_TAGS.get(getattr(frame, "intent", "other") or "other")
    names = [n for n in [intervention, *others, *conditions] if n]
    tags = ["Health", *([intent] if intent else []), *(_cap(n) for n in names)]
    return list(dict.fromkeys(tags))[:MAX_TAGS]


def follow_up_candidates(analysis: Any) -> list[str]:
    """Questions a clinician asks next about the drug just discussed, skipping what was asked."""
    intervention, others, _ = _topic(analysis)
    if not intervention:
        return []
    frame = getattr(analysis, "frame", None)
    asked = getattr(frame, "asked_attribute", None)
    candidates = {
        "monitoring": f"What monitoring is needed for {intervention}?",
        "alternatives": f"What are the alternatives to {intervention}?",
        "dose": f"What is the usual dose of {intervention}?",
        "adverse effects": f"What are the main adverse effects of {intervention}?",
        "renal dose": f"Does {intervention} need a dose adjustment in kidney disease?",
        "pregnancy": f"Is {intervention} safe in pregnancy?",
    }
    out = [q for attribute, q in candidates.items() if attribute != asked]
    if others and getattr(frame, "intent", None) != "interaction":
        out.insert(2, f"Does {intervention} interact with {others[0]}?")
    return out


def answerable(pipeline: Any, questions: list[str], history: list[str], budget_s: float, want: int) -> list[str]:
    """The first ``want`` of ``questions`` that the library answers (asked in turn, with the
    conversation as history, until ``budget_s`` is spent)."""
    ask = getattr(pipeline, "ask", None)
    if ask is None:
        return []
    deadline = time.monotonic() + budget_s
    kept: list[str] = []
    for q in questions:
        if len(kept) >= want or time.monotonic() >= deadline:
            break
        try:
            answer = ask(q, history=history)
        except ValueError:
            continue
        if not answer.abstained:
            kept.append(q)
    return kept


# --------------------------------------------------------------------------------------------
# Responders


def _focus(prompt: str) -> tuple[str, list[str]]:
    """The latest user question of the quoted chat and the user questions before it."""
    questions = user_questions(prompt)
    if not questions:
        return "", []
    return questions[-1], questions[:-1]


def respond_title(prompt: str, pipeline: Any, budget_s: float) -> dict[str, Any]:
    questions = user_questions(prompt)
    if not questions:
        return {"title": "Clinical question"}
    first = questions[0]  # the chat is named for the question that opened it
    return {"title": title_for(first, _analysis(pipeline, first, []))}


def respond_tags(prompt: str, pipeline: Any, budget_s: float) -> dict[str, Any]:
    question, history = _focus(prompt)
    if not question:
        return {"tags": ["General"]}
    return {"tags": tags_for(_analysis(pipeline, question, history))}


def respond_follow_ups(prompt: str, pipeline: Any, budget_s: float) -> dict[str, Any]:
    question, history = _focus(prompt)
    if not question:
        return {"follow_ups": []}
    candidates = follow_up_candidates(_analysis(pipeline, question, history))
    return {"follow_ups": answerable(pipeline, candidates, [*history, question], budget_s, MAX_FOLLOW_UPS)}


def respond_queries(prompt: str, pipeline: Any, budget_s: float) -> dict[str, Any]:
    """The latest question as the frontend's search query, made self-contained for a follow-up."""
    question, history = _focus(prompt)
    if not question:
        return {"queries": []}
    analysis = _analysis(pipeline, question, history)
    return {"queries": [getattr(analysis, "normalised", None) or question]}


REGISTRY: list[Task] = []


def register(task: Task) -> Task:
    """Add a recogniser (checked in registration order; the first that recognises a prompt wins)."""
    REGISTRY.append(task)
    return task


def recognise(prompt: str) -> Task | None:
    """The registered task this user message is, or None for a question to answer."""
    return next((t for t in REGISTRY if t.recognises(prompt)), None)


register(Task("title", key="title", respond=respond_title))
register(Task("tags", key="tags", respond=respond_tags))
register(Task("follow_ups", key="follow_ups", respond=respond_follow_ups))
register(Task("queries", key="queries", respond=respond_queries))
