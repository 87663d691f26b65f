"""Every coded message is used, and raised in one style: `raise XError(Errors.E….format(...))`."""

import re
from pathlib import Path

from spacy_transfer.errors import Errors, Warnings

PACKAGE = Path(__file__).resolve().parents[1] / "spacy_transfer"


def _codes(cls) -> set:
    return {name for name in vars(cls) if re.fullmatch(r"[EW]\d{3}", name)}


def _sources() -> str:
    return "\n".join(p.read_text(encoding="utf8") for p in PACKAGE.rglob("*.py") if p.name != "errors.py")


def test_every_code_is_used():
    source = _sources()
    unused = sorted(c for c in _codes(Errors) | _codes(Warnings) if not re.search(rf"\b{c}\b", source))
    assert not unused, f"defined in errors.py but never raised or warned: {unused}"


def test_every_used_code_is_defined():
    defined = _codes(Errors) | _codes(Warnings)
    # spaCy's own codes are reached as SpacyErrors / spacy.errors.Errors and are not ours to define
    used = set(re.findall(r"(?<![\w.])(?:Errors|Warnings)\.([EW]\d{3})\b", _sources()))
    assert used <= defined, f"used but not defined: {sorted(used - defined)}"


def test_one_raise_style():
    assert not re.search(r"\bcoded_error\(", _sources() + (PACKAGE / "errors.py").read_text(encoding="utf8"))
