"""Stage 4, index: the on-disk index: write a version, check it, load it (the build that feeds it: build.py).

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
      v-…/glossary_common.json  English word -> how many of those are among its common senses (the no-answer
                            bar's; an index written before it has none and reads every sense until rebuilt)
      v-…/senses_zh_en.json Chinese word -> English stems in this corpus (for English transcripts)

A build writes a new version folder, then points `current` at it with one
atomic rename, so a build that fails or is killed leaves the last good index
in place; readers resolve `current` once and keep reading the version they
opened. Vectors are reused by content hash, so a rebuild embeds only what
changed.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .text import BM25
from .types import Article, Turn

FORMAT_VERSION = 4  # 2: character-bigram BM25 added; 3: glossary; 4: languages, times, English stems
# Exact search (a flat inner-product scan) costs O(N) per query but needs no
# training and has perfect recall. benchmarks/scale.py measured 0.5 ms at 7k
# vectors and 10 ms at 70k on 2 cores: past ~100k it eats the latency budget.
# Larger indexes are an inverted file (IVF) of 4-bit product-quantised codes,
# two dimensions to a code, scanned with SIMD ("fast-scan": 96 bytes a vector
# instead of 1,536), whose first 2,048 hits are re-scored exactly on the
# stored float vectors (`Index.search`). Chosen by measurement (scale.py, 100k
# turns = 703k vectors, 2 cores, 256 of 1,024 lists probed): HNSW32 (before)
# recall@10 0.92 at 3.8 ms; IVF-SQ8 0.980 at 12.2 ms; IVF-Flat 0.990 at 16 ms
# (four times the memory of SQ8); IVF-PQ192x4fs 0.968 at 2.9 ms; PQ64 (8-bit)
# 0.970 at 10 ms; PQ96x4fs 0.86 (too coarse for re-scoring to recover).
HNSW_ABOVE = 100_000  # (the name predates IVF: above this many vectors, the approximate index)
HNSW_CANDIDATES = 512  # dense hits read per question from an approximate index
IVF_RESCORE = 2048  # first-pass hits re-scored exactly on the stored vectors
# Lists probed: 384, or an eighth of them when there are more. scale.py, 2 cores: 100k turns (IVF1024) 384 lists
# recall@10 0.984 in 3.8 ms (256: 0.968); 1M turns (7M vectors, IVF4096) 512 lists 0.976 in 9.3 ms (384: 0.968).
IVF_PROBES, IVF_PROBE_SHARE = 384, 8


def ivf_probes(nlist: int) -> int:
    """Lists an IVF index of `nlist` lists probes for each question (IVF_PROBES)."""
    return min(nlist, max(IVF_PROBES, nlist // IVF_PROBE_SHARE))


def ivf_lists(n: int) -> int:
    """Lists for `n` vectors: the power of two at or above sqrt(n) (1024 for 703k), as FAISS's guidance
    (4*sqrt(n) to 16*sqrt(n)) made each probe cost more for the same recall on scale.py's vectors."""
    return int(2 ** np.ceil(np.log2(max(1.0, np.sqrt(n)))))


HASHED_MAX_BYTES = 64 * 2**20  # checksum files up to this size on load; larger ones by size only


class IndexError_(Exception):
    """The index is missing, damaged or from another model; the message says what to run."""


class IndexMissing(IndexError_):
    """There is no index yet (as opposed to a damaged one)."""


class IndexOutdated(IndexError_):
    """The index was written by another version of qa (another format): rebuild it, nothing is damaged."""


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
    senses: dict[str, list[str]]  # Chinese word -> English stems of this corpus (empty without English turns)
    turn_units: np.ndarray  # (n_turns + 1,) offsets: units of turn t are rows [a[t], a[t+1])
    # English word -> how many of its glossary senses are common ones (text.common_senses); empty in an index
    # written before the file existed, which then reads every sense
    common: dict[str, int] = field(default_factory=dict)

    def search(self, qv: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The `k` units closest to the query vector: (cosines, unit rows), best first.

        An IVF index answers with quantised scores: its first IVF_RESCORE hits are re-scored exactly on
        the stored vectors, so the cosines are the true ones and the order the exact order among them.
        """
        q = np.ascontiguousarray(qv, dtype=np.float32).reshape(1, -1)
        if not self.approximate:
            D, I = self.faiss.search(q, k)
            keep = I[0] >= 0
            return D[0][keep], I[0][keep]
        _, I = self.faiss.search(q, max(k, IVF_RESCORE))
        rows = np.sort(I[0][I[0] >= 0])  # in file order: a memory-mapped read goes forward
        D = self.vectors[rows] @ q[0]
        best = np.argsort(-D, kind="stable")[:k]
        return D[best], rows[best]

    def score_every_unit(self, qv: np.ndarray) -> np.ndarray | None:
        """Every unit's cosine with the query vector, in unit order, from a flat index: FAISS's own inner-product
        kernel over the index's stored vectors, the very scores `search` would return, without ranking
        them (for an index so small that a search returns every unit anyway). None for any other index."""
        if self.manifest.get("faiss", "flat") != "flat" or not hasattr(self.faiss, "get_xb"):
            return None
        import faiss

        n, d = self.faiss.ntotal, self.faiss.d
        xb = faiss.rev_swig_ptr(self.faiss.get_xb(), n * d)
        q = np.ascontiguousarray(qv, dtype=np.float32)
        out = np.empty(n, dtype=np.float32)
        faiss.fvec_inner_products_ny(faiss.swig_ptr(out), faiss.swig_ptr(q), faiss.swig_ptr(xb), d, n)
        return out

    @property
    def approximate(self) -> bool:
        """An IVF index, whose hits `search` re-scores; False for flat (and for HNSW, written before IVF)."""
        return self.manifest.get("faiss", "flat").startswith("IVF")

    @property
    def background_languages(self) -> list[str]:
        return self.manifest["background"]["languages"]

    @property
    def model(self) -> str:
        return self.manifest["model"]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def current_dir(index_dir: Path) -> Path | None:
    """The version folder `index/current` points at, or None."""
    link = Path(index_dir) / "current"
    if not link.exists():
        return None
    return link.resolve()


def make_faiss(vectors: np.ndarray):
    """Exact inner product (vectors are normalised, so it is cosine) up to HNSW_ABOVE vectors; above, an
    IVF index of 4-bit product-quantised codes re-scored exactly at search time (see HNSW_ABOVE).
    Returns (index, its name)."""
    import faiss

    n, dim = vectors.shape
    if n <= HNSW_ABOVE:
        index, kind = faiss.IndexFlatIP(dim), "flat"
    else:
        nlist = ivf_lists(n)
        kind = f"IVF{nlist},PQ{dim // 2 if dim % 2 == 0 else dim}x4fs"  # 4-bit codes, 2 dimensions each
        index = faiss.index_factory(dim, kind, faiss.METRIC_INNER_PRODUCT)
        # k-means on 40 vectors a list (FAISS warns below 39), a fixed sample so a rebuild is reproducible
        sample = np.sort(np.random.default_rng(0).choice(n, min(n, 40 * nlist), replace=False))
        index.train(np.ascontiguousarray(vectors[sample], dtype=np.float32))
        index.nprobe = ivf_probes(nlist)  # (load() sets it again)
    for start in range(0, n, 200_000):  # in slices: a memory-mapped array is never copied whole
        index.add(np.ascontiguousarray(vectors[start:start + 200_000], dtype=np.float32))
    return index, kind


def unit_rows(units) -> np.ndarray:
    """Units as the index stores them: one (turn, kind, start, end) row each."""
    return np.array([(u.turn, u.kind, u.start, u.end) for u in units], dtype=np.int32).reshape(-1, 4)


def write_version(index_dir: Path, manifest: dict, articles, turns, rows: np.ndarray, keys, bg_keys, vectors,
                  background, faiss_index, lexical, bigram, glossary, senses, common=None) -> Path:
    """Write a new version folder beside the current one, then point `current` at it with one rename.

    Until the rename the old version is what every reader sees; a failure or a kill at any moment
    leaves it in place (the half-written folder is removed now or by the next build).
    """
    import faiss

    version = index_dir / f"v-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    d = version.with_name(version.name + ".tmp")
    d.mkdir(parents=True)
    try:
        (d / "articles.json").write_text(json.dumps([asdict(a) for a in articles], ensure_ascii=False, indent=1),
                                         encoding="utf-8")
        with open(d / "turns.jsonl", "w", encoding="utf-8") as f:
            for t in turns:
                f.write(json.dumps(asdict(t), ensure_ascii=False) + "\n")
        np.save(d / "units.npy", rows, allow_pickle=False)  # unit_rows
        (d / "unit_keys.json").write_text(json.dumps({"units": keys, "background": bg_keys}), encoding="utf-8")
        np.save(d / "vectors.npy", vectors, allow_pickle=False)
        np.save(d / "background.npy", background, allow_pickle=False)
        faiss.write_index(faiss_index, str(d / "vectors.faiss"))
        lexical.save(d)
        bigram.save(d, "bigram")
        for name, table in (("glossary.json", glossary), ("senses_zh_en.json", senses),
                            ("glossary_common.json", common or {})):
            (d / name).write_text(json.dumps(table, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        for p in d.iterdir():
            with open(p, "rb") as f:
                os.fsync(f.fileno())
        manifest = {**manifest, "files": {p.name: {"bytes": p.stat().st_size, **(
            {"sha256": _sha256(p)} if p.stat().st_size <= HASHED_MAX_BYTES else {})} for p in sorted(d.iterdir())}}
        (d / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        _fsync_dir(d)
        os.rename(d, version)
        _switch(index_dir, version)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    prune(index_dir, keep=version)
    return version


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
    current = index_dir / "current"
    if current.is_dir() and not current.is_symlink():
        # A copy made by a tool that follows links holds a real folder here: it becomes an old version, which
        # readers may still have open and prune() clears later.
        os.rename(current, index_dir / f"v-copied-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
    os.replace(tmp_link, current)
    _fsync_dir(index_dir)


def prune(index_dir: Path, keep: Path) -> None:
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


def _check_files(d: Path, manifest: dict) -> None:
    """Every file the manifest lists is there, of its size, and (up to HASHED_MAX_BYTES) its checksum."""
    for name, info in manifest.get("files", {}).items():
        p = d / name
        if not p.is_file():
            raise _damaged(d, f"{name} is missing")
        if p.stat().st_size != info.get("bytes"):
            raise _damaged(d, f"{name} has {p.stat().st_size} bytes, the manifest says {info.get('bytes')}")
        if "sha256" in info and _sha256(p) != info["sha256"]:
            raise _damaged(d, f"{name} does not match its checksum")


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
    _check_files(d, manifest)
    try:
        articles = {a["article_id"]: Article(**a) for a in json.loads((d / "articles.json").read_text("utf-8"))}
        with open(d / "turns.jsonl", encoding="utf-8") as f:
            turns = [Turn(**json.loads(line)) for line in f if line.strip()]
        # Memory-mapped, seen as plain arrays: np.memmap's own indexing costs microseconds a slice.
        units = np.asarray(np.load(d / "units.npy", mmap_mode="r", allow_pickle=False))
        vectors = np.asarray(np.load(d / "vectors.npy", mmap_mode="r", allow_pickle=False))
        background = np.load(d / "background.npy", allow_pickle=False)
        lexical = BM25.load(d, len(turns))
        bigram = BM25.load(d, len(turns), "bigram")
        glossary = json.loads((d / "glossary.json").read_text(encoding="utf-8"))
        senses = json.loads((d / "senses_zh_en.json").read_text(encoding="utf-8"))
        common_file = d / "glossary_common.json"
        common = json.loads(common_file.read_text(encoding="utf-8")) if common_file.is_file() else {}
        if not isinstance(glossary, dict) or not isinstance(senses, dict) or not isinstance(common, dict):
            raise ValueError("glossary.json, senses_zh_en.json or glossary_common.json is not a mapping")
        if len(manifest["background"]["languages"]) != len(background):
            raise ValueError("background passages and their languages differ in number")
        import faiss

        fidx = faiss.read_index(str(d / "vectors.faiss"))
        if manifest.get("faiss", "flat").startswith("hnsw"):  # written before IVF replaced HNSW
            fidx.hnsw.efSearch = HNSW_CANDIDATES  # must cover the candidates `ask` reads
        elif manifest.get("faiss", "flat").startswith("IVF"):
            fidx.nprobe = ivf_probes(faiss.extract_index_ivf(fidx).nlist)
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
                 senses, turn_units, common)


def stale_sources(index: Index, sources: str | Path) -> list[str]:
    """Source files added, removed or changed since the index was built, in the folder it was built from
    (`sources` for an index that does not record it, or whose folder is gone)."""
    built_from = Path(index.manifest.get("sources_dir") or sources)
    sources = built_from if built_from.is_dir() else Path(sources)
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
