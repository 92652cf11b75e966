"""Data model: tables, rows, canonical bytes, manifests, errors. Imports nothing above it."""
