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

The local half grades 27 submissions (8 honest parts, 19 shortcuts): about 3 minutes on two
cores; the Docker half the same in containers, about as long (it needs the images of the three
environments, stdlib, numpy and numpy+torch: `llmkit image build --offline`).
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

from autograder.catalog import list_topics, resolve
from autograder.grade import grade_submission
from autograder.policy import check_policy
from autograder.results import POLICY_VIOLATION

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "course" / "samples"
TOPICS = [t.id for t in list_topics(ROOT) if t.solution_dir is not None]
REQUIRE_DOCKER = os.environ.get("LLMKIT_REQUIRE_DOCKER") == "1"


@dataclass(frozen=True)
class Shortcut:
    topic: str
    variant: str  # (a) ... (e): how the banned code is reached
    file: str  # the submitted file whose function is replaced
    function: str  # "name" or "Class.method"
    body: str  # the new body (dedented)
    append: dict[str, str] = field(default_factory=dict)  # submitted file -> code appended to it
    extra: dict[str, str] = field(default_factory=dict)  # files the manifest does not list
    policy: bool = True  # the import policy must catch it (False: the code never reaches the worker)

    @property
    def id(self) -> str:
        return f"{self.topic[:2]}-{self.function}-{self.variant}"


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


def _indent(code: str, spaces: int = 4) -> str:
    return textwrap.indent(code, " " * spaces)


_SACREBLEU_BODY = (
    "{imp}"
    "out = {mod}.corpus_bleu(hyps, [list(s) for s in zip(*refs)], tokenize=\"none\", smooth_method=smooth)\n"
    "return {{\"score\": out.score, \"bp\": out.bp, \"counts\": list(out.counts), \"totals\": list(out.totals),\n"
    "        \"precisions\": list(out.precisions), \"sys_len\": out.sys_len, \"ref_len\": out.ref_len}}\n"
)

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
    Shortcut("13-evaluation", "a-import", "evaluation.py", "corpus_bleu", _SACREBLEU_BODY.format(
             imp="import sacrebleu\n", mod="sacrebleu")),
    Shortcut("13-evaluation", "c-__import__-alias", "evaluation.py", "corpus_bleu", _SACREBLEU_BODY.format(
             imp='_imp = __import__\nsb = _imp("sacre" + "bleu")\n', mod="sb")),
    Shortcut("13-evaluation", "b-importlib", "evaluation.py", "rouge_l",
             'import importlib\nscorer = importlib.import_module("rouge_score.rouge_scorer")\n'
             's = scorer.RougeScorer(["rougeL"], use_stemmer=False).score(reference, hypothesis)["rougeL"]\n'
             'return {"precision": s.precision, "recall": s.recall, "fmeasure": s.fmeasure}\n'),
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


def _reference_files(topic_id: str) -> dict[str, str]:
    topic = resolve(topic_id, ROOT)
    return {name: (topic.solution_dir / name).read_text(encoding="utf-8") for name in topic.manifest.submission.files}


def build(folder: Path, topic_id: str, file: str, function: str, body: str,
          append: dict[str, str] | None = None, extra: dict[str, str] | None = None) -> Path:
    """A submission folder: the reference files, one function's body replaced, code appended, extra files."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    files = _reference_files(topic_id)
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
    files = _reference_files(shortcut.topic)
    replaced = replace_body(files[shortcut.file], shortcut.function, shortcut.body)
    ast.parse(replaced)
    assert replaced != files[shortcut.file]
    for name, code in shortcut.append.items():
        ast.parse(files[name] + code)
    for code in shortcut.extra.values():
        ast.parse(code)


# -- grading -------------------------------------------------------------------------------------


def _check_environment_image(topic_id: str, client) -> None:
    """docker_ready checks the numpy image; a topic with another environment needs its own."""
    from autograder.sandbox.base import SandboxError
    from autograder.sandbox.image import check_image, image_for

    packages = resolve(topic_id, ROOT).manifest.environment.packages
    try:
        check_image(client, image_for(gpu=False, packages=packages), packages)
    except SandboxError as exc:
        if REQUIRE_DOCKER:
            pytest.fail(f"Docker is required (LLMKIT_REQUIRE_DOCKER=1) but the image is unavailable: {exc}")
        pytest.skip(f"Docker image unavailable: {exc}")


@pytest.fixture(scope="module", params=["local", "docker"])
def sandbox(request):
    if request.param == "docker":
        client = request.getfixturevalue("docker_ready")
        return "docker", client
    return "local", None


@pytest.fixture(scope="module")
def grades(tmp_path_factory):
    """Results by (sandbox, key), so each honest part is graded once per sandbox."""
    return {"root": tmp_path_factory.mktemp("shortcuts")}


def _grade(grades: dict, sandbox: str, key: str, topic_id: str, folder_args: dict):
    if (sandbox, key) not in grades:
        root = grades["root"] / sandbox / key
        folder = build(root / "submission", topic_id, **folder_args)
        grades[(sandbox, key)] = grade_submission(topic=resolve(topic_id, ROOT), source=folder,
                                                  out_dir=root / "out", sandbox=sandbox, name=key)
    return grades[(sandbox, key)]


def _summary(result) -> str:
    lost = [f"{t.id} [{t.category}]" for t in result.tests if t.score < t.points]
    return f"{result.score:g}/{result.max_score:g} ({result.status}); not full: {lost[:8]}{' ...' if len(lost) > 8 else ''}"


@pytest.mark.parametrize("shortcut", SHORTCUTS, ids=lambda s: s.id)
def test_shortcut_scores_no_more_than_the_honest_part(shortcut, sandbox, grades):
    name, client = sandbox
    if client is not None:
        _check_environment_image(shortcut.topic, client)
    honest = _grade(grades, name, f"{shortcut.topic}-{shortcut.function}-honest", shortcut.topic,
                    {"file": shortcut.file, "function": shortcut.function, "body": HONEST_BODY})
    cheat = _grade(grades, name, shortcut.id, shortcut.topic,
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
        assert cheat.message.startswith(POLICY_VIOLATION), cheat.message
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


@pytest.mark.parametrize("topic_id", sorted(PASTED))
def test_pasted_conftest_oracles_are_not_released(topic_id):
    released = ROOT / "assignments" / topic_id
    assert released.is_dir(), f"run `llmkit release {topic_id}`"
    texts = {p: _squash(p.read_text(encoding="utf-8", errors="replace"))
             for p in released.rglob("*") if p.is_file() and p.suffix in {".py", ".md", ".toml", ".txt", ".json"}}
    whole = _squash(textwrap.dedent(PASTED[topic_id]))
    lines = _body_lines(PASTED[topic_id])
    assert lines, "pick an oracle with some distinctive lines"
    for path, text in texts.items():
        assert whole not in text, f"{path} holds the hand-written oracle"
        found = [line for line in lines if line in text]
        assert not found, f"{path} holds lines of the hand-written oracle: {found}"
    # and the oracle still exists where staff keep it (else this test checks nothing)
    hidden = resolve(topic_id, ROOT).solution_dir / "tests" / "hidden" / "conftest.py"
    assert hidden.is_file()


# -- honest code passes the policy -------------------------------------------------------------------


def _submitted(folder: Path, files: tuple[str, ...]) -> dict[str, str]:
    return {name: (folder / name).read_text(encoding="utf-8") for name in files if (folder / name).is_file()}


@pytest.mark.parametrize("topic_id", TOPICS)
def test_policy_passes_the_reference_and_the_full_sample(topic_id):
    topic = resolve(topic_id, ROOT)
    rules = topic.manifest.policy
    assert rules, f"{topic_id}: the manifest has no [[policy]]"
    files = topic.manifest.submission.files
    folders = [topic.solution_dir] + [f for f in [SAMPLES / topic_id / "full"] if f.is_dir()]
    for folder in folders:
        sources = _submitted(folder, files)
        assert set(sources) == set(files), f"{folder}: missing {set(files) - set(sources)}"
        found = check_policy(sources, rules)
        assert found == [], f"{folder}: " + "; ".join(v.message() for v in found)
