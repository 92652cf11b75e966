"""Switches, routers and firewalls: their configuration, facts and inventory over the SSH CLI."""
