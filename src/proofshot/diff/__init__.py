"""The diff: a pure library. Two manifests and an object reader in, changes out."""
