"""Collectors: one package per protocol/platform. Each declares its queries and tables as data."""
