"""Load the pipeline named by a PIPELINE spec such as `en_core_web_sm + neuralcoref`.

The spec is a plain string so that every worker (a forked `nlp.pipe` process or a Ray
actor on another machine) can rebuild exactly the same pipeline from it.
"""

from pathlib import Path
from typing import Dict, List, Optional, Tuple

from ..errors import Errors
from ..util import ENGLISH_PIPELINES

# The official package is not on PyPI; a re-upload under another name is. When the user
# names the official one and it is missing, fall back to the re-upload and say so.
PIPELINE_FALLBACKS: Dict[str, Tuple[str, ...]] = {ENGLISH_PIPELINES[0]: ENGLISH_PIPELINES[1:]}

# Code files already imported in this process: importing one twice would register its
# factories twice.
_IMPORTED_CODE: Dict[str, object] = {}


def parse_spec(spec: str) -> Tuple[str, List[str]]:
    """Split a PIPELINE spec into the base pipeline and the components to add.

    spec (str): e.g. "en_core_web_sm + neuralcoref + torchmoji", a path, or "blank:en".
    RETURNS (Tuple[str, List[str]]): the base name and the factory names, in order.

    DOCS: docs/annotate.md#pipeline
    """
    parts = [part.strip() for part in spec.split("+")]
    if not parts or not parts[0] or any(not part for part in parts):
        raise ValueError(Errors.E315.format(spec=spec))
    return parts[0], parts[1:]


def import_code(code_path: Optional[str]) -> None:
    """Import a Python file that registers factories (like spaCy's `--code`), once.

    code_path (Optional[str]): path of the file, or None.
    """
    if not code_path:
        return
    key = str(Path(code_path).resolve())
    if key in _IMPORTED_CODE:
        return
    from spacy.util import import_file

    if not Path(key).is_file():
        raise ValueError(Errors.E314.format(key="code", value=code_path, detail="file not found"))
    module_name = f"spacy_transfer_annotate_code_{len(_IMPORTED_CODE)}"
    _IMPORTED_CODE[key] = import_file(module_name, key)


def resolve_spec(spec: str) -> Tuple[str, str]:
    """Choose the base pipeline without loading it (the Ray driver does not load one).

    spec (str): the PIPELINE spec.
    RETURNS (Tuple[str, str]): the spec with the base replaced by the first installed
        candidate (see PIPELINE_FALLBACKS), and that base name. Unchanged when no
        candidate is found, so that loading reports the real error.
    """
    from spacy.util import is_package

    base, components = parse_spec(spec)
    for name in (base,) + PIPELINE_FALLBACKS.get(base, ()):
        if name.startswith("blank:") or Path(name).exists() or is_package(name):
            return " + ".join([name] + components), name
    return spec, base


def load_pipeline(spec: str, code_path: Optional[str] = None):
    """Build the pipeline for a PIPELINE spec.

    spec (str): base pipeline (package name, path or "blank:xx") plus `+`-joined
        factory names to add at the end.
    code_path (Optional[str]): Python file to import first, for custom factories.
    RETURNS (Tuple[Language, str]): the pipeline and the base name actually loaded.

    DOCS: docs/annotate.md#pipeline
    """
    import spacy

    import_code(code_path)
    base, components = parse_spec(spec)
    candidates = (base,) + PIPELINE_FALLBACKS.get(base, ())
    nlp = None
    errors = []
    for name in candidates:
        try:
            nlp = spacy.load(name)
        except (OSError, IOError) as err:
            errors.append(f"{name}: {err}")
            continue
        used = name
        break
    if nlp is None:
        raise ValueError(Errors.E310.format(name=base, detail="; ".join(errors)))
    for factory in components:
        try:
            nlp.add_pipe(factory)
        except Exception as err:  # spaCy raises ValueError/KeyError/custom errors
            raise ValueError(Errors.E311.format(name=factory, detail=err)) from err
    return nlp, used
