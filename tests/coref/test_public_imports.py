"""The public imports of `spacy_transfer.coref` (its `__all__` and what README.md and docs/*.md show) keep working
after the package was split by audience (issue #25), importing the package stays cheap, and the top-level format
never imports the subpackages at module level."""

import ast
import json
from pathlib import Path

import pytest
import spacy

from ..helpers import ROOT, run_in_fresh_interpreter

COREF = ROOT / "spacy_transfer" / "coref"
SUBPACKAGES = ("view", "corpora", "scoring")
# What `import spacy_transfer.coref` may load of this package: the format and the coded errors.
FORMAT_MODULES = [
    "spacy_transfer",
    "spacy_transfer.coref",
    "spacy_transfer.coref.clusters",
    "spacy_transfer.coref.extensions",
    "spacy_transfer.coref.resolve",
    "spacy_transfer.coref.word_lists",
    "spacy_transfer.errors",
]


@pytest.fixture
def doc():
    nlp = spacy.blank("en")
    doc = nlp("Alice gave Bob her book because he had lost his.")
    doc.spans["coref_clusters_1"] = [doc[0:1], doc[3:4]]
    doc.spans["coref_clusters_2"] = [doc[2:3], doc[6:7], doc[9:10]]
    return doc


def test_every_name_in_all_imports():
    import spacy_transfer.coref

    for name in spacy_transfer.coref.__all__:
        assert getattr(spacy_transfer.coref, name) is not None, name
    with pytest.raises(AttributeError, match="no_such_name"):
        spacy_transfer.coref.no_such_name


def test_format_imports_work_on_a_doc(doc):
    from spacy_transfer.coref import (
        COREF_DATA_KEY,
        DEFAULT_CLUSTER_PREFIX,
        RESOLVE_STYLES,
        Cluster,
        best_mention,
        char_clusters,
        cluster_keys,
        doc_clusters,
        get_clusters,
        install_extensions,
        resolve_text,
        resolved_text,
    )

    install_extensions()
    assert (COREF_DATA_KEY, DEFAULT_CLUSTER_PREFIX, RESOLVE_STYLES) == (
        "neuralcoref",
        "coref_clusters",
        ("grammatical", "literal"),
    )
    clusters = get_clusters(doc)
    assert all(isinstance(c, Cluster) for c in clusters)
    assert [c.main.text for c in clusters] == ["Alice", "Bob"]
    assert best_mention(list(doc.spans["coref_clusters_2"])).text == "Bob"
    assert cluster_keys(doc) == ["coref_clusters_1", "coref_clusters_2"]
    assert doc_clusters(doc) == [[(0, 0), (3, 3)], [(2, 2), (6, 6), (9, 9)]]
    assert char_clusters(doc)[0] == [[0, 5, "Alice"], [15, 18, "her"]]
    assert resolved_text(doc) == "Alice gave Bob Alice's book because Bob had lost Bob's."
    assert resolve_text(doc, clusters, "literal") == "Alice gave Bob Alice book because Bob had lost Bob."
    assert doc._.coref_resolved == resolved_text(doc)


def test_view_imports_from_the_package_and_its_root(doc):
    import spacy_transfer
    from spacy_transfer.coref import render_coref, serve_coref, serve_visualizer
    from spacy_transfer.coref.view import render_coref as view_render_coref

    assert render_coref is view_render_coref is spacy_transfer.render_coref
    assert serve_coref is spacy_transfer.serve_coref
    assert callable(serve_visualizer)
    html = render_coref(doc, jupyter=False)
    assert html.count('class="coref-mention"') == 5 and 'data-cluster="2"' in html


def test_score_clusters_imports_as_the_docs_show():
    from spacy_transfer.coref.scoring import score_clusters

    gold = [[[(0, 0), (3, 3)], [(2, 2), (6, 6)]]]
    assert score_clusters(gold, gold)["coref_conll_f"] == 1.0
    assert score_clusters(gold, [[[(0, 0), (6, 6)]]])["coref_muc_r"] == 0.0


def test_registered_names_point_to_the_moved_modules():
    entry_points = json.loads((ROOT / "tests" / "entry_points.json").read_text(encoding="utf8"))
    assert entry_points["spacy_scorers"]["spacy_transfer.coref_scorer.v1"] == (
        "spacy_transfer.coref.scoring.scorer:make_coref_scorer"
    )
    assert entry_points["spacy_readers"]["spacy_transfer.CorefCorpus.v1"] == (
        "spacy_transfer.coref.corpora.corpus:create_coref_corpus_reader"
    )


def test_importing_the_package_loads_only_the_format():
    # spaCy's thinc imports torch itself where it is installed, so torch and transformers are blocked: the import
    # fails if any module it loads needs them.
    out = run_in_fresh_interpreter(
        "import sys\n"
        "sys.modules['torch'] = None\n"
        "sys.modules['transformers'] = None\n"
        "import spacy_transfer.coref\n"
        "print(sorted(m for m in sys.modules if m.startswith('spacy_transfer')))"
    )
    assert out.strip() == str(FORMAT_MODULES)


def _imports(path: Path, everywhere: bool):
    """The absolute module names that a module of spacy_transfer/coref imports: at module level, or `everywhere`
    (inside functions too)."""
    package = ["spacy_transfer", *path.relative_to(ROOT / "spacy_transfer").parent.parts]
    tree = ast.parse(path.read_text(encoding="utf8"))
    for stmt in ast.walk(tree) if everywhere else tree.body:
        if isinstance(stmt, ast.ImportFrom):
            base = package[: len(package) - stmt.level + 1] if stmt.level else []
            module = ".".join(base + ([stmt.module] if stmt.module else []))
            yield from (module if stmt.module else f"{module}.{alias.name}" for alias in stmt.names)
        elif isinstance(stmt, ast.Import):
            yield from (alias.name for alias in stmt.names)


def test_the_top_level_never_imports_the_subpackages_at_module_level():
    subpackages = tuple(f"spacy_transfer.coref.{name}" for name in SUBPACKAGES)
    assert "spacy_transfer.coref.view" in set(_imports(COREF / "__init__.py", everywhere=True))  # lazily
    for path in sorted(COREF.glob("*.py")):
        assert not [m for m in _imports(path, everywhere=False) if m.startswith(subpackages)], path.name


def test_coref_never_imports_annotate():
    imported = {m for path in COREF.rglob("*.py") for m in _imports(path, everywhere=True)}
    assert "spacy_transfer.coref.corpora.records" in imported  # the resolver sees relative imports
    assert not [m for m in imported if m.startswith("spacy_transfer.annotate")]


def test_coref_top_level_stays_small():
    # The format and the component's own modules only; anything serving another audience goes to a subpackage.
    modules = sorted(path.name for path in COREF.glob("*.py"))
    assert len(modules) <= 14, modules
    assert {path.name for path in COREF.iterdir() if path.is_dir() and (path / "__init__.py").exists()} == set(
        SUBPACKAGES
    )
