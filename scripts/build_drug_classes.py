"""Build ``ingest/data/drug_classes.json``: the classes of every drug in the alias table.

Class *memberships* are read from a fetched source table, never written by hand; the curated part
is only the class *names* (``ingest/data/drug_class_names.json``: canonical name, the source
classes it stands for, and the ways documents name it).

Source (see ``ingest/data/README.md`` for the provenance recorded in the output):

    --drugcentral DIR   a checkout of github.com/dhimmel/drugcentral; reads
                        ``rephetio/drug-to-class.tsv`` and ``rephetio/classes.tsv`` (FDA
                        Established Pharmacologic Class / Mechanism of Action / Physiologic
                        Effect / Chemical Structure indexing, and NLM MeSH Pharmacological
                        Action, per DrugBank compound, as extracted from DrugCentral)

Usage::

    python scripts/build_drug_classes.py --drugcentral /path/to/drugcentral \
        --commit 0e085ddb6aa42be367c85eba424edea716bebd94

Each source drug name is matched to a generic of the alias table through the generic itself or
any of its aliases (INN spellings such as "rifampicin" or "aciclovir" are aliases), case-blind.
A fixed-dose combination ("trimethoprim-sulfamethoxazole", "sacubitril/valsartan") gets the
classes of its components, each recorded as coming from that component. A drug the source lacks
is listed under ``unclassified``; nothing is invented for it.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ALIASES = ROOT / "ingest" / "data" / "drug_aliases.json"
OUT = ROOT / "ingest" / "data" / "drug_classes.json"

# CHEBI roles are left out: a different licence (CC BY 4.0) and application roles ("nutraceutical",
# "food colouring") that are not pharmacologic classes.
KEPT_TYPES = {
    "FDA Established Pharmacologic Class": "EPC",
    "Mechanism of Action": "MoA",
    "Physiologic Effect": "PE",
    "Chemical/Ingredient": "CS",
    "Pharmacological Action": "MeSH PA",
}
_COMBINATION_SPLIT = re.compile(r"\s*[/]\s*|-(?=[a-z])")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _names_to_generic(alias_data: dict[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for entry in alias_data["drugs"]:
        generic = str(entry["generic"]).lower()
        for name in [generic, *entry.get("aliases", [])]:
            names.setdefault(str(name).lower(), generic)
    return names


def read_drugcentral(directory: Path) -> tuple[dict[str, list[dict[str, str]]], list[Path]]:
    """Source drug name (lower case) -> its class records."""
    drug_to_class = directory / "rephetio" / "drug-to-class.tsv"
    classes = directory / "rephetio" / "classes.tsv"
    for path in (drug_to_class, classes):
        if not path.is_file():
            sys.exit(f"build_drug_classes: {path} not found (expected a dhimmel/drugcentral checkout)")
    class_type: dict[str, tuple[str, str]] = {}
    with classes.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            class_type[row["class_id"]] = (row["class_source"], row["class_type"])
    by_drug: dict[str, list[dict[str, str]]] = defaultdict(list)
    with drug_to_class.open(encoding="utf-8") as handle:
        for line_no, row in enumerate(csv.DictReader(handle, delimiter="\t"), start=2):
            try:
                class_id, class_name, drug = row["class_id"], row["class_name"], row["drugbank_name"]
            except KeyError as exc:
                sys.exit(f"build_drug_classes: {drug_to_class}:{line_no}: missing column {exc}")
            if class_id not in class_type:
                sys.exit(f"build_drug_classes: {drug_to_class}:{line_no}: class {class_id} not in {classes}")
            kind = KEPT_TYPES.get(class_type[class_id][1])
            if kind is None:
                continue
            record = {"class": class_name.lower(), "type": kind, "id": class_id, "source_drug": drug}
            if record not in by_drug[drug.lower()]:
                by_drug[drug.lower()].append(record)
    return by_drug, [drug_to_class, classes]


def build(drugcentral: Path, commit: str) -> dict[str, Any]:
    alias_data = json.loads(ALIASES.read_text(encoding="utf-8"))
    names = _names_to_generic(alias_data)
    by_source_name, files = read_drugcentral(drugcentral)
    # every source drug reachable from a generic: through the generic itself or an alias
    source_names_of: dict[str, set[str]] = defaultdict(set)
    for source_name in by_source_name:
        generic = names.get(source_name)
        if generic is not None:
            source_names_of[generic].add(source_name)

    drugs: dict[str, list[dict[str, str]]] = {}
    unclassified: list[str] = []
    for entry in alias_data["drugs"]:
        generic = str(entry["generic"]).lower()
        records = [r for name in sorted(source_names_of.get(generic, ())) for r in by_source_name[name]]
        if not records and _COMBINATION_SPLIT.search(generic):
            for part in _COMBINATION_SPLIT.split(generic):
                part_generic = names.get(part, part)
                part_names = source_names_of.get(part_generic, set()) | ({part} if part in by_source_name else set())
                for name in sorted(part_names):
                    records.extend({**r, "via_component": part} for r in by_source_name[name])
        if records:
            drugs[generic] = records
        else:
            unclassified.append(generic)
    return {
        "version": 1,
        "provenance": {
            "sources": [
                {
                    "name": "DrugCentral drug-to-class extract (FDA SPL pharmacologic class indexing and NLM MeSH Pharmacological Action)",
                    "repository": "github.com/dhimmel/drugcentral",
                    "commit": commit,
                    "files": {f"rephetio/{p.name}": {"sha256": _sha256(p)} for p in files},
                    "class_vocabularies": {
                        "EPC": "FDA Established Pharmacologic Class (N-codes; FDA SPL indexing, US government work)",
                        "MoA": "FDA Mechanism of Action (N-codes; FDA SPL indexing, US government work)",
                        "PE": "FDA Physiologic Effect (N-codes; FDA SPL indexing, US government work)",
                        "CS": "FDA Chemical Structure (N-codes; FDA SPL indexing, US government work)",
                        "MeSH PA": "NLM MeSH Pharmacological Action (D-codes; US government work)",
                    },
                    "licence": (
                        "Class assignments are FDA and NLM indexing (US government works, public domain). "
                        "The extract is DrugCentral's (UNM), processed by dhimmel/drugcentral, whose "
                        "original content is CC0 1.0 and which states DrugCentral data is used with "
                        "permission; the raw files are not redistributed here."
                    ),
                }
            ],
            "build_command": f"python scripts/build_drug_classes.py --drugcentral <checkout> --commit {commit}",
            "matching": "source drug name == alias-table generic or alias (case-blind); combinations take their components' classes",
        },
        "drugs": drugs,
        "unclassified": sorted(unclassified),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drugcentral", type=Path, required=True, help="checkout of dhimmel/drugcentral")
    parser.add_argument("--commit", required=True, help="commit of that checkout (recorded as provenance)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    data = build(args.drugcentral, args.commit)
    text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out}: {len(data['drugs'])} drugs classified, {len(data['unclassified'])} unclassified")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
