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
# # 03 — Stationary points away from the truth (Theorem 3.1)
#
# **Claim (reconstructed).** At low noise ($t = 0$) and for $n \ge 3$, the configuration
# $\mu_1 = s e_1$, $\mu_2 = -s e_1$, $\mu_i = 0$ ($i \ge 3$) is a stationary point of $L$ with $L > 0$ for
# some $s^* > 0$: gradient descent can stall away from the truth.
#
# The notebook reduces stationarity to one scalar equation by exact symmetry arguments, plots $L(s)$ and
# the reduced gradient $g(s)$, certifies $s^*$ with interval Newton in ball arithmetic, computes the
# Hessian at $s^*$ (a saddle, and the picture of its unstable direction), and follows $s^*$ and $L(s^*)$
# as $n$ grows.
#
# `DEEP = True` certifies more values of $n$ at more digits and computes the Hessian for larger $n$.

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

from numeric import certify_family_root, family, family_gradient_float, hessian_precise, loss_and_gradient_float
from proofs_check.core.runner import run_claims_by_id
from proofs_check.report.markdown import table
from symbolic import prove_thm31_symmetry, symmetric_family, to_mpmath

started = time.perf_counter()


def show(label, expr):
    """Render ``label = expr`` as an equation."""
    display(Math(label + " = " + sp.latex(expr)))


# %% [markdown]
# ## 1. Stationarity is one scalar equation
#
# On the family, reflecting $x_k \to -x_k$ for $k \ge 2$ fixes every parameter, so every $e_k$ gradient
# component ($k \ge 2$) is the mean of an odd function: zero. Reflecting $x_1 \to -x_1$ swaps $\mu_1$ and
# $\mu_2$ and fixes the others, so the $e_1$ components of $\nabla_3, \dots, \nabla_n$ vanish and
# $\nabla_2 = -\nabla_1$. What is left is
#
# $$ g(s) = \mathbb E_{x \sim N(0,1)}\, G(s, x) = 0, $$
#
# with $G$ the $e_1$ component of the $\nabla_{\mu_1}$ integrand. `prove_thm31_symmetry` checks each step
# exactly (rational reduction to 0); `symmetric_family(n)` gives $G$ and the loss integrand explicitly.
# For $n = 3$:

# %%
fam = symmetric_family(3)
show("G(s, x)", sp.simplify(fam.gradient))
show(r"|v|^2 \text{ on the family}", sp.simplify(fam.loss))
for n in (3, 4) + ((5, 6) if DEEP else ()):
    proof = prove_thm31_symmetry(n, 2)
    print(f"n={n}, d=2: holds={proof.holds}  ({proof.seconds:.2f} s)")
    assert proof.holds
print(proof.certificate[:700])

# %% [markdown]
# ## 2. The picture: $L(s)$ and $g(s)$ along the family
#
# Along the family $\frac{d}{ds} L = 2 g(s)$. For $n = 2$, $g > 0$ for every $s > 0$: GD pulls the pair in,
# and there is no stationary point. For $n \ge 3$ the idle parameters at 0 change that: $g$ is positive for
# small $s$ (the pair is pulled in) and negative for large $s$, where the idle parameters serve the data
# near the truth and $L(s) \to 0$ as the pair is pushed out to infinity. In between $g$ crosses 0 at
# $s^*$, where $L$ along the family is *maximal*, with $L(s^*) > 0$. (The $n = 2$ loss grows like $s^2$
# and is left out of the left panel.)

# %%
grid = np.linspace(0.05, 6.0, 100)
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
for n in (2, 3, 4, 5, 6):
    if n > 2:
        losses = [loss_and_gradient_float(np.array(family(s, n), dtype=float))[0] for s in grid]
        axes[0].plot(grid, losses, label=f"n = {n}")
    axes[1].plot(grid, [family_gradient_float(s, n) for s in grid], label=f"n = {n}")
axes[0].set_xlabel("s   (mu = (s, -s, 0, ..., 0))")
axes[0].set_ylabel("L(s)")
axes[1].axhline(0, color="k", lw=0.8)
axes[1].set_xlabel("s")
axes[1].set_ylabel("g(s) = e_1 part of grad_1 L")
axes[1].set_ylim(-0.3, 0.8)
for ax in axes:
    ax.legend()
plt.show()

# %% [markdown]
# ## 3. $s^*$ certified
#
# `certify_family_root(n, dps)` brackets the first sign change of $g$ (fast tier), polishes it by the
# secant method (precise tier), and then works in python-flint ball arithmetic on an interval
# $S$ of width $2\cdot 10^{-(\mathrm{dps}-8)}$: the interval-Newton image $N = m - g(m)/g'(S)$ lies inside $S$,
# so $S$ holds exactly one root, enclosed by $N$; $g$ also changes sign across $S$; and $L$ is enclosed over
# all of $N$, which proves $L(s^*) > 0$.

# %%
dps = 60 if DEEP else 30
roots = {}
for n in (3, 4):
    root = certify_family_root(n, dps)
    roots[n] = root
    print(f"n = {n}: certified = {root.certified}")
    print(f"  s* in {root.newton.str(dps - 8, radius=True)}")
    print(f"  L(s*) in {root.loss.str(dps - 8, radius=True)}")
    print(f"  g at the ends of S: {root.g_at_ends[0]}, {root.g_at_ends[1]};  g' over S in {root.slope}")
    assert root.certified and root.loss > 0
assert certify_family_root(2, 20) is None  # n = 2: no sign change of g on (0, 8]

# %% [markdown]
# ### Cross-check by the symbolic route
#
# An independent number: the symbolic $G(s, x)$, exported to mpmath (`symbolic.export.to_mpmath`) and
# integrated against the Gaussian with `mpmath.quad` at the certified $s^*$, is zero to the working
# precision, and clearly nonzero a little away from it.

# %%
for n, root in roots.items():
    fam = symmetric_family(n)
    G = to_mpmath(fam.gradient, [fam.s, fam.x], dps=dps)
    with mpmath.workdps(dps):
        at = lambda s, G=G: mpmath.quad(lambda x: G(s, x) * mpmath.npdf(x), [-mpmath.inf, 0, mpmath.inf])  # noqa: E731
        print(
            f"n = {n}: E G(s*, x) = {mpmath.nstr(at(root.estimate), 3)};  "
            f"E G(s* + 0.01, x) = {mpmath.nstr(at(root.estimate + mpmath.mpf('0.01')), 5)}"
        )

# %% [markdown]
# ## 4. The Hessian at $s^*$
#
# In $d = 2$ (so that directions off the line are seen too), the Hessian of $L$ at the stationary point,
# by central differences of the precise gradient (an estimate, not certified). Negative eigenvalues make
# $s^*$ a **saddle**: stationary, but unstable for GD. One eigenvalue is 0: rotating the whole
# configuration leaves $L$ unchanged. The most negative one is $g'(s^*)$ (compare the certified
# enclosure of $g'$ above): the direction that moves $s$ along the family.

# %%
n = 3
point = [[row[0], mpmath.mpf(0)] for row in family(roots[n].estimate, n)]
hessian, hessian_error = hessian_precise(point, 30)
eigenvalues, eigenvectors = np.linalg.eigh(hessian)
print("eigenvalues:", np.array2string(eigenvalues, precision=5))
print(f"error estimate of the entries: {float(hessian_error):.1e}")
print("negative:", int(np.sum(eigenvalues < -1e-8)), " positive:", int(np.sum(eigenvalues > 1e-8)))

# %% [markdown]
# The picture: $L$ along the most negative and the most positive eigenvector through $\mu(s^*)$. The
# point is a maximum along one direction and a minimum along the other.

# %%
base = np.array([[float(x) for x in row] for row in point])
offsets = np.linspace(-0.6, 0.6, 41)
fig, ax = plt.subplots(figsize=(6, 4))
for index, name in ((0, "most negative"), (len(eigenvalues) - 1, "most positive")):
    direction = eigenvectors[:, index].reshape(base.shape)
    ax.plot(
        offsets,
        [loss_and_gradient_float(base + e * direction)[0] for e in offsets],
        label=f"{name} eigenvector (lambda = {eigenvalues[index]:.3f})",
    )
ax.axvline(0, color="k", lw=0.6)
ax.set_xlabel("step along the eigenvector from mu(s*)")
ax.set_ylabel("L")
ax.set_title(f"n = {n}: the stationary point s* is a saddle")
ax.legend()
plt.show()

# %% [markdown]
# ## 5. How $s^*$ and $L(s^*)$ move with $n$
#
# With more idle parameters at 0, $s^*$ moves out slowly and $L(s^*)$ falls.

# %%
n_values = list(range(3, 11 if DEEP else 7))
for n in n_values:
    if n not in roots:
        roots[n] = certify_family_root(n, dps)
        assert roots[n].certified
s_star = [float(roots[n].estimate) for n in n_values]
loss_star = [float(roots[n].loss.mid()) for n in n_values]
for n, s, L in zip(n_values, s_star, loss_star):
    print(f"n = {n:2d}: s* = {s:.12f}   L(s*) = {L:.12f}   (loss radius {float(roots[n].loss.rad()):.1e})")
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
axes[0].plot(n_values, s_star, "o-")
axes[0].set_xlabel("n")
axes[0].set_ylabel("s*")
axes[1].plot(n_values, loss_star, "o-")
axes[1].set_xlabel("n")
axes[1].set_ylabel("L(s*)")
plt.show()

# %% [markdown]
# ## 6. The claim module's verdict
#
# `python -m proofs_check check thm3.1` bundles the symmetry proof, the certified root and loss, and the
# Hessian classification:

# %%
profile = "deep" if DEEP else "quick"
[record] = run_claims_by_id(["thm3.1"], profile)
print(record.statement)
print(table([record]))
for check in record.checks:
    print(f"  {check['verdict']:<10} {check['name']}  {check['observed'].get('hessian_kind') or ''}")
assert record.verdict.value == "certified"

# %%
print(f"notebook ran in {time.perf_counter() - started:.1f} s (DEEP={DEEP})")
