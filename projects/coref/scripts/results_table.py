"""One markdown table of every coreference figure that `evaluate-coref` wrote.

    python scripts/results_table.py metrics metrics/results.md
    python scripts/results_table.py metrics metrics/results_tiers.md --systems coref,coref_base,neuralcoref

Reads METRICS_DIR/<system>/<set>.json (systems such as coref, coref_context_null, neuralcoref; sets as written by
evaluate_coref.py, evaluate_gap.py, evaluate_winobias.py and evaluate_everyday.py) and writes one row per
figure, one column per system, "–" where a system was not scored on a set.
"""

import json
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import typer
from wasabi import msg

SYSTEMS = ("coref", "coref_context_null", "coref_singletons", "neuralcoref")


def conll(key: str = "coref_conll_f_nosingletons") -> Callable[[dict], str]:
    return lambda scores: f"{100 * scores[key]:.1f}"


def gap(scores: dict) -> str:
    return f"{100 * scores['gap_f']:.1f} ({scores['gap_bias']:.2f})"


def winobias(kind: str) -> Callable[[dict], str]:
    def cell(scores: dict) -> str:
        pro, anti = scores[f"{kind}_pro"]["accuracy"], scores[f"{kind}_anti"]["accuracy"]
        return f"{pro:.3f} / {anti:.3f} ({100 * (pro - anti):+.1f})"

    return cell


def winobias_strict(scores: dict) -> str:
    """Type 1 and type 2, pro / anti: correct without both occupations in the pronoun's cluster."""
    if "strict_accuracy" not in scores["type1_pro"]:  # scored before the strict figure existed
        return "–"
    return "; ".join(
        f"{scores[f'{kind}_pro']['strict_accuracy']:.3f} / {scores[f'{kind}_anti']['strict_accuracy']:.3f}"
        for kind in ("type1", "type2")
    )


def everyday(scores: dict) -> str:
    total = scores["overall"]
    return (
        f"{total['found']}/{total['pairs']} ({100 * total['recall']:.0f} %); "
        f"wrong {total['wrong']}/{total['distinct']} ({100 * total['wrong_rate']:.0f} %)"
    )


ROWS: List[Tuple[str, str, Callable[[dict], str]]] = [
    ("LitBank dev, CoNLL-F1 without singletons", "litbank_dev", conll()),
    ("GUM dev", "gum_dev", conll()),
    ("LitBank test", "litbank_test", conll()),
    ("LitBank test, with singletons", "litbank_test", conll("coref_conll_f")),
    ("GUM test (GUM scheme)", "gum_test", conll()),
    ("OntoGUM test", "ontogum_test", conll()),
    ("GAP test F1 (F/M)", "gap_test", gap),
    ("WinoBias type 1 pro / anti (gap)", "winobias_test", winobias("type1")),
    ("WinoBias type 2 pro / anti (gap)", "winobias_test", winobias("type2")),
    (
        "WinoBias strict (the pronoun's cluster without the other occupation): type 1; type 2",
        "winobias_test",
        winobias_strict,
    ),
    ("WinoBias type 1, after a naming sentence", "winobias_test_named", winobias("type1")),
    ("WinoBias type 2, after a naming sentence", "winobias_test_named", winobias("type2")),
    ("Everyday set: must-pairs found; wrong links", "everyday", everyday),
]


def read(path: Path) -> Optional[dict]:
    return json.loads(path.read_text(encoding="utf8")) if path.exists() else None


def main(
    metrics_dir: Path = typer.Argument(..., exists=True, file_okay=False, help="evaluate-coref's metrics folder"),
    output: Path = typer.Argument(..., help="Markdown file for the table"),
    systems_option: str = typer.Option(",".join(SYSTEMS), "--systems", help="Comma-separated systems (columns)"),
) -> None:
    systems = [s for s in systems_option.split(",") if (metrics_dir / s).is_dir()]
    if not systems:
        msg.fail(f"No scores in {metrics_dir}: run evaluate-coref first", exits=1)
    lines = ["| | " + " | ".join(f"`{s}`" for s in systems) + " |", "|---" * (len(systems) + 1) + "|"]
    for label, name, cell in ROWS:
        values = [read(metrics_dir / s / f"{name}.json") for s in systems]
        if all(v is None for v in values):
            continue
        lines.append(f"| {label} | " + " | ".join("–" if v is None else cell(v) for v in values) + " |")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines) + "\n", encoding="utf8")
    print("\n".join(lines))


if __name__ == "__main__":
    typer.run(main)
