"""A report's own summary section ("Key findings") states its answer, as a study's conclusion does.

Regression: once PDF headings became section paths, a data brief's body sentence under a question
heading that repeats the question's words ("Did treatment of hypertension differ among adults with
hypertension ...?") outscored the brief's Key findings bullet for "What share of adults with
hypertension take medication for it?" (the heading feature), and the bottom line lost the figure
the brief itself puts first.
"""

from __future__ import annotations

from curbside.ingest.types import Chunk, Document
from curbside.qa.aliases import AliasTable
from curbside.qa.compose import ExtractiveComposer
from curbside.qa.query import analyse
from curbside.qa.sentences import SentenceEmbedder
from curbside.qa.types import Passage

KEY = "More than one-half of adults with hypertension were currently taking medication (51.2%) to lower blood pressure."
BODY = (
    "Among adults with hypertension, 51.2% reported taking medications for treatment of their hypertension. "
    "Hypertension treatment was lower among men (46.7%) than women (56.1%)."
)


def _passage(n: int, text: str, section: tuple[str, ...], kind: str = "review") -> Passage:
    doc = Document(doc_id="brief", title="Data Brief 511", publisher="NCHS", year=2024, kind=kind,
                   path="/brief.pdf", source_type="pdf")
    chunk = Chunk(chunk_id=f"brief#{n}", doc_id="brief", n=n, text=text, section=section, char_start=0,
                  char_end=len(text), embed_text=text)
    return Passage(chunk=chunk, document=doc, rank=n)


def _bottom_line(real_encoder, kind: str) -> str:
    table = AliasTable.bundled()
    analysis = analyse("What share of adults with hypertension take medication for it?", table)
    heading = ("Did treatment of hypertension differ among adults with hypertension by sex and age?",)
    passages = [_passage(1, BODY, heading, kind), _passage(2, KEY, ("Key findings",), kind)]
    answer = ExtractiveComposer(SentenceEmbedder(real_encoder), table).compose(analysis, passages)
    assert not answer.abstained and answer.bottom_line is not None, answer.abstention_reason
    return answer.bottom_line.text


def test_a_reports_key_findings_lead(real_encoder) -> None:
    assert _bottom_line(real_encoder, "review") == KEY
