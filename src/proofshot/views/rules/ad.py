"""Rules over Active Directory (ldap targets): the password and lockout policy and accounts
whose settings weaken it. Only small tables (users, policy, privileged members): the file
servers' ACL tables are not read for findings, so a diff need not load them."""

from __future__ import annotations

from collections.abc import Iterator

from proofshot.views.rules.base import Context, Hit, Rule, hit

MIN_LENGTH = 8  # below this a password policy is weak (BSI, CIS: 8 at the very least)


def _weak_policy(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("ad_domain_policy"):
        for r in t.rows("ad_domain_policy"):
            length, lockout = r.get("min_password_length"), r.get("lockout_threshold")
            if isinstance(length, int) and length < MIN_LENGTH:
                yield hit(t, "minimum password length", "ad_domain_policy", [r],
                          f"{length} characters")
            if r.get("complexity") is False:
                yield hit(t, "password complexity off", "ad_domain_policy", [r])
            if r.get("reversible_encryption") is True:
                yield hit(t, "passwords stored with reversible encryption",
                          "ad_domain_policy", [r])
            if lockout == 0:
                yield hit(t, "no account lockout", "ad_domain_policy", [r])


def _never_expires(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("ad_users"):
        for r in t.rows("ad_users"):
            if r.get("enabled") and r.get("password_never_expires"):
                yield hit(t, str(r["sam"]), "ad_users", [r])


def _not_required(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("ad_users"):
        for r in t.rows("ad_users"):
            if r.get("enabled") and r.get("password_not_required"):
                yield hit(t, str(r["sam"]), "ad_users", [r])


def _disabled_privileged(ctx: Context) -> Iterator[Hit]:
    for t in ctx.targets("ad_privileged"):
        for r in t.rows("ad_privileged"):
            if r.get("member_kind") == "user" and r.get("enabled") is False:
                yield hit(t, f"{r['group']}: {r['member']}", "ad_privileged", [r])


RULES: tuple[Rule, ...] = (
    Rule("ad-weak-password-policy", "high", "Weak domain password or lockout policy",
         f"Require at least {MIN_LENGTH} characters and complexity, set a lockout threshold, "
         "never store passwords reversibly (Default Domain Policy or a fine-grained policy).",
         ("ad_domain_policy",), _weak_policy),
    Rule("ad-password-never-expires", "medium", "Enabled account whose password never expires",
         "Clear 'password never expires' or use a managed service account.", ("ad_users",),
         _never_expires),
    Rule("ad-password-not-required", "high", "Enabled account that may have no password",
         "Clear PASSWD_NOTREQD (userAccountControl) and set a password.", ("ad_users",),
         _not_required),
    Rule("ad-disabled-privileged", "medium", "Disabled account still in a privileged group",
         "Remove disabled accounts from privileged groups (re-enabling restores the rights).",
         ("ad_privileged",), _disabled_privileged),
)
