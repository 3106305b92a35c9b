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
# # 08 — Stationary points beyond Theorem 3.1: a certified scan (beyond the paper)
#
# **Question.** Theorem 3.1 exhibits one non-global stationary point, $(s^*, -s^*, 0, \dots, 0)$. Are there
# others, and is any of them a *spurious local minimum*, a trap for gradient descent?
#
# **Method** (`numeric.landscape.symmetric_scan`, `numeric.landscape.hessian`,
# `python -m proofs_check explore stationary-scan`).
#
# 1. Search symmetric *families*: configurations on a line through the truth that a group of symmetries
#    of $L$ fixes.
# 2. Certify each root with a Krawczyk step in python-flint ball arithmetic.
# 3. Enclose both blocks of its Hessian, and prove their inertia (the signs of the eigenvalues).
#
# `DEEP = True` scans $n = 3, \dots, 6$; the quick run scans $n = 3, 4$.

# %%
import os

DEEP = os.environ.get("NOTEBOOKS_DEEP", "0") == "1"  # set to True for the longer, deeper run

# %%
import argparse

import flint
import matplotlib.pyplot as plt
import numpy as np

from numeric import certify, find_roots, hessian_blocks_float, line_enclosures, loss_and_gradient_float, two_groups
from proofs_check.studies.stationary_scan import run

# %% [markdown]
# ## 1. Why a family is enough
#
# $L$ is invariant under permuting the parameters and under $a \mapsto -a$, because the standard
# Gaussian is symmetric. Its gradient is therefore *equivariant*. At a configuration fixed by a group of
# these symmetries, the gradient is fixed by the same group, so it lies in the family's span
# $\mathrm{range}(P)$.
#
# So if the restricted gradient $P^\top g(P\theta)$ vanishes, the full gradient $g$ vanishes too. A root
# of the restricted problem is a stationary point of $L$, in every dimension $d$.
#
# The check below takes an arbitrary member of the family "two groups, $k = 2$ at $a$, $n - k = 3$ at
# $b$". It is not a stationary point, yet its full gradient already takes one value per group.

# %%
member = np.array([[0.7], [0.7], [-1.3], [-1.3], [-1.3]])
_, gradient, errors, _ = loss_and_gradient_float(member)
print("gradient per parameter:", gradient[:, 0])
assert np.ptp(gradient[:2, 0]) <= 2 * max(errors) and np.ptp(gradient[2:, 0]) <= 2 * max(errors)

# %% [markdown]
# ## 2. The Hessian of a configuration on a line
#
# The reflections $e_k \to -e_k$ ($k \ge 2$) fix the configuration, so its Hessian splits into two kinds
# of block:
#
# - the one-dimensional block $H_\parallel$;
# - $d - 1$ copies of a perpendicular block,
#   $$H_\perp = 2\,\mathbb E\big[u u^\top + (1 - v^2)\, w w^\top\big], \qquad u_i = w_i (a_i - 2v).$$
#
# This formula comes from expanding the softmax to second order in perpendicular offsets.
#
# Rotations about the truth give the identity $H_\perp a = g$. At a stationary point, $a$ is therefore an
# exact null vector of $H_\perp$.
#
# Below, both blocks are enclosed in balls, and then checked against central differences of the general
# two-dimensional engine. The central differences do not use the block formula.

# %%
a = [1.3, -0.4, 2.2, 0.1]
with flint.ctx.workprec(120):
    enclosed = line_enclosures([flint.arb(x) for x in a], 30)
parallel, perpendicular, fd_error = hessian_blocks_float(a)
for name, block, estimate in (
    ("H_par", enclosed.parallel, parallel),
    ("H_perp", enclosed.perpendicular, perpendicular),
):
    mids = np.array([[float(x.mid()) for x in row] for row in block])
    radius = max(float(x.rad()) for row in block for x in row)
    print(
        f"{name}: max |ball - finite differences| = {np.max(np.abs(mids - estimate)):.1e} "
        f"(difference estimate {fd_error:.1e}, ball radius {radius:.1e})"
    )
    assert np.max(np.abs(mids - estimate)) <= 4 * fd_error + radius
residual = [
    sum((h * x for h, x in zip(row, a)), flint.arb(0)) - g for row, g in zip(enclosed.perpendicular, enclosed.gradient)
]
print("H_perp a - g contains 0 in every component:", all(r.contains(0) for r in residual))

# %% [markdown]
# ## 3. One family, certified
#
# Take the family "two groups" with $n = 4$ and $k = 1$. Damped Newton from a grid of starts finds two
# roots. Each is then certified in its *tied* family, in which coincident parameters stay tied.
#
# The Krawczyk image of a small box lies inside the box. That proves the box holds exactly one
# stationary point. Over the image, the loss and both Hessian blocks are enclosed.
#
# For $H_\perp$ the known exact null vectors are counted as zeros:
#
# - the rotation direction;
# - the split directions $e_i - e_j$ of coincident parameters.
#
# A pivot of $H_\perp$ that is exactly zero would otherwise make the proof impossible.

# %%
family = two_groups(4, 1)
for root in find_roots(family):
    point = certify(family.configuration(list(root)), 30)
    print(f"a = {np.round(point.configuration, 6)}: certified = {point.certified}")
    print(f"  L in {point.loss.str(20, radius=True)}")
    print(f"  inertia (neg, zero, pos): H_par {point.parallel_inertia}, H_perp {point.perpendicular_inertia}")
    print(f"  double-precision eigenvalues of H_par: {np.round(point.parallel_eigenvalues, 4)}")
    print(f"  kind: d = 1 {point.kind(1)};  d = 3 {point.kind(3)}")
    assert point.certified

# %% [markdown]
# ## 4. The scan
#
# Every family is searched for each $n$: antipodal, two groups (every $k \le n/2$), and mirror (which
# includes the equally spaced lines). The roots are merged up to symmetry and each one is certified.
#
# The scan also leaves the line. A *ring* is a regular $m$-gon about the truth in $d = 2$, with the
# other $n - m$ parameters at the truth. Its dihedral symmetry again reduces stationarity to one
# radial equation. These configurations span two dimensions, where the certified tier does not reach.
# So they are found and classified in double precision, with a central-difference Hessian and its
# error estimate, and reported apart as evidence.

# %%
options = argparse.Namespace(
    n=["3", "4", "5", "6"] if DEEP else ["3", "4"],
    d=["1", "3"],
    family=["antipodal", "two-groups", "mirror", "ring"],
    dps="30",
    seed=0,
    jobs=1,
    quiet=True,
    dask=None,
)
finding = run(options)
print(finding.table)
plt.show()

# %%
finding.figure

# %% [markdown]
# ## 5. What the scan shows
#
# On these families, for the $n$ scanned:
#
# - Every stationary point found, other than the truth, is a certified **saddle**. There is no spurious
#   local minimum.
# - The Morse index in one dimension equals the number of parameters that sit away from the truth. For
#   example, one parameter out and the rest clustered at $\approx 0$ gives index 1.
# - In $d \ge 2$, configurations with parameters on *both* sides of the truth gain one more descent
#   direction per extra dimension. These are the antipodal and mirror points. Configurations whose
#   distant parameters sit on one side gain none.
#
# The cell below checks these statements on the scan's own numbers. A parameter counts as "away" when
# $|a_i| > 1$.

# %%
points = finding.record["points"]
assert points and all(p["certified"] for p in points)
assert not any(finding.record["summary"]["spurious_local_minima"].values())
for p in points:
    values = [float(x) for x in p["configuration"]]
    away = sum(abs(x) > 1 for x in values)
    both_sides = min(values) < -1 and max(values) > 1
    index_1, index_3 = p["morse_index"]["1"][0], p["morse_index"]["3"][0]
    print(f"n={p['n']} a={np.round(values, 3)}: away={away}, index d=1: {index_1}, d=3: {index_3}")
    assert index_1 == away and index_3 == away + 2 * both_sides

# %% [markdown]
# Rings, classified in $d = 2$ from the double-precision Hessian: every one found is a saddle, with
# exactly one zero mode (rotations in the plane), and its full gradient vanishes to double precision.

# %%
for p in finding.record["planar_points"]:
    print(
        f"n={p['n']}: {p['m']}-gon radius {float(p['radius']):.6f} + {p['k']} at 0: "
        f"L = {float(p['loss']):.6f}, |grad| = {float(p['gradient_norm']):.1e}, signs {p['signs']}, {p['kind']['2']}"
    )
    assert p["kind"]["2"].startswith("saddle") and p["signs"][1] == 1 and float(p["gradient_norm"]) < 1e-9

# %% [markdown]
# **Limits.**
#
# - The scan covers the families only. "No spurious minimum" is proven for the points it found, and is
#   not a statement about all of $\mathbb R^{n \times d}$.
# - Newton from a grid can miss roots. The starts are recorded in `numeric.landscape.symmetric_scan`.
