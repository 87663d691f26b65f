"""Worst-case cost of each component: pathological inputs vs prose of the same length (issue 14, point 4).

Each input is parsed once by en_core_web_sm; then only the component is timed on a fresh copy of the doc.
spaCy's English tokenizer is quadratic inside one long whitespace-free token that it splits into many pieces
(100k characters of emoji or punctuation take it minutes, before any component runs): such inputs are tokenized
in chunks, where that gives exactly the tokens of the whole text on a 5,000-character prefix (see `make_doc`). Time is
CPU time (time.process_time) with torch.set_num_threads(1), best of 3 runs, prose and pathological input
alternating so that machine load hits both alike. The ratio is pathological / prose; the goal is at most ~10.

usage: python benchmarks/worst_case.py [--length 10000] [--data DIR] [--components neuralcoref,torchmoji,...]
Prints one JSON object: per component and input the seconds and ratio, and the worst ratio.
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch
from spacy.tokens import Doc

from spacy_transfer.util import load_english

COMPONENTS = {
    "neuralcoref": {},
    "torchmoji": {},
    "zero_shot_classifier": {"labels": ["sports", "politics", "food", "music"]},
    "fasttext_vectors": {},
    "transformer_encoder": {},
}
# fmt: off
PROSE = ("It was a bright cold day in April, and the clocks were striking thirteen. Alice told Bob that she "
         "had seen the old house by the river, and he said he would visit it with her the next morning. ")
# fmt: on


def pathological(n: int):
    """The probe's hostile inputs, each cut to n characters."""
    inputs = {
        "emoji_run": "😀" * n,
        "cjk_one_token": "字" * n,
        "one_letter_token": "a" * n,
        "same_word": "Bob " * (n // 4),
        "dog_dog": "dog " * (n // 4),
        "emoji_spaced": "😀 " * (n // 2),
        "zero_width_joined": "\u200d".join(["x"] * (n // 2)),
        "control_chars": "".join(chr(i % 32) for i in range(n)),
        "html": "<div class='x'><b>a</b></div>" * (n // 29),
        "rtl_mixed": ("שלום world مرحبا \u202e abc " * n)[:n],
        "punctuation": "!?.,;:" * (n // 6),
        "digits": "1234567890 " * (n // 11),
        "url": ("http://example.com/" + "a/b?c=d&" * n)[:n],
    }
    return {name: text[:n] for name, text in inputs.items()}


def prose_text(n: int, data_dir: Path) -> str:
    files = sorted((data_dir / "gutenberg_litbank_corpus" / "texts").glob("*.txt"))
    text = " ".join(files[0].read_text(encoding="utf8").split()[2000:]) if files else ""
    text = text or PROSE * (n // len(PROSE) + 1)
    return text[:n]


def chunked_doc(nlp, text: str, chunk: int) -> Doc:
    docs = [nlp.make_doc(text[i : i + chunk]) for i in range(0, len(text), chunk)]
    return Doc.from_docs(docs, ensure_whitespace=False) if len(docs) > 1 else docs[0]


def make_doc(nlp, text: str, chunk: int = 1200, check: int = 5000, slow_s: float = 1.0) -> tuple:
    """(tokenized doc, whether chunked). Chunks only where tokenizing the `check` prefix whole takes over
    `slow_s` CPU seconds and the chunked prefix has the same tokens and whitespace."""
    start = time.process_time()
    whole = nlp.make_doc(text[:check])
    if len(text) <= check:
        return whole, False
    if time.process_time() - start < slow_s:
        return nlp.make_doc(text), False
    pieces = chunked_doc(nlp, text[:check], chunk)
    if [(t.text, t.whitespace_) for t in pieces] != [(t.text, t.whitespace_) for t in whole]:
        return nlp.make_doc(text), False
    return chunked_doc(nlp, text, chunk), True


def cpu_seconds(proc, doc_bytes: bytes, vocab) -> float:
    doc = Doc(vocab).from_bytes(doc_bytes)
    start = time.process_time()
    proc(doc)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--length", type=int, default=10000, help="characters per input")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("SPACY_TRANSFER_DATA", "../shared/datasets")))
    parser.add_argument("--components", default=",".join(COMPONENTS))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    nlp = load_english()
    nlp.max_length = max(nlp.max_length, args.length + 1)
    names = args.components.split(",")
    for name in names:
        nlp.add_pipe(name, config=COMPONENTS[name])
    base = [n for n in nlp.pipe_names if n not in names]
    inputs = {"prose": prose_text(args.length, args.data), **pathological(args.length)}
    parsed = {}
    chunked = []
    for key, text in inputs.items():
        start = time.process_time()
        doc, was_chunked = make_doc(nlp, text)
        chunked += [key] if was_chunked else []
        with nlp.select_pipes(enable=base):
            doc = nlp(doc)
        parsed[key] = doc.to_bytes()
        print(
            f"parsed {key}: {time.process_time() - start:.1f} s{' (chunked)' if was_chunked else ''}",
            file=sys.stderr,
            flush=True,
        )
    results = {}
    worst = (0.0, None, None)
    for name in names:
        proc = nlp.get_pipe(name)
        cpu_seconds(proc, parsed["prose"], nlp.vocab)  # warm-up: loads the model
        rows = {}
        for key in inputs:
            if key == "prose":
                continue
            prose_times, patho_times = [], []
            for _ in range(args.runs):  # alternating contenders
                prose_times.append(cpu_seconds(proc, parsed["prose"], nlp.vocab))
                patho_times.append(cpu_seconds(proc, parsed[key], nlp.vocab))
            prose_s, patho_s = min(prose_times), min(patho_times)
            ratio = patho_s / max(prose_s, 1e-3)
            rows[key] = {"seconds": round(patho_s, 4), "prose_seconds": round(prose_s, 4), "ratio": round(ratio, 2)}
            print(f"{name} {key}: {rows[key]}", file=sys.stderr, flush=True)
            if ratio > worst[0]:
                worst = (ratio, name, key)
        results[name] = rows
    print(
        json.dumps(
            {
                "length": args.length,
                "runs": args.runs,
                "torch_threads": torch.get_num_threads(),
                "machine": platform.processor() or platform.machine(),
                "load_average": os.getloadavg()[0],
                "tokenized_in_chunks": chunked,
                "worst_ratio": round(worst[0], 2),
                "worst": {"component": worst[1], "input": worst[2]},
                "components": results,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
