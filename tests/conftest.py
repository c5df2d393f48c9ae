"""Shared fixtures. Tests never touch the network; each builds what it needs in its own tmp folder.

Unit tests use the model-free `HashEmbedder` ("hash"); tests marked `model` use
the real bundled E5 through sentence-transformers, on an index built once per
session in a temporary folder.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa.config import Settings

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "sources"


@pytest.fixture
def sources(tmp_path) -> Path:
    """A private copy of the project's transcripts."""
    d = tmp_path / "sources"
    shutil.copytree(SOURCES, d)
    return d


@pytest.fixture
def settings(tmp_path) -> Settings:
    """An empty sources folder and its index, with the model-free embedder."""
    (tmp_path / "sources").mkdir()
    return Settings(sources=tmp_path / "sources", index=tmp_path / "index", model="hash")


@pytest.fixture
def hash_settings(tmp_path, sources) -> Settings:
    return Settings(sources=sources, index=tmp_path / "index", model="hash")


@pytest.fixture
def hash_assistant(hash_settings):
    from qa.retrieve import Assistant

    return Assistant.load(settings=hash_settings, build_if_missing=True)


@pytest.fixture(scope="session")
def model_settings(tmp_path_factory) -> Settings:
    """An index of the real sources with the real default model, built once per session."""
    from qa.embed import load_embedder
    from qa.build import build

    base = tmp_path_factory.mktemp("model")
    src = base / "sources"
    shutil.copytree(SOURCES, src)
    settings = Settings(sources=src, index=base / "index")
    build(settings, load_embedder(settings.model))
    return settings


@pytest.fixture(scope="session")
def assistant(model_settings):
    from qa.retrieve import Assistant

    return Assistant.load(settings=model_settings)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
