"""Decoding word-level links into clusters, with and without the gender-agreement constraint."""

import numpy
import pytest

from spacy_transfer.coref.loss import mention_loss
from spacy_transfer.coref.word_clusters import decode_clusters, pronoun_genders
from spacy_transfer.coref.word_lists import FEMALE, MALE

NONE = -numpy.inf


def decode(words, cands, scores, genders=True):
    n = len(words)
    spans = numpy.full((n, 3, 2), NONE, dtype="float32")
    spans[:, 1, :] = 0.0  # every mention is its head word alone (left = 1)
    g = pronoun_genders(words) if genders else None
    clusters, _ = decode_clusters(numpy.asarray(cands), numpy.asarray(scores, dtype="float32"), spans, 1, g)
    return [[words[s] for s, _ in cluster] for cluster in clusters]


def test_pronoun_genders():
    assert pronoun_genders(["He", "her", "it", "Herself", "his"]).tolist() == [MALE, FEMALE, 0, FEMALE, MALE]


def test_gender_agreement_takes_the_next_best_antecedent():
    words = ["Alice", "Bob", "she", "he"]
    # candidates per word (-1: none); "he" scores "she" above "Bob"
    cands = [[-1, -1], [-1, -1], [0, 1], [2, 1]]
    scores = [[NONE, NONE], [NONE, NONE], [2.0, 1.0], [3.0, 1.0]]
    assert decode(words, cands, scores, genders=False) == [["Alice", "she", "he"]]
    assert decode(words, cands, scores) == [["Alice", "she"], ["Bob", "he"]]


def test_gender_agreement_leaves_a_word_alone_when_no_antecedent_agrees():
    words = ["she", "he"]
    cands = [[-1], [0]]
    scores = [[NONE], [2.0]]
    assert decode(words, cands, scores) == []
    assert decode(words, cands, scores, genders=False) == [["she", "he"]]


def test_agreement_is_checked_between_whole_clusters():
    words = ["Emma", "her", "Knightley", "he"]
    # "Knightley" links to "Emma" (whose cluster holds "her"), then "he" must not join that cluster
    cands = [[-1], [0], [0], [2]]
    scores = [[NONE], [2.0], [1.0], [2.0]]
    assert decode(words, cands, scores) == [["Emma", "her", "Knightley"]]


def test_names_do_not_link_to_other_names():
    from spacy_transfer.coref.word_clusters import drop_name_mismatches
    from spacy_transfer.coref.word_lists import is_name

    assert [is_name(w) for w in ["Alice", "SpaceX", "He", "I", "dog", "U.S.", "Emma"]] == [
        True,
        True,
        False,
        False,
        False,
        False,
        True,
    ]
    words = ["Alice", "Bob", "her", "he"]
    cands = numpy.asarray([[-1, -1], [0, -1], [0, 1], [1, 0]])
    scores = numpy.asarray([[NONE, NONE], [1.0, NONE], [2.0, 1.0], [2.0, 1.0]], dtype="float32")
    kept = drop_name_mismatches(words, cands, scores)
    assert kept.dtype == scores.dtype
    assert numpy.isinf(kept).tolist() == [[True, True], [True, True], [False, False], [False, False]]
    assert decode(words, cands, scores) == [["Alice", "Bob", "her"]]
    assert decode(words, cands, kept) == [["Alice", "her"], ["Bob", "he"]]
    # one name after two different titles is two people; the same title, or none, may link
    words = ["Mr.", "Weston", "and", "Mrs.", "Weston", ";", "Mr", "Weston", "and", "Weston"]
    cands = numpy.asarray([[-1]] * 4 + [[1], [-1], [-1], [4], [-1], [7]])
    scores = numpy.where(cands >= 0, 1.0, NONE).astype("float32")
    kept = drop_name_mismatches(words, cands, scores)
    assert numpy.isfinite(kept[:, 0]).tolist() == [False] * 9 + [True]


def test_singletons_join_in_document_order_and_never_take_a_clustered_span():
    words = ["Alice", "met", "Bob", ";", "she", "smiled"]
    n = len(words)
    cands = numpy.full((n, 2), -1)
    scores = numpy.full((n, 2), NONE, dtype="float32")
    cands[4, 0], scores[4, 0] = 0, 2.0  # she -> Alice
    spans = numpy.full((n, 3, 2), NONE, dtype="float32")
    spans[:, 1, :] = 0.0
    singles = numpy.asarray([True, False, True, False, True, False])
    assert decode_clusters(cands, scores, spans, 1)[0] == [[(0, 1), (4, 5)]]
    clusters, heads = decode_clusters(cands, scores, spans, 1, singles=singles)
    assert clusters == [[(0, 1), (4, 5)], [(2, 3)]] and heads == [[0, 4], [2]]
    # "met" would head the span "Alice met": still its own one-mention cluster; a word whose span a
    # cluster already has is not repeated
    spans[1] = NONE
    spans[1, 0, 0], spans[1, 1, 1] = 0.0, 0.0
    spans[5] = NONE
    spans[5, 0, 0], spans[5, 0, 1] = 0.0, 0.0  # "smiled" would head "she" (4, 5)
    singles = numpy.asarray([False, True, False, False, False, True])
    clusters, _ = decode_clusters(cands, scores, spans, 1, singles=singles)
    assert clusters == [[(0, 1), (4, 5)], [(0, 2)]]


def _head_spans(n, left=1, right=1, widen=None):
    """Span scores where every word heads itself alone, or the (start, end) given in `widen` (inclusive)."""
    spans = numpy.full((n, left + right + 1, 2), NONE, dtype="float32")
    spans[:, left, :] = 0.0
    for head, (start, end) in (widen or {}).items():
        spans[head] = NONE
        spans[head, start - head + left, 0] = 0.0
        spans[head, end - head + left, 1] = 0.0
    return spans


def test_string_matches_pair_repeated_names_and_definite_descriptions():
    from spacy_transfer.coref.word_clusters import string_matches

    words = "Hartfield was old . The house stood by Hartfield Lane ; she said Hartfield and the house were hers".split()
    mentions = numpy.zeros(len(words), dtype=bool)
    mentions[[0, 5, 8, 11, 13, 16, 18]] = True  # Hartfield, house, Hartfield, she, Hartfield, house, hers
    spans = _head_spans(len(words), widen={5: (4, 5), 16: (15, 16)})  # "The house", "the house"
    # each Hartfield to the latest one before it, "the house" to "The house"; pronouns never match
    assert string_matches(words, spans, 1, mentions) == [(8, 0), (13, 8), (16, 5)]
    # a word the mention scorer rejects takes no part
    mentions[8] = False
    assert string_matches(words, spans, 1, mentions) == [(13, 0), (16, 5)]
    # "house" without a determiner in its span matches nothing
    assert string_matches(words, _head_spans(len(words)), 1, mentions) == [(13, 0)]


def test_string_matches_keep_different_titles_apart():
    from spacy_transfer.coref.word_clusters import string_matches

    words = "Mr. Weston met Mrs. Weston ; later Weston left with Mr Weston".split()
    mentions = numpy.asarray([w == "Weston" for w in words])
    pairs = string_matches(words, _head_spans(len(words)), 1, mentions)
    # Mrs. Weston is not Mr. Weston; a bare Weston matches the latest one, whatever its title
    assert pairs == [(7, 4), (11, 7)]
    assert string_matches(words[:5], _head_spans(5), 1, mentions[:5]) == []


def test_decode_joins_string_matches_where_gender_agrees():
    words = ["Emma", "she", "Knightley", "he", "Emma", "Knightley", "her"]
    n = len(words)
    cands = numpy.full((n, 1), -1)
    scores = numpy.full((n, 1), NONE, dtype="float32")
    for i, j in ((1, 0), (3, 2)):  # she -> Emma, he -> Knightley
        cands[i, 0], scores[i, 0] = j, 2.0
    spans = _head_spans(n)
    g = pronoun_genders(words)
    plain, _ = decode_clusters(cands, scores, spans, 1, g)
    assert plain == [[(0, 1), (1, 2)], [(2, 3), (3, 4)]]
    # the second Emma and Knightley join their clusters; "her" -> "Knightley" would break gender agreement
    matches = [(4, 0), (5, 2), (6, 2)]
    clusters, heads = decode_clusters(cands, scores, spans, 1, g, matches=matches)
    assert clusters == [[(0, 1), (1, 2), (4, 5)], [(2, 3), (3, 4), (5, 6)]]
    assert heads == [[0, 1, 4], [2, 3, 5]]
    # two unlinked words with the same string make a cluster of their own
    clusters, _ = decode_clusters(
        numpy.full((3, 1), -1), numpy.full((3, 1), NONE, "float32"), _head_spans(3), 1, matches=[(2, 0)]
    )
    assert clusters == [[(0, 1), (2, 3)]]


def test_mention_loss_matches_its_numeric_gradient():
    logits = numpy.asarray([2.0, -1.0, 0.5, -30.0, 40.0], dtype="float64")
    clusters = [[(0, 0, 1), (2, 1, 3)], [(3, 3, 4)]]
    loss, grad = mention_loss(logits, clusters)
    assert numpy.isfinite(loss) and numpy.isfinite(grad).all()
    eps = 1e-6
    for i in range(len(logits)):
        bumped = logits.copy()
        bumped[i] += eps
        assert abs((mention_loss(bumped, clusters)[0] - loss) / eps - grad[i]) < 1e-4
    assert grad[3] < -0.99 and grad[4] > 0.99  # a missed head and a false one, both far off


def test_confident_second_antecedents_join_where_gender_agrees():
    from spacy_transfer.coref.loss import antecedent_probabilities

    scores = numpy.asarray([[2.0, 1.5, -1.0], [NONE, NONE, NONE]], dtype="float32")
    probs = antecedent_probabilities(scores)
    expected = numpy.exp([2.0, 1.5, -1.0]) / (numpy.exp([2.0, 1.5, -1.0]).sum() + 1.0)
    numpy.testing.assert_allclose(probs[0], expected, rtol=1e-6)
    assert probs[1].tolist() == [0.0, 0.0, 0.0]
    # "he" prefers "Tom" but is nearly as sure of "him", which the model left in a cluster of its own
    words = ["Tom", "him", "Anna", "she", "he"]
    n = len(words)
    cands = numpy.full((n, 3), -1)
    scores = numpy.full((n, 3), NONE, dtype="float32")
    cands[3, 0], scores[3, 0] = 2, 3.0  # she -> Anna
    cands[4] = [0, 1, 3]
    scores[4] = [3.0, 2.5, 2.4]  # he -> Tom (best), him, she
    spans, g = _head_spans(n), pronoun_genders(words)
    assert decode_clusters(cands, scores, spans, 1, g)[0] == [[(0, 1), (4, 5)], [(2, 3), (3, 4)]]
    clusters, _ = decode_clusters(cands, scores, spans, 1, g, join_probability=0.2, words=words)
    # "him" joins; "she" (also above 0.2) would put he and she in one cluster
    assert clusters == [[(0, 1), (1, 2), (4, 5)], [(2, 3), (3, 4)]]
    # a candidate the word does not prefer to "no antecedent" never joins, however likely
    scores[4] = [0.5, -0.1, NONE]
    assert decode_clusters(cands, scores, spans, 1, g, join_probability=0.2, words=words)[0] == [
        [(0, 1), (4, 5)],
        [(2, 3), (3, 4)],
    ]
    with pytest.raises(ValueError, match="words"):
        decode_clusters(cands, scores, spans, 1, g, join_probability=0.2)


def test_confident_joins_never_merge_two_clusters_of_different_nouns():
    words = ["the", "doctor", "called", "the", "nurse", "because", "she", "left", ";", "SpaceX", "company", "its"]
    n = len(words)
    cands = numpy.full((n, 2), -1)
    scores = numpy.full((n, 2), NONE, dtype="float32")
    cands[6], scores[6] = [4, 1], [2.0, 1.8]  # she -> nurse (best), doctor (nearly as likely)
    cands[11], scores[11] = [10, 9], [1.6, 1.4]  # its -> company (best), SpaceX
    spans = _head_spans(n)
    clusters, _ = decode_clusters(cands, scores, spans, 1, join_probability=0.2, words=words)
    assert [[words[s] for s, _ in c] for c in clusters] == [["nurse", "she"], ["SpaceX", "company", "its"]]


def test_partial_annotation_takes_targets_only_from_gold_mentions():
    from spacy_transfer.coref.loss import annotated_words, antecedent_loss, antecedent_targets

    # words 0 and 2 head one gold cluster; word 1 ("the letter" in a LitBank doc) and word 3 ("it") head nothing
    clusters = [[(0, 0, 1), (2, 2, 3)]]
    cands = numpy.array([[-1, -1], [0, -1], [1, 0], [2, 1]])
    scores = numpy.array([[NONE, NONE], [0.5, NONE], [1.0, 2.0], [0.3, 3.0]], dtype="float32")
    gold = antecedent_targets(cands, clusters)
    full_loss, full_grad = antecedent_loss(scores, gold)
    rows = annotated_words(len(cands), clusters, partial=True)
    assert rows.tolist() == [True, False, True, False]
    assert annotated_words(len(cands), clusters, partial=False) is None
    loss, grad = antecedent_loss(scores, gold, rows)
    # "it" -> "the letter" is no longer taught to be wrong; the gold mention's own loss is unchanged
    assert not grad[1].any() and not grad[3].any() and full_grad[3].any()
    assert numpy.array_equal(grad[2], full_grad[2])
    assert 0 < loss < full_loss
    m_loss, m_grad = mention_loss(numpy.zeros(4, dtype="float32"), clusters, rows)
    assert m_grad[1] == m_grad[3] == 0.0 and m_grad[0] < 0 and m_loss == pytest.approx(2 * numpy.log(2))
