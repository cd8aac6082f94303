"""Training the verifier's support model: fitted on the SciFact ``fit`` half and the perturbation
``tune`` rules only, its threshold calibrated out of fold, its provenance written beside it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curbside.evals.verify import _fold, as_passage, train
from curbside.evals.verify_suite import VerifyPair
from curbside.qa.aliases import AliasTable
from curbside.qa.sentences import SentenceEmbedder
from curbside.qa.verify import FEATURES, CitationVerifier, load_model


def test_folds_keep_a_claim_together_and_are_stable() -> None:
    assert {_fold("claim-7", 0, 5) for _ in range(3)} == {_fold("claim-7", 0, 5)}
    folds = [_fold(f"c{i}", 0, 5) for i in range(200)]
    assert set(folds) == set(range(5))
    assert [_fold(f"c{i}", 1, 5) for i in range(50)] != folds[:50]  # each repeat shuffles the claims


PASSAGES = [
    ("Metformin lowered HbA1c by 1.1 points in adults with type 2 diabetes.", "Metformin raised HbA1c in adults with type 2 diabetes."),
    ("Aspirin reduced the rate of stroke in the treated group.", "Aspirin increased the rate of stroke in the treated group."),
    ("Statins lowered LDL cholesterol in older adults.", "Statins did not lower LDL cholesterol in older adults."),
    ("Vitamin D supplementation improved bone density in postmenopausal women.", "Vitamin D supplementation worsened bone density in postmenopausal women."),
    ("Exercise improved sleep quality in patients with insomnia.", "Exercise worsened sleep quality in patients with insomnia."),
]


def _pairs() -> list[VerifyPair]:
    out = []
    for i in range(4):
        for n, (fact, reversed_) in enumerate(PASSAGES):
            passage = f"{fact} The trial enrolled {100 + n} participants."
            cid = f"{i}-{n}"
            out.append(VerifyPair("scifact", "SUPPORT", fact, passage, True, "fit", cid))
            out.append(VerifyPair("scifact", "CONTRADICT", reversed_, passage, False, "fit", cid))
            out.append(VerifyPair("scifact", "NEI", "Smoking cessation lowers blood pressure.", passage, False, "fit", f"n{cid}"))
    # the report half must never be read: these would count in trained_on if they were
    out += [VerifyPair("scifact", "SUPPORT", f, f, True, "report", f"r{k}") for k, (f, _) in enumerate(PASSAGES)]
    out += [VerifyPair("perturbation", "original", f, f, True, "held", f"h{k}") for k, (f, _) in enumerate(PASSAGES)]
    return out


@pytest.mark.integration
def test_train_reads_only_the_fit_half_and_records_provenance(real_encoder, tmp_path: Path) -> None:
    verifier = CitationVerifier(SentenceEmbedder(real_encoder), AliasTable.bundled())
    out = tmp_path / "model.json"
    result = train(verifier, _pairs(), out)
    data = json.loads(out.read_text())
    assert data["features"] == list(FEATURES)
    assert len(data["weights"]) == len(FEATURES) == len(data["mean"]) == len(data["scale"])
    assert 0.0 <= data["threshold"] <= 1.0
    assert data["threshold"] == round(float(result["threshold"]), 6)
    prov = data["provenance"]
    # exactly the fit-half pairs no rule rejects reach the model: no report-half or held-rule pair
    passed = [p for p in _pairs() if p.split == "fit" and verifier.check(p.statement, as_passage(p)).kind in ("supported", "weak")]
    assert 0 < prov["trained_on"]["scifact_fit_pairs"] == len(passed)
    assert prov["trained_on"]["perturbation_tune_pairs"] == 0
    assert "sklearn" in prov["model"] and prov["command"] == "curbside eval verify --train"
    model = load_model(str(out))
    assert model.names == list(FEATURES) and model.threshold == data["threshold"]


def _beir(folder: Path) -> None:
    import json as _json

    (folder / "qrels").mkdir(parents=True)
    abstract = "OBJECTIVE To test aspirin. RESULTS Aspirin reduced the rate of stroke. Aspirin raised bleeding."
    (folder / "corpus.jsonl").write_text(_json.dumps({"_id": "d1", "title": "Aspirin", "text": abstract}) + "\n")
    claims = [  # "2" falls in the fit half, "0" in the report half (pinned in tests/qa/test_verify.py)
        {"_id": "2", "text": "Aspirin reduces stroke.", "metadata": {"d1": [{"sentences": [1, 9], "label": "SUPPORT"}]}},
        {"_id": "0", "text": "Aspirin increases stroke.", "metadata": {"d1": [{"sentences": [1], "label": "CONTRADICT"}]}},
        {"_id": "3", "text": "Statins lower cholesterol.", "metadata": {}},
    ]
    (folder / "queries.jsonl").write_text("".join(_json.dumps(c) + "\n" for c in claims))
    (folder / "qrels" / "train.tsv").write_text("query-id\tcorpus-id\tscore\n2\td1\t1\n0\td1\t1\n3\td1\t1\n")


def test_scifact_evidence_sentences_are_read_for_the_fit_half_only(tmp_path: Path) -> None:
    from curbside.evals.verify_suite import scifact_pairs

    _beir(tmp_path)
    pairs = {p.source: p for p in scifact_pairs(tmp_path)}
    assert pairs["2"].split == "fit" and pairs["2"].evidence == (1,)  # index 9 is past the abstract's end: dropped
    assert pairs["0"].split == "report" and pairs["0"].evidence == ()
    assert pairs["3"].kind == "NEI" and pairs["3"].evidence == ()


@pytest.mark.integration
def test_evidence_ceiling_reads_the_annotated_sentences(real_encoder) -> None:
    from curbside.evals.verify import evidence_ceiling

    verifier = CitationVerifier(SentenceEmbedder(real_encoder), AliasTable.bundled())
    text = "OBJECTIVE To test aspirin. RESULTS Aspirin reduced the rate of stroke. Aspirin raised bleeding."
    pairs = [
        VerifyPair("scifact", "SUPPORT", "Aspirin reduces the rate of stroke.", text, True, "fit", "a", evidence=(1,)),
        VerifyPair("scifact", "CONTRADICT", "Aspirin increases the rate of stroke.", text, False, "fit", "b", evidence=(1,)),
        VerifyPair("scifact", "CONTRADICT", "Aspirin increases the rate of stroke.", text, False, "report", "c", evidence=(1,)),
    ]
    out = evidence_ceiling(verifier, pairs)
    assert out["SUPPORT"] == {"n": 1, "rule_rejects_every_evidence_sentence": 0.0, "aligned_is_evidence": 1.0}
    assert out["CONTRADICT"]["n"] == 1  # the report-half pair is not read
    assert out["CONTRADICT"]["rule_rejects_every_evidence_sentence"] == 1.0
