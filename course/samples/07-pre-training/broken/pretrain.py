"""A half-finished attempt that does not even parse."""

import numpy as np
import torch


def get_batch(data, batch_size, context_length, device, generator=None):
    starts = torch.randint(0, len(data) - context_length, (batch_size,)
    return starts
