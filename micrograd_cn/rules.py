"""The gradient-rule table: one local derivative per op and per input, written once.

Backpropagation multiplies the gradient arriving at a node by the node's *local
derivative* and adds it to each input.  This module is the single place where
those local derivatives are written down, one line per rule (the layout of
HIPS autograd's gradient definitions).  The step-through captions
(:mod:`micrograd_cn.trace`), ``docs/gradients.md`` and the table's test all
read it, so a rule cannot be right in one place and wrong in another.

A rule is a small formula in restricted Python (:mod:`micrograd_cn.formula`:
never passed to ``eval``), printed the way a learner writes it, with their node
names (``1 - out ** 2`` -> ``1 − f²``) or with numbers (``1 − 0.761594²``).

>>> rule = RULES_BY_KEY["tanh(x)", "x"]
>>> render(rule.local, {"out": "f"}), render(rule.local, {}, {"out": 0.5}, numeric=True)
('1 − f²', '1 − 0.5²')
>>> evaluate(rule.local, {"out": 0.5})
0.75
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .formula import PARAMS, evaluate, is_atom, names_in, render

__all__ = ["GATES", "RULES", "Binding", "Gate", "Rule", "bindings", "evaluate", "gate_of",
           "is_atom", "markdown", "render", "update_doc"]  # fmt: skip


@dataclass(frozen=True)
class Gate:
    """One way of writing an op: the code (``form``), the engine ``op`` it makes, and why."""

    form: str  #: the code a learner writes, with inputs x, y, z, w, b and numbers k, c, …
    op: str  #: the node's ``_op``; "" for a derived form (it builds other nodes)
    method: str  #: the Value method or ``F.`` function that implements it
    why: str  #: one sentence (Chinese): what this gate does to the gradient


@dataclass(frozen=True)
class Rule:
    """∂out/∂role = local, where the formula holds smoothly inside ``domain``."""

    form: str
    role: str  #: which input of ``form`` the derivative is taken for
    local: str  #: the local derivative (restricted Python; ``out`` is the op's result)
    domain: str = ""  #: where the rule is smooth ("" = all reals), for the tests


# ---------------------------------------------------------------- gates: what and why
#: form -> (the ``_op`` of the node it makes, the method); op "" marks a derived form:
#: one line of code over the other gates, so it has no backward rule of its own (its
#: rows check that the composition gives the textbook derivative).
FORMS = {
    "x + y": ("+", "__add__"),
    "x + k": ("+", "__add__"),
    "x * y": ("*", "__mul__"),
    "x * k": ("*", "__mul__"),
    "x ** k": ("**", "__pow__"),
    "x ** y": ("**", "__pow__"),
    "exp(x)": ("exp", "exp"),
    "log(x)": ("log", "log"),
    "sqrt(x)": ("sqrt", "sqrt"),
    "tanh(x)": ("tanh", "tanh"),
    "sigmoid(x)": ("sigmoid", "sigmoid"),
    "relu(x)": ("relu", "relu"),
    "leaky_relu(x, slope)": ("leaky_relu", "leaky_relu"),
    "elu(x, alpha)": ("elu", "elu"),
    "softplus(x)": ("softplus", "softplus"),
    "abs(x)": ("abs", "abs, __abs__"),
    "sum([x, y, z])": ("sum", "F.sum"),
    "dot([x, w], [y, c], b)": ("dot", "F.dot"),
    "logsumexp([x, y, z])": ("logsumexp", "F.logsumexp"),
    "maximum(x, y)": ("max", "F.maximum"),
    "minimum(x, y)": ("min", "F.minimum"),
    "k + x": ("", "__radd__"),
    "k * x": ("", "__rmul__"),
    "-x": ("", "__neg__"),
    "+x": ("", "__pos__"),
    "x - y": ("", "__sub__"),
    "x - k": ("", "__sub__"),
    "k - x": ("", "__rsub__"),
    "x / y": ("", "__truediv__"),
    "x / k": ("", "__truediv__"),
    "k / x": ("", "__rtruediv__"),
    "k ** x": ("", "__rpow__"),
    "mean([x, y, z])": ("", "F.mean"),
    "log_softmax([x, y, z])[0]": ("", "F.log_softmax"),
    "softmax([x, y, z])[0]": ("", "F.softmax"),
}

#: form -> why, one sentence each (shown with the step the gate fed)
WHY = {
    "x + y": "加法门：把上游梯度原封不动地交给每个输入（局部导数是 1）。",
    "x + k": "加上常数不改变斜率：梯度原样交给 x；常数不是节点，不接收梯度。",
    "x * y": "乘法门：交给一个输入的梯度 = 上游梯度 × 另一个输入的值。",
    "x * k": "乘以常数 k：交给 x 的梯度是上游梯度的 k 倍。",
    "x ** k": "幂函数：局部导数是 k·x^(k−1)（幂的求导法则）。",
    "x ** y": "指数也是节点：对底数是 y·x^(y−1)，对指数是 x^y·ln x。",
    "exp(x)": "exp 的导数就是它自己：局部导数等于输出 out。",
    "log(x)": "对数门：局部导数是 1/x，输入越接近 0，梯度放得越大。",
    "sqrt(x)": "平方根：局部导数 1/(2√x)，用输出写就是 1/(2·out)。",
    "tanh(x)": "tanh 用输出表示导数：1 − out²；输出近 ±1 时几乎为 0。",
    "sigmoid(x)": "sigmoid 用输出表示导数：out·(1 − out)，最大 0.25。",
    "relu(x)": "ReLU 像开关：输入为正时梯度原样通过，否则挡住。",
    "leaky_relu(x, slope)": "输入为正时梯度原样通过，否则乘上小斜率 slope。",
    "elu(x, alpha)": "ELU：x > 0 时原样通过；否则是 α·eˣ = out + α。",
    "softplus(x)": "softplus 是平滑的 ReLU，导数正好是 σ(x)。",
    "abs(x)": "绝对值：梯度乘以 x 的符号 sign(x)（0 处取 0）。",
    "sum([x, y, z])": "求和像一串加法门：每个输入原样得到上游梯度。",
    "dot([x, w], [y, c], b)": "点积：因子得到 上游 × 另一个因子，偏置得到上游本身。",
    "logsumexp([x, y, z])": "局部导数是 softmax：exp(x − out)，合计为 1。",
    "maximum(x, y)": "最大值门：梯度全部交给较大的输入；相等时平分。",
    "minimum(x, y)": "最小值门：梯度全部交给较小的输入；相等时平分。",
    "k + x": "k + x = x + k（交换律）。",
    "k * x": "k * x = x * k（交换律）。",
    "-x": "-x = x * (-1)，所以局部导数是 -1。",
    "+x": "+x 就是 x 本身，不产生新节点。",
    "x - y": "x - y = x + (-y)：对 y 是 1 × (-1) = -1。",
    "x - k": "减去常数：x - k = x + (-k)，梯度原样交给 x。",
    "k - x": "常数减节点：k - x = (-x) + k，局部导数是 -1。",
    "x / y": "x / y = x * y ** -1：对 y 是 x·(-1)·y^(-2) = -x/y²。",
    "x / k": "除以常数：x / k = x * (1/k)，局部导数是 1/k。",
    "k / x": "k / x = x ** -1 * k：局部导数 -k/x²。",
    "k ** x": "k ** x = Value(k) ** x：局部导数 out·ln k。",
    "mean([x, y, z])": "mean(v) = sum(v) * (1/n)：每个输入得到 1/n。",
    "log_softmax([x, y, z])[0]": "vᵢ − logsumexp(v)：对 vᵢ 是 1 − sᵢ，对 vⱼ 是 −sⱼ。",
    "softmax([x, y, z])[0]": "exp(log_softmax)：对 vᵢ 是 sᵢ(1 − sᵢ)，对 vⱼ 是 −sᵢsⱼ。",
}
GATES = {form: Gate(form, op, method, WHY[form]) for form, (op, method) in FORMS.items()}

#: Shown when a node received terms from more than one path (or one op used it twice).
REUSE_WHY = "这个节点被用了不止一次：每条路径送回的梯度要相加（+=，不是 =）。"
#: Shown on the root's step.
ROOT_WHY = "根节点：反向传播从这里出发，起点梯度 ∂{root}/∂{root} = {grad}（自己对自己的导数是 1）。"
#: Shown when no rule applies (a learner's own op): the local derivative was measured.
NUMERIC_WHY = "「{op}」的 _backward 是自己写的（规则表不认识）：局部导数是送进梯度 1 量出来的。"
#: Shown for a node none of whose children sent it anything.
NO_TERMS_WHY = "没有子节点把梯度送回到这里（子节点没有 _backward），梯度保持为 0。"

# ------------------------------------------------- rules: one line per op and input
RULES = (
    Rule("x + y", "x", "1"),
    Rule("x + y", "y", "1"),
    Rule("x + k", "x", "1"),
    Rule("x * y", "x", "y"),
    Rule("x * y", "y", "x"),
    Rule("x * k", "x", "k"),
    Rule("x ** k", "x", "k * x ** (k - 1)", "x > 0 or (x != 0 and k == round(k))"),
    Rule("x ** y", "x", "y * x ** (y - 1)", "x > 0"),
    Rule("x ** y", "y", "out * log(x)", "x > 0"),
    Rule("exp(x)", "x", "out"),
    Rule("log(x)", "x", "1 / x", "x > 0"),
    Rule("sqrt(x)", "x", "1 / (2 * out)", "x > 0"),
    Rule("tanh(x)", "x", "1 - out ** 2"),
    Rule("sigmoid(x)", "x", "out * (1 - out)"),
    Rule("relu(x)", "x", "1 if x > 0 else 0"),
    Rule("leaky_relu(x, slope)", "x", "1 if x > 0 else slope"),
    Rule("elu(x, alpha)", "x", "1 if x > 0 else out + alpha"),
    Rule("softplus(x)", "x", "sigmoid(x)"),
    Rule("abs(x)", "x", "sign(x)"),
    Rule("sum([x, y, z])", "x", "1"),
    Rule("dot([x, w], [y, c], b)", "x", "y"),
    Rule("dot([x, w], [y, c], b)", "y", "x"),
    Rule("dot([x, w], [y, c], b)", "w", "c"),
    Rule("dot([x, w], [y, c], b)", "b", "1"),
    Rule("logsumexp([x, y, z])", "x", "exp(x - out)"),
    Rule("maximum(x, y)", "x", "1 if x > y else (0.5 if x == y else 0)"),
    Rule("maximum(x, y)", "y", "1 if y > x else (0.5 if x == y else 0)"),
    Rule("minimum(x, y)", "x", "1 if x < y else (0.5 if x == y else 0)"),
    Rule("minimum(x, y)", "y", "1 if y < x else (0.5 if x == y else 0)"),
    # derived forms
    Rule("k + x", "x", "1"),
    Rule("k * x", "x", "k"),
    Rule("-x", "x", "-1"),
    Rule("+x", "x", "1"),
    Rule("x - y", "x", "1"),
    Rule("x - y", "y", "-1"),
    Rule("x - k", "x", "1"),
    Rule("k - x", "x", "-1"),
    Rule("x / y", "x", "1 / y", "y != 0"),
    Rule("x / y", "y", "-x / y ** 2", "y != 0"),
    Rule("x / k", "x", "1 / k", "k != 0"),
    Rule("k / x", "x", "-k / x ** 2", "x != 0"),
    Rule("k ** x", "x", "out * log(k)", "k > 0"),
    Rule("mean([x, y, z])", "x", "1 / 3"),
    Rule("log_softmax([x, y, z])[0]", "x", "1 - exp(out)"),
    Rule("log_softmax([x, y, z])[0]", "y", "-exp(y) / (exp(x) + exp(y) + exp(z))"),
    Rule("softmax([x, y, z])[0]", "x", "out * (1 - out)"),
    Rule("softmax([x, y, z])[0]", "y", "-out * exp(y) / (exp(x) + exp(y) + exp(z))"),
)
RULES_BY_KEY = {(r.form, r.role): r for r in RULES}


# -------------------------------------------------------- which rule fits a node
@dataclass(frozen=True)
class Binding:
    """A rule applied to one input slot of a node: ``env`` numbers, ``slots`` name sources."""

    position: int  #: the input's position in ``node._prev``
    rule: Rule
    env: dict  #: formula name -> number (inputs' data, ``out``, folded constants)
    slots: dict  #: formula name of an input -> its position in ``_prev`` (for its name)


#: (op, number of inputs; -1 for n-ary) -> gate, for the gates that make one node
_BY_OP = {
    (g.op, -1 if "[" in g.form else len(names_in(g.form) - PARAMS)): g
    for g in GATES.values()
    if g.op
}


def gate_of(node) -> Gate | None:
    """The gate that made ``node`` (by ``_op`` and number of inputs), or None."""
    return _BY_OP.get((node._op, -1)) or _BY_OP.get((node._op, len(node._prev)))


def _dot_slots(node, coefs) -> list[tuple[str, int | None, float]]:
    """Per input slot of a dot node: (role, partner position, coefficient)."""
    prev, slots, i = node._prev, [], 0
    while i < len(prev):
        j = i + 1
        if j < len(prev) and coefs[i] == prev[j].data and coefs[j] == prev[i].data:
            slots += [("x", j, coefs[i]), ("y", i, coefs[j])]  # w and x both Values
            i += 2
            continue
        bias = i == len(prev) - 1 and coefs[i] == 1.0
        slots.append(("b" if bias else "w", None, coefs[i]))
        i += 1
    return slots


def bindings(node, coefficients=None) -> list[Binding] | None:
    """One :class:`Binding` per input slot of ``node``, or None if no rule applies.

    ``coefficients()`` gives a dot node's per-slot coefficients when the node
    does not record them in ``_const``.

    >>> from micrograd_cn.engine import Value
    >>> a, b = Value(2.0), Value(5.0)
    >>> [(s.position, s.rule.local, evaluate(s.rule.local, s.env)) for s in bindings(a * b)]
    [(0, 'y', 5.0), (1, 'x', 2.0)]
    """
    gate, prev = gate_of(node), node._prev
    if gate is None or not prev:
        return None
    out = {"out": node.data}
    if gate.op == "dot":
        coefs = node._const if isinstance(node._const, tuple) else None
        if coefs is None and coefficients is not None:
            coefs = coefficients()
        if coefs is None or len(coefs) != len(prev):
            return None
        found = []
        for p, (role, partner, coef) in enumerate(_dot_slots(node, coefs)):
            env, slots = {**out, role: prev[p].data, "c": coef}, {role: p}
            if partner is not None:
                other = "y" if role == "x" else "x"
                env[other], slots[other] = prev[partner].data, partner
            found.append(Binding(p, RULES_BY_KEY[gate.form, role], env, slots))
        return found
    if "[" in gate.form:  # n-ary: every input follows the rule for x
        rule = RULES_BY_KEY[gate.form, "x"]
        return [Binding(p, rule, {**out, "x": v.data}, {"x": p}) for p, v in enumerate(prev)]
    if len(prev) == 1:
        env, slots = {**out, "x": prev[0].data}, {"x": 0}
        for param in PARAMS & names_in(gate.form):
            env[param] = node._const
        return [Binding(0, RULES_BY_KEY[gate.form, "x"], env, slots)]
    if len(prev) != 2:
        return None
    env, slots = {**out, "x": prev[0].data, "y": prev[1].data}, {"x": 0, "y": 1}
    return [Binding(p, RULES_BY_KEY[gate.form, role], env, slots) for p, role in enumerate("xy")]


# ----------------------------------------------------------------- the doc table
_DOC_NAMES = {"alpha": "α"}
BEGIN = "<!-- rules:begin (generated by python -m micrograd_cn.rules) -->"
END = "<!-- rules:end -->"


def markdown() -> str:
    """The rule tables of ``docs/gradients.md``, generated from :data:`RULES`."""
    lines = []
    sections = (("基本运算（engine.py 和 functional.py 里各是一个节点）", True),
                ("派生运算（由上面的运算组合而成，一行代码）", False))  # fmt: skip
    for title, primitive in sections:
        lines += [f"### {title}", "", "| 代码 | 方法 | 对 | 局部导数 | 公式 | 定义域 | 为什么 |"]
        lines.append("|---|---|---|---|---|---|---|")
        previous = None
        for rule in RULES:
            gate = GATES[rule.form]
            if bool(gate.op) != primitive:
                continue
            why = gate.why if rule.form != previous else "〃"
            domain = f"`{rule.domain}`" if rule.domain else "全体实数"
            shown = render(rule.local, _DOC_NAMES)
            lines.append(f"| `{rule.form}` | `{gate.method}` | `{rule.role}` | {shown} | "
                         f"`{rule.local}` | {domain} | {why} |")  # fmt: skip
            previous = rule.form
        lines.append("")
    return "\n".join([BEGIN, "", *lines, END])


def update_doc(path: str | Path) -> bool:
    """Rewrite the generated part of ``path`` (between the markers); True if it changed."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    start, stop = text.index(BEGIN), text.index(END) + len(END)
    new = text[:start] + markdown() + text[stop:]
    path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":  # python -m micrograd_cn.rules [docs/gradients.md]
    import sys

    if len(sys.argv) > 1:
        print("updated" if update_doc(sys.argv[1]) else "unchanged", sys.argv[1])
    else:
        print(markdown())
