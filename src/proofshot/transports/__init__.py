"""Transports carry queries to a target and bytes back. They never parse."""
