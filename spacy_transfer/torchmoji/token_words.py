"""DeepMoji words from spaCy tokens: the word mapping of TorchMoji.v1 (no torch).

Kept unchanged so pipelines trained with spacy_transfer.TorchMoji.v1 see the words
they were trained on; TorchMoji.v2 reads the text with DeepMoji's own tokenizer
(tokenizer.py, words.py) instead.

DeepMoji lower-cases the text, turns unicode punctuation into ASCII, drops emojis,
keeps contractions ("don't", "it's") and punctuation runs ("!!") whole, shortens
runs of 3+ identical characters to 2 ("soooo" -> "soo", "!!!!" -> "!!"), and maps
numbers, @mentions, URLs and line breaks to special tokens. Unknown words get
CUSTOM_UNKNOWN. spaCy splits "don't" and "!!!" into several tokens, so tokens with
no whitespace between them are re-joined where the joined form is what DeepMoji
would have seen.
"""

import re
import string
import unicodedata
from itertools import groupby
from typing import Dict, Iterable, List, Sequence, Union

from spacy.tokens import Doc, Span

# fmt: off
SPECIAL_TOKENS = [
    "CUSTOM_MASK", "CUSTOM_UNKNOWN", "CUSTOM_AT", "CUSTOM_URL", "CUSTOM_NUMBER",
    "CUSTOM_BREAK", "CUSTOM_BLANK_6", "CUSTOM_BLANK_7", "CUSTOM_BLANK_8", "CUSTOM_BLANK_9",
]
MASK_ID, UNKNOWN_ID, AT_ID, URL_ID, NUMBER_ID, BREAK_ID = range(6)
# What unidecode gives for the unicode punctuation that DeepMoji converts to ASCII.
UNICODE_PUNCT = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-", "\u2026": "...",
    "\u00a1": "!", "\u00bf": "?", "\u203c": "!!", "\u2047": "??", "\u2048": "?!", "\u2049": "!?",
}
CONTRACTIONS = ("n't", "'s", "'m", "'re", "'ll", "'ve", "'d")
# fmt: on
RE_MENTION = re.compile(r"@+[a-zA-Z0-9_]+")
RE_URL = re.compile(r"(?:https?://|www\.)\S+|\S+\.(?:com|org|net|co|io|ly)(?:/\S*)?$")
VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f]")
PUNCT = set(string.punctuation)


def normalize_text(text: str) -> str:
    """Lower-case, NFKC-normalise, convert unicode punctuation, drop emojis and
    other non-ASCII symbols (DeepMoji's `ignore_emojis`), keep letters.
    """
    text = VARIATION_SELECTORS.sub("", unicodedata.normalize("NFKC", text.lower()))
    if text.isascii():
        return text
    chars = []
    for char in text:
        if char.isascii():
            chars.append(char)
        elif char in UNICODE_PUNCT:
            chars.append(UNICODE_PUNCT[char])
        elif unicodedata.category(char)[0] in "LM":
            chars.append(char)  # accented letters: unknown unless in the vocabulary
    return "".join(chars)


def shorten_word(word: str) -> str:
    """Shorten runs of 3+ identical characters to 2: '!!!!' -> '!!'."""
    if len(word) < 3 or not word.isascii():
        return word
    return "".join(char * min(len(list(run)), 2) for char, run in groupby(word))


def special_token(word: str) -> str:
    """Map numbers, mentions and URLs to DeepMoji's special tokens."""
    if word.isdigit() or (word[:1] in "+-" and word[1:].isdigit()):
        return SPECIAL_TOKENS[NUMBER_ID]
    if RE_MENTION.search(word):
        return SPECIAL_TOKENS[AT_ID]
    if RE_URL.search(word):
        return SPECIAL_TOKENS[URL_ID]
    return word


def _is_punct(word: str) -> bool:
    return bool(word) and all(char in PUNCT for char in word)


def deepmoji_words(tokens: Union[Doc, Span], vocab: Dict[str, int]) -> List[str]:
    """The words DeepMoji would see for a spaCy Doc or Span, before id lookup.

    tokens (Union[Doc, Span]): the text, already tokenised by spaCy.
    vocab (Dict[str, int]): the model vocabulary, used to decide re-joins.
    RETURNS (List[str]): normalised words and special tokens.
    """
    # Groups of spaCy tokens with no whitespace between them.
    chunks: List[List[str]] = [[]]
    for token in tokens:
        if token.is_space:
            if "\n" in token.text or "\r" in token.text:
                chunks.append([SPECIAL_TOKENS[BREAK_ID]])
            chunks.append([])
            continue
        if token.like_url or token.like_email:
            word = SPECIAL_TOKENS[URL_ID] if token.like_url else token.text.lower()
        else:
            word = normalize_text(token.text)
        if word:
            chunks[-1].append(word)
        if token.whitespace_:
            chunks.append([])
    words: List[str] = []
    for chunk in chunks:
        words.extend(_join_chunk(chunk, vocab))
    return words


def _join_chunk(chunk: List[str], vocab: Dict[str, int]) -> List[str]:
    out: List[str] = []
    for word in chunk:
        if not out or out[-1] in SPECIAL_TOKENS:
            out.append(word)
            continue
        prev = out[-1]
        if word in CONTRACTIONS and (prev + word) in vocab:
            out[-1] = prev + word  # do + n't -> don't
        elif _is_punct(prev) and _is_punct(word):
            out[-1] = prev + word  # ! + ! + ! -> !!!, shortened below
        else:
            out.append(word)
    result = []
    for word in out:
        if word in SPECIAL_TOKENS:
            result.append(word)
            continue
        short = special_token(shorten_word(word))
        if _is_punct(word) and len(word) > 1 and short not in vocab:
            # A mixed run DeepMoji does not know as one token ("?!"): one token
            # per run of identical characters, each shortened.
            result.extend(char * min(len(list(run)), 2) for char, run in groupby(word))
        else:
            result.append(short)
    return result


def words_to_ids(words: Sequence[str], vocab: Dict[str, int], max_length: int) -> List[int]:
    """Look words up, unknown words -> CUSTOM_UNKNOWN; truncate to max_length.

    A text with no words at all (empty, or only emojis) becomes [CUSTOM_UNKNOWN]:
    the network needs at least one step, and "nothing known" is what it saw.
    """
    ids = [vocab.get(word, UNKNOWN_ID) for word in words[:max_length]]
    return ids or [UNKNOWN_ID]


def texts_to_ids(items: Iterable[Union[Doc, Span]], vocab: Dict[str, int], max_length: int) -> List[List[int]]:
    return [words_to_ids(deepmoji_words(item, vocab), vocab, max_length) for item in items]
