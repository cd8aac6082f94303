"""Distributed ingest on a local Ray cluster gives the same index as a local ingest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from curbside.index import EmbeddingCache, Index, build_index
from tests.fakes import TINY_QUERIES, FakeHashEncoder, build_options, write_tiny_corpus

ray = pytest.importorskip("ray", reason="the 'ray' extra is not installed")


@pytest.fixture(scope="module")
def ray_cluster():
    """A Ray cluster started on this machine by the test (loopback only), torn down after."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False,
             _node_ip_address="127.0.0.1")
    yield ray
    ray.shutdown()


def _hits(index: Index, encoder: FakeHashEncoder, query: str) -> list[str]:
    dense = index.dense_search(encoder.encode([query]), 5)[0]
    chunks = index.chunks([r for r, _ in dense])
    return [chunks[r].chunk_id for r, _ in dense]


def test_ray_ingest_matches_local_ingest(ray_cluster, tmp_path: Path) -> None:
    from curbside.index.distributed import ray_encode_fn

    corpus = write_tiny_corpus(tmp_path / "corpus")
    local_encoder = FakeHashEncoder()
    local = build_index([corpus], tmp_path / "local", local_encoder, build_options(), cache=EmbeddingCache(None))

    driver_encoder = FakeHashEncoder()  # token counting only; embedding happens in Ray actors
    encode = ray_encode_fn(FakeHashEncoder, dim=driver_encoder.dim, address=None, actors=2, batch_size=8)
    distributed = build_index(
        [corpus], tmp_path / "ray", driver_encoder, build_options(), cache=EmbeddingCache(None), encode=encode
    )
    assert driver_encoder.encoded_texts == 0  # nothing was embedded on the driver
    assert distributed.chunks == local.chunks and distributed.chunks_embedded == local.chunks_embedded

    a, b = Index.open(tmp_path / "local"), Index.open(tmp_path / "ray")
    ids = np.arange(local.chunks)
    np.testing.assert_allclose(a.vectors_for_rows(ids), b.vectors_for_rows(ids), atol=1e-6)
    for query in TINY_QUERIES:
        assert _hits(a, local_encoder, query) == _hits(b, local_encoder, query)
        assert a.lexical_search(query, 5) == b.lexical_search(query, 5)


def test_ray_rerun_sends_nothing_to_the_cluster(ray_cluster, tmp_path: Path) -> None:
    from curbside.index.distributed import ray_encode_fn

    corpus = write_tiny_corpus(tmp_path / "corpus")
    calls: list[int] = []
    inner = ray_encode_fn(FakeHashEncoder, dim=64, address=None, actors=1)

    def counting(texts):
        calls.append(len(texts))
        return inner(texts)

    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    build_index([corpus], tmp_path / "a", FakeHashEncoder(), build_options(), cache=cache, encode=counting)
    assert sum(calls) > 0
    calls.clear()
    report = build_index([corpus], tmp_path / "b", FakeHashEncoder(), build_options(), cache=cache, encode=counting)
    assert calls == [] and report.chunks_embedded == 0
