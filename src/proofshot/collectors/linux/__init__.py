"""The Linux collector: declared read-only queries, declared tables, pure parsers.

The same collector serves the local transport and the SSH transport: every query is an argv
or a static `sh -c` script that runs in plain POSIX sh with LC_ALL=C and writes nothing.
"""

from proofshot.collectors.linux.collector import COLLECTOR, LinuxCollector

__all__ = ["COLLECTOR", "LinuxCollector"]
