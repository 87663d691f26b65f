"""Scorer maths and the GoEmotions -> Ekman mapping."""

import csv

import pytest

from spacy_transfer.torchmoji.training import EKMAN_MAPPING, score_label_sets, to_ekman

from ..helpers import dataset


def test_torchmoji_score_label_sets():
    gold = [["a"], ["a", "b"], ["c"]]
    pred = [["a"], ["b"], ["a"]]
    scores = score_label_sets(gold, pred, ["a", "b", "c"])
    # a: tp 1, fp 1, fn 1 -> F 0.5; b: tp 1 -> F 1.0; c: fn 1 -> F 0.0
    assert scores["f_per_type"]["a"]["f"] == pytest.approx(0.5)
    assert scores["f_per_type"]["b"]["f"] == pytest.approx(1.0)
    assert scores["f_per_type"]["c"]["f"] == pytest.approx(0.0)
    assert scores["macro_f"] == pytest.approx(0.5)
    assert scores["micro_f"] == pytest.approx(2 * 2 / (2 * 2 + 1 + 2))


def test_torchmoji_to_ekman():
    assert to_ekman(["gratitude", "joy", "annoyance"]) == ["anger", "joy"]
    assert to_ekman(["neutral"]) == ["neutral"]
    assert sum(len(v) for v in EKMAN_MAPPING.values()) == 28


def read_rows(path, n):
    with path.open(encoding="utf8") as file_:
        rows = csv.reader(file_, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [row for _, row in zip(range(n), rows)]


def test_torchmoji_ekman_mapping_matches_dataset():
    dataset("goemotions", "ekman", "train.tsv")
    root = dataset("goemotions")
    fine = (root / "original" / "labels.txt").read_text(encoding="utf8").split()
    coarse = (root / "ekman" / "labels.txt").read_text(encoding="utf8").split()
    original = read_rows(root / "original" / "train.tsv", 3000)
    ekman = read_rows(root / "ekman" / "train.tsv", 3000)
    for row_fine, row_coarse in zip(original, ekman):
        assert row_fine[2] == row_coarse[2]
        mapped = to_ekman([fine[int(i)] for i in row_fine[1].split(",")])
        assert mapped == sorted(coarse[int(i)] for i in row_coarse[1].split(","))
