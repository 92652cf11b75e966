"""Command-line edge: one thin module per command (parse, call the service, render)."""
