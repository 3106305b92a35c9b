"""Reports of ``all`` and ``check``: one folder per run (:mod:`~proofs_check.report.files`) holding
``report.json``, ``report.md`` (:mod:`~proofs_check.report.markdown`), the self-contained ``report.html``
(:mod:`~proofs_check.report.html`) and ``figures/``; what every format says is in
:mod:`~proofs_check.report.content`."""
