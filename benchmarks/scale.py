"""Vector-search scale benchmark: latency, recall@10 against exact search, memory per chunk.

Synthetic vectors of the model's dimension (384) drawn from a mixture of Gaussians — real sentence
embeddings are clustered by topic, and uniform random vectors would be an unrealistically hard case
for IVF. Ground truth is exact inner-product search over the same vectors.
"""

from __future__ import annotations

import gc
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from curbside.index.vectors import FaissStore, choose_factory, ivf_lists

DIM = 384
N_QUERIES = 200


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.standard_normal((n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def clustered_vectors(n: int, *, seed: int = 7, extra: int = 0) -> np.ndarray:
    """Hierarchical mixture: a shared direction + topic + subtopic + item noise, L2-normalised.

    Calibrated against all-MiniLM-L6-v2 embeddings of 2,500 MedQuAD passages and 200 of its
    questions: item nearest-neighbour cosine 0.76 (real 0.78), 10th neighbour 0.62 (0.61), median
    pair 0.24 (0.29); queries' 1st/10th/100th neighbours 0.76/0.60/0.43 (0.75/0.51/0.41). A subtopic
    holds about ten items at every size, as a disease holds a handful of passages. ``extra`` more
    items are drawn after the first ``n`` and serve as queries (new items, not copies).
    """
    rng = np.random.default_rng(seed)
    total = n + extra
    subtopics = max(100, n // 10)
    topics = max(10, subtopics // 40)
    shared = _unit(rng, 1)[0]
    topic_dirs = _unit(rng, topics)
    sub_dirs = _unit(rng, subtopics)
    out = np.empty((total, DIM), dtype=np.float32)
    for start in range(0, total, 100_000):
        m = min(100_000, total - start)
        sub = rng.integers(0, subtopics, m)
        block = 0.6 * shared + 0.55 * topic_dirs[sub * topics // subtopics] + 0.7 * sub_dirs[sub] + 0.65 * _unit(rng, m)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start : start + m] = block
    return out


def exact_top10(x: np.ndarray, q: np.ndarray) -> np.ndarray:
    best_s = np.full((len(q), 10), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(q), 10), dtype=np.int64)
    for start in range(0, len(x), 200_000):
        s = q @ x[start : start + 200_000].T
        idx = np.argpartition(-s, 10, axis=1)[:, :10]
        cand_s = np.take_along_axis(s, idx, axis=1)
        all_s = np.concatenate([best_s, cand_s], axis=1)
        all_i = np.concatenate([best_i, idx + start], axis=1)
        top = np.argsort(-all_s, axis=1)[:, :10]
        best_s, best_i = np.take_along_axis(all_s, top, 1), np.take_along_axis(all_i, top, 1)
    return best_i


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def bench_config(x: np.ndarray, q: np.ndarray, truth: np.ndarray, factory: str, nprobe: int, ef: int) -> dict[str, Any]:
    import faiss

    faiss.omp_set_num_threads(os.cpu_count() or 1)
    t0 = time.perf_counter()
    store = FaissStore.build(x, np.arange(len(x), dtype=np.int64), factory, ef_search=ef, nprobe=nprobe)
    build_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.faiss"
        store.save(path)
        compressed = any(tag in factory for tag in ("PQ", "SQ"))
        if compressed:
            store.save_rerank_vectors(x, path.with_name("vectors.f16.npy"))
        index_bytes = path.stat().st_size
        disk_bytes = index_bytes + (path.with_name("vectors.f16.npy").stat().st_size if compressed else 0)
        del store
        gc.collect()
        rss_before = _rss_mb()
        t0 = time.perf_counter()
        loaded = FaissStore.load(path, factory, mmap=True, ef_search=ef, nprobe=nprobe)
        load_s = time.perf_counter() - t0
        faiss.omp_set_num_threads(1)  # one query at a time, as a server worker sees it
        lat = []
        hits = []
        for i in range(len(q)):
            t = time.perf_counter()
            res = loaded.search(q[i : i + 1], 10)[0]
            lat.append((time.perf_counter() - t) * 1e3)
            hits.append([r for r, _ in res])
        rss_after = _rss_mb()
        recall = float(np.mean([len(set(h) & set(t.tolist())) / 10 for h, t in zip(hits, truth, strict=True)]))
        del loaded
        gc.collect()
    return {
        "factory": factory,
        "nprobe": nprobe if "IVF" in factory else None,
        "ef_search": ef if "HNSW" in factory else None,
        "build_s": round(build_s, 2),
        "load_s": round(load_s, 4),
        "p50_ms": round(float(np.percentile(lat, 50)), 3),
        "p95_ms": round(float(np.percentile(lat, 95)), 3),
        "recall@10": round(recall, 4),
        "index_bytes_per_chunk": round(index_bytes / len(x), 1),
        "disk_bytes_per_chunk": round(disk_bytes / len(x), 1),
        "resident_mb_after_queries": round(max(0.0, rss_after - rss_before), 1),
        "index_mb": round(index_bytes / 2**20, 1),
        "exact_rerank": compressed,
    }


def run(sizes: list[int], *, hnsw_max: int = 200_000, approximate_above: int = 100_000, nprobe: int = 32, ef: int = 128) -> dict[str, Any]:
    results: list[dict[str, Any]] = []
    for n in sizes:
        both = clustered_vectors(n, extra=N_QUERIES)
        x, q = both[:n], both[n:]
        truth = exact_top10(x, q)
        default = choose_factory("auto", n, approximate_above)
        configs = ["IDMap2,Flat"]
        if n <= hnsw_max:
            configs.append("IDMap2,HNSW32")
        nl = ivf_lists(n)
        configs += [f"IDMap2,IVF{nl},SQ8", f"IDMap2,IVF{nl},PQ48"]
        if default not in configs:
            configs.append(default)
        for factory in configs:
            row = bench_config(x, q, truth, factory, nprobe, ef)
            row["n"] = n
            row["default"] = factory == default
            results.append(row)
            print(
                f"  n={n:>9,} {factory:<24} p50 {row['p50_ms']:7.2f} ms  p95 {row['p95_ms']:7.2f} ms  "
                f"recall@10 {row['recall@10']:.3f}  {row['index_bytes_per_chunk']:7.1f} B/chunk"
                f"{'  (default)' if row['default'] else ''}",
                flush=True,
            )
        del x
        gc.collect()
    return {"dim": DIM, "queries": N_QUERIES, "approximate_above": approximate_above, "nprobe": nprobe, "ef_search": ef, "rows": results}
