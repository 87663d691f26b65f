"""Text -> DeepMoji words and ids (torchMoji's SentenceTokenizer rules), with spans."""

import pytest
import spacy
import srsly
from spacy.tokens import Doc

from spacy_transfer.torchmoji.words import (
    SPECIAL_TOKENS,
    UNKNOWN_ID,
    align_words,
    deepmoji_words,
    shorten_word,
    special_token,
    texts_to_ids,
    words_to_ids,
)

from ..helpers import dataset

# Sentences, the words torchMoji's SentenceTokenizer rules give for them (worked out
# by hand from the rules), and the ids of those words in torchMoji's 50k
# vocabulary.json (looked up in that file). Emojis are kept but none is in the
# vocabulary; ">:-(" is not either.
# fmt: off
VOCAB_FIXTURES = [
    ("I love you so much \u2764\ufe0f <3",
     ["i", "love", "you", "so", "much", "\u2764", "<3"],
     [18, 87, 13, 60, 123, 1, 23598]),
    ("Meeting at 15:00 with @golden_zenith!!!",
     ["meeting", "at", "CUSTOM_NUMBER", ":", "CUSTOM_NUMBER", "with", "CUSTOM_AT", "!!"],
     [2060, 56, 4, 148, 4, 31, 2, 50]),
    ("It\u2019s sooooo good\u2026 #blessed",
     ["it's", "soo", "good", "..", "#blessed"],
     [68, 922, 32, 34, 4907]),
    ("Check http://endless.horse NOW", ["check", "CUSTOM_URL", "now"], [411, 3, 111]),
    ("Don't you DARE >:-(", ["don't", "you", "dare", ">:-("], [47, 13, 1736, 1]),
    ("line one\nline two", ["line", "one", "CUSTOM_BREAK", "line", "two"], [455, 43, 5, 455, 182]),
    ("$517.87 for 1,000 pesos?!",
     ["$", "CUSTOM_NUMBER", ".", "CUSTOM_NUMBER", "for", "CUSTOM_NUMBER", ",", "CUSTOM_NUMBER",
      "pesos", "?", "!"],
     [179, 4, 11, 4, 16, 4, 14, 4, 19347, 61, 19]),
    ("Mr. Smith said \u201chello\u201d :D",
     ["mr.", "smith", "said", '"', "hello", '"', ":d"],
     [840, 2819, 168, 49, 1688, 49, 3829]),
    ("~<3~ #BlackLivesMatter", ["~", "<3", "~", "#blacklivesmatter"], [1290, 23598, 1290, 33127]),
]
# fmt: on


@pytest.fixture(scope="module")
def torchmoji_vocab():
    return srsly.read_json(dataset("torchmoji_vocab", "vocabulary.json"))


@pytest.mark.parametrize("text,words,ids", VOCAB_FIXTURES)
def test_torchmoji_words_and_ids_match_sentence_tokenizer(torchmoji_vocab, text, words, ids):
    assert len(torchmoji_vocab) == 50000
    got = [word.text for word in deepmoji_words(text)]
    assert got == words
    assert words_to_ids(got, torchmoji_vocab, 30) == ids


def test_torchmoji_ids_batch_and_length_limit(torchmoji_vocab):
    nlp = spacy.blank("en")
    texts = [text for text, _, _ in VOCAB_FIXTURES] + ["ha " * 40]
    ids = texts_to_ids([nlp.make_doc(t) for t in texts], torchmoji_vocab, 30)
    assert ids[: len(VOCAB_FIXTURES)] == [fixture[2] for fixture in VOCAB_FIXTURES]
    # SentenceTokenizer keeps the first fixed_length tokens.
    assert ids[-1] == [torchmoji_vocab["ha"]] * 30


@pytest.mark.parametrize(
    "text,words",
    [
        ("I DON'T  know", ["i", "don't", "know"]),
        ("soooooo good!!!!", ["soo", "good", "!!"]),
        ("1,000 people", ["CUSTOM_NUMBER", ",", "CUSTOM_NUMBER", "people"]),
        ("9/14/16 at 2:00pm", ["CUSTOM_NUMBER", "/", "CUSTOM_NUMBER", "/", "CUSTOM_NUMBER", "at",
                               "CUSTOM_NUMBER", ":", "CUSTOM_NUMBER", "pm"]),
        ("mail latte-express@mit.ed", ["mail", "CUSTOM_AT"]),  # an e-mail holds a mention
        ("a\\nb<BR>c\r\nd", ["a", "CUSTOM_BREAK", "b", "CUSTOM_BREAK", "c", "CUSTOM_BREAK",
                             "CUSTOM_BREAK", "d"]),
        ("\u00a1Qu\u00e9 bien! \u2014 \u00abs\u00ed\u00bb", ["!", "qu", "\u00e9", "bien", "!", "--",
                                                        "<<", "s", "\u00ed", ">>"]),
        ("\uff01\uff01 \u203c fine\u2026", ["!!", "!!", "fine", ".."]),  # NFKC
        ("\U0001f602\U0001f602 lol", ["\U0001f602", "\U0001f602", "lol"]),
        # Non-ASCII digits are single-character tokens, each a number for int().
        ("\u0661\u0662 cats", ["CUSTOM_NUMBER", "CUSTOM_NUMBER", "cats"]),
        ("", []),
        ("   ", []),
    ],
)  # fmt: skip
def test_torchmoji_words_rules(text, words):
    assert [word.text for word in deepmoji_words(text)] == words


def test_torchmoji_words_ignore_emojis():
    words = deepmoji_words("\U0001f602 so \u2764\ufe0f good", ignore_emojis=True)
    assert [w.text for w in words] == ["so", "good"]


@pytest.mark.parametrize(
    "text",
    [
        "  It\u2019s SOOOO good\u2026 15:00 \U0001f602\n@bob www.x.com \u2014 Stra\u00dfe \ufb01ne",
        "plain ascii text, with 1,000 words!!! and a\\nbreak",
        "\u0130stanbul \u03a3\u039f\u03a3 caf\u0065\u0301 x\u00a8y",
    ],
)
def test_torchmoji_words_spans_cover_their_source(text):
    words = deepmoji_words(text)
    assert words
    previous_start = 0
    for word in words:
        # Words come in text order; words split from one source character (or from
        # characters NFKC combined) share its span.
        assert previous_start <= word.start < word.end <= len(text)
        previous_start = word.start
        source = text[word.start : word.end]
        if word.text in SPECIAL_TOKENS:
            continue
        assert source.strip() == source
        if source.isascii():
            assert shorten_word(source.lower()) == word.text


def test_torchmoji_words_align_to_spacy_tokens():
    nlp = spacy.blank("en")
    doc = nlp("I don't know :-) 15:00. Really?!")
    words = deepmoji_words(doc.text)
    aligned = align_words(doc, words)
    pieces = [doc[start:end].text for start, end in aligned]
    assert [w.text for w in words] == ["i", "don't", "know", ":-)", "CUSTOM_NUMBER", ":",
                                       "CUSTOM_NUMBER", ".", "really", "?", "!"]  # fmt: skip
    # spaCy keeps "15:00" whole: its three DeepMoji words all map to that token.
    assert pieces == ["I", "don't", "know", ":-)", "15:00", "15:00", "15:00", ".",
                      "Really", "?", "!"]  # fmt: skip
    sent = doc[7:]  # I do n't know :-) 15:00 . | Really ? !
    sent_words = deepmoji_words(sent.text)
    assert [doc[sent.start + s : sent.start + e].text for s, e in align_words(sent, sent_words)] == [
        "Really", "?", "!"]  # fmt: skip


def test_torchmoji_words_special_tokens_and_shortening():
    assert special_token("007") == "CUSTOM_NUMBER"
    assert special_token("x@bob") == "CUSTOM_AT"
    assert special_token("https://a.b") == "CUSTOM_URL"
    assert special_token("hello") == "hello"
    assert shorten_word("heeeey") == "heey"
    assert shorten_word("aa") == "aa"
    assert shorten_word("!!!!!") == "!!"
    assert shorten_word("caf\u00e9\u00e9\u00e9") == "caf\u00e9\u00e9\u00e9"  # ASCII words only


def test_torchmoji_words_to_ids_empty():
    assert words_to_ids([], {"CUSTOM_UNKNOWN": 1}, 10) == [UNKNOWN_ID]
    doc = Doc(spacy.blank("en").vocab, words=["x"])
    assert texts_to_ids([doc[0:0]], {"x": 10}, 5) == [[UNKNOWN_ID]]
