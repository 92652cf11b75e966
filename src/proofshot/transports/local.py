"""Queries on this machine through subprocesses: the same commands the SSH transport sends."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import time
from collections.abc import Sequence

from proofshot.model.transcript import DEFAULT_KEEP_BYTES, DEFAULT_TIMEOUT, Answer, Query
from proofshot.transports import batch
from proofshot.transports.limits import STDERR_LIMIT, Whole, drain, read_bounded

_ENV = {"LC_ALL": "C", "LANG": "C", "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}


class LocalTransport:
    """Runs argv directly (no shell unless the query declares `sh -c`), bounded in time and size."""

    def __init__(
        self,
        name: str = "local",
        *,
        sudo: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_KEEP_BYTES,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.sudo = sudo and os.geteuid() != 0
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.env = {**_ENV, **(env or {})}

    async def open(self) -> dict[str, str]:
        return {"transport": "local"}

    async def close(self) -> None:
        return None

    async def run(self, query: Query, stdin: bytes | None = None) -> Answer:
        argv = list(query.argv)
        use_sudo = query.privileged and self.sudo
        if use_sudo:
            argv = ["sudo", "-n", "--", *argv]
        timeout = query.timeout or self.timeout
        limit = query.max_bytes or self.max_bytes
        start = time.monotonic()
        if shutil.which(argv[0], path=self.env["PATH"]) is None:
            return Answer.failed(query, error="missing", sudo=use_sudo, stdin=stdin)
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=self.env,
                start_new_session=True,
            )
        except OSError as exc:
            return Answer(query.id, list(query.argv), None, b"", str(exc).encode(), 0.0,
                          error=f"cannot start: {exc.strerror}", sudo=use_sudo, stdin=stdin)
        timed_out = False
        whole = Whole()

        async def read_out() -> tuple[bytes, bool]:
            data = await read_bounded(proc.stdout, limit, whole)
            if data[1]:  # a flood: stop the writer now, or stderr never reaches EOF
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, 9)
            return data

        try:
            out, err, _ = await asyncio.wait_for(
                asyncio.gather(
                    read_out(),
                    read_bounded(proc.stderr, STDERR_LIMIT),
                    _feed(proc, stdin),
                ),
                timeout,
            )
        except TimeoutError:
            timed_out = True
            out, err = (b"", False), (b"", False)
        truncated = out[1]
        if timed_out or truncated:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)
            await drain(proc.stdout, proc.stderr)
        code = await proc.wait()
        return Answer(
            query=query.id,
            argv=list(query.argv),
            exit_code=None if timed_out else code,
            stdout=out[0],
            stderr=err[0],
            duration=time.monotonic() - start,
            truncated=truncated,
            timed_out=timed_out,
            sudo=use_sudo,
            stdin=stdin,
            whole=whole.record() if truncated else None,
        )

    async def run_batch(self, queries: Sequence[Query]) -> list[Answer | None]:
        """Several queries under one framing shell (transports.batch); None for each query the
        batch could not answer exactly (the caller runs it alone)."""
        use_sudo = batch.sudo_of(queries, self.sudo)
        if use_sudo is None:
            return [None] * len(queries)
        out: list[Answer | None] = [None] * len(queries)
        todo: list[int] = []
        for i, q in enumerate(queries):
            if shutil.which(q.argv[0], path=self.env["PATH"]) is None:
                out[i] = Answer.failed(q, error="missing", sudo=use_sudo)
            else:
                todo.append(i)
        if not todo:
            return out
        sub = [queries[i] for i in todo]
        run = batch.BatchRun.start(sub, self.timeout, self.max_bytes)
        argv = batch.argv(sub, run.token)
        if use_sudo:
            argv = ["sudo", "-n", "--", *argv]
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, env=self.env, start_new_session=True)
        except OSError:
            return out
        assert proc.stdout is not None and proc.stderr is not None
        complete = await run.collect(proc.stdout.read, proc.stderr.read)
        if not complete:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)
            await drain(proc.stdout, proc.stderr)
        await proc.wait()
        for i, q, f in zip(todo, sub, run.results, strict=True):
            if f is not None:
                out[i] = Answer(q.id, list(q.argv), f.code,
                                b"" if f.timed_out else f.stdout,
                                b"" if f.timed_out else f.stderr,
                                f.duration, timed_out=f.timed_out, sudo=use_sudo,
                                batched=True)
        return out


async def _feed(proc: asyncio.subprocess.Process, data: bytes | None) -> None:
    if data is None or proc.stdin is None:
        return
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        proc.stdin.write(data)
        await proc.stdin.drain()
    proc.stdin.close()
