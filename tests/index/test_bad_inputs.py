"""The bad-input suite: hostile and broken files never crash a build or leave a half-written index."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from curbside.index.builder import build_index
from curbside.index.manifest import IndexNotFoundError
from curbside.index.reader import Index, live_generation
from tests.fakes import TINY_FILES, FakeHashEncoder, build_options, write_tiny_corpus

REPO = Path(__file__).resolve().parents[2]

#: what the reason must mention for inputs that cannot be read; files not listed may load or not
EXPECTED_REASON = {
    "libreoffice-writer-password.pdf": "encrypted",
    "imagemagick-CCITTFaxDecode.pdf": "no text layer",
    "grayscale-image.pdf": "no text layer",
    "unreadablemetadata.pdf": "corrupt",
    "truncated_40pct_nchs_databrief511.pdf": "corrupt",
    "zero_bytes.pdf": "empty file",
    "binary_bytes.md": "binary content",
    "invalid_utf8.txt": "not valid UTF-8",
    "malformed_front_matter.md": "malformed YAML front matter",
    "bad_line.jsonl:2": "invalid JSON",
}
GOOD_MD = """---
title: Hyperkalaemia Emergency Treatment
kind: guideline
publisher: Renal Society
year: 2020
---
# Hyperkalaemia

Give intravenous calcium gluconate to stabilise the myocardium when the ECG shows hyperkalaemia changes.
Insulin with glucose shifts potassium into cells within thirty minutes.
"""


def _make_bad_inputs(folder: Path, hostile: Path) -> list[Path]:
    folder.mkdir(parents=True)
    for pdf in sorted(hostile.iterdir()):
        if pdf.is_file():
            shutil.copy(pdf, folder / pdf.name)
    (folder / "good.md").write_text(GOOD_MD)
    (folder / "binary_bytes.md").write_bytes(b"# Title\n\n" + bytes(range(256)) * 8)
    (folder / "invalid_utf8.txt").write_bytes(
        "Fi\u00e8vre et toux depuis trois jours chez un enfant.".encode("latin-1")
    )
    rng = random.Random(5)
    words = [
        "amoxicillin",
        "dose",
        "patients",
        "renal",
        "clinical",
        "the",
        "of",
        "trial",
        "risk",
        "x1",
    ]
    line = " ".join(rng.choice(words) for _ in range(900_000))[:5_000_000]
    (folder / "five_mb_single_line.txt").write_text(line)
    (folder / "malformed_front_matter.md").write_text(
        "---\ntitle: Broken: colon: here\n  - stray\n---\n# Body\n\nThis body is long enough to load.\n"
    )
    (folder / "bad_line.jsonl").write_text(
        '{"id": "ok1", "title": "Thiamine", "abstract": "Give thiamine before glucose in suspected Wernicke encephalopathy."}\n'
        '{"id": "broken", "abstract": \n'
        '{"id": "ok2", "title": "Naloxone", "abstract": "Naloxone reverses opioid-induced respiratory depression quickly."}\n'
    )
    return sorted(p for p in folder.iterdir() if p.is_file())


@pytest.mark.timeout(300)
def test_bad_input_suite(shared_data: Path, tmp_path: Path) -> None:
    folder = tmp_path / "inputs"
    inputs = _make_bad_inputs(folder, shared_data / "pdfs" / "hostile")
    hostile_names = {p.name for p in (shared_data / "pdfs" / "hostile").iterdir()}
    assert hostile_names <= {p.name for p in inputs}

    encoder = FakeHashEncoder()
    started = time.perf_counter()
    report = build_index([folder], tmp_path / "index", encoder, build_options(pdf_timeout_s=60))
    elapsed = time.perf_counter() - started

    ix = Index.open(tmp_path / "index")
    try:
        indexed_paths = {d.path for d in ix.documents()}
        hits = ix.lexical_search("calcium gluconate hyperkalaemia", 3)
        top = ix.chunks([hits[0][0]])[hits[0][0]]
        assert (
            ix.document_map([top.doc_id])[top.doc_id].title == "Hyperkalaemia Emergency Treatment"
        )
        assert ix.manifest.n_chunks == ix.store.count_chunks() == ix.vectors.ntotal
    finally:
        ix.close()

    skipped = {
        Path(i.path).name: i.reason for i in report.skipped
    }  # JSONL lines: "name.jsonl:<line>"
    assert len(skipped) == len(report.skipped)
    crashes = {
        k: r
        for k, r in skipped.items()
        if "unexpected" in r or "crashed" in r or "parser failed" in r
    }
    assert not crashes, f"loader bugs surfaced as skips: {crashes}"

    outcome: dict[str, str] = {}
    for path in inputs:
        is_indexed = any(p == str(path) or p.startswith(f"{path}#") for p in indexed_paths)
        reason = skipped.get(path.name)
        assert is_indexed or reason, f"{path.name}: neither indexed nor skipped with a reason"
        assert not (is_indexed and reason), f"{path.name}: both indexed and skipped ({reason})"
        outcome[path.name] = "indexed" if is_indexed else f"skipped: {reason}"
    for name, expected in EXPECTED_REASON.items():
        reason = skipped.get(name, "")
        assert expected in reason, (
            f"{name}: expected a reason mentioning {expected!r}, got {outcome.get(name, reason)!r}"
        )
    assert outcome["good.md"] == "indexed"
    assert outcome["bad_line.jsonl"] == "indexed"  # the good records of it
    assert any(p.endswith("bad_line.jsonl#ok2") for p in indexed_paths)
    assert outcome["five_mb_single_line.txt"] == "indexed" or "five_mb_single_line.txt" in skipped
    assert elapsed < 120, f"bad-input build took {elapsed:.0f} s"

    print(
        f"\nbad-input suite: {len(inputs)} inputs tried, {len(report.skipped)} skipped with reasons, "
        f"{len(crashes)} crashes"
    )
    for name, result in sorted(outcome.items()):
        print(f"  {name}: {result}")


def test_index_stays_consistent_when_every_file_is_bad(tmp_path: Path) -> None:
    folder = tmp_path / "inputs"
    folder.mkdir()
    (folder / "a.txt").write_bytes(b"\x00\x01binary")
    (folder / "b.md").write_text("---\nkind: [\n---\nbody text long enough to pass.\n")
    (folder / "c.pdf").write_bytes(b"%PDF-1.4\n%garbage")
    report = build_index([folder], tmp_path / "index", FakeHashEncoder(), build_options())
    assert sorted(Path(i.path).name for i in report.skipped) == ["a.txt", "b.md", "c.pdf"]
    assert report.chunks == 0 and report.added == []
    ix = Index.open(tmp_path / "index")
    try:
        assert ix.manifest.n_chunks == 0
        assert ix.documents() == []
    finally:
        ix.close()


def test_missing_input_path_is_reported_not_raised(tmp_path: Path) -> None:
    corpus = write_tiny_corpus(tmp_path / "corpus")
    report = build_index(
        [corpus, tmp_path / "nope"], tmp_path / "index", FakeHashEncoder(), build_options()
    )
    assert [(Path(i.path).name, i.reason) for i in report.skipped] == [
        ("nope", "no such file or folder")
    ]
    assert report.documents == 9


# ---------------------------------------------------------------------------------------------
# crash safety: kill -9 at random points


CHILD = (
    "import sys; sys.path.insert(0, {repo!r}); "
    "from tests.fakes import run_build_in_child; run_build_in_child({corpus!r}, {index!r}, {delay!r})"
)


def _start_child(corpus: Path, index_dir: Path, delay: float) -> subprocess.Popen[bytes]:
    code = CHILD.format(repo=str(REPO), corpus=str(corpus), index=str(index_dir), delay=delay)
    return subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def _chunk_ids(index_dir: Path) -> list[str]:
    ix = Index.open(index_dir)
    try:
        assert ix.manifest.n_chunks == ix.store.count_chunks() == ix.vectors.ntotal
        return sorted(c.chunk_id for c in ix.chunks(ix.store.rows_where()).values())
    finally:
        ix.close()


def _reference_ids(corpus: Path, index_dir: Path) -> list[str]:
    build_index([corpus], index_dir, FakeHashEncoder(), build_options(batch_size=8))
    return _chunk_ids(index_dir)


def _grow_corpus(corpus: Path, n: int) -> None:
    """Enough extra files that a build spends a while in each phase."""
    for i in range(n):
        body = "\n\n".join(
            f"## Part {j}\n\n"
            + " ".join(
                f"Statement {i}-{j}-{k} about drug{i} dosing in renal impairment." for k in range(6)
            )
            for j in range(4)
        )
        (corpus / f"extra_{i:03d}.md").write_text(
            f"---\ntitle: Extra {i}\nkind: review\n---\n# Extra {i}\n\n{body}\n"
        )


def _timed_child(corpus: Path, index_dir: Path, delay: float) -> float:
    t0 = time.perf_counter()
    child = _start_child(corpus, index_dir, delay)
    _, err = child.communicate(timeout=300)
    assert child.returncode == 0, err.decode()
    return time.perf_counter() - t0


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_kill_9_during_ingest_leaves_a_working_index(tmp_path: Path) -> None:
    """kill -9 a build at spread-out points; a reader always sees no index, the old one or the new one."""
    rng = random.Random(20261126)
    corpus = write_tiny_corpus(tmp_path / "corpus")
    _grow_corpus(corpus, 40)
    delay = 0.002  # seconds per embedded text, so kills can land in the embedding phase
    fractions = [0.25, 0.45, 0.6, 0.75, 0.85, 0.92, 0.97, 1.02, 1.3]
    index_dir = tmp_path / "index"
    outcomes: dict[str, list[str]] = {"first build": [], "incremental build": []}

    def kill_at(
        point: float, allowed: list[list[str]], log: list[str], *, may_be_missing: bool
    ) -> None:
        proc = _start_child(corpus, index_dir, delay)
        time.sleep(point)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode in (0, -signal.SIGKILL), err.decode()
        if live_generation(index_dir) is None:
            assert may_be_missing, "a published index must never disappear"
            with pytest.raises(IndexNotFoundError):
                Index.open(index_dir)
            log.append("none")
            return
        ids = _chunk_ids(index_dir)
        assert ids in allowed, "the live index is neither the old nor the new version"
        log.append("old" if len(allowed) == 2 and ids == allowed[0] else "new")

    # 1. the first build: killed, then restarted over whatever the kill left behind
    ref1 = _reference_ids(corpus, tmp_path / "ref1")
    duration = _timed_child(corpus, tmp_path / "timing1", delay)
    for fraction in fractions:
        if live_generation(index_dir) is not None:  # published last time: start from nothing again
            shutil.rmtree(index_dir)
        kill_at(
            duration * (fraction + rng.uniform(-0.03, 0.03)),
            [ref1],
            outcomes["first build"],
            may_be_missing=True,
        )
    _timed_child(corpus, index_dir, 0.0)
    assert _chunk_ids(index_dir) == ref1
    snapshot = tmp_path / "snapshot-v1"
    shutil.copytree(index_dir, snapshot, symlinks=True)

    # 2. an incremental build (one edit, one delete, one add): old or new version, never a mix
    (corpus / "label_warfarin.md").write_text(
        TINY_FILES["label_warfarin.md"] + "\nVitamin K reverses warfarin.\n"
    )
    (corpus / "extra_000.md").unlink()
    (corpus / "new_file.md").write_text(
        "# New\n\nDabigatran is reversed by idarucizumab in emergencies.\n"
    )
    ref2 = _reference_ids(corpus, tmp_path / "ref2")
    assert ref2 != ref1
    shutil.copytree(snapshot, tmp_path / "timing2", symlinks=True)
    duration = _timed_child(corpus, tmp_path / "timing2", delay)
    for fraction in fractions:
        if (
            _chunk_ids(index_dir) != ref1
        ):  # the new version got published: back to v1 (leftovers kept otherwise)
            shutil.rmtree(index_dir)
            shutil.copytree(snapshot, index_dir, symlinks=True)
        kill_at(
            duration * (fraction + rng.uniform(-0.03, 0.03)),
            [ref1, ref2],
            outcomes["incremental build"],
            may_be_missing=False,
        )
    _timed_child(corpus, index_dir, 0.0)
    assert _chunk_ids(index_dir) == ref2
    assert [p.name for p in index_dir.glob("gen-*")] == [live_generation(index_dir).name]
    assert list(index_dir.glob(".tmp-gen-*")) == []
    assert os.path.islink(index_dir / "current")
    print(f"\nkill -9 outcomes: {json.dumps(outcomes)}")
    # the kill points must have exercised both sides of the publish step at least once overall
    seen = set(outcomes["first build"]) | set(outcomes["incremental build"])
    assert {"none", "old", "new"} <= seen, outcomes


# ---------------------------------------------------------------------------------------------
# links and special files (issue 14: M7, L2)


@pytest.mark.timeout(60)
def test_build_reports_odd_entries_and_never_indexes_outside_links(tmp_path: Path) -> None:
    folder = tmp_path / "inputs"
    folder.mkdir()
    (folder / "good.md").write_text(GOOD_MD)
    (folder / "notes.txt").symlink_to("/etc/passwd")
    (folder / "dangling.md").symlink_to(folder / "gone.md")
    (folder / "loop.md").symlink_to(folder / "loop.md")
    (folder / "zero.txt").symlink_to("/dev/zero")
    os.mkfifo(folder / "pipe.md")
    report = build_index([folder], tmp_path / "index", FakeHashEncoder(), build_options())
    skipped = {Path(i.path).name: i.reason for i in report.skipped}
    assert set(skipped) == {"notes.txt", "dangling.md", "loop.md", "zero.txt", "pipe.md"}
    assert "outside the folders given" in skipped["notes.txt"]
    assert "FIFO" in skipped["pipe.md"]
    assert report.documents == 1
    ix = Index.open(tmp_path / "index")
    try:
        assert [d.title for d in ix.documents()] == ["Hyperkalaemia Emergency Treatment"]
        assert not any("root:" in c.text for c in ix.chunks(ix.store.rows_where()).values())
    finally:
        ix.close()
    # the setting lets a link out (and it reaches the build from the settings tree)
    from curbside.pipeline import build_options as options_from_settings
    from curbside.settings import Settings

    options = options_from_settings(Settings(index={"follow_symlinks_outside": True}))
    assert options.follow_symlinks_outside is True
    outside = tmp_path / "outside.md"
    outside.write_text(GOOD_MD.replace("Hyperkalaemia Emergency", "Outside"))
    (folder / "notes.txt").unlink()
    (folder / "notes.md").symlink_to(outside)
    report = build_index(
        [folder], tmp_path / "index", FakeHashEncoder(), build_options(follow_symlinks_outside=True)
    )
    assert str(folder / "notes.md") in report.added


# ---------------------------------------------------------------------------------------------
# a quiet ingest (issue 14, L10: DEBUG lines and tokenizer warnings leaked to stderr)

_QUIET_CHILD = r"""
import logging, sys
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")  # as the CLI
from curbside.pipeline import ingest
report = ingest([sys.argv[1]], sys.argv[2])
print(report.documents)
"""


@pytest.mark.integration
@pytest.mark.timeout(300)
def test_ingest_writes_nothing_to_stderr(tmp_path: Path, real_encoder) -> None:
    """A real-model ingest with a sentence far over the model's window: stderr stays empty.

    Before: "DEBUG bm25s: Building index from tokens" (bm25s forces DEBUG on import), the
    tokenizer's "Token indices sequence length is longer than ..." and a "Loading weights" bar.
    """
    folder = tmp_path / "inputs"
    folder.mkdir()
    (folder / "good.md").write_text(GOOD_MD)
    (folder / "run-on.txt").write_text(" ".join(["renal", "dose", "of", "colchicine"] * 500) + ".\n")
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "CURBSIDE_CACHE_DIR": str(tmp_path / "cache"),
    }
    env.pop("TRANSFORMERS_VERBOSITY", None)
    out = subprocess.run(
        [sys.executable, "-c", _QUIET_CHILD, str(folder), str(tmp_path / "index")],
        capture_output=True, text=True, timeout=280, env=env, check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split() == ["2"]
    assert out.stderr == ""
