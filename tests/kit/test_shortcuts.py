"""Shortcut submissions score no more than the honest part of the work.

A shortcut is the reference with ONE hand-written function's body replaced by a call to the
tests' oracle library or to the built-in the exercise forbids, reached in the ways a red team
used against the old per-test source checks: (a) a plain import, (b) importlib.import_module,
(c) __import__ under an alias, (d) getattr / vars on a module, (e) the code moved into another
file (a submitted one the rule does not cover, or one the manifest does not list, which intake
drops). Its "honest part" is the same reference with that body replaced by
`raise NotImplementedError`: everything the student wrote themselves. The bar: a shortcut never
scores more than its honest part. Where the library is in the worker (torch in 03/04/05) only
the import policy ([[policy]] in the manifest, autograder/policy.py) stands between the two, so
those variants must also show a test zeroed with category "policy".

"Pasted conftest" variants copy the hand-written oracles that used to sit in a public conftest
(02's k-means, 04's greedy decoder, 06's normalisation): honest-looking code without imports, so
the only bar is that students cannot get it: it appears nowhere in the released assignment.

Also here: the import policy passes every reference and every course/samples/*/full submission.

Which (shortcut, sandbox) pairs are graded: see `_graded_cases` (every pair of the phase-1
assignments; one Docker probe per later assignment unless LLMKIT_ALL_SHORTCUTS=1). The Docker half
needs the images of the assignments' environments (`llmkit image build --offline`).
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from autograder.catalog import list_assignments, resolve
from autograder.grade import grade_submission
from autograder.policy import check_policy
from autograder.results import POLICY_VIOLATION

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "course" / "samples"
ASSIGNMENTS = [t.id for t in list_assignments(ROOT) if t.solution_dir is not None]
REQUIRE_DOCKER = os.environ.get("LLMKIT_REQUIRE_DOCKER") == "1"


@dataclass(frozen=True)
class Shortcut:
    assignment: str
    variant: str  # (a) ... (e): how the banned code is reached
    file: str  # the submitted file whose function is replaced
    function: str  # "name" or "Class.method"
    body: str  # the new body (dedented)
    append: dict[str, str] = field(default_factory=dict)  # submitted file -> code appended to it
    extra: dict[str, str] = field(default_factory=dict)  # files the manifest does not list
    policy: bool = True  # the import policy must catch it (False: the code never reaches the worker)

    @property
    def id(self) -> str:
        return f"{self.assignment[:2]}-{self.function}-{self.variant}"


# -- 01: encode with tiktoken (not in the worker: stdlib only) ------------------------------------

_TIKTOKEN_ENCODE = """\
ranks = {}
for idx in sorted(self.vocab):
    ranks.setdefault(self.vocab[idx], idx)
specials = {tok: ranks[tok.encode("utf-8")] for tok in self.special_tokens}
plain = {b: i for b, i in ranks.items() if i not in specials.values()}
enc = tiktoken.Encoding("shortcut", pat_str=GPT2_SPLIT_PATTERN, mergeable_ranks=plain, special_tokens=specials)
return enc.encode(text, allowed_special="all")
"""

# -- 02: SGNS gradients by torch autograd, k-means by scikit-learn (the worker has numpy only) -------

_TORCH_SGNS = """\
v = torch.tensor(center_vec, dtype=torch.float64, requires_grad=True)
U = torch.tensor(outside_vecs, dtype=torch.float64, requires_grad=True)
neg = torch.as_tensor(np.asarray(negative_idx, dtype=np.int64))
logsig = torch.nn.functional.logsigmoid
loss = -logsig(U[int(outside_idx)] @ v) - logsig(-(U[neg] @ v)).sum()
loss.backward()
return loss.item(), v.grad.numpy(), U.grad.numpy()
"""

_SKLEARN_KMEANS = """\
cluster = importlib.import_module("sklearn.cluster")
x = _normalize_rows(vectors)
init = x[np.random.default_rng(self.seed).choice(len(x), size=self.n_lists, replace=False)]
km = cluster.KMeans(n_clusters=self.n_lists, init=init, n_init=1, max_iter=max(self.n_iter, 1),
                    tol=0.0, algorithm="lloyd").fit(x)
self.centroids = km.cluster_centers_ if self.n_iter else init
self.vectors = np.zeros((0, x.shape[1]))
self.list_of = np.zeros(0, dtype=np.int64)
"""

# -- 03: AdamW by torch.optim (torch is in the worker) ---------------------------------------------

_TORCH_ADAMW = """\
new_params, new_state = {}, dict(state)
for name, p in params.items():
    g = grads.get(name)
    if g is None:
        new_params[name] = p
        continue
    leaf = p.detach().clone().requires_grad_(True)
    opt = AdamW([leaf], lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=False)
    if name in state:
        s = state[name]
        opt.state[leaf] = {"step": torch.tensor(float(s["step"])), "exp_avg": s["exp_avg"].clone(),
                           "exp_avg_sq": s["exp_avg_sq"].clone()}
    leaf.grad = g.clone()
    opt.step()
    s = opt.state[leaf]
    new_params[name] = leaf.detach()
    new_state[name] = {"step": int(s["step"]), "exp_avg": s["exp_avg"], "exp_avg_sq": s["exp_avg_sq"]}
return new_params, new_state
"""

# -- 12: check_24 by evaluating the text as Python (eval/exec/compile are banned in reasoning.py) ------

_EVAL_24_PRE = """\
import re
from fractions import Fraction
if not re.fullmatch(r"[0-9 ()+*/-]+", expr) or sorted(int(t) for t in re.findall(r"[0-9]+", expr)) != sorted(nums):
    return False
src = re.sub(r"([0-9]+)", r"Fraction(\\1)", expr)
"""
_EVAL_24_POST = """\
try:
    return run(src, {"Fraction": Fraction}) == target
except Exception:
    return False
"""


# -- 11: the parallel scan by torch's associative_scan, Mixtral's MoE block from transformers --------

_ASSOCIATIVE_SCAN = """\
import importlib
ops = importlib.import_module("torch._higher_order_ops.associative_scan")
if chunk_size < 1:
    raise ValueError("chunk_size")
log_decay, drive = _discretize(delta, A, B, u, delta_bias, delta_softplus)
decay = log_decay.exp()
if initial_state is not None:
    drive = drive.clone()
    drive[:, :, 0] = drive[:, :, 0] + decay[:, :, 0] * initial_state
_, states = ops.associative_scan(lambda l, r: (l[0] * r[0], r[0] * l[1] + r[1]), (decay, drive), dim=2,
                                 combine_mode="generic")
y = (states * C.transpose(1, 2)[:, None]).sum(-1)
return _finish(y, u, D, z), states[:, :, -1]
"""

_HF_MOE_FILE = """\
import torch
from transformers import MixtralConfig
from transformers.models.mixtral.modeling_mixtral import MixtralSparseMoeBlock, load_balancing_loss_func


def moe_block(x, w_router, w_gate, w_up, w_down, k):
    E, F, D = w_gate.shape
    block = MixtralSparseMoeBlock(MixtralConfig(hidden_size=D, intermediate_size=F, num_local_experts=E,
                                                num_experts_per_tok=k)).to(x.dtype).eval()
    with torch.no_grad():
        block.gate.weight.copy_(w_router)
        block.experts.gate_up_proj.copy_(torch.cat([w_gate, w_up], dim=1))
        block.experts.down_proj.copy_(w_down)
        y = block(x.reshape(1, -1, D)).reshape(x.shape)
    logits = x.reshape(-1, D) @ w_router.T
    return y, load_balancing_loss_func((logits,), E, k)
"""


# -- 09: LoRA by peft, the SFT loss by torch / transformers, NF4 by bitsandbytes ----------------------
# peft and bitsandbytes are not in the worker (numpy, torch, transformers); torch's cross_entropy and
# transformers' ForCausalLMLoss are, so only the import policy stands between those and the tests.

_PEFT_INJECT = """\
config = peft.LoraConfig(r=r, lora_alpha=alpha, target_modules=list(targets), lora_dropout=0.0)
return peft.inject_adapter_in_model(config, model)
"""

_SFT_LOSS_CHECK = """\
if not bool((labels[:, 1:] != -100).any()):
    raise ValueError("no kept label")
"""


# -- 10: sequence log-probs by TRL's selective_log_softmax or HF's causal-LM loss (not in the worker) --

_TRL_SEQ_LOGPROBS = """\
mask = response_mask.bool()
targets = input_ids[:, 1:].masked_fill(~mask[:, 1:], 0)
per_token = selective_log_softmax(logits[:, :-1].masked_fill(~mask[:, 1:, None], 0.0), targets)
total = per_token.masked_fill(~mask[:, 1:], 0.0).sum(-1)
return total / mask[:, 1:].sum(-1).clamp(min=1) if average else total
"""

_HF_SEQ_LOGPROBS = """\
labels = input_ids.masked_fill(~response_mask.bool(), -100)
out = [-ForCausalLMLoss(logits[b:b + 1], labels[b:b + 1], logits.shape[-1], num_items_in_batch=torch.tensor(1))
       for b in range(logits.shape[0])]
return torch.stack(out).to(logits.dtype)
"""


def _indent(code: str, spaces: int = 4) -> str:
    return textwrap.indent(code, " " * spaces)


_SACREBLEU_BODY = (
    "{imp}"
    "out = {mod}.corpus_bleu(hyps, [list(s) for s in zip(*refs)], tokenize=\"none\", smooth_method=smooth)\n"
    "return {{\"score\": out.score, \"bp\": out.bp, \"counts\": list(out.counts), \"totals\": list(out.totals),\n"
    "        \"precisions\": list(out.precisions), \"sys_len\": out.sys_len, \"ref_len\": out.ref_len}}\n"
)

# -- 14: Q8_0 and the GGUF file through gguf-py (not in the worker: numpy only) ---------------------

_GGUF_WRITER_BODY = (
    "{imp}"
    "w = {mod}.GGUFWriter(path, metadata[\"general.architecture\"])\n"
    "for key, value in list(metadata.items())[1:]:\n"
    "    w.add_key_value(key, value, {mod}.GGUFValueType.get_type(value))\n"
    "for name, array, ttype in tensors:\n"
    "    if ttype == \"Q8_0\":\n"
    "        w.add_tensor(name, {mod}.quants.quantize(np.asarray(array, dtype=np.float32), {mod}.GGMLQuantizationType.Q8_0),\n"
    "                     raw_dtype={mod}.GGMLQuantizationType.Q8_0)\n"
    "    else:\n"
    "        w.add_tensor(name, np.asarray(array, dtype=np.float32 if ttype == \"F32\" else np.float16))\n"
    "w.write_header_to_file()\nw.write_kv_data_to_file()\nw.write_tensors_to_file()\nw.close()\n"
)

# -- 21: kd_loss with torch's own losses (torch is in the worker) ----------------------------------

_KD_CHECK = """\
if temperature <= 0 or not 0 <= alpha <= 1:
    raise ValueError("bad temperature or alpha")
"""

# -- 15: paged attention by gathering the blocks and calling torch's SDPA (banned by the policy) ------

_PAGED_SDPA = """\
{imp}B, H, d = q.shape
bs, H_kv = k_cache.shape[1], k_cache.shape[2]
out = torch.empty_like(q)
for b in range(B):
    n = int(context_lens[b])
    blocks = block_tables[b, :(n + bs - 1) // bs].long()
    k = k_cache[blocks].reshape(-1, H_kv, d)[:n].repeat_interleave(H // H_kv, dim=1).transpose(0, 1)
    v = v_cache[blocks].reshape(-1, H_kv, d)[:n].repeat_interleave(H // H_kv, dim=1).transpose(0, 1)
    out[b] = {mod}.scaled_dot_product_attention(q[b][:, None], k, v)[:, 0]
return out
"""

# -- 18: tool calls parsed with eval / ast.literal_eval instead of json (stdlib + jsonschema worker) -----

_EVAL_TOOL_CALLS = """\
import re
calls = []
for payload in re.findall(r"<tool_call>(.*?)</tool_call>", text, re.S):
    try:
        obj = ({run})(payload, {{"__builtins__": {{}}}}, {{"true": True, "false": False, "null": None}})
    except Exception:
        calls.append({{"error": INVALID_JSON}})
        continue
    if type(obj) is dict and type(obj.get("name")) is str and type(obj.get("arguments")) is dict:
        calls.append({{"name": obj["name"], "arguments": obj["arguments"]}})
    else:
        calls.append({{"error": BAD_CALL}})
return calls
"""


SHORTCUTS = [
    Shortcut("01-tokenization", "a-import", "bpe.py", "Tokenizer.encode", "import tiktoken\n" + _TIKTOKEN_ENCODE),
    Shortcut("01-tokenization", "b-importlib", "bpe.py", "Tokenizer.encode",
             'import importlib\ntiktoken = importlib.import_module("tik" + "token")\n' + _TIKTOKEN_ENCODE),
    Shortcut("01-tokenization", "e-unlisted-file", "bpe.py", "Tokenizer.encode",
             "from fast_bpe import encode\nreturn encode(self, text, GPT2_SPLIT_PATTERN)\n",
             extra={"fast_bpe.py": "import tiktoken\n\n\ndef encode(self, text, GPT2_SPLIT_PATTERN):\n"
                                   + _indent(_TIKTOKEN_ENCODE)},
             policy=False),
    Shortcut("02-embeddings", "a-import", "word2vec.py", "sgns_loss_and_grads", "import torch\n" + _TORCH_SGNS),
    Shortcut("02-embeddings", "c-__import__-alias", "word2vec.py", "sgns_loss_and_grads",
             '_load = __import__\ntorch = _load("torch")\n' + _TORCH_SGNS),
    Shortcut("02-embeddings", "b-importlib", "word2vec.py", "IVFIndex.train", "import importlib\n" + _SKLEARN_KMEANS),
    Shortcut("03-neural-network-foundations", "a-import", "optim.py", "adamw_step",
             "from torch.optim import AdamW\n" + _TORCH_ADAMW),
    Shortcut("03-neural-network-foundations", "d-getattr", "optim.py", "adamw_step",
             'AdamW = getattr(torch, "op" + "tim").AdamW\n' + _TORCH_ADAMW),
    Shortcut("03-neural-network-foundations", "e-other-submitted-file", "optim.py", "adamw_step",
             "from mlp import _adamw\nreturn _adamw(params, grads, state, lr, betas, eps, weight_decay)\n",
             append={"mlp.py": "\n\ndef _adamw(params, grads, state, lr, betas, eps, weight_decay):\n"
                               "    from torch.optim import AdamW\n\n" + _indent(_TORCH_ADAMW)}),
    Shortcut("04-traditional-lms", "a-import", "lstm.py", "lstm_cell",
             "from torch import lstm_cell as fused\nreturn fused(x, (h, c), W_ih, W_hh, b_ih, b_hh)\n"),
    Shortcut("04-traditional-lms", "d-vars", "lstm.py", "lstm_cell",
             'fused = vars(torch)["lstm_" + "cell"]\nreturn fused(x, (h, c), W_ih, W_hh, b_ih, b_hh)\n'),
    Shortcut("04-traditional-lms", "e-other-submitted-file", "lstm.py", "lstm_cell",
             "from beam import _cell\nreturn _cell(x, h, c, W_ih, W_hh, b_ih, b_hh)\n",
             append={"beam.py": "\n\ndef _cell(x, h, c, W_ih, W_hh, b_ih, b_hh):\n    import torch\n\n"
                                "    return torch._VF.lstm_cell(x, (h, c), W_ih, W_hh, b_ih, b_hh)\n"}),
    Shortcut("05-transformer", "a-import", "transformer.py", "scaled_dot_product_attention",
             "import torch.nn.functional as F\nreturn F.scaled_dot_product_attention(q, k, v, attn_mask=mask)\n"),
    Shortcut("05-transformer", "c-__import__-alias", "transformer.py", "scaled_dot_product_attention",
             '_imp = __import__\nnnf = _imp("torch.nn.functional", fromlist=["softmax"])\n'
             "return nnf.scaled_dot_product_attention(q, k, v, attn_mask=mask)\n"),
    Shortcut("05-transformer", "d-vars", "transformer.py", "scaled_dot_product_attention",
             "from torch.nn import functional\n"
             'fn = vars(functional)["scaled_dot_" + "product_attention"]\nreturn fn(q, k, v, attn_mask=mask)\n'),
    Shortcut("06-data-preparation", "a-import", "dataprep.py", "minhash_signature",
             "from datasketch import MinHash\n"
             'm = MinHash(num_perm=num_perm, scheme="legacy", permutations=minhash_permutations(num_perm, seed))\n'
             'm.update_batch([s.encode("utf-8") for s in shingles])\nreturn m.hashvalues.astype(np.uint64)\n'),
    Shortcut("06-data-preparation", "b-importlib", "dataprep.py", "minhash_signature",
             'import importlib\nds = importlib.import_module("datasketch")\n'
             'm = ds.MinHash(num_perm=num_perm, scheme="legacy", permutations=minhash_permutations(num_perm, seed))\n'
             'm.update_batch([s.encode("utf-8") for s in shingles])\nreturn m.hashvalues.astype(np.uint64)\n'),
    Shortcut("17-rag", "a-import", "rag.py", "BM25.scores",
             "from rank_bm25 import BM25Okapi\n"
             "corpus = [[t for t, n in tf.items() for _ in range(n)] for tf in self.doc_tf]\n"
             "return [float(s) for s in BM25Okapi(corpus, k1=self.k1, b=self.b, epsilon=self.epsilon)"
             ".get_scores(query_tokens)]\n"),
    Shortcut("17-rag", "b-importlib", "rag.py", "BM25.scores",
             'import importlib\nokapi = importlib.import_module("rank_bm25").BM25Okapi\n'
             "corpus = [[t for t, n in tf.items() for _ in range(n)] for tf in self.doc_tf]\n"
             "return [float(s) for s in okapi(corpus, k1=self.k1, b=self.b, epsilon=self.epsilon)"
             ".get_scores(query_tokens)]\n"),
    Shortcut("12-reasoning", "a-eval", "reasoning.py", "check_24", _EVAL_24_PRE + "run = eval\n" + _EVAL_24_POST),
    Shortcut("12-reasoning", "b-compile-exec", "reasoning.py", "check_24",
             _EVAL_24_PRE + "def run(code, env):\n    ns = dict(env)\n"
             "    exec(compile('out = ' + code, '<24>', 'exec'), ns)\n    return ns['out']\n" + _EVAL_24_POST),
    Shortcut("12-reasoning", "c-__import__-alias", "reasoning.py", "check_24",
             _EVAL_24_PRE + '_imp = __import__\nrun = _imp("built" + "ins").eval\n' + _EVAL_24_POST),
    Shortcut("12-reasoning", "d-getattr", "reasoning.py", "check_24",
             _EVAL_24_PRE + 'import builtins\nrun = getattr(builtins, "ev" + "al")\n' + _EVAL_24_POST),
    Shortcut("12-reasoning", "e-unlisted-file", "reasoning.py", "check_24",
             "from fast24 import check\nreturn check(expr, nums, target)\n",
             extra={"fast24.py": "def check(expr, nums, target):\n" + _indent(_EVAL_24_PRE + "run = eval\n" + _EVAL_24_POST)},
             policy=False),
    Shortcut("08-post-training-datasets", "a-import", "sftdata.py", "render_chat",
             "import jinja2\n"
             "text, _ = render_chat_spans(messages, spec, add_generation_prompt)\n"
             "env = jinja2.Environment()\n"
             "return env.from_string('{{ t }}').render(t=text)\n"),
    Shortcut("08-post-training-datasets", "b-importlib", "sftdata.py", "rouge_l",
             'import importlib\nrs = importlib.import_module("rouge_" + "score.rouge_scorer")\n'
             'return float(rs.RougeScorer(["rougeL"]).score(target, prediction)["rougeL"].fmeasure)\n'),
    Shortcut("08-post-training-datasets", "c-__import__-alias", "sftdata.py", "encode",
             '_load = __import__\ntk = _load("tokenizers")\n'
             'tok = tk.Tokenizer(tk.models.WordLevel(vocab, unk_token=unk_token))\n'
             'tok.pre_tokenizer = tk.pre_tokenizers.Split(tk.Regex(PRETOKEN_PATTERN), behavior="isolated")\n'
             'tok.add_special_tokens(list(special_tokens))\n'
             'enc = tok.encode(text, add_special_tokens=False)\n'
             'return list(enc.ids), [tuple(o) for o in enc.offsets]\n'),
    Shortcut("11-architecture-variants", "a-import", "variants.py", "sliding_window_attention",
             "from torch.nn.functional import scaled_dot_product_attention as sdpa\n"
             "return sdpa(q, k, v, attn_mask=swa_mask(q.shape[-2], k.shape[-2], window))\n"),
    Shortcut("11-architecture-variants", "d-getattr", "variants.py", "sliding_window_attention",
             'fn = getattr(F, "scaled_dot_" + "product_attention")\n'
             "return fn(q, k, v, attn_mask=swa_mask(q.shape[-2], k.shape[-2], window))\n"),
    Shortcut("11-architecture-variants", "b-importlib", "variants.py", "chunked_scan", _ASSOCIATIVE_SCAN),
    Shortcut("11-architecture-variants", "c-__import__-alias", "variants.py", "selective_scan",
             '_load = __import__\nmamba = _load("transformers.models.mamba.modeling_mamba", fromlist=["x"])\n'
             "return mamba.mamba_selective_scan(u, delta, A, B, C, D=D, z=z, delta_bias=delta_bias,\n"
             "                                  delta_softplus=delta_softplus, return_last_state=True)\n"),
    Shortcut("11-architecture-variants", "e-unlisted-file", "variants.py", "moe",
             "from hf_moe import moe_block\nreturn moe_block(x, w_router, w_gate, w_up, w_down, k)\n",
             extra={"hf_moe.py": _HF_MOE_FILE},
             policy=False),
    # 07: torch and transformers are in the worker (the model is a LlamaForCausalLM), so the policy
    # is what keeps the loss, the schedule and the accumulation hand-written
    Shortcut("07-pre-training", "a-import", "pretrain.py", "cross_entropy",
             "import torch.nn.functional as F\n"
             "return F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1),\n"
             "                       ignore_index=ignore_index, reduction=reduction)\n"),
    Shortcut("07-pre-training", "d-getattr", "pretrain.py", "cross_entropy",
             'fn = getattr(torch.nn.functional, "cross" + "_entropy")\n'
             "return fn(logits.float().reshape(-1, logits.shape[-1]), targets.reshape(-1),\n"
             "          ignore_index=ignore_index, reduction=reduction)\n"),
    Shortcut("07-pre-training", "a-import", "pretrain.py", "lr_at",
             "from transformers import get_cosine_with_min_lr_schedule_with_warmup as cosine\n"
             "if step > cosine_steps:\n    return min_lr\n"
             "opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(()))], lr=max_lr)\n"
             "return max_lr * cosine(opt, warmup_steps, cosine_steps, min_lr=min_lr).lr_lambdas[0](step)\n"),
    Shortcut("07-pre-training", "b-importlib", "pretrain.py", "lr_at",
             "import importlib\n"
             "if step < warmup_steps:\n    return max_lr * step / warmup_steps\n"
             "if step > cosine_steps:\n    return min_lr\n"
             'sched = importlib.import_module("torch.optim." + "lr_scheduler")\n'
             "opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(()))], lr=max_lr)\n"
             "s = sched.CosineAnnealingLR(opt, T_max=cosine_steps - warmup_steps, eta_min=min_lr)\n"
             "for _ in range(step - warmup_steps):\n    opt.step()\n    s.step()\n"
             'return opt.param_groups[0]["lr"]\n'),
    Shortcut("07-pre-training", "a-import", "pretrain.py", "accumulate_gradients",
             "from torch.nn import CrossEntropyLoss\n"
             "n = sum(int((y != ignore_index).sum()) for _, y in micro_batches)\n"
             "if n == 0:\n    raise ValueError('no targets')\n"
             'loss_fn, total = CrossEntropyLoss(ignore_index=ignore_index, reduction="sum"), 0.0\n'
             "for x, y in micro_batches:\n"
             "    logits = model(input_ids=x.to(device)).logits\n"
             "    loss = loss_fn(logits.reshape(-1, logits.shape[-1]), y.to(device).reshape(-1)) / n\n"
             "    loss.backward()\n    total += loss.item()\n"
             "return total\n"),
    # the model's own loss (labels=): no banned name in the source, so the static policy cannot
    # see it; the worker's stub of torch.nn.functional.cross_entropy makes it fail instead
    Shortcut("07-pre-training", "f-model-loss", "pretrain.py", "accumulate_gradients",
             "n = sum(int((y != ignore_index).sum()) for _, y in micro_batches)\n"
             "if n == 0:\n    raise ValueError('no targets')\n"
             "total = 0.0\n"
             "for x, y in micro_batches:\n"
             "    out = model(input_ids=x.to(device), labels=y.to(device), shift_labels=y.to(device),\n"
             "                num_items_in_batch=n, ignore_index=ignore_index)\n"
             "    out.loss.backward()\n    total += out.loss.item()\n"
             "return total\n",
             policy=False),
    Shortcut("09-sft-lora", "a-import", "lora.py", "inject_lora", "import peft\n" + _PEFT_INJECT),
    Shortcut("09-sft-lora", "b-importlib", "lora.py", "inject_lora",
             'import importlib\npeft = importlib.import_module("pe" + "ft")\n' + _PEFT_INJECT),
    Shortcut("09-sft-lora", "a-import", "lora.py", "masked_sft_loss",
             "import torch.nn.functional as F\n" + _SFT_LOSS_CHECK
             + "pred = logits[:, :-1].float()\n"
             "return F.cross_entropy(pred.reshape(-1, pred.shape[-1]), labels[:, 1:].reshape(-1), ignore_index=-100)\n"),
    Shortcut("09-sft-lora", "d-getattr", "lora.py", "masked_sft_loss",
             "from transformers.loss import loss_utils\n" + _SFT_LOSS_CHECK
             + 'fn = getattr(loss_utils, "ForCausalLM" + "Loss")\n'
             "return fn(logits, labels, vocab_size=logits.shape[-1])\n"),
    Shortcut("09-sft-lora", "c-__import__-alias", "lora.py", "nf4_quantize",
             '_imp = __import__\nbnbf = _imp("bitsandbytes.functional", fromlist=["quantize_4bit"])\n'
             'q, state = bnbf.quantize_4bit(w, blocksize=block_size, quant_type="nf4")\nreturn q, state.absmax\n'),
    Shortcut("10-preference-alignment", "a-import", "alignment.py", "sequence_logprobs",
             "from trl.trainer.utils import selective_log_softmax\n" + _TRL_SEQ_LOGPROBS),
    Shortcut("10-preference-alignment", "b-importlib", "alignment.py", "sequence_logprobs",
             'import importlib\nselective_log_softmax = importlib.import_module("trl.trainer.utils")'
             ".selective_log_softmax\n" + _TRL_SEQ_LOGPROBS),
    Shortcut("10-preference-alignment", "c-__import__-alias", "alignment.py", "sequence_logprobs",
             '_load = __import__\nForCausalLMLoss = _load("transformers.loss.loss_utils", fromlist=["x"]).ForCausalLMLoss\n'
             + _HF_SEQ_LOGPROBS),
    Shortcut("13-evaluation", "a-import", "evaluation.py", "corpus_bleu", _SACREBLEU_BODY.format(
             imp="import sacrebleu\n", mod="sacrebleu")),
    Shortcut("13-evaluation", "c-__import__-alias", "evaluation.py", "corpus_bleu", _SACREBLEU_BODY.format(
             imp='_imp = __import__\nsb = _imp("sacre" + "bleu")\n', mod="sb")),
    Shortcut("13-evaluation", "b-importlib", "evaluation.py", "rouge_l",
             'import importlib\nscorer = importlib.import_module("rouge_score.rouge_scorer")\n'
             's = scorer.RougeScorer(["rougeL"], use_stemmer=False).score(reference, hypothesis)["rougeL"]\n'
             'return {"precision": s.precision, "recall": s.recall, "fmeasure": s.fmeasure}\n'),
    # 23: the detector's paired metrics (recall >= 0.9 AND FPR <= 0.05 in every detection test, and guard tests
    # that hold both a benign and an injected message) defeat "flag everything" and "flag nothing": they use no
    # library, so no policy hit, and must score no more than a detector that raises. PII / homoglyph libraries
    # are not in the worker (standard library only); the policy zeroes them however they are reached.
    Shortcut("23-securing-llms", "f-flag-everything", "llm_security.py", "detect_injection",
             'return 1.0, ["everything"]\n', policy=False),
    Shortcut("23-securing-llms", "g-flag-nothing", "llm_security.py", "detect_injection", "return 0.0, []\n",
             policy=False),
    Shortcut("23-securing-llms", "a-import", "llm_security.py", "luhn_valid",
             "from stdnum import luhn\nreturn digits.isascii() and digits.isdigit() and luhn.is_valid(digits)\n"),
    Shortcut("23-securing-llms", "b-importlib", "llm_security.py", "normalize",
             'import importlib\nftfy = importlib.import_module("ftfy")\n'
             'text = ftfy.fix_text(text, normalization="NFKC")\n'
             'return "".join(HOMOGLYPHS.get(ch, ch) for ch in text if ch not in ZERO_WIDTH)\n'),
    Shortcut("23-securing-llms", "c-__import__-alias", "llm_security.py", "redact_pii",
             '_imp = __import__\nanalyzer = _imp("presidio_" + "analyzer").AnalyzerEngine()\n'
             'found = analyzer.analyze(text=text, language="en")\n'
             'spans = sorted((r.start, r.end, r.entity_type) for r in found)\n'
             'return text, spans\n'),
    Shortcut("14-quantization", "a-import", "quantization.py", "quantize_q8_0",
             "import gguf\n"
             "return gguf.quants.quantize(np.asarray(x, dtype=np.float32), gguf.GGMLQuantizationType.Q8_0)\n"),
    Shortcut("14-quantization", "b-importlib", "quantization.py", "write_gguf", _GGUF_WRITER_BODY.format(
             imp='import importlib\ngg = importlib.import_module("gguf")\n', mod="gg")),
    Shortcut("14-quantization", "c-__import__-alias", "quantization.py", "dequantize_q8_0",
             '_imp = __import__\ngq = _imp("gg" + "uf.quants", fromlist=["dequantize"])\n'
             'return gq.dequantize(np.asarray(data, dtype=np.uint8), 8)\n'),
    # 21: torch is in the worker, so only the second policy rule stands between kd_loss and torch's own losses
    # (kl_div, cross_entropy, torch.distributions); transformers and peft (the RoPE and TIES/DARE oracles) are not
    # in the worker and the first rule zeroes every test however they are reached.
    Shortcut("21-model-enhancement", "a-import", "model_enhancement.py", "kd_loss",
             "import torch.nn.functional as F\n" + _KD_CHECK
             + "kl = F.kl_div(F.log_softmax(student_logits / temperature, dim=-1),\n"
             "               F.log_softmax(teacher_logits.detach() / temperature, dim=-1),\n"
             "               reduction='batchmean', log_target=True)\n"
             "return alpha * temperature**2 * kl + (1 - alpha) * F.cross_entropy(student_logits, labels)\n"),
    Shortcut("21-model-enhancement", "d-getattr", "model_enhancement.py", "kd_loss",
             _KD_CHECK + 'kl_div = getattr(torch.nn.functional, "kl" + "_div")\n'
             'ce = getattr(torch.nn.functional, "cross" + "_entropy")\n'
             "kl = kl_div(torch.log_softmax(student_logits / temperature, -1),\n"
             "            torch.log_softmax(teacher_logits.detach() / temperature, -1), reduction='batchmean', log_target=True)\n"
             "return alpha * temperature**2 * kl + (1 - alpha) * ce(student_logits, labels)\n"),
    Shortcut("21-model-enhancement", "a-import", "model_enhancement.py", "kd_loss",
             "from torch.distributions import Categorical, kl_divergence\n" + _KD_CHECK
             + "p = Categorical(logits=teacher_logits.detach() / temperature)\n"
             "q = Categorical(logits=student_logits / temperature)\n"
             "ce = -Categorical(logits=student_logits).log_prob(labels).mean()\n"
             "return alpha * temperature**2 * kl_divergence(p, q).mean() + (1 - alpha) * ce\n"),
    Shortcut("21-model-enhancement", "b-importlib", "model_enhancement.py", "ties",
             'import importlib\nmu = importlib.import_module("peft.utils.merge_utils")\n'
             "return mu.ties(list(tasks), weights, density, majority_sign_method=majority_sign_method)\n"),
    Shortcut("21-model-enhancement", "c-__import__-alias", "model_enhancement.py", "dare_linear",
             '_imp = __import__\nmu = _imp("pe" + "ft.utils.merge_utils", fromlist=["dare_linear"])\n'
             "torch.manual_seed(seed)\nreturn mu.dare_linear(list(tasks), weights, density)\n"),
    Shortcut("21-model-enhancement", "a-import", "model_enhancement.py", "rope_yarn",
             "from transformers import LlamaConfig\n"
             "from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS\n"
             "params = {'rope_type': 'yarn', 'rope_theta': base, 'factor': factor, 'beta_fast': beta_fast,\n"
             "          'beta_slow': beta_slow, 'attention_factor': attention_factor, 'mscale': mscale,\n"
             "          'mscale_all_dim': mscale_all_dim, 'truncate': truncate,\n"
             "          'original_max_position_embeddings': original_max_position_embeddings}\n"
             "config = LlamaConfig(hidden_size=2 * dim, num_attention_heads=2, head_dim=dim, rope_parameters=params)\n"
             "inv_freq, af = ROPE_INIT_FUNCTIONS['yarn'](config, 'cpu')\n"
             "return inv_freq, float(af)\n"),
    # 19: the worker has the standard library and sqlglot only; the data-frame and SQL-linting libraries a
    # student might reach for (pandas for bag equality, sqlparse for the statement check) are not in it, and
    # the policy zeroes them however they are reached. sqlglot itself is the tool the handout asks for.
    Shortcut("19-text-to-sql", "a-import", "text2sql.py", "result_eq",
             "import pandas as pd\n"
             "if not gold_rows and not pred_rows:\n    return True\n"
             "g, p = pd.DataFrame(list(gold_rows)), pd.DataFrame(list(pred_rows))\n"
             "if g.shape != p.shape:\n    return False\n"
             "for perm in itertools.permutations(range(g.shape[1])):\n"
             "    q = p.iloc[:, list(perm)].set_axis(g.columns, axis=1)\n"
             "    if order_matters and q.reset_index(drop=True).equals(g):\n        return True\n"
             "    if not order_matters and Counter(map(tuple, q.values.tolist())) == Counter(map(tuple, g.values.tolist())):\n"
             "        return True\n"
             "return False\n"),
    Shortcut("19-text-to-sql", "b-importlib", "text2sql.py", "is_safe_select",
             'import importlib\nsp = importlib.import_module("sql" + "parse")\n'
             "stmts = [s for s in sp.parse(sql) if str(s).strip(' ;\\n\\t')]\n"
             "return len(stmts) == 1 and stmts[0].get_type() == 'SELECT'\n"),
    Shortcut("19-text-to-sql", "c-__import__-alias", "text2sql.py", "result_eq",
             '_imp = __import__\nnp = _imp("num" + "py")\n'
             "if not gold_rows and not pred_rows:\n    return True\n"
             "g = np.array(gold_rows, dtype=object)\np = np.array(pred_rows, dtype=object)\n"
             "if g.shape != p.shape:\n    return False\n"
             "for perm in itertools.permutations(range(g.shape[1])):\n"
             "    rows = [tuple(r) for r in p[:, list(perm)].tolist()]\n"
             "    gold = [tuple(r) for r in g.tolist()]\n"
             "    if (rows == gold) if order_matters else (Counter(rows) == Counter(gold)):\n        return True\n"
             "return False\n"),
    Shortcut("16-running-llms", "a-import", "constrained.py", "is_complete",
             "import json\nimport jsonschema\ntry:\n    jsonschema.validate(json.loads(text), schema)\n"
             "except Exception:\n    return False\n"
             'return text == json.dumps(json.loads(text), separators=(",", ":"))\n'),
    Shortcut("16-running-llms", "b-importlib", "constrained.py", "is_complete",
             'import importlib\nimport json\njs = importlib.import_module("json" + "schema")\n'
             "try:\n    js.validate(json.loads(text), schema)\nexcept Exception:\n    return False\n"
             'return text == json.dumps(json.loads(text), separators=(",", ":"))\n'),
    Shortcut("16-running-llms", "c-__import__-alias", "constrained.py", "is_complete",
             '_imp = __import__\njs = _imp("json" + "schema")\nimport json\n'
             "try:\n    js.Draft202012Validator(schema).validate(json.loads(text))\nexcept Exception:\n    return False\n"
             'return text == json.dumps(json.loads(text), separators=(",", ":"))\n'),
    # 15: paged attention through torch's scaled_dot_product_attention (torch is in the worker: the policy
    # zeroes it), and two speculative samplers that skip the speculation (no library: the round checks
    # recorded on the grader's side must keep them at the honest part, which raises).
    Shortcut("15-inference-optimization", "a-import", "inference.py", "paged_attention", _PAGED_SDPA.format(
             imp="import torch.nn.functional as F\n", mod="F")),
    Shortcut("15-inference-optimization", "c-__import__-alias", "inference.py", "paged_attention", _PAGED_SDPA.format(
             imp='_imp = __import__\nnnf = _imp("torch.nn.functional", fromlist=["softmax"])\n', mod="nnf")),
    Shortcut("15-inference-optimization", "d-vars", "inference.py", "paged_attention", _PAGED_SDPA.format(
             imp='from torch.nn import functional\nclass _M:\n    pass\nnnf = _M()\n'
                 'nnf.scaled_dot_product_attention = vars(functional)["scaled_dot_" + "product_attention"]\n',
             mod="nnf")),
    Shortcut("15-inference-optimization", "f-sample-the-target", "inference.py", "speculative_generate",
             "gen = None if seed is None else torch.Generator().manual_seed(seed)\n"
             "ids = list(prompt)\n"
             "for _ in range(max_new_tokens):\n"
             "    p = torch.softmax(target(torch.tensor(ids, dtype=torch.int64))[-1].double(), dim=-1)\n"
             "    ids.append(int(torch.argmax(p)) if gen is None else int(torch.multinomial(p, 1, generator=gen)))\n"
             "return torch.tensor(ids[len(prompt):], dtype=torch.int64)\n", policy=False),
    Shortcut("15-inference-optimization", "g-reject-always", "inference.py", "speculative_generate",
             "gen = None if seed is None else torch.Generator().manual_seed(seed)\n"
             "ids = list(prompt)\n"
             "while len(ids) - len(prompt) < max_new_tokens:\n"
             "    drafts = []\n"
             "    for _ in range(k):\n"
             "        drafts.append(int(torch.argmax(draft(torch.tensor(ids + drafts, dtype=torch.int64))[-1])))\n"
             "    rows = target(torch.tensor(ids + drafts, dtype=torch.int64))\n"
             "    p = torch.softmax(rows[len(ids) - 1].double(), dim=-1)\n"
             "    ids.append(int(torch.argmax(p)) if gen is None else int(torch.multinomial(p, 1, generator=gen)))\n"
             "return torch.tensor(ids[len(prompt):len(prompt) + max_new_tokens], dtype=torch.int64)\n", policy=False),
    Shortcut("18-agents", "a-import", "toolschema.py", "function_to_schema",
             "from transformers.utils import get_json_schema\nreturn get_json_schema(fn)\n"),
    Shortcut("18-agents", "b-importlib", "toolschema.py", "function_to_schema",
             'import importlib\nreturn importlib.import_module("transform" + "ers.utils").get_json_schema(fn)\n',
             policy=False),
    Shortcut("18-agents", "a-eval", "agent.py", "parse_tool_calls", _EVAL_TOOL_CALLS.format(run="eval")),
    Shortcut("18-agents", "b-literal_eval", "agent.py", "parse_tool_calls",
             "import ast\n" + _EVAL_TOOL_CALLS.format(run="lambda s, *_: ast.literal_eval(s.strip())")),
    Shortcut("18-agents", "c-__import__-alias", "agent.py", "parse_tool_calls",
             '_imp = __import__\nrun = _imp("built" + "ins").eval\n' + _EVAL_TOOL_CALLS.format(run="run")),
    Shortcut("18-agents", "e-unlisted-file", "agent.py", "parse_tool_calls",
             "from fastcalls import parse\nreturn parse(text)\n",
             extra={"fastcalls.py": "INVALID_JSON = 'Error: the tool call is not valid JSON'\n"
                                    "BAD_CALL = 'Error: a tool call is a JSON object with a \"name\" (string) and \"arguments\" (object)'\n\n\n"
                                    "def parse(text):\n" + _indent(_EVAL_TOOL_CALLS.format(run="eval"))},
             policy=False),
    # 20: torch is in the worker, so the policy keeps the patch embedding a reshape + matmul (no conv2d,
    # no F.unfold) and the contrastive loss hand-written (no cross_entropy); transformers (the oracle:
    # ViTEmbeddings, CLIP's image_text_contrastive_loss) is not in the worker and is banned as well
    Shortcut("20-multimodal", "a-import", "multimodal.py", "patch_embed",
             "import torch.nn.functional as F\n"
             "b = None if bias is None else bias.to(device)\n"
             "out = F.conv2d(images.to(device), weight.to(device), b, stride=weight.shape[-1])\n"
             "return out.flatten(2).transpose(1, 2)\n"),
    Shortcut("20-multimodal", "d-getattr", "multimodal.py", "patchify",
             "import torch.nn.functional as F\n"
             "if images.shape[-2] % patch_size or images.shape[-1] % patch_size:\n"
             "    raise ValueError('patch size')\n"
             'fn = getattr(F, "un" + "fold")\n'
             "return fn(images.to(device), patch_size, stride=patch_size).transpose(1, 2)\n"),
    Shortcut("20-multimodal", "b-importlib", "multimodal.py", "clip_loss",
             "import importlib\n"
             'nnf = importlib.import_module("torch.nn." + "functional")\n'
             "if image_embeds.shape != text_embeds.shape:\n    raise ValueError('shapes')\n"
             "img = _normalize(image_embeds.to(device))\ntxt = _normalize(text_embeds.to(device))\n"
             "logits = torch.as_tensor(logit_scale, dtype=img.dtype, device=img.device).exp() * (img @ txt.T)\n"
             "labels = torch.arange(len(logits), device=logits.device)\n"
             "return (nnf.cross_entropy(logits, labels) + nnf.cross_entropy(logits.T, labels)) / 2\n"),
    Shortcut("20-multimodal", "c-__import__-alias", "multimodal.py", "clip_loss",
             '_imp = __import__\nhf = _imp("transformers.models.clip.modeling_clip", fromlist=["x"])\n'
             "if image_embeds.shape != text_embeds.shape:\n    raise ValueError('shapes')\n"
             "img = _normalize(image_embeds.to(device))\ntxt = _normalize(text_embeds.to(device))\n"
             "logits = torch.as_tensor(logit_scale, dtype=img.dtype, device=img.device).exp() * (img @ txt.T)\n"
             "return hf.image_text_contrastive_loss(logits)\n"),
    Shortcut("20-multimodal", "e-unlisted-file", "multimodal.py", "vit_embeddings",
             "from vit_conv import embed\nreturn embed(images.to(device), weights, device)\n",
             extra={"vit_conv.py": "import torch\n\n\ndef embed(x, w, device):\n"
                    "    conv = torch.nn.Conv2d(x.shape[1], w['cls_token'].shape[-1], w['patch_embeddings.projection.weight'].shape[-1],\n"
                    "                           stride=w['patch_embeddings.projection.weight'].shape[-1]).to(x.dtype).to(device)\n"
                    "    with torch.no_grad():\n"
                    "        conv.weight.copy_(w['patch_embeddings.projection.weight'])\n"
                    "        conv.bias.copy_(w['patch_embeddings.projection.bias'])\n"
                    "        z = conv(x).flatten(2).transpose(1, 2)\n"
                    "    cls = w['cls_token'].to(device).expand(x.shape[0], 1, z.shape[-1])\n"
                    "    return torch.cat([cls, z], dim=1) + w['position_embeddings'].to(device)\n"},
             policy=False),
    # 22: numpy is in the worker, so its percentile/quantile functions are banned by name (percentile is a task)
    # and only the policy stands between them and full marks; scipy, prometheus_client are not in the worker, and
    # statistics (standard library) is banned as a module.
    Shortcut("22-llmops", "a-import", "llmops.py", "percentile",
             "return float(np.percentile(np.asarray(values, dtype=np.float64), q, method=method))\n"),
    Shortcut("22-llmops", "b-importlib", "llmops.py", "ks_test",
             'import importlib\nstats = importlib.import_module("scipy.stats")\n'
             "r = stats.ks_2samp(ref, cur, method='asymp')\n"
             "en = len(ref) * len(cur) / (len(ref) + len(cur))\n"
             "return float(r.statistic), float(stats.kstwobign.sf(math.sqrt(en) * r.statistic))\n"),
    Shortcut("22-llmops", "c-__import__-alias", "llmops.py", "render_metrics",
             '_imp = __import__\npc = _imp("prometheus_" + "client.core", fromlist=["x"])\n'
             'gen = _imp("prometheus_" + "client", fromlist=["x"]).generate_latest\n'
             "fams = []\nfor m in metrics:\n"
             "    cls = {'counter': pc.CounterMetricFamily, 'gauge': pc.GaugeMetricFamily}[m['type']]\n"
             "    names = list(m['samples'][0]['labels']) if m['samples'] else []\n"
             "    f = cls(m['name'], m['help'], labels=names)\n"
             "    for s in m['samples']:\n        f.add_metric([s['labels'][k] for k in names], s['value'])\n"
             "    fams.append(f)\n"
             "class C:\n    def collect(self):\n        return fams\n"
             "reg = pc.CollectorRegistry()\nreg.register(C())\nreturn gen(reg).decode()\n"),
    Shortcut("22-llmops", "d-getattr", "llmops.py", "percentile",
             'fn = getattr(np, "quan" + "tile")\nreturn float(fn(np.asarray(values, dtype=np.float64), q / 100.0, method=method))\n'),
    Shortcut("22-llmops", "f-statistics", "llmops.py", "percentile",
             "import statistics\nx = sorted(float(v) for v in values)\n"
             "if len(x) == 1 or method != 'linear' or q in (0, 100):\n    return x[0] if q == 0 or len(x) == 1 else x[-1]\n"
             "return statistics.quantiles(x, n=100000, method='inclusive')[int(round(q * 1000)) - 1]\n"),
]


# -- building submissions ----------------------------------------------------------------------------


def _function(tree: ast.Module, qualname: str) -> ast.FunctionDef:
    scope: list[ast.stmt] = tree.body
    *owners, name = qualname.split(".")
    for owner in owners:
        scope = next(n for n in scope if isinstance(n, ast.ClassDef) and n.name == owner).body
    return next(n for n in scope if isinstance(n, ast.FunctionDef) and n.name == name)


def replace_body(source: str, qualname: str, body: str) -> str:
    """`source` with the body of function `qualname` replaced by `body` (its docstring kept)."""
    node = _function(ast.parse(source), qualname)
    statements = node.body
    if isinstance(statements[0], ast.Expr) and isinstance(statements[0].value, ast.Constant) and len(statements) > 1:
        statements = statements[1:]
    first, last = statements[0].lineno, node.end_lineno
    lines = source.splitlines(keepends=True)
    new = textwrap.indent(textwrap.dedent(body), " " * statements[0].col_offset)
    return "".join(lines[: first - 1]) + new + "".join(lines[last:])


def _reference_files(assignment_id: str) -> dict[str, str]:
    assignment = resolve(assignment_id, ROOT)
    return {name: (assignment.solution_dir / name).read_text(encoding="utf-8") for name in assignment.manifest.submission.files}


def build(folder: Path, assignment_id: str, file: str, function: str, body: str,
          append: dict[str, str] | None = None, extra: dict[str, str] | None = None) -> Path:
    """A submission folder: the reference files, one function's body replaced, code appended, extra files."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    files = _reference_files(assignment_id)
    files[file] = replace_body(files[file], function, body)
    for name, code in (append or {}).items():
        files[name] += code
    for name, text in {**files, **(extra or {})}.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


HONEST_BODY = "raise NotImplementedError\n"


def test_replace_body_keeps_the_docstring_and_the_rest():
    source = 'class A:\n    def f(self):\n        """Doc."""\n        x = 1\n        return x\n\n    def g(self):\n        return 2\n'
    out = replace_body(source, "A.f", "return 3\n")
    assert out == 'class A:\n    def f(self):\n        """Doc."""\n        return 3\n\n    def g(self):\n        return 2\n'


@pytest.mark.parametrize("shortcut", SHORTCUTS, ids=lambda s: s.id)
def test_shortcut_submissions_parse_and_differ(shortcut):
    """Cheap check of the table above: every shortcut builds into valid Python that differs from the reference."""
    files = _reference_files(shortcut.assignment)
    replaced = replace_body(files[shortcut.file], shortcut.function, shortcut.body)
    ast.parse(replaced)
    assert replaced != files[shortcut.file]
    for name, code in shortcut.append.items():
        ast.parse(files[name] + code)
    for code in shortcut.extra.values():
        ast.parse(code)


# -- grading -------------------------------------------------------------------------------------


def _check_environment_image(assignment_id: str, client) -> None:
    """docker_ready checks the numpy image; an assignment with another environment needs its own."""
    from autograder.sandbox.base import SandboxError
    from autograder.sandbox.image import check_image, image_for

    packages = resolve(assignment_id, ROOT).manifest.environment.packages
    try:
        check_image(client, image_for(gpu=False, packages=packages), packages)
    except SandboxError as exc:
        if REQUIRE_DOCKER:
            pytest.fail(f"Docker is required (LLMKIT_REQUIRE_DOCKER=1) but the image is unavailable: {exc}")
        pytest.skip(f"Docker image unavailable: {exc}")


def _graded_cases() -> list[tuple[Shortcut, str]]:
    """(shortcut, sandbox) pairs the default run grades. Phase-1 assignments: every shortcut in both
    sandboxes. Later phases (torch training suites, a minute each): the first shortcut of each
    assignment, in Docker, the grader's sandbox; LLMKIT_ALL_SHORTCUTS=1 grades every pair (the
    figures of the full run are in benchmarks/README.md)."""
    every = os.environ.get("LLMKIT_ALL_SHORTCUTS") == "1"
    cases, seen = [], set()
    for shortcut in SHORTCUTS:
        later = resolve(shortcut.assignment, ROOT).manifest.phase > 1
        for sandbox in ("local", "docker"):
            if every or not later or (sandbox == "docker" and shortcut.assignment not in seen):
                cases.append((shortcut, sandbox))
        seen.add(shortcut.assignment)
    return cases


@pytest.fixture(scope="module")
def grades(tmp_path_factory):
    """Results by (sandbox, key), so each honest part is graded once per sandbox."""
    return {"root": tmp_path_factory.mktemp("shortcuts")}


def _grade(grades: dict, sandbox: str, key: str, assignment_id: str, folder_args: dict):
    if (sandbox, key) not in grades:
        root = grades["root"] / sandbox / key
        folder = build(root / "submission", assignment_id, **folder_args)
        grades[(sandbox, key)] = grade_submission(assignment=resolve(assignment_id, ROOT), source=folder,
                                                  out_dir=root / "out", sandbox=sandbox, name=key)
    return grades[(sandbox, key)]


def _summary(result) -> str:
    lost = [f"{t.id} [{t.category}]" for t in result.tests if t.score < t.points]
    return f"{result.score:g}/{result.max_score:g} ({result.status}); not full: {lost[:8]}{' ...' if len(lost) > 8 else ''}"


@pytest.mark.parametrize(("shortcut", "name"), _graded_cases(), ids=lambda v: v if isinstance(v, str) else v.id)
def test_shortcut_scores_no_more_than_the_honest_part(shortcut, name, grades, request):
    if name == "docker":
        _check_environment_image(shortcut.assignment, request.getfixturevalue("docker_ready"))
    honest = _grade(grades, name, f"{shortcut.assignment}-{shortcut.function}-honest", shortcut.assignment,
                    {"file": shortcut.file, "function": shortcut.function, "body": HONEST_BODY})
    cheat = _grade(grades, name, shortcut.id, shortcut.assignment,
                   {"file": shortcut.file, "function": shortcut.function, "body": shortcut.body,
                    "append": shortcut.append, "extra": shortcut.extra})
    assert honest.status == "graded", _summary(honest)
    assert cheat.status == "graded", _summary(cheat)
    assert 0 < honest.score < honest.max_score, f"the honest part should score partly: {_summary(honest)}"
    assert cheat.score <= honest.score + 1e-9, (
        f"shortcut {shortcut.id}: {_summary(cheat)}\nhonest part: {_summary(honest)}")
    policy_hits = [t for t in cheat.tests if t.category == "policy"]
    if shortcut.policy:
        assert policy_hits, f"the import policy did not catch {shortcut.id}: {_summary(cheat)}"
        assert cheat.flagged and cheat.message.startswith(POLICY_VIOLATION), cheat.message
    else:
        assert not policy_hits, _summary(cheat)


# -- pasted oracles: not in what students receive --------------------------------------------------

# Hand-written oracles that used to sit in a public tests/conftest.py (copied from git history:
# 02 e4548d4, 04 15dc661, 06 cec50bf). A student who pasted one in would submit honest-looking code
# with no import at all; the only defence is that the released assignment no longer holds it.
PASTED = {
    "02-embeddings": '''
    x = normalize(vectors)
    rng = np.random.default_rng(seed)
    cent = x[rng.choice(len(x), size=n_lists, replace=False)].copy()
    for _ in range(n_iter):
        d2 = ((x[:, None, :] - cent[None, :, :]) ** 2).sum(-1)  # (N, L)
        if min_gap is not None and n_lists > 1:
            two = np.sort(d2, axis=1)[:, :2]
            assert (two[:, 1] - two[:, 0]).min() > min_gap, "test data: near-tie in k-means; pick another seed"
        assign = d2.argmin(axis=1)
        for j in range(n_lists):
            if (assign == j).any():
                cent[j] = x[assign == j].mean(axis=0)
    return cent
''',
    "04-traditional-lms": '''
    seq, score = [bos], 0.0
    for _ in range(max_len):
        row = context_row(table, seq, bos)
        best = int(torch.argmax(row))  # first maximum = lowest id
        seq.append(best)
        score += float(row[best])
        if best == eos:
            break
    return seq, score
''',
    "06-data-preparation": '''
    stripped = "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.combining(ch) == 0)
    spaced = [ch if ch.isalnum() else " " for ch in stripped.lower()]
    return " ".join("".join(spaced).split())
''',
}


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _body_lines(code: str) -> list[str]:
    """The statements of a pasted body that identify it (long, not generic)."""
    return [_squash(line) for line in textwrap.dedent(code).splitlines() if len(line.strip()) >= 40]


@pytest.mark.parametrize("assignment_id", sorted(PASTED))
def test_pasted_conftest_oracles_are_not_released(assignment_id):
    released = ROOT / "assignments" / assignment_id
    assert released.is_dir(), f"run `llmkit release {assignment_id}`"
    texts = {p: _squash(p.read_text(encoding="utf-8", errors="replace"))
             for p in released.rglob("*") if p.is_file() and p.suffix in {".py", ".md", ".toml", ".txt", ".json"}}
    whole = _squash(textwrap.dedent(PASTED[assignment_id]))
    lines = _body_lines(PASTED[assignment_id])
    assert lines, "pick an oracle with some distinctive lines"
    for path, text in texts.items():
        assert whole not in text, f"{path} holds the hand-written oracle"
        found = [line for line in lines if line in text]
        assert not found, f"{path} holds lines of the hand-written oracle: {found}"
    # and the oracle still exists where staff keep it (else this test checks nothing)
    hidden = resolve(assignment_id, ROOT).solution_dir / "tests" / "hidden" / "conftest.py"
    assert hidden.is_file()


# -- honest code passes the policy -------------------------------------------------------------------


def _submitted(folder: Path, files: tuple[str, ...]) -> dict[str, str]:
    return {name: (folder / name).read_text(encoding="utf-8") for name in files if (folder / name).is_file()}


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_policy_passes_the_reference_and_the_full_sample(assignment_id):
    assignment = resolve(assignment_id, ROOT)
    rules = assignment.manifest.policy
    assert rules, f"{assignment_id}: the manifest has no [[policy]]"
    files = assignment.manifest.submission.files
    folders = [assignment.solution_dir] + [f for f in [SAMPLES / assignment_id / "full"] if f.is_dir()]
    for folder in folders:
        sources = _submitted(folder, files)
        assert set(sources) == set(files), f"{folder}: missing {set(files) - set(sources)}"
        found = check_policy(sources, rules)
        assert found == [], f"{folder}: " + "; ".join(v.message() for v in found)
