"""Shared drug vocabulary: names (brands, codes, abbreviations → generics) and drug classes.

It lives in the ingest layer so that index-time tagging and query-time framing use one matcher
(``qa.aliases`` re-exports the name half for existing imports).

Names come from two sources: the curated table shipped in ``ingest/data/drug_aliases.json`` and
aliases learned from the indexed corpus at ingest time (``learn_aliases``: patterns such as
"tacrolimus (Prograf, FK506)" or "KINERET (anakinra)").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, cast

_DRUG_SUFFIX = re.compile(
    r"(mab|cept|kinra|nib|tinib|pril|sartan|olol|statin|limus|sporine|azole|mycin|cillin|floxacin|"
    r"gliptin|gliflozin|glutide|parin|xaban|gatran|purinol|xostat|ticase|lukast|tidine|prazole|"
    r"vir|cycline|afil|dronate|semide|thiazide|dipine|oxacin|zumab|ximab|umab)$",
    re.I,
)
_NOT_ALIASES = {
    "tnf", "il", "ckd", "ra", "us", "usa", "fda", "ema", "eu", "uk", "mg", "iv", "sc", "im", "po",
    "acr", "eular", "bsr", "kdigo", "cdc", "idsa", "ast", "ada", "aha", "acc", "who", "nice",
    "gout", "rems", "ci", "or", "hr", "rr", "and", "the", "see", "dose", "label", "daily", "oral",
    "tablet", "tablets", "injection", "capsules", "generic", "brand", "inn", "usan", "nsaid",
    "nsaids", "cni", "cnis", "cyp3a4", "cyp3a", "p-gp", "pgp", "egfr", "crcl", "bid", "tid",
    "hla", "ulT".lower(), "ult", "ppi", "ace", "arb", "dmard", "dmards", "jak",
}
_NAME_SHAPE = re.compile(r"^(?:[A-Z][A-Za-z]{2,}(?:[ -][A-Z]{1,3})?|[A-Z]{2,5}[- ]?\d{2,7}[A-Z]?|[A-Z][a-z]*[A-Z][A-Za-z]*)$")


def alias_key(name: str) -> str:
    """Case- and punctuation-insensitive key ("FK-506" == "fk506")."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass
class AliasTable:
    """alias → generic, plus the generic names themselves, with a compiled matcher."""

    aliases: dict[str, str] = field(default_factory=dict)  # display alias -> generic
    generics: set[str] = field(default_factory=set)
    classes: dict[str, str] = field(default_factory=dict)
    _pattern: re.Pattern[str] | None = None
    _by_key: dict[str, str] = field(default_factory=dict)

    @classmethod
    def bundled(cls) -> AliasTable:
        return _bundled_table().copy()

    @classmethod
    def from_data(cls, data: Mapping[str, object]) -> AliasTable:
        table = cls()
        drugs = cast("list[dict[str, Any]]", data.get("drugs", []))
        for entry in drugs:
            generic = str(entry["generic"]).lower()
            table.generics.add(generic)
            if entry.get("class"):
                table.classes[generic] = str(entry["class"])
            for alias in entry.get("aliases", []):
                table.aliases[str(alias)] = generic
        table._compile()
        return table

    def copy(self) -> AliasTable:
        new = AliasTable(dict(self.aliases), set(self.generics), dict(self.classes))
        new._compile()
        return new

    def add(self, learned: Mapping[str, str]) -> AliasTable:
        """A copy with learned aliases added (curated entries win on conflicts)."""
        new = self.copy()
        for alias, generic in learned.items():
            key = alias_key(alias)
            if key and key not in new._by_key:
                new.aliases[alias] = generic.lower()
                new.generics.add(generic.lower())
        new._compile()
        return new

    def _compile(self) -> None:
        self._by_key = {alias_key(g): g for g in self.generics}
        self._by_key.update({alias_key(a): g for a, g in self.aliases.items()})
        names = sorted({*self.aliases, *self.generics}, key=len, reverse=True)
        parts = []
        for name in names:
            escaped = re.escape(name).replace(r"\-", "[-\\s]?").replace(r"\ ", "[-\\s]?")
            parts.append(escaped)
        self._pattern = re.compile(r"(?<![\w-])(" + "|".join(parts) + r")(?![\w-])", re.I) if parts else None

    def lookup(self, name: str) -> str | None:
        return self._by_key.get(alias_key(name))

    def find(self, text: str) -> list[tuple[int, int, str, str]]:
        """(start, end, surface form, generic) of every drug mention in ``text``."""
        if self._pattern is None:
            return []
        out = []
        for match in self._pattern.finditer(text):
            surface = match.group(1)
            generic = self.lookup(surface)
            if generic is None:
                continue
            # short abbreviations must not be plain lower-case words ("aza", "asa")
            if len(alias_key(surface)) <= 4 and surface.islower() and surface.lower() != generic:
                continue
            out.append((match.start(1), match.end(1), surface, generic))
        return out

    def normalise(self, text: str) -> tuple[str, dict[str, str], list[str]]:
        """Replace aliases with generics; return (text, {alias: generic}, generics in order)."""
        pieces, replaced, found = [], {}, []
        pos = 0
        for start, end, surface, generic in self.find(text):
            pieces.append(text[pos:start])
            if surface.lower() != generic:
                replaced[surface] = generic
            pieces.append(generic)
            pos = end
            if generic not in found:
                found.append(generic)
        pieces.append(text[pos:])
        return "".join(pieces), replaced, found

    def names_of(self, generic: str) -> list[str]:
        """The generic and every alias of it (for matching passages that use a brand name)."""
        return [generic, *(a for a, g in self.aliases.items() if g == generic)]


@lru_cache(maxsize=1)
def _bundled_table() -> AliasTable:
    data = json.loads(resources.files("curbside.ingest").joinpath("data/drug_aliases.json").read_text("utf-8"))
    return AliasTable.from_data(data)


_PAREN = re.compile(r"\b([A-Za-z][A-Za-z-]{3,40})\s*\(([^()]{2,80})\)")


def learn_aliases(text: str, table: AliasTable | None = None) -> dict[str, str]:
    """Aliases stated in a document: "generic (Brand, CODE)" and "BRAND (generic)".

    A generic counts if the curated table knows it or it has a drug-like suffix (-mab, -limus, ...),
    so a user's corpus teaches Curbside drugs it has never seen.
    """
    table = table or AliasTable.bundled()
    learned: dict[str, str] = {}
    for match in _PAREN.finditer(text):
        head, inner = match.group(1), match.group(2)
        items = [i.strip() for i in re.split(r"[,;/]| or ", inner) if i.strip()]
        known = head.lower() in table.generics
        if known or _DRUG_SUFFIX.search(head):
            generic = head.lower()
            for item in items:
                item = re.sub(r"^(?:brand(?: name)?|also|e\.g\.|formerly|code)\s+", "", item, flags=re.I)
                # an acronym of letters only abbreviates a phrase ("low-molecular-weight heparin
                # (LMWH)"); accept it only when it starts like the drug name itself
                if item.isupper() and item.isalpha() and item[0].lower() != generic[0]:
                    continue
                if _is_alias_shape(item) and table.lookup(item) is None:
                    learned[item] = generic
        elif len(items) == 1 and items[0].lower() in table.generics and _is_alias_shape(head) and table.lookup(head) is None:
            learned[head] = items[0].lower()  # BRAND (generic)
    return learned


def _is_alias_shape(name: str) -> bool:
    return (
        2 < len(name) <= 30
        and name.lower() not in _NOT_ALIASES
        and bool(_NAME_SHAPE.match(name))
    )


def expand_query(generics: Iterable[str], table: AliasTable) -> list[str]:
    """Names to add to a lexical query so passages using brand names also match."""
    out: list[str] = []
    for generic in generics:
        for name in table.names_of(generic)[:4]:
            if name not in out:
                out.append(name)
    return out
