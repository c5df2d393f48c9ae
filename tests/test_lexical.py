"""The lexical legs: jieba tokens, the English -> Chinese lexicon, character bigrams, BM25."""
from __future__ import annotations

import pytest

from qa.text import BM25, bigrams, dictionary_file, query_terms, read_dictionary, tokenize, unfound_share


def query_tokens(question: str) -> list[str]:
    return query_terms(question)[0]


def test_tokenize_drops_stop_words_and_punctuation():
    assert tokenize("我们认为，监管是非常重要的！") == ["监管", "重要"]
    assert tokenize("What does she think about regulation?") == ["regulation"]
    assert tokenize("What's OpenAI's plan?") == ["openai", "plan"]  # no stray "s" (it matches "Model S")


def test_english_words_get_chinese_glosses():
    toks = query_tokens("Could investors' expectations change people's jobs?")
    assert "投资者" in toks and "人们" in toks and "就业" in toks
    assert "监管" in query_tokens("AI regulations")  # plural -> singular entry
    assert {"深度", "伪造", "选举"} <= set(query_tokens("deepfakes and elections"))  # glosses cut as documents are


def test_a_hyphenated_word_the_lexicon_lacks_is_glossed_by_its_parts():
    assert "代理" in query_tokens("AI systems with agent-like abilities")  # "agent" -> 代理; "-like" adds nothing
    assert {"自动", "驾驶"} <= set(query_tokens("self-driving cars"))  # the lexicon holds it whole (自动驾驶)
    glossary = {"bicycle": ["自行车"]}
    assert "自行车" in query_terms("bicycle-friendly streets", glossary)[0]


def test_bigrams_meet_where_words_do_not():
    assert bigrams("投资人的期望") == ["投资", "资人", "人的", "的期", "期望"]
    assert set(bigrams("投资者的期望")) & set(bigrams("投资人的期望")) >= {"投资", "期望"}
    assert bigrams("GPT-4 好") == ["gpt", "4"]  # a one-character Chinese run has no pair


def test_a_latin_word_is_one_term_of_the_bigram_leg_not_one_per_letter_pair():
    # "ChatGPT" as six letter pairs outweighed every Chinese word of "她自己平时用ChatGPT做什么？"
    assert bigrams("用ChatGPT做什么") == ["chatgpt", "做什", "什么"]


def test_idf_is_higher_for_rarer_terms_and_zero_for_unknown_ones():
    bm = BM25.build([["监管", "模型"], ["模型"], ["模型", "数据"]])
    assert bm.idf("监管") > bm.idf("模型") > 0 and bm.idf("胡狼") == 0.0


def test_bm25_ranks_the_matching_document_first():
    docs = [tokenize(t) for t in ["我们一直在倡导对前沿模型进行更多监管。", "教育会被人工智能改变。", "我喜欢音乐。"]]
    bm = BM25.build(docs)
    scores = bm.scores(query_tokens("What about regulation of frontier models?"))
    assert scores.argmax() == 0 and scores[2] == 0
    assert bm.scores(["不存在的词"]).sum() == 0


def test_dictionary_rows_become_plain_chinese_senses(tmp_path):
    path = tmp_path / "EnWords.csv"
    path.write_text('"word","translation"\n'
                    '"tire","n.<口>疲劳,劳累,轮胎,头饰vt.使疲倦,使厌烦"\n'
                    '"investor","n.投资者"\n'
                    '"aachen"," 亚琛[德意志联邦共和国西部城市]"\n'
                    '"ok","adj.好"\n', encoding="utf-8")
    d = read_dictionary(path)
    assert d["tire"] == ["疲劳", "劳累", "轮胎", "头饰"]  # first GLOSS_SENSES senses, tags and notes gone
    assert d["investor"] == ["投资者"] and d["aachen"] == ["亚琛"] and "word" not in d


def test_the_dictionary_package_is_installed_and_readable():
    path = dictionary_file()
    assert path is not None and path.name == "EnWords.csv"
    assert read_dictionary(path)["regulation"][0] in {"规则", "规章", "管理", "调节", "校准"}


def test_cc_cedict_rows_become_short_english_senses(tmp_path):
    import gzip

    from qa.text.glossary import read_chinese_dictionary

    path = tmp_path / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("# CC-CEDICT\n"
                "老師 老师 [lao3 shi1] /teacher/CL:位[wei4]/\n"
                "輔導 辅导 [fu3 dao3] /to give guidance/to coach; to tutor/\n"
                "胡編亂造 胡编乱造 [hu2 bian1 luan4 zao4] /to tell a long story nobody should believe (idiom)/\n"
                "貓 猫 [mao1] /cat/\n"
                "3Q 3Q [san1 Q] /(slang) thanks/\n")
    d = read_chinese_dictionary(path)
    assert d["老师"] == ["teacher"]  # the classifier note is not a sense
    assert d["辅导"] == ["give guidance", "coach", "tutor"]  # "to" and "sb" dropped, ";" parts apart
    assert "胡编乱造" not in d  # a definition, not a translation
    assert "猫" not in d and "3Q" not in d  # one character, or not Chinese


def test_a_chinese_word_the_english_headed_dictionary_never_gives_is_translated_from_cc_cedict():
    from qa.text import build_reverse_glossary
    from qa.text.glossary import chinese_dictionary_file

    assert chinese_dictionary_file() is not None  # the package is a dependency
    english = BM25.build([tokenize("A patient teacher comes once a week.", True)])
    senses = build_reverse_glossary(english)
    # "teacher" -> 教师 and "week" -> 星期, 周 only, in the English-headed dictionary; a question says 老师, 一周
    assert "teacher" in senses["老师"] and "week" in senses["一周"]


def test_words_outside_the_lexicon_are_glossed_from_the_glossary():
    glossary = {"bicycle": ["自行车"], "sky": ["天空"], "regulation": ["规章"]}
    tokens, pairs = query_terms("Fixing bicycles?", glossary)
    assert "自行车" in tokens and pairs == ["自行", "行车"]  # plural -> dictionary form; glosses feed the bigram leg
    assert "规章" not in query_terms("AI regulation", glossary)[0]  # the lexicon knows it: the dictionary is not asked
    tokens, pairs = query_terms("Sky的声音像谁？", glossary)
    assert "天空" not in tokens and "声音" in pairs  # a Chinese question: its English words are names, not glossed
    assert query_terms("Fixing bicycles?")[0] == query_terms("Fixing bicycles?", {})[0]


def test_unfound_share_counts_content_words_the_transcripts_never_mention():
    docs = ["我们在特斯拉做自动驾驶，后来加入了OpenAI。", "监管要先理解技术，然后制定规则。", "能否为我们简要介绍一下？"]
    words, pairs = BM25.build([tokenize(d) for d in docs]), BM25.build([bigrams(d) for d in docs])
    glossary = {"regulation": ["监管"], "cake": ["蛋糕"]}
    assert unfound_share("她为什么加入OpenAI？", glossary, words, pairs) == 0.0
    assert unfound_share("Python里怎么读取CSV文件？", glossary, words, pairs) == 1.0  # python, 读取, csv, 文件
    assert unfound_share("驾驶员", glossary, words, pairs) == 0.0  # its part 驾驶 is inside their 自动驾驶
    assert unfound_share("？", glossary, words, pairs) == 0.0  # no content word: nothing to judge by
    # Chinese words weigh what they tell: a rare word outweighs a common one.
    assert unfound_share("介绍一下胡狼。", glossary, words, pairs) > 0.5  # 介绍 is found, 胡狼 is not
    assert unfound_share("胡狼会不会影响特斯拉的自动驾驶和监管规则？", glossary, words, pairs) < 0.5
    # English words weigh what they tell too (wordfreq); a gloss found in the transcripts counts as found.
    assert 0.4 < unfound_share("What does she think of regulation and cake?", glossary, words, pairs) < 0.6
    assert unfound_share("What does she think of regulation and the garmenture?", glossary, words, pairs) > 0.6


def test_a_chinese_word_is_found_inside_a_transcripts_word_and_not_across_two():
    docs = ["今年的工作更加密集。", "学生们都问过加密技术。", "我们和学生聊过。"]
    words, pairs = BM25.build([tokenize(d) for d in docs]), BM25.build([bigrams(d) for d in docs])
    assert "更加" in words.vocab and "密集" in words.vocab and "加密" in pairs.vocab  # 加密 only as a pair there
    assert unfound_share("加密？", {}, words, pairs) == 0.0  # 加密 is inside their 加密技术
    words2, pairs2 = (BM25.build([tokenize(d) for d in docs[::2]]), BM25.build([bigrams(d) for d in docs[::2]]))
    assert unfound_share("加密？", {}, words2, pairs2) == 1.0  # only across 更加|密集: not found
    assert unfound_share("在校学生？", {}, words2, pairs2) == 0.0  # a longer word's part (学生) is
    assert words.infixes["加密"] == ["加密技术"] and "加密" not in words2.infixes


def test_the_no_answer_bar_reads_only_a_words_common_senses():
    from qa.text import content_words
    from qa.text.glossary import BAR_SENSES, build_glossary, read_dictionary

    # A corpus that says 字面意义 ("literal meaning") and 用旧 ("worn") but nothing of letters or of what to
    # wear: the dictionary's last senses of "letter" (字面意义) and "wear" (用旧) are all it holds of them
    docs = ["这句话的字面意义很清楚。", "东西用旧了就换新的。"]
    words, pairs = BM25.build([tokenize(d) for d in docs]), BM25.build([bigrams(d) for d in docs])
    glossary, common = build_glossary(words, pairs)
    senses = read_dictionary(dictionary_file())
    for w in ("letter", "wear"):
        assert glossary[w] and not set(glossary[w]) & set(senses[w][:BAR_SENSES]) and common[w] == 0
        question = f"What does she say about the {w}?"
        assert [hit for word, _, hit in content_words(question, glossary, words, pairs) if word == w] == [True]
        assert [hit for word, _, hit in content_words(question, glossary, words, pairs, common=common)
                if word == w] == [False]
    # a common sense still counts: 意义 is the first sense of "meaning"
    assert common.get("meaning", len(glossary["meaning"])) > 0
    assert [hit for word, _, hit in content_words("What is the meaning?", glossary, words, pairs, common=common)
            if word == "meaning"] == [True]


def test_an_english_words_gloss_is_found_whole_or_by_half_its_character_pairs():
    from qa.text import content_words

    docs = ["这些东西我们每周都会讨论。", "西班牙的合作伙伴也在用。"]
    words, pairs = BM25.build([tokenize(d) for d in docs]), BM25.build([bigrams(d) for d in docs])
    glossary = {"thriller": ["使人毛骨悚然的东西"], "spaniard": ["西班牙人"], "partner": ["合作伙伴"]}

    def hit(question: str, word: str) -> bool:
        return next(h for w, _, h in content_words(question, glossary, words, pairs) if w == word)

    assert not hit("Which thriller does she like?", "thriller")  # one generic pair (东西) of six
    assert hit("Did she meet a Spaniard?", "spaniard")  # 西班, 班牙 of 西班, 班牙, 牙人
    assert hit("Who is the partner?", "partner")  # the gloss is a word of theirs


def test_the_dictionary_read_from_disk_segments_exactly_as_jieba_does(tmp_path, monkeypatch):
    # A cold question reads jieba's dictionary word by word from an SQLite copy instead of loading it
    # whole; the tokens must be jieba's own.
    import jieba

    from qa.config import ROOT
    from qa.text import tokens as lexical
    from qa.text.glossary import hold_dictionaries

    monkeypatch.setenv("QA_CACHE", str(tmp_path / "cache"))
    lexical._jieba.cache_clear()
    try:
        tok = lexical._jieba()
        assert isinstance(tok.FREQ, lexical._DiskFreq) and list((tmp_path / "cache").glob("jieba-*.sqlite"))
        reference = jieba.Tokenizer()
        reference.initialize()
        for path in sorted((ROOT / "sources").glob("*.md")):
            text = path.read_text(encoding="utf-8")
            assert tok.lcut(text) == reference.lcut(text), path.name
        assert tok.lcut("穆拉蒂谈胡狼与Sky的声音") == reference.lcut("穆拉蒂谈胡狼与Sky的声音")
        # A long-running process reads the table whole: the same dictionary, the same words.
        hold_dictionaries()
        assert tok.FREQ == reference.FREQ
        for path in sorted((ROOT / "sources").glob("*.md")):
            text = path.read_text(encoding="utf-8")
            assert tok.lcut(text) == reference.lcut(text), path.name
    finally:
        lexical._jieba.cache_clear()


def test_without_a_writable_cache_folder_jieba_loads_its_dictionary_whole(tmp_path, monkeypatch):
    from qa.text import tokens as lexical

    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("QA_CACHE", str(blocker / "cache"))
    lexical._jieba.cache_clear()
    try:
        assert tokenize("我们认为，监管是非常重要的！") == ["监管", "重要"]
        assert isinstance(lexical._jieba().FREQ, dict)
    finally:
        lexical._jieba.cache_clear()


@pytest.mark.parametrize("small_corpus", [0, 4096])  # binary search, or a corpus-sized array (SMALL_CORPUS)
def test_scores_at_candidates_equal_the_full_scores(monkeypatch, small_corpus):
    import numpy as np

    import qa.text.bm25
    from qa.text import BM25

    monkeypatch.setattr(qa.text.bm25, "SMALL_CORPUS", small_corpus)

    rng = np.random.default_rng(3)
    words = ["监管", "模型", "安全", "教育", "AI", "学习", "创造力", "工作"]
    docs = [list(rng.choice(words, rng.integers(0, 12))) for _ in range(500)]
    bm = BM25.build(docs)
    query = ["监管", "AI", "AI", "创造力", "不在语料里"]
    full = bm.scores(query)
    # all documents and most (one scattered add per term), fewer (binary search from either side), none
    for cand in (np.arange(500), np.sort(rng.choice(500, 300, replace=False)),
                 np.sort(rng.choice(500, 240, replace=False)), np.sort(rng.choice(500, 37, replace=False)),
                 np.array([], dtype=np.int64), np.flatnonzero(full)[:3]):
        assert np.allclose(bm.scores_at(query, cand), full[cand], rtol=0, atol=1e-6)


def test_the_scale_benchmarks_copied_bm25_equals_a_build():
    import sys

    import numpy as np

    from qa.config import ROOT
    from qa.text import BM25

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from scale_ask import copied_bm25

    originals = {3: ["监管", "模型", "监管"], 7: ["教育", "AI"], 9: [], 12: ["AI", "创造力", "学习", "AI"]}
    pick = np.random.default_rng(1).choice(list(originals), 300)
    built, copied = BM25.build([originals[t] for t in pick]), copied_bm25(originals, pick)
    assert built.vocab == copied.vocab and np.array_equal(built.indptr, copied.indptr)
    assert np.array_equal(built.docs, copied.docs) and np.allclose(built.weights, copied.weights, rtol=1e-6)


def test_a_compound_the_dictionary_lacks_takes_its_parts_senses():
    from qa.text import english_senses

    senses = {"预料": ["expect"], "创新": ["innov"]}
    assert english_senses("预料到", senses) == ["expect"]  # jieba's search mode cuts 预料 out of it
    assert english_senses("创新", senses) == ["innov"]  # a word the dictionary has keeps its own
    assert english_senses("仙人掌", senses) == []  # nothing to borrow
    assert english_senses("预料到", {}) == []  # a Chinese-only index has no senses at all


def test_why_it_matched_names_the_words_as_the_text_writes_them():
    from qa.text import matched_terms

    text = "I think it is good to let people without much compute keep innovating."
    labels, spans = matched_terms("严格监管会不会妨碍小公司创新？", text, senses={"创新": ["innov"]})
    assert labels == ["创新 → innovating"]  # the text's word, not the stem the index holds
    assert [text[a:b] for a, b in spans] == ["innovating"]


@pytest.mark.parametrize("small_corpus", [0, 4096])  # binary search, or a corpus-sized array (SMALL_CORPUS)
def test_grouped_scores_count_a_word_and_its_translations_as_one_term(monkeypatch, small_corpus):
    """BM25.grouped_scores_at against the formula worked out by hand from the documents: a group's document
    frequency is that of any of its terms, a document's term frequency part that of its best term."""
    import math

    import numpy as np

    import qa.text.bm25
    from qa.text import B, K1, BM25

    monkeypatch.setattr(qa.text.bm25, "SMALL_CORPUS", small_corpus)
    docs = [["job", "job", "ai"], ["工作", "岗位", "监管"], ["工作"], ["监管", "ai"], [], ["岗位", "岗位", "岗位", "ai"]]
    bm = BM25.build(docs)
    n, avgdl = len(docs), sum(map(len, docs)) / len(docs)

    def expected(groups, d):
        total = 0.0
        for group in groups:
            df = sum(1 for doc in docs if any(t in doc for t in group))
            if not df:
                continue
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            sat = max((tf * (K1 + 1) / (tf + K1 * (1 - B + B * len(docs[d]) / avgdl))
                       for tf in (docs[d].count(t) for t in group)), default=0.0)
            total += idf * sat
        return total

    all_docs = np.arange(n)
    for groups in ([["job", "工作", "岗位"], ["ai"]], [["监管"]], [["job"], ["工作"]], [["不在"], ["岗位", "不在"]]):
        got = bm.grouped_scores_at(groups, all_docs)
        assert np.allclose(got, [expected(groups, d) for d in range(n)], atol=1e-5), groups
        assert np.allclose(bm.grouped_scores_at(groups, np.array([1, 5])), got[[1, 5]])
    # groups of one term are plain BM25
    assert np.allclose(bm.grouped_scores_at([["job"], ["监管"]], all_docs), bm.scores(["job", "监管"]), atol=1e-6)
    # for most documents it works on every document, for fewer on the candidates alone: the same scores
    rng = np.random.default_rng(5)
    words = ["job", "工作", "岗位", "ai", "人工智能", "监管", "regul", "学生"]
    bm = BM25.build([list(rng.choice(words, rng.integers(0, 10))) for _ in range(500)])
    groups = [["job", "工作", "岗位"], ["ai", "人工智能"], ["监管", "regul"], ["学生"], ["不在"]]
    full = bm.grouped_scores_at(groups, np.arange(500))
    for cand in (np.sort(rng.choice(500, m, replace=False)) for m in (400, 250, 249, 30, 1)):
        np.testing.assert_array_equal(bm.grouped_scores_at(groups, cand), full[cand])


def test_query_groups_put_each_word_with_its_translations():
    from qa.text import query_groups

    groups = query_groups("Will AI take away people's jobs?", {}, {}, english=True)
    job = next(g for g in groups if "job" in g)
    assert job[0] == "job" and {"工作", "就业"} <= set(job)
    assert ["take"] in groups
    # the same terms as the word leg's, only grouped
    for question, glossary, senses in [("Will AI take away people's jobs?", {"take": ["拿"]}, {}),
                                       ("她如何看待监管？", {}, {"监管": ["regul", "supervis"]}),
                                       ("Sky的声音像谁？", {}, {})]:
        flat = {t for g in query_groups(question, glossary, senses, True) for t in g}
        assert flat == set(query_terms(question, glossary, senses, True)[0]), question
    assert ["监管", "regul", "supervis"] in query_groups("她如何看待监管？", {}, {"监管": ["regul", "supervis"]}, True)


def test_name_tokens_are_latin_words_in_chinese_and_capitalised_words_inside_english_sentences():
    from qa.text import name_tokens

    names = name_tokens([("zh", "我在OpenAI工作，之前在Dartmouth读书。"),
                         ("en", "We moved to Lisbon in May. Then the Harbor Evaluation Institute called.\n"
                                "Regulation came later: Nobody expected it.")], english=True)
    assert {"openai", "dartmouth", "lisbon", "harbor", "evalu", "institut"} <= names  # (English stems)
    # a sentence's first word, after a full stop, a line break or a colon, is not taken for a name
    assert not {"regul", "nobodi", "then", "move"} & names
    assert name_tokens([("zh", "没有拉丁字母的句子。")]) == set()
