"""Stage 5a, read the query: a question, a pasted quote, or a claim about what she said.

People arrive three ways, and each is searched a little differently (retrieve/):

- a **question** ("她如何看待AI监管？", "What does she think of regulation?"): the default;
- a **quote**, her words as printed somewhere, pasted with or without quotation marks
  ("Jobs that are purely repetitive will be replaced."): a statement, not a question. It
  is matched as a translation of her words, against her sentences and runs of two or three
  consecutive sentences as well as whole turns;
- a **claim** about what she said ("Did Murati compare safer AI to training a dog?",
  "穆拉蒂说过AI堪比核武器吗？", "Is it true that she said …"): the claim inside is taken out
  and searched as a quote. The answer is the passage that bears on it, not a verdict.

A quote or a claim pasted as the press prints it (“…,” she said. “…”; Murati: …; …, Murati
said.) is searched without the writer's words around it (`press_quote`).

The reading is by form alone (a few patterns per language), so it is predictable and
shown to the user ("searched as a quote"); tests/test_query.py covers each form.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from .lang import HAN as _HAN

QUESTION, QUOTE, CLAIM = "question", "quote", "claim"

# Who a claim is about: her name in the forms the press and the transcripts use, or a pronoun.
_WHO_EN = r"(?:she|her|mira|murati|mira murati|ms\.? murati|the (?:former )?cto|openai'?s cto)"
_WHO_ZH = r"(?:她|穆拉蒂|米拉|米拉·穆拉蒂|米拉穆拉蒂|murati|mira murati|mira)"
# A claim reports an utterance: "Did she say/compare …", "Has Murati claimed …". "Does she compare AI with
# nuclear weapons?" asks about her views: a question.
# Verbs of saying: taken out with the frame ("Did she say that X" -> "X"); any other verb stays
# ("Did she compare X to Y" -> "compare X to Y"), since it is part of what was said.
_SAY_EN = (r"(?:ever\s+)?(?:say|said|says|saying|claim|claimed|claims|state|stated|states|argue|argued|argues|"
           r"tell|told|tells|mention|mentioned|suggest|suggested|admit|admitted|insist|insisted|"
           r"predict|predicted|warn|warned|note|noted|call|called)")
_CLAIM_EN = [
    re.compile(r"^(?:is it true|is it correct|was it true)\s*(?:that\s+)?(?P<rest>.+)$", re.I),
    re.compile(rf"^(?:according to|per)\s+{_WHO_EN}\s*,?\s*(?P<rest>.+)$", re.I),
    re.compile(rf"^(?:did|has|had)\s+{_WHO_EN}\s+(?:really\s+|actually\s+)?{_SAY_EN}\b"
               rf"\s*(?:(?:to\s+)?\w+\s+that\s+|that\s+)?(?P<rest>.+)$", re.I),
    re.compile(rf"^(?:did|has|had)\s+{_WHO_EN}\s+(?:ever\s+|really\s+)?(?P<rest>compared?\b.+)$", re.I),
    re.compile(rf"^{_WHO_EN}\s+(?:once\s+|reportedly\s+|has\s+|had\s+)?{_SAY_EN}\b\s*(?:that\s+)?(?P<rest>.+)$",
               re.I),
]
_CLAIM_ZH = [
    re.compile(r"^(?:据说|据报道|有报道称|报道称|听说|有人说|网传)[，,：:]?\s*(?P<rest>.+)$"),
    re.compile(rf"^{_WHO_ZH}\s*(?:是不是|是否|有没有|真的|确实|曾经|曾|还|也)*\s*"
               r"(?:说过|说了|说|称|声称|表示过|表示|提到过|提到|指出|讲过|谈到过|谈到|承认|坦言|透露|比较过|比较)(?:过)?"
               r"[，,：:]?\s*(?P<rest>[^的].+)$", re.I),
]
_TRUE_ZH = re.compile(r"[，,]?\s*(?:这|这是|此事)?(?:是真的吗|属实吗|是真的么|对吗|对不对|是吗)[？?]?$")
_TAIL_ZH = re.compile(r"(?:吗|么|嘛)[？?。！!]*$")
_WHO_LEAD_EN = re.compile(rf"^{_WHO_EN}\s+", re.I)

# A question by form: a question mark, a question word first, or a request to tell or explain.
# (A question word alone does not make one: "When I joined we were a few dozen people." is a quote.)
_AUX_EN = (r"(?:do|does|did|is|are|was|were|can|could|should|would|will|has|have|had|might|may|must|shall|"
           r"isn't|aren't|doesn't|didn't|don't|wasn't|won't|can't|couldn't|shouldn't|wouldn't)")
_ASK_EN = re.compile(rf"^(?:(?:what|how|why|who|whom|whose|when|where|which)(?:'s|\s+{_AUX_EN}\b|\s+\w+\s+{_AUX_EN}\b"
                     rf"|\s+about\b)|what\b|{_AUX_EN}\b|(?:tell|explain|describe|summari[sz]e|list|give|show|"
                     r"compare|please)\b)", re.I)
_ASK_ZH = re.compile(r"(?:吗|呢|么|嘛)[。.!！]*$|^(?:请|请问|说说|谈谈|讲讲|介绍|解释|总结|列举|比较)|"
                     r"(?:如何|怎么|怎样|为什么|为何|什么|哪些|哪个|哪里|哪儿|谁|是否|是不是|有没有|多少|几)")
_QUOTED = re.compile(r"^\s*[\"“”'‘「『](?P<inner>.+?)[\"“”'’」』]\s*[.。]?\s*$", re.S)
_WH_ZH = re.compile(r"如何|怎么|怎样|为什么|为何|什么|哪些|哪个|哪里|还是")
# ...and these only in a sentence that ends as a question: "她说GPT-4o在哪几种模态上有提升？" and
# "她说付款前要经过谁同意？" ask, while "Murati说没人知道AI会让多少人失业。" reports what she said ("谁都", "谁也":
# anyone, not who).
_WH_ZH_ASKED = re.compile(r"哪[几一种类方儿]|几[种个项点类方次]|多少|多[久长大远]|谁(?![都也])")
MIN_QUOTE_WORDS = 4  # a shorter statement ("AI regulation") is a keyword search: asked as a question
MIN_QUOTE_HAN = 8


class Query(NamedTuple):
    kind: str  # QUESTION, QUOTE or CLAIM
    text: str  # what is searched: the question, the quote without its marks, or the claim inside the frame
    question: str  # as asked (cleaned)


# Spoken fillers a transcript keeps and a quote carries ("So yeah, …", "…, you know, …", "…, right?"): they
# say nothing of what she said, and the rendering drops them. Taken out of what is searched for a quote.
_FILLERS = re.compile(r"(?:^|(?<=[,.;:!?—–-]))\s*(?:so\s+yeah|yeah|so|well|um+|uh+|you\s+know|i\s+mean|"
                      r"like|basically|right|okay|ok)\s*(?=[,.;:!?—–-]|$)"
                      r"|\b(?:you\s+know|i\s+mean),\s*", re.IGNORECASE)


def without_fillers(text: str) -> str:
    """A spoken quote without its fillers ("So yeah, we had to adapt, you know, fast." -> "we had to adapt,
    fast."); the text itself when nothing else would be left."""
    out = _FILLERS.sub("", text)
    out = re.sub(r"\s*,\s*([.?!;:])", r"\1", re.sub(r"\s*,(\s*,)+", ",", out))
    out = re.sub(r"^[\s,;:—–-]+", "", out).strip()
    return out if _long_enough(out) else text


# A long quote's clauses (`clauses`): cut after a sentence, at an ellipsis (the press's mark of words left out),
# a dash, a semicolon or a colon, and at a comma before a conjunction; each clause is matched on its own against
# her sentences (quotes.coverage).
_CLAUSE_CUT = re.compile(r"(?<=[.?!;:])\s+|\s*…\s*|\s+[—–]\s*|\s+--\s+|;\s*"
                         r"|,\s+(?=(?:and|but|so|because|which|where|when|while|although|though|or|then|if|"
                         r"whether|like)\b)|(?<=[，；。！？：])", re.IGNORECASE)
CLAUSE_WORDS = 4  # a clause shorter than this many words (or twice as many Chinese characters) joins the one before
MAX_CLAUSES = 6


def clauses(text: str) -> list[str]:
    """A long quote's clauses, each of at least CLAUSE_WORDS words, at most MAX_CLAUSES (the last holding the
    rest); [] for a quote of one clause. A rendering condenses one spoken sentence into a clause, or spreads
    it over several sentences: each clause is looked for on its own."""
    out: list[str] = []
    for part in _CLAUSE_CUT.split(text):
        part = part.strip(" ,，")
        if not part:
            continue
        short = (len(part) < 2 * CLAUSE_WORDS) if _HAN.search(part) else len(part.split()) < CLAUSE_WORDS
        if out and (short or len(out) == MAX_CLAUSES):
            out[-1] = f"{out[-1]} {part}" if not _HAN.search(part) else out[-1] + part
        else:
            out.append(part)
    if len(out) > 1 and ((len(out[0]) < 2 * CLAUSE_WORDS) if _HAN.search(out[0])
                         else len(out[0].split()) < CLAUSE_WORDS):
        first = out.pop(0)
        out[0] = f"{first} {out[0]}"
    return out if len(out) > 1 else []


# Her words as the press prints them: in quotation marks, with who said them before, between or after
# ("“The kiln is a teacher,” she said. “We learn from it.”", "Murati said: “…”", "穆拉蒂表示：“……”"), after a
# speaker's name and a colon ("Murati: …", a transcript's "MURATI: …"), or reported with the attribution last
# ("…, OpenAI's CTO said, according to …"). The quotation marks' words are what she said; the rest is the
# writer's (`press_quote`).
# (British single marks too: a closing ’ is told from an apostrophe by the letter an apostrophe has after it)
_SPANS = re.compile(r"“([^“”]+)”|\"([^\"]+)\"|「([^「」]+)」|『([^『』]+)』|«([^«»]+)»|‘((?:[^‘’]|’(?=\w))+)’(?!\w)")
_SAID_EN = (rf"(?:{_SAY_EN}|explained|explains|added|adds|remarked|remarks|continued|recalled|recalls|replied|"
            r"answered|wrote|writes|acknowledged|emphasi[sz]ed|observed|joked|concluded|went\s+on|according\s+to)")
_SAID_ZH = r"(?:说|表示|称|指出|坦言|透露|强调|提到|谈到|补充|解释|回忆|写道|回答|直言|认为)"
_ATTRIBUTION = re.compile(rf"\b{_SAID_EN}\b|{_SAID_ZH}|[:：—–]", re.I)
_MARKS = re.compile(r"[“”\"「」『』«»‘]")  # "“…,” she said. “…”" is two quotes and a frame, not one
QUOTED_SHARE = 0.5  # a passage is her quoted words when they are at least this share of its words
_NAMED = re.compile(rf"^\s*(?:(?i:{_WHO_EN}|{_WHO_ZH})|[A-Z][A-Z'’.-]{{2,}}|[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){{1,3}})"
                    r"(?:\s*[(（][^()（）]{1,40}[)）])?\s*[:：]\s*(?P<rest>.+)$", re.S)
_WHO_LAST = rf"(?:(?i:{_WHO_EN}|he|they)|[A-Z][a-z]\w*)"  # who said it, last: "…, she said", "…, said Murati"
# ...then at most a few words ("told the audience", "said in an interview") and "according to …": more is what
# someone said ("…, and he says the engine is always the problem" is her words, reporting his)
_FRAME_END = r"(?:\s+[^\s,，.。]+){0,4}(?:[,，]\s*according\s+to[^.。]{0,80})?[.。]?\s*$"
_REPORTED_LAST = re.compile(rf"^(?P<rest>.+?)[,，]\s*(?!(?i:and|but|so|or|because|then|as|if|when)\b)"
                            rf"(?P<who>(?:[^,，.。]{{0,60}}\s)?{_WHO_LAST})\s+{_SAID_EN}\b{_FRAME_END}"
                            rf"|^(?P<rest2>.+?)[,，]\s*{_SAID_EN}\s+{_WHO_LAST}\b{_FRAME_END}", re.S)
_REPORTED_LAST_ZH = re.compile(rf"^(?P<rest>.+?)[，,]\s*(?i:{_WHO_ZH})(?:在[^，。]{{0,20}})?{_SAID_ZH}道?[。.]?\s*$",
                               re.S)  # "……，穆拉蒂在采访中说。"
_BULLET = re.compile(r"^\s*(?:[-–—•·*>→]+\s*)+")


def unmarked(text: str) -> str:
    """The text with the quotation marks around its quoted words taken out (the words stay)."""
    return _SPANS.sub(lambda m: next(g for g in m.groups() if g is not None), text)


def _word_count(text: str) -> int:
    return len(_HAN.findall(text)) // 2 + len(re.findall(r"[A-Za-z0-9]+", text))


def press_quote(q: str) -> tuple[str, bool] | None:
    """Her words out of a press passage, and whether they were in quotation marks (verbatim, searched as a
    quote) or reported (searched as a claim); None when the passage is not framed so. A passage that only asks
    about the words ("Did she say “…”?") is a claim's business (`_claim`), and a few quoted words inside a
    sentence of the writer's (Murati said she did not want to be "a pottery person") do not make it her quote."""
    q = _BULLET.sub("", q)
    spans = [next(g for g in m.groups() if g is not None) for m in _SPANS.finditer(q)]
    if spans:
        inner = " ".join(_BULLET.sub("", s).strip() for s in spans)
        outside = _SPANS.sub(" ", q)
        bare = not re.search(r"\w", outside)
        if (_long_enough(inner) and not _asks(outside.strip(" ,，.。")) and (bare or _ATTRIBUTION.search(outside))
                and _word_count(inner) >= QUOTED_SHARE * (_word_count(inner) + _word_count(outside))):
            return inner.strip(" ,，"), True
        return None
    named = _NAMED.match(q)
    if named and _long_enough(named["rest"]) and not _asks(named["rest"]):
        return named["rest"].strip(), True
    last = None if _asks(q) else _REPORTED_LAST.match(q) or _REPORTED_LAST_ZH.match(q)  # "Will X, per Y?" asks
    if last:
        rest = last["rest"] if last["rest"] is not None else last["rest2"]
        who = last.groupdict().get("who") or ""
        if _long_enough(rest) and not re.fullmatch(r"(?i)\s*(?:i|we)\s*", who):
            return rest.strip(" ,，"), False
    return None


def _one_quote(q: str) -> str | None:
    """The words of a passage that is one quotation in marks and nothing else."""
    quoted = _QUOTED.match(q)
    if quoted and _long_enough(quoted["inner"]) and not _MARKS.search(quoted["inner"]):
        return quoted["inner"].strip()
    return None


def framed(question: str) -> bool:
    """Whether `read_query` takes the question's words out of a press passage (press_quote)."""
    q = question.strip()
    return _one_quote(q) is None and press_quote(q) is not None


def read_query(question: str) -> Query:
    """How a (cleaned) question is searched: see the module docstring."""
    q = question.strip()
    if (one := _one_quote(q)) is not None:
        return Query(QUOTE, without_fillers(one), q)
    press = press_quote(q)
    if press is not None:
        words, verbatim = press
        return Query(QUOTE, without_fillers(words), q) if verbatim else Query(CLAIM, words, q)
    claim = _claim(q)
    if claim is not None:
        return Query(CLAIM, claim, q)
    if _long_enough(q) and not _asks(q):
        return Query(QUOTE, without_fillers(unmarked(q)), q)
    return Query(QUESTION, q, q)


def _claim(q: str) -> str | None:
    han = bool(_HAN.search(q))
    # A Chinese claim may come in an English frame ("Did Murati say that 有些创意工作…"): both sets are tried.
    for zh, patterns in ((True, _CLAIM_ZH), (False, _CLAIM_EN)) if han else ((False, _CLAIM_EN),):
        for pattern in patterns:
            m = pattern.match(q)
            if not m:
                continue
            rest = m["rest"].strip()
            if zh:
                rest = _TAIL_ZH.sub("", _TRUE_ZH.sub("", rest))
            elif re.match(rf"^{_WHO_EN}\s+{_SAY_EN}\b", rest, re.I):  # "Is it true that she said X"
                rest = re.sub(rf"^{_WHO_EN}\s+{_SAY_EN}\b\s*(?:that\s+)?", "", rest, flags=re.I)
            else:
                rest = _WHO_LEAD_EN.sub("", rest)
            rest = rest.strip(" ，,：:？?。.！!")
            if quoted := _QUOTED.match(rest):
                rest = quoted["inner"]
            # "she did not want to be “a pottery person.”": the marks are the writer's
            rest = unmarked(rest).strip(" ，,：:？?。.！!")
            if zh and (_WH_ZH.search(rest) or (_WH_ZH_ASKED.search(rest) and q.rstrip().endswith(("？", "?")))):
                return None  # "她说过哪些模型需要监管？" asks, it does not claim
            if _long_enough(rest, words=2, han_chars=4):
                return rest.strip()
    if han:  # "AI的影响堪比核武器，这是真的吗？"
        m = _TRUE_ZH.search(q)
        if m and _long_enough(q[:m.start()], words=2, han_chars=4):
            return q[:m.start()].strip(" ，,")
    return None


def _asks(q: str) -> bool:
    if q.rstrip().endswith(("?", "？")):
        return True
    return bool(_ASK_ZH.search(q)) if _HAN.search(q) else bool(_ASK_EN.match(q))


def _long_enough(text: str, words: int = MIN_QUOTE_WORDS, han_chars: int = MIN_QUOTE_HAN) -> bool:
    han = len(_HAN.findall(text))
    return han >= han_chars if han else len(re.findall(r"[A-Za-z0-9]+", text)) >= words
