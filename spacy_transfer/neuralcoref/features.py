"""Mention and mention-pair features with exactly the layout the pretrained weights expect.

Single input (668) = 650 embedding + 17 mention features + 1 genre.
Pair input (1364) = antecedent embedding (650) + mention embedding (650) + 29 pair
features + antecedent's 17 + mention's 17 mention features + 1 genre.
Everything is computed per document with numpy; there is no per-pair Python loop.
"""

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy
from spacy.tokens import Doc, Token

from .mentions import (
    TokenTable,
    build_word_index,
    content_words,
    extract_mentions,
    mention_type,
)
from .vectors import CorefVectors

N_BINS = 10
SINGLE_FEATS = 17  # type 4 + length bins 10 + length value + location + nested
PAIR_ONLY_FEATS = 30  # 6 flags + 2 x (10 bins + value) + overlap + genre
EMBED_WIDTH = 650
SINGLE_IN = EMBED_WIDTH + SINGLE_FEATS + 1
PAIR_IN = 2 * EMBED_WIDTH + PAIR_ONLY_FEATS - 1 + 2 * SINGLE_FEATS + 1
# fmt: off
_BINS = numpy.array([0, 1, 2, 3, 4] + [5] * 3 + [6] * 8 + [7] * 16 + [8] * 32, dtype=numpy.int64)
# fmt: on


def encode_distance(d: numpy.ndarray) -> Tuple[numpy.ndarray, numpy.ndarray]:
    """Distance bins (0-4, 5-7, 8-15, 16-31, 32-63, 64+) and the value min(d, 64) / 64."""
    d = numpy.maximum(numpy.asarray(d, dtype=numpy.int64), 0)
    bins = numpy.where(d < 64, _BINS[numpy.minimum(d, 63)], 9)
    return bins, numpy.minimum(d, 64).astype("float32") / 64.0


@dataclass
class CorefFeatures:
    """The model inputs of one document (or an empty one).

    spans: (n_mentions, 2) token offsets, in the model's mention order (root, start).
    embeddings: (n_mentions, 650); single: (n_mentions, 17) mention features.
    ant, men: (n_pairs,) antecedent / mention indices, grouped by ascending men.
    pair: (n_pairs, 30) pair-only features (the last column is the genre, always 0).
    types: (n_mentions,) mention type ids.
    """

    spans: numpy.ndarray
    embeddings: numpy.ndarray
    single: numpy.ndarray
    ant: numpy.ndarray
    men: numpy.ndarray
    pair: numpy.ndarray
    types: numpy.ndarray

    @classmethod
    def empty(cls) -> "CorefFeatures":
        i = numpy.zeros((0,), dtype=numpy.int64)
        return cls(
            spans=numpy.zeros((0, 2), dtype=numpy.int64),
            embeddings=numpy.zeros((0, EMBED_WIDTH), dtype="float32"),
            single=numpy.zeros((0, SINGLE_FEATS), dtype="float32"),
            ant=i,
            men=i.copy(),
            pair=numpy.zeros((0, PAIR_ONLY_FEATS), dtype="float32"),
            types=i.copy(),
        )

    @classmethod
    def concat(cls, parts: List["CorefFeatures"]) -> "CorefFeatures":
        """Several documents as one batch (pair indices shifted; no pairs across docs)."""
        if not parts:
            return cls.empty()
        offsets = numpy.cumsum([0] + [p.n_mentions for p in parts[:-1]])
        return cls(
            spans=numpy.vstack([p.spans for p in parts]),
            embeddings=numpy.vstack([p.embeddings for p in parts]),
            single=numpy.vstack([p.single for p in parts]),
            ant=numpy.concatenate([p.ant + o for p, o in zip(parts, offsets)]),
            men=numpy.concatenate([p.men + o for p, o in zip(parts, offsets)]),
            pair=numpy.vstack([p.pair for p in parts]),
            types=numpy.concatenate([p.types for p in parts]),
        )

    @property
    def n_pairs(self) -> int:
        return len(self.ant)

    @property
    def n_mentions(self) -> int:
        return len(self.spans)

    def single_input(self) -> numpy.ndarray:
        """The full 668-d single-mention input (the straightforward, unsplit layout)."""
        genre = numpy.zeros((self.n_mentions, 1), dtype="float32")
        return numpy.hstack([self.embeddings, self.single, genre])

    def pair_input(self) -> numpy.ndarray:
        """The full 1364-d pair input, one row per pair (memory-hungry; for checks)."""
        return numpy.hstack(
            [
                self.embeddings[self.ant],
                self.embeddings[self.men],
                self.pair[:, :-1],
                self.single[self.ant],
                self.single[self.men],
                self.pair[:, -1:],
            ]
        )


def _span_average(cum: numpy.ndarray, start: numpy.ndarray, end: numpy.ndarray) -> numpy.ndarray:
    n = numpy.maximum(end - start, 1)[:, None]
    return ((cum[numpy.maximum(end, start)] - cum[start]) / n).astype("float32")


def _speakers(doc: Doc, spans: numpy.ndarray) -> Optional[List[Optional[str]]]:
    if not Token.has_extension("speaker"):
        return None
    # token extension values live in doc.user_data under ("._.", name, idx, None)
    if not any(isinstance(k, tuple) and len(k) == 4 and k[1] == "speaker" for k in doc.user_data):
        return None
    per_token = [t._.speaker for t in doc]
    if all(s is None for s in per_token):
        return None
    return [per_token[s] for s in spans[:, 0]]


def featurize(
    doc: Doc,
    vectors: CorefVectors,
    *,
    max_dist: int,
    max_dist_match: Optional[int],
    blacklist: bool,
    max_match_antecedents: Optional[int] = None,
    candidate_spans: Optional[Sequence[Tuple[int, int]]] = None,
) -> CorefFeatures:
    """Detect mentions in a parsed doc and compute all model inputs.

    doc (Doc): a doc with tags, parse and entities.
    vectors (CorefVectors): the word-vector tables.
    max_dist (int): how many mentions back every mention looks for antecedents.
    max_dist_match (Optional[int]): how far back a mention sharing a noun looks; None: off.
    max_match_antecedents (Optional[int]): most such far antecedents per mention (the nearest ones); None: all,
        as the original, whose cost grows with the square of the number of identical mentions.
    blacklist (bool): skip "i", "me", "my", "you", "your" as mentions.
    candidate_spans: use these mention spans instead of the rule-based ones.
    RETURNS (CorefFeatures): the inputs for the scorer.
    """
    if len(doc) == 0:
        return CorefFeatures.empty()
    table = TokenTable(doc)
    raw = list(candidate_spans) if candidate_spans is not None else extract_mentions(doc, table, blacklist)
    if not raw:
        return CorefFeatures.empty()
    roots = [doc[s:e].root.i for s, e in raw]
    order = sorted(range(len(raw)), key=lambda k: (roots[k], raw[k][0]))
    spans = numpy.asarray([raw[k] for k in order], dtype=numpy.int64)
    roots_a = numpy.asarray([roots[k] for k in order], dtype=numpy.int64)
    n_m = len(spans)
    start, end = spans[:, 0], spans[:, 1]
    types = numpy.asarray([mention_type(table, s, e, r) for (s, e), r in zip(spans.tolist(), roots_a.tolist())])
    words = [content_words(table, s, e) for s, e in spans.tolist()]

    # --- word look-ups ---
    keys = numpy.where(table.is_digit, numpy.uint64(vectors.digit_key), table.lower_hash).tolist()
    word_rows, static_rows = vectors.rows(keys)
    cum = numpy.zeros((table.n + 1, vectors.width), dtype="float64")
    numpy.cumsum(vectors.table[static_rows], axis=0, out=cum[1:])
    sent_id = table.sent_id[start]
    s_start, s_end = table.sent_start[start], table.sent_end[start]

    def word_in_sent(idx: numpy.ndarray) -> numpy.ndarray:
        inside = (idx >= s_start) & (idx < s_end)
        return numpy.where(inside, word_rows[numpy.clip(idx, 0, table.n - 1)], vectors.missing_row)

    avg = [
        _span_average(cum, start, end),
        _span_average(cum, numpy.maximum(start - 5, s_start), start),
        _span_average(cum, end, numpy.minimum(end + 5, s_end)),
        _span_average(cum, s_start, s_end),
    ]
    # The released inference code feeds a zero document embedding; the weights expect it.
    doc_embed = numpy.zeros((n_m, vectors.width), dtype="float32")
    word_idx = numpy.stack(
        [
            word_rows[roots_a],
            word_rows[start],
            word_rows[end - 1],
            word_in_sent(start - 1),
            word_in_sent(end),
            word_in_sent(start - 2),
            word_in_sent(end + 1),
            word_rows[table.head[roots_a]],
        ],
        axis=1,
    )
    word_vecs = vectors.table[word_idx].reshape(n_m, -1)
    embeddings = numpy.hstack(avg + [doc_embed, word_vecs]).astype("float32")

    # --- single-mention features ---
    single = numpy.zeros((n_m, SINGLE_FEATS), dtype="float32")
    single[numpy.arange(n_m), types] = 1
    bins, val = encode_distance(end - start - 1)
    single[numpy.arange(n_m), 4 + bins] = 1
    single[:, 14] = val
    single[:, 15] = numpy.arange(n_m, dtype="float32") / n_m
    single[:, 16] = _nested(sent_id, start, end)

    # --- candidate antecedents ---
    match = _match_keys(words, n_m, max(max_dist, max_dist_match or 0))
    ant, men = _candidate_pairs(n_m, match, max_dist, max_dist_match, max_match_antecedents)
    pair = numpy.zeros((len(ant), PAIR_ONLY_FEATS), dtype="float32")
    speakers = _speakers(doc, spans)
    if speakers is None:
        pair[:, 0] = 1  # one speaker throughout, as the original assumes
    else:
        _speaker_features(pair, ant, men, speakers, table, roots_a)
    root_lower = table.lower_hash[roots_a]
    pair[:, 3] = root_lower[ant] == root_lower[men]
    text, idx = doc.text, table.idx
    ends = idx[end - 1] + table.length[end - 1]
    text_lower = numpy.asarray(
        [hash(text[a:b].lower()) for a, b in zip(idx[start].tolist(), ends.tolist())], dtype=numpy.int64
    )
    pair[:, 4] = text_lower[ant] == text_lower[men]
    pair[:, 5] = _relaxed_match(ant, men, match, n_m)
    rows = numpy.arange(len(ant))
    bins, val = encode_distance(sent_id[men] - sent_id[ant])
    pair[rows, 6 + bins] = 1
    pair[:, 16] = val
    bins, val = encode_distance(men - ant - 1)
    pair[rows, 17 + bins] = 1
    pair[:, 27] = val
    pair[:, 28] = (sent_id[ant] == sent_id[men]) & (end[ant] > start[men])
    return CorefFeatures(spans, embeddings, single, ant, men, pair, types)


def _nested(sent_id: numpy.ndarray, start: numpy.ndarray, end: numpy.ndarray) -> numpy.ndarray:
    """1 where another mention of the same sentence contains this one."""
    n = len(start)
    order = numpy.lexsort((-end, start, sent_id))
    big = int(end.max()) + 2
    key = sent_id[order] * big + end[order]
    running = numpy.maximum.accumulate(key)
    prev = numpy.concatenate([[-1], running[:-1]])
    nested_sorted = prev >= key
    out = numpy.zeros(n, dtype="float32")
    out[order] = nested_sorted
    return out


def _sorted_unique(keys: numpy.ndarray) -> numpy.ndarray:
    # numpy 2's hash-based unique is several times slower than sorting for int64 keys
    keys = numpy.sort(keys)
    return keys[numpy.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys


def _match_keys(words: List[set], n_m: int, window: int) -> numpy.ndarray:
    """Sorted unique keys men * n_m + ant of mention pairs at most `window` apart sharing a
    content word."""
    keys = [numpy.zeros(0, dtype=numpy.int64)]
    for ids in build_word_index(words).values():
        ids_a = numpy.asarray(ids, dtype=numpy.int64)
        # ids are ascending: walk the diagonals of the pair matrix until they leave the window
        for d in range(1, len(ids_a)):
            m, a = ids_a[d:], ids_a[:-d]
            close = m - a <= window
            if not close.any():
                break
            keys.append(m[close] * n_m + a[close])
    return _sorted_unique(numpy.concatenate(keys))


def _candidate_pairs(
    n_m: int, match: numpy.ndarray, max_dist: int, max_dist_match: Optional[int], max_match: Optional[int] = None
):
    """Antecedents of each mention: the max_dist previous ones, plus any within
    max_dist_match sharing a content word (the nearest max_match of them, if given).
    Returned grouped by mention, ascending."""
    counts = numpy.minimum(numpy.arange(n_m), max_dist)
    men_w = numpy.repeat(numpy.arange(n_m), counts)
    group_start = numpy.repeat(numpy.cumsum(counts) - counts, counts)
    ant_w = men_w - counts[men_w] + (numpy.arange(len(men_w)) - group_start)
    keys = men_w * n_m + ant_w
    if max_dist_match is not None and len(match):
        dist = match // n_m - match % n_m
        far = match[(dist > max_dist) & (dist <= max_dist_match)]
        if max_match is not None and len(far) > max_match:
            far = _nearest_per_mention(far, n_m, max_match)
        keys = numpy.sort(numpy.concatenate([keys, far]))
    return (keys % n_m).astype(numpy.int64), (keys // n_m).astype(numpy.int64)


def _nearest_per_mention(keys: numpy.ndarray, n_m: int, limit: int) -> numpy.ndarray:
    """Of sorted keys men * n_m + ant, keep the last `limit` (nearest antecedents) of each mention."""
    men = keys // n_m
    idx = numpy.arange(len(keys))
    last = numpy.r_[men[1:] != men[:-1], True]
    group_end = numpy.minimum.accumulate(numpy.where(last, idx, len(keys))[::-1])[::-1]
    return keys[group_end - idx < limit]


def _relaxed_match(ant: numpy.ndarray, men: numpy.ndarray, match: numpy.ndarray, n_m: int) -> numpy.ndarray:
    if len(ant) == 0 or len(match) == 0:
        return numpy.zeros(len(ant), dtype="float32")
    keys = men * n_m + ant
    pos = numpy.minimum(numpy.searchsorted(match, keys), len(match) - 1)
    return (match[pos] == keys).astype("float32")


def _speaker_features(pair, ant, men, speakers, table: TokenTable, roots: numpy.ndarray) -> None:
    spk = numpy.asarray([hash(s) if s is not None else 0 for s in speakers], dtype=numpy.int64)
    pair[:, 0] = spk[ant] == spk[men]
    names = [set(s.lower().split()) if s else set() for s in speakers]
    proper = numpy.asarray([table.tag[r].startswith("NNP") for r in roots.tolist()])
    root_lower = [table.lower[r] for r in roots.tolist()]
    # 01: the antecedent names the speaker of the mention; 02: the other way round
    for k, (a, m) in enumerate(zip(ant.tolist(), men.tolist())):
        if proper[a] and root_lower[a] in names[m]:
            pair[k, 1] = 1
        if proper[m] and root_lower[m] in names[a]:
            pair[k, 2] = 1
