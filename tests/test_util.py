"""util: the one resolver of packaged names (spacy.load's precedence) and the one pipeline-spec loader."""

import pytest

from spacy_transfer.util import load_pipeline, packaged_names, parse_spec, resolve_packaged


@pytest.fixture
def data_dir(tmp_path):
    shipped = tmp_path / "data"
    for name in ("weights-a", "weights-b"):
        (shipped / name).mkdir(parents=True)
        (shipped / name / "model.bin").write_bytes(b"x")
    (shipped / "no-marker").mkdir()
    return shipped


def test_packaged_names_are_the_folders_with_the_marker(data_dir):
    assert packaged_names(data_dir, "model.bin") == ["weights-a", "weights-b"]
    assert packaged_names(data_dir / "missing", "model.bin") == []


def test_a_packaged_name_comes_before_a_path_of_the_same_name(data_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "weights-a").mkdir()  # a local folder of the same name: the packaged name wins, as in spacy.load
    assert resolve_packaged("weights-a", data_dir, "model.bin") == data_dir / "weights-a"
    assert resolve_packaged(str(tmp_path / "weights-a"), data_dir, "model.bin") == tmp_path / "weights-a"
    assert resolve_packaged("no-marker", data_dir, "model.bin") is None  # not packaged, and no such path here
    assert resolve_packaged("nothing", data_dir, "model.bin") is None


def test_a_download_name_points_into_the_cache_even_before_it_is_downloaded(data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("SPACY_TRANSFER_CACHE", str(tmp_path / "cache"))
    assert resolve_packaged("model-x", data_dir, "model.bin", downloads=["model-x"]) == tmp_path / "cache" / "model-x"


def test_load_pipeline_adds_the_factories_with_their_configs():
    nlp, used = load_pipeline("blank:en + sentencizer", configs={"sentencizer": {"punct_chars": ["|"]}})
    assert used == "blank:en" and nlp.pipe_names == ["sentencizer"]
    assert [s.text for s in nlp("a | b").sents] == ["a |", "b"]


@pytest.mark.parametrize("spec", ["", "en_core_web_sm +", "+ coref", "blank:en + + coref"])
def test_a_malformed_spec_is_a_coded_error(spec):
    with pytest.raises(ValueError, match="E315"):
        parse_spec(spec)


def test_an_unknown_base_pipeline_is_a_coded_error():
    with pytest.raises(ValueError, match="E310.*no_such_pipeline"):
        load_pipeline("no_such_pipeline + coref")
