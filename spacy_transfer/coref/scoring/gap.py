"""GAP (Webster et al. 2018): read the TSV, decide from predicted clusters, score.

GAP gives, per example, a text, an ambiguous pronoun and two person names A and B,
each with a character offset, and says whether each name corefers with the pronoun.
The official metric is F1 over the 2N binary (pronoun, name) decisions, overall,
for feminine and masculine pronouns, and the bias ratio F1(feminine) / F1(masculine).

A coref pipeline is run on the unchanged `Text`; a name counts as predicted
coreferent when the cluster holding the pronoun (a mention whose characters are
exactly the pronoun's) also holds a mention that overlaps the name's characters and
does not end after the name. So "Bob Suter", "Suter" and "medalist Bob Suter" match
the name "Bob Suter", while "Bob Suter's uncle" does not.
"""

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple, Union

from spacy.tokens import Doc

from ...errors import Errors
from ..clusters import DEFAULT_CLUSTER_PREFIX, cluster_keys
from ..word_lists import FEMININE_PRONOUNS, MASCULINE_PRONOUNS

GAP_COLUMNS = (
    "ID", "Text", "Pronoun", "Pronoun-offset", "A", "A-offset", "A-coref",
    "B", "B-offset", "B-coref", "URL",
)  # fmt: skip
BOOLEANS = {"TRUE": True, "FALSE": False}


@dataclass(frozen=True)
class GapExample:
    """One GAP row. Offsets are character offsets into `text`."""

    id: str
    text: str
    pronoun: str
    pronoun_offset: int
    a: str
    a_offset: int
    a_coref: bool
    b: str
    b_offset: int
    b_coref: bool
    url: str = ""

    @property
    def gender(self) -> str:
        """RETURNS (str): "F" or "M", from the pronoun."""
        return "F" if self.pronoun.lower() in FEMININE_PRONOUNS else "M"


def _check_offset(path: str, line: int, row: Dict[str, str], what: str, offset: int) -> None:
    expected = row[what]
    found = row["Text"][offset : offset + len(expected)]
    if found != expected:
        raise ValueError(
            Errors.E069.format(
                path=path,
                line=line,
                id=row["ID"],
                what=what,
                expected=expected,
                offset=offset,
                found=found,
            )
        )


def read_gap(path: Union[str, Path]) -> List[GapExample]:
    """Read a GAP TSV file (with its header row) and check every offset.

    path (Union[str, Path]): e.g. gap-test.tsv.
    RETURNS (List[GapExample]): The examples, in file order.
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(Errors.E050.format(path=path))
    examples = []
    with path.open(encoding="utf8", newline="") as file_:
        # GAP texts contain quotes, so quoting is off; fields never contain tabs.
        reader = csv.reader(file_, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header is None or tuple(header) != GAP_COLUMNS:
            raise ValueError(
                Errors.E068.format(
                    path=path,
                    line=1,
                    detail=f"expected header {GAP_COLUMNS}, found {header}",
                )
            )
        for line, fields in enumerate(reader, start=2):
            if not fields:
                continue
            if len(fields) != len(GAP_COLUMNS):
                raise ValueError(
                    Errors.E068.format(
                        path=path,
                        line=line,
                        detail=f"{len(fields)} columns instead of {len(GAP_COLUMNS)}",
                    )
                )
            row = dict(zip(GAP_COLUMNS, fields))
            try:
                offsets = {k: int(row[f"{k}-offset"]) for k in ("Pronoun", "A", "B")}
            except ValueError as err:
                raise ValueError(Errors.E068.format(path=path, line=line, detail=err)) from None
            for key in ("A-coref", "B-coref"):
                if row[key] not in BOOLEANS:
                    raise ValueError(
                        Errors.E068.format(
                            path=path,
                            line=line,
                            detail=f"{key} is {row[key]!r}, not TRUE/FALSE",
                        )
                    )
            if row["Pronoun"].lower() not in FEMININE_PRONOUNS + MASCULINE_PRONOUNS:
                raise ValueError(
                    Errors.E068.format(
                        path=path,
                        line=line,
                        detail=f"unknown pronoun {row['Pronoun']!r}",
                    )
                )
            for what in ("Pronoun", "A", "B"):
                _check_offset(str(path), line, row, what, offsets[what])
            examples.append(
                GapExample(
                    id=row["ID"],
                    text=row["Text"],
                    pronoun=row["Pronoun"],
                    pronoun_offset=offsets["Pronoun"],
                    a=row["A"],
                    a_offset=offsets["A"],
                    a_coref=BOOLEANS[row["A-coref"]],
                    b=row["B"],
                    b_offset=offsets["B"],
                    b_coref=BOOLEANS[row["B-coref"]],
                    url=row["URL"],
                )
            )
    return examples


def _matches_name(start: int, end: int, name_start: int, name_end: int) -> bool:
    return start < name_end and end > name_start and end <= name_end


def predict_gap(example: GapExample, doc: Doc, span_prefix: str = DEFAULT_CLUSTER_PREFIX) -> Tuple[bool, bool]:
    """Read the A and B decisions off a doc's predicted clusters.

    example (GapExample): The example.
    doc (Doc): The pipeline's output for example.text.
    span_prefix (str): Prefix of the cluster span groups.
    RETURNS (Tuple[bool, bool]): Whether A, and whether B, is predicted to corefer
        with the pronoun.
    """
    if doc.text != example.text:
        raise ValueError(Errors.E071.format(id=example.id))
    p_start = example.pronoun_offset
    p_end = p_start + len(example.pronoun)
    a_span = (example.a_offset, example.a_offset + len(example.a))
    b_span = (example.b_offset, example.b_offset + len(example.b))
    pred_a = pred_b = False
    for key in cluster_keys(doc, span_prefix):
        spans = [(s.start_char, s.end_char) for s in doc.spans[key]]
        if (p_start, p_end) not in spans:
            continue
        others = [s for s in spans if s != (p_start, p_end)]
        pred_a = pred_a or any(_matches_name(*s, *a_span) for s in others)
        pred_b = pred_b or any(_matches_name(*s, *b_span) for s in others)
    return pred_a, pred_b


def _prf(tp: int, fp: int, fn: int) -> Tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def score_gap(examples: Sequence[GapExample], predictions: Iterable[Tuple[bool, bool]]) -> Dict[str, float]:
    """The GAP metric: P/R/F1 over (pronoun, name) decisions, by pronoun gender.

    examples (Sequence[GapExample]): The gold examples.
    predictions (Iterable[Tuple[bool, bool]]): (A, B) decisions, one per example.
    RETURNS (Dict[str, float]): `gap_{p,r,f}` overall, `gap_{p,r,f}_masculine`,
        `gap_{p,r,f}_feminine` and `gap_bias` = F1 feminine / F1 masculine (0 when
        the masculine F1 is 0).
    """
    predictions = list(predictions)
    if len(predictions) != len(examples):
        raise ValueError(Errors.E070.format(n_gold=len(examples), n_pred=len(predictions)))
    counts = {g: [0, 0, 0] for g in ("", "_masculine", "_feminine")}
    for example, (pred_a, pred_b) in zip(examples, predictions):
        group = "_feminine" if example.gender == "F" else "_masculine"
        for gold, pred in ((example.a_coref, pred_a), (example.b_coref, pred_b)):
            for g in ("", group):
                counts[g][0] += int(gold and pred)
                counts[g][1] += int(pred and not gold)
                counts[g][2] += int(gold and not pred)
    result: Dict[str, float] = {}
    for g, (tp, fp, fn) in counts.items():
        p, r, f = _prf(tp, fp, fn)
        result[f"gap_p{g}"], result[f"gap_r{g}"], result[f"gap_f{g}"] = p, r, f
    m = result["gap_f_masculine"]
    result["gap_bias"] = result["gap_f_feminine"] / m if m else 0.0
    result["gap_n"] = float(len(examples))
    return result
