"""The doc extension written by transformer_encoder."""

from spacy.tokens import Doc

from ..layers.listener import TRF_DATA_ATTR


def install_extensions() -> None:
    """Register doc._.trf_data once; an existing attribute (the user's or another plugin's) is kept.

    doc._.trf_data is a dict of msgpack-safe values: "component" (str), "width" (int), "tokens" (float32
    n_tokens x width, the same array as doc.tensor, which DocBin does not keep), "wp_ids" (int32
    wordpiece ids), "align_wp"/"align_tok" (int32 (wordpiece, token) pairs) and "wordpieces" (float32
    n_wp x width last hidden states, or None with keep_wordpieces=False).
    """
    if not Doc.has_extension(TRF_DATA_ATTR):
        Doc.set_extension(TRF_DATA_ATTR, default=None)
