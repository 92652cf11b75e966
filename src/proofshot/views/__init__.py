"""Views derived from a snapshot (paths, access, findings); never stored as truth."""
