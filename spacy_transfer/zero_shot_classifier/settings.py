"""Validation of the zero_shot_classifier component's settings, called from the component's __init__."""

from pathlib import Path
from typing import Any, Dict

from ..errors import Errors
from ..layers.packaged_encoders import is_packaged_encoder, packaged_encoder_names, packaged_encoder_path
from .util import check_label_list

BACKENDS = ("nli", "embedding")


def check_settings(cfg: Dict[str, Any]) -> None:
    """Raise E250, naming the setting and what it expects, for the first invalid setting in `cfg`.

    cfg (Dict[str, Any]): The component's settings as given to its __init__.
    """
    labels, label_descriptions, backend, model = cfg["labels"], cfg["label_descriptions"], cfg["backend"], cfg["model"]
    hypothesis_template, temperature = cfg["hypothesis_template"], cfg["temperature"]
    batch_size, max_length = cfg["batch_size"], cfg["max_length"]

    def bad(key: str, value: Any, detail: str) -> ValueError:
        return ValueError(Errors.E250.format(key=key, value=value, detail=detail))

    if backend not in BACKENDS:
        raise bad("backend", backend, f"choose one of {list(BACKENDS)}")
    if check_label_list(labels) is None:
        raise bad("labels", labels, "expected a list of unique, non-empty strings")
    if not isinstance(label_descriptions, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in label_descriptions.items()
    ):
        raise bad("label_descriptions", label_descriptions, "expected a dict of label -> non-empty text")
    if hypothesis_template is not None and not _is_template(hypothesis_template):
        raise bad(
            "hypothesis_template", hypothesis_template, "it must contain '{}' exactly once, e.g. 'This example is {}.'"
        )
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise bad("batch_size", batch_size, "expected a positive integer")
    if max_length is not None and (not isinstance(max_length, int) or max_length < 8):
        raise bad("max_length", max_length, "expected null or an integer >= 8")
    depth = cfg.get("depth")
    if depth is not None and (not isinstance(depth, int) or isinstance(depth, bool) or depth < 1):
        raise bad("depth", depth, "expected null or a positive integer (how many transformer layers to keep)")
    if not isinstance(temperature, (int, float)) or not temperature > 0:
        raise bad("temperature", temperature, "expected a positive number")
    if model is None:
        if backend == "nli":
            raise bad(
                "model", model, "the 'nli' backend has no default model: give the local directory of an NLI model"
            )
    elif is_packaged_encoder(model):
        packaged_encoder_path(model)  # E352, naming the download command, until it has been downloaded
    elif not isinstance(model, str) or not Path(model).is_dir():
        known = ", ".join(packaged_encoder_names())
        detail = (
            "expected a local model directory that exists or the name of a downloaded encoder "
            f"({known}: fetch it once with `python -m spacy_transfer download NAME`); nothing is downloaded here"
        )
        raise bad("model", model, detail)


def _is_template(template: Any) -> bool:
    if not isinstance(template, str) or template.count("{}") != 1:
        return False
    try:
        template.format("label")
    except (IndexError, KeyError, ValueError):
        return False
    return True
