"""Table declarations of the netdev collector, as data.

`device_config` holds the running configuration cut into sections (an "interface Gi1/0/2" block,
a Junos "interfaces > ge-0/0/0" subtree, a FortiOS "config firewall policy > edit 12"), one row
per section with its lines as text: the diff shows the changed lines within their section.
Lines that move by themselves (byte counts, clock timestamps, config-file version counters) are
kept apart in the volatile column. Secrets are keyed hashes before any row is built.
"""

from __future__ import annotations

from proofshot.model.table import col, table

C = "netdev"
P = ("netdev",)

DEVICE_CONFIG = table(
    "device_config",
    "Running configuration of a switch, router or firewall, one row per section; secrets are "
    "keyed hashes (a changed secret shows as a changed hash).", ["section"], [
        col("section", doc="The section's path: its top-level line, or the first levels of "
            "a hierarchical configuration joined by ' > ' (e.g. 'interfaces > ge-0/0/0'); "
            "single top-level lines are grouped by their first word(s) (e.g. 'ip route')."),
        col("lines", doc="The section's lines in device order (comments and separators "
            "dropped, volatile lines apart).", lines=True),
        col("volatile_lines", doc="Lines of the section that move without a change (e.g. "
            "'Current configuration : N bytes', NTP clock-period, FortiOS conf_file_ver).",
            volatile=True, lines=True),
        col("position", "int", "Order of the section in the configuration (0 = first).",
            volatile=True),
    ], platforms=P, collector=C)

DEVICE_FACTS = table(
    "device_facts",
    "What the device says about itself: model, serial, OS version, and who changed its "
    "configuration last where the configuration says so.", ["platform"], [
        col("platform", doc="Platform declaration used (ios, nxos, junos, fortios, ...)."),
        col("vendor", doc="Vendor of the platform."),
        col("hostname", doc="Host name the device reports."),
        col("model", doc="Hardware model (or virtual platform)."),
        col("serial", doc="Chassis serial number."),
        col("os_version", doc="Operating system / firmware version."),
        col("image", doc="Boot image file, where the device names it."),
        col("uptime", doc="Uptime as the device words it.", volatile=True),
        col("last_change", doc="When the configuration was changed last, as the device "
            "says it ('! Last configuration change at', Junos '## Last commit:'). Not "
            "volatile: it moves only when someone changes the configuration, and with "
            "changed_by it is the diff's attribution."),
        col("changed_by", doc="Account that changed the configuration last, where the "
            "device says so: the change attribution of a diff."),
        col("config_sections", "int", "Sections in device_config."),
    ], platforms=P, collector=C)

DEVICE_INVENTORY = table(
    "device_inventory",
    "Hardware the device lists: chassis, modules, power supplies, fans, transceivers, with "
    "part numbers and serials.", ["name"], [
        col("name", doc="Slot or item name as the device gives it."),
        col("description", doc="Description."),
        col("part", doc="Part number / PID."),
        col("version", doc="Hardware version / VID."),
        col("serial", doc="Serial number."),
    ], platforms=P, collector=C)

DEVICE_ADDRESSES = table(
    "device_addresses",
    "Interface addresses as the device's configuration sets them (for the paths view).",
    ["interface", "address"], [
        col("interface", doc="Interface name as configured (e.g. GigabitEthernet1/0/1, "
            "ge-0/0/0.0, port1, eth0)."),
        col("address", doc="IP address."),
        col("prefix_length", "int", "Prefix length."),
        col("family", doc="inet or inet6."),
    ], platforms=P, collector=C)

TABLES = (DEVICE_CONFIG, DEVICE_FACTS, DEVICE_INVENTORY, DEVICE_ADDRESSES)
