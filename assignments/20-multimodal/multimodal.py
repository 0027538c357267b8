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
    raise NotImplementedError


def patch_embed(images: Tensor, weight: Tensor, bias: Tensor | None, device: str = "cpu") -> Tensor:
    """Linear patch embedding, equal to conv2d(images, weight, bias, stride=p) flattened.

    images: (B, C, H, W); weight: (d, C, p, p) in conv2d layout (p = weight.shape[-1]);
    bias: (d,) or None. Returns (B, N, d) = patchify(images) @ weight.reshape(d, C*p*p).T + bias,
    i.e. conv2d(...).flatten(2).transpose(1, 2). A channel count that differs from
    weight.shape[1] raises ValueError.
    """
    raise NotImplementedError


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
    raise NotImplementedError


# -----------------------------------------------------------------------------
# CLIP


def _normalize(x: Tensor) -> Tensor:
    """x / ||x||_2 along the last dim."""
    raise NotImplementedError


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
    raise NotImplementedError


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
