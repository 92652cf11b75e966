"""SMB file-share collector: shares and NTFS ACLs (smbprotocol through transports/smb.py)."""
