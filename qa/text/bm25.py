"""BM25, stored as bm25s stores it: a JSON vocabulary and three arrays holding, for each term, the documents it
occurs in and its precomputed BM25 weight there (CSR by term). A query then costs a few array adds, whatever
the corpus size. Also the character pairs of the second leg (`bigrams`).

Flows in: tokenised documents (one per turn); flows out: scores per turn.
"""
from __future__ import annotations

import json
import re
from functools import cached_property
from pathlib import Path

import numpy as np

from ..lang import HAN as _HAN, HAN_RUN

K1, B = 1.2, 0.75




_BIGRAM_RUN = re.compile(r"[\u3400-\u9fff]+|[^\W_\u3400-\u9fff]+")  # Chinese runs; Latin words and numbers


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

    @cached_property
    def infixes(self) -> dict[str, list[str]]:
        """Each run of two or more Chinese characters inside a longer word of the vocabulary -> those words
        ("加密" -> 加密技术): a question's word met inside one of the transcripts' words (evidence.content_words),
        not across two of them, as a character pair may be. Worked out on first use."""
        out: dict[str, list[str]] = {}
        for word in self.vocab:
            if len(word) > 2 and HAN_RUN.fullmatch(word):
                for part in {word[i:i + n] for n in range(2, len(word)) for i in range(len(word) - n + 1)}:
                    out.setdefault(part, []).append(word)
        return out

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
