"""List drug names in a corpus that the alias table lacks.

Two nets: drug-shaped words (INN stems such as -mab, -navir, cef-; ``unknown_drug_names``) and,
when given a DrugCentral checkout, every DrugCentral ingredient name that occurs in the corpus as
a whole word. Exit status 1 when anything is missing, so it can gate a corpus change.

Usage::

    python scripts/corpus_drug_gaps.py corpus/*.md [--drugcentral /path/to/drugtarget]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

from curbside.ingest.vocabulary import AliasTable, DrugClasses, unknown_drug_names

# DrugCentral ingredient names that are ordinary words in clinical text, not a drug being named
_NOT_DRUGS = {"glucose", "water", "oxygen", "sodium", "potassium", "calcium", "iron", "alcohol", "urea"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--drugcentral", type=Path, help="checkout of olegursu/drugtarget (pharm_class.tsv)")
    args = parser.parse_args(argv)
    table, classes = AliasTable.bundled(), DrugClasses.bundled()
    missing: dict[str, set[str]] = defaultdict(set)
    texts = {path: path.read_text(encoding="utf-8") for path in args.files}
    for path, text in texts.items():
        for name in unknown_drug_names(text, table, classes):
            missing[name].add(path.name)
    if args.drugcentral:
        source = args.drugcentral / "pharm_class.tsv"
        with source.open(encoding="utf-8") as handle:
            names = {row["DRUG_NAME"].strip().lower() for row in csv.DictReader(handle, delimiter="\t")}
        for path, text in texts.items():
            low = text.lower()
            # a name starting where the table matches a drug is that drug ("triamcinolone acetonide")
            known = {(s, e) for s, e, _surface, _generic in table.find(text)}
            for name in names:
                if len(name) < 5 or name in _NOT_DRUGS or name not in low:
                    continue
                for match in re.finditer(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", low):
                    if not any(s <= match.start() < e for s, e in known):
                        missing[name].add(path.name)
                        break
    for name in sorted(missing):
        print(f"{name}\t{', '.join(sorted(missing[name]))}")
    print(f"{len(missing)} drug names missing from the alias table", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
