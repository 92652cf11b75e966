"""os, sysctl, cpu, memory, dmi and kernel module parsers."""

from __future__ import annotations

from proofshot.collectors.linux.parsers.common import (
    none_if_empty,
    sections,
    split_words,
    to_int,
    to_real,
)
from proofshot.model.table import Row

# sysctl parameters whose value moves by itself (counters, random values, last pid).
MOVING_SYSCTLS = frozenset({
    "fs.dentry-state", "fs.file-nr", "fs.inode-nr", "fs.inode-state", "fs.quota.allocated_dquots",
    "fs.quota.cache_hits", "fs.quota.drops", "fs.quota.free_dquots", "fs.quota.lookups",
    "fs.quota.reads", "fs.quota.syncs", "fs.quota.writes", "kernel.ns_last_pid",
    "kernel.random.boot_id", "kernel.random.entropy_avail", "kernel.random.uuid",
    "kernel.pty.nr", "kernel.tainted", "net.netfilter.nf_conntrack_count",
    "fs.aio-nr", "fs.pipe-user-pages-soft", "kernel.random.urandom_min_reseed_secs",
    "net.netfilter.nf_conntrack_buckets", "vm.stat_interval",
})


def parse_os_release(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        if "=" not in line or line.lstrip().startswith("#"):
            continue
        k, _, v = line.partition("=")
        words = split_words(v)
        out[k.strip()] = " ".join(words) if words else ""
    return out


def parse_os(text: str) -> list[Row]:
    """Parse the `os` script's sections into the one row of `os`."""
    sec = sections(text)
    if "hostname" not in sec and "kernel-name" not in sec:
        return []
    rel = parse_os_release(sec.get("os-release", ""))
    uptime = sec.get("uptime", "").split()
    tz = none_if_empty(sec.get("timezone"))
    link = none_if_empty(sec.get("localtime"))
    if tz is None and link and "zoneinfo/" in link:
        tz = link.split("zoneinfo/", 1)[1]
    return [{
        "id": "os",
        "hostname": none_if_empty(sec.get("hostname")),
        "domainname": _domain(sec.get("domainname")),
        "os_id": rel.get("ID") or None,
        "os_version": rel.get("VERSION_ID") or None,
        "os_name": rel.get("PRETTY_NAME") or None,
        "os_codename": rel.get("VERSION_CODENAME") or None,
        "kernel_name": none_if_empty(sec.get("kernel-name")),
        "kernel_release": none_if_empty(sec.get("kernel-release")),
        "kernel_version": none_if_empty(sec.get("kernel-version")),
        "arch": none_if_empty(sec.get("arch")),
        "machine_id": none_if_empty(sec.get("machine-id")),
        "timezone": tz,
        "boot_id": none_if_empty(sec.get("boot-id")),
        "uptime_seconds": to_real(uptime[0]) if uptime else None,
    }]


def _domain(value: str | None) -> str | None:
    value = none_if_empty(value)
    return None if value in (None, "(none)") else value


def parse_sysctl(text: str) -> list[Row]:
    """Parse `sysctl -a` (`name = value`); later duplicates are dropped."""
    rows: list[Row] = []
    seen: set[str] = set()
    for line in text.splitlines():
        name, sep, value = line.partition(" = ")
        name = name.strip()
        if not sep or not name or " " in name or name in seen:
            continue
        seen.add(name)
        value = value.strip()
        moving = name in MOVING_SYSCTLS
        rows.append({"name": name, "value": None if moving else value,
                     "moving_value": value if moving else None})
    return rows


def parse_cpuinfo(text: str) -> list[Row]:
    """Parse /proc/cpuinfo blocks (x86 and most other architectures' `processor` lines)."""
    rows: list[Row] = []
    seen: set[int] = set()
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            k, sep, v = line.partition(":")
            if sep:
                fields.setdefault(k.strip().lower(), v.strip())
        proc = to_int(fields.get("processor"))
        if proc is None or proc in seen:
            continue
        seen.add(proc)
        flags = fields.get("flags") or fields.get("features") or ""
        rows.append({
            "processor": proc,
            "vendor": fields.get("vendor_id") or fields.get("cpu implementer") or None,
            "model_name": fields.get("model name") or None,
            "family": fields.get("cpu family") or fields.get("cpu architecture") or None,
            "model": fields.get("model") or fields.get("cpu part") or None,
            "stepping": fields.get("stepping") or fields.get("cpu revision") or None,
            "microcode": fields.get("microcode") or None,
            "physical_id": to_int(fields.get("physical id")),
            "core_id": to_int(fields.get("core id")),
            "cores": to_int(fields.get("cpu cores")),
            "flags": flags.split(),
            "mhz": to_real(fields.get("cpu mhz")),
        })
    return rows


def parse_meminfo(text: str) -> list[Row]:
    values: dict[str, int] = {}
    for line in text.splitlines():
        k, sep, v = line.partition(":")
        n = to_int(v.split()[0]) if sep and v.split() else None
        if n is not None:
            values[k.strip()] = n
    if "MemTotal" not in values:
        return []
    return [{
        "id": "memory",
        "total_kb": values.get("MemTotal"),
        "swap_total_kb": values.get("SwapTotal"),
        "hugepages_total": values.get("HugePages_Total"),
        "hugepage_size_kb": values.get("Hugepagesize"),
        "available_kb": values.get("MemAvailable"),
        "free_kb": values.get("MemFree"),
        "buffers_kb": values.get("Buffers"),
        "cached_kb": values.get("Cached"),
        "swap_free_kb": values.get("SwapFree"),
    }]


DMI_FIELDS = ("sys_vendor", "product_name", "product_version", "product_serial", "product_uuid",
              "board_vendor", "board_name", "board_serial", "bios_vendor", "bios_version",
              "bios_date", "chassis_type", "chassis_serial")


def parse_dmi(text: str) -> list[Row]:
    row: Row = {"id": "dmi"}
    for line in text.splitlines():
        k, sep, v = line.partition("=")
        if sep and k in DMI_FIELDS:
            row[k] = none_if_empty(v)
    return [row] if len(row) > 1 else []


def parse_modules(text: str) -> list[Row]:
    """Parse /proc/modules: name size refcount used_by state address."""
    rows: list[Row] = []
    seen: set[str] = set()
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 5 or parts[0] in seen:
            continue
        size = to_int(parts[1])
        if size is None:
            continue
        seen.add(parts[0])
        used = [u for u in parts[3].split(",") if u and u != "-"]
        rows.append({"name": parts[0], "size": size, "used_by": used, "state": parts[4],
                     "refcount": to_int(parts[2])})
    return rows
