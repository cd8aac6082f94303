"""Fusion order, per-document caps, filters and entity coverage of the hybrid retriever."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from curbside.index import EmbeddingCache, Index, build_index
from curbside.ingest.types import Chunk, Document
from curbside.qa.aliases import AliasTable
from curbside.qa.query import analyse
from curbside.qa.retrieval import (
    Filters,
    HybridRetriever,
    RetrievalParams,
    cap_per_document,
    rrf_fuse,
    standardise,
)
from curbside.qa.sentences import SentenceEmbedder
from curbside.qa.types import Passage
from tests.fakes import FakeHashEncoder, build_options


def test_rrf_fusion_order_matches_hand_computation() -> None:
    # ranks: a=1 (dense), 3 (lexical); b=2, 1; c=3, absent; d=absent, 2
    fused = rrf_fuse([[10, 20, 30], [20, 40, 10]], [1.0, 1.0], k=60)
    expected = {
        10: 1 / 61 + 1 / 63,
        20: 1 / 62 + 1 / 61,
        30: 1 / 63,
        40: 1 / 62,
    }
    assert [i for i, _ in fused] == [20, 10, 40, 30]
    for item, score in fused:
        assert score == pytest.approx(expected[item])


def test_rrf_weights_and_ties() -> None:
    # lexical weight 0 -> dense order only
    assert [i for i, _ in rrf_fuse([[3, 1, 2], [2, 1, 3]], [1.0, 0.0])] == [3, 1, 2]
    # equal scores are broken by id, deterministically
    assert [i for i, _ in rrf_fuse([[5], [4]], [1.0, 1.0])] == [4, 5]


def _passage(doc: str, n: int) -> Passage:
    document = Document(doc_id=doc, title=doc, path=f"/{doc}.md")
    chunk = Chunk(chunk_id=f"{doc}#{n}", doc_id=doc, n=n, text="x", char_start=0, char_end=1, embed_text="x")
    return Passage(chunk=chunk, document=document)


def test_per_document_cap_keeps_order_and_limits_each_document() -> None:
    ranked = [_passage("a", 0), _passage("a", 1), _passage("a", 2), _passage("b", 0), _passage("a", 3), _passage("c", 0)]
    out = cap_per_document(ranked, cap=2, k=4)
    assert [p.chunk.chunk_id for p in out] == ["a#0", "a#1", "b#0", "c#0"]


def _scored(doc: str, n: int, score: float) -> Passage:
    passage = _passage(doc, n)
    passage.rerank_score = score
    return passage


def test_a_soft_cap_lets_a_document_past_its_cap_only_in_place_of_passages_below_the_floor() -> None:
    # one document answers (a third list chunk at 9.3); the other documents' passages are below average
    ranked = [_scored("cdc", 95, 10.9), _scored("cdc", 96, 9.7), _scored("cdc", 30, 9.3), _scored("cdc", 31, 6.3),
              _scored("nchs", 1, 0.4), _scored("dia", 42, -1.1), _scored("eprs", 75, -2.0), _scored("cdc", 94, -3.0)]
    hard = cap_per_document(ranked, cap=2, k=5)
    assert [p.chunk.chunk_id for p in hard] == ["cdc#95", "cdc#96", "nchs#1", "dia#42", "eprs#75"]
    soft = cap_per_document(ranked, cap=2, k=5, floor=0.0)
    # the two weak passages give way to the answering document's next chunks, in score order;
    # a passage of another document above the floor keeps its place
    assert [p.chunk.chunk_id for p in soft] == ["cdc#95", "cdc#96", "cdc#30", "cdc#31", "nchs#1"]
    # past-cap passages below the floor never come in, and weak passages fill what is left
    soft_few = cap_per_document(ranked, cap=2, k=8, floor=7.0)
    assert [p.chunk.chunk_id for p in soft_few] == ["cdc#95", "cdc#96", "cdc#30", "nchs#1", "dia#42", "eprs#75"]
    # where every chosen passage competes the soft cap is the hard one
    assert cap_per_document(ranked[:5], cap=2, k=3, floor=0.0) == cap_per_document(ranked[:5], cap=2, k=3)


@pytest.fixture
def fake_index(tmp_path: Path) -> tuple[Index, FakeHashEncoder]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    long_body = "\n\n".join(
        f"## Part {i}\n\nColchicine paragraph {i} discusses colchicine dosing and colchicine toxicity in detail."
        for i in range(8)
    )
    docs = {
        "colchicine-label.md": ("Colchicine label", "drug-label", 2019, "FDA", long_body),
        "gout-guideline.md": ("Gout guideline", "guideline", 2020, "American College of Rheumatology",
                              "## Flares\n\nColchicine, NSAIDs or glucocorticoids are first-line for gout flares."),
        "old-trial.md": ("Old colchicine trial", "research", 2010, "Arthritis Rheum",
                         "## Results\n\nLow-dose colchicine was as effective as high-dose colchicine for gout flares."),
        "tacrolimus-label.md": ("Tacrolimus label", "drug-label", 2023, "FDA",
                                "## Warnings\n\nTacrolimus (Prograf) raises the risk of serious infections and malignancy."),
    }
    for name, (title, kind, year, pub, body) in docs.items():
        (corpus / name).write_text(
            f"---\ntitle: {title}\nkind: {kind}\nyear: {year}\npublisher: {pub}\n---\n# {title}\n\n{body}\n",
            encoding="utf-8",
        )
    encoder = FakeHashEncoder()
    build_index([corpus], tmp_path / "index", encoder, build_options(), cache=EmbeddingCache(None))
    return Index.open(tmp_path / "index"), encoder


def _retriever(index: Index, encoder: FakeHashEncoder, **params: object) -> HybridRetriever:
    return HybridRetriever(index, SentenceEmbedder(encoder), AliasTable.bundled(), RetrievalParams(**params))  # type: ignore[arg-type]


def test_filters_restrict_kind_publisher_and_years(fake_index: tuple[Index, FakeHashEncoder]) -> None:
    index, encoder = fake_index
    retriever = _retriever(index, encoder, top_k=10, per_doc_cap=10)
    q = analyse("colchicine for gout flares", AliasTable.bundled())
    kinds = {p.document.kind for p in retriever.retrieve(q, filters=Filters(kinds=["guideline"]))}
    assert kinds == {"guideline"}
    pubs = {p.document.publisher for p in retriever.retrieve(q, filters=Filters(publishers=["rheum"]))}
    assert pubs <= {"American College of Rheumatology", "Arthritis Rheum"} and pubs
    years = {p.document.year for p in retriever.retrieve(q, filters=Filters(year_min=2015, year_max=2020))}
    assert years and all(2015 <= y <= 2020 for y in years)
    assert retriever.retrieve(q, filters=Filters(year_min=2030)) == []


def test_one_long_document_cannot_fill_the_top_k(fake_index: tuple[Index, FakeHashEncoder]) -> None:
    index, encoder = fake_index
    q = analyse("colchicine dosing colchicine toxicity", AliasTable.bundled())
    capped = _retriever(index, encoder, top_k=5, per_doc_cap=2).retrieve(q)
    titles = [p.document.title for p in capped]
    assert titles.count("Colchicine label") == 2
    uncapped = _retriever(index, encoder, top_k=5, per_doc_cap=10).retrieve(q)
    assert [p.document.title for p in uncapped].count("Colchicine label") > 2


def test_answer_retrieval_lets_the_answering_document_past_its_cap_in_place_of_weak_passages(
    fake_index: tuple[Index, FakeHashEncoder],
) -> None:
    index, encoder = fake_index
    q = analyse("colchicine dosing colchicine toxicity", AliasTable.bundled())
    r = _retriever(index, encoder, top_k=5, per_doc_cap=2)
    # document search keeps the hard cap: a results list is for breadth
    assert [p.document.title for p in r.retrieve(q)].count("Colchicine label") == 2
    answer = r.retrieve(q, for_answer=True)
    label = [p for p in answer if p.document.title == "Colchicine label"]
    assert len(label) > 2
    hard = _retriever(index, encoder, top_k=5, per_doc_cap=2, soft_cap_floor=None).retrieve(q, for_answer=True)
    assert [p.document.title for p in hard].count("Colchicine label") == 2
    # only passages scoring below the floor gave way, to passages past the cap that score above it
    kept = {p.chunk.chunk_id for p in answer}
    dropped = [p for p in hard if p.chunk.chunk_id not in kept]
    assert dropped and all((p.rerank_score or 0.0) < 0.0 for p in dropped)
    assert all((p.rerank_score or 0.0) >= 0.0 for p in label[2:])


def test_every_drug_named_in_the_question_gets_a_passage(fake_index: tuple[Index, FakeHashEncoder]) -> None:
    index, encoder = fake_index
    q = analyse("colchicine dosing colchicine toxicity in a patient on Prograf", AliasTable.bundled())
    on = _retriever(index, encoder, top_k=2, per_doc_cap=2).retrieve(q)
    assert any("Tacrolimus" in p.chunk.text for p in on)
    assert any("olchicine" in p.chunk.text for p in on)


def test_ranks_are_deterministic(fake_index: tuple[Index, FakeHashEncoder]) -> None:
    index, encoder = fake_index
    q = analyse("gout flare treatment", AliasTable.bundled())
    r = _retriever(index, encoder)
    first = [p.chunk.chunk_id for p in r.retrieve(q)]
    assert first == [p.chunk.chunk_id for p in r.retrieve(q)]
    assert [p.rank for p in r.retrieve(q)] == list(range(1, len(first) + 1))


@pytest.fixture
def aspect_index(tmp_path: Path) -> tuple[Index, FakeHashEncoder]:
    """Three documents on one subject that differ only in the aspect they cover, among others."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, subject in enumerate(["asthma", "gout", "psoriasis", "migraine", "anaemia", "glaucoma", "eczema", "angina"]):
        (corpus / f"other-{i}.md").write_text(
            f"# {subject.title()}\n\n## Notes\n\n{subject.title()} is common; {subject} care varies by patient.\n",
            encoding="utf-8",
        )
    # the symptoms document names the subject most often, so similarity alone does not prefer treatment
    (corpus / "symptoms.md").write_text(
        "# Gitelman syndrome\n\n## Signs and symptoms\n\n"
        "Gitelman syndrome causes cramps. Gitelman syndrome in adults. Gitelman syndrome and fatigue.\n",
        encoding="utf-8",
    )
    (corpus / "treatment.md").write_text(
        "# Gitelman syndrome\n\n## Treatment\n\nGitelman syndrome: oral potassium and magnesium supplements.\n",
        encoding="utf-8",
    )
    # no headings: the document's opening question says what it is about
    (corpus / "causes.txt").write_text(
        "What causes Gitelman syndrome? Mutations in SLC12A3 in Gitelman syndrome.\n", encoding="utf-8"
    )
    encoder = FakeHashEncoder()
    build_index([corpus], tmp_path / "index", encoder, build_options(), cache=EmbeddingCache(None))
    return Index.open(tmp_path / "index"), encoder


def test_the_passage_on_the_aspect_asked_about_ranks_first(aspect_index: tuple[Index, FakeHashEncoder]) -> None:
    index, encoder = aspect_index
    table = AliasTable.bundled()
    blind = _retriever(index, encoder, rescore_aspect_weight=0.0, rescore_other_aspect_weight=0.0)
    aware = _retriever(index, encoder)
    question = analyse("How is Gitelman syndrome treated?", table)
    assert not blind.retrieve(question)[0].document.path.endswith("treatment.md")  # the test is not trivial
    top = aware.retrieve(question)[0]
    assert top.document.path.endswith("treatment.md")
    assert top.features["aspect"] == 1.0
    causes = aware.retrieve(analyse("What causes Gitelman syndrome?", table))[0]
    assert causes.document.path.endswith("causes.txt")


def test_rescoring_features_are_standardised_over_the_candidates(fake_index: tuple[Index, FakeHashEncoder]) -> None:
    index, encoder = fake_index
    passages = _retriever(index, encoder, top_k=20, per_doc_cap=20).retrieve(analyse("colchicine for gout flares", AliasTable.bundled()))
    assert len(passages) > 3
    for name in ("dense", "lexical", "sentence"):
        values = np.array([p.features[name] for p in passages])
        assert abs(values.mean()) < 1e-6 and abs(values.std() - 1.0) < 1e-6
    # weights of 0 skip their features; the score is the weighted sum of what was computed
    p = passages[0]
    assert "prf" not in p.features and "rrf" not in p.features
    w = RetrievalParams().weights()
    assert p.rerank_score == pytest.approx(sum(w[k] * v for k, v in p.features.items()))


def test_standardise_handles_constant_and_empty_scores() -> None:
    assert standardise(np.array([0.3, 0.3, 0.3])).tolist() == [0.0, 0.0, 0.0]
    assert standardise(np.array([])).size == 0
    assert standardise(np.array([1.0, 3.0])).tolist() == [-1.0, 1.0]


def test_a_documents_title_counts_among_its_sentences(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    body = "Patients should follow the written {} and return if it does not help within two days."
    # the asthma text shares a word with the question; only the gout document's title matches it
    for name, title, plan in (("gout.md", "Gout flare treatment", "plan"), ("asthma.md", "Asthma inhaler technique", "treatment plan")):
        (corpus / name).write_text(f"---\ntitle: {title}\n---\n{body.format(plan)}\n", encoding="utf-8")
    encoder = FakeHashEncoder()
    # without the title in the embedded text, only the sentence signal can tell the two apart
    build_index([corpus], tmp_path / "index", encoder, build_options(embed_prefix=False), cache=EmbeddingCache(None))
    index = Index.open(tmp_path / "index")
    try:
        passages = _retriever(index, encoder).retrieve(analyse("gout flare treatment", AliasTable.bundled()))
        by_title = {p.document.title: p.features["sentence"] for p in passages}
        assert by_title["Gout flare treatment"] > by_title["Asthma inhaler technique"]
    finally:
        index.close()


def test_stems_are_cached_and_batched_with_the_index_tokenizer() -> None:
    from curbside.index.lexical import tokenize
    from curbside.qa import retrieval

    texts = ["Colchicine is contraindicated with strong CYP3A4 inhibitors.", "Monitoring of neutrophil counts"]
    assert [list(t) for t in retrieval.stems_many(texts)] == tokenize(texts)
    assert retrieval.stems(texts[0]) == tokenize([texts[0]])[0]
    first = retrieval.stems(texts[1])
    first.append("mutated")  # a caller's list is its own: the cache is not changed through it
    assert retrieval.stems(texts[1]) == tokenize([texts[1]])[0]
