"""Hand-written test corpus and output readers shared by the annotate tests."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

CODE = str(Path(__file__).with_name("components.py"))
TEST_COMPONENTS = "annotate_test_cats + annotate_test_coref + annotate_test_emotions"
EMOTIONS_ATTR = "annotate_test_emotions"

NAMES = ["Alice", "Bob", "Maria", "Tom", "Ada"]
PLACES = ["Paris", "London", "Berlin", "Lisbon"]


def good_texts(n: int) -> List[str]:
    """Varied short texts with people and places, so NER and the test coref fire."""
    texts = []
    for i in range(n):
        a, b = NAMES[i % 5], NAMES[(i + 2) % 5]
        p, q = PLACES[i % 4], PLACES[(i + 1) % 4]
        texts.append(
            f"{a} travelled from {p} to {q} in {1900 + i}. "
            f"{'She' if i % 2 else 'He'} wrote to {b} about it"
            f"{'!' * (i % 3) or '.'}"
        )
    texts[3] = ""  # an empty text is a valid (empty) doc
    texts[5] = "Short one."
    return texts


def write_corpus(path: Path, n_good: int = 30, bad: bool = True) -> Dict[str, Any]:
    """Write a JSONL corpus; bad lines are spread through it.

    RETURNS (Dict[str, Any]): "ids" of valid records and "bad" {line: expected code}.
    """
    lines, bad_lines, ids = [], {}, []
    for i, text in enumerate(good_texts(n_good)):
        lines.append(json.dumps({"id": f"doc-{i}", "text": text, "extra": i}))
        ids.append(f"doc-{i}")
        if bad and i == 4:
            lines.append('{"id": "broken", "text": "no closing brace"')
            bad_lines[len(lines)] = "E301"
        if bad and i == 9:
            lines.append("[1, 2, 3]")
            bad_lines[len(lines)] = "E302"
            lines.append(json.dumps({"id": "no-text", "body": "text under another key"}))
            bad_lines[len(lines)] = "E303"
        if bad and i == 14:
            lines.append(json.dumps({"id": 15000, "text": "x" * 5000}))
            bad_lines[len(lines)] = "E304"
            lines.append(json.dumps({"text": "a record without an id"}))
            bad_lines[len(lines)] = "E306"
        if bad and i == 20:
            lines.append(json.dumps({"id": "boom", "text": "This text says BOOM to the pipeline."}))
            bad_lines[len(lines)] = "E305"
    path.write_text("\n".join(lines) + "\n", encoding="utf8")
    return {"ids": ids, "bad": bad_lines, "n_lines": len(lines)}


def read_output(out: Path) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """All result records (shard order) and errors.jsonl entries of an output directory."""
    results = []
    for shard in sorted(out.glob("results-*.jsonl")):
        results.extend(json.loads(line) for line in shard.read_text("utf8").splitlines())
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text("utf8").splitlines()]
    return results, errors


def output_bytes(out: Path) -> Dict[str, bytes]:
    """The deterministic output files (results shards and errors.jsonl) by name."""
    files = sorted(out.glob("results-*.jsonl")) + [out / "errors.jsonl"]
    return {path.name: path.read_bytes() for path in files}


# Learned models score a doc slightly differently with other batch neighbours (docs/annotate.md#equality).
SCORE_TOLERANCE = 1e-6
EMOTION_TEXTS = [
    "I love this so much!",
    "This is terrible, I hate it.",
    "ok",
    "What a wonderful surprise, thanks!!",
    "Why would anyone do that? So annoying.",
    "",
    "Meh.",
    "The cat sat on the mat and purred happily.",
]


def write_emotion_corpus(path: Path) -> Path:
    path.write_text(
        "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(EMOTION_TEXTS)), encoding="utf8"
    )
    return path


def assert_records_close(a: Any, b: Any, path: str = "record") -> None:
    """Output records equal, except that floats may differ by SCORE_TOLERANCE."""
    if isinstance(a, float) or isinstance(b, float):
        assert abs(a - b) <= SCORE_TOLERANCE, (path, a, b)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            assert_records_close(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_records_close(x, y, f"{path}[{i}]")
    else:
        assert a == b, (path, a, b)


def start_annotate_cli(spec: str, corpus: Path, out: Path, *options: str, env=None) -> subprocess.Popen:
    """`python -m spacy_transfer.annotate SPEC CORPUS OUT --code CODE ... --no-progress` in a session of its own
    (so that a kill reaches every process of the run), stdout and stderr together."""
    cmd = [sys.executable, "-m", "spacy_transfer.annotate", spec, str(corpus), str(out), "--code", CODE, *options]
    cmd.append("--no-progress")
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
