"""Shared vocabulary: drug classes from the fetched source, class mentions, word boundaries."""

from __future__ import annotations

import json
import re
import time
from importlib import resources
from pathlib import Path

import pytest

from curbside.ingest.vocabulary import (
    AliasTable,
    DrugClasses,
    classes_of,
    find_classes,
    learn_class_members,
    members_of,
    trie_regex,
    unknown_drug_names,
)
from curbside.qa import aliases as qa_aliases


def _data(name: str) -> dict:
    return json.loads(resources.files("curbside.ingest").joinpath("data", name).read_text("utf-8"))


@pytest.mark.parametrize(
    ("drug", "expected"),
    [
        ("ramipril", {"ace inhibitor"}),
        ("pantoprazole", {"proton pump inhibitor"}),
        ("posaconazole", {"azole antifungal", "strong cyp3a4 inhibitor"}),
        ("ibuprofen", {"nsaid"}),
        ("naproxen", {"nsaid"}),
        ("prednisone", {"corticosteroid", "glucocorticoid"}),
        ("clarithromycin", {"macrolide", "strong cyp3a4 inhibitor", "p-gp inhibitor"}),
        ("verapamil", {"non-dihydropyridine calcium channel blocker", "moderate cyp3a4 inhibitor", "p-gp inhibitor"}),
        ("diltiazem", {"non-dihydropyridine calcium channel blocker", "moderate cyp3a4 inhibitor"}),
        ("rifampin", {"strong cyp3a4 inducer"}),
        ("nirmatrelvir/ritonavir", {"strong cyp3a4 inhibitor"}),  # through its ritonavir component
        ("tacrolimus", {"calcineurin inhibitor"}),
        ("cyclosporine", {"calcineurin inhibitor", "cyp3a4 inhibitor", "p-gp inhibitor"}),
        ("apixaban", {"factor xa inhibitor"}),
        ("etanercept", {"tnf inhibitor"}),
        ("adalimumab", {"tnf inhibitor"}),
        ("anakinra", {"il-1 inhibitor"}),
        ("tofacitinib", {"jak inhibitor"}),
        ("empagliflozin", {"sglt2 inhibitor"}),
        ("febuxostat", {"xanthine oxidase inhibitor", "urate-lowering therapy"}),
        ("trimethoprim-sulfamethoxazole", {"sulfonamide antimicrobial"}),
        ("beclomethasone", {"corticosteroid"}),  # source: "beclometasone dipropionate"
    ],
)
def test_classes_of_known_drugs(drug: str, expected: set[str]) -> None:
    assert expected <= set(classes_of(drug))


def test_class_lookup_accepts_brand_names_and_rejects_unknown() -> None:
    assert classes_of("Prograf") == classes_of("tacrolimus")
    assert classes_of("not-a-drug") == []
    assert members_of("no such class") == []


def test_members_of_by_canonical_name_surface_or_source_name() -> None:
    ppis = members_of("proton pump inhibitor")
    assert {"omeprazole", "pantoprazole", "esomeprazole", "lansoprazole"} <= set(ppis)
    assert members_of("PPIs") == ppis
    assert members_of("proton-pump inhibitors") == ppis
    assert "amlodipine" not in members_of("non-dihydropyridine calcium channel blocker")
    assert "amlodipine" in members_of("dihydropyridine calcium channel blocker")
    assert set(members_of("calcineurin inhibitor immunosuppressant")) == {"tacrolimus", "cyclosporine"}
    assert "naproxen" not in members_of("urate-lowering therapy")


def test_surfaces_give_every_written_form_of_a_class_name_first() -> None:
    classes = DrugClasses.bundled()
    ult = classes.surfaces("ULT")
    assert ult[0] == "urate-lowering therapy" and "ULT" in ult
    assert classes.surfaces("no such class") == ["no such class"]


def test_cyp3a_strength_comes_from_the_fda_table_only() -> None:
    table = DrugClasses.bundled()
    strong = set(members_of("strong CYP3A4 inhibitors"))
    assert {"clarithromycin", "itraconazole", "ketoconazole", "posaconazole", "ritonavir"} <= strong
    assert "fluconazole" not in strong and "fluconazole" in members_of("moderate CYP3A inhibitors")
    assert all(r["type"] == "FDA DDI" for g in strong for r in table.evidence(g, "strong cyp3a4 inhibitor"))


def test_every_membership_traces_to_a_source_record() -> None:
    table = DrugClasses.bundled()
    for cls_name in table.class_names:
        for generic in table.members_of(cls_name):
            records = table.evidence(generic, cls_name)
            assert records, (generic, cls_name)
            assert all(r["id"] and r["source_drug"] and r["type"] for r in records)


def test_classified_drugs_are_in_the_alias_table_and_unclassified_are_listed() -> None:
    classes = _data("drug_classes.json")
    generics = {e["generic"] for e in _data("drug_aliases.json")["drugs"]}
    assert set(classes["drugs"]) <= generics
    assert set(classes["drugs"]) | set(classes["unclassified"]) == generics
    assert not set(classes["drugs"]) & set(classes["unclassified"])
    source = classes["provenance"]["sources"][0]
    assert source["repository"] and len(source["commit"]) == 40 and source["licence"]
    assert all(len(f["sha256"]) == 64 for f in source["files"].values())


def test_class_names_point_at_source_classes_or_say_why_not() -> None:
    names = _data("drug_class_names.json")
    source_classes = {r["class"] for rs in _data("drug_classes.json")["drugs"].values() for r in rs}
    for entry in names["classes"]:
        assert entry["name"] == entry["name"].lower()
        present = [s for s in entry["source_classes"] if s in source_classes]
        if not present and "derive" not in entry and "source_class_pattern" not in entry:
            # a class name the source does not populate must say why its membership is empty
            assert entry.get("note"), entry["name"]
            assert members_of(entry["name"]) == [], entry["name"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Avoid ACE inhibitors in pregnancy", "ace inhibitor"),
        ("angiotensin-converting enzyme inhibitors may cause", "ace inhibitor"),
        ("proton pump inhibitors (PPIs) reduce", "proton pump inhibitor"),
        ("patients on NSAIDs", "nsaid"),
        ("nonsteroidal anti-inflammatory drugs and renal function", "nsaid"),
        ("with strong CYP3A4 inhibitors", "strong cyp3a4 inhibitor"),
        ("P-glycoprotein inhibitors increase exposure", "p-gp inhibitor"),
        ("azole antifungals such as", "azole antifungal"),
        ("calcineurin inhibitors are nephrotoxic", "calcineurin inhibitor"),
        ("TNF inhibitors and serious infections", "tnf inhibitor"),
        ("TNF blockers", "tnf inhibitor"),
        ("IL-1 blockers for gout flares", "il-1 inhibitor"),
        ("DOACs are preferred", "doac"),
        ("SGLT2 inhibitors in CKD", "sglt2 inhibitor"),
        ("glucocorticoids", "glucocorticoid"),
        ("systemic corticosteroids", "corticosteroid"),
        ("live vaccines are contraindicated", "live vaccine"),
    ],
)
def test_find_classes_recognises_how_documents_name_classes(text: str, expected: str) -> None:
    assert expected in [c for *_, c in find_classes(text)]


def test_find_classes_spans_and_longest_match() -> None:
    text = "Avoid strong CYP3A4 inhibitors; PPIs are fine."
    found = find_classes(text)
    assert [(text[s:e], c) for s, e, _surface, c in found] == [
        ("strong CYP3A4 inhibitors", "strong cyp3a4 inhibitor"),
        ("PPIs", "proton pump inhibitor"),
    ]


def test_abbreviations_match_only_as_whole_words_in_any_case() -> None:
    assert [c for *_, c in find_classes("takes an nsaid daily")] == ["nsaid"]
    assert [c for *_, c in find_classes("ppi use")] == ["proton pump inhibitor"]
    assert find_classes("the NSAIDsX trial") == []
    assert find_classes("happiness and snsaid") == []
    assert find_classes("ARBITRARY") == []  # "ARB" is not inside a word
    # abbreviations that also mean something else in clinical text are not surfaces
    assert find_classes("MRA of the renal arteries; SGA infant; AED on the ward; DTI scan") == []


def test_alias_matcher_word_boundaries() -> None:
    table = AliasTable.bundled()
    assert table.find("Xafenza was started") == []
    assert [g for *_, g in table.find("he is on AZA and Prograf")] == ["azathioprine", "tacrolimus"]


def test_qa_aliases_reexports_the_shared_matcher() -> None:
    assert qa_aliases.AliasTable is AliasTable
    assert qa_aliases.learn_aliases("Foozumab (Barvix)") == {"Barvix": "foozumab"}


CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def test_unknown_drug_names_flags_drug_shaped_words_the_table_lacks() -> None:
    table, classes = AliasTable.bundled(), DrugClasses.bundled()
    text = "Foozumab and barnavir with tacrolimus, co-trimoxazole, ICS-formoterol; statins; except LDL cholesterol."
    assert unknown_drug_names(text, table, classes) == ["foozumab", "barnavir"]


def test_every_drug_named_in_the_corpus_is_in_the_alias_table() -> None:
    files = sorted(CORPUS.glob("*.md"))
    assert files, f"no corpus files under {CORPUS}"
    table, classes = AliasTable.bundled(), DrugClasses.bundled()
    missing = {f.name: unknown_drug_names(f.read_text("utf-8"), table, classes) for f in files}
    assert {name: words for name, words in missing.items() if words} == {}


@pytest.mark.parametrize("drug", ["ampicillin", "fosfomycin", "ranolazine", "atazanavir", "mercaptopurine", "cefpodoxime"])
def test_drugs_added_from_the_corpus_scan_are_known_and_classified_from_the_source(drug: str) -> None:
    assert AliasTable.bundled().lookup(drug) == drug
    assert classes_of(drug), drug


def test_trie_regex_matches_like_a_longest_first_alternation() -> None:
    names = ["mycophenolate", "mycophenolate mofetil", "mycophenolate sodium", "FK-506", "FK506", "ASA", "asacol", "co-trimoxazole"]
    slow = re.compile(
        r"(?<![\w-])("
        + "|".join(re.escape(n).replace(r"\-", r"[-\s]?").replace(r"\ ", r"[-\s]?") for n in sorted(names, key=len, reverse=True))
        + r")(?![\w-])",
        re.I,
    )
    fast = re.compile(r"(?<![\w-])(" + trie_regex(names) + r")(?![\w-])", re.I)
    text = "Mycophenolate mofetil, mycophenolate-sodium, mycophenolate; FK 506, fk506, FK-506X; asa, Asacol, cotrimoxazole, co trimoxazole."
    assert [m.span(1) for m in fast.finditer(text)] == [m.span(1) for m in slow.finditer(text)]
    assert [m.group(1) for m in fast.finditer(text)][:2] == ["Mycophenolate mofetil", "mycophenolate-sodium"]


@pytest.mark.slow
def test_matching_the_whole_corpus_is_fast_enough_for_index_time_tagging() -> None:
    # the old one-alternative-per-name pattern took about 1.6 s here; the trie about 0.06 s
    text = " ".join(f.read_text("utf-8") for f in sorted(CORPUS.glob("*.md")))
    table, classes = AliasTable.bundled(), DrugClasses.bundled()
    started = time.perf_counter()
    found = len(table.find(text)) + len(classes.find_classes(text))
    assert found > 1400
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("avoid strong CYP3A4 or P-gp inhibitors", [("strong CYP3A4", "strong cyp3a4 inhibitor"), ("P-gp inhibitors", "p-gp inhibitor")]),
        ("colchicine, a CYP3A4 and P-gp substrate", [("CYP3A4", "cyp3a4 substrate"), ("P-gp substrate", "p-gp substrate")]),
        ("NSAIDs and PPIs", [("NSAIDs", "nsaid"), ("PPIs", "proton pump inhibitor")]),
        ("strong CYP3A inhibitors and P-gp inhibitors", [("strong CYP3A inhibitors", "strong cyp3a4 inhibitor"), ("P-gp inhibitors", "p-gp inhibitor")]),
    ],
)
def test_coordinated_qualifiers_name_each_class(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(text[s:e], c) for s, e, _surface, c in find_classes(text)] == expected


@pytest.mark.parametrize(
    ("text", "strong"),
    [
        ("patients taking strong P-glycoprotein and/or CYP3A4 inhibitors such as ciclosporin", True),
        ("strong P-gp or CYP3A4 inhibitors", True),
        ("P-gp and CYP3A4 inhibitors", False),  # no qualifier to share
    ],
)
def test_a_strength_before_a_coordination_qualifies_the_class_after_it(text: str, strong: bool) -> None:
    """"Strong P-gp and/or CYP3A4 inhibitors" are strong CYP3A4 inhibitors: diltiazem, a moderate
    one, is not among them."""
    found = {c for *_span, c in find_classes(text)}
    assert "p-gp inhibitor" in found
    assert ("strong cyp3a4 inhibitor" in found) is strong
    assert ("cyp3a4 inhibitor" in found) is not strong


def test_fda_interaction_table_decides_cyp3a_roles_for_drugs_it_lists() -> None:
    # SPL indexing gives colchicine the MoA "Cytochrome P450 3A4 Inhibitors"; FDA's table lists
    # it as a CYP3A substrate, which is what a safety sweep must see
    assert "cyp3a4 inhibitor" not in classes_of("colchicine")
    assert "cyp3a4 substrate" in classes_of("colchicine")
    assert "sensitive cyp3a4 substrate" in classes_of("tacrolimus")
    # a drug the table does not list keeps the SPL-indexing class
    assert "cyp3a4 inhibitor" in classes_of("atazanavir")
    assert all(r["type"] == "MoA" for r in DrugClasses.bundled().evidence("atazanavir", "cyp3a4 inhibitor"))


def test_broad_mesh_actions_do_not_make_clinical_class_members() -> None:
    # MeSH Pharmacological Action is broader than the clinical class a document names
    assert "etanercept" not in members_of("NSAIDs") and "ibuprofen" in members_of("NSAIDs")
    assert "gabapentin" not in members_of("calcium channel blockers")
    assert "sirolimus" not in members_of("antibiotics") and "vancomycin" in members_of("antibiotics")
    assert "cyclosporine" not in members_of("antifungals") and "posaconazole" in members_of("antifungals")
    assert "tizanidine" not in members_of("antiepileptics")


def test_every_exclusion_says_why_and_removes_a_real_source_record() -> None:
    names = _data("drug_class_names.json")
    source = _data("drug_classes.json")["drugs"]
    for entry in names["classes"]:
        for generic, reason in entry.get("exclude", {}).items():
            assert len(reason) > 20, (entry["name"], generic)
            wanted = set(entry["source_classes"])
            assert any(r["class"] in wanted for r in source[generic]), (entry["name"], generic)
            assert generic not in members_of(entry["name"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Consider an IL-1 inhibitor, such as anakinra (Kineret) or canakinumab (Ilaris), for a flare.", {"il-1 inhibitor": {"anakinra", "canakinumab"}}),
        ("Strong CYP3A4 and P-glycoprotein inhibitors such as ketoconazole and clarithromycin raise levels.", {"strong cyp3a4 inhibitor": {"ketoconazole", "clarithromycin"}, "p-gp inhibitor": {"ketoconazole", "clarithromycin"}}),
        ("Febuxostat (Uloric) is a xanthine oxidase inhibitor indicated for gout.", {"xanthine oxidase inhibitor": {"febuxostat"}}),
        ("Adding the TNF inhibitor etanercept raised infections.", {"tnf inhibitor": {"etanercept"}}),
        # alternatives and mere co-mentions are not memberships
        ("The ACR recommends colchicine, an NSAID, or a glucocorticoid as first-line treatment.", {}),
        ("ACIP advises a longer wait before live vaccines after treatment with anti-B-cell antibodies such as rituximab.", {}),
        ("NSAIDs should be avoided with warfarin.", {}),
    ],
)
def test_learn_class_members_from_what_documents_state(text: str, expected: dict[str, set[str]]) -> None:
    assert learn_class_members(text) == expected


def test_learned_members_join_the_table_as_document_evidence_without_overriding_fda() -> None:
    table = DrugClasses.bundled()
    assert "canakinumab" not in table.members_of("il-1 inhibitor")  # not in the class source
    learned = table.add({"IL-1 inhibitors": {"canakinumab"}, "strong CYP3A4 inhibitors": {"erythromycin", "atazanavir"}}, source="acr-2020")
    assert "canakinumab" in learned.members_of("il-1 inhibitor")
    assert learned.evidence("canakinumab", "il-1 inhibitor") == [
        {"class": "il-1 inhibitor", "type": "document", "id": "acr-2020", "source_drug": "canakinumab"}
    ]
    # FDA's table lists erythromycin as a moderate CYP3A inhibitor: a document grouping it with
    # strong ones does not change that; atazanavir, which the table does not list, is learned
    assert "erythromycin" not in learned.members_of("strong cyp3a4 inhibitor")
    assert "atazanavir" in learned.members_of("strong cyp3a4 inhibitor")
    assert "canakinumab" not in table.members_of("il-1 inhibitor")  # the original is unchanged


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"drugs": {"x": 1}}, "'drugs' must be a list"),
        ({"drugs": [{"aliases": ["X"]}]}, r"drugs\[0\] has no 'generic'"),
        ({"drugs": [{"generic": "foo", "aliases": "Foo"}]}, r"drugs\[0\] \(foo\): 'aliases' must be a list"),
    ],
)
def test_bad_alias_data_names_the_entry(data: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AliasTable.from_data(data)


@pytest.mark.parametrize(
    ("classes", "names", "message"),
    [
        ({"drugs": []}, {"classes": []}, "'drugs' must be an object"),
        ({"drugs": {"foo": [{"type": "EPC"}]}}, {"classes": []}, r"drugs\['foo'\] must be a list of records with a 'class'"),
        ({"drugs": {}}, {"classes": [{"surfaces": []}]}, r"classes\[0\] has no 'name'"),
        ({"drugs": {}}, {"classes": [{"name": "x", "surfaces": "X"}]}, r"classes\[0\] \(x\)"),
    ],
)
def test_bad_class_data_names_the_field(classes: dict, names: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DrugClasses.from_data(classes, names)


def test_bundled_tables_are_built_once_and_copies_share_the_matcher() -> None:
    first, second = AliasTable.bundled(), AliasTable.bundled()
    assert first is not second  # callers may add() to their copy
    assert first._pattern is second._pattern  # but the trie is compiled once
    assert DrugClasses.bundled() is DrugClasses.bundled()
    from curbside.ingest import vocabulary

    assert vocabulary._bundled_table.cache_info().misses <= 1  # read and compiled once
    learned = first.add({"Barvix": "foozumab"})
    assert learned._pattern is not first._pattern and learned.lookup("Barvix") == "foozumab"
    assert AliasTable.bundled().lookup("Barvix") is None


# --- non-drug interventions (ingest/data/interventions.json) -------------------------------------


def test_non_drug_interventions_match_on_word_boundaries_and_abbreviations_only_in_capitals() -> None:
    from curbside.ingest.interventions import find_interventions

    names = [name for *_, name in find_interventions("Would an ICD or CRT help, or pulmonary rehab?")]
    assert names == ["implantable cardioverter-defibrillator", "cardiac resynchronization therapy", "pulmonary rehabilitation"]
    assert find_interventions("Is she fit to travel? She wants to icd-code it") == []  # 'fit' is a word
    assert find_interventions("ICD-10 code for gout") == []  # a code system, not the device
    assert [n for *_, n in find_interventions("Graduated compression stockings after a DVT")] == ["compression stockings"]


def test_every_intervention_alias_names_one_intervention_and_the_table_has_provenance() -> None:
    data = json.loads(resources.files("curbside.ingest").joinpath("data/interventions.json").read_text("utf-8"))
    assert data.get("provenance")
    seen: dict[str, str] = {}
    for entry in data["interventions"]:
        assert entry["name"] == entry["name"].lower(), entry["name"]
        for alias in [entry["name"], *entry["aliases"]]:
            key = re.sub(r"[\s-]+", " ", alias.lower())
            assert seen.setdefault(key, entry["name"]) == entry["name"], alias
