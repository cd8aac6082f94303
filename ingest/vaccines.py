"""Vaccines by name and brand, with the ACIP's live / inactivated kind (``ingest/data/vaccines.json``).

Shared vocabulary like the drug table: a question's "Varivax" or "FluMist" is an intervention whose
class is "live vaccine", so what the library says of live vaccines under immunosuppression applies.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

KIND_CLASS = {"live": "live vaccine", "inactivated": "inactivated vaccine"}


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], dict[str, str], re.Pattern[str]]:
    data: dict[str, Any] = json.loads(resources.files("curbside.ingest").joinpath("data/vaccines.json").read_text("utf-8"))
    by_alias: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for entry in data["vaccines"]:
        kinds[entry["name"]] = entry["kind"]
        for alias in [entry["name"], *entry["aliases"]]:
            by_alias[alias.lower()] = entry["name"]
    names = sorted(by_alias, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(n).replace(r"\ ", r"[\s-]+") for n in names) + r")(?![\w-])", re.I)
    return by_alias, kinds, pattern


def find_vaccines(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, surface, vaccine name) of every vaccine named in ``text``.

    Short upper-case abbreviations (MMR, BCG, LAIV) count only in upper case."""
    by_alias, _kinds, pattern = _table()
    out = []
    for m in pattern.finditer(text):
        surface = m.group(1)
        if len(surface) <= 5 and surface.isalpha() and not surface.isupper() and surface.lower() not in ("tdap",):
            continue
        key = surface.lower()
        name = by_alias.get(key) or by_alias.get(re.sub(r"[\s-]+", " ", key)) or key
        out.append((m.start(1), m.end(1), surface, name))
    return out


def vaccine_classes(name: str) -> list[str]:
    """["live vaccine"] or ["inactivated vaccine"] for a vaccine name; [] for anything else."""
    _by_alias, kinds, _pattern = _table()
    kind = kinds.get(name)
    return [KIND_CLASS[kind], "vaccine"] if kind else []
