"""Tokens: jieba's segmentation (its dictionary read word by word from an SQLite copy, not loaded whole),
lower-cased, without stop words and punctuation; English words stemmed for an index that holds English
transcripts. Also the words that name something (`name_tokens`).

Flows in: text; flows out: the terms both BM25 legs and the no-answer evidence read.
"""
from __future__ import annotations

import logging
import re
import sqlite3
from functools import lru_cache
from pathlib import Path

from ..lang import HAN as _HAN, LATIN_WORD as _LATIN

_STOP_ZH = set("""
的 了 是 在 我 你 他 她 它 们 我们 你们 他们 她们 它们 这 那 这个 那个 这些 那些 就 也 都 而 和 与 及 或 但 但是 所以
因为 如果 一个 一些 有 没有 不 很 非常 会 能 可以 要 把 被 让 给 对 从 到 于 以 之 其 还 又 再 更 最 吗 呢 吧 啊 嗯 哦
什么 怎么 怎样 如何 为什么 哪些 哪 谁 多少 是否 是不是 有没有 认为 觉得 实际上 其实 基本上 真的 当然 然后 现在 时候 事情
东西 方面 一下 这样 那样 一种 一样 自己 已经 正在 着 过 地 得 吗 么 所 等 等等 人们 大家 她的 他的 我的 你的 就是 还是
会不会 能不能 看待 看法 说 问题
""".split())


_STOP_EN = set("""
a an the of to in on for with and or but is are was were be been being do does did doing have has had having it its
this that these those what which who whom whose how why when where will would can could should shall may might must
i you he she we they me him her us them my your his our their about from as at by into over under than then there here
so if not no yes any some more most very just also too she's what's does she think say said about tell me please
don doesn didn isn wasn aren weren won couldn wouldn shouldn hasn haven
dont doesnt didnt isnt wasnt arent werent wont cant couldnt wouldnt shouldnt hasnt havent im ive youre theyre
""".split())  # the last two lines: negations and contractions cut at the apostrophe, or typed without it


# Function words of English transcripts that the question side keeps for glossing (they are not in _STOP_EN:
# "think" -> 认为 matters to a Chinese transcript) but that say nothing in an English document.
_STOP_EN_DOC = _STOP_EN | set("""
all both each few other such only own same because until while between through during before after above below
up down out off again further once am t s ll ve re d m now really actually
yeah yes um uh oh okay ok well like know going get got thing things lot kind sort mean right one ones something
""".split())




_TOKEN_KEEP = re.compile(r"[\w\u3400-\u9fff]")


_POSSESSIVE = re.compile(r"(?<=[a-z])['’]s\b")  # "what's", "OpenAI's": jieba would make "s" a word


_EN_WORD = re.compile(r"[a-z]+(?:[-'][a-z]+)*")  # "self-driving", "don't"; not a trailing "'" ("investors'")


@lru_cache(maxsize=1)
def _jieba():
    """A jieba tokenizer whose dictionary is read word by word from disk, not loaded whole.

    jieba's own start-up unmarshals its 500k-entry prefix dictionary (about 0.55 s on the
    reference machine), which was most of a cold `qa ask` once the model started in 0.2 s. The
    same dictionary kept as an SQLite table answers the few hundred look-ups a question makes
    in microseconds; the segmentation is jieba's own, word for word (tests/test_lexical.py).
    """
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    try:
        tok.FREQ, tok.total = _DiskFreq.open(tok), None
        tok.total = tok.FREQ.total
        tok.initialized = True
    except (OSError, sqlite3.Error) as e:  # no writable cache folder: jieba's own (slower) start-up
        logging.getLogger(__name__).info("jieba dictionary cache unavailable (%s); loading it whole", e)
        tok.initialize()
    return tok


def search_parts(word: str) -> list[str]:
    """The words of two characters or more that jieba's search mode finds inside a word, the word itself left
    out ("预料到" -> 预料): where a question and a transcript or dictionary cut a compound differently."""
    return [p for p in _jieba().cut_for_search(word) if p != word and len(p) >= 2]


class _DiskFreq:
    """jieba's prefix dictionary (word -> count, 0 for a prefix of a word) in an SQLite file.

    Built once from jieba's own dictionary into the user's cache folder (QA_CACHE, else
    XDG_CACHE_HOME/murati-qa), named by the dictionary's size and modification time, written
    to a temporary name and renamed into place. Looked-up words are remembered for the process.
    """

    def __init__(self, db: "sqlite3.Connection", total: int, uri: str):
        self._db, self.total, self._uri, self._seen = db, total, uri, {}

    @classmethod
    def open(cls, tok) -> "_DiskFreq":
        import os

        src = Path(tok.get_dict_file().name)
        st = src.stat()
        cache = Path(os.environ.get("QA_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or
                                                         Path.home() / ".cache") / "murati-qa")
        path = cache / f"jieba-{st.st_size}-{int(st.st_mtime)}.sqlite"
        if not path.is_file():
            cache.mkdir(parents=True, exist_ok=True)
            freq, total = tok.gen_pfdict(tok.get_dict_file())
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.unlink(missing_ok=True)
            db = sqlite3.connect(tmp)
            db.execute("CREATE TABLE freq (word TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID")
            db.executemany("INSERT INTO freq VALUES (?, ?)", freq.items())
            db.execute("CREATE TABLE total (n INTEGER)")
            db.execute("INSERT INTO total VALUES (?)", (total,))
            db.commit()
            db.close()
            os.replace(tmp, path)
        uri = f"file:{path}?mode=ro"
        db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        (total,), = db.execute("SELECT n FROM total").fetchall()
        return cls(db, total, uri)

    def get(self, word: str, default=None):
        try:
            n = self._seen[word]
        except KeyError:
            row = self._db.execute("SELECT n FROM freq WHERE word = ?", (word,)).fetchone()
            n = self._seen[word] = None if row is None else row[0]
        return default if n is None else n

    def __contains__(self, word: str) -> bool:
        return self.get(word) is not None

    def read_whole(self, rows_at_a_time: int = 5000) -> dict[str, int]:
        """The whole table as a dict (~60 MB), read a few thousand rows at a time so that a thread doing it
        never holds the interpreter for long."""
        whole: dict[str, int] = {}
        db = sqlite3.connect(self._uri, uri=True)  # its own connection, for a thread
        try:
            rows = db.execute("SELECT word, n FROM freq")
            while batch := rows.fetchmany(rows_at_a_time):
                whole.update(batch)
        finally:
            db.close()
        return whole

    def __getitem__(self, word: str) -> int:
        n = self.get(word)
        if n is None:
            raise KeyError(word)
        return n


def tokenize(text: str, english: bool = False) -> list[str]:
    """jieba tokens, lower-cased, without stop words and punctuation.

    With `english` (an index that holds English transcripts), English words are stemmed
    (Snowball, PyStemmer) and a fuller list of English function words is dropped. An index of
    Chinese transcripts keeps the few English words they hold as they are: stemming them
    ("models" -> "model", which a Chinese answer happens to contain) only moves answers about.
    """
    if len(text) <= 200:  # a question, or a gloss: asked for several times per question (terms, content words)
        return list(_tokenize_short(text, english))
    return _tokenize(text, english)


@lru_cache(maxsize=4096)
def _tokenize_short(text: str, english: bool) -> tuple[str, ...]:
    return tuple(_tokenize(text, english))


def _tokenize(text: str, english: bool) -> list[str]:
    text = _POSSESSIVE.sub("", text.lower())
    if _HAN.search(text):
        return _kept(_jieba().lcut(text), english)
    # Text without Chinese: jieba never joins across white space, so its cut is the cut of each
    # space-separated piece, and a piece (an English word, mostly) is cut the same way every time.
    out: list[str] = []
    for piece in text.split():
        out.extend(_piece_tokens(piece, english))
    return out


@lru_cache(maxsize=65536)
def _piece_tokens(piece: str, english: bool) -> tuple[str, ...]:
    return tuple(_kept(_jieba().lcut(piece), english))


def _kept(tokens: list[str], english: bool) -> list[str]:
    """jieba's tokens without white space, punctuation and stop words; English ones stemmed with `english`."""
    out = []
    stop = _STOP_EN_DOC if english else _STOP_EN
    stem = _stemmer() if english else None
    for tok in tokens:
        tok = tok.strip()
        if not tok or not _TOKEN_KEEP.search(tok) or tok in _STOP_ZH or tok in stop:
            continue
        out.append(stem(tok) if stem and _LATIN.fullmatch(tok) else tok)
    return out


@lru_cache(maxsize=1)
def _stemmer():
    """The Snowball English stemmer (PyStemmer), as a function of one word."""
    import Stemmer

    return lru_cache(maxsize=65536)(Stemmer.Stemmer("english").stemWord)


_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:['-][A-Za-z0-9]+)*")


_SENTENCE_BREAK = re.compile(r"(?<=[.!?。！？:;])\s+|\n+")


def name_tokens(texts: list[tuple[str, str]], english: bool = False) -> set[str]:
    """The word-leg terms that name something (a person, a company, a place) in transcripts given as
    (language, text): in Chinese text every Latin-script word ("OpenAI", "Dartmouth"), which translation
    leaves as it was; in English text a capitalised word that does not begin a sentence ("Riverside").
    A question's own word among them is one that only some interviewees may speak of (retrieve/signals.py)."""
    out: set[str] = set()
    for language, text in texts:
        if language == "zh":
            words = _LATIN_WORD.findall(text)
        else:
            words = [w for sentence in _SENTENCE_BREAK.split(text) for w in _LATIN_WORD.findall(sentence)[1:]
                     if w[0].isupper()]
        for word in set(words):
            out.update(tokenize(word, english))
    return out


def _words(text: str) -> list[str]:
    return [w[:-2] if w.endswith("'s") else w for w in _EN_WORD.findall(text.lower())]  # "people's" -> "people"
