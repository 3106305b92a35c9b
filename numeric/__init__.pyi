"""Type stub of the lazily loaded public API (lazy_loader reads it; see ``__init__.py``)."""

from .config import (
    InputError as InputError,
    as_decimal_string as as_decimal_string,
    check_mu as check_mu,
    parse_mu as parse_mu,
    parse_number as parse_number,
    parse_vector as parse_vector,
)
from .dynamics.asymptotics import (
    Fate as Fate,
    LocalExponent as LocalExponent,
    NormLaw as NormLaw,
    RateDecision as RateDecision,
    decide_lower_rate as decide_lower_rate,
    decide_upper_rate as decide_upper_rate,
    local_exponent as local_exponent,
    parameter_fates as parameter_fates,
    settled_time as settled_time,
)
from .dynamics.checkpoint import (
    load_checkpoint as load_checkpoint,
    save_checkpoint as save_checkpoint,
    write_atomically as write_atomically,
)
from .dynamics.clusters import (
    ClusterRun as ClusterRun,
    cluster_offsets as cluster_offsets,
    direct_cluster_run as direct_cluster_run,
    first_below as first_below,
    hypothesis_log_spread as hypothesis_log_spread,
    worst_while_above as worst_while_above,
)
from .dynamics.flow import FlowFailure as FlowFailure, FlowRun as FlowRun, run_flow as run_flow
from .dynamics.gd import (
    GDConfig as GDConfig,
    GDResult as GDResult,
    GDState as GDState,
    ParameterStatus as ParameterStatus,
    Record as Record,
    Status as Status,
    StopReason as StopReason,
    advance as advance,
    classify as classify,
    cluster_start as cluster_start,
    finish as finish,
    log_grid as log_grid,
    make_config as make_config,
    run_gd as run_gd,
    start_state as start_state,
)
from .dynamics.linearized import linearized_spread as linearized_spread
from .dynamics.rates import (
    SlopeFit as SlopeFit,
    envelope as envelope,
    log_values as log_values,
    tail_slope as tail_slope,
)
from .dynamics.trapping import (
    Region as Region,
    TrappedRun as TrappedRun,
    TrappingProof as TrappingProof,
    away_start as away_start,
    prove_trapping as prove_trapping,
    trapped_run as trapped_run,
)
from .dynamics.validated import (
    GroupLine as GroupLine,
    ValidatedResult as ValidatedResult,
    certified_gd as certified_gd,
    validated_gd as validated_gd,
)
from .expectation.cubature.qmc import QMCRule as QMCRule
from .expectation.gaussian import gaussian_expectation as gaussian_expectation, qmc_expectation as qmc_expectation
from .expectation.integrand import growth_bound as growth_bound
from .expectation.quadrature import truncation_radius as truncation_radius
from .expectation.reduction import reduce_float as reduce_float, reduce_precise as reduce_precise
from .expectation.tiers import (
    Tier as Tier,
    digits_of as digits_of,
    precision_bits as precision_bits,
    tier_of as tier_of,
)
from .forms import (
    direct_gradient as direct_gradient,
    em_gradients as em_gradients,
    original_loss as original_loss,
    stein_gradient as stein_gradient,
)
from .landscape.hessian import hessian_blocks_float as hessian_blocks_float, line_enclosures as line_enclosures
from .landscape.ring_scan import GRID as GRID, classify_planar as classify_planar, ring_roots as ring_roots
from .landscape.stationary import (
    certify_family_root as certify_family_root,
    family as family,
    family_gradient_float as family_gradient_float,
    hessian_precise as hessian_precise,
)
from .landscape.symmetric_scan import (
    certify as certify,
    classify_region as classify_region,
    families as families,
    find_roots as find_roots,
    kind_of as kind_of,
    morse_index as morse_index,
    point_key as point_key,
    tied as tied,
    two_groups as two_groups,
)
from .model import (
    evaluate as evaluate,
    loss_and_gradient_float as loss_and_gradient_float,
    loss_and_gradient_precise as loss_and_gradient_precise,
)
from .studies.critical_spread import (
    PATTERNS as PATTERNS,
    Rules as Rules,
    critical_spread as critical_spread,
    fit_power_laws as fit_power_laws,
    solve_dimension as solve_dimension,
)
from .studies.escape_law import (
    ESCAPE_NUMERATOR as ESCAPE_NUMERATOR,
    EscapeLimit as EscapeLimit,
    escape_limit as escape_limit,
    escape_ratio as escape_ratio,
)
from .studies.sharp_rates import (
    REGIMES as REGIMES,
    LawFit as LawFit,
    SharpRate as SharpRate,
    measure_rate as measure_rate,
    power_law_constant as power_law_constant,
    regime_start as regime_start,
)
from .studies.time_averaged import (
    averaged_by_mpquad as averaged_by_mpquad,
    averaged_float as averaged_float,
    blowup_limit as blowup_limit,
    choose_nodes as choose_nodes,
    first_order_log10_amplification as first_order_log10_amplification,
    parse_weight as parse_weight,
    run_averaged as run_averaged,
    run_fixed as run_fixed,
)
