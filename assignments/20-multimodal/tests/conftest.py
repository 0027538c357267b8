"""Shared helpers for the 20-multimodal tests: torch and Hugging Face oracles.

Everything here runs on the trusted side. The student's code is reached only through the
`student` fixture; these helpers build inputs and expected values with torch's conv2d and
Hugging Face's ViTEmbeddings and CLIPModel (tiny configs, random weights, fixed seeds, nothing
downloaded). Tests reach them through the `oracle` fixture (`oracle.make_vit(...)`).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F
from transformers import CLIPConfig, CLIPModel, ViTConfig
from transformers.models.clip.modeling_clip import image_text_contrastive_loss
from transformers.models.vit.modeling_vit import ViTEmbeddings

torch.set_num_threads(2)


def randn(*shape, seed: int, dtype=torch.float32, scale: float = 1.0) -> torch.Tensor:
    """A seeded standard-normal tensor (seed local to this call)."""
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=g, dtype=torch.float64) * scale).to(dtype)


# -----------------------------------------------------------------------------
# patches: torch's conv2d and HF ViTEmbeddings


def conv_patch_embed(images: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """conv2d with kernel = stride = p, flattened to (B, N, d) as ViTPatchEmbeddings does."""
    p = weight.shape[-1]
    return F.conv2d(images, weight, bias, stride=p).flatten(2).transpose(1, 2)


def conv_patchify(images: torch.Tensor, p: int) -> torch.Tensor:
    """patchify through conv2d: an identity weight (C*p*p, C, p, p) picks each patch element.

    Output channel c*p*p + dy*p + dx of the identity weight reads input channel c at (dy, dx),
    so the result is each patch flattened channels first, patches row-major over the grid.
    """
    C = images.shape[1]
    eye = torch.eye(C * p * p, dtype=images.dtype).reshape(C * p * p, C, p, p)
    return conv_patch_embed(images, eye, None)


def make_vit(seed: int, image_size=16, patch_size=4, num_channels=3, hidden_size=32):
    """A ViTEmbeddings module (eval) with seeded random weights, and its state_dict."""
    cfg = ViTConfig(image_size=image_size, patch_size=patch_size, num_channels=num_channels,
                    hidden_size=hidden_size, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64)
    torch.manual_seed(seed)
    emb = ViTEmbeddings(cfg).eval()
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for p in emb.parameters():  # HF initialises the bias to 0 and cls/pos as N(0, 1): randomise all
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)
    return emb, {k: v.detach().clone() for k, v in emb.state_dict().items()}


def hf_vit(emb, images: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return emb(images)


# -----------------------------------------------------------------------------
# CLIP: a tiny CLIPModel; the student gets its projected (unnormalised) embeddings


def make_clip(seed: int, projection_dim: int = 16, logit_scale: float | None = None) -> CLIPModel:
    """A tiny CLIPModel (eval) with seeded weights; logit_scale (a log) overrides ln(1/0.07)."""
    vocab = 64
    cfg = CLIPConfig(
        text_config=dict(vocab_size=vocab, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=2, max_position_embeddings=16, bos_token_id=vocab - 2,
                         eos_token_id=vocab - 1, pad_token_id=0),
        vision_config=dict(image_size=8, patch_size=4, hidden_size=32, intermediate_size=64,
                           num_hidden_layers=1, num_attention_heads=2),
        projection_dim=projection_dim,
    )
    torch.manual_seed(seed)
    model = CLIPModel(cfg).eval()
    if logit_scale is not None:
        with torch.no_grad():
            model.logit_scale.fill_(logit_scale)
    return model


def clip_batch(model: CLIPModel, batch: int, seed: int):
    """Random (input_ids, pixel_values) for `model`: texts of 6 tokens ending with EOS."""
    g = torch.Generator().manual_seed(seed)
    vocab = model.config.text_config.vocab_size
    ids = torch.randint(1, vocab - 2, (batch, 6), generator=g)
    ids[:, -1] = model.config.text_config.eos_token_id
    pixels = torch.randn(batch, 3, 8, 8, generator=g)
    return ids, pixels


def clip_run(model: CLIPModel, batch: int, seed: int):
    """CLIPModel(return_loss=True) on a random batch.

    Returns a namespace: image_embeds, text_embeds (the projections BEFORE normalisation, what
    the student receives), logit_scale (float, the log), loss and logits_per_image from HF.
    """
    ids, pixels = clip_batch(model, batch, seed)
    with torch.no_grad():
        out = model(input_ids=ids, pixel_values=pixels, return_loss=True)
        img = model.get_image_features(pixel_values=pixels)
        txt = model.get_text_features(input_ids=ids)
    img = getattr(img, "pooler_output", img)
    txt = getattr(txt, "pooler_output", txt)
    return SimpleNamespace(
        image_embeds=img.detach().clone(), text_embeds=txt.detach().clone(),
        logit_scale=float(model.logit_scale.detach()), loss=out.loss.detach(),
        logits_per_image=out.logits_per_image.detach(),
    )


def hf_clip_loss(image_embeds: torch.Tensor, text_embeds: torch.Tensor, logit_scale: float) -> torch.Tensor:
    """CLIPModel's own loss code path on given embeddings, in their dtype: normalise, scale, then
    transformers' image_text_contrastive_loss on logits_per_text."""
    img = image_embeds / image_embeds.norm(dim=-1, keepdim=True)
    txt = text_embeds / text_embeds.norm(dim=-1, keepdim=True)
    logits_per_text = (txt @ img.T) * torch.tensor(logit_scale, dtype=img.dtype).exp()
    return image_text_contrastive_loss(logits_per_text)


def hf_zero_shot(image_embeds: torch.Tensor, class_embeds: torch.Tensor, logit_scale: float):
    """(probs, preds) the way the CLIP model card does it: logits_per_image.softmax(dim=1), argmax."""
    img = image_embeds / image_embeds.norm(dim=-1, keepdim=True)
    cls = class_embeds / class_embeds.norm(dim=-1, keepdim=True)
    logits_per_image = (img @ cls.T) * torch.tensor(logit_scale, dtype=img.dtype).exp()
    return logits_per_image.softmax(dim=1), logits_per_image.argmax(dim=1)


@pytest.fixture(scope="session")
def oracle() -> SimpleNamespace:
    """The helpers of this file as attributes, e.g. `oracle.make_vit(0)`."""
    return SimpleNamespace(
        randn=randn, conv_patch_embed=conv_patch_embed, conv_patchify=conv_patchify,
        make_vit=make_vit, hf_vit=hf_vit, make_clip=make_clip, clip_batch=clip_batch, clip_run=clip_run,
        hf_clip_loss=hf_clip_loss, hf_zero_shot=hf_zero_shot,
    )
