"""Stage 5, align: two versions of one conversation (a Chinese article and the English captions of the same
event; two transcripts of it), turn by turn and, inside aligned turns, sentence by sentence.

The method is that of Vecalign and Bertalign: a monotonic alignment by dynamic programming over the
similarity of the two versions' vectors, with beads of one-to-one, one-to-many and many-to-one (a rendering
condenses, merges and drops) and skips (a turn with no counterpart: dropped in the rendering, an editor's
note). What differs is where the vectors come from: the index already holds every turn's passage vectors
and every sentence's, from the same multilingual model, so nothing is embedded again; a group's vector is
the normalised sum of its members' (Vecalign embeds concatenations instead).

Scores are margins, not raw cosines (Artetxe and Schwenk's margin, the CSLS idea): a pair's cosine less the
mean of each side's cosines to its MARGIN_K nearest items on the other side. A turn close to everything (a
hub) gains nothing from it, and a pair that is only as close as the neighbours around it scores about zero.
A skip scores zero, so a pair is kept only where it stands out (MIN_BEAD). A bead joins turns of one role
only: a question is never aligned with an answer.

Turn level first; then, inside each turn bead, the same alignment over the sentence vectors of its turns.
`qa index` proposes two undeclared files as versions when most of the shorter one's turns pair with their
mutual nearest neighbours along the alignment and the alignment stands far above chance (PROPOSE_ANCHORS,
PROPOSE_Z).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .chunk import SENTENCE, WINDOW

# Bead shapes (items of A, items of B): skips, one-to-one, and up to three merged on either side.
SHAPES = ((1, 0), (0, 1), (1, 1), (1, 2), (2, 1), (1, 3), (3, 1))
MARGIN_K = 4  # neighbours on the other side a margin is taken against
MIN_BEAD = 0.0  # a bead's margin must exceed this to be kept (a skip scores 0)
BRIDGE_CHARS = 80  # a remark this short between two parts of another speaker's answer may be passed over


@dataclass(frozen=True)
class Bead:
    """Aligned items of the two versions (indices into each side's list; one side empty for a skip)."""

    a: tuple[int, ...]
    b: tuple[int, ...]
    score: float


@dataclass(frozen=True)
class SentencePair:
    a: tuple[tuple[str, int, int], ...]  # (turn_id, start, end) of each sentence on A's side
    b: tuple[tuple[str, int, int], ...]
    score: float


@dataclass(frozen=True)
class TurnPair:
    a: tuple[str, ...]  # turn ids of A's side; empty when B's turns have no counterpart
    b: tuple[str, ...]
    score: float
    sentences: tuple[SentencePair, ...] = ()


@dataclass
class Alignment:
    a: str  # article ids
    b: str
    pairs: list[TurnPair] = field(default_factory=list)
    seconds: float = 0.0
    chance: float = 0.0  # how far the alignment stands above the two versions' turns in random order (z)
    anchors: float = 0.0  # share of the shorter version's turns paired with their mutual nearest neighbour

    @property
    def coverage(self) -> float:
        """Share of the shorter version's turns (those with vectors) that are paired, 0 to 1."""
        na, nb = sum(len(p.a) for p in self.pairs), sum(len(p.b) for p in self.pairs)
        if not na or not nb:
            return 0.0
        if na <= nb:
            return sum(len(p.a) for p in self.pairs if p.a and p.b) / na
        return sum(len(p.b) for p in self.pairs if p.a and p.b) / nb

    def to_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "coverage": round(self.coverage, 3), "chance": round(self.chance, 2),
                "anchors": round(self.anchors, 3),
                "seconds": round(self.seconds, 3),
                "pairs": [{"a": list(p.a), "b": list(p.b), "score": round(p.score, 4),
                           "sentences": [{"a": [list(s) for s in sp.a], "b": [list(s) for s in sp.b],
                                          "score": round(sp.score, 4)} for sp in p.sentences]}
                          for p in self.pairs]}

    @classmethod
    def from_dict(cls, d: dict) -> "Alignment":
        pairs = [TurnPair(tuple(p["a"]), tuple(p["b"]), p["score"],
                          tuple(SentencePair(tuple(tuple(x) for x in s["a"]), tuple(tuple(x) for x in s["b"]),
                                             s["score"]) for s in p.get("sentences", [])))
                 for p in d.get("pairs", [])]
        return cls(d["a"], d["b"], pairs, d.get("seconds", 0.0), d.get("chance", 0.0), d.get("anchors", 0.0))


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(n, 1e-9)


def _groups(x: np.ndarray, size: int) -> np.ndarray:
    """Row i: the normalised sum of rows i-size+1..i (zeros where fewer than `size` rows end at i)."""
    out = np.zeros_like(x)
    if len(x) >= size:
        s = np.cumsum(np.vstack([np.zeros((1, x.shape[1]), x.dtype), x]), axis=0)
        out[size - 1:] = _unit(s[size:] - s[:-size])
    return out


def _margins(sim: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's and each column's mean cosine to its k nearest on the other side."""
    def mean_top(m: np.ndarray) -> np.ndarray:
        kk = min(k, m.shape[1])
        return np.sort(m, axis=1)[:, -kk:].mean(axis=1) if kk else np.zeros(m.shape[0])
    return mean_top(sim), mean_top(sim.T)


def align_vectors(A: np.ndarray, B: np.ndarray, role_a: list | None = None, role_b: list | None = None,
                  shapes=SHAPES, min_bead: float = MIN_BEAD, rescue: bool = True,
                  margins: tuple[np.ndarray, np.ndarray] | None = None,
                  bridge_a: list | None = None, bridge_b: list | None = None,
                  nearest: tuple[np.ndarray, np.ndarray] | None = None) -> list[Bead]:
    """The best monotonic alignment of two sequences of unit vectors (see the module docstring), with moved
    passages found again (`_rescued`) unless `rescue` is false. Items whose roles differ are never in one
    bead. A skip scores 0, so each row of the table is a running maximum, and the dynamic programme runs a
    row at a time in numpy. `margins`: each item's mean cosine to its nearest on the other side, when taken
    over more than these two sequences (the sentences of a turn pair, against all of the other version's).
    `bridge_a`, `bridge_b`: items that may be passed over inside a bead (a short interjection of another role
    between two parts of one answer, which a rendering drops and joins the parts: `_bridges`); `nearest`: each
    item's nearest on the other side, when known better than by these vectors (a short answer inside a long
    one: `_containment`)."""
    n, m = len(A), len(B)
    if n == 0 or m == 0:
        return [Bead((i,), (), 0.0) for i in range(n)] + [Bead((), (j,), 0.0) for j in range(m)]
    role_a = np.asarray(role_a if role_a is not None else [0] * n, dtype=np.int64)
    role_b = np.asarray(role_b if role_b is not None else [0] * m, dtype=np.int64)
    ra, rb = margins if margins is not None else _margins(A @ B.T, MARGIN_K)
    gains = {}
    for p, q in ((p, q) for p, q in shapes if p and q):  # gains[p, q, ""][i - 1, j - 1]: A[i-p:i] with B[j-q:j]
        sim = _groups(A, p) @ _groups(B, q).T
        margin = (np.convolve(ra, np.ones(p) / p)[:n][:, None] + np.convolve(rb, np.ones(q) / q)[:m][None, :]) / 2
        same_a, same_b = _group_roles(role_a, p), _group_roles(role_b, q)
        valid = (same_a[:, None] == same_b[None, :]) & (same_a[:, None] >= 0)
        valid[:p - 1, :] = False
        valid[:, :q - 1] = False
        gains[p, q, ""] = _kept(sim - margin, valid, min_bead)
    if bridge_a is not None and n >= 3:
        gains[3, 1, "a"] = _bridges(A, B, ra, rb, role_a, role_b, np.asarray(bridge_a, bool), min_bead,
                                    nearest[0] if nearest else None)
    if bridge_b is not None and m >= 3:
        gains[1, 3, "b"] = _bridges(B, A, rb, ra, role_b, role_a, np.asarray(bridge_b, bool), min_bead,
                                    nearest[1] if nearest else None).T
    best = np.full((n + 1, m + 1), -np.inf)
    best[0, :] = 0.0  # B's first items skipped
    back = np.zeros((n + 1, m + 1), dtype=np.int8)  # index into `options`; -1: a skip of B's item
    options = [(1, 0, "")] + list(gains)
    back[0, 1:] = -1
    for i in range(1, n + 1):
        cand = np.full((len(options), m + 1), -np.inf)
        cand[0] = best[i - 1]  # A's item skipped
        for k, (p, q, bridge) in enumerate(options[1:], start=1):
            if p <= i:
                cand[k, q:] = best[i - p, :m + 1 - q] + gains[p, q, bridge][i - 1, q - 1:]
        pick = np.argmax(cand, axis=0)
        row = cand[pick, np.arange(m + 1)]
        run = np.maximum.accumulate(row)
        back[i] = np.where(run > row, -1, pick)
        best[i] = run
    beads = _trace(back, options, gains, n, m)
    return _rescued(beads, A @ B.T, gains.get((1, 1, ""))) if rescue else beads


def _kept(gain: np.ndarray, valid: np.ndarray, min_bead: float) -> np.ndarray:
    return np.where(valid & (gain > min_bead), gain, -np.inf)


def _bridges(A, B, ra, rb, role_a, role_b, bridge: np.ndarray, min_bead: float,
             nearest_of: np.ndarray | None = None) -> np.ndarray:
    """Gains of beads A[i-3], A[i-1] with B[j-1], passing over A[i-2] (a bridgeable item of another role), where
    B[j-1] is the nearest item of B to each of the two (`nearest_of`[i]: A[i]'s nearest in B, by default by
    their vectors): row i-1, column j-1; -inf where no such bead is allowed. Where allowed, the bead is worth
    the best of its parts' one-to-one gains, so that it is taken over the one-to-one pair it extends."""
    n = len(A)
    single = A @ B.T - (ra[:, None] + rb[None, :]) / 2
    ends = np.zeros_like(A)
    ends[2:] = _unit(A[:-2] + A[2:])
    margin = (np.r_[0, 0, (ra[:-2] + ra[2:]) / 2][:, None] + rb[None, :]) / 2
    joined = ends @ B.T - margin
    gain = np.full((n, len(B)), -np.inf)
    nearest = (A @ B.T).argmax(axis=1) if nearest_of is None else nearest_of
    for i in range(2, n):
        j = int(nearest[i])
        if role_a[i - 2] == role_a[i] == role_b[j] and role_a[i - 1] != role_a[i] and bridge[i - 1] \
                and int(nearest[i - 2]) == j:
            best = max(joined[i, j], single[i - 2, j], single[i, j]) + 1e-6
            if best > min_bead:
                gain[i, j] = best
    return gain


def _rescued(beads: list[Bead], sim: np.ndarray, gain: np.ndarray | None) -> list[Bead]:
    """The alignment with moved passages found again: an item left without counterpart whose mutual nearest
    neighbour on the other side is also left without one (a rendering that moved an exchange or a sentence)
    is paired with it, where the pair stands out about as the pairs in place do (its one-to-one margin, roles
    alike, at least half their median)."""
    if gain is None:
        return beads
    lone_a = {b.a[0] for b in beads if b.a and not b.b}
    lone_b = {b.b[0] for b in beads if b.b and not b.a}
    nn_a, nn_b = sim.argmax(axis=1), sim.argmax(axis=0)
    kept = [b.score for b in beads if b.a and b.b]
    bar = 0.5 * float(np.median(kept)) if kept else np.inf  # about as close as the pairs in place
    found = {i: int(nn_a[i]) for i in lone_a if int(nn_a[i]) in lone_b and nn_b[nn_a[i]] == i
             and np.isfinite(gain[i, nn_a[i]]) and gain[i, nn_a[i]] >= bar}
    if not found:
        return beads
    out = []
    for b in beads:
        if b.a and not b.b and b.a[0] in found:
            out.append(Bead(b.a, (found[b.a[0]],), float(gain[b.a[0], found[b.a[0]]])))
        elif not (b.b and not b.a and b.b[0] in found.values()):
            out.append(b)
    return out


def _trace(back: np.ndarray, options, gains, n: int, m: int) -> list[Bead]:
    beads: list[Bead] = []
    i, j = n, m
    while i or j:
        k = int(back[i, j]) if i else -1
        if k == -1:
            beads.append(Bead((), (j - 1,), 0.0))
            j -= 1
            continue
        p, q, bridge = options[k]
        gain = float(gains[p, q, bridge][i - 1, j - 1]) if q else 0.0
        a, b = tuple(range(i - p, i)), tuple(range(j - q, j))
        if bridge == "a":  # the middle item passed over: a skip of its own
            beads += [Bead((a[1],), (), 0.0), Bead((a[0], a[2]), b, gain)]
        elif bridge == "b":
            beads += [Bead((), (b[1],), 0.0), Bead(a, (b[0], b[2]), gain)]
        else:
            beads.append(Bead(a, b, gain))
        i, j = i - p, j - q
    return beads[::-1]


def _group_roles(roles: np.ndarray, size: int) -> np.ndarray:
    """Row i: the role shared by roles[i-size+1..i], or -1 where they differ (or fewer than `size` end at i)."""
    out = np.full(len(roles), -1, dtype=np.int64)
    for i in range(size - 1, len(roles)):
        group = roles[i - size + 1:i + 1]
        if (group == group[0]).all():
            out[i] = group[0]
    return out


def article_spans(turns) -> dict[str, tuple[int, int]]:
    """Each article's turns, as the range of their rows (an article's turns are consecutive)."""
    spans: dict[str, tuple[int, int]] = {}
    for i, t in enumerate(turns):
        first = spans.get(t.article_id, (i, i))[0]
        spans[t.article_id] = (first, i + 1)
    return spans


def _turn_items(index, span: tuple[int, int]) -> tuple[list, np.ndarray, dict[int, list[int]]]:
    """The turns of rows span[0]..span[1] that have vectors, their turn vectors (normalised mean of their
    passage windows), and each one's sentence unit rows (its window when it is a single sentence). A turn's
    units are rows index.turn_units[t]..index.turn_units[t + 1]."""
    rows_of: dict[int, list[int]] = {}
    sentences: dict[int, list[int]] = {}
    offsets = index.turn_units
    for t in range(*span):
        for r in range(int(offsets[t]), int(offsets[t + 1])):
            kind = int(index.units[r, 1])
            if kind == WINDOW:
                rows_of.setdefault(t, []).append(r)
            elif kind == SENTENCE:
                sentences.setdefault(t, []).append(r)
    order = sorted(rows_of)
    if not order:
        return [], np.zeros((0, index.vectors.shape[1]), np.float32), {}
    vecs = _unit(np.stack([np.asarray(index.vectors[rows_of[t]], np.float32).mean(axis=0) for t in order]))
    sents = {t: sentences.get(t) or rows_of[t][:1] for t in order}
    return order, vecs, sents


def align(index, a: str, b: str, chance: bool = True, sentences: bool = True,
          spans: dict[str, tuple[int, int]] | None = None) -> Alignment:
    """Align articles `a` and `b` of `index` turn by turn, then (with `sentences`) sentence by sentence inside
    each turn pair; with `chance`, also how far the alignment stands above chance (`_above_chance`, twenty
    alignments more). `spans`: `article_spans(index.turns)`, when already worked out."""
    import time

    t0 = time.perf_counter()
    spans = spans if spans is not None else article_spans(index.turns)
    ta, va, sa = _turn_items(index, spans.get(a, (0, 0)))
    tb, vb, sb = _turn_items(index, spans.get(b, (0, 0)))
    turns = index.turns
    # Roles (her answers, the rest) bind only where both files know whose answers they are.
    both = all(index.articles[x].interviewee for x in (a, b) if x in index.articles)
    ra = [bool(turns[t].is_interviewee) for t in ta] if both else None
    rb = [bool(turns[t].is_interviewee) for t in tb] if both else None
    # A short remark between two turns of another role may be passed over: "That must have been a strange day."
    bridge_a = [_interjection(turns[t].text) for t in ta]
    bridge_b = [_interjection(turns[t].text) for t in tb]
    beads = align_vectors(va, vb, ra, rb, bridge_a=bridge_a, bridge_b=bridge_b,
                          nearest=(_containment(index, va, [sb[t] for t in tb]),
                                   _containment(index, vb, [sa[t] for t in ta])))
    # A sentence's margin is taken against every sentence of the other version, not only its turn pair's few
    rows_a, rows_b = ([r for t in ta for r in sa[t]], [r for t in tb for r in sb[t]]) if sentences else ([], [])
    ma, mb = _margins(_unit(np.asarray(index.vectors[rows_a], np.float32))
                      @ _unit(np.asarray(index.vectors[rows_b], np.float32)).T, MARGIN_K) \
        if rows_a and rows_b else (np.zeros(0), np.zeros(0))
    sentence_margins = ({r: float(x) for r, x in zip(rows_a, ma)}, {r: float(x) for r, x in zip(rows_b, mb)})
    in_order = align_vectors(va, vb, ra, rb, rescue=False)  # what chance and anchors judge: order kept
    pairs = []
    for bead in beads:
        ia, ib = [ta[i] for i in bead.a], [tb[j] for j in bead.b]
        inside: tuple[SentencePair, ...] = ()
        if ia and ib and sentences:
            inside = _sentence_pairs(index, [r for t in ia for r in sa[t]], [r for t in ib for r in sb[t]],
                                     sentence_margins)
        pairs.append(TurnPair(tuple(turns[t].turn_id for t in ia), tuple(turns[t].turn_id for t in ib),
                              bead.score, inside))
    z = _above_chance(va, vb, ra, rb, in_order) if chance else 0.0
    return Alignment(a, b, pairs, time.perf_counter() - t0, z, _anchors(va, vb, in_order))


SHUFFLES = 20


def _interjection(text: str) -> bool:
    """A short remark, not a question: "That must have been a strange day." (a question opens an exchange of
    its own, which a rendering drops whole or keeps)."""
    return len(text) <= BRIDGE_CHARS and not any(c in text for c in "?？")


def _containment(index, vectors: np.ndarray, sentence_rows: list[list[int]]) -> np.ndarray:
    """For each of `vectors` (one side's turns), the other side's turn holding the sentence nearest to it: a
    short answer ("It was humbling, for everyone.") is found inside the long turn that renders it."""
    rows = [r for group in sentence_rows for r in group]
    if not rows or not len(vectors):
        return np.zeros(len(vectors), dtype=np.int64)
    owner = np.repeat(np.arange(len(sentence_rows)), [len(g) for g in sentence_rows])
    sims = vectors @ _unit(np.asarray(index.vectors[rows], np.float32)).T
    return owner[sims.argmax(axis=1)]


def _anchors(va: np.ndarray, vb: np.ndarray, beads: list[Bead]) -> float:
    """Share of the shorter side's items that are their other side's mutual nearest neighbour and paired so by
    the alignment: near 1 for a rendering and its original, under 0.4 for two interviews on the same
    subjects in the same order (benchmarks/align_eval.py --chance)."""
    if not len(va) or not len(vb):
        return 0.0
    sim = va @ vb.T
    nn_a, nn_b = sim.argmax(axis=1), sim.argmax(axis=0)
    paired = {(i, j) for bead in beads for i in bead.a for j in bead.b}
    hits = sum((i, int(nn_a[i])) in paired for i in range(len(va)) if nn_b[nn_a[i]] == i)
    return hits / min(len(va), len(vb))


def _above_chance(va, vb, ra, rb, beads: list[Bead]) -> float:
    """How many standard deviations the alignment's total margin stands above that of the same turns with
    one side's exchanges (pairs of turns, so that questions still alternate with answers) in random order:
    two versions of a conversation keep its order; two interviews on one subject do not."""
    if not len(va) or not len(vb):
        return 0.0
    total = sum(b.score for b in beads)
    rng = np.random.default_rng(0)
    scores = []
    for _ in range(SHUFFLES):
        blocks = [list(range(i, min(i + 2, len(vb)))) for i in range(0, len(vb), 2)]  # keeps Q-A alternation
        order = np.array([i for k in rng.permutation(len(blocks)) for i in blocks[k]])
        scores.append(sum(b.score for b in align_vectors(va, vb[order], ra, None if rb is None else
                                                         [rb[i] for i in order], rescue=False)))
    sd = float(np.std(scores)) or 1e-6
    return float((total - np.mean(scores)) / sd)


def _sentence_pairs(index, rows_a: list[int], rows_b: list[int], margins: tuple[dict, dict]
                    ) -> tuple[SentencePair, ...]:
    """Sentence pairs inside one turn pair (only pairs; a sentence with no counterpart is left out)."""
    A = _unit(np.asarray(index.vectors[rows_a], np.float32))
    B = _unit(np.asarray(index.vectors[rows_b], np.float32))

    def where(r: int) -> tuple[str, int, int]:
        t, _, s, e = (int(x) for x in index.units[r])
        return (index.turns[t].turn_id, s, e)

    out = []
    ra = np.array([margins[0][r] for r in rows_a])
    rb = np.array([margins[1][r] for r in rows_b])
    for bead in align_vectors(A, B, margins=(ra, rb)):
        if bead.a and bead.b:
            out.append(SentencePair(tuple(where(rows_a[i]) for i in bead.a), tuple(where(rows_b[j]) for j in bead.b),
                                    bead.score))
    return tuple(out)


# ---------------------------------------------------------------- versions in a corpus
# An undeclared pair is proposed as versions of one conversation when at least PROPOSE_ANCHORS of the shorter
# one's turns are anchors (`_anchors`) and the alignment stands PROPOSE_Z standard deviations above chance
# (`_above_chance`): docs/decisions.md gives the figures.
PROPOSE_ANCHORS = 0.5
PROPOSE_Z = 3.0
MAX_PROPOSALS = 200  # alignments tried for proposals in one build (each takes well under a second)


def declared(articles) -> tuple[list[tuple[str, str]], list[str]]:
    """The pairs of articles the catalogue declares versions of one conversation (`same_as`, by file name or
    article id), each once; and a notice for each `same_as` that names no transcript."""
    ids = {a.article_id for a in articles}
    by_file: dict[str, str] = {}
    for a in articles:
        by_file.setdefault(a.source.rsplit("/", 1)[-1], a.article_id)
    pairs, notices = [], []
    for a in articles:
        if not a.same_as:
            continue
        other = a.same_as if a.same_as in ids else by_file.get(a.same_as.rsplit("/", 1)[-1])
        if other is None:
            notices.append(f"{a.source}: same_as = \"{a.same_as}\" names no transcript in the sources folder; "
                           "give the file name of the other version")
        elif other != a.article_id and (a.article_id, other) not in pairs and (other, a.article_id) not in pairs:
            pairs.append((other, a.article_id))  # (the version named, the one naming it)
    return pairs, notices


def original_of(a, b, timed: dict[str, bool]) -> str:
    """Which of two versions is the original (her words as spoken): the one with times (a recording's
    captions or transcript) when only one has them; else one not in Chinese beside one in Chinese (the
    conversations are renderings of English ones); else the version named by the other's `same_as`."""
    if timed.get(a.article_id) != timed.get(b.article_id):
        return a.article_id if timed.get(a.article_id) else b.article_id
    if (a.language == "zh") != (b.language == "zh"):
        return b.article_id if a.language == "zh" else a.article_id
    return a.article_id


def align_corpus(index, changed: set[str] | frozenset = frozenset()) -> tuple[list[dict], list[str]]:
    """Every declared pair aligned (as stored in the manifest), and notices: a `same_as` naming nothing, and
    a proposal for each undeclared pair, one of them new or changed (`changed`), that aligns far above
    chance (PROPOSE_Z)."""
    articles = list(index.articles.values())
    pairs, notices = declared(articles)
    timed: dict[str, bool] = {}
    for t in index.turns:
        if t.speaker != "Narrator":
            timed[t.article_id] = timed.get(t.article_id, True) and t.start is not None
    spans = article_spans(index.turns)
    out = []
    for a, b in pairs:
        al = align(index, a, b, spans=spans)
        d = al.to_dict()
        d["original"] = original_of(index.articles[a], index.articles[b], timed)
        out.append(d)
    done = {frozenset(p) for p in pairs}
    tried = 0
    for x in articles:
        if x.article_id not in changed:
            continue
        for y in articles:
            if y.article_id == x.article_id or frozenset((x.article_id, y.article_id)) in done \
                    or tried >= MAX_PROPOSALS:
                continue
            done.add(frozenset((x.article_id, y.article_id)))
            tried += 1
            al = align(index, x.article_id, y.article_id, chance=False, sentences=False, spans=spans)
            if al.anchors < PROPOSE_ANCHORS:
                continue
            al = align(index, x.article_id, y.article_id, sentences=False, spans=spans)
            if al.chance >= PROPOSE_Z:
                notices.append(f"{x.source} and {y.source} look like two versions of one conversation "
                               f"({al.anchors:.0%} of turns pair with their nearest counterpart, "
                               f"{al.chance:.0f} standard deviations above chance); to show her words in one "
                               f"beside the other, add same_as = \"{y.source.rsplit('/', 1)[-1]}\" to "
                               f"[\"{x.source.rsplit('/', 1)[-1]}\"] in the catalogue (check it first: qa align "
                               f"{x.article_id} {y.article_id})")
    return out, notices


class Versions:
    """The index's aligned versions, for a turn's counterpart in the other version (`other`)."""

    def __init__(self, index, position: dict[str, int]):
        self.index = index
        self.position = position  # turn id -> its row in index.turns
        self.by_turn: dict[str, tuple[TurnPair, int, dict]] = {}  # turn id -> (its pair, its side 0/1, alignment)
        for d in index.manifest.get("alignments", []) or []:
            al = Alignment.from_dict(d)
            for p in al.pairs:
                if p.a and p.b:
                    for tid in p.a:
                        self.by_turn[tid] = (p, 0, d)
                    for tid in p.b:
                        self.by_turn[tid] = (p, 1, d)

    def __bool__(self) -> bool:
        return bool(self.by_turn)

    def of_article(self, article_id: str) -> tuple[Alignment, str] | None:
        """The stored alignment of `article_id` with its other version, and which of them is the original."""
        for d in self.index.manifest.get("alignments", []) or []:
            if article_id in (d["a"], d["b"]):
                return Alignment.from_dict(d), d.get("original", "")
        return None

    def other(self, turn_id: str, start: int = 0, end: int | None = None, chars: int = 600) -> dict | None:
        """The passage of the other version that renders (or is rendered by) the span start..end of turn
        `turn_id`: the aligned sentences, else the aligned turn's opening; None where nothing is aligned."""
        from .types import moment_url

        found = self.by_turn.get(turn_id)
        if found is None:
            return None
        pair, side, d = found
        mine = lambda sp: sp.a if side == 0 else sp.b  # noqa: E731
        theirs = lambda sp: sp.b if side == 0 else sp.a  # noqa: E731
        end = 10**9 if end is None else end
        sentences = [s for sp in pair.sentences if any(tid == turn_id and s0 < end and e0 > start
                                                       for tid, s0, e0 in mine(sp)) for s in theirs(sp)]
        other_turns = pair.b if side == 0 else pair.a
        turns = self.index.turns
        turn_of = lambda tid: turns[self.position[tid]]  # noqa: E731
        if sentences:
            sentences = sorted(set(sentences), key=lambda s: (int(s[0].rsplit("#", 1)[1]), s[1]))
            parts = [turn_of(tid).text[s0:e0] for tid, s0, e0 in sentences]
            text, turn = " … ".join(parts) if _gapped(sentences) else " ".join(parts), turn_of(sentences[0][0])
        else:
            turn = turn_of(other_turns[0])
            text = turn.text if len(turn.text) <= chars else turn.text[:chars].rsplit(" ", 1)[0] + "…"
        article = self.index.articles[turn.article_id]
        role = "original" if d.get("original") == turn.article_id else "rendering"
        return {"role": role, "text": text, "turn_id": turn.turn_id, "start": turn.start,
                "url_at": moment_url(article.url, turn.start), "article": article.citation()}


def _gapped(sentences: list[tuple[str, int, int]]) -> bool:
    """Whether sentences of one turn skip text between them (shown with "…")."""
    return any(a[0] != b[0] or b[1] - a[2] > 2 for a, b in zip(sentences, sentences[1:]))
