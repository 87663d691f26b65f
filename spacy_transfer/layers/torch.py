"""The torch side of Thinc models: the wrapped nn.Module, and the device new tensors go to.

torch is imported inside the functions, so component modules can import this one at load time.
"""

from typing import Any, Optional

from thinc.api import Model

from ..errors import Errors


def get_torch_wrapper(model: Model) -> Model:
    """The layer of `model` that wraps a PyTorch module (a PyTorchWrapper holding one shim).

    model (Model): A model that is, or contains, one PyTorch wrapper.
    RETURNS (Model): The first such layer in breadth-first order.
    """
    for node in model.walk():
        if node.shims:
            return node
    raise ValueError(Errors.E350.format(name=model.name))


def get_torch_module(model: Model) -> Any:
    """The nn.Module inside a Thinc model (e.g. for its state_dict or to freeze parameters).

    model (Model): A model that is, or contains, one PyTorch wrapper.
    RETURNS (torch.nn.Module): The wrapped module.
    """
    return get_torch_wrapper(model).shims[0]._model


def torch_device(model: Optional[Model] = None) -> Any:
    """The torch device for new tensors.

    With a model, the device its PyTorch module was placed on: the shim keeps it, so inputs follow the
    weights even if the current ops change later. Without one, the device matching Thinc's current ops
    (a GPU after spacy.require_gpu(), when torch sees one).

    model (Optional[Model]): A model that is, or contains, one PyTorch wrapper.
    RETURNS (torch.device): The device.
    """
    if model is not None:
        return get_torch_wrapper(model).shims[0].device
    import torch
    from thinc.api import get_current_ops

    ops = get_current_ops()
    if getattr(ops, "device_type", "cpu") == "gpu" and torch.cuda.is_available():
        return torch.device(f"cuda:{getattr(ops, 'device_id', 0)}")
    return torch.device("cpu")
