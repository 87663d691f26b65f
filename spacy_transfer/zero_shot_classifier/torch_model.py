"""The two zero-shot backends: an NLI cross-encoder and a sentence-embedding bi-encoder.

Both take a batch of document texts and, per document, the hypothesis texts of
its candidate labels, and return one array per document. torch is imported here
only, and this module is imported only when a backend is first used.
"""

from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy
import torch

from ..layers.depth import keep_bottom_layers
from ..layers.torch import torch_device
from .io import (
    LocalTokenizer,
    load_encoder,
    load_sequence_classifier,
    load_tokenizer,
    read_max_seq_length,
    read_pooling_mode,
)
from .util import find_nli_label_ids, length_sorted_batches, nli_scores, similarity_scores


def pad_batch(encodings: Sequence, tok: LocalTokenizer, device: torch.device) -> Dict[str, torch.Tensor]:
    """Pad a list of `tokenizers.Encoding` into model inputs (input_ids, attention_mask,
    token_type_ids when the model takes them)."""
    width = max(len(enc.ids) for enc in encodings)
    n = len(encodings)
    ids = numpy.full((n, width), tok.pad_id, dtype="int64")
    mask = numpy.zeros((n, width), dtype="int64")
    types = numpy.zeros((n, width), dtype="int64")
    for row, enc in enumerate(encodings):
        length = len(enc.ids)
        ids[row, :length] = enc.ids
        mask[row, :length] = 1
        types[row, :length] = enc.type_ids
    inputs = {"input_ids": ids, "attention_mask": mask}
    if "token_type_ids" in tok.model_input_names:
        inputs["token_type_ids"] = types
    return {key: torch.from_numpy(value).to(device) for key, value in inputs.items()}


class NLIBackend:
    """Scores (premise, hypothesis) pairs with a sequence-classification NLI model.

    All pairs of a batch of documents are sorted by length and run in mini-batches
    of `batch_size` pairs; each distinct hypothesis is tokenized once and cached.
    """

    def __init__(
        self, path: Union[str, Path], *, batch_size: int, max_length: Optional[int] = None, depth: Optional[int] = None
    ):
        self.path = str(path)
        self.batch_size = batch_size
        self.tok = load_tokenizer(path, "nli", max_length)
        self.model = load_sequence_classifier(path)
        keep_bottom_layers(self.model, depth, self.path)
        self.entail_id, self.contra_id = find_nli_label_ids(self.model.config.id2label, self.path)
        self._hypotheses: Dict[str, object] = {}

    def _encode_hypotheses(self, hypotheses: Sequence[str]) -> None:
        new = [h for h in dict.fromkeys(hypotheses) if h not in self._hypotheses]
        if new:
            for text, enc in zip(new, self.tok.tokenizer.encode_batch(new, add_special_tokens=False)):
                self._hypotheses[text] = enc

    def logits(self, texts: Sequence[str], hypotheses: Sequence[Sequence[str]]) -> List[numpy.ndarray]:
        """NLI logits for every (text, hypothesis) pair.

        texts (Sequence[str]): The premises (document texts).
        hypotheses (Sequence[Sequence[str]]): Per text, its hypothesis strings.
        RETURNS (List[numpy.ndarray]): Per text, n_hypotheses x n_nli_classes logits.
        """
        tokenizer = self.tok.tokenizer
        self._encode_hypotheses([h for hyps in hypotheses for h in hyps])
        premises = tokenizer.encode_batch(list(texts), add_special_tokens=False)
        pairs = []
        owners = []
        for i, (premise, hyps) in enumerate(zip(premises, hypotheses)):
            truncated: Dict[int, object] = {}
            for j, hyp_text in enumerate(hyps):
                hyp = self._hypotheses[hyp_text]
                # "only_first" truncation, as transformers does: the label is never cut.
                room = self.tok.max_length - self.tok.n_special_pair - len(hyp.ids)
                first = premise
                if len(premise.ids) > room:
                    if room not in truncated:
                        enc = tokenizer.encode(texts[i], add_special_tokens=False)
                        enc.truncate(max(room, 0))
                        truncated[room] = enc
                    first = truncated[room]
                pairs.append(tokenizer.post_process(first, hyp, add_special_tokens=True))
                owners.append((i, j))
        n_classes = self.model.config.num_labels
        out = [numpy.zeros((len(hyps), n_classes), dtype="float32") for hyps in hypotheses]
        if not pairs:
            return out
        device = torch_device()
        self.model.to(device)
        lengths = [len(enc.ids) for enc in pairs]
        with torch.inference_mode():
            for batch in length_sorted_batches(lengths, self.batch_size):
                inputs = pad_batch([pairs[k] for k in batch], self.tok, device)
                logits = self.model(**inputs).logits.float().cpu().numpy()
                for row, k in enumerate(batch):
                    i, j = owners[k]
                    out[i][j] = logits[row]
        return out

    def scores(
        self, texts: Sequence[str], hypotheses: Sequence[Sequence[str]], cfg: Dict[str, Any]
    ) -> List[numpy.ndarray]:
        """Label scores of each text: entailment probabilities.

        texts (Sequence[str]): The premises (document texts).
        hypotheses (Sequence[Sequence[str]]): Per text, its hypothesis strings.
        cfg (Dict[str, Any]): The component's settings; multi_label is read.
        RETURNS (List[numpy.ndarray]): Per text, n_hypotheses scores.
        """
        logits = self.logits(texts, hypotheses)
        return [nli_scores(doc_logits, self.entail_id, self.contra_id, cfg["multi_label"]) for doc_logits in logits]


class EmbeddingBackend:
    """Embeds texts and label hypotheses with a sentence-embedding model; label
    embeddings are cached by hypothesis text."""

    def __init__(
        self, path: Union[str, Path], *, batch_size: int, max_length: Optional[int] = None, depth: Optional[int] = None
    ):
        self.path = str(path)
        self.batch_size = batch_size
        if max_length is None:
            max_length = read_max_seq_length(path)
        self.tok = load_tokenizer(path, "embedding", max_length)
        self.tok.tokenizer.enable_truncation(self.tok.max_length)
        self.model = load_encoder(path)
        keep_bottom_layers(self.model, depth, self.path)
        self.pooling = read_pooling_mode(path)
        self._labels: Dict[str, numpy.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> numpy.ndarray:
        """L2-normalised sentence embeddings.

        texts (Sequence[str]): The texts.
        RETURNS (numpy.ndarray): n_texts x width, unit rows.
        """
        width = self.model.config.hidden_size
        out = numpy.zeros((len(texts), width), dtype="float32")
        if not texts:
            return out
        encodings = self.tok.tokenizer.encode_batch(list(texts), add_special_tokens=True)
        device = torch_device()
        self.model.to(device)
        with torch.inference_mode():
            for batch in length_sorted_batches([len(e.ids) for e in encodings], self.batch_size):
                inputs = pad_batch([encodings[k] for k in batch], self.tok, device)
                hidden = self.model(**inputs).last_hidden_state
                mask = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                if self.pooling == "cls":
                    pooled = hidden[:, 0]
                elif self.pooling == "max":
                    pooled = hidden.masked_fill(mask == 0, float("-inf")).max(dim=1).values
                else:
                    pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled.float(), p=2, dim=-1)
                out[batch] = pooled.cpu().numpy()
        return out

    def label_embeddings(self, hypotheses: Sequence[str]) -> numpy.ndarray:
        """Embeddings of label hypotheses, computed once per distinct text."""
        new = [h for h in dict.fromkeys(hypotheses) if h not in self._labels]
        if new:
            for text, vector in zip(new, self.embed(new)):
                self._labels[text] = vector
        width = self.model.config.hidden_size
        if not hypotheses:
            return numpy.zeros((0, width), dtype="float32")
        return numpy.stack([self._labels[h] for h in hypotheses])

    def similarities(self, texts: Sequence[str], hypotheses: Sequence[Sequence[str]]) -> List[numpy.ndarray]:
        """Cosine similarity of each text to each of its hypotheses.

        RETURNS (List[numpy.ndarray]): Per text, n_hypotheses similarities.
        """
        doc_vectors = self.embed(texts)
        return [self.label_embeddings(hyps) @ vec for vec, hyps in zip(doc_vectors, hypotheses)]

    def scores(
        self, texts: Sequence[str], hypotheses: Sequence[Sequence[str]], cfg: Dict[str, Any]
    ) -> List[numpy.ndarray]:
        """Label scores of each text: cosine similarities calibrated by cfg's temperature and threshold.

        texts (Sequence[str]): The document texts.
        hypotheses (Sequence[Sequence[str]]): Per text, its hypothesis strings.
        cfg (Dict[str, Any]): The component's settings; multi_label, temperature and threshold are read.
        RETURNS (List[numpy.ndarray]): Per text, n_hypotheses scores.
        """
        sims = self.similarities(texts, hypotheses)
        return [
            similarity_scores(doc_sims, cfg["temperature"], cfg["multi_label"], cfg["threshold"]) for doc_sims in sims
        ]
