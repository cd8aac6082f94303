"""LangChain adapter (extra ``langchain``): Curbside retrieval as a ``BaseRetriever``.

Each returned ``Document`` carries the chunk id and the citation metadata (title, publisher, year,
kind, url, section, pages, character span) so a LangChain chain can cite what it uses.
"""

from __future__ import annotations

from typing import Any

try:
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document as LCDocument
    from langchain_core.retrievers import BaseRetriever
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError("the LangChain adapter needs the 'langchain' extra: pip install 'curbside[langchain]'") from exc

from pydantic import ConfigDict

from curbside.pipeline import Pipeline
from curbside.qa.retrieval import Filters
from curbside.qa.types import Passage


def to_langchain(passage: Passage) -> LCDocument:
    chunk, doc = passage.chunk, passage.document
    return LCDocument(
        page_content=chunk.text,
        id=chunk.chunk_id,
        metadata={
            "chunk_id": chunk.chunk_id,
            "doc_id": doc.doc_id,
            "title": doc.title,
            "publisher": doc.publisher,
            "year": doc.year,
            "kind": doc.kind,
            "url": doc.url,
            "source": doc.path,
            "section": " > ".join(chunk.section),
            "page_start": chunk.page_start,
            "page_end": chunk.page_end,
            "char_start": chunk.char_start,
            "char_end": chunk.char_end,
            "score": passage.score,
            "rank": passage.rank,
        },
    )


class CurbsideRetriever(BaseRetriever):
    """Hybrid Curbside retrieval. Pass a loaded ``pipeline`` or an ``index`` directory."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    pipeline: Any = None
    index: str | None = None
    k: int = 4
    filters: Filters | None = None

    def model_post_init(self, context: Any, /) -> None:
        if self.pipeline is None:
            self.pipeline = Pipeline(self.index)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, k: int | None = None, **kwargs: Any
    ) -> list[LCDocument]:
        n = k or self.k
        pipeline: Pipeline = self.pipeline
        passages = pipeline.search(query, k=n, filters=self.filters)
        return [to_langchain(p) for p in passages[:n]]
