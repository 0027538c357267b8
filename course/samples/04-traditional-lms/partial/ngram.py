"""A word-level n-gram language model with add-k or interpolated Kneser-Ney smoothing.

    padded_ngrams   the n-grams of one sentence, with <s> / </s> padding
    NGramLM         fit(sentences), prob(word, context), perplexity(sentences)

Conventions (the handout states them in full):
- every sentence is padded with order-1 "<s>" in front and one "</s>" at the end;
- a token that is not in `vocab` (and is not <s> or </s>) is replaced by "<unk>";
- the model predicts over W = vocab + ["<unk>", "</s>"]; "<s>" is context only, never predicted.

What it does not do: modified Kneser-Ney (one discount per count), backoff (Katz / stupid
backoff), or sentence-start handling other than the <s> padding above.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Iterable, Sequence

BOS = "<s>"
EOS = "</s>"
UNK = "<unk>"

# -----------------------------------------------------------------------------
# n-gram extraction


def padded_ngrams(sentence: Sequence[str], order: int) -> list[tuple[str, ...]]:
    """All n-grams (tuples of length `order`) of one sentence, in order, after padding.

    The sentence is padded with order-1 BOS tokens in front and one EOS at the end, and
    there is one n-gram per predicted token (every word of the sentence, then EOS).
    Tokens are used as given (no <unk> mapping here).
    Example: padded_ngrams(["a", "b"], 3) ->
        [("<s>", "<s>", "a"), ("<s>", "a", "b"), ("a", "b", "</s>")]
    """
    padded = [BOS] * (order - 1) + list(sentence) + [EOS]
    return [tuple(padded[i - order + 1 : i + 1]) for i in range(order - 1, len(padded))]


# -----------------------------------------------------------------------------
# the model


class NGramLM:
    """An n-gram LM over the word set W = vocab + ["<unk>", "</s>"].

    smoothing="addk":  P(w | h) = (c(h, w) + k) / (c(h) + k |W|)
    smoothing="kn":    interpolated Kneser-Ney with one fixed discount D (see `prob`).
    """

    def __init__(
        self,
        order: int,
        vocab: Iterable[str],
        smoothing: str = "addk",
        k: float = 1.0,
        discount: float = 0.75,
    ) -> None:
        """Set up an untrained model.

        order: n >= 1 (1 = unigram, 2 = bigram, ...). vocab: the known words (duplicates
        are ignored). smoothing: "addk" or "kn". k: the add-k constant, k > 0 (used by
        "addk"). discount: the Kneser-Ney discount D, 0 < D <= 1 (used by "kn").
        Raises ValueError on order < 1, an unknown smoothing, k <= 0, D outside (0, 1],
        or a vocab that contains "<s>", "</s>" or "<unk>".
        """
        self.vocab = set(vocab)
        if order < 1:
            raise ValueError(f"order must be >= 1, got {order}")
        if smoothing not in ("addk", "kn"):
            raise ValueError(f"smoothing must be 'addk' or 'kn', got {smoothing!r}")
        if k <= 0:
            raise ValueError(f"k must be > 0, got {k}")
        if not 0 < discount <= 1:
            raise ValueError(f"discount must be in (0, 1], got {discount}")
        if self.vocab & {BOS, EOS, UNK}:
            raise ValueError(f"vocab must not contain {BOS!r}, {EOS!r} or {UNK!r}")
        self.order = order
        self.smoothing = smoothing
        self.k = k
        self.discount = discount
        self.num_words = len(self.vocab) + 2  # |W|: the vocab, <unk> and </s>
        # counts[j][h][w] for contexts h of length j = 0 .. order-1 (filled by fit)
        self.counts: list[dict[tuple[str, ...], Counter]] = []

    def _map(self, token: str) -> str:
        """`token` if it is a vocab word, "<s>" or "</s>"; "<unk>" otherwise."""
        return token if token in self.vocab or token in (BOS, EOS) else UNK

    def fit(self, sentences: Iterable[Sequence[str]]) -> None:
        """Count the n-grams of `sentences` (lists of tokens); replaces any earlier fit.

        Unknown tokens become "<unk>" before counting. Stores, for every context length
        j = 0 .. n-1, a table counts[j][h][w]:
          - j = n-1 (the full context): the raw count c(h, w) of the n-gram (h, w);
          - j < n-1 (Kneser-Ney's lower orders): the continuation count
            N1+(. h w) = the number of distinct tokens v such that (v, h, w) occurs as a
            (j+2)-gram, i.e. as the last j+2 tokens of some n-gram.
        Returns None.
        """
        n = self.order
        ngram_counts: Counter = Counter()  # (h..., w) -> raw count
        for sentence in sentences:
            ngram_counts.update(padded_ngrams([self._map(t) for t in sentence], n))

        counts: list[dict[tuple[str, ...], Counter]] = [defaultdict(Counter) for _ in range(n)]
        for gram, c in ngram_counts.items():
            counts[n - 1][gram[:-1]][gram[-1]] += c
        for j in range(n - 1):
            # lower orders: count the shorter n-grams
            for gram, c in ngram_counts.items():
                counts[j][gram[n - 1 - j : -1]][gram[-1]] += c
        self.counts = counts

    def prob(self, word: str, context: Sequence[str] = ()) -> float:
        """P(word | context), a float in (0, 1].

        `context` is the list of preceding tokens; only its last n-1 tokens are used, and a
        shorter context is left-padded with "<s>". Unknown tokens (in `word` or `context`)
        are mapped to "<unk>". Raises ValueError if word == "<s>" (never predicted).

        addk, with h the (n-1)-token context and |W| = len(vocab) + 2:
            P(w | h) = (c(h, w) + k) / (c(h) + k |W|),   c(h) = sum_w c(h, w)
        kn, from the lowest order up, with c_j the counts of `fit` and h_j the last j tokens:
            P_(-1)(w) = 1 / |W|
            P_j(w | h_j) = max(c_j(h_j, w) - D, 0) / T + D N / T * P_(j-1)(w | h_(j-1))
        where T = sum_w c_j(h_j, w) and N = |{w : c_j(h_j, w) > 0}|; if T == 0 (an unseen
        context) then P_j(w | h_j) = P_(j-1)(w | h_(j-1)). The answer is P_(n-1).
        """
        if word == BOS:
            raise ValueError(f"{BOS!r} is never predicted")
        n = self.order
        w = self._map(word)
        padded = [BOS] * (n - 1) + [self._map(t) for t in context]
        h = tuple(padded[len(padded) - (n - 1) :])  # the last n-1 tokens, () for a unigram

        if self.smoothing == "addk":
            row = self.counts[n - 1].get(h, Counter())
            return (row[w] + self.k) / (sum(row.values()) + self.k * self.num_words)

        p = 1.0 / self.num_words  # P_(-1): uniform over W
        for j in range(n):
            row = self.counts[j].get(h[len(h) - j :], Counter())  # context h_j: the last j tokens
            total = sum(row.values())
            if total > 0:
                p = max(row[w] - self.discount, 0) / total + self.discount * len(row) / total * p
        return p

    def perplexity(self, sentences: Iterable[Sequence[str]]) -> float:
        """exp(-(1/N) sum_i log P(w_i | h_i)) over every predicted token of every sentence.

        The predicted tokens are each sentence's words (unknown ones as "<unk>") and its
        final "</s>" (never the "<s>" padding); N is their total number.
        """
        total_log_prob, num_tokens = 0.0, 0
        for sentence in sentences:
            for gram in padded_ngrams(sentence, self.order):
                total_log_prob += math.log(self.prob(gram[-1], gram[:-1]))
                num_tokens += 1
        return math.exp(-total_log_prob / num_tokens)
