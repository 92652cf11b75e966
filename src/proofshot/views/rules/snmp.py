"""Rules over the SNMP tables (network devices and hosts read over SNMP)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence

from proofshot.model.table import Row
from proofshot.views.rules.base import Context, Hit, Rule, hit

THRESHOLD = 0.90


def _if_errors(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("snmp_interfaces"):
        for r in t.rows("snmp_interfaces"):
            errs = sum(v for c in ("in_errors", "out_errors")
                       if isinstance(v := r.get(c), int))
            if errs > 0 and r.get("admin_status") == "up":
                yield hit(t, str(r.get("name") or r["if_index"]), "snmp_interfaces", [r],
                          f"{errs} errors")


def _storage(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("snmp_storage"):
        for r in t.rows("snmp_storage"):
            size, used = r.get("size_bytes"), r.get("used_bytes")
            if r.get("type") not in ("fixedDisk", "networkDisk", "flashMemory") or \
                    not isinstance(size, int) or not isinstance(used, int) or size <= 0:
                continue
            if used / size > THRESHOLD:
                yield hit(t, str(r.get("descr")), "snmp_storage", [r], f"{100 * used // size}% used")


def _model_firmware(rows: Sequence[Row]) -> tuple[str, str, Row] | None:
    """(model, firmware, row) of the device's first chassis (or top entity) with both."""
    for r in sorted(rows, key=lambda r: (r.get("class") != "chassis", r.get("index") or 0)):
        model = r.get("model") or r.get("descr")
        fw = r.get("software_rev") or r.get("firmware_rev")
        if model and fw and (r.get("class") in ("chassis", "stack", "module")
                             or r.get("contained_in") == 0):
            return str(model), str(fw), r
    return None


def _firmware_drift(ctx: Context) -> Iterator[Hit]:
    groups: dict[str, list[tuple[str, str, Row]]] = defaultdict(list)
    for t in ctx.targets("snmp_entities"):
        got = _model_firmware(t.rows("snmp_entities"))
        if got:
            groups[got[0]].append((t.name, got[1], got[2]))
    for model, devs in sorted(groups.items()):
        if len(devs) < 2:
            continue
        common, n = Counter(fw for _, fw, _ in devs).most_common(1)[0]
        if n == len(devs):
            continue
        for name, fw, r in devs:
            if fw != common or n * 2 == len(devs):
                t = ctx.snap.targets[name]
                yield hit(t, model, "snmp_entities", [r], f"{fw} (peers: {common})")


RULES: tuple[Rule, ...] = (
    Rule("snmp-interface-errors", "medium", "Interface with errors",
         "Check cabling, optics and duplex of the port; errors predate the work.",
         ("snmp_interfaces",), _if_errors),
    Rule("snmp-storage-full", "high", "Device storage over 90% full",
         "Free space on the device (old images, logs).", ("snmp_storage",), _storage),
    Rule("firmware-drift", "medium", "Firmware differs from peers of the same model",
         "Bring devices of one model to one tested firmware version.", ("snmp_entities",),
         _firmware_drift),
)
