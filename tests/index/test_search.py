"""Search primitives of an opened index, and the ANN-vs-exact recall check."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from curbside.index.builder import build_index
from curbside.index.manifest import ChunkingMismatchError, ModelMismatchError
from curbside.index.reader import Index
from curbside.index.vectors import FaissStore, choose_factory
from tests.fakes import TINY_QUERIES, FakeHashEncoder, build_options


@pytest.fixture
def index(tiny_corpus: Path, tmp_path: Path):
    encoder = FakeHashEncoder()
    build_index([tiny_corpus], tmp_path / "index", encoder, build_options())
    ix = Index.open(tmp_path / "index")
    yield ix
    ix.close()


def _titles(ix: Index, hits: list[tuple[int, float]]) -> list[str]:
    chunks = ix.chunks([r for r, _ in hits])
    docs = ix.document_map([c.doc_id for c in chunks.values()])
    return [docs[chunks[r].doc_id].title for r, _ in hits]


def _assert_ranked(hits: list[tuple[int, float]]) -> None:
    keys = [(-s, r) for r, s in hits]
    assert keys == sorted(keys), "hits must be ordered by (-score, id)"
    assert len({r for r, _ in hits}) == len(hits)


@pytest.mark.parametrize(("query", "title"), sorted(TINY_QUERIES.items()))
def test_dense_search_finds_the_right_document(index: Index, query: str, title: str) -> None:
    hits = index.dense_search(FakeHashEncoder().encode([query]), 5)[0]
    assert len(hits) == 5
    _assert_ranked(hits)
    assert _titles(index, hits)[0] == title


@pytest.mark.parametrize(("query", "title"), sorted(TINY_QUERIES.items()))
def test_lexical_search_finds_the_right_document(index: Index, query: str, title: str) -> None:
    hits = index.lexical_search(query, 5)
    assert hits
    _assert_ranked(hits)
    assert all(score > 0 for _, score in hits)
    assert _titles(index, hits)[0] == title


def test_lexical_search_stems_and_ignores_stop_words(index: Index) -> None:
    assert _titles(index, index.lexical_search("bleeds", 1)) == [
        "Warfarin Sodium Tablets Prescribing Information"
    ]
    assert index.lexical_search("the and of", 5) == []
    assert index.lexical_search("zzzunknownword", 5) == []


def test_batched_dense_queries(index: Index) -> None:
    queries = list(TINY_QUERIES)
    batched = index.dense_search(FakeHashEncoder().encode(queries), 3)
    assert len(batched) == len(queries)
    for query, hits in zip(queries, batched, strict=True):
        assert hits == index.dense_search(FakeHashEncoder().encode([query]), 3)[0]


def test_allowed_rows_restrict_dense_and_lexical(index: Index) -> None:
    guideline_rows = index.store.rows_where(kinds=["guideline"])
    all_rows = index.store.rows_where()
    assert 0 < len(guideline_rows) < len(all_rows)
    allowed = set(guideline_rows)

    dense = index.dense_search(
        FakeHashEncoder().encode(["warfarin INR bleeding"]), 10, allowed_rows=guideline_rows
    )[0]
    assert len(dense) == len(
        guideline_rows
    )  # k above the allowed count: every allowed row, no padding
    assert {r for r, _ in dense} == allowed
    titles = set(_titles(index, dense))
    assert titles == {"Hypertension Management Guideline", "Asthma Guideline for Adults"}

    assert index.lexical_search("warfarin", 10, allowed_rows=guideline_rows) == []
    bp = index.lexical_search("blood pressure", 10, allowed_rows=guideline_rows)
    assert bp and {r for r, _ in bp} <= allowed
    assert set(_titles(index, bp)) == {"Hypertension Management Guideline"}

    assert index.dense_search(FakeHashEncoder().encode(["x"]), 5, allowed_rows=[]) == [[]]
    assert index.lexical_search("warfarin", 5, allowed_rows=[]) == []


def test_row_filters(index: Index) -> None:
    docs = {d.doc_id: d for d in index.documents()}
    chunks = index.chunks(index.store.rows_where(year_min=2021, year_max=2022))
    assert {docs[c.doc_id].year for c in chunks.values()} == {2021, 2022}
    chunks = index.chunks(index.store.rows_where(publishers=["thoracic"]))
    assert {docs[c.doc_id].title for c in chunks.values()} == {"Asthma Guideline for Adults"}
    drug = index.store.rows_where(kinds=["drug-label"])
    assert set(_titles(index, [(r, 0.0) for r in drug])) == {
        "Warfarin Sodium Tablets Prescribing Information"
    }


def test_k_above_ntotal_never_returns_padding(index: Index) -> None:
    n = index.vectors.ntotal
    hits = index.dense_search(FakeHashEncoder().encode(["anything at all"]), n + 50)[0]
    assert len(hits) == n
    assert all(0 <= r < n for r, _ in hits)
    _assert_ranked(hits)
    lex = index.lexical_search("warfarin metformin sepsis", n + 50)
    assert all(0 <= r < n for r, _ in lex)
    some = index.store.rows_where()[:2]
    limited = index.dense_search(FakeHashEncoder().encode(["anything"]), 10, allowed_rows=some)[0]
    assert sorted(r for r, _ in limited) == sorted(some)


def test_chunks_and_vectors_by_row(index: Index) -> None:
    row = index.lexical_search("salbutamol", 1)[0][0]
    chunk = index.chunks([row])[row]
    assert "Salbutamol" in chunk.text
    vec = index.vectors_for_rows([row])[0]
    np.testing.assert_allclose(vec, FakeHashEncoder().encode([chunk.embed_text])[0], atol=1e-6)
    assert index.store.chunk_by_id(chunk.chunk_id) == (row, chunk)
    assert index.lexical_scores_for("salbutamol", [row])[row] > 0


# ---------------------------------------------------------------------------------------------
# FaissStore on its own


def _unit(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_hnsw_recall_against_exact_search() -> None:
    """ANN vs exact: HNSW32 (efSearch 128) keeps recall@10 >= 0.95 on 5,000 random unit vectors."""
    rng = np.random.default_rng(1234)
    base, queries = _unit(rng, 5000, 64), _unit(rng, 200, 64)
    ids = np.arange(10_000, 15_000, dtype=np.int64)  # ids that are not positions
    hnsw = FaissStore.build(base, ids, "IDMap2,HNSW32", ef_search=128)
    flat = FaissStore.build(base, ids, "IDMap2,Flat")
    assert hnsw.ntotal == flat.ntotal == 5000
    approx, exact = hnsw.search(queries, 10), flat.search(queries, 10)
    recall = np.mean(
        [
            len({i for i, _ in a} & {i for i, _ in e}) / 10
            for a, e in zip(approx, exact, strict=True)
        ]
    )
    assert recall >= 0.95, f"HNSW recall@10 = {recall:.3f}"
    # exact search really is exact
    top = ids[np.argsort(-(queries[:5] @ base.T), axis=1)[:, :10]]
    assert [[i for i, _ in hits] for hits in exact[:5]] == top.tolist()


@pytest.mark.parametrize("factory", ["IDMap2,Flat", "IDMap2,HNSW32", "IVF16,Flat"])
def test_selector_and_padding_per_factory(tmp_path: Path, factory: str) -> None:
    rng = np.random.default_rng(7)
    base = _unit(rng, 600, 32)
    store = FaissStore.build(base, np.arange(600, dtype=np.int64), factory, nprobe=16)
    allowed = np.array([3, 50, 599], dtype=np.int64)
    hits = store.search(base[50:51], 10, allowed)[0]
    assert {i for i, _ in hits} <= set(allowed.tolist())
    assert hits[0][0] == 50
    assert all(i != -1 for i, _ in hits)
    path = tmp_path / "v.faiss"
    store.save(path)
    loaded = FaissStore.load(path, store.factory, nprobe=16)
    assert loaded.search(base[:3], 5) == store.search(base[:3], 5)


def test_empty_store_searches_cleanly() -> None:
    store = FaissStore.build(np.zeros((0, 8), np.float32), np.zeros(0, np.int64), "IDMap2,Flat")
    assert store.search(np.ones((2, 8), np.float32), 5) == [[], []]
    assert store.reconstruct(np.zeros(0, np.int64)).shape == (0, 8)


def test_choose_factory() -> None:
    assert choose_factory("auto", 10, 100) == "IDMap2,Flat"
    assert choose_factory("auto", 100, 100) == "IDMap2,Flat"
    assert choose_factory("auto", 101, 100) == "IDMap2,IVF64,SQ8"
    assert choose_factory("auto", 1_000_000, 200_000) == "IDMap2,IVF2048,SQ8"
    assert choose_factory("IVF64,PQ8", 10, 100) == "IVF64,PQ8"


def test_index_with_no_chunks_searches_cleanly(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bad.txt").write_bytes(b"\xff\xfe" + b"not utf-8 " * 10)
    report = build_index([corpus], tmp_path / "index", FakeHashEncoder(), build_options())
    assert report.chunks == 0 and len(report.skipped) == 1
    ix = Index.open(tmp_path / "index")
    try:
        assert ix.dense_search(FakeHashEncoder().encode(["empty"]), 5) == [[]]
        assert ix.lexical_search("warfarin", 5) == []
        assert (
            ix.lexical_search("empty", 5) == []
        )  # the placeholder BM25 document must not leak out
    finally:
        ix.close()


# ---------------------------------------------------------------------------------------------
# L8: the index's model is checked by identity, and the reader checks the chunking settings


def _model_dir(path: Path, seed: int) -> Path:
    """A model-shaped directory: configs, a vocabulary and 3 MB of 'weights'."""
    path.mkdir(parents=True)
    (path / "config.json").write_text('{"hidden_size": 64}', encoding="utf-8")
    (path / "modules.json").write_text("[]", encoding="utf-8")
    (path / "vocab.txt").write_text("a\nb\nc\n", encoding="utf-8")
    (path / "README.md").write_text("docs do not change the vectors", encoding="utf-8")
    weights = np.random.default_rng(seed).integers(0, 256, 3_000_000, dtype=np.uint8).tobytes()
    (path / "model.safetensors").write_bytes(len(b"{}").to_bytes(8, "little") + b"{}" + weights)
    return path


CHUNKING = {"max_tokens": 200, "overlap_tokens": 32, "embed_prefix": True}


@pytest.fixture
def model_index(tiny_corpus: Path, tmp_path: Path) -> tuple[Path, Path]:
    model = _model_dir(tmp_path / "models" / "mini", seed=1)
    index_dir = tmp_path / "index"
    build_index([tiny_corpus], index_dir, FakeHashEncoder(), build_options(model_name=str(model)))
    return model, index_dir


def test_a_trailing_slash_or_another_spelling_is_the_same_model(model_index, tiny_corpus: Path) -> None:
    model, index_dir = model_index
    for spelling in (f"{model}/", str(model.parent / ".." / "models" / "mini")):
        Index.open(index_dir, model=spelling, chunking=CHUNKING).close()
        assert build_index([tiny_corpus], index_dir, FakeHashEncoder(), build_options(model_name=spelling)).up_to_date


def test_the_same_model_files_elsewhere_are_the_same_model(model_index, tmp_path: Path) -> None:
    model, index_dir = model_index
    moved = tmp_path / "elsewhere" / "mini"
    shutil.copytree(model, moved)
    (moved / "README.md").write_text("edited docs", encoding="utf-8")
    Index.open(index_dir, model=str(moved), chunking=CHUNKING).close()


def test_changed_weights_at_the_same_path_are_refused(model_index, tiny_corpus: Path) -> None:
    model, index_dir = model_index
    shutil.rmtree(model)
    _model_dir(model, seed=2)  # retrained: same path, same sizes, other weights
    with pytest.raises(ModelMismatchError, match=r"fingerprint .* then, .* now"):
        Index.open(index_dir, model=str(model), chunking=CHUNKING)
    with pytest.raises(ModelMismatchError):
        build_index([tiny_corpus], index_dir, FakeHashEncoder(), build_options(model_name=str(model)))
    shutil.rmtree(model)
    _model_dir(model, seed=1)  # the original files again: the same model
    Index.open(index_dir, model=str(model), chunking=CHUNKING).close()
    (model / "config.json").write_text('{"hidden_size": 65}', encoding="utf-8")  # a config change counts too
    with pytest.raises(ModelMismatchError):
        Index.open(index_dir, model=str(model), chunking=CHUNKING)


def test_the_reader_refuses_other_chunking_settings_with_a_clear_message(index: Index) -> None:
    where = index.directory.parent
    Index.open(where, model="fake-hash-encoder", chunking=CHUNKING).close()
    with pytest.raises(ChunkingMismatchError) as info:
        Index.open(where, model="fake-hash-encoder", chunking={**CHUNKING, "max_tokens": 100, "embed_prefix": False})
    message = str(info.value)
    assert str(where) in message
    assert "max_tokens=200 in the index, 100 in the settings" in message
    assert "embed_prefix=True in the index, False in the settings" in message
    assert "CURBSIDE_CHUNKING__MAX_TOKENS=200" in message and "curbside ingest" in message
    with pytest.raises(ModelMismatchError, match=r"'fake-hash-encoder'.*'other-model'"):
        Index.open(where, model="other-model", chunking=CHUNKING)


@pytest.mark.integration
def test_a_pipeline_with_other_chunking_settings_is_refused(bundled_pipeline) -> None:
    from curbside import Pipeline

    with pytest.raises(ChunkingMismatchError, match="overlap_tokens=32 in the index, 8 in the settings"):
        Pipeline(bundled_pipeline.index_dir, settings=bundled_pipeline.settings.with_overrides(chunking__overlap_tokens=8))


def test_the_embedding_cache_is_keyed_by_the_model_files(tiny_corpus: Path, tmp_path: Path) -> None:
    """New weights at the same path must not be served the old weights' cached vectors; the same
    files under another spelling share them."""
    from curbside.index.cache import EmbeddingCache

    cache = EmbeddingCache(tmp_path / "embeddings.sqlite")
    model = _model_dir(tmp_path / "models" / "mini", seed=1)
    first = build_index([tiny_corpus], tmp_path / "a", FakeHashEncoder(), build_options(model_name=str(model)), cache=cache)
    assert first.chunks_embedded == first.chunks
    respelled = build_index([tiny_corpus], tmp_path / "b", FakeHashEncoder(), build_options(model_name=f"{model}/"), cache=cache)
    assert respelled.chunks_embedded == 0
    shutil.rmtree(model)
    _model_dir(model, seed=2)
    retrained = build_index([tiny_corpus], tmp_path / "c", FakeHashEncoder(), build_options(model_name=str(model)), cache=cache)
    assert retrained.chunks_embedded == retrained.chunks > 0
    cache.close()
