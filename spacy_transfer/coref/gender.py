"""What the `coref` component's encoder reads: gender-neutral copies of docs (`gender_neutral = true`) and
copies in which only the pronouns far from any name or gendered noun are neutral (`gender_context`). spaCy only.

A neutral copy has the same tokens and whitespace, with every gendered word replaced by one fixed word of its
group (he, she -> she; him, his, her, hers -> her; king, queen -> queen; ...), case kept, so a text and its
gender-swapped copy (corpora/gender_swap.py, for training data) have the same neutral copy. Names stay as they are.
"""

from typing import Dict, Iterable, List, Tuple

from spacy.tokens import Doc

from .word_lists import GENDERED_PAIRS, GENDERED_PRONOUNS, is_name


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


# "her" stands for him, his and hers as well, which a gender swap decides per token.
NEUTRAL_FORMS = neutral_table([*GENDERED_PAIRS, ("his", "her"), ("hers", "her")])


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
