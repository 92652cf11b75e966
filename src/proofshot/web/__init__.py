"""Web UI edge (proofshot serve): renders the diff and views; no logic of its own."""
