# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 — The model, the reduction of $L_t$ to $L(\mu)$ (Eq. 1), and the symmetries
#
# Zhang, Xu, Zhou, Fazel, Du, *Convergence Dynamics of Over-Parameterized Score Matching for a Single
# Gaussian* (arXiv 2511.22069). This notebook states the setting, derives the reduction **Eq. (1)** with
# the symbolic layer (`symbolic/`), cross-checks it with the number route (`numeric/`), and shows the
# symmetries every later result leans on. Nothing here is computed only in the notebook: each cell calls
# the packages, and the notebook narrates.
#
# `DEEP = True` runs more instances (larger `n`, `d`, more samples); the default finishes in well under
# two minutes on a 2-core machine. The environment variable `NOTEBOOKS_DEEP=1` sets it too.

# %%
import os

DEEP = os.environ.get("NOTEBOOKS_DEEP", "0") == "1"  # set to True for the longer, deeper run

# %%
import time

import matplotlib.pyplot as plt
import mpmath
import numpy as np
import sympy as sp
from IPython.display import Math, display

from numeric import evaluate, loss_and_gradient_float, make_config, original_loss, run_gd
from proofs_check.core.runner import run_claims_by_id
from proofs_check.report.markdown import table
from symbolic import (
    explicit,
    logits,
    loss_integrand,
    mean_field,
    original_logits,
    original_loss_integrand,
    original_model,
    prove_coincident,
    prove_reduction_eq1,
    reduced_model,
    weights,
)

started = time.perf_counter()


def show(label, expr):
    """Render ``label = expr`` as an equation."""
    display(Math(label + " = " + sp.latex(expr)))


# %% [markdown]
# ## 1. The setting
#
# Data: one Gaussian $N(m^*, I_d)$. The forward (Ornstein–Uhlenbeck) process at time $t$ turns it into
# $N(e^{-t} m^*, I_d)$, whose score is $e^{-t} m^* - y$. The student has $n$ learnable means
# $m_1, \dots, m_n$ and at time $t$ uses the score of $\frac1n \sum_i N(e^{-t} m_i, I_d)$:
#
# $$ s_t(y) = \sum_i w_i(y)\, e^{-t} m_i - y, \qquad w_i(y) = \operatorname{softmax}_i\!\big(-\tfrac12 \|y - e^{-t} m_i\|^2\big), $$
#
# and the population score-matching loss is
# $L_t(m) = \mathbb E_{y \sim N(e^{-t} m^*, I)} \| s_t(y) - (e^{-t} m^* - y) \|^2$.
#
# The symbolic layer builds these for a concrete $(n, d)$. The exponentials are kept as symbols
# ($F_i$ here, $E_i$ in the reduced model) so that every integrand is a rational function and identities
# reduce exactly. For $n = 2$, $d = 1$:

# %%
om = original_model(2, 1)
F = sp.symbols("F_1 F_2", positive=True)
for i, logit in enumerate(original_logits(om)):
    show(rf"\log F_{i + 1}", logit)
show(r"|s_t(y) - (e^{-t} m^* - y)|^2", sp.simplify(original_loss_integrand(om, F)))

# %% [markdown]
# ## 2. The reduced model
#
# With $\mu_i = e^{-t}(m_i - m^*)$ and $x = y - e^{-t} m^*$ the paper's Eq. (1) says that
# $L_t(m) = L(\mu)$, where for $x \sim N(0, I_d)$
#
# $$ a_i(x) = \langle x, \mu_i\rangle - \tfrac12\|\mu_i\|^2,\quad w = \operatorname{softmax}(a),\quad v(x) = \sum_i w_i \mu_i,\quad L(\mu) = \mathbb E\,\|v(x)\|^2 . $$
#
# The truth sits at $\mu = 0$, and the noise level only rescales the parameters by $e^{-t}$.
# The same objects from `symbolic.model`, for $n = 2$, $d = 1$ (with $E_i = e^{a_i}$):

# %%
rm = reduced_model(2, 1)
for i, a in enumerate(logits(rm)):
    show(f"a_{i + 1}", a)
for i, w in enumerate(weights(rm)):
    show(f"w_{i + 1}", w)
show("v", mean_field(rm)[0])
show(r"|v|^2", sp.factor(loss_integrand(rm)))
show(r"|v|^2 \text{ (explicit)}", sp.simplify(explicit(loss_integrand(rm), rm)))

# %% [markdown]
# ## 3. Eq. (1), derived exactly
#
# `prove_reduction_eq1(n, d)` performs the change of variables $y \to x + e^{-t} m^*$,
# $m_i \to m^* + e^{t}\mu_i$ with symbolic $t$ and $m^*$, and checks two things exactly:
# each student logit becomes $a_i(x)$ plus one common shift $-\|x\|^2/2$ (which the softmax ignores), and
# the integrand $|s_t - \text{target}|^2$ minus $|v|^2$ reduces to the zero rational function. The
# Gaussian $N(e^{-t}m^*, I)$ becomes $N(0, I)$ by translation, so the expectations agree.

# %%
instances = [(2, 1), (3, 1), (2, 2), (3, 2)] + ([(4, 1), (2, 3), (4, 2)] if DEEP else [])
for n, d in instances:
    proof = prove_reduction_eq1(n, d)
    print(f"n={n} d={d}: holds={proof.holds}  ({proof.seconds:.2f} s)")
    assert proof.holds
print()
print("Statement:  ", proof.statement)
print("Certificate:", proof.certificate)

# %% [markdown]
# ### Numeric cross-check
#
# Independently of the symbolic route, `numeric.forms.original_loss` integrates the paper's
# original-coordinate integrand with `mpmath.quad` (tanh–sinh), while `numeric.model.evaluate` computes the
# reduced $L(\mu)$ with Gauss–Legendre panels (and, given `t`, also $L_t(m)$ by reducing first). All three
# agree to the working precision:

# %%
dps = 40
cases = [(["0.7", "-1.3", "2.1"], "0.4", "0.25"), (["1.5", "-0.5"], "1.2", "-0.8")]
if DEEP:
    cases += [(["3", "-2", "0.1", "1.1"], "0.05", "1.7"), (["0.2", "0.3"], "2.5", "0")]
for m, t, truth in cases:
    direct, direct_error = original_loss(m, t, truth, dps)
    with mpmath.workdps(dps + 10):
        scale = mpmath.exp(-mpmath.mpf(t))
        mu = [[mpmath.nstr(scale * (mpmath.mpf(x) - mpmath.mpf(truth)), dps + 10)] for x in m]
    reduced = evaluate(mu, tier="precise", dps=dps)
    via_t = evaluate([[x] for x in m], tier="precise", dps=dps, t=t, truth=[truth])
    print(f"m={m}, t={t}, m*={truth}")
    print(f"  L_t(m) by mpmath.quad of the original integrand: {mpmath.nstr(direct, 30)}")
    print(f"  L(mu) by the panel engine (reduced):             {mpmath.nstr(reduced.loss, 30)}")
    print(f"  evaluate(m, t=...) (original coordinates):       {mpmath.nstr(via_t.loss, 30)}")
    with mpmath.workdps(dps):
        gap = abs(direct - reduced.loss)
    print(
        f"  |difference| = {mpmath.nstr(gap, 3)}  (error estimates {mpmath.nstr(direct_error, 3)}, {float(reduced.error):.1e})"
    )
    assert gap < 1e-30

# %% [markdown]
# ### The picture: the noise level only rescales
#
# Take $n = 2$, $d = 1$, truth $m^* = 0$ and the means $m = (a, -a/2)$. Plotted against $a$, the curves
# $L_t$ for different $t$ differ; plotted against $e^{-t} a$ (the reduced parameter), they coincide.

# %%
a_grid = np.linspace(-6, 6, 121)
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for t in (0.0, 0.5, 1.0, 1.5):
    losses = [float(evaluate([[a], [-a / 2]], t=t).loss) for a in a_grid]
    axes[0].plot(a_grid, losses, label=f"t = {t}")
    axes[1].plot(np.exp(-t) * a_grid, losses, label=f"t = {t}", lw=3 - 1.5 * t)
axes[0].set_xlabel("a   (m = (a, -a/2), m* = 0)")
axes[0].set_ylabel("L_t(m)")
axes[0].set_title("original coordinates")
axes[1].set_xlabel("e^{-t} a   (the reduced parameter)")
axes[1].set_title("reduced coordinates: one curve L(mu)")
for ax in axes:
    ax.legend()
plt.show()

# %% [markdown]
# ### The claim module's verdict
#
# The same evidence, as `python -m proofs_check check eq1 --profile quick` reports it:

# %%
profile = "deep" if DEEP else "quick"
[record] = run_claims_by_id(["eq1"], profile)
print(record.statement)
print(table([record]))
for check in record.checks:
    print(f"  {check['verdict']:<10} {check['name'][:110]}")
assert record.verdict.value in ("proved", "supported")

# %% [markdown]
# ## 4. Symmetries
#
# * **Permutations.** $L$ only sees the multiset $\{\mu_i\}$.
# * **Rotations.** For an orthogonal $Q$, $L(Q\mu_1, \dots, Q\mu_n) = L(\mu)$ because $N(0, I)$ is
#   rotation invariant.
# * **Positivity.** $L = \mathbb E\|v\|^2 \ge 0$, and $L(0) = 0$.
#
# Checked numerically at a random configuration in $d = 2$:

# %%
rng = np.random.default_rng(1)
mu = rng.normal(size=(3, 2)) * 1.5
angle = 0.7
Q = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
base = loss_and_gradient_float(mu)
permuted = loss_and_gradient_float(mu[[2, 0, 1]])
rotated = loss_and_gradient_float(mu @ Q.T)
print("L(mu)          =", base[0])
print("L(permuted mu) =", permuted[0])
print("L(Q mu)        =", rotated[0])
print("L(0)           =", loss_and_gradient_float(np.zeros((3, 2)))[0])
print("grad at Q mu equals Q grad:", np.allclose(rotated[1], base[1] @ Q.T, atol=1e-12))
print("method:", base[3])
assert abs(base[0] - permuted[0]) < 1e-12 and abs(base[0] - rotated[0]) < 1e-12

# %% [markdown]
# The last line shows the **dimension reduction** the number route uses: the weights see $x$ only through
# $\langle x, \mu_i - \mu_j\rangle$, so a $d$-dimensional expectation is an $r$-dimensional one with
# $r$ the rank of the differences.
#
# ### Coincident parameters
#
# If all $\mu_i = a$, then $w_i = 1/n$ identically, $\nabla_i L = (2/n)\,a$ and $L = \|a\|^2$: gradient
# descent contracts the common point, $a \leftarrow (1 - 2\eta/n)\,a$, and equal parameters stay equal.
# Proved exactly:

# %%
for n, d in [(2, 1), (3, 2), (5, 3)]:
    proof = prove_coincident(n, d)
    print(f"n={n} d={d}: holds={proof.holds}")
    assert proof.holds
print(proof.certificate)
a = np.array([1.2, -0.4, 2.0])
value = loss_and_gradient_float(np.tile(a, (5, 1)))
print("numeric: L =", value[0], " |a|^2 =", a @ a, "; grad_1 =", value[1][0], " (2/5) a =", 0.4 * a)

# %% [markdown]
# ### Lines through the truth are invariant
#
# Parameters on one line through 0 stay on it under GD: the reflection across the line maps the
# configuration to itself, so the gradient has no perpendicular part. A GD run in $d = 2$ started on the
# line spanned by $(1, 2)$ keeps every perpendicular coordinate at zero (to rounding):

# %%
direction = np.array([1.0, 2.0]) / np.sqrt(5.0)
start = [list(c * direction) for c in (2.5, -1.0, 0.5)]
result = run_gd(make_config(start, "0.05", 2000 if DEEP else 400))
normal = np.array([-direction[1], direction[0]])
print(result.config.convention)
print("final mu:\n", np.asarray(result.mu))
print("largest perpendicular component:", np.max(np.abs(np.asarray(result.mu) @ normal)))

# %%
print(f"notebook ran in {time.perf_counter() - started:.1f} s (DEEP={DEEP})")
