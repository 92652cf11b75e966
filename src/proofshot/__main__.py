"""`python -m proofshot` is the `proofshot` command."""

from proofshot.cli.fast import main

main()
