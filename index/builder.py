"""Incremental, crash-safe index builds.

``build_index`` compares each file's fingerprint with the live index: unchanged files keep their
chunks and vectors, new and changed files are parsed, chunked and embedded (through the embedding
cache), files that disappeared from the given folders are dropped. The result is written as a new
generation in a temporary directory and published with an atomic symlink swap; a lock file keeps two
builds from writing the same index at once.

Every new or changed document is screened for text that reads as instructions to a model
(:mod:`curbside.ingest.instructions`); a document with any finding is quarantined: indexed and
listed, but left out of search by the reader unless allowed. The decision is kept with the file's
fingerprint, so an unchanged file is not screened again (unless the rules' version changed, when
the stored chunks are screened again, without re-parsing or re-embedding). A file that could not
be loaded is remembered the same way, so a re-run with no changes writes no new generation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from curbside.index.cache import EmbeddingCache, encode_with_cache, text_hash
from curbside.index.encoder import TextEncoder
from curbside.index.lexical import LexicalIndex
from curbside.index.manifest import (
    FORMAT_VERSION,
    Manifest,
    check_model,
    model_identity,
    read_manifest,
    write_json_atomic,
)
from curbside.index.reader import live_generation, publish_generation
from curbside.index.sentences import SentenceVectors
from curbside.index.store import ChunkStore
from curbside.index.vectors import FaissStore, choose_factory, is_compressed
from curbside.ingest.chunking import chunk_document, citable_sentences
from curbside.ingest.discover import SourceFile, discover
from curbside.ingest.instructions import RULES_VERSION, Finding, scan_document
from curbside.ingest.loaders import LoadError, load_file
from curbside.ingest.types import Chunk, Document, LoadIssue, ParsedDocument

AliasLearner = Callable[[str], dict[str, str]]


class IndexLockedError(RuntimeError):
    pass


class BuildProgress:
    """Progress sink; the CLI subclasses it with rich bars. Default: silent."""

    def files_started(self, total: int) -> None: ...

    def file_done(self, path: str, chunks: int) -> None: ...

    def embedding_started(self, total: int) -> None: ...

    def embedded(self, n: int) -> None: ...

    def finished(self) -> None: ...


@dataclass
class BuildOptions:
    """Everything a build needs that is not data (the front door fills it from settings)."""

    model_name: str
    index_hash: str
    max_tokens: int = 200
    overlap_tokens: int = 32
    embed_prefix: bool = True
    factory: str = "auto"
    approximate_above: int = 100_000
    ef_search: int = 128
    nprobe: int = 32
    batch_size: int = 64
    max_file_bytes: int | None = 100_000_000
    pdf_timeout_s: float | None = 120.0
    follow_symlinks_outside: bool = False
    lock_timeout_s: float = 0.0
    sentence_vectors: bool = True
    version: str = ""


@dataclass
class QuarantinedDocument:
    """A document left out of search because some of its text reads as instructions to a model."""

    doc_id: str
    title: str
    path: str
    findings: list[Finding]
    new: bool = True  # screened in this run (False: carried over from the live index)

    def describe(self) -> str:
        first = self.findings[0].describe() if self.findings else ""
        others = [f"{f.rule} in {f.field} [{f.start}:{f.end}]" for f in self.findings[1:]]
        more = f"; also {', '.join(others)}" if others else ""
        return f"{self.path} ({self.title!r}): {first}{more}"


@dataclass
class BuildReport:
    index_dir: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[LoadIssue] = field(default_factory=list)
    quarantined: list[QuarantinedDocument] = field(default_factory=list)
    documents: int = 0
    chunks: int = 0
    chunks_embedded: int = 0
    chunks_new: int = 0
    sentences_embedded: int = 0
    up_to_date: bool = False
    seconds: float = 0.0
    factory: str = ""

    def summary(self) -> str:
        quarantined = (
            f"; {len(self.quarantined)} quarantined (left out of search: text reads as instructions to a model)"
            if self.quarantined
            else ""
        )
        if self.up_to_date:
            return (
                f"index up to date: {self.unchanged} files unchanged, 0 chunks embedded "
                f"({self.documents} documents, {self.chunks} chunks){quarantined}"
            )
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged, {len(self.skipped)} skipped; {self.chunks_embedded} chunks "
            f"embedded; index has {self.documents} documents, {self.chunks} chunks{quarantined}"
        )


def _under(path: str, roots: Sequence[Path]) -> bool:
    p = Path(path)
    for root in roots:
        r = root.resolve()
        if p == r or r in p.parents:
            return True
    return False


def build_index(
    paths: Sequence[Path | str],
    index_dir: Path | str,
    encoder: TextEncoder,
    options: BuildOptions,
    *,
    cache: EmbeddingCache | None = None,
    progress: BuildProgress | None = None,
    learn_aliases: AliasLearner | None = None,
    encode: Callable[[Sequence[str]], np.ndarray] | None = None,
    _fail_after_write: bool = False,
) -> BuildReport:
    """Bring the index at ``index_dir`` in line with the files under ``paths``.

    ``encode`` replaces the local encoder for the texts that must be embedded (e.g. the Ray Data
    encoder of :mod:`curbside.index.distributed`); token counting stays local.
    """
    started = time.perf_counter()
    progress = progress or BuildProgress()
    index_dir = Path(index_dir)
    roots = [Path(p) for p in paths]
    index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(index_dir / ".lock"))
    try:
        lock.acquire(timeout=options.lock_timeout_s)
    except Timeout as exc:
        raise IndexLockedError(
            f"another ingest is writing to {index_dir} (lock {index_dir / '.lock'} is held); "
            "wait for it to finish and run again"
        ) from exc
    try:
        return _build_locked(roots, index_dir, encoder, options, cache, progress, learn_aliases, started, _fail_after_write, encode)
    finally:
        lock.release()


def _build_locked(
    roots: list[Path],
    index_dir: Path,
    encoder: TextEncoder,
    options: BuildOptions,
    cache: EmbeddingCache | None,
    progress: BuildProgress,
    learn_aliases: AliasLearner | None,
    started: float,
    fail_after_write: bool,
    encode: Callable[[Sequence[str]], np.ndarray] | None = None,
) -> BuildReport:
    report = BuildReport(index_dir=str(index_dir))
    for stale in index_dir.glob(".tmp-gen-*"):  # left by a crashed build
        shutil.rmtree(stale, ignore_errors=True)
    live = live_generation(index_dir)
    old_store: ChunkStore | None = None
    old_vectors: FaissStore | None = None
    old_manifest: Manifest | None = None
    model_id, fingerprint = model_identity(options.model_name)
    # cached vectors belong to the model's files, not to its name: new weights at the same path
    # must not be served the old weights' vectors
    cache_key = f"files:{fingerprint}" if fingerprint else options.model_name
    if live is not None:
        old_manifest = read_manifest(live)
        check_model(old_manifest, options.model_name, index_dir)
        old_store = ChunkStore(live / "chunks.sqlite", readonly=True)
    if options.max_tokens > encoder.max_tokens:
        raise ValueError(
            f"chunking.max_tokens={options.max_tokens} exceeds the embedding model's limit of "
            f"{encoder.max_tokens} tokens; text beyond it would be silently truncated"
        )

    sources, issues = discover(roots, follow_symlinks_outside=options.follow_symlinks_outside)
    report.skipped.extend(issues)
    rechunk_all = old_manifest is not None and old_manifest.index_hash != options.index_hash
    rescreen = old_manifest is not None and old_manifest.instruction_rules != RULES_VERSION
    old_files = old_store.files() if old_store is not None else {}
    old_failed = old_store.failed_files() if old_store is not None and not rechunk_all else {}
    old_quarantine = old_store.quarantined() if old_store is not None else {}
    attempt = _attempt_key(options)
    current = {s.key: s for s in sources}
    keep: list[str] = []
    todo: list[SourceFile] = []
    still_bad: dict[str, tuple[str, str]] = {}  # file key -> (fingerprint, reason), failed before and unchanged
    for source in sources:
        before = old_files.get(source.key)
        failed = old_failed.get(source.key)
        if failed is not None and failed[0] == f"{source.fingerprint}|{attempt}":
            still_bad[source.key] = (failed[0], failed[1])
            reason = failed[1] + ("; the previously indexed version is kept" if before is not None else "")
            report.skipped.append(LoadIssue(path=str(source.path), reason=f"{reason} (unchanged since the last ingest)"))
            if before is not None:
                keep.append(source.key)
        elif before is not None and before[0] == source.fingerprint and not rechunk_all:
            keep.append(source.key)
        else:
            todo.append(source)
            (report.updated if before is not None else report.added).append(str(source.path))
    for key in old_files:
        if key in current:
            continue
        if _under(key, roots):
            report.removed.append(key)
        else:
            keep.append(key)  # outside the folders given this time: left alone
    forgotten = False  # a file that failed before is gone: its record must go too
    for key, (attempted, reason) in old_failed.items():
        if key in current:
            continue
        if _under(key, roots):
            forgotten = True
        else:
            still_bad.setdefault(key, (attempted, reason))
    report.unchanged = sum(1 for k in keep if k in current and k not in still_bad)

    if live is not None and not todo and not report.removed and not rechunk_all and not rescreen and not forgotten:
        assert old_manifest is not None and old_store is not None
        report.up_to_date = True
        docs = old_store.document_map(old_quarantine)
        for doc_id, found in old_quarantine.items():
            doc = docs.get(doc_id)
            report.quarantined.append(
                QuarantinedDocument(doc_id, doc.title if doc else "", doc.path if doc else "", _findings(found), new=False)
            )
        old_store.close()
        return _summarise(report, old_manifest, started)

    gen_name = _next_generation_name(index_dir)
    tmp = index_dir / f".tmp-gen-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        store = ChunkStore.create(tmp / "chunks.sqlite")
        rows: list[tuple[int, Chunk, str]] = []
        reused: dict[int, int] = {}  # new row id -> old row id (vector reusable)
        seen_docs: dict[str, str] = {}
        pdf_docs: set[str] = set()
        learned: dict[str, tuple[str, str]] = {}
        progress.files_started(len(todo))

        def quarantine(doc: Document, findings: list[Finding], new: bool) -> None:
            store.add_quarantine(doc.doc_id, [dataclasses.asdict(f) for f in findings])
            report.quarantined.append(QuarantinedDocument(doc.doc_id, doc.title, doc.path, findings, new=new))

        def copy_file(key: str) -> None:
            """Carry a file's documents, chunks, vectors and quarantine over from the live index."""
            assert old_store is not None
            fingerprint, doc_ids = old_files[key]
            old_docs = old_store.document_map(doc_ids)
            for doc_id in doc_ids:
                doc = old_docs.get(doc_id)
                if doc is None or doc_id in seen_docs:
                    continue
                seen_docs[doc_id] = doc.path
                if doc.source_type == "pdf":
                    pdf_docs.add(doc_id)
                store.add_document(doc, key)
                doc_rows = old_store.chunks_of_documents([doc_id])
                for old_row, chunk, th in doc_rows:
                    reused[len(rows)] = old_row
                    rows.append((len(rows), chunk, th))
                if rescreen:  # screened by other rules: screen the stored text again
                    found = scan_document(doc, _text_from_chunks([c for _, c, _ in doc_rows]))
                    if found:
                        quarantine(doc, found, new=True)
                elif doc_id in old_quarantine:
                    quarantine(doc, _findings(old_quarantine[doc_id]), new=False)
            store.add_file(key, key, fingerprint, doc_ids)

        # 1. unchanged files: copy rows from the live index
        if old_store is not None:
            for key in keep:
                copy_file(key)
            learned.update({a: (g, "") for a, g in old_store.aliases().items()})
        for key, (attempted, reason) in still_bad.items():
            store.add_failed_file(key, attempted, reason)

        # 2. new and changed files: parse, chunk
        for source in todo:
            try:
                result = load_file(
                    source.path,
                    source.folder_meta,
                    max_bytes=options.max_file_bytes,
                    pdf_timeout_s=options.pdf_timeout_s,
                )
            except Exception as exc:  # LoadError, or a loader bug: neither sinks the ingest
                reason = exc.reason if isinstance(exc, LoadError) else f"unexpected {type(exc).__name__}: {exc}"
                store.add_failed_file(source.key, f"{source.fingerprint}|{attempt}", reason)  # not retried while unchanged
                if source.key in old_files and old_store is not None:
                    copy_file(source.key)  # lose nothing: keep the version indexed before
                    reason += "; the previously indexed version is kept"
                report.skipped.append(LoadIssue(path=str(source.path), reason=reason))
                _drop_from_lists(report, str(source.path))
                progress.file_done(str(source.path), 0)
                continue
            report.skipped.extend(result.issues)
            doc_ids: list[str] = []
            n_file_chunks = 0
            for parsed in result.documents:
                doc = parsed.document
                if doc.doc_id in seen_docs:
                    report.skipped.append(LoadIssue(path=doc.path, reason=f"same text as {seen_docs[doc.doc_id]}; indexed once"))
                    doc_ids.append(doc.doc_id)  # this file holds it too: deleting the other keeps it
                    continue
                chunks = _chunk(parsed, encoder, options)
                if not chunks:
                    report.skipped.append(LoadIssue(path=doc.path, reason="no chunkable text"))
                    continue
                seen_docs[doc.doc_id] = doc.path
                if doc.source_type == "pdf":
                    pdf_docs.add(doc.doc_id)
                store.add_document(doc, source.key)
                doc_ids.append(doc.doc_id)
                for chunk in chunks:
                    rows.append((len(rows), chunk, text_hash(chunk.embed_text)))
                n_file_chunks += len(chunks)
                found = scan_document(doc, parsed.text)
                if found:
                    quarantine(doc, found, new=True)
                    continue  # nothing is learned from it either (a planted "X (Y)" would alias X to Y)
                if learn_aliases is not None:
                    for alias, generic in learn_aliases(parsed.text).items():
                        learned.setdefault(alias, (generic, doc.doc_id))
            store.add_file(source.key, str(source.path), source.fingerprint, doc_ids)
            report.chunks_new += n_file_chunks
            progress.file_done(str(source.path), n_file_chunks)

        store.add_chunks(rows)
        store.add_aliases(learned)
        store.commit()

        # 3. vectors: reuse exact vectors of unchanged chunks, embed the rest through the cache
        dim = encoder.dim
        vectors = np.zeros((len(rows), dim), dtype=np.float32)
        todo_rows = [i for i in range(len(rows)) if i not in reused]
        if reused:
            assert old_manifest is not None
            old_vectors = FaissStore.load(live / "index.faiss", old_manifest.factory, mmap=True)
            lossless = "Flat" in old_manifest.factory and "PQ" not in old_manifest.factory and "SQ" not in old_manifest.factory
            if lossless:
                new_ids = np.fromiter(reused.keys(), dtype=np.int64)
                vectors[new_ids] = old_vectors.reconstruct(np.fromiter(reused.values(), dtype=np.int64))
            else:
                todo_rows = list(range(len(rows)))
        def embed(batch: Sequence[str]) -> np.ndarray:
            return encode(batch) if encode is not None else encoder.encode(batch, batch_size=options.batch_size)

        big_batches = 20_000 if encode is not None else 256  # fewer, larger jobs for a cluster
        sent_texts: dict[str, str] = {}
        sent_found: dict[str, np.ndarray] = {}
        if options.sentence_vectors:
            for _, chunk, _ in rows:
                for s0, e0 in citable_sentences(chunk.text, lines=chunk.doc_id not in pdf_docs):
                    sent = chunk.text[s0:e0]
                    sent_texts.setdefault(text_hash(sent), sent)
            for doc in store.documents():  # rescoring counts a document's title among its sentences
                if doc.title.strip():
                    sent_texts.setdefault(text_hash(doc.title), doc.title)
            if live is not None and (live / "sentences.sqlite").is_file():
                old_sv = SentenceVectors(live / "sentences.sqlite")
                sent_found = old_sv.get_many(list(sent_texts))
                old_sv.close()
        sent_missing = [h for h in sent_texts if h not in sent_found]
        progress.embedding_started(len(todo_rows) + len(sent_missing))
        if todo_rows:
            texts = [rows[i][1].embed_text for i in todo_rows]
            encoded, n_encoded = encode_with_cache(
                texts,
                cache_key,
                embed,
                dim,
                cache,
                on_progress=progress.embedded,
                batch=big_batches,
            )
            vectors[np.asarray(todo_rows, dtype=np.int64)] = encoded
            report.chunks_embedded = n_encoded

        if options.sentence_vectors:
            encoded_s, n_s = encode_with_cache(
                [sent_texts[h] for h in sent_missing],
                cache_key,
                embed,
                dim,
                cache,
                on_progress=progress.embedded,
                batch=big_batches,
            )
            sent_found.update(dict(zip(sent_missing, encoded_s, strict=True)))
            report.sentences_embedded = n_s
            new_sv = SentenceVectors(tmp / "sentences.sqlite", readonly=False)
            new_sv.put_many(sent_found)
            new_sv.close()

        # 4. FAISS, BM25, manifest
        factory = choose_factory(options.factory, len(rows), options.approximate_above)
        store_ids = np.arange(len(rows), dtype=np.int64)
        faiss_store = FaissStore.build(vectors, store_ids, factory, ef_search=options.ef_search, nprobe=options.nprobe)
        faiss_store.save(tmp / "index.faiss")
        if is_compressed(faiss_store.factory):
            faiss_store.save_rerank_vectors(vectors, tmp / "vectors.f16.npy")
        lexical = LexicalIndex.build([r[1].embed_text for r in rows]) if rows else LexicalIndex.build(["empty"])
        lexical.save(tmp / "bm25")
        np.save(tmp / "bm25_rows.npy", store_ids)
        n_docs = store.count_documents()
        n_files = len(store.files())
        store.close()
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            embedding_model=options.model_name,
            embedding_model_id=model_id,
            embedding_fingerprint=fingerprint,
            dim=dim,
            factory=faiss_store.factory,
            ef_search=options.ef_search if "HNSW" in factory else None,
            nprobe=options.nprobe if "IVF" in factory else None,
            n_documents=n_docs,
            n_chunks=len(rows),
            n_files=n_files,
            index_hash=options.index_hash,
            chunking={"max_tokens": options.max_tokens, "overlap_tokens": options.overlap_tokens, "embed_prefix": options.embed_prefix},
            bm25={"k1": 1.2, "b": 0.75},
            curbside_version=options.version,
            instruction_rules=RULES_VERSION,
        )
        write_json_atomic(tmp / "manifest.json", manifest.model_dump())
        if fail_after_write:
            raise RuntimeError("simulated failure after writing the new generation")
        final = index_dir / gen_name
        tmp.rename(final)
        publish_generation(index_dir, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if old_store is not None:
            old_store.close()
    for old in index_dir.glob("gen-*"):
        if old.name != gen_name:
            shutil.rmtree(old, ignore_errors=True)
    progress.finished()
    return _summarise(report, manifest, started)


def _summarise(report: BuildReport, manifest: Manifest, started: float) -> BuildReport:
    report.documents = manifest.n_documents
    report.chunks = manifest.n_chunks
    report.factory = manifest.factory
    report.seconds = time.perf_counter() - started
    return report


def _attempt_key(options: BuildOptions) -> str:
    """What decides whether loading a file can succeed besides its content: a file that failed is
    tried again when one of these changes (or the file does)."""
    return f"max_bytes={options.max_file_bytes},pdf_timeout_s={options.pdf_timeout_s},version={options.version}"


def _findings(stored: list[dict[str, object]]) -> list[Finding]:
    return [Finding(**f) for f in stored]


def _text_from_chunks(chunks: Sequence[Chunk]) -> str:
    """A document's text rebuilt from its chunks' offsets (``chunk.text == text[start:end]``);
    gaps between chunks, if any, become spaces."""
    pieces: list[str] = []
    pos = 0
    for c in sorted(chunks, key=lambda c: c.char_start):
        if c.char_end <= pos:
            continue
        if c.char_start > pos:
            pieces.append(" " * (c.char_start - pos))
            pos = c.char_start
        pieces.append(c.text[pos - c.char_start :])
        pos = c.char_end
    return "".join(pieces)


def _drop_from_lists(report: BuildReport, path: str) -> None:
    for lst in (report.added, report.updated):
        if path in lst:
            lst.remove(path)


def _chunk(parsed: ParsedDocument, encoder: TextEncoder, options: BuildOptions) -> list[Chunk]:
    return chunk_document(
        parsed,
        encoder.count_tokens,
        max_tokens=options.max_tokens,
        overlap_tokens=options.overlap_tokens,
        with_prefix=options.embed_prefix,
    )


def _next_generation_name(index_dir: Path) -> str:
    numbers = [int(p.name.split("-")[1]) for p in index_dir.glob("gen-*") if p.name.split("-")[1].isdigit()]
    return f"gen-{(max(numbers) + 1) if numbers else 1:06d}"


def documents_of(index_dir: Path) -> list[Document]:
    """Convenience for callers that only need the document list."""
    live = live_generation(index_dir)
    if live is None:
        return []
    store = ChunkStore(live / "chunks.sqlite")
    try:
        return store.documents()
    finally:
        store.close()
