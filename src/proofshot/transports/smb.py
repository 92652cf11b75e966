"""SMB2/3 file shares through smbprotocol: declared reads of shares and security descriptors.

Queries (argv as data, never a shell):

    ("smb-share", SHARE)           tree connect; one JSON line: share type, flags, capabilities
                                   and the maximal access the server grants the audit account
    ("smb-walk", SHARE, DEPTH)     every directory of SHARE down to DEPTH (0 = the share root
                                   only): one JSON line per directory,
                                   {"p":"/finance","d":1,"sd":"AQAEhBQ..."} (self-relative
                                   SECURITY_DESCRIPTOR with owner, group and DACL, base64
                                   without padding) or {"p":...,"d":...,"err":"STATUS_..."}
    ("smb-shares",)                share enumeration and share-level ACLs over DCE/RPC on the
                                   `srvsvc` pipe of IPC$: one JSON line per raw response PDU,
                                   {"op":"bind","rsp":B64}, {"op":"enum","rsp":B64} (NetrShareEnum
                                   level 1), then {"op":"info","share":S,"rsp":B64}
                                   (NetrShareGetInfo level 502) for every share enumerated; the
                                   framing is transports/dcerpc.py, the level 502 decoder
                                   collectors/smb/srvsvc.py
    ("smb-walk-all", DEPTH)        enumerate the shares (as above), then for every disk share that
                                   is not special/hidden (no trailing $): {"s":S,"tree":{...}} (as
                                   smb-share) or {"s":S,"err":...}, then its walk lines with "s":S

Every file open asks for READ_CONTROL | FILE_LIST_DIRECTORY only; nothing is ever written to a
share (the only writes are RPC requests into the srvsvc pipe). The walk
runs `workers` directory reads in flight on one session (smbprotocol matches responses to
requests by message id) and streams lines as they come: memory holds the stack of directories
still to visit (depth first: the siblings along one path) plus the answer text (or nothing of
it with `run_stream`), never a tree.
Lines come in completion order; rows are keyed by path, so the order does not matter.

Text lines have no whitespace (JSON with spaces written \\u0020), so the store's masking of
`key value` pairs never cuts a path such as "/Key Files" apart. The password lives only in
memory.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import queue
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from proofshot.model.errors import AuthFailed, TransportError, Unreachable
from proofshot.model.transcript import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, Answer, Query
from proofshot.transports import dcerpc
from proofshot.transports.jsonlines import b64, dump_line, one_line

READ_CONTROL = 0x00020000
FILE_LIST_DIRECTORY = 0x00000001
SYNCHRONIZE = 0x00100000
SECURITY_INFO = 0x1 | 0x2 | 0x4  # owner, group, DACL (the SACL needs SeSecurityPrivilege)
DEFAULT_WORKERS = 16

Sink = Callable[[bytes], None]


def _status(exc: Exception) -> str:
    name = type(exc).__name__
    status = getattr(exc, "status", None)
    if status is not None:
        try:
            from smbprotocol.header import NtStatus

            for k, v in vars(NtStatus).items():
                if v == status and k.startswith("STATUS_"):
                    return str(k)
        except Exception:  # pragma: no cover - only a nicer name
            pass
        return f"0x{int(status):08x}"
    return name


class SMBTransport:
    """One authenticated SMB session to one server; shares are connected on demand."""

    def __init__(self, name: str, *, host: str, port: int = 445, user: str | None,
                 password: str | None, timeout: float = DEFAULT_TIMEOUT,
                 workers: int = DEFAULT_WORKERS, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.user = user
        self._password = password
        self.timeout = timeout
        self.workers = workers
        self.max_bytes = max_bytes
        self._conn: Any = None
        self._session: Any = None
        self._trees: dict[str, Any] = {}
        self._tree_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SMBTransport({self.name!r}, host={self.host!r}, user={self.user!r})"

    # --- connection ------------------------------------------------------------------
    async def open(self) -> dict[str, str]:
        return await asyncio.to_thread(self._open)

    def _open(self) -> dict[str, str]:
        from smbprotocol import exceptions as sx
        from smbprotocol.connection import Connection
        from smbprotocol.session import Session

        where = f"{self.host}:{self.port}"
        conn = Connection(uuid.uuid4(), self.host, self.port, require_signing=True)
        try:
            conn.connect(timeout=int(min(max(self.timeout, 1), 30)))
        except (OSError, ValueError, sx.SMBException) as exc:
            raise Unreachable(f"{where}: cannot connect: {_short(exc)}") from None
        session = Session(conn, self.user, self._password, require_encryption=False,
                          auth_protocol="ntlm")
        try:
            session.connect()
        except (sx.LogonFailure, sx.SMBAuthenticationError) as exc:
            conn.disconnect()
            raise AuthFailed(f"{where}: authentication failed for '{self.user}' "
                             f"({type(exc).__name__})") from None
        except sx.SMBResponseException as exc:
            conn.disconnect()
            if _status(exc) in ("STATUS_LOGON_FAILURE", "STATUS_ACCOUNT_DISABLED",
                                "STATUS_PASSWORD_EXPIRED", "STATUS_ACCOUNT_LOCKED_OUT"):
                raise AuthFailed(f"{where}: {_status(exc)} for '{self.user}'") from None
            raise TransportError(f"{where}: session setup failed: {_status(exc)}") from None
        except (OSError, sx.SMBException) as exc:
            conn.disconnect()
            raise TransportError(f"{where}: session setup failed: {_short(exc)}") from None
        self._conn, self._session = conn, session
        return {"transport": "smb", "peer": where, "dialect": f"0x{conn.dialect:04x}",
                "user": self.user or "(anonymous)", "signing": "required"}

    def _tree(self, share: str) -> Any:
        from smbprotocol.tree import TreeConnect

        with self._tree_lock:
            tree = self._trees.get(share)
            if tree is None:
                tree = TreeConnect(self._session, rf"\\{self.host}\{share}")
                tree.connect()
                self._trees[share] = tree
            return tree

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        self._trees.clear()
        if conn is not None:
            await asyncio.to_thread(_quiet_disconnect, conn)

    # --- queries ---------------------------------------------------------------------
    async def run(self, query: Query, stdin: bytes | None = None) -> Answer:
        out = bytearray()
        ans = await self._run(query, out.extend)
        if not ans.stdout and not ans.timed_out:
            ans.stdout = bytes(out)
        return ans

    async def run_stream(self, query: Query, sink: Sink) -> Answer:
        """As `run`, but a walk's lines go to `sink` as they are read (from several threads
        at once) and the Answer's stdout stays empty; a walk is then bounded only by
        `query.max_bytes` (unset: no bound but the disk the sink writes to)."""
        ans = await self._run(query, sink, streamed=True)
        if ans.stdout:
            sink(ans.stdout)
            ans.stdout = b""
        return ans

    async def _run(self, query: Query, into: Sink, streamed: bool = False) -> Answer:
        argv = list(query.argv)
        start = time.monotonic()
        if self._conn is None:
            return Answer.failed(query, error="transport not open")
        limit = query.max_bytes or (None if streamed else self.max_bytes)
        timeout = query.timeout or self.timeout
        walk_all = len(argv) == 2 and argv[0] == "smb-walk-all" and argv[1].isdigit()
        stop = threading.Event()  # set on timeout: a walk still running in its thread ends
        if argv == ["smb-shares"]:
            fn: Callable[[], Answer] = lambda: self._shares(query.id, argv)  # noqa: E731
        elif len(argv) == 2 and argv[0] == "smb-share":
            fn = lambda: self._share(query.id, argv)  # noqa: E731
        elif walk_all or (len(argv) == 3 and argv[0] == "smb-walk" and argv[2].isdigit()):
            sent = [0]
            lock = threading.Lock()
            cut = threading.Event()

            def sink(line: bytes) -> None:
                with lock:
                    if cut.is_set():
                        return
                    if limit is not None and sent[0] + len(line) > limit:
                        cut.set()
                        stop.set()
                        return
                    sent[0] += len(line)
                    into(line)

            def walk_answer() -> Answer:
                if walk_all:
                    err = self.walk_all(int(argv[1]), sink, stop)
                else:
                    err = self.walk(argv[1], int(argv[2]), sink, stop)
                if err:
                    return Answer(query.id, argv, 1, b"", err.encode() + b"\n", 0.0)
                return Answer(query.id, argv, 0, b"", b"", 0.0, truncated=cut.is_set())
            fn = walk_answer
        else:
            return Answer.failed(query, error="not an SMB query (smb-shares | smb-share SHARE"
                                 " | smb-walk SHARE DEPTH | smb-walk-all DEPTH)")
        from smbprotocol.exceptions import SMBException

        try:
            ans = await asyncio.wait_for(asyncio.to_thread(fn), timeout)
        except TimeoutError:
            stop.set()
            return Answer.failed(query, timed_out=True, duration=time.monotonic() - start)
        except (OSError, ValueError, SMBException) as exc:  # a server gone mid-answer
            stop.set()
            return Answer.failed(query, error=f"{type(exc).__name__}: {_short(exc)}",
                                 duration=time.monotonic() - start)
        ans.duration = time.monotonic() - start
        return ans

    def _share(self, qid: str, argv: list[str]) -> Answer:
        from smbprotocol import exceptions as sx

        try:
            tree = self._tree(argv[1])
        except sx.SMBResponseException as exc:
            return Answer(qid, argv, 1, b"", f"tree connect: {_status(exc)}\n".encode(), 0.0)
        except sx.SMBException as exc:
            return Answer(qid, argv, None, b"", b"", 0.0, error=f"tree connect: {exc}")
        return Answer(qid, argv, 0, dump_line(_tree_info(argv[1], tree)), b"", 0.0)

    # --- srvsvc over DCE/RPC -----------------------------------------------------------
    def _shares(self, qid: str, argv: list[str]) -> Answer:
        out = bytearray()
        try:
            self.rpc_shares(lambda line: out.extend(line))
        except (dcerpc.DceRpcError, RpcFailed) as exc:
            return Answer(qid, argv, 1, bytes(out), f"srvsvc: {exc}\n".encode(), 0.0)
        return Answer(qid, argv, 0, bytes(out), b"", 0.0)

    def rpc_shares(self, sink: Sink) -> list[dcerpc.ShareInfo]:
        """Bind to srvsvc, enumerate the shares (level 1) and read each one's level 502 info;
        every raw response goes to `sink` as a JSON line. Returns the enumerated shares."""
        from smbprotocol import exceptions as sx

        try:
            tree = self._tree("IPC$")
        except sx.SMBResponseException as exc:
            raise RpcFailed(f"tree connect IPC$: {_status(exc)}") from None
        except sx.SMBException as exc:
            raise RpcFailed(f"tree connect IPC$: {exc}") from None
        pipe = _Pipe(tree)
        try:
            ack = pipe.call(dcerpc.bind(1))
            sink(dump_line({"op": "bind", "rsp": b64(ack)}))
            dcerpc.parse_bind_ack(ack)
            server = f"\\\\{self.host}"
            rsp = pipe.call(dcerpc.request(dcerpc.OP_SHARE_ENUM,
                                           dcerpc.share_enum_stub(server), 2))
            sink(dump_line({"op": "enum", "rsp": b64(rsp)}))
            shares, status = dcerpc.decode_share_enum(rsp)
            if status != 0:
                raise RpcFailed(f"NetrShareEnum: {dcerpc.werr_name(status)}")
            for n, sh in enumerate(shares):
                rsp = pipe.call(dcerpc.request(dcerpc.OP_SHARE_GET_INFO,
                                               dcerpc.share_get_info_stub(server, sh.name),
                                               3 + n))
                sink(dump_line({"op": "info", "share": sh.name, "rsp": b64(rsp)}))
            return shares
        except sx.SMBResponseException as exc:
            raise RpcFailed(f"srvsvc pipe: {_status(exc)}") from None
        except sx.SMBException as exc:
            raise RpcFailed(f"srvsvc pipe: {_short(exc)}") from None
        finally:
            pipe.close()

    def walk_all(self, depth: int, sink: Sink, stop: threading.Event | None = None) -> str | None:
        """Enumerate the shares, then walk every plain disk share (not special, no trailing $);
        every line carries its share as "s"."""
        from smbprotocol import exceptions as sx

        try:
            shares = self.rpc_shares(lambda line: None)
        except (dcerpc.DceRpcError, RpcFailed) as exc:
            return f"srvsvc: {exc}"
        for sh in shares:
            if not walkable(sh) or (stop is not None and stop.is_set()):
                continue
            head = dump_line({"s": sh.name})[:-2] + b","
            try:
                tree = self._tree(sh.name)
            except sx.SMBResponseException as exc:
                sink(head + dump_line({"err": f"tree connect: {_status(exc)}"})[1:])
                continue
            except sx.SMBException as exc:  # the connection itself failed: stop, say why
                return f"{sh.name}: tree connect: {_short(exc)}"
            sink(head + dump_line({"tree": _tree_info(sh.name, tree)})[1:])
            err = self.walk(sh.name, depth, _prefixed(sink, head), stop)
            if err:
                return f"{sh.name}: {err}"
        return None

    def walk(self, share: str, depth: int, sink: Sink,
             stop: threading.Event | None = None) -> str | None:
        """Read the security descriptor of every directory of `share` down to `depth` and hand
        each line to `sink` as soon as it is read. Returns an error text when the share cannot
        be opened at all, else None (per-directory errors are lines)."""
        from smbprotocol import exceptions as sx

        try:
            tree = self._tree(share)
        except sx.SMBResponseException as exc:
            return f"tree connect: {_status(exc)}"
        except sx.SMBException as exc:
            return f"tree connect: {exc}"
        stop = stop or threading.Event()
        # last in, first out: the walk goes deep first, so the directories still to visit are
        # the siblings along one path (depth x fan-out), not a whole level of the tree
        todo: queue.LifoQueue[tuple[str, int] | None] = queue.LifoQueue()
        pending = [1]
        lock = threading.Lock()
        todo.put(("", 0))
        errors: list[str] = []

        def worker() -> None:
            while True:
                item = todo.get()
                if item is None:
                    return
                path, d = item
                try:
                    if not stop.is_set():
                        line, children = _read_dir(tree, path, d < depth)
                        sink(line)
                        for child in children:
                            with lock:
                                pending[0] += 1
                            todo.put((child, d + 1))
                except Exception as exc:  # a broken connection: stop the walk, say why
                    errors.append(f"{type(exc).__name__}: {_short(exc)}")
                    stop.set()
                finally:
                    with lock:
                        pending[0] -= 1
                        done = pending[0] == 0
                    if done:
                        for _ in range(self.workers):
                            todo.put(None)

        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            for _ in range(self.workers):
                pool.submit(worker)
        return errors[0] if errors else None


class RpcFailed(Exception):
    """The srvsvc conversation could not be held (pipe, bind or call failed)."""


def walkable(share: dcerpc.ShareInfo) -> bool:
    """Shares walked when the scope declares none: disk shares, not special, no trailing $."""
    return share.kind == "disk" and not share.special and not share.name.endswith("$")


def _prefixed(sink: Sink, head: bytes) -> Sink:
    return lambda line: sink(head + line[1:])


def _short(exc: Exception) -> str:
    return one_line(exc)


def _tree_info(share: str, tree: Any) -> dict[str, Any]:
    return {"share": share, "dfs": bool(tree.is_dfs_share), "encrypt": bool(tree.encrypt_data),
            "ca": bool(tree.is_ca_share), "scaleout": bool(tree.is_scaleout_share)}


class _Pipe:
    """The `srvsvc` named pipe on IPC$: each call writes one PDU and reads until the last
    fragment of the answer."""

    ACCESS = 0x0012019F  # read/write data, EA, attributes, READ_CONTROL, SYNCHRONIZE

    def __init__(self, tree: Any) -> None:
        from smbprotocol.open import (
            CreateDisposition,
            ImpersonationLevel,
            Open,
            ShareAccess,
        )

        self.fh = Open(tree, "srvsvc")
        self.fh.create(ImpersonationLevel.Impersonation, self.ACCESS, 0,
                       ShareAccess.FILE_SHARE_READ | ShareAccess.FILE_SHARE_WRITE,
                       CreateDisposition.FILE_OPEN, 0)
        self.max_read = min(int(tree.session.connection.max_read_size), 65536)

    def call(self, pdu: bytes) -> bytes:
        self.fh.write(pdu, 0)
        data = b""
        for _ in range(10000):
            data += bytes(self.fh.read(0, self.max_read))
            if dcerpc.complete(data):
                return data
        raise dcerpc.DceRpcError("no last fragment after 10000 reads")

    def close(self) -> None:
        from smbprotocol import exceptions as sx

        with contextlib.suppress(sx.SMBException):
            self.fh.close()


def _read_dir(tree: Any, path: str, list_children: bool) -> tuple[bytes, list[str]]:
    """One directory: its security descriptor and (when asked) its subdirectories."""
    from smbprotocol import exceptions as sx
    from smbprotocol.file_info import FileAttributes, FileInformationClass, InfoType
    from smbprotocol.open import (
        CreateDisposition,
        CreateOptions,
        ImpersonationLevel,
        Open,
        ShareAccess,
        SMB2QueryInfoRequest,
        SMB2QueryInfoResponse,
    )

    shown = "/" + path.replace("\\", "/") if path else "/"
    depth = shown.count("/") - (0 if path else 1)
    fh = Open(tree, path)
    try:
        fh.create(ImpersonationLevel.Impersonation,
                  READ_CONTROL | FILE_LIST_DIRECTORY | SYNCHRONIZE,
                  FileAttributes.FILE_ATTRIBUTE_DIRECTORY,
                  ShareAccess.FILE_SHARE_READ | ShareAccess.FILE_SHARE_WRITE
                  | ShareAccess.FILE_SHARE_DELETE,
                  CreateDisposition.FILE_OPEN, CreateOptions.FILE_DIRECTORY_FILE)
    except sx.SMBResponseException as exc:
        return dump_line({"p": shown, "d": depth, "err": _status(exc)}), []
    try:
        req = SMB2QueryInfoRequest()
        req["info_type"] = InfoType.SMB2_0_INFO_SECURITY
        req["output_buffer_length"] = 65535
        req["additional_information"] = SECURITY_INFO
        req["file_id"] = fh.file_id
        conn = tree.session.connection
        request = conn.send(req, tree.session.session_id, tree.tree_connect_id)
        obj: dict[str, Any] = {"p": shown, "d": depth}
        try:
            resp = conn.receive(request)
            qi = SMB2QueryInfoResponse()
            qi.unpack(resp["data"].get_value())
            sd = qi["buffer"].get_value()
            obj["sd"] = base64.b64encode(sd).decode("ascii").rstrip("=")
        except sx.SMBResponseException as exc:
            obj["err"] = _status(exc)
        children: list[str] = []
        if list_children:
            first = True
            while True:
                try:
                    entries = fh.query_directory(
                        "*", FileInformationClass.FILE_DIRECTORY_INFORMATION,
                        flags=0x01 if first else 0, max_output=65536)
                except sx.SMBResponseException as exc:
                    if _status(exc) != "STATUS_NO_MORE_FILES":
                        obj["list_err"] = _status(exc)
                    break
                first = False
                for e in entries:
                    name = e["file_name"].get_value().decode("utf-16-le")
                    attrs = e["file_attributes"].get_value()
                    if name in (".", "..") or not attrs & 0x10 or attrs & 0x400:
                        continue  # files, and reparse points (links) are not followed
                    children.append(f"{path}\\{name}" if path else name)
        return dump_line(obj), sorted(children)
    finally:
        with contextlib.suppress(sx.SMBException):
            fh.close()


def _quiet_disconnect(conn: Any) -> None:
    with contextlib.suppress(Exception):  # closing a dead connection must not fail the scan
        conn.disconnect(True)
