"""Type stub of the lazily loaded public API (lazy_loader reads it; see ``__init__.py``)."""

from .config import ConfigError, as_decimal_string, check_mu, parse_mu, parse_number, parse_vector
from .model import evaluate, loss_and_gradient_float, loss_and_gradient_precise
from .forms import direct_gradient, em_gradients, original_loss, stein_gradient
from .expectation.gaussian import gaussian_expectation
from .expectation.integrand import growth_bound
from .expectation.precision import digits_of, precision_bits
from .expectation.quadrature import truncation_radius
from .dynamics.gd import GDConfig, GDResult, GDState, advance, classify, cluster_start, finish, log_grid, make_config, run_gd, start_state
from .dynamics.checkpoint import load_checkpoint, save_checkpoint
from .dynamics.clusters import cluster_offsets, direct_cluster_run, first_below, hypothesis_log_spread, worst_while_above
from .dynamics.linearized import linearized_spread
from .dynamics.rates import SlopeFit, envelope, log_values, tail_slope
from .landscape.hessian import hessian_blocks_float, line_enclosures
from .landscape.ring_scan import GRID, classify_planar, ring_roots
from .landscape.stationary import certify_family_root, family, family_gradient_float, hessian_precise
from .landscape.symmetric_scan import certify, classify_region, families, find_roots, kind_of, morse_index, point_key, tied, two_groups
from .studies.critical_spread import PATTERNS, Rules, critical_spread, fit_power_laws, solve_dimension
from .studies.time_averaged import averaged_by_mpquad, averaged_float, blowup_limit, choose_nodes, first_order_log10_amplification, parse_weight, run_averaged, run_fixed
