"""asyncssh, imported without its search for C libraries through child processes.

At import, asyncssh asks `ctypes.util.find_library` for "oqs" and "liboqs" (the sntrup761 key
exchange, where liboqs is installed) and "nettle" (UMAC MACs). On Linux each ask runs
`ldconfig -p` and, when the library is not in its cache, `gcc` and `ld`: ten processes and
~20 ms of CPU per scan, more than all of a host's key exchanges. Here, during that import only,
the lookup is a look at the usual library directories (and LD_LIBRARY_PATH) instead, so the
libraries are still found where they are installed; every later lookup is the standard one.

Import asyncssh from here (`from proofshot.transports._sshlib import asyncssh`) in modules that
may be the first to import it.
"""

from __future__ import annotations

import ctypes.util
import glob
import os
import sys
import sysconfig


def _lib_dirs() -> list[str]:
    arch = sysconfig.get_config_var("MULTIARCH") or ""
    dirs = [d for d in os.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep) if d]
    for root in ("/usr/local/lib", "/usr/lib", "/lib", "/usr/lib64", "/lib64",
                 os.path.join(sys.prefix, "lib")):
        dirs.append(root)
        if arch:
            dirs.append(os.path.join(root, arch))
    out: dict[str, str] = {}  # /lib is /usr/lib on a merged-/usr system: list it once
    for d in dirs:
        if os.path.isdir(d):
            out.setdefault(os.path.realpath(d), d)
    return list(out.values())


def _find(name: str) -> str | None:
    for d in _lib_dirs():
        hits = sorted(glob.glob(os.path.join(glob.escape(d), f"lib{name}.so*")))
        if hits:
            return hits[0]  # a path: asyncssh hands it to ctypes.cdll.LoadLibrary
    return None


if "asyncssh" in sys.modules:
    import asyncssh
else:
    _standard = ctypes.util.find_library
    ctypes.util.find_library = _find
    try:
        import asyncssh
    finally:
        ctypes.util.find_library = _standard

__all__ = ["asyncssh"]
