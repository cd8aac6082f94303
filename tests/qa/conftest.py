"""QA fixtures: a real pipeline over the bundled corpus (built once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def bundled_pipeline(tmp_path_factory: pytest.TempPathFactory):
    from curbside import Pipeline, Settings, ingest

    cache = tmp_path_factory.mktemp("qa-cache")
    settings = Settings(cache_dir=cache, progress=False)
    index_dir = cache / "index"
    ingest([REPO / "corpus"], index_dir, settings)
    pipeline = Pipeline(index_dir, settings=settings)
    yield pipeline
    pipeline.close()
