"""Ray engine: equal to the local engine and to plain nlp.pipe; resumable.

One module-scoped local Ray (`ray.init(num_cpus=2)`): starting Ray is the slow part.
"""

import pytest
from spacy.tokens import DocBin

from spacy_transfer.annotate import AnnotateSettings, annotate_local, annotate_ray
from spacy_transfer.annotate.engine_ray import actor_cpus
from spacy_transfer.annotate.io import OutputDir
from spacy_transfer.util import load_pipeline

from .corpus import (
    CODE,
    EMOTION_TEXTS,
    EMOTIONS_ATTR,
    TEST_COMPONENTS,
    assert_records_close,
    output_bytes,
    read_output,
    write_corpus,
    write_emotion_corpus,
)

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

SPEC = f"en_core_web_sm + {TEST_COMPONENTS} + annotate_test_fail"


@pytest.fixture(scope="module")
def ray_local():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, object_store_memory=200 * 1024 * 1024)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    return path, write_corpus(path)


def make_settings(path, out, **kwargs):
    return AnnotateSettings(
        pipeline=SPEC,
        input=path,
        output=out,
        code=CODE,
        emotions_attr=EMOTIONS_ATTR,
        shard_size=7,
        batch_size=4,
        max_length=2000,
        **kwargs,
    )


@pytest.fixture(scope="module")
def local_out(tmp_path_factory, corpus):
    out = tmp_path_factory.mktemp("local") / "out"
    nlp, _ = load_pipeline(SPEC, CODE)
    annotate_local(make_settings(corpus[0], out, docbin=True), nlp=nlp, show_progress=False)
    return out


@pytest.fixture(scope="module")
def ray_out(tmp_path_factory, corpus, ray_local):
    out = tmp_path_factory.mktemp("ray") / "out"
    summary = annotate_ray(make_settings(corpus[0], out, docbin=True), n_actors=2, show_progress=False)
    return out, summary


def test_annotate_actor_cpus():
    assert actor_cpus(2, 2) == 0.5
    assert actor_cpus(16, 4) == 1.0
    with pytest.raises(ValueError, match="E314"):
        actor_cpus(1, 1)


def test_annotate_ray_equals_local(ray_out, local_out, corpus):
    out, summary = ray_out
    # Byte-equal results shards and errors.jsonl; local equals plain nlp.pipe, tested
    # in test_annotate_local.py.
    assert output_bytes(out) == output_bytes(local_out)
    results, errors = read_output(out)
    assert [r["id"] for r in results] == corpus[1]["ids"]
    assert {e["line"]: e["code"] for e in errors} == corpus[1]["bad"]
    assert summary["engine"] == "ray" and summary["docs"] == len(corpus[1]["ids"])
    assert not (out / "staging").exists()


def test_annotate_ray_docbin_equals_local(ray_out, local_out):
    from spacy.vocab import Vocab

    vocab = Vocab()
    for name in sorted(p.name for p in local_out.glob("docs-*.spacy")):
        ray_docs = list(DocBin().from_disk(ray_out[0] / name).get_docs(vocab))
        local_docs = list(DocBin().from_disk(local_out / name).get_docs(vocab))
        assert [d.to_json() for d in ray_docs] == [d.to_json() for d in local_docs]
        assert [d.user_data for d in ray_docs] == [d.user_data for d in local_docs]


@pytest.mark.slow
def test_annotate_ray_resumes_local_run(tmp_path, corpus, local_out, ray_local):
    out = tmp_path / "out"
    nlp, _ = load_pipeline(SPEC, CODE)
    settings = make_settings(corpus[0], out, docbin=True)
    annotate_local(settings, nlp=nlp, show_progress=False)
    # As if the local run had died before shards 1 and 3: Ray finishes them.
    OutputDir(out).results_path(1).unlink()
    OutputDir(out).results_path(3).unlink()
    summary = annotate_ray(settings, n_actors=2, show_progress=False)
    assert summary["skipped_records"] > 0
    assert output_bytes(out) == output_bytes(local_out)


@pytest.mark.issue(14)
def test_annotate_ray_learned_model_within_tolerance(tmp_path, ray_local):
    """With a learned model (torchmoji), Ray's batches differ from the local engine's, and so may the last bits of
    a score: equal records, floats within the documented tolerance (docs/annotate.md#equality)."""
    corpus = write_emotion_corpus(tmp_path / "corpus.jsonl")
    outputs = []
    for engine in ("local", "ray"):
        settings = AnnotateSettings(
            pipeline="blank:en + torchmoji", input=corpus, output=tmp_path / engine, shard_size=3, batch_size=5
        )
        if engine == "ray":
            annotate_ray(settings, n_actors=2, show_progress=False)
        else:
            annotate_local(settings, show_progress=False)
        outputs.append(read_output(tmp_path / engine))
    (local_results, local_errors), (ray_results, ray_errors) = outputs
    assert len(local_results) == len(EMOTION_TEXTS) and local_results[0]["cats"]
    assert ray_errors == local_errors == []
    assert_records_close(ray_results, local_results)
