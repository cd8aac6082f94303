"""A research question naming no intervention: its Evidence comes from the leading study only.

Regression: with PubMedQA abstracts indexed as research, the Evidence section of a drugless question
took result sentences from every retrieved abstract (any sentence is "about" a question that names
no intervention), so half the statements cited studies of other questions.
"""

from __future__ import annotations

from curbside.ingest.types import Chunk, Document
from curbside.qa.aliases import AliasTable
from curbside.qa.compose import ExtractiveComposer
from curbside.qa.query import analyse
from curbside.qa.sentences import SentenceEmbedder
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
