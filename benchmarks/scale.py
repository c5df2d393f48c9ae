"""How the index side grows with the corpus, and what embedding really costs.

    python benchmarks/scale.py                  # all sizes (1M takes a while: HNSW build)
    python benchmarks/scale.py --sizes 1000 10000 --embed 200

1. Embedding throughput of the real model on turns made from the real
   sentences (several sentences each, as in the transcripts), batched as
   `qa index` does; from it, the projected embedding time per corpus size.
2. At 1k, 10k, 100k and 1M turns (with the real ratio of vectors per turn,
   capped by --max-vectors), synthetic vectors shaped like the real ones
   (mixtures of real vectors plus noise, normalised): exact search (a flat
   scan) against the index `qa index` builds at that size (store.make_faiss,
   searched by store.Index.search: above 100k vectors IVF with 4-bit
   fast-scan PQ codes, re-scored on the stored vectors), its build time, memory, search latency for the
   candidate count `ask` reads, and its recall@10 against exact search, also
   at other probe counts; the BM25 leg (build, query, size) on documents of
   real tokens.

Writes benchmarks/results/scale.json and benchmarks/results/scale.png.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.chunk import WINDOW, sentence_spans, units_for  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.text import BM25, tokenize  # noqa: E402
from qa.parse import load_sources  # noqa: E402
from qa.retrieve import CANDIDATE_UNITS  # noqa: E402
from qa.store import HNSW_ABOVE, HNSW_CANDIDATES as CANDIDATE_UNITS_AT_SCALE  # noqa: E402


def real_material():
    parsed = load_sources(ROOT / "sources").parsed
    turns = [t for _, ts in parsed for t in ts if t.is_interviewee]
    sentences = [t.text[a:b] for t in turns for a, b in sentence_spans(t.text) if b - a >= 6]
    units = [u for i, t in enumerate(turns) for u in units_for(i, t, Settings().window_chars)]
    windows = sum(u.kind == WINDOW for u in units)
    return turns, sentences, len(units) / len(turns), windows / len(turns)


def embedding_throughput(sentences: list[str], n_turns: int, rng: random.Random) -> dict:
    from qa.embed import load_embedder

    emb = load_embedder()
    turns = ["".join(rng.sample(sentences, rng.randint(2, 6))) for _ in range(n_turns)]
    emb.passages(turns[:4])
    t0 = time.perf_counter()
    for i in range(0, len(turns), 32):
        emb.passages(turns[i:i + 32])
    t_turns = time.perf_counter() - t0
    sents = rng.sample(sentences, min(len(sentences), n_turns))
    t0 = time.perf_counter()
    for i in range(0, len(sents), 32):
        emb.passages(sents[i:i + 32])
    t_sents = time.perf_counter() - t0
    return {"turn_texts": len(turns), "turn_texts_per_s": len(turns) / t_turns,
            "mean_turn_chars": statistics.mean(map(len, turns)),
            "sentences": len(sents), "sentences_per_s": len(sents) / t_sents}


def synthetic_vectors(base: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        i, j = rng.integers(0, len(base), m), rng.integers(0, len(base), m)
        w = rng.random((m, 1), dtype=np.float32)
        v = base[i] * w + base[j] * (1 - w) + rng.normal(0, 0.03, (m, base.shape[1])).astype(np.float32)
        out[start:start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def exact_at(vectors: np.ndarray, queries: np.ndarray, k: int) -> dict:
    """Exact search, a flat scan of the array itself (faiss.knn: no copy into an index)."""
    import faiss

    lat, ids = [], []
    for q in queries:
        t0 = time.perf_counter()
        _, I = faiss.knn(q.reshape(1, -1), vectors, min(k, len(vectors)), metric=faiss.METRIC_INNER_PRODUCT)
        lat.append(1000 * (time.perf_counter() - t0))
        ids.append(I[0])
    return {"search_p50_ms": statistics.median(lat), "search_p95_ms": sorted(lat)[int(.95 * len(lat))],
            "bytes": int(vectors.nbytes), "k": k, "ids": ids}


def product_index_at(vectors: np.ndarray, queries: np.ndarray, exact_ids, probes=()) -> dict:
    """The index `qa index` writes for this many vectors, searched as `ask` searches it."""
    import faiss

    from qa.store import Index, make_faiss

    t0 = time.perf_counter()
    index, kind = make_faiss(vectors)
    build = time.perf_counter() - t0
    shim = Index(None, {"faiss": kind}, {}, [], None, vectors, None, index, None, None, {}, {}, None)
    k = CANDIDATE_UNITS if kind == "flat" else CANDIDATE_UNITS_AT_SCALE

    def run() -> tuple[list, list]:
        lat, ids = [], []
        for q in queries:
            t0 = time.perf_counter()
            _, I = shim.search(q, k)
            lat.append(1000 * (time.perf_counter() - t0))
            ids.append(I)
        return lat, ids

    lat, ids = run()
    out = {"index": kind, "build_s": build, "search_p50_ms": statistics.median(lat),
           "search_p95_ms": sorted(lat)[int(.95 * len(lat))], "bytes": int(faiss.serialize_index(index).nbytes),
           "k": k, "recall@10_vs_exact": recall_at(exact_ids, ids)}
    if kind.startswith("IVF"):
        out["nprobe"] = index.nprobe
        out["other_probes"] = {}
        for nprobe in probes:
            index.nprobe = nprobe
            lat, ids = run()
            out["other_probes"][nprobe] = {"search_p50_ms": statistics.median(lat),
                                           "recall@10_vs_exact": recall_at(exact_ids, ids)}
    return out



def recall_at(exact_ids, approx_ids, k: int = 10) -> float:
    return statistics.mean(len(set(e[:k]) & set(a[:k])) / k for e, a in zip(exact_ids, approx_ids))


def bm25_at(n_docs: int, docs_tokens: list[list[str]], queries: list[list[str]], rng: random.Random) -> dict:
    docs = [docs_tokens[rng.randrange(len(docs_tokens))] for _ in range(n_docs)]
    t0 = time.perf_counter()
    bm = BM25.build(docs)
    build = time.perf_counter() - t0
    lat = []
    for q in queries:
        t0 = time.perf_counter()
        bm.scores(q)
        lat.append(1000 * (time.perf_counter() - t0))
    size = bm.indptr.nbytes + bm.docs.nbytes + bm.weights.nbytes
    return {"build_s": build, "query_p50_ms": statistics.median(lat), "bytes": int(size)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000, 1_000_000], help="turns")
    ap.add_argument("--embed", type=int, default=1000, help="turn texts to embed for the throughput figure")
    ap.add_argument("--max-vectors", type=int, default=8_000_000, help="cap on vectors per size (memory, time)")
    ap.add_argument("--probes", type=int, nargs="*", default=[64, 128, 512], help="other IVF probe counts to measure")
    ap.add_argument("--bm25-max", type=int, default=1_000_000, help="largest BM25 corpus to build")
    ap.add_argument("--replot", action="store_true", help="redo projections and plot from scale.json")
    args = ap.parse_args(argv)
    rng, nrng = random.Random(7), np.random.default_rng(7)
    turns, sentences, units_per_turn, windows_per_turn = real_material()
    if args.replot:
        out = json.loads((ROOT / "benchmarks" / "results" / "scale.json").read_text())
        project(out, windows_per_turn)
        (ROOT / "benchmarks" / "results" / "scale.json").write_text(json.dumps(out, indent=1))
        plot(out, ROOT / "benchmarks" / "results" / "scale.png")
        return 0
    out = {"units_per_turn": units_per_turn, "windows_per_turn": windows_per_turn, "hnsw_above": HNSW_ABOVE}
    if args.embed:
        out["embedding"] = embedding_throughput(sentences, args.embed, rng)
        out["embedding"]["measured"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        print("embedding", json.dumps(out["embedding"]), flush=True)
    index_path = ROOT / "index"
    from qa.store import load

    idx = load(index_path)
    base = np.asarray(idx.vectors, dtype=np.float32)
    queries = synthetic_vectors(base, 50, nrng)
    docs_tokens = [tokenize(s) for s in sentences]
    doc_pool = [sum((docs_tokens[rng.randrange(len(docs_tokens))] for _ in range(4)), []) for _ in range(5000)]
    q_tokens = [tokenize(s)[:6] for s in rng.sample(sentences, 50)]
    rows = []
    for n_turns in args.sizes:
        n_vec = min(int(n_turns * units_per_turn), args.max_vectors)
        vecs = synthetic_vectors(base, n_vec, nrng)
        row = {"turns": n_turns, "vectors": n_vec, "vector_bytes": int(vecs.nbytes)}
        flat = exact_at(vecs, queries, CANDIDATE_UNITS if n_vec <= HNSW_ABOVE else CANDIDATE_UNITS_AT_SCALE)
        row["flat"] = {k: v for k, v in flat.items() if k != "ids"}
        if n_vec > HNSW_ABOVE:
            row["index"] = product_index_at(vecs, queries, flat["ids"], args.probes)
            print(json.dumps(row["index"]), flush=True)
        if n_turns <= args.bm25_max:
            row["bm25"] = bm25_at(n_turns, doc_pool, q_tokens, rng)
        rows.append(row)
        print(json.dumps(row), flush=True)
        del vecs
    # Sizes not measured this run keep their last figures (so a quiet rerun of the small sizes, or of the
    # embedding rate, does not cost the 1M-turn row); the merged file says which run each row came from.
    path = ROOT / "benchmarks" / "results" / "scale.json"
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for row in rows:
        row["measured"] = stamp
    if path.is_file():
        old = json.loads(path.read_text())
        measured = {r["turns"] for r in rows}
        rows = sorted(rows + [r for r in old.get("sizes", []) if r["turns"] not in measured], key=lambda r: r["turns"])
        if "embedding" not in out and "embedding" in old:
            out["embedding"] = old["embedding"]
    out["sizes"] = rows
    project(out, windows_per_turn)
    (ROOT / "benchmarks" / "results" / "scale.json").write_text(json.dumps(out, indent=1))
    plot(out, ROOT / "benchmarks" / "results" / "scale.png")
    return 0


def project(out: dict, windows_per_turn: float) -> None:
    """Projected embedding time: windows at the turn-text rate, the other (sentence-sized) units at the sentence rate."""
    emb = out.get("embedding")
    if not emb:
        return
    per_turn = (windows_per_turn / emb["turn_texts_per_s"]
                + (out["units_per_turn"] - windows_per_turn) / emb["sentences_per_s"])
    out["embed_seconds_per_turn"] = per_turn
    for row in out["sizes"]:
        row["projected_embed_hours"] = row["turns"] * per_turn / 3600


def plot(out: dict, path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed (pip install -e '.[bench]'); no plot", file=sys.stderr)
        return
    rows = out["sizes"]
    x = [r["turns"] for r in rows]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.2))
    a1.plot(x, [r["flat"]["search_p50_ms"] for r in rows], "o-", label="FAISS flat (exact) search")
    hx = [r["turns"] for r in rows if "index" in r]
    kind = next((r["index"]["index"].split(",")[-1] for r in rows if "index" in r), "")
    a1.plot(hx, [r["index"]["search_p50_ms"] for r in rows if "index" in r], "s-",
            label=f"IVF-{kind}, re-scored (the index qa builds)")
    bx = [r["turns"] for r in rows if "bm25" in r]
    a1.plot(bx, [r["bm25"]["query_p50_ms"] for r in rows if "bm25" in r], "^-", label="BM25 leg")
    a1.set_xscale("log"), a1.set_yscale("log"), a1.set_xlabel("turns"), a1.set_ylabel("ms per query (p50)")
    a1.set_title("Query cost of the index side"), a1.grid(True, which="both", alpha=.3), a1.legend(fontsize=8)
    a2.plot(hx, [r["index"]["build_s"] for r in rows if "index" in r], "s-", label=f"IVF-{kind} build")
    if all("projected_embed_hours" in r for r in rows):
        a2.plot(x, [3600 * r["projected_embed_hours"] for r in rows], "d--", label="embedding (projected)")
    a2.set_xscale("log"), a2.set_yscale("log"), a2.set_xlabel("turns"), a2.set_ylabel("seconds")
    a2.set_title("Build time"), a2.grid(True, which="both", alpha=.3), a2.legend(fontsize=8)
    capped = [r for r in rows if r["vectors"] < r["turns"] * out["units_per_turn"] * 0.99]
    note = f"; the {capped[0]['turns']:,}-turn point is capped at {capped[0]['vectors']:,} vectors" if capped else ""
    fig.suptitle(f"Murati QA scaling: {out['units_per_turn']:.1f} vectors per turn, 2-core CPU{note}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    sys.exit(main())
