"""Answer retrieval brings the leading study's conclusion past the per-document cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from curbside.index import EmbeddingCache, Index, build_index
from curbside.ingest.types import Chunk, Document
from curbside.qa.aliases import AliasTable
from curbside.qa.query import analyse
from curbside.qa.retrieval import HybridRetriever, RetrievalParams, _leading_conclusion
from curbside.qa.sentences import SentenceEmbedder
from curbside.qa.types import Passage
from tests.fakes import FakeHashEncoder, build_options

_FILLER = "Sleep apnoea screening questionnaires were completed by adults attending the sleep clinic."


def _abstract() -> str:
    """Background and results that match the question well, then a conclusion that matches it less."""
    background = f"{_FILLER} Screening for sleep apnoea with questionnaires is common. " * 3
    results = f"Sleep apnoea screening questionnaires had a sensitivity of 72% for sleep apnoea. {_FILLER} " * 3
    return f"## Background\n\n{background}\n\n## Results\n\n{results}\n\n## Conclusions\n\nThe tool is adequate for triage in this clinic."


@pytest.fixture
def study_index(tmp_path: Path) -> tuple[Index, FakeHashEncoder]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    docs = {
        "apnoea-study.md": ("Apnoea screening study", "research", _abstract()),
        "apnoea-review.md": ("Apnoea review", "research", f"## Summary\n\n{_FILLER} Questionnaires screen for sleep apnoea."),
        "apnoea-guideline.md": ("Apnoea guideline", "guideline", "## Screening\n\nScreen adults with sleepiness for sleep apnoea."),
    }
    for name, (title, kind, body) in docs.items():
        (corpus / name).write_text(f"---\ntitle: {title}\nkind: {kind}\nyear: 2020\npublisher: J\n---\n# {title}\n\n{body}\n",
                                   encoding="utf-8")
    encoder = FakeHashEncoder()
    build_index([corpus], tmp_path / "index", encoder, build_options(), cache=EmbeddingCache(None))
    return Index.open(tmp_path / "index"), encoder


def test_the_leading_studys_conclusion_comes_along_past_the_cap(study_index: tuple[Index, FakeHashEncoder]) -> None:
    index, encoder = study_index
    retriever = HybridRetriever(index, SentenceEmbedder(encoder), AliasTable.bundled(),
                                RetrievalParams(top_k=4, per_doc_cap=2, soft_cap_floor=None))
    q = analyse("Are sleep apnoea screening questionnaires adequate?", AliasTable.bundled())
    search = retriever.retrieve(q)
    study = [p for p in search if p.document.title == "Apnoea screening study"]
    assert search[0].document.title == "Apnoea screening study" and len(study) == 2
    assert not any("adequate for triage" in p.chunk.text for p in study)  # the cap left the conclusion out
    answer = retriever.retrieve(q, for_answer=True)
    conclusion = [p for p in answer if "adequate for triage" in p.chunk.text]
    assert len(conclusion) == 1 and conclusion[0].document.title == "Apnoea screening study"
    assert [p.chunk.chunk_id for p in answer[: len(search)]] == [p.chunk.chunk_id for p in search]  # added after the rest
    assert [p.rank for p in answer] == list(range(1, len(answer) + 1))


def _passage(doc: str, n: int, text: str, kind: str = "research") -> Passage:
    document = Document(doc_id=doc, title=doc, path=f"/{doc}.md", kind=kind)  # type: ignore[arg-type]
    chunk = Chunk(chunk_id=f"{doc}#{n}", doc_id=doc, n=n, text=text, char_start=0, char_end=len(text), embed_text=text)
    return Passage(chunk=chunk, document=document)


def test_a_structured_abstracts_inline_conclusion_label_counts_and_only_a_leading_study_gets_one() -> None:
    # PubMed abstracts carry their labels inline ("CONCLUSIONS: ..."), not as section headings
    pool = [_passage("a", 0, "Background."), _passage("a", 1, "Results: 72% were found."), _passage("b", 0, "Other."),
            _passage("a", 2, "Results went on.\n\nCONCLUSIONS: The tool is adequate."), _passage("a", 3, "Conclusions: more.")]
    out = [pool[0], pool[1], pool[2]]
    assert [p.chunk.chunk_id for p in _leading_conclusion(pool, out)] == ["a#2"]  # one, the first in the pool's order
    assert _leading_conclusion(pool, [*out, pool[3]]) == [pool[4]]  # the one held already is not repeated
    assert _leading_conclusion(pool, [pool[2], pool[0]]) == []  # another study leads: it has no conclusion in the pool
    guideline = [_passage("g", 0, "Screen adults.", kind="guideline"), _passage("g", 1, "Conclusion: screen.", kind="guideline")]
    assert _leading_conclusion(guideline, guideline[:1]) == []  # a guideline's paragraphs are not a study's answer
    assert _leading_conclusion(pool, []) == []
