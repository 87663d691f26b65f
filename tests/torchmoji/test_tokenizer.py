"""DeepMoji's tokenizer: the behaviour torchMoji's own tokenizer tests ask for.

The input strings and expected tokens are the 59 cases of huggingface/torchMoji
tests/test_tokenizer.py (MIT), grouped and written here as plain data.
"""

import pytest

from spacy_transfer.torchmoji import tokenize
from spacy_transfer.torchmoji.tokenizer import tokenize_with_spans

# fmt: off
CASES = {
    "normal": [
        ("200K words!", ["200", "K", "words", "!"]),
    ],
    "emojis": [
        ("i \U0001f496 you to the moon and back", ["i", "\U0001f496", "you", "to", "the", "moon", "and", "back"]),
        ("i\U0001f496you to the \u2605's and back", ["i", "\U0001f496", "you", "to", "the", "\u2605", "'", "s", "and", "back"]),
        ("~<3~", ["~", "<3", "~"]),
        ("<333", ["<333"]),
        (":-)", [":-)"]),
        (">:-(", [">:-("]),
        ("\u266b\u266a\u2605\u2606\u2665\u2764\u2661", ["\u266b", "\u266a", "\u2605", "\u2606", "\u2665", "\u2764", "\u2661"]),
    ],
    "urls": [
        ("www.sample.com", ["www.sample.com"]),
        ("http://endless.horse", ["http://endless.horse"]),
        ("https://github.mit.ed", ["https://github.mit.ed"]),
    ],
    "twitter": [
        ("#blacklivesmatter", ["#blacklivesmatter"]),
        ("#99_percent.", ["#99_percent", "."]),
        ("the#99%", ["the", "#99", "%"]),
        ("@golden_zenith", ["@golden_zenith"]),
        ("@99_percent", ["@99_percent"]),
        ("latte-express@mit.ed", ["latte-express@mit.ed"]),
    ],
    "phone_numbers": [
        ("518)528-0252", ["518", ")", "528", "-", "0252"]),
        ("1200-0221-0234", ["1200", "-", "0221", "-", "0234"]),
        ("1200.0221.0234", ["1200", ".", "0221", ".", "0234"]),
    ],
    "datetime": [
        ("15:00", ["15", ":", "00"]),
        ("2:00pm", ["2", ":", "00", "pm"]),
        ("9/14/16", ["9", "/", "14", "/", "16"]),
    ],
    "currencies": [
        ("517.933\xa3", ["517", ".", "933", "\xa3"]),
        ("$517.87", ["$", "517", ".", "87"]),
        ("1201.6598", ["1201", ".", "6598"]),
        ("120,6", ["120", ",", "6"]),
        ("10,00\u20ac", ["10", ",", "00", "\u20ac"]),
        ("1,000", ["1", ",", "000"]),
        ("1200pesos", ["1200", "pesos"]),
    ],
    "numbers_and_symbols": [
        ("5162f", ["5162", "f"]),
        ("f5162", ["f", "5162"]),
        ("1203(", ["1203", "("]),
        ("(1203)", ["(", "1203", ")"]),
        ("1200/", ["1200", "/"]),
        ("1200+", ["1200", "+"]),
        ("1202o-east", ["1202", "o-east"]),
        ("1200r", ["1200", "r"]),
        ("1200-1400", ["1200", "-", "1400"]),
        ("120/today", ["120", "/", "today"]),
        ("today/120", ["today", "/", "120"]),
        ("120/5", ["120", "/", "5"]),
        ("120'/5", ["120", "'", "/", "5"]),
        ("120/5pro", ["120", "/", "5", "pro"]),
        ("1200's,)", ["1200", "'", "s", ",", ")"]),
        ("120.76.218.207", ["120", ".", "76", ".", "218", ".", "207"]),
    ],
    "punctuation": [
        ("don''t", ["don", "''", "t"]),
        ("don'tcha", ["don'tcha"]),
        ("no?!?!;", ["no", "?", "!", "?", "!", ";"]),
        ("no??!!..", ["no", "??", "!!", ".."]),
        ("a.m.", ["a.m."]),
        (".s.u", [".", "s", ".", "u"]),
        ("!!i..n__", ["!!", "i", "..", "n", "__"]),
        ("lv(<3)w(3>)u Mr.!", ["lv", "(", "<3", ")", "w", "(", "3", ">", ")", "u", "Mr.", "!"]),
        ("-->", ["--", ">"]),
        ("->", ["-", ">"]),
        ("<-", ["<", "-"]),
        ("<--", ["<", "--"]),
        ("hello (@person)", ["hello", "(", "@person", ")"]),
    ],
}
# fmt: on
ALL_CASES = [
    pytest.param(text, tokens, id=f"{group}:{text}") for group, cases in CASES.items() for text, tokens in cases
]


def test_torchmoji_tokenizer_has_all_reference_cases():
    assert len(ALL_CASES) == 59


@pytest.mark.parametrize("text,tokens", ALL_CASES)
def test_torchmoji_tokenize_reference_cases(text, tokens):
    assert tokenize(text) == tokens


@pytest.mark.parametrize("text,tokens", ALL_CASES)
def test_torchmoji_tokenize_spans_point_into_text(text, tokens):
    spans = tokenize_with_spans(text)
    assert [token for token, _, _ in spans] == tokens
    assert all(text[start:end] == token for token, start, end in spans)


@pytest.mark.parametrize(
    "text,tokens",
    [
        ("", []),
        ("  \t\n ", []),
        (":D :d XD x_X", [":D", ":d", "XD", "x_X"]),  # every shape ignores case
        ("##hello @@you", ["#", "#hello", "@", "@you"]),
        ("I'm here!!!", ["I'm", "here", "!!!"]),
        ("PROF. Dr. mrs.", ["PROF.", "Dr.", "mrs."]),
        ("</3 <3<3", ["</3", "<3<3"]),
    ],
)
def test_torchmoji_tokenize_more_shapes(text, tokens):
    assert tokenize(text) == tokens


@pytest.mark.parametrize(
    "text",
    ["mail me: a.b@c.de or x@y, ok?", "1-1-1-1@", "@@you ##me a@b.c@d.e", "ab@ cd", "plain text"],
)
def test_torchmoji_tokenize_without_email_shape_where_no_at(text):
    """Words without '@' skip the e-mail shape: the tokens are those of the full pattern."""
    from spacy_transfer.torchmoji.tokenizer import TOKEN_RE

    full = [(m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(text)]
    assert tokenize_with_spans(text) == full


def test_torchmoji_tokenize_long_runs_linear():
    """A long run of e-mail characters ("1-1-1-...") is not rescanned from every token."""
    import time

    def seconds(text):
        start = time.process_time()
        tokenize(text)
        return time.process_time() - start

    short, long = seconds("1-" * 2000), seconds("1-" * 16000)
    assert long < 30 * max(short, 1e-4)  # 8x the text; quadratic would be ~64x
