"""Front-door checks on what a caller hands the library: types, emptiness, and Unicode form.

Questions, follow-up turns and search queries are normalised exactly as document text is at
ingest (:func:`curbside.ingest.normalise_text`: NFKC, no soft hyphens, zero-width or other
control/format characters), then their whitespace is collapsed to single spaces. A drug name
hidden by a zero-width space ("cyclo\\u200bsporine"), a soft hyphen or fullwidth letters then
matches the same vocabulary and the same index terms as the documents it appears in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from curbside.ingest import normalise_text


def normalise_query(text: str) -> str:
    """``text`` normalised like ingested documents, on one line (whitespace runs → one space)."""
    return " ".join(normalise_text(text).split())


def _type_name(value: object) -> str:
    return "None" if value is None else type(value).__name__


def check_text(value: Any, name: str) -> str:
    """A non-empty string argument, normalised; TypeError/ValueError name the argument."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {_type_name(value)}")
    text = normalise_query(value)
    if not text:
        raise ValueError(f"{name} is empty" + (" (it holds only spaces or invisible characters)" if value else ""))
    return text


def check_history(history: Any) -> list[str]:
    """Earlier user turns: a list or tuple of strings (a bare string is refused, not read per character).

    Turns that are blank after normalisation are dropped: they carry no context.
    """
    if history is None:
        return []
    if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
        raise TypeError(
            f"history must be a list of earlier questions (strings), not {_type_name(history)}"
            + ("; wrap a single turn in a list: history=[turn]" if isinstance(history, str) else "")
        )
    turns = []
    for i, turn in enumerate(history):
        if not isinstance(turn, str):
            raise TypeError(f"history[{i}] must be a string, not {_type_name(turn)}")
        text = normalise_query(turn)
        if text:
            turns.append(text)
    return turns


def check_k(k: Any) -> int | None:
    """The number of passages asked for: None (the configured default) or a positive integer."""
    if k is None:
        return None
    if isinstance(k, bool) or not isinstance(k, int):
        raise TypeError(f"k must be a positive integer, not {_type_name(k)}")
    if k <= 0:
        raise ValueError(f"k must be a positive integer, not {k}")
    return k


def check_instance(value: Any, cls: type, name: str) -> None:
    """``value`` is None or a ``cls``; otherwise a TypeError naming the argument and both types."""
    if value is not None and not isinstance(value, cls):
        raise TypeError(f"{name} must be a {cls.__name__} or None, not {_type_name(value)}")
