"""Thinc/PyTorch glue shared by several components (no torch import at module level).

- hf_io: load/save Hugging Face model directories offline (config + fast tokenizer + safetensors).
- listener: TransformerListener, a downstream stand-in for a shared upstream encoder.
"""
