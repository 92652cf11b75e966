"""LDAP / Active Directory collector (ldap3 through transports/ldap.py)."""
