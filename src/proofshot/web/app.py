"""The web UI: FastAPI routes over web/data.py, pages rendered by Jinja2 (autoescaped: every
value that came from a scanned system is text, never markup).

Login: the token printed by `proofshot serve` (`/?token=...` sets a session cookie; the API also
takes `Authorization: Bearer TOKEN`), or a user of `proofshot user add` at /login. Every POST
carries the session's CSRF token. The Content-Security-Policy allows scripts and styles from this
server only (no inline script, no inline style); htmx is vendored in static/vendor.
"""

from __future__ import annotations

import functools
import gettext
import io
import json
import math
import secrets
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from fastapi import FastAPI, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from proofshot import __version__
from proofshot.model.errors import BadInput, ProofshotError
from proofshot.model.labels import finding_text, term
from proofshot.model.snapshot import TableRef
from proofshot.report.i18n import Formats
from proofshot.report.i18n import translations as report_translations
from proofshot.views.grant import via_text
from proofshot.web import auth
from proofshot.web.data import GROUPS, VISIBLE, Data, Lru, NotFound, group_of
from proofshot.web.sbs import side_by_side

HTMX = "vendor/htmx-2.0.11.min.js"
COOKIE = "proofshot_session"
LOGIN_COOKIE = "proofshot_login"
LANG_COOKIE = "proofshot_lang"
PAGE = 100
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
SEVERITIES = ("critical", "high", "medium", "low", "info")


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    pass


@dataclass
class Config:
    store: Path
    token: str
    tls: bool = False


def _web_translations(lang: str) -> gettext.NullTranslations:
    """The UI's own messages, falling back to the report's catalogue (one vocabulary)."""
    if lang == "en":
        return gettext.NullTranslations()
    ref = resources.files("proofshot.web") / "locales" / lang / "LC_MESSAGES" / "messages.po"
    catalog = read_po(io.StringIO(ref.read_text(encoding="utf-8")), locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    tr = gettext.GNUTranslations(buf)
    tr.add_fallback(report_translations(lang))
    return tr


def _environment() -> dict[str, jinja2.Environment]:
    envs = {}
    for lang in ("en", "de"):
        env = jinja2.Environment(
            loader=jinja2.PackageLoader("proofshot.web", "templates"),
            autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
            lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
        env.install_gettext_translations(_web_translations(lang), newstyle=True)  # type: ignore[attr-defined]
        fm = Formats(lang)
        env.filters["num"] = fm.num
        env.filters["when"] = fm.datetime
        env.filters["short"] = lambda s: str(s)[:12]
        env.filters["q"] = lambda s: quote(str(s), safe="")
        env.filters["value"] = _value
        env.filters["via"] = via_text
        env.filters["group_of"] = group_of
        env.globals["line_counts"] = _line_counts
        env.globals["lang"] = lang
        env.globals["term"] = lambda group, word, lang=lang: term(group, word, lang)
        env.globals["finding_title"] = functools.partial(_finding_title, lang=lang)
        envs[lang] = env
    return envs


def _finding_title(f: Any, lang: str) -> str:
    """A finding's title in the language; `f` a Finding or its JSON object."""
    if isinstance(f, dict):
        return finding_text(f["rule"], f["title"], f.get("remedy", ""), lang)[0]
    return finding_text(f.rule, f.title, f.remedy, lang)[0]


def _value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False)


def _line_counts(unified: list[str]) -> tuple[int, int]:
    """(removed, added) lines of a unified diff (its two header lines skipped)."""
    body = unified[2:]
    return (sum(1 for x in body if x.startswith("-")), sum(1 for x in body if x.startswith("+")))


def _key_text(key: dict[str, Any]) -> str:
    return ", ".join(_value(v) for v in key.values())


def _qs(params: dict[str, Any], **over: Any) -> str:
    merged = {k: v for k, v in {**params, **over}.items() if v not in (None, "")}
    return "?" + urlencode(merged) if merged else ""


def _int(value: str | None, default: int = 1) -> int:
    try:
        return max(1, int(value or default))
    except ValueError:
        return default


class Headers:
    """Security headers on every response (a plain ASGI wrapper: no per-request task)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = CSP
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                headers["Referrer-Policy"] = "no-referrer"
                headers["Cache-Control"] = "public, max-age=3600" if static else "no-store"
            await send(message)

        await self.app(scope, receive, wrapped)


def create_app(cfg: Config) -> FastAPI:
    data = Data(cfg.store)
    sessions = auth.Sessions()
    limit = auth.RateLimit()
    envs = _environment()
    app = FastAPI(title="proofshot", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.add_middleware(Headers)
    static = resources.files("proofshot.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.state.data = data
    app.state.sessions = sessions

    # -- helpers -----------------------------------------------------------------------------
    def client(request: Request) -> str:
        return request.client.host if request.client else "?"

    def session(request: Request) -> auth.Session:
        s = sessions.get(request.cookies.get(COOKIE))
        if s is None:
            raise LoginRequired()
        VISIBLE.set(s.customers)  # this request's listings and lookups: its customers only
        return s

    def api_session(request: Request) -> None:
        h = request.headers.get("authorization", "")
        if h.lower().startswith("bearer "):
            if limit.blocked(client(request)):
                raise LoginRequired()
            if auth.same(h[7:].strip(), cfg.token):
                VISIBLE.set(None)  # the serve token is the admin's: every customer
                return
            limit.failed(client(request))
            raise LoginRequired()
        session(request)

    def lang_of(request: Request) -> str:
        lang = request.cookies.get(LANG_COOKIE, "en")
        return lang if lang in envs else "en"

    def render(request: Request, tpl: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        lang = lang_of(request)
        s = sessions.get(request.cookies.get(COOKIE))
        page = envs[lang].get_template(tpl).render(
            request_path=request.url.path, user=s, csrf=s.csrf if s else "", htmx=HTMX,
            qs=_qs, key_text=_key_text, **ctx)
        return HTMLResponse(page, status_code=status)

    pages_cache = Lru(256)

    def render_cached(request: Request, tpl: str, key: tuple[Any, ...],
                      make: Callable[[], dict[str, Any]]) -> HTMLResponse:
        """A page whose title and main block depend only on immutable snapshots and `key`:
        those two are rendered once per language and kept; the shell around them (user, CSRF
        token) is rendered per request."""
        lang = lang_of(request)

        def build() -> tuple[Markup, Markup]:
            t = envs[lang].get_template(tpl)
            ctx = t.new_context({"request_path": request.url.path, "user": None, "csrf": "",
                                 "htmx": HTMX, "qs": _qs, "key_text": _key_text, **make()})
            return (Markup("".join(t.blocks["title"](ctx))),
                    Markup("".join(t.blocks["main"](ctx))))

        title, main = pages_cache.get((tpl, lang, *key), build)
        return render(request, "shell.html", title=title, main=main)

    def check_csrf(s: auth.Session, form: dict[str, str], request: Request) -> None:
        if not auth.same(form.get("csrf") or request.headers.get("x-csrf-token"), s.csrf):
            raise Forbidden()

    async def form_of(request: Request) -> dict[str, str]:
        f = await request.form()
        return {k: v for k, v in f.items() if isinstance(v, str)}

    def set_session_cookie(resp: Response, s: auth.Session) -> None:
        resp.set_cookie(COOKIE, s.id, httponly=True, samesite="strict", secure=cfg.tls,
                        path="/")

    # -- errors ------------------------------------------------------------------------------
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "login required"}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        if request.method != "GET":
            return PlainTextResponse("login required", status_code=401)
        return RedirectResponse("/login?" + urlencode({"next": request.url.path}), 303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return PlainTextResponse("forbidden: missing or wrong CSRF token, or role too low",
                                 status_code=403)

    @app.exception_handler(NotFound)
    async def _nf(request: Request, exc: NotFound) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": exc.message}, status_code=404)
        return render(request, "error.html", 404, title="not found", message=exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and not request.url.path.startswith(("/api/", "/static/")):
            return render(request, "error.html", 404, title="not found",
                          message=f"no page {request.url.path}")
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code)

    @app.exception_handler(ProofshotError)
    async def _pe(request: Request, exc: ProofshotError) -> Response:
        code = 400 if isinstance(exc, BadInput) else 500
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": exc.message}, status_code=code)
        return render(request, "error.html", code, title="error", message=exc.message)

    # -- login -------------------------------------------------------------------------------
    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"ok": True, "version": __version__}

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/") -> Response:
        nonce = secrets.token_urlsafe(24)
        resp = render(request, "login.html", next=_safe_next(next), login_csrf=nonce,
                      error="")
        resp.set_cookie(LOGIN_COOKIE, nonce, httponly=True, samesite="strict", secure=cfg.tls,
                        path="/login")
        return resp

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await form_of(request)
        if not auth.same(form.get("csrf"), request.cookies.get(LOGIN_COOKIE)):
            raise Forbidden()
        who = client(request)
        if limit.blocked(who):
            return PlainTextResponse("too many failed logins; wait a minute", status_code=429)
        role = auth.check_password(cfg.store, form.get("user", ""), form.get("password", ""))
        if role is None:
            limit.failed(who)
            return render(request, "login.html", 401, next=_safe_next(form.get("next", "/")),
                          login_csrf=form.get("csrf", ""), error="wrong user or password")
        s = sessions.create(form["user"], role, auth.customers_of(cfg.store, form["user"]))
        resp = RedirectResponse(_safe_next(form.get("next", "/")), 303)
        set_session_cookie(resp, s)
        return resp

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        s = session(request)
        check_csrf(s, await form_of(request), request)
        sessions.drop(s.id)
        resp = RedirectResponse("/login", 303)
        resp.delete_cookie(COOKIE, path="/")
        return resp

    @app.post("/lang")
    async def set_lang(request: Request) -> Response:
        s = session(request)
        form = await form_of(request)
        check_csrf(s, form, request)
        resp = RedirectResponse(_safe_next(form.get("next", "/")), 303)
        lang = form.get("lang", "en")
        resp.set_cookie(LANG_COOKIE, lang if lang in envs else "en",
                        httponly=True, samesite="strict", secure=cfg.tls, path="/")
        return resp

    # -- snapshots ---------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse)
    def home(request: Request, token: str | None = None, label: str = "", target: str = "",
             engagement: str = "", since: str = "", until: str = "",
             customer: str = "") -> Response:
        if token is not None:
            who = client(request)
            if limit.blocked(who):
                return PlainTextResponse("too many failed logins; wait a minute", 429)
            if not auth.same(token, cfg.token):
                limit.failed(who)
                return RedirectResponse("/login", 303)
            s = sessions.create("token", "admin")
            resp = RedirectResponse("/", 303)
            set_session_cookie(resp, s)
            return resp
        session(request)
        rows = data.snapshots()
        engs = {g.id: g for g in data.engagements()}
        shown = [r for r in rows
                 if (not label or label.lower() in r.label.lower())
                 and (not target or any(target.lower() in n.lower() for n, _ in r.targets))
                 and (not engagement or (r.engagement or "").startswith(engagement))
                 and (not since or r.created[:10] >= since)
                 and (not until or r.created[:10] <= until)
                 and (not customer or r.customer == customer)]
        params = {"label": label, "target": target, "engagement": engagement, "since": since,
                  "until": until, "customer": customer}
        return render(request, "snapshots.html", rows=shown[::-1], total=len(rows),
                      engagements=engs, params=params, targets=data.targets(),
                      customers=data.customers())

    @app.get("/snapshots/{ref}", response_class=HTMLResponse)
    def snapshot(request: Request, ref: str) -> Response:
        session(request)
        sid = data.resolve(ref)
        body = data.manifest(sid)
        ids = [r.id for r in data.snapshots()]
        prev = ids[ids.index(sid) - 1] if ids.index(sid) > 0 else None
        return render(request, "snapshot.html", sid=sid, body=body, prev=prev,
                      others=[r for r in data.snapshots() if r.id != sid][::-1])

    @app.get("/targets/{name}", response_class=HTMLResponse)
    def target(request: Request, name: str, snapshot: str = "") -> Response:
        session(request)
        sid = data.resolve(snapshot) if snapshot else data.latest_of(name)
        entry = data.target_entry(sid, name)
        latest = data.store().latest()

        def make() -> dict[str, Any]:
            groups: dict[str, list[tuple[str, TableRef]]] = {}
            for tname, tab in sorted(entry.tables.items()):
                groups.setdefault(group_of(tname), []).append((tname, tab))
            order = [g for g, _ in GROUPS] + ["other"]
            findings = [f for f in data.findings(sid) if f.target == name]
            return {"name": name, "sid": sid, "entry": entry,
                    "groups": [(g, groups[g]) for g in order if g in groups],
                    "findings": findings, "timeline": data.timeline(name),
                    "snaps": data.snapshots_of(name)[::-1]}
        return render_cached(request, "target.html", (name, sid, latest.id if latest else "",
                                                      VISIBLE.get()), make)

    @app.get("/snapshots/{ref}/targets/{name}/tables/{table}", response_class=HTMLResponse)
    def table(request: Request, ref: str, name: str, table: str, page: str = "1") -> Response:
        session(request)
        sid = data.resolve(ref)
        n = _int(page)
        rows, total = data.table_page(sid, name, table, (n - 1) * PAGE, PAGE)
        cols = [c["name"] for c in data.columns(sid, name, table)] or (
            list(rows[0]) if rows else [])
        pages = max(1, math.ceil(total / PAGE))
        return render(request, "table.html", sid=sid, name=name, table=table, rows=rows,
                      cols=cols, page=n, pages=pages, total=total)

    # -- diff --------------------------------------------------------------------------------
    @app.get("/compare")
    def compare(request: Request, a: str = "", b: str = "") -> Response:
        session(request)
        ia, ib = data.resolve(a), data.resolve(b)
        return RedirectResponse(f"/diff/{ia}/{ib}", 303)

    @app.get("/diff/{a}/{b}", response_class=HTMLResponse)
    def diff(request: Request, a: str, b: str, target: str = "", table: str = "",
             kind: str = "", page: str = "1", vpage: str = "1") -> Response:
        session(request)
        ia, ib = data.resolve(a), data.resolve(b)
        n, vn = _int(page), _int(vpage)

        def make() -> dict[str, Any]:
            dv = data.diff(ia, ib)
            res = dv.result
            sel = dv.select(target, table, kind)
            groups: list[tuple[str, str, list[tuple[int, Any]]]] = []
            for i, c in sel[(n - 1) * PAGE: n * PAGE]:
                if not groups or (groups[-1][0], groups[-1][1]) != (c.target, c.table):
                    groups.append((c.target, c.table, []))
                groups[-1][2].append((i, c))
            return {"a": ia, "b": ib, "res": res, "dv": dv, "views": dv.views,
                    "groups": groups, "shown": len(sel), "page": n,
                    "pages": max(1, math.ceil(len(sel) / PAGE)),
                    "params": {"target": target, "table": table, "kind": kind},
                    "vol": res.volatile[(vn - 1) * PAGE: vn * PAGE], "vpage": vn,
                    "vpages": max(1, math.ceil(len(res.volatile) / PAGE)),
                    "body_a": data.manifest(ia), "body_b": data.manifest(ib)}
        return render_cached(request, "diff.html", (ia, ib, target, table, kind, n, vn), make)

    @app.get("/diff/{a}/{b}/lines/{i}/{col}", response_class=HTMLResponse)
    def line_diff(request: Request, a: str, b: str, i: int, col: str) -> Response:
        """One changed text column side by side (loaded when its line diff is opened)."""
        session(request)
        c = data.diff(a, b).change(i)
        if col not in c.diff:
            raise NotFound(f"change {i} has no line diff of '{col}'")
        tpl = "_sbs.html" if request.headers.get("hx-request") else "sbs_page.html"
        return render(request, tpl, rows=side_by_side(c.diff[col]), c=c, col=col,
                      a=data.resolve(a), b=data.resolve(b))

    # -- views -------------------------------------------------------------------------------
    @app.get("/findings/{ref}", response_class=HTMLResponse)
    def findings(request: Request, ref: str, severity: str = "", rule: str = "",
                 target: str = "") -> Response:
        session(request)
        sid = data.resolve(ref)
        found = data.findings(sid)
        shown = [f for f in found if (not severity or f.severity == severity)
                 and (not rule or f.rule == rule) and (not target or f.target == target)]
        return render(request, "findings.html", sid=sid, body=data.manifest(sid), found=shown,
                      total=len(found), rules=sorted({f.rule for f in found}),
                      severities=SEVERITIES, counts=Counter(f.severity for f in found),
                      params={"severity": severity, "rule": rule, "target": target},
                      targets=sorted({f.target for f in found}))

    @app.get("/paths/{ref}", response_class=HTMLResponse)
    def paths(request: Request, ref: str) -> Response:
        session(request)
        sid = data.resolve(ref)
        g = data.paths(sid)
        targets = {n["target"] for n in g["nodes"] if n.get("target")}
        return render(request, "paths.html", sid=sid, body=data.manifest(sid), graph=g,
                      targets=sorted(targets),
                      edges_by_kind=Counter(e["kind"] for e in g["edges"]))

    @app.get("/paths/{ref}/map.svg")
    def paths_svg(request: Request, ref: str) -> Response:
        session(request)
        sid = data.resolve(ref)
        return Response(data.paths_svg(sid), media_type="image/svg+xml")

    @app.get("/access/{ref}", response_class=HTMLResponse)
    def access(request: Request, ref: str, principal: str = "", resource: str = "",
               page: str = "1") -> Response:
        session(request)
        sid = data.resolve(ref)
        gs = data.access(sid, principal, resource)
        n = _int(page)
        pages = max(1, math.ceil(len(gs) / PAGE))
        chunk = gs[(n - 1) * PAGE: n * PAGE]
        # the matrix: principal x resource of what is shown
        principals = sorted({g.principal for g in chunk}, key=str.lower)
        resources_ = sorted({g.resource for g in chunk}, key=str.lower)
        cells: dict[tuple[str, str], set[str]] = {}
        for g in chunk:
            cells.setdefault((g.principal, g.resource), set()).update(g.rights)
        return render(request, "access.html", sid=sid, body=data.manifest(sid), grants=chunk,
                      total=len(gs), page=n, pages=pages,
                      params={"principal": principal, "resource": resource},
                      principals=principals, resources=resources_, cells=cells,
                      matrix=len(principals) <= 40 and len(resources_) <= 40)

    # -- search ------------------------------------------------------------------------------
    @app.get("/search", response_class=HTMLResponse)
    def search(request: Request, q: str = "", customer: str = "") -> Response:
        session(request)
        hits = data.search(q)
        if customer:
            hits = [h for h in hits if data.customer_of(h.snapshot) == customer]
        tpl = "_search_results.html" if request.headers.get("hx-request") else "search.html"
        return render(request, tpl, q=q, hits=hits, customer=customer,
                      customers=data.customers())

    # -- engagements -------------------------------------------------------------------------
    @app.get("/engagements", response_class=HTMLResponse)
    def engagements(request: Request) -> Response:
        session(request)
        engs = data.engagements()
        held = [(g, i) for g in engs for i in g.items if i.state == "held"]
        return render(request, "engagements.html", engs=engs[::-1], held=held, error="")

    @app.get("/engagements/{eid}", response_class=HTMLResponse)
    def engagement(request: Request, eid: str) -> Response:
        session(request)
        return render(request, "engagement.html", eng=data.engagement(eid), error="")

    @app.post("/engagements")
    async def engagement_start(request: Request) -> Response:
        s = session(request)
        form = await form_of(request)
        check_csrf(s, form, request)
        if not s.may("technician"):
            raise Forbidden()
        try:
            eid = data.engagement_write("start", None, s.user, form)
        except BadInput as exc:
            engs = data.engagements()
            held = [(g, i) for g in engs for i in g.items if i.state == "held"]
            return render(request, "engagements.html", 400, engs=engs[::-1], held=held,
                          error=exc.message)
        return RedirectResponse(f"/engagements/{eid}", 303)

    @app.post("/engagements/{eid}/{action}")
    async def engagement_action(request: Request, eid: str, action: str) -> Response:
        s = session(request)
        form = await form_of(request)
        check_csrf(s, form, request)
        if not s.may("technician"):
            raise Forbidden()
        if action not in ("note", "receive", "return", "kept", "close"):
            raise NotFound(f"no engagement action '{action}'")
        try:
            data.engagement_write(action, eid, s.user, form)
        except BadInput as exc:
            return render(request, "engagement.html", 400, eng=data.engagement(eid),
                          error=exc.message)
        return RedirectResponse(f"/engagements/{quote(eid)}", 303)

    # -- reports -----------------------------------------------------------------------------
    @app.get("/reports/{a}")
    def report(request: Request, a: str, b: str = "", lang: str = "de",
               fmt: str = "pdf") -> Response:
        session(request)
        body, name = data.report(a, b or None, lang, fmt)
        media = "application/pdf" if fmt == "pdf" else "text/html; charset=utf-8"
        return Response(body, media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    # -- API ---------------------------------------------------------------------------------
    @app.get("/api/snapshots")
    def api_snapshots(request: Request) -> Response:
        api_session(request)
        return JSONResponse(data.snapshots_json())

    @app.get("/api/diff/{a}/{b}")
    def api_diff(request: Request, a: str, b: str) -> Response:
        api_session(request)
        text = json.dumps(data.diff(a, b).to_json(), ensure_ascii=False)
        return Response(text, media_type="application/json")

    @app.get("/api/show/{ref}")
    def api_show(request: Request, ref: str) -> Response:
        api_session(request)
        sid = data.resolve(ref)
        pieces: Iterator[str] = data.show_json(sid)
        return StreamingResponse((p.encode() for p in pieces), media_type="application/json")

    @app.get("/api/findings/{ref}")
    def api_findings(request: Request, ref: str) -> Response:
        api_session(request)
        return JSONResponse([f.to_json() for f in data.findings(data.resolve(ref))])

    @app.get("/api/paths/{ref}")
    def api_paths(request: Request, ref: str) -> Response:
        api_session(request)
        return JSONResponse(data.paths(data.resolve(ref)))

    @app.get("/api/access/{ref}")
    def api_access(request: Request, ref: str, principal: str = "",
                   resource: str = "") -> Response:
        api_session(request)
        return JSONResponse([g.to_json() for g in
                             data.access(data.resolve(ref), principal, resource)])

    return app


def _safe_next(path: str) -> str:
    """Only a path of this server (no scheme, no //host): no open redirect after login."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path

