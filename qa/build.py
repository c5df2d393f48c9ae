"""The build: sources -> a new index version, one stage after another.

    parse    every transcript in sources/ -> articles and turns   (parse/)
    chunk    each turn -> the units embedded for it                (chunk.py)
    embed    the units not embedded before (cache by content hash) (embed.py)
    lexical  BM25 over words and over character pairs, glossaries  (text/)
    write    a new version folder, switched in atomically          (store.py)

Only one build runs per index folder at a time; a build that fails or is killed
leaves the last good index in place (store.write_version). A re-index with
nothing changed (same fingerprint: sources, settings, model and the code that
turns sources into an index) writes nothing.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from . import __version__
from .chunk import QUERY_FORM, Unit, units_for
from .config import Settings
from .text import BM25, bigrams, build_glossary, build_reverse_glossary, dictionary_file, name_tokens, tokenize
from .parse import CATALOG, NARRATOR, SourceError, is_chinese, load_sources, unstaged
from .progress import Progress, silent
from .store import (FORMAT_VERSION, Index, IndexError_, current_dir, load, make_faiss, prune, unit_rows,
                    write_version)
from .types import Article, Turn

BACKGROUND = Path(__file__).with_name("background_passages.txt")


class BuildError(Exception):
    """Nothing usable to index; the last good index is untouched."""


@dataclass
class BuildReport:
    directory: Path
    articles: int
    turns: int
    units: int
    embedded: int  # texts embedded in this run (the rest came from the cache)
    reused: int
    seconds: float
    errors: list[SourceError] = field(default_factory=list)
    faiss_type: str = "flat"
    embed_seconds: float = 0.0
    notices: list[str] = field(default_factory=list)  # files indexed with a remark (no interviewee, …)
    read: list[str] = field(default_factory=list)  # files new or changed since the last index, as read


def unit_key(unit_text: str, query_form: bool) -> str:
    """The cache key of an embedded text: its form and its content."""
    return hashlib.sha1(("Q" if query_form else "P").encode() + b"\0" + unit_text.encode("utf-8")).hexdigest()


def background_passages(chinese: bool | None = None) -> list[str]:
    """The off-topic passages; with `chinese`, only those in that language (the corpus's)."""
    lines = BACKGROUND.read_text(encoding="utf-8").splitlines()
    texts = [l.strip() for l in lines if l.strip() and not l.startswith("#")]
    return texts if chinese is None else [t for t in texts if is_chinese(t) == chinese]


@contextmanager
def build_lock(index_dir: Path):
    """One build at a time per index folder; a second one fails at once."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(f"another 'qa index' is already building {index_dir}; wait for it to finish") from None
        yield


def _cache_of(idx: "Index", model: str) -> dict[str, np.ndarray]:
    """Vectors of an index by content hash, when it used the same model; else empty."""
    if idx.model != model:
        return {}
    keys = json.loads((idx.directory / "unit_keys.json").read_text(encoding="utf-8"))
    cache = {k: idx.vectors[i] for i, k in enumerate(keys["units"])}
    cache.update({k: idx.background[i] for i, k in enumerate(keys["background"])})
    return cache


def build(settings: Settings, embedder, progress: Progress = silent, full: bool = False) -> BuildReport:
    """Parse the sources, embed what changed, write a new index version and switch to it."""
    t0 = time.perf_counter()
    index_dir = Path(settings.index)
    with build_lock(index_dir):
        last = last_manifest(index_dir)
        parsed, errors, notices, catalog = load_sources(
            settings.sources, settings.interviewee, settings.declared_interviewee,
            prefer=set(last.get("sources", {})), last_catalog=last.get("catalog"))
        if not parsed:
            reasons = "; ".join(str(e) for e in errors) or "no transcript files"
            raise BuildError(f"nothing to index in {settings.sources}: {reasons}")
        # Each article's language (a transcript is in one): the no-answer bar compares a question with
        # background passages in the language of the turns it matched.
        articles = [replace(a, language=_language(ts)) for a, ts in parsed]
        turns = [t for _, ts in parsed for t in ts]
        units: list[Unit] = []
        turn_units = np.zeros(len(turns) + 1, dtype=np.int64)
        for i, turn in enumerate(turns):
            units.extend(units_for(i, turn, settings.window_chars))
            turn_units[i + 1] = len(units)
        if not units:
            raise BuildError(f"no answer turns with text in {settings.sources}")
        # The no-answer bar: off-topic passages in each of the transcripts' languages, so that a question
        # meets the same cross-lingual penalty on both sides of the comparison (see retrieve.MIN_MARGIN).
        languages = sorted({a.language for a in articles})
        bg_texts, bg_langs = [], []
        for lang in languages:
            texts = background_passages(lang == "zh") if lang in ("zh", "en") else background_passages()
            bg_texts += texts
            bg_langs += [lang] * len(texts)
        keys = [unit_key(u.text, u.kind in QUERY_FORM) for u in units]
        bg_keys = [unit_key(t, False) for t in bg_texts]

        fingerprint = _fingerprint(settings, embedder.name, articles)
        current = None if full else _loadable(index_dir)
        if current is not None and _same_build(current, fingerprint, errors):
            prune(index_dir, keep=current.directory)  # still clear what killed builds left behind
            return BuildReport(current.directory, len(articles), len(turns), len(units), 0,
                               len(set(keys) | set(bg_keys)), time.perf_counter() - t0, errors, "unchanged",
                               notices=notices)
        before = current.manifest.get("sources", {}) if current is not None else None
        read = [f"{read_name(a, parsed)}: {read_summary(ts)}" for a, ts in parsed
                if before is None or before.get(a.source) != a.sha256]
        cache = _cache_of(current, embedder.name) if current is not None else {}
        todo: dict[str, tuple[str, bool]] = {}
        for u, key in zip(units, keys):
            if key not in cache:
                todo.setdefault(key, (u.text, u.kind in QUERY_FORM))
        for text, key in zip(bg_texts, bg_keys):
            if key not in cache:
                todo.setdefault(key, (text, False))
        t_embed = time.perf_counter()
        embedded = _embed_missing(embedder, todo, cache, settings.batch_size, progress)
        t_embed = time.perf_counter() - t_embed

        vectors = np.stack([cache[k] for k in keys]).astype(np.float32)
        background = np.stack([cache[k] for k in bg_keys]).astype(np.float32)
        english = "en" in languages  # stems and English stop words in the word leg (text.tokenize)
        said = [unstaged(t.text + "\n" + (t.question or "")) for t in turns]  # words, not "[laughter]"
        documents = [tokenize(said[i], english) if turn_units[i + 1] > turn_units[i] else []
                     for i, t in enumerate(turns)]
        lexical = BM25.build(documents)
        # Character pairs are the Chinese text's second leg; in English text they would only be its Latin words
        # again, unstemmed, which a Chinese question's "AI" or "ChatGPT" matched in every English turn that says
        # it (benchmarks/english_eval.py: Chinese questions over English turns R@1 0.72 -> 0.79 without).
        language_of = {a.article_id: a.language for a in articles}
        bigram = BM25.build([bigrams(text) if doc and language_of[t.article_id] != "en" else []
                             for t, text, doc in zip(turns, said, documents)])
        glossary, common = build_glossary(lexical, bigram)
        # Chinese words -> English stems, for Chinese questions over English transcripts (none without them).
        senses = build_reverse_glossary(lexical) if "en" in languages else {}
        # The names the transcripts mention, for a corpus of several interviewees (retrieve.CONVERSATION_WEIGHT)
        names = sorted(name_tokens([(language_of[t.article_id], t.text) for t in turns], english)
                       & set(lexical.vocab)) if len({a.conversation_of for a in articles}) > 1 else []
        faiss_index, faiss_type = make_faiss(vectors)
        # Versions of one conversation (catalogue same_as), aligned turn by turn and sentence by sentence
        from types import SimpleNamespace

        from .align import align_corpus

        rows = unit_rows(units)
        changed = {a.article_id for a in articles if before is None or before.get(a.source) != a.sha256}
        alignments, said_of_versions = align_corpus(SimpleNamespace(
            articles={a.article_id: a for a in articles}, turns=turns, units=rows, turn_units=turn_units,
            vectors=vectors), changed)
        notices = notices + said_of_versions
        manifest = {
            "format_version": FORMAT_VERSION,
            "qa_version": __version__,
            "fingerprint": fingerprint,
            "model": embedder.name,
            "dim": int(vectors.shape[1]),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "settings": {"window_chars": settings.window_chars, "interviewee": settings.interviewee,
                         "declared_interviewee": settings.declared_interviewee},
            "faiss": faiss_type,
            "lexical": {"english": english, "names": names},
            "background": {"passages": len(bg_texts), "languages": bg_langs},
            "counts": {"articles": len(articles), "turns": len(turns), "units": len(units)},
            "sources_dir": str(Path(settings.sources).resolve()),  # what `stale_sources` compares with
            "sources": {a.source: a.sha256 for a in articles},
            "skipped": [{"source": e.path, "reason": e.reason} for e in errors],
            "catalog": catalog,  # its last good text: a broken catalogue is read as this until fixed
            "alignments": alignments,  # align.align_corpus: the declared versions, aligned
        }
        version = write_version(index_dir, manifest, articles, turns, rows, keys, bg_keys, vectors, background,
                                faiss_index, lexical, bigram, glossary, senses, common)
        return BuildReport(version, len(articles), len(turns), len(units), embedded,
                           len(set(keys) | set(bg_keys)) - embedded, time.perf_counter() - t0, errors, faiss_type,
                           t_embed, notices, read)


def _language(turns: list[Turn]) -> str:
    """"zh" for a transcript that is mostly Chinese, else "en" (the languages of the background passages)."""
    return "zh" if is_chinese("".join(t.text for t in turns[:200])) else "en"


def _fingerprint(settings: Settings, model: str, articles: list[Article]) -> str:
    """Everything a build's output depends on: format, model, settings, the sources folder and its files'
    bytes, and the code and data that turn sources into an index (so changing how turns are parsed or
    chunked rebuilds it)."""
    from . import align, chunk, lang, parse, store, text

    h = hashlib.sha256(json.dumps([FORMAT_VERSION, __version__, model, settings.window_chars, settings.interviewee,
                                   settings.declared_interviewee, sorted((a.source, a.sha256) for a in articles),
                                   str(Path(settings.sources).resolve())]
                                  ).encode())
    catalog = Path(settings.sources) / CATALOG
    code = sorted(Path(parse.__file__).parent.glob("*.py")) + sorted(Path(text.__file__).parent.glob("*.py"))
    for path in (BACKGROUND, text.LEXICON, Path(chunk.__file__), Path(lang.__file__), Path(align.__file__), *code,
                 Path(store.__file__), Path(__file__), dictionary_file(), catalog if catalog.is_file() else None):
        h.update(path.read_bytes() if path is not None else b"none")
    return h.hexdigest()


def last_manifest(index_dir: Path) -> dict:
    """The current index's manifest, {} when there is none or it cannot be read."""
    d = current_dir(index_dir)
    try:
        manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8")) if d is not None else {}
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _loadable(index_dir: Path) -> "Index | None":
    """The current index when it loads cleanly (checksums included); a damaged one is rebuilt from scratch."""
    try:
        return load(index_dir)
    except IndexError_:
        return None


def _same_build(idx: "Index", fingerprint: str, errors: list[SourceError]) -> bool:
    """Whether `idx` was built from exactly this input (same files skipped for the same reasons)."""
    skipped = sorted((e["source"], e["reason"]) for e in idx.manifest.get("skipped", []))
    return idx.manifest.get("fingerprint") == fingerprint and skipped == sorted((e.path, e.reason) for e in errors)


def _embed_missing(embedder, todo: dict[str, tuple[str, bool]], cache: dict, batch: int, progress: Progress) -> int:
    items = list(todo.items())
    with progress(len(items), "embedding") as bar:
        for query_form in (False, True):
            group = [(k, text) for k, (text, q) in items if q == query_form]
            for i in range(0, len(group), batch):
                chunk = group[i:i + batch]
                texts = [t for _, t in chunk]
                vecs = embedder.queries(texts) if query_form else embedder.passages(texts)
                for (k, _), v in zip(chunk, vecs):
                    cache[k] = v
                bar.update(len(chunk))
    return len(items)


def read_name(article, parsed) -> str:
    """The file an article was read from, and its id when the file gave several (a dataset, bilingual
    subtitles)."""
    several = sum(a.source == article.source for a, _ in parsed) > 1
    return f"{article.source} ({article.article_id})" if several else article.source


def read_summary(turns: list[Turn]) -> str:
    """How a transcript was read, in a line: its turns by speaker, and whose are answers."""
    from collections import Counter

    counts = Counter(t.speaker for t in turns)
    answers = {t.speaker for t in turns if t.is_interviewee}
    spoken = [t for t in turns if t.speaker != NARRATOR]
    timed = " with times" if spoken and all(t.start is not None for t in spoken) else ""
    who = ", ".join(f"{name} {n}" + (" (answers)" if name in answers else "") for name, n in counts.most_common(6))
    more = f", and {len(counts) - 6} more" if len(counts) > 6 else ""
    line = f"{len(turns)} turns{timed}: {who}{more}" + ("" if answers else "; none are an interviewee's answers")
    return "; ".join([line] + [f"check it: {w}" for w in reading_warnings(turns)])


_LEFT_LABEL = re.compile(r"(?:^|[.?!。？！]\s+)(?:>>\s*)?[A-Z][A-Z.'’-]+(?: [A-Z][A-Z.'’-]+){0,3}:\s|(?:^|\s)>>\s")
_LEFT_ENTITY = re.compile(r"&(?:gt|lt|amp|quot|nbsp|#\d{2,5});")
LONG_TURN_SECONDS = 600
# A paragraph that only asks (at most this many words, ending in a question mark) with more of the turn after it:
# another speaker's words without a label, as transcripts that name each speaker once and then alternate
# unlabelled paragraphs print them. Two of them in a file, not one: a speaker may ask a question and answer it.
ASKING_PARAGRAPH_WORDS = 40
_ASKS = re.compile(r"[?？][”\"’']?$")


def reading_warnings(turns: list[Turn]) -> list[str]:
    """Signs that a file was misread: speaker labels or HTML references left inside turns, one speaker
    holding nearly every word while the text names others, questions inside a turn (unlabelled paragraphs
    of another speaker), one turn that lasts many minutes."""
    out = []
    spoken = [t for t in turns if t.speaker != NARRATOR]
    labelled = [t for t in spoken if _LEFT_LABEL.search(t.text)]
    if labelled:
        out.append(f"{len(labelled)} turns hold what looks like another speaker's label (first: "
                   f"{labelled[0].turn_id}); name the speakers in sources/catalog.toml or fix the labels")
    if any(_LEFT_ENTITY.search(t.text) for t in spoken):
        out.append("HTML references such as &gt; are left in the text")
    words: dict[str, int] = {}
    for t in spoken:
        words[t.speaker] = words.get(t.speaker, 0) + len(t.text)
    total = sum(words.values())
    if total > 2000 and len(spoken) > 3 and max(words.values()) > 0.97 * total and labelled:
        out.append(f"{max(words, key=words.get)} holds nearly every word")
    asking = [t for t in spoken for p in [x.strip() for x in t.text.split("\n\n") if x.strip()][:-1]
              if _ASKS.search(p) and len(p.split()) <= ASKING_PARAGRAPH_WORDS]
    if len(asking) >= 2:
        out.append(f"{len(asking)} paragraphs that only ask a question sit inside a turn, another paragraph after "
                   f"them (first: {asking[0].turn_id}): if unlabelled paragraphs alternate speakers, label each "
                   "one ('Name: …')")
    timed = [t for t in spoken if t.start is not None]
    for a, b in zip(timed, timed[1:]):
        if b.start - a.start > LONG_TURN_SECONDS and len(a.text) > 4000:  # words for minutes, not a pause
            out.append(f"turn {a.turn_id} lasts {int(b.start - a.start) // 60} minutes")
            break
    return out
