"""PyTorch modules of the word-level coreference model (torch only, no spaCy or Thinc).

Word-level coreference in the manner of Dobrovolskii 2021 (wl-coref), re-implemented: each
word, standing for the mention it heads, picks an antecedent word among the top-k of a
cheap bilinear score, re-scored by a pairwise network; a span predictor then widens each
head word to its mention's start and end.
"""

from typing import Optional, Tuple

import torch
from torch import nn

# Distance buckets: 0..4 exact, then log2 buckets up to 2**(N_DIST - 5) words.
N_DIST_BUCKETS = 14
ROW_CHUNK = 256
PAIR_CHUNK = 32


def distance_buckets(distance: torch.Tensor) -> torch.Tensor:
    """Bucket ids of non-negative word distances (exact up to 4, then log2 bins)."""
    log = torch.floor(torch.log2(distance.clamp(min=1).float())).long() + 3
    return torch.where(distance < 5, distance, log).clamp(max=N_DIST_BUCKETS - 1)


class RoughScorer(nn.Module):
    """Bilinear antecedent scores, each word against the `max_distance` words before it.

    Keeps the top `k` candidates per word; rows are scored in blocks, so memory stays
    `block x (block + max_distance)` whatever the document length.
    """

    def __init__(self, width: int, k: int, max_distance: int, block: int = 256) -> None:
        super().__init__()
        self.bilinear = nn.Linear(width, width)
        self.k = k
        self.max_distance = max_distance
        self.block = block

    def forward(self, words: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """words: n_words x width -> (candidates n_words x k [-1 where none], scores n_words x k)."""
        n = words.shape[0]
        k = min(self.k, max(n - 1, 1))
        cands, scores = [], []
        projected = self.bilinear(words)
        for lo in range(0, n, self.block):
            hi = min(n, lo + self.block)
            left = max(0, lo - self.max_distance)
            block = projected[lo:hi] @ words[left:hi].T  # rows: words lo..hi, cols: left..hi
            rows = torch.arange(lo, hi).unsqueeze(1)
            cols = torch.arange(left, hi).unsqueeze(0)
            valid = (cols < rows) & (rows - cols <= self.max_distance)
            block = block.masked_fill(~valid, float("-inf"))
            width = min(k, block.shape[1])
            top, idx = block.topk(width, dim=1)
            idx = idx + left
            if width < k:
                pad = k - width
                top = torch.cat([top, top.new_full((hi - lo, pad), float("-inf"))], dim=1)
                idx = torch.cat([idx, idx.new_zeros((hi - lo, pad))], dim=1)
            idx = torch.where(torch.isinf(top), torch.full_like(idx, -1), idx)
            cands.append(idx)
            scores.append(top)
        return torch.cat(cands), torch.cat(scores)


class PairScorer(nn.Module):
    """Scores word pairs with a feed-forward network over [a; b; a*b; distance embedding].

    The first layer is applied to a and b once per word; only the product a*b is formed
    per pair, in a `product_width` projection, so a pair costs product_width x hidden.
    """

    def __init__(self, width: int, hidden: int, product_width: int = 64) -> None:
        super().__init__()
        self.first_a = nn.Linear(width, hidden)
        self.first_b = nn.Linear(width, hidden, bias=False)
        self.product_a = nn.Linear(width, product_width, bias=False)
        self.product_b = nn.Linear(width, product_width, bias=False)
        self.first_ab = nn.Linear(product_width, hidden, bias=False)
        self.distance = nn.Embedding(N_DIST_BUCKETS, hidden)
        # No dropout per pair: it would draw n x k x hidden random numbers (a quarter of the
        # time); the word vectors are dropped out before they get here.
        self.out = nn.Sequential(nn.LeakyReLU(inplace=True), nn.Linear(hidden, 1))

    def forward(self, words: torch.Tensor, cands: torch.Tensor) -> torch.Tensor:
        """words: n x width, cands: n x k candidates (-1: none) -> scores n x k."""
        # Both sides projected once per word; then rows in small chunks, so that each chunk's k x hidden pair
        # tensors stay in the processor's cache (and a 100k-word doc never needs gigabytes). Beside the product
        # layer's arithmetic, each pass over the pair tensor costs memory traffic, so there are few: the own
        # word's part and the distance embedding come from one small per-chunk table (rows x distance buckets),
        # the other word's part is added in place, and the product's layer adds onto that inside one addmm.
        own, own_product = self.first_a(words), self.product_a(words)
        other, other_product = self.first_b(words), self.product_b(words)
        distance_table = self.distance.weight
        product_weight = self.first_ab.weight.t()
        scores = []
        for lo in range(0, cands.shape[0], PAIR_CHUNK):
            chunk = cands[lo : lo + PAIR_CHUNK]
            rows, k = chunk.shape
            safe = chunk.clamp(min=0)
            flat = safe.reshape(-1)
            own_and_distance = (own[lo : lo + rows].unsqueeze(1) + distance_table.unsqueeze(0)).flatten(0, 1)
            buckets = distance_buckets(torch.arange(lo, lo + rows).unsqueeze(1) - safe)
            row_bucket = torch.arange(rows).unsqueeze(1) * N_DIST_BUCKETS + buckets
            base = own_and_distance.index_select(0, row_bucket.reshape(-1))
            base += other.index_select(0, flat)
            product = own_product[lo : lo + rows].unsqueeze(1) * other_product.index_select(0, flat).view(rows, k, -1)
            hidden = torch.addmm(base, product.view(rows * k, -1), product_weight)
            scores.append(self.out(hidden).view(rows, k))
        return torch.cat(scores)


class SpanPredictor(nn.Module):
    """Start and end scores of the mention a head word heads, over a window around it.

    Offsets run from -left to +right words; scores come from [head; word; offset embedding],
    the first layer applied per word rather than per pair.
    """

    def __init__(self, width: int, hidden: int, left: int, right: int) -> None:
        super().__init__()
        self.left, self.right = left, right
        self.first_head = nn.Linear(width, hidden)
        self.first_word = nn.Linear(width, hidden, bias=False)
        self.offset = nn.Embedding(left + right + 1, hidden)
        self.out = nn.Sequential(nn.LeakyReLU(), nn.Linear(hidden, 2))

    def project(self, words: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """The first layer's two halves for every word (as context, as head): once per document."""
        return self.first_word(words), self.first_head(words)

    def forward(
        self, words: torch.Tensor, heads: torch.Tensor, projected: Optional[Tuple[torch.Tensor, torch.Tensor]] = None
    ) -> torch.Tensor:
        """words: n x width, heads: m word indices -> scores m x window x 2 (start, end);
        -inf where the window leaves the document or the offset cannot hold the head. `projected`: this doc's
        `project(words)`, when the heads come in several chunks (else each chunk would project every word)."""
        n = words.shape[0]
        as_context, as_head = projected if projected is not None else self.project(words)
        offsets = torch.arange(-self.left, self.right + 1)
        positions = heads.unsqueeze(1) + offsets.unsqueeze(0)  # m x window
        inside = (positions >= 0) & (positions < n)
        context = as_context[positions.clamp(0, max(n - 1, 0))]
        hidden = context + as_head[heads].unsqueeze(1) + self.offset(offsets + self.left)
        scores = self.out(hidden)
        start_ok = inside & (offsets <= 0).unsqueeze(0)
        end_ok = inside & (offsets >= 0).unsqueeze(0)
        ok = torch.stack([start_ok, end_ok], dim=-1)
        return scores.masked_fill(~ok, float("-inf"))


class MentionScorer(nn.Module):
    """One logit per word: whether it heads a mention, one-mention ones included (for singletons)."""

    def __init__(self, width: int, hidden: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(width, hidden), nn.LeakyReLU(), nn.Linear(hidden, 1))

    def forward(self, words: torch.Tensor) -> torch.Tensor:
        return self.net(words).squeeze(-1)


class WordCorefScorer(nn.Module):
    """Token vectors -> antecedent candidates, their scores, span scores for head words and
    (with a mention scorer) mention logits."""

    def __init__(
        self,
        width: int,
        hidden: int = 256,
        rough_k: int = 50,
        max_distance: int = 2048,
        span_left: int = 20,
        span_right: int = 10,
        dropout: float = 0.3,
        n_layers: int = 1,
        mention_scorer: bool = False,
    ) -> None:
        super().__init__()
        # With several encoder layers side by side, a learned softmax mix of them (ELMo's scalar mix).
        self.n_layers = n_layers
        if n_layers > 1:
            self.layer_logits = nn.Parameter(torch.zeros(n_layers))
        self.project = nn.Sequential(nn.Linear(width // n_layers, hidden), nn.Dropout(dropout))
        self.rough = RoughScorer(hidden, rough_k, max_distance)
        self.pair = PairScorer(hidden, hidden)
        self.span = SpanPredictor(hidden, hidden // 2, span_left, span_right)
        self.mention = MentionScorer(hidden, hidden // 2) if mention_scorer else None

    def embed(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens: n x width -> the word vectors every scorer reads, n x hidden."""
        if self.n_layers > 1:
            weights = torch.softmax(self.layer_logits, dim=0)
            tokens = (tokens.view(tokens.shape[0], self.n_layers, -1) * weights.unsqueeze(-1)).sum(1)
        return self.project(tokens)

    def forward(self, tokens: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """tokens: n x width -> (candidates n x k long, antecedent scores n x k,
        span scores n x window x 2 for the mention each word would head, mention logits n;
        NaN without a mention scorer)."""
        words = self.embed(tokens)
        n = words.shape[0]
        if n < 2:
            cands = torch.full((n, 1), -1, dtype=torch.long)
            scores = words.new_full((n, 1), float("-inf"))
        else:
            cands, rough = self.rough(words)
            fine = self.pair(words, cands)
            scores = (rough + fine).masked_fill(cands < 0, float("-inf"))
        heads = torch.arange(n)
        projected = self.span.project(words)
        spans = [self.span(words, heads[lo : lo + ROW_CHUNK], projected) for lo in range(0, n, ROW_CHUNK)]
        spans = torch.cat(spans) if spans else self.span(words, heads, projected)
        mentions = self.mention(words) if self.mention is not None else words.new_full((n,), float("nan"))
        return cands, scores, spans, mentions
