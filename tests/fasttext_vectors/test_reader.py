"""Reader and exactness tests against the official `fasttext` bindings."""

import struct

import numpy as np
import pytest

from spacy_transfer.fasttext_vectors.io import load_fasttext, read_bin, read_vec
from spacy_transfer.fasttext_vectors.subwords import char_ngrams, fnv1a_32, ngram_hashes
from spacy_transfer.fasttext_vectors.vectors import FastTextVectors

# fmt: off
IN_VOCAB = ["the", "cat", "naïve", "Straße", "café", "😀", "résumé", "garden", ".", "</s>"]
OOV = ["naïvely", "Straßen", "straße", "cafés", "😀😀", "🎉", "👩‍🔬", "gardn", "mvoie", "teacherz", "x", "",
       "日本語", "Ωμέγα", "don't", "a b", "ab", "<", ">", "<>", "éé", "ß"]
# fmt: on


def test_fasttext_reader_bin_header_and_dictionary(tiny_fasttext):
    path, ft = tiny_fasttext
    model = read_bin(path)
    assert model.words == ft.get_words()
    assert (model.dim, model.minn, model.maxn, model.bucket) == (24, 2, 5, 20000)
    assert isinstance(model.input_matrix, np.memmap)  # memory-mapped, not read into RAM
    np.testing.assert_array_equal(model.input_matrix, ft.get_input_matrix())
    counts = dict(zip(*ft.get_words(include_freq=True)))
    assert [int(c) for c in model.counts] == [counts[w] for w in model.words]


@pytest.mark.parametrize("words", [IN_VOCAB, OOV], ids=["in_vocab", "oov"])
def test_fasttext_vectors_match_official(tiny_fasttext, words):
    path, ft = tiny_fasttext
    table = FastTextVectors(load_fasttext(path))
    for w in IN_VOCAB[:-1]:
        assert w in table, w
    ours = table.compute(words)
    ref = np.stack([ft.get_word_vector(w) for w in words])
    assert np.abs(ours - ref).max() < 1e-5
    # summed in fastText's order, the float32 results are even bitwise equal
    np.testing.assert_array_equal(ours, ref)
    # the cached path gives the same
    np.testing.assert_array_equal(table.get_vectors(words + words), np.concatenate([ref, ref]))


def test_fasttext_hash_signed_char_quirk(tiny_fasttext):
    path, ft = tiny_fasttext
    nwords = len(ft.get_words())
    for word in ["naïve", "Straße", "😀", "résumé"]:
        subwords, ids = ft.get_subwords(word)
        ngrams = char_ngrams(word, 2, 5)
        assert list(subwords[1:]) == ngrams  # in-vocab: first entry is the word itself
        assert [i - nwords for i in ids[1:]] == [fnv1a_32(g.encode("utf8")) % 20000 for g in ngrams]
    # the quirk: non-ASCII bytes are sign-extended, so the plain (unsigned) FNV-1a differs
    unsigned = 2166136261
    for byte in "ï".encode("utf8"):
        unsigned = ((unsigned ^ byte) * 16777619) & 0xFFFFFFFF
    assert unsigned != fnv1a_32("ï".encode("utf8"))
    assert fnv1a_32(b"abc") == 440920331  # ASCII: equal to standard FNV-1a 32


def test_fasttext_ngram_hashes_order_matches_reference():
    words = ["naïve", "😀x", "", "a", "Straße"]
    word_idx, hashes, _ = ngram_hashes(words, 1, 4)
    expected = [(i, fnv1a_32(g.encode("utf8"))) for i, w in enumerate(words) for g in char_ngrams(w, 1, 4)]
    assert list(zip(word_idx.tolist(), hashes.tolist())) == expected


def test_fasttext_reader_truncated(tiny_bin, tmp_path):
    data = tiny_bin.read_bytes()
    model = read_bin(tiny_bin)
    matrix_offset = model.meta["matrix_offset"]
    for cut in (0, 6, 30, 70, 200, matrix_offset - 5, matrix_offset + 100, len(data) // 2):
        bad = tmp_path / f"cut{cut}.bin"
        bad.write_bytes(data[:cut])
        with pytest.raises(ValueError, match="E103|E101"):
            load_fasttext(bad)
    bad.write_bytes(data[:200])
    with pytest.raises(ValueError, match="E103"):
        load_fasttext(bad)


def test_fasttext_reader_foreign_files(tiny_bin, tmp_path):
    foreign = tmp_path / "model.bin"
    foreign.write_bytes(b"PK\x03\x04" + bytes(100))  # a zip file
    with pytest.raises(ValueError, match="E101"):
        load_fasttext(foreign)
    data = bytearray(tiny_bin.read_bytes())
    data[4:8] = struct.pack("<i", 99)
    wrong_version = tmp_path / "v99.bin"
    wrong_version.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="E102"):
        load_fasttext(wrong_version)
    with pytest.raises(FileNotFoundError, match="E100"):
        load_fasttext(tmp_path / "missing.bin")


def test_fasttext_reader_refuses_quantized(tiny_bin, tmp_path):
    data = bytearray(tiny_bin.read_bytes())
    offset = read_bin(tiny_bin).meta["matrix_offset"]
    data[offset - 17] = 1  # the quant_input flag, just before the matrix shape (2 x int64)
    ftz = tmp_path / "model.ftz"
    ftz.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="E104"):
        load_fasttext(ftz)


def test_fasttext_reader_vec(tiny_fasttext, tmp_path):
    path, ft = tiny_fasttext
    words = ft.get_words()
    vec = tmp_path / "tiny.vec"
    with vec.open("w", encoding="utf8") as f:
        f.write(f"{len(words)} {ft.get_dimension()}\n")
        for w in words:
            f.write(w + " " + " ".join(f"{x:.6f}" for x in ft.get_word_vector(w)) + " \n")
    model = read_vec(vec)
    assert model.words == words and not model.has_subwords
    table = FastTextVectors(model)
    assert np.abs(table.compute(words[:5]) - np.stack([ft.get_word_vector(w) for w in words[:5]])).max() < 1e-5
    assert not table.has_vector("unknownword")
    bad = tmp_path / "bad.vec"
    bad.write_text("3 24\nword 1 2 3\n", encoding="utf8")
    with pytest.raises(ValueError, match="E105"):
        load_fasttext(bad)


def test_fasttext_vectors_cache_is_safe(tiny_fasttext):
    path, ft = tiny_fasttext
    table = FastTextVectors(load_fasttext(path), cache_size=4)
    first = table.get_vector("naïvely")
    first[:] = 0  # the caller's own copy: the cache is not changed
    np.testing.assert_array_equal(table.get_vector("naïvely"), ft.get_word_vector("naïvely"))
    kept = table.get_vector("naïvely")
    words = [f"w{i}" for i in range(10)]
    table.get_vectors(words[:3])
    table.get_vectors(words)  # more distinct words than the cache holds: computed without caching
    for w in words[3:9]:
        table.get_vector(w)  # rows are reused
    np.testing.assert_array_equal(kept, ft.get_word_vector("naïvely"))  # earlier results keep their values
    np.testing.assert_array_equal(table.get_vectors(words), np.stack([ft.get_word_vector(w) for w in words]))
    assert len(table._cache) <= 4


def test_fasttext_vectors_cache_keeps_frequent_words():
    from spacy_transfer.fasttext_vectors.cache import VectorCache

    cache = VectorCache(4, 2)
    with cache.lock:
        cache.put(["a", "b", "c", "d"], np.arange(8, dtype=np.float32).reshape(4, 2))
    assert cache.get("a") is not None  # read since the hand passed: spared once
    with cache.lock:
        cache.put(["e", "f"], np.ones((2, 2), dtype=np.float32))
    assert "a" in cache and "b" not in cache and "c" not in cache
    np.testing.assert_array_equal(cache.get("a"), [0, 1])
    np.testing.assert_array_equal(cache.get("f"), [1, 1])
    with cache.lock:
        cache.put(["a", "g", "g"], np.full((3, 2), 7, dtype=np.float32))  # "a" is cached already: not replaced
    np.testing.assert_array_equal(cache.get("a"), [0, 1])
    np.testing.assert_array_equal(cache.get("g"), [7, 7])
    assert len(cache) == 4


def test_fasttext_vectors_one_word_path_matches_official(tiny_fasttext, tmp_path):
    """`get_vector`/`compute_one` (pure-Python hashing, ASCII fast path) against fastText, also on a pruned
    export (rows found through the bucket bitmap)."""
    from spacy_transfer.fasttext_vectors.export import export_fasttext

    path, ft = tiny_fasttext
    words = IN_VOCAB + OOV + ["ab", "abc", "abcdefghijklmnop", "x" * 40]
    ref = np.stack([ft.get_word_vector(w) for w in words])
    table = FastTextVectors(load_fasttext(path))
    np.testing.assert_array_equal(np.stack([table.compute_one(w) for w in words]), ref)
    np.testing.assert_array_equal(np.stack([table.get_vector(w) for w in words + words]), np.concatenate([ref, ref]))
    # drops the all-zero buckets, if training left any (it depends on fastText's thread count): still exact
    export_fasttext(path, tmp_path / "lossless")
    exported = FastTextVectors(load_fasttext(tmp_path / "lossless"))
    np.testing.assert_array_equal(np.stack([exported.get_vector(w) for w in words]), ref)
    np.testing.assert_array_equal(exported.compute(words), ref)
    # a table pruned for sure: the one-word path finds rows through the bitmap exactly as the batch path does
    export_fasttext(path, tmp_path / "pruned", prune_buckets=500)
    pruned = FastTextVectors(load_fasttext(tmp_path / "pruned"))
    assert pruned.model.bucket_index is not None and pruned.model.bucket_index.n_kept == 500
    np.testing.assert_array_equal(np.stack([pruned.get_vector(w) for w in words]), pruned.compute(words))


@pytest.mark.parametrize("n_buckets", [1, 63, 64, 65, 20000])
def test_fasttext_bucket_index_matches_search(n_buckets):
    from spacy_transfer.fasttext_vectors import bucket_index as bi

    rng = np.random.default_rng(n_buckets)
    ids = np.unique(np.concatenate([rng.integers(0, n_buckets, n_buckets // 3 + 1), [0, n_buckets - 1]]))
    index = bi.BucketIndex(ids.astype(np.int32), n_buckets)
    queries = np.arange(n_buckets, dtype=np.int64)
    expected_kept = np.isin(queries, ids)
    expected_rows = np.searchsorted(ids, queries[expected_kept])
    rows, kept = index.positions(queries)
    np.testing.assert_array_equal(kept, expected_kept)
    np.testing.assert_array_equal(rows, expected_rows)
    assert index.rows(queries.tolist()) == expected_rows.tolist()
    np.testing.assert_array_equal(index.ids(), ids)
    # the popcount without np.bitwise_count (numpy < 2)
    words = np.concatenate([index.bits[:4], np.array([0, 2**64 - 1, 2**63 + 5], dtype=np.uint64)])
    assert bi.popcount64_by_bytes(words).tolist() == [int(w).bit_count() for w in words]
