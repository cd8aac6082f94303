"""Build ``ingest/data/drug_classes.json``: the classes of every drug in the alias table.

Class *memberships* are read from a fetched source table, never written by hand; the curated part
is only the class *names* (``ingest/data/drug_class_names.json``: canonical name, the source
classes it stands for, and the ways documents name it).

Sources (see ``ingest/data/README.md`` for the provenance recorded in the output):

    --drugcentral DIR   a checkout of github.com/olegursu/drugtarget (DrugCentral's data
                        release); reads ``pharm_class.tsv``: FDA Established Pharmacologic Class /
                        Mechanism of Action / Physiologic Effect / Chemical Structure indexing and
                        NLM MeSH Pharmacological Action per active ingredient (CC BY 4.0)
    --fda-roles CSV     FDA's table of clinical CYP3A inhibitors/inducers (strong / moderate /
                        weak), (moderately) sensitive CYP3A substrates, P-gp inhibitors and
                        substrates; default: the verbatim row subset committed
                        at ``ingest/data/sources/fda_cyp3a_pgp_roles.csv`` (public domain)

Usage::

    python scripts/build_drug_classes.py --drugcentral /path/to/drugtarget \
        --commit 64630f7c2bc050f5af0a7cac7b08e778125284bc

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
FDA_ROLES = ROOT / "ingest" / "data" / "sources" / "fda_cyp3a_pgp_roles.csv"
FDA_ROLES_UPSTREAM = {
    "repository": "github.com/akarales/drug-interaction-visualizer",
    "path": "crates/engine/data/fda_roles.csv",
    "commit": "7b91b4c056acc82e2c61cf18a733542a03412dc9",
}

# CHEBI roles are left out: application roles ("nutraceutical",
# "food colouring") that are not pharmacologic classes.
KEPT_TYPES = {
    ("FDA", "EPC"): "EPC",
    ("FDA", "MoA"): "MoA",
    ("FDA", "PE"): "PE",
    ("FDA", "Chemical/Ingredient"): "CS",
    ("MeSH", "PA"): "MeSH PA",
}
# a source name "<generic> <salt>" ("fludrocortisone acetate", "tiotropium bromide") is that
# generic: the salt or ester does not change the pharmacologic class
SALTS = {
    "acetate", "bromide", "calcium", "chloride", "citrate", "dipropionate", "disodium", "fumarate",
    "hydrobromide", "hydrochloride", "hyclate", "maleate", "mesylate", "monohydrate", "phosphate",
    "potassium", "propionate", "sodium", "succinate", "sulfate", "tartrate", "furoate", "besylate",
    "magnesium", "dihydrate", "xinafoate", "etexilate", "medoxomil",
}
_COMBINATION_SPLIT = re.compile(r"\s*[/]\s*|-(?=[a-z])")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _names_to_generic(alias_data: dict[str, Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for entry in alias_data["drugs"]:
        generic = str(entry["generic"]).lower()
        for name in [generic, *entry.get("aliases", [])]:
            low = str(name).lower()
            names.setdefault(low, generic)
            words = low.split()
            if len(words) > 1 and words[-1] in SALTS:  # "tenofovir disoproxil fumarate"
                names.setdefault(" ".join(words[:-1]), generic)
    return names


def read_drugcentral(directory: Path) -> tuple[dict[str, list[dict[str, str]]], list[Path]]:
    """Source drug name (lower case) -> its class records, from DrugCentral's ``pharm_class.tsv``."""
    path = directory / "pharm_class.tsv"
    if not path.is_file():
        sys.exit(f"build_drug_classes: {path} not found (expected a checkout of olegursu/drugtarget)")
    by_drug: dict[str, list[dict[str, str]]] = defaultdict(list)
    with path.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        missing = {"DRUG_NAME", "TYPE", "CLASS_SOURCE_ID", "CLASS", "SOURCE"} - set(reader.fieldnames or [])
        if missing:
            sys.exit(f"build_drug_classes: {path}: missing columns {sorted(missing)}")
        for row in reader:
            kind = KEPT_TYPES.get((row["SOURCE"], row["TYPE"]))
            if kind is None:
                continue
            drug = row["DRUG_NAME"].strip()
            record = {"class": row["CLASS"].strip().lower(), "type": kind, "id": row["CLASS_SOURCE_ID"].strip(), "source_drug": drug}
            if record not in by_drug[drug.lower()]:
                by_drug[drug.lower()].append(record)
    return by_drug, [path]


def read_fda_roles(path: Path) -> dict[str, list[dict[str, str]]]:
    """FDA name (lower case) -> CYP3A inhibitor/inducer strength, CYP3A substrate sensitivity, P-gp roles.

    Rows of FDA's "Examples of Drugs that Interact with CYP Enzymes and Transporter Systems",
    Table 1 (columns drug_id, fda_name, pathway, role, level, source); ``#`` lines are comments.
    """
    if not path.is_file():
        sys.exit(f"build_drug_classes: {path} not found")
    by_drug: dict[str, list[dict[str, str]]] = defaultdict(list)
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    for line_no, row in enumerate(csv.DictReader(lines), start=1):
        try:
            name, pathway, role, level = row["fda_name"], row["pathway"], row["role"], row["level"]
        except KeyError as exc:
            sys.exit(f"build_drug_classes: {path}: data row {line_no}: missing column {exc}")
        if pathway == "CYP3A" and role in {"inhibitor", "inducer"} and level in {"strong", "moderate", "weak"}:
            cls_name = f"{level} cyp3a {role}"
        elif pathway == "CYP3A" and role == "substrate" and level in {"sensitive", "moderate-sensitive"}:
            cls_name = f"{level} cyp3a substrate"
        elif pathway == "P-gp" and role in {"inhibitor", "substrate"}:
            cls_name = f"p-gp transporter {role}"
        else:
            continue
        record = {"class": cls_name, "type": "FDA DDI", "id": row.get("source", ""), "source_drug": name}
        if record not in by_drug[name.strip().lower()]:
            by_drug[name.strip().lower()].append(record)
    return by_drug


def build(drugcentral: Path, commit: str, fda_roles: Path = FDA_ROLES) -> dict[str, Any]:
    alias_data = json.loads(ALIASES.read_text(encoding="utf-8"))
    names = _names_to_generic(alias_data)
    by_source_name, files = read_drugcentral(drugcentral)
    for name, records in read_fda_roles(fda_roles).items():
        by_source_name.setdefault(name, []).extend(records)
    # every source drug reachable from a generic: through the generic itself or an alias
    source_names_of: dict[str, set[str]] = defaultdict(set)
    for source_name in by_source_name:
        generic = names.get(source_name)
        words = source_name.split()
        while generic is None and len(words) > 1 and words[-1] in SALTS:
            words = words[:-1]
            generic = names.get(" ".join(words))
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
                part_names |= {n for n in by_source_name if n.split()[0] == part and set(n.split()[1:]) <= SALTS}
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
                    "name": "DrugCentral pharmacologic class table (FDA SPL pharmacologic class indexing and NLM MeSH Pharmacological Action per active ingredient)",
                    "repository": "github.com/olegursu/drugtarget",
                    "commit": commit,
                    "files": {p.name: {"sha256": _sha256(p)} for p in files},
                    "class_vocabularies": {
                        "EPC": "FDA Established Pharmacologic Class (N-codes; FDA SPL indexing, US government work)",
                        "MoA": "FDA Mechanism of Action (N-codes; FDA SPL indexing, US government work)",
                        "PE": "FDA Physiologic Effect (N-codes; FDA SPL indexing, US government work)",
                        "CS": "FDA Chemical Structure (N-codes; FDA SPL indexing, US government work)",
                        "MeSH PA": "NLM MeSH Pharmacological Action (D-codes; US government work)",
                    },
                    "licence": (
                        "Class assignments are FDA and NLM indexing (US government works, public domain); "
                        "the compiled table is DrugCentral's (Ursu et al., Nucleic Acids Res 2017; "
                        "University of New Mexico), released in that repository under CC BY 4.0: "
                        "attribution is given here and in ingest/data/README.md. The raw file is not copied."
                    ),
                },
                {
                    "name": "FDA, Examples of Drugs that Interact with CYP Enzymes and Transporter Systems, Table 1 (CYP3A inhibitor/inducer strength, sensitive CYP3A substrates, P-gp inhibitors and substrates)",
                    **FDA_ROLES_UPSTREAM,
                    "files": {
                        str(fda_roles.relative_to(ROOT)) if fda_roles.is_relative_to(ROOT) else str(fda_roles): {
                            "sha256": _sha256(fda_roles)
                        }
                    },
                    "licence": "US government work, public domain; the kept rows are committed verbatim in ingest/data/sources/",
                },
            ],
            "build_command": f"python scripts/build_drug_classes.py --drugcentral <checkout> --commit {commit}",
            "matching": (
                "source drug name == alias-table generic or alias (case-blind), also after dropping a "
                "trailing salt/ester word; combinations take their components' classes"
            ),
        },
        "drugs": drugs,
        "unclassified": sorted(unclassified),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drugcentral", type=Path, required=True, help="checkout of olegursu/drugtarget")
    parser.add_argument("--commit", required=True, help="commit of that checkout (recorded as provenance)")
    parser.add_argument("--fda-roles", type=Path, default=FDA_ROLES, help="FDA CYP/transporter role rows (CSV)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    data = build(args.drugcentral, args.commit, args.fda_roles)
    text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out}: {len(data['drugs'])} drugs classified, {len(data['unclassified'])} unclassified")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
