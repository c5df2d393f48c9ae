"""Alignment of two versions of one conversation (qa/align.py), against gold written before any run.

    python benchmarks/align_eval.py [--split dev|dev2|test|test2|test3|test4|all] [--chance] [--json FILE]

Builds an index of `benchmarks/aligned_pairs/` (a spoken English original and a loose Chinese rendering of
each of two invented conversations; `gold.json` gives which turns and which sentences render which) and of
the other benchmark corpora and the two articles (the pairs that are not versions of one another), then:

- turn accuracy: of the turns the aligner sees (those with vectors) on both sides of a pair, the share whose
  counterpart set (the turns of the other version paired with it, or none) is exactly the gold one;
- sentence precision, recall and F1 over links (one sentence of each version), inside her answers, counting
  the sentences that have vectors (a sentence of under six characters, "人脸。", has none);
- the alignment's standing above chance (`Alignment.chance`) for each gold pair and for every pair of
  transcripts that are not versions of each other: what PROPOSE_Z is chosen from;
- the time an alignment takes.

Development used the `dev` pair (and english_corpus/renders.json's answers); `test` is the held-out pair.
"""
from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from qa.align import PROPOSE_ANCHORS, PROPOSE_Z, align  # noqa: E402
from qa.build import build  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.embed import load_embedder  # noqa: E402
from qa.store import load  # noqa: E402

PAIRS = HERE / "aligned_pairs"
OTHERS = [HERE / "english_corpus", *sorted(HERE.glob("other_interview*")), HERE.parent / "sources"]


def corpus(root: Path) -> Path:
    """A sources folder holding the pairs, the other benchmark transcripts and the two articles."""
    src = root / "sources"
    src.mkdir()
    catalog = []
    for folder in [PAIRS, *OTHERS]:
        for f in folder.iterdir():
            if f.name == "catalog.toml":
                catalog.append(f.read_text(encoding="utf-8"))
            elif f.suffix in (".md", ".txt", ".vtt", ".srt") and f.name.lower() != "readme.md":
                shutil.copy(f, src / f.name)
    (src / "catalog.toml").write_text("\n\n".join(catalog), encoding="utf-8")
    return src


def _turn(idx, article: str, prefix: str):
    found = [t for t in idx.turns if t.article_id == article and t.text.startswith(prefix)]
    if len(found) > 1:  # "In half." opens two turns: the one that is only that
        found = [t for t in found if t.text == prefix] or found
    if len(found) != 1:
        raise SystemExit(f"gold turn {prefix!r} of {article} matches {len(found)} turns")
    return found[0]


def _sentence(idx, turns, prefix: str, spans_of) -> tuple[str, int] | None:
    """(turn id, start) of the sentence unit opening with `prefix` in one of `turns`; None without a unit."""
    for t in turns:
        for s, e in spans_of.get(t.turn_id, []):
            if t.text[s:].startswith(prefix):
                return (t.turn_id, s)
    for t in turns:
        if prefix in t.text:
            return None  # the sentence exists but has no vector
    raise SystemExit(f"gold sentence {prefix!r} not found")


def score_pair(idx, gold: dict) -> dict:
    en_id, zh_id = gold["en"], gold["zh"]
    t0 = time.perf_counter()
    al = align(idx, en_id, zh_id)
    seconds = time.perf_counter() - t0
    with_vectors = {idx.turns[int(r[0])].turn_id for r in idx.units}
    # gold counterparts, both ways
    want: dict[str, set[str]] = {}
    for zh_prefix, en_prefixes in gold["turns"]:
        z = _turn(idx, zh_id, zh_prefix)
        ens = {_turn(idx, en_id, p).turn_id for p in en_prefixes}
        want[z.turn_id] = ens
        for e in ens:
            want.setdefault(e, set()).add(z.turn_id)
    for p in gold["english_unpaired"]:
        want[_turn(idx, en_id, p).turn_id] = set()
    got: dict[str, set[str]] = {}
    for pair in al.pairs:
        for tid in pair.a:
            got[tid] = set(pair.b)
        for tid in pair.b:
            got[tid] = set(pair.a)
    seen = [tid for tid in want if tid in with_vectors]
    right = [tid for tid in seen if got.get(tid, set()) == want[tid] & with_vectors]
    wrong = [{"turn": tid, "gold": sorted(want[tid] & with_vectors), "got": sorted(got.get(tid, set()))}
             for tid in seen if tid not in right]
    # sentence links inside her answers
    spans_of: dict[str, list[tuple[int, int]]] = {}
    for t, kind, s, e in idx.units:
        if kind in (0, 1):
            spans_of.setdefault(idx.turns[int(t)].turn_id, []).append((int(s), int(e)))
    for tid, spans in spans_of.items():  # a turn with sentence units: those; else its single window
        sentences = [sp for sp in spans if sp != (min(s for s, _ in spans), max(e for _, e in spans))] or spans
        spans_of[tid] = sentences if len(spans) > 1 else spans
    en_turns = [t for t in idx.turns if t.article_id == en_id and t.is_interviewee]
    zh_turns = [t for t in idx.turns if t.article_id == zh_id and t.is_interviewee]
    gold_links = set()
    for zh_prefix, en_prefixes in gold["sentences"]:
        z = _sentence(idx, zh_turns, zh_prefix, spans_of)
        for p in en_prefixes:
            e = _sentence(idx, en_turns, p, spans_of)
            if z and e:
                gold_links.add((e, z))
    answers = {t.turn_id for t in en_turns + zh_turns}
    links = set()
    for pair in al.pairs:
        for sp in pair.sentences:
            for (ta, sa, _), (tb, sb, _) in itertools.product(sp.a, sp.b):
                if ta in answers and tb in answers:
                    links.add(((ta, sa), (tb, sb)) if ta.startswith(en_id + "#") else ((tb, sb), (ta, sa)))
    hit = len(links & gold_links)
    precision = hit / len(links) if links else 0.0
    recall = hit / len(gold_links) if gold_links else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hit else 0.0
    return {"pair": f"{en_id} ~ {zh_id}", "split": gold["split"], "turns": len(seen),
            "turn_accuracy": round(len(right) / len(seen), 3), "sentence_links": len(gold_links),
            "sentence_precision": round(precision, 3), "sentence_recall": round(recall, 3),
            "sentence_f1": round(f1, 3), "chance": round(al.chance, 2), "seconds": round(seconds, 3),
            "wrong_turns": wrong}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", default="dev", choices=["dev", "dev2", "test", "test2", "test3", "test4", "all"])
    ap.add_argument("--json", help="write the report here")
    ap.add_argument("--chance", action="store_true", help="also align every pair that is not a version pair")
    args = ap.parse_args()
    gold = json.loads((PAIRS / "gold.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        src = corpus(Path(tmp))
        settings = Settings(sources=src, index=Path(tmp) / "index")
        build(settings, load_embedder(settings.model))
        idx = load(settings.index)
        report = {"pairs": [score_pair(idx, g) for g in gold["pairs"] if args.split in ("all", g["split"])]}
        if args.chance:
            versions = {frozenset((g["en"], g["zh"])) for g in gold["pairs"]}
            versions |= {frozenset(("dartmouth-en", "2024-06-21-dartmouth-conversation")),
                         frozenset(("fortune-en", "2023-10-14-fortune-interview"))}
            def judged(a: str, b: str) -> dict:
                al = align(idx, a, b)
                return {"chance": round(al.chance, 2), "anchors": round(al.anchors, 3),
                        "proposed": al.anchors >= PROPOSE_ANCHORS and al.chance >= PROPOSE_Z}

            report["not_versions"] = {f"{a} ~ {b}": judged(a, b) for a, b in
                                      itertools.combinations(sorted(idx.articles), 2)
                                      if frozenset((a, b)) not in versions}
            report["versions"] = {f"{sorted(v)[0]} ~ {sorted(v)[1]}": judged(*sorted(v)) for v in versions}
    for p in report["pairs"]:
        print(f"{p['split']:5} {p['pair']}: turns {p['turn_accuracy']:.3f} of {p['turns']}, sentences F1 "
              f"{p['sentence_f1']:.3f} (P {p['sentence_precision']:.3f} R {p['sentence_recall']:.3f} of "
              f"{p['sentence_links']} links), {p['chance']:.1f} sd above chance, {p['seconds']:.2f} s")
        for w in p["wrong_turns"]:
            print(f"      {w['turn']}: gold {w['gold']} got {w['got']}")
    if args.chance:
        for name, group in (("versions", report["versions"]), ("not versions", report["not_versions"])):
            proposed = sum(v["proposed"] for v in group.values())
            print(f"{name} ({len(group)}): {proposed} proposed; highest anchors "
                  f"{max(v['anchors'] for v in group.values()):.2f}, lowest {min(v['anchors'] for v in group.values()):.2f}"
                  f"; chance from {min(v['chance'] for v in group.values()):.1f} to "
                  f"{max(v['chance'] for v in group.values()):.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
