"""The retrieval settings and the retriever's own defaults describe the same retrieval."""

from __future__ import annotations

import os

import pytest

from curbside.pipeline import retrieval_params
from curbside.qa.retrieval import RetrievalParams
from curbside.settings import Settings


def test_retrieval_settings_defaults_match_the_retrievers(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [k for k in os.environ if k.startswith("CURBSIDE_RETRIEVAL")]:
        monkeypatch.delenv(name)
    # a library user who builds a HybridRetriever directly gets what the CLI and server get
    assert retrieval_params(Settings()) == RetrievalParams()


def test_a_weight_can_be_set_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURBSIDE_RETRIEVAL__RESCORE_PRF_WEIGHT", "0.25")
    assert retrieval_params(Settings()).weights()["prf"] == 0.25
