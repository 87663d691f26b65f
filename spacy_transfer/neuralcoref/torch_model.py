"""PyTorch modules of the neuralcoref scorer (torch only: no Doc, Thinc or I/O)."""

from typing import Tuple

import torch
from torch import nn

EMBED = 650
SINGLE = 17
PAIR_ONLY = 30
SINGLE_IN = EMBED + SINGLE + 1
PAIR_IN = 2 * EMBED + PAIR_ONLY - 1 + 2 * SINGLE + 1


class FeedForwardScorer(nn.Module):
    """ReLU(h1) -> ReLU(h2) -> ReLU(h3) -> Linear(1) -> Linear(1): neuralcoref's scorer.

    Input (n x n_in), output (n,).
    """

    def __init__(self, n_in: int, h1: int, h2: int, h3: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.hidden1 = nn.Linear(n_in, h1)
        self.hidden2 = nn.Linear(h1, h2)
        self.hidden3 = nn.Linear(h2, h3)
        self.out1 = nn.Linear(h3, 1)
        self.out2 = nn.Linear(1, 1)
        self.dropout = nn.Dropout(dropout)

    def tail(self, h: torch.Tensor) -> torch.Tensor:
        """Everything after the first layer's affine map: (n x h1) pre-activations -> (n,)."""
        # in-place ReLU where autograd does not need the input: these tensors are large
        relu = torch.relu_ if not torch.is_grad_enabled() else torch.relu
        h = self.dropout(relu(h))
        h = self.dropout(relu(self.hidden2(h)))
        h = self.dropout(relu(self.hidden3(h)))
        return self.out2(self.out1(h)).squeeze(-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.tail(self.hidden1(x))


class MentionRanker(nn.Module):
    """Scores every mention as new (single) and every (antecedent, mention) pair.

    The pair network's first layer is split by input block, so the 650-d embedding and
    17 mention features of each mention are multiplied once per mention, not once per
    pair; only the 30 pair-only features are multiplied per pair. Mathematically this is
    the unsplit layer on the concatenated 1364-d input.
    """

    def __init__(self, h1: int = 1000, h2: int = 500, h3: int = 500, dropout: float = 0.0, chunk: int = 8192):
        super().__init__()
        self.single = FeedForwardScorer(SINGLE_IN, h1, h2, h3, dropout)
        self.pair = FeedForwardScorer(PAIR_IN, h1, h2, h3, dropout)
        self.chunk = chunk

    def forward(
        self,
        embeddings: torch.Tensor,
        single_feats: torch.Tensor,
        ant: torch.Tensor,
        men: torch.Tensor,
        pair_feats: torch.Tensor,
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """embeddings (n_m x 650), single_feats (n_m x 17), ant/men (n_p,) long,
        pair_feats (n_p x 30; last column genre) -> single scores (n_m,), pair scores (n_p,)."""
        genre = pair_feats.new_zeros((embeddings.shape[0], 1))
        single_scores = self.single(torch.cat([embeddings, single_feats, genre], dim=1))
        if ant.numel() == 0:
            return single_scores, pair_feats.new_zeros((0,))
        W = self.pair.hidden1.weight
        e2, p_end = 2 * EMBED, 2 * EMBED + PAIR_ONLY - 1
        w_ant = torch.cat([W[:, :EMBED], W[:, p_end : p_end + SINGLE]], dim=1)
        w_men = torch.cat([W[:, EMBED:e2], W[:, p_end + SINGLE : p_end + 2 * SINGLE]], dim=1)
        w_pair = torch.cat([W[:, e2:p_end], W[:, -1:]], dim=1)
        mention_in = torch.cat([embeddings, single_feats], dim=1)
        as_ant = mention_in @ w_ant.T
        as_men = torch.addmm(self.pair.hidden1.bias, mention_in, w_men.T)
        if not torch.is_grad_enabled():
            return single_scores, self._pair_scores_inference(as_ant, as_men, ant, men, pair_feats, w_pair)
        scores = []
        for lo in range(0, ant.shape[0], self.chunk):
            a, m = ant[lo : lo + self.chunk], men[lo : lo + self.chunk]
            h = torch.index_select(as_ant, 0, a) + torch.index_select(as_men, 0, m)
            scores.append(self.pair.tail(torch.addmm(h, pair_feats[lo : lo + self.chunk], w_pair.T)))
        return single_scores, torch.cat(scores)

    def _pair_scores_inference(self, as_ant, as_men, ant, men, pair_feats, w_pair) -> torch.Tensor:
        """The pair network chunk by chunk into buffers allocated once: no per-chunk
        allocations, so the peak memory of a long document stays small and predictable."""
        n = min(self.chunk, ant.shape[0])
        p = self.pair
        h1 = as_ant.new_empty((n, as_ant.shape[1]))
        tmp = as_ant.new_empty((n, as_ant.shape[1]))
        h2 = as_ant.new_empty((n, p.hidden2.out_features))
        h3 = as_ant.new_empty((n, p.hidden3.out_features))
        out = as_ant.new_empty((ant.shape[0],))
        for lo in range(0, ant.shape[0], n):
            k = min(n, ant.shape[0] - lo)
            a, m = ant[lo : lo + k], men[lo : lo + k]
            x1, t = h1[:k], tmp[:k]
            torch.index_select(as_ant, 0, a, out=x1)
            torch.index_select(as_men, 0, m, out=t)
            x1.add_(t).addmm_(pair_feats[lo : lo + k], w_pair.T).relu_()
            x2 = torch.addmm(p.hidden2.bias, x1, p.hidden2.weight.T, out=h2[:k]).relu_()
            x3 = torch.addmm(p.hidden3.bias, x2, p.hidden3.weight.T, out=h3[:k]).relu_()
            out[lo : lo + k] = p.out2(p.out1(x3)).squeeze(-1)
        return out
