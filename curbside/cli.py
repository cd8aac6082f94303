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
from rich.markdown import Markdown
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from curbside.settings import Settings

app = typer.Typer(
    name="curbside",
    help="Open, local, verifiable clinical question answering with cited answers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)

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
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def _pipeline(index: Path | None, settings: Settings) -> Any:
    from curbside.index import IndexNotFoundError, ModelMismatchError
    from curbside.pipeline import Pipeline

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

    settings = _settings(no_progress, embedding__model=model)
    try:
        with RichProgress(settings.progress) as progress:
            report = run_ingest(paths, index, settings, progress=progress, ray_address=ray)
    except (ModelMismatchError, IndexLockedError, ValueError, ImportError) as exc:
        _fail(str(exc))
    table = Table(title=f"Index {index}", show_header=False)
    table.add_row("added", str(len(report.added)))
    table.add_row("updated", str(len(report.updated)))
    table.add_row("removed", str(len(report.removed)))
    table.add_row("unchanged", str(report.unchanged))
    table.add_row("skipped", str(len(report.skipped)))
    table.add_row("chunks embedded", str(report.chunks_embedded))
    table.add_row("documents / chunks", f"{report.documents} / {report.chunks}")
    table.add_row("FAISS index", report.factory)
    table.add_row("time", f"{report.seconds:.1f} s")
    console.print(table)
    for issue in report.skipped:
        console.print(f"[yellow]skipped[/] {issue.path}: {issue.reason}")
    console.print(report.summary())


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
    k: Annotated[int, typer.Option("-k", help="Passages to show.")] = 5,
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
    passages = pipeline.search(query, k=k, filters=_filters(kind, publisher, year_min, year_max))
    if as_json:
        print(json.dumps([p.model_dump(mode="json") for p in passages], indent=2))
        return
    for p in passages:
        page = f", p. {p.chunk.page_start}" if p.chunk.page_start else ""
        section = " > ".join(p.chunk.section)
        console.print(
            f"[bold]{p.rank}.[/] [cyan]{p.score:.3f}[/] [bold]{p.document.title}[/] "
            f"({p.document.publisher}, {p.document.year}{page}) [dim]{p.document.kind} · {p.chunk.chunk_id}[/]"
        )
        if section:
            console.print(f"   [dim]{section}[/]")
        console.print("   " + " ".join(p.chunk.text.split())[:400])
        console.print()


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def render_terminal(answer: Any, show_passages: bool = False) -> None:
    """Rich rendering: headings, superscript reference numbers, labelled reference list."""
    from curbside.qa.render import context_line, to_markdown

    if answer.abstained:
        console.print(Markdown(to_markdown(answer)))
        return

    def cites(statement: Any) -> str:
        refs = dict.fromkeys(c.ref for c in statement.citations)
        return "[bold cyan]" + "".join(f"⁽{str(n).translate(_SUPERSCRIPT)}⁾" for n in refs) + "[/]"

    ctx = context_line(answer)
    if ctx:
        console.print(f"[dim]Patient context considered: {ctx}[/]\n")
    if answer.bottom_line:
        console.rule("[bold]Bottom line")
        console.print(f"{_esc(answer.bottom_line.text)} {cites(answer.bottom_line)}\n")
    for section in answer.sections:
        console.print(f"[bold underline]{section.title}[/]")
        for st in section.statements:
            console.print(f" • {_esc(st.text)} {cites(st)}")
        console.print()
    for note in answer.evidence_notes:
        console.print(f"[dim italic]{_esc(note)}[/]")
    console.rule("[bold]References")
    colors = {"guideline": "green", "research": "magenta", "drug-label": "yellow", "review": "blue"}
    for ref in answer.references:
        meta = ", ".join(x for x in (ref.publisher, str(ref.year or "")) if x)
        console.print(
            f"[bold]{ref.number}.[/] [{colors.get(ref.kind, 'white')}]{ref.label}[/] {_esc(ref.title)}. "
            f"[dim]{_esc(meta)}[/] {ref.url}"
        )
    if show_passages:
        console.rule("[bold]Retrieved passages")
        for p in answer.passages:
            console.print(f"{p.rank}. [cyan]{p.score:.3f}[/] {_esc(p.document.title)} [dim]{p.chunk.chunk_id}[/]")
            console.print("   " + _esc(" ".join(p.chunk.text.split())[:300]))
    console.print(f"\n[dim]{answer.timings_ms.get('total_ms', 0):.0f} ms · settings {answer.settings_hash}[/]")


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


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
    no_progress: NoProgress = False,
) -> None:
    """Answer a question with a structured, cited recommendation (or an explicit abstention)."""
    settings = _settings(no_progress, composer__name=composer)
    pipeline = _pipeline(index, settings)
    try:
        answer = pipeline.ask(question, filters=_filters(kind, publisher, year_min, year_max))
    except ValueError as exc:
        _fail(str(exc))
    if as_json:
        print(answer.model_dump_json(indent=2))
    else:
        render_terminal(answer, show_passages)


@app.command("eval")
def eval_(
    eval_set: Annotated[
        str,
        typer.Argument(
            metavar="SET",
            help="bundled | clinician | safety | clinical-pdfs | medquad | scifact | pubmedqa, or a path to "
            "a BEIR folder, a PubMedQA .json or an eval-item .jsonl",
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
    no_progress: NoProgress = False,
) -> None:
    """Batch evaluation: retrieval, citation and answer metrics, reports, and a regression gate."""
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
    no_progress: NoProgress = False,
) -> None:
    """Run every set behind evals/RESULTS.md (curbside.evals.results.ALL_RUNS), baselines where they apply."""
    from curbside.evals import run_named_set
    from curbside.evals.results import ALL_RUNS, load_run, render
    from curbside.pipeline import Pipeline
    from curbside.pipeline import ingest as run_ingest

    settings = _settings(no_progress)
    runs = {}
    for spec in ALL_RUNS:
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
        fit = json.loads(fusion.read_text(encoding="utf-8")) if fusion and fusion.is_file() else None
        target = Path(__file__).resolve().parents[1] / "evals" / "RESULTS.md"
        target.write_text(render(runs, fit, settings.settings_hash()), encoding="utf-8")
        console.print(f"wrote {target}")


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
            task = bar.add_task(f"features: {name}", total=len(eval_set.items))
            pools[name] = collect(pipeline, eval_set.items, matcher, depth, lambda t=task: bar.advance(t))
        pipeline.close()
    result = report(pools, retrieval_params(settings).weights())
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    table = Table("variant", *pools)
    for row in result["ablation"]:
        table.add_row(row["variant"], *(f"{row[n]:.3f}" for n in pools))
    console.print(table)
    console.print(f"fitted weights: {result['fitted_weights']}")
    console.print(f"held-out (5-fold CV) nDCG@10: {result['cross_validation']['held_out_ndcg@10']}")
    console.print(f"wrote {out}")


@app.command()
def documents(index: IndexOpt = None, no_progress: NoProgress = False) -> None:
    """List the indexed documents with their metadata."""
    pipeline = _pipeline(index, _settings(no_progress))
    table = Table("kind", "year", "publisher", "title")
    for doc in pipeline.index.documents():
        table.add_row(doc.kind, str(doc.year or ""), doc.publisher[:40], doc.title[:80])
    console.print(table)


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


def main() -> None:
    logging.basicConfig(level=os.environ.get("CURBSIDE_LOG_LEVEL", "WARNING"), format="%(levelname)s %(name)s: %(message)s")
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
