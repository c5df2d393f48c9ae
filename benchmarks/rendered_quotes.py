"""Her spoken English words, pasted as the press prints them, against a loose Chinese rendering of them.

    python benchmarks/rendered_quotes.py [--split dev|test|test2|test3|test4|all] [--press] [--json FILE] [--misses]

The corpus is the two articles and the Chinese renderings of `aligned_pairs/` (not their English originals,
which would match trivially). The quotes are the English originals' own sentences, taken from the gold
alignment (`aligned_pairs/gold.json`, written before any run): each sentence link inside an answer gives a
quote (the English sentences of the link, verbatim, fillers and all) whose answer is the Chinese turn holding
the rendering (five words at least); each English answer with a rendering gives one more, its opening two sentences, a longer quote
spanning clauses the rendering condensed (answered by any Chinese turn that renders that answer). Splits follow the pairs': quist and castellanos (dev, seen during
development), ferrand (test), vass (test2, written after the code was final), halvorsen (test3, the loosest rendering,
written before the clause-level quote ranking was changed and run once on each code), valderrama (test4, a podcast
whose rendering renders idioms freely and joins two answers, written before the cross-language hubness correction
and run once on each code). A refused quote is a miss.

With --press each quote is pasted as a newspaper prints it: in quotation marks with who said it before, between
or after (`PRESS_FRAMES`, one after another), after the speaker's name and a colon, or reported with the
attribution last. The frames were written before any run; --split dev is the development split, the others were
run once on the code before the press reader and once after it.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from qa.chunk import sentence_spans  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.parse import parse_file  # noqa: E402
from qa.parse.catalog import read_catalog  # noqa: E402
from qa.retrieve import Assistant  # noqa: E402

PAIRS = HERE / "aligned_pairs"
MIN_WORDS = 5  # a quote the press prints says something: "Faces." or "Longer range." alone is not one
# How newspapers and posts print a quote: {q} the quote, {q0} without its last full stop, {a} and {b} its two
# halves (at a sentence or, failing one, at the comma nearest the middle), {name} the speaker's surname, {full}
# the full name, {NAME} the surname in capitals (a transcript's speaker label)
PRESS_FRAMES = (
    "“{q0},” {name} said.",
    "{name} said: “{q}”",
    "“{a},” {name} said. “{b}”",
    "{full}: “{q}”",
    "{q0}, {name} said.",
    "Asked about it, {name} replied: “{q}”",
    "“{q0},” {name} told the audience.",
    "→ “{q}”",
    "{NAME}: {q}",
    "“{q}” — {full}",
)


def press(quote: str, full: str, i: int) -> str:
    """The quote in the i-th of PRESS_FRAMES (cycling)."""
    q = quote.strip()
    q0 = q[:-1] if q.endswith(".") else q
    cut = [m.end() for m in re.finditer(r"[.?!]\s+", q)] or [m.end() for m in re.finditer(r",\s+", q)]
    frame = PRESS_FRAMES[i % len(PRESS_FRAMES)]
    if "{a}" in frame and not cut:
        frame = PRESS_FRAMES[0]
    at = min(cut, key=lambda c: abs(c - len(q) / 2)) if cut else len(q)
    a, b = q[:at].strip(), q[at:].strip()
    a = a[:-1] if a.endswith((".", ",")) else a
    name = full.split()[-1]
    return frame.format(q=q, q0=q0, a=a, b=b, name=name, full=full, NAME=name.upper())


def corpus(root: Path) -> Path:
    src = root / "sources"
    shutil.copytree(HERE.parent / "sources", src)
    own = (src / "catalog.toml").read_text(encoding="utf-8") if (src / "catalog.toml").is_file() else ""
    catalog = (PAIRS / "catalog.toml").read_text(encoding="utf-8")
    tables = ["[" + t for t in catalog.split("\n[")[1:] if t.startswith('"') and "-zh.md" in t.split("]")[0]]
    for t in tables:
        shutil.copy(PAIRS / t.split('"')[1], src / t.split('"')[1])
    # the renderings' same_as names originals that are not here: leave it out
    tables = ["\n".join(line for line in t.split("\n") if not line.startswith("same_as")) for t in tables]
    (src / "catalog.toml").write_text(own + "\n\n" + "\n\n".join(tables), encoding="utf-8")
    return src


def quotes(split: str) -> list[dict]:
    gold = json.loads((PAIRS / "gold.json").read_text(encoding="utf-8"))
    catalog = read_catalog(PAIRS)
    out = []
    for pair in gold["pairs"]:
        s = pair["split"] if pair["split"].startswith("test") else "dev"
        if split not in ("all", s):
            continue
        en = parse_file(next(PAIRS.glob(pair["en"] + ".*")), catalog=catalog.get(next(PAIRS.glob(pair["en"] + ".*")).name))[1]
        zh = parse_file(PAIRS / (pair["zh"] + ".md"), catalog=catalog.get(pair["zh"] + ".md"))[1]

        def en_sentence(prefix: str) -> str:
            for t in en:
                for a, b in sentence_spans(t.text):
                    if t.text[a:].startswith(prefix):
                        return t.text[a:b]
            raise SystemExit(f"no English sentence opens with {prefix!r}")

        def zh_turn(prefix: str) -> str:
            found = [t.turn_id for t in zh if t.is_interviewee and prefix in t.text]
            return found[0] if found else ""

        for zh_prefix, en_prefixes in pair["sentences"]:
            answer = zh_turn(zh_prefix)
            quote = " ".join(en_sentence(p) for p in en_prefixes)
            if answer and len(quote.split()) >= MIN_WORDS:
                out.append({"id": f"{pair['en']}-s{len(out)}", "split": s, "type": "sentence",
                            "question": quote, "answers": [answer]})
        renders: dict[str, list[str]] = {}  # English answer turn -> the Chinese turns that render it
        for zh_prefix, en_prefixes in pair["turns"]:
            answer = zh_turn(zh_prefix)
            for t in en:
                if answer and t.is_interviewee and any(t.text.startswith(p) for p in en_prefixes):
                    renders.setdefault(t.turn_id, []).append(answer)
        for t in en:
            if t.turn_id in renders:
                spans = sentence_spans(t.text)[:2]
                text = t.text[spans[0][0]:spans[-1][1]]
                if len(text.split()) >= MIN_WORDS:
                    out.append({"id": f"{pair['en']}-t{len(out)}", "split": s, "type": "opening",
                                "question": text, "answers": renders[t.turn_id]})
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", default="dev", choices=["dev", "test", "test2", "test3", "test4", "all"])
    ap.add_argument("--press", action="store_true", help="paste each quote as the press prints it (PRESS_FRAMES)")
    ap.add_argument("--json", help="write the report here")
    ap.add_argument("--misses", action="store_true", help="list the quotes whose rendering is not first")
    args = ap.parse_args()
    qs = quotes(args.split)
    if args.press:
        names = {t.split('"')[1].split("-")[0]: t.split('interviewee = "')[1].split('"')[0]
                 for t in (PAIRS / "catalog.toml").read_text(encoding="utf-8").split("\n[")[1:] if "interviewee" in t}
        qs = [{**q, "question": press(q["question"], names[q["id"].split("-")[0]], i)} for i, q in enumerate(qs)]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(sources=corpus(Path(tmp)), index=Path(tmp) / "index")
        assistant = Assistant.load(settings=settings, build_if_missing=True)
        rows = []
        for q in qs:
            result = assistant.ask(q["question"], k=10)
            got = [a.turn.turn_id for a in result.answers]
            rank = next((i + 1 for i, t in enumerate(got) if t in q["answers"]), None)
            rows.append({**q, "rank": rank, "refused": result.no_answer, "kind": result.kind, "first": got[:1]})
    n = len(rows)
    r1 = sum(r["rank"] == 1 for r in rows) / n
    r5 = sum(bool(r["rank"]) and r["rank"] <= 5 for r in rows) / n
    mrr = sum(1 / r["rank"] for r in rows if r["rank"]) / n
    refused = sum(r["refused"] for r in rows)
    report = {"split": args.split, "press": args.press, "quotes": n, "r1": round(r1, 3), "r5": round(r5, 3), "mrr": round(mrr, 3),
              "refused": refused, "rows": rows}
    print(f"{args.split}: {n} quotes  R@1 {r1:.3f}  R@5 {r5:.3f}  MRR@10 {mrr:.3f}  refused {refused}")
    for t in ("sentence", "opening"):
        sub = [r for r in rows if r["type"] == t]
        if sub:
            print(f"  {t:8} {len(sub):3}  R@1 {sum(r['rank'] == 1 for r in sub) / len(sub):.3f}")
    if args.misses:
        for r in rows:
            if r["rank"] != 1:
                print(f"  rank {r['rank']} {'(refused) ' if r['refused'] else ''}{r['question'][:90]!r} -> "
                      f"{r['first']} want {r['answers']}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
