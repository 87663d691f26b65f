"""Gendered words for the `coref` component: gender-swapped copies of docs (training data against bias) and
gender-neutral copies (what its encoder reads with `gender_neutral = true`). spaCy only.

A swapped copy has the same tokens and whitespace, with every gendered word replaced by its counterpart of the
other gender (he <-> she, his -> her, king <-> queen, ...), case kept. A neutral copy replaces every gendered
word by one fixed word of its group (he, she -> she; him, his, her, hers -> her; king, queen -> queen; ...), so
a text and its swapped copy have the same neutral copy. Names stay as they are in both.
"""

from typing import Dict, Iterable, List, Tuple

from spacy.tokens import Doc

from .resolve import AFTER_OBJECT_HER

# fmt: off
_PAIRS = """
he she  him her  himself herself  man woman  men women  boy girl  boys girls  father mother
fathers mothers  son daughter  sons daughters  brother sister  brothers sisters  husband wife
husbands wives  king queen  kings queens  prince princess  princes princesses  lord lady  lords ladies
gentleman lady  gentlemen ladies  sir madam  mr mrs  mr. mrs.  uncle aunt  uncles aunts  nephew niece
nephews nieces  grandfather grandmother  grandson granddaughter  grandsons granddaughters  dad mom
daddy mommy  papa mama  boyfriend girlfriend  groom bride  bridegroom bride  widower widow
actor actress  actors actresses  waiter waitress  waiters waitresses  hero heroine  heroes heroines
god goddess  gods goddesses  emperor empress  duke duchess  dukes duchesses  baron baroness  heir heiress
monk nun  monks nuns  priest priestess  stepfather stepmother  stepson stepdaughter  male female
males females  masculine feminine  lad lass  lads lasses  fiance fiancee  schoolboy schoolgirl
""".split()
# fmt: on


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


GENDER_SWAPS = swap_table(zip(_PAIRS[::2], _PAIRS[1::2]))


def neutral_table(pairs: Iterable[Tuple[str, str]]) -> Dict[str, str]:
    """Lower-cased word -> the word standing for its group: the groups join every pair sharing a word (lord,
    lady, gentleman), and each is represented by the second word of its first pair (the feminine form, which
    for "her" serves as both object and possessive, so no parse is needed)."""
    pairs = [(a.lower(), b.lower()) for a, b in pairs]
    group: Dict[str, List[str]] = {}
    for a, b in pairs:
        joined = group.get(a, [a])
        other = group.get(b, [b])
        if joined is not other:
            joined = joined + [w for w in other if w not in joined]
        for word in joined:
            group[word] = joined
    table: Dict[str, str] = {}
    for a, b in pairs:
        for word in group[b]:
            table.setdefault(word, b)
    return table


# "her" stands for him, his and hers as well, which the swaps above decide per token.
NEUTRAL_FORMS = neutral_table([*zip(_PAIRS[::2], _PAIRS[1::2]), ("his", "her"), ("hers", "her")])


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
    return Doc(doc.vocab, words=swapped_words(doc), spaces=[bool(t.whitespace_) for t in doc])


def neutral_words(doc: Doc) -> List[str]:
    """The doc's words with every gendered word replaced by the one word of its group (NEUTRAL_FORMS)."""
    words = []
    for token in doc:
        new = NEUTRAL_FORMS.get(token.lower_)
        words.append(same_case(new, token.text) if new else token.text)
    return words


def gender_neutral(doc: Doc) -> Doc:
    """A copy of `doc` (words and whitespace only) in which he/she, king/queen, ... read the same; `doc` itself
    where it has no gendered word."""
    if not any(token.lower_ in NEUTRAL_FORMS for token in doc):
        return doc
    return Doc(doc.vocab, words=neutral_words(doc), spaces=[bool(t.whitespace_) for t in doc])


def same_case(word: str, like: str) -> str:
    """`word` in the case of `like`: all capitals, a capital first letter, or as it is."""
    if like.isupper() and len(like) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if like[:1].isupper() else word
