"""Parsing transcripts into articles and attributed turns."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from qa.parse import NARRATOR, SourceError, join_lines, load_sources, parse_file, parse_text, short_question

from .conftest import SOURCES, write

DARTMOUTH = "2024-06-21-dartmouth-conversation"
FORTUNE = "2023-10-14-fortune-interview"


@pytest.fixture(scope="module")
def real():
    parsed, errors, *_ = load_sources(SOURCES)
    assert errors == []
    return {a.article_id: (a, ts) for a, ts in parsed}


def speaker_of(turns, fragment):
    hits = [t for t in turns if fragment in t.text]
    assert len(hits) == 1, f"{fragment!r} found in {len(hits)} turns"
    return hits[0]


def test_turn_counts_by_speaker(real):
    _, d = real[DARTMOUTH]
    assert Counter(t.speaker for t in d) == {
        "Mira Murati": 61, "Jeffrey Blackburn": 56, "Narrator": 6, "Joy Buolamwini": 5,
        "Alexis Abramson": 1, "Dave": 1, "主持人": 1}
    _, f = real[FORTUNE]
    assert Counter(t.speaker for t in f) == {"Mira Murati": 11, "Fortune": 11, "Narrator": 2}


def test_article_metadata(real):
    a, _ = real[DARTMOUTH]
    assert a.title.startswith("达特茅斯大学对话OpenAI CTO Mira Murati")
    assert a.date == "2024-06-21"
    assert a.url.startswith("http://mp.weixin.qq.com/s?__biz=")
    assert a.source == f"sources/{DARTMOUTH}.md"
    assert a.author == "AI深度研究员" and a.place == "上海" and a.interviewee == "Mira Murati"
    f, _ = real[FORTUNE]
    assert f.date == "2023-10-14" and "mid=2247485033" in f.url


def test_known_quotes_are_murati_and_host_lines_are_not(real):
    _, d = real[DARTMOUTH]
    assert speaker_of(d, "你应该可以拥有一个生气的聊天机器人").speaker == "Mira Murati"
    assert speaker_of(d, "我认为不可能做到零风险").speaker == "Mira Murati"
    assert speaker_of(d, "Sky的声音不是Scarlett Johansson的").speaker == "Mira Murati"
    assert speaker_of(d, "你能防止AI生气吗").speaker == "Jeffrey Blackburn"
    assert speaker_of(d, "John Kemeny曾经讲过").speaker == "Dave"
    assert speaker_of(d, "我非常好奇你对创作权和生物特征权的看法").speaker == "Joy Buolamwini"
    assert speaker_of(d, "如果你今天重返学校").speaker == "主持人"
    assert speaker_of(d, "我是Alexis Abramson").speaker == "Alexis Abramson"
    assert speaker_of(d, "邀请到了OpenAI的首席技术官").speaker == NARRATOR
    _, f = real[FORTUNE]
    assert speaker_of(f, "如果你的孩子特别喜欢青蛙").speaker == "Mira Murati"
    assert speaker_of(f, "她在阿尔巴尼亚度过了少年时光").speaker == NARRATOR


def test_restored_questions_belong_to_the_interviewer(real):
    _, f = real[FORTUNE]
    for fragment in ("这种竞争有什么潜在的弊端？", "讨论的氛围是怎样的？"):
        q = speaker_of(f, fragment)
        assert q.speaker == "Fortune" and not q.is_interviewee
        answer = f[q.position + 1]
        assert answer.is_interviewee and answer.question == q.text
    assert speaker_of(f, "我认为最大的弊端是在安全性上的恶性竞争").question.endswith("这种竞争有什么潜在的弊端？")


def test_each_answer_carries_its_question_and_section(real):
    _, d = real[DARTMOUTH]
    t = speaker_of(d, "是的，如果你想要一个生气的聊天机器人")
    assert t.question == "哦，如果你想要一个生气的聊天机器人，你可以拥有它。"
    assert t.section == "AI生气了，怎么办？"
    _, f = real[FORTUNE]
    t = speaker_of(f, "如果你的孩子特别喜欢青蛙")
    assert t.section.startswith("你认为DALL-E") and t.question.startswith("你认为DALL-E")
    assert all(t.question is None for t in f + d if not t.is_interviewee)


def test_page_furniture_is_not_a_turn(real):
    text = "\n".join(t.text for _, ts in real.values() for t in ts)
    for junk in ("往期回顾", "mmbiz", "Milo-1101", "AI知识和技能无限分享", "乾坤AI", "欢迎点击", "封面图链接",
                 "原文链接", "告别昂贵服务费", "](http"):
        assert junk not in text, junk


def test_wrapped_names_are_joined(real):
    _, d = real[DARTMOUTH]
    assert "这场对话由Jeffrey Blackburn主持" in speaker_of(d, "这场对话由Jeffrey").text
    assert "这里是Dr. Joy。" in speaker_of(d, "这里是Dr.").text
    assert "像ChatGPT和Dall-E这样的变革性模型" in speaker_of(d, "带头开发了").text
    assert "Model S和Model X的开发过程中" in speaker_of(d, "Model S和Model X").text


def test_turn_ids_are_stable_and_positional(real):
    again = {a.article_id: ts for a, ts in load_sources(SOURCES)[0]}
    for aid, (_, ts) in real.items():
        assert [t.turn_id for t in ts] == [t.turn_id for t in again[aid]]
        assert [t.turn_id for t in ts] == [f"{aid}#{i}" for i in range(len(ts))]


LABELLED = """---
interviewee: Ada Lovelace
aliases: Ada = Ada Lovelace; Lovelace = Ada Lovelace
---

# A chat about engines

Date: 1843-07-01
Link: https://example.org/ada

Some intro prose that nobody said.

## Engines

**Host:** What can the engine do
beyond numbers?

**Ada:**
It might compose elaborate pieces of music
of any degree of complexity.

It weaves algebraic patterns.

**Lovelace**: A second answer, colon outside the bold.

**Visitor:**   odd   spacing here.

**Ada：** 全角冒号也可以。
"""


def test_labelled_english_transcript():
    article, turns = parse_text(LABELLED, "ada", "sources/ada.md")
    assert article.title == "A chat about engines" and article.date == "1843-07-01"
    assert article.url == "https://example.org/ada" and article.interviewee == "Ada Lovelace"
    assert [t.speaker for t in turns] == [NARRATOR, "Host", "Ada Lovelace", "Ada Lovelace", "Visitor", "Ada Lovelace"]
    host, ada = turns[1], turns[2]
    assert host.text == "What can the engine do beyond numbers?"
    assert ada.text == ("It might compose elaborate pieces of music of any degree of complexity.\n\n"
                        "It weaves algebraic patterns.")
    assert ada.question == host.text and ada.section == "Engines" and ada.is_interviewee
    assert turns[3].text == "A second answer, colon outside the bold."
    assert turns[4].text == "odd   spacing here."  # inner spacing is hers to keep
    assert turns[5].question == "odd   spacing here." and turns[5].text == "全角冒号也可以。"
    assert turns[0].section == "Introduction"
    assert turns[2].line == 18


QA = """# 专访

_**你最喜欢什么？**_
我最喜欢数学。
![](https://img.example/x.png)
也喜欢音乐。

 _**为什么？**_
因为它们很美。

* * *

欢迎点击“分享、点赞、在看”
"""


def test_qa_interview_without_sections():
    _, turns = parse_text(QA, "qa", "sources/qa.md")
    assert [t.speaker for t in turns] == ["Interviewer", "Mira Murati", "Interviewer", "Mira Murati"]
    assert turns[1].text == "我最喜欢数学。\n也喜欢音乐。"
    assert turns[1].section == "你最喜欢什么？" and turns[3].section == "为什么？"
    assert turns[3].question == "为什么？"


def test_unknown_speakers_are_kept_as_written():
    _, turns = parse_text("**Mira：** 你好。\n\n**某位观众：** 问题？\n", "x", "x.md")
    assert [t.speaker for t in turns] == ["Mira Murati", "某位观众"]


def test_join_lines_rules():
    assert join_lines(["Mira", "Murati说"]) == "Mira Murati说"
    assert join_lines(["Dall-", "E这样"]) == "Dall-E这样"
    assert join_lines(["文件", "但在工业界"]) == "文件\n但在工业界"


def test_short_question():
    assert short_question("我知道现在有一些关于版权的争议。[近期……]你是否认为？") == "我知道现在有一些关于版权的争议。"
    assert len(short_question("很" * 80)) == 30


@pytest.mark.parametrize("content, reason", [
    (b"\x00\x01\x02binary", "binary file"),
    ("中文".encode("gbk"), "not UTF-8"),
    (b"   \n\n", "empty file"),
    ("# Title\n\nJust prose, no speakers.\n".encode(), "no interview turns"),
])
def test_bad_files_are_named_and_the_rest_still_load(tmp_path, content, reason):
    d = tmp_path / "sources"
    write(d / "good.md", "**Mira：** 我在这里。\n")
    (d / "bad.md").write_bytes(content)
    parsed, errors, *_ = load_sources(d)
    assert [a.article_id for a, _ in parsed] == ["good"]
    assert len(errors) == 1 and errors[0].path == "sources/bad.md" and reason in errors[0].reason
    with pytest.raises(SourceError, match="bad.md"):
        parse_file(d / "bad.md", d)


def test_duplicate_file_is_reported(tmp_path):
    d = tmp_path / "sources"
    write(d / "a.md", "**Mira：** 同一份稿子。\n")
    write(d / "b.md", "**Mira：** 同一份稿子。\n")
    parsed, errors, *_ = load_sources(d)
    assert len(parsed) == 1 and "same transcript as sources/a.md" in errors[0].reason


def test_missing_sources_folder(tmp_path):
    with pytest.raises(SourceError, match="not found"):
        load_sources(tmp_path / "nope")


def test_qa_turns_json(capsys):
    from qa.cli import main

    assert main(["turns", "--json", "--sources", str(SOURCES)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 155
    first = rows[0]
    assert set(first) == {"turn_id", "article", "section", "speaker", "text", "question"}
    assert set(first["article"]) == {"title", "date", "url", "source"}
    mira = [r for r in rows if r["speaker"] == "Mira Murati"]
    assert len(mira) == 72 and all(r["question"] for r in mira)


def test_qa_turns_table(capsys):
    from qa.cli import main

    assert main(["turns", "--sources", str(SOURCES)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 155 and out[0].startswith(f"{FORTUNE}#0")
