"""The `neuralcoref` pipeline component: neural mention-ranking coreference for spaCy 3.

No torch import at module level: spaCy imports every `spacy_factories` entry point when a
Language is created, so this module must import fast and never fail.
"""

import threading
import warnings
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional

import numpy
import srsly
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc
from spacy.util import ensure_path, from_bytes, from_disk, to_bytes, to_disk
from spacy.vocab import Vocab
from thinc.api import Config, Model

from ..coref.clusters import DEFAULT_CLUSTER_PREFIX, cluster_keys, write_clusters
from ..coref.extensions import install_extensions
from ..errors import Errors, Warnings, check_n_preds
from ..layers.fork import avoid_fork_deadlock
from . import model as _model  # noqa: F401  (registers the architecture; no torch import)
from .clustering import build_clusters, decide_antecedents, empty_prediction
from .settings import check_settings

if TYPE_CHECKING:
    from .weights import CorefWeights

default_model_config = """
[model]
@architectures = "spacy_transfer.CorefScorer.v1"
hidden1 = 1000
hidden2 = 500
hidden3 = 500
dropout = 0.0
"""
DEFAULT_NEURALCOREF_MODEL = Config().from_str(default_model_config)["model"]
DEFAULT_MODEL_NAME = "neuralcoref-en"
# Held while weights load on first use (module-level: a lock does not pickle).
_LOAD_LOCK = threading.Lock()


@Language.factory(
    "neuralcoref",
    assigns=["doc.spans"],
    requires=["token.tag", "token.dep", "doc.ents"],
    default_config={
        "model": DEFAULT_NEURALCOREF_MODEL,
        "model_name": DEFAULT_MODEL_NAME,
        "greedyness": 0.5,
        "max_dist": 50,
        "max_dist_match": 500,
        "max_match_antecedents": 50,
        "blacklist": True,
        "store_scores": True,
        "conv_dict": None,
        "span_prefix": DEFAULT_CLUSTER_PREFIX,
        "overwrite": False,
        "resolve": "grammatical",
        "loss": "ranking",
        "costs": {"false_new": 0.8, "false_link": 0.4, "wrong_link": 1.0},
        "max_pairs_per_batch": 20000,
        "scorer": {"@scorers": "spacy_transfer.coref_scorer.v1"},
    },
    default_score_weights={"coref_conll_f": 1.0},
)
def make_neuralcoref(
    nlp: Language,
    name: str,
    model: Model,
    model_name: Optional[str],
    greedyness: float,
    max_dist: int,
    max_dist_match: Optional[int],
    max_match_antecedents: Optional[int],
    blacklist: bool,
    store_scores: bool,
    conv_dict: Optional[Dict[str, List[str]]],
    span_prefix: str,
    overwrite: bool,
    resolve: str,
    loss: str,
    costs: Dict[str, float],
    max_pairs_per_batch: int,
    scorer: Optional[Callable],
) -> "NeuralCoref":
    """Create a neuralcoref component (see NeuralCoref for the settings)."""
    return NeuralCoref(
        nlp.vocab,
        model,
        name,
        model_name=model_name,
        greedyness=greedyness,
        max_dist=max_dist,
        max_dist_match=max_dist_match,
        max_match_antecedents=max_match_antecedents,
        blacklist=blacklist,
        store_scores=store_scores,
        conv_dict=conv_dict,
        span_prefix=span_prefix,
        overwrite=overwrite,
        resolve=resolve,
        loss=loss,
        costs=costs,
        max_pairs_per_batch=max_pairs_per_batch,
        scorer=scorer,
    )


class NeuralCoref(TrainablePipe):
    """Coreference resolution with neuralcoref's mention-ranking model.

    Mentions are found by rules over the tagger, parser and NER; each mention is scored
    against up to `max_dist` previous mentions (and the nearest `max_match_antecedents` of
    those within `max_dist_match` sharing a noun), and linked greedily to its best
    antecedent when that beats its "new entity" score.

    DOCS: docs/neuralcoref.md
    """

    def __init__(
        self,
        vocab: Vocab,
        model: Model,
        name: str = "neuralcoref",
        *,
        model_name: Optional[str],
        greedyness: float,
        max_dist: int,
        max_dist_match: Optional[int],
        max_match_antecedents: Optional[int],
        blacklist: bool,
        store_scores: bool,
        conv_dict: Optional[Dict[str, List[str]]],
        span_prefix: str,
        overwrite: bool,
        resolve: str,
        loss: str,
        costs: Optional[Dict[str, float]],
        max_pairs_per_batch: int,
        scorer: Optional[Callable] = None,
    ) -> None:
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scorer = scorer
        self.cfg: Dict[str, Any] = {
            "model_name": str(model_name) if model_name is not None else None,
            "greedyness": greedyness,
            "max_dist": max_dist,
            "max_dist_match": max_dist_match,
            "max_match_antecedents": max_match_antecedents,
            "blacklist": blacklist,
            "store_scores": store_scores,
            "conv_dict": dict(conv_dict) if conv_dict else None,
            "span_prefix": span_prefix,
            "overwrite": overwrite,
            "resolve": resolve,
            "loss": loss,
            "costs": dict(costs or {"false_new": 0.8, "false_link": 0.4, "wrong_link": 1.0}),
            "max_pairs_per_batch": max_pairs_per_batch,
        }
        check_settings(self.cfg)
        self.vectors = None  # CorefVectors, loaded with the weights
        install_extensions()

    # ---------------------------------------------------------------- weights
    def _ensure_weights(self) -> None:
        if self.vectors is not None:
            return
        if self.cfg["model_name"] is None:
            raise ValueError(Errors.E002.format(name="None", path="(model_name is null: call nlp.initialize())"))
        with _LOAD_LOCK:  # threads sharing the pipeline load the weights once, not into a module in use
            if self.vectors is None:
                self.load_weights(self.cfg["model_name"])

    def load_weights(self, model_name: str) -> None:
        """Load converted weights (a known name such as "neuralcoref-en", or a directory).

        model_name (str): the weights to load.
        """
        from .weights import converted_weights

        self._use_weights(converted_weights(model_name), model_name)

    def _use_weights(self, weights: "CorefWeights", name: str) -> None:
        """Take over weights from neuralcoref/weights.py: scorer state or model bytes, and vectors."""
        import torch

        from ..layers.torch import get_torch_module

        if weights.state is not None:
            module = get_torch_module(self.model)
            try:
                module.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in weights.state.items()})
            except RuntimeError as e:
                lines = [line.strip() for line in str(e).splitlines() if line.strip()]
                detail = " ".join(lines[1:3]) or lines[0]
                raise ValueError(Errors.E011.format(path=weights.source, detail=detail, name=name))
        if weights.saved_cfg is not None:
            # Continuing from a saved component: its conv_dict, this component's other settings.
            current = dict(self.cfg)
            self.cfg.update(weights.saved_cfg)
            self.cfg.update({k: v for k, v in current.items() if k != "conv_dict"})
        if weights.model_bytes is not None:
            self._load_model_bytes(weights.model_bytes, weights.model_file)
        # only now: a component whose weights failed to load must not look loaded
        self._set_vectors(weights.vectors)

    def _load_model_bytes(self, data: bytes, path) -> None:
        try:
            self.model.from_bytes(data)
        except AttributeError:
            raise ValueError(
                Errors.E003.format(path=path, detail="weights do not match the model config", name=self.name)
            )

    def _set_vectors(self, arrays: Dict[str, numpy.ndarray]) -> None:
        from .vectors import CorefVectors

        self.vectors = CorefVectors(
            arrays["static_vectors"], arrays["static_keys"], arrays["tuned_vectors"], arrays["tuned_keys"]
        )
        self.vectors.set_conv_dict(self.cfg["conv_dict"])

    def set_conv_dict(self, conv_dict: Optional[Dict[str, List[str]]]) -> None:
        """Give words custom embeddings: each key gets the mean of its words' vectors.

        conv_dict (Optional[Dict[str, List[str]]]): e.g. {"Deepika": ["woman", "actress"]};
            None removes them.
        """
        self.cfg["conv_dict"] = dict(conv_dict) if conv_dict else None
        check_settings(self.cfg)
        if self.vectors is not None:
            self.vectors.set_conv_dict(self.cfg["conv_dict"])

    def initialize(
        self,
        get_examples: Callable,
        *,
        nlp: Optional[Language] = None,
        init_weights: str = "original",
    ) -> None:
        """Prepare for training: start from the original weights, a trained pipeline, or scratch.

        get_examples (Callable[[], Iterable[Example]]): returns sample training examples.
        nlp (Language): the pipeline.
        init_weights (str): "original" fine-tunes the weights named by model_name;
            "scratch" keeps the freshly initialised scorer (word vectors still come from
            model_name); a path to a saved pipeline continues from its neuralcoref.
        DOCS: docs/neuralcoref.md
        """
        from itertools import islice

        from spacy.training import validate_get_examples

        validate_get_examples(get_examples, "NeuralCoref.initialize")
        sample = list(islice(get_examples(), 10))
        # Training data without clusters under our prefix would teach nothing. nlp.initialize() for inference
        # passes spaCy's placeholder, a single example without span groups: no reason to warn about that one.
        placeholder = len(sample) == 1 and not sample[0].reference.spans
        if not placeholder and not any(cluster_keys(eg.reference, self.cfg["span_prefix"]) for eg in sample):
            warnings.warn(Warnings.W001.format(prefix=self.cfg["span_prefix"]))
        from .weights import initial_weights

        model_name = self.cfg["model_name"] or DEFAULT_MODEL_NAME
        self._use_weights(initial_weights(init_weights, model_name, self.name), model_name)

    # ---------------------------------------------------------------- inference
    def featurize(self, doc: Doc, candidate_spans=None):
        """The model inputs of one doc (rule-based mentions unless candidates are given)."""
        from .features import featurize

        self._ensure_weights()
        return featurize(
            doc,
            self.vectors,
            max_dist=self.cfg["max_dist"],
            max_dist_match=self.cfg["max_dist_match"],
            max_match_antecedents=self.cfg.get("max_match_antecedents"),
            blacklist=self.cfg["blacklist"],
            candidate_spans=candidate_spans,
        )

    def _check_annotations(self, doc: Doc) -> None:
        if not any(not t.is_space for t in doc):
            return
        missing = [
            label
            for attr, label in (("TAG", "part-of-speech tags (tagger)"), ("DEP", "a dependency parse (parser)"))
            if not doc.has_annotation(attr)
        ]
        if not doc.has_annotation("ENT_IOB"):
            missing.append("entities (ner)")
        if missing:
            raise ValueError(Errors.E001.format(missing=", ".join(missing)))

    def predict(self, docs: Iterable[Doc]) -> List[Dict[str, numpy.ndarray]]:
        """Find mentions and score them; does not modify the docs.

        docs (Iterable[Doc]): parsed docs.
        RETURNS (List[Dict[str, numpy.ndarray]]): per doc, mention spans, scores and the
            chosen antecedent of every mention (itself when it starts a new entity).
        """
        docs = list(docs)
        avoid_fork_deadlock()
        preds = []
        for doc in docs:
            self._check_annotations(doc)
            feats = self.featurize(doc) if len(doc) else None
            if feats is None or feats.n_mentions == 0:
                preds.append(empty_prediction())
                continue
            single, pair = self.model.predict(feats)
            single = self.model.ops.to_numpy(single).astype("float32")
            pair = self.model.ops.to_numpy(pair).astype("float32")
            best = decide_antecedents(single, pair, feats.ant, feats.men, self.cfg["greedyness"])
            preds.append(
                {
                    "spans": feats.spans,
                    "types": feats.types,
                    "single": single,
                    "pair": pair,
                    "ant": feats.ant,
                    "men": feats.men,
                    "best": best,
                }
            )
        return preds

    def set_annotations(self, docs: Iterable[Doc], preds: List[Dict[str, numpy.ndarray]]) -> None:
        """Write clusters to doc.spans[f"{span_prefix}_{n}"] and scores to doc.user_data.

        docs (Iterable[Doc]): the docs.
        preds: the output of predict.
        """
        docs = list(docs)
        check_n_preds(docs, preds, "E006")
        for doc, pred in zip(docs, preds):
            clusters, mains = [], []
            for members, main in build_clusters(pred["best"], pred["types"]):
                clusters.append(pred["spans"][members].tolist())
                mains.append(members.index(main))
            data: Dict[str, Any] = {"resolve": self.cfg["resolve"]}
            if self.cfg["store_scores"]:
                data["scores"] = {k: pred[k] for k in ("spans", "single", "pair", "ant", "men")}
            write_clusters(
                doc,
                clusters,
                mains,
                span_prefix=self.cfg["span_prefix"],
                overwrite=self.cfg["overwrite"],
                component=self.name,
                data=data,
            )

    # ---------------------------------------------------------------- training
    def update(self, examples, *, drop: float = 0.0, sgd=None, losses: Optional[Dict[str, float]] = None):
        """Learn from a batch of examples with gold clusters in reference.spans.

        examples (Iterable[Example]): predicted docs must be tagged, parsed and NER-ed
            (list the frozen tagger/parser/ner in [training.annotating_components]).
        drop (float): unused (the model's own dropout setting applies).
        sgd (thinc.api.Optimizer): the optimizer.
        losses (Dict[str, float]): accumulated losses, updated in place.
        RETURNS (Dict[str, float]): the losses.
        """
        from spacy.training import validate_examples

        from .training import update_model

        if losses is None:
            losses = {}
        losses.setdefault(self.name, 0.0)
        validate_examples(examples, "NeuralCoref.update")
        self._ensure_weights()
        losses[self.name] += update_model(self.model, self._batches(examples), self.cfg["loss"], self.cfg["costs"])
        if sgd is not None:
            self.finish_update(sgd)
        return losses

    def get_loss(self, examples, scores):
        """Loss and gradient of the scores of examples (scores as returned by the model
        for the packed features of all examples).

        RETURNS (Tuple[float, Tuple[Floats1d, Floats1d]]): loss and d_scores.
        """
        from .training import examples_loss

        return examples_loss(self.model.ops, self._batches(examples), scores, self.cfg["loss"], self.cfg["costs"])

    def candidate_recall(self, examples) -> Dict[str, float]:
        """Share of gold mentions that the rule-based detector proposes (exact boundaries)."""
        from .training import candidate_recall

        return candidate_recall(examples, self.featurize, self.cfg["span_prefix"])

    def _batches(self, examples):
        from .training import pack_batches

        return pack_batches(examples, self.featurize, self.cfg["span_prefix"], self.cfg["max_pairs_per_batch"])

    # ---------------------------------------------------------------- serialization
    def to_disk(self, path, *, exclude=tuple()) -> None:
        """Save cfg, model weights and the word-vector tables to a directory."""
        self._ensure_weights()
        from safetensors.numpy import save_file

        serializers = {
            "cfg": lambda p: srsly.write_json(p, self.cfg),
            "vocab": lambda p: self.vocab.to_disk(p, exclude=exclude),
            "model": lambda p: self.model.to_disk(p),
            "vectors": lambda p: save_file(self._vector_arrays(), str(p)),
        }
        to_disk(path, serializers, exclude)

    def from_disk(self, path, *, exclude=tuple()) -> "NeuralCoref":
        """Load cfg, model weights and word vectors saved by to_disk."""
        from safetensors.numpy import load_file

        deserializers = {
            "cfg": lambda p: self.cfg.update(srsly.read_json(p)),
            "vocab": lambda p: self.vocab.from_disk(p, exclude=exclude),
            "model": lambda p: self._load_model_bytes(p.read_bytes(), p),
            "vectors": lambda p: self._set_vectors(load_file(str(p))),
        }
        from_disk(ensure_path(path), deserializers, exclude)
        return self

    def to_bytes(self, *, exclude=tuple()) -> bytes:
        self._ensure_weights()
        from safetensors.numpy import save

        serializers = {
            "cfg": lambda: srsly.json_dumps(self.cfg),
            "model": self.model.to_bytes,
            "vectors": lambda: save(self._vector_arrays()),
            "vocab": lambda: self.vocab.to_bytes(exclude=exclude),
        }
        return to_bytes(serializers, exclude)

    def from_bytes(self, bytes_data: bytes, *, exclude=tuple()) -> "NeuralCoref":
        from safetensors.numpy import load

        deserializers = {
            "cfg": lambda b: self.cfg.update(srsly.json_loads(b)),
            "vocab": lambda b: self.vocab.from_bytes(b, exclude=exclude),
            "model": self.model.from_bytes,
            "vectors": lambda b: self._set_vectors(load(b)),
        }
        from_bytes(bytes_data, deserializers, exclude)
        return self

    def _vector_arrays(self) -> Dict[str, numpy.ndarray]:
        v = self.vectors
        return {
            "static_vectors": v.static,
            "static_keys": v.static_keys,
            "tuned_vectors": v.tuned,
            "tuned_keys": v.tuned_keys,
        }
