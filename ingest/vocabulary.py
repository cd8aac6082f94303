"""Shared drug vocabulary: names (brands, codes, abbreviations → generics) and drug classes.

It lives in the ingest layer so that index-time tagging and query-time framing use one matcher
(``qa.aliases`` re-exports the name half for existing imports).

Names come from two sources: the curated table shipped in ``ingest/data/drug_aliases.json`` and
aliases learned from the indexed corpus at ingest time (``learn_aliases``: patterns such as
"tacrolimus (Prograf, FK506)" or "KINERET (anakinra)").

Classes (``DrugClasses``; ``classes_of``, ``members_of``, ``find_classes``): memberships are built
from fetched public sources (FDA EPC/MoA and MeSH PA via DrugCentral; FDA's CYP/transporter table)
by ``scripts/build_drug_classes.py`` into ``ingest/data/drug_classes.json``, each with its source
record; the curated part is the class names in ``drug_class_names.json`` (canonical name, the
source classes it stands for, the ways documents name it). ``learn_class_members`` reads the
memberships a document states. Provenance: ``ingest/data/README.md``. All matching is on word
boundaries, through one character-trie regex per table (``trie_regex``).
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


_COMPOUND_SUFFIX = r"(?:based|containing|treated|exposed|dependent)"
"""Suffixes after which a hyphenated drug name still names a drug the patient takes or is given ("a
Tivicay-based regimen", "insulin-treated", "steroid-dependent"). Any other hyphen continues a
different word ("anti-TNF", "FK-506" against "FK"), names a condition the drug causes rather than
a drug taken ("heparin-induced thrombocytopenia": the patient must not get heparin; "-associated",
"-related" alike), or turns the name against the patient ("steroid-free", "methotrexate-naive"),
so the name does not match there."""


@lru_cache(maxsize=8)
def _name_pattern(names: frozenset[str]) -> re.Pattern[str] | None:
    """The compiled matcher for a set of names (cached: building the trie costs ~0.1 s)."""
    if not names:
        return None
    return re.compile(r"(?<![\w-])(" + trie_regex(names) + r")(?!\w)(?!-(?!" + _COMPOUND_SUFFIX + r"\b))", re.I)


@lru_cache(maxsize=8)
def _class_pattern(surfaces: frozenset[str]) -> re.Pattern[str] | None:
    """The compiled class-mention matcher: whole words, optional plural (cached like names)."""
    if not surfaces:
        return None
    return re.compile(r"(?<![\w-])(" + trie_regex(surfaces, end=_PLURAL) + r")(?!\w)", re.I)


_SEPARATOR = "\x00"  # a space or hyphen inside a name: matches "-", one whitespace, or nothing


def trie_regex(names: Iterable[str], end: str = "") -> str:
    """One regex alternation for many names, factored as a character trie (case-folded).

    Equivalent to ``name1|name2|...`` with spaces and hyphens inside a name matching ``[-\\s]?``
    ("FK-506" = "FK 506" = "FK506"), but the regex engine tests each character once instead of
    once per name, which makes matching hundreds of names over a corpus fast. Longer names are
    tried before their prefixes (greedy), so "mycophenolate mofetil" wins over "mycophenolate".
    ``end`` is appended where a name ends (e.g. an optional plural).
    """
    root: dict[str, dict] = {}
    for name in names:
        parts = [p for p in re.split(r"[-\s]+", name.strip().lower()) if p]
        if not parts:
            continue
        node = root
        for ch in _SEPARATOR.join(parts):
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_node_regex(root, end) if root else "(?!)"


def _trie_node_regex(node: dict[str, dict], end: str) -> str:
    branches = [
        (r"[-\s]?" if ch == _SEPARATOR else re.escape(ch)) + _trie_node_regex(child, end)
        for ch, child in sorted(node.items())
        if ch
    ]
    terminal = "" in node
    if not branches:
        return end
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if not terminal:
        return body
    return f"(?:{body}|{end})" if end else f"(?:{body})?"


def alias_key(name: str) -> str:
    """Case- and punctuation-insensitive key ("FK-506" == "fk506")."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass
class AliasTable:
    """alias → generic, plus the generic names themselves, with a compiled matcher."""

    aliases: dict[str, str] = field(default_factory=dict)  # display alias -> generic
    generics: set[str] = field(default_factory=set)
    classes: dict[str, str] = field(default_factory=dict)
    active_forms: dict[str, str] = field(default_factory=dict)  # prodrug -> the drug it becomes
    _pattern: re.Pattern[str] | None = None
    _by_key: dict[str, str] = field(default_factory=dict)

    @classmethod
    def bundled(cls) -> AliasTable:
        return _bundled_table().copy()

    @classmethod
    def from_data(cls, data: Mapping[str, object]) -> AliasTable:
        table = cls()
        drugs = data.get("drugs", [])
        if not isinstance(drugs, list):
            raise ValueError("drug alias data: 'drugs' must be a list of entries")
        for index, entry in enumerate(cast("list[dict[str, Any]]", drugs)):
            if not isinstance(entry, dict) or not str(entry.get("generic") or "").strip():
                raise ValueError(f"drug alias data: drugs[{index}] has no 'generic' name")
            if not isinstance(entry.get("aliases", []), list):
                raise ValueError(f"drug alias data: drugs[{index}] ({entry['generic']}): 'aliases' must be a list")
            generic = str(entry["generic"]).lower()
            table.generics.add(generic)
            if entry.get("class"):
                table.classes[generic] = str(entry["class"])
            if entry.get("active_form"):
                table.active_forms[generic] = str(entry["active_form"]).lower()
            for alias in entry.get("aliases", []):
                table.aliases[str(alias)] = generic
        unknown = sorted(f for f in table.active_forms.values() if f not in table.generics)
        if unknown:
            raise ValueError(f"drug alias data: active_form {unknown[0]!r} is not a generic of the table")
        table._compile()
        return table

    def copy(self) -> AliasTable:
        new = AliasTable(dict(self.aliases), set(self.generics), dict(self.classes), dict(self.active_forms))
        new._pattern, new._by_key = self._pattern, dict(self._by_key)  # same names, same matcher
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
        self._pattern = _name_pattern(frozenset({*self.aliases, *self.generics}))

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

    def kin(self, generic: str) -> frozenset[str]:
        """The drugs that become the same active drug in the body as ``generic``, itself included:
        a prodrug and its active form (mycophenolate mofetil and mycophenolic acid, prednisone and
        prednisolone, valganciclovir and ganciclovir). What a source says of one of them (an
        interaction, a contraindication, pregnancy) is said of the drug the patient gets from the
        other; their doses differ, which :mod:`curbside.qa.plan` holds to."""
        root = self.active_forms.get(generic, generic)
        return frozenset({generic, root, *(g for g, f in self.active_forms.items() if f == root)})

    def names_of(self, generic: str) -> list[str]:
        """The generic and every alias of it (for matching passages that use a brand name)."""
        return [generic, *(a for a, g in self.aliases.items() if g == generic)]


def _read_data(name: str) -> Any:
    """A bundled vocabulary file, with its name in any error."""
    try:
        return json.loads(resources.files("curbside.ingest").joinpath("data", name).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"ingest/data/{name}: {exc}") from exc


@lru_cache(maxsize=1)
def _bundled_table() -> AliasTable:
    data = _read_data("drug_aliases.json")
    try:
        return AliasTable.from_data(data)
    except ValueError as exc:
        raise ValueError(f"ingest/data/drug_aliases.json: {exc}") from exc


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


# Drug-name shapes for finding names the table lacks (a wider net than _DRUG_SUFFIX, which decides
# what learn_aliases may learn): INN stems, plus the cephalosporin prefix.
_DRUG_NAME_HINT = re.compile(
    r"(?:" + _DRUG_SUFFIX.pattern.removesuffix("$") + r"|navir|previr|purine|fibrate|azepam|azolam|"
    r"barbital|terol|azolamide|mustine|platin|rubicin|taxel|setron|triptan|oxetine|triptyline)$|^cef",
    re.I,
)
# English words that end like drugs ("except" ends in -cept)
_NOT_DRUG_WORDS = {
    "except", "accept", "concept", "intercept", "precept", "receptor", "cholesterol", "purine",
    "thiopurine", "pyrimidine",
}


# What introduces the drugs a class is said to include, right after the class mention:
# "IL-1 inhibitor, such as anakinra", "strong CYP3A4 inhibitors (e.g., clarithromycin",
# "Strong CYP3A4 inhibitors named in the colchicine label include atazanavir"
_LIST_INTRO = re.compile(
    r"^\s*(?:,\s*|\(\s*)?(?:(?:such\s+as|including|e\.\s?g\.,?|eg,?|for\s+example,?)\s+|"
    r"(?:[\w-]+\s+){0,6}?(?:include|includes|are|is)\s+|\((?!\s*(?:see|e\.g|eg)\b))",
    re.I,
)
# between two listed drugs: a brand in parentheses, a comma or slash, "and"/"or"
_LIST_GAP = re.compile(r"^(?:\s*\([^()]{0,60}\))?\s*(?:,|/)?\s*(?:(?:and|or|and/or)\s+)?$", re.I)
# "the TNF inhibitor etanercept": an article, the class, then one drug
_ARTICLE_BEFORE = re.compile(r"(?:^|\s)(?:the|a|an)\s+$", re.I)
# "<drug> (Brand), a/an <class>", "<drug> is a/an <class>", "<drug> (a/an <class>"
_DRUG_IS = re.compile(r"^(?:\s*\([^()]{0,60}\))?\s*(?:,\s*|\(\s*|\s+is\s+)(?:an?)\s+$", re.I)
_COORDINATION_AFTER = re.compile(r"^\s*(?:\([^()]{0,40}\))?\s*(?:,\s*(?:or|and|an?|the)\b|(?:or|and)\b)", re.I)
_COORDINATION_GAP = re.compile(r"^\s*(?:,|/|and/or|and|or)?\s*(?:(?:and|or)\s+)?$", re.I)
_LEARN_WINDOW = 240  # characters after a class mention searched for its members


def learn_class_members(
    text: str, table: AliasTable | None = None, classes: DrugClasses | None = None
) -> dict[str, set[str]]:
    """Class memberships a document states: "IL-1 inhibitors such as anakinra or canakinumab",
    "strong CYP3A4 inhibitors (e.g., clarithromycin, ketoconazole)", "the TNF inhibitor
    etanercept", "febuxostat is a xanthine oxidase inhibitor". {class name: generics}.

    Only drugs in an unbroken list right after an explicit "such as"/"including"/"(" (or one
    drug right after "the <class>", or a drug followed by "is a"/", a" and the class) count, so a
    sentence that merely mentions a class and a drug is not a membership.
    """
    table = table or AliasTable.bundled()
    classes = classes or DrugClasses.bundled()
    drugs = table.find(text)
    mentions = classes.find_classes(text)
    learned: dict[str, set[str]] = {}
    # coordinated classes share the list that follows the last of them:
    # "Strong CYP3A4 and P-glycoprotein inhibitors such as ketoconazole" names both
    group: list[str] = []
    for index, (start, end, _surface, cls_name) in enumerate(mentions):
        group.append(cls_name)
        following = mentions[index + 1] if index + 1 < len(mentions) else None
        if following is not None and _COORDINATION_GAP.match(text[end : following[0]]):
            continue
        classes_here, group = group, []
        window = text[end : end + _LEARN_WINDOW]
        stop = re.search(r"[.;:](?:\s|$)|\)", window)
        limit = end + (stop.start() if stop else len(window))
        intro = _LIST_INTRO.match(window)
        members: list[str] = []
        if intro is not None:
            pos = end + intro.end()
            for d_start, d_end, _d_surface, generic in drugs:
                if d_start < pos:
                    continue
                if d_start >= limit or not _LIST_GAP.match(text[pos:d_start]):
                    break
                members.append(generic)
                brand = re.match(r"\s*\([^()]{0,60}\)", text[d_end:])  # "anakinra (Kineret)"
                pos = d_end + (brand.end() if brand else 0)
                limit = max(limit, pos)
                nxt = re.search(r"[.;:](?:\s|$)|\)(?!\s*(?:,|and|or))", text[pos : end + _LEARN_WINDOW])
                limit = pos + (nxt.start() if nxt else _LEARN_WINDOW)
        elif _ARTICLE_BEFORE.search(text[max(0, start - 5) : start]):
            after_drugs = [d for d in drugs if d[0] >= end]
            if after_drugs and text[end : after_drugs[0][0]] in ("", " "):
                members.append(after_drugs[0][3])
        if members:
            for name in classes_here:
                learned.setdefault(name, set()).update(members)
    for _d_start, d_end, _surface, generic in drugs:
        after = text[d_end : d_end + 120]
        for c_start, c_end, _c_surface, cls_name in classes.find_classes(after):
            # "colchicine, an NSAID, or a glucocorticoid" lists alternatives; it is no apposition
            if _DRUG_IS.match(after[:c_start]) and not _COORDINATION_AFTER.match(after[c_end:]):
                learned.setdefault(cls_name, set()).add(generic)
            break
    return learned


def unknown_drug_names(text: str, table: AliasTable, classes: DrugClasses | None = None) -> list[str]:
    """Drug-shaped words of ``text`` that neither the alias table nor the class names know.

    For checking that a corpus's drugs are in the table (``scripts/corpus_drug_gaps.py``); a word
    inside a span the table matches ("co-trimoxazole") is known.
    """
    known = [(start, end) for start, end, _surface, _generic in table.find(text)]
    out: list[str] = []
    for match in re.finditer(r"(?<![\w-])[A-Za-z][A-Za-z-]*[A-Za-z](?![\w-])", text):
        word = match.group(0)
        low = word.lower()
        if len(low) < 5 or low in _NOT_DRUG_WORDS or not _DRUG_NAME_HINT.search(low.split("-")[-1]):
            continue
        if any(s <= match.start() and match.end() <= e for s, e in known):
            continue
        parts = [p for p in low.split("-") if _DRUG_NAME_HINT.search(p)]
        if "-" in low and parts and all(table.lookup(p) for p in parts):  # "ICS-formoterol"
            continue
        if classes is not None and classes.resolve(low) is not None:
            continue
        if low not in out:
            out.append(low)
    return out


def expand_query(generics: Iterable[str], table: AliasTable) -> list[str]:
    """Names to add to a lexical query so passages using brand names also match."""
    out: list[str] = []
    for generic in generics:
        for name in table.names_of(generic)[:4]:
            if name not in out:
                out.append(name)
    return out


# --------------------------------------------------------------------------------------------
# Drug classes
# --------------------------------------------------------------------------------------------

# Every surface ("PPI", "NSAID", "proton-pump inhibitor") matches as a whole word only,
# case-insensitively, with hyphen/space variation and an optional plural.
_PLURAL = r"(?:s|es)?"


@dataclass
class DrugClasses:
    """Which classes each generic belongs to, and how documents name those classes.

    Memberships come from ``ingest/data/drug_classes.json`` (built from a fetched source by
    ``scripts/build_drug_classes.py``); the canonical class names and their surfaces come from
    ``ingest/data/drug_class_names.json``. Every membership keeps the source records behind it
    (``evidence``).
    """

    source: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # generic -> records
    canonical: list[dict[str, Any]] = field(default_factory=list)
    aliases: AliasTable | None = None
    _members: dict[str, list[str]] = field(default_factory=dict)
    _classes: dict[str, list[str]] = field(default_factory=dict)
    _evidence: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)
    _by_surface: dict[str, str] = field(default_factory=dict)  # canonical names and surfaces
    _by_raw: dict[str, str] = field(default_factory=dict)  # source class names
    _display: dict[str, str] = field(default_factory=dict)
    _pattern: re.Pattern[str] | None = None

    @classmethod
    def bundled(cls) -> DrugClasses:
        return _bundled_classes()

    @classmethod
    def from_data(
        cls, classes: Mapping[str, Any], names: Mapping[str, Any], aliases: AliasTable | None = None
    ) -> DrugClasses:
        drugs = classes.get("drugs")
        if not isinstance(drugs, dict):
            raise ValueError("drug classes data: 'drugs' must be an object of generic -> records")
        canonical = names.get("classes")
        if not isinstance(canonical, list):
            raise ValueError("drug class names data: 'classes' must be a list")
        for generic, records in drugs.items():
            if not isinstance(records, list) or not all(isinstance(r, dict) and r.get("class") for r in records):
                raise ValueError(f"drug classes data: drugs[{generic!r}] must be a list of records with a 'class'")
        for index, entry in enumerate(canonical):
            if not isinstance(entry, dict) or not entry.get("name"):
                raise ValueError(f"drug class names data: classes[{index}] has no 'name'")
            if not isinstance(entry.get("source_classes", []), list) or not isinstance(entry.get("surfaces", []), list):
                raise ValueError(f"drug class names data: classes[{index}] ({entry['name']}): 'source_classes' and 'surfaces' must be lists")
        table = cls({str(g).lower(): list(r) for g, r in drugs.items()}, list(canonical), aliases)
        table._build()
        return table

    def _build(self) -> None:
        members: dict[str, list[str]] = {}
        evidence: dict[tuple[str, str], list[dict[str, str]]] = {}

        def add(cls_name: str, generic: str, record: dict[str, str]) -> None:
            if generic not in members.setdefault(cls_name, []):
                members[cls_name].append(generic)
            records = evidence.setdefault((generic, cls_name), [])
            if record not in records:
                records.append(record)

        raw_by_drug: dict[str, dict[str, list[dict[str, str]]]] = {}
        for generic, records in self.source.items():
            for record in records:
                raw = str(record["class"]).lower()
                raw_by_drug.setdefault(generic, {}).setdefault(raw, []).append(record)
        canonical_names = []
        for entry in self.canonical:
            name = str(entry["name"]).lower()
            canonical_names.append(name)
            wanted = {str(s).lower() for s in entry.get("source_classes", [])}
            derive = entry.get("derive")
            authority = entry.get("authority")
            excluded = {str(g).lower() for g in entry.get("exclude", {})}
            rule = entry.get("source_class_pattern")
            pattern = re.compile(str(rule["pattern"]), re.I) if rule else None
            for generic, raws in raw_by_drug.items():
                if generic in excluded:
                    continue
                only = _authority_type(authority, raws)
                picked = set(wanted & raws.keys())
                if not any(r.get("type") == "EPC" for rs in raws.values() for r in rs):
                    # classes trusted only where FDA has not classed the drug at all
                    picked |= {str(c).lower() for c in entry.get("fallback_classes", [])} & raws.keys()
                if pattern is not None and rule is not None:
                    picked |= {
                        raw for raw, records in raws.items()
                        if pattern.search(raw) and any(r.get("type") == rule.get("type", r.get("type")) for r in records)
                    }
                for raw in sorted(picked):
                    for record in raws[raw]:
                        if only is None or record.get("type") == only:
                            add(name, generic, record)
                if derive:
                    for record in _derived(derive, raws):
                        add(name, generic, {**record, "derived": json.dumps(derive, sort_keys=True)})
            surfaces = [name, *entry.get("surfaces", [])]
            for surface in surfaces:
                self._by_surface.setdefault(_class_key(surface), name)
        # raw FDA EPC names are classes too, so every classified drug has at least one
        # (a source class named like a canonical class, as learned "document" records are, only
        # counts through the canonical entry and its rules)
        canonical_set = set(canonical_names)
        for generic, raws in raw_by_drug.items():
            for raw, records in raws.items():
                if raw in canonical_set:
                    continue
                for record in records:
                    add(raw, generic, record)
                self._by_raw.setdefault(_class_key(raw), raw)
        self._members = {c: sorted(g) for c, g in members.items()}
        self._evidence = evidence
        order = {n: i for i, n in enumerate(canonical_names)}
        classes: dict[str, list[str]] = {}
        for (generic, cls_name), records in evidence.items():
            if cls_name in order or any(r.get("type") == "EPC" for r in records):
                classes.setdefault(generic, []).append(cls_name)
        # a source class that one of the drug's canonical classes stands for adds nothing
        # ("calcineurin inhibitor immunosuppressant" under "calcineurin inhibitor")
        covered = {str(e["name"]).lower(): {str(s).lower() for s in e.get("source_classes", [])} for e in self.canonical}
        for generic, cs in classes.items():
            mine = set(cs)
            shadowed = set().union(*(covered[c] for c in mine if c in covered))
            classes[generic] = [c for c in cs if c in order or c not in shadowed]
        self._classes = {
            g: sorted(cs, key=lambda c: (order.get(c, len(order)), c)) for g, cs in classes.items()
        }
        self._display = {str(e["name"]).lower(): str(e.get("display") or e["name"]) for e in self.canonical}
        self._pattern = _class_pattern(
            frozenset(str(s) for e in self.canonical for s in [e["name"], *e.get("surfaces", [])])
        )

    def add(self, learned: Mapping[str, Iterable[str]], source: str = "document") -> DrugClasses:
        """A copy with memberships a corpus states ({class name: generics}, e.g. from
        ``learn_class_members``); each is recorded with type "document" and ``source``."""
        extra: dict[str, list[dict[str, str]]] = {g: list(r) for g, r in self.source.items()}
        for cls_name, generics in learned.items():
            key = self.resolve(cls_name)
            if key is None:
                continue
            for generic in generics:
                record = {"class": key, "type": "document", "id": source, "source_drug": generic}
                if record not in extra.setdefault(generic, []):
                    extra[generic].append(record)
        canonical = [
            {**e, "source_classes": [*e.get("source_classes", []), str(e["name"]).lower()]} for e in self.canonical
        ]
        table = DrugClasses(extra, canonical, self.aliases)
        table._build()
        return table

    def _generic(self, name: str) -> str:
        low = name.strip().lower()
        if low in self.source or self.aliases is None:
            return low
        return self.aliases.lookup(name) or low

    def classes_of(self, generic: str) -> list[str]:
        """Normalised lower-case classes of a drug (canonical names first, then FDA EPC names)."""
        return list(self._classes.get(self._generic(generic), []))

    def members_of(self, class_name: str) -> list[str]:
        """Generics in a class, named canonically, by a surface ("PPIs"), or by a source class name."""
        key = self.resolve(class_name)
        return list(self._members.get(key, [])) if key else []

    def resolve(self, class_name: str) -> str | None:
        """The class a name stands for ("NSAIDs" -> "nsaid"), or None if unknown."""
        key = _class_key(class_name)
        for candidate in (key, *(key[: -len(s)] for s in ("es", "s") if key.endswith(s))):
            if candidate in self._by_surface:
                return self._by_surface[candidate]
        return self._by_raw.get(key)

    def evidence(self, generic: str, class_name: str) -> list[dict[str, str]]:
        """The source records that put ``generic`` in ``class_name`` (empty if it is not a member)."""
        key = self.resolve(class_name) or class_name.lower()
        return list(self._evidence.get((self._generic(generic), key), []))

    def find_classes(self, text: str) -> list[tuple[int, int, str, str]]:
        """(start, end, surface, class name) of every class mention in ``text``, whole words only."""
        if self._pattern is None:
            return []
        out = []
        for match in self._pattern.finditer(text):
            surface = match.group(1)
            cls_name = self.resolve(surface)
            if cls_name is None:
                continue
            out.extend(self._coordinated(text, match.start(1), surface))
            out.append((match.start(1), match.end(1), surface, self._distributed(text, match.start(1), surface) or cls_name))
        out.extend(self._by_verb(text))
        return out

    def _by_verb(self, text: str) -> list[tuple[int, int, str, str]]:
        """Classes named by what their drugs do ("drugs that strongly inhibit both CYP3A4 and
        P-gp": strong CYP3A4 inhibitors and P-gp inhibitors, as the class names read them); the
        strength word, when it names a class of the table, is kept ("strong CYP3A4 inhibitor")."""
        found = []
        for m in _ACTS_ON.finditer(text):
            if re.search(r"\b(?:not|never|no)\s+(?:\w+\s+)?$|n't\s+$", text[max(0, m.start() - 20) : m.start()], re.I):
                continue  # "azithromycin does not inhibit CYP3A4" names no inhibitor
            strength = _STRENGTH.get((m.group("adv") or "").lower(), "")
            role = "inhibitor" if m.group("verb").lower().startswith("inhibit") else "inducer"
            for key in ("a", "b"):
                target = m.group(key)
                if not target:
                    continue
                name = (strength and self.resolve(f"{strength} {target} {role}")) or self.resolve(f"{target} {role}")
                if name is not None:
                    found.append((m.start(key), m.end(key), target, name))
        return found

    def _distributed(self, text: str, start: int, surface: str) -> str | None:
        """The class a qualifier ahead of a coordination gives the mention after it too: "strong
        P-glycoprotein and/or CYP3A4 inhibitors" are strong CYP3A4 inhibitors, which a moderate
        one (diltiazem) is not; None when the qualified name is no class of the table."""
        left = _COORDINATED.search(text[max(0, start - 60) : start])
        if left is None or len(left.group("q").split()) < 2:
            return None  # "CYP3A4 and P-gp inhibitors": no qualifier is shared
        cls_name = self.resolve(f"{left.group('q').split()[0]} {surface}")
        return cls_name if cls_name is not None and cls_name != self.resolve(surface) else None

    def _coordinated(self, text: str, start: int, surface: str) -> list[tuple[int, int, str, str]]:
        """Classes named by a coordinated qualifier before a mention ("strong CYP3A4 or P-gp
        inhibitors", "CYP3A4 and P-gp substrate"): the qualifier plus the mention's head word(s).

        The returned span covers the qualifier only ("strong CYP3A4"), the text that names it.
        """
        words = surface.split()
        if len(words) < 2:
            return []
        left = _COORDINATED.search(text[max(0, start - 60) : start])
        if left is None:
            return []
        qualifier = left.group("q")
        q_start = start - (len(text[max(0, start - 60) : start]) - left.start("q"))
        found: list[tuple[int, int, str, str]] = []
        for n_head in range(len(words) - 1, 0, -1):
            head = " ".join(words[-n_head:])
            for q_words in (qualifier.split()[-2:], qualifier.split()[-1:]):
                phrase = " ".join(q_words)
                cls_name = self.resolve(f"{phrase} {head}")
                if cls_name is not None and cls_name != self.resolve(surface):
                    offset = qualifier.rfind(phrase)
                    begin = q_start + offset
                    return [(begin, begin + len(phrase), text[begin : begin + len(phrase)], cls_name)]
        return found

    def display(self, class_name: str) -> str:
        """How an answer names a class: "ace inhibitor" -> "ACE inhibitor", "nsaid" -> "NSAID"."""
        key = self.resolve(class_name) or class_name.lower()
        return self._display.get(key, key)

    def surfaces(self, class_name: str) -> list[str]:
        """Every way the documents may write a class, its name first ("urate-lowering therapy",
        "urate-lowering drug", ..., "ULT"); only the name for a class the table does not list."""
        key = self.resolve(class_name) or class_name.lower()
        for entry in self.canonical:
            if str(entry["name"]).lower() == key:
                return list(dict.fromkeys([str(entry["name"]), *(str(x) for x in entry.get("surfaces", []))]))
        return [class_name]

    @property
    def class_names(self) -> list[str]:
        return [str(e["name"]).lower() for e in self.canonical]


def _authority_type(rule: Mapping[str, Any] | None, raws: Mapping[str, list[dict[str, str]]]) -> str | None:
    """The one source type a class may take its members from for this drug, or None for any.

    A class with ``authority: {"type": "FDA DDI", "when_any_of": [...]}`` trusts only that source
    for a drug the authoritative source lists on the same pathway: FDA's interaction table lists
    colchicine as a CYP3A *substrate*, so the SPL indexing's "CYP3A4 Inhibitors" for it is not used.
    """
    if not rule:
        return None
    kind = str(rule["type"])
    listed = any(
        r.get("type") == kind for c in rule.get("when_any_of", []) for r in raws.get(str(c).lower(), [])
    )
    return kind if listed else None


def _derived(rule: Mapping[str, Any], raws: Mapping[str, list[dict[str, str]]]) -> list[dict[str, str]]:
    """Source records selecting a drug for a derived class: in every ``all_of``, in no ``none_of``.

    ``of_type`` restricts both to one source vocabulary (e.g. FDA EPC), so "non-dihydropyridine
    calcium channel blocker" is the EPC "Calcium Channel Blocker" minus its dihydropyridines.
    """
    of_type = rule.get("of_type")

    def records(cls_name: str) -> list[dict[str, str]]:
        return [r for r in raws.get(cls_name, []) if of_type is None or r.get("type") == of_type]

    all_of = [records(c) for c in rule.get("all_of", [])]
    if not all_of or not all(all_of) or any(records(c) for c in rule.get("none_of", [])):
        return []
    return [r for rs in all_of for r in rs]


# "<qualifier> and/or/, " right before a class mention; the qualifier is one or two words
_TARGET = r"CYP\s?\d[A-Z]\d*|P-?gp|P-glycoprotein|OCT2|MATE1?|BCRP|OATP1B1"
_ACTS_ON = re.compile(
    r"\b(?:drugs?|agents?|medicines?|medications?|products?|those|others?)\s+(?:that|which)\s+(?:also\s+)?"
    r"(?:(?P<adv>strongly|potently|moderately|weakly)\s+)?(?P<verb>inhibit|induce)\s+(?:both\s+|either\s+)?"
    r"(?P<a>" + _TARGET + r")(?:\s*(?:and/or|and|or|/)\s*(?P<b>" + _TARGET + r"))?\b",
    re.I,
)
"""A class named by its action ("drugs that strongly inhibit both CYP3A4 and P-gp", "agents that
induce CYP3A4"), as labels often write it; a named substance that inhibits an enzyme ("grapefruit
juice inhibits CYP3A") is that substance, not the class."""
_STRENGTH = {"strongly": "strong", "potently": "strong", "moderately": "moderate", "weakly": "weak"}
_COORDINATED = re.compile(r"(?<![\w-])(?P<q>[\w-]+(?:\s+[\w-]+)?)\s*(?:,\s*and|,\s*or|and/or|and|or|/|,)\s*$", re.I)


def _class_key(name: str) -> str:
    return re.sub(r"[^a-z0-9α-ω]", "", name.lower())


@lru_cache(maxsize=1)
def _bundled_classes() -> DrugClasses:
    classes, names = _read_data("drug_classes.json"), _read_data("drug_class_names.json")
    try:
        return DrugClasses.from_data(classes, names, _bundled_table())
    except (ValueError, re.error) as exc:
        raise ValueError(f"ingest/data/drug_classes.json or drug_class_names.json: {exc}") from exc


def classes_of(generic: str) -> list[str]:
    """Classes of a drug in the bundled table, e.g. ``classes_of("ramipril")`` -> ["ace inhibitor", ...]."""
    return _bundled_classes().classes_of(generic)


def members_of(class_name: str) -> list[str]:
    """Bundled members of a class, e.g. ``members_of("PPIs")`` -> ["esomeprazole", ...]."""
    return _bundled_classes().members_of(class_name)


def find_classes(text: str) -> list[tuple[int, int, str, str]]:
    """Class mentions in ``text`` using the bundled class-name table."""
    return _bundled_classes().find_classes(text)
