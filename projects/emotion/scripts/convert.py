"""Convert GoEmotions TSV files into .spacy DocBins with doc.cats, and write the
torchMoji vocabulary restricted to words seen in the training split (as DeepMoji's
own tokenizer reads them, the words of spacy_transfer.TorchMoji.v2)."""

import csv
from collections import Counter
from pathlib import Path

import spacy
import srsly
import typer
from spacy.tokens import DocBin

from spacy_transfer.torchmoji.io import read_vocabulary
from spacy_transfer.torchmoji.words import deepmoji_words


def main(
    data_dir: Path = typer.Argument(..., help="goemotions/original directory"),
    vocab_path: Path = typer.Argument(..., help="torchMoji vocabulary.json"),
    output_dir: Path = typer.Argument(..., help="where to write train/dev/test.spacy"),
    min_count: int = typer.Option(2, help="keep vocabulary words seen this often in train"),
) -> None:
    nlp = spacy.blank("en")
    labels = (data_dir / "labels.txt").read_text(encoding="utf8").split()
    vocab = read_vocabulary(vocab_path)
    output_dir.mkdir(parents=True, exist_ok=True)
    counts: Counter = Counter()
    for split in ("train", "dev", "test"):
        db = DocBin(store_user_data=False)
        with (data_dir / f"{split}.tsv").open(encoding="utf8") as file_:
            rows = list(csv.reader(file_, delimiter="\t", quoting=csv.QUOTE_NONE))
        for text, ids, _ in rows:
            doc = nlp.make_doc(text)
            gold = {int(i) for i in ids.split(",")}
            doc.cats = {label: float(i in gold) for i, label in enumerate(labels)}
            db.add(doc)
            if split == "train":
                counts.update(word.text for word in deepmoji_words(text))
        db.to_disk(output_dir / f"{split}.spacy")
        print(f"{split}: {len(rows)} docs")
    ordered = sorted(vocab, key=vocab.get)
    words = [w for w in ordered if vocab[w] < 10 or counts[w] >= min_count]
    srsly.write_json(output_dir / "vocabulary.json", {w: i for i, w in enumerate(words)})
    print(f"vocabulary: {len(words)} of {len(vocab)} torchMoji words kept (count >= {min_count})")


if __name__ == "__main__":
    typer.run(main)
