"""Add gender-swapped copies of coreference training docs (Zhao et al. 2018's data augmentation).

    python scripts/gender_swap.py corpus/litbank_train_heads.spacy WINOBIAS_DIR corpus/litbank_train_swapped.spacy

Each doc is written twice: as it is, and with every gendered word swapped (he <-> she, his -> her, king <->
queen, ...) from WinoBias's own lists (`generalized_swaps.txt`, `extra_gendered_words.txt`). "her" is "his"
where the tagger calls it a possessive (PRP$) and "him" otherwise; case is kept. Common first names are replaced
by one of the other gender (John <-> Mary, spacy_transfer.coref.corpora.gender_swap.NAME_SWAPS), so a name and
its pronouns still agree in the copy; --keep-names leaves them. Tokens, whitespace, sentence starts and all span
groups (gold clusters and heads) keep their positions, so only words change. Use the output only for training,
never WinoBias itself.
"""

from pathlib import Path
from typing import Dict

import typer
from spacy.tokens import Doc, DocBin
from wasabi import msg

from spacy_transfer.coref.corpora.gender_swap import swap_table, swapped_names
from spacy_transfer.coref.gender import same_case
from spacy_transfer.util import load_english

SWAP_FILES = ("generalized_swaps.txt", "extra_gendered_words.txt")


def read_swaps(winobias_dir: Path) -> Dict[str, str]:
    """Lower-cased word -> its swap, from WinoBias's lists (the rules of
    spacy_transfer.coref.corpora.gender_swap.swap_table)."""
    pairs = []
    for name in SWAP_FILES:
        for line in (winobias_dir / name).read_text(encoding="utf8").splitlines():
            parts = line.split()
            if len(parts) == 2:
                pairs.append((parts[0], parts[1]))
    return swap_table(pairs)


def swap_doc(doc: Doc, tags, swaps: Dict[str, str], names: bool = True) -> Doc:
    words = []
    for token, tag in zip(doc, tags):
        lower = token.text.lower()
        if lower == "her":
            new = "his" if tag == "PRP$" else "him"
        else:
            new = swaps.get(lower)
        words.append(same_case(new, token.text) if new else token.text)
    if names:
        words = swapped_names(words)
    swapped = Doc(
        doc.vocab,
        words=words,
        spaces=[bool(t.whitespace_) for t in doc],
        sent_starts=[t.is_sent_start for t in doc] if doc.has_annotation("SENT_START") else None,
    )
    for key, group in doc.spans.items():
        swapped.spans[key] = [swapped[s.start : s.end] for s in group]
    swapped.user_data.update(doc.user_data)
    return swapped


def main(
    input_path: Path = typer.Argument(..., exists=True, help=".spacy training docs (with gold clusters)"),
    winobias_dir: Path = typer.Argument(..., exists=True, help="WinoBias folder with the swap lists"),
    output_path: Path = typer.Argument(..., help=".spacy file for the docs and their swapped copies"),
    keep_names: bool = typer.Option(False, "--keep-names", help="Leave first names as they are"),
) -> None:
    swaps = read_swaps(winobias_dir)
    tagger = load_english()
    docs = list(DocBin().from_disk(input_path).get_docs(tagger.vocab))
    out = DocBin(store_user_data=True)
    n_swapped = 0
    for doc in docs:
        tagged = Doc(tagger.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])
        for name, proc in tagger.pipeline:
            if name in ("tok2vec", "tagger"):
                tagged = proc(tagged)
        swapped = swap_doc(doc, [t.tag_ for t in tagged], swaps, names=not keep_names)
        n_swapped += sum(a.text != b.text for a, b in zip(doc, swapped))
        out.add(doc)
        out.add(swapped)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    out.to_disk(output_path)
    msg.good(f"{len(docs)} docs and their swapped copies ({n_swapped} words swapped) -> {output_path}")


if __name__ == "__main__":
    typer.run(main)
