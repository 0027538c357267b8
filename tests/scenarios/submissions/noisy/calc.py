import numpy as np


def add(a, b):
    print('spam ' * 2_000_000)
    return a + b


def mean(xs):
    return sum(xs) / len(xs)


def normalize(xs):
    arr = np.asarray(xs, dtype=np.float64)
    return arr / np.linalg.norm(arr)


class Counter:
    def __init__(self, start):
        self.n = start

    def inc(self):
        self.n += 1
        return self.n
