"""Table declarations of the SMB collector, as data.

Paths are relative to the share, with '/' separators ('/' is the share root). Trustees are
well-known names where the SID is well known, Samba's 'Unix User\\N' / 'Unix Group\\N' for
S-1-22-*, else the SID itself: a domain SID is named by the access view, which joins the
directory's tables of the same snapshot.
"""

from __future__ import annotations

from proofshot.model.table import Table, col, table

C = "smb"
P = ("smb",)

# columns several tables share, declared once
SHARE = col("share", doc="Share name.")
TRUSTEE = col("trustee", doc="Well-known or Samba name of the SID; the SID when unknown here.")
TRUSTEE_SID = col("trustee_sid", doc="SID.")
MASK = col("mask", doc="Access mask in hex.")
POSITION = col("position", "int", "Place of the entry in the DACL (0 = first; None for owner "
               "rows). Volatile: one entry inserted shifts every later one, so a shift alone is "
               "no change; the access view evaluates the DACL in this order, so an order that "
               "changes effective rights shows there.", volatile=True)

SMB_SHARES = table("smb_shares", "Shares read (tree connect) and their properties.", ["share"], [
    SHARE,
    col("dfs", "bool", "DFS share."),
    col("encrypted", "bool", "The server requires encryption on this share."),
    col("continuous_availability", "bool", "Continuously available (cluster) share."),
    col("type", doc="disk, printer, device or ipc (srvsvc); None when srvsvc was not read."),
    col("special", "bool", "Special/administrative share (IPC$, ADMIN$, C$ ...)."),
    col("remark", doc="Share comment."),
    col("share_acl", doc="'read' when the share-level ACL was read (entries in "
        "smb_share_acl), else why not (e.g. WERR_ACCESS_DENIED, 'no descriptor')."),
], platforms=P, collector=C)

SMB_SHARE_ACL = table("smb_share_acl", "Share-level ACL entries (srvsvc NetrShareGetInfo level "
                      "502), one row per ACE.", ["share", "ace"], [
    SHARE,
    col("ace", doc="The entry in one line: type;flags;mask;SID."),
    col("type", doc="allow, deny, ..."),
    TRUSTEE,
    TRUSTEE_SID,
    col("rights", "list", "Readable rights: full-control, change (write), read, ..."),
    MASK,
    POSITION,
], platforms=P, collector=C)

SMB_DIRS = table("smb_dirs", "Directories walked, to the scope's depth, with owner and whether "
                 "their ACL could be read.", ["share", "path"], [
    SHARE,
    col("path", doc="Path in the share ('/' = root)."),
    col("depth", "int", "Depth below the share root."),
    col("owner", doc="Owner (name or SID)."),
    col("group", doc="Primary group (name or SID)."),
    col("protected", "bool", "DACL protected from inheritance."),
    col("aces", "int", "Number of DACL entries; None when there is no DACL (everyone: all)."),
    col("error", doc="NT status when the descriptor could not be read (e.g. "
        "STATUS_ACCESS_DENIED); None when read."),
], platforms=P, collector=C)

SMB_ACL = table("smb_acl", "NTFS ACL entries of every directory walked (owner rows too).",
                ["share", "path", "ace"], [
    SHARE,
    col("path", doc="Path in the share."),
    col("ace", doc="The entry in one line: type;flags;mask;SID (owner rows: owner;;;SID)."),
    col("type", doc="owner, allow, deny, ..."),
    TRUSTEE,
    TRUSTEE_SID,
    col("rights", "list", "Readable rights: full-control, write, read, execute, delete, ..."),
    MASK,
    col("flags", doc="OI object inherit, CI container inherit, IO inherit only, NP, ID "
        "inherited."),
    col("inherited", "bool", "Inherited from the parent directory (ID)."),
    POSITION,
], platforms=P, collector=C)

TABLES: tuple[Table, ...] = (SMB_SHARES, SMB_SHARE_ACL, SMB_DIRS, SMB_ACL)
