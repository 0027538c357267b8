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
        ### BEGIN SOLUTION
        self.data = float(data)
        self.grad = 0.0
        # the chain-rule step of the operation that produced this node: it adds
        # self.grad * d(self)/d(child) to each child's grad (a leaf has nothing to push)
        self._backward = lambda: None
        self._prev = _children
        ### END SOLUTION

    # -------------------------------------------------------------------------
    # the primitive operations: each one defines its local derivative

    def __add__(self, other: Value | float) -> Value:
        """self + other.  d/dself = 1, d/dother = 1."""
        ### BEGIN SOLUTION
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))

        def _backward():
            # subtle: +=, not =. A node used twice (x + x, or reused further up the
            # graph) receives one contribution per use.
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out
        ### END SOLUTION

    def __mul__(self, other: Value | float) -> Value:
        """self * other.  d/dself = other, d/dother = self."""
        ### BEGIN SOLUTION
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out
        ### END SOLUTION

    def __pow__(self, exponent: int | float) -> Value:
        """self ** exponent for a constant exponent.  d/dself = exponent * self ** (exponent - 1)."""
        ### BEGIN SOLUTION
        out = Value(self.data**exponent, (self,))

        def _backward():
            self.grad += exponent * self.data ** (exponent - 1) * out.grad

        out._backward = _backward
        return out
        ### END SOLUTION

    def tanh(self) -> Value:
        """tanh(self).  d/dself = 1 - tanh(self)^2."""
        ### BEGIN SOLUTION
        t = math.tanh(self.data)
        out = Value(t, (self,))

        def _backward():
            self.grad += (1.0 - t * t) * out.grad

        out._backward = _backward
        return out
        ### END SOLUTION

    def exp(self) -> Value:
        """e ** self.  d/dself = e ** self."""
        ### BEGIN SOLUTION
        e = math.exp(self.data)
        out = Value(e, (self,))

        def _backward():
            self.grad += e * out.grad

        out._backward = _backward
        return out
        ### END SOLUTION

    def log(self) -> Value:
        """Natural log of self (self.data > 0).  d/dself = 1 / self."""
        ### BEGIN SOLUTION
        out = Value(math.log(self.data), (self,))

        def _backward():
            self.grad += out.grad / self.data

        out._backward = _backward
        return out
        ### END SOLUTION

    def relu(self) -> Value:
        """max(0, self).  d/dself = 1 if self > 0 else 0 (0 at exactly 0, like torch)."""
        ### BEGIN SOLUTION
        positive = self.data > 0
        out = Value(self.data if positive else 0.0, (self,))

        def _backward():
            if positive:
                self.grad += out.grad

        out._backward = _backward
        return out
        ### END SOLUTION

    # -------------------------------------------------------------------------
    # everything else is built from the primitives above

    def __neg__(self) -> Value:
        """-self, i.e. (-1) * self."""
        ### BEGIN SOLUTION
        return -1 * self
        ### END SOLUTION

    def __sub__(self, other: Value | float) -> Value:
        """self - other."""
        ### BEGIN SOLUTION
        return self + (-other)
        ### END SOLUTION

    def __truediv__(self, other: Value | float) -> Value:
        """self / other, i.e. self * other ** -1."""
        ### BEGIN SOLUTION
        return self * other**-1
        ### END SOLUTION

    def __radd__(self, other: float) -> Value:
        """other + self, for a plain number on the left (Python calls this after float.__add__ gives up)."""
        ### BEGIN SOLUTION
        return self + other
        ### END SOLUTION

    def __rsub__(self, other: float) -> Value:
        """other - self."""
        ### BEGIN SOLUTION
        return (-self) + other
        ### END SOLUTION

    def __rmul__(self, other: float) -> Value:
        """other * self."""
        ### BEGIN SOLUTION
        return self * other
        ### END SOLUTION

    def __rtruediv__(self, other: float) -> Value:
        """other / self."""
        ### BEGIN SOLUTION
        return self**-1 * other
        ### END SOLUTION

    # -------------------------------------------------------------------------
    # backpropagation

    def backward(self) -> None:
        """Set self.grad = 1 and fill in d(self)/d(v) for every node v this one depends on.

        Visit the nodes in reverse topological order (every node after all the nodes
        that use it), so that a node's grad is complete before it is pushed further
        down. Gradients accumulate (+=) into nodes that are used more than once.
        """
        ### BEGIN SOLUTION
        topo: list[Value] = []  # children before parents
        visited: set[int] = set()

        def build(v: Value) -> None:
            if id(v) not in visited:
                visited.add(id(v))
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()
        ### END SOLUTION

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"
