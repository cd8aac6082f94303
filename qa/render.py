"""Render an :class:`Answer` as Markdown with inline ``[n]`` reference markers."""

from __future__ import annotations

import re

from curbside.qa.types import Answer, PatientContext, Statement

_SOURCE_MARKERS = re.compile(r"\s*\[\d+(?:\s*[,;–-]\s*\d+)*\]")


def display_text(quote: str) -> str:
    """A quoted sentence as shown: whitespace collapsed, the source's own reference numbers
    ("... adverse events [12].") removed so they cannot pass for the answer's [n] markers."""
    return " ".join(_SOURCE_MARKERS.sub("", quote).split())


def _cites(statement: Statement) -> str:
    return "".join(f"[{n}]" for n in dict.fromkeys(c.ref for c in statement.citations))


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
    meta = ", ".join(x for x in (publisher, str(year) if year else "") if x)
    line = f"[{ref_number}] **{label}** — {title}"
    if meta:
        line += f". {meta}"
    if url:
        line += f". {url}"
    return line


def to_markdown(answer: Answer, *, show_passages: bool = False) -> str:
    """Markdown for chat clients and terminals; statements keep their ``[n]`` markers."""
    lines: list[str] = []
    ctx = context_line(answer)
    if answer.abstained:
        lines.append("**Not answered by the indexed sources.** " + (answer.abstention_reason or ""))
        if answer.missing:
            lines.append("")
            lines.append("Missing from the sources: " + ", ".join(answer.missing) + ".")
        if answer.passages:
            lines.append("")
            lines.append("Closest passages (for reference only, not a recommendation):")
            for p in answer.passages[:3]:
                snippet = display_text(p.chunk.text)[:220]
                lines.append(f"- *{p.document.title}* ({p.document.publisher}, {p.document.year}): {snippet}…")
        return "\n".join(lines)
    if ctx:
        lines.append(f"*Patient context considered: {ctx}.*")
        lines.append("")
    if answer.bottom_line:
        lines.append(f"**Bottom line:** {answer.bottom_line.text} {_cites(answer.bottom_line)}")
    for section in answer.sections:
        lines.append("")
        lines.append(f"### {section.title}")
        for st in section.statements:
            flag = " *(unverified)*" if st.supported is False else ""
            lines.append(f"- {st.text} {_cites(st)}{flag}")
    if answer.evidence_notes:
        lines.append("")
        lines.append("*" + " ".join(answer.evidence_notes) + "*")
    if answer.references:
        lines.append("")
        lines.append("### References")
        for ref in answer.references:
            lines.append(reference_line(ref.number, ref.label, ref.title, ref.publisher, ref.year, ref.url))
    if show_passages:
        lines.append("")
        lines.append("### Retrieved passages")
        for p in answer.passages:
            lines.append(f"- ({p.rank}) {p.document.title} [{p.chunk.chunk_id}] score {p.score:.3f}")
    return "\n".join(lines)
