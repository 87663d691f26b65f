"""The accurate tier, `weights = "coref-en-base"` (the trained head on all-mpnet-base-v2): one line loads it,
it gives the README example, and a pipeline with it saves and loads back. Skipped where all-mpnet-base-v2 has
not been downloaded (`make mpnet-base`)."""

import pytest
import spacy

from spacy_transfer.coref.io import packaged_names

from ..helpers import mpnet_missing
from .test_component import clusters_of


def test_the_base_weights_ship_with_the_package():
    assert "coref-en-base" in packaged_names()


@pytest.fixture(scope="module")
def base_nlp():
    if mpnet_missing():
        pytest.skip(mpnet_missing())
    nlp = spacy.blank("en")
    nlp.add_pipe("coref", config={"weights": "coref-en-base"})
    return nlp


def test_one_line_loads_the_tier_and_gives_the_readme_example(base_nlp):
    tok2vec = base_nlp.get_pipe("coref").model.get_ref("tok2vec")
    assert (tok2vec.attrs["name"], tok2vec.attrs["tuned_layers"], tok2vec.attrs["layers"]) == ("mpnet-base", 0, "mix")
    doc = base_nlp("Alice gave Bob her book because he had lost his.")
    assert [[m.text for m in c] for c in doc._.coref_clusters] == [["Alice", "her"], ["Bob", "he", "his"]]
    assert doc._.coref_resolved == "Alice gave Bob Alice's book because Bob had lost Bob's."


def test_a_pipeline_with_the_tier_saves_and_loads_back(base_nlp, tmp_path, monkeypatch):
    text = "Microsoft bought GitHub in 2018. The software giant paid $7.5 billion for it, and its users worried."
    expected = clusters_of(base_nlp(text))
    base_nlp.to_disk(tmp_path / "pipeline")
    # The saved pipeline holds its encoder: it loads where mpnet-base was never downloaded (e.g. a Ray node).
    monkeypatch.setenv("SPACY_TRANSFER_CACHE", str(tmp_path / "empty_cache"))
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.get_pipe("coref").model.get_ref("tok2vec").attrs["name"] == "mpnet-base"
    assert clusters_of(loaded(text)) == expected
