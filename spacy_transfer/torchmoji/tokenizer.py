"""DeepMoji's tweet tokenizer, re-implemented from its rules (no torch, no spaCy).

DeepMoji splits text with one ordered list of token shapes. At each position the
first shape in the list that matches wins (not the longest), whitespace separates
tokens and is dropped. The shapes, most specific first:

1. URLs starting with http://, https:// or www.;   2. e-mail addresses;
3. words joined by '-' or '_' ("red-haired", "CUSTOM_BREAK");
4. #hashtags and 5. @mentions (letters, digits, '_');
6. hearts ("<3", "<333", "</3");   7. emoticons (":-)", ">:(", "-_-", "(:");
8. contractions ("don't"); 9. titles ("Mr.", "Dr.");  10. abbreviations ("a.m.");
11. a run of digits;  12. a run of ASCII letters;
13. a run of one repeated symbol ("!!", "..", but "?!" is two tokens);
14. any other single character (emojis, accented letters, '£').

Numbers are therefore split from their punctuation ("15:00" -> 15 : 00) so that each
part can become CUSTOM_NUMBER. torchMoji compiled its pattern with an inline "(?i)" in
the middle of the expression, which Python applied to the whole pattern: every shape
is case-insensitive (":D" and ":d", "X_X"), and so is ours.
"""

import re
from typing import Iterator, List, Tuple

# fmt: off
# Symbols of shape 13. Each forms runs of itself only.
RUN_SYMBOLS = "()<>!?.,/'\"-_=\\§|´ˇ°[]{}~$^&*;:%+€`"
# Emoticons: an optional '>' before the eyes, eyes, an optional nose, then a run of
# one mouth character; plus a few fixed faces.
EMOTICON_FACES = ("-_-", "x_x", "^_^", "o.o", "o_o", "(:", "):", ");", "(;")
EMOTICON_EYES = (">:", ":", "=", ";")
EMOTICON_NOSES = "-,^'\""
EMOTICON_MOUTHS = "DdpPv)oO(3/|\\"
TITLES = ("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.")
# fmt: on

# URL characters: letters, '!' and the whole ASCII block from '$' (0x24) to '_' (0x5F),
# which holds digits, upper case and most punctuation; '%xx' escapes are inside it too.
_URL = r"(?:https?://|www\.)[!$-_a-zA-Z]+"
_EMAIL = r"\b[a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9.-]+\b"
_JOINED = r"[a-zA-Z]+[-_][a-zA-Z]+"
_HASHTAG = r"#[a-zA-Z0-9_]+"
_MENTION = r"@[a-zA-Z0-9_]+"
_HEART = r"(?:<+/?3+)+"
_EMOTICON = "|".join(
    [re.escape(face) for face in EMOTICON_FACES]
    + [
        "(?:{})[{}]?(?:{})".format(
            "|".join(re.escape(eyes) for eyes in EMOTICON_EYES),
            re.escape(EMOTICON_NOSES),
            "|".join(re.escape(mouth) + "+" for mouth in EMOTICON_MOUTHS),
        )
    ]
)
_CONTRACTION = r"[a-zA-Z]+'[a-zA-Z]+"
_TITLE = "|".join(re.escape(title) for title in TITLES)
_ABBREVIATION = r"\b(?<!\.)(?:[a-zA-Z]\.){2,}"
_DIGITS = r"[0-9]+"
_LETTERS = r"[a-zA-Z]+"
# Repeated '#' or '@' before a hashtag or mention stay apart from it: "##tag" is
# "#" + "#tag", not "##" + "tag".
_SYMBOL_RUN = "|".join(
    [re.escape(symbol) + "+" for symbol in RUN_SYMBOLS]
    + [r"#+(?=#[a-zA-Z0-9_]+)", r"@+(?=@[a-zA-Z0-9_]+)", r"#+", r"@+"]
)
_OTHER = r"\S"

TOKEN_SHAPES = (
    _URL, _EMAIL, _JOINED, _HASHTAG, _MENTION, _HEART, _EMOTICON, _CONTRACTION,
    _TITLE, _ABBREVIATION, _DIGITS, _LETTERS, _SYMBOL_RUN, _OTHER,
)  # fmt: skip
TOKEN_RE = re.compile("|".join(f"(?:{shape})" for shape in TOKEN_SHAPES), re.I)
# The e-mail shape is the only one that scans ahead of a token's start (up to an '@'),
# which makes long runs like "1-1-1-..." quadratic. Without an '@' it cannot match, so
# leaving it out gives the same tokens in linear time.
TOKEN_RE_NO_EMAIL = re.compile("|".join(f"(?:{shape})" for shape in TOKEN_SHAPES if shape != _EMAIL), re.I)
WORD_RE = re.compile(r"\S+")

TokenSpan = Tuple[str, int, int]


def iter_token_spans(text: str) -> Iterator[TokenSpan]:
    """(token, start, end) for each token of text, in order."""
    if "@" not in text:
        for m in TOKEN_RE_NO_EMAIL.finditer(text):
            yield m.group(), m.start(), m.end()
        return
    # No token spans whitespace and no shape looks across it, so the words can be
    # read one by one; only words holding an '@' need the e-mail shape.
    for word in WORD_RE.finditer(text):
        pattern = TOKEN_RE if "@" in word.group() else TOKEN_RE_NO_EMAIL
        offset = word.start()
        for m in pattern.finditer(word.group()):
            yield m.group(), offset + m.start(), offset + m.end()


def tokenize(text: str) -> List[str]:
    """Split text into DeepMoji's tokens (case kept; no normalisation).

    text (str): the text.
    RETURNS (List[str]): the tokens, e.g. "15:00 :-)" -> ["15", ":", "00", ":-)"].
    DOCS: docs/torchmoji.md#tokenize
    """
    return [token for token, _, _ in iter_token_spans(text)]


def tokenize_with_spans(text: str) -> List[TokenSpan]:
    """Like tokenize, with each token's character span in text.

    RETURNS (List[Tuple[str, int, int]]): (token, start, end) per token.
    """
    return list(iter_token_spans(text))
