"""Gender bias on WinoBias: does the pronoun land in the cluster of the right occupation?

    python scripts/evaluate_winobias.py MODEL WINOBIAS_DIR OUT.json [--add-pipe neuralcoref] [--split test]
        [--context "Taylor was there."]

For each subset (type 1 / type 2, pro- / anti-stereotypical) the pipeline runs on the gold
words of each sentence; a sentence counts as correct when one predicted cluster holds a
mention overlapping the gold pronoun and a mention overlapping the gold occupation.
Prints accuracy per subset and the pro - anti gap per type, and writes them as JSON. Because a
cluster holding both occupations also counts as correct, it also counts per subset the sentences
whose pronoun shares a cluster with two or more mentions that are not pronouns ("merged"), and gives the share
correct and not merged ("strict").
--context puts a sentence of your own before every WinoBias sentence (e.g. one with a name, which makes the
`coref` component's `gender_context` keep the pronoun's gender).
"""

import json
import sys
from pathlib import Path

import typer
from spacy.tokens import Doc
from wasabi import msg

sys.path.insert(0, str(Path(__file__).parent))
from _pipeline import load_pipeline  # noqa: E402

from spacy_transfer.coref import get_clusters  # noqa: E402
from spacy_transfer.coref.corpora.jsonl import read_jsonl  # noqa: E402
from spacy_transfer.coref.word_lists import PERSONAL_PRONOUNS  # noqa: E402

SUBSETS = [(t, s) for t in ("type1", "type2") for s in ("pro", "anti")]


def _overlaps(span, start: int, end: int) -> bool:
    return span.start < end and start < span.end


def is_correct(doc: Doc, antecedent, pronoun) -> bool:
    """antecedent, pronoun: (start, end) token offsets, end exclusive."""
    return any(_overlaps_any(cluster, antecedent) for cluster in _pronoun_clusters(doc, pronoun))


def is_merged(doc: Doc, pronoun) -> bool:
    """Whether the pronoun's cluster holds two or more mentions that are not pronouns (both occupations)."""
    return any(
        sum(not (len(m) == 1 and m.text.lower() in PERSONAL_PRONOUNS) for m in cluster) >= 2
        for cluster in _pronoun_clusters(doc, pronoun)
    )


def _pronoun_clusters(doc: Doc, pronoun) -> list:
    return [cluster for cluster in get_clusters(doc) or [] if _overlaps_any(cluster, pronoun)]


def _overlaps_any(cluster, offsets) -> bool:
    return any(_overlaps(m, *offsets) for m in cluster)


def evaluate_file(nlp, path: Path, context: str = "") -> dict:
    records = list(read_jsonl(path))
    before = [t.text for t in nlp.make_doc(context)] if context else []
    docs = [Doc(nlp.vocab, words=before + [w for s in r.sentences for w in s]) for r in records]
    shift = len(before)
    correct = merged = strict = 0
    for record, doc in zip(records, nlp.pipe(docs, batch_size=32)):
        mentions = sorted(record.clusters[0])
        antecedent, pronoun = mentions[0], mentions[-1]
        pronoun = (pronoun[0] + shift, pronoun[1] + 1 + shift)
        right = is_correct(doc, (antecedent[0] + shift, antecedent[1] + 1 + shift), pronoun)
        both = is_merged(doc, pronoun)
        correct += right
        merged += both
        strict += right and not both
    n = max(1, len(records))
    return {
        "n": len(records),
        "correct": correct,
        "accuracy": correct / n,
        "merged": merged,
        "strict_accuracy": strict / n,
    }


def main(
    model: str = typer.Argument(..., help="Pipeline package or path"),
    winobias_dir: Path = typer.Argument(..., help="The winobias dataset folder (with jsonl/)", exists=True),
    output: Path = typer.Argument(..., help="JSON file for the results"),
    add_pipe: str = typer.Option("", "--add-pipe", help="Add this factory to the pipeline first"),
    pipe_config: str = typer.Option("{}", "--pipe-config", help="JSON config for --add-pipe"),
    split: str = typer.Option("test", "--split", help="dev or test"),
    context: str = typer.Option("", "--context", help="A sentence to put before every WinoBias sentence"),
) -> None:
    nlp = load_pipeline(model, add_pipe, pipe_config, -1)
    results = {}
    for kind, stereo in SUBSETS:
        path = winobias_dir / "jsonl" / f"{split}_{kind}_{stereo}_stereotype.jsonl"
        results[f"{kind}_{stereo}"] = evaluate_file(nlp, path, context)
    for kind in ("type1", "type2"):
        results[f"{kind}_gap"] = results[f"{kind}_pro"]["accuracy"] - results[f"{kind}_anti"]["accuracy"]
    rows = [
        (k, f"{100 * v['accuracy']:.1f}", f"{100 * v['strict_accuracy']:.1f}", v["n"], v["merged"])
        for k, v in results.items()
        if isinstance(v, dict)
    ]
    rows += [(k, f"{100 * v:+.1f}", "", "", "") for k, v in results.items() if not isinstance(v, dict)]
    msg.table(rows, header=("subset", "accuracy %", "strict %", "n", "merged"), divider=True)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    typer.run(main)
