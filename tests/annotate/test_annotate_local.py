"""Local engine: nothing lost, errors.jsonl, resume, atomic shards, equality with nlp.pipe."""

import json
import os

import numpy
import pytest
from spacy.tokens import DocBin

from spacy_transfer.annotate import AnnotateSettings, annotate_local
from spacy_transfer.annotate import io as annotate_io
from spacy_transfer.annotate.core import annotate_stream, prepare_pipeline
from spacy_transfer.annotate.extract import doc_to_record, dumps, to_json_safe
from spacy_transfer.annotate.io import OutputDir, Record
from spacy_transfer.util import load_pipeline, parse_spec

from ..conftest import ENGLISH_PIPELINES
from .corpus import CODE, EMOTIONS_ATTR, TEST_COMPONENTS, good_texts, output_bytes, read_output, write_corpus

SPEC = f"en_core_web_sm + {TEST_COMPONENTS} + annotate_test_fail"


@pytest.fixture(scope="module")
def nlp():
    nlp, used = load_pipeline(SPEC, CODE)
    return nlp


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    return path, write_corpus(path)


@pytest.fixture(scope="module")
def local_out(tmp_path_factory, corpus, nlp):
    out = tmp_path_factory.mktemp("local") / "out"
    settings = make_settings(corpus[0], out)
    summary = annotate_local(settings, nlp=nlp, show_progress=False)
    return out, summary


def make_settings(path, out, **kwargs):
    kwargs.setdefault("shard_size", 7)
    kwargs.setdefault("batch_size", 4)
    kwargs.setdefault("max_length", 2000)
    return AnnotateSettings(pipeline=SPEC, input=path, output=out, code=CODE, emotions_attr=EMOTIONS_ATTR, **kwargs)


def test_annotate_parse_spec():
    assert parse_spec("en_core_web_sm") == ("en_core_web_sm", [])
    assert parse_spec(" a +b+ c ") == ("a", ["b", "c"])
    for bad in ["", " + neuralcoref", "a + + b"]:
        with pytest.raises(ValueError, match="E315"):
            parse_spec(bad)


def test_annotate_load_pipeline_fallback_and_components():
    nlp, used = load_pipeline("en_core_web_sm + annotate_test_cats", CODE)
    assert used in ENGLISH_PIPELINES
    assert nlp.pipe_names[-1] == "annotate_test_cats"
    with pytest.raises(ValueError, match="E311"):
        load_pipeline("blank:en + no_such_factory_anywhere")
    with pytest.raises(ValueError, match="E310"):
        load_pipeline("/no/such/pipeline/dir")


def test_annotate_to_json_safe():
    value = {"a": numpy.float32(0.5), "b": numpy.array([1, 2]), 3: (numpy.int64(4),)}
    assert to_json_safe(value) == {"a": 0.5, "b": [1, 2], "3": [4]}
    with pytest.raises(TypeError):
        to_json_safe({"x": object()})
    with pytest.raises(ValueError):
        to_json_safe([float("nan")])


def test_annotate_every_record_once(corpus, local_out):
    path, info = corpus
    out, summary = local_out
    results, errors = read_output(out)
    # Every valid id exactly once in the results (the BOOM doc is valid JSON but fails).
    assert [r["id"] for r in results] == info["ids"]
    # Every bad line exactly once in errors.jsonl, with the expected code and a reason.
    assert {e["line"]: e["code"] for e in errors} == info["bad"]
    assert len(errors) == len(info["bad"])
    for entry in errors:
        assert entry["reason"].startswith(f"[spacy_transfer.{entry['code']}]")
    assert summary["total_docs"] == len(info["ids"]) and summary["docs"] == len(info["ids"])
    assert summary["total_errors"] == len(info["bad"])
    assert summary["words"] > 0 and summary["words_per_s"] > 0


def test_annotate_error_details(local_out):
    _, errors = read_output(local_out[0])
    by_code = {e["code"]: e for e in errors}
    assert by_code["E305"]["component"] == "annotate_test_fail"
    assert "ValueError" in by_code["E305"]["reason"] and by_code["E305"]["id"] == "boom"
    assert by_code["E304"]["id"] == 15000 and "5000 characters" in by_code["E304"]["reason"]
    assert by_code["E303"]["id"] == "no-text" and "missing" in by_code["E303"]["reason"]
    assert by_code["E301"]["id"] is None


def test_annotate_output_fields(local_out):
    results, _ = read_output(local_out[0])
    assert all(set(r["cats"]) == {"LONG", "HAS_ENT"} for r in results)
    assert all(EMOTIONS_ATTR not in r and "emotions" in r for r in results)
    with_coref = [r for r in results if "coref" in r]
    assert with_coref, "the test coref component should find clusters"
    for record in with_coref:
        text = good_texts(30)[int(record["id"].split("-")[1])]
        for cluster in record["coref"]:
            assert len(cluster) > 1
            for start, end, mention in cluster:
                assert text[start:end] == mention


def test_annotate_equals_plain_nlp_pipe(corpus, local_out):
    path, info = corpus
    # A fresh pipeline, without the engine's error handlers, on the valid texts only.
    plain_nlp, _ = load_pipeline(SPEC.replace(" + annotate_test_fail", ""), CODE)
    by_id = {}
    for line in path.read_text("utf8").splitlines():
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict) and obj.get("id") in info["ids"]:
            by_id[obj["id"]] = obj["text"]
    docs = plain_nlp.pipe(list(by_id.values()), batch_size=16)
    expected = [dumps(doc_to_record(doc, doc_id, emotions_attr=EMOTIONS_ATTR)) for doc_id, doc in zip(by_id, docs)]
    got = [
        line for shard in sorted(local_out[0].glob("results-*.jsonl")) for line in shard.read_text("utf8").splitlines()
    ]
    assert got == expected


def test_annotate_n_process_2_equals_1(tmp_path, corpus, local_out, nlp):
    out = tmp_path / "out"
    annotate_local(make_settings(corpus[0], out), n_process=2, nlp=nlp, show_progress=False)
    assert output_bytes(out) == output_bytes(local_out[0])


def test_annotate_failing_batch_keeps_neighbours(nlp):
    records = [
        Record(line=i + 1, doc_id=i, text=t)
        for i, t in enumerate(["Alice is here.", "BOOM goes the text.", "Bob is there."])
    ]
    prepare_pipeline(nlp, 1000)
    to_record = make_settings("x.jsonl", "out").to_record()
    results = list(annotate_stream(nlp, ((r, None) for r in records), batch_size=8, to_record=to_record))
    assert [r.record.doc_id for r in results] == [0, 1, 2]
    assert results[0].line and results[2].line and results[1].error["code"] == "E305"


def test_annotate_resume_skips_done_shards(tmp_path, corpus, local_out, nlp):
    out = tmp_path / "out"
    settings = make_settings(corpus[0], out)
    annotate_local(settings, nlp=nlp, show_progress=False)
    done = OutputDir(out)
    # Date shard 0 back so we can see it is not rewritten; drop shard 2 as if the run
    # had died before finishing it.
    os.utime(done.results_path(0), (1, 1))
    done.results_path(2).unlink()
    summary = annotate_local(settings, nlp=nlp, show_progress=False)
    assert done.results_path(0).stat().st_mtime == 1  # skipped, not rewritten
    # Only shard 2 (lines 15-21) was annotated again.
    n_bad = sum(15 <= line <= 21 for line in corpus[1]["bad"])
    assert summary["docs"] == 7 - n_bad
    assert summary["skipped_records"] > 0
    assert output_bytes(out) == output_bytes(local_out[0])


def test_annotate_resume_refuses_other_settings(tmp_path, corpus, nlp):
    out = tmp_path / "out"
    annotate_local(make_settings(corpus[0], out), nlp=nlp, show_progress=False)
    with pytest.raises(ValueError, match="E312"):
        annotate_local(make_settings(corpus[0], out, shard_size=8), nlp=nlp, show_progress=False)


def test_annotate_atomic_shards(tmp_path, monkeypatch):
    out = OutputDir(tmp_path / "out")
    out.prepare({"a": 1})
    leftover = out.path / ".results-000003.jsonl.tmp-999"
    leftover.write_text('{"id": "half', encoding="utf8")

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(annotate_io.os, "replace", crash)
    with pytest.raises(OSError):
        out.write_shard(0, ['{"id": 1}'], [])
    monkeypatch.undo()
    # The crash left no results file, so the shard counts as not done.
    assert not out.results_path(0).exists() and out.done_shards() == []
    out.prepare({"a": 1})
    assert not list(out.path.glob(".*.tmp-*")) and not list(out.parts.glob(".*.tmp-*"))
    out.write_shard(0, ['{"id": 1}'], [{"line": 2, "id": None, "code": "E301"}])
    assert out.done_shards() == [0]
    assert out.results_path(0).read_text() == '{"id": 1}\n'


def test_annotate_parquet_equals_jsonl(tmp_path, corpus, local_out, nlp):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path, info = corpus
    rows = [json.loads(line) for line in path.read_text("utf8").splitlines() if line.startswith('{"id": "doc-')]
    table = pa.table({"id": [r["id"] for r in rows], "body": [r["text"] for r in rows]})
    pq.write_table(table, tmp_path / "corpus.parquet", row_group_size=5)
    out = tmp_path / "out"
    annotate_local(make_settings(tmp_path / "corpus.parquet", out, text_key="body"), nlp=nlp, show_progress=False)
    results, errors = read_output(out)
    expected, _ = read_output(local_out[0])
    assert results == expected and errors == []
    with pytest.raises(ValueError, match="E309"):
        annotate_local(make_settings(tmp_path / "corpus.parquet", tmp_path / "o2"), nlp=nlp, show_progress=False)


def test_annotate_docbin_shards(tmp_path, corpus, nlp):
    out = tmp_path / "out"
    annotate_local(make_settings(corpus[0], out, docbin=True), nlp=nlp, show_progress=False)
    results, _ = read_output(out)
    docs = []
    for shard in sorted(out.glob("docs-*.spacy")):
        docs.extend(DocBin().from_disk(shard).get_docs(nlp.vocab))
    assert len(docs) == len(results)
    for doc, record in zip(docs, results):
        assert doc.cats == record["cats"] and len(doc) == record["words"]


def test_annotate_bad_settings(tmp_path):
    with pytest.raises(ValueError, match="E314"):
        AnnotateSettings(pipeline="blank:en", input="x.jsonl", output="o", shard_size=0)
    with pytest.raises(ValueError, match="E300"):
        annotate_local(
            AnnotateSettings(pipeline="blank:en", input=tmp_path / "no.jsonl", output=tmp_path / "o"),
            show_progress=False,
        )
    (tmp_path / "data.csv").write_text("id,text\n")
    with pytest.raises(ValueError, match="E308"):
        annotate_local(
            AnnotateSettings(pipeline="blank:en", input=tmp_path / "data.csv", output=tmp_path / "o"),
            show_progress=False,
        )


def test_annotate_input_error_is_not_a_component_error(nlp):
    def items():
        yield Record(line=1, doc_id=1, text="Alice is here."), None
        raise OSError("input disappeared")

    prepare_pipeline(nlp, 1000)
    to_record = make_settings("x.jsonl", "out").to_record()
    with pytest.raises(OSError, match="input disappeared"):
        list(annotate_stream(nlp, items(), to_record=to_record))


def test_annotate_ray_missing_gives_clear_error(monkeypatch, tmp_path):
    import sys

    from spacy_transfer.annotate.engine_ray import import_ray

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ImportError, match="E313"):
        import_ray()


def test_annotate_resolve_spec():
    from spacy_transfer.util import resolve_spec

    spec, used = resolve_spec("en_core_web_sm + annotate_test_cats")
    assert used in ENGLISH_PIPELINES
    assert spec == f"{used} + annotate_test_cats"
    assert resolve_spec("blank:en+x") == ("blank:en + x", "blank:en")
    assert resolve_spec("not_installed_pipeline") == ("not_installed_pipeline", "not_installed_pipeline")


def test_annotate_command_line(tmp_path, corpus):
    import typer
    from typer.testing import CliRunner

    from spacy_transfer.annotate import commands

    app = typer.Typer()
    commands.register(app)
    app.command(name="unused")(lambda: None)  # keeps "annotate" a subcommand
    out = tmp_path / "out"
    args = [
        "annotate",
        f"blank:en + {TEST_COMPONENTS}",
        str(corpus[0]),
        str(out),
        "--code",
        CODE,
        "--shard-size",
        "10",
        "--max-length",
        "2000",
        "--emotions-attr",
        EMOTIONS_ATTR,
        "--no-progress",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    # Without annotate_test_fail the BOOM record is a normal doc.
    assert "Annotated 31 docs" in result.output and "5 errors" in result.output
    results, errors = read_output(out)
    assert len(results) == 31 and len(errors) == 5
    assert json.loads((out / "summary.json").read_text())["pipeline_loaded"] == "blank:en"


@pytest.mark.parametrize("n_process", [1, 2])
def test_annotate_pipe_without_error_handler(n_process):
    # When such a pipe raises, nlp.pipe ends; the engine retries the docs in flight and
    # restarts nlp.pipe on the rest of the input.
    nlp, _ = load_pipeline("blank:en + annotate_test_fail_pipe + annotate_test_cats", CODE)
    prepare_pipeline(nlp, 1000)
    texts = [f"Text {i}." for i in range(9)]
    texts[2] = texts[6] = "BOOM here."
    records = [Record(line=i + 1, doc_id=i, text=t) for i, t in enumerate(texts)]
    to_record = make_settings("x.jsonl", "out").to_record()
    results = list(
        annotate_stream(nlp, ((r, None) for r in records), batch_size=2, n_process=n_process, to_record=to_record)
    )
    assert [r.record.doc_id for r in results] == list(range(9))
    failed = [r.record.doc_id for r in results if r.error]
    assert failed == [2, 6]
    assert all(r.error["component"] == "annotate_test_fail_pipe" for r in results if r.error)
    assert all(json.loads(r.line)["cats"] for r in results if r.line)


def test_annotate_with_neuralcoref(tmp_path, coref_weights):
    # The real coref component; the coref_weights fixture downloads its weights (as `make setup` does) or fails,
    # so a loader regression fails here instead of turning into a skip.
    coref_nlp, _ = load_pipeline("en_core_web_sm + neuralcoref")
    texts = [
        "Alice met Bob in Paris. She told him about her trip.",
        "The committee met on Monday. It approved the plan that its chair wrote.",
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts)), encoding="utf8")
    out = tmp_path / "out"
    annotate_local(
        AnnotateSettings(pipeline="en_core_web_sm + neuralcoref", input=path, output=out),
        nlp=coref_nlp,
        show_progress=False,
    )
    results, errors = read_output(out)
    assert errors == [] and [r["id"] for r in results] == [0, 1]
    assert any(r.get("coref") for r in results)
    for record in results:
        for cluster in record.get("coref", []):
            for start, end, mention in cluster:
                assert texts[record["id"]][start:end] == mention
