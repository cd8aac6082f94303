"""A prodrug and its active form are one drug in the body: what a source says of mycophenolic acid
is said of mycophenolate mofetil (and back), while their doses are not interchangeable."""

from __future__ import annotations

import pytest

from curbside.ingest.vocabulary import AliasTable
from curbside.qa.claims import tag
from curbside.qa.plan import attribute_match
from curbside.qa.types import QuestionFrame


@pytest.fixture(scope="module")
def table() -> AliasTable:
    return AliasTable.bundled()


def test_kin_links_a_prodrug_and_its_active_form_both_ways(table: AliasTable) -> None:
    assert table.kin("mycophenolate mofetil") == {"mycophenolate mofetil", "mycophenolic acid"}
    assert table.kin("mycophenolic acid") == {"mycophenolate mofetil", "mycophenolic acid"}
    assert table.kin("prednisone") == {"prednisone", "prednisolone"}
    assert table.kin("tacrolimus") == {"tacrolimus"}  # no active form: only itself


def test_a_sentence_on_the_active_form_names_the_prodrug_too(table: AliasTable) -> None:
    claim = tag("Sevelamer and other calcium-free phosphate binders can reduce mycophenolic acid exposure.", table)
    assert {"sevelamer", "mycophenolic acid", "mycophenolate mofetil"} <= claim.drugs
    assert claim.kin_only == {"mycophenolate mofetil"}
    assert "interaction" in claim.relations


def test_an_active_form_outside_the_table_is_refused() -> None:
    data = {"drugs": [{"generic": "valganciclovir", "aliases": [], "active_form": "ganciclovir"}]}
    with pytest.raises(ValueError, match="ganciclovir"):
        AliasTable.from_data(data)


def test_the_kin_drugs_dose_ranks_below_the_drugs_own(table: AliasTable) -> None:
    frame = QuestionFrame(intent="dose", intervention="mycophenolate mofetil", asked_attribute="dose")
    own = tag("The usual mycophenolate mofetil dose is 1 g twice daily.", table)
    kin = tag("The usual mycophenolic acid dose is 720 mg twice daily.", table)
    q = "What dose of CellCept?"
    assert attribute_match(kin, frame, q) < attribute_match(own, frame, q)
    assert attribute_match(own, frame, q) == 1.0


def test_bundled_answer_reads_the_interaction_through_the_active_form(bundled_pipeline) -> None:
    answer = bundled_pipeline.ask("kidney tx on Renvela and mycophenolate - interaction?")
    assert not answer.abstained
    assert answer.bottom_line is not None and "mycophenolic acid exposure" in answer.bottom_line.text
