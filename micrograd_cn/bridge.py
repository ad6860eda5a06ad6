"""Carry a model to PyTorch and back: :func:`to_torch`, :func:`from_torch`.

Learners who outgrow a scalar engine move to PyTorch.  The step is smaller
when the same network, with the same numbers, exists on both sides: an
``nn.MLP`` becomes a ``torch.nn.Sequential`` of ``Linear`` layers and
activation modules in float64, whose outputs and parameter gradients equal
ours (to 1e-12; only the rounding of the sums differs), and such a
``Sequential`` comes back as an ``MLP``.

PyTorch is optional (``pip install "micrograd_cn[torch]"``) and imported only
when a function here is called.  Which PyTorch module stands for which
activation:

>>> for name, module in TORCH_ACTIVATIONS.items():
...     print(f"{name:<10} -> {module}")
relu       -> ReLU()
tanh       -> Tanh()
sigmoid    -> Sigmoid()
linear     -> (nothing: Linear alone)
elu        -> ELU(alpha=1.0)
softplus   -> Softplus(beta=1.0, threshold=40.0)
leaky_relu -> LeakyReLU(negative_slope=0.01)

Only models are converted; anything else is refused before PyTorch is needed:

>>> to_torch([1.0, 2.0])
Traceback (most recent call last):
...
TypeError: to_torch expects an MLP, Layer or Neuron from micrograd_cn.nn, got list

With PyTorch installed (not run here, so that the doctests pass without it)::

    import torch
    from micrograd_cn.nn import MLP
    from micrograd_cn.bridge import to_torch, from_torch

    model = MLP(2, [16, 16, 1], seed=0)
    net = to_torch(model)                    # Sequential(Linear, ReLU, Linear, ReLU, Linear)
    net(torch.tensor([[1.0, -2.0]], dtype=torch.float64))   # == model([1.0, -2.0]).data
    back = from_torch(net)                   # an MLP with the same weights
"""

from __future__ import annotations

import inspect
import math
from functools import partial

from .autograd import topological_order
from .engine import Value
from .nn import MLP, Layer, Neuron
from .ops import bind

__all__ = ["TORCH_ACTIVATIONS", "from_torch", "graph_to_torch", "to_torch"]

# The activations nn uses are Value's methods with their default constants.
_LEAKY_SLOPE = inspect.signature(Value.leaky_relu).parameters["slope"].default
_ELU_ALPHA = inspect.signature(Value.elu).parameters["alpha"].default
# torch's Softplus returns x itself above `threshold`; ours is x + log1p(e^-x), which
# rounds to x in float64 once e^-x < x * 2^-53 (x > ~37).  Above 40 both give x and
# gradient 1.0 exactly; below, both compute log1p(e^x).
_SOFTPLUS_THRESHOLD = 40.0
# torch's default threshold: from it up, the two differ by at most e^-20 ≈ 2e-9.
_SOFTPLUS_MIN_THRESHOLD = 20.0

# activation name -> (torch.nn class name, keyword arguments); linear has no module.
_TORCH_MODULES = {
    "relu": ("ReLU", {}),
    "tanh": ("Tanh", {}),
    "sigmoid": ("Sigmoid", {}),
    "linear": (None, {}),
    "elu": ("ELU", {"alpha": _ELU_ALPHA}),
    "softplus": ("Softplus", {"beta": 1.0, "threshold": _SOFTPLUS_THRESHOLD}),
    "leaky_relu": ("LeakyReLU", {"negative_slope": _LEAKY_SLOPE}),
}


def _describe(class_name, kwargs) -> str:
    if class_name is None:
        return "(nothing: Linear alone)"
    return f"{class_name}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"


#: activation name -> the PyTorch module :func:`to_torch` puts after its ``Linear``.
TORCH_ACTIVATIONS = {name: _describe(*spec) for name, spec in _TORCH_MODULES.items()}


def _import_torch():
    try:
        import torch
    except ImportError as error:
        raise ImportError(
            "micrograd_cn.bridge needs PyTorch, which is optional: "
            'pip install "micrograd_cn[torch]" (or install torch yourself)'
        ) from error
    return torch


def _layers_of(model) -> list[Layer | Neuron]:
    if isinstance(model, MLP):
        return list(model.layers)
    if isinstance(model, (Layer, Neuron)):
        return [model]
    raise TypeError(
        f"to_torch expects an MLP, Layer or Neuron from micrograd_cn.nn, got {type(model).__name__}"
    )


def _neurons_of(layer) -> list[Neuron]:
    neurons = [layer] if isinstance(layer, Neuron) else layer.neurons
    activations = {n.activation for n in neurons}
    if len(activations) != 1:
        raise ValueError(f"to_torch: a layer mixes activations {sorted(activations)}")
    return neurons


def to_torch(model):
    """The same network as a float64 ``torch.nn.Sequential``: ``Linear`` + activation modules.

    ``model`` is an ``MLP``, a ``Layer`` or a ``Neuron``.  Layer ``i``'s
    ``weight[j][k]`` is neuron ``j``'s ``w[k]``, its ``bias[j]`` that neuron's
    ``b``; a linear activation adds no module.  The result takes a batch
    ``(n, nin)`` and returns ``(n, nout)`` (a Neuron's ``nout`` is 1), where
    ``model(x)`` returns a Value when ``nout == 1``.  The weights are copied: the
    two models train independently afterwards.
    """
    layers = _layers_of(model)
    neuron_lists = [_neurons_of(layer) for layer in layers]
    torch = _import_torch()
    modules = []
    for neurons in neuron_lists:
        linear = torch.nn.Linear(len(neurons[0].w), len(neurons), dtype=torch.float64)
        with torch.no_grad():
            # dtype given: torch.tensor would make float32 from Python floats
            weight = [[w.data for w in n.w] for n in neurons]
            linear.weight.copy_(torch.tensor(weight, dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in neurons], dtype=torch.float64))
        modules.append(linear)
        class_name, kwargs = _TORCH_MODULES[neurons[0].activation]
        if class_name is not None:
            modules.append(getattr(torch.nn, class_name)(**kwargs))
    return torch.nn.Sequential(*modules)


def _activation_name(torch, module, index: int) -> str | None:
    """Our activation name for a torch activation module; None if it is not one."""
    where = f"from_torch: module {index} ({module!r})"
    nn = torch.nn
    if isinstance(module, nn.ReLU):
        return "relu"
    if isinstance(module, nn.Tanh):
        return "tanh"
    if isinstance(module, nn.Sigmoid):
        return "sigmoid"
    if isinstance(module, nn.ELU):
        if module.alpha != _ELU_ALPHA:
            raise ValueError(f"{where}: only alpha={_ELU_ALPHA} is supported")
        return "elu"
    if isinstance(module, nn.LeakyReLU):
        if module.negative_slope != _LEAKY_SLOPE:
            raise ValueError(f"{where}: only negative_slope={_LEAKY_SLOPE} is supported")
        return "leaky_relu"
    if isinstance(module, nn.Softplus):
        if module.beta != 1.0 or module.threshold < _SOFTPLUS_MIN_THRESHOLD:
            raise ValueError(
                f"{where}: only beta=1 with threshold >= {_SOFTPLUS_MIN_THRESHOLD:g} is supported"
            )
        return "softplus"
    return None


def _read_sequential(torch, module) -> list[tuple]:
    """[(weight rows, bias, activation name)] for each Linear, checked."""
    children = [module] if isinstance(module, torch.nn.Linear) else list(module)
    if not children:
        raise ValueError("from_torch: the Sequential is empty")
    layers = []  # [weight, bias, activation or None]
    for index, child in enumerate(children):
        if isinstance(child, torch.nn.Identity):
            continue
        if isinstance(child, torch.nn.Linear):
            weight, bias = _read_linear(torch, child, f"from_torch: module {index} ({child!r})")
            if layers and len(layers[-1][1]) != child.in_features:
                raise ValueError(
                    f"from_torch: module {index} ({child!r}) takes {child.in_features} inputs "
                    f"but the layer before gives {len(layers[-1][1])}"
                )
            layers.append([weight, bias, None])
            continue
        name = _activation_name(torch, child, index)
        if name is None:
            supported = "Linear, Identity, " + ", ".join(
                spec[0] for spec in _TORCH_MODULES.values() if spec[0] is not None
            )
            raise TypeError(
                f"from_torch: module {index} is {type(child).__name__}, "
                f"which micrograd_cn.nn has no layer for; supported: {supported}"
            )
        if not layers or layers[-1][2] is not None:
            raise ValueError(
                f"from_torch: module {index} ({child!r}) must follow a Linear "
                "(one activation per Linear)"
            )
        layers[-1][2] = name
    if not layers:
        raise ValueError("from_torch: the Sequential has no Linear layer")
    return [(w, b, act or "linear") for w, b, act in layers]


def _read_linear(torch, linear, where: str) -> tuple[list, list]:
    """A Linear's weight rows and bias as float64 lists, or a ValueError saying what
    cannot be carried over: no bias, no values yet, complex numbers, a zero width,
    shapes that contradict the layer, NaN or inf (which ``MLP.load_state_dict`` refuses too).
    """
    weight, bias = linear.weight, linear.bias
    is_lazy = torch.nn.parameter.is_lazy  # a LazyLinear before its first call (None: False)
    if is_lazy(weight) or is_lazy(bias):
        raise ValueError(f"{where} has not been initialised yet: call it once on a batch first")
    if bias is None:
        raise ValueError(f"{where} has no bias; micrograd_cn neurons always have one")
    for tensor in (weight, bias):
        if tensor.is_meta:
            raise ValueError(f"{where} is on the meta device: its weights have no values")
        if not tensor.dtype.is_floating_point:
            dtype = str(tensor.dtype).removeprefix("torch.")
            raise ValueError(f"{where} has {dtype} weights; only real floating-point ones carry")
    nin, nout = linear.in_features, linear.out_features
    if tuple(weight.shape) != (nout, nin) or tuple(bias.shape) != (nout,):
        raise ValueError(
            f"{where} has a weight of shape {tuple(weight.shape)} and a bias of shape "
            f"{tuple(bias.shape)}; a Linear({nin}, {nout}) needs ({nout}, {nin}) and ({nout},)"
        )
    if nout == 0:
        raise ValueError(f"{where} has 0 outputs; a micrograd_cn layer has at least one neuron")
    if nin == 0:
        raise ValueError(f"{where} takes 0 inputs; a micrograd_cn neuron takes at least one")
    rows = weight.detach().to(torch.float64).tolist()
    numbers = bias.detach().to(torch.float64).tolist()
    named = [(f"weight[{j}][{k}]", x) for j, row in enumerate(rows) for k, x in enumerate(row)]
    for name, x in [*named, *((f"bias[{j}]", x) for j, x in enumerate(numbers))]:
        if not math.isfinite(x):
            raise ValueError(
                f"{where} has {name} = {x!r}; only finite weights can be carried over "
                "(MLP.load_state_dict refuses them too)"
            )
    return rows, numbers


def from_torch(module) -> MLP:
    """An ``MLP`` with the weights and activations of a ``torch.nn.Sequential`` (or a ``Linear``).

    The Sequential is ``Linear`` layers, each followed by at most one supported
    activation (see ``TORCH_ACTIVATIONS``; none means linear); ``Identity`` is
    skipped.  Weights are read as float64 (float32 values convert exactly).
    A module we have no layer for raises ``TypeError`` naming it and its index;
    settings we cannot reproduce (another ``LeakyReLU`` slope, ``bias=False``,
    mismatched sizes, two activations in a row) and weights we cannot carry (a
    zero-width layer, NaN or inf, complex numbers, a LazyLinear not yet run, the
    meta device) raise ``ValueError``.  The global
    ``random`` generator is not touched.
    """
    torch = _import_torch()
    if not isinstance(module, (torch.nn.Sequential, torch.nn.Linear)):
        raise TypeError(
            f"from_torch expects a torch.nn.Sequential (or Linear), got {type(module).__name__}"
        )
    layers = _read_sequential(torch, module)
    nin = len(layers[0][0][0])
    nouts = [len(bias) for _, bias, _ in layers]
    hidden = {act for _, _, act in layers[:-1]}
    model = MLP(
        nin,
        nouts,
        activation=hidden.pop() if len(hidden) == 1 else "relu",
        out_activation=layers[-1][2],
        init="uniform",
        seed=0,  # a private generator: the weights are overwritten below
    )
    sizes = [nin, *nouts]
    for i, (weight, bias, act) in enumerate(layers):
        if model.layers[i].neurons[0].activation != act:  # hidden activations differ
            layer = Layer(sizes[i], sizes[i + 1], activation=act, init="uniform", seed=0)
            for new, old in zip(layer.parameters(), model.layers[i].parameters(), strict=True):
                new.label = old.label  # the names the MLP gave its parameters
            model.layers[i] = layer
        for neuron, row, b in zip(model.layers[i].neurons, weight, bias, strict=True):
            for w, number in zip(neuron.w, row, strict=True):
                w.data = number
            neuron.b.data = b
    return model


def graph_to_torch(root: Value):
    """The graph of ``root`` rebuilt in PyTorch (float64), op by op from the op table.

    Each node is computed by its row's ``torch`` function (``torch.tanh``,
    ``torch.sin`` …) on its parents and recorded parameters, so a new op with a
    row works here with no change.  Returns ``(out, leaves)``: the 0-d tensor of
    ``root`` and ``{leaf Value: its tensor}`` (``requires_grad``); after
    ``out.backward()`` each ``leaves[v].grad`` is what ``root.backward()`` gives
    ``v.grad``.  A node no row describes (a closure written by hand) is refused
    with a ValueError naming its op.
    """
    torch = _import_torch()
    tensors: dict = {}
    leaves: dict = {}
    for node in topological_order(root):
        if not node._prev:
            t = torch.tensor(float(node.data), dtype=torch.float64, requires_grad=True)
            tensors[node] = leaves[node] = t
            continue
        binding = bind(node)
        if binding is None or not binding.row.torch:
            raise ValueError(f"graph_to_torch: no torch function for the op {node._op!r}")
        tensors[node] = _torch_node(torch, node, binding, tensors)
    return tensors[root], leaves


def _torch_function(torch, dotted: str):
    function = torch
    for part in dotted.split(".")[1:]:
        function = getattr(function, part)
    return function


def _torch_node(torch, node, binding, tensors):
    row, parents = binding.row, [tensors[p] for p in node._prev]
    function = _torch_function(torch, row.torch)
    if row.name == "dot":  # pair each weight with its input as recorded, then the bias
        ws, xs, bias = [], [], 0.0
        number = partial(torch.tensor, dtype=torch.float64)
        for slot in binding.slots:
            if slot.input == "b":
                bias = parents[slot.position]
            elif slot.input == "w":
                ws.append(parents[slot.position])
                at = slot.sources.get("x")
                xs.append(number(slot.env["x"]) if at is None else parents[at])
            elif "w" not in slot.sources:  # an input whose weight is a number
                ws.append(number(slot.env["w"]))
                xs.append(parents[slot.position])
        return function(torch.stack(ws), torch.stack(xs)) + bias + binding.params["c"]
    if row.nary:
        return function(torch.stack(parents), 0) + binding.params.get("c", 0.0)
    return function(*parents, *binding.params.values())
