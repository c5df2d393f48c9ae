"""How often does the assistant answer a question the transcripts cannot answer?

The evaluation set has only 14 hand-written off-topic questions, too few to
tell a no-answer rate from luck. This probe makes hundreds, mechanically and
without anyone choosing them: it draws English words at random (fixed seed)
from the dictionary the lexical leg uses, keeps only words none of whose
Chinese senses shares even a character pair with the transcripts (so nothing
in them can answer), and asks about each one in English and in Chinese with a
few everyday templates. Every such question should get `no_answer`.

    python benchmarks/offtopic_probe.py              # 200 words -> 400 questions, the default index
    python benchmarks/offtopic_probe.py --words 50 --show   # print the questions that were answered

A second part asks EVERYDAY: 16 ordinary questions in each language (laptops,
eggs, ants, salaries), written after the no-answer rules were settled and not
tuned on. Their words are common, so they test what the random words cannot:
a question built of words the dictionary glosses into the transcripts' vocabulary.

A third part, EVERYDAY_HELD_OUT, 16 more in each language, was committed before it was ever run (7d13574)
and run once after the English no-answer rule had been settled on the first two parts; so was `--seed 11`.
A fourth, EVERYDAY_FOURTH, 16 more in each language (everyday questions whose common words English
transcripts hold: "Which stocks should I buy this year?"), was committed before any run (aa4d85e), held out
for the per-language no-answer support, as was `--seed 19`.
NAMED and NAMED_HELD_OUT ask about the interviewee's private life by name ("Is Murati married?"): her name is in
the transcripts and never in the background passages, the case the no-answer bar reads without her name for.

Prints the share answered by language (lower is better) and, with --show, the
answered questions and what was returned first.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.text import bigrams, dictionary_file, read_dictionary  # noqa: E402

EN_TEMPLATES = ["What is a {w}?", "How do I choose a good {w}?", "Where can I buy a {w}?", "Tell me about the {w}."]
ZH_TEMPLATES = ["{w}是什么？", "怎么挑选{w}？", "哪里能买到{w}？", "介绍一下{w}。"]
EVERYDAY = {
    "en": ["How do I choose a good laptop?", "Where can I buy a cheap guitar?",
           "What is the best way to learn Spanish?", "How long should I boil an egg?",
           "Tell me about the Roman Empire.", "What is a black hole?", "How do I get rid of ants in my kitchen?",
           "Which running shoes are best for beginners?", "What should I pack for a trip to Japan?",
           "How do I write a cover letter?", "Can dogs eat chocolate?", "What is the tallest mountain in the world?",
           "How do I make my tomatoes grow faster?", "Is coffee bad for your heart?",
           "How do I negotiate a higher salary?", "What's the difference between a crocodile and an alligator?"],
    "zh": ["怎么挑选一台好用的笔记本电脑？", "哪里能买到便宜的吉他？", "学西班牙语最好的方法是什么？", "鸡蛋要煮多久？",
           "介绍一下罗马帝国。", "黑洞是什么？", "厨房里有蚂蚁怎么办？", "新手适合穿什么跑鞋？", "去日本旅行要带些什么？",
           "求职信怎么写？", "狗能吃巧克力吗？", "世界上最高的山是哪座？", "怎么让番茄长得更快？", "喝咖啡对心脏有害吗？",
           "怎么跟老板谈加薪？", "鳄鱼和短吻鳄有什么区别？"],
}
EVERYDAY_HELD_OUT = {
    "en": ["How often should I water a cactus?", "What is the best pizza topping?",
           "How do I fix a flat bicycle tire?", "Why is the sky blue?", "Where is the nearest train station?",
           "How many calories are in a banana?", "What time does the bakery open on Sunday?",
           "How do I remove a red wine stain from a carpet?", "Which breed of cat sheds the least?",
           "What is the plot of Hamlet?", "How do I tie a tie?", "Is it going to rain tomorrow in Paris?",
           "What should I feed a goldfish?", "How do I unclog a kitchen sink?",
           "Who painted the Mona Lisa?", "What are good exercises for lower back pain?"],
    "zh": ["仙人掌多久浇一次水？", "披萨上放什么配料最好吃？", "自行车爆胎了怎么补？", "天空为什么是蓝色的？",
           "最近的火车站在哪里？", "一根香蕉有多少卡路里？", "周日面包店几点开门？", "地毯上的红酒渍怎么去除？",
           "哪种猫掉毛最少？", "《哈姆雷特》讲的是什么故事？", "领带怎么系？", "明天巴黎会下雨吗？",
           "金鱼应该喂什么？", "厨房水槽堵了怎么办？", "《蒙娜丽莎》是谁画的？", "腰疼适合做什么运动？"],
}

EVERYDAY_FOURTH = {
    "en": ["Should I buy a new car or a used one this year?", "How much should I tip a waiter in New York?",
           "What is the best time of year to visit Iceland?", "How do I keep my houseplants alive in winter?",
           "Which phone has the best camera right now?", "How do I train my puppy to stop biting?",
           "What is a good recipe for banana bread?", "How can I sleep better at night?",
           "Who won the World Cup in 2018?", "How do I change a car tire?",
           "What are the rules of chess for beginners?", "Is it cheaper to rent or to buy a house?",
           "How do I get a passport for my child?", "What should I wear to a summer wedding?",
           "How long does it take to run a marathon?", "Which fruits are in season in October?"],
    "zh": ["今年该买新车还是二手车？", "在纽约吃饭该给多少小费？", "一年中什么时候去冰岛最好？", "冬天怎么养活室内植物？",
           "现在哪款手机拍照最好？", "怎么训练小狗不咬人？", "香蕉面包怎么做好吃？", "晚上怎么睡得更好？",
           "2018年世界杯谁赢了？", "汽车轮胎怎么换？", "国际象棋的入门规则是什么？", "租房和买房哪个更划算？",
           "怎么给孩子办护照？", "夏天参加婚礼穿什么？", "跑完一场马拉松要多久？", "十月有哪些应季水果？"],
}

# About the interviewee's private life, naming her ({name}: her surname, {full}: her whole name, {zh}: her
# name as Chinese writes it): nothing the transcripts say, but her name is in them and never in the background
# passages. NAMED's Chinese questions were seen while the bar was changed to read the question without her
# name; NAMED_HELD_OUT was committed before any run (docs/evaluation.md).
NAMED = {
    "en": ["What time does {name} get up every morning?", "Which novel does {name} like best?",
           "Does {name} have pets?", "What car does {full} drive?", "How many children does {name} have?",
           "Which football team does {name} support?", "How does {name} keep fit?",
           "What is {name}'s favourite dish?", "Can {full} play the piano?", "Which city does {name} live in?",
           "When is {name}'s birthday?", "What does {name} do at weekends?", "Does {name} prefer coffee or tea?",
           "Has {full} been to China?", "Which clubs did {name} join at university?",
           "Is {name} married?"],
    "zh": ["{name}每天早上几点起床？", "{name}最喜欢哪本小说？", "{name}养宠物吗？", "{zh}开什么牌子的车？",
           "{name}有几个孩子？", "{name}喜欢哪支足球队？", "{zh}平时怎么锻炼身体？", "{name}最喜欢吃什么菜？",
           "{name}会弹钢琴吗？", "{zh}住在哪个城市？", "{name}的生日是哪天？", "{name}周末喜欢做什么？",
           "{zh}喝咖啡还是喝茶？", "{name}去过中国吗？", "{name}大学时参加过什么社团？", "{name}结婚了吗？"],
}
NAMED_HELD_OUT = {
    "en": ["What is {name}'s favourite holiday destination?", "Does {full} speak French?",
           "What did {name} have for breakfast today?", "Which band does {name} listen to most?",
           "How tall is {name}?", "What is {name}'s star sign?", "Does {full} cook at home?",
           "Where did {name} spend last Christmas?", "What was {name}'s first job as a teenager?",
           "Does {name} play any video games these days?", "Who is {name}'s best friend?",
           "What is {full}'s favourite colour?", "Does {name} go skiing in winter?",
           "Which restaurant in San Francisco does {name} like?", "What shoe size does {name} wear?",
           "How does {name} celebrate her birthday?"],
    "zh": ["{name}最喜欢去哪里度假？", "{zh}会说法语吗？", "{name}今天早餐吃了什么？", "{name}最常听哪个乐队的歌？",
           "{name}身高多少？", "{name}是什么星座？", "{zh}在家做饭吗？", "{name}去年圣诞节在哪里过的？",
           "{name}十几岁时的第一份工作是什么？", "{name}现在还玩电子游戏吗？", "{zh}最好的朋友是谁？",
           "{name}最喜欢什么颜色？", "{name}冬天去滑雪吗？", "{name}喜欢旧金山的哪家餐厅？", "{zh}穿多大码的鞋？",
           "{name}怎么过生日？"],
}


def named_questions(assistant, questions: dict[str, list[str]]) -> list[tuple[str, str]]:
    """`questions` (NAMED, NAMED_HELD_OUT) about the assistant's interviewee, by name."""
    from qa.parse.common import KNOWN_ALIASES

    full = assistant.settings.interviewee
    name = full.split()[-1]
    zh = next((a for a in KNOWN_ALIASES.get(full, ()) if not a.isascii() and "·" not in a), name)
    return [(lang, q.format(name=name, full=full, zh=zh)) for lang, qs in questions.items() for q in qs]


def probe_questions(assistant, n_words: int, seed: int = 7) -> list[tuple[str, str]]:
    """(language, question) pairs about words the transcripts cannot match at all."""
    corpus_pairs = set(assistant.index.bigram.vocab)
    dictionary = read_dictionary(dictionary_file())
    words = sorted(w for w, senses in dictionary.items()
                   if w.isalpha() and w.isascii() and 4 <= len(w) <= 12 and len(senses[0]) >= 2
                   and not any(b in corpus_pairs for s in senses for b in bigrams(s)))
    rng = random.Random(seed)
    chosen = rng.sample(words, min(n_words, len(words)))
    out = []
    for i, w in enumerate(chosen):
        out.append(("en", EN_TEMPLATES[i % len(EN_TEMPLATES)].format(w=w)))
        out.append(("zh", ZH_TEMPLATES[i % len(ZH_TEMPLATES)].format(w=dictionary[w][0])))
    return out


PARTS = {"everyday": EVERYDAY, "everyday, held out": EVERYDAY_HELD_OUT, "everyday, fourth": EVERYDAY_FOURTH}


def probe(assistant, n_words: int = 200, seed: int = 7) -> tuple[dict, dict[str, dict[str, list]]]:
    """Ask every part's questions: the report ({part: {questions, answered_en, answered_zh}}) and, per part and
    language, the (question, first quote) pairs that got an answer."""
    parts = {"random words": probe_questions(assistant, n_words, seed),
             **{part: [(lang, q) for lang, qs in questions.items() for q in qs] for part, questions in PARTS.items()},
             "about her, named": named_questions(assistant, NAMED),
             "about her, named, held out": named_questions(assistant, NAMED_HELD_OUT)}
    report: dict = {"seed": seed}
    answered_by_part: dict[str, dict[str, list]] = {}
    for part, questions in parts.items():
        answered: dict[str, list] = {"en": [], "zh": []}
        for lang, q in questions:
            result = assistant.ask(q, k=1)
            if not result.no_answer:
                answered[lang].append((q, result.answers[0].quote))
        total = {lang: sum(1 for l, _ in questions if l == lang) for lang in answered}
        report[part] = {"questions": len(questions),
                        **{f"answered_{lang}": f"{len(a)}/{total[lang]}" for lang, a in answered.items()},
                        "answered": [q for a in answered.values() for q, _ in a]}
        answered_by_part[part] = answered
    return report, answered_by_part


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--words", type=int, default=200, help="dictionary words to ask about (default 200)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--index", default=str(ROOT / "index"))
    ap.add_argument("--show", action="store_true", help="list the questions that got an answer")
    ap.add_argument("--json", action="store_true", help="print one JSON line")
    args = ap.parse_args(argv)

    from qa.retrieve import Assistant

    report, answered_by_part = probe(Assistant.load(args.index), args.words, args.seed)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    for part, answered in answered_by_part.items():
        questions = report[part]["questions"]
        what = (f"{questions // 2} dictionary words with nothing in common with the transcripts "
                f"(seed {args.seed})" if part == "random words" else
                "her private life, naming her" if part.startswith("about her") else "everyday matters")
        print(f"off-topic probe, {part}: {questions} questions about {what}")
        for lang, a in answered.items():
            total = report[part][f"answered_{lang}"].split("/")[1]
            print(f"  {lang}: answered {len(a)}/{total} ({len(a) / max(1, int(total)):.1%}); should be 0")
        if args.show:
            for lang, a in answered.items():
                for q, quote in a:
                    print(f"  [{lang}] {q}  ->  {quote[:60]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
