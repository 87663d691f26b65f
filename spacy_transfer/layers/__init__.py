"""Thinc/PyTorch glue shared by several components (no torch import at module level). Imports no component.

- transformer: TransformerModel.v1, a Hugging Face encoder giving one vector per spaCy token (alignment.py,
  windows.py and window_pooling.py are its parts); frozen_encoder and tuned_encoder wrap it.
- hf_io: load/save Hugging Face model directories offline (config + fast tokenizer + safetensors).
- listener: TransformerListener, a downstream stand-in for a shared upstream encoder.
"""
