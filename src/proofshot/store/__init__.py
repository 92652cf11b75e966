"""The store: content-addressed immutable objects, signed manifests, an index. Knows no collector."""
