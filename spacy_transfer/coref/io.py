"""Where the `coref` component's trained weights live, and reading them into its model.

The packaged weights sit in `data/<name>/` beside this module; a directory with the same files works too
(`spacy_transfer.util.resolve_packaged` decides, with spacy.load's precedence). safetensors and torch are
imported inside `load_weights` only, so that importing this module stays cheap.
"""

import warnings
from pathlib import Path
from typing import Any, Dict, List, Optional

import srsly
from thinc.api import Model

from .. import util
from ..errors import Errors, Warnings
from .model import scorer_module

DEFAULT_WEIGHTS = "coref-en"
PACKAGED_WEIGHTS = Path(__file__).parent / "data"
HEAD_WEIGHTS_FILE = "head.safetensors"
# A head fine-tuned on the vectors of gender-neutral copies, loaded instead of head.safetensors for
# gender_neutral = true.
NEUTRAL_HEAD_WEIGHTS_FILE = "head_neutral.safetensors"
ENCODER_WEIGHTS_FILE = "encoder.safetensors"
META_FILE = "meta.json"  # written by projects/coref/scripts/export_coref.py
# Packaged names of earlier releases -> today's name (with a warning, as the weights differ).
RENAMED_WEIGHTS = {"coref-en-litbank": DEFAULT_WEIGHTS}


def packaged_names() -> List[str]:
    """The names of the packaged weights (for error messages)."""
    return util.packaged_names(PACKAGED_WEIGHTS, HEAD_WEIGHTS_FILE)


def weights_path(name: str) -> Path:
    """The head weights file for a packaged name or a directory."""
    if name in RENAMED_WEIGHTS and not Path(name).exists():
        warnings.warn(Warnings.W011.format(old=name, new=RENAMED_WEIGHTS[name]))
        name = RENAMED_WEIGHTS[name]
    folder = util.resolve_packaged(name, PACKAGED_WEIGHTS, HEAD_WEIGHTS_FILE)
    if folder is not None and (folder / HEAD_WEIGHTS_FILE).is_file():
        return folder / HEAD_WEIGHTS_FILE
    raise ValueError(
        Errors.E076.format(
            name=name,
            detail="neither a packaged name nor a directory with " f"{HEAD_WEIGHTS_FILE}",
            packaged=packaged_names(),
        )
    )


def trained_model_config(name: str) -> Optional[Dict[str, Any]]:
    """The model config the weights were trained with ([model] with its [model.tok2vec]), from their meta.json.

    RETURNS (Optional[Dict[str, Any]]): None where the weights cannot be found (the component raises E076 when it
        first needs them) or record no config.
    """
    try:
        path = weights_path(name).parent / META_FILE
    except ValueError:
        return None
    if not path.is_file():
        return None
    meta = srsly.read_json(path)
    if not isinstance(meta.get("model"), dict) or not isinstance(meta.get("encoder"), dict):
        return None
    return {**meta["model"], "tok2vec": dict(meta["encoder"])}


def load_weights(model: Model, name: str, *, gender_neutral: bool, complete: bool) -> None:
    """Load trained weights into a WordCoref model: the head, and the tuned encoder layers where it has some.

    model (Model): the component's model (WordCoref.v1 or .v2).
    name (str): a packaged name such as "coref-en", or a directory.
    gender_neutral (bool): load the head trained on gender-neutral copies where the weights have one.
    complete (bool): whether `name` must hold everything the model has: tuned encoder layers and the mention
        scorer (else what is missing stays as it is, e.g. to start training from a head trained on a frozen
        encoder).
    RAISES (ValueError): E076 where the weights are missing, unreadable or of other sizes than the model.
    """
    from safetensors.torch import load_file

    from ..layers.tuned_encoder import is_tuned_transformer, load_tuned_state

    path = weights_path(name)
    tok2vec = model.get_ref("tok2vec")
    tok2vec.initialize()
    head = scorer_module(model)
    encoder_path = path.parent / ENCODER_WEIGHTS_FILE
    if gender_neutral and (path.parent / NEUTRAL_HEAD_WEIGHTS_FILE).is_file():
        path = path.parent / NEUTRAL_HEAD_WEIGHTS_FILE
    try:
        state = load_file(str(path))
        tuned = is_tuned_transformer(tok2vec)
        encoder_state = load_file(str(encoder_path)) if tuned and encoder_path.exists() else {}
        if "layer_logits" in state and not hasattr(head, "layer_logits"):
            # A head that mixed the encoder's layers itself, for an encoder that mixes them inside:
            # the same weights, moved (mixing commutes with pooling).
            encoder_state["layer_logits"] = state.pop("layer_logits")
        if head.mention is None:  # WordCoref.v1 reads weights trained with v2, without their mention scorer
            state = {k: v for k, v in state.items() if not k.startswith("mention.")}
        elif complete and not any(k.startswith("mention.") for k in state):
            raise ValueError(
                "no mention scorer (trained with WordCoref.v1): set the architecture to "
                "spacy_transfer.WordCoref.v1 to use them"
            )
        head.load_state_dict({k: v.float() for k, v in state.items()}, strict=complete)
        if tuned:
            load_tuned_state(tok2vec, {k: v.float() for k, v in encoder_state.items()}, complete=complete)
    except Exception as err:  # safetensors and torch raise several types
        raise ValueError(
            Errors.E076.format(
                name=name,
                detail=f"unreadable or of other sizes than the model config ({err})",
                packaged=packaged_names(),
            )
        ) from err
