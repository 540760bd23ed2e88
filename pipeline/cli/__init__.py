"""The ``legmove`` command line (:data:`pipeline.cli.app.app`); ``python -m pipeline.cli``."""
