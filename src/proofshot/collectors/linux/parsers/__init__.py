"""Pure parsers for the Linux collector: raw answer text in, rows out; no I/O, never raise on
malformed input (bad lines are skipped)."""
