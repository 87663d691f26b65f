"""transformer_encoder: a Hugging Face transformer inside spaCy, shared by downstream components."""

from .component import TransformerEncoder, make_transformer_encoder
from .extensions import install_extensions

__all__ = ["TransformerEncoder", "make_transformer_encoder", "install_extensions"]
