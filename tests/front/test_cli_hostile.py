"""The command line printing hostile text: markup, emoji codes and terminal escapes in documents,
file names and metadata reach the terminal as plain, visible text; bad ``--index`` and input paths
are one-line errors.

A tiny index is built through ``curbside ingest`` with the hash-seeded fake encoder (no model), from
files whose names, titles, publishers and addresses carry Rich markup (``[/]``, ``[bold red]``),
``:x:`` emoji codes and ESC/CSI/OSC, C1 and bidirectional control characters.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from curbside import cli
from curbside.cli import app, shown, source_meta
from tests.fakes import FakeHashEncoder

BRACKETED = "[contraindicated with clarithromycin in renal impairment]"
FAKE_ERROR_DIR = "[bold red]FAKE ERROR["  # with the file "bold red].md" inside: the path holds "[/bold red]"
PUBLISHER = "[/]Pharma [bold red]FAKE[/bold red]"
# ESC ] ... BEL retitles the window; ESC [ 2 J clears the screen; 0x9b is a one-byte CSI; U+202E
# reverses the text after it
TITLE_ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x9b2J\u202e"
HOSTILE_MD = f"""---
title: "Colchicine [/] dosing \\e]0;pwned\\a\\e[2J\\x9b2J\\u202e"
publisher: "{PUBLISHER}"
url: "https://example.org/[/]label"
kind: drug-label
---
# Dosing

Colchicine tablets {BRACKETED} :x: reduce gout flare pain. Colchicine with clarithromycin raises colchicine levels.
"""
PLAIN_TXT = "Warfarin notes for anticoagulation\n\nWarfarin needs INR monitoring in every patient taking warfarin.\n"


def _bad_characters(text: str) -> list[str]:
    """Characters a terminal acts on: C0 controls but newline, DEL, C1 controls, bidi controls."""
    return [
        repr(ch) for ch in text
        if (ch != "\n" and unicodedata.category(ch) == "Cc") or ch in "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    ]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("cli-hostile")
    corpus = tmp / "corpus"
    (corpus / FAKE_ERROR_DIR).mkdir(parents=True)
    (corpus / FAKE_ERROR_DIR / "bold red].md").write_text(HOSTILE_MD, encoding="utf-8")
    (corpus / "bad[").mkdir()
    (corpus / "bad[" / "]\x1b[2J\x9b2J.md").write_text("", encoding="utf-8")  # empty: skipped, named in the report
    (corpus / "plain.txt").write_text(PLAIN_TXT, encoding="utf-8")  # no publisher, no year
    (corpus / "zz-also-empty.md").write_text("", encoding="utf-8")  # reported after the hostile name
    encoder = FakeHashEncoder()
    mp = pytest.MonkeyPatch()
    mp.setattr("curbside.pipeline.get_encoder", lambda model, device="cpu": encoder)
    mp.setenv("CURBSIDE_EMBEDDING__MODEL", encoder.model_id)
    mp.setenv("CURBSIDE_CACHE_DIR", str(tmp / "cache"))
    mp.setenv("CI", "true")  # no progress bars in captured output
    for con in (cli.console, cli.err):
        mp.setattr(con, "width", 300)  # table cells on one line, so a test can look for a whole value
    index = tmp / "index"
    ingest = invoke("ingest", str(corpus), "--index", str(index))
    yield {"corpus": corpus, "index": index, "ingest": ingest, "tmp": tmp}
    mp.undo()


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def ok(*args: str) -> str:
    result = invoke(*args)
    assert result.exit_code == 0, (result.output, result.exception)
    assert not _bad_characters(result.output), _bad_characters(result.output)
    return result.output


def flat(text: str) -> str:
    """Output with terminal line wrapping undone (rich wraps at the runner's 80 columns)."""
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------------
# H3, M1, L1: document and file-name text is printed as text


def test_ingest_report_prints_every_hostile_name_and_survives(env) -> None:
    result = env["ingest"]
    assert result.exit_code == 0, (result.output, result.exception)
    out = result.output
    assert not _bad_characters(out), _bad_characters(out)
    assert "bad[/]\\x1b[2J\\x9b2J.md: empty file" in out  # the control characters shown, not acted on
    assert "zz-also-empty.md" in out  # the report goes on after the hostile name
    assert re.search(r"2 added, 0 updated, 0 removed, 0 unchanged, 2 skipped", flat(out)), out


def test_documents_lists_markup_and_escapes_in_metadata_as_text(env) -> None:
    out = flat(ok("documents", "--index", str(env["index"])))
    assert PUBLISHER in out
    assert "Colchicine [/] dosing \\x1b]0;pwned\\x07\\x1b[2J\\x9b2J\\u202e" in out


def test_search_keeps_bracketed_text_and_emoji_codes(env) -> None:
    out = flat(ok("search", "colchicine clarithromycin", "--index", str(env["index"]), "-k", "3"))
    assert BRACKETED in out and ":x:" in out
    assert "❌" not in out
    assert f"({PUBLISHER})" in out and "Colchicine [/] dosing" in out


def test_search_shows_only_the_source_details_a_document_has(env) -> None:
    out = ok("search", "warfarin INR monitoring", "--index", str(env["index"]), "-k", "3")
    assert "(, None)" not in out and "None" not in out
    first = out.splitlines()[0]
    assert "Warfarin notes for anticoagulation" in first and "(" not in first, first


def test_source_meta_joins_only_present_parts() -> None:
    assert source_meta("", None) == ""
    assert source_meta("ACR", None) == "ACR"
    assert source_meta("", 2020, 3) == "2020, p. 3"
    assert source_meta("ACR", 2020) == "ACR, 2020"


def test_ask_renders_hostile_sources_as_text(env) -> None:
    out = flat(ok("ask", "What colchicine dose with clarithromycin?", "--index", str(env["index"]), "--show-passages"))
    # a full answer or, where the source states no dose for this pair, the closest statements:
    # either way document text is shown as text, with its references
    assert ("Bottom line" in out or "Not answered by the library" in out) and "References" in out
    assert BRACKETED in out and ":x:" in out and "❌" not in out
    assert "Colchicine [/] dosing \\x1b]0;pwned" in out and PUBLISHER in out
    assert "https://example.org/[/]label" in out


def test_ask_abstention_lists_closest_passages_as_text(env) -> None:
    result = invoke("ask", "What is the pembrolizumab dose for melanoma?", "--index", str(env["index"]))
    assert result.exit_code == 0, (result.output, result.exception)
    out = flat(result.output)
    assert "Not answered by the indexed sources" in out
    assert "Closest passages" in out
    assert "(, None)" not in out and "None)" not in out
    assert not _bad_characters(result.output)


def test_question_text_with_markup_is_not_parsed(env) -> None:
    # the question's words reach the screen through the patient-context line and the abstention
    for q in ("[/] colchicine with clarithromycin?", "[bold red]FAKE ERROR[/bold red] colchicine?", "\x1b[2J colchicine :x:?"):
        ok("ask", q, "--index", str(env["index"]))


def test_shown_makes_every_control_character_visible() -> None:
    assert shown("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert shown("\x9b\x7f\x00") == "\\x9b\\x7f\\x00"
    assert shown("line\nbreak\ttab") == "line break tab"
    assert shown("\u202eevil") == "\\u202eevil"
    assert shown("Sjögren ≥ 5 µg") == "Sjögren ≥ 5 µg"  # printable text untouched
    for cp in [*range(0x20), *range(0x7F, 0xA0)]:
        assert not _bad_characters(shown(chr(cp))), hex(cp)


# ---------------------------------------------------------------------------------------------
# L6: bad --index and input paths are one-line errors with a non-zero exit


def _one_line_error(result: Result, *needles: str) -> None:
    assert result.exit_code == 1, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.mark.parametrize("command", [["ingest", "CORPUS"], ["search", "warfarin"], ["ask", "warfarin dose?"], ["documents"]])
def test_index_that_is_a_regular_file_is_a_clear_error(env, command: list[str]) -> None:
    target = env["tmp"] / "a-file"
    target.write_text("not an index", encoding="utf-8")
    args = [str(env["corpus"]) if a == "CORPUS" else a for a in command]
    _one_line_error(invoke(*args, "--index", str(target)), str(target), "is a file")
    _one_line_error(invoke(*args, "--index", str(target / "sub")), str(target / "sub"), "is a file")


def test_index_that_cannot_be_created_is_a_clear_error(env) -> None:
    root = Path("/proc")
    if not root.is_dir():
        pytest.skip("needs /proc (a folder where nothing can be created)")
    target = root / "curbside-no-such-dir" / "index"
    _one_line_error(invoke("ingest", str(env["corpus"]), "--index", str(target)), "cannot write the index", str(target))


def test_ingest_of_only_missing_paths_fails_and_creates_no_index(env) -> None:
    missing = env["tmp"] / "no-such-folder"
    index = env["tmp"] / "never-created"
    _one_line_error(invoke("ingest", str(missing), "--index", str(index)), "no such file or folder", str(missing))
    assert not index.exists()


def test_ingest_with_some_missing_paths_names_them(env) -> None:
    missing = env["tmp"] / "typo-folder"
    result = invoke("ingest", str(missing), str(env["corpus"]), "--index", str(env["tmp"] / "partial"))
    assert result.exit_code == 0, (result.output, result.exception)
    assert f"warning: no such file or folder: {missing}" in result.output


def test_bad_search_arguments_are_errors_not_results(env) -> None:
    _one_line_error(invoke("search", "", "--index", str(env["index"])), "query is empty")
    _one_line_error(invoke("search", "\u200b ", "--index", str(env["index"])), "query is empty")
    assert invoke("search", "warfarin", "-k", "0", "--index", str(env["index"])).exit_code == 2
    _one_line_error(invoke("ask", " ", "--index", str(env["index"])), "question is empty")


def test_eval_errors_print_markup_in_paths_as_text(env) -> None:
    folder = env["tmp"] / "evals["
    folder.mkdir(exist_ok=True)
    bad = folder / "]set.jsonl"  # the path holds "[/]"
    bad.write_text('{"id": "a", "question": "q", "unknown-field": 1}\n', encoding="utf-8")
    for target in (bad, env["tmp"] / "missing[" / "]set.jsonl"):
        result = invoke("eval", str(target), "--index", str(env["index"]))
        assert result.exit_code == 2, (result.output, result.exception)
        assert isinstance(result.exception, SystemExit), result.exception  # not a MarkupError
        assert str(target) in result.output


def test_json_output_carries_control_characters_only_as_escapes(env) -> None:
    for args in (("ask", "What colchicine dose with clarithromycin?"), ("search", "colchicine clarithromycin")):
        out = ok(*args, "--index", str(env["index"]), "--json")
        assert out.isascii(), [ch for ch in out if not ch.isascii()][:5]
        data = json.loads(out)
        titles = [r["title"] for r in data["references"]] if isinstance(data, dict) else [h["document"]["title"] for h in data]
        assert any(t.startswith("Colchicine [/] dosing \x1b]0;pwned") for t in titles), titles  # the data itself intact


def test_log_lines_show_control_characters() -> None:
    record = logging.LogRecord("curbside", logging.WARNING, __file__, 1, "cannot read %s", ("bad\x1b[2J\x9b.pdf",), None)
    text = cli.VisibleFormatter("%(levelname)s %(message)s").format(record)
    assert text == "WARNING cannot read bad\\x1b[2J\\x9b.pdf"
    multi = logging.LogRecord("curbside", logging.ERROR, __file__, 1, "first\nsecond\x07", (), None)
    assert cli.VisibleFormatter("%(message)s").format(multi) == "first\nsecond\\x07"


def _answer(**fields: object):
    from curbside.qa.types import Answer, Citation, Reference, Section, Statement

    cite = Citation(ref=1, chunk_id="d#0", start=0, end=5, quote="x [/]")
    statement = Statement(text=f"Avoid {BRACKETED} :x: \x1b[2J", citations=[cite])
    reference = Reference(number=1, kind="drug-label", label="Drug label", title="Label [/] \x9b2J", doc_id="d")
    base: dict[str, object] = {
        "question": "q", "bottom_line": statement, "references": [reference],
        "sections": [Section(name="risks", title="Risks [bold]", statements=[statement])],
    }
    base.update(fields)
    return Answer(**base)  # type: ignore[arg-type]


def _rendered(answer: object, capsys: pytest.CaptureFixture[str]) -> str:
    cli.render_terminal(answer)
    return capsys.readouterr().out


def test_terminal_rendering_leads_with_the_verdict_and_keeps_text_literal(capsys: pytest.CaptureFixture[str]) -> None:
    from curbside.qa.types import Citation

    answer = _answer(decision="no", decision_text="No: [/] avoid the combination",
                     decision_citations=[Citation(ref=1, chunk_id="d#0", start=0, end=5, quote="x [/]")])
    out = _rendered(answer, capsys)
    assert out.index("No: [/] avoid the combination ⁽¹⁾") < out.index("Bottom line")
    assert BRACKETED in out and ":x:" in out and "Risks [bold]" in out and "Label [/] \\x9b2J" in out
    assert not _bad_characters(out)
    assert "Label [/] \\x9b2J." not in out  # no dangling ". " when the source has no publisher, year or address


def test_partial_coverage_abstention_keeps_its_sections_and_references(capsys: pytest.CaptureFixture[str]) -> None:
    answer = _answer(abstained=True, coverage="partial", bottom_line=None, abstention_reason="the dose is not given [/]",
                     missing=["dose"])
    out = _rendered(answer, capsys)
    assert out.startswith("Not answered by the library. the dose is not given [/]")
    assert "Missing from the sources" not in out  # partial: the intervention is covered, not what was asked
    assert "Risks [bold]" in out and BRACKETED in out and "References" in out and "Label [/]" in out
    assert not _bad_characters(out)
