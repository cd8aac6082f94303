"""Deterministic test doubles shared by the suite (and by the crash-safety subprocess).

Kept in a plain module, not only in ``conftest.py``, so a child process started with
``python -c`` can import the same fake encoder the in-process tests use.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from curbside.index.builder import BuildOptions

_PIECE = re.compile(r"\w+|[^\w\s]")


class FakeHashEncoder:
    """A :class:`~curbside.index.encoder.TextEncoder` with no model behind it.

    Each lower-cased word piece gets a fixed random vector seeded from its SHA-256; a text's
    vector is the L2-normalised sum of its pieces' vectors, so texts sharing words are similar
    and the same text always gets the same vector (in any process).
    """

    def __init__(
        self,
        *,
        model_id: str = "fake-hash-encoder",
        dim: int = 64,
        max_tokens: int = 256,
        delay_s: float = 0.0,
    ) -> None:
        self._model_id = model_id
        self._dim = dim
        self._max_tokens = max_tokens
        self.delay_s = delay_s  # per text encoded; lets the crash test hit the embedding phase
        self.encoded_texts = 0
        self.encode_calls = 0
        self._cache: dict[str, np.ndarray] = {}

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    @staticmethod
    def pieces(text: str) -> list[str]:
        return _PIECE.findall(text)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(self.pieces(t)) for t in texts]

    def _token_vector(self, token: str) -> np.ndarray:
        vec = self._cache.get(token)
        if vec is None:
            seed = int.from_bytes(hashlib.sha256(token.encode("utf-8")).digest()[:8], "little")
            vec = np.random.default_rng(seed).standard_normal(self._dim).astype(np.float32)
            self._cache[token] = vec
        return vec

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        self.encode_calls += 1
        if self.delay_s:
            time.sleep(self.delay_s * len(texts))
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for i, text in enumerate(texts):
            tokens = [t.lower() for t in self.pieces(text)] or ["<empty>"]
            vec = np.sum([self._token_vector(t) for t in tokens], axis=0)
            out[i] = vec / (np.linalg.norm(vec) or 1.0)
        self.encoded_texts += len(texts)
        return out


def build_options(**overrides: Any) -> BuildOptions:
    """BuildOptions for the fake encoder; PDFs parsed in-process unless a test asks otherwise."""
    values: dict[str, Any] = {"model_name": "fake-hash-encoder", "index_hash": "test"}
    values.update(overrides)
    return BuildOptions(**values)


def run_build_in_child(corpus: str, index_dir: str, delay_s: float) -> None:
    """Entry point for the crash-safety subprocess: one build with the fake encoder."""
    from curbside.index.builder import build_index

    encoder = FakeHashEncoder(delay_s=delay_s)
    build_index([Path(corpus)], Path(index_dir), encoder, build_options(batch_size=8))


# ---------------------------------------------------------------------------------------------
# the tiny corpus: one topic per file, so a clear query has exactly one right document

TINY_FILES: dict[str, str] = {
    "guideline_hypertension.md": """---
title: Hypertension Management Guideline
publisher: National Heart Institute
year: 2023
kind: guideline
url: https://example.org/htn
---
# Hypertension

Hypertension is a persistently raised arterial blood pressure in adults.

## Diagnosis

Confirm the diagnosis with ambulatory blood pressure monitoring. Measure blood pressure in both arms at the first visit. A clinic reading of 140/90 mm Hg or higher needs confirmation.

## Treatment

Offer amlodipine or lisinopril as first-line antihypertensive drugs. Review blood pressure every month until the target is reached. Lifestyle advice includes less salt and more exercise.
""",
    "research_metformin.md": """---
title: Metformin and Glycaemic Control in Type 2 Diabetes
publisher: Journal of Diabetes Research
year: 2021
kind: research
---
# Background

Metformin is the usual first drug for type 2 diabetes mellitus.

# Results

In this randomised trial metformin lowered HbA1c by 1.1 percentage points over twelve months. Gastrointestinal upset was the commonest adverse effect of metformin.
""",
    "label_warfarin.md": """---
title: Warfarin Sodium Tablets Prescribing Information
publisher: Example Pharma
year: 2019
kind: drug-label
---
# Warnings

Warfarin can cause major or fatal bleeding. Monitor the INR regularly in every patient taking warfarin.

# Dosage

Adjust the warfarin dose to keep the INR between 2.0 and 3.0 for most indications.
""",
    "guideline_asthma.md": """---
title: Asthma Guideline for Adults
publisher: Thoracic Society
year: 2022
kind: guideline
---
# Asthma

Inhaled corticosteroids are the mainstay of asthma control. Salbutamol relieves acute wheeze and bronchospasm. Check inhaler technique at every review.
""",
    "notes_gout.txt": """Gout flare management notes

Colchicine or an NSAID treats an acute gout flare. Allopurinol lowers serum uric acid for long-term prevention of gout.
""",
    "sepsis.html": """<!doctype html>
<html><head>
<meta name="citation_title" content="Early Management of Sepsis">
<meta name="citation_publisher" content="Critical Care Society">
<meta name="citation_publication_date" content="2020/05/01">
<title>ignored page title</title>
<script>var tracking = "do not index this script";</script>
</head><body>
<nav>Home | About</nav>
<h1>Sepsis</h1>
<p>Sepsis is life-threatening organ dysfunction caused by infection.</p>
<h2>First hour</h2>
<p>Measure serum lactate and take blood cultures. Give broad-spectrum antibiotics within one hour of recognition.</p>
<ul><li>Start fluid resuscitation with crystalloid for hypotension.</li></ul>
</body></html>
""",
    "pubmed.jsonl": "\n".join(
        [
            '{"id": "101", "title": "Statins and LDL cholesterol", "abstract": "Statin therapy lowered LDL cholesterol and reduced cardiovascular events in this cohort of older adults.", "year": 2018, "journal": "Lipid Journal"}',
            '{"id": "102", "title": "Vitamin D and fractures", "abstract": "Vitamin D supplementation did not reduce hip fractures among community-dwelling elderly women.", "year": "2019", "journal": "Bone Reports", "kind": "trial"}',
            '{"id": "103", "title": "Aspirin for stroke prevention", "text": "Low-dose aspirin reduced recurrent ischaemic stroke after transient ischaemic attack.", "year": 2020, "journal": "Stroke Letters"}',
        ]
    )
    + "\n",
}

#: a clear query for each document title (word overlap for BM25 and the fake encoder alike)
TINY_QUERIES: dict[str, str] = {
    "warfarin INR bleeding": "Warfarin Sodium Tablets Prescribing Information",
    "metformin HbA1c diabetes": "Metformin and Glycaemic Control in Type 2 Diabetes",
    "colchicine allopurinol gout": "Gout flare management notes",
    "sepsis lactate antibiotics": "Early Management of Sepsis",
    "statin LDL cholesterol": "Statins and LDL cholesterol",
    "inhaled corticosteroids asthma salbutamol": "Asthma Guideline for Adults",
    "amlodipine lisinopril blood pressure": "Hypertension Management Guideline",
}


def write_tiny_corpus(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, content in TINY_FILES.items():
        (root / name).write_text(content, encoding="utf-8")
    return root


# ---------------------------------------------------------------------------------------------
# PDFs made by the tests (so the good/bad pairs differ only in the property under test)


def make_text_pdf(pages: Sequence[str]) -> bytes:
    """A small PDF with a real text layer, one string per page (needs fpdf2, a dev dependency)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for page in pages:
        pdf.add_page()
        pdf.multi_cell(0, 7, page)
    return bytes(pdf.output())


def encrypt_pdf(data: bytes, user_password: str, owner_password: str = "owner-pw") -> bytes:
    """The same PDF encrypted with pypdf's PdfWriter (RC4-128: no crypto backend needed)."""
    import io

    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(data))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def blank_pdf() -> bytes:
    """One page and no text layer at all (what a scan without OCR looks like to a parser)."""
    import io

    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(612, 792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


APIXABAN_PAGES = [
    "Apixaban prevents stroke in non-valvular atrial fibrillation. "
    "The usual dose is 5 mg twice daily for most adults.",
    "Reduce the apixaban dose to 2.5 mg twice daily when two of age, weight and creatinine "
    "criteria are met. Bleeding is the main adverse effect.",
]
