"""A document's reference list is searchable but never answers: no citable sentences, and answer
retrieval leaves it out (its entries are other works' titles, which match a question on their topic
better than the sentence that answers it)."""

from __future__ import annotations

from pathlib import Path

from curbside.index import EmbeddingCache, Index, build_index
from curbside.ingest.pdftext import is_bibliography
from curbside.ingest.types import Chunk, Document
from curbside.qa.aliases import AliasTable
from curbside.qa.query import analyse
from curbside.qa.retrieval import HybridRetriever, RetrievalParams
from curbside.qa.sentences import SentenceEmbedder, passage_sentences
from curbside.qa.types import Passage
from tests.fakes import FakeHashEncoder, build_options

TITLE = "Hypertension prevalence among adults in the United States"


def _passage(section: tuple[str, ...], text: str) -> Passage:
    doc = Document(doc_id="d", title="Data brief", path="/brief.pdf", source_type="pdf")
    chunk = Chunk(chunk_id=f"d#{len(section)}", doc_id="d", n=len(section), text=text, section=section,
                  char_start=0, char_end=len(text), embed_text=text)
    return Passage(chunk=chunk, document=doc)


def test_a_reference_list_has_no_citable_sentences() -> None:
    body = _passage((), "The prevalence of adult hypertension was 47.7% in this survey.")
    refs = _passage(("References",), f"1. Ostchega Y, Fryar CD. {TITLE}. NCHS Data Brief. 2020.")
    got = passage_sentences([refs, body])
    assert [s.passage_index for s in got] == [1]


def test_answer_retrieval_leaves_reference_lists_out(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "brief.md").write_text(
        "---\ntitle: Data brief 511\n---\n# Data brief 511\n\n## Results\n\n"
        "About half of adults had high blood pressure in the survey years.\n\n"
        f"## References\n\n1. Ostchega Y, Fryar CD. {TITLE}, 2017-2018. NCHS Data Brief 364. 2020.\n",
        encoding="utf-8",
    )
    (corpus / "other.md").write_text("---\ntitle: Gout\n---\n# Gout\n\nColchicine treats gout flares.\n", encoding="utf-8")
    encoder = FakeHashEncoder()
    build_index([corpus], tmp_path / "index", encoder, build_options(), cache=EmbeddingCache(None))
    index = Index.open(tmp_path / "index")
    try:
        retriever = HybridRetriever(index, SentenceEmbedder(encoder), AliasTable.bundled(), RetrievalParams())
        q = analyse(f"{TITLE}?", AliasTable.bundled())
        searched = retriever.retrieve(q)
        assert any(is_bibliography(p.chunk.section) for p in searched)  # plain search still finds it
        answered = retriever.retrieve(q, for_answer=True)
        assert answered and not any(is_bibliography(p.chunk.section) for p in answered)
        assert [p.rank for p in answered] == list(range(1, len(answered) + 1))
    finally:
        index.close()
