"""Loading torchMoji's original checkpoint format (pytorch_model.bin + vocabulary.json)."""

import json

import pytest
import spacy
from spacy.training import Example

torch = pytest.importorskip("torch")

from spacy_transfer.layers.torch import get_torch_module  # noqa: E402
from spacy_transfer.torchmoji.io import (  # noqa: E402
    load_original_checkpoint,
    read_vocabulary,
)
from spacy_transfer.torchmoji.words import SPECIAL_TOKENS  # noqa: E402

from ..helpers import dataset  # noqa: E402

WORDS = SPECIAL_TOKENS + ["i", "love", "this", "hate", "!", "."]
EMBED, HIDDEN, N_EMOJI = 6, 4, 64


def torchmoji_state_dict(seed=0, n_labels=N_EMOJI):
    """A random checkpoint with exactly torchMoji's parameter names and shapes."""
    gen = torch.Generator().manual_seed(seed)
    state = {"embed.weight": torch.rand(len(WORDS), EMBED, generator=gen) - 0.5}
    for layer, n_in in (("lstm_0", EMBED), ("lstm_1", 2 * HIDDEN)):
        for suffix in ("", "_reverse"):
            state[f"{layer}.weight_ih_l0{suffix}"] = torch.randn(4 * HIDDEN, n_in, generator=gen)
            state[f"{layer}.weight_hh_l0{suffix}"] = torch.randn(4 * HIDDEN, HIDDEN, generator=gen)
            state[f"{layer}.bias_ih_l0{suffix}"] = torch.randn(4 * HIDDEN, generator=gen)
            state[f"{layer}.bias_hh_l0{suffix}"] = torch.randn(4 * HIDDEN, generator=gen)
    width = 4 * HIDDEN + EMBED
    state["attention_layer.attention_vector"] = torch.randn(width, generator=gen)
    state["output_layer.0.weight"] = torch.randn(n_labels, width, generator=gen)
    state["output_layer.0.bias"] = torch.randn(n_labels, generator=gen)
    return state


@pytest.fixture
def checkpoint(tmp_path):
    torch.save(torchmoji_state_dict(), tmp_path / "pytorch_model.bin")
    (tmp_path / "vocabulary.json").write_text(json.dumps({w: i for i, w in enumerate(WORDS)}))
    return tmp_path


def emoji_nlp(checkpoint, n_labels=N_EMOJI, multi_label=False):
    nlp = spacy.blank("en")
    model = {"@architectures": "spacy_transfer.TorchMoji.v2", "n_tokens": len(WORDS),
             "embed_width": EMBED, "hidden_width": HIDDEN, "max_length": 30,
             "embed_dropout": 0.0, "final_dropout": 0.0, "multi_label": multi_label}  # fmt: skip
    nlp.add_pipe("torchmoji", config={"model": model})
    labels = [f"emoji_{i}" for i in range(n_labels)]
    nlp.config["initialize"]["components"]["torchmoji"] = {
        "labels": labels,
        "vocab_path": str(checkpoint / "vocabulary.json"),
        "weights_path": str(checkpoint / "pytorch_model.bin"),
    }
    return nlp


def test_torchmoji_load_original_checkpoint(checkpoint):
    nlp = emoji_nlp(checkpoint)
    eg = Example.from_dict(nlp.make_doc("I love this"), {})
    nlp.initialize(lambda: [eg])
    module = get_torch_module(nlp.get_pipe("torchmoji").model)
    state = torchmoji_state_dict()
    for key, value in module.state_dict().items():
        assert torch.equal(value, state[key]), key
    # Softmax over 64 emojis, as torchMoji's torchmoji_emojis model.
    doc = nlp("I love this!")
    ids = torch.tensor([[WORDS.index(w) for w in ("i", "love", "this", "!")]])
    with torch.no_grad():
        logits, _ = module.eval()(ids, torch.tensor([4]))
    expected = torch.softmax(logits[0], 0)
    assert [doc.cats[f"emoji_{i}"] for i in range(N_EMOJI)] == pytest.approx(expected.tolist(), abs=1e-6)
    assert sum(doc.cats.values()) == pytest.approx(1.0, abs=1e-5)


def test_torchmoji_transfer_skips_output_layer(checkpoint):
    nlp = emoji_nlp(checkpoint, n_labels=3, multi_label=True)
    eg = Example.from_dict(nlp.make_doc("I love this"), {})
    nlp.initialize(lambda: [eg])
    module = get_torch_module(nlp.get_pipe("torchmoji").model)
    state = torchmoji_state_dict()
    assert torch.equal(module.lstm_1.weight_hh_l0_reverse, state["lstm_1.weight_hh_l0_reverse"])
    assert module.output_layer[0].weight.shape == (3, 4 * HIDDEN + EMBED)


def test_torchmoji_checkpoint_width_mismatch(checkpoint):
    nlp = spacy.blank("en")
    model = {"@architectures": "spacy_transfer.TorchMoji.v2", "n_tokens": len(WORDS),
             "embed_width": EMBED, "hidden_width": HIDDEN + 1, "max_length": 30,
             "embed_dropout": 0.0, "final_dropout": 0.0, "multi_label": False}  # fmt: skip
    nlp.add_pipe("torchmoji", config={"model": model})
    nlp.config["initialize"]["components"]["torchmoji"] = {
        "labels": ["a", "b"], "vocab_path": str(checkpoint / "vocabulary.json"),
        "weights_path": str(checkpoint / "pytorch_model.bin"),
    }  # fmt: skip
    eg = Example.from_dict(nlp.make_doc("I love this"), {})
    with pytest.raises(ValueError, match="E156"):
        nlp.initialize(lambda: [eg])


def test_torchmoji_checkpoint_errors(checkpoint, tmp_path):
    with pytest.raises(ValueError, match="E154"):
        load_original_checkpoint(tmp_path / "missing.bin")
    (tmp_path / "corrupt.bin").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="E153"):
        load_original_checkpoint(tmp_path / "corrupt.bin")
    state = torchmoji_state_dict()
    del state["lstm_0.weight_hh_l0"]
    torch.save(state, tmp_path / "partial.bin")
    with pytest.raises(ValueError, match="E153"):
        load_original_checkpoint(tmp_path / "partial.bin")


class NotAWeight:
    pass


def test_torchmoji_checkpoint_loads_weights_only(tmp_path):
    # A pickled arbitrary object is refused (torch.load(weights_only=True)).
    torch.save({"embed.weight": NotAWeight()}, tmp_path / "evil.bin")
    with pytest.raises(ValueError, match="E153"):
        load_original_checkpoint(tmp_path / "evil.bin")


def test_torchmoji_vocabulary_errors(tmp_path):
    with pytest.raises(ValueError, match="E151"):
        read_vocabulary(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text(json.dumps({"a": 0, "b": 5}))
    with pytest.raises(ValueError, match="E152"):
        read_vocabulary(tmp_path / "bad.json")


def test_torchmoji_shared_vocabulary():
    path = dataset("torchmoji_vocab", "vocabulary.json")
    vocab = read_vocabulary(path)
    assert len(vocab) == 50000
    assert [w for w, i in sorted(vocab.items(), key=lambda kv: kv[1])[:10]] == SPECIAL_TOKENS


def test_torchmoji_import_command_and_pretrained_architecture(checkpoint, tmp_path):
    from spacy_transfer.torchmoji.commands import torchmoji_import

    out = tmp_path / "converted"
    torchmoji_import(checkpoint / "pytorch_model.bin", checkpoint / "vocabulary.json", out,
                     emoji_codes=None, max_length=30)  # fmt: skip
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("torchmoji", config={"model": {"name": str(out)}})
    assert len(pipe.labels) == N_EMOJI
    reference = emoji_nlp(checkpoint)
    reference.initialize(lambda: [Example.from_dict(reference.make_doc("i"), {})])
    text = "I love this. I hate this!"
    assert nlp(text).cats == pytest.approx(reference(text).cats, abs=1e-6)
    # Labels of a pretrained model are fixed by its weights.
    with pytest.raises(ValueError, match="E164"):
        pipe.add_label("new")
    with pytest.raises(ValueError, match="E150"):
        spacy.blank("en").add_pipe("torchmoji", config={"model": {"name": str(tmp_path / "nope")}})
