"""Published and measured reference figures printed beside eval results.

Copied from ``../shared/data/README.md`` and the SOURCE.md files there, with the source each
figure is attributed to. Figures marked "unverified" there stay marked here.
"""

from __future__ import annotations

from typing import NamedTuple


class ReferenceFigure(NamedTuple):
    system: str
    metric: str
    value: str
    source: str


_TABLE_5 = "Jin et al. 2019, EMNLP, Table 5 (not in ../shared/data; unverified here)"

REFERENCES: dict[str, list[ReferenceFigure]] = {
    "scifact": [
        ReferenceFigure("BM25 (BEIR paper, test)", "nDCG@10", "0.665",
                        "Thakur et al. 2021, BEIR Table 2 (via ../shared/data/README.md)"),
        ReferenceFigure("BM25 multifield, Anserini (test)", "nDCG@10 / R@100", "0.6647 / 0.9076",
                        "castorini/anserini regressions-beir-v1.0.0-scifact.multifield.md"),
        ReferenceFigure("all-MiniLM-L6-v2 (test)", "nDCG@10", "0.645-0.674",
                        "MTEB results (conflicting, unverified)"),
        ReferenceFigure("bge-large-en-v1.5 (test)", "nDCG@10", "0.746", "reported, unverified"),
        ReferenceFigure("bm25s + stemming, title+text (train)", "nDCG@10 / R@100", "0.6964 / 0.9283",
                        "measured, ../shared/data/beir/SOURCE.md"),
    ],
    "medquad": [
        ReferenceFigure("BM25 title+text probe (dev)", "R@1 / R@10 / MRR@10", "0.44 / 0.96 / 0.62",
                        "measured, ../shared/data/medquad/SOURCE.md"),
    ],
    "pubmedqa": [
        ReferenceFigure("human, single annotator (test)", "accuracy", "78.0 %",
                        "Jin et al. 2019, EMNLP (via ../shared/data/README.md)"),
        ReferenceFigure("majority class (test)", "accuracy", "55.2 %",
                        "Jin et al. 2019, EMNLP (via ../shared/data/README.md)"),
        ReferenceFigure("BioBERT, reasoning-required (test)", "accuracy", "68.1 %", "Jin et al. 2019, EMNLP (as quoted in issue 16)"),
        ReferenceFigure("majority class (test)", "macro-F1", "0.237",
                        "computed: always 'yes' at the PQA-L shares 55.2 / 33.8 / 11.0 %"),
        ReferenceFigure("human, single annotator (test)", "macro-F1", "72.2 %", _TABLE_5),
        ReferenceFigure("BioBERT, reasoning-required (test)", "macro-F1", "52.7 %", _TABLE_5),
    ],
    "pubmedqa-reasoning-free": [
        ReferenceFigure("human, single annotator, reasoning-free (test)", "accuracy", "90.4 %",
                        "Jin et al. 2019, EMNLP (as quoted in issue 16)"),
        ReferenceFigure("majority class (test)", "accuracy", "55.2 %",
                        "Jin et al. 2019, EMNLP (via ../shared/data/README.md)"),
        ReferenceFigure("majority class (test)", "macro-F1", "0.237",
                        "computed: always 'yes' at the PQA-L shares 55.2 / 33.8 / 11.0 %"),
        ReferenceFigure("human, single annotator, reasoning-free (test)", "macro-F1", "84.2 %", _TABLE_5),
    ],
}


def references_for(set_name: str) -> list[ReferenceFigure]:
    return REFERENCES.get(set_name, [])
