"""The command line as a user runs it: ingest, search, ask, documents, incremental re-runs."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curbside.cli import app

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("cli")
    corpus = tmp / "corpus"
    shutil.copytree(REPO / "corpus", corpus)
    mp = pytest.MonkeyPatch()
    mp.setenv("CURBSIDE_CACHE_DIR", str(tmp / "cache"))
    mp.setenv("CI", "true")  # no progress bars in captured output
    yield {"corpus": corpus, "index": tmp / "index"}
    mp.undo()


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_ingest_then_search_finds_anakinra_and_immunosuppression(env) -> None:
    out = run("ingest", str(env["corpus"]), "--index", str(env["index"]))
    assert "skipped" in out and "chunks embedded" in out
    hits = json.loads(run("search", "anakinra tacrolimus infection risk", "--index", str(env["index"]), "-k", "5", "--json"))
    titles = [h["document"]["title"].lower() for h in hits]
    assert any("anakinra" in t or "kineret" in t for t in titles), titles
    assert any(any(w in t for w in ("tacrolimus", "prograf", "mycophenolate", "transplant", "immunosupp")) for t in titles), titles
    printed = run("search", "anakinra tacrolimus infection risk", "--index", str(env["index"]), "-k", "3")
    assert ("1." in printed and "KINERET" in printed.upper()) or "PROGRAF" in printed.upper()


def test_rerun_embeds_nothing_and_says_so(env) -> None:
    out = run("ingest", str(env["corpus"]), "--index", str(env["index"]))
    assert "index up to date" in out and "0 chunks embedded" in out


def test_editing_one_file_reembeds_only_that_file(env) -> None:
    target = env["corpus"] / "anakinra-kineret-label.md"
    target.write_text(target.read_text(encoding="utf-8") + "\nAnakinra is stored in a refrigerator.\n", encoding="utf-8")
    out = run("ingest", str(env["corpus"]), "--index", str(env["index"]))
    assert "1 updated" in out and "0 added" in out and "0 removed" in out
    embedded = int(re.search(r"(\d+) chunks embedded;", out).group(1))  # type: ignore[union-attr]
    assert 0 < embedded <= 12  # only the edited file's changed chunks


def test_ask_json_and_terminal_rendering(env) -> None:
    q = "Is it safe to start anakinra in a patient with gout who is already on tacrolimus (FK506) and Cellcept?"
    data = json.loads(run("ask", q, "--index", str(env["index"]), "--json"))
    assert data["bottom_line"]["citations"] and not data["abstained"]
    text = run("ask", q, "--index", str(env["index"]), "--show-passages")
    assert "Bottom line" in text and "References" in text and "Guideline" in text
    assert "Retrieved passages" in text


def test_filters_and_documents(env) -> None:
    hits = json.loads(run("search", "colchicine dose", "--index", str(env["index"]), "--kind", "drug-label", "--json"))
    assert hits and {h["document"]["kind"] for h in hits} == {"drug-label"}
    listing = run("documents", "--index", str(env["index"]))
    assert "guideline" in listing and "drug-label" in listing


def test_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["search", "x", "--index", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "no index at" in result.output and "curbside ingest" in result.output
