"""FrozenTransformer.v1's `hidden_layers` (some hidden states side by side, for a wide encoder) and
`cache_dtype` (a float16 cache at half the memory)."""

import numpy
import pytest
import spacy
from spacy.util import registry


def frozen(tiny_bert_dir, **settings):
    model = registry.architectures.get("spacy_transfer.FrozenTransformer.v1")(
        name=str(tiny_bert_dir), window=32, stride=24, **settings
    )
    model.initialize()
    return model


@pytest.fixture(scope="module")
def docs():
    nlp = spacy.blank("en")
    return [nlp("Alice gave Bob her book because he had lost his."), nlp("The old farmer sold his horse.")]


def test_hidden_layers_give_those_states_in_that_order(tiny_bert_dir, docs):
    everything = frozen(tiny_bert_dir, all_layers=True)
    picked = frozen(tiny_bert_dir, all_layers=True, hidden_layers=[2, 0])
    assert everything.get_dim("nO") == 3 * 32 and picked.get_dim("nO") == 2 * 32
    for full, part in zip(everything.predict(docs), picked.predict(docs)):
        numpy.testing.assert_allclose(part[:, :32], full[:, 64:], atol=1e-6)
        numpy.testing.assert_allclose(part[:, 32:], full[:, :32], atol=1e-6)


def test_float16_cache_holds_half_and_gives_float32_the_same_every_time(tiny_bert_dir, docs):
    plain = frozen(tiny_bert_dir, all_layers=True)
    half = frozen(tiny_bert_dir, all_layers=True, cache_docs=4, cache_dtype="float16")
    first = half.predict(docs)
    assert all(vectors.dtype == numpy.float16 for vectors in half.cache.values())
    again = half.predict(docs)  # from the cache
    for exact, a, b in zip(plain.predict(docs), first, again):
        assert a.dtype == numpy.float32 and b.dtype == numpy.float32
        numpy.testing.assert_array_equal(a, b)
        numpy.testing.assert_array_equal(a, exact.astype("float16").astype("float32"))


@pytest.mark.parametrize(
    "settings,message",
    [
        ({"hidden_layers": [0, 1]}, "hidden_layers.*needs all_layers"),
        ({"all_layers": True, "hidden_layers": []}, "hidden_layers.*non-empty list"),
        ({"all_layers": True, "hidden_layers": [0, -1]}, "hidden_layers.*non-empty list"),
        ({"all_layers": True, "cache_dtype": "bfloat16"}, "cache_dtype"),
    ],
)
def test_invalid_settings_give_coded_errors(tiny_bert_dir, settings, message):
    with pytest.raises(ValueError, match=f"E361.*{message}"):
        frozen(tiny_bert_dir, **settings)


def test_a_hidden_state_the_encoder_lacks_is_named_when_it_loads(tiny_bert_dir):
    with pytest.raises(ValueError, match=r"E361.*hidden_layers.*0 \(embeddings\) to 2"):
        frozen(tiny_bert_dir, all_layers=True, hidden_layers=[0, 3])
