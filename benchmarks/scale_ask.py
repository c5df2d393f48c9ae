"""A whole `ask` on a large synthetic corpus: every leg, fusion, the no-answer decision and the quote.

    python benchmarks/scale_ask.py                       # 100k and 1M turns
    python benchmarks/scale_ask.py --turns 100000 --questions 40

benchmarks/scale.py measures the parts (FAISS, BM25) alone; this measures what a
person waits for. The corpus is made from the real index: turn n is a copy of a
real interviewee turn (its text, tokens and unit layout), its vectors the real
unit's vector mixed with another real vector and noise, so that text and vectors
agree as they do in a real corpus; articles of 1,000 turns each. The index is the
one `qa index` would write at that size (store.make_faiss), held in memory. The
questions are the evaluation set's (Chinese and English), asked with the real
model; the figure is the whole `Assistant.ask` call, beside the query encoding
alone.

Prints p50/p95 per size beside the targets (30 ms at 100k turns, 100 ms
at 1M) and writes benchmarks/results/scale_ask.json.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.config import Settings  # noqa: E402
from qa.evaluate import load_questions  # noqa: E402
from qa.text import BM25, bigrams, tokenize  # noqa: E402
from qa.store import Index, load, make_faiss  # noqa: E402

TARGET_MS = {100_000: 30.0, 1_000_000: 100.0}


def synthetic_index(real: Index, n_turns: int, rng: np.random.Generator, scratch: Path) -> Index:
    """An in-memory index of `n_turns` turns shaped like `real` (see the module docstring)."""
    has_units = np.diff(real.turn_units) > 0
    source = np.flatnonzero(has_units & np.array([t.is_interviewee for t in real.turns]))
    pick = source[rng.integers(0, len(source), n_turns)]
    # Over an index of two languages, the turns by their article's language, so that each synthetic article
    # (of 1,000 turns) is in one language, as its source turns are (a stable sort: one language, no change)
    language = np.array([real.articles[real.turns[t].article_id].language for t in pick])
    pick = pick[np.argsort(language, kind="stable")]
    per_article = 1000
    articles, turns = {}, []
    for i, t in enumerate(pick):
        art = f"synthetic-{i // per_article:05d}"
        if art not in articles:
            template = real.articles[real.turns[t].article_id]  # (its language; the rest is replaced)
            articles[art] = replace(template, article_id=art, title=f"Synthetic interview {i // per_article}",
                                    source=f"sources/{art}.md", date=f"20{10 + (i // per_article) % 15}-01-01")
        turns.append(replace(real.turns[t], turn_id=f"{art}#{i % per_article + 1}", article_id=art))
    counts = np.diff(real.turn_units)[pick]
    turn_units = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    rows = np.concatenate([np.arange(real.turn_units[t], real.turn_units[t + 1]) for t in pick])
    units = np.asarray(real.units[rows]).copy()
    units[:, 0] = np.repeat(np.arange(n_turns), counts)
    base = np.asarray(real.vectors, dtype=np.float32)
    # On disk and memory-mapped, as `qa index` keeps them (9M vectors at 1M turns are 14 GB)
    vectors = np.lib.format.open_memmap(scratch / "vectors.npy", mode="w+", dtype=np.float32,
                                        shape=(len(rows), base.shape[1]))
    for a in range(0, len(rows), 200_000):  # the real unit's vector, pulled toward another real one, plus noise
        r = rows[a:a + 200_000]
        w = rng.uniform(0.6, 1.0, (len(r), 1)).astype(np.float32)
        v = base[r] * w + base[rng.integers(0, len(base), len(r))] * (1 - w)
        v += rng.normal(0, 0.02, v.shape).astype(np.float32)
        vectors[a:a + len(r)] = v / np.linalg.norm(v, axis=1, keepdims=True)
    vectors.flush()
    english = bool(real.manifest.get("lexical", {}).get("english"))
    docs = {t: tokenize(real.turns[t].text + "\n" + (real.turns[t].question or ""), english) for t in set(pick)}
    pairs = {t: bigrams(real.turns[t].text + "\n" + (real.turns[t].question or "")) for t in set(pick)}
    lexical = copied_bm25(docs, pick)
    bigram = copied_bm25(pairs, pick)
    faiss_index, kind = make_faiss(vectors)
    manifest = {**real.manifest, "faiss": kind, "counts": {"articles": len(articles), "turns": n_turns,
                                                              "units": len(units)}}
    return Index(Path("synthetic"), manifest, articles, turns, units, vectors, real.background, faiss_index,
                 lexical, bigram, real.glossary, real.senses, turn_units)


def copied_bm25(documents: dict[int, list[str]], pick: np.ndarray) -> BM25:
    """BM25.build([documents[t] for t in pick]) without its per-document dictionaries (which need tens of GB
    at 1M documents): every document is a copy of one of a few hundred, so each term's postings are the
    copies of the documents that hold it. tests/test_lexical.py checks it equals BM25.build."""
    from collections import Counter

    from qa.text import B, K1

    n = len(pick)
    lengths = {t: len(d) for t, d in documents.items()}
    avgdl = float(np.mean([lengths[t] for t in pick])) if n else 1.0
    avgdl = avgdl or 1.0
    holders: dict[str, dict[int, int]] = {}
    for t, doc in documents.items():
        for tok, tf in Counter(doc).items():
            holders.setdefault(tok, {})[t] = tf
    vocab = {tok: j for j, tok in enumerate(sorted(holders))}
    order = np.argsort(pick, kind="stable")  # the copies of each source document, in document order
    sorted_pick = pick[order]
    indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
    docs_parts, weight_parts = [], []
    for tok, j in vocab.items():
        parts = []
        for t, tf in holders[tok].items():
            a, b = np.searchsorted(sorted_pick, t), np.searchsorted(sorted_pick, t, side="right")
            copies = order[a:b]
            parts.append((copies, np.float32(tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths[t] / avgdl)))))
        d = np.concatenate([c for c, _ in parts]) if parts else np.zeros(0, np.int64)
        w = np.concatenate([np.full(len(c), x, dtype=np.float32) for c, x in parts]) if parts else np.zeros(0, np.float32)
        by_doc = np.argsort(d, kind="stable")
        idf = np.log(1.0 + (n - len(d) + 0.5) / (len(d) + 0.5))
        docs_parts.append(d[by_doc].astype(np.int32))
        weight_parts.append((idf * w[by_doc]).astype(np.float32))
        indptr[j + 1] = indptr[j] + len(d)
    return BM25(vocab, indptr, np.concatenate(docs_parts), np.concatenate(weight_parts), n)


def dense_recall(assistant, embedder, questions: list[str]) -> float:
    """How many of the 10 turns exact search ranks first by their best dense score (windows, sentences, question
    + answer; every vector scanned) are among the 10 the product's dense leg ranks first."""
    from qa.chunk import QUESTION
    from qa.text import query_terms
    from qa.retrieve import signals

    idx = assistant.index
    pool = assistant.interviewee
    question_rows = np.asarray(idx.units[:, 1]) == QUESTION
    starts = idx.turn_units[:-1]
    hits = []
    for q in questions:
        qv = embedder.queries([q])[0].astype(np.float32)
        legs = signals.gather(assistant.corpus, qv, pool.copy(), query_terms(q, idx.glossary, idx.senses))
        cand, best = legs.cand, legs.best
        product = set(cand[np.argsort(-best, kind="stable")[:10]].tolist())
        cos = np.asarray(idx.vectors) @ qv
        cos[question_rows] = -np.inf
        per_turn = np.full(len(idx.turns), -np.inf, dtype=np.float32)
        has = pool & (np.diff(idx.turn_units) > 0)
        per_turn[has] = np.maximum.reduceat(cos, starts[has])[: has.sum()] if has.all() else \
            np.array([cos[idx.turn_units[t]:idx.turn_units[t + 1]].max() for t in np.flatnonzero(has)])
        exact = set(np.argsort(-per_turn, kind="stable")[:10].tolist())
        hits.append(len(product & exact) / 10)
    return float(statistics.mean(hits))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--turns", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--questions", type=int, default=60, help="evaluation questions asked per size")
    ap.add_argument("--index", default=str(ROOT / "index"))
    ap.add_argument("--scratch", default=None, help="folder for the synthetic vectors (default: the system's temp)")
    ap.add_argument("--json", default=str(ROOT / "benchmarks" / "results" / "scale_ask.json"))
    args = ap.parse_args(argv)

    from qa.embed import load_embedder
    from qa.retrieve import Assistant

    real = load(args.index)
    embedder = load_embedder(real.model)
    questions = [q["question"] for q in load_questions(ROOT / "benchmarks" / "eval_questions.jsonl")]
    questions = questions[:: max(1, len(questions) // args.questions)][: args.questions]
    embedder.queries(["预热"])
    enc = []
    for q in questions:
        t0 = time.perf_counter()
        embedder.queries([q])
        enc.append(1000 * (time.perf_counter() - t0))
    out = {"questions": len(questions), "encode_p50_ms": statistics.median(enc), "sizes": []}
    print(f"query encoding alone: p50 {out['encode_p50_ms']:.1f} ms", flush=True)
    for n in args.turns:
        t0 = time.perf_counter()
        scratch = Path(tempfile.mkdtemp(prefix="scale-ask-", dir=args.scratch))
        index = synthetic_index(real, n, np.random.default_rng(7), scratch)
        built = time.perf_counter() - t0
        assistant = Assistant(index, embedder, Settings())
        assistant.ask(questions[0])
        lat, answered = [], 0
        for q in questions:
            t0 = time.perf_counter()
            r = assistant.ask(q, k=5)
            lat.append(1000 * (time.perf_counter() - t0))
            answered += not r.no_answer
        row = {"turns": n, "units": len(index.units), "faiss": index.manifest["faiss"], "made_s": built,
               "ask_p50_ms": statistics.median(lat), "ask_p95_ms": sorted(lat)[int(0.95 * len(lat))],
               "answered": answered, "target_p50_ms": TARGET_MS.get(n),
               "dense_recall@10_vs_exact": dense_recall(assistant, embedder, questions[:30])}
        out["sizes"].append(row)
        target = f" (target <= {row['target_p50_ms']:.0f} ms)" if row["target_p50_ms"] else ""
        print(f"{n:>9,} turns, {len(index.units):>9,} vectors ({row['faiss']}): whole ask p50 "
              f"{row['ask_p50_ms']:.1f} ms{target}, p95 {row['ask_p95_ms']:.1f} ms; answered {answered}/"
              f"{len(questions)}; dense top-10 turns vs exact search over every vector: recall "
              f"{row['dense_recall@10_vs_exact']:.3f}; corpus made in {built:.0f} s", flush=True)
        del assistant, index
        shutil.rmtree(scratch, ignore_errors=True)
    Path(args.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
