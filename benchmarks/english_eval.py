"""English transcripts, measured: the English test corpus alone, and mixed with the two Chinese articles.

    python benchmarks/english_eval.py [--split en-dev|en-test|en-test2|en-test3|en-test4|en-dev,en-test]

Builds two scratch indexes with the default model (the English corpus in
benchmarks/english_corpus/, my own English rendering of 16 of her answers; and
that corpus together with sources/), then prints `qa eval` on
benchmarks/english_questions.jsonl for both, and the Chinese evaluation set
(benchmarks/eval_questions.jsonl, every split) on the mixed index beside the
Chinese-only one, so a change that helps English transcripts and hurts the
Chinese ones shows. en-dev is what the English-side choices were made on;
en-test is reported once. Each later split was written and committed before any run of its own and held
out for the work that followed it: en-test2 (40 answerable questions, 30 of them Chinese, and 10 off-topic;
06d8261), en-test3 (24 Chinese questions, 6 off-topic; 3d547ad), en-test4 (24 Chinese, 6 off-topic;
0030a67).

The English rendering re-renders answers of the same two conversations, so in the
mixed corpus a rendering of a neighbouring answer competes with the right Chinese
turn: the hardest case for the Chinese set. The other corpora are the articles plus an invented English
interview with somebody else, on the same subjects: the case of an English transcript of another
conversation. Each was written and committed before any run of its own (the commit that added it) and held
out for the change that followed:

| corpus | interviewee | its own questions | commit |
|---|---|---|---|
| other_interview/ | a lighthouse historian | none (the Chinese set only) | 638dd18 |
| other_interview2/ | a translator | 22 (14 English, 8 Chinese) | bd46fa9 |
| other_interview3/ | a researcher, a woman | 24, half naming her | e23f073 |
| other_interview4/ | a college president, a woman | 24, half naming her, 8 calling her "she"/"她" | 9cdc147 |
| other_interview5/ | a film director, a man | 20, 8 naming him (`names_her`: names the interviewee) | 907b859 |
| other_interview6/ | a hospital's medical director, a woman | 20, 8 naming her | 3976ece |
| other_interview7/ | a public librarian, a man | 20 answerable (7 naming him), 8 off-topic | aa4d85e |
| her_english/ | her (invented stand-ins: a podcast, a launch livestream) | 54 answerable, 8 off-topic | 51289f2 |
| her_english2/ (`her2`: with her_english/'s two beside it) | her (an invented campus fireside chat) | 143 answerable, 100 off-topic (her-test3 to her-test10) | see its README |
| her_english3/ (`her3`: with her_english/'s and her_english2/'s beside it) | her (an invented launch livestream with many short turns) | 30 answerable, 10 off-topic (her3-dev, her-test14) | see its README |

`--private-life` asks, on each invented corpus, 20 Chinese questions about its interviewee's private life
("Ferrer养宠物吗？"), once by name and once by pronoun: none is answerable, so each answered one is a false answer.
`--cross-margin X` runs with that cross-language bar (`abstain.CROSS_MARGIN`) instead of the code's, to measure
another value.

`--probe SEED` also asks benchmarks/offtopic_probe.py's questions (200 random dictionary words with that seed,
and the everyday parts) on every corpus built, so that the no-answer rate of each is beside its answer figures.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.build import build  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.embed import load_embedder  # noqa: E402
from qa.evaluate import evaluate, format_table  # noqa: E402
from qa.retrieve import Assistant, abstain  # noqa: E402
from offtopic_probe import probe  # noqa: E402

CORPUS = ROOT / "benchmarks" / "english_corpus"
OTHERS = {"other": ROOT / "benchmarks" / "other_interview", "other2": ROOT / "benchmarks" / "other_interview2",
          "other3": ROOT / "benchmarks" / "other_interview3", "other4": ROOT / "benchmarks" / "other_interview4",
          "other5": ROOT / "benchmarks" / "other_interview5", "other6": ROOT / "benchmarks" / "other_interview6",
          "other7": ROOT / "benchmarks" / "other_interview7", "her": ROOT / "benchmarks" / "her_english",
          "her2": ROOT / "benchmarks" / "her_english2", "her3": ROOT / "benchmarks" / "her_english3"}
BESIDE = {"her2": [ROOT / "benchmarks" / "her_english"],
          "her3": [ROOT / "benchmarks" / "her_english", ROOT / "benchmarks" / "her_english2"]}  # further transcripts in that corpus (no questions of theirs)
PRIVATE_LIFE = ["{n}每天早上几点起床？", "{n}最喜欢哪本小说？", "{n}养宠物吗？", "{n}开什么牌子的车？", "{n}有几个孩子？",
                "{n}喜欢哪支足球队？", "{n}平时怎么锻炼身体？", "{n}最喜欢吃什么菜？", "{n}会弹钢琴吗？", "{n}住在哪个城市？",
                "{n}的生日是哪天？", "{n}周末喜欢做什么？", "{n}喝咖啡还是喝茶？", "{n}去过中国吗？", "{n}大学时参加过什么社团？",
                "{n}小时候想当什么？", "{n}最喜欢的电影是什么？", "{n}会说几种语言？", "{n}结婚了吗？", "{n}度假一般去哪里？"]
INTERVIEWEE = {"other2": ("Ferrer", "她"), "other3": ("Priya Raman", "她"), "other4": ("Kovacs", "她"),
               "other5": ("Okoro", "他"), "other6": ("Hana Sato", "她"), "other7": ("Lindqvist", "他"),
               "her": ("Murati", "她"), "her2": ("Murati", "她"), "her3": ("Murati", "她")}  # by name, by pronoun
QUESTIONS = ROOT / "benchmarks" / "english_questions.jsonl"
CHINESE = ROOT / "benchmarks" / "eval_questions.jsonl"
RENDERS = {k: v for k, v in json.loads((CORPUS / "renders.json").read_text(encoding="utf-8")).items()
           if not k.startswith("_")}


_LABELLED = re.compile(r"^([A-Z][A-Z .'-]*[A-Z]): (.*)$")


def unpunctuated(text: str) -> str:
    """A transcript's labelled turns as automatic captions write speech: lower case, without the marks that end
    or divide sentences (apostrophes and hyphens stay). Speaker labels stay: speakers fixed by hand."""
    out = []
    for line in text.splitlines():
        m = _LABELLED.match(line)
        if m:
            words = re.sub(r"[.,?!;:…\"“”—]+", " ", m.group(2).lower()).split()
            line = f"{m.group(1)}: {' '.join(words)}"
        out.append(line)
    return "\n".join(out) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="en-dev", help="split(s) of the English questions (default en-dev)")
    ap.add_argument("--json", type=Path, help="also write all figures to this JSON file")
    ap.add_argument("--misses", action="store_true", help="list the questions whose answer is not first")
    ap.add_argument("--probe", type=int, metavar="SEED", help="also run the off-topic probe with this seed on each corpus")
    ap.add_argument("--only", help="comma-separated corpora to build (english, mixed, other..other7, her, chinese)")
    ap.add_argument("--own-split", default="all",
                    help="split(s) of an invented corpus's own questions, where it has them (default all)")
    ap.add_argument("--private-life", action="store_true",
                    help="also ask questions about each interviewee's private life (none answerable)")
    ap.add_argument("--unpunctuated", action="store_true",
                    help="the invented English transcripts' turns as automatic captions give them: lower case, "
                         "no punctuation (the articles as they are)")
    ap.add_argument("--cross-margin", type=float, metavar="X", help="run with this CROSS_MARGIN instead of the code's")
    args = ap.parse_args()
    if args.cross_margin is not None:
        abstain.CROSS_MARGIN = args.cross_margin
    known = ["english", "mixed", *OTHERS, "chinese"]
    if args.only and (unknown := [n for n in args.only.split(",") if n not in known]):
        ap.error(f"--only: no corpus {', '.join(unknown)}; the corpora are {', '.join(known)}")
    embedder = load_embedder()
    out = {}
    with tempfile.TemporaryDirectory(prefix="qa-english-") as tmp:
        tmp = Path(tmp)
        mixed = tmp / "mixed"
        shutil.copytree(ROOT / "sources", mixed)
        for p in CORPUS.iterdir():
            if p.suffix in (".txt", ".vtt"):
                shutil.copy(p, mixed / p.name)
        shutil.copy(CORPUS / "catalog.toml", mixed / "catalog.toml")
        corpora = [("english", CORPUS), ("mixed", mixed)]
        for name, folder in OTHERS.items():  # each invented interview beside the two articles
            corpora.append((name, tmp / name))
            shutil.copytree(ROOT / "sources", tmp / name)
            catalogs = []
            for extra in [*BESIDE.get(name, []), folder]:
                for p in extra.iterdir():
                    if p.suffix == ".txt" and args.unpunctuated:
                        (tmp / name / p.name).write_text(unpunctuated(p.read_text(encoding="utf-8")), encoding="utf-8")
                    elif p.suffix == ".txt":
                        shutil.copy(p, tmp / name / p.name)
                    elif p.suffix == ".toml":
                        catalogs.append(p.read_text(encoding="utf-8"))
            if catalogs:
                (tmp / name / "catalog.toml").write_text("\n\n".join(catalogs), encoding="utf-8")
        for name, sources in corpora + [("chinese", ROOT / "sources")]:
            if args.only and name not in args.only.split(","):
                continue
            settings = Settings(sources=sources, index=tmp / f"index-{name}")
            build(settings, embedder)
            assistant = Assistant.load(settings=settings, embedder=embedder)
            if name in ("english", "mixed"):
                report = evaluate(assistant, QUESTIONS, args.split, RENDERS)
                out[f"{name}/english-questions"] = report
                print(f"== {name} corpus, English-corpus questions ==")
                print(format_table(report, misses=args.misses), "\n")
            own = OTHERS[name] / "questions.jsonl" if name in OTHERS else None
            if own is not None and own.is_file():  # questions on the invented interview itself, in both languages
                rows = [json.loads(line) for line in own.read_text(encoding="utf-8").splitlines() if line.strip()]
                split = args.own_split if {r["split"] for r in rows} & set(args.own_split.split(",")) else "all"
                report = evaluate(assistant, own, split)
                out[f"{name}/own-questions"] = report
                print(f"== {name} corpus, its own questions (split {split}) ==")
                print(format_table(report, misses=args.misses), "\n")
                for label, keep in (("naming her", True), ("not naming her", False)):
                    part = [r for r in rows if r.get("names_her") is keep]
                    if part:  # those that name the interviewee ("What does Raman say…") and those that do not
                        sub = tmp / f"{name}-{keep}.jsonl"
                        sub.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part), encoding="utf-8")
                        report = evaluate(assistant, sub, "all")
                        out[f"{name}/own-questions/{label}"] = report
                        print(f"== {name} corpus, its own questions {label} ==")
                        print(format_table(report, misses=args.misses), "\n")
            if args.private_life and name in INTERVIEWEE:
                asked = [t.format(n=n) for n in INTERVIEWEE[name] for t in PRIVATE_LIFE]
                answered = [q for q in asked if not assistant.ask(q).no_answer]
                out[f"{name}/private-life"] = {"asked": len(asked), "answered": answered}
                print(f"== {name} corpus, questions about the interviewee's private life: "
                      f"answered {len(answered)}/{len(asked)} (should be 0)")
                for q in answered:
                    print(f"   answered: {q}")
            if args.probe is not None:
                report, _ = probe(assistant, seed=args.probe)
                out[f"{name}/off-topic-probe"] = report
                print(f"== {name} corpus, off-topic probe (seed {args.probe}): " + "; ".join(
                    f"{part} en {r['answered_en']} zh {r['answered_zh']}" for part, r in report.items()
                    if part != "seed"))
                for q in (q for part, r in report.items() if part != "seed" for q in r["answered"]):
                    print(f"   answered: {q}")
            if name != "english":
                for split in ("dev", "test", "test2", "test3", "all"):
                    report = evaluate(assistant, CHINESE, split, RENDERS)
                    out[f"{name}/chinese-questions/{split}"] = report
                    f = report["retrievers"]["hybrid"]
                    print(f"== {name} corpus, Chinese evaluation set, split {split}: " + "; ".join(
                        f"{lang} R@1 {f[lang]['recall@1']:.3f} R@5 {f[lang]['recall@5']:.3f} "
                        f"MRR@10 {f[lang]['mrr@10']:.3f} off-topic answered {f[lang].get('off_topic_answered')}"
                        for lang in ("zh", "en")))
            print()
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
