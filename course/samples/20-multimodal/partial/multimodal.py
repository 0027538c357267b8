"""Vision-language building blocks written with plain torch tensor ops.

    patchify            images (B, C, H, W) -> patch vectors (B, N, C*p*p)
    patch_embed         patchify + a linear map = a conv2d with kernel = stride = p
    vit_embeddings      Hugging Face ViTEmbeddings: [CLS] + patch embeddings + position embeddings
    clip_loss           CLIP's symmetric contrastive (InfoNCE) loss over a batch of pairs
    zero_shot_classify  CLIP zero-shot classification from image and class-text embeddings

Every function is a pure function of its inputs; weights come in as tensors. Each takes
`device` ("cpu" or "cuda"): move the inputs there, compute there, return the result (the
grader reads it back on the CPU). Compute in the input's floating dtype and return it.
No torch convolution or im2col for the patches and no torch cross-entropy for the loss
(see "Allowed imports" in the handout).
"""

from __future__ import annotations

import torch
from torch import Tensor

# -----------------------------------------------------------------------------
# patches


def patchify(images: Tensor, patch_size: int, device: str = "cpu") -> Tensor:
    """Cut images into non-overlapping p x p patches and flatten each one.

    images: (B, C, H, W) float; H and W must be multiples of p = patch_size (else ValueError).
    Returns (B, N, C*p*p) with N = (H/p) * (W/p):
      - patches in row-major order over the (H/p, W/p) grid: patch n = i * (W/p) + j covers
        rows i*p ... i*p+p-1 and columns j*p ... j*p+p-1;
      - inside a patch, channels first: element (c, dy, dx) sits at index c*p*p + dy*p + dx,
        the order of conv2d's weight (d, C, p, p).reshape(d, C*p*p).
    """
    B, C, H, W = images.shape
    p = patch_size
    if H % p or W % p:
        raise ValueError(f"patchify: H={H} and W={W} must be multiples of patch_size={p}")
    x = images.to(device)
    gh, gw = H // p, W // p
    x = x.reshape(B, C, gh, p, gw, p)  # (B, C, i, dy, j, dx)
    x = x.permute(0, 2, 4, 1, 3, 5)  # (B, i, j, C, dy, dx): grid row-major, channels first inside
    return x.reshape(B, gh * gw, C * p * p)


def patch_embed(images: Tensor, weight: Tensor, bias: Tensor | None, device: str = "cpu") -> Tensor:
    """Linear patch embedding, equal to conv2d(images, weight, bias, stride=p) flattened.

    images: (B, C, H, W); weight: (d, C, p, p) in conv2d layout (p = weight.shape[-1]);
    bias: (d,) or None. Returns (B, N, d) = patchify(images) @ weight.reshape(d, C*p*p).T + bias,
    i.e. conv2d(...).flatten(2).transpose(1, 2). A channel count that differs from
    weight.shape[1] raises ValueError.
    """
    d, C, p, p2 = weight.shape
    if images.shape[1] != C:
        raise ValueError(f"patch_embed: images must be (B, {C}, H, W), got shape {tuple(images.shape)}")
    patches = patchify(images, p, device)  # (B, N, C*p*p)
    w = weight.to(device).reshape(d, C * p * p2)
    out = patches @ w.T  # (B, N, d)
    if bias is not None:
        out = out + bias.to(device)
    return out


def vit_embeddings(images: Tensor, weights: dict[str, Tensor], device: str = "cpu") -> Tensor:
    """Hugging Face ViTEmbeddings (eval mode, no mask token, no interpolation).

    weights: ViTEmbeddings.state_dict() keys
        cls_token                           (1, 1, d)
        position_embeddings                 (1, N + 1, d)
        patch_embeddings.projection.weight  (d, C, p, p)
        patch_embeddings.projection.bias    (d,)
    Returns (B, N + 1, d) = concat([CLS], patch_embed(images)) + position_embeddings, the
    [CLS] token first. N + 1 != position_embeddings.shape[1] raises ValueError.
    """
    patches = patch_embed(
        images, weights["patch_embeddings.projection.weight"], weights["patch_embeddings.projection.bias"], device
    )  # (B, N, d)
    B, N, d = patches.shape
    pos = weights["position_embeddings"].to(device)
    if pos.shape[1] != N + 1:
        raise ValueError(f"vit_embeddings: {N} patches need {N + 1} positions, got {pos.shape[1]}")
    cls = weights["cls_token"].to(device).expand(B, 1, d)
    return torch.cat([cls, patches], dim=1) + pos


# -----------------------------------------------------------------------------
# CLIP


def _normalize(x: Tensor) -> Tensor:
    """x / ||x||_2 along the last dim."""
    return x / x.pow(2).sum(dim=-1, keepdim=True).sqrt()


def clip_loss(image_embeds: Tensor, text_embeds: Tensor, logit_scale: float | Tensor, device: str = "cpu") -> Tensor:
    """CLIP's symmetric contrastive loss (CLIPModel(return_loss=True)).

    image_embeds, text_embeds: (B, D), NOT normalised; pair i is (image i, text i).
    logit_scale: the LOG of the temperature's inverse (CLIPModel.logit_scale); s = exp(logit_scale).
        logits[i, j] = s * cos(image i, text j)                      (B, B)
        L_img = mean_i -log softmax(logits[i, :])[i]                 (each image finds its text)
        L_txt = mean_j -log softmax(logits[:, j])[j]                 (each text finds its image)
        loss  = (L_img + L_txt) / 2
    Returns a 0-dim tensor of the inputs' dtype. Different shapes raise ValueError. Must stay
    finite for s up to 1e4 (log-softmax with the row max subtracted).
    """
    if image_embeds.ndim != 2 or image_embeds.shape != text_embeds.shape:
        raise ValueError(
            f"clip_loss: image_embeds {tuple(image_embeds.shape)} and text_embeds {tuple(text_embeds.shape)} "
            "must both be (B, D)"
        )
    img = _normalize(image_embeds.to(device))
    txt = _normalize(text_embeds.to(device))
    scale = torch.as_tensor(logit_scale, dtype=img.dtype, device=img.device).exp()
    logits = scale * (img @ txt.T)  # (B, B): rows = images, columns = texts

    def _diag_nll(z: Tensor) -> Tensor:
        # mean over rows of -log softmax(z[i])[i], stable: logsumexp with the row max subtracted
        m = z.amax(dim=1, keepdim=True)
        lse = (z - m).exp().sum(dim=1).log() + m.squeeze(1)
        return (lse - z.diagonal()).mean()

    return _diag_nll(logits)  # TODO: the text -> image direction


def zero_shot_classify(
    image_embeds: Tensor, class_embeds: Tensor, logit_scale: float | Tensor, device: str = "cpu"
) -> tuple[Tensor, Tensor]:
    """CLIP zero-shot classification.

    image_embeds: (B, D), class_embeds: (K, D) (one text embedding per class), neither normalised.
    logits[b, k] = exp(logit_scale) * cos(image b, class k)        (B, K)
    Returns (probs, preds): probs = softmax(logits, dim=1), (B, K) in the inputs' dtype;
    preds = argmax over classes, (B,) int64, ties to the LOWEST class index.
    Different D raises ValueError.
    """
    raise NotImplementedError
