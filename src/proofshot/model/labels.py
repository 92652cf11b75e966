# ruff: noqa: E501  (catalogue lines: one entry per line, however long its text)
"""Display labels in English and German for every declared table and column, and for the terms
the report, the CLI and the web UI show (severities, statuses, path kinds, roles, item events,
target kinds), and the German text of every finding rule.

The declarations (model/table.py, in each collector) name tables and columns by identifier; this
catalogue gives each a label per language. A test holds it to the declarations: every declared
table and column has both labels, and every finding rule its German title and remedy. Plain data,
importable by every layer.
"""

from __future__ import annotations

LANGS = ("en", "de")


def _parse(text: str) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for line in text.strip().splitlines():
        name, en, de = (p.strip() for p in line.split("|"))
        out[name] = (en, de)
    return out


# table name | English | German
TABLES = _parse("""
ad_acl | AD permissions | AD-Berechtigungen
ad_computers | AD computers | AD-Computer
ad_domain_policy | Domain policy | Domänenrichtlinie
ad_gpo_links | Group policy links | Gruppenrichtlinien-Verknüpfungen
ad_groups | AD groups | AD-Gruppen
ad_memberships | AD memberships | AD-Mitgliedschaften
ad_ous | Organisational units | Organisationseinheiten
ad_privileged | Privileged AD accounts | Privilegierte AD-Konten
ad_users | AD users | AD-Benutzer
addresses | IP addresses | IP-Adressen
block_devices | Block devices | Blockgeräte
certificates | Certificates | Zertifikate
connections | Connections | Verbindungen
cpu | Processors | Prozessoren
cron | Scheduled jobs | Geplante Aufgaben
device_addresses | Configured interface addresses | Konfigurierte Schnittstellenadressen
device_config | Device configuration | Gerätekonfiguration
device_facts | Device facts | Geräteangaben
device_inventory | Device inventory | Geräteinventar
dmi | Hardware (DMI) | Hardware (DMI)
dns | DNS settings | DNS-Einstellungen
files | Files | Dateien
filesystems | Filesystems | Dateisysteme
firewall_rules | Firewall rules | Firewall-Regeln
group_members | Group members | Gruppenmitglieder
groups | Groups | Gruppen
hosts | Hosts file | Hosts-Datei
interfaces | Network interfaces | Netzwerkschnittstellen
kernel_modules | Kernel modules | Kernelmodule
ldap_groups | LDAP groups | LDAP-Gruppen
ldap_users | LDAP users | LDAP-Benutzer
listening | Listening services | Lauschende Dienste
lldp_neighbors | LLDP neighbours (lldpd) | LLDP-Nachbarn (lldpd)
memory | Memory | Arbeitsspeicher
neighbors | Neighbours (ARP/NDP) | Nachbarn (ARP/NDP)
os | Operating system | Betriebssystem
packages | Software packages | Softwarepakete
posix_acls | POSIX ACLs | POSIX-ACLs
routes | Routes | Routen
services | Services | Dienste
smb_acl | Folder permissions (SMB) | Ordnerberechtigungen (SMB)
smb_dirs | Shared folders | Freigegebene Ordner
smb_share_acl | Share permissions | Freigabeberechtigungen
smb_shares | Shares | Freigaben
snmp_arp | ARP table | ARP-Tabelle
snmp_bridge_ports | Bridge ports | Bridge-Ports
snmp_entities | Device components | Gerätekomponenten
snmp_fdb | MAC address table | MAC-Adresstabelle
snmp_interfaces | Device interfaces | Geräteschnittstellen
snmp_ip_addresses | Device IP addresses | Geräte-IP-Adressen
snmp_lldp_neighbors | LLDP neighbours | LLDP-Nachbarn
snmp_processes | Device processes | Geräteprozesse
snmp_routes | Device routes | Geräterouten
snmp_software | Device software | Gerätesoftware
snmp_storage | Device storage | Gerätespeicher
snmp_system | Device system | Gerätesystem
snmp_vlans | VLANs | VLANs
ssh_config | SSH settings | SSH-Einstellungen
sudoers | sudo rules | sudo-Regeln
sysctl | Kernel parameters | Kernelparameter
time_sync | Time synchronisation | Zeitsynchronisation
udp_client_sockets | UDP client sockets | UDP-Client-Sockets
users | User accounts | Benutzerkonten
win_adapters | Network adapters | Netzwerkadapter
win_addresses | IP addresses | IP-Adressen
win_appx | Store apps (AppX) | Store-Apps (AppX)
win_autoruns | Autostart entries | Autostart-Einträge
win_certs | Certificates (local machine) | Zertifikate (lokaler Computer)
win_computer | Computer and BIOS | Computer und BIOS
win_connections | Connections | Verbindungen
win_cpu | Processors | Prozessoren
win_defender | Microsoft Defender | Microsoft Defender
win_disks | Physical disks | Physische Datenträger
win_events | Event log | Ereignisprotokoll
win_features | Roles and features | Rollen und Features
win_firewall_profiles | Firewall profiles | Firewall-Profile
win_firewall_rules | Firewall rules | Firewall-Regeln
win_group_members | Local group members | Mitglieder lokaler Gruppen
win_groups | Local groups | Lokale Gruppen
win_hotfixes | Installed updates | Installierte Updates
win_listeners | Listening services | Lauschende Dienste
win_memory | Memory modules | Speichermodule
win_ntfs_acl | Folder permissions (NTFS) | Ordnerberechtigungen (NTFS)
win_os | Operating system | Betriebssystem
win_paths | Folders examined (NTFS) | Untersuchte Ordner (NTFS)
win_routes | Routes | Routen
win_services | Services | Dienste
win_settings | Security settings | Sicherheitseinstellungen
win_share_acl | Share permissions | Freigabeberechtigungen
win_shares | Shares | Freigaben
win_software | Installed software | Installierte Software
win_tasks | Scheduled tasks | Geplante Aufgaben
win_users | Local user accounts | Lokale Benutzerkonten
win_volumes | Volumes | Laufwerke
""")

# column name | English | German (the same name means the same thing in every table; where it
# does not, COLUMN_OVERRIDES below says what it means in that table)
COLUMNS = _parse("""
account | Log on as | Anmeldekonto
account_expires | Account expires | Konto läuft ab
ace | Access control entry | Zugriffseintrag
aces | Access control entries | Zugriffseinträge
action | Action | Aktion
actions | Actions | Aktionen
active | Active | Aktiv
address | Address | Adresse
admin_count | Admin count | Admin-Zähler
admin_status | Admin status | Admin-Status
age | Age | Alter
age_seconds | Age (seconds) | Alter (Sekunden)
alias | Alias | Alias
allocation_failures | Allocation failures | Belegungsfehler
allocation_units | Allocation unit | Belegungseinheit
antivirus_enabled | Antivirus enabled | Virenschutz aktiviert
arch | Architecture | Architektur
architecture | Architecture | Architektur
asset_id | Asset id | Inventarnummer
author | Author | Autor
avail | Available | Verfügbar
available_kb | Available (KiB) | Verfügbar (KiB)
bank | Memory bank | Speicherbank
basis | Basis | Grundlage
bios_date | BIOS date | BIOS-Datum
bios_vendor | BIOS vendor | BIOS-Hersteller
bios_version | BIOS version | BIOS-Version
bitlocker | BitLocker protection | BitLocker-Schutz
block_inheritance | Blocks inheritance | Vererbung blockiert
board_name | Board | Hauptplatine
board_serial | Board serial number | Seriennummer der Hauptplatine
board_vendor | Board vendor | Hersteller der Hauptplatine
boot_id | Boot id | Boot-ID
buffers_kb | Buffers (KiB) | Puffer (KiB)
build | Build | Build
by | Done by | Ausgeführt von
bytes | Bytes | Bytes
cached_kb | Cached (KiB) | Cache (KiB)
canonical | Canonical name | Kanonischer Name
capabilities | Capabilities | Fähigkeiten
capacity_bytes | Capacity (bytes) | Kapazität (Bytes)
caption | Product name | Produktname
category | Category | Kategorie
chain | Chain | Kette
changed_by | Changed by | Geändert von
chassis_id | Chassis id | Chassis-ID
chassis_id_subtype | Chassis id type | Art der Chassis-ID
chassis_serial | Chassis serial number | Seriennummer des Gehäuses
chassis_type | Chassis type | Gehäusetyp
class | Class | Klasse
cn | Common name | Allgemeiner Name
command | Command | Befehl
complexity | Complexity required | Komplexität verlangt
config_sections | Configuration sections | Konfigurationsabschnitte
connection | Connection name | Verbindungsname
connector_present | Connector present | Anschluss vorhanden
contact | Contact | Kontakt
contained_in | Contained in | Enthalten in
container | Container | Container
continuous_availability | Continuous availability | Dauerverfügbarkeit
core_id | Core id | Kern-ID
cores | Cores | Kerne
count | Count | Anzahl
current_mhz | Current clock (MHz) | Aktueller Takt (MHz)
default | Default entry | Standardeintrag
depth | Depth | Tiefe
descr | Description | Beschreibung
description | Description | Beschreibung
destination | Destination | Ziel
dev | Device | Gerät
device_id | Device id | Geräte-ID
dfs | DFS | DFS
dhcp | DHCP enabled | DHCP aktiviert
dhcp_server | DHCP server | DHCP-Server
direction | Direction | Richtung
disabled | Disabled | Deaktiviert
display_name | Display name | Anzeigename
dn | Distinguished name | Eindeutiger Name (DN)
dns_domain | Connection-specific DNS suffix | Verbindungsspezifisches DNS-Suffix
dns_name | DNS name | DNS-Name
dns_names | DNS names (SAN) | DNS-Namen (SAN)
dns_servers | DNS servers | DNS-Server
dns_suffixes | DNS suffix search list | DNS-Suffixsuchliste
domain | Domain | Domäne
domain_role | Domain role | Domänenrolle
domainname | Domain name | Domänenname
drive | Drive | Laufwerk
drive_type | Drive type | Laufwerkstyp
dst | Destination | Ziel
dynamic | Dynamic | Dynamisch
effective | Effective | Wirksam
egress_ifnames | Member interfaces | Mitgliedsschnittstellen
egress_ports | Member ports | Mitgliedsports
enabled | Enabled | Aktiviert
encrypted | Encrypted | Verschlüsselt
encryption_method | Encryption method | Verschlüsselungsmethode
enforced | Enforced | Erzwungen
enterprise | Enterprise | Unternehmen
entry | Entry | Eintrag
error | Error | Fehler
event_id | Event id | Ereignis-ID
expire | Expires (day) | Läuft ab (Tag)
family | Family | Familie
fdb_id | Forwarding database | Weiterleitungsdatenbank
file | File | Datei
file_system | Filesystem | Dateisystem
fingerprint | Fingerprint | Fingerabdruck
firmware | Firmware revision | Firmware-Stand
firmware_rev | Firmware revision | Firmware-Stand
flags | Flags | Kennzeichen
free_bytes | Free (bytes) | Frei (Bytes)
free_kb | Free (KiB) | Frei (KiB)
friendly_name | Friendly name | Anzeigename
fstype | Filesystem type | Dateisystemtyp
full_name | Full name | Vollständiger Name
functional_level | Functional level | Funktionsebene
gateway | Gateway | Gateway
gateways | Default gateways | Standardgateways
gecos | Full name (GECOS) | Voller Name (GECOS)
gid | Group id | Gruppen-ID
gid_number | Group id | Gruppen-ID
gpo | Group policy | Gruppenrichtlinie
gpo_name | Group policy name | Name der Gruppenrichtlinie
group | Group | Gruppe
group_sid | Group SID | Gruppen-SID
hardware_rev | Hardware revision | Hardware-Stand
has_private_key | Private key present | Privater Schlüssel vorhanden
high_speed_mbps | Speed (Mbit/s) | Geschwindigkeit (Mbit/s)
home | Home directory | Home-Verzeichnis
hostname | Host name | Hostname
hotfix_id | Hotfix id | Hotfix-ID
how | How | Wie
hugepage_size_kb | Huge page size (KiB) | Größe großer Seiten (KiB)
hugepages_total | Huge pages | Große Seiten
hypervisor_present | Hypervisor present | Hypervisor erkannt
id | Id | ID
if_index | Interface index | Schnittstellenindex
if_name | Interface | Schnittstelle
ifindex | Interface index | Schnittstellenindex
image | Boot image | Boot-Image
in_discards | Discarded in | Verworfen eingehend
in_errors | Errors in | Fehler eingehend
in_octets | Bytes in | Bytes eingehend
inactive_days | Inactive days | Inaktive Tage
inbound | Default inbound action | Standardaktion eingehend
index | Index | Index
inherited | Inherited | Geerbt
inherited_object_type | Inherited by object type | Vererbt an Objekttyp
inodes | Inodes | Inodes
inodes_free | Inodes free | Freie Inodes
inodes_used | Inodes used | Belegte Inodes
install_date | Install date | Installationsdatum
install_location | Install location | Installationsort
installed | Installed | Installiert
installed_by | Installed by | Installiert von
installed_on | Installed on | Installiert am
interface | Interface | Schnittstelle
interface_index | Interface index | Schnittstellenindex
ip_enabled | TCP/IP enabled | TCP/IP aktiviert
is_fru | Field-replaceable | Vor Ort tauschbar
issuer | Issuer | Aussteller
kernel_name | Kernel name | Kernelname
kernel_release | Kernel release | Kernel-Release
kernel_version | Kernel version | Kernelversion
key | Registry key | Registrierungsschlüssel
keyword | Keyword | Schlüsselwort
kind | Kind | Art
label | Label | Bezeichnung
label_name | Partition label | Partitionsbezeichnung
language | Language (LCID) | Sprache (LCID)
last_boot | Last boot | Letzter Systemstart
last_change | Password changed | Passwort geändert
last_change_ticks | Last change (ticks) | Letzte Änderung (Ticks)
last_logon | Last logon | Letzte Anmeldung
last_result | Last result | Ergebnis der letzten Ausführung
last_run | Last run | Letzte Ausführung
line | Line | Zeile
lines | Lines | Zeilen
link_target | Link target | Verweisziel
link_type | Link type | Verbindungsart
load_percent | Load (%) | Auslastung (%)
local_address | Local address | Lokale Adresse
local_addresses | Local addresses | Lokale Adressen
local_enabled | Enabled (local setting) | Aktiviert (lokale Einstellung)
local_port | Local port | Lokaler Port
local_port_descr | Local port description | Beschreibung des lokalen Ports
local_port_id | Local port id | Lokale Port-ID
local_ports | Local ports | Lokale Ports
locale | Locale | Gebietsschema
location | Location | Standort
locator | Slot | Steckplatz
locked | Locked | Gesperrt
locked_out | Locked out | Konto gesperrt
lockout_duration_minutes | Lockout duration (minutes) | Sperrdauer (Minuten)
lockout_threshold | Lockout threshold | Sperrschwelle
lockout_window_minutes | Lockout window (minutes) | Sperrzeitfenster (Minuten)
log | Log | Protokoll
logical_processors | Logical processors | Logische Prozessoren
mac | MAC address | MAC-Adresse
machine_account_quota | Machine account quota | Kontingent für Computerkonten
machine_id | Machine id | Maschinen-ID
manager | Package manager | Paketverwaltung
manufacturer | Manufacturer | Hersteller
mask | Access mask | Zugriffsmaske
master | Master interface | Übergeordnete Schnittstelle
match | Match block | Match-Block
max_days | Maximum days | Höchstalter (Tage)
max_mhz | Maximum clock (MHz) | Maximaler Takt (MHz)
max_password_age_days | Maximum password age (days) | Höchstalter des Passworts (Tage)
media_type | Media type | Medientyp
member | Member | Mitglied
member_kind | Member kind | Art des Mitglieds
member_sid | Member SID | Mitglieds-SID
members | Members | Mitglieder
memory_bytes | Memory (bytes) | Arbeitsspeicher (Bytes)
memory_free_kb | Free memory (KiB) | Freier Arbeitsspeicher (KiB)
memory_total_kb | Total memory (KiB) | Arbeitsspeicher gesamt (KiB)
metric | Metric | Metrik
mgmt_addresses | Management addresses | Verwaltungsadressen
mhz | MHz | MHz
microcode | Microcode | Microcode
min_days | Minimum days | Mindestalter (Tage)
min_password_age_days | Minimum password age (days) | Mindestalter des Passworts (Tage)
min_password_length | Minimum password length | Mindestlänge des Passworts
mode | Mode | Modus
model | Model | Modell
model_name | Model name | Modellname
mountpoint | Mount point | Einhängepunkt
moving_value | Moving value | Veränderlicher Wert
msi | Windows Installer (MSI) | Windows Installer (MSI)
mtime | Modified | Geändert am
mtu | MTU | MTU
n | Number | Nummer
name | Name | Name
netbios | NetBIOS name | NetBIOS-Name
next_hop | Next hop | Nächster Hop
next_run | Next run | Nächste Ausführung
nexthops | Next hops | Nächste Hops
not_after | Valid until | Gültig bis
not_before | Valid from | Gültig ab
notifications | Notifications | Benachrichtigungen
object | Object | Objekt
object_id | Object id | Objekt-ID
object_kind | Object kind | Objektart
object_type | Object type | Objekttyp
oper_status | Operating status | Betriebsstatus
options | Options | Optionen
order | Order | Reihenfolge
organization | Organisation | Organisation
origin | Origin | Herkunft
os | Operating system | Betriebssystem
os_codename | Code name | Codename
os_id | Distribution | Distribution
os_name | Operating system | Betriebssystem
os_version | Version | Version
other_size_bytes | Other size (bytes) | Andere Größe (Bytes)
out_discards | Discarded out | Verworfen ausgehend
out_errors | Errors out | Fehler ausgehend
out_octets | Bytes out | Bytes ausgehend
outbound | Default outbound action | Standardaktion ausgehend
owner | Owner | Eigentümer
packets | Packets | Pakete
parent | Parent | Übergeordnet
parent_rel_pos | Position in parent | Position im übergeordneten Element
part | Part number | Teilenummer
part_number | Part number | Teilenummer
part_of_domain | Domain member | Domänenmitglied
partitions | Partitions | Partitionen
password_changeable | User may change password | Benutzer kann Passwort ändern
password_expires | Password expires | Passwort läuft ab
password_history | Password history | Passwortchronik
password_last_set | Password last set | Passwort zuletzt gesetzt
password_never_expires | Password never expires | Passwort läuft nie ab
password_not_required | Password not required | Passwort nicht erforderlich
password_required | Password required | Passwort erforderlich
password_state | Password | Passwort
path | Path | Pfad
perms | Permissions | Berechtigungen
physical | Physical adapter | Physischer Adapter
physical_id | Socket | Sockel
pid | Process id | Prozess-ID
pids | Process ids | Prozess-IDs
platform | Platform | Plattform
policy_enabled | Enabled (group policy) | Aktiviert (Gruppenrichtlinie)
port | Port | Port
port_descr | Port description | Portbeschreibung
port_id | Port id | Port-ID
port_id_subtype | Port id type | Art der Port-ID
position | Position | Position
prefix | Mask or prefix length | Maske oder Präfixlänge
prefix_length | Prefix length | Präfixlänge
prefsrc | Preferred source | Bevorzugte Quelle
primary_group | Primary group | Primäre Gruppe
principal | Principal | Prinzipal
process | Process | Prozess
processes | Processes | Prozesse
processor | Processor | Prozessor
processor_id | Processor id (CPUID) | Prozessor-ID (CPUID)
processors | Physical processors | Physische Prozessoren
product_id | Product id | Produkt-ID
product_name | Model | Modell
product_serial | Serial number | Seriennummer
product_type | Product type | Produkttyp
product_uuid | Product UUID | Produkt-UUID
product_version | Product version | Produktversion
profile | Profile | Profil
profiles | Profiles | Profile
program | Program | Programm
promiscuous | Promiscuous | Promiscuous-Modus
protected | Protected | Geschützt
proto | Protocol | Protokoll
protocol | Protocol | Protokoll
provider | Network path | Netzwerkpfad
publisher | Publisher | Herausgeber
publisher_id | Publisher id | Herausgeber-ID
pvid | Port VLAN | Port-VLAN
read_only | Read-only | Schreibgeschützt
realtime_enabled | Real-time protection | Echtzeitschutz
record_id | Record id | Datensatz-ID
refcount | References | Referenzen
registered_user | Registered user | Registrierter Benutzer
rem_index | Remote index | Entfernter Index
remark | Remark | Bemerkung
remote_address | Remote address | Entfernte Adresse
remote_addresses | Remote addresses | Entfernte Adressen
remote_port | Remote port | Entfernter Port
remote_ports | Remote ports | Entfernte Ports
reversible_encryption | Reversible encryption | Umkehrbare Verschlüsselung
rights | Rights | Rechte
router | Router | Router
row_status | Row status | Zeilenstatus
rule | Rule | Regel
run_as | Run as | Ausführen als
run_level | Run level | Ausführungsebene
runlevels | Runlevels | Runlevel
sam | Account name | Kontoname
schedule | Schedule | Zeitplan
scope | Scope | Bereich
sddl | Security descriptor (SDDL) | Sicherheitsbeschreibung (SDDL)
section | Section | Abschnitt
serial | Serial number | Seriennummer
server | Server | Server
service_enabled | Antimalware service enabled | Antimalware-Dienst aktiviert
service_pack | Service pack | Service Pack
services | Services | Dienste
sha256 | SHA-256 | SHA-256
share | Share | Freigabe
share_acl | Share permissions | Freigabeberechtigungen
shell | Shell | Shell
sid | SID | SID
signature_updated | Signatures updated | Signaturen aktualisiert am
signature_version | Signature version | Signaturversion
size | Size | Größe
size_bytes | Size (bytes) | Größe (Bytes)
slot | Slot | Slot
socket | Socket | Sockel
sockets | Sockets | Sockets
software_rev | Software revision | Software-Stand
source | Source | Quelle
special | Special | Sonderfreigabe
speed | Link speed (bit/s) | Verbindungsgeschwindigkeit (bit/s)
speed_bps | Speed (bit/s) | Geschwindigkeit (bit/s)
speed_mhz | Speed (MHz) | Takt (MHz)
start_mode | Startup type | Starttyp
state | State | Zustand
status | Status | Status
stepping | Stepping | Stepping
sub | Sub-state | Unterzustand
subject | Subject | Inhaber
swap_free_kb | Swap free (KiB) | Auslagerung frei (KiB)
swap_total_kb | Swap total (KiB) | Auslagerung gesamt (KiB)
sys_descr | System description | Systembeschreibung
sys_name | System name | Systemname
sys_vendor | Manufacturer | Hersteller
system_component | System component | Systemkomponente
system_drive | System drive | Systemlaufwerk
system_type | System type | Systemtyp
table | Table | Tabelle
tag | Tag | Kennung
tamper_protected | Tamper protection | Manipulationsschutz
target | Target | Ziel
text | Text | Text
thumbprint | Thumbprint (SHA-1) | Fingerabdruck (SHA-1)
time | Time | Zeitpunkt
timezone | Time zone | Zeitzone
total_kb | Total (KiB) | Gesamt (KiB)
triggers | Triggers | Trigger
trustee | Trustee | Berechtigter
trustee_sid | Trustee SID | SID des Berechtigten
type | Type | Typ
uid | User id | Benutzer-ID
uid_number | User id | Benutzer-ID
uninstall | Uninstall command | Deinstallationsbefehl
untagged_ifnames | Untagged interfaces | Ungetaggte Schnittstellen
untagged_ports | Untagged ports | Ungetaggte Ports
upn | User principal name | Benutzerprinzipalname
uptime | Uptime | Laufzeit
uptime_seconds | Uptime (seconds) | Laufzeit (Sekunden)
uptime_ticks | Uptime (ticks) | Laufzeit (Ticks)
used | Used | Belegt
used_by | Used by | Verwendet von
used_bytes | Used (bytes) | Belegt (Bytes)
user | User | Benutzer
uuid | UUID | UUID
valid_lifetime | Valid lifetime | Gültigkeitsdauer
value | Value | Wert
vendor | Vendor | Hersteller
vendor_type | Vendor type | Herstellertyp
version | Version | Version
via | Via | Über
vlan_id | VLAN id | VLAN-ID
volatile_lines | Volatile lines | Veränderliche Zeilen
warn_days | Warning days | Warnfrist (Tage)
what | What happened | Ereignis
windows_dir | Windows directory | Windows-Verzeichnis
wins | WINS server | WINS-Server
""")

# (table, column) | English | German: where a column name means something else in one table
COLUMN_OVERRIDES = {
    tuple(k.split(".")): v for k, v in _parse("""
filesystems.target | Mount point | Einhängepunkt
device_facts.last_change | Configuration changed | Konfiguration geändert
device_inventory.version | Hardware version | Hardware-Version
lldp_neighbors.via | Heard via | Erkannt über
filesystems.size | Size (bytes) | Größe (Bytes)
filesystems.used | Used (bytes) | Belegt (Bytes)
filesystems.avail | Available (bytes) | Verfügbar (Bytes)
files.size | Size (bytes) | Größe (Bytes)
files.type | File type | Dateityp
services.active | Active state | Aktivzustand
users.expire | Account expires (day) | Konto läuft ab (Tag)
win_adapters.index | Adapter index | Adapterindex
win_adapters.name | Adapter name | Adaptername
win_adapters.status | Connection status | Verbindungsstatus
win_addresses.index | Adapter index | Adapterindex
win_appx.location | Install location | Installationsort
win_appx.name | Package name | Paketname
win_autoruns.command | Command line | Befehlszeile
win_autoruns.location | Registry key or folder | Registrierungsschlüssel oder Ordner
win_computer.domain | Domain or workgroup | Domäne oder Arbeitsgruppe
win_computer.name | Computer name | Computername
win_cpu.name | Model name | Modellname
win_disks.index | Disk number | Datenträgernummer
win_disks.interface | Interface type | Schnittstellentyp
win_events.subject | Affected object | Betroffenes Objekt
win_firewall_profiles.enabled | Firewall enabled | Firewall aktiviert
win_firewall_rules.group | Rule group | Regelgruppe
win_firewall_rules.name | Rule id | Regel-ID
win_firewall_rules.source | Rule source | Herkunft der Regel
win_group_members.group | Local group | Lokale Gruppe
win_group_members.kind | Member kind | Art des Mitglieds
win_hotfixes.description | Update type | Art des Updates
win_os.serial | Product id | Produkt-ID
win_services.path | Executable path | Pfad zur EXE-Datei
win_services.type | Service type | Diensttyp
win_settings.name | Registry value | Registrierungswert
win_tasks.path | Task folder | Aufgabenordner
win_volumes.label | Volume label | Volumebezeichnung
win_volumes.serial | Volume serial number | Volumeseriennummer
""").items()}

# Words the views and the record use as values of a fixed vocabulary, by group.
TERMS: dict[str, dict[str, tuple[str, str]]] = {
    "severity": _parse("""
critical | critical | kritisch
high | high | hoch
medium | medium | mittel
low | low | niedrig
info | info | Hinweis
"""),
    "status": _parse("""
ok | ok | ok
partial | partial | unvollständig
unreachable | unreachable | nicht erreichbar
auth-failed | login failed | Anmeldung fehlgeschlagen
failed | failed | fehlgeschlagen
timeout | timed out | Zeitüberschreitung
refused | refused | verweigert
not-applicable | not applicable | nicht zutreffend
unsupported | not supported | nicht unterstützt
missing | missing | fehlt
skipped | skipped | ausgelassen
error | error | Fehler
"""),
    "edge": _parse("""
address | address | Adresse
exposes | offers | bietet an
connects | connects | verbindet
route | route | Route
neighbor | neighbour | Nachbar
lldp | LLDP neighbour | LLDP-Nachbar
firewall | firewall | Firewall
"""),
    "right": _parse("""
read | read | lesen
write | write | schreiben
execute | execute | ausführen
delete | delete | löschen
delete-child | delete contents | Inhalt löschen
delete-tree | delete subtree | Teilbaum löschen
full-control | full control | Vollzugriff
change-permissions | change permissions | Berechtigungen ändern
take-ownership | take ownership | Besitz übernehmen
read-control | read permissions | Berechtigungen lesen
write-dacl | change permissions | Berechtigungen ändern
write-owner | change owner | Besitzer ändern
create-child | create objects | Objekte erstellen
list-children | list contents | Inhalt auflisten
list-object | list object | Objekt auflisten
read-property | read properties | Eigenschaften lesen
write-property | write properties | Eigenschaften schreiben
self-write | validated write | geprüftes Schreiben
extended-right | extended right | erweitertes Recht
sudo | sudo | sudo
"""),
    # a condition of a grant that changed without the grant changing (views/access.py)
    "sudo-password": _parse("""
required | password required | Passwort erforderlich
not-required | no password | ohne Passwort
partly | no password for some commands | ohne Passwort für einige Befehle
"""),
    "role": _parse("""
before | before | vorher
after | after | nachher
control | control (start) | Kontrolle (Beginn)
control-after | control (end) | Kontrolle (Ende)
"""),
    "event": _parse("""
receive | handed over by | übergeben von
return | returned to | zurückgegeben an
lost | recorded lost | als verloren vermerkt
kept | recorded kept | als einbehalten vermerkt
"""),
    "target": _parse("""
local | local machine | lokaler Rechner
ssh | SSH | SSH
snmp | SNMP | SNMP
ldap | LDAP | LDAP
smb | SMB | SMB
winrm | WinRM | WinRM
netdev | network device | Netzwerkgerät
replay | replay | Wiedergabe
synthetic | synthetic | synthetisch
"""),
    # how a files table got its SHA-256 column (model/hashmode.py fills in the {fields})
    "hashes": _parse("""
full | every regular file was read and hashed (full hash): a content change is seen even when the file's size and times were reset | jede reguläre Datei wurde gelesen und gehasht (voller Hash): eine Inhaltsänderung wird auch erkannt, wenn Größe und Zeitstempel der Datei zurückgesetzt wurden
full-after-trust | --trust-metadata was asked, but no earlier snapshot of this target holds file identities, so every regular file was read and hashed | --trust-metadata war verlangt, aber kein früherer Snapshot dieses Ziels enthält Datei-Identitäten; daher wurde jede reguläre Datei gelesen und gehasht
trust-metadata | hashes reused from snapshot {snapshot} for {reused} files whose identity (device, inode, size, mtime, ctime) was unchanged; {read} new or changed files were read (--trust-metadata) | Hashes aus Snapshot {snapshot} übernommen für {reused} Dateien mit unveränderter Identität (Gerät, Inode, Größe, mtime, ctime); {read} neue oder geänderte Dateien wurden gelesen (--trust-metadata)
blind-spot | In this mode a content change that keeps a file's identity (device, inode, size, mtime and ctime unchanged, e.g. written while the clock was set back or through the raw block device) is not seen; a full hash (the default) sees it. Resetting only the mtime (touch -d) is seen: the ctime moves. | In diesem Modus wird eine Inhaltsänderung, die die Identität der Datei erhält (Gerät, Inode, Größe, mtime und ctime unverändert, z. B. bei zurückgestellter Uhr oder über das rohe Blockgerät geschrieben), nicht erkannt; ein voller Hash (Standard) erkennt sie. Nur die mtime zurückzusetzen (touch -d) wird erkannt: die ctime ändert sich.
unrecorded | not recorded (snapshot from before the hash mode was recorded: every file was read) | nicht vermerkt (Snapshot von vor der Erfassung des Hash-Modus: jede Datei wurde gelesen)
"""),
}

# phrases the access view writes into a chain of rights (views/access.py)
PHRASES = _parse("""
owner mode bits | owner mode bits | Modusbits des Eigentümers
group mode bits | group mode bits | Modusbits der Gruppe
other mode bits | other mode bits | Modusbits für alle anderen
share ACL not read: NTFS rights only | share ACL not read: NTFS rights only | Freigabe-ACL nicht gelesen: nur NTFS-Rechte
share ACE | share ACE | Freigabe-ACE
""")


def phrases(text: str, lang: str = "en") -> str:
    """A generated text with the view's fixed phrases in the language."""
    if lang not in LANGS or lang == "en":
        return text
    for en, de in PHRASES.values():
        text = text.replace(en, de)
    return text


# rule id | German title | German remedy (the English ones are the rules' own)
FINDINGS_DE: dict[str, tuple[str, str]] = {
    rule: (title, remedy) for rule, (title, remedy) in _parse("""
fs-space | Dateisystem zu über 90 % belegt | Vor den Arbeiten Platz schaffen oder das Dateisystem vergrößern; eine volle Platte hält Dienste an.
fs-inodes | Dateisystem nutzt über 90 % seiner Inodes | Viele kleine Dateien entfernen (Sitzungen, Caches, Mail-Warteschlangen) oder mit mehr Inodes neu anlegen.
cert-expired | Zertifikat abgelaufen | Zertifikat erneuern und die Dienste neu laden, die es verwenden; ungenutzt entfernen.
cert-expiring | Zertifikat läuft binnen 30 Tagen ab | Zertifikat vor Ablauf erneuern.
service-failed | Dienst fehlgeschlagen | Sein Protokoll lesen (journalctl -u NAME), die Ursache beheben, den Dienst neu starten oder abschalten.
reboot-pending | Neuerer Kernel installiert als laufend (Neustart ausstehend) | Einen Neustart einplanen, damit der installierte Kernel (mit seinen Sicherheitskorrekturen) läuft.
ssh-password-auth | SSH erlaubt Anmeldung mit Passwort | PasswordAuthentication no setzen, sobald Schlüssel eingerichtet sind.
ssh-root-login | SSH erlaubt root-Anmeldung mit Passwort | PermitRootLogin no (oder prohibit-password) setzen und persönliche Konten mit sudo nutzen.
ssh-empty-passwords | SSH erlaubt leere Passwörter | PermitEmptyPasswords no setzen.
etc-world-writable | Für alle beschreibbare Datei oder Verzeichnis in /etc | Mit chmod o-w schützen und klären, wer den Schreibzugriff brauchte.
secret-file-readable | Passwort- oder Schlüsseldatei für alle lesbar | Mit chmod o-r schützen (shadow 0640 root:shadow, private Schlüssel 0600).
sudo-nopasswd-all | sudo-Regel erlaubt ALLE Befehle ohne Passwort | Das Passwort verlangen oder die Regel auf die nötigen Befehle beschränken.
sudo-authenticate-off | sudo fragt nach keinem Passwort (Defaults !authenticate) | !authenticate entfernen; NOPASSWD nur für die Befehle vergeben, die es brauchen.
user-empty-password | Konto mit leerem Passwort | Das Konto sperren (passwd -l) oder ein Passwort setzen.
user-uid0 | Konto mit UID 0 neben root | Das Konto entfernen oder ihm eine eigene UID geben; zur Verwaltung sudo nutzen.
user-duplicate-uid | Mehrere Konten teilen eine UID | Jedem Konto eine eigene UID geben; geteilte UIDs verwischen, wer was getan hat.
time-not-synced | Uhrzeit nicht synchronisiert (keine NTP-Quelle und kein Zeitdienst) | chrony oder systemd-timesyncd einrichten; Protokolle und Zertifikate hängen an der Uhr.
listen-all-addresses | Dienst lauscht auf allen Adressen | Den Dienst an die Adressen binden, die ihn brauchen (oft 127.0.0.1).
listen-blocked | Lauschender Dienst von der Host-Firewall nicht zugelassen | Entweder wird der Dienst im Netz nicht gebraucht (an localhost binden oder beenden) oder der Firewall fehlt eine Regel: klären, welches zutrifft, bevor jemand es „repariert“.
no-host-firewall | Dienste erreichbar und keine Host-Firewall | Einen Eingangsfilter (nftables) einrichten, der nur die nötigen Dienste zulässt.
package-broken | Paket halb installiert oder halb eingerichtet | Die Installation abschließen oder reparieren (dpkg --configure -a, apt-get -f install).
snmp-community-public | SNMP-Community „public“ oder „private“ eingerichtet | SNMPv3 mit Authentifizierung nutzen oder zumindest eine zufällige Community, beschränkt auf das Verwaltungsnetz.
snmp-interface-errors | Schnittstelle mit Fehlern | Verkabelung, Optik und Duplex des Ports prüfen; die Fehler bestanden schon vor den Arbeiten.
snmp-storage-full | Gerätespeicher zu über 90 % belegt | Auf dem Gerät Platz schaffen (alte Images, Protokolle).
firmware-drift | Firmware weicht von Geräten desselben Modells ab | Geräte eines Modells auf eine geprüfte Firmware-Version bringen.
ad-weak-password-policy | Schwache Passwort- oder Sperrrichtlinie der Domäne | Mindestens 8 Zeichen und Komplexität verlangen, eine Sperrschwelle setzen, Passwörter nie umkehrbar speichern (Default Domain Policy oder eine differenzierte Richtlinie).
ad-password-never-expires | Aktives Konto, dessen Passwort nie abläuft | „Kennwort läuft nie ab“ entfernen oder ein verwaltetes Dienstkonto verwenden.
ad-password-not-required | Aktives Konto, das ohne Passwort sein darf | PASSWD_NOTREQD (userAccountControl) entfernen und ein Passwort setzen.
ad-disabled-privileged | Deaktiviertes Konto noch in einer privilegierten Gruppe | Deaktivierte Konten aus privilegierten Gruppen entfernen (eine Reaktivierung stellt die Rechte wieder her).
win-firewall-off | Windows-Firewall-Profil ausgeschaltet | Das Profil einschalten (lokale Einstellung oder Gruppenrichtlinie) und das Nötige über Regeln zulassen.
win-smb1 | SMBv1-Server aktiviert | SMBv1 abschalten (Set-SmbServerConfiguration -EnableSMB1Protocol $false), nachdem geprüft ist, dass kein alter Client es braucht.
win-rdp-no-nla | Remotedesktop ohne Authentifizierung auf Netzwerkebene (NLA) | NLA verlangen (UserAuthentication = 1 an RDP-Tcp oder per Gruppenrichtlinie).
win-autologon-password | Passwort für die automatische Anmeldung in der Registrierung gespeichert | Winlogon\\DefaultPassword entfernen (Sysinternals Autologon verwenden, das es als LSA-Geheimnis ablegt, oder auf die automatische Anmeldung verzichten).
win-winrm-weak | WinRM erlaubt Basic-Authentifizierung oder unverschlüsselten Verkehr | AllowBasic und AllowUnencrypted auf false setzen (winrm set winrm/config/service).
win-unexpected-admin | Unerwartetes Mitglied der lokalen Gruppe Administratoren | Mitglieder entfernen, die keine Administratorrechte brauchen; Rechte über Gruppen vergeben.
win-guest-enabled | Gastkonto aktiviert | Das integrierte Gastkonto deaktivieren.
win-defender | Defender-Echtzeitschutz aus oder Signaturen veraltet | Den Echtzeitschutz einschalten; die Signaturen sollten jünger als 7 Tage sein.
win-hotfix-old | Seit über 60 Tagen kein Windows-Update installiert | Das aktuelle kumulative Update installieren.
win-bitlocker-off | BitLocker auf dem Systemlaufwerk aus | Das Systemlaufwerk verschlüsseln (BitLocker mit TPM) und den Wiederherstellungsschlüssel sicher verwahren.
win-service-account-never-expires | Dienst meldet sich mit einem Domänenkonto an, dessen Passwort nie abläuft | Ein gruppenverwaltetes Dienstkonto (gMSA) verwenden oder das Passwort planmäßig wechseln.
netdev-telnet | Telnet-Verwaltungszugang aktiviert | Auf den VTY-Lines und Verwaltungsschnittstellen nur SSH zulassen (transport input ssh).
netdev-http-mgmt | Unverschlüsselte HTTP-Verwaltung aktiviert | Den unverschlüsselten HTTP-Server abschalten; zur Verwaltung HTTPS (oder SSH) verwenden.
netdev-ssh-v1 | SSH-Protokollversion 1 erlaubt | Nur SSH-Version 2 zulassen (ip ssh version 2).
netdev-snmp-default-community | SNMP-Community „public“ oder „private“ | SNMPv3 verwenden oder zumindest eine lange, zufällige Community mit ACL.
netdev-snmp-write | SNMP-v1/v2c-Schreibzugriff | Schreibende Communities (RW) entfernen; wo Schreibzugriff nötig ist, SNMPv3 mit authPriv verwenden.
netdev-weak-password-type | Passwort als Typ 0 (Klartext) oder 7 (umkehrbar) gespeichert | Passwörter als Secret vom Typ 8/9 speichern (username X secret ..., enable secret).
netdev-no-aaa | Kein AAA (nur lokale Benutzer) | Administratoren über TACACS+/RADIUS authentifizieren, mit lokalen Konten als Rückfallebene.
netdev-no-ntp | Kein NTP-Server | NTP-Server einrichten, damit Protokolle und Zertifikate die richtige Zeit haben.
netdev-no-remote-logging | Keine Protokollierung auf einen zentralen Server | Protokolle an einen zentralen Syslog-Server senden, damit sie den Ausfall des Geräts überdauern.
netdev-default-account | Standard-Kontoname in Verwendung | Persönliche Konten verwenden; Standardkonten (admin, cisco, root, manager) entfernen oder umbenennen.
netdev-firmware-drift | Firmware weicht zwischen Geräten desselben Modells ab | Geräte eines Modells auf eine geprüfte Firmware-Version bringen.
drift-outside-engagement | Geändert außerhalb jedes Auftrags | Klären, wer diese Systeme warum geändert hat: kein erfasster Auftrag dieses Kunden deckt die Zeit zwischen den beiden Snapshots ab.
""").items()}


def table_label(table: str, lang: str = "en") -> str:
    """A table's label in the language; its name when the catalogue lacks it."""
    got = TABLES.get(table)
    return got[LANGS.index(lang)] if got and lang in LANGS else table


def column_label(table: str, column: str, lang: str = "en") -> str:
    got = COLUMN_OVERRIDES.get((table, column)) or COLUMNS.get(column)
    return got[LANGS.index(lang)] if got and lang in LANGS else column


def term(group: str, word: str | None, lang: str = "en") -> str:
    """A vocabulary word (severity, status, edge, role, event, target) in the language; the word
    itself when it is not in the group (a value the catalogue does not know is shown as is)."""
    if word is None:
        return ""
    got = TERMS.get(group, {}).get(word)
    return got[LANGS.index(lang)] if got and lang in LANGS else word


def finding_text(rule: str, title: str, remedy: str, lang: str = "en") -> tuple[str, str]:
    """A finding's title and remedy in the language (German from FINDINGS_DE)."""
    if lang == "de" and rule in FINDINGS_DE:
        return FINDINGS_DE[rule]
    return title, remedy
