"""Scan orchestration: scope -> targets -> collectors, concurrency, timeouts, progress, status."""
