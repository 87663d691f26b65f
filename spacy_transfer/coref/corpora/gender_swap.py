"""Gender-swapped copies of docs: training data against gender bias (Zhao et al. 2018). spaCy only.

A swapped copy has the same tokens and whitespace, with every gendered word replaced by its counterpart of the
other gender (he <-> she, his -> her, king <-> queen, ...), case kept; names stay unless `swapped_names` swaps
them too. The word lists are the format's (word_lists.py); `gender_neutral` (gender.py) maps a text and its
swapped copy to the same neutral copy.
"""

from typing import Dict, Iterable, List, Tuple

from spacy.tokens import Doc

from ..gender import same_case, with_words
from ..word_lists import AFTER_OBJECT_HER, GENDERED_PAIRS, NAME_PAIRS


def swap_table(pairs: Iterable[Tuple[str, str]]) -> Dict[str, str]:
    """Lower-cased word -> its swap, from (a, b) pairs: the first listing of a word wins ("lady" -> "lord" after
    "lord lady"), and each pair also works backwards unless the word has its own listing. "her" is left out
    (possessive or object: decided per token) and "hers" becomes "his" unless listed."""
    table: Dict[str, str] = {}
    pairs = [(a.lower(), b.lower()) for a, b in pairs]
    for a, b in pairs:
        table.setdefault(a, b)
    for a, b in pairs:
        table.setdefault(b, a)
    table.pop("her", None)
    table.setdefault("hers", "his")
    return table


GENDER_SWAPS = swap_table(GENDERED_PAIRS)
# Both directions; not swap_table, whose pronoun rules ("hers" -> "his") have no place among names.
NAME_SWAPS = {**dict(NAME_PAIRS), **{b: a for a, b in NAME_PAIRS}}


def swapped_words(doc: Doc) -> List[str]:
    """The doc's words with every gendered word swapped. "her" becomes "his" before a word it can own (as in
    resolved text: "her book") and "him" otherwise; "his" becomes "her" before a word and "hers" otherwise."""
    words = []
    for token in doc:
        lower = token.lower_
        following = doc[token.i + 1] if token.i + 1 < len(doc) else None
        owns = following is not None and following.is_alpha and following.lower_ not in AFTER_OBJECT_HER
        if lower == "her":
            new = "his" if owns else "him"
        elif lower == "his":
            new = "her" if owns else "hers"
        else:
            new = GENDER_SWAPS.get(lower)
        words.append(same_case(new, token.text) if new else token.text)
    return words


def gender_swapped(doc: Doc) -> Doc:
    """A copy of `doc` (words and whitespace only) with every gendered word swapped."""
    return with_words(doc, swapped_words(doc))


def swapped_names(words: List[str]) -> List[str]:
    """The words with every capitalised first name of NAME_SWAPS replaced by its pair of the other gender
    (John <-> Mary), case kept; for training copies whose pronouns are swapped."""
    return [same_case(NAME_SWAPS[w.lower()], w) if w[:1].isupper() and w.lower() in NAME_SWAPS else w for w in words]
