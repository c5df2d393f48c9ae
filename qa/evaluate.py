"""`qa eval`: retrieval quality on a fixed question set, by language and retriever.

The set (benchmarks/eval_questions.jsonl) holds questions phrased as a curious
person would ask them, each with the turns that answer it, plus off-topic ones
with none. Every third question of each language is in the held-out "test"
split, fixed before any tuning; weights and the no-answer margin were chosen on
"dev" only, so the "test" figures are the honest ones. A second held-out split,
"test2" (56 questions, 1c4e97b), was committed before it was ever run, and is scored only once a change
has been settled on dev; "test3" (57 questions, 4066b8f), likewise, after test2 had been seen
(docs/evaluation.md).

For the product (hybrid) a question answered with `no_answer` counts as a miss;
the baselines (plain BM25 over jieba, dense-only cosine) are judged on their
ranking alone.

Quotes are judged against benchmarks/quote_gold.jsonl: for some questions, the
sentences of an answering turn that answer them (annotated by reading the turn).
When that turn is among the first five answers, its quote should contain one of
those sentences.
"""
from __future__ import annotations

import json
from pathlib import Path

from .config import ROOT

DEFAULT_QUESTIONS = ROOT / "benchmarks" / "eval_questions.jsonl"
QUOTE_GOLD = "quote_gold.jsonl"  # beside the questions
RETRIEVERS = ("hybrid", "bm25", "dense")


def load_questions(path: str | Path, split: str = "all") -> list[dict]:
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    wanted = set(split.split(","))  # "dev,test" for several
    return [r for r in rows if split == "all" or r.get("split") in wanted]


def evaluate(assistant, path: str | Path = DEFAULT_QUESTIONS, split: str = "all",
             equivalents: dict[str, str] | None = None) -> dict:
    """Figures per retriever and language: R@1, R@5, MRR@10, no-answer accuracy.

    `equivalents` pairs turns that are the same answer in two renderings (an English rendering
    of a Chinese article's answer): where the index holds both, either is right.
    """
    questions = load_questions(path, split)
    if equivalents:
        pairs = {**equivalents, **{v: k for k, v in equivalents.items()}}
        questions = [{**q, "answers": q["answers"] + [pairs[a] for a in q["answers"]
                                                      if pairs.get(a) in assistant.position]} for q in questions]
    unknown = {a for q in questions for a in q["answers"]} - set(assistant.position)
    if unknown:
        raise ValueError(f"evaluation answers not in the index: {sorted(unknown)[:5]}; rebuild with 'qa index'")
    quote_gold = _quote_gold(Path(path).with_name(QUOTE_GOLD))
    quotes: list[tuple[str, bool]] = []  # (language, annotated sentence in the quote)
    ranks: dict[str, list] = {r: [] for r in RETRIEVERS}
    labels: list[tuple[str, str, bool]] = []  # (language, match label, right) for each answer shown
    misses = []
    said: list[tuple[str, bool]] = []  # (type, right) for each first answer marked "where she said it"
    for q in questions:
        gold = {assistant.position[a] for a in q["answers"]}
        result = assistant.ask(q["question"], k=10)
        if q["id"] in quote_gold:
            turn, sentences = quote_gold[q["id"]]
            shown = next((a for a in result.answers[:5] if a.turn.turn_id == turn), None)
            if shown is not None:
                quotes.append((q["lang"], any(s in shown.quote for s in sentences)))
        if result.answers and result.answers[0].said_here:
            said.append((q.get("type", "question"), result.answers[0].turn.turn_id in q["answers"]))
        got = [assistant.position[a.turn.turn_id] for a in result.answers]
        hit = next((i + 1 for i, t in enumerate(got) if t in gold), None)
        ranks["hybrid"].append((q, hit, result.no_answer))
        labels.extend((q["lang"], a.match, assistant.position[a.turn.turn_id] in gold) for a in result.answers
                      if gold)
        if gold and hit != 1:
            misses.append((q, hit, [a.turn.turn_id for a in result.answers[:3]]))
        qv = assistant.embedder.queries([result.question])[0]
        for mode in ("bm25", "dense"):
            order, _, _ = assistant.rank(result.question, qv, assistant.interviewee, mode)
            top = order[:10].tolist()
            hit = next((i + 1 for i, t in enumerate(top) if t in gold), None)
            ranks[mode].append((q, hit, None))
    report = {"split": split, "questions": len(questions), "retrievers": {}}
    for mode, rows in ranks.items():
        report["retrievers"][mode] = {lang: _figures([r for r in rows if lang == "all" or r[0]["lang"] == lang])
                                      for lang in ("zh", "en", "all")}
    # Sets whose questions carry a "type" (question, quote, claim: benchmarks/quote_claim_questions.jsonl) are
    # also reported by type and language, so a quote lookup is not averaged with a claim.
    types = sorted({q.get("type", "question") for q in questions})
    if types != ["question"]:
        report["by_type"] = {mode: {f"{t}/{lang}": _figures([r for r in rows if r[0].get("type", "question") == t
                                                             and (lang == "all" or r[0]["lang"] == lang)])
                                    for t in types for lang in ("zh", "en", "all")}
                             for mode, rows in ranks.items()}
        report["said_here"] = _said_here(said)
    report["misses"] = [{"id": q["id"], "question": q["question"], "rank": hit, "top": top}
                        for q, hit, top in misses]
    report["calibration"] = {lang: _calibration([(m, ok) for l, m, ok in labels if lang == "all" or l == lang])
                             for lang in ("zh", "en", "all")}
    report["quotes"] = {lang: {"n": len(hits), "hits": sum(hits)}
                        for lang in ("zh", "en", "all")
                        for hits in [[h for l, h in quotes if lang == "all" or l == lang]]}
    return report


def _said_here(rows: list[tuple[str, bool]]) -> dict:
    """How often "where she said it" was shown, and how often rightly, by query type."""
    return {t: {"shown": len(hits), "right": sum(hits)}
            for t in sorted({t for t, _ in rows}) for hits in [[ok for u, ok in rows if u == t]]}


def _calibration(rows: list[tuple[str, bool]]) -> dict:
    """How the match labels hold: of the answers labelled "answers it", the share that is right; of the
    right answers shown (top 10), the share labelled lower."""
    top = [ok for m, ok in rows if m == "answers it"]
    right = [m for m, ok in rows if ok]
    return {"answers_it": len(top), "answers_it_right": sum(top) / len(top) if top else 0.0,
            "right": len(right), "right_labelled_lower": sum(m != "answers it" for m in right) / len(right)
            if right else 0.0,
            "right_loosely": sum(m == "loosely related" for m in right) / len(right) if right else 0.0}


def fit_match_thresholds(assistant, path: str | Path = DEFAULT_QUESTIONS, split: str = "dev",
                         precision: float = 0.8, recall: float = 0.9) -> tuple[float, float]:
    """(answers-it, related) score thresholds from one split: the lowest score at which `precision` of the
    answers shown are right, and the highest that keeps `recall` of the right ones (retrieve.MATCH_*)."""
    scored = []
    for q in load_questions(path, split):
        if q["answers"]:
            scored += [(a.score, a.turn.turn_id in q["answers"]) for a in assistant.ask(q["question"], k=10).answers]
    grid = sorted({round(s * 2) / 2 for s, _ in scored})
    def prec(t):
        sel = [ok for s, ok in scored if s >= t]
        return sum(sel) / len(sel) if sel else 0.0
    def rec(t):
        return sum(ok for s, ok in scored if s >= t) / max(1, sum(ok for _, ok in scored))
    high = next((t for t in grid if prec(t) >= precision), grid[-1])
    low = max((t for t in grid if rec(t) >= recall), default=grid[0])
    return high, low


def _quote_gold(path: Path) -> dict[str, tuple[str, list[str]]]:
    if not path.is_file():
        return {}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["id"]: (r["turn"], r["sentences"]) for r in rows}


def _figures(rows: list) -> dict:
    answerable = [(hit, na) for q, hit, na in rows if q["answers"]]
    off = [na for q, hit, na in rows if not q["answers"]]
    n = len(answerable) or 1
    out = {
        "n": len(answerable),
        "recall@1": sum(1 for h, _ in answerable if h == 1) / n,
        "recall@5": sum(1 for h, _ in answerable if h and h <= 5) / n,
        "mrr@10": sum(1.0 / h for h, _ in answerable if h and h <= 10) / n,
        "off_topic": len(off),
    }
    if rows and rows[0][2] is not None:
        correct = sum(1 for q, h, na in rows if na == (not q["answers"]))
        out["no_answer_accuracy"] = correct / len(rows)
        out["off_topic_answered"] = sum(1 for na in off if not na)
    return out


def format_table(report: dict, misses: bool = False) -> str:
    lines = [f"split: {report['split']}  questions: {report['questions']}", "",
             f"{'retriever':<9} {'lang':<4} {'n':>3} {'R@1':>6} {'R@5':>6} {'MRR@10':>7} {'no-ans acc':>10} "
             f"{'off-topic answered':>18}"]
    for mode, by_lang in report["retrievers"].items():
        for lang, f in by_lang.items():
            na = f"{f['no_answer_accuracy']:.3f}" if "no_answer_accuracy" in f else "n/a"
            oa = f"{f['off_topic_answered']}/{f['off_topic']}" if "off_topic_answered" in f else "n/a"
            lines.append(f"{mode:<9} {lang:<4} {f['n']:>3} {f['recall@1']:>6.3f} {f['recall@5']:>6.3f} "
                         f"{f['mrr@10']:>7.3f} {na:>10} {oa:>18}")
    if "by_type" in report:
        lines += ["", "by query type:",
                  f"{'retriever':<9} {'type/lang':<13} {'n':>3} {'R@1':>6} {'R@5':>6} {'MRR@10':>7}"]
        for mode, groups in report["by_type"].items():
            for group, f in groups.items():
                if f["n"]:
                    lines.append(f"{mode:<9} {group:<13} {f['n']:>3} {f['recall@1']:>6.3f} {f['recall@5']:>6.3f} "
                                 f"{f['mrr@10']:>7.3f}")
        said = report["said_here"]
        lines += ["", "\"where she said it\" shown on the first answer: " + (", ".join(
            f"{t} {v['right']}/{v['shown']} right" for t, v in said.items()) or "never")]
    if "calibration" in report:
        lines += ["", "match labels (hybrid, answers shown in the top 10 of answerable questions):",
                  f"{'lang':<4} {'labelled answers it':>20} {'of them right':>14} {'right answers':>14} "
                  f"{'right, labelled lower':>22} {'right, loosely':>15}"]
        for lang, c in report["calibration"].items():
            lines.append(f"{lang:<4} {c['answers_it']:>20} {c['answers_it_right']:>14.2f} {c['right']:>14} "
                         f"{c['right_labelled_lower']:>22.2f} {c['right_loosely']:>15.2f}")
    if report["quotes"]["all"]["n"]:
        q = report["quotes"]
        lines += ["", "quotes holding an annotated answering sentence: " + ", ".join(
            f"{lang} {q[lang]['hits']}/{q[lang]['n']}" for lang in ("zh", "en", "all"))]
    if misses and report["misses"]:
        lines += ["", "hybrid: answer not ranked first"]
        lines += [f"  {m['id']:<10} rank {m['rank']}  {m['question']}  top: {', '.join(m['top'])}"
                  for m in report["misses"]]
    return "\n".join(lines)

