"""A scalar-valued autograd engine, in the spirit of micrograd.

A `Value` wraps one Python float. Every arithmetic operation on Values returns a new
Value that remembers its inputs ("children") and how to push a gradient back into them.
Calling `out.backward()` then fills in `v.grad = d(out)/d(v)` for every Value `v` that
`out` was computed from (reverse-mode automatic differentiation, "backprop").

    a = Value(2.0); b = Value(-3.0)
    c = a * b + a          # c.data == -4.0
    c.backward()           # a.grad == b + 1 == -2.0, b.grad == a == 2.0

Supported: + - * / with Values or plain numbers on either side, unary minus,
** with a constant (int or float) exponent, tanh, exp, log and relu.

But: scalars only (no tensors), and call backward() once per graph (a second call
would add the gradients again). Only the standard library: no torch, no numpy.
"""

from __future__ import annotations

import math


class Value:
    """A scalar node of a computation graph.

    data: the number (a Python float).
    grad: d(output)/d(self) after output.backward(); 0.0 until then.
    """

    def __init__(self, data: float, _children: tuple[Value, ...] = ()):
        """A leaf (no children) or the result of an operation on `_children`.

        Sets self.data = float(data) and self.grad = 0.0. Internally a node also needs its
        children (self._prev) and a function self._backward() that adds
        self.grad * d(self)/d(child) to each child's grad (a leaf's does nothing); each
        operation below replaces _backward on the node it creates.
        """
        raise NotImplementedError

    # -------------------------------------------------------------------------
    # the primitive operations: each one defines its local derivative

    def __add__(self, other: Value | float) -> Value:
        """self + other.  d/dself = 1, d/dother = 1."""
        raise NotImplementedError

    def __mul__(self, other: Value | float) -> Value:
        """self * other.  d/dself = other, d/dother = self."""
        raise NotImplementedError

    def __pow__(self, exponent: int | float) -> Value:
        """self ** exponent for a constant exponent.  d/dself = exponent * self ** (exponent - 1)."""
        raise NotImplementedError

    def tanh(self) -> Value:
        """tanh(self).  d/dself = 1 - tanh(self)^2."""
        raise NotImplementedError

    def exp(self) -> Value:
        """e ** self.  d/dself = e ** self."""
        raise NotImplementedError

    def log(self) -> Value:
        """Natural log of self (self.data > 0).  d/dself = 1 / self."""
        raise NotImplementedError

    def relu(self) -> Value:
        """max(0, self).  d/dself = 1 if self > 0 else 0 (0 at exactly 0, like torch)."""
        raise NotImplementedError

    # -------------------------------------------------------------------------
    # everything else is built from the primitives above

    def __neg__(self) -> Value:
        """-self, i.e. (-1) * self."""
        raise NotImplementedError

    def __sub__(self, other: Value | float) -> Value:
        """self - other."""
        raise NotImplementedError

    def __truediv__(self, other: Value | float) -> Value:
        """self / other, i.e. self * other ** -1."""
        raise NotImplementedError

    def __radd__(self, other: float) -> Value:
        """other + self, for a plain number on the left (Python calls this after float.__add__ gives up)."""
        raise NotImplementedError

    def __rsub__(self, other: float) -> Value:
        """other - self."""
        raise NotImplementedError

    def __rmul__(self, other: float) -> Value:
        """other * self."""
        raise NotImplementedError

    def __rtruediv__(self, other: float) -> Value:
        """other / self."""
        raise NotImplementedError

    # -------------------------------------------------------------------------
    # backpropagation

    def backward(self) -> None:
        """Set self.grad = 1 and fill in d(self)/d(v) for every node v this one depends on.

        Visit the nodes in reverse topological order (every node after all the nodes
        that use it), so that a node's grad is complete before it is pushed further
        down. Gradients accumulate (+=) into nodes that are used more than once.
        """
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"
