"""Score a coreference pipeline on gold .spacy docs: CoNLL-F1, MUC, B3, CEAF-e and
LEA, with and without singletons.

    python scripts/evaluate_coref.py MODEL DATA.spacy OUT.json [--add-pipe neuralcoref]

The pipeline runs on the gold words (and, unless --no-sent-starts, the gold sentence
starts), as is usual for CoNLL-style evaluation; predictions are read from
doc.spans["<prefix>_N"]. Prints a table and writes all scores as JSON.
"""

import json
import sys
import time
from pathlib import Path

import typer
from wasabi import msg

sys.path.insert(0, str(Path(__file__).parent))
from _pipeline import load_pipeline  # noqa: E402

from spacy_transfer.coref.corpora.corpus import CorefCorpus  # noqa: E402
from spacy_transfer.coref.corpora.records import DEFAULT_CLUSTER_PREFIX  # noqa: E402
from spacy_transfer.coref.scoring.scorer import score_coref_clusters  # noqa: E402

METRICS = ("conll", "muc", "b3", "ceafe", "lea")


def evaluate(nlp, data_path: Path, *, span_prefix: str, keep_sent_starts: bool, batch_size: int) -> dict:
    examples = list(CorefCorpus(data_path, keep_sent_starts=keep_sent_starts)(nlp))
    start = time.time()
    for eg, doc in zip(examples, nlp.pipe([eg.predicted for eg in examples], batch_size=batch_size)):
        eg.predicted = doc
    seconds = time.time() - start
    scores = score_coref_clusters(examples, span_prefix=span_prefix)
    scores["n_docs"] = len(examples)
    scores["n_tokens"] = sum(len(eg.reference) for eg in examples)
    scores["seconds"] = seconds
    return scores


def main(
    model: str = typer.Argument(..., help="Pipeline package or path"),
    data_path: Path = typer.Argument(..., help=".spacy file (or directory) from convert-coref", exists=True),
    output: Path = typer.Argument(..., help="JSON file for the scores"),
    add_pipe: str = typer.Option("", "--add-pipe", help="Add this factory to the pipeline first"),
    pipe_config: str = typer.Option("{}", "--pipe-config", help="JSON config for --add-pipe"),
    span_prefix: str = typer.Option(DEFAULT_CLUSTER_PREFIX, "--span-prefix"),
    keep_sent_starts: bool = typer.Option(True, "--sent-starts/--no-sent-starts", help="Give the gold sentences"),
    batch_size: int = typer.Option(8, "--batch-size"),
    gpu_id: int = typer.Option(-1, "--gpu-id"),
) -> None:
    nlp = load_pipeline(model, add_pipe, pipe_config, gpu_id)
    scores = evaluate(
        nlp,
        data_path,
        span_prefix=span_prefix,
        keep_sent_starts=keep_sent_starts,
        batch_size=batch_size,
    )
    rows = []
    for suffix, label in (
        ("", "with singletons"),
        ("_nosingletons", "without singletons"),
    ):
        row = [label]
        for m in METRICS:
            row.append(f"{100 * scores[f'coref_{m}_f{suffix}']:.2f}")
        rows.append(row)
    msg.table(rows, header=["", *[f"{m} F1" for m in METRICS]], divider=True)
    msg.info(f"{scores['n_docs']} docs, {scores['n_tokens']} tokens, {scores['seconds']:.1f}s")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(scores, indent=2), encoding="utf8")
    msg.good(f"Saved scores to {output}")


if __name__ == "__main__":
    typer.run(main)
