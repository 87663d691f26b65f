"""Fine-tune the coref head for `gender_neutral = true`, the encoder frozen.

    python scripts/train_neutral_head.py WEIGHTS TRAIN.spacy DEV.spacy OUT_DIR [--epochs 4]

With `gender_neutral`, the encoder reads each doc's gender-neutral copy (he and she, his and her, king and
queen, ... as one word; spacy_transfer.coref.gender), whose vectors the head never saw in training. This script
computes those vectors once per training doc with the encoder of WEIGHTS (a packaged name or a directory), trains the head on them (same losses as `spacy train`,
Adam, one doc per step), scores LitBank DEV with `gender_neutral` after each epoch and keeps the best
epoch's head as OUT_DIR/head_neutral.safetensors, which the component loads for `gender_neutral = true`.
"""

import copy
import json
import sys
import time
from pathlib import Path

import numpy
import torch
import typer
from safetensors.torch import save_file
from wasabi import msg

from spacy_transfer.coref.corpora.corpus import CorefCorpus
from spacy_transfer.coref.gender import gender_neutral
from spacy_transfer.coref.io import NEUTRAL_HEAD_WEIGHTS_FILE
from spacy_transfer.coref.model import WordCorefOutput, scorer_module

sys.path.insert(0, str(Path(__file__).parent))
from _pipeline import coref_from_weights, score_coref_pipe  # noqa: E402


def neutral_vectors(coref, docs, batch_size: int = 4):
    """Per doc, the token vectors the head reads with gender_neutral (torch tensors)."""
    out, tok2vec = [], coref.model.get_ref("tok2vec")
    for lo in range(0, len(docs), batch_size):
        for tokens in tok2vec.predict([gender_neutral(doc) for doc in docs[lo : lo + batch_size]]):
            out.append(torch.from_numpy(coref.model.ops.to_numpy(tokens).copy()))
    return out


def main(
    weights: str = typer.Argument(..., help="Trained coref weights: packaged name or directory"),
    train_path: Path = typer.Argument(..., exists=True),
    dev_path: Path = typer.Argument(..., exists=True),
    out_dir: Path = typer.Argument(...),
    epochs: int = typer.Option(4, "--epochs"),
    learn_rate: float = typer.Option(5e-5, "--learn-rate"),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    start = time.time()
    torch.manual_seed(seed)
    rng = numpy.random.default_rng(seed)
    nlp = coref_from_weights(weights)  # the plain head (head.safetensors) is where training starts
    coref = nlp.get_pipe("coref")
    coref.cfg["gender_neutral"] = True
    module = scorer_module(coref.model)
    train = [eg for eg in CorefCorpus(train_path, keep_sent_starts=True)(nlp) if len(eg.predicted)]
    dev = list(CorefCorpus(dev_path, keep_sent_starts=True)(nlp))
    msg.info(f"Encoding the gender-neutral copies of {len(train)} training docs")
    vectors = neutral_vectors(coref, [eg.predicted for eg in train])
    msg.info(f"Encoded in {time.time() - start:.0f} s")
    best_score, best_state = score_coref_pipe(nlp, dev)["coref_conll_f_nosingletons"], copy.deepcopy(
        module.state_dict()
    )
    msg.text(f"before: dev CoNLL-F1 without singletons {100 * best_score:.2f} (gender_neutral, shipped head)")
    optimizer = torch.optim.Adam(module.parameters(), lr=learn_rate)
    history = [{"epoch": 0, "dev": best_score}]
    module.eval()  # as in `spacy train`, whose torch modules stay in eval mode (no torch dropout)
    for epoch in range(1, epochs + 1):
        total = 0.0
        for i in rng.permutation(len(train)).tolist():
            cands, scores, spans, mentions = module(vectors[i])
            out = WordCorefOutput(*(t.detach().numpy() for t in (cands, scores, spans, mentions)))
            loss, (grads,) = coref.get_loss([train[i]], [out])  # the losses and scaling of `spacy train`
            optimizer.zero_grad()
            torch.autograd.backward((scores, spans, mentions), grad_tensors=tuple(torch.from_numpy(g) for g in grads))
            optimizer.step()
            total += loss
        score = score_coref_pipe(nlp, dev)["coref_conll_f_nosingletons"]
        history.append({"epoch": epoch, "loss": total / len(train), "dev": score})
        msg.text(f"epoch {epoch}: loss {total / len(train):.3f}, dev CoNLL-F1 without singletons {100 * score:.2f}")
        if score > best_score:
            best_score, best_state = score, copy.deepcopy(module.state_dict())
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(
        {k: v.detach().float().contiguous() for k, v in best_state.items()}, str(out_dir / NEUTRAL_HEAD_WEIGHTS_FILE)
    )
    report = {"weights": weights, "learn_rate": learn_rate, "history": history, "seconds": time.time() - start}
    (out_dir / "neutral_head.json").write_text(json.dumps(report, indent=2))
    msg.good(f"Best dev {100 * best_score:.2f}; saved to {out_dir} ({time.time() - start:.0f} s)")


if __name__ == "__main__":
    typer.run(main)
