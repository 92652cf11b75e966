"""`python -m proofshot` is the `proofshot` command."""

from proofshot.cli.app import main

main()
