"""Reports: ``report.json`` and ``report.md`` (:mod:`proofs_check.report.markdown`) and figures."""
