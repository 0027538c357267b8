"""A partial submission: SFT examples, filtering and the synthetic round are not done; pack keeps
counting positions across rows.

Post-training data, from scratch: chat templates, SFT labels, packing, filtering, synthetic data.

    messages --render_chat--> text --encode--> token ids + offsets
             --build_sft_example--> {input_ids, labels: -100 outside assistant turns}
    SFT examples --pack--> fixed-length rows (EOS after every document)
    instructions --filter_samples (length + ROUGE-L near-duplicates)--> kept ids
    seed pool + generator outputs --synth_round--> new instructions + counts

Only the standard library and numpy. A chat template is described by a `spec` dict (see the
handout's "The template"); the tests render the same template with Jinja2 and with
transformers' `apply_chat_template`, and compare.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

ROLES = ("system", "user", "assistant", "tool")

# The pre-tokenizer of the tokenizer the tests train: a run of ASCII letters/digits, a run of
# spaces/tabs/newlines, or any other single character.
PRETOKEN_PATTERN = r"[A-Za-z0-9]+|[ \t\n]+|[^A-Za-z0-9 \t\n]"


# -----------------------------------------------------------------------------
# chat template


def render_chat_spans(messages: list[dict], spec: dict, add_generation_prompt: bool = False
                      ) -> tuple[str, list[tuple[int, int]]]:
    """Render `messages` with the template of `spec`; also return the generation spans.

    Returns (text, spans): spans[i] = (start, end) character offsets, end exclusive, of the
    i-th assistant message's `content + spec["end"]` (what `{% generation %}` wraps).

    Raises ValueError for a role outside ("system", "user", "assistant", "tool").
    """
    parts: list[str] = [spec["bos"]]
    length = len(spec["bos"])
    spans: list[tuple[int, int]] = []

    def emit(piece: str) -> None:
        nonlocal length
        parts.append(piece)
        length += len(piece)

    for m in messages:
        if m["role"] not in ROLES:
            raise ValueError(f"unknown role {m['role']!r}")
    if spec["default_system"] is not None and (not messages or messages[0]["role"] != "system"):
        emit(spec["start"] + "system" + spec["role_sep"] + spec["default_system"] + spec["end"] + spec["turn_sep"])
    for m in messages:
        role = spec["tool_role"] if m["role"] == "tool" else m["role"]
        emit(spec["start"] + role + spec["role_sep"])
        begin = length
        emit(m["content"] + spec["end"])
        if m["role"] == "assistant":
            spans.append((begin, length))
        emit(spec["turn_sep"])
    if add_generation_prompt:
        emit(spec["start"] + "assistant" + spec["role_sep"])
    return "".join(parts), spans


def render_chat(messages: list[dict], spec: dict, add_generation_prompt: bool = False) -> str:
    """The text of `messages` under the template of `spec` (see the handout for the layout).

    messages: [{"role": "system" | "user" | "assistant" | "tool", "content": str}, ...]
    """
    return render_chat_spans(messages, spec, add_generation_prompt)[0]


# -----------------------------------------------------------------------------
# tokenizer: special tokens (leftmost-longest) + regex pre-tokens + word-level lookup


def encode(text: str, vocab: dict[str, int], special_tokens: list[str], unk_token: str
           ) -> tuple[list[int], list[tuple[int, int]]]:
    """Token ids and character offsets of `text`, as the tests' `tokenizers` tokenizer gives them.

    1. Special tokens are matched first, anywhere in the text: scanning left to right, at the
       leftmost position where one starts, the longest one that matches there is taken.
    2. Every stretch of text between special tokens is cut into pre-tokens by PRETOKEN_PATTERN
       (re.findall semantics: leftmost, first alternative that matches).
    3. A special token or pre-token maps to vocab[piece], or vocab[unk_token] if it is not in vocab.

    Returns (ids, offsets); offsets[i] = (start, end) of token i in `text`, end exclusive.
    """
    ids: list[int] = []
    offsets: list[tuple[int, int]] = []
    unk = vocab[unk_token]
    by_length = sorted(set(special_tokens), key=len, reverse=True)

    def plain(start: int, stop: int) -> None:
        for m in re.finditer(PRETOKEN_PATTERN, text[start:stop]):
            ids.append(vocab.get(m.group(), unk))
            offsets.append((start + m.start(), start + m.end()))

    pos = 0
    segment = 0
    while pos < len(text):
        match = next((s for s in by_length if s and text.startswith(s, pos)), None)
        if match is None:
            pos += 1
            continue
        plain(segment, pos)
        ids.append(vocab.get(match, unk))
        offsets.append((pos, pos + len(match)))
        pos += len(match)
        segment = pos
    plain(segment, len(text))
    return ids, offsets


# -----------------------------------------------------------------------------
# SFT examples


def build_sft_example(messages: list[dict], spec: dict, vocab: dict[str, int], special_tokens: list[str],
                      unk_token: str) -> dict[str, list[int]]:
    """Tokenize a conversation for SFT: the loss is taken on the assistant turns only.

    Returns {"input_ids": [...], "assistant_masks": [0/1 ...], "labels": [...]}, all of one length:
    assistant_masks[i] = 1 for every token from the one containing the first character of a
    generation span to the one containing its last character; labels[i] = input_ids[i] where
    the mask is 1, else -100 (no shift: the model shifts).
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# packing


def pack(docs: list[list[int]], seq_len: int, eos_id: int, pad_id: int) -> dict[str, np.ndarray]:
    """Pack token lists into rows of exactly `seq_len` tokens.

    stream = docs[0] + [eos_id] + docs[1] + [eos_id] + ... + docs[-1] + [eos_id]
    Row r holds stream[r * seq_len : (r + 1) * seq_len]; the last, partial row is padded on the
    right with pad_id (a document longer than a row simply continues in the next row).

    Returns int64 arrays of shape (n_rows, seq_len), n_rows = ceil(len(stream) / seq_len):
      "input_ids", "attention_mask" (1 for stream tokens, 0 for padding) and "position_ids"
      (0 at the first token of a row and at the first token of every document, +1 per token
      otherwise; 0 on padding). Raises ValueError if seq_len < 1.
    """
    if seq_len < 1:
        raise ValueError(f"seq_len must be >= 1, got {seq_len}")
    stream: list[int] = []
    positions: list[int] = []
    for doc in docs:
        stream.extend(int(t) for t in doc)
        stream.append(int(eos_id))
        positions.extend(range(len(doc) + 1))
    n = len(stream)
    n_rows = -(-n // seq_len)
    input_ids = np.full((n_rows, seq_len), pad_id, dtype=np.int64)
    attention = np.zeros((n_rows, seq_len), dtype=np.int64)
    position_ids = np.zeros((n_rows, seq_len), dtype=np.int64)
    for r in range(n_rows):
        chunk = stream[r * seq_len:(r + 1) * seq_len]
        pos = positions[r * seq_len:(r + 1) * seq_len]
        input_ids[r, :len(chunk)] = chunk
        attention[r, :len(chunk)] = 1
        # a document cut by the row boundary restarts at 0: the model cannot see the previous row
        shift = 0
        for j, p in enumerate(pos):
            if p == 0:
                shift = 0
            position_ids[r, j] = p - shift
    return {"input_ids": input_ids, "attention_mask": attention, "position_ids": position_ids}


# -----------------------------------------------------------------------------
# quality filtering: length + ROUGE-L near-duplicates


def rouge_tokenize(text: str) -> list[str]:
    """rouge-score's default tokenizer: str.lower(), every run of characters outside [a-z0-9]
    becomes a space, split on whitespace (no stemming)."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).split()


def rouge_l(target: str, prediction: str) -> float:
    """ROUGE-L F-measure: LCS of the two token lists; P = lcs / |prediction|, R = lcs / |target|,
    F = 2PR / (P + R); 0.0 if either token list is empty or lcs is 0."""
    a, b = rouge_tokenize(target), rouge_tokenize(prediction)
    if not a or not b:
        return 0.0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b):
            cur[j + 1] = prev[j] + 1 if x == y else max(prev[j + 1], cur[j])
        prev = cur
    lcs = prev[-1]
    if lcs == 0:
        return 0.0
    p = lcs / len(b)
    r = lcs / len(a)
    return 2 * p * r / (p + r)


def filter_samples(samples: list[str], min_words: int, max_words: int, threshold: float = 0.7,
                   existing: list[str] | None = None) -> list[int]:
    """Indices of the samples kept, in order.

    A sample is kept when min_words <= len(rouge_tokenize(sample)) <= max_words and its
    ROUGE-L F against every text of `existing` and every sample kept before it is <= threshold
    (a score > threshold marks a near-duplicate: the first occurrence wins).
    """
    raise NotImplementedError


# -----------------------------------------------------------------------------
# one round of self-instruct


def parse_instructions(response: str) -> list[str]:
    """The candidate instructions of one generator output, one per line.

    Each line (str.splitlines) is stripped, a leading list number matching r"\\d+[.)]" is removed,
    the rest is stripped again; empty results are skipped.
    """
    out = []
    for line in response.splitlines():
        line = re.sub(r"^\d+[.)]", "", line.strip()).strip()
        if line:
            out.append(line)
    return out


def synth_round(pool: list[str], responses: Iterable[str], n_new: int, min_words: int, max_words: int,
                threshold: float, banned_words: list[str]) -> dict:
    """Grow an instruction pool from generator outputs, self-instruct style.

    Draw responses one at a time; for every candidate of parse_instructions(response), in order:
      generated += 1; then the first failing check counts it and drops it:
      length (rouge tokens outside [min_words, max_words]) -> "length",
      a rouge token in banned_words -> "keyword",
      ROUGE-L F > threshold against a pool text or an instruction kept before -> "duplicate";
      otherwise it is kept.
    Stop as soon as n_new instructions are kept (the rest of that response is not examined and no
    further response is drawn), or when the responses run out.

    Returns {"instructions": [kept, in order], "counts": {"generated", "length", "keyword",
    "duplicate", "kept"}}.
    """
    raise NotImplementedError
