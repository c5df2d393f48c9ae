"""The lexical leg: BM25 over jieba tokens, with an English -> Chinese lexicon.

Built once at index time and stored like bm25s does: a JSON vocabulary and
three arrays holding, for each term, the documents it occurs in and its
precomputed BM25 weight there (CSR by term). A query then costs one jieba
segmentation and a few array adds, whatever the corpus size.

The corpus is Chinese, so an English question shares no words with it. Its
English words are glossed in Chinese: first by a small hand-written lexicon of
the domain (`lexicon_en_zh.tsv`, precise), then, for words it does not know, by
a general English-Chinese dictionary (the `cedict` package's 100k-word
EnWords list; its first senses). At index time the dictionary is cut down to
the senses that can match this corpus (the glossary, stored with the index).
A second BM25 over character bigrams serves Chinese questions whose words jieba
segments differently from the transcript's, and the glosses of English ones.

Over transcripts in both languages the question's words are grouped with their
translations (`query_groups`) and each group is one BM25 term
(`BM25.grouped_scores_at`, a structured query): its weight no longer depends on
which language's turns happen to be few.
"""
from __future__ import annotations

import csv
import importlib.util
import json
import logging
import re
import sqlite3
from collections.abc import Container
from functools import lru_cache
from pathlib import Path

import numpy as np

from .parse import is_chinese

K1, B = 1.2, 0.75
LEXICON = Path(__file__).with_name("lexicon_en_zh.tsv")
DICTIONARY_PACKAGE = "cedict"  # ships csv/EnWords.csv: "word","part-of-speech tagged Chinese senses"
GLOSS_SENSES = 4  # dictionary senses kept per English word: the first are the common ones

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
""".split())
# Function words of English transcripts that the question side keeps for glossing (they are not in _STOP_EN:
# "think" -> 认为 matters to a Chinese transcript) but that say nothing in an English document.
_STOP_EN_DOC = _STOP_EN | set("""
all both each few other such only own same because until while between through during before after above below
up down out off again further once am don doesn didn isn wasn aren weren won t s ll ve re d m now really actually
yeah yes um uh oh okay ok well like know going get got thing things lot kind sort mean right one ones something
""".split())
_LATIN = re.compile(r"[a-z]+(?:['-][a-z]+)*")
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


def hold_dictionaries(glossary: dict[str, list[str]] | None = None) -> None:
    """For a process that answers many questions (the app, `qa bench`'s warm figures): jieba's whole
    dictionary in memory, so that a word met for the first time costs a dict look-up, not an SQLite query
    (0.25 ms less at the warm p95; ~62 MB, ~0.4 s of one core, once), and wordfreq's English word list
    loaded (~0.2 s that the first English question would pay), and every gloss of the lexicon and of
    `glossary` (an index's dictionary senses) tokenised. A one-off `qa ask` pays for none of it.
    Segmentation is the same either way: the table is jieba's own dictionary."""
    tok = _jieba()
    if isinstance(tok.FREQ, _DiskFreq):
        try:
            tok.FREQ = tok.FREQ.read_whole()  # jieba's own form: its look-ups are then plain dict ones
        except sqlite3.Error as e:  # the look-ups go on from the file
            logging.getLogger(__name__).info("jieba dictionary not read whole: %s", e)
    _english_surprisal("the")
    for terms in load_lexicon().values():  # every gloss an English question can bring, tokenised once
        for term in terms:
            _gloss_tokens(term)
    for senses in (glossary or {}).values():
        for sense in senses:
            _gloss_tokens(sense)


_GLOSS_TOKENS: dict[str, tuple[str, ...]] = {}


def _gloss_tokens(term: str) -> tuple[str, ...]:
    """A Chinese gloss's tokens, or the gloss itself when it has none. A gloss is dictionary data, the same
    whatever the question: worked out once per process (unlike a question's tokens, which `qa bench` empties
    before each pass), and all of them beforehand by hold_dictionaries."""
    toks = _GLOSS_TOKENS.get(term)
    if toks is None:
        toks = _GLOSS_TOKENS[term] = tuple(_tokenize(term, False)) or (term,)
    return toks


@lru_cache(maxsize=4)
def load_lexicon(path: str = str(LEXICON)) -> dict[str, tuple[str, ...]]:
    """English word or phrase -> Chinese terms; '#' starts a comment."""
    lex: dict[str, tuple[str, ...]] = {}
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or "\t" not in line:
            continue
        en, zh = line.split("\t", 1)
        terms = tuple(t for t in re.split(r"[,，\s]+", zh) if t)
        lex[en.strip().lower()] = lex.get(en.strip().lower(), ()) + terms
    return lex


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
    A question's own word among them is one that only some interviewees may speak of (retrieve.py)."""
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


def query_terms(question: str, glossary: dict[str, list[str]] | None = None,
                senses: dict[str, list[str]] | None = None, english: bool = False) -> tuple[list[str], list[str]]:
    """The question's terms for the two BM25 legs: (jieba tokens, character bigrams).

    English words get Chinese glosses: from the lexicon, else from the glossary
    (dictionary senses found in this corpus). Chinese words get English stems from
    `senses` (the dictionary the other way, for English transcripts). The bigram
    leg takes a Chinese question's own characters, or an English question's Chinese glosses.
    `english`: the index holds English transcripts (see `tokenize`).
    """
    tokens = tokenize(question, english)
    chinese = is_chinese(question)
    if chinese and senses:
        seen = set(tokens)
        for tok in list(tokens):
            for stem in english_senses(tok, senses):
                if stem not in seen:
                    tokens.append(stem)
                    seen.add(stem)
    words = _words(question)
    glosses = _lexicon_glosses(words)
    for _, term in glosses:
        tokens.extend(_gloss_tokens(term))
    if glossary and not chinese:  # (English words in a Chinese question are mostly names: "Sky", "Sam")
        seen = set(tokens)
        for _, sense in _unglossed_senses(words, glosses, glossary):
            for tok in _gloss_tokens(sense):
                if tok not in seen:  # a dictionary sense adds a term once, never more weight to one
                    tokens.append(tok)
                    seen.add(tok)
    if chinese:
        pairs = bigrams(question)
    else:
        pairs = list(dict.fromkeys(b for tok in tokens if _HAN.search(tok) for b in bigrams(tok)))
    return tokens, pairs


def query_groups(question: str, glossary: dict[str, list[str]] | None = None,
                 senses: dict[str, list[str]] | None = None, english: bool = False) -> list[list[str]]:
    """The terms of `query_terms`' word leg, grouped by the question's word they render: a word's own token
    with its translations (an English word's lexicon glosses and dictionary senses, a Chinese word's English
    stems); a lexicon phrase's glosses as one group of their own. For BM25.grouped_scores_at over
    transcripts in two languages, where a word and its translations are one term."""
    groups: dict[str, list[str]] = {}

    def add(key: str, terms) -> None:
        group = groups.setdefault(key, [])
        group.extend(t for t in terms if t not in group)

    chinese = is_chinese(question)
    for tok in tokenize(question, english):
        add(tok, [tok] + (english_senses(tok, senses) if chinese and senses else []))
    words = _words(question)
    glosses = _lexicon_glosses(words)
    own = {w: (tokenize(w, english) or [w])[0] for w in words}
    for key, term in glosses:
        add(own.get(key, key), _gloss_tokens(term))
    if glossary and not chinese:
        for word, sense in _unglossed_senses(words, glosses, glossary):
            add(own[word], _gloss_tokens(sense))
    return list(groups.values())


def _unglossed_senses(words: list[str], glosses: list[tuple[str, str]], glossary: dict[str, list[str]]
                      ) -> list[tuple[str, str]]:
    """(word, dictionary sense) for the question's words that neither the lexicon glosses nor the stop list
    holds: an English question's words found through the general dictionary."""
    known = _by_word(glosses)
    return [(word, sense) for word in words if word not in known and word not in _STOP_EN
            for sense in _dictionary_senses(word, glossary)]


def english_senses(word: str, senses: dict[str, list[str]]) -> list[str]:
    """The English stems a Chinese word translates (`senses`, build_reverse_glossary); a compound the
    dictionary lacks takes its parts' ("预料到" -> 预料 -> "expect"), as jieba's search mode cuts it."""
    if word in senses or not senses or len(word) < 3 or not _HAN.search(word):
        return senses.get(word, [])
    parts = [p for p in _jieba().cut_for_search(word) if p != word and len(p) >= 2]
    return list(dict.fromkeys(s for p in parts for s in senses.get(p, ())))


def content_words(question: str, glossary: dict[str, list[str]], words: "BM25", pairs: "BM25 | None",
                  english: bool = False, senses: dict[str, list[str]] | None = None,
                  vocab: Container[str] | None = None) -> list[tuple[str, float, bool]]:
    """The question's content words as (word, information, found in the transcripts).

    In a Chinese question they are jieba's words of two or more characters and Latin words, their
    information the surprisal in jieba's general word counts ("介绍一下胡狼。": 胡狼 17.9, 介绍 8.8). In
    an English one, the words of three or more letters outside the stop list, their information the
    surprisal in wordfreq's English counts ("laptop" 11.0, "choose" 9.4, "good" 6.7). A word is found
    when it, a Chinese gloss of it, or a character pair of one occurs in the transcripts; a Chinese
    word also when an English word it glosses (`senses`) is in English transcripts.

    `vocab` narrows "the transcripts" to some of them (the words one language's turns hold), and `pairs` None
    leaves out the character-pair leg (which English turns are not part of).
    """
    english_of = senses or {}
    held = words.vocab if vocab is None else vocab
    held_pairs = pairs.vocab if pairs is not None else {}

    def found(term: str) -> bool:
        # (A pair with 的 says nothing: "西班牙人的", the dictionary's "Spanish", would be found through 人的.)
        return (term in held or any(b in held_pairs for b in bigrams(term) if _HAN.search(b) and "的" not in b)
                or any(stem in held for stem in english_senses(term, english_of)))

    out: list[tuple[str, float, bool]] = []
    if is_chinese(question):
        info = _surprisal()
        for t in tokenize(question, english):
            if len(t) >= 2 or not _HAN.search(t):
                out.append((t, info(t), found(t)))
    else:
        en_words = _words(question)
        lexicon = _by_word(_lexicon_glosses(en_words))
        for w in en_words:
            if len(w) < 3 or w in _STOP_EN:
                continue
            glosses = lexicon.get(w) or _dictionary_senses(w, glossary)
            own = _stemmer()(w) if english else w
            out.append((w, _english_surprisal(w), own in held or any(found(g) for g in glosses)))
    return out


def unfound_share(question: str, glossary: dict[str, list[str]], words: "BM25", pairs: "BM25",
                  english: bool = False, senses: dict[str, list[str]] | None = None) -> float:
    """How much of what the question asks about the transcripts never mention: the share of its content
    words' information (`content_words`) that they lack. "介绍一下胡狼。": 0.67. 0.0 with no content word."""
    return unfound_information(content_words(question, glossary, words, pairs, english, senses))


def unfound_information(words: list[tuple[str, float, bool]]) -> float:
    """The share of the information of `content_words` that is not found; 0.0 with no content word."""
    total = sum(x for _, x, _ in words)
    return sum(x for _, x, hit in words if not hit) / total if total else 0.0


@lru_cache(maxsize=1)
def _surprisal():
    """word -> -log of its share of jieba's dictionary counts; an unknown word gets a count of one."""
    dt = _jieba()
    total = float(dt.total)
    return lambda w: float(np.log(total / (dt.FREQ.get(w) or 1)))


@lru_cache(maxsize=65536)  # per word, as the stemmer's: wordfreq tokenises the word again on every call
def _english_surprisal(word: str) -> float:
    """-ln of an English word's frequency in general text (wordfreq's Zipf scale: 10^(zipf-9) per word), so that
    in "How do I choose a good laptop?" the rare "laptop" outweighs "choose" and "good"."""
    from wordfreq import zipf_frequency

    return (9.0 - zipf_frequency(word, "en")) * 2.302585


def _words(text: str) -> list[str]:
    return [w[:-2] if w.endswith("'s") else w for w in _EN_WORD.findall(text.lower())]  # "people's" -> "people"


def _lexicon_glosses(words: list[str]) -> list[tuple[str, str]]:
    """(English key, Chinese term) for the lexicon's phrases and words among a question's words."""
    lex = load_lexicon()
    starts = _phrase_starts()
    out: list[tuple[str, str]] = []
    for n in (3, 2, 1):  # phrases first ("existential threat"), then single words
        for i in range(len(words) - n + 1):
            if n > 1 and words[i] not in starts:
                continue
            key = " ".join(words[i:i + n])
            for cand in (key, _singular(key)):
                if cand in lex:
                    out.extend((key, term) for term in lex[cand])
                    break
    return out


@lru_cache(maxsize=1)
def _phrase_starts() -> frozenset[str]:
    """The first words of the lexicon's phrases (a phrase's singular form changes only its last word)."""
    return frozenset(key.split()[0] for key in load_lexicon() if " " in key)


def _by_word(glosses: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Lexicon glosses by English word: a phrase's terms go to each of its words."""
    out: dict[str, list[str]] = {}
    for key, term in glosses:
        for w in key.split():
            out.setdefault(w, []).append(term)
    return out


def _dictionary_senses(word: str, glossary: dict[str, list[str]]) -> list[str]:
    """A word's senses in the glossary, under the first of its forms that has any."""
    return next((glossary[f] for f in _forms(word) if f in glossary), [])


@lru_cache(maxsize=65536)  # per word, as the stemmer's
def _forms(word: str) -> tuple[str, ...]:
    """A word and the base forms it may come from ("regulations", "trained", "using", "personally")."""
    out = [word]
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", ""), ("ied", "y"), ("ed", ""), ("ed", "e"), ("d", ""),
                         ("ing", ""), ("ing", "e"), ("ily", "y"), ("ly", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            out.append(word[: -len(suffix)] + repl)
    return tuple(out)


def dictionary_file() -> Path | None:
    """The English-Chinese word list inside the dictionary package, or None when it is not installed."""
    spec = importlib.util.find_spec(DICTIONARY_PACKAGE)
    for root in (spec.submodule_search_locations or []) if spec else []:
        path = Path(root) / "csv" / "EnWords.csv"
        if path.is_file():
            return path
    return None


_POS = re.compile(r"(?<![a-z])(?:n|v|vt|vi|adj|adv|a|prep|conj|pron|num|int|art|abbr|aux)\.")
_ASIDE = re.compile(r"<[^>]*>|\[[^\]]*\]|\([^)]*\)|（[^）]*）")  # <口>, [军], (...): usage notes
# "build的过去式和过去分词", "abacus的复数", "do的第三人称单数现在式": a form of another word, not a sense.
_INFLECTION = re.compile(r"([a-z]+)\s*的(?:过去式|过去分词|复数|现在分词|第三人称|比较级|最高级)[\u3400-\u9fff]*")
_SENSE_SPLIT = re.compile(r"[|,，;；、/\s]+")
_NOT_HAN = re.compile(r"[^\u3400-\u9fff]")
_HAN = re.compile(r"[\u3400-\u9fff]")
_BIGRAM_RUN = re.compile(r"[\u3400-\u9fff]+|[^\W_\u3400-\u9fff]+")  # Chinese runs; Latin words and numbers


def read_dictionary(path: Path, senses_per_word: int = GLOSS_SENSES) -> dict[str, list[str]]:
    """English word -> its first `senses_per_word` Chinese senses ("n.投资者" -> ["投资者"]).

    An inflected form whose entry is only a grammatical note ("built": "build的过去式和过去分词") takes the
    senses of the word it comes from; the note itself would gloss "built" as 过去分词 ("past participle").
    """
    out: dict[str, list[str]] = {}
    base_of: dict[str, str] = {}
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.reader(f):
            word = row[0].strip().lower() if len(row) >= 2 else ""
            if not word or word in out or word in base_of or word == "word":  # blank, repeated, or the header
                continue
            raw = row[1].lower()
            note = _INFLECTION.search(raw)
            text = _POS.sub("|", _ASIDE.sub("", _INFLECTION.sub("|", raw)))
            senses = [_NOT_HAN.sub("", s) for s in _SENSE_SPLIT.split(text)]
            senses = list(dict.fromkeys(s for s in senses if s))[:senses_per_word]
            if senses:
                out[word] = senses
            elif note and note[1] != word:
                base_of[word] = note[1]
    for word, base in base_of.items():
        if base in out:
            out[word] = out[base]
    return out


def build_glossary(words: BM25, pairs: BM25) -> dict[str, list[str]]:
    """The dictionary cut down to senses that can score in this corpus (a bigram or a one-character
    word of theirs occurs in it). Empty when the dictionary package is missing."""
    path = dictionary_file()
    if path is None:
        logging.getLogger(__name__).warning("%s is not installed: English words outside the lexicon get no "
                                            "Chinese glosses", DICTIONARY_PACKAGE)
        return {}
    out = {}
    for word, senses in read_dictionary(path).items():
        kept = [s for s in senses if any(b in pairs.vocab for b in bigrams(s)) or (len(s) == 1 and s in words.vocab)]
        if kept:
            out[word] = kept
    return out


REVERSE_SENSES = 5  # English stems kept per Chinese word: the words whose first senses it is come first
REVERSE_SENSES_READ = 8  # dictionary senses read per English word for it ("doctor": 博士 is the second)


def build_reverse_glossary(words: BM25) -> dict[str, list[str]]:
    """Chinese word -> English stems of this corpus that it translates (the glossaries the other way), so
    that a Chinese question finds English transcripts: the hand lexicon's pairs first (precise: 模型 ->
    model), then the dictionary's, a word's earlier senses before its later ones."""
    stem = _stemmer()
    ranked: dict[str, list[tuple[int, str]]] = {}

    def add(zh: str, english: str, rank: int) -> None:
        for word in _LATIN.findall(english.lower()):
            s = stem(word)
            if word not in _STOP_EN_DOC and s in words.vocab and len(zh) >= 2 and zh not in _STOP_ZH:
                ranked.setdefault(zh, []).append((rank, s))

    for english, terms in load_lexicon().items():
        for zh in terms:
            add(zh, english, -1)
    path = dictionary_file()
    for word, senses in (read_dictionary(path, REVERSE_SENSES_READ) if path else {}).items():
        if _LATIN.fullmatch(word):
            for rank, sense in enumerate(senses):
                add(sense, word, rank)
    return {zh: list(dict.fromkeys(s for _, s in sorted(pairs)))[:REVERSE_SENSES] for zh, pairs in ranked.items()}


def bigrams(text: str) -> list[str]:
    """Overlapping character pairs of the words and Chinese runs of a text.

    A second lexical leg for Chinese: jieba may cut a question and an answer
    differently ("投资人" / "投资者"), character pairs still meet ("投资").
    """
    out = []
    for run in _BIGRAM_RUN.findall(text.lower()):
        if _HAN.match(run):
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
        else:  # a Latin word or a number counts once, whole: "chatgpt" is one term, not six pairs
            out.append(run)
    return out


@lru_cache(maxsize=65536)
def _singular(word: str) -> str:
    for suffix, repl in (("ies", "y"), ("ses", "s"), ("s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + repl
    return word


def bm25_idf(n_docs: int, df: int) -> float:
    """BM25's idf of a term held by `df` of `n_docs` documents (as the weights are built with)."""
    return float(np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5)))


# Up to this many documents a term's postings are added into a corpus-sized array and the candidates read
# from it, rather than matched to the candidates by binary search: on the two articles (155 turns, 56
# candidates) the two word legs took 46 us per question instead of 95.
SMALL_CORPUS = 4096


def _matches(plist: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where a term's postings (ascending) meet the ascending candidates `docs`: (the candidates' positions,
    the postings' positions), by binary search from whichever side is shorter."""
    if len(plist) > len(docs):
        pos = np.minimum(np.searchsorted(plist, docs), len(plist) - 1)
        hit = plist[pos] == docs
        return np.flatnonzero(hit), pos[hit]
    pos = np.minimum(np.searchsorted(docs, plist), len(docs) - 1)
    hit = docs[pos] == plist
    return pos[hit], np.flatnonzero(hit)


class BM25:
    """A BM25 index over a fixed list of documents (one per turn)."""

    def __init__(self, vocab: dict[str, int], indptr: np.ndarray, docs: np.ndarray,
                 weights: np.ndarray, n_docs: int):
        self.vocab, self.indptr, self.docs, self.weights, self.n_docs = vocab, indptr, docs, weights, n_docs

    @classmethod
    def build(cls, documents: list[list[str]]) -> "BM25":
        n = len(documents)
        lengths = np.array([len(d) for d in documents], dtype=np.float32)
        avgdl = float(lengths.mean()) if n and lengths.sum() else 1.0
        postings: dict[str, dict[int, int]] = {}
        for i, doc in enumerate(documents):
            for tok in doc:
                postings.setdefault(tok, {})
                postings[tok][i] = postings[tok].get(i, 0) + 1
        vocab = {tok: j for j, tok in enumerate(sorted(postings))}
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        docs_l: list[int] = []
        weights_l: list[float] = []
        for tok, j in vocab.items():
            plist = postings[tok]
            df = len(plist)
            idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))  # as in idf()
            for d, tf in sorted(plist.items()):
                docs_l.append(d)
                weights_l.append(idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths[d] / avgdl)))
            indptr[j + 1] = len(docs_l)
        return cls(vocab, indptr, np.array(docs_l, dtype=np.int32), np.array(weights_l, dtype=np.float32), n)

    def idf(self, token: str) -> float:
        """The BM25 idf of a term; 0.0 for a term no document has."""
        j = self.vocab.get(token)
        if j is None:
            return 0.0
        return bm25_idf(self.n_docs, int(self.indptr[j + 1] - self.indptr[j]))

    def scores(self, tokens: list[str]) -> np.ndarray:
        out = np.zeros(self.n_docs, dtype=np.float32)
        for tok in set(tokens):
            j = self.vocab.get(tok)
            if j is not None:
                a, b = self.indptr[j], self.indptr[j + 1]
                out[self.docs[a:b]] += self.weights[a:b] * tokens.count(tok) ** 0.5
        return out

    def scores_at(self, tokens: list[str], docs: np.ndarray) -> np.ndarray:
        """`scores(tokens)[docs]` for ascending `docs`, without a corpus-sized array: each term's postings
        (ascending too) are matched to the candidates by binary search, from whichever side is shorter."""
        if 2 * len(docs) >= self.n_docs or self.n_docs <= SMALL_CORPUS:  # one scattered add per term is cheaper
            return self.scores(tokens)[docs]
        out = np.zeros(len(docs), dtype=np.float32)
        if not len(docs):
            return out
        for tok in set(tokens):
            j = self.vocab.get(tok)
            if j is None:
                continue
            a, b = self.indptr[j], self.indptr[j + 1]
            at, rows = _matches(self.docs[a:b], docs)
            out[at] += self.weights[a:b][rows] * np.float32(tokens.count(tok) ** 0.5)
        return out

    def grouped_scores_at(self, groups: list[list[str]], docs: np.ndarray) -> np.ndarray:
        """BM25 at ascending `docs` where each group of terms counts as one term (structured queries, Pirkola
        1998; Darwish and Oard 2003): its document frequency is that of any of its terms, and a document's
        term frequency part is its best term's. So an English word and its Chinese glosses weigh the same in
        English and in Chinese transcripts, instead of the word, found in the few English turns, weighing as
        a rare term and its glosses as common ones."""
        out = np.zeros(len(docs), dtype=np.float32)
        if not len(docs):
            return out
        n = self.n_docs
        for group in groups:
            js = [self.vocab[t] for t in dict.fromkeys(group) if t in self.vocab]
            if not js:
                continue
            if 2 * len(docs) >= n or n <= SMALL_CORPUS:  # the group's best term frequency part for every document
                tf = np.zeros(n, dtype=np.float32)
                for j in js:
                    a, b = self.indptr[j], self.indptr[j + 1]
                    where = self.docs[a:b]
                    tf[where] = np.maximum(tf[where], self.weights[a:b] / np.float32(bm25_idf(n, int(b - a))))
                df = int(np.count_nonzero(tf))  # (a term's weight in a document that holds it is positive)
                out += np.float32(bm25_idf(n, df)) * tf[docs]
                continue
            if len(js) == 1:
                df = int(self.indptr[js[0] + 1] - self.indptr[js[0]])
            else:  # documents holding any of the group's terms
                holding = np.zeros(n, dtype=bool)
                for j in js:
                    holding[self.docs[self.indptr[j]:self.indptr[j + 1]]] = True
                df = int(np.count_nonzero(holding))
            best = np.zeros(len(docs), dtype=np.float32)  # each candidate's best term frequency part
            for j in js:
                a, b = self.indptr[j], self.indptr[j + 1]
                at, rows = _matches(self.docs[a:b], docs)
                best[at] = np.maximum(best[at], self.weights[a:b][rows] / np.float32(bm25_idf(n, int(b - a))))
            out += np.float32(bm25_idf(n, df)) * best
        return out

    def save(self, directory: Path, prefix: str = "lexical") -> None:
        (directory / f"{prefix}_vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False), encoding="utf-8")
        np.save(directory / f"{prefix}_indptr.npy", self.indptr, allow_pickle=False)
        np.save(directory / f"{prefix}_docs.npy", self.docs, allow_pickle=False)
        np.save(directory / f"{prefix}_weights.npy", self.weights, allow_pickle=False)

    @classmethod
    def load(cls, directory: Path, n_docs: int, prefix: str = "lexical") -> "BM25":
        vocab = json.loads((directory / f"{prefix}_vocab.json").read_text(encoding="utf-8"))
        # Memory-mapped, seen as plain arrays: np.memmap's own indexing costs microseconds a slice.
        arrays = [np.asarray(np.load(directory / f"{prefix}_{n}.npy", mmap_mode="r", allow_pickle=False))
                  for n in ("indptr", "docs", "weights")]
        if len(arrays[0]) != len(vocab) + 1 or len(arrays[1]) != len(arrays[2]):
            raise ValueError("lexical arrays do not match the vocabulary")
        if len(arrays[1]) and int(np.max(arrays[1])) >= n_docs:
            raise ValueError("lexical postings point past the last turn")
        return cls(vocab, *arrays, n_docs=n_docs)


def matched_terms(question: str, text: str, glossary: dict[str, list[str]] | None = None,
                  senses: dict[str, list[str]] | None = None) -> tuple[list[str], list[tuple[int, int]]]:
    """Why a text matched a question, for a reader: the question's words found in it, directly or through a
    gloss ("voice → 声音", "Sky"), and their spans in the text (sorted, not overlapping)."""
    low = text.lower()
    labels: list[str] = []
    spans: list[tuple[int, int]] = []

    def find(term: str) -> list[tuple[int, int]]:
        t = term.lower()
        if not t:
            return []
        if _LATIN.fullmatch(t):  # a whole word, or the word's own start ("regulat" in "regulation")
            return [m.span() for m in re.finditer(rf"(?<![a-z]){re.escape(t)}[a-z]*", low)]
        return [m.span() for m in re.finditer(re.escape(t), low)]

    def add(source: str | None, term: str) -> None:
        found = find(term)
        if found:
            label = text[found[0][0]:found[0][1]]  # in the text's own form ("innovating", not the stem "innov")
            label = f"{source} → {label}" if source else label
            if label.casefold() not in {x.casefold() for x in labels}:
                labels.append(label)
            spans.extend(found)

    if is_chinese(question):
        for tok in dict.fromkeys(tokenize(question)):
            if len(tok) >= 2 or not _HAN.search(tok):
                add(None, tok)
                for english in english_senses(tok, senses or {}):
                    add(tok, english)
    else:
        words = [w for w in dict.fromkeys(_words(question)) if w not in _STOP_EN and len(w) > 1]
        lexicon = _by_word(_lexicon_glosses(words))
        for w in words:
            add(None, w)
            for gloss in dict.fromkeys(lexicon.get(w) or _dictionary_senses(w, glossary or {})):
                if _HAN.search(gloss):  # (the lexicon's Latin entries are names the word already finds)
                    add(w, gloss)
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return labels, merged
