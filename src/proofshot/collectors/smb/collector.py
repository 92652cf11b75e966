"""SMBCollector: shares and the NTFS ACL of every directory to a declared depth.

The walks are streamed (Query.stream): their answers go to disk as they arrive and the
directory and ACL tables are built line by line and sorted on disk, so a scan's memory does
not grow with the number of directories.

Queries (see transports/smb.py): always ("smb-shares",), the srvsvc share enumeration and each
share's level 502 info (share-level ACL); per declared share ("smb-share", SHARE) and
("smb-walk", SHARE, DEPTH). Without declared shares, ("smb-walk-all", DEPTH) walks every plain
disk share (not special, no trailing $). With declared shares the srvsvc query is optional: a
server that refuses it leaves share_acl None and smb_share_acl unverifiable, nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from proofshot.collectors.base import Answers, NotCollected, Plan, Step, TableSpec
from proofshot.collectors.smb import parsers as P
from proofshot.collectors.smb import tables as T
from proofshot.model.table import Row, Table
from proofshot.model.transcript import Query


def _qid(kind: str, share: str) -> str:
    return f"{kind}:{share}"


class SMBCollector:
    """Windows and Samba file servers over SMB2/3 (smbprotocol)."""

    name = "smb"
    version = "2"  # 2: ACE positions

    def tables(self) -> Sequence[Table]:
        return T.TABLES

    def plan(self, options: Mapping[str, Any]) -> Plan:
        shares = [str(s) for s in (options.get("shares") or [])]
        depth = int(options.get("depth", 3) if options.get("depth") is not None else 3)
        srv = Step(Query("shares", ("smb-shares",),
                         doc="share enumeration and share-level ACLs (srvsvc)"))

        def acl_rows(only: list[str] | None) -> Any:
            return lambda a: list(P.share_acl(P.srvsvc(a["shares"].text), only))

        if not shares:
            walk = Step(Query("walk", ("smb-walk-all", str(depth)), stream=True,
                              doc=f"security descriptors of every disk share to depth {depth}"))
            return Plan(steps=[srv, walk], specs=[
                TableSpec(T.SMB_SHARES, ("shares", "walk"), lambda a: list(
                    P.walk_all_shares(P.srvsvc(a["shares"].text), a["walk"].lines()))),
                TableSpec(T.SMB_SHARE_ACL, ("shares",), acl_rows(None)),
                TableSpec(T.SMB_DIRS, ("walk",), lambda a: P.per_share(P.dir_row, a["walk"].lines()),
                          large=True),
                TableSpec(T.SMB_ACL, ("walk",), lambda a: P.per_share(P.acl_rows, a["walk"].lines()),
                          large=True),
            ])
        steps: list[Step] = [srv]
        for s in shares:
            steps.append(Step(Query(_qid("share", s), ("smb-share", s), doc=f"share {s}")))
            steps.append(Step(Query(_qid("walk", s), ("smb-walk", s, str(depth)), stream=True,
                                    doc=f"security descriptors of {s} to depth {depth}")))
        share_q = tuple(_qid("share", s) for s in shares)
        walk_q = tuple(_qid("walk", s) for s in shares)

        def build_shares(answers: Answers) -> list[Row]:
            sv = answers.get("shares")
            decoded = P.srvsvc(sv.text) if sv is not None and sv.status() == "ok" else None
            return [P.share_row(answers[_qid("share", s)].text, decoded) for s in shares]

        def per_walk(fn: Any) -> Any:
            def build(answers: Answers) -> Iterator[Row]:
                for s in shares:
                    ans = answers[_qid("walk", s)]
                    if ans.status() != "ok":
                        raise NotCollected(f"walk of {s}: {ans.reason()}", ans.status())
                    yield from fn(s, ans.lines())
            return build

        specs = [
            TableSpec(T.SMB_SHARES, (*share_q, "shares"), build_shares, optional=("shares",)),
            TableSpec(T.SMB_SHARE_ACL, ("shares",), acl_rows(shares)),
            TableSpec(T.SMB_DIRS, walk_q, per_walk(P.dirs), large=True),
            TableSpec(T.SMB_ACL, walk_q, per_walk(P.acl), large=True),
        ]
        return Plan(steps=steps, specs=specs)


COLLECTOR = SMBCollector()
