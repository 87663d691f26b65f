"""Score a coreference pipeline on GAP: F1 overall, masculine, feminine and the bias
ratio F/M (Webster et al. 2018), snippet-context setting (the URL is not used).

    python scripts/evaluate_gap.py MODEL GAP.tsv OUT.json [--add-pipe neuralcoref]

The pipeline runs on each unchanged `Text`; see spacy_transfer/coref/gap.py for
how the A/B decisions are read off the predicted clusters.
"""

import json
import sys
import time
from pathlib import Path

import typer
from wasabi import msg

sys.path.insert(0, str(Path(__file__).parent))
from _pipeline import load_pipeline  # noqa: E402

from spacy_transfer.coref.corpora.records import DEFAULT_CLUSTER_PREFIX  # noqa: E402
from spacy_transfer.coref.scoring.gap import predict_gap, read_gap, score_gap  # noqa: E402


def evaluate(nlp, gap_path: Path, *, span_prefix: str, batch_size: int, limit: int = 0) -> dict:
    examples = read_gap(gap_path)
    if limit:
        examples = examples[:limit]
    start = time.time()
    docs = nlp.pipe([e.text for e in examples], batch_size=batch_size)
    predictions = [predict_gap(e, doc, span_prefix) for e, doc in zip(examples, docs)]
    scores = score_gap(examples, predictions)
    scores["seconds"] = time.time() - start
    return scores


def main(
    model: str = typer.Argument(..., help="Pipeline package or path"),
    gap_path: Path = typer.Argument(..., help="gap-test.tsv (or development/validation)", exists=True),
    output: Path = typer.Argument(..., help="JSON file for the scores"),
    add_pipe: str = typer.Option("", "--add-pipe", help="Add this factory to the pipeline first"),
    pipe_config: str = typer.Option("{}", "--pipe-config", help="JSON config for --add-pipe"),
    span_prefix: str = typer.Option(DEFAULT_CLUSTER_PREFIX, "--span-prefix"),
    batch_size: int = typer.Option(32, "--batch-size"),
    limit: int = typer.Option(0, "--limit", help="Score only the first N examples (0: all)"),
    gpu_id: int = typer.Option(-1, "--gpu-id"),
) -> None:
    nlp = load_pipeline(model, add_pipe, pipe_config, gpu_id)
    scores = evaluate(nlp, gap_path, span_prefix=span_prefix, batch_size=batch_size, limit=limit)
    rows = [
        [
            g,
            f"{100 * scores[f'gap_p{s}']:.1f}",
            f"{100 * scores[f'gap_r{s}']:.1f}",
            f"{100 * scores[f'gap_f{s}']:.1f}",
        ]
        for g, s in (
            ("overall", ""),
            ("masculine", "_masculine"),
            ("feminine", "_feminine"),
        )
    ]
    msg.table(rows, header=["", "P", "R", "F1"], divider=True)
    msg.info(f"bias F/M = {scores['gap_bias']:.3f} ({int(scores['gap_n'])} examples, {scores['seconds']:.1f}s)")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(scores, indent=2), encoding="utf8")
    msg.good(f"Saved scores to {output}")


if __name__ == "__main__":
    typer.run(main)
