"""Coreference metrics against the reference scorer's own test cases, plus
hand-computed values and a cross-check with scorch."""

import json
import random
import statistics

import pytest

from spacy_transfer.coref.corpora.conll import read_conll
from spacy_transfer.coref.scoring.metrics import (
    CONLL_METRICS,
    dedupe_clusters,
    evaluate_documents,
    score_clusters,
)

from ..helpers import data_dir

SCORER_TESTS = data_dir() / "conll_scorer_tests"
# expected.json names B-cubed "bcub"; we call it "b3".
METRIC_NAMES = {
    "muc": "muc",
    "bcub": "b3",
    "ceafm": "ceafm",
    "ceafe": "ceafe",
    "blanc": "blanc",
    "lea": "lea",
}
N_REFERENCE_TRIPLES = 125  # README: 36 cases, 125 (case, metric) triples


def _reference_cases():
    path = SCORER_TESTS / "expected.json"
    if not path.exists():
        return [
            pytest.param(
                None,
                None,
                None,
                marks=pytest.mark.skip(reason=f"{path} not found; set SPACY_TRANSFER_DATA"),
            )
        ]
    params = []
    for case in json.loads(path.read_text(encoding="utf8")):
        for metric, expected in case["expected"].items():
            params.append(pytest.param(case, metric, expected, id=f"{case['id']}-{metric}"))
    return params


def _file_clusters(relative_path):
    records = list(read_conll(SCORER_TESTS / relative_path))
    assert len(records) == 1
    return records[0].clusters


@pytest.mark.parametrize("case,metric,expected", _reference_cases())
def test_coref_metrics_reference_case(case, metric, expected):
    key = _file_clusters(case["key"])
    response = _file_clusters(case["response"])
    scores = evaluate_documents([key], [response]).scores()
    r, p, f = scores[METRIC_NAMES[metric]]
    assert r == pytest.approx(expected["R"], abs=1e-3)
    assert p == pytest.approx(expected["P"], abs=1e-3)
    assert f == pytest.approx(expected["F1"], abs=1e-3)
    # The harness of the reference scorer is stricter still.
    assert abs(r - expected["R"]) + abs(p - expected["P"]) + abs(f - expected["F1"]) < 1e-4


def test_coref_metrics_reference_cases_all_collected(datasets):
    params = _reference_cases()
    assert len(params) == N_REFERENCE_TRIPLES
    assert {p.values[1] for p in params} == set(METRIC_NAMES)


# key {a b c}{d e}, response {a b}{c d}{f}: mentions are (i, i) token spans.
KEY = [[(0, 0), (1, 1), (2, 2)], [(3, 3), (4, 4)]]
RESPONSE = [[(0, 0), (1, 1)], [(2, 2), (3, 3)], [(5, 5)]]


def test_coref_metrics_hand_computed():
    scores = evaluate_documents([KEY], [RESPONSE]).scores()
    # MUC: R = ((3-2) + (2-2)) / (2+1); P = ((2-1) + (2-2) + 0) / (1+1+0)
    assert scores["muc"][:2] == pytest.approx((1 / 3, 1 / 2))
    # B3: R = (4/3 + 1/3 + 1/2 + 0) / 5; P = (1 + 1 + 1/2 + 1/2 + 0) / 5
    assert scores["b3"][:2] == pytest.approx(((4 / 3 + 1 / 3 + 1 / 2) / 5, 3 / 5))
    # CEAF-e: best alignment {abc}-{ab} (4/5) + {de}-{cd} (1/2)
    assert scores["ceafe"][:2] == pytest.approx((1.3 / 2, 1.3 / 3))
    # LEA: R = (3 * 1/3 + 2 * 0) / 5; P = (2 * 1 + 2 * 0 + 1 * 0) / 5
    assert scores["lea"][:2] == pytest.approx((1 / 5, 2 / 5))


def test_coref_metrics_micro_average_over_documents():
    """Counts are summed over documents, so two documents score like one document
    holding both (with disjoint mentions), not like the mean of the two."""
    shifted_key = [[(s + 10, e + 10) for s, e in c] for c in KEY[:1]]
    shifted_resp = [[(s + 10, e + 10) for s, e in c] for c in RESPONSE[:1]]
    two_docs = evaluate_documents([KEY, KEY[:1]], [RESPONSE, RESPONSE[:1]]).scores()
    one_doc = evaluate_documents([KEY + shifted_key], [RESPONSE + shifted_resp]).scores()
    for metric in ("muc", "b3", "ceafe", "ceafm", "lea"):
        assert two_docs[metric] == pytest.approx(one_doc[metric])


def test_coref_metrics_perfect_and_empty():
    scores = score_clusters([KEY], [KEY])
    assert all(v == pytest.approx(1.0) for v in scores.values())
    empty = score_clusters([KEY], [[]])
    assert all(v == 0.0 for v in empty.values())
    assert score_clusters([], [])["coref_conll_f"] == 0.0


def test_coref_score_clusters_keys_and_singletons():
    key = KEY + [[(7, 7)], [(8, 9)]]
    scores = score_clusters([key], [KEY])
    metric_keys = [f"coref_{m}_{x}" for m in ("muc", "b3", "ceafe", "lea") for x in "prf"]
    expected_keys = ["coref_conll_f"] + metric_keys
    assert set(scores) == set(expected_keys) | {k + "_nosingletons" for k in expected_keys}
    # The missing singletons cost recall only when singletons are scored.
    assert scores["coref_b3_r"] < 1.0
    assert scores["coref_b3_r_nosingletons"] == pytest.approx(1.0)
    assert scores["coref_conll_f_nosingletons"] == pytest.approx(1.0)
    # MUC ignores singletons either way.
    assert scores["coref_muc_f"] == pytest.approx(1.0)
    conll = sum(scores[f"coref_{m}_f"] for m in CONLL_METRICS) / 3
    assert scores["coref_conll_f"] == pytest.approx(conll)


def test_coref_metrics_duplicates_keep_first():
    assert dedupe_clusters([[(1, 1), (2, 2)], [(1, 1)], [(3, 3), (3, 3)]]) == [
        [(1, 1), (2, 2)],
        [(3, 3)],
    ]


def test_coref_metrics_doc_count_mismatch():
    with pytest.raises(ValueError, match="E070"):
        score_clusters([KEY], [KEY, KEY])


def _random_clustering(rng, mentions):
    mentions = rng.sample(mentions, rng.randint(1, len(mentions)))
    clusters = {}
    for m in mentions:
        clusters.setdefault(rng.randint(0, 6), []).append(m)
    return list(clusters.values())


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # raised inside scorch
def test_coref_metrics_agree_with_scorch():
    """An independent implementation (scorch 0.2) gives the same single-document
    MUC, B3, CEAF-m and CEAF-e on random clusterings."""
    scorch_scores = pytest.importorskip("scorch.scores")
    rng = random.Random(0)
    pool = [(i, i + rng.randint(0, 2)) for i in range(30)]
    for _ in range(50):
        key = _random_clustering(rng, pool)
        resp = _random_clustering(rng, pool)
        ours = evaluate_documents([key], [resp]).scores()
        k_sets, r_sets = [set(c) for c in key], [set(c) for c in resp]
        for name, fn in (
            ("muc", scorch_scores.muc),
            ("b3", scorch_scores.b_cubed),
            ("ceafm", scorch_scores.ceaf_m),
            ("ceafe", scorch_scores.ceaf_e),
        ):
            try:
                expected = fn(k_sets, r_sets)
            except statistics.StatisticsError:
                # scorch 0.2 crashes on harmonic_mean((0, 0)); we give F1 = 0.
                assert ours[name][0] * ours[name][1] == 0.0 and ours[name][2] == 0.0
                continue
            assert ours[name] == pytest.approx(expected, abs=1e-9), name
