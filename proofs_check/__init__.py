"""The checker: one module per paper claim, verdicts, command line, reports."""

__version__ = "0.1.0"
