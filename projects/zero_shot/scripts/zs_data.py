"""Load the intent datasets for zero-shot evaluation: (text, intent) pairs and label phrases.

Splits: CLINC150 has train/val/test (in-scope only here; `oos` is left out).
Banking77 has train/test; its dev split is a fixed 10% of train (seed 0), so
calibration never sees test data.
"""

import csv
import json
import random
from pathlib import Path
from typing import Dict, List, Tuple

DATASETS = ("clinc150", "banking77")
SPLITS = ("dev", "test")
DEV_FRACTION = 0.1
DEV_SEED = 0

Pairs = List[Tuple[str, str]]


def label_phrase(intent: str) -> str:
    """Turn an intent name into words: 'card_payment_wrong_exchange_rate' -> 'card payment wrong exchange rate'."""
    return intent.replace("_", " ").strip().lower()


def load_split(data_dir: Path, dataset: str, split: str) -> Tuple[Pairs, List[str]]:
    """Return ((text, intent) pairs, all intents of the dataset) for split 'dev' or 'test'."""
    data_dir = Path(data_dir)
    if dataset not in DATASETS or split not in SPLITS:
        raise ValueError(f"dataset must be one of {DATASETS} and split one of {SPLITS}; got {dataset!r}, {split!r}")
    if dataset == "clinc150":
        data = json.loads((data_dir / "clinc150" / "data_full.json").read_text(encoding="utf8"))
        pairs = [(text, intent) for text, intent in data["val" if split == "dev" else "test"]]
        intents = sorted({intent for _, intent in data["train"]})
        return pairs, intents
    root = data_dir / "banking77"
    intents = json.loads((root / "categories.json").read_text(encoding="utf8"))
    if split == "test":
        return _read_csv(root / "test.csv"), intents
    train = _read_csv(root / "train.csv")
    rng = random.Random(DEV_SEED)
    indices = sorted(rng.sample(range(len(train)), int(len(train) * DEV_FRACTION)))
    return [train[i] for i in indices], intents


def _read_csv(path: Path) -> Pairs:
    with path.open(encoding="utf8", newline="") as f:
        return [(row["text"], row["category"]) for row in csv.DictReader(f)]


def label_map(intents: List[str]) -> Dict[str, str]:
    """intent -> label phrase used as the zero-shot label."""
    return {intent: label_phrase(intent) for intent in intents}
