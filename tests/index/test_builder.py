"""Incremental, atomic, locked index builds with the fake encoder."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from filelock import FileLock

from curbside.index.builder import IndexLockedError, build_index
from curbside.index.cache import EmbeddingCache
from curbside.index.manifest import IndexNotFoundError, ModelMismatchError
from curbside.index.reader import Index, live_generation
from curbside.ingest.chunking import chunk_document
from curbside.ingest.loaders import load_file
from tests.fakes import (
    APIXABAN_PAGES,
    TINY_FILES,
    TINY_QUERIES,
    FakeHashEncoder,
    build_options,
    make_text_pdf,
)


def _file_chunks(path: Path) -> int:
    """Chunks the builder should make for ``path`` with the default options."""
    options = build_options()
    count = FakeHashEncoder().count_tokens
    return sum(
        len(
            chunk_document(
                p, count, max_tokens=options.max_tokens, overlap_tokens=options.overlap_tokens
            )
        )
        for p in load_file(path).documents
    )


def _embedded(report) -> int:
    """Texts the build sent to the encoder: chunks, plus sentences where the index stores them."""
    return report.chunks_embedded + getattr(report, "sentences_embedded", 0)


def _titles(ix: Index, hits: list[tuple[int, float]]) -> list[str]:
    chunks = ix.chunks([r for r, _ in hits])
    docs = ix.document_map([c.doc_id for c in chunks.values()])
    return [docs[chunks[r].doc_id].title for r, _ in hits]


def _snapshot(ix: Index, encoder: FakeHashEncoder) -> dict[str, object]:
    """What a reader sees: counts, chunk ids and top hits of every tiny-corpus query."""
    rows = ix.store.rows_where()
    return {
        "n_chunks": ix.manifest.n_chunks,
        "n_documents": ix.manifest.n_documents,
        "chunk_ids": sorted(c.chunk_id for c in ix.chunks(rows).values()),
        "dense": {q: ix.dense_search(encoder.encode([q]), 3)[0] for q in TINY_QUERIES},
        "lexical": {q: ix.lexical_search(q, 3) for q in TINY_QUERIES},
    }


@pytest.fixture
def built(tiny_corpus: Path, tmp_path: Path, fake_encoder: FakeHashEncoder):
    """The tiny corpus built once; returns (corpus, index_dir, first report)."""
    index_dir = tmp_path / "index"
    report = build_index([tiny_corpus], index_dir, fake_encoder, build_options())
    return tiny_corpus, index_dir, report


# ---------------------------------------------------------------------------------------------
# first build


def test_first_build_indexes_everything(built, fake_encoder: FakeHashEncoder) -> None:
    corpus, index_dir, report = built
    expected_chunks = sum(_file_chunks(corpus / name) for name in TINY_FILES)
    assert sorted(Path(p).name for p in report.added) == sorted(TINY_FILES)
    assert report.updated == [] and report.removed == [] and report.skipped == []
    assert report.documents == 9  # 6 files with one document each + 3 JSONL records
    assert report.chunks == expected_chunks
    assert report.chunks_embedded == expected_chunks
    assert fake_encoder.encoded_texts == _embedded(report)
    assert report.up_to_date is False
    assert report.factory == "IDMap2,Flat"

    ix = Index.open(index_dir)
    try:
        m = ix.manifest
        assert (m.embedding_model, m.dim, m.factory) == ("fake-hash-encoder", 64, "IDMap2,Flat")
        assert (m.n_documents, m.n_chunks, m.n_files) == (9, expected_chunks, len(TINY_FILES))
        assert m.index_hash == "test"
        assert m.chunking == {"max_tokens": 200, "overlap_tokens": 32, "embed_prefix": True}
        assert ix.vectors.ntotal == expected_chunks
        assert ix.store.count_chunks() == expected_chunks
        assert live_generation(index_dir).name == "gen-000001"
        kinds = {d.title: d.kind for d in ix.documents()}
        assert kinds["Warfarin Sodium Tablets Prescribing Information"] == "drug-label"
        assert kinds["Hypertension Management Guideline"] == "guideline"
        # the stored vectors are the encoder's vectors of the embed text
        row = ix.store.rows_where()[0]
        chunk = ix.chunks([row])[row]
        np.testing.assert_allclose(
            ix.vectors_for_rows([row])[0],
            FakeHashEncoder().encode([chunk.embed_text])[0],
            atol=1e-6,
        )
    finally:
        ix.close()


def test_open_before_any_build_raises_index_not_found(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="no index at"):
        Index.open(tmp_path / "nothing-here")


# ---------------------------------------------------------------------------------------------
# incremental


def test_rebuild_without_changes_embeds_nothing(built, fake_encoder: FakeHashEncoder) -> None:
    corpus, index_dir, first = built
    before = fake_encoder.encoded_texts
    report = build_index([corpus], index_dir, fake_encoder, build_options())
    assert report.up_to_date is True
    assert report.chunks_embedded == 0
    assert fake_encoder.encoded_texts == before
    assert report.unchanged == len(TINY_FILES)
    assert (report.documents, report.chunks) == (first.documents, first.chunks)
    assert report.added == report.updated == report.removed == []
    assert "index up to date" in report.summary()
    assert live_generation(index_dir).name == "gen-000001"


def test_editing_one_file_reembeds_only_that_file(built, fake_encoder: FakeHashEncoder) -> None:
    corpus, index_dir, first = built
    path = corpus / "label_warfarin.md"
    path.write_text(path.read_text() + "\nAvoid combining warfarin with miconazole oral gel.\n")
    before = fake_encoder.encoded_texts
    report = build_index([corpus], index_dir, fake_encoder, build_options())

    n_file = _file_chunks(path)
    assert report.updated == [str(path)]
    assert report.added == [] and report.removed == []
    assert report.unchanged == len(TINY_FILES) - 1
    assert 0 < report.chunks_embedded <= n_file
    assert fake_encoder.encoded_texts - before == _embedded(report)
    assert getattr(report, "sentences_embedded", 1) == 1  # only the one new sentence
    assert report.chunks_new == n_file
    assert live_generation(index_dir).name == "gen-000002"
    assert not (index_dir / "gen-000001").exists()  # the old generation is cleaned up

    ix = Index.open(index_dir)
    try:
        hits = ix.lexical_search("miconazole", 5)
        assert _titles(ix, hits) == ["Warfarin Sodium Tablets Prescribing Information"]
        assert ix.manifest.n_documents == first.documents
        warfarin_docs = [d for d in ix.documents() if d.path == str(path)]
        assert len(warfarin_docs) == 1
        assert warfarin_docs[0].doc_id == load_file(path).documents[0].document.doc_id
    finally:
        ix.close()


def test_edit_with_cache_reembeds_only_changed_chunks(tiny_corpus: Path, tmp_path: Path) -> None:
    encoder = FakeHashEncoder()
    cache = EmbeddingCache(None)
    index_dir = tmp_path / "index"
    build_index([tiny_corpus], index_dir, encoder, build_options(), cache=cache)
    path = tiny_corpus / "label_warfarin.md"
    assert _file_chunks(path) == 2  # "Warnings" and "Dosage"
    path.write_text(path.read_text().replace("between 2.0 and 3.0", "between 2.5 and 3.5"))
    before = encoder.encoded_texts
    report = build_index([tiny_corpus], index_dir, encoder, build_options(), cache=cache)
    assert report.updated == [str(path)]
    assert report.chunks_embedded == 1  # the unchanged "Warnings" chunk came from the cache
    assert encoder.encoded_texts - before == _embedded(report) <= 2


def test_deleting_a_file_removes_its_chunks(built, fake_encoder: FakeHashEncoder) -> None:
    corpus, index_dir, first = built
    path = corpus / "notes_gout.txt"
    n_gout = _file_chunks(path)
    path.unlink()
    before = fake_encoder.encoded_texts
    report = build_index([corpus], index_dir, fake_encoder, build_options())
    assert report.removed == [str(path.resolve())]
    assert report.chunks == first.chunks - n_gout
    assert report.documents == first.documents - 1
    assert report.chunks_embedded == 0 and fake_encoder.encoded_texts == before
    ix = Index.open(index_dir)
    try:
        assert ix.lexical_search("colchicine allopurinol", 5) == []
        assert all(d.path != str(path) for d in ix.documents())
        assert ix.vectors.ntotal == report.chunks
        titles = _titles(
            ix, ix.dense_search(fake_encoder.encode(["colchicine allopurinol gout"]), 20)[0]
        )
        assert "Gout flare management notes" not in titles
    finally:
        ix.close()


def test_adding_a_file_adds_its_chunks(built, fake_encoder: FakeHashEncoder) -> None:
    corpus, index_dir, first = built
    path = corpus / "sub" / "guideline_migraine.md"
    path.parent.mkdir()
    path.write_text(
        "---\ntitle: Migraine Guideline\nkind: guideline\n---\n# Acute migraine\n\nTriptans such as sumatriptan treat acute migraine attacks.\n"
    )
    before = fake_encoder.encoded_texts
    report = build_index([corpus], index_dir, fake_encoder, build_options())
    assert report.added == [str(path)]
    assert report.unchanged == len(TINY_FILES)
    assert report.chunks == first.chunks + _file_chunks(path)
    assert report.chunks_embedded == _file_chunks(path)
    assert fake_encoder.encoded_texts - before == _embedded(report)
    ix = Index.open(index_dir)
    try:
        assert _titles(ix, ix.lexical_search("sumatriptan", 3)) == ["Migraine Guideline"]
    finally:
        ix.close()


def test_files_outside_the_given_folders_are_left_alone(tiny_corpus: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "hep.md").write_text(
        "# Hepatitis B\n\nTenofovir suppresses hepatitis B viral replication.\n"
    )
    index_dir = tmp_path / "index"
    encoder = FakeHashEncoder()
    first = build_index([tiny_corpus, other], index_dir, encoder, build_options())
    report = build_index([tiny_corpus], index_dir, encoder, build_options())
    assert report.removed == []
    assert report.chunks == first.chunks
    ix = Index.open(index_dir)
    try:
        assert _titles(ix, ix.lexical_search("tenofovir", 3)) == ["Hepatitis B"]
    finally:
        ix.close()


def test_sidecar_edit_updates_metadata(built, fake_encoder: FakeHashEncoder) -> None:
    corpus, index_dir, _ = built
    (corpus / "notes_gout.txt.meta.yaml").write_text(
        "title: Gout Notes From Sidecar\nkind: review\nyear: 2024\n"
    )
    report = build_index([corpus], index_dir, fake_encoder, build_options())
    assert report.updated == [str(corpus / "notes_gout.txt")]
    ix = Index.open(index_dir)
    try:
        (doc,) = [d for d in ix.documents() if d.path.endswith("notes_gout.txt")]
        assert (doc.title, doc.year) == ("Gout Notes From Sidecar", 2024)
    finally:
        ix.close()


def test_changed_index_hash_rechunks_everything(built, fake_encoder: FakeHashEncoder) -> None:
    corpus, index_dir, first = built
    report = build_index(
        [corpus], index_dir, fake_encoder, build_options(index_hash="other", max_tokens=40)
    )
    assert sorted(Path(p).name for p in report.updated) == sorted(TINY_FILES)
    assert report.chunks > first.chunks  # smaller chunks, more of them
    assert Index.open(index_dir).manifest.chunking["max_tokens"] == 40


def test_duplicate_text_survives_deleting_the_first_copy(tmp_path: Path) -> None:
    """Two files with the same text are indexed once; deleting the indexed copy must not lose it."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = TINY_FILES["label_warfarin.md"]
    (corpus / "a_label.md").write_text(text)
    (corpus / "b_label_copy.md").write_text(text)
    (corpus / "gout.txt").write_text(TINY_FILES["notes_gout.txt"])
    index_dir = tmp_path / "index"
    encoder = FakeHashEncoder()
    first = build_index([corpus], index_dir, encoder, build_options())
    assert [Path(i.path).name for i in first.skipped] == ["b_label_copy.md"]
    assert "same text as" in first.skipped[0].reason
    (corpus / "a_label.md").unlink()
    build_index([corpus], index_dir, encoder, build_options())
    ix = Index.open(index_dir)
    try:
        assert _titles(ix, ix.lexical_search("warfarin INR", 3))[:1] == [
            "Warfarin Sodium Tablets Prescribing Information"
        ], "the text of b_label_copy.md vanished from the index"
    finally:
        ix.close()


# ---------------------------------------------------------------------------------------------
# refusals: wrong model, too-long chunks, a held lock


def test_other_model_is_refused(built) -> None:
    corpus, index_dir, first = built
    other = FakeHashEncoder(model_id="other-model")
    with pytest.raises(ModelMismatchError) as info:
        build_index([corpus], index_dir, other, build_options(model_name="other-model"))
    message = str(info.value)
    assert "'fake-hash-encoder'" in message and "'other-model'" in message
    assert str(index_dir) in message
    assert other.encoded_texts == 0
    assert Index.open(index_dir).manifest.n_chunks == first.chunks


def test_max_tokens_above_model_limit_is_refused(tiny_corpus: Path, tmp_path: Path) -> None:
    encoder = FakeHashEncoder(max_tokens=128)
    with pytest.raises(ValueError, match=r"max_tokens=200 exceeds .* limit of 128"):
        build_index([tiny_corpus], tmp_path / "index", encoder, build_options())


def test_held_lock_refuses_a_second_build(
    tiny_corpus: Path, tmp_path: Path, fake_encoder: FakeHashEncoder
) -> None:
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    lock = FileLock(str(index_dir / ".lock"))
    with lock.acquire(timeout=1):
        with pytest.raises(IndexLockedError) as info:
            build_index([tiny_corpus], index_dir, fake_encoder, build_options())
        assert "another ingest is writing" in str(info.value)
        assert str(index_dir / ".lock") in str(info.value)
        assert fake_encoder.encoded_texts == 0
        assert live_generation(index_dir) is None
    report = build_index([tiny_corpus], index_dir, fake_encoder, build_options())  # free again
    assert report.chunks > 0


def test_lock_is_released_after_a_failed_build(built) -> None:
    corpus, index_dir, _ = built
    with pytest.raises(ModelMismatchError):
        build_index(
            [corpus], index_dir, FakeHashEncoder(model_id="m2"), build_options(model_name="m2")
        )
    lock = FileLock(str(index_dir / ".lock"))
    lock.acquire(timeout=0)  # would raise Timeout if the failed build kept it
    lock.release()


# ---------------------------------------------------------------------------------------------
# atomic publish


def test_failure_after_write_keeps_the_previous_index(built, fake_encoder: FakeHashEncoder) -> None:
    corpus, index_dir, first = built
    ix = Index.open(index_dir)
    before = _snapshot(ix, fake_encoder)
    ix.close()
    (corpus / "notes_gout.txt").unlink()
    (corpus / "label_warfarin.md").write_text(
        TINY_FILES["label_warfarin.md"].replace("INR", "international normalised ratio")
    )
    with pytest.raises(RuntimeError, match="simulated failure"):
        build_index([corpus], index_dir, fake_encoder, build_options(), _fail_after_write=True)
    assert list(index_dir.glob(".tmp-gen-*")) == []
    assert live_generation(index_dir).name == "gen-000001"
    ix = Index.open(index_dir)
    try:
        assert ix.manifest.n_chunks == first.chunks
        assert _snapshot(ix, fake_encoder) == before
    finally:
        ix.close()
    # and the next normal build publishes the change
    report = build_index([corpus], index_dir, fake_encoder, build_options())
    assert report.removed and report.updated
    assert Index.open(index_dir).manifest.n_chunks == report.chunks < first.chunks


def test_stale_temp_generation_is_cleaned(built, fake_encoder: FakeHashEncoder) -> None:
    corpus, index_dir, _ = built
    stale = index_dir / ".tmp-gen-deadbeef"
    stale.mkdir()
    (stale / "junk").write_text("left by a crashed build")
    (corpus / "new.txt").write_text("Levothyroxine is taken on an empty stomach each morning.")
    build_index([corpus], index_dir, fake_encoder, build_options())
    assert not stale.exists()


# ---------------------------------------------------------------------------------------------
# bad files during a build


def test_corrupt_pdf_is_skipped_and_the_rest_indexed(
    tiny_corpus: Path, tmp_path: Path, fake_encoder: FakeHashEncoder
) -> None:
    good = make_text_pdf(APIXABAN_PAGES)
    (tiny_corpus / "apixaban.pdf").write_bytes(good)
    (tiny_corpus / "broken.pdf").write_bytes(good[: len(good) // 2])
    index_dir = tmp_path / "index"
    report = build_index([tiny_corpus], index_dir, fake_encoder, build_options())
    skipped = {Path(i.path).name: i.reason for i in report.skipped}
    assert set(skipped) == {"broken.pdf"}
    assert "corrupt" in skipped["broken.pdf"]
    assert str(tiny_corpus / "broken.pdf") not in report.added
    assert report.documents == 10
    ix = Index.open(index_dir)
    try:
        hits = ix.lexical_search("apixaban dose reduction", 5)
        assert _titles(ix, hits)[0].startswith("Apixaban prevents stroke")
        chunk = ix.chunks([hits[0][0]])[hits[0][0]]
        assert chunk.page_start in (1, 2)
        (pdf_doc,) = [d for d in ix.documents() if d.source_type == "pdf"]
        assert pdf_doc.n_pages == 2
    finally:
        ix.close()


@pytest.mark.parametrize("damage", ["truncate-pdf", "bad-utf8-md"])
def test_file_that_turns_bad_keeps_its_previous_version(
    tiny_corpus: Path, tmp_path: Path, damage: str
) -> None:
    encoder = FakeHashEncoder()
    if damage == "truncate-pdf":
        path = tiny_corpus / "apixaban.pdf"
        path.write_bytes(make_text_pdf(APIXABAN_PAGES))
        query = "apixaban creatinine"
    else:
        path = tiny_corpus / "label_warfarin.md"
        query = "warfarin INR"
    index_dir = tmp_path / "index"
    build_index([tiny_corpus], index_dir, encoder, build_options())
    ix = Index.open(index_dir)
    before = _snapshot(ix, encoder)
    before_titles = _titles(ix, ix.lexical_search(query, 3))
    ix.close()

    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3] if damage == "truncate-pdf" else b"\xff\xfe" + data)
    report = build_index([tiny_corpus], index_dir, encoder, build_options())
    (issue,) = [i for i in report.skipped if i.path == str(path)]
    assert "previously indexed version is kept" in issue.reason
    assert ("corrupt" if damage == "truncate-pdf" else "not valid UTF-8") in issue.reason
    assert str(path) not in report.updated
    ix = Index.open(index_dir)
    try:
        after = _snapshot(ix, encoder)
        assert after["chunk_ids"] == before["chunk_ids"]
        assert after["n_documents"] == before["n_documents"]
        assert _titles(ix, ix.lexical_search(query, 3)) == before_titles
    finally:
        ix.close()


def _generations(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.glob("gen-*"))


def test_rerun_with_unchanged_bad_files_writes_no_new_generation(
    tiny_corpus: Path, tmp_path: Path, fake_encoder: FakeHashEncoder
) -> None:
    """L4: bad files used to be retried on every run, so every run wrote (and swapped to) a new
    generation and deleted the one running servers had open."""
    good = make_text_pdf(APIXABAN_PAGES)
    (tiny_corpus / "broken.pdf").write_bytes(good[: len(good) // 2])
    (tiny_corpus / "latin1.md").write_bytes("# Caf\xe9\n\nThe caf\xe9 text is not UTF-8.".encode("latin-1"))
    index_dir = tmp_path / "index"
    first = build_index([tiny_corpus], index_dir, fake_encoder, build_options())
    assert {Path(i.path).name for i in first.skipped} == {"broken.pdf", "latin1.md"}
    generations = _generations(index_dir)
    served = Index.open(index_dir)  # a running server's view
    try:
        for _ in range(2):
            again = build_index([tiny_corpus], index_dir, fake_encoder, build_options())
            assert again.up_to_date, again.summary()
            assert _generations(index_dir) == generations
            skipped = {Path(i.path).name: i.reason for i in again.skipped}
            assert set(skipped) == {"broken.pdf", "latin1.md"}  # still reported every run
            assert "corrupt" in skipped["broken.pdf"] and "unchanged since the last ingest" in skipped["broken.pdf"]
            assert "not valid UTF-8" in skipped["latin1.md"]
            assert again.unchanged == len(TINY_FILES)
        assert served.directory.is_dir() and served.lexical_search("warfarin INR", 1)
    finally:
        served.close()


def test_a_bad_file_is_retried_once_it_changes_or_the_loader_settings_do(
    tiny_corpus: Path, tmp_path: Path, fake_encoder: FakeHashEncoder
) -> None:
    index_dir = tmp_path / "index"
    bad = tiny_corpus / "latin1.md"
    bad.write_bytes("# Caf\xe9\n\nThe caf\xe9 text is not UTF-8 at all.".encode("latin-1"))
    big = tiny_corpus / "big.txt"
    big.write_text("Warfarin monitoring needs regular INR checks. " * 60, encoding="utf-8")
    build_index([tiny_corpus], index_dir, fake_encoder, build_options(max_file_bytes=2000))
    assert build_index([tiny_corpus], index_dir, fake_encoder, build_options(max_file_bytes=2000)).up_to_date
    # another size limit: the too-large file is tried again (and now fits)
    report = build_index([tiny_corpus], index_dir, fake_encoder, build_options(max_file_bytes=10_000))
    assert str(big) in report.added and [Path(i.path).name for i in report.skipped] == ["latin1.md"]
    # the bad file is fixed: tried again and indexed
    bad.write_text("# Cafe\n\nThe cafe text is UTF-8 now, and long enough to index.", encoding="utf-8")
    report = build_index([tiny_corpus], index_dir, fake_encoder, build_options(max_file_bytes=10_000))
    assert str(bad) in report.added and report.skipped == []
    assert build_index([tiny_corpus], index_dir, fake_encoder, build_options(max_file_bytes=10_000)).up_to_date


def test_a_file_that_stays_bad_keeps_its_previous_version_without_new_generations(
    tiny_corpus: Path, tmp_path: Path, fake_encoder: FakeHashEncoder
) -> None:
    index_dir = tmp_path / "index"
    build_index([tiny_corpus], index_dir, fake_encoder, build_options())
    path = tiny_corpus / "label_warfarin.md"
    path.write_bytes(b"\xff\xfe" + path.read_bytes())
    turned = build_index([tiny_corpus], index_dir, fake_encoder, build_options())
    assert not turned.up_to_date
    generations = _generations(index_dir)
    again = build_index([tiny_corpus], index_dir, fake_encoder, build_options())
    assert again.up_to_date and _generations(index_dir) == generations
    (issue,) = again.skipped
    assert "previously indexed version is kept" in issue.reason and "not valid UTF-8" in issue.reason
    ix = Index.open(index_dir)
    try:
        assert _titles(ix, ix.lexical_search("warfarin INR", 1)) == ["Warfarin Sodium Tablets Prescribing Information"]
    finally:
        ix.close()


def test_a_deleted_bad_file_is_forgotten(tiny_corpus: Path, tmp_path: Path, fake_encoder: FakeHashEncoder) -> None:
    index_dir = tmp_path / "index"
    bad = tiny_corpus / "latin1.md"
    bad.write_bytes("# Caf\xe9\n\nThe caf\xe9 text is not UTF-8 at all.".encode("latin-1"))
    build_index([tiny_corpus], index_dir, fake_encoder, build_options())
    bad.unlink()
    report = build_index([tiny_corpus], index_dir, fake_encoder, build_options())
    assert report.skipped == []
    again = build_index([tiny_corpus], index_dir, fake_encoder, build_options())
    assert again.up_to_date and again.skipped == []


# ---------------------------------------------------------------------------------------------
# embedding cache and other factories


def test_shared_cache_means_a_new_index_embeds_nothing(tiny_corpus: Path, tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "cache" / "embeddings.sqlite")
    first_encoder = FakeHashEncoder()
    first = build_index(
        [tiny_corpus], tmp_path / "index-a", first_encoder, build_options(), cache=cache
    )
    assert first_encoder.encoded_texts == _embedded(first) >= first.chunks

    second_encoder = FakeHashEncoder()
    second = build_index(
        [tiny_corpus], tmp_path / "index-b", second_encoder, build_options(), cache=cache
    )
    assert second_encoder.encoded_texts == 0
    assert second.chunks_embedded == 0
    assert second.chunks == first.chunks
    a, b = Index.open(tmp_path / "index-a"), Index.open(tmp_path / "index-b")
    try:
        rows = a.store.rows_where()
        np.testing.assert_array_equal(a.vectors_for_rows(rows), b.vectors_for_rows(rows))
    finally:
        a.close()
        b.close()
    cache.close()


def test_cache_is_keyed_by_model(tiny_corpus: Path, tmp_path: Path) -> None:
    cache = EmbeddingCache(None)
    build_index([tiny_corpus], tmp_path / "a", FakeHashEncoder(), build_options(), cache=cache)
    other = FakeHashEncoder(model_id="another-fake")
    report = build_index(
        [tiny_corpus], tmp_path / "b", other, build_options(model_name="another-fake"), cache=cache
    )
    assert report.chunks_embedded == report.chunks > 0
    assert other.encoded_texts == _embedded(report)


def test_hnsw_factory_round_trips(
    tiny_corpus: Path, tmp_path: Path, fake_encoder: FakeHashEncoder
) -> None:
    index_dir = tmp_path / "index"
    report = build_index(
        [tiny_corpus], index_dir, fake_encoder, build_options(factory="HNSW32", ef_search=64)
    )
    assert report.factory == "IDMap2,HNSW32"
    ix = Index.open(index_dir)
    try:
        assert (ix.manifest.factory, ix.manifest.ef_search) == ("IDMap2,HNSW32", 64)
        hits = ix.dense_search(fake_encoder.encode(["warfarin INR bleeding"]), 2)[0]
        assert _titles(ix, hits)[0] == "Warfarin Sodium Tablets Prescribing Information"
    finally:
        ix.close()


def test_copied_generation_opens_as_a_bare_directory(
    built, tmp_path: Path, fake_encoder: FakeHashEncoder
) -> None:
    _, index_dir, first = built
    copy = tmp_path / "copied"
    shutil.copytree(live_generation(index_dir), copy)
    ix = Index.open(copy)
    try:
        assert ix.manifest.n_chunks == first.chunks
        assert _titles(ix, ix.lexical_search("salbutamol", 1)) == ["Asthma Guideline for Adults"]
    finally:
        ix.close()


def test_sentence_vectors_are_stored_and_reused(built, fake_encoder: FakeHashEncoder) -> None:
    from curbside.index.cache import text_hash
    from curbside.ingest.chunking import citable_sentences

    _corpus, index_dir, first = built
    ix = Index.open(index_dir)
    try:
        rows = ix.store.rows_where()
        sentences = {
            c.text[s:e] for c in ix.chunks(rows).values() for s, e in citable_sentences(c.text)
        }
        titles = {d.title for d in ix.documents()} - sentences  # titles count as sentences too
        assert titles
        assert len(sentences) + len(titles) == first.sentences_embedded > first.chunks
        assert len(ix.sentence_vectors([text_hash(t) for t in titles])) == len(titles)
        stored = ix.sentence_vectors([text_hash(s) for s in sentences])
        assert len(stored) == len(sentences)
        probe = sorted(sentences)[0]
        np.testing.assert_allclose(
            stored[text_hash(probe)], FakeHashEncoder().encode([probe])[0], atol=2e-3
        )
    finally:
        ix.close()


def test_default_index_opens_its_live_generation_while_another_process_updates_it(
    tiny_corpus: Path, tmp_path: Path, fake_encoder: FakeHashEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two `curbside ask` processes at once: the second reads the live index instead of failing."""
    import curbside.pipeline as pipeline
    from curbside.settings import Settings

    settings = Settings(cache_dir=tmp_path / "cache", progress=False)
    index_dir = settings.default_index_dir()
    monkeypatch.setattr(pipeline, "bundled_corpus_dir", lambda: tiny_corpus)

    def locked_ingest(*_args, **_kwargs):
        return build_index([tiny_corpus], index_dir, fake_encoder, build_options())

    monkeypatch.setattr(pipeline, "ingest", locked_ingest)
    index_dir.mkdir(parents=True)
    # nothing built yet: nothing to read, so it says why
    with FileLock(str(index_dir / ".lock")).acquire(timeout=1), pytest.raises(IndexLockedError):
        pipeline.ensure_default_index(settings)
    build_index([tiny_corpus], index_dir, fake_encoder, build_options())
    with FileLock(str(index_dir / ".lock")).acquire(timeout=1):
        assert pipeline.ensure_default_index(settings) == index_dir
        assert Index.open(index_dir).manifest.n_chunks > 0
