"""The TorchMoji torch modules against a step-by-step reference (random weights)."""

import pytest

torch = pytest.importorskip("torch")

from spacy_transfer.torchmoji.torch_model import (  # noqa: E402
    Batch,
    HardSigmoidLSTM,
    SpatialDropout,
    TorchMoji,
    hard_sigmoid,
)


def reference_direction(x, layer, reverse):
    """One direction over one sequence (n_steps x input), one LSTM cell call per step."""
    suffix = "_reverse" if reverse else ""
    w_ih, w_hh, b_ih, b_hh = (getattr(layer, f"{name}_l0{suffix}")
                              for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))  # fmt: skip
    h = x.new_zeros(layer.hidden_size)
    c = x.new_zeros(layer.hidden_size)
    out = [None] * x.shape[0]
    steps = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
    for t in steps:
        i, f, g, o = (w_ih @ x[t] + b_ih + w_hh @ h + b_hh).chunk(4)
        c = hard_sigmoid(f) * c + hard_sigmoid(i) * torch.tanh(g)
        h = hard_sigmoid(o) * torch.tanh(c)
        out[t] = h
    return torch.stack(out)


def reference_forward(model, ids, lengths):
    logits, features = [], []
    for b in range(ids.shape[0]):
        x = torch.tanh(model.embed(ids[b, : lengths[b]]))
        out_0 = torch.cat([reference_direction(x, model.lstm_0, r) for r in (False, True)], 1)
        out_1 = torch.cat([reference_direction(out_0, model.lstm_1, r) for r in (False, True)], 1)
        stacked = torch.cat([out_1, out_0, x], 1)
        weights = torch.softmax(stacked @ model.attention_layer.attention_vector, 0)
        features.append(weights @ stacked)
    features = torch.stack(features)
    return model.output_layer(features), features


@pytest.fixture
def model():
    torch.manual_seed(0)
    return TorchMoji(n_tokens=50, embed_width=6, hidden_width=5, n_labels=3).eval()


def test_torchmoji_hard_sigmoid():
    x = torch.tensor([-10.0, -2.5, 0.0, 1.0, 2.5, 10.0])
    assert hard_sigmoid(x).tolist() == pytest.approx([0.0, 0.0, 0.5, 0.7, 1.0, 1.0])


def test_torchmoji_shapes(model):
    ids = torch.randint(10, 50, (4, 7))
    logits, features = model(ids, torch.tensor([7, 1, 3, 5]))
    assert logits.shape == (4, 3)
    assert features.shape == (4, 4 * 5 + 6) == (4, model.feature_width)


def test_torchmoji_matches_reference(model):
    ids = torch.randint(10, 50, (5, 9))
    lengths = torch.tensor([3, 9, 1, 6, 9])
    with torch.no_grad():
        logits, features = model(ids, lengths)
        ref_logits, ref_features = reference_forward(model, ids, lengths)
    assert (logits - ref_logits).abs().max() < 1e-5
    assert (features - ref_features).abs().max() < 1e-5


def test_torchmoji_gradients_match_reference(model):
    ids = torch.randint(10, 50, (3, 6))
    lengths = torch.tensor([6, 2, 4])
    model(ids, lengths)[0].sum().backward()
    fast = {n: p.grad.clone() for n, p in model.named_parameters()}
    model.zero_grad()
    reference_forward(model, ids, lengths)[0].sum().backward()
    for name, param in model.named_parameters():
        assert (fast[name] - param.grad).abs().max() < 1e-5, name


def test_torchmoji_padding_does_not_change_outputs(model):
    ids = torch.randint(10, 50, (3, 8))
    lengths = torch.tensor([8, 2, 5])
    with torch.no_grad():
        together = model(ids, lengths)[1]
        for b in range(3):
            alone = model(ids[b : b + 1, : lengths[b]], lengths[b : b + 1])[1]
            assert (alone[0] - together[b]).abs().max() < 1e-6
            # Garbage after the end is ignored.
            noisy = ids[b : b + 1].clone()
            noisy[0, lengths[b] :] = 49
            assert (model(noisy, lengths[b : b + 1])[1][0] - together[b]).abs().max() < 1e-6


def test_torchmoji_keras_init(model):
    assert all(float(p.detach().abs().sum()) == 0.0 for n, p in model.named_parameters() if "bias" in n
               and not n.startswith("output"))  # fmt: skip
    w_hh = model.lstm_0.weight_hh_l0  # 4H x H with orthonormal columns
    assert torch.allclose(w_hh.t() @ w_hh, torch.eye(5), atol=1e-5)
    assert model.embed.weight.abs().max() <= 0.5


def test_torchmoji_parameter_names_match_torchmoji(model):
    names = set(model.state_dict())
    for layer in ("lstm_0", "lstm_1"):
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            assert {f"{layer}.{name}_l0", f"{layer}.{name}_l0_reverse"} <= names
    assert {"embed.weight", "attention_layer.attention_vector",
            "output_layer.0.weight", "output_layer.0.bias"} <= names  # fmt: skip
    assert model.lstm_1.weight_ih_l0.shape == (20, 10)


def test_torchmoji_fused_weight_cache_follows_updates(model):
    ids, lengths = torch.randint(10, 50, (2, 4)), torch.tensor([4, 3])
    with torch.no_grad():
        before = model(ids, lengths)[0]
        model.lstm_1.weight_hh_l0.add_(0.5)
        after = model(ids, lengths)[0]
        ref = reference_forward(model, ids, lengths)[0]
    assert not torch.allclose(before, after)
    assert (after - ref).abs().max() < 1e-5


def test_torchmoji_spatial_dropout_drops_whole_channels():
    torch.manual_seed(0)
    dropout = SpatialDropout(0.5).train()
    x = torch.ones(6, 10)
    seq_of_row = torch.tensor([0, 0, 0, 1, 1, 1])
    y = dropout(x, seq_of_row)
    assert torch.equal(y[0], y[1]) and torch.equal(y[1], y[2])
    assert set(y.unique().tolist()) <= {0.0, 2.0}
    assert torch.equal(dropout.eval()(x, seq_of_row), x)


def test_torchmoji_batch_bookkeeping():
    batch = Batch(torch.tensor([2, 4, 1]))
    assert batch.batch_sizes == [3, 2, 1, 1]
    # Reading backwards twice is the identity.
    assert torch.equal(batch.rev_rows[batch.rev_rows], torch.arange(7))


def test_torchmoji_lstm_layer_shapes():
    layer = HardSigmoidLSTM(4, 3)
    assert layer.weight_ih_l0_reverse.shape == (12, 4)
    assert layer(torch.randn(5, 4), Batch(torch.tensor([3, 2]))).shape == (5, 6)
