"""The Python front door: ``ask`` and the :class:`Pipeline` that keeps the index and model loaded."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any

from curbside.index import (
    BuildOptions,
    BuildProgress,
    BuildReport,
    EmbeddingCache,
    Index,
    IndexLockedError,
    build_index,
    get_encoder,
    live_generation,
)
from curbside.inputs import check_history, check_instance, check_k, check_text
from curbside.qa.aliases import AliasTable, expand_query, learn_aliases
from curbside.qa.compose import Composer, ComposerParams, ExtractiveComposer
from curbside.qa.frame import carry_frame
from curbside.qa.plan import question_phase
from curbside.qa.query import analyse, key_terms
from curbside.qa.render import to_markdown
from curbside.qa.retrieval import Filters, HybridRetriever, RetrievalParams
from curbside.qa.sentences import SentenceEmbedder
from curbside.qa.types import Answer, Passage, PatientContext, QueryAnalysis, QuestionFrame
from curbside.settings import Settings

log = logging.getLogger("curbside")

__version__ = "0.1.0"


def bundled_corpus_dir() -> Path:
    """The demo corpus shipped in the repository (override with CURBSIDE_CORPUS_DIR)."""
    env = os.environ.get("CURBSIDE_CORPUS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1] / "corpus"


def retrieval_params(settings: Settings) -> RetrievalParams:
    """The retrieval settings group as the retriever's parameters (every field but query expansion)."""
    return RetrievalParams(**settings.retrieval.model_dump(exclude={"expand_aliases"}))


def build_options(settings: Settings) -> BuildOptions:
    return BuildOptions(
        model_name=settings.embedding.model,
        index_hash=settings.index_hash(),
        max_tokens=settings.chunking.max_tokens,
        overlap_tokens=settings.chunking.overlap_tokens,
        embed_prefix=settings.chunking.embed_prefix,
        factory=settings.index.factory,
        approximate_above=settings.index.approximate_above,
        ef_search=settings.index.hnsw_ef_search,
        nprobe=settings.index.ivf_nprobe,
        batch_size=settings.embedding.batch_size,
        max_file_bytes=int(settings.index.max_file_mb * 1_000_000),
        pdf_timeout_s=settings.index.pdf_timeout_s,
        follow_symlinks_outside=settings.index.follow_symlinks_outside,
        sentence_vectors=settings.index.sentence_vectors,
        version=__version__,
    )


def ingest(
    paths: Sequence[Path | str],
    index_dir: Path | str,
    settings: Settings | None = None,
    *,
    progress: BuildProgress | None = None,
    ray_address: str | None = None,
) -> BuildReport:
    """Build or incrementally update the index at ``index_dir`` from files and folders.

    With ``ray_address`` ("local", "auto" or "ray://host:port") the embedding runs on Ray Data.
    """
    settings = settings or Settings()
    encoder = get_encoder(settings.embedding.model, settings.embedding.device)
    cache = EmbeddingCache(settings.embedding_cache_path()) if settings.embedding.cache else None
    encode = None
    if ray_address is not None:
        from curbside.index.distributed import ray_encode_fn, sentence_transformer_factory

        encode = ray_encode_fn(
            sentence_transformer_factory(settings.embedding.model, settings.embedding.device),
            dim=encoder.dim,
            address=ray_address,
            batch_size=settings.embedding.batch_size,
        )
    try:
        return build_index(
            [Path(p) for p in paths],
            Path(index_dir),
            encoder,
            build_options(settings),
            cache=cache,
            progress=progress,
            learn_aliases=_learner(),
            encode=encode,
        )
    finally:
        if cache is not None:
            cache.close()


def _learner() -> Any:
    table = AliasTable.bundled()
    return lambda text: learn_aliases(text, table)


def ensure_default_index(settings: Settings, progress: BuildProgress | None = None) -> Path:
    """The bundled-corpus index in the cache directory, built (or brought up to date) on demand."""
    index_dir = settings.default_index_dir()
    corpus = bundled_corpus_dir()
    if not corpus.is_dir():
        if live_generation(index_dir) is not None:
            return index_dir
        raise FileNotFoundError(
            f"no --index given and the bundled corpus is not at {corpus}; "
            "set CURBSIDE_CORPUS_DIR or pass --index"
        )
    try:
        ingest([corpus], index_dir, settings, progress=progress)
    except IndexLockedError:
        # another process is bringing the same bundled index up to date; its generation swap is
        # atomic, so a reader can open the live generation now instead of failing
        if live_generation(index_dir) is None:
            raise
        log.info("bundled index is being updated by another process; opening its live generation")
    return index_dir


def analyse_turns(question: str, history: Sequence[str], table: AliasTable, *, expand: bool = True) -> QueryAnalysis:
    """Analyse a question with the conversation before it.

    Each earlier turn's frame is carried into the next (:func:`curbside.qa.frame.carry_frame`), so
    a follow-up keeps the patient and, unless it replaces them, the intervention and what was
    asked: after "...anakinra in a patient with gout on tacrolimus and CellCept?", "What about
    colchicine instead?" asks about colchicine for the same patient, and "What about in
    pregnancy?" asks about anakinra in pregnancy. A question that stands on its own is analysed
    as it is.
    """
    own = analyse(question, table, expand=expand)
    if not history:
        return own
    carried: list[QuestionFrame] = []
    contexts = PatientContext()
    for turn in history:
        turn_analysis = analyse(turn, table, expand=False)
        frame = carry_frame(turn, turn_analysis.frame, carried) if carried else turn_analysis.frame
        carried = [frame]
        contexts = turn_analysis.context.merged_with(contexts)
    frame = carry_frame(question, own.frame, carried)
    phase = next((p for p in (question_phase(turn, frame.intervention) for turn in reversed(history)) if p), None)
    with_phase = bool(phase) and question_phase(question, frame.intervention) is None and frame.intervention is not None and frame.intervention in (
        carried[-1].intervention, *carried[-1].current_medications)
    if frame is own.frame:
        # a question of its own; in a conversation about prophylaxis its dose is still the prophylaxis dose
        return own.model_copy(update={"frame": frame.model_copy(update={"phase": phase})}) if with_phase else own
    if with_phase:
        # "ok, so what colchicine dose once he's on the diltiazem?" after "... colchicine 0.6 bid ppx ...":
        # the dose asked is the prophylaxis dose the conversation is about
        frame = frame.model_copy(update={"phase": phase})
    return _with_frame(own, frame, own.context.merged_with(contexts), table, expand=expand)


def _with_frame(own: QueryAnalysis, frame: QuestionFrame, context: PatientContext, table: AliasTable, *, expand: bool) -> QueryAnalysis:
    """``own`` completed by a carried frame: drugs, patient context and the text retrieval searches."""
    context = context.model_copy(update={
        "medications": list(frame.current_medications),
        "conditions": list(dict.fromkeys([*frame.conditions, *context.conditions])),
    })
    if "pregnancy" in frame.population and context.pregnant is None:
        context.pregnant = True
    asked = [d for d in (frame.intervention, frame.comparator) if d]
    drugs = list(dict.fromkeys([*asked, *own.drugs, *frame.current_medications]))
    # what the retrievers and the similarity scoring read: the follow-up made self-contained
    extra = [d for d in asked if d.lower() not in own.normalised.lower()]
    if frame.asked_attribute not in ("safety", "alternatives", "indication") and frame.asked_attribute not in own.normalised.lower():
        extra.append(frame.asked_attribute)
    extra += [c for c in frame.conditions if c not in own.normalised.lower() and "transplant" not in c][:2]
    if any("transplant" in c for c in frame.conditions) and "transplant" not in own.normalised.lower():
        extra.append("transplant")
    normalised = own.normalised.rstrip() + (" (" + ", ".join(extra) + ")" if extra else "")
    search_text = normalised
    if expand and drugs:
        names = [n for n in expand_query(asked or drugs, table) if n.lower() not in normalised.lower()]
        if names:
            search_text = normalised + " " + " ".join(names)
    return own.model_copy(update={
        "normalised": normalised,
        "search_text": search_text,
        "drugs": drugs,
        "candidate_drugs": asked or [d for d in own.candidate_drugs if d not in frame.current_medications],
        "conditions": list(frame.conditions),
        "key_terms": key_terms(normalised, drugs),
        "context": context,
        "frame": frame,
    })


class Pipeline:
    """Loaded index + models + composer; thread-safe for concurrent ``ask`` calls."""

    def __init__(
        self,
        index: Path | str | None = None,
        settings: Settings | None = None,
        *,
        composer: Composer | None = None,
        progress: BuildProgress | None = None,
        **overrides: Any,
    ) -> None:
        settings = settings or Settings()
        if overrides:
            settings = settings.with_overrides(**overrides)
        self.settings = settings
        index_dir = Path(index) if index is not None else settings.index_dir
        if index_dir is None:
            index_dir = ensure_default_index(settings, progress)
        self.index_dir = Path(index_dir)
        self.encoder = get_encoder(settings.embedding.model, settings.embedding.device)
        self.embedder = SentenceEmbedder(self.encoder, lookup=self._stored_sentence_vectors)
        self._lock = threading.RLock()
        self._custom_composer = composer
        self._load()

    def _load(self) -> None:
        s = self.settings
        index = Index.open(
            self.index_dir,
            ef_search=s.index.hnsw_ef_search,
            nprobe=s.index.ivf_nprobe,
            allow_quarantined=s.index.allow_quarantined,
            model=s.embedding.model,  # checked by identity, with the chunking settings
            chunking=s.chunking.model_dump(),
        )
        table = AliasTable.bundled().add(index.learned_aliases())
        retriever = HybridRetriever(
            index,
            self.embedder,
            table,
            retrieval_params(s),
        )
        composer = self._custom_composer or make_composer(
            s, self.embedder, table, term_in_corpus=index.has_term, search=retriever.entity_passages,
            document_text=lambda doc_id: [chunk.text for _, chunk, _ in index.store.chunks_of_documents([doc_id])],
        )
        with self._lock:
            old = getattr(self, "index", None)
            self.index, self.table, self.retriever, self.composer = index, table, retriever, composer
        if old is not None:
            # requests in flight still hold the old index: close it only after they can have ended
            grace = max(30.0, 2 * s.server.request_timeout_s)
            timer = threading.Timer(grace, old.close)
            timer.daemon = True
            timer.start()

    def _stored_sentence_vectors(self, hashes: Sequence[str]) -> dict[str, Any]:
        index = getattr(self, "index", None)
        return index.sentence_vectors(hashes) if index is not None else {}

    def reload(self) -> None:
        """Re-open the index (after a rebuild); requests in flight finish on the old one."""
        self._load()

    @property
    def manifest(self) -> Any:
        return self.index.manifest

    def analyse(self, question: str, history: Sequence[str] = ()) -> QueryAnalysis:
        """The question's analysis and frame, carried over ``history`` for follow-ups."""
        return analyse_turns(question, history, self.table, expand=self.settings.retrieval.expand_aliases)

    def search(self, query: str, *, k: int | None = None, filters: Filters | None = None) -> list[Passage]:
        """The top ``k`` passages for ``query`` (a non-empty string; ``k`` a positive integer or None)."""
        query = check_text(query, "query")
        k = check_k(k)
        check_instance(filters, Filters, "filters")
        if k is not None:
            k = min(k, max(self.manifest.n_chunks, 1))  # more than the index holds asks FAISS for padding
        analysis = self.analyse(query)
        with self._lock:
            retriever = self.retriever
        return retriever.retrieve(analysis, k=k, filters=filters)

    def _retrieve_for_answer(
        self,
        question: str,
        history: Sequence[str],
        filters: Filters | None,
        context: PatientContext | None,
    ) -> tuple[Composer, QueryAnalysis, list[Passage], float, float]:
        """Shared first half of ask/ask_stream: analyse (with history and context), retrieve."""
        question, history = check_text(question, "question"), check_history(history)
        check_instance(filters, Filters, "filters")
        check_instance(context, PatientContext, "context")
        with self._lock:
            retriever, composer = self.retriever, self.composer
        analysis = self.analyse(question, history)
        if context is not None:
            analysis.context = context.merged_with(analysis.context)
        t1 = time.perf_counter()
        passages = retriever.retrieve(analysis, filters=filters, for_answer=True)
        return composer, analysis, passages, t1, time.perf_counter()

    def ask(
        self,
        question: str,
        *,
        history: Sequence[str] = (),
        filters: Filters | None = None,
        context: PatientContext | None = None,
    ) -> Answer:
        """Answer one question; ``history`` holds earlier user turns for follow-ups."""
        t0 = time.perf_counter()
        composer, analysis, passages, t1, t2 = self._retrieve_for_answer(question, history, filters, context)
        answer = composer.compose(analysis, passages)
        t3 = time.perf_counter()
        answer.timings_ms = {
            **answer.timings_ms,  # the composer's own parts (e.g. sweep_ms)
            "analyse_ms": round((t1 - t0) * 1e3, 2),
            "retrieve_ms": round((t2 - t1) * 1e3, 2),
            "compose_ms": round((t3 - t2) * 1e3, 2),
            "total_ms": round((t3 - t0) * 1e3, 2),
        }
        answer.settings_hash = self.settings.settings_hash()
        if self.settings.log_questions:
            log.info("question=%r abstained=%s", question, answer.abstained)
        else:
            log.debug("answered a question (%d chars) in %.0f ms", len(question), answer.timings_ms["total_ms"])
        return answer

    def ask_stream(
        self,
        question: str,
        *,
        history: Sequence[str] = (),
        filters: Filters | None = None,
        context: PatientContext | None = None,
    ) -> Generator[str | Answer, None, None]:
        """Yield the answer as Markdown pieces while it is composed, then the final :class:`Answer`.

        With the LLM composer the pieces are verified statements as the model produces them; the
        extractive composer is fast enough that its rendered answer is yielded line by line.
        """
        t0 = time.perf_counter()
        composer, analysis, passages, _, t1 = self._retrieve_for_answer(question, history, filters, context)
        stream = getattr(composer, "compose_stream", None)
        events: Any = stream(analysis, passages) if stream else iter([composer.compose(analysis, passages)])
        sent_text = False
        for event in events:
            if isinstance(event, Answer):
                event.timings_ms = {
                    **event.timings_ms,
                    "retrieve_ms": round((t1 - t0) * 1e3, 2),
                    "compose_ms": round((time.perf_counter() - t1) * 1e3, 2),
                    "total_ms": round((time.perf_counter() - t0) * 1e3, 2),
                }
                event.settings_hash = self.settings.settings_hash()
                if not sent_text:
                    yield from to_markdown(event).splitlines(keepends=True)
                yield event
                return
            sent_text = True
            yield event

    async def aask(self, question: str, **kwargs: Any) -> Answer:
        """Async variant of :meth:`ask` (runs in a worker thread)."""
        return await asyncio.to_thread(self.ask, question, **kwargs)

    def close(self) -> None:
        self.index.close()

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_composer(
    settings: Settings, embedder: SentenceEmbedder, table: AliasTable, *, term_in_corpus: Any = None, search: Any = None,
    document_text: Any = None,
) -> Composer:
    c = settings.composer
    extractive = ExtractiveComposer(
        embedder,
        table,
        ComposerParams(
            max_statements_per_section=c.max_statements_per_section,
            min_sentence_similarity=c.min_sentence_similarity,
            abstain_similarity=c.abstain_similarity,
            dedupe_similarity=c.dedupe_similarity,
        ),
        term_in_corpus=term_in_corpus,
        search=search,
        document_text=document_text,
    )
    if c.name == "llm":
        from curbside.qa.llm import LLMComposer, LLMParams

        llm = settings.llm
        params = LLMParams(
            base_url=llm.base_url,
            model=llm.model,
            api_key=llm.api_key.get_secret_value(),
            timeout_s=llm.timeout_s,
            temperature=llm.temperature,
            max_tokens=llm.max_tokens,
            unsupported=llm.unsupported,
        )
        return LLMComposer(params, embedder, table, fallback=extractive)
    return extractive


_DEFAULT: dict[tuple[str, str], Pipeline] = {}
_DEFAULT_LOCK = threading.Lock()


def ask(question: str, index: Path | str | None = None, **settings: Any) -> Answer:
    """Answer ``question`` from ``index`` (default: the bundled corpus). Pipelines are reused."""
    check_text(question, "question")  # before loading anything: ask(None) is a TypeError, not a slow AttributeError
    key = (str(index), repr(sorted(settings.items())))
    with _DEFAULT_LOCK:
        if key not in _DEFAULT:
            _DEFAULT[key] = Pipeline(index, **settings)
        pipeline = _DEFAULT[key]
    return pipeline.ask(question)
