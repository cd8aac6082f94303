"""Non-drug interventions by name (``ingest/data/interventions.json``): devices, procedures,
screening tests, non-drug therapies and supplements.

Shared vocabulary like the drug and vaccine tables: "ICD?", "home oxygen", "compression stockings"
or "FIT" is what a question asks about exactly as a drug would be, so the question frame reads it
as the intervention when the question names no drug to start. Matching is on word boundaries;
short upper-case abbreviations (ICD, FIT, CRT) count only in upper case, so ordinary words are
never read as one.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

_SHORT = 5
"""Aliases this long or shorter that are written in capitals are abbreviations: they match only in
upper case ("FIT" is the test, "fit" is a word)."""


@lru_cache(maxsize=1)
def _kinds() -> dict[str, str]:
    data: dict[str, Any] = json.loads(resources.files("curbside.ingest").joinpath("data/interventions.json").read_text("utf-8"))
    return {entry["name"]: entry["kind"] for entry in data["interventions"]}


def kind_of(name: str) -> str | None:
    """"device", "procedure", "test", "therapy" or "supplement" for an intervention name; else None."""
    return _kinds().get(name)


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], frozenset[str], re.Pattern[str]]:
    data: dict[str, Any] = json.loads(resources.files("curbside.ingest").joinpath("data/interventions.json").read_text("utf-8"))
    by_alias: dict[str, str] = {}
    upper: set[str] = set()
    for entry in data["interventions"]:
        for alias in [entry["name"], *entry["aliases"]]:
            key = re.sub(r"[\s-]+", " ", alias.lower())
            if key in by_alias and by_alias[key] != entry["name"]:
                raise ValueError(f"ingest/data/interventions.json: alias {alias!r} names two interventions")
            by_alias[key] = entry["name"]
            if len(alias) <= _SHORT and alias.isupper():
                upper.add(key)
    names = sorted({a for e in data["interventions"] for a in [e["name"], *e["aliases"]]}, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(n).replace(r"\ ", r"[\s-]+") for n in names) + r")(?![\w-])", re.I)
    return by_alias, frozenset(upper), pattern


def find_interventions(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, surface, canonical name) of every non-drug intervention named in ``text``."""
    by_alias, upper, pattern = _table()
    out = []
    for m in pattern.finditer(text):
        surface = m.group(1)
        key = re.sub(r"[\s-]+", " ", surface.lower())
        if key in upper and not surface.isupper():
            continue
        name = by_alias.get(key)
        if name is not None:
            out.append((m.start(1), m.end(1), surface, name))
    return out


__all__ = ["find_interventions", "kind_of"]
