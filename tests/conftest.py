"""Shared pytest setup."""

pytest_plugins = ["tests.lab.fixtures"]
