"""word2vec, half-finished: this file does not even parse."""

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x)


def sgns_loss_and_grads(center_vec, outside_vecs, outside_idx, negative_idx):
    s_o = outside_vecs[outside_idx] @ center_vec
    return -np.log(sigmoid(s_o)), None, None
