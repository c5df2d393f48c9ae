"""The Assistant's contract, on a model-free index: shapes, quotes, filters, bad questions."""
from __future__ import annotations

import json

import numpy as np
import pytest

from qa.chunk import SENTENCE
from qa.text import query_groups, query_terms
from qa.parse import is_chinese
from qa.retrieve import Assistant, QuestionError, clean_question
from qa.store import IndexError_


def test_answers_are_verbatim_cited_and_ranked(hash_assistant):
    result = hash_assistant.ask("如果你想要一个生气的聊天机器人", k=3)
    assert not result.no_answer and len(result.answers) == 3
    assert [a.rank for a in result.answers] == [1, 2, 3]
    assert result.answers[0].score >= result.answers[1].score >= result.answers[2].score
    for a in result.answers:
        assert a.turn.speaker == "Mira Murati"
        assert a.quote and a.quote in a.turn.text
        assert a.turn.text[a.quote_start:a.quote_end] == a.quote
        assert a.article.url.startswith("http") and a.article.date
    top = result.answers[0]
    assert "生气的聊天机器人" in top.turn.text and top.turn.question


def test_to_dict_has_the_documented_shape(hash_assistant):
    d = hash_assistant.ask("教育", k=2).to_dict()
    assert set(d) == {"question", "kind", "searched", "no_answer", "notices", "answers"}
    assert d["kind"] == "question" and d["searched"] == "教育"
    a = d["answers"][0]
    assert set(a) == {"rank", "score", "turn_id", "speaker", "text", "quote", "question", "article", "section",
                      "match", "said_here", "start", "url_at"}
    assert a["start"] is None and a["url_at"] == a["article"]["url"]  # the seeds are articles, not recordings
    assert set(a["article"]) == {"title", "date", "url", "source"}
    json.dumps(d, ensure_ascii=False)


def test_all_speakers_option(hash_assistant):
    only = hash_assistant.ask("你能防止AI生气吗？", k=10)
    everyone = hash_assistant.ask("你能防止AI生气吗？", k=10, all_speakers=True)
    assert {a.turn.speaker for a in only.answers} == {"Mira Murati"}
    assert "Jeffrey Blackburn" in {a.turn.speaker for a in everyone.answers}
    assert all(a.turn.speaker != "Narrator" for a in everyone.answers)


def test_article_filter(hash_assistant):
    r = hash_assistant.ask("竞争", k=5, articles=["2023-10-14-fortune-interview"])
    assert r.answers and {a.article.article_id for a in r.answers} == {"2023-10-14-fortune-interview"}
    assert hash_assistant.ask("竞争", articles=["nope"]).no_answer


@pytest.mark.parametrize("q", ["", "   ", "\n\t", "\x00\x01\x02"])
def test_empty_questions_are_refused(hash_assistant, q):
    with pytest.raises(QuestionError, match="empty"):
        hash_assistant.ask(q)


def test_long_question_is_truncated_with_a_notice(hash_assistant):
    r = hash_assistant.ask("监管" * 100_000)
    assert len(r.question) == hash_assistant.settings.max_question_chars
    assert any("first 1000" in n for n in r.notices)


def test_clean_question_keeps_text_and_drops_controls():
    assert clean_question("  她\x07怎么看\u200b监管？ ", 100) == ("她 怎么看 监管？", ())
    with pytest.raises(QuestionError):
        clean_question(None, 10)


def test_context_and_article_turns(hash_assistant):
    tid = "2024-06-21-dartmouth-conversation#111"
    ctx = hash_assistant.context(tid)
    assert [t.turn_id for t in ctx][2] == tid and len(ctx) == 5
    first = hash_assistant.context("2023-10-14-fortune-interview#0")
    assert first[0].position == 0 and all(t.article_id == "2023-10-14-fortune-interview" for t in first)


def test_missing_index_without_build_is_an_error(tmp_path):
    with pytest.raises(IndexError_, match="qa index"):
        Assistant.load(tmp_path / "none")


def test_sources_changed_notice(hash_settings, hash_assistant):
    (hash_settings.sources / "2023-10-14-fortune-interview.md").write_text("**Mira：** 新的内容在这里。\n")
    again = Assistant.load(settings=hash_settings)
    assert any("run 'qa index'" in n for n in again.notices)


def test_an_editors_note_in_brackets_is_never_quoted_as_her_words(hash_assistant):
    a, idx = hash_assistant, hash_assistant.index
    t = a.position["2023-10-14-fortune-interview#7"]
    text = idx.turns[t].text
    note = "[现在OpenAI有大约500名员工。]"
    assert note in text
    rows = [r for r in range(int(idx.turn_units[t]), int(idx.turn_units[t + 1]))
            if idx.units[r, 1] == SENTENCE and text[idx.units[r, 2]:idx.units[r, 3]] == note]
    assert len(rows) == 1
    start, end = a.quote_span(t, np.asarray(idx.vectors[rows[0]]))  # a question that matches the note best
    assert note not in text[start:end] and text[start:end] in text


def test_each_answer_carries_a_match_label_and_a_citation(hash_assistant):
    from qa.retrieve import MATCH, MATCH_ANSWERS, MATCH_RELATED, match_label

    assert [match_label(s) for s in (MATCH_ANSWERS, MATCH_RELATED, MATCH_RELATED - 0.01)] == list(MATCH)
    a = hash_assistant.ask("教育", k=3).answers[0]
    assert a.to_dict()["match"] == match_label(a.score)
    plain, md = a.citation(), a.citation(markdown=True)
    from qa.types import clean_url

    link = clean_url(a.article.url)  # what names the article, without the sharer's tracking parameters
    assert "chksm" in a.article.url and "chksm" not in link and "__biz=" in link and "sn=" in link
    for part in (a.quote, a.turn.speaker, a.article.title, a.article.date, link):
        assert part in plain and part in md
    assert md.startswith("> ") and f"]({link})" in md


def test_by_date_orders_answers_by_interview_date_keeping_their_ranks(hash_assistant):
    from qa.present import by_date

    result = hash_assistant.ask("OpenAI", k=8)
    ordered = by_date(result)
    dates = [a.article.date for a in ordered.answers]
    assert dates == sorted(dates) and len(set(dates)) == 2  # 2023 beside 2024
    assert sorted(a.rank for a in ordered.answers) == [a.rank for a in result.answers]


def test_cli_cite_and_by_date(hash_settings, capsys):
    from qa.cli import main

    args = ["ask", "教育", "--k", "4", "--index", str(hash_settings.index), "--sources", str(hash_settings.sources)]
    import os

    os.environ["QA_MODEL"] = "hash"
    try:
        assert main(args + ["--cite", "--by-date"]) == 0
    finally:
        del os.environ["QA_MODEL"]
    out = capsys.readouterr().out
    assert out.count("    cite: “") == 4 and "— Mira Murati, “" in out
    years = [line.rsplit("· ", 1)[1][:4] for line in out.splitlines() if line.startswith("[")]
    assert years == sorted(years)


# Pasted quotes: the turn that holds them, and the span of her words they match (qa/query.py, Assistant.best_run).
CREATIVE = "2024-06-21-dartmouth-conversation#90"
FIRST = "有些创意工作可能会消失，但如果产生的内容质量不高，也许它们本不应该存在。"
SECOND = "但我真的相信，将其用作教育和创造力的工具，将扩展我们的智力、创造力和想象力。"


def test_a_pasted_sentence_is_found_and_its_span_marked(hash_assistant):
    r = hash_assistant.ask(FIRST, k=3)
    assert r.kind == "quote" and r.searched == FIRST
    top = r.answers[0]
    assert top.turn.turn_id == CREATIVE and top.said_here
    assert top.quote.endswith(FIRST) and SECOND not in top.quote  # one sentence pasted, one sentence marked
    assert top.turn.text[top.quote_start:top.quote_end] == top.quote
    assert not any(a.said_here for a in r.answers[1:])
    before, quote, after = top.in_context()
    assert quote == top.quote and after == SECOND and before + quote + after == top.turn.text


def test_a_pasted_run_of_two_sentences_marks_both(hash_assistant):
    r = hash_assistant.ask(f"“{FIRST}{SECOND}”", k=3)
    assert r.kind == "quote" and r.searched == FIRST + SECOND  # the quotation marks are not searched
    assert r.answers[0].said_here and r.answers[0].quote.endswith(FIRST + SECOND)


def test_a_question_is_never_where_she_said_it(hash_assistant):
    r = hash_assistant.ask("有些创意工作会消失吗？", k=3)
    assert r.kind == "question" and r.answers[0].turn.turn_id == CREATIVE
    assert not any(a.said_here for a in r.answers)


def test_a_claim_is_searched_without_its_frame(hash_assistant):
    r = hash_assistant.ask(f"她是不是说过{FIRST[:-1]}？", k=3)
    assert r.kind == "claim" and r.searched == FIRST[:-1]
    assert r.answers[0].turn.turn_id == CREATIVE and r.answers[0].quote.endswith(FIRST)


def test_terminal_text_says_how_it_searched_and_marks_the_span(hash_assistant):
    from qa.present import result_text

    out = result_text(hash_assistant.ask(FIRST, k=2), width=200)
    assert "searched as a quote" in out and out.count("where she said it") == 1
    assert f"【我认为是的，{FIRST}】{SECOND}" in out
    out = result_text(hash_assistant.ask(f"Did Murati say that {FIRST}", k=2), width=200)
    assert f"read as a claim; searched for: {FIRST[:-1]}" in out


def test_a_quote_in_a_press_frame_is_searched_without_the_writers_words_and_says_so(hash_assistant):
    from qa.present import result_text

    r = hash_assistant.ask(f"穆拉蒂在达特茅斯表示：“{FIRST}{SECOND}”", k=3)
    assert r.kind == "quote" and r.searched == FIRST + SECOND and r.framed
    assert r.answers[0].said_here and r.answers[0].quote.endswith(FIRST + SECOND)
    out = result_text(r, width=200)
    assert f"searched as a quote, her words without the writer's around them: {FIRST}{SECOND}" in out
    assert not hash_assistant.ask(f"“{FIRST}{SECOND}”", k=3).framed  # quotation marks alone are no frame


def test_answering_keeps_numpy_blas_to_one_thread(hash_assistant):
    from threadpoolctl import threadpool_info

    blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
    assert blas and all(p["num_threads"] == 1 for p in blas)  # (see retrieve.one_blas_thread)


def test_every_unit_scored_reads_each_turns_best_scores_as_the_general_path(hash_assistant):
    # A small flat index scores every unit with FAISS's inner-product kernel, unranked; that must be the scores
    # a search returns, and its shortcut must give each turn's best score per kind exactly as the path used for
    # big indexes (the search's hits grouped by turn) does.
    from qa.retrieve.signals import dense_from_hits, dense_from_units

    a = hash_assistant
    assert a.corpus.groups is not None
    for q in ("她如何看待AI监管？", "What does she think about regulation?", "教育"):
        qv = a.embedder.queries([q])[0]
        D, I = a.index.search(qv, a.index.faiss.ntotal)
        by_unit = a.index.score_every_unit(qv)
        np.testing.assert_array_equal(by_unit[I], D)
        turns, kinds = a.unit_turn[I], a.unit_kind[I]
        for cand in (np.flatnonzero(a.interviewee), np.flatnonzero(a.any_speaker)[::3]):
            np.testing.assert_array_equal(dense_from_units(a.corpus, cand, by_unit),
                                          dense_from_hits(cand, D, turns, kinds))


def _beside_quinn(tmp_path, sources, transcript: str) -> Assistant:
    """A model-free assistant over the seeds and an invented interview of Ada Quinn (`transcript`)."""
    from qa.config import Settings

    (sources / "quinn.txt").write_text(transcript, encoding="utf-8")
    with open(sources / "catalog.toml", "a", encoding="utf-8") as f:
        f.write('\n["quinn.txt"]\ntitle = "Bicycles"\ndate = 2025-01-01\ninterviewee = "Ada Quinn"\n')
    return Assistant.load(settings=Settings(sources=sources, index=tmp_path / "idx", model="hash"),
                          build_if_missing=True)


def test_a_question_naming_an_interviewee_gets_their_answers(tmp_path, sources):
    a = _beside_quinn(tmp_path, sources,
                      "HOST: Ada, how do you repair old bicycles?\n\n"
                      "ADA QUINN: I strip the frame, replace the chain and true the wheels by hand.\n\n"
                      "HOST: And what about regulation of AI?\n\n"
                      "ADA QUINN: I leave that to people who build it; I build bicycles.\n")
    for q in ("What does Quinn say about regulation?", "How does ADA QUINN repair old bicycles?"):
        r = a.ask(q, k=5)
        assert r.answers and {x.turn.speaker for x in r.answers} == {"Ada Quinn"}, q
        assert "Answers by Ada Quinn, named in the question." in r.notices
    # (the model-free embedder does not cross languages: only whose turns were searched is checked here)
    assert a.scope("Ada Quinn怎么看监管？")[1] == "Answers by Ada Quinn, named in the question."
    # naming her gets hers; naming nobody, every interviewee's; a name inside a longer word names nobody
    assert {x.turn.speaker for x in a.ask("What does Murati say about regulation?", k=5).answers} == {"Mira Murati"}
    default = a.ask("What about regulation of AI?", k=50)
    assert {"Mira Murati", "Ada Quinn"} <= {x.turn.speaker for x in default.answers}
    assert not any("named in the question" in n for n in a.ask("Quinnsworth regulation?", k=5).notices)
    # an explicit speaker wins over a name in the question
    assert {x.turn.speaker for x in a.ask("What does Quinn say?", k=5, speaker="Mira Murati").answers} \
        == {"Mira Murati"}


def test_a_part_of_a_name_that_is_a_common_word_does_not_name_anybody():
    from qa.retrieve import name_patterns

    patterns = name_patterns({"Will Young", "Ada Quinn", "Mira Murati"})

    def named(q):
        return [n for n, p in patterns if p.search(q)]

    assert named("Will AI take our jobs?") == [] and named("Is the young generation ready?") == []
    assert named("What did Will Young say?") == ["Will Young"]
    assert named("Quinn认为监管重要吗？") == ["Ada Quinn"] and named("murati on regulation") == ["Mira Murati"]
    assert named("穆拉蒂怎么看监管？") == ["Mira Murati"] and named("米拉怎么看？") == []  # (two characters: too short)
    assert name_patterns({"Mira Murati"}) == []  # one interviewee: naming her changes nothing


def test_a_question_without_her_name_says_her_by_a_pronoun():
    from qa.retrieve.scope import any_name, unnamed

    one = any_name({"Mira Murati"})  # one interviewee is enough
    assert unnamed("What is Mira Murati's favourite film?", one) == "What is her favourite film?"
    assert unnamed("Is Murati married?", one) == "Is she married?"
    assert unnamed("米拉·穆拉蒂结婚了吗？", one) == "她结婚了吗？" and unnamed("Murati的生日是哪天？", one) == "她的生日是哪天？"
    assert unnamed("Is the miracle near?", one) == "Is the miracle near?"  # "mira" inside a word is no name
    two = any_name({"Mira Murati", "Will Young"})
    assert unnamed("Will AI take young people's jobs, Raman?", two) == "Will AI take young people's jobs, Raman?"
    assert unnamed("What does Will Young say?", two, "he") == "What does he say?"
    assert any_name(set()) is None and unnamed("Is she married?", None) == "Is she married?"


@pytest.mark.parametrize("text", ["Thank you, Dana. This was fun.", "Thanks for having me! Happy to be here.",
                                  "Cheers, man. Thanks, I appreciate you inviting me.", "It's my pleasure.",
                                  "谢谢大家。", "我真的很高兴能在这里。", "谢谢你，Dana。很高兴来到这里！"])
def test_a_turn_that_only_thanks_or_greets_is_a_courtesy(text):
    from qa.retrieve.scope import courtesy

    assert courtesy(text, frozenset({"dana"}))


@pytest.mark.parametrize("text", ["Thanks. Yes, about a year and a half.", "Great.", "Yes.", "Happy birthday!",
                                  "Thank you for the question. Safety comes first, always.",
                                  "是的，大约一年半。", "很高兴。", "谢谢你的问题，我认为安全最重要。"])
def test_a_short_answer_is_no_courtesy(text):
    from qa.retrieve.scope import courtesy

    assert not courtesy(text, frozenset({"dana"}))


def test_a_turn_that_only_thanks_answers_nothing_whoever_is_asked_for(tmp_path, sources):
    a = _beside_quinn(tmp_path, sources,
                      "HOST: Ada, welcome to the show.\n\n"
                      "ADA QUINN: Thanks for having me, it's a pleasure to be here.\n\n"
                      "HOST: How do you repair old bicycles?\n\n"
                      "ADA QUINN: I strip the frame, replace the chain and true the wheels by hand.\n")
    thanks = a.corpus.position["quinn#1"]
    assert a.index.turns[thanks].text.startswith("Thanks for having me") and a.corpus.courtesy[thanks]
    q = "Is it a pleasure to be here, thanks for having me?"
    for result in (a.ask(q, k=50), a.ask("Quinn: " + q, k=50), a.ask(q, k=50, speaker="Ada Quinn"),
                   a.ask(q, k=50, all_speakers=True)):
        assert "quinn#1" not in {x.turn.turn_id for x in result.answers}
    # scored with the rest (so the others' scores do not move), then dropped
    order, _, _ = a.rank(q, a.embedder.queries([q])[0], a.scope(q, speaker="Ada Quinn")[0])
    assert thanks in order[:2]


def test_she_in_a_question_is_the_assistants_subject_among_several_interviewees(tmp_path, sources, monkeypatch):
    from dataclasses import replace

    import qa.retrieve.fuse as fuse

    a = _beside_quinn(tmp_path, sources,
                      "HOST: Ada, what do you think about regulation of AI models?\n\n"
                      "ADA QUINN: Regulation of AI models is overdue."
                      "\n\nHOST: And bicycles?\n\n"
                      "ADA QUINN: I strip the frame, replace the chain and true the wheels by hand.\n")
    # (the model-free embedder matches words: her Chinese turns meet the English ones only through glosses)
    q = "她认为AI models的regulation应该来自政府吗？"
    prior = fuse.SUBJECT_PRIOR
    monkeypatch.setattr(fuse, "SUBJECT_PRIOR", 0.0)
    plain = a.ask(q, k=5)
    assert plain.answers[0].turn.speaker == "Ada Quinn"  # the stronger match, without the rule
    lead = plain.answers[0].score - max(x.score for x in plain.answers if x.turn.speaker == "Mira Murati")
    assert 0 < lead < prior, "the case the rule is for: a stronger match, by less than the prior"
    monkeypatch.undo()
    r = a.ask(q, k=50)
    assert r.answers[0].turn.speaker == "Mira Murati" and "Ada Quinn" in {x.turn.speaker for x in r.answers}
    assert any(n.startswith("“她” is read as Mira Murati") for n in r.notices)
    quinn = next(x for x in r.answers if x.turn.speaker == "Ada Quinn")
    assert quinn.score > r.answers[0].score  # each answer keeps its own score; only the order changes
    # no pronoun, or a name: as before
    for q in ("AI models的regulation应该来自政府吗？", "What about regulation of AI models?",
              "What does Quinn think about regulation of AI models?"):
        r = a.ask(q, k=5)
        assert r.answers[0].turn.speaker == "Ada Quinn" and not any("is read as" in n for n in r.notices), q
    # "他" is not her; for a subject called "he" (Settings.interviewee_pronoun) it is, and "其他" (other) never
    he_q = "他认为AI models的regulation应该来自政府吗？"
    r = a.ask(he_q, k=5)
    assert r.answers[0].turn.speaker == "Ada Quinn" and not any("is read as" in n for n in r.notices)
    he = Assistant(a.index, a.embedder, replace(a.settings, interviewee_pronoun="he"))
    assert he.ask(he_q, k=5).answers[0].turn.speaker == "Mira Murati"
    assert he.ask(q, k=5).answers[0].turn.speaker == "Ada Quinn"
    assert he.pronoun.search(he_q) and not he.pronoun.search("其他公司怎么看监管？")


def test_names_only_some_interviewees_speak_of_say_whose_conversations_a_question_is_about(tmp_path, sources):
    from qa.retrieve.signals import conversation_scores

    a = _beside_quinn(tmp_path, sources,
                      "HOST: Ada, where do you ride?\n\n"
                      "ADA QUINN: Every summer I ride from Porto to Lisbon, and I repair bicycles on the way; "
                      "ChatGPT plans the route.\n")
    assert a.n_people == 2 and {"lisbon", "porto", "openai"} <= a.names and "bicycles" not in a.names
    everyone = np.flatnonzero(a.any_speaker)
    quinn = a.person_of[everyone] == a.person_of[a.position["quinn#1"]]  # her conversation's turns
    lisbon = conversation_scores(a.corpus, [["lisbon"]], everyone)
    assert (lisbon[quinn] > 0).all() and (lisbon[~quinn] == 0).all()
    openai = conversation_scores(a.corpus, [["openai"]], everyone)  # Murati's articles say it, Quinn does not
    assert (openai[~quinn] > 0).all() and (openai[quinn] == 0).all()
    # a word that is no name, or a name both speak of, says nothing
    assert "chatgpt" in a.names and not conversation_scores(a.corpus, [["bicycles"], ["chatgpt"]], everyone).any()
    # and a question about Lisbon gets her answer
    assert a.ask("What happens on the road to Lisbon?", k=3).answers[0].turn.turn_id == "quinn#1"


def test_an_index_of_one_interviewee_records_no_names(hash_assistant):
    assert hash_assistant.n_people == 1 and hash_assistant.names == frozenset()


def test_lexical_support_for_the_no_answer_bar_is_counted_per_language(tmp_path, sources):
    """Over transcripts in two languages a question's words back a language's turns only where those turns hold
    them: a Chinese word found only through an English turn (自行车 -> bicycle) does not lower the Chinese bar,
    an English question's most informative word must be there, and a speaker's name is not a content word."""
    a = _beside_quinn(tmp_path, sources,
                      "HOST: How do you choose a good bicycle for a child?\n\n"
                      "ADA QUINN: Pick a light frame and good brakes; a child's bicycle should be easy to lift.\n")
    from qa.retrieve.abstain import rare_terms, supported as backed

    lang = {code: j for j, (code, _) in enumerate(a.corpus.languages)}
    assert set(lang) == {"en", "zh"}

    def supported(q: str, code: str) -> bool:
        terms = query_terms(q, a.index.glossary, a.index.senses, a.corpus.english)
        return backed(a.corpus, q, is_chinese(q), rare_terms(a.corpus, terms[0]), lang[code])

    assert supported("怎么挑选自行车？", "en") and not supported("怎么挑选自行车？", "zh")
    assert supported("How do I choose a good bicycle?", "en")
    assert not supported("How do I choose a good kayak?", "en")  # only "choose" and "good" are there
    assert supported("How does Quinn choose a bicycle?", "en")  # "Quinn" is nowhere in the text, and says whose


def test_a_pasted_quote_is_backed_though_the_rendering_dropped_its_rarest_word(tmp_path, sources):
    """A question whose most informative word is nowhere in the transcripts is about something else; a quote of
    her own words against a loose rendering often lost that word ("formative"), and one of its two most
    informative words is enough. A quote about something else still finds neither."""
    a = _beside_quinn(tmp_path, sources,
                      "HOST: What did that summer teach you?\n\n"
                      "ADA QUINN: Every summer I rode the coast from Porto to Lisbon and repaired bicycles for "
                      "strangers; it taught me patience.\n")
    from qa.retrieve.abstain import rare_terms, supported

    en = next(j for j, (code, _) in enumerate(a.corpus.languages) if code == "en")

    def backed(q: str, quote: bool) -> bool:
        terms = query_terms(q, a.index.glossary, a.index.senses, a.corpus.english)
        return supported(a.corpus, q, False, rare_terms(a.corpus, terms[0]), en, quote)

    said = "It was a very formative summer, you know, repairing bicycles for strangers along the coast."
    assert backed(said, quote=True) and not backed(said, quote=False)
    elsewhere = "Always check the tyre pressure before a long drive when the temperature drops below freezing."
    assert not backed(elsewhere, quote=True)



def test_one_clause_of_a_long_quote_clearly_hers_is_enough_to_answer():
    from types import SimpleNamespace

    from qa.retrieve.abstain import CLAUSE_MARGIN, clause_covered

    # two clauses; background passages (English) scoring 0.70 for each; turn sentences as given below
    corpus = SimpleNamespace(index=SimpleNamespace(background=np.array([[0.70, 0.70], [0.60, 0.60]])),
                             languages=[("en", np.array([0, 1]))], lang_id=np.array([0, 0, 0]))
    clause_vecs = np.eye(2, dtype=np.float32)
    order = np.array([0, 1, 2])

    def coverage(best_of_first_clause):
        return lambda t, cv: np.array([best_of_first_clause if t == 1 else 0.65, 0.66], dtype=np.float32)

    assert clause_covered(corpus, clause_vecs, False, order, coverage(0.70 + CLAUSE_MARGIN + 0.01))
    assert not clause_covered(corpus, clause_vecs, False, order, coverage(0.70 + CLAUSE_MARGIN - 0.01))


def test_a_question_over_turns_in_its_other_language_needs_a_translated_word_or_a_higher_bar():
    from types import SimpleNamespace

    from qa.retrieve.abstain import CROSS_MARGIN, CROSS_REFERENCE, EVIDENCE_TURNS, UNTRANSLATED_EXTRA, covered

    # background passages: 0-1 Chinese, the rest English; the question's cosine with every one is 0.70.
    # Turns 0-1 are Chinese, 2-6 English; `order` ranks 6 (English) first, then 4, 2, 5, 3.
    n_bg = 2 + CROSS_REFERENCE
    corpus = SimpleNamespace(index=SimpleNamespace(background=np.full((n_bg, 1), 0.70, dtype=np.float32)),
                             languages=[("zh", np.array([0, 1])), ("en", np.arange(2, n_bg))],
                             lang_id=np.array([0, 0, 1, 1, 1, 1, 1]))
    qv = np.ones(1, dtype=np.float32)
    order = np.array([0, 6, 4, 1, 2, 5, 3])
    asked = []

    def translated(holding):
        def check(turns):
            asked.append([int(t) for t in turns])
            return bool({int(t) for t in turns} & holding)
        return check

    def answered(chinese, best_english, holding, supported=False):
        best = np.array([0.0, best_english - 0.01, best_english, 0.0, 0.5, 0.5, 0.5], dtype=np.float32)
        return covered(corpus, qv, chinese, order, best, lambda j: supported, translated(holding))

    # A Chinese question over English turns: between the cross-language bar and that bar raised, it is covered
    # only when one of the first English turns in the ranking holds a translation of one of its words
    between = 0.70 + CROSS_MARGIN + UNTRANSLATED_EXTRA / 2
    assert answered(True, between, holding={2})
    assert asked[-1] == [6, 4, 2][:EVIDENCE_TURNS]  # the first English turns of the ranking, not the Chinese ones
    assert not answered(True, between, holding={5})  # a turn further down holds it: no evidence
    assert answered(True, 0.70 + CROSS_MARGIN + UNTRANSLATED_EXTRA + 0.005, holding=set())
    # An English question over the same English turns is in its own language: no translation is looked for
    n = len(asked)
    answered(False, between, holding=set())
    assert all(turns != [6, 4, 2][:EVIDENCE_TURNS] for turns in asked[n:])


def test_a_word_translated_in_a_turn_is_evidence_and_a_speakers_name_is_not(tmp_path, sources):
    a = _beside_quinn(tmp_path, sources,
                      "HOST: How do you choose a good bicycle for a child?\n\n"
                      "ADA QUINN: In the Quinn family we say: pick a light frame and good brakes; a child's bicycle "
                      "should be easy to lift.\n")
    from qa.retrieve.abstain import holds, word_groups

    turn = next(i for i, t in enumerate(a.index.turns) if "brakes" in t.text)

    def evidence(q):
        about, names = word_groups(a.corpus, query_groups(q, a.index.glossary, a.index.senses, a.corpus.english))
        return holds(a.corpus, about, turn), holds(a.corpus, names, turn)

    assert evidence("怎么挑选自行车？") == (True, False)  # 自行车 -> bicycle
    assert evidence("Quinn养过猫吗？") == (False, True)  # her name is there, and says nothing of cats


def test_each_interview_that_answers_has_its_best_among_the_first_answers():
    from qa.retrieve.fuse import KEEP_FIRST, MATCH_ANSWERS, MATCH_RELATED, interleaved

    article_of = np.array(["a", "a", "a", "a", "b", "c", "a"])
    order = np.arange(7)
    scores = np.array([20, 19, 18, 17, MATCH_ANSWERS + 1, MATCH_RELATED, 5], dtype=np.float32)
    got, got_scores = interleaved(order, scores, article_of, lambda t, u: False)
    # the first KEEP_FIRST in score order; then b's best (it answers), before a's further answers; c's best,
    # only related, keeps its place
    assert got.tolist()[:KEEP_FIRST + 1] == [0, 1, 4] and got.tolist()[KEEP_FIRST + 1:] == [2, 3, 5, 6]
    assert sorted(got_scores.tolist()) == sorted(scores.tolist())
    # a turn that is the other version of an answer already chosen is left out (its words are on that card)
    got, _ = interleaved(order, scores, article_of, lambda t, u: (t, u) == (4, 1))
    assert 4 not in got.tolist()


def test_the_best_answer_in_the_other_language_comes_right_after_the_first_ones():
    from qa.retrieve.fuse import CROSS_FLOOR, KEEP_FIRST, MATCH_ANSWERS, interleaved

    # Two Chinese articles (a, b) and two English transcripts (e, f); the question is Chinese. The English
    # turns score lower, as cross-language ones do, and below anything that "answers it".
    article_of = np.array(["a", "a", "b", "a", "e", "f", "e"])
    other = np.isin(article_of, ["e", "f"])
    order = np.arange(7)
    scores = np.array([20, 19, MATCH_ANSWERS - 1, MATCH_ANSWERS - 2, CROSS_FLOOR + 3, CROSS_FLOOR + 2,
                       CROSS_FLOOR + 1], dtype=np.float32)
    assert scores[4] < MATCH_ANSWERS
    got, _ = interleaved(order, scores, article_of, lambda t, u: False, other)
    # e's best, the best English turn, comes right after the first ones; f's, not the best English one, does not
    assert got.tolist()[:KEEP_FIRST + 2] == [0, 1, 4, 2] and got.tolist()[KEEP_FIRST + 2:] == [3, 5, 6]
    # over one language, or with no turn of the other language at the floor, nothing moves
    assert interleaved(order, scores, article_of, lambda t, u: False)[0].tolist() == [0, 1, 2, 3, 4, 5, 6]
    low = np.where(other, CROSS_FLOOR - 1, scores).astype(np.float32)
    assert interleaved(order, low, article_of, lambda t, u: False, other)[0].tolist() == [0, 1, 2, 3, 4, 5, 6]
    # one among the first ones already: no second is drawn in
    first = np.array([4, 0, 1, 2, 3, 5, 6])
    got, _ = interleaved(first, scores[first], article_of, lambda t, u: False, other[first])
    assert got.tolist()[:KEEP_FIRST + 1] == [4, 0, 1]


def test_her_words_in_the_other_language_are_her_turns_in_the_language_the_question_is_not_in(hash_settings):
    import shutil

    from qa.build import build
    from qa.embed import HashEmbedder

    from .conftest import ROOT, write

    fixtures = ROOT / "tests" / "fixtures" / "transcripts"
    shutil.copy(fixtures / "labels.txt", hash_settings.sources / "labels.txt")  # hers, in English
    write(hash_settings.sources / "keeper.txt", "DANA ROSS: What did the keeper do at dusk?\n\n"
          "OLE VANG: He lit the lamp and wrote the weather in the logbook.\n")  # somebody else's
    write(hash_settings.sources / "catalog.toml", '["keeper.txt"]\ntitle = "The keeper"\ninterviewee = "Ole Vang"\n')
    build(hash_settings, HashEmbedder())
    corpus = Assistant.load(settings=hash_settings).corpus
    art = corpus.article_of
    hers = int(np.flatnonzero(corpus.interviewee & ~np.isin(art, ["labels", "keeper"]))[0])  # an article's turn
    every = np.arange(corpus.n_turns)
    other = corpus.other_language(True, hers, every)
    assert other[art == "labels"].all()  # her English turns, for a Chinese question
    assert (art == "keeper").any() and not other[art == "keeper"].any()  # another interviewee's English turns are not her words
    assert not other[~np.isin(art, ["labels", "keeper"])].any()  # the Chinese turns are in the question's language
    english = corpus.other_language(False, hers, every)  # for an English question: her Chinese turns
    assert english[~np.isin(art, ["labels", "keeper"])].all() and not english[np.isin(art, ["labels", "keeper"])].any()
    # A Chinese question's legs: her English turns stand on the word leg (fuse.fused), the keeper's do not
    from qa.retrieve.signals import gather

    pool = np.ones(corpus.n_turns, dtype=bool)
    legs = gather(corpus, np.ones(corpus.index.vectors.shape[1], np.float32), pool, (["灯塔"], ["灯塔"]), chinese=True)
    cand_art = art[legs.cand]
    assert legs.by_words[cand_art == "labels"].any() and not legs.by_words[cand_art == "keeper"].any()
    assert not legs.by_words[~legs.no_pairs].any()


def test_an_english_turn_is_not_ranked_last_on_the_character_pairs_it_cannot_hold():
    from qa.query import QUESTION
    from qa.retrieve.fuse import fused

    # Twelve Chinese turns and one English one (the last row). Columns: the four dense signals, words, pairs.
    n = 12
    feats = np.zeros((n + 1, 6), dtype=np.float32)
    feats[:n, :4] = np.linspace(0.70, 0.79, n)[:, None]
    feats[:n, 5] = np.linspace(0.0, 1.0, n)  # a few characters in common with the question
    feats[n - 1, 4:] = 1.0, 4.0  # the best Chinese turn: a word and many characters
    feats[n, :4], feats[n, 4] = 0.81, 1.0  # the English turn: closer in meaning, the same word, no characters
    english = np.zeros(n + 1, dtype=bool)
    english[n] = True
    plain = fused(feats, QUESTION)
    assert plain.argmax() == n - 1  # counted as holding the fewest pairs of all, it loses to the characters
    fair = fused(feats, QUESTION, english)
    assert fair.argmax() == n  # its standing on the pair leg is its standing on the dense ones
    # the Chinese turns keep their order among themselves, and without the mark nothing changes
    assert (np.diff(fair[:n]) > 0).all()
    assert np.array_equal(fused(feats, QUESTION, None), plain)


def test_her_english_turn_stands_on_the_word_leg_where_the_character_pairs_cannot_reach_it():
    from qa.query import QUESTION
    from qa.retrieve.fuse import fused

    # Twelve Chinese turns, then two English ones: hers, and another interviewee's with the same evidence.
    # Columns: the four dense signals, words, pairs.
    n = 12
    feats = np.zeros((n + 2, 6), dtype=np.float32)
    feats[:n, :4] = np.linspace(0.70, 0.79, n)[:, None]
    feats[:n, 5] = np.linspace(0.0, 1.0, n)
    feats[n - 1, 4:] = 1.0, 4.0  # the best Chinese turn: one word of the question and many of its characters
    feats[n:, :4], feats[n:, 4] = 0.785, 3.0  # the English turns: a little lower in meaning, more of its words
    english = np.zeros(n + 2, dtype=bool)
    english[n:] = True
    hers = english.copy()
    hers[n + 1] = False
    before = fused(feats, QUESTION, english)
    assert before.argmax() == n - 1  # on its dense standing the English answer is second to the characters
    after = fused(feats, QUESTION, english, hers)
    assert after.argmax() == n  # her English turn: its standing on the words that do reach it
    assert after[n + 1] == before[n + 1] < after[n - 1]  # another person's English turn is not lifted
    assert np.array_equal(after[:n], before[:n])  # the Chinese turns keep their scores


def test_a_pasted_quote_is_placed_by_the_sentences_that_render_it_not_by_the_whole_turns_topic():
    from qa.query import CLAIM, QUOTE
    from qa.retrieve.fuse import order
    from qa.retrieve.signals import Legs

    # Twenty background turns, then A: a one-sentence turn on the quote's topic that uses the glosses of its
    # words, and B: a long turn one sentence of which renders the quote freely. Dense columns: window,
    # sentence, question + answer, question-to-question.
    n = 20
    dense = np.zeros((n + 2, 4), dtype=np.float32)
    dense[:n] = np.linspace(0.70, 0.78, n)[:, None]
    dense[n] = 0.86, 0.84, 0.86, 0.80  # A: the whole turn is the topic
    dense[n + 1] = 0.81, 0.87, 0.79, 0.80  # B: its best sentence is the quote
    words = np.append(np.linspace(0.0, 1.0, n), [3.0, 2.0]).astype(np.float32)
    runs = np.append(np.linspace(0.80, 0.84, n), [0.86, 0.89])  # each turn's best run of sentences
    legs = Legs(np.arange(n + 2), dense, words, words.copy(), None, dense.max(axis=1))

    def first(kind: str) -> int:
        return int(order(legs, "hybrid", kind, None, lambda t: float(runs[t]))[0][0])

    assert first(CLAIM) == n  # a claim is a paraphrase: the turn on its topic, in its words
    assert first(QUOTE) == n + 1  # her words: the turn whose sentence renders them


def test_turns_that_hold_none_of_a_questions_words_do_not_answer_it_on_the_dense_score_alone(tmp_path, sources):
    from types import SimpleNamespace

    from qa.retrieve.abstain import covered, rare_terms, supported

    a = _beside_quinn(tmp_path, sources,
                      "HOST: How do you choose a good bicycle for a child?\n\n"
                      "ADA QUINN: Pick a light frame and good brakes; a child's bicycle should be easy to lift.\n")
    en = next(j for j, (code, _) in enumerate(a.corpus.languages) if code == "en")

    def backed(q: str, quote: bool = False):
        terms = query_terms(q, a.index.glossary, a.index.senses, a.corpus.english)
        return supported(a.corpus, q, False, rare_terms(a.corpus, terms[0]), en, quote)

    assert backed("How do I choose a good bicycle?") is True
    assert backed("How do I choose a good kayak?") is False  # some of its words are there, not enough
    assert backed("How do I grow tomatoes on a balcony?") is None  # none of them
    assert backed("Tomatoes on a balcony need the morning sun.", quote=True) is False  # a quote: maybe rendered freely
    # A language whose turns hold none of the question's words does not answer it, however close its best turn
    corpus = SimpleNamespace(index=SimpleNamespace(background=np.full((2, 1), 0.70, dtype=np.float32)),
                             languages=[("zh", np.array([0])), ("en", np.array([1]))], lang_id=np.array([0, 1]))
    best = np.array([0.0, 0.95], dtype=np.float32)
    qv, order = np.ones(1, dtype=np.float32), np.array([0, 1])
    assert covered(corpus, qv, False, order, best, lambda j: False)
    assert not covered(corpus, qv, False, order, best, lambda j: None)
