"""Text -> the words and ids DeepMoji saw, each word with its span in the text.

This is what torchMoji's SentenceTokenizer does with its default word generator
(unicode text allowed, emojis kept), re-implemented from its rules:

1. strip, lower-case; line breaks (a newline, a carriage return, their escaped forms
   "\\n" / "\\r", and "<br>") become the word CUSTOM_BREAK; variation selectors
   (U+FE00-FE0F, e.g. emoji presentation) are dropped;
2. per whitespace-separated word: NFKC normalisation, then unicode punctuation with
   an ASCII equivalent (curly quotes, dashes, inverted marks) becomes that ASCII;
   with ignore_emojis, emoji characters are dropped;
3. DeepMoji's tokenizer (tokenizer.py);
4. per token: runs of 3+ identical characters in ASCII tokens shrink to 2
   ("soooo" -> "soo", "!!!!" -> "!!"), then whole numbers become CUSTOM_NUMBER,
   tokens with an @mention CUSTOM_AT and tokens with a URL CUSTOM_URL;
5. lookup, unknown words -> CUSTOM_UNKNOWN (id 1), cut to the first max_length.

torchMoji's own Python 3 port skips the shortening of step 4 (its ASCII test calls
`str.decode`, which Python 3 strings lack); we follow the rule as DeepMoji's Python 2
code applied it when the 50k vocabulary was built (the vocabulary has almost no word
with a character three times in a row).

Every word keeps the character span of the original text it came from, so results
computed per word can be put back onto spaCy tokens (`align_words`).
"""

import re
import unicodedata
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union

from spacy.tokens import Doc, Span

from .tokenizer import iter_token_spans

# fmt: off
SPECIAL_TOKENS = [
    "CUSTOM_MASK", "CUSTOM_UNKNOWN", "CUSTOM_AT", "CUSTOM_URL", "CUSTOM_NUMBER",
    "CUSTOM_BREAK", "CUSTOM_BLANK_6", "CUSTOM_BLANK_7", "CUSTOM_BLANK_8", "CUSTOM_BLANK_9",
]
MASK_ID, UNKNOWN_ID, AT_ID, URL_ID, NUMBER_ID, BREAK_ID = range(6)
# Unicode punctuation that DeepMoji replaced by ASCII: the characters whose ASCII
# transliteration consists only of !"#$'()+,-.:;<=>?@`~ (NFKC has already turned
# full-width forms, "…" and "‼" into ASCII). Our own table of the common ones.
ASCII_PUNCT = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u2035": "'",
    "\u02bb": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
    "\u2033": '"', "\u2036": '"', "\u00ab": "<<", "\u00bb": ">>", "\u2039": "<", "\u203a": ">",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "--", "\u2015": "--",
    "\u2212": "-", "\u00a1": "!", "\u00bf": "?", "\u301c": "~", "\u3008": "<", "\u3009": ">",
}
# Code point ranges treated as emojis by ignore_emojis.
EMOJI_RANGES = (
    (0x1F000, 0x1FAFF), (0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x2300, 0x23FF),
    (0x2190, 0x21FF), (0x3030, 0x3030), (0x303D, 0x303D), (0x3297, 0x3299),
    (0x00A9, 0x00A9), (0x00AE, 0x00AE), (0x203C, 0x203C), (0x2049, 0x2049),
    (0x2122, 0x2122), (0x2139, 0x2139), (0x200D, 0x200D), (0xE0020, 0xE007F),
)
# fmt: on
BREAK_RE = re.compile(r"\\\\n|\\n|\n|\\\\r|\\r|\r|<br>", re.I)  # text is lower-cased first
VARIATION_SELECTOR_RE = re.compile("[\ufe00-\ufe0f]")
WORD_RE = re.compile(r"\S+")
MENTION_RE = re.compile(r"@[a-zA-Z0-9_]+", re.I)
URL_RE = re.compile(r"(?:https?://|www\.)[!$-_a-zA-Z]+", re.I)
RUN_OF_3_RE = re.compile(r"(.)\1\1+", re.S)


class DeepMojiWord(NamedTuple):
    """A word as DeepMoji saw it, with the span [start, end) of text it came from."""

    text: str
    start: int
    end: int


def is_emoji(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in EMOJI_RANGES)


def shorten_word(word: str) -> str:
    """Runs of 3+ identical characters -> 2 ('!!!!' -> '!!'), ASCII words only."""
    if len(word) < 3 or not word.isascii():
        return word
    return RUN_OF_3_RE.sub(r"\1\1", word)


def special_token(word: str) -> str:
    """CUSTOM_NUMBER for whole numbers, CUSTOM_AT / CUSTOM_URL for tokens containing
    a mention or a URL; other words unchanged.
    """
    try:
        int(word)  # what DeepMoji called a number, unicode digits included
        return SPECIAL_TOKENS[NUMBER_ID]
    except ValueError:
        pass
    if MENTION_RE.search(word):
        return SPECIAL_TOKENS[AT_ID]
    if URL_RE.search(word):
        return SPECIAL_TOKENS[URL_ID]
    return word


# Normalised text is built as a list of pieces (string, start, end): the piece came
# from text[start:end]. Pieces are single characters except where a normalisation
# turned several characters into one string (NFKC of combining marks, breaks).
Pieces = List[Tuple[str, int, int]]


def _lower_pieces(text: str, offset: int) -> Pieces:
    lowered = text.lower()
    if len(lowered) == len(text):  # one to one (also keeps Greek final sigma right)
        return [(char, offset + i, offset + i + 1) for i, char in enumerate(lowered)]
    return [(low, offset + i, offset + i + 1)
            for i, char in enumerate(text) for low in char.lower()]  # fmt: skip


def _replace_breaks(pieces: Pieces) -> Pieces:
    joined = "".join(piece for piece, _, _ in pieces)
    if not BREAK_RE.search(joined):
        return pieces
    starts = [start for _, start, _ in pieces]
    ends = [end for _, _, end in pieces]
    result: Pieces = []
    pos = 0
    for match in BREAK_RE.finditer(joined):
        result.extend(pieces[pos : match.start()])
        start, end = starts[match.start()], ends[match.end() - 1]
        result.append((" " + SPECIAL_TOKENS[BREAK_ID] + " ", start, end))
        pos = match.end()
    result.extend(pieces[pos:])
    # Back to one character per piece, each keeping the span of its piece.
    return [(char, start, end) for piece, start, end in result for char in piece]


def _normalise_word(pieces: Pieces, ignore_emojis: bool) -> Pieces:
    word = "".join(char for char, _, _ in pieces)
    if word.isascii():
        return pieces
    nfkc = unicodedata.normalize("NFKC", word)
    per_char = [(unicodedata.normalize("NFKC", c), s, e) for c, s, e in pieces]
    if "".join(p for p, _, _ in per_char) != nfkc:
        # Characters combined with each other: the whole word is one span.
        per_char = [(nfkc, pieces[0][1], pieces[-1][2])]
    result: Pieces = []
    for piece, start, end in per_char:
        for char in piece:
            char = ASCII_PUNCT.get(char, char)
            if ignore_emojis and len(char) == 1 and is_emoji(char):
                continue
            result.extend((c, start, end) for c in char)
    return result


def normalise_text(text: str, *, ignore_emojis: bool = False) -> Pieces:
    """Steps 1-2: DeepMoji's text normalisation, one character per piece.

    RETURNS (Pieces): (character, start, end) with [start, end) the span of `text`
        the character came from; words are separated by single spaces.
    """
    stripped = text.strip()
    offset = len(text) - len(text.lstrip())
    pieces = _lower_pieces(stripped, offset)
    pieces = _replace_breaks(pieces)
    pieces = [p for p in pieces if not VARIATION_SELECTOR_RE.match(p[0])]
    joined = "".join(char for char, _, _ in pieces)
    result: Pieces = []
    for match in WORD_RE.finditer(joined):
        word = _normalise_word(pieces[match.start() : match.end()], ignore_emojis)
        if result and word:
            result.append((" ", word[0][1], word[0][1]))
        result.extend(word)
    return result


def deepmoji_words(text: str, *, ignore_emojis: bool = False) -> List[DeepMojiWord]:
    """The words DeepMoji saw for a text (steps 1-4), each with its span in text.

    text (str): the text.
    ignore_emojis (bool): drop emoji characters (torchMoji's default is to keep them).
    RETURNS (List[DeepMojiWord]): normalised words and special tokens with spans.
    DOCS: docs/torchmoji.md#deepmoji_words
    """
    if text.isascii() and not BREAK_RE.search(text):
        # Fast path: lower-casing ASCII keeps every offset.
        offset = len(text) - len(text.lstrip())
        normal = text.strip().lower()
        return [
            DeepMojiWord(special_token(shorten_word(token)), offset + start, offset + end)
            for token, start, end in iter_token_spans(normal)
        ]
    pieces = normalise_text(text, ignore_emojis=ignore_emojis)
    normal = "".join(char for char, _, _ in pieces)
    return [
        DeepMojiWord(special_token(shorten_word(token)), pieces[start][1], pieces[end - 1][2])
        for token, start, end in iter_token_spans(normal)
    ]


def words_to_ids(words: Sequence[str], vocab: Dict[str, int], max_length: int) -> List[int]:
    """Look words up, unknown words -> CUSTOM_UNKNOWN; keep the first max_length.

    A text with no words at all (empty or only whitespace) becomes [CUSTOM_UNKNOWN]:
    the network needs at least one step, and "nothing known" is what it saw.
    """
    ids = [vocab.get(word, UNKNOWN_ID) for word in words[:max_length]]
    return ids or [UNKNOWN_ID]


def texts_to_ids(
    items: Iterable[Union[Doc, Span]],
    vocab: Dict[str, int],
    max_length: int,
    *,
    ignore_emojis: bool = False,
) -> List[List[int]]:
    """Ids per Doc or Span, from its text (a sentence Span is read on its own)."""
    return [
        words_to_ids(
            [w.text for w in deepmoji_words(item.text, ignore_emojis=ignore_emojis)],
            vocab,
            max_length,
        )
        for item in items
    ]


def align_words(tokens: Union[Doc, Span], words: Optional[Sequence[DeepMojiWord]] = None) -> List[Tuple[int, int]]:
    """The spaCy tokens under each DeepMoji word, as (start, end) token indices into
    tokens (a Doc or a Span, whose text the words were made from).

    A word covering part of a token gets that whole token; a word made only of
    whitespace-side material (e.g. an escaped line break) still maps to the tokens its
    span touches. Words are computed from tokens.text if not given.
    """
    if words is None:
        words = deepmoji_words(tokens.text)
    doc = tokens if isinstance(tokens, Doc) else tokens.doc
    base_token = 0 if isinstance(tokens, Doc) else tokens.start
    base_char = 0 if isinstance(tokens, Doc) else tokens.start_char
    result = []
    for word in words:
        span = doc.char_span(base_char + word.start, base_char + word.end, alignment_mode="expand")
        if span is None or not len(span):
            result.append((0, 0))
        else:
            result.append((span.start - base_token, span.end - base_token))
    return result
