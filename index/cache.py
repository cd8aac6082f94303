"""Embedding cache keyed by (model, SHA-256 of the embedded text), in one SQLite file.

Rebuilding an index, re-chunking a file or evaluating the same corpus twice never re-embeds text
the model has already seen. Vectors are stored as raw float32 bytes (no pickle).
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Persistent map (model, text hash) → vector. Safe to share between threads."""

    def __init__(self, path: Path | str | None) -> None:
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path), check_same_thread=False, timeout=60)
        else:
            self._db = sqlite3.connect(":memory:", check_same_thread=False)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, hash TEXT NOT NULL, "
                "dim INTEGER NOT NULL, vec BLOB NOT NULL, PRIMARY KEY (model, hash))"
            )
            self._db.commit()

    def get_many(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(hashes))
        with self._lock:
            for i in range(0, len(unique), 500):
                part = unique[i : i + 500]
                marks = ",".join("?" * len(part))
                rows = self._db.execute(
                    f"SELECT hash, vec FROM vectors WHERE model = ? AND hash IN ({marks})",
                    (model, *part),
                ).fetchall()
                for h, blob in rows:
                    found[h] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, model: str, items: dict[str, np.ndarray]) -> None:
        rows = [
            (model, h, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes())
            for h, v in items.items()
        ]
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()


def encode_with_cache(
    texts: Sequence[str],
    model_id: str,
    encode: Callable[[Sequence[str]], np.ndarray],
    dim: int,
    cache: EmbeddingCache | None,
    *,
    on_progress: Callable[[int], None] | None = None,
    batch: int = 256,
) -> tuple[np.ndarray, int]:
    """Vectors for ``texts`` in order; returns (matrix, number of texts actually encoded)."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    hashes = [text_hash(t) for t in texts]
    cached = cache.get_many(model_id, hashes) if cache is not None else {}
    missing: dict[str, list[int]] = {}
    for i, h in enumerate(hashes):
        if h in cached and cached[h].shape[0] == dim:
            out[i] = cached[h]
        else:
            missing.setdefault(h, []).append(i)
    if on_progress is not None and len(texts) - sum(len(v) for v in missing.values()):
        on_progress(len(texts) - sum(len(v) for v in missing.values()))
    todo = list(missing)
    for start in range(0, len(todo), batch):
        part = todo[start : start + batch]
        vecs = encode([texts[missing[h][0]] for h in part])
        new = {}
        for h, vec in zip(part, vecs, strict=True):
            for i in missing[h]:
                out[i] = vec
            new[h] = vec
        if cache is not None:
            cache.put_many(model_id, new)
        if on_progress is not None:
            on_progress(sum(len(missing[h]) for h in part))
    return out, len(todo)
