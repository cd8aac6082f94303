"""SQLite chunk table: chunk text and metadata, int64 row id ↔ chunk id, documents, files, aliases.

Queries fetch only the rows they need, so nothing loads every chunk's text at query time.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from curbside.ingest.types import Chunk, Document

SCHEMA = """
CREATE TABLE documents (
    doc_id TEXT PRIMARY KEY, title TEXT NOT NULL, publisher TEXT, year INTEGER, kind TEXT NOT NULL,
    url TEXT, path TEXT NOT NULL, source_type TEXT, n_pages INTEGER, file_key TEXT NOT NULL
);
CREATE TABLE chunks (
    row_id INTEGER PRIMARY KEY, chunk_id TEXT UNIQUE NOT NULL, doc_id TEXT NOT NULL, n INTEGER,
    text TEXT NOT NULL, section TEXT, page_start INTEGER, page_end INTEGER,
    char_start INTEGER, char_end INTEGER, embed_text TEXT NOT NULL, text_hash TEXT NOT NULL
);
CREATE INDEX chunks_doc ON chunks (doc_id);
CREATE TABLE files (
    file_key TEXT PRIMARY KEY, path TEXT NOT NULL, fingerprint TEXT NOT NULL, doc_ids TEXT NOT NULL
);
CREATE TABLE aliases (alias TEXT PRIMARY KEY, generic TEXT NOT NULL, source_doc TEXT);
CREATE TABLE quarantine (doc_id TEXT PRIMARY KEY, findings TEXT NOT NULL);
CREATE TABLE failed_files (file_key TEXT PRIMARY KEY, attempt TEXT NOT NULL, reason TEXT NOT NULL);
"""
# ``quarantine``: documents some of whose text reads as instructions to a model (see
# curbside.ingest.instructions), with what was found (JSON list of findings). Their chunks stay in
# ``chunks`` (so they can be listed, and allowed on request); the reader leaves them out of search.
# ``failed_files``: files that could not be loaded, with what was tried (fingerprint and loader
# settings) and why, so an unchanged bad file is reported again but not retried on every run.


class ChunkStore:
    """Read/write access to ``chunks.sqlite``."""

    def __init__(self, path: Path, *, readonly: bool = True) -> None:
        self.path = path
        uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
        self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self._lock = threading.Lock()

    @classmethod
    def create(cls, path: Path) -> ChunkStore:
        store = cls(path, readonly=False)
        store._db.executescript(SCHEMA)
        return store

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- writing ---------------------------------------------------------------------------

    def add_document(self, doc: Document, file_key: str) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?,?,?,?)",
            (doc.doc_id, doc.title, doc.publisher, doc.year, doc.kind, doc.url, doc.path,
             doc.source_type, doc.n_pages, file_key),
        )

    def add_chunks(self, rows: Iterable[tuple[int, Chunk, str]]) -> None:
        self._db.executemany(
            "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (row_id, c.chunk_id, c.doc_id, c.n, c.text, json.dumps(list(c.section)),
                 c.page_start, c.page_end, c.char_start, c.char_end, c.embed_text, text_hash)
                for row_id, c, text_hash in rows
            ],
        )

    def add_file(self, file_key: str, path: str, fingerprint: str, doc_ids: Sequence[str]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO files VALUES (?,?,?,?)",
            (file_key, path, fingerprint, json.dumps(list(doc_ids))),
        )

    def add_aliases(self, aliases: dict[str, tuple[str, str]]) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO aliases VALUES (?,?,?)",
            [(a, g, d) for a, (g, d) in aliases.items()],
        )

    def add_quarantine(self, doc_id: str, findings: Sequence[dict[str, Any]]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO quarantine VALUES (?,?)", (doc_id, json.dumps(list(findings)))
        )

    def add_failed_file(self, file_key: str, attempt: str, reason: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO failed_files VALUES (?,?,?)", (file_key, attempt, reason))

    def commit(self) -> None:
        self._db.commit()

    # -- reading ---------------------------------------------------------------------------

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def files(self) -> dict[str, tuple[str, list[str]]]:
        """file_key → (fingerprint, doc ids)."""
        return {k: (fp, json.loads(ids)) for k, fp, ids in self._query("SELECT file_key, fingerprint, doc_ids FROM files")}

    def documents(self) -> list[Document]:
        rows = self._query(
            "SELECT doc_id, title, publisher, year, kind, url, path, source_type, n_pages "
            "FROM documents ORDER BY path, doc_id"
        )
        return [_document(r) for r in rows]

    def document_map(self, doc_ids: Iterable[str]) -> dict[str, Document]:
        ids = list(dict.fromkeys(doc_ids))
        out: dict[str, Document] = {}
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            rows = self._query(
                "SELECT doc_id, title, publisher, year, kind, url, path, source_type, n_pages "
                f"FROM documents WHERE doc_id IN ({','.join('?' * len(part))})",
                part,
            )
            out.update({r[0]: _document(r) for r in rows})
        return out

    def chunks_of_documents(self, doc_ids: Sequence[str]) -> list[tuple[int, Chunk, str]]:
        """(row id, chunk, text hash) of every chunk of the given documents, in order."""
        out: list[tuple[int, Chunk, str]] = []
        for i in range(0, len(doc_ids), 500):
            part = list(doc_ids[i : i + 500])
            rows = self._query(
                f"SELECT {_CHUNK_COLS}, text_hash FROM chunks WHERE doc_id IN ({','.join('?' * len(part))}) "
                "ORDER BY doc_id, n",
                part,
            )
            out.extend((r[0], _chunk(r), r[-1]) for r in rows)
        return out

    def document_openings(self, doc_ids: Sequence[str], chars: int = 300) -> dict[str, str]:
        """The first ``chars`` characters of each document's first chunk."""
        ids = list(dict.fromkeys(doc_ids))
        out: dict[str, str] = {}
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            rows = self._query(
                f"SELECT doc_id, substr(text, 1, ?) FROM chunks WHERE n = 0 AND doc_id IN ({','.join('?' * len(part))})",
                [chars, *part],
            )
            out.update({r[0]: r[1] for r in rows})
        return out

    def chunks_by_rows(self, row_ids: Sequence[int]) -> dict[int, Chunk]:
        out: dict[int, Chunk] = {}
        ids = [int(r) for r in row_ids]
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            rows = self._query(
                f"SELECT {_CHUNK_COLS} FROM chunks WHERE row_id IN ({','.join('?' * len(part))})", part
            )
            out.update({r[0]: _chunk(r) for r in rows})
        return out

    def chunk_by_id(self, chunk_id: str) -> tuple[int, Chunk] | None:
        rows = self._query(f"SELECT {_CHUNK_COLS} FROM chunks WHERE chunk_id = ?", (chunk_id,))
        return (rows[0][0], _chunk(rows[0])) if rows else None

    def rows_where(
        self,
        kinds: Sequence[str] | None = None,
        publishers: Sequence[str] | None = None,
        year_min: int | None = None,
        year_max: int | None = None,
        doc_ids: Sequence[str] | None = None,
    ) -> list[int]:
        """Row ids of chunks whose document matches every given filter."""
        clauses: list[str] = []
        params: list[object] = []
        if kinds:
            clauses.append(f"d.kind IN ({','.join('?' * len(kinds))})")
            params.extend(kinds)
        if publishers:
            clauses.append("(" + " OR ".join("lower(d.publisher) LIKE ?" for _ in publishers) + ")")
            params.extend(f"%{p.lower()}%" for p in publishers)
        if year_min is not None:
            clauses.append("d.year >= ?")
            params.append(year_min)
        if year_max is not None:
            clauses.append("d.year <= ?")
            params.append(year_max)
        if doc_ids:
            clauses.append(f"d.doc_id IN ({','.join('?' * len(doc_ids))})")
            params.extend(doc_ids)
        where = " AND ".join(clauses) or "1"
        rows = self._query(
            f"SELECT c.row_id FROM chunks c JOIN documents d ON c.doc_id = d.doc_id WHERE {where}", params
        )
        return [r[0] for r in rows]

    def _has_table(self, name: str) -> bool:
        return bool(self._query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)))

    def failed_files(self) -> dict[str, tuple[str, str]]:
        """file_key → (what was tried, why it failed), for files that could not be loaded."""
        if not self._has_table("failed_files"):
            return {}
        return {k: (a, r) for k, a, r in self._query("SELECT file_key, attempt, reason FROM failed_files")}

    def quarantined(self) -> dict[str, list[dict[str, Any]]]:
        """doc_id → findings, for every quarantined document (none in a table written before
        documents were screened)."""
        if not self._has_table("quarantine"):
            return {}
        return {d: json.loads(f) for d, f in self._query("SELECT doc_id, findings FROM quarantine ORDER BY doc_id")}

    def quarantined_rows(self) -> list[int]:
        """Row ids of every chunk of a quarantined document, ascending."""
        if not self._has_table("quarantine"):
            return []
        rows = self._query(
            "SELECT c.row_id FROM chunks c JOIN quarantine q ON c.doc_id = q.doc_id ORDER BY c.row_id"
        )
        return [r[0] for r in rows]

    def count_chunks(self) -> int:
        return int(self._query("SELECT COUNT(*) FROM chunks")[0][0])

    def count_documents(self) -> int:
        return int(self._query("SELECT COUNT(*) FROM documents")[0][0])

    def aliases(self) -> dict[str, str]:
        return {a: g for a, g in self._query("SELECT alias, generic FROM aliases")}

    def iter_texts(self, column: str = "embed_text", batch: int = 5000) -> Iterable[tuple[int, str]]:
        """Stream (row id, text) in row order, for building indexes without holding all text."""
        if column not in ("embed_text", "text"):
            raise ValueError(column)
        last = -1
        while True:
            rows = self._query(
                f"SELECT row_id, {column} FROM chunks WHERE row_id > ? ORDER BY row_id LIMIT ?", (last, batch)
            )
            if not rows:
                return
            yield from rows
            last = rows[-1][0]


_CHUNK_COLS = "row_id, chunk_id, doc_id, n, text, section, page_start, page_end, char_start, char_end, embed_text"


def _chunk(r: Sequence[Any]) -> Chunk:
    return Chunk(
        chunk_id=r[1], doc_id=r[2], n=r[3], text=r[4], section=tuple(json.loads(r[5] or "[]")),
        page_start=r[6], page_end=r[7], char_start=r[8], char_end=r[9], embed_text=r[10],
    )


def _document(r: Sequence[Any]) -> Document:
    return Document(
        doc_id=r[0], title=r[1], publisher=r[2] or "", year=r[3], kind=r[4], url=r[5] or "",
        path=r[6], source_type=r[7] or "text", n_pages=r[8],
    )
