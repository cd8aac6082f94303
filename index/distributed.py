"""Distributed embedding on Ray Data (extra ``ray``).

Embedding is the expensive part of an ingest (parsing and chunking are fast), so it is the part that
scales out: the texts a build needs become a Ray Dataset, ``map_batches`` runs them through a pool
of stateful actors that each load the encoder once, and the vectors come back in order to be merged
into one index on the driver. Texts already in the embedding cache never leave the driver, so a
re-run sends nothing to the cluster.

    curbside ingest corpus/ --index idx --ray auto          # or ray://head:10001, or "local"
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from curbside.index.encoder import TextEncoder

EncoderFactory = Callable[[], TextEncoder]


class _EncodeActor:
    """Ray Data actor: builds the encoder once, then embeds batches of texts."""

    def __init__(self, factory: EncoderFactory, batch_size: int) -> None:
        self.encoder = factory()
        self.batch_size = batch_size

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        texts = [str(t) for t in batch["text"]]
        vectors = self.encoder.encode(texts, batch_size=self.batch_size)
        return {"i": np.asarray(batch["i"], dtype=np.int64), "vec": np.asarray(vectors, dtype=np.float32)}


def connect(address: str | None) -> Any:
    """Attach to a Ray cluster (``auto``, ``ray://host:port``) or start a local one (``local``)."""
    try:
        import ray
    except ImportError as exc:
        raise ImportError("distributed ingest needs the 'ray' extra: pip install 'curbside[ray]'") from exc
    if not ray.is_initialized():
        if address in (None, "", "local"):
            ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False)
        else:
            ray.init(address=address, log_to_driver=False, configure_logging=False)
    return ray


def ray_encode_fn(
    factory: EncoderFactory,
    *,
    dim: int,
    address: str | None = "local",
    actors: int | None = None,
    batch_size: int = 64,
    block_rows: int = 512,
) -> Callable[[Sequence[str]], np.ndarray]:
    """An ``encode(texts) -> vectors`` that runs on a Ray cluster, results in input order."""
    ray = connect(address)

    def encode(texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), dim), dtype=np.float32)
        if not texts:
            return out
        n_actors = actors or max(1, int(ray.cluster_resources().get("CPU", 1)))
        blocks = min(len(texts), max(n_actors, min(len(texts) // block_rows + 1, 4 * n_actors)))
        ds = ray.data.from_items([{"i": i, "text": t} for i, t in enumerate(texts)], override_num_blocks=blocks)
        embedded = ds.map_batches(
            _EncodeActor,
            fn_constructor_kwargs={"factory": factory, "batch_size": batch_size},
            batch_size=batch_size * 4,
            batch_format="numpy",
            concurrency=n_actors,
            num_cpus=1,
        )
        for batch in embedded.iter_batches(batch_format="numpy", batch_size=None):
            out[np.asarray(batch["i"], dtype=np.int64)] = np.asarray(batch["vec"], dtype=np.float32)
        return out

    return encode


def sentence_transformer_factory(model: str, device: str = "cpu") -> EncoderFactory:
    """A picklable factory that loads the configured model inside each Ray worker."""
    return _ModelFactory(model, device)


class _ModelFactory:
    def __init__(self, model: str, device: str) -> None:
        self.model, self.device = model, device

    def __call__(self) -> TextEncoder:
        from curbside.index.encoder import SentenceTransformerEncoder

        return SentenceTransformerEncoder(self.model, device=self.device)
