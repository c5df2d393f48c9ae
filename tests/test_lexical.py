"""The lexical legs: jieba tokens, the English -> Chinese lexicon, character bigrams, BM25."""
from __future__ import annotations

from qa.lexical import BM25, bigrams, query_tokens, tokenize


def test_tokenize_drops_stop_words_and_punctuation():
    assert tokenize("我们认为，监管是非常重要的！") == ["监管", "重要"]
    assert tokenize("What does she think about regulation?") == ["regulation"]


def test_english_words_get_chinese_glosses():
    toks = query_tokens("Could investors' expectations change people's jobs?")
    assert "投资者" in toks and "人们" in toks and "就业" in toks
    assert "监管" in query_tokens("AI regulations")  # plural -> singular entry
    assert {"深度", "伪造", "选举"} <= set(query_tokens("deepfakes and elections"))  # glosses cut as documents are


def test_bigrams_meet_where_words_do_not():
    assert bigrams("投资人的期望") == ["投资", "资人", "人的", "的期", "期望"]
    assert set(bigrams("投资者的期望")) & set(bigrams("投资人的期望")) >= {"投资", "期望"}
    assert bigrams("GPT-4 好") == ["gp", "pt"]


def test_bm25_ranks_the_matching_document_first():
    docs = [tokenize(t) for t in ["我们一直在倡导对前沿模型进行更多监管。", "教育会被人工智能改变。", "我喜欢音乐。"]]
    bm = BM25.build(docs)
    scores = bm.scores(query_tokens("What about regulation of frontier models?"))
    assert scores.argmax() == 0 and scores[2] == 0
    assert bm.scores(["不存在的词"]).sum() == 0
