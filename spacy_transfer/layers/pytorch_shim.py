"""A PyTorch shim whose prediction is safe to call from several threads at once.

Thinc's `PyTorchShim.predict` switches the module to eval mode, runs it, and switches it back to train mode.
With one pipeline called from several threads (a web server), a thread that finishes switches dropout back on
while another thread is still in its forward pass, which then returns silently different numbers. Here
prediction leaves the module in eval mode; `begin_update` (training) switches to train mode as before.

Modules may cache values derived from their weights for prediction (torchmoji fuses its LSTM gates). Thinc's
optimizer changes the weights in place through numpy, which torch's version counters do not see, so after each
optimizer step every submodule with a `reset_inference_cache()` method is told to drop its cache.
"""

from typing import Any

from thinc.api import Model, PyTorchShim


class EvalModePyTorchShim(PyTorchShim):
    """A `PyTorchShim` whose `predict` leaves the module in eval mode (see the module docstring)."""

    def predict(self, inputs: Any) -> Any:
        """Run the module in eval mode without gradients, and leave it in eval mode."""
        import torch

        if self._model.training:
            self._model.eval()
        with torch.no_grad():
            with torch.autocast(device_type="cuda", enabled=self._mixed_precision):
                return self._model(*inputs.args, **inputs.kwargs)

    def finish_update(self, optimizer) -> None:
        super().finish_update(optimizer)
        reset_inference_caches(self._model)


def reset_inference_caches(module) -> None:
    """Tell every submodule of `module` that caches values derived from its weights to drop them."""
    for sub in module.modules():
        reset = getattr(sub, "reset_inference_cache", None)
        if callable(reset):
            reset()


def keep_eval_mode(wrapper: Model) -> Model:
    """Make a `PyTorchWrapper_v2` layer predict without switching its module back to train mode.

    wrapper (Model): a Thinc PyTorch wrapper holding one `PyTorchShim`.
    RETURNS (Model): the same layer, whose shim is now an `EvalModePyTorchShim`.
    """
    shim = wrapper.shims[0]
    if type(shim) is PyTorchShim:
        # The subclass adds no state, so the class can change in place: construction, serialization and
        # copies stay Thinc's own.
        shim.__class__ = EvalModePyTorchShim
    return wrapper
