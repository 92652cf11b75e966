"""A collector outside proofshot: inventory files (`name=value` lines) in a directory."""
