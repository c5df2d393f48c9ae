"""How a query is read: a question, a pasted quote, or a claim about what she said (qa/query.py)."""
from __future__ import annotations

import pytest

from qa.query import CLAIM, QUESTION, QUOTE, read_query


@pytest.mark.parametrize("q", [
    "她如何看待AI监管？",
    "她认为AI公司之间的竞争有好处吗？",
    "她说的扩展定律到底是什么意思？",  # 说 followed by 的: a question about her words, not a claim
    "她说过哪些模型需要监管？",  # a question word inside: it asks
    "她说GPT-4o在哪几种模态上有提升？",  # 她说 opens it, but it asks which ones
    "她说公司里有多少人在做安全研究？",
    "她说付款之前必须经过谁同意？",  # who
    "她说新功能要多久才开放给所有人？",  # how long
    "谈谈她对教育的看法",  # a request, no question mark
    "What does she think about regulation?",
    "How do the two interviews differ on safety",  # no question mark, but a question word and a verb
    "Tell me about her time at Tesla",
    "Does she think low-quality creative work deserves to survive?",  # an opinion, not a report of words
    "Does she compare AI with nuclear weapons?",  # her views (present tense), not an utterance
    "AI regulation",  # a few words are a keyword search
    "教育",
    "Why are we still using old strategies for a new kind of technology?",  # a question mark wins
    "Will public libraries still need librarians, according to Lindqvist?",  # attribution last, but it asks
    "Mira Murati: what does she think about regulation?",  # a name and a colon before a question
])
def test_questions(q):
    assert read_query(q) == (QUESTION, q, q)


@pytest.mark.parametrize("q, text", [
    ("Jobs that are purely repetitive will be replaced.", "Jobs that are purely repetitive will be replaced."),
    ("When I joined we were a few dozen people, basically a research lab.",  # "When" opens a clause here
     "When I joined we were a few dozen people, basically a research lab."),
    ('"Safety and capability go hand in hand."', "Safety and capability go hand in hand."),
    ("“我认为不可能做到零风险”", "我认为不可能做到零风险"),
    ("「有些创意工作可能会消失」。", "有些创意工作可能会消失"),
    ("有些创意工作可能会消失，但如果内容质量不高，也许它们本不应该存在", None),
    ("“What is the right way to think about risk?”", "What is the right way to think about risk?"),  # quoted
])
def test_quotes(q, text):
    assert read_query(q) == (QUOTE, text or q, q)


@pytest.mark.parametrize("q, text", [
    ("Did Murati say AI could be as dangerous as nuclear weapons?", "AI could be as dangerous as nuclear weapons"),
    ("Did she really say that the model refuses sensitive requests?", "the model refuses sensitive requests"),
    ("Did Mira Murati compare safer AI to training a smarter dog?", "compare safer AI to training a smarter dog"),
    ("Murati claimed GPT-4 is as smart as a high school student.", "GPT-4 is as smart as a high school student"),
    ("She said that OpenAI was a non-profit when she joined", "OpenAI was a non-profit when she joined"),
    ("Is it true that Murati said jobs will go away?", "jobs will go away"),
    ("According to Murati, zero risk is impossible.", "zero risk is impossible"),
    ("Did Murati say she grew up in Albania?", "grew up in Albania"),
    ("穆拉蒂是不是说过训练更聪明的狗更容易？", "训练更聪明的狗更容易"),
    ("她说过AI的影响堪比核武器吗？", "AI的影响堪比核武器"),
    ("穆拉蒂称GPT-4相当于聪明的高中生。", "GPT-4相当于聪明的高中生"),
    ("Murati说没人知道AI会让多少人失业。", "没人知道AI会让多少人失业"),
    ("她说谁也不能保证模型不出错。", "谁也不能保证模型不出错"),  # 谁也: nobody, not who
    ("据说她在特斯拉负责过Model X，是真的吗？", "她在特斯拉负责过Model X"),
    ("AI的影响堪比核武器，这是真的吗？", "AI的影响堪比核武器"),
])
def test_claims(q, text):
    assert read_query(q) == (CLAIM, text, q)


@pytest.mark.parametrize("pasted, searched", [
    ("So yeah, on the kiln side we started small, because, you know, nobody knew how to fire it.",
     "on the kiln side we started small, because, nobody knew how to fire it."),
    ("I think the biggest risk is a race to the bottom, it's a big concern, yeah.",
     "I think the biggest risk is a race to the bottom, it's a big concern."),
    ("We had to really adapt and change the way that we operate.",
     "We had to really adapt and change the way that we operate."),  # nothing to take out
])
def test_a_pasted_quote_is_searched_without_its_spoken_fillers(pasted, searched):
    assert read_query(pasted) == (QUOTE, searched, pasted)


@pytest.mark.parametrize("quote, parts", [
    ("On the product side we started with the API, because we really didn't know how to commercialize it, "
     "and it turned out that was really hard.",
     ["On the product side we started with the API", "because we really didn't know how to commercialize it",
      "and it turned out that was really hard."]),
    ("It was a very formative moment — going through the whole experience of design and deployment at scale.",
     ["It was a very formative moment", "going through the whole experience of design and deployment at scale."]),
    ("Some of the old glazes will go away … though few potters in the valley will miss them.",
     ["Some of the old glazes will go away", "though few potters in the valley will miss them."]),
    ("Longer range. Right now we're good out to about ten days.", []),  # a two-word clause joins the next: one
    ("We had to really adapt and change the way that we operate.", []),
    ("现在我们能较好地预测十天左右，目标是对整个季节做出有用的判断，比如季风会不会推迟。",
     ["现在我们能较好地预测十天左右", "目标是对整个季节做出有用的判断", "比如季风会不会推迟。"]),
])
def test_a_long_quote_is_cut_into_clauses_of_several_words(quote, parts):
    from qa.query import clauses

    assert clauses(quote) == parts


@pytest.mark.parametrize("pasted, searched", [
    # her words in quotation marks, the writer's attribution before, between or after them
    ("“The kiln taught me patience,” Okafor said. “Nothing about clay can be rushed.”",
     "The kiln taught me patience, Nothing about clay can be rushed."),
    ('Okafor said: "Nothing about clay can be rushed, whatever the buyers want."',
     "Nothing about clay can be rushed, whatever the buyers want."),
    ("Asked about the new studio, she replied, “We built it for students first and buyers second.”",
     "We built it for students first and buyers second."),
    ("“We built it for students first and buyers second.” — Ada Okafor",
     "We built it for students first and buyers second."),
    ("‘We built it for students first,’ she said. ‘Buyers don’t mind coming second.’",  # British marks, apostrophes
     "We built it for students first, Buyers don’t mind coming second."),
    ("→ “- So yeah, we built it for students first and buyers second.”",  # a post's bullet and a dash
     "we built it for students first and buyers second."),
    # a transcript's or an interview's speaker label: her name, or a full name or one in capitals
    ("Murati: We built it for students first and buyers second.", "We built it for students first and buyers second."),
    ("ADA OKAFOR: We built it for students first and buyers second.",
     "We built it for students first and buyers second."),
    ("OKAFOR: We built it for students first and buyers second.", "We built it for students first and buyers second."),
    ("穆拉蒂表示：“我们首先是为学生建的，其次才是为买家。”", "我们首先是为学生建的，其次才是为买家。"),
    ("“我们首先是为学生建的，其次才是为买家，”她说。", "我们首先是为学生建的，其次才是为买家"),
])
def test_a_quote_as_the_press_prints_it_is_searched_without_the_writers_words(pasted, searched):
    assert read_query(pasted) == (QUOTE, searched, pasted)


@pytest.mark.parametrize("pasted, searched", [
    # reported speech, attribution last: a claim about what she said
    ("The studio was built for students first and for buyers second, Okafor said, according to the local paper.",
     "The studio was built for students first and for buyers second"),
    ("Students come first and buyers come second, said Okafor.", "Students come first and buyers come second"),
    ("工作室首先是为学生建的，其次才是为买家，穆拉蒂在采访中说。", "工作室首先是为学生建的，其次才是为买家"),
    # a few quoted words inside the writer's sentence are the writer's claim, marks taken out
    ('Murati said she never wanted to be "a pottery person."', "never wanted to be a pottery person"),
    ("Did Murati say the studio was “for students first”?", "the studio was for students first"),
])
def test_reported_speech_and_quoted_fragments_are_read_as_claims(pasted, searched):
    assert read_query(pasted) == (CLAIM, searched, pasted)


@pytest.mark.parametrize("text", [
    "Safety: we build it alongside the product, never after it.",  # one capitalised word is no speaker label
    "AI: a tool that will expand our creativity, our intelligence and our imagination.",  # nor an acronym
    "I told them, we have to ship it this year, and we did.",  # her own "I told them" is part of her words
    "We had to move, I said, and move fast as a team.",
    "My sister bakes bread every weekend, and she says the oven is always the problem.",  # she reports his words
])
def test_her_own_reported_words_and_a_leading_topic_are_kept(text):
    assert read_query(text) == (QUOTE, text, text)
