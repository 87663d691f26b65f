"""Component contract: API views, serialization, bad input, empty and huge docs."""

import pickle

import numpy
import pytest
import spacy
from spacy.tokens import DocBin

from spacy_transfer.coref import Cluster

from ..helpers import run_in_fresh_interpreter

TEXT = "My sister has a dog. She loves him."


def _clusters(doc):
    return [[(m.start, m.end) for m in c] for c in doc._.coref_clusters]


def test_neuralcoref_add_pipe_without_import():
    """The factory comes from the entry point; no import of spacy_transfer needed."""
    code = (
        "import spacy, sys; nlp = spacy.blank('en'); nlp.add_pipe('neuralcoref');"
        "print(nlp.pipe_names, 'spacy_transfer.neuralcoref.component' in sys.modules)"
    )
    out = run_in_fresh_interpreter(code)
    assert out.strip() == "['neuralcoref'] True"


def test_neuralcoref_api_attributes(coref_nlp):
    doc = coref_nlp(TEXT)
    assert doc._.has_coref is True
    clusters = doc._.coref_clusters
    assert all(isinstance(c, Cluster) for c in clusters)
    assert [c.i for c in clusters] == [0, 1]
    assert clusters[1].main.text == "a dog"
    assert [m.text for m in clusters[1]] == ["a dog", "him"]
    assert clusters[1][-1].text == "him" and len(clusters[1]) == 2
    assert clusters[1].mentions[-1]._.coref_cluster.main.text == "a dog"
    token = doc[-2]
    assert token.text == "him" and token._.in_coref
    assert token._.coref_clusters == [clusters[1]]
    assert not doc[2]._.in_coref and doc[2]._.coref_clusters == []
    span = doc[-2:-1]
    assert span._.is_coref and span._.coref_cluster.main.text == "a dog"
    assert not doc[2:3]._.is_coref and doc[2:3]._.coref_cluster is None
    scores = doc._.coref_scores
    she = doc[6:7]
    assert set(m.text for m in scores) == {"My sister", "a dog", "She", "him"}
    assert span._.coref_scores[doc[3:5]] > span._.coref_scores[doc[6:7]]
    assert max(she._.coref_scores, key=she._.coref_scores.get).text == "My sister"
    assert len(token._.coref_scores) == 1
    assert list(doc.spans) == ["coref_clusters_1", "coref_clusters_2"]
    assert doc.spans["coref_clusters_2"].attrs["main"] == 0


def test_neuralcoref_main_mention_prefers_proper_names(coref_nlp):
    doc = coref_nlp("She was tired. Mary went home.")
    for cluster in doc._.coref_clusters:
        if any(m.text == "Mary" for m in cluster):
            assert cluster.main.text == "Mary"


def test_neuralcoref_settings_change_behaviour(en_nlp_base, coref_weights):
    nlp = spacy.load(en_nlp_base.meta["lang"] + "_" + en_nlp_base.meta["name"])
    nlp.add_pipe("neuralcoref", config={"greedyness": 0.0, "store_scores": False})
    doc = nlp(TEXT)
    assert doc._.coref_clusters == [] and doc._.coref_scores is None
    assert doc._.has_coref is False
    nlp.get_pipe("neuralcoref").cfg["greedyness"] = 1.0
    assert len(nlp(TEXT)._.coref_clusters[0]) >= 3


def test_neuralcoref_blacklist(en_nlp_base, coref_weights):
    text = "I told you that my plan would work, and I was right."
    nlp = spacy.load(en_nlp_base.meta["lang"] + "_" + en_nlp_base.meta["name"])
    nlp.add_pipe("neuralcoref", config={"blacklist": False})
    off = nlp(text)
    assert any(m.text.lower() in {"i", "my"} for c in off._.coref_clusters for m in c)
    nlp.get_pipe("neuralcoref").cfg["blacklist"] = True
    on = nlp(text)
    assert not any(m.text.lower() in {"i", "me", "my", "you", "your"} for c in on._.coref_clusters for m in c)


def test_neuralcoref_speakers_change_pair_features(coref_nlp):
    text = "Alice said that Bob was tired. Bob said that she was hungry."
    coref = coref_nlp.get_pipe("neuralcoref")
    doc = coref_nlp.make_doc(text)
    for name, _ in coref_nlp.pipeline[:-1]:
        doc = coref_nlp.get_pipe(name)(doc)
    plain = coref.featurize(doc)
    assert plain.pair[:, 0].min() == 1  # one speaker throughout
    for t in doc[:7]:
        t._.speaker = "Alice"
    for t in doc[7:]:
        t._.speaker = "Bob"
    with_speakers = coref.featurize(doc)
    assert with_speakers.pair[:, 0].min() == 0
    # "Alice" (a proper noun) names the speaker of the mention "Bob" in her own utterance
    i_alice = [k for k, (s, e) in enumerate(with_speakers.spans.tolist()) if doc[s:e].text == "Alice"][0]
    assert with_speakers.pair[with_speakers.ant == i_alice, 1].max() == 1


@pytest.mark.parametrize("text", ["", " ", "  \n\t ", "Hello", "!", "She"])
def test_neuralcoref_empty_and_tiny_docs(coref_nlp, text):
    doc = coref_nlp(text)
    assert doc._.coref_clusters == [] and doc._.has_coref is False
    assert doc._.coref_resolved == text


def test_neuralcoref_pipe_equals_call(coref_nlp):
    texts = ["", TEXT, "Mary saw John. He waved at her.", ""]
    piped = [_clusters(d) for d in coref_nlp.pipe(texts, batch_size=2)]
    assert piped == [_clusters(coref_nlp(t)) for t in texts]


def test_neuralcoref_refuses_blank_pipeline(coref_weights):
    nlp = spacy.blank("en")
    nlp.add_pipe("neuralcoref")
    with pytest.raises(ValueError, match=r"E001.*tags.*parse.*entities"):
        nlp("My sister has a dog.")
    assert nlp("")._.coref_clusters == []  # empty and whitespace-only docs never crash
    assert nlp(" \n ")._.coref_clusters == []


def test_neuralcoref_resolve_setting(en_nlp_base, coref_weights):
    """Grammatical resolved text by default; neuralcoref 4's literal one on request."""
    import copy

    text = "Alice gave Bob her book. He thanked her."
    docs = {}
    for style in ("grammatical", "literal"):
        nlp = copy.deepcopy(en_nlp_base)
        nlp.add_pipe("neuralcoref", config={"resolve": style})
        docs[style] = nlp(text)
    assert docs["literal"]._.coref_clusters == docs["grammatical"]._.coref_clusters
    her = [c for c in docs["literal"]._.coref_clusters if c.main.text == "Alice"]
    assert her, docs["literal"]._.coref_clusters
    assert "Alice book" in docs["literal"]._.coref_resolved
    assert "Alice's book" in docs["grammatical"]._.coref_resolved


@pytest.mark.parametrize(
    "config",
    [
        {"greedyness": 1.5},
        {"max_dist": 0},
        {"max_dist_match": -3},
        {"conv_dict": {"x": []}},
        {"span_prefix": ""},
        {"resolve": "fancy"},
    ],
)
def test_neuralcoref_bad_settings(config):
    nlp = spacy.blank("en")
    with pytest.raises(ValueError, match="E004"):
        nlp.add_pipe("neuralcoref", config=config)


def test_neuralcoref_missing_and_unknown_weights(en_nlp_base, tmp_path):
    nlp = spacy.blank("en")
    coref = nlp.add_pipe("neuralcoref", config={"model_name": str(tmp_path / "nothing")})
    with pytest.raises(OSError, match="E002"):
        coref.load_weights(coref.cfg["model_name"])
    with pytest.raises(ValueError, match="E008"):
        coref.load_weights("neuralcoref-klingon")


def test_neuralcoref_corrupt_weights(coref_weights, tmp_path):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(coref_weights, bad, ignore=shutil.ignore_patterns("source"))
    (bad / "weights.safetensors").write_bytes(b"\x00garbage")
    nlp = spacy.blank("en")
    coref = nlp.add_pipe("neuralcoref", config={"model_name": str(bad)})
    with pytest.raises(ValueError, match="E003.*weights.safetensors|E003"):
        coref.load_weights(str(bad))


def test_neuralcoref_never_overwrites_silently(coref_nlp):
    doc = coref_nlp(TEXT)
    coref = coref_nlp.get_pipe("neuralcoref")
    with pytest.raises(ValueError, match="E005"):
        coref(doc)
    coref.cfg["overwrite"] = True
    try:
        assert _clusters(coref(doc)) == _clusters(coref_nlp(TEXT))
    finally:
        coref.cfg["overwrite"] = False


def test_neuralcoref_to_disk_roundtrip(coref_nlp, tmp_path):
    coref_nlp.to_disk(tmp_path / "pipe")
    reloaded = spacy.load(tmp_path / "pipe")
    assert reloaded.pipe_names == coref_nlp.pipe_names
    text = "Deepika has a dog. She loves him. The movie star has always been fond of animals"
    assert _clusters(reloaded(text)) == _clusters(coref_nlp(text))
    assert reloaded.get_pipe("neuralcoref").cfg == coref_nlp.get_pipe("neuralcoref").cfg


def test_neuralcoref_to_bytes_roundtrip(coref_nlp):
    coref = coref_nlp.get_pipe("neuralcoref")
    data = coref.to_bytes(exclude=["vocab"])
    nlp2 = spacy.blank("en")
    coref2 = nlp2.add_pipe("neuralcoref", config={"model_name": None})
    coref2.from_bytes(data, exclude=["vocab"])
    assert coref2.to_bytes(exclude=["vocab"]) == data


def test_neuralcoref_docbin_and_pickle_keep_clusters(coref_nlp):
    doc = coref_nlp(TEXT)
    db = DocBin(store_user_data=True)
    db.add(doc)
    restored = list(DocBin().from_bytes(db.to_bytes()).get_docs(coref_nlp.vocab))[0]
    assert repr(restored._.coref_clusters) == repr(doc._.coref_clusters)
    assert restored._.coref_resolved == doc._.coref_resolved
    assert {m.text: len(s) for m, s in restored._.coref_scores.items()} == {
        m.text: len(s) for m, s in doc._.coref_scores.items()
    }
    # without user data, clusters (doc.spans) still survive
    db2 = DocBin()
    db2.add(doc)
    plain = list(DocBin().from_bytes(db2.to_bytes()).get_docs(coref_nlp.vocab))[0]
    assert repr(plain._.coref_clusters) == repr(doc._.coref_clusters)
    unpickled = pickle.loads(pickle.dumps(doc))
    assert repr(unpickled._.coref_clusters) == repr(doc._.coref_clusters)


def test_neuralcoref_n_process_2(coref_nlp):
    texts = [TEXT, "Mary saw John. He waved at her.", "Deepika has a dog. She loves him."] * 2
    serial = [repr(d._.coref_clusters) for d in coref_nlp.pipe(texts)]
    parallel = [repr(d._.coref_clusters) for d in coref_nlp.pipe(texts, n_process=2, batch_size=2)]
    assert parallel == serial


LONG_DOC_SCRIPT = """
import json, resource, sys, time
from pathlib import Path
from spacy.tokens import Doc
from spacy_transfer.util import load_english
nlp = load_english()
nlp.add_pipe("neuralcoref")
words = Path(sys.argv[1]).read_text(encoding="utf8").split()[2000:10500]
with nlp.select_pipes(disable=["neuralcoref"]):
    unit = nlp(" ".join(words))
big = Doc.from_docs([unit] * (100_000 // len(unit) + 1))
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
out = nlp.get_pipe("neuralcoref")(big)
seconds = time.perf_counter() - t0
rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"tokens": len(big), "pairs": len(out.user_data["neuralcoref"]["scores"]["pair"]),
                  "seconds": seconds, "extra_rss_mb": (rss1 - rss0) / 1024,
                  "clusters": len(out._.coref_clusters)}))
"""


def test_neuralcoref_100k_token_document(coref_weights, datasets):
    """A 100k-token document runs in bounded time and memory (figures printed with -s).

    10k tokens of a real novel are parsed once and repeated ten times: the copies are
    further apart than max_dist_match, so the pair count is that of real 100k-token prose.
    Measured in a fresh process, so other tests' allocations do not blur the peak RSS.
    """
    import json
    import subprocess
    import sys

    novel = sorted((datasets / "gutenberg_litbank_corpus" / "texts").glob("*.txt"))[0]
    out = subprocess.run([sys.executable, "-c", LONG_DOC_SCRIPT, str(novel)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"\n100k-token doc: {figures}")
    assert figures["tokens"] >= 100_000
    assert figures["clusters"] > 100
    assert figures["extra_rss_mb"] < 2000


def test_neuralcoref_packaged_litbank_model(en_nlp_base, coref_weights, coref_nlp):
    """The LitBank-tuned scorer ships in the package and shares the original's vectors."""
    from spacy_transfer.neuralcoref.io import known_models

    assert "neuralcoref-en-litbank" in known_models()
    nlp = spacy.load(en_nlp_base.meta["lang"] + "_" + en_nlp_base.meta["name"])
    coref = nlp.add_pipe("neuralcoref", config={"model_name": "neuralcoref-en-litbank"})
    doc = nlp(TEXT)
    assert {"My sister", "She"} <= {m.text for m in doc._.coref_clusters[0]}
    original = coref_nlp.get_pipe("neuralcoref")
    assert not numpy.allclose(_pair_weight(coref), _pair_weight(original))


def _pair_weight(coref):
    from spacy_transfer.layers.torch import get_torch_module

    return get_torch_module(coref.model).pair.hidden2.weight.detach().numpy()


@pytest.mark.issue(14)
def test_neuralcoref_symbol_only_tokens_are_no_mentions(coref_nlp):
    """Thousands of identical emoji each compared with 500 earlier ones (16 s for "😀" * 1000); they are no
    mentions now, while mentions with a letter or digit stay."""
    doc = coref_nlp("😀" * 300)
    coref = coref_nlp.get_pipe("neuralcoref")
    assert len(coref.featurize(doc).spans) == 0
    doc = coref_nlp(TEXT + " 😀 🎉")
    assert doc._.coref_clusters


@pytest.mark.issue(14)
def test_neuralcoref_far_matches_are_capped():
    """Each mention gets at most max_dist + max_match_antecedents candidate antecedents, the nearest ones."""
    from spacy_transfer.neuralcoref.features import _candidate_pairs

    n_m = 1000
    ids = numpy.arange(n_m, dtype=numpy.int64)
    men, ant = numpy.meshgrid(ids, ids, indexing="ij")
    close = (men > ant) & (men - ant <= 500)
    match = numpy.sort((men * n_m + ant)[close])  # 1000 mentions sharing one word
    ant_all, men_all = _candidate_pairs(n_m, match, 50, 500)
    ant_cap, men_cap = _candidate_pairs(n_m, match, 50, 500, 20)
    assert len(ant_all) == int(close.sum())
    counts = numpy.bincount(men_cap, minlength=n_m)
    assert counts.max() == 70 and counts[999] == 70 and counts[10] == 10
    last = ant_cap[men_cap == 999]
    assert last.min() == 999 - 70 and last.max() == 998  # the nearest far matches are kept
    # without identical mentions nothing changes
    sparse = match[match % 7 == 0][:50]
    for a, b in zip(_candidate_pairs(n_m, sparse, 50, 500), _candidate_pairs(n_m, sparse, 50, 500, 20)):
        numpy.testing.assert_array_equal(a, b)


def test_neuralcoref_max_match_antecedents_setting():
    nlp = spacy.blank("en")
    assert nlp.add_pipe("neuralcoref").cfg["max_match_antecedents"] == 50
    with pytest.raises(ValueError, match="E004.*max_match_antecedents"):
        spacy.blank("en").add_pipe("neuralcoref", config={"max_match_antecedents": 0})
