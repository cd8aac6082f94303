"""Precomputed sentence vectors of an index generation (``sentences.sqlite``), keyed by text hash.

Answer-time rescoring and composition compare the question with every sentence of the candidate
passages and with their documents' titles; storing those vectors at build time keeps ``ask`` fast
on a CPU.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np


class SentenceVectors:
    def __init__(self, path: Path, *, readonly: bool = True) -> None:
        self.path = path
        uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
        self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        if not readonly:
            self._db.execute("CREATE TABLE IF NOT EXISTS sentences (hash TEXT PRIMARY KEY, vec BLOB NOT NULL)")

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO sentences VALUES (?, ?)",
            [(h, np.asarray(v, dtype=np.float16).tobytes()) for h, v in items.items()],
        )
        self._db.commit()

    def get_many(self, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(hashes))
        with self._lock:
            for i in range(0, len(unique), 500):
                part = unique[i : i + 500]
                rows = self._db.execute(
                    f"SELECT hash, vec FROM sentences WHERE hash IN ({','.join('?' * len(part))})", part
                ).fetchall()
                for h, blob in rows:
                    found[h] = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
        return found

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM sentences").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
