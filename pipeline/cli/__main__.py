"""``python -m pipeline.cli``: the ``legmove`` command."""

from pipeline.cli.app import main

main()
