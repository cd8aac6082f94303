"""Drug-name normalisation: curated brand names and codes, and aliases learned from documents."""

from __future__ import annotations

from curbside.qa.aliases import AliasTable, learn_aliases
from curbside.qa.query import analyse


def test_brand_code_and_abbreviation_map_to_generic() -> None:
    table = AliasTable.bundled()
    text, replaced, drugs = table.normalise("On FK506 and Cellcept; add Kineret? Or MMF with CsA?")
    assert "tacrolimus" in text and "mycophenolate mofetil" in text and "anakinra" in text
    assert replaced["FK506"] == "tacrolimus"
    assert replaced["Cellcept"] == "mycophenolate mofetil"
    assert replaced["Kineret"] == "anakinra"
    assert replaced["CsA"] == "cyclosporine"
    assert drugs == ["tacrolimus", "mycophenolate mofetil", "anakinra", "cyclosporine"]


def test_spelling_variants_and_case_are_tolerated() -> None:
    table = AliasTable.bundled()
    assert table.lookup("fk-506") == "tacrolimus"
    assert table.lookup("FK 506") == "tacrolimus"
    assert [g for *_, g in table.find("started on fk-506 last year")] == ["tacrolimus"]


def test_short_abbreviations_do_not_match_ordinary_lowercase_words() -> None:
    table = AliasTable.bundled()
    assert table.find("the asa classification") == []  # "asa" is not aspirin here
    assert [g for *_, g in table.find("takes ASA daily")] == ["aspirin"]


def test_table_has_at_least_150_drugs_and_no_alias_maps_twice() -> None:
    table = AliasTable.bundled()
    assert len(table.generics) >= 150
    keys: dict[str, str] = {}
    for alias, generic in table.aliases.items():
        key = "".join(ch for ch in alias.lower() if ch.isalnum())
        assert keys.setdefault(key, generic) == generic, alias


def test_learned_alias_from_document_pattern() -> None:
    text = "Foozumab (Barvix, XYZ-123) is a new biologic. low-molecular-weight heparin (LMWH) is not one."
    learned = learn_aliases(text)
    assert learned == {"Barvix": "foozumab", "XYZ-123": "foozumab"}
    table = AliasTable.bundled().add(learned)
    normalised, _replaced, drugs = table.normalise("Is Barvix safe in pregnancy?")
    assert normalised == "Is foozumab safe in pregnancy?"
    assert drugs == ["foozumab"]


def test_patient_context_and_candidate_drugs() -> None:
    a = analyse(
        "Is it safe to start anakinra in a 67-year-old man with gout and CKD stage 4 who is already "
        "on tacrolimus (FK506) and Cellcept after a kidney transplant?",
        AliasTable.bundled(),
    )
    assert a.candidate_drugs == ["anakinra"]
    assert a.context.medications == ["tacrolimus", "mycophenolate mofetil"]
    assert a.context.age == 67
    assert a.context.sex == "male"
    assert a.context.kidney_function == "CKD stage 4"
    assert "gout" in a.context.conditions and "kidney transplant" in a.context.conditions
    assert a.question_type == "safety"
    assert "Prograf" in a.search_text  # lexical query expanded with other names


def test_pregnancy_and_egfr() -> None:
    a = analyse("Can a pregnant woman with eGFR 40 take allopurinol?", AliasTable.bundled())
    assert a.context.pregnant is True and a.context.sex == "female"
    assert a.context.kidney_function == "eGFR 40"
    assert a.candidate_drugs == ["allopurinol"]


def test_mycophenolate_alone_is_mycophenolate_mofetil_and_longer_names_win() -> None:
    table = AliasTable.bundled()
    assert [g for *_, g in table.find("she takes mycophenolate 1 g twice daily")] == ["mycophenolate mofetil"]
    assert [g for *_, g in table.find("on mycophenolate sodium")] == ["mycophenolic acid"]
    assert [g for *_, g in table.find("mycophenolate mofetil and Envarsus")] == [
        "mycophenolate mofetil",
        "tacrolimus",
    ]


def test_unsafe_shortenings_are_not_aliases() -> None:
    table = AliasTable.bundled()
    for word in ("tacro", "cyclo", "pred", "allo", "MPA", "TAC"):
        assert table.lookup(word) is None, word


def test_generics_added_from_the_corpus_carry_their_us_brands() -> None:
    table = AliasTable.bundled()
    _text, replaced, _drugs = table.normalise("Monurol for cystitis, Ceftin after, Questran with it, Teflaro or Perforomist?")
    assert replaced == {"Monurol": "fosfomycin", "Ceftin": "cefuroxime", "Questran": "cholestyramine",
                        "Teflaro": "ceftaroline", "Perforomist": "formoterol"}
