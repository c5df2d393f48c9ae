"""Progress bars with a true length, and a silent one of the same shape.

Core code takes a `Progress` and never asks whether it is quiet.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Callable, ContextManager, Protocol


class Bar(Protocol):
    def update(self, n: int = 1) -> None: ...


Progress = Callable[[int, str], ContextManager[Bar]]


class _Silent:
    def update(self, n: int = 1) -> None:
        pass


@contextmanager
def silent(total: int, label: str):
    yield _Silent()


@contextmanager
def terminal(total: int, label: str):
    """A tqdm bar on stderr with rate and an honest time estimate (from the measured rate)."""
    from tqdm import tqdm

    with tqdm(total=total, desc=label, unit="text", file=sys.stderr, dynamic_ncols=True,
              disable=total == 0, smoothing=0.1) as bar:
        yield bar
