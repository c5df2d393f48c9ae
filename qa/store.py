"""Stage 4, index: build the on-disk index from the sources, and load it.

Layout (a folder of plain files, no pickle)::

    index/
      current -> v-20261123-181500-1234/   # a symlink, swapped atomically
      v-…/manifest.json     format version, model, dimension, settings, source hashes, file checksums
      v-…/articles.json     the articles (citations)
      v-…/turns.jsonl       every turn, verbatim, in order
      v-…/units.npy         int32 rows (turn, kind, start, end): what each vector is
      v-…/unit_keys.json    content hash of each embedded text (the embedding cache)
      v-…/vectors.npy       float32, L2-normalised, one row per unit
      v-…/background.npy    vectors of off-topic passages (the no-answer bar)
      v-…/vectors.faiss     the FAISS index over vectors.npy
      v-…/lexical_*         BM25 over jieba tokens
      v-…/bigram_*          BM25 over character bigrams
      v-…/glossary.json     English word -> Chinese dictionary senses that occur in this corpus

A build writes a new version folder, then points `current` at it with one
atomic rename, so a build that fails or is killed leaves the last good index
in place; readers resolve `current` once and keep reading the version they
opened. Vectors are reused by content hash, so a rebuild embeds only what
changed.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import __version__
from .chunk import QUERY_FORM, Unit, units_for
from .config import Settings
from .lexical import BM25, bigrams, build_glossary, dictionary_file, tokenize
from .parse import SourceError, is_chinese, load_sources
from .progress import Progress, silent
from .types import Article, Turn

FORMAT_VERSION = 3  # 2: character-bigram BM25 added; 3: glossary
BACKGROUND = Path(__file__).with_name("background_passages.txt")
# Exact search (a flat inner-product scan) costs O(N) per query but needs no
# training and has perfect recall. benchmarks/scale.py measured 0.8 ms at 7k
# vectors and 11 ms at 73k on 2 cores: past ~100k it eats the latency budget,
# so larger indexes use HNSW (M=32), ~3 ms at 73k with recall@10 of 0.98.
HNSW_ABOVE = 100_000
HNSW_CANDIDATES = 512  # dense hits read per question from an HNSW index
HASHED_MAX_BYTES = 64 * 2**20  # checksum files up to this size on load; larger ones by size only


class IndexError_(Exception):
    """The index is missing, damaged or from another model; the message says what to run."""


class IndexMissing(IndexError_):
    """There is no index yet (as opposed to a damaged one)."""


class IndexOutdated(IndexError_):
    """The index was written by another version of qa (another format): rebuild it, nothing is damaged."""


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


@dataclass
class Index:
    """A loaded index version."""

    directory: Path
    manifest: dict
    articles: dict[str, Article]
    turns: list[Turn]
    units: np.ndarray  # (n, 4) int32: turn, kind, start, end
    vectors: np.ndarray  # (n, dim) float32
    background: np.ndarray
    faiss: object
    lexical: BM25
    bigram: BM25
    glossary: dict[str, list[str]]
    turn_units: np.ndarray  # (n_turns + 1,) offsets: units of turn t are rows [a[t], a[t+1])

    @property
    def model(self) -> str:
        return self.manifest["model"]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def unit_key(unit_text: str, query_form: bool) -> str:
    """The cache key of an embedded text: its form and its content."""
    return hashlib.sha1(("Q" if query_form else "P").encode() + b"\0" + unit_text.encode("utf-8")).hexdigest()


def background_passages(chinese: bool | None = None) -> list[str]:
    """The off-topic passages; with `chinese`, only those in that language (the corpus's)."""
    lines = BACKGROUND.read_text(encoding="utf-8").splitlines()
    texts = [l.strip() for l in lines if l.strip() and not l.startswith("#")]
    return texts if chinese is None else [t for t in texts if is_chinese(t) == chinese]


def current_dir(index_dir: Path) -> Path | None:
    """The version folder `index/current` points at, or None."""
    link = Path(index_dir) / "current"
    if not link.exists():
        return None
    return link.resolve()


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
        parsed, errors = load_sources(settings.sources, settings.interviewee)
        if not parsed:
            reasons = "; ".join(str(e) for e in errors) or "no .md or .txt files"
            raise BuildError(f"nothing to index in {settings.sources}: {reasons}")
        articles = [a for a, _ in parsed]
        turns = [t for _, ts in parsed for t in ts]
        units: list[Unit] = []
        turn_units = np.zeros(len(turns) + 1, dtype=np.int64)
        for i, turn in enumerate(turns):
            units.extend(units_for(i, turn, settings.window_chars))
            turn_units[i + 1] = len(units)
        if not units:
            raise BuildError(f"no answer turns with text in {settings.sources}")
        # The no-answer bar: off-topic passages in the transcripts' language, so that a question meets
        # the same cross-lingual penalty on both sides of the comparison (see retrieve.MIN_MARGIN).
        chinese = is_chinese("".join(t.text for t in turns if t.is_interviewee))
        bg_texts = background_passages(chinese) or background_passages()
        keys = [unit_key(u.text, u.kind in QUERY_FORM) for u in units]
        bg_keys = [unit_key(t, False) for t in bg_texts]

        fingerprint = _fingerprint(settings, embedder.name, articles)
        current = None if full else _loadable(index_dir)
        if current is not None and _same_build(current, fingerprint, errors):
            _prune(index_dir, keep=current.directory)  # still clear what killed builds left behind
            return BuildReport(current.directory, len(articles), len(turns), len(units), 0,
                               len(set(keys) | set(bg_keys)), time.perf_counter() - t0, errors, "unchanged")
        cache = _cache_of(current, embedder.name) if current is not None else {}
        todo: dict[str, tuple[str, bool]] = {}
        for u, key in zip(units, keys):
            if key not in cache:
                todo.setdefault(key, (u.text, u.kind in QUERY_FORM))
        for text, key in zip(bg_texts, bg_keys):
            if key not in cache:
                todo.setdefault(key, (text, False))
        embedded = _embed_missing(embedder, todo, cache, settings.batch_size, progress)

        vectors = np.stack([cache[k] for k in keys]).astype(np.float32)
        background = np.stack([cache[k] for k in bg_keys]).astype(np.float32)
        documents = [tokenize(t.text + "\n" + (t.question or "")) if turn_units[i + 1] > turn_units[i] else []
                     for i, t in enumerate(turns)]
        lexical = BM25.build(documents)
        bigram = BM25.build([bigrams(t.text + "\n" + (t.question or "")) if doc else []
                             for t, doc in zip(turns, documents)])
        glossary = build_glossary(lexical, bigram)
        faiss_index, faiss_type = make_faiss(vectors)

        version = index_dir / f"v-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
        tmp = version.with_name(version.name + ".tmp")
        tmp.mkdir(parents=True)
        try:
            _write(tmp, articles, turns, units, keys, bg_keys, vectors, background, faiss_index, lexical, bigram,
                   glossary)
            manifest = {
                "format_version": FORMAT_VERSION,
                "qa_version": __version__,
                "fingerprint": fingerprint,
                "model": embedder.name,
                "dim": int(vectors.shape[1]),
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "settings": {"window_chars": settings.window_chars, "interviewee": settings.interviewee},
                "faiss": faiss_type,
                "background": {"passages": len(bg_texts), "language": "zh" if chinese else "other"},
                "counts": {"articles": len(articles), "turns": len(turns), "units": len(units)},
                "sources": {a.source: a.sha256 for a in articles},
                "skipped": [{"source": e.path, "reason": e.reason} for e in errors],
                "files": {p.name: {"bytes": p.stat().st_size,
                                   **({"sha256": _sha256(p)} if p.stat().st_size <= HASHED_MAX_BYTES else {})}
                          for p in sorted(tmp.iterdir())},
            }
            (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
            _fsync_dir(tmp)
            os.rename(tmp, version)
            _switch(index_dir, version)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        _prune(index_dir, keep=version)
        return BuildReport(version, len(articles), len(turns), len(units), embedded,
                           len(set(keys) | set(bg_keys)) - embedded, time.perf_counter() - t0, errors, faiss_type)


def _fingerprint(settings: Settings, model: str, articles: list[Article]) -> str:
    """Everything a build's output depends on: format, model, settings, source bytes, and the code and
    data that turn sources into an index (so changing how turns are parsed or chunked rebuilds it)."""
    from . import chunk, lexical, parse

    h = hashlib.sha256(json.dumps([FORMAT_VERSION, __version__, model, settings.window_chars, settings.interviewee,
                                   sorted((a.source, a.sha256) for a in articles)]).encode())
    for path in (BACKGROUND, lexical.LEXICON, Path(chunk.__file__), Path(lexical.__file__), Path(parse.__file__),
                 Path(__file__), dictionary_file()):
        h.update(path.read_bytes() if path is not None else b"no dictionary")
    return h.hexdigest()


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


def make_faiss(vectors: np.ndarray):
    """Exact inner product (vectors are normalised, so it is cosine) below HNSW_ABOVE; HNSW above."""
    import faiss

    n, dim = vectors.shape
    if n <= HNSW_ABOVE:
        index = faiss.IndexFlatIP(dim)
        kind = "flat"
    else:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        kind = "hnsw32"
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index, kind


def _write(d: Path, articles, turns, units, keys, bg_keys, vectors, background, faiss_index, lexical,
           bigram, glossary) -> None:
    import faiss

    (d / "articles.json").write_text(json.dumps([asdict(a) for a in articles], ensure_ascii=False, indent=1),
                                     encoding="utf-8")
    with open(d / "turns.jsonl", "w", encoding="utf-8") as f:
        for t in turns:
            f.write(json.dumps(asdict(t), ensure_ascii=False) + "\n")
    rows = np.array([(u.turn, u.kind, u.start, u.end) for u in units], dtype=np.int32).reshape(-1, 4)
    np.save(d / "units.npy", rows, allow_pickle=False)
    (d / "unit_keys.json").write_text(json.dumps({"units": keys, "background": bg_keys}), encoding="utf-8")
    np.save(d / "vectors.npy", vectors, allow_pickle=False)
    np.save(d / "background.npy", background, allow_pickle=False)
    faiss.write_index(faiss_index, str(d / "vectors.faiss"))
    lexical.save(d)
    bigram.save(d, "bigram")
    (d / "glossary.json").write_text(json.dumps(glossary, ensure_ascii=False, separators=(",", ":")),
                                     encoding="utf-8")
    for p in d.iterdir():
        with open(p, "rb") as f:
            os.fsync(f.fileno())


def _fsync_dir(d: Path) -> None:
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _switch(index_dir: Path, version: Path) -> None:
    """Point index/current at `version` with one atomic rename of a symlink."""
    tmp_link = index_dir / f"current.{os.getpid()}.tmp"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(version.name, tmp_link)
    os.replace(tmp_link, index_dir / "current")
    _fsync_dir(index_dir)


def _prune(index_dir: Path, keep: Path) -> None:
    """Remove old versions and leftovers of killed builds; keep the newest previous version for open readers."""
    versions = sorted((p for p in index_dir.glob("v-*") if p.is_dir() and p != keep and not p.name.endswith(".tmp")),
                      key=lambda p: p.stat().st_mtime)
    for p in versions[:-1]:
        shutil.rmtree(p, ignore_errors=True)
    for p in index_dir.glob("v-*.tmp"):
        shutil.rmtree(p, ignore_errors=True)
    for p in index_dir.glob("current.*.tmp"):
        p.unlink(missing_ok=True)


def _damaged(directory: Path, reason: str) -> IndexError_:
    return IndexError_(f"the index in {directory} is damaged ({reason}); run 'qa index --full' to rebuild it")


def load(index_dir: str | Path, model: str | None = None) -> Index:
    """Load the current index version; raises IndexError_ with what to run when it cannot be used."""
    index_dir = Path(index_dir)
    d = current_dir(index_dir)
    if d is None or not d.is_dir():
        raise IndexMissing(f"no index in {index_dir}; run 'qa index' to build it")
    try:
        manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise _damaged(d, f"manifest.json unreadable: {e}") from None
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        found = manifest.get("format_version") if isinstance(manifest, dict) else None
        raise IndexOutdated(f"the index in {d} has format version {found}, this qa reads {FORMAT_VERSION}; "
                            "run 'qa index' to rebuild it")
    if model is not None and manifest.get("model") != model:
        raise IndexError_(f"the index in {d} was built with model {manifest.get('model')!r}, not {model!r}; "
                          "run 'qa index --full' to rebuild it with this model")
    for name, info in manifest.get("files", {}).items():
        p = d / name
        if not p.is_file():
            raise _damaged(d, f"{name} is missing")
        if p.stat().st_size != info.get("bytes"):
            raise _damaged(d, f"{name} has {p.stat().st_size} bytes, the manifest says {info.get('bytes')}")
        if "sha256" in info and _sha256(p) != info["sha256"]:
            raise _damaged(d, f"{name} does not match its checksum")
    try:
        articles = {a["article_id"]: Article(**a) for a in json.loads((d / "articles.json").read_text("utf-8"))}
        with open(d / "turns.jsonl", encoding="utf-8") as f:
            turns = [Turn(**json.loads(line)) for line in f if line.strip()]
        units = np.load(d / "units.npy", mmap_mode="r", allow_pickle=False)
        vectors = np.load(d / "vectors.npy", mmap_mode="r", allow_pickle=False)
        background = np.load(d / "background.npy", allow_pickle=False)
        lexical = BM25.load(d, len(turns))
        bigram = BM25.load(d, len(turns), "bigram")
        glossary = json.loads((d / "glossary.json").read_text(encoding="utf-8"))
        if not isinstance(glossary, dict):
            raise ValueError("glossary.json is not a mapping")
        import faiss

        fidx = faiss.read_index(str(d / "vectors.faiss"))
        if manifest.get("faiss", "flat") != "flat":
            fidx.hnsw.efSearch = HNSW_CANDIDATES  # must cover the candidates `ask` reads
    except Exception as e:  # any unreadable file is the same problem for the user
        raise _damaged(d, f"{type(e).__name__}: {e}") from None
    n = len(units)
    if (units.ndim != 2 or units.shape[1] != 4 or vectors.shape != (n, manifest.get("dim"))
            or fidx.ntotal != n or background.ndim != 2 or background.shape[1] != vectors.shape[1]):
        raise _damaged(d, "array shapes do not agree with each other")
    if n and (int(units[:, 0].max()) >= len(turns) or int(units[:, 0].min()) < 0):
        raise _damaged(d, "units point past the last turn")
    turn_units = np.searchsorted(np.asarray(units[:, 0]), np.arange(len(turns) + 1), side="left")
    return Index(d, manifest, articles, turns, units, vectors, background, fidx, lexical, bigram, glossary,
                 turn_units)


def stale_sources(index: Index, sources: str | Path) -> list[str]:
    """Source files added, removed or changed since the index was built."""
    sources = Path(sources)
    if not sources.is_dir():
        return []
    from .parse import source_files

    now = {}
    for p in source_files(sources):
        try:
            now[f"{sources.name}/{p.name}"] = _sha256(p)
        except OSError:  # vanished since it was listed
            continue
    built = {k: v for k, v in index.manifest.get("sources", {}).items()}
    skipped = {s["source"] for s in index.manifest.get("skipped", [])}
    changed = [k for k in now if built.get(k) != now[k] and k not in skipped]
    removed = [k for k in built if k not in now]
    return sorted(changed + removed)
