"""Table declarations of the LDAP collector (Active Directory and plain LDAP), as data.

Times are ISO 8601 UTC text (None when never set). Last-logon times are volatile: a logon is
not a change made by the work. Principals are named DOMAIN\\sAMAccountName where the SID is
known; a SID nobody in the directory or the well-known list owns stays its S-1-... string.
"""

from __future__ import annotations

from proofshot.model.table import Table, col, table

C = "ldap"
P = ("ldap",)

AD_USERS = table("ad_users", "Active Directory user accounts.", ["sam"], [
    col("sam", doc="sAMAccountName."),
    col("upn", doc="userPrincipalName."),
    col("dn", doc="Distinguished name."),
    col("sid", doc="objectSid as S-1-5-21-..."),
    col("enabled", "bool", "Not disabled (userAccountControl ACCOUNTDISABLE clear)."),
    col("locked", "bool", "lockoutTime set (locked out until it expires or is cleared)."),
    col("password_last_set", doc="pwdLastSet (UTC); None: must change at next logon."),
    col("password_never_expires", "bool", "userAccountControl DONT_EXPIRE_PASSWORD."),
    col("password_not_required", "bool", "userAccountControl PASSWD_NOTREQD."),
    col("account_expires", doc="accountExpires (UTC); None: never."),
    col("primary_group", doc="Primary group (from primaryGroupID)."),
    col("admin_count", "bool", "adminCount=1: protected by AdminSDHolder (was privileged)."),
    col("description", doc="description."),
    col("last_logon", doc="lastLogonTimestamp (UTC, replicated, ~14 days precision).",
        volatile=True),
], platforms=P, collector=C)

AD_GROUPS = table("ad_groups", "Active Directory groups.", ["sam"], [
    col("sam", doc="sAMAccountName."),
    col("dn", doc="Distinguished name."),
    col("sid", doc="objectSid."),
    col("scope", doc="global, domain-local, universal or builtin-local (groupType)."),
    col("type", doc="security or distribution (groupType)."),
    col("members", "int", "Number of direct members (member attribute)."),
    col("admin_count", "bool", "adminCount=1."),
    col("description", doc="description."),
], platforms=P, collector=C)

AD_MEMBERSHIPS = table("ad_memberships", "Who is in which group: direct (member attribute or "
                       "primary group) and nested, resolved transitively.", ["group", "member"], [
    col("group", doc="Group sAMAccountName."),
    col("member", doc="Member sAMAccountName (or DN / SID when not in the domain)."),
    col("member_kind", doc="user, group, computer or foreign."),
    col("how", doc="direct, primary (primaryGroupID) or nested."),
    col("path", "list", "Shortest chain member -> ... -> group (group names in between)."),
], platforms=P, collector=C)

AD_COMPUTERS = table("ad_computers", "Active Directory computer accounts.", ["sam"], [
    col("sam", doc="sAMAccountName (NAME$)."),
    col("dns_name", doc="dNSHostName."),
    col("dn", doc="Distinguished name."),
    col("sid", doc="objectSid."),
    col("os", doc="operatingSystem."),
    col("os_version", doc="operatingSystemVersion."),
    col("enabled", "bool", "Not disabled."),
    col("description", doc="description."),
    col("last_logon", doc="lastLogonTimestamp (UTC).", volatile=True),
], platforms=P, collector=C)

AD_OUS = table("ad_ous", "Organizational units.", ["dn"], [
    col("dn", doc="Distinguished name."),
    col("name", doc="ou."),
    col("description", doc="description."),
    col("block_inheritance", "bool", "gPOptions=1: GPO inheritance blocked."),
], platforms=P, collector=C)

AD_GPO_LINKS = table("ad_gpo_links", "Group Policy links (gPLink of the domain head and OUs).",
                     ["container", "gpo"], [
    col("container", doc="DN of the domain head or OU the GPO is linked to."),
    col("gpo", doc="GPO GUID ({...})."),
    col("gpo_name", doc="displayName of the GPO, when found."),
    col("order", "int", "Link order (1 = highest precedence)."),
    col("enforced", "bool", "Link enforced (no override)."),
    col("disabled", "bool", "Link disabled."),
], platforms=P, collector=C)

AD_DOMAIN_POLICY = table("ad_domain_policy", "The domain's password and lockout policy "
                         "(attributes of the domain head, one row).", ["id"], [
    col("id", doc="Always 'domain'."),
    col("domain", doc="DNS name of the domain."),
    col("netbios", doc="NetBIOS name of the domain (principals are named NETBIOS\\name)."),
    col("sid", doc="Domain SID."),
    col("min_password_length", "int", "minPwdLength."),
    col("password_history", "int", "pwdHistoryLength."),
    col("max_password_age_days", "real", "maxPwdAge in days; None: never expires."),
    col("min_password_age_days", "real", "minPwdAge in days."),
    col("complexity", "bool", "pwdProperties DOMAIN_PASSWORD_COMPLEX."),
    col("reversible_encryption", "bool", "pwdProperties DOMAIN_PASSWORD_STORE_CLEARTEXT."),
    col("lockout_threshold", "int", "lockoutThreshold (0: never lock)."),
    col("lockout_duration_minutes", "real", "lockoutDuration; None: until an admin unlocks."),
    col("lockout_window_minutes", "real", "lockOutObservationWindow."),
    col("machine_account_quota", "int", "ms-DS-MachineAccountQuota."),
    col("functional_level", "int", "domainFunctionality of the rootDSE."),
], platforms=P, collector=C)

AD_PRIVILEGED = table("ad_privileged", "Members (nested resolved) of privileged groups "
                      "(Domain/Enterprise/Schema Admins, Administrators, operators, ...).",
                      ["group", "member"], [
    col("group", doc="Privileged group sAMAccountName."),
    col("group_sid", doc="Its SID."),
    col("member", doc="Member sAMAccountName."),
    col("member_kind", doc="user, group, computer or foreign."),
    col("path", "list", "Chain member -> ... -> group."),
    col("enabled", "bool", "For accounts: not disabled; None for groups."),
], platforms=P, collector=C)

AD_ACL = table("ad_acl", "Owner and DACL entries (nTSecurityDescriptor) of the domain head, OUs, "
               "AdminSDHolder and privileged groups.", ["object", "ace"], [
    col("object", doc="DN of the object."),
    col("ace", doc="The entry in one line: type;flags;mask;SID;object type;inherited object "
        "type (owner rows: owner;;;SID;;)."),
    col("object_kind", doc="domain, ou, group, container."),
    col("type", doc="owner, allow, deny, allow-object, deny-object, ..."),
    col("trustee", doc="DOMAIN\\name or well-known name of the SID; the SID when unknown."),
    col("trustee_sid", doc="SID."),
    col("rights", "list", "Readable rights (full-control, write-property, extended-right, ...)."),
    col("object_type", doc="Attribute, class or extended right the entry is limited to."),
    col("inherited_object_type", doc="Object class that inherits the entry."),
    col("flags", doc="ACE flags (CI container inherit, OI, IO inherit only, ID inherited, NP)."),
    col("inherited", "bool", "Inherited from a parent (ID)."),
    col("protected", "bool", "The DACL is protected from inheritance."),
    col("position", "int", "Place of the entry in the DACL (0 = first; None for owner rows). "
        "Volatile: one entry inserted shifts every later one; the access view evaluates the "
        "DACL in this order.", volatile=True),
], platforms=P, collector=C)

LDAP_USERS = table("ldap_users", "posixAccount entries of a plain LDAP directory.", ["dn"], [
    col("dn", doc="Distinguished name."),
    col("uid", doc="uid (login name)."),
    col("uid_number", "int", "uidNumber."),
    col("gid_number", "int", "gidNumber (primary group)."),
    col("cn", doc="cn."),
    col("home", doc="homeDirectory."),
    col("shell", doc="loginShell."),
], platforms=P, collector=C)

LDAP_GROUPS = table("ldap_groups", "posixGroup, groupOfNames and groupOfUniqueNames entries.",
                    ["dn"], [
    col("dn", doc="Distinguished name."),
    col("cn", doc="cn."),
    col("kind", doc="posixGroup, groupOfNames or groupOfUniqueNames (first that applies)."),
    col("gid_number", "int", "gidNumber (posixGroup)."),
    col("members", "list", "memberUid values, or member / uniqueMember DNs, sorted."),
], platforms=P, collector=C)

TABLES: tuple[Table, ...] = (AD_USERS, AD_GROUPS, AD_MEMBERSHIPS, AD_COMPUTERS, AD_OUS,
                             AD_GPO_LINKS, AD_DOMAIN_POLICY, AD_PRIVILEGED, AD_ACL, LDAP_USERS,
                             LDAP_GROUPS)
