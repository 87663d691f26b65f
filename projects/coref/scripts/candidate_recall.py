"""Share of gold mentions that neuralcoref's rule-based detector proposes (exact boundaries).

python scripts/candidate_recall.py BASE_PIPELINE DATA.spacy [DATA.spacy ...] OUT.json
"""

import json
from pathlib import Path
from typing import List

import spacy
import typer
from wasabi import msg

from spacy_transfer.coref.corpora.corpus import CorefCorpus


def main(base_pipeline: str, paths: List[Path]) -> None:
    *inputs, out = paths
    nlp = spacy.load(base_pipeline)
    coref = nlp.add_pipe("neuralcoref")
    results = {}
    for path in inputs:
        examples = list(CorefCorpus(path)(nlp))
        for eg, doc in zip(examples, nlp.pipe([eg.predicted for eg in examples], disable=["neuralcoref"])):
            eg.predicted = doc
        results[path.name] = coref.candidate_recall(examples)
        msg.info(f"{path.name}: {results[path.name]}")
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    typer.run(main)
