"""The verdict of a question naming a drug, answered by research alone, reads the study as a whole.

Regression: over a library of abstracts (PubMedQA), a question naming a drug ("Does pretreatment
with statins improve clinical outcome after stroke?") took the clinical reading of its one bottom-line
sentence, so a conclusion that goes on to leave the question open was a plain yes (on PubMedQA half A,
2 of the 17 drug-named questions were right).
"""

from __future__ import annotations

import numpy as np
import pytest

from curbside.ingest.types import Chunk, Document
from curbside.qa import compose
from curbside.qa.aliases import AliasTable
from curbside.qa.compose import ExtractiveComposer
from curbside.qa.query import analyse
from curbside.qa.sentences import SentenceEmbedder
from curbside.qa.stance import CUE_NAMES, StanceModel
from curbside.qa.types import Passage
from tests.fakes import FakeHashEncoder

QUESTION = "Does pretreatment with statins improve clinical outcome after stroke?"
STUDY = (
    "We compared the outcome after stroke of 300 patients on statins with 600 patients not on them.\n\n"
    "CONCLUSIONS: Pretreatment with statins improved clinical outcome after stroke in this cohort. "
    "Whether the benefit holds in other patients remains unclear, and further studies are needed."
)


def _passage(n: int, text: str, kind: str) -> Passage:
    doc = Document(doc_id=f"doc{n}", title=f"Doc {n}", publisher="Journal", year=2015, kind=kind,
                   path=f"/corpus.jsonl#{n}", source_type="jsonl")
    chunk = Chunk(chunk_id=f"doc{n}#0", doc_id=f"doc{n}", n=0, text=text, char_start=0, char_end=len(text), embed_text=text)
    return Passage(chunk=chunk, document=doc, rank=n)


def _open_question_model(dim: int) -> StanceModel:
    """for by default; insufficient on open uncertainty."""
    n = dim + len(CUE_NAMES)
    weights = np.zeros((3, n))
    weights[2, dim + CUE_NAMES.index("uncertainty")] = 5.0
    return StanceModel(weights, np.array([1.0, 0.0, 0.0]), np.zeros(n), np.ones(n), dim=dim)


def test_a_drug_question_over_research_alone_is_answered_by_the_whole_study(monkeypatch: pytest.MonkeyPatch) -> None:
    table = AliasTable.bundled()
    analysis = analyse(QUESTION, table)
    assert analysis.frame.intervention is not None and analysis.frame.yes_no
    encoder = FakeHashEncoder()
    monkeypatch.setattr(compose, "load_stance_model", lambda: _open_question_model(encoder.dim))
    answer = ExtractiveComposer(SentenceEmbedder(encoder), table).compose(analysis, [_passage(1, STUDY, "research")])
    assert not answer.abstained, answer.abstention_reason
    # the conclusion read as a whole leaves the question open: not the plain yes of its first sentence
    assert answer.decision == "insufficient", (answer.decision, answer.decision_text)


def test_the_leading_studys_conclusion_is_the_bottom_line_however_it_is_worded() -> None:
    """Regression: the conclusion had to reach the sentence-similarity floor to answer a research
    question, so a conclusion worded apart from the question lost to a sentence of the background
    that repeats the question's words (PubMedQA reasoning-free: 'The concept of SLT results from ...')."""
    table = AliasTable.bundled()
    question = "Is there still a need for living-related liver transplantation in children?"
    analysis = analyse(question, table)
    assert analysis.frame.intervention is None
    study = (
        "Living-related liver transplantation in children is still needed where there are few deceased donors.\n\n"
        "CONCLUSIONS: Split grafts from deceased donors now serve most young recipients on our waiting list."
    )
    encoder = FakeHashEncoder()
    answer = ExtractiveComposer(SentenceEmbedder(encoder), table).compose(analysis, [_passage(1, study, "research")])
    assert not answer.abstained, answer.abstention_reason
    assert answer.bottom_line is not None and answer.bottom_line.text.startswith("CONCLUSIONS"), answer.bottom_line.text
