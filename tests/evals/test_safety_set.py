"""The safety eval set's generator (issue 19): the checked-in set is what the pair table gives, and
a pair the corpus does not state is refused with a message naming the pair and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from curbside.evals import make_safety_set as G
from curbside.evals.sets import half_of


def test_the_checked_in_set_is_what_the_pair_table_gives() -> None:
    assert G.main(["--check"]) == 0, "run: python -m curbside.evals.make_safety_set"


def test_every_pair_gives_two_questions_one_of_them_yes_no_and_both_halves_hold_pairs() -> None:
    pairs = G.read_pairs()
    halves = set()
    for pair in pairs:
        items = G.items_for(pair)
        assert len(items) == G.QUESTIONS_PER_PAIR and items[0]["question"] != items[1]["question"]
        assert any("decision" in item for item in items)
        halves |= {half_of(item["id"]) for item in items}
    assert halves == {"A", "B"}
    assert {p.kind for p in pairs} == {"danger", "safe"}


def _table(tmp_path: Path, statement: str) -> Path:
    path = tmp_path / "pairs.yaml"
    path.write_text(
        "pairs:\n"
        "- id: metformin-made-up\n"
        "  kind: danger\n"
        "  relation: contraindication\n"
        "  intervention: metformin\n"
        "  names: [metformin]\n"
        "  patient: [\"with an eGFR of 24\"]\n"
        "  file: metformin-glucophage-label.md\n"
        f"  statement: \"{statement}\"\n"
        "  danger_any: [contraindicated]\n"
        "  decision: \"no\"\n",
        encoding="utf-8",
    )
    return path


def test_a_statement_the_corpus_does_not_hold_is_refused_naming_the_pair_and_field(tmp_path: Path) -> None:
    with pytest.raises(G.SafetySetError, match=r"metformin-made-up.*statement: not a verbatim sentence"):
        G.read_pairs(_table(tmp_path, "Metformin is contraindicated in everyone."))
    real = "Metformin is contraindicated in severe kidney impairment with an eGFR below 30 mL/min/1.73 m2."
    assert [p.id for p in G.read_pairs(_table(tmp_path, real))] == ["metformin-made-up"]
