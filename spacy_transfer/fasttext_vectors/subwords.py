"""fastText's character n-gram hashing, vectorised with numpy over a batch of words.

fastText (src/dictionary.cc) pads a word to "<word>", takes every n-gram of minn..maxn *characters* (UTF-8 code
points: continuation bytes 10xxxxxx never start or end an n-gram), drops the 1-grams "<" and ">", and hashes the
n-gram's bytes with 32-bit FNV-1a. Its hash XORs `uint32_t(int8_t(byte))`: bytes >= 0x80 are sign-extended to
0xFFFFFFxx before the XOR. Implementations that XOR the raw byte (gensim before PR #2313, issue #2059) get
different buckets for every non-ASCII n-gram. Bucket row = nwords + hash % bucket.
"""

from typing import List, Sequence, Tuple

import numpy as np

FNV_OFFSET = 2166136261
FNV_PRIME = 16777619


def fnv1a_32(data: bytes) -> int:
    """fastText's hash of one byte string (reference implementation, used in tests).

    data (bytes): the UTF-8 bytes of an n-gram.
    RETURNS (int): the 32-bit hash.
    """
    h = FNV_OFFSET
    for byte in data:
        h ^= (byte - 256 if byte >= 128 else byte) & 0xFFFFFFFF  # sign-extended, as uint32_t(int8_t(c))
        h = (h * FNV_PRIME) & 0xFFFFFFFF
    return h


def char_ngrams(word: str, minn: int, maxn: int) -> List[str]:
    """The n-grams fastText hashes for `word`, in fastText's order (reference implementation, used in tests)."""
    padded = "<" + word + ">"
    out = []
    for i in range(len(padded)):
        for n in range(1, maxn + 1):
            if i + n > len(padded):
                break
            if n >= minn and not (n == 1 and (i == 0 or i + n == len(padded))):
                out.append(padded[i : i + n])
    return out


# byte -> the uint32 that fastText XORs in: uint32_t(int8_t(byte))
SIGN_EXTENDED = [(b - 256 if b >= 128 else b) & 0xFFFFFFFF for b in range(256)]
MASK32 = 0xFFFFFFFF


def word_ngram_hashes(word: str, minn: int, maxn: int) -> List[int]:
    """The n-gram hashes of one word, in fastText's order (pure Python: faster than numpy for a single word).

    word (str): the word (without "<" ">").
    minn (int): shortest n-gram, in characters.
    maxn (int): longest n-gram, in characters.
    RETURNS (List[int]): 32-bit hashes.
    """
    data = ("<" + word + ">").encode("utf8", errors="surrogateescape")
    bounds = [i for i, byte in enumerate(data) if byte & 0xC0 != 0x80]
    n_chars = len(bounds)
    bounds.append(len(data))
    out = []
    for first in range(n_chars):
        h = FNV_OFFSET
        for n in range(1, min(maxn, n_chars - first) + 1):
            for byte in data[bounds[first + n - 1] : bounds[first + n]]:
                h = ((h ^ SIGN_EXTENDED[byte]) * FNV_PRIME) & MASK32
            if n >= minn and not (n == 1 and (first == 0 or first + n == n_chars)):
                out.append(h)
    return out


def word_ngram_buckets(word: str, minn: int, maxn: int, bucket: int) -> list[int]:
    """The bucket ids (hash % bucket) of one word's n-grams, in fastText's order.

    word (str): the word (without "<" ">").
    minn (int): shortest n-gram, in characters.
    maxn (int): longest n-gram, in characters.
    bucket (int): number of buckets (> 0).
    RETURNS (List[int]): bucket ids.
    """
    if minn >= 2 and word.isascii():
        return _ascii_ngram_buckets(("<" + word + ">").encode("ascii"), minn, maxn, bucket)
    return [h % bucket for h in word_ngram_hashes(word, minn, maxn)]


def _ascii_ngram_buckets(data: bytes, minn: int, maxn: int, bucket: int) -> list[int]:
    # One byte per character, so n-grams are plain byte slices: no character bounds, no sign extension (every
    # byte < 0x80), and with minn >= 2 no single "<" or ">" to skip. XOR with a byte and multiplication both
    # commute with reduction mod 2**32, so the hash is masked once per emitted n-gram, not once per byte.
    out = []
    append = out.append
    for first in range(len(data) - minn + 1):
        h = FNV_OFFSET
        for byte in data[first : first + minn - 1]:
            h = (h ^ byte) * FNV_PRIME
        for byte in data[first + minn - 1 : first + maxn]:
            h = (h ^ byte) * FNV_PRIME
            append((h & MASK32) % bucket)
    return out


def ngram_hashes(words: Sequence[str], minn: int, maxn: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hash the character n-grams of a batch of words.

    words (Sequence[str]): the words (without "<" ">").
    minn (int): shortest n-gram, in characters.
    maxn (int): longest n-gram, in characters.
    RETURNS (Tuple[np.ndarray, np.ndarray, np.ndarray]): per n-gram the word index (int64), the 32-bit hash
        (uint32) and the byte offset of the padded word in the batch (int64, ascending by word), in fastText's
        order: by word, then start position, then length.
    """
    n_words = len(words)
    empty = np.zeros(0, dtype=np.int64)
    if n_words == 0 or maxn <= 0 or maxn < minn:
        return empty, np.zeros(0, dtype=np.uint32), empty
    encoded = [("<" + w + ">").encode("utf8", errors="surrogateescape") for w in words]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=n_words)
    buf = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    # sign extension: int8 -> int32 -> reinterpret as uint32, as fastText's uint32_t(int8_t(c))
    signed = buf.view(np.int8).astype(np.int32).view(np.uint32)
    # a trailing False so that `is_cont[pos]` is defined one past the last byte
    is_cont = np.append((buf & 0xC0) == 0x80, False)
    word_of_byte = np.repeat(np.arange(n_words, dtype=np.int64), lengths)
    begin = np.flatnonzero(~is_cont[:-1])  # n-grams start on character boundaries
    word = word_of_byte[begin]
    w_start = starts[word]
    w_end = ends[word]
    pos = begin.copy()
    n_chars = np.zeros(len(begin), dtype=np.int64)
    h = np.full(len(begin), FNV_OFFSET, dtype=np.uint32)
    prime = np.uint32(FNV_PRIME)
    out_word, out_hash, out_key = [], [], []
    while len(pos):
        h ^= signed[pos]
        h *= prime  # uint32 arithmetic wraps modulo 2**32, like the C++ code
        pos += 1
        boundary = ~is_cont[pos]  # the next byte starts a character (or the next word's "<")
        n_chars += boundary
        emit = boundary & (n_chars >= minn) & (n_chars <= maxn)
        emit &= ~((n_chars == 1) & ((begin == w_start) | (pos == w_end)))
        if emit.any():
            out_word.append(word[emit])
            out_hash.append(h[emit].copy())
            out_key.append(begin[emit] * (maxn + 1) + n_chars[emit])
        keep = (pos < w_end) & ~(boundary & (n_chars >= maxn))
        if not keep.all():
            begin, word, w_start, w_end = begin[keep], word[keep], w_start[keep], w_end[keep]
            pos, n_chars, h = pos[keep], n_chars[keep], h[keep]
    if not out_word:
        return empty, np.zeros(0, dtype=np.uint32), empty
    key = np.concatenate(out_key)
    order = np.argsort(key, kind="stable")
    return np.concatenate(out_word)[order], np.concatenate(out_hash)[order], key[order]
