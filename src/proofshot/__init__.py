"""proofshot: agentless IT documentation with proof."""

__version__ = "0.1.0"
