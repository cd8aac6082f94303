"""A research question naming no intervention: its Evidence comes from the leading study only, and
its verdict reads that study's findings together.

Regression: with PubMedQA abstracts indexed as research, the Evidence section of a drugless question
took result sentences from every retrieved abstract (any sentence is "about" a question that names
no intervention), so half the statements cited studies of other questions.
"""

from __future__ import annotations

import numpy as np
import pytest

from curbside.ingest.types import Chunk, Document
from curbside.qa import compose
from curbside.qa.aliases import AliasTable
from curbside.qa.compose import ExtractiveComposer
from curbside.qa.query import analyse
from curbside.qa.sentences import SentenceEmbedder, passage_sentences
from curbside.qa.stance import CUE_NAMES, StanceModel
from curbside.qa.types import Passage
from tests.fakes import FakeHashEncoder

QUESTION = "Does early walking shorten the hospital stay after hip fracture surgery?"
LEADING = (
    "We studied walking on the first day after hip fracture surgery. "
    "Patients who walked early stayed 6.1 days in hospital compared with 8.3 days for the others. "
    "CONCLUSIONS: Early walking after hip fracture surgery shortens the hospital stay."
)
OTHERS = [
    "Hospital stay after knee surgery was lower with a nurse-led walking plan (5.2 versus 6.0 days).",
    "Surgery for hip fracture within 24 hours reduced mortality compared with later surgery (3% versus 6%).",
]


def _passage(n: int, text: str) -> Passage:
    doc = Document(doc_id=f"study{n}", title=f"Study {n}", publisher="Journal", year=2015, kind="research",
                   path=f"/corpus.jsonl#{n}", source_type="jsonl")
    chunk = Chunk(chunk_id=f"study{n}#0", doc_id=f"study{n}", n=0, text=text, char_start=0, char_end=len(text),
                  embed_text=text)
    return Passage(chunk=chunk, document=doc, rank=n)


def test_drugless_research_evidence_cites_only_the_leading_study() -> None:
    table = AliasTable.bundled()
    analysis = analyse(QUESTION, table)
    assert analysis.frame.intervention is None
    passages = [_passage(1, LEADING), *(_passage(n, t) for n, t in enumerate(OTHERS, start=2))]
    answer = ExtractiveComposer(SentenceEmbedder(FakeHashEncoder()), table).compose(analysis, passages)
    assert not answer.abstained and answer.bottom_line is not None
    lead_doc = {c.chunk_id.split("#")[0] for c in answer.bottom_line.citations}
    assert lead_doc == {"study1"}
    evidence = [s for sec in answer.sections if sec.name == "evidence" for s in sec.statements]
    cited = {c.chunk_id.split("#")[0] for s in evidence for c in s.citations}
    assert cited <= lead_doc, [s.text for s in evidence]


def test_a_research_question_is_answered_by_the_leading_studys_conclusion(real_encoder) -> None:
    """Regression: a drugless research question whose frame reads an attribute of a medicine ("risk
    ... higher" reads as adverse effects) was refused with "names no medicine", although its own
    abstract ranked first; and the bottom line was a methods sentence rather than the conclusion."""
    table = AliasTable.bundled()
    question = "Is the risk of pre-eclampsia higher in women who conceived by in vitro fertilisation?"
    analysis = analyse(question, table)
    assert analysis.frame.intervention is None
    lead = (
        "We compared 1,200 pregnancies after in vitro fertilisation with 2,400 spontaneous pregnancies. "
        "Pre-eclampsia occurred in 7.1% of the IVF pregnancies and 3.9% of the others. "
        "CONCLUSIONS: Pregnancies conceived by in vitro fertilisation carry a higher risk of pre-eclampsia."
    )
    other = "Low-dose aspirin from 12 weeks reduced pre-eclampsia in women at high risk of it."
    passages = [_passage(1, lead), _passage(2, other)]
    answer = ExtractiveComposer(SentenceEmbedder(real_encoder), table).compose(analysis, passages)
    assert not answer.abstained, answer.abstention_reason
    assert answer.bottom_line is not None and answer.bottom_line.text.startswith("CONCLUSIONS"), answer.bottom_line.text


def _items(text: str, vec_dim: int) -> list[compose._Item]:
    """One research passage's sentences as the composer holds them, each with a unit vector."""
    table = AliasTable.bundled()
    passage = _passage(1, text)
    vec = np.ones(vec_dim, dtype=np.float32) / np.sqrt(vec_dim)
    return [compose._Item(s, passage, compose.tag(s.text, table), 0.5, vec) for s in passage_sentences([passage])]


def _toy_stance_model(dim: int) -> StanceModel:
    """for by default; against on a null result; insufficient on open uncertainty."""
    n = dim + len(CUE_NAMES)
    weights = np.zeros((3, n))
    weights[1, dim + CUE_NAMES.index("null_result")] = 5.0
    weights[2, dim + CUE_NAMES.index("uncertainty")] = 5.0
    return StanceModel(weights, np.array([1.0, 0.0, 0.0]), np.zeros(n), np.ones(n), dim=dim)


def test_a_research_verdict_reads_the_studys_whole_conclusion(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: the verdict read one sentence (the bottom line) of a study; a conclusion that goes
    on to leave the question open ("... remains unclear; further studies are needed") was a plain yes.
    The paragraph after the conclusion (a funding note with 'did not') is not part of it."""
    monkeypatch.setattr(compose, "load_stance_model", lambda: _toy_stance_model(8))
    text = (
        "Patients who walked early did not stay longer than the others.\n\n"
        "CONCLUSIONS: Early walking shortened the hospital stay in this trial. "
        "Whether it lowers readmissions remains unclear and further studies are needed.\n\n"
        "The trial did not receive industry funding."
    )
    items = _items(text, 8)
    basis = next(i for i in items if i.sent.text.startswith("CONCLUSIONS"))
    assert compose._research_stance(basis.sent.text, basis.vec) == "for"  # the one sentence alone
    assert compose._study_stance(basis, items) == "insufficient"
    # with no conclusion, the study's result sentences are read together
    results = _items("Early walking did not change the hospital stay (6.1 versus 6.3 days, p = 0.6).", 8)
    assert compose._study_stance(results[0], results) == "against"


def test_a_study_read_by_another_encoder_falls_back_to_its_basis_sentence() -> None:
    items = _items("CONCLUSIONS: Early walking shortened the stay. Costs remain unclear and further studies are needed.", 5)
    assert compose._study_stance(items[0], items) == "for"  # the cue reading of the basis alone


@pytest.mark.integration
def test_a_studys_negative_conclusion_about_its_own_patients_answers_no(real_encoder) -> None:
    """Regression: a research conclusion that says no for the patients it studied ("untethering may
    be unnecessary in patients who are undergoing scoliosis correction and have no symptoms") was
    read as a precaution for a group the asker is not said to be in, and the verdict became
    'conditional' (scored maybe) instead of no."""
    table = AliasTable.bundled()
    question = "Is release of a tethered spinal cord necessary before scoliosis correction in children with spina bifida?"
    analysis = analyse(question, table)
    assert analysis.frame.intervention is None and analysis.frame.yes_no
    lead = (
        "We reviewed 40 children with spina bifida and a radiographically tethered cord who had scoliosis "
        "correction without prior untethering. No child developed new neurological deficits after the correction.\n\n"
        "CONCLUSIONS: Untethering may be unnecessary in patients who are undergoing scoliosis correction and "
        "have no symptoms of a tethered cord."
    )
    other = "Hospital stay after knee surgery was lower with a nurse-led walking plan (5.2 versus 6.0 days)."
    answer = ExtractiveComposer(SentenceEmbedder(real_encoder), table).compose(analysis, [_passage(1, lead), _passage(2, other)])
    assert not answer.abstained, answer.abstention_reason
    assert answer.bottom_line is not None and answer.bottom_line.text.startswith("CONCLUSIONS")
    assert answer.decision == "no", (answer.decision, answer.decision_text)
