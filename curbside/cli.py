"""``curbside`` command line: parse, build settings, call one library function, render."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from curbside.settings import Settings

app = typer.Typer(
    name="curbside",
    help="Open, local, verifiable clinical question answering with cited answers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# emoji codes off: ":x:" in a document is two colons and an x, not an emoji
console = Console(emoji=False)
err = Console(stderr=True, emoji=False)

# Text that comes from documents, file names or the user is printed as rich Text (never parsed as
# markup) with every terminal control character made visible: C0 controls (ESC starts CSI/OSC
# sequences that move the cursor, clear the screen or retitle the window), DEL, C1 controls (0x9b is
# a one-byte CSI), and the bidirectional overrides and isolates that reorder the text after them.
# Line breaks and tabs become spaces: one printed item stays on its lines.
_VISIBLE: dict[int, str] = {cp: f"\\x{cp:02x}" for cp in (*range(0x20), *range(0x7F, 0xA0))}
_VISIBLE.update(dict.fromkeys((0x09, 0x0A, 0x0D, 0x2028, 0x2029), " "))
_VISIBLE.update({cp: f"\\u{cp:04x}" for cp in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))})


def shown(value: object) -> str:
    """``value`` as text safe to print: control characters replaced by visible escapes."""
    return str(value).translate(_VISIBLE)


def line(*parts: str | tuple[str, str]) -> Text:
    """One printable Text from pieces (``text`` or ``(text, style)``), none read as markup or emoji."""
    out = Text()
    for part in parts:
        text, style = (part, "") if isinstance(part, str) else part
        out.append(shown(text), style=style)
    return out


def source_meta(publisher: str | None, year: int | None, page: int | None = None) -> str:
    """'publisher, year, p. N' with only the parts that exist (no "(, None)" for a bare document)."""
    parts = [publisher or "", str(year) if year else "", f"p. {page}" if page else ""]
    return ", ".join(x for x in parts if x)

IndexOpt = Annotated[
    Path | None,
    typer.Option("--index", "-i", help="Index directory (default: the bundled corpus index, built on first use)."),
]
NoProgress = Annotated[bool, typer.Option("--no-progress", help="Hide progress bars.")]


def _settings(no_progress: bool = False, **overrides: Any) -> Settings:
    settings = Settings()
    if overrides:
        settings = settings.with_overrides(**{k: v for k, v in overrides.items() if v is not None})
    if no_progress or os.environ.get("CI"):
        settings = settings.with_overrides(progress=False)
    return settings


class RichProgress:
    """Build progress as rich bars: files parsed, then chunks (and sentences) embedded."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=err,
            disable=not enabled,
            transient=False,
        )
        self.files: TaskID | None = None
        self.embed: TaskID | None = None
        self.chunks = 0

    def files_started(self, total: int) -> None:
        self.progress.start()
        self.files = self.progress.add_task("documents", total=total, rate="")

    def file_done(self, path: str, chunks: int) -> None:
        self.chunks += chunks
        if self.files is not None:
            self.progress.update(self.files, advance=1, rate=f"{self.chunks} chunks")

    def embedding_started(self, total: int) -> None:
        self.embed = self.progress.add_task("embedding", total=max(total, 0), rate="")

    def embedded(self, n: int) -> None:
        if self.embed is not None:
            task = self.progress.tasks[self.embed]
            self.progress.update(self.embed, advance=n)
            speed = task.speed or 0
            self.progress.update(self.embed, rate=f"{speed:.0f} texts/s" if speed else "")

    def finished(self) -> None:
        self.progress.stop()

    def __enter__(self) -> RichProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()


def _fail(message: str, code: int = 1) -> None:
    err.print(line(("error: ", "bold red"), message), soft_wrap=True)  # one line, whatever the width
    raise typer.Exit(code)


def _warn(message: str) -> None:
    err.print(line(("warning: ", "bold yellow"), message), soft_wrap=True)


def _check_index_option(index: Path) -> None:
    """``--index`` must name a folder (or nothing yet): a regular file is a clear error, not a traceback."""
    if index.exists() and not index.is_dir():
        _fail(f"--index {index} is a file, not an index folder")
    for parent in index.parents:
        if parent.exists():
            if not parent.is_dir():
                _fail(f"--index {index} cannot be an index folder: {parent} is a file")
            break


def _pipeline(index: Path | None, settings: Settings) -> Any:
    from curbside.index import IndexNotFoundError, ModelMismatchError
    from curbside.pipeline import Pipeline

    if index is not None:
        _check_index_option(index)
    try:
        with RichProgress(settings.progress) as progress:
            return Pipeline(index, settings=settings, progress=progress)
    except (IndexNotFoundError, ModelMismatchError, FileNotFoundError) as exc:
        _fail(str(exc))


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (pdf, md, html, txt, jsonl).")],
    index: Annotated[Path, typer.Option("--index", "-i", help="Index directory to create or update.")],
    model: Annotated[str | None, typer.Option(help="Embedding model (package, path or hub name).")] = None,
    ray: Annotated[
        str | None,
        typer.Option("--ray", metavar="ADDRESS", help="Embed on Ray Data: 'local', 'auto' or ray://HOST:PORT."),
    ] = None,
    no_progress: NoProgress = False,
) -> None:
    """Build or incrementally update an index: only new or changed files are embedded."""
    from curbside.index import IndexLockedError, ModelMismatchError
    from curbside.pipeline import ingest as run_ingest

    missing = [p for p in paths if not p.exists()]
    if missing and len(missing) == len(paths):
        _fail("nothing to ingest: no such file or folder: " + ", ".join(map(str, missing)))
    for path in missing:
        _warn(f"no such file or folder: {path} (the other paths are ingested)")
    _check_index_option(index)
    settings = _settings(no_progress, embedding__model=model)
    try:
        with RichProgress(settings.progress) as progress:
            report = run_ingest(paths, index, settings, progress=progress, ray_address=ray)
    except (ModelMismatchError, IndexLockedError, ValueError, ImportError) as exc:
        _fail(str(exc))
    except OSError as exc:  # an index folder that cannot be created or written
        _fail(f"cannot write the index at {index}: {exc.strerror or exc}" + (f" ({exc.filename})" if exc.filename else ""))
    console.print(line(("Index ", "bold"), str(index)))
    table = Table(show_header=False)
    for name, value in (
        ("added", len(report.added)),
        ("updated", len(report.updated)),
        ("removed", len(report.removed)),
        ("unchanged", report.unchanged),
        ("skipped", len(report.skipped)),
        ("quarantined", len(report.quarantined)),
        ("chunks embedded", report.chunks_embedded),
        ("documents / chunks", f"{report.documents} / {report.chunks}"),
        ("FAISS index", report.factory),
        ("time", f"{report.seconds:.1f} s"),
    ):
        table.add_row(line(name), line(str(value)))
    console.print(table)
    for issue in report.skipped:
        console.print(line(("skipped", "yellow"), " ", issue.path, ": ", issue.reason), soft_wrap=True)
    for q in report.quarantined:  # indexed but never searched: its text reads as instructions to a model
        console.print(line(("quarantined", "bold red"), " ", q.describe()), soft_wrap=True)
    console.print(line(report.summary()))


def _filters(kind: list[str] | None, publisher: list[str] | None, year_min: int | None, year_max: int | None) -> Any:
    from curbside.qa.retrieval import Filters

    f = Filters(kinds=kind or None, publishers=publisher or None, year_min=year_min, year_max=year_max)
    return None if f.is_empty() else f


KindOpt = Annotated[list[str] | None, typer.Option("--kind", help="guideline | research | drug-label | review")]
PublisherOpt = Annotated[list[str] | None, typer.Option("--publisher", help="Publisher substring.")]
YearMin = Annotated[int | None, typer.Option("--year-min")]
YearMax = Annotated[int | None, typer.Option("--year-max")]


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to search for.")],
    index: IndexOpt = None,
    k: Annotated[int, typer.Option("-k", min=1, help="Passages to show.")] = 5,
    kind: KindOpt = None,
    publisher: PublisherOpt = None,
    year_min: YearMin = None,
    year_max: YearMax = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print passages as JSON.")] = False,
    no_progress: NoProgress = False,
) -> None:
    """Show the top passages for a query with scores, title, publisher, year and page."""
    settings = _settings(no_progress)
    pipeline = _pipeline(index, settings)
    try:
        passages = pipeline.search(query, k=k, filters=_filters(kind, publisher, year_min, year_max))
    except (TypeError, ValueError) as exc:
        _fail(str(exc))
    if as_json:
        print(json.dumps([p.model_dump(mode="json") for p in passages], indent=2))
        return
    for p in passages:
        meta = source_meta(p.document.publisher, p.document.year, p.chunk.page_start)
        console.print(
            line(
                (f"{p.rank}.", "bold"), " ", (f"{p.score:.3f}", "cyan"), " ", (p.document.title, "bold"),
                f" ({meta})" if meta else "", " ", (f"{p.document.kind} · {p.chunk.chunk_id}", "dim"),
            )
        )
        if p.chunk.section:
            console.print(line("   ", (" > ".join(p.chunk.section), "dim")))
        console.print(line("   ", " ".join(p.chunk.text.split())[:400]))
        console.print()


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_KIND_COLOURS = {"guideline": "green", "research": "magenta", "drug-label": "yellow", "review": "blue"}


def _cites(statement: Any) -> tuple[str, str]:
    return _marks(statement.citations)


def _marks(citations: Any) -> tuple[str, str]:
    refs = dict.fromkeys(c.ref for c in citations)
    return "".join(f"⁽{str(n).translate(_SUPERSCRIPT)}⁾" for n in refs), "bold cyan"


def _print_sections(answer: Any) -> None:
    from curbside.qa.render import unverified_plain

    for section in answer.sections:
        console.print(line((section.title, "bold underline")))
        for st in section.statements:
            console.print(line(" • ", st.text, " ", _cites(st), (unverified_plain(st), "yellow")))
        console.print()


def _print_references(answer: Any) -> None:
    console.rule("[bold]References")
    for ref in answer.references:
        meta = source_meta(ref.publisher, ref.year)
        console.print(
            line((f"{ref.number}.", "bold"), " ", (ref.label, _KIND_COLOURS.get(ref.kind, "white")), " ",
                 ref.title, ". " if meta or ref.url else "", (meta, "dim"), " " if meta and ref.url else "", ref.url)
        )


def render_terminal(answer: Any, show_passages: bool = False) -> None:
    """Rich rendering, in the order of ``qa.render.to_markdown``: verdict, bottom line, sections,
    superscript reference numbers, labelled reference list; an abstention says so first.

    Every piece of text from the question, the documents or the composer is printed as Text, so
    brackets, emoji codes and control characters in a source reach the terminal as plain text.
    """
    from curbside.qa.render import context_line, display_text, unverified_plain, verdict_line

    if answer.abstained:
        partial = answer.coverage == "partial"
        lead = "Not answered by the library. " if partial else "Not answered by the indexed sources. "
        console.print(line((lead, "bold"), answer.abstention_reason or ""))
        if answer.missing and not partial:
            console.print(line("Missing from the sources: ", ", ".join(answer.missing), "."))
        console.print()
        if answer.sections:
            _print_sections(answer)
        elif answer.passages:
            console.print(line(("Closest passages (for reference only, not a recommendation):", "italic")))
            for p in answer.passages[:3]:
                meta = source_meta(p.document.publisher, p.document.year)
                console.print(
                    line(" • ", (p.document.title, "italic"), f" ({meta})" if meta else "", ": ",
                         display_text(p.chunk.text)[:220] + "…")
                )
        if answer.references:
            _print_references(answer)
        return
    ctx = context_line(answer)
    if ctx:
        console.print(line(("Patient context considered: " + ctx, "dim")))
        console.print()
    if answer.decision_text:
        console.print(line((verdict_line(answer), "bold"), " ", _marks(answer.decision_citations)))
        console.print()
    if answer.bottom_line:
        console.rule("[bold]Bottom line")
        console.print(line(answer.bottom_line.text, " ", _cites(answer.bottom_line), (unverified_plain(answer.bottom_line), "yellow")))
        console.print()
    _print_sections(answer)
    for note in answer.evidence_notes:
        console.print(line((note, "dim italic")))
    _print_references(answer)
    if show_passages:
        console.rule("[bold]Retrieved passages")
        for p in answer.passages:
            console.print(line(f"{p.rank}. ", (f"{p.score:.3f}", "cyan"), " ", p.document.title, " ", (p.chunk.chunk_id, "dim")))
            console.print(line("   ", " ".join(p.chunk.text.split())[:300]))
    console.print()
    console.print(line((f"{answer.timings_ms.get('total_ms', 0):.0f} ms · settings {answer.settings_hash}", "dim")))


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A clinical question.")],
    index: IndexOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer as JSON.")] = False,
    show_passages: Annotated[bool, typer.Option("--show-passages", help="List retrieved passages.")] = False,
    kind: KindOpt = None,
    publisher: PublisherOpt = None,
    year_min: YearMin = None,
    year_max: YearMax = None,
    composer: Annotated[str | None, typer.Option(help="extractive | llm")] = None,
    history: Annotated[list[str] | None, typer.Option("--history", help="An earlier user turn (repeat, oldest first) for a follow-up.")] = None,
    show_frame: Annotated[bool, typer.Option("--show-frame", help="Show how the question was read: intent, intervention, patient, asked attribute.")] = False,
    no_progress: NoProgress = False,
) -> None:
    """Answer a question with a structured, cited recommendation (or an explicit abstention)."""
    settings = _settings(no_progress, composer__name=composer)
    pipeline = _pipeline(index, settings)
    try:
        answer = pipeline.ask(question, history=list(history or []), filters=_filters(kind, publisher, year_min, year_max))
    except (TypeError, ValueError) as exc:
        _fail(str(exc))
    if show_frame and answer.analysis is not None and not as_json:
        render_frame(answer.analysis.frame)
    if as_json:  # ASCII JSON, as search prints: DEL, C1 and bidi controls arrive as \u escapes
        print(json.dumps(json.loads(answer.model_dump_json()), indent=2))
    else:
        render_terminal(answer, show_passages)


def render_frame(frame: Any) -> None:
    """The question frame as a small table (issue 15: how Curbside read the question)."""
    table = Table(title="Question frame", show_header=False, box=None)
    rows = [
        ("intent", frame.intent), ("intervention", frame.intervention or "-"),
        ("current medications", ", ".join(frame.current_medications) or "-"),
        ("conditions", ", ".join(frame.conditions) or "-"), ("population", ", ".join(frame.population) or "-"),
        ("asked attribute", frame.asked()), ("yes/no question", "yes" if frame.yes_no else "no"),
    ]
    if frame.implied_population:
        rows.append(("implied by medicines", ", ".join(frame.implied_population)))
    for name, value in rows:
        table.add_row(Text(name, style="bold"), Text(shown(value)))
    console.print(table)


@app.command("eval")
def eval_(
    eval_set: Annotated[
        str,
        typer.Argument(
            metavar="SET",
            help="bundled | clinician | clinician2 | clinician3 | safety | clinical-pdfs | medquad | scifact | pubmedqa | verify (the citation "
            "verifier's benchmark), or a path to a BEIR folder, a PubMedQA .json or an eval-item .jsonl",
        ),
    ],
    index: IndexOpt = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write reports (JSONL, JSON, Markdown, PNG) here.")] = None,
    baselines: Annotated[bool, typer.Option("--baselines", help="Also run plain bm25, dense and rrf pipelines.")] = False,
    split: Annotated[str | None, typer.Option(help="BEIR qrels split (default: the only one present).")] = None,
    max_docs: Annotated[int | None, typer.Option(help="Sample the corpus (gold documents always kept).")] = None,
    max_queries: Annotated[int | None, typer.Option(help="Sample this many queries.")] = None,
    gate: Annotated[bool, typer.Option("--gate", help="Compare with the expected scores; exit 1 on regression.")] = False,
    update_expected: Annotated[
        bool, typer.Option("--update-expected", "--write-expected", help="Write <expected-dir>/<set>.json.")
    ] = False,
    half: Annotated[
        str | None, typer.Option(help="Evaluate one half only: A (tune) or B (check); by default sets with frames report both.")
    ] = None,
    setting: Annotated[
        str | None, typer.Option(help="PubMedQA: reasoning-required (default, contexts only) or reasoning-free (conclusion indexed).")
    ] = None,
    expected_dir: Annotated[
        Path | None, typer.Option(help="Folder of expected scores (default evals/expected; CI's samples: evals/expected/ci-sample).")
    ] = None,
    answers: Annotated[bool | None, typer.Option("--answers/--no-answers", help="Also compose answers.")] = None,
    train: Annotated[bool, typer.Option("--train", help="verify: refit the verifier's support model first.")] = False,
    no_progress: NoProgress = False,
) -> None:
    """Batch evaluation: retrieval, citation and answer metrics, reports, and a regression gate."""
    if eval_set == "verify":
        from curbside.evals.verify import cli_main

        raise typer.Exit(cli_main(out=out, train=train))
    from curbside.evals import run_named_set
    from curbside.pipeline import Pipeline
    from curbside.pipeline import ingest as run_ingest

    settings = _settings(no_progress)

    def factory(index_dir: Path | None) -> Any:
        with RichProgress(settings.progress) as progress:
            return Pipeline(index_dir, settings=settings, progress=progress)

    def builder(paths: Any, index_dir: Path) -> Any:
        with RichProgress(settings.progress) as progress:
            return run_ingest(paths, index_dir, settings, progress=progress)

    from curbside.index import IndexLockedError, ModelMismatchError

    try:
        code = run_named_set(
            eval_set,
            system_factory=factory,
            index_builder=builder,
            index_dir=index,
            out_dir=out,
            baselines=baselines,
            split=split,
            max_docs=max_docs,
            max_queries=max_queries,
            gate=gate,
            update_expected=update_expected,
            expected_dir=expected_dir,
            progress=settings.progress,
            answers=answers,
            half=half,
            setting=setting,
            index_key=settings.index_hash()[:12],
            embedding_cache=settings.embedding_cache_path(),
            settings_hash=settings.settings_hash(),
            console=console,
        )
    except (IndexLockedError, ModelMismatchError) as exc:
        _fail(str(exc), 2)
    raise typer.Exit(code)


@app.command("eval-all")
def eval_all(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for every run's reports.")] = Path("eval-out"),
    fusion: Annotated[Path | None, typer.Option(help="A fit-fusion JSON to include as the ablation table.")] = Path("evals/fusion.json"),
    write_results: Annotated[bool, typer.Option("--write-results", help="Regenerate evals/RESULTS.md.")] = False,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="Run only these (e.g. --only clinician --only safety); the other sections "
                     "come from the reports already in --out, when there."),
    ] = None,
    no_progress: NoProgress = False,
) -> None:
    """Run every set behind evals/RESULTS.md (curbside.evals.results.ALL_RUNS), baselines where they apply."""
    from curbside.evals import run_named_set
    from curbside.evals.results import ALL_RUNS, load_run, render
    from curbside.pipeline import Pipeline
    from curbside.pipeline import ingest as run_ingest

    settings = _settings(no_progress)
    unknown = sorted(set(only or ()) - {spec.folder for spec in ALL_RUNS})
    if unknown:
        _fail(f"unknown run(s) {', '.join(unknown)}; choose from {', '.join(spec.folder for spec in ALL_RUNS)}")
    runs = {}
    for spec in ALL_RUNS:
        if only and spec.folder not in only:
            if (out / spec.folder / "aggregate.json").is_file():
                runs[spec.folder] = load_run(out / spec.folder)
            continue
        if spec.needs and not Path(spec.needs).is_file():
            console.print(f"{spec.folder}: skipped, {spec.needs} does not exist yet")
            continue
        folder = out / spec.folder
        code = run_named_set(
            spec.set,
            system_factory=lambda d: Pipeline(d, settings=settings),
            index_builder=lambda p, d: run_ingest(p, d, settings),
            out_dir=folder, baselines=spec.baselines, split=spec.split, answers=spec.answers,
            setting=spec.setting, progress=settings.progress,
            index_key=settings.index_hash()[:12], embedding_cache=settings.embedding_cache_path(),
            settings_hash=settings.settings_hash(), console=console,
        )
        if code == 2:
            _fail(f"{spec.folder}: the set could not be evaluated (see above)", 2)
        runs[spec.folder] = load_run(folder)
    if write_results:
        lost = [spec.folder for spec in ALL_RUNS if spec.folder not in runs and not (spec.needs and not Path(spec.needs).is_file())]
        if lost:
            _fail(f"not writing RESULTS.md: it would lose {', '.join(lost)} (no report in {out}); run them too", 2)
        fit = json.loads(fusion.read_text(encoding="utf-8")) if fusion and fusion.is_file() else None
        target = Path(__file__).resolve().parents[1] / "evals" / "RESULTS.md"
        target.write_text(render(runs, fit, settings.settings_hash()), encoding="utf-8")
        console.print(line(f"wrote {target}"))


@app.command("fit-fusion")
def fit_fusion(
    sets: Annotated[list[str], typer.Argument(help="Sets to fit on jointly, e.g. medquad scifact:train pubmedqa")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the fitted weights (JSON).")] = Path("evals/fusion.json"),
    max_queries: Annotated[int | None, typer.Option(help="Sample this many queries per set.")] = None,
    max_docs: Annotated[int | None, typer.Option(help="Sample the corpus of each set.")] = None,
    depth: Annotated[int, typer.Option(help="Candidates per retriever and query.")] = 100,
    no_progress: NoProgress = False,
) -> None:
    """Ablate the rescoring signals on eval sets, and fit their weights jointly (with cross-validation)."""
    from rich.progress import Progress

    from curbside.evals.fusion import collect, report
    from curbside.evals.metrics import GoldMatcher
    from curbside.evals.runner import default_work_dir, prepare_index
    from curbside.evals.sets import resolve_set
    from curbside.pipeline import Pipeline, retrieval_params
    from curbside.pipeline import ingest as run_ingest

    settings = _settings(no_progress)
    pools = {}
    for spec in sets:
        name, _, split = spec.partition(":")
        eval_set = resolve_set(name, split=split or None, max_docs=max_docs, max_queries=max_queries, seed=13)
        idx = prepare_index(
            eval_set, index_dir=None, index_builder=lambda p, d: run_ingest(p, d, settings),
            work_dir=default_work_dir(), index_key=settings.index_hash()[:12],
        )
        pipeline = Pipeline(idx, settings=settings)
        matcher = GoldMatcher(eval_set.gold_universe)
        with Progress(console=err, disable=not settings.progress) as bar:
            task = bar.add_task(escape(shown(f"features: {name}")), total=len(eval_set.items))
            pools[name] = collect(pipeline, eval_set.items, matcher, depth, lambda t=task: bar.advance(t))
        pipeline.close()
    result = report(pools, retrieval_params(settings).weights())
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    table = Table("variant")
    for name in pools:
        table.add_column(line(name))
    for row in result["ablation"]:
        table.add_row(row["variant"], *(f"{row[n]:.3f}" for n in pools))
    console.print(table)
    console.print(line(f"fitted weights: {result['fitted_weights']}"))
    console.print(line(f"held-out (5-fold CV) nDCG@10: {result['cross_validation']['held_out_ndcg@10']}"))
    console.print(line(f"wrote {out}"))


@app.command()
def documents(index: IndexOpt = None, no_progress: NoProgress = False) -> None:
    """List the indexed documents with their metadata."""
    pipeline = _pipeline(index, _settings(no_progress))
    quarantined = pipeline.index.quarantined_documents
    table = Table("status", "kind", "year", "publisher", "title")
    for doc in pipeline.index.documents():
        status = line(("quarantined", "bold red")) if doc.doc_id in quarantined else line("")
        table.add_row(status, line(doc.kind), line(str(doc.year or "")), line(doc.publisher[:40]), line(doc.title[:80]))
    console.print(table)
    if quarantined:
        allowed = "searched, as index.allow_quarantined is on" if pipeline.index.allow_quarantined else (
            "left out of search and answers (CURBSIDE_INDEX__ALLOW_QUARANTINED=true searches them)"
        )
        console.print(line(
            f"{len(quarantined)} quarantined: some of their text reads as instructions to a model (the ingest "
            f"report names what was found); {allowed}"
        ))


@app.command()
def serve(
    index: IndexOpt = None,
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes; each loads the index once.")] = 1,
) -> None:
    """Serve the JSON API, the OpenAI-compatible chat endpoint and the chat page."""
    try:
        from curbside.server import serve as run_server
    except ImportError as exc:
        _fail(f"the server needs the 'server' extra: pip install 'curbside[server]' ({exc})")
    settings = _settings()
    run_server(settings, str(index) if index else None, host or settings.server.host, port or settings.server.port, workers)


class VisibleFormatter(logging.Formatter):
    """Log lines as the terminal shows them: control characters in a logged file name, PDF string or
    exception message made visible (line breaks kept, so tracebacks stay readable)."""

    def format(self, record: logging.LogRecord) -> str:
        return "\n".join(shown(part) for part in super().format(record).split("\n"))


def main() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(VisibleFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=os.environ.get("CURBSIDE_LOG_LEVEL", "WARNING"), handlers=[handler])
    for noisy in ("pypdf", "sentence_transformers", "transformers", "httpx", "faiss"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    _quiet_hf()
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


def _quiet_hf() -> None:
    """Silence transformers' weight-loading bars (our own bars are the ones a user wants)."""
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except Exception:
        pass


if __name__ == "__main__":
    main()
