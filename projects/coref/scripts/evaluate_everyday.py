"""Coreference on everyday texts: do the pairs a careful reader links land in one predicted cluster?

    python scripts/evaluate_everyday.py MODEL DATA.jsonl OUT.json [--add-pipe coref] [--pipe-config '{}']

DATA.jsonl holds one text a line, written for this project (data/everyday.jsonl: e-mails, product
reviews, news, biographies, instructions, legal texts and forum posts):

    {"id": "email-01", "genre": "email", "text": "...", "corefer": [["Apple", "The company"]], "distinct": [["Dana", "Mr. Okafor"]]}

A mention is an exact substring of the text, "it#2" for the second occurrence; only occurrences that
are whole tokens of the pipeline's tokenization count (the "it" inside "item" does not). A predicted
mention matches a mention of the data when both end on the same token, so "its chief executive"
does not stand in for "its". A `corefer` pair is found when one predicted cluster (the `doc.spans`
groups "coref_clusters_N") holds a match of each side; a `distinct` pair is a wrong link when one
predicted cluster holds a match of each side. Prints found / total and wrong links / total per genre
and overall, and writes them as JSON ("overall" and "genres": found / pairs, recall, wrong / distinct,
wrong_rate) with, per text, the pairs missed and wrongly linked and the predicted clusters.
"""

import json
import re
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple

import typer
from spacy.tokens import Doc, Span
from wasabi import msg

sys.path.insert(0, str(Path(__file__).parent))
from _pipeline import load_pipeline  # noqa: E402

from spacy_transfer.coref.clusters import DEFAULT_CLUSTER_PREFIX, cluster_keys  # noqa: E402

_OCCURRENCE = re.compile(r"^(.*)#(\d+)$", re.DOTALL)


class SpecError(ValueError):
    """A mention that is not (or not that often) in its text."""


def parse_spec(spec: str) -> Tuple[str, int]:
    """"it#2" -> ("it", 2); "Apple" -> ("Apple", 1)."""
    match = _OCCURRENCE.match(spec)
    if match and match.group(1):
        return match.group(1), int(match.group(2))
    return spec, 1


def whole_token_occurrences(doc: Doc, text: str) -> List[Tuple[int, int]]:
    """Character offsets of the occurrences of `text` in doc.text that start and end on token boundaries."""
    starts = {t.idx for t in doc}
    ends = {t.idx + len(t) for t in doc}
    found, at = [], doc.text.find(text)
    while at >= 0 and text:
        if at in starts and at + len(text) in ends:
            found.append((at, at + len(text)))
        at = doc.text.find(text, at + 1)
    return found


def spec_span(doc: Doc, spec: str) -> Span:
    """The span a mention spec ("the lid", "it#2") names in the doc; SpecError where there is none."""
    text, n = parse_spec(spec)
    occurrences = whole_token_occurrences(doc, text)
    if not occurrences:
        raise SpecError(f"{spec!r} is not in the text (as whole tokens)")
    if not 1 <= n <= len(occurrences):
        raise SpecError(f"{spec!r}: occurrence {n} asked for, the text has {len(occurrences)}")
    return doc.char_span(*occurrences[n - 1])  # token-aligned offsets, so always a span


def predicted_clusters(doc: Doc, span_prefix: str = DEFAULT_CLUSTER_PREFIX) -> List[List[Span]]:
    """The predicted clusters: the span groups `{span_prefix}_N`."""
    return [list(doc.spans[key]) for key in cluster_keys(doc, span_prefix)]


def matches(predicted: Span, gold: Span) -> bool:
    """A predicted mention stands for a gold one when both end on the same token."""
    return predicted.end == gold.end


def same_cluster(doc: Doc, a: Span, b: Span, span_prefix: str = DEFAULT_CLUSTER_PREFIX) -> bool:
    """Whether one predicted cluster holds a match of `a` and a match of `b` (two different mentions)."""
    for cluster in predicted_clusters(doc, span_prefix):
        hits_a = [i for i, m in enumerate(cluster) if matches(m, a)]
        hits_b = [i for i, m in enumerate(cluster) if matches(m, b)]
        if hits_a and hits_b and (len(set(hits_a) | set(hits_b)) > 1):
            return True
    return False


def pair_linked(doc: Doc, pair: Sequence[str], span_prefix: str = DEFAULT_CLUSTER_PREFIX) -> bool:
    """Whether a pair of specs is in one predicted cluster: a `corefer` pair found, a `distinct` pair a wrong
    link."""
    return same_cluster(doc, spec_span(doc, pair[0]), spec_span(doc, pair[1]), span_prefix)


def read_records(path: Path) -> List[dict]:
    records = []
    for line_no, line in enumerate(path.read_text(encoding="utf8").splitlines(), 1):
        if line.strip():
            record = json.loads(line)
            for key in ("id", "genre", "text", "corefer", "distinct"):
                if key not in record:
                    raise SpecError(f"{path}:{line_no}: no {key!r}")
            records.append(record)
    return records


def check_specs(doc: Doc, record: dict) -> None:
    """Raise SpecError naming the text's id and the spec for the first mention not in the text."""
    for pair in record["corefer"] + record["distinct"]:
        if len(pair) != 2:
            raise SpecError(f"{record['id']}: a pair needs two mentions: {pair!r}")
        for spec in pair:
            try:
                spec_span(doc, spec)
            except SpecError as err:
                raise SpecError(f"{record['id']}: {err}") from None


def _totals(rows: Iterable[dict]) -> dict:
    rows = list(rows)
    found = sum(r["found"] for r in rows)
    n_corefer = sum(r["n_corefer"] for r in rows)
    wrong = sum(r["wrong"] for r in rows)
    n_distinct = sum(r["n_distinct"] for r in rows)
    return {
        "texts": len(rows),
        "found": found,
        "pairs": n_corefer,
        "recall": found / n_corefer if n_corefer else 0.0,
        "wrong": wrong,
        "distinct": n_distinct,
        "wrong_rate": wrong / n_distinct if n_distinct else 0.0,
    }


def evaluate(nlp, records: List[dict], span_prefix: str = DEFAULT_CLUSTER_PREFIX) -> dict:
    texts = []
    for record, doc in zip(records, nlp.pipe([r["text"] for r in records])):
        check_specs(doc, record)
        missed = [pair for pair in record["corefer"] if not pair_linked(doc, pair, span_prefix)]
        wrong = [pair for pair in record["distinct"] if pair_linked(doc, pair, span_prefix)]
        texts.append(
            {
                "id": record["id"],
                "genre": record["genre"],
                "found": len(record["corefer"]) - len(missed),
                "n_corefer": len(record["corefer"]),
                "wrong": len(wrong),
                "n_distinct": len(record["distinct"]),
                "missed": missed,
                "wrong_links": wrong,
                "clusters": [[m.text for m in c] for c in predicted_clusters(doc, span_prefix)],
            }
        )
    genres: Dict[str, dict] = {}
    for genre in sorted({t["genre"] for t in texts}):
        genres[genre] = _totals(t for t in texts if t["genre"] == genre)
    return {"overall": _totals(texts), "genres": genres, "texts": texts}


def main(
    model: str = typer.Argument(..., help="Pipeline package or path"),
    data: Path = typer.Argument(..., help="The everyday texts (JSONL)", exists=True),
    output: Path = typer.Argument(..., help="JSON file for the results"),
    add_pipe: str = typer.Option("", "--add-pipe", help="Add this factory to the pipeline first"),
    pipe_config: str = typer.Option("{}", "--pipe-config", help="JSON config for --add-pipe"),
    span_prefix: str = typer.Option(DEFAULT_CLUSTER_PREFIX, "--span-prefix", help="Prefix of the cluster span groups"),
) -> None:
    nlp = load_pipeline(model, add_pipe, pipe_config, -1)
    try:
        records = read_records(data)
        results = evaluate(nlp, records, span_prefix)
    except SpecError as err:
        msg.fail(f"Bad mention in {data}", str(err), exits=1)
    rows = []
    for name, s in list(results["genres"].items()) + [("overall", results["overall"])]:
        rows.append(
            (
                name,
                s["texts"],
                f"{s['found']} / {s['pairs']}",
                f"{100 * s['recall']:.1f}",
                f"{s['wrong']} / {s['distinct']}",
                f"{100 * s['wrong_rate']:.1f}",
            )
        )
    header = ("genre", "texts", "found", "recall %", "wrong links", "wrong %")
    msg.table(rows, header=header, divider=True, aligns=("l", "r", "r", "r", "r", "r"))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf8")


if __name__ == "__main__":
    typer.run(main)
