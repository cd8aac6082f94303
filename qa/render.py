"""Render an :class:`Answer` as Markdown with inline ``[n]`` reference markers.

Document text (statements, snippets, titles, publishers) and user-derived text reach the Markdown
as *text*: :func:`escape_markdown` backslash-escapes the characters that would make it a link, an
image (a beacon a rendering client would load), raw HTML or emphasis, so only the markup this
module writes (bold labels, headings, lists and the ``[n]`` markers) is markup. The structured
answer (statement ``text``, citation ``quote``) keeps the exact spans; only renderings escape.
Addresses are shown only when they are http(s) (:func:`safe_url`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from curbside.qa.types import HTTP_URL, Answer, Citation, PatientContext, Statement

_SOURCE_MARKERS = re.compile(r"\s*\[\d+(?:\s*[,;–-]\s*\d+)*\]")
# CommonMark lets any ASCII punctuation be backslash-escaped. These are the characters that open
# inline constructs: links and images ([ ] !), raw HTML and autolinks (< >), emphasis, code and
# strikethrough (* _ ` ~), entities (&), and the backslash itself. Block constructs (#, >, -, |)
# cannot start: every document-derived piece is whitespace-collapsed and sits after a prefix.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>!~&])")


def unverified_plain(st: Statement) -> str:
    """' (unverified: reason)' for a statement kept by flag mode although verification failed, else ""."""
    if st.supported is not False:
        return ""
    return f" (unverified: {st.verification})" if st.verification else " (unverified)"


def unverified_flag(st: Statement) -> str:
    """The same flag in Markdown italics (the reason escaped)."""
    plain = unverified_plain(st)
    return f" *({escape_markdown(plain.strip()[1:-1])})*" if plain else ""


def escape_markdown(text: str) -> str:
    """``text`` shown literally by a Markdown renderer (no links, images, HTML or emphasis)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def safe_url(url: str | None) -> str:
    """``url`` if it is an http(s) address with no characters that could break out of Markdown, else ""."""
    url = (url or "").strip()
    return url if HTTP_URL.match(url) else ""


def display_text(quote: str) -> str:
    """A quoted sentence as shown: whitespace collapsed, the source's own reference numbers
    ("... adverse events [12].") removed so they cannot pass for the answer's [n] markers."""
    return " ".join(_SOURCE_MARKERS.sub("", quote).split())


def _cites(statement: Statement) -> str:
    return "".join(f"[{n}]" for n in dict.fromkeys(c.ref for c in statement.citations))


def _marks(citations: Sequence[Citation]) -> str:
    return "".join(f"[{n}]" for n in dict.fromkeys(c.ref for c in citations))


def verdict_line(answer: Answer) -> str:
    """The verdict as shown first: its words ("No: the library advises against ...")."""
    return answer.decision_text or (answer.decision or "").capitalize()


def context_line(answer: Answer) -> str | None:
    return describe_context(answer.patient_context)


def describe_context(ctx: PatientContext) -> str | None:
    """The patient context in one line ("70 years; pregnant; conditions: gout"), or None if empty."""
    parts = []
    if ctx.age is not None:
        parts.append(f"{ctx.age} years")
    if ctx.sex:
        parts.append(ctx.sex)
    if ctx.pregnant:
        parts.append("pregnant")
    if ctx.kidney_function:
        parts.append(ctx.kidney_function)
    if ctx.conditions:
        parts.append("conditions: " + ", ".join(ctx.conditions))
    if ctx.medications:
        parts.append("current medications: " + ", ".join(ctx.medications))
    return "; ".join(parts) if parts else None


def reference_line(ref_number: int, label: str, title: str, publisher: str, year: int | None, url: str) -> str:
    """One reference in Markdown; title and publisher escaped, the address shown only if http(s)."""
    meta = ", ".join(x for x in (escape_markdown(publisher), str(year) if year else "") if x)
    line = f"[{ref_number}] **{label}** — {escape_markdown(title)}"
    if meta:
        line += f". {meta}"
    url = safe_url(url)
    if url:
        line += f". {url}"
    return line


_ESCAPED_MARKER = re.compile(r"\\\[(\d+)\\\]")


def notes_line(notes: Sequence[str]) -> str:
    """The answer's notes as one italic line. They are Curbside's own words; their [n] markers
    point at references like a statement's (escaped, "\\[2\\]" reads as LaTeX in clients such as
    Open WebUI)."""
    return "*" + _ESCAPED_MARKER.sub(r"[\1]", escape_markdown(" ".join(notes))) + "*"


def _references(answer: Answer) -> list[str]:
    if not answer.references:
        return []
    return ["", "### References", *(reference_line(r.number, r.label, r.title, r.publisher, r.year, r.url) for r in answer.references)]


def to_markdown(answer: Answer, *, show_passages: bool = False) -> str:
    """Markdown for chat clients and terminals; statements keep their ``[n]`` markers."""
    lines: list[str] = []
    ctx = context_line(answer)
    if answer.abstained:
        lead = "**Not answered by the library.**" if answer.coverage == "partial" else "**Not answered by the indexed sources.**"
        lines.append(lead + " " + escape_markdown(answer.abstention_reason or ""))
        if answer.missing and answer.coverage != "partial":
            lines.append("")
            lines.append("Missing from the sources: " + escape_markdown(", ".join(answer.missing)) + ".")
        if answer.sections:
            for section in answer.sections:
                lines.append("")
                lines.append(f"### {section.title}")
                for st in section.statements:
                    lines.append(f"- {escape_markdown(st.text)} {_cites(st)}")
        elif answer.passages:
            lines.append("")
            lines.append("Closest passages (for reference only, not a recommendation):")
            for p in answer.passages[:3]:
                snippet = escape_markdown(display_text(p.chunk.text)[:220])
                title, publisher = escape_markdown(p.document.title), escape_markdown(p.document.publisher)
                lines.append(f"- *{title}* ({publisher}, {p.document.year}): {snippet}…")
        lines += _references(answer)
        return "\n".join(lines)
    if ctx:
        lines.append(f"*Patient context considered: {escape_markdown(ctx)}.*")
        lines.append("")
    if answer.decision_text:
        lines.append(f"**{escape_markdown(verdict_line(answer))}** {_marks(answer.decision_citations)}".rstrip())
        lines.append("")
    if answer.bottom_line:
        lines.append(f"**Bottom line:** {escape_markdown(answer.bottom_line.text)} {_cites(answer.bottom_line)}{unverified_flag(answer.bottom_line)}")
    for section in answer.sections:
        lines.append("")
        lines.append(f"### {section.title}")
        for st in section.statements:
            lines.append(f"- {escape_markdown(st.text)} {_cites(st)}{unverified_flag(st)}")
    if answer.evidence_notes:
        lines.append("")
        lines.append(notes_line(answer.evidence_notes))
    lines += _references(answer)
    if show_passages:
        lines.append("")
        lines.append("### Retrieved passages")
        for p in answer.passages:
            lines.append(f"- ({p.rank}) {escape_markdown(p.document.title)} \\[{p.chunk.chunk_id}\\] score {p.score:.3f}")
    return "\n".join(lines)
