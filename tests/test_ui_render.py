"""The app's pure parts: follow-up resolution, escaping, the transcript page (no server, no model)."""
from __future__ import annotations

from qa.ui import answer_html, resolve_followup, result_html, transcript_page


def test_followups_resolve_against_the_previous_question():
    prev = "她如何看待AI监管？"
    assert resolve_followup("为什么？", prev) == (f"{prev} 为什么？", False)
    assert resolve_followup("tell me more", prev) == (prev, True)
    assert resolve_followup("还有呢？", prev) == (prev, True)
    assert resolve_followup("Why?", "What about jobs?") == ("What about jobs? Why?", False)
    assert resolve_followup("为什么？", None) == ("为什么？", False)
    full = "What does she think about education?"
    assert resolve_followup(full, prev) == (full, False)  # a real question stands on its own


def test_cards_escape_everything(hash_assistant):
    from dataclasses import replace

    from qa.types import Answer

    r = hash_assistant.ask("<script>alert(1)</script> 生气的聊天机器人", k=2)
    assert "<script>" not in result_html(hash_assistant, r, "zh", resolved="<script>x</script>")
    a = r.answers[0]
    evil = replace(a.turn, text="她说<img src=x onerror=alert(1)>和**粗体**。", question="<b>问</b>", section="<i>s</i>")
    card = answer_html(Answer(1, 1.0, evil, a.article, "<img src=x onerror=alert(1)>", 2, 30), [evil], "zh")
    assert "<img" not in card and "<b>" not in card and "<i>" not in card
    assert "&lt;img src=x onerror=alert(1)&gt;" in card and "&lt;b&gt;问&lt;/b&gt;" in card
    card = answer_html(a, hash_assistant.context(a.turn.turn_id), "en")
    assert "<mark>" in card and a.article.title in card and "Full answer" in card
    assert card.count("<details>") == 3 and 'rel="noopener noreferrer"' in card  # full answer, context, cite


def test_no_answer_message_in_the_question_language(hash_assistant):
    from qa.types import Result

    assert "没有谈到" in result_html(hash_assistant, Result("披萨？", (), True), "zh")
    assert "don't cover" in result_html(hash_assistant, Result("pizza?", (), True), "en")


def test_the_app_says_which_words_of_a_press_passage_it_searched(hash_assistant):
    from qa.types import Result

    framed = Result("“模型会犯错，”她说。“所以要查证。”", (), False, kind="quote", searched="模型会犯错， 所以要查证。")
    html = result_html(hash_assistant, framed, "zh")
    assert "只取她的原话" in html and "模型会犯错， 所以要查证。" in html
    plain = Result("“模型会犯错，所以要查证。”", (), False, kind="quote", searched="模型会犯错，所以要查证。")
    assert "逐句匹配她的原话" in result_html(hash_assistant, plain, "zh")


def test_transcript_page(hash_assistant):
    tid = "2024-06-21-dartmouth-conversation#113"
    page = transcript_page(hash_assistant, "2024-06-21-dartmouth-conversation", tid)
    assert 'class="turn interviewee cited" id="t113"' in page and "<h2>AI生气了，怎么办？</h2>" in page
    assert transcript_page(hash_assistant, "../../etc/passwd", None) is None
    marked = transcript_page(hash_assistant, "2024-06-21-dartmouth-conversation", tid, "3-10")
    assert "<mark>" in marked and marked.count("<mark>") == 1
    for bad in ("5-2", "x-y", "0-999999", "<script>"):
        assert "<mark>" not in transcript_page(hash_assistant, "2024-06-21-dartmouth-conversation", tid, bad)


def test_where_she_said_it_card(hash_assistant):
    text = "有些创意工作可能会消失，但如果产生的内容质量不高，也许它们本不应该存在。"
    r = hash_assistant.ask(text, k=2)
    html = result_html(hash_assistant, r, "en")
    assert "Searched as a quote" in html
    assert html.count('class="qa-said-badge"') == 1 and "where she said it" in html
    assert f'<mark class="qa-said-span">我认为是的，{text}</mark>' in html
    plain = result_html(hash_assistant, hash_assistant.ask("有些创意工作会消失吗？", k=2), "zh")
    assert "qa-said" not in plain and "按引文查找" not in plain
    claim = result_html(hash_assistant, hash_assistant.ask("Did Murati say jobs will go away?", k=2), "zh")
    assert "理解为一种说法，查找：jobs will go away" in claim


def test_a_timed_transcript_page_shows_each_turns_moment(hash_settings):
    from qa.retrieve import Assistant

    (hash_settings.sources / "orchard.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Ben Ortiz>How is the orchard?\n\n"
        "00:29:30.000 --> 00:29:34.000\n<v Mira Murati>Heavy with apples this year.\n", encoding="utf-8")
    (hash_settings.sources / "catalog.toml").write_text(
        '["orchard.vtt"]\nurl = "https://www.youtube.com/watch?v=abcdefghijk"\n', encoding="utf-8")
    assistant = Assistant.load(settings=hash_settings, build_if_missing=True)
    page = transcript_page(assistant, "orchard", None)
    assert 'href="https://www.youtube.com/watch?v=abcdefghijk&amp;t=1770s"' in page and ">29:30</a>" in page
    assert '<div class="meta"><a href=' in page  # no date or author: no empty separators
    # An untimed article shows no times, and its meta line only what it has.
    page = transcript_page(assistant, "2024-06-21-dartmouth-conversation", None)
    assert 'class="at"' not in page and " ·  · " not in page


def test_a_conversation_reads_follow_ups_against_its_last_question(hash_assistant):
    from qa.conversation import Conversation, export_markdown, export_name, leave_out

    talk = Conversation()
    first = talk.read("她如何看待AI监管？")
    assert (first.query, first.lang, first.leave_out) == ("她如何看待AI监管？", "zh", frozenset())
    result = leave_out(hash_assistant.ask(first.query, k=6), first, 3)
    talk.answered(first, result)
    why = talk.read("为什么？")  # narrows the last question, and shows what was not shown yet
    assert why.query == "她如何看待AI监管？ 为什么？" and why.leave_out == set(talk.shown)
    again = leave_out(hash_assistant.ask(why.query, k=6), why, 3)
    assert not {a.turn.turn_id for a in again.answers} & set(talk.shown)
    more = talk.read("tell me more")  # a follow-up keeps the conversation's language
    assert more.more and more.lang == "zh" and more.query == "她如何看待AI监管？"
    md = export_markdown(talk.log)
    assert md.startswith("# Murati QA") and "## 她如何看待AI监管？" in md and "**" in md.split("## ", 1)[1]
    assert any(a["match"] in md for a in talk.log[0]["answers"])
    assert export_name(talk.log).startswith("murati-qa-") and export_name([]) == "murati-qa"
    assert Conversation.from_state(talk.to_state()) == talk and Conversation.from_state("junk") == Conversation()


def test_reading_notices_in_the_app_say_what_to_do_in_the_app():
    from qa.ui.handlers import for_the_app

    cli = ("talk.vtt: none of its speakers (Ann Lee) is Mira Murati; indexed under their own names (ask with --speaker "
           "NAME or all speakers): if one of them is the interviewee, say so in sources/catalog.toml "
           "(interviewee = \"Name\") and run 'qa index'")
    said = for_the_app(cli)
    assert "catalog.toml" not in said and "--speaker" not in said and "qa index" not in said
    assert said.startswith("talk.vtt: none of its speakers (Ann Lee) is Mira Murati") and "Interviewee · 受访者" in said


def test_a_notice_is_shown_once(hash_assistant):
    from qa.types import Result

    result = Result("教育", (), True, notices=("sources changed since the index was built",) * 2)
    assert result_html(hash_assistant, result, "zh").count("sources changed since") == 1
