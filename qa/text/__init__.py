"""The lexical side of retrieval, one module per job:

    tokens.py     jieba tokens (dictionary from an SQLite copy), stop words, English stems, names
    glossary.py   English -> Chinese glosses (hand lexicon, then the dictionary) and Chinese -> English
    expand.py     a question's terms for the word and character-pair legs, and its translation groups
    bm25.py       BM25 over a fixed list of documents, stored as plain arrays; character pairs
    evidence.py   a question's content words and whether the transcripts hold them (the no-answer bar)
    highlight.py  which of a question's words a quote holds, for a reader

An English question shares no words with a Chinese transcript: its words are glossed in Chinese. A Chinese
question over English transcripts gets its words' English senses. Over transcripts in both languages a word
and its translations are one BM25 term, so its weight does not depend on which language's turns are few.
"""
from .bm25 import B, BM25, K1, bigrams, bm25_idf
from .evidence import content_words, unfound_information, unfound_share
from .expand import query_groups, query_terms
from .glossary import (LEXICON, build_glossary, build_reverse_glossary, dictionary_file, english_senses,
                       hold_dictionaries, load_lexicon, read_dictionary)
from .highlight import matched_terms
from .tokens import name_tokens, tokenize

__all__ = ["B", "BM25", "K1", "bigrams", "bm25_idf", "content_words", "unfound_information", "unfound_share",
           "query_groups", "query_terms", "LEXICON", "build_glossary", "build_reverse_glossary", "dictionary_file",
           "english_senses", "hold_dictionaries", "load_lexicon", "read_dictionary", "matched_terms",
           "name_tokens", "tokenize"]
