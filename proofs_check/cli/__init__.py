"""The command line: one module per command (``list``, ``all``/``check``, ``eval``, ``gd``, ``explore``) and the
pieces they share; :func:`proofs_check.cli.main.main` is the entry point."""
