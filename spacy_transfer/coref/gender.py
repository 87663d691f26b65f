"""Gendered words for the `coref` component: gender-swapped copies of docs (training data against bias),
gender-neutral copies (what its encoder reads with `gender_neutral = true`) and copies in which only the
pronouns far from any name or gendered noun are neutral (`gender_context`). spaCy only.

A swapped copy has the same tokens and whitespace, with every gendered word replaced by its counterpart of the
other gender (he <-> she, his -> her, king <-> queen, ...), case kept. A neutral copy replaces every gendered
word by one fixed word of its group (he, she -> she; him, his, her, hers -> her; king, queen -> queen; ...), so
a text and its swapped copy have the same neutral copy. Names stay as they are in both.
"""

from typing import Dict, Iterable, List, Tuple

from spacy.tokens import Doc

from .resolve import AFTER_OBJECT_HER
from .word_clusters import GENDERED_PRONOUNS, is_name

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

# First names of one common gender, paired with one of the other, for swapped training copies (Zhao et al.
# 2018 replace names too): without it, a swapped copy says "Emma ... he", and teaches the model that a name's
# gender is no evidence. Names that are also common capitalised words (Will, Grace, Mark, May) are left out.
# fmt: off
_NAME_PAIRS = """
john mary  george elizabeth  henry anne  charles catherine  william emma  edward jane  james margaret
robert sarah  thomas susan  richard harriet  arthur alice  walter edith  frederick charlotte  albert lucy
alfred eleanor  harry helen  david ruth  michael linda  peter martha  paul julia  daniel laura
joseph louisa  samuel fanny  philip maria  stephen isabella  francis frances  edmund marianne  hugh ellen
tom kate  jim nancy  joe betty  jack jenny  ben molly  fred polly  bob sally  ted amy  dick dolly
andrew barbara  anthony patricia  kevin jessica  brian karen  steven lisa  jason emily
matthew ashley  ryan amanda  eric rachel  justin megan  brandon nicole  adam rebecca  jeffrey michelle
timothy angela  gregory melissa  patrick stephanie  raymond deborah  scott sharon  donald carol
kenneth sandra  ronald donna  larry cynthia  jerry kathleen  dennis janet  carl diane  roger heather
""".split()
# fmt: on
# Both directions; not swap_table, whose pronoun rules ("hers" -> "his") have no place among names.
NAME_SWAPS = {**dict(zip(_NAME_PAIRS[::2], _NAME_PAIRS[1::2])), **dict(zip(_NAME_PAIRS[1::2], _NAME_PAIRS[::2]))}


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
    return with_words(doc, swapped_words(doc))


def swapped_names(words: List[str]) -> List[str]:
    """The words with every capitalised first name of NAME_SWAPS replaced by its pair of the other gender
    (John <-> Mary), case kept; for training copies whose pronouns are swapped."""
    return [same_case(NAME_SWAPS[w.lower()], w) if w[:1].isupper() and w.lower() in NAME_SWAPS else w for w in words]


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
    return with_words(doc, neutral_words(doc))


# Words of known gender besides pronouns: king, mother, Mr., ... (titles included).
GENDERED_NOUNS = frozenset(NEUTRAL_FORMS) - frozenset(GENDERED_PRONOUNS)
# A capitalised word after one of these (or at a line start) may just open a sentence: not taken for a name.
SENTENCE_OPENERS = frozenset(". ! ? : ; \" “ ” ' ‘ ’ ( [ — - –".split())


def context_neutral(doc: Doc, window: int) -> Doc:
    """A copy of `doc` in which every gendered pronoun with no name or gendered noun among the `window` words
    before it reads as its neutral form (he -> she, him -> her, ...); `doc` itself where there is none.

    Such a pronoun's gender can only tell people apart by stereotype: the people it may refer to are common
    nouns ("the physician", "the secretary") whose gender the text does not give. Near a name ("Emma") or a
    gendered noun ("his mother", "Mr. Weston") the gender is real evidence, and the pronoun keeps it.
    """
    last_gendered = None
    words = None
    for token in doc:
        lower = token.lower_
        if lower in GENDERED_PRONOUNS:
            if last_gendered is None or token.i - last_gendered > window:
                words = words or [t.text for t in doc]
                words[token.i] = same_case(NEUTRAL_FORMS[lower], token.text)
        elif lower in GENDERED_NOUNS or _likely_name(doc, token.i):
            last_gendered = token.i
    if words is None:
        return doc
    return with_words(doc, words)


def _likely_name(doc: Doc, i: int) -> bool:
    """A capitalised word that is no pronoun, inside a sentence, or opening one but no stop word ("Emma came";
    not "The physician"). Taking a word for a name wrongly only keeps a pronoun's gender."""
    token = doc[i]
    if not is_name(token.text):
        return False
    before = doc[i - 1] if i else None
    opens = before is None or not before.text.strip() or before.text in SENTENCE_OPENERS or "\n" in before.whitespace_
    return not (opens and token.is_stop)


def with_words(doc: Doc, words: List[str]) -> Doc:
    """A new Doc with `words` in place of the doc's tokens and the doc's whitespace (no annotations)."""
    return Doc(doc.vocab, words=words, spaces=[bool(t.whitespace_) for t in doc])


def same_case(word: str, like: str) -> str:
    """`word` in the case of `like`: all capitals, a capital first letter, or as it is."""
    if like.isupper() and len(like) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if like[:1].isupper() else word
