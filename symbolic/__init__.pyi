"""Type stub of the lazily loaded public API (lazy_loader reads it; see ``__init__.py``)."""

from .export import model_arguments, to_flint, to_mpmath
from .identities import gaussian_divergence, is_identically_zero, prove_coincident, prove_em_bridge, prove_reduction_eq1, prove_stein_gradient, prove_thm31_symmetry, symmetric_family
from .model import d_dmu, explicit, gradient_integrand_direct, gradient_integrand_stein, logits, loss_integrand, mean_field, original_logits, original_loss_integrand, original_model, parameter, reduced_model, weights
from .expansion import gaussian_moment, taylor_expansion
from .stationary import truncated_stationary_points
