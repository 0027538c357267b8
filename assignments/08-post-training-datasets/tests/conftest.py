"""Shared helpers and oracles for the post-training-data tests (released to students: nothing hidden here).

Oracles run here, on the trusted side:
- the chat template of a spec, written as a Jinja2 template (`chat_template(spec)`), rendered
  by jinja2 itself and by transformers' `apply_chat_template`;
- a word-level `tokenizers` tokenizer trained in the test (`train_tokenizer`), wrapped in a
  `PreTrainedTokenizerFast` whose `apply_chat_template(..., return_assistant_tokens_mask=True)`
  gives the SFT mask;
- trl's `pack_dataset(..., strategy="wrapped")` for the rows of a packed stream;
- rouge-score's `RougeScorer(["rougeL"])` for ROUGE-L;
- a seeded mock instruction generator (`mock_responses`) for the synthetic-data round.
Plain re-implementations of what the handout asks for (the keep-first filter, the round's
counts, position ids) are in tests/hidden/conftest.py; the public tests read the values they
produced from fixtures/public/expected_values.json (`oracle.expected(...)`). Tests run with
`--import-mode=importlib`, so they reach these helpers through the `oracle` fixture.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from types import SimpleNamespace

import jinja2
import pytest
from rouge_score import rouge_scorer
from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

from autograder.expected_values import expected_value

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

PRETOKEN_PATTERN = r"[A-Za-z0-9]+|[ \t\n]+|[^A-Za-z0-9 \t\n]"
UNK = "<unk>"

CHATML = {"bos": "", "start": "<|im_start|>", "end": "<|im_end|>", "role_sep": "\n", "turn_sep": "\n",
          "default_system": None, "tool_role": "tool"}


def expected(name: str):
    """A committed expected value from fixtures/public/expected_values.json (see tools/)."""
    return expected_value(FIXTURES.parent, name)


# -- the chat template ----------------------------------------------------------------------------

def _lit(s: str) -> str:
    """A Jinja string literal for s (json escapes are valid Jinja escapes)."""
    return "{{ " + json.dumps(s) + " }}"


def chat_template(spec: dict) -> str:
    """The Jinja2 chat template of a spec (the handout's "The template", with the spec's strings)."""
    s = spec
    parts = [_lit(s["bos"])]
    if s["default_system"] is not None:
        parts.append("{% if messages|length == 0 or messages[0]['role'] != 'system' %}"
                     + _lit(s["start"] + "system" + s["role_sep"] + s["default_system"] + s["end"] + s["turn_sep"])
                     + "{% endif %}")
    parts.append("{% for m in messages %}")
    parts.append("{% if m['role'] not in ['system', 'user', 'assistant', 'tool'] %}"
                 "{{ raise_exception('unknown role') }}{% endif %}")
    parts.append("{% if m['role'] == 'assistant' %}" + _lit(s["start"] + "assistant" + s["role_sep"])
                 + "{% generation %}{{ m['content'] }}" + _lit(s["end"]) + "{% endgeneration %}" + _lit(s["turn_sep"]))
    parts.append("{% else %}" + _lit(s["start"])
                 + "{% if m['role'] == 'tool' %}" + _lit(s["tool_role"]) + "{% else %}{{ m['role'] }}{% endif %}"
                 + _lit(s["role_sep"]) + "{{ m['content'] }}" + _lit(s["end"] + s["turn_sep"]) + "{% endif %}")
    parts.append("{% endfor %}")
    parts.append("{% if add_generation_prompt %}" + _lit(s["start"] + "assistant" + s["role_sep"]) + "{% endif %}")
    return "".join(parts)


def _raise(message: str):
    raise ValueError(message)


def jinja_render(spec: dict, messages: list[dict], add_generation_prompt: bool = False) -> str:
    """The template rendered by jinja2 alone ({% generation %} tags dropped; the same
    trim_blocks/lstrip_blocks settings transformers uses)."""
    source = chat_template(spec).replace("{% generation %}", "").replace("{% endgeneration %}", "")
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
    env.globals["raise_exception"] = _raise
    return env.from_string(source).render(messages=messages, add_generation_prompt=add_generation_prompt)


# -- the tokenizer -----------------------------------------------------------------------------------

def train_tokenizer(corpus: list[str], specials: list[str], vocab_size: int = 300) -> Tokenizer:
    """A word-level tokenizer trained on corpus: the pre-tokenizer of the handout, `<unk>` first,
    then the special tokens (matched before pre-tokenization, leftmost-longest)."""
    tok = Tokenizer(models.WordLevel(unk_token=UNK))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(PRETOKEN_PATTERN), behavior="isolated")
    trainer = trainers.WordLevelTrainer(vocab_size=vocab_size, min_frequency=1,
                                        special_tokens=[UNK] + [s for s in specials if s != UNK])
    tok.train_from_iterator(corpus, trainer=trainer)
    return tok


def spec_specials(spec: dict) -> list[str]:
    """The special tokens of a template: its non-empty bos, start and end strings."""
    return [t for t in dict.fromkeys([spec["bos"], spec["start"], spec["end"]]) if t]


def hf_tokenizer(tok: Tokenizer, spec: dict) -> PreTrainedTokenizerFast:
    """transformers' fast tokenizer around `tok`, with the spec's template as chat_template."""
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token=UNK)
    fast.chat_template = chat_template(spec)
    return fast


def hf_encode(tok: Tokenizer, text: str) -> tuple[list[int], list[tuple[int, int]]]:
    enc = tok.encode(text, add_special_tokens=False)
    return list(enc.ids), [tuple(o) for o in enc.offsets]


def hf_sft(fast: PreTrainedTokenizerFast, messages: list[dict]) -> dict[str, list[int]]:
    """input_ids, assistant_masks and the labels they imply, by apply_chat_template."""
    out = fast.apply_chat_template(messages, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    ids, mask = list(out["input_ids"]), list(out["assistant_masks"])
    return {"input_ids": ids, "assistant_masks": mask, "labels": [i if m else -100 for i, m in zip(ids, mask)]}


_WORDS = ("the a cat dog sun rain code list sort sum file read write plot user tool answer "
          "question weather paris today is what how why 42 7 hello world thanks sure here").split()


def random_text(rng: random.Random, n_words: int, extra: tuple[str, ...] = ()) -> str:
    """Random words, punctuation and whitespace runs (plus `extra` strings, e.g. template markers)."""
    pieces = []
    for _ in range(n_words):
        r = rng.random()
        if r < 0.08 and extra:
            pieces.append(rng.choice(extra))
        elif r < 0.15:
            pieces.append(rng.choice([",", ".", "?", "!", "{{", "}}", "é", "→", "\t"]))
        elif r < 0.22:
            pieces.append(rng.choice(["\n", "\n\n", "  ", " \n "]))
        else:
            pieces.append(rng.choice(_WORDS) + rng.choice(["", "", "s", "ing"]))
        pieces.append(rng.choice([" ", " ", "", "\n"]))
    return "".join(pieces)


def random_conversation(rng: random.Random, n_turns: int, extra: tuple[str, ...] = (),
                        system: bool = True, tools: bool = True) -> list[dict]:
    """system? then user / assistant turns, with tool turns after some assistant turns."""
    msgs = [{"role": "system", "content": random_text(rng, rng.randint(0, 6), extra)}] if system else []
    for _ in range(n_turns):
        msgs.append({"role": "user", "content": random_text(rng, rng.randint(1, 10), extra)})
        msgs.append({"role": "assistant", "content": random_text(rng, rng.randint(0, 10), extra)})
        if tools and rng.random() < 0.4:
            msgs.append({"role": "tool", "content": random_text(rng, rng.randint(1, 5), extra)})
            msgs.append({"role": "assistant", "content": random_text(rng, rng.randint(1, 6), extra)})
    return msgs


# -- packing -----------------------------------------------------------------------------------------

def trl_wrapped_rows(docs: list[list[int]], eos_id: int, seq_len: int) -> list[list[int]]:
    """trl's "wrapped" packing of the documents with eos appended: the stream cut every seq_len
    tokens (the last row may be shorter; trl does not pad)."""
    from datasets import Dataset
    from trl.data_utils import pack_dataset

    ds = Dataset.from_dict({"input_ids": [list(d) + [eos_id] for d in docs]})
    packed = pack_dataset(ds, seq_len, strategy="wrapped", map_kwargs={"batch_size": max(len(docs), 1)})
    return [list(map(int, row)) for row in packed["input_ids"]]


# -- ROUGE-L -----------------------------------------------------------------------------------------

_SCORER = rouge_scorer.RougeScorer(["rougeL"])


def rouge_l(target: str, prediction: str) -> float:
    """rouge-score's ROUGE-L F-measure (default tokenizer, no stemming)."""
    return float(_SCORER.score(target, prediction)["rougeL"].fmeasure)


def rouge_tokens(text: str) -> list[str]:
    """rouge-score's default tokenizer (the one RougeScorer uses without a stemmer)."""
    return list(_SCORER._tokenizer.tokenize(text))


# -- the mock generator ------------------------------------------------------------------------------

_TOPICS = ("poem haiku story email summary recipe list plan joke riddle letter review essay tweet "
           "slogan outline quiz table").split()
_SUBJECTS = ("cats rivers winter coffee trains robots gardens chess oceans bees volcanoes libraries "
             "bicycles lanterns deserts violins comets bridges").split()
_VERBS = ("write compose draft create give produce suggest list describe explain").split()


def novel_instruction(rng: random.Random) -> str:
    words = [rng.choice(_VERBS).capitalize(), "a", rng.choice(_TOPICS), "about", rng.choice(_SUBJECTS)]
    if rng.random() < 0.6:
        words += ["for", rng.choice(["kids", "experts", "a friend", "my team", "beginners"])]
    if rng.random() < 0.5:
        words += ["in", str(rng.randint(2, 9)), rng.choice(["lines", "sentences", "steps", "words"])]
    return " ".join(words) + rng.choice([".", "", "?", "!"])


def mock_responses(seed: int, pool: list[str], n_responses: int, banned: tuple[str, ...] = ("image", "draw")
                   ) -> list[str]:
    """Seeded outputs of a mock instruction generator: numbered lists mixing new instructions,
    near and exact copies of the pool and of earlier outputs, too short or too long lines and
    lines with a banned word."""
    rng = random.Random(seed)
    seen = list(pool)
    out = []
    for _ in range(n_responses):
        lines = []
        for _ in range(rng.randint(2, 6)):
            r = rng.random()
            if r < 0.35:
                text = novel_instruction(rng)
            elif r < 0.55:
                base = rng.choice(seen).split()
                if len(base) > 2:
                    base[rng.randrange(len(base))] = rng.choice(_SUBJECTS)
                text = " ".join(base)
            elif r < 0.65:
                text = rng.choice(seen).upper()
            elif r < 0.75:
                text = rng.choice(["Do it.", "Hi", "Write.", "Go now"])
            elif r < 0.85:
                text = novel_instruction(rng).rstrip(".!?") + f" and {rng.choice(banned)} a picture"
            else:
                text = " ".join(novel_instruction(rng) for _ in range(4))
            seen.append(text)
            lines.append(text)
        style = rng.choice(["{i}. {t}", "{i}) {t}", "  {i}.{t}  ", "{t}"])
        body = [style.format(i=i + 1, t=t) for i, t in enumerate(lines)]
        if rng.random() < 0.3:
            body.insert(rng.randrange(len(body) + 1), rng.choice(["", "   ", "7."]))
        out.append("\n".join(body) + rng.choice(["", "\n", "\r\n"]))
    return out


@pytest.fixture
def oracle() -> SimpleNamespace:
    """The helpers above, for the test modules."""
    return SimpleNamespace(
        expected=expected, CHATML=CHATML, UNK=UNK, chat_template=chat_template, jinja_render=jinja_render,
        train_tokenizer=train_tokenizer, spec_specials=spec_specials, hf_tokenizer=hf_tokenizer,
        hf_encode=hf_encode, hf_sft=hf_sft, random_text=random_text, random_conversation=random_conversation,
        trl_wrapped_rows=trl_wrapped_rows, rouge_l=rouge_l, rouge_tokens=rouge_tokens,
        novel_instruction=novel_instruction, mock_responses=mock_responses,
    )
