"""Gaussian expectations ``E[f(x)]``, ``x ~ N(0, I_d)``: precision, quadrature rules, integrands, the span
reduction, and the fast / precise / certified tiers over one interface (:mod:`numeric.expectation.gaussian`)."""
