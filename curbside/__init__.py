"""Curbside: open, local, verifiable clinical question answering.

    >>> from curbside import ask
    >>> answer = ask("Is it safe to start anakinra in a patient on tacrolimus?")
    >>> answer.bottom_line.text

Every statement of an :class:`Answer` cites the passage span that supports it, and an answer says
plainly (``answer.abstained``) when the indexed sources do not answer the question.
"""

from __future__ import annotations

from curbside.pipeline import Pipeline, __version__, ask, ensure_default_index, ingest
from curbside.qa.retrieval import Filters
from curbside.qa.types import (
    Answer,
    Citation,
    Passage,
    PatientContext,
    Reference,
    Section,
    Statement,
)
from curbside.settings import Settings

__all__ = [
    "Answer",
    "Citation",
    "Filters",
    "Passage",
    "PatientContext",
    "Pipeline",
    "Reference",
    "Section",
    "Settings",
    "Statement",
    "__version__",
    "ask",
    "ensure_default_index",
    "ingest",
]
