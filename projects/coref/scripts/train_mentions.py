"""Train the mention scorer of trained `coref` weights, everything else frozen, for `singletons = true`.

    python scripts/train_mentions.py WEIGHTS TRAIN.spacy DEV.spacy OUT_DIR [--epochs 6]

With --epochs 0 the scorer stays as trained (by `spacy train`, with the rest) and only the threshold is chosen.

WEIGHTS is a packaged name or a directory from export_coref.py. The encoder and the coref head
stay as they are: the word vectors the scorers read are computed once per training doc, and only
the mention scorer (WordCoref.v2's `mention`, a small feed-forward net) learns, by binary
cross-entropy, which words head a gold mention (LitBank's one-mention clusters included). The
threshold is then chosen on DEV by CoNLL-F1 with singletons, through the component's own
prediction path. OUT_DIR gets head.safetensors (the old head plus the scorer), the encoder
weights as they were, and meta.json with the chosen threshold and the dev scores.
"""

import json
import shutil
import sys
import time
from pathlib import Path
from typing import List

import numpy
import torch
import typer
from safetensors.torch import load_file, save_file
from wasabi import msg

from spacy_transfer.coref.corpora.corpus import CorefCorpus
from spacy_transfer.coref.io import ENCODER_WEIGHTS_FILE, HEAD_WEIGHTS_FILE, weights_path
from spacy_transfer.coref.loss import gold_heads, mention_targets
from spacy_transfer.coref.model import scorer_module

sys.path.insert(0, str(Path(__file__).parent))
from _pipeline import coref_from_weights, score_coref_pipe, weights_meta  # noqa: E402

PREFIX = "coref_clusters"


def word_vectors(nlp, docs, batch_size: int = 4) -> List[torch.Tensor]:
    """The head's word vectors (after the layer mix and projection) per doc, in eval mode."""
    coref = nlp.get_pipe("coref")
    tok2vec = coref.model.get_ref("tok2vec")
    module = scorer_module(coref.model).eval()
    out = []
    with torch.no_grad():
        for lo in range(0, len(docs), batch_size):
            for tokens in tok2vec.predict(docs[lo : lo + batch_size]):
                out.append(module.embed(torch.from_numpy(coref.model.ops.to_numpy(tokens))))
    return out


def head_labels(examples) -> List[numpy.ndarray]:
    return [mention_targets(len(eg.predicted), gold_heads(eg.reference, eg.predicted, PREFIX)) for eg in examples]


def score_dev(nlp, examples, threshold: float) -> dict:
    coref = nlp.get_pipe("coref")
    coref.cfg["singletons"], coref.cfg["singleton_threshold"] = True, threshold
    return score_coref_pipe(nlp, examples)


def main(
    weights: str = typer.Argument(..., help="Trained coref weights: packaged name or directory"),
    train_path: Path = typer.Argument(..., exists=True),
    dev_path: Path = typer.Argument(..., exists=True),
    out_dir: Path = typer.Argument(...),
    epochs: int = typer.Option(6, "--epochs"),
    learn_rate: float = typer.Option(1e-3, "--learn-rate"),
    thresholds: str = typer.Option("0.3,0.4,0.5,0.6,0.7", "--thresholds"),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    start = time.time()
    torch.manual_seed(seed)
    rng = numpy.random.default_rng(seed)
    source = weights_path(weights)
    meta = weights_meta(weights)
    nlp = coref_from_weights(weights)
    coref = nlp.get_pipe("coref")
    module = scorer_module(coref.model)
    train = list(CorefCorpus(train_path, keep_sent_starts=True)(nlp))
    dev = list(CorefCorpus(dev_path, keep_sent_starts=True)(nlp))
    scorer = module.mention.train()
    if epochs:
        msg.info(f"Encoding {len(train)} training docs ({sum(len(eg.predicted) for eg in train):,} words)")
        X = torch.cat(word_vectors(nlp, [eg.predicted for eg in train]))
        Y = torch.from_numpy(numpy.concatenate(head_labels(train)))
        msg.info(f"{int(Y.sum()):,} of {len(Y):,} words head a gold mention ({time.time() - start:.0f} s)")
    optimizer = torch.optim.Adam(scorer.parameters(), lr=learn_rate)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    for epoch in range(epochs):
        order = torch.from_numpy(rng.permutation(len(Y)))
        total = 0.0
        for lo in range(0, len(order), 1024):
            idx = order[lo : lo + 1024]
            optimizer.zero_grad()
            loss = loss_fn(scorer(X[idx]), Y[idx])
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(idx)
        msg.text(f"epoch {epoch + 1}: loss {total / len(Y):.4f}")
    scorer.eval()

    results = {}
    for threshold in (float(t) for t in thresholds.split(",")):
        scores = score_dev(nlp, dev, threshold)
        results[threshold] = scores
        msg.text(
            f"threshold {threshold}: dev CoNLL-F1 with singletons {100 * scores['coref_conll_f']:.2f}, "
            f"without {100 * scores['coref_conll_f_nosingletons']:.2f}"
        )
    best = max(results, key=lambda t: results[t]["coref_conll_f"])
    msg.good(f"Chosen on dev: threshold {best} ({100 * results[best]['coref_conll_f']:.2f})")

    state = load_file(str(source))
    state.update({f"mention.{k}": v.detach().float().contiguous() for k, v in scorer.state_dict().items()})
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(state, str(out_dir / HEAD_WEIGHTS_FILE))
    if (source.parent / ENCODER_WEIGHTS_FILE).exists() and source.parent.resolve() != out_dir.resolve():
        shutil.copyfile(source.parent / ENCODER_WEIGHTS_FILE, out_dir / ENCODER_WEIGHTS_FILE)
    meta.setdefault("model", {})["@architectures"] = "spacy_transfer.WordCoref.v2"
    meta["singleton_threshold"] = best
    meta["singletons_dev_performance"] = {
        str(t): {k: round(v, 4) for k, v in s.items() if k.startswith("coref_") and k.endswith("_f")}
        for t, s in results.items()
    }
    meta["mention_scorer"] = (
        f"scripts/train_mentions.py: {epochs} epochs on {train_path.name} with the rest frozen "
        f"({time.time() - start:.0f} s); threshold chosen on {dev_path.name}"
        if epochs
        else f"trained with the rest by spacy train; threshold chosen on {dev_path.name} by scripts/train_mentions.py"
    )
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=2))
    msg.good(f"Saved to {out_dir} ({time.time() - start:.0f} s)")


if __name__ == "__main__":
    typer.run(main)
