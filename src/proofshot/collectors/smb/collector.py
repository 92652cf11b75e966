"""SMBCollector: shares and the NTFS ACL of every directory to a declared depth.

Queries per declared share: ("smb-share", SHARE) and ("smb-walk", SHARE, DEPTH) (see
transports/smb.py). Without declared shares the plan asks ("smb-shares",), which this version
answers with a clear failure (share enumeration over srvsvc is not implemented yet), so the
tables are unverifiable rather than silently empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    version = "1"

    def tables(self) -> Sequence[Table]:
        return T.TABLES

    def plan(self, options: Mapping[str, Any]) -> Plan:
        shares = [str(s) for s in (options.get("shares") or [])]
        depth = int(options.get("depth", 3) if options.get("depth") is not None else 3)
        if not shares:
            q = Query("shares", ("smb-shares",), doc="share enumeration (srvsvc)")
            spec = [TableSpec(t, ("shares",), lambda a: []) for t in T.TABLES]
            return Plan(steps=[Step(q)], specs=spec)
        steps: list[Step] = []
        for s in shares:
            steps.append(Step(Query(_qid("share", s), ("smb-share", s), doc=f"share {s}")))
            steps.append(Step(Query(_qid("walk", s), ("smb-walk", s, str(depth)),
                                    doc=f"security descriptors of {s} to depth {depth}")))
        share_q = tuple(_qid("share", s) for s in shares)
        walk_q = tuple(_qid("walk", s) for s in shares)

        def build_shares(answers: Answers) -> list[Row]:
            return [P.share_row(answers[_qid("share", s)].text) for s in shares]

        def per_walk(fn: Any) -> Any:
            def build(answers: Answers) -> list[Row]:
                rows: list[Row] = []
                for s in shares:
                    ans = answers[_qid("walk", s)]
                    if ans.status() != "ok":
                        raise NotCollected(f"walk of {s}: {ans.reason()}", ans.status())
                    rows.extend(fn(s, ans.text))
                return rows
            return build

        specs = [
            TableSpec(T.SMB_SHARES, share_q, build_shares),
            TableSpec(T.SMB_DIRS, walk_q, per_walk(P.dirs)),
            TableSpec(T.SMB_ACL, walk_q, per_walk(P.acl)),
        ]
        return Plan(steps=steps, specs=specs)


COLLECTOR = SMBCollector()
