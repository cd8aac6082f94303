"""The safety eval set's generator (issue 19): the checked-in set is what the pair table gives, and
a pair the corpus does not state is refused with a message naming the pair and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from curbside.evals import make_safety_set as G
from curbside.evals.sets import half_of


def test_the_checked_in_set_is_what_the_pair_table_gives() -> None:
    assert G.main(["--check"]) == 0, "run: python -m curbside.evals.make_safety_set"


def test_every_pair_gives_distinct_questions_one_of_them_yes_no_and_both_halves_hold_pairs() -> None:
    pairs = G.read_pairs()
    halves = set()
    for pair in pairs:
        items = G.items_for(pair)
        assert G.QUESTIONS_PER_PAIR <= len(items) <= G.QUESTIONS_PER_PAIR + G.STORY_QUESTIONS
        assert len({item["question"] for item in items}) == len(items)
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


def test_story_questions_leave_the_first_questions_as_they_were_and_name_drugs_by_brand(monkeypatch: pytest.MonkeyPatch) -> None:
    """The story-worded question is drawn with its own seed, so adding it changed no earlier item (their
    figures stay comparable across stops); it names the drugs by a brand or abbreviation where the pair
    gives one, and is tagged ``story``."""
    pair = next(p for p in G.read_pairs() if p.id == "colchicine-clarithromycin-renal")
    with_story = G.questions_for(pair)
    monkeypatch.setattr(G, "STORY_QUESTIONS", 0)
    without = G.questions_for(pair)
    assert [q.text for q in with_story[: len(without)]] == [q.text for q in without]
    story = with_story[len(without) :]
    assert len(story) == 1 and story[0].story
    assert "Colcrys" in story[0].text and "Biaxin" in story[0].text
    monkeypatch.undo()
    assert "story" in G.items_for(pair)[-1]["tags"]


def test_a_pair_added_later_tags_its_items_and_a_bad_label_is_refused(tmp_path: Path) -> None:
    path = _table(tmp_path, "Metformin is contraindicated in severe kidney impairment with an eGFR below 30 mL/min/1.73 m2.")
    path.write_text(path.read_text(encoding="utf-8") + "  added: stop 17\n", encoding="utf-8")
    (pair,) = G.read_pairs(path)
    assert all("added-stop-17" in item["tags"] for item in G.items_for(pair))
    path.write_text(path.read_text(encoding="utf-8").replace("stop 17", "Stop 17!"), encoding="utf-8")
    with pytest.raises(G.SafetySetError, match=r"metformin-made-up.*added"):
        G.read_pairs(path)
