"""Type stub of the lazily loaded public API (lazy_loader reads it; see ``__init__.py``)."""

from .escape import prove_escape_law as prove_escape_law
from .expansion import gaussian_moment as gaussian_moment, taylor_expansion as taylor_expansion
from .export import model_arguments as model_arguments, to_flint as to_flint, to_mpmath as to_mpmath
from .identities import (
    gaussian_divergence as gaussian_divergence,
    is_identically_zero as is_identically_zero,
    prove_coincident as prove_coincident,
    prove_em_bridge as prove_em_bridge,
    prove_reduction_eq1 as prove_reduction_eq1,
    prove_stein_gradient as prove_stein_gradient,
    prove_thm31_symmetry as prove_thm31_symmetry,
    symmetric_family as symmetric_family,
)
from .model import (
    d_dmu as d_dmu,
    explicit as explicit,
    gradient_integrand_direct as gradient_integrand_direct,
    gradient_integrand_stein as gradient_integrand_stein,
    logits as logits,
    loss_integrand as loss_integrand,
    mean_field as mean_field,
    original_logits as original_logits,
    original_loss_integrand as original_loss_integrand,
    original_model as original_model,
    parameter as parameter,
    reduced_model as reduced_model,
    weights as weights,
)
from .slow_manifold import (
    attracting_rank as attracting_rank,
    effective_quartic as effective_quartic,
    prove_converging_law as prove_converging_law,
    quartic_gap_certificate as quartic_gap_certificate,
)
from .stationary import truncated_stationary_points as truncated_stationary_points
