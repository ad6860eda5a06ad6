"""Neural-network building blocks: :class:`Module`, :class:`Neuron`, :class:`Layer`, :class:`MLP`.

The API is micrograd's (``Neuron(nin, nonlin=True)``, ``Layer(nin, nout)``,
``MLP(nin, nouts)``, ``parameters()``, ``zero_grad()``), so micrograd code runs
after switching the imports.  On top of it: a choice of activation and of
weight initialisation (Xavier, as in
《PyTorch学习笔记(六)：正向传播、反向传播、数值稳定性和模型参数》, is the default),
seeds for reproducible models, ``named_parameters()`` with PyTorch's dotted
names, parameters labelled at construction (``L0.n1.w0``) so that a drawn graph
shows which weight is which, ``inputs()`` for named input nodes, and
``state_dict()`` / ``load_state_dict()`` with plain floats that ``json.dumps`` accepts.

A neuron computes ``act(w·x + b)`` where ``w·x + b`` is *one* ``F.dot`` node,
not a chain of ``nin`` multiplications and additions: that is where most of the
speed over micrograd comes from.

>>> model = MLP(2, [4, 1], seed=0)
>>> y = model([1.0, -2.0])          # one output neuron -> a single Value
>>> type(y).__name__, len(model.parameters())
('Value', 17)
>>> [(name, p.label) for name, p in model.named_parameters()][:2]
[('layers.0.neurons.0.w.0', 'L0.n0.w0'), ('layers.0.neurons.0.w.1', 'L0.n0.w1')]
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from numbers import Integral

from . import functional as F
from .engine import Value, as_real

__all__ = ["ACTIVATIONS", "INITS", "MLP", "Layer", "Module", "Neuron", "inputs"]

# name -> (Value method applied to w·x + b, name shown in repr); linear is the identity.
ACTIVATIONS = {
    "relu": (Value.relu, "ReLU"),
    "tanh": (Value.tanh, "Tanh"),
    "sigmoid": (Value.sigmoid, "Sigmoid"),
    "linear": (None, "Linear"),
    "elu": (Value.elu, "ELU"),
    "softplus": (Value.softplus, "Softplus"),
    "leaky_relu": (Value.leaky_relu, "LeakyReLU"),
}


def _xavier(rng, fan_in: int, fan_out: int) -> float:
    # Xavier: U(-sqrt(6 / (a + b)), +sqrt(6 / (a + b))) keeps the variance of
    # activations and of gradients independent of the layer sizes.
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound)


def _he(rng, fan_in: int, fan_out: int) -> float:
    # He (Kaiming) uniform for ReLU: U(±sqrt(6 / fan_in)), variance 2 / fan_in.
    bound = math.sqrt(6.0 / fan_in)
    return rng.uniform(-bound, bound)


def _uniform(rng, fan_in: int, fan_out: int) -> float:
    # micrograd's U(-1, 1), whatever the layer size.
    return rng.uniform(-1, 1)


INITS = {"xavier": _xavier, "he": _he, "uniform": _uniform}


def _check_choice(value, choices, what: str) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"unknown {what} {value!r}; choose one of: {', '.join(choices)}")
    return value


def _check_size(n, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, Integral):
        raise TypeError(f"{what} must be an int, got {type(n).__name__}")
    if n < 1:
        raise ValueError(f"{what} must be >= 1, got {n}")
    return int(n)


def _make_rng(seed, rng):
    if seed is not None and rng is not None:
        raise ValueError("pass either seed or rng, not both")
    if rng is not None:
        return rng
    if seed is None:
        return random  # the global generator: random.seed(1337) works as in micrograd
    return random.Random(seed)


def _check_inputs(x, n: int, who: str) -> None:
    """A sample is a list (or tuple, array) of n numbers or Values; a dict's keys are not inputs."""
    if isinstance(x, (Mapping, str, bytes, Value)) or not hasattr(x, "__len__"):
        raise TypeError(
            f"{who} expects a list of {n} inputs (numbers or Values), got {type(x).__name__}"
        )
    if len(x) != n:
        raise ValueError(f"{who} expects {n} inputs, got {len(x)}")


def inputs(xs, prefix: str = "x") -> list[Value]:
    """One sample's numbers as labelled leaf Values ``x0, x1, …``, to see the inputs in a drawing.

    A model called on plain floats folds them into its ``dot`` nodes as
    constants: fewer nodes, faster training, but the drawn graph shows no
    inputs.  Pass ``inputs(sample)`` when you want to draw the model (or read
    ∂out/∂x); keep floats for training.

    >>> n = Neuron(2, activation="linear", seed=0)
    >>> x = inputs([2.0, 3.0]); [v.label for v in x]
    ['x0', 'x1']
    >>> out = n(x); out.backward(); [v.grad for v in x] == [w.data for w in n.w]
    True
    """
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a str, got {type(prefix).__name__}")
    if isinstance(xs, (Mapping, str, bytes, Value)) or not hasattr(xs, "__iter__"):
        raise TypeError(f"inputs expects a list of numbers, got {type(xs).__name__}")
    return [Value(as_real(x, f"inputs[{i}]"), label=f"{prefix}{i}") for i, x in enumerate(xs)]


def _prefix_labels(module: Module, prefix: str) -> None:
    for p in module.parameters():
        p.label = prefix + p.label


def _walk(module: Module, path: str):
    """(dotted name, Value) for every public attribute holding Values, Modules or lists of them."""
    for name, attr in vars(module).items():
        if not name.startswith("_"):
            yield from _walk_attribute(attr, path + name)


def _walk_attribute(attr, path: str):
    if isinstance(attr, Value):
        yield path, attr
    elif isinstance(attr, Module):
        yield from _walk(attr, path + ".")
    elif isinstance(attr, (list, tuple)):
        for i, item in enumerate(attr):
            yield from _walk_attribute(item, f"{path}.{i}")


class Module:
    """Base class: something with parameters.

    Subclasses define ``parameters()`` (micrograd's contract); they may also
    define ``_named_values()`` (name -> nested lists of Values) to give
    ``state_dict`` meaningful keys and shapes.
    """

    def parameters(self) -> list[Value]:
        return []

    def named_parameters(self, prefix: str = ""):
        """``(name, Value)`` pairs in ``parameters()`` order, named like PyTorch's.

        A name is the attribute path to the parameter: ``w.0`` and ``b`` in a
        Neuron, ``neurons.1.w.0`` in a Layer, ``layers.0.neurons.1.w.0`` in an
        MLP.  (``state_dict()`` keeps PyTorch's per-layer matrices:
        ``layers.i.neurons.j.w.k`` is ``state_dict()["layers.i.weight"][j][k]``.)
        A subclass whose attributes do not hold exactly its ``parameters()``
        gets ``parameters.0``, ``parameters.1``, ...

        >>> dict(Neuron(2, seed=0).named_parameters()).keys()
        dict_keys(['w.0', 'w.1', 'b'])
        """
        start = f"{prefix}." if prefix else ""
        params = self.parameters()
        named = list(_walk(self, start))
        if [id(p) for _, p in named] != [id(p) for p in params]:
            named = [(f"{start}parameters.{i}", p) for i, p in enumerate(params)]
        return iter(named)

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0 (leaves accumulate across ``backward`` calls)."""
        for p in self.parameters():
            p.grad = 0.0

    def _named_values(self) -> dict:
        return {"parameters": self.parameters()}

    def state_dict(self) -> dict:
        """The parameters as plain floats, JSON-serialisable, keyed like PyTorch.

        >>> import json
        >>> n = Neuron(2, seed=1)
        >>> sorted(n.state_dict()), json.loads(json.dumps(n.state_dict())) == n.state_dict()
        (['bias', 'weight'], True)
        """
        return {name: _to_floats(values) for name, values in self._named_values().items()}

    def load_state_dict(self, state: dict) -> None:
        """Copy floats from ``state`` into the parameters.

        Everything is checked before anything is written: keys, shapes, and that
        every entry is a finite real number.  A failed load leaves the model as
        it was.

        >>> a, b = MLP(2, [3, 1], seed=1), MLP(2, [3, 1], seed=2)
        >>> b.load_state_dict(a.state_dict()); a.state_dict() == b.state_dict()
        True
        >>> b.load_state_dict({"layers.0.weight": [[0.0]]})
        Traceback (most recent call last):
        ...
        ValueError: state_dict keys do not match: missing ['layers.0.bias', ...]
        >>> b.load_state_dict({**a.state_dict(), "layers.1.bias": [float("nan")]})
        Traceback (most recent call last):
        ...
        ValueError: state_dict['layers.1.bias'][0] is nan, expected a finite number
        """
        if not isinstance(state, dict):
            raise TypeError(f"load_state_dict expects a dict, got {type(state).__name__}")
        named = self._named_values()
        missing = sorted(set(named) - set(state))
        unexpected = sorted(set(state) - set(named))
        if missing or unexpected:
            parts = []
            if missing:
                parts.append(f"missing {missing}")
            if unexpected:
                parts.append(f"unexpected {unexpected}")
            raise ValueError(f"state_dict keys do not match: {'; '.join(parts)}")
        pairs = []
        for name, values in named.items():
            _pair_up(values, state[name], f"[{name!r}]", pairs)
        for param, number in pairs:
            param.data = number


def _to_floats(values):
    if isinstance(values, Value):
        return values.data
    return [_to_floats(v) for v in values]


def _shape(values) -> str:
    """'2 numbers', '3 x 2 numbers': what a state_dict entry (a list) must hold."""
    dims = []
    while isinstance(values, list):
        dims.append(str(len(values)))
        values = values[0]  # a model's lists are never empty
    return f"{' x '.join(dims)} numbers"


def _pair_up(params, numbers, where: str, pairs: list) -> None:
    """Match the nested structure of ``params`` in ``numbers``; collect (param, float)."""
    if isinstance(params, Value):
        if isinstance(numbers, (list, tuple)):
            raise ValueError(f"state_dict{where}: expected a number, got a list")
        number = as_real(numbers, f"state_dict{where}")
        if not math.isfinite(number):
            raise ValueError(f"state_dict{where} is {number!r}, expected a finite number")
        pairs.append((params, number))
        return
    if not isinstance(numbers, (list, tuple)) or len(numbers) != len(params):
        got = f"a list of {len(numbers)}" if isinstance(numbers, (list, tuple)) else "a number"
        raise ValueError(f"state_dict{where}: expected {_shape(params)}, got {got}")
    for i, (p, n) in enumerate(zip(params, numbers)):
        _pair_up(p, n, f"{where}[{i}]", pairs)


class Neuron(Module):
    """``act(w·x + b)``: ``nin`` weights drawn by ``init``, a bias starting at 0.

    ``nonlin`` is micrograd's switch (True -> relu, False -> linear) and wins
    over ``activation`` when given.  ``fan_out`` only matters for Xavier.

    >>> n = Neuron(2, activation="tanh", seed=0)
    >>> n.w[0].data, n.w[1].data = 0.5, -1.0
    >>> round(n([2.0, 3.0]).data, 12) == round(math.tanh(-2.0), 12)
    True
    >>> [p.label for p in n.parameters()]       # labelled for drawings
    ['w0', 'w1', 'b']
    >>> n([1.0])
    Traceback (most recent call last):
    ...
    ValueError: Neuron expects 2 inputs, got 1
    """

    def __init__(
        self,
        nin,
        activation="relu",
        init="xavier",
        rng=None,
        fan_out=1,
        nonlin=None,
        seed=None,
    ):
        nin = _check_size(nin, "nin")
        fan_out = _check_size(fan_out, "fan_out")
        if isinstance(activation, bool):  # micrograd's positional form Neuron(nin, False)
            nonlin = activation
        if nonlin is not None:
            activation = "relu" if nonlin else "linear"
        self.activation = _check_choice(activation, ACTIVATIONS, "activation")
        self.init = _check_choice(init, INITS, "init")
        rng = _make_rng(seed, rng)
        draw = INITS[init]
        self.w = [Value(draw(rng, nin, fan_out), label=f"w{i}") for i in range(nin)]
        self.b = Value(0.0, label="b")
        self._act = ACTIVATIONS[activation][0]

    @property
    def nonlin(self) -> bool:
        """micrograd's flag: True unless the activation is linear."""
        return self.activation != "linear"

    def __call__(self, x):
        _check_inputs(x, len(self.w), "Neuron")
        return self._forward(x)

    def _forward(self, x):
        out = F.dot(self.w, x, self.b)  # one node: w·x + b
        act = self._act
        return out if act is None else act(out)

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def _named_values(self) -> dict:
        return {"weight": self.w, "bias": self.b}

    def __repr__(self):
        return f"{ACTIVATIONS[self.activation][1]}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs (``nout`` is Xavier's fan_out).

    Like micrograd, calling it returns a single Value when ``nout == 1``.
    Neuron j's parameters are labelled ``nj.w0, nj.w1, …, nj.b``.

    >>> Layer(3, 2, activation="sigmoid", seed=0)
    Layer(nin=3, nout=2, activation='sigmoid')
    """

    def __init__(self, nin, nout, **kwargs):
        nout = _check_size(nout, "nout")
        if "seed" in kwargs and kwargs.get("rng") is None:
            seed = kwargs.pop("seed")
            kwargs["rng"] = random.Random(seed) if seed is not None else None
        self.neurons = [Neuron(nin, fan_out=nout, **kwargs) for _ in range(nout)]
        for j, neuron in enumerate(self.neurons):
            _prefix_labels(neuron, f"n{j}.")

    def _forward(self, x) -> list[Value]:
        return [n._forward(x) for n in self.neurons]

    def __call__(self, x):
        _check_inputs(x, len(self.neurons[0].w), "Layer")
        out = self._forward(x)
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def _named_values(self) -> dict:
        return {"weight": [n.w for n in self.neurons], "bias": [n.b for n in self.neurons]}

    def __repr__(self):
        first = self.neurons[0]
        return (
            f"Layer(nin={len(first.w)}, nout={len(self.neurons)}, activation={first.activation!r})"
        )


class MLP(Module):
    """A multi-layer perceptron: ``activation`` on hidden layers, ``out_activation`` on the last.

    ``MLP(2, [16, 16, 1])`` is micrograd's demo model (ReLU hidden, linear
    output).  Parameters are ordered per layer, per neuron, weights then bias,
    as in micrograd, and labelled ``L{layer}.n{neuron}.w{input}`` /
    ``L{layer}.n{neuron}.b``.  The same ``seed`` gives the same model.

    >>> MLP(2, [16, 16, 1], seed=0)
    MLP(
      (0): Layer(nin=2, nout=16, activation='relu')
      (1): Layer(nin=16, nout=16, activation='relu')
      (2): Layer(nin=16, nout=1, activation='linear')
    )  # 337 parameters, init='xavier'
    """

    def __init__(
        self,
        nin,
        nouts,
        activation="relu",
        out_activation="linear",
        init="xavier",
        seed=None,
        rng=None,
    ):
        nin = _check_size(nin, "nin")
        if isinstance(nouts, Integral) and not isinstance(nouts, bool):
            nouts = [nouts]
        if not isinstance(nouts, (list, tuple)) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        _check_choice(activation, ACTIVATIONS, "activation")
        _check_choice(out_activation, ACTIVATIONS, "out_activation")
        _check_choice(init, INITS, "init")
        rng = _make_rng(seed, rng)
        self.init = init
        sizes = [nin, *(_check_size(n, "layer size") for n in nouts)]
        last = len(nouts) - 1
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation=out_activation if i == last else activation,
                init=init,
                rng=rng,
            )
            for i in range(len(nouts))
        ]
        for i, layer in enumerate(self.layers):
            _prefix_labels(layer, f"L{i}.")

    def __call__(self, x):
        _check_inputs(x, len(self.layers[0].neurons[0].w), "MLP")
        for layer in self.layers:
            x = layer._forward(x)
        return x[0] if len(x) == 1 else x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def _named_values(self) -> dict:
        named = {}
        for i, layer in enumerate(self.layers):
            for key, values in layer._named_values().items():
                named[f"layers.{i}.{key}"] = values
        return named

    def __repr__(self):
        rows = "\n".join(f"  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        count = len(self.parameters())
        return f"MLP(\n{rows}\n)  # {count} parameters, init={self.init!r}"
