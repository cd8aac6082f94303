"""The LangChain adapter passes LangChain's own standard retriever test suite."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("langchain_core")
pytest.importorskip("langchain_tests")

from langchain_tests.integration_tests import RetrieversIntegrationTests

from curbside.langchain import CurbsideRetriever

pytestmark = pytest.mark.integration


class TestCurbsideRetrieverStandard(RetrieversIntegrationTests):
    @pytest.fixture(autouse=True)
    def _pipeline(self, bundled_pipeline: Any) -> None:
        type(self)._shared = bundled_pipeline

    @property
    def retriever_constructor(self) -> type[CurbsideRetriever]:
        return CurbsideRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"pipeline": type(self)._shared, "k": 4}

    @property
    def retriever_query_example(self) -> str:
        return "colchicine dose adjustment with clarithromycin"


def test_documents_carry_citation_metadata(bundled_pipeline: Any) -> None:
    docs = CurbsideRetriever(pipeline=bundled_pipeline, k=3).invoke("anakinra serious infections")
    assert len(docs) == 3
    meta = docs[0].metadata
    for key in ("chunk_id", "title", "publisher", "year", "kind", "url", "char_start", "char_end"):
        assert key in meta
    assert meta["chunk_id"].startswith(meta["doc_id"] + "#")
    assert any("anakinra" in d.page_content.lower() for d in docs)
