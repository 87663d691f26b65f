"""A PyTorch shim whose prediction is safe to call from several threads at once.

Thinc's `PyTorchShim.predict` switches the module to eval mode, runs it, and switches it back to train mode.
With one pipeline called from several threads (a web server), a thread that finishes switches dropout back on
while another thread is still in its forward pass, which then returns silently different numbers. Here
prediction leaves the module in eval mode; `begin_update` (training) switches to train mode as before.

Modules may cache values derived from their weights for prediction (torchmoji fuses its LSTM gates). Thinc's
optimizer changes the weights in place through numpy, which torch's version counters do not see, so after each
optimizer step every submodule with a `reset_inference_cache()` method is told to drop its cache.

Thinc's `PyTorchShim.finish_update` also sets `param.data` to a new tensor after every step, made from the numpy
array the optimizer returned, which is a view of the previous tensor. Each parameter thus grows a chain of tensors,
one per step, that is never freed; the chain's small allocations land between the large gradient temporaries in
glibc's heap, which then cannot reuse or return those blocks. Training grew by about one embedding table per
update (369 MB over 60 updates of torchmoji). `update_in_place` writes the new weights into the parameter's own
storage instead, so nothing outlives the step.
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

    # The parameters' learning rate as a share of the optimizer's (TunedTransformer's shim lowers it).
    lr_scale = 1.0

    def finish_update(self, optimizer) -> None:
        """Thinc's step (with its mixed-precision scaler), but updating the parameters in place."""
        for key, param in self._model.named_parameters():
            if param.grad is None:
                continue
            if not self._grad_scaler.found_inf:  # skip the step if a gradient overflowed, as Thinc does
                update_in_place(optimizer, (self.id, key), param, lr_scale=self.lr_scale)
            param.grad.zero_()
        self._grad_scaler.update()
        reset_inference_caches(self._model)


def update_in_place(optimizer, key: Any, param: Any, *, lr_scale: float = 1.0) -> None:
    """Apply one optimizer step to a torch parameter, keeping its tensor and storage (see the module docstring).

    optimizer (Optimizer): the Thinc optimizer. key (Any): its key for this parameter, (shim id, name).
    param (torch.nn.Parameter): a parameter with a gradient. lr_scale (float): scales the learning rate.
    """
    import torch
    from thinc.api import torch2xp, xp2torch

    weights, _ = optimizer(key, torch2xp(param.data), torch2xp(param.grad), lr_scale=lr_scale)
    updated = xp2torch(weights, device=param.device)
    # Thinc's Adam and SGD update the array in place, so usually there is nothing to copy.
    if updated.data_ptr() != param.data_ptr():
        with torch.no_grad():
            param.copy_(updated)


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
