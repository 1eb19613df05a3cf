"""GET /api/v2/oauth2/auth/ — the checks of thaid-api.md §2 in their order, then the login.

1 unknown client -> 401 invalid_client, shown; 2 unregistered redirect_uri -> 400, shown,
never redirected; 3 response_type -> 400 shown (observed) or a redirect (the manual; setting
response_type_error); 4 scope not granted -> 400 invalid_scope.
Then: auto-login (X-Mock-Persona / login_hint), a decision set through the control API,
or a login session shown as a QR page (production) or the sandbox page.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, redirect, request, url_for

from ..claims import SCOPES, parse_scope
from .. import faults
from ..errors import ProtocolError
from ..login import flow
from ..login.pages import render_login_page
from ..services import svc
from ..store import citizens, clients, logins
from ..store.clients import ClientView
from .routes import endpoint

bp = Blueprint("authorize", __name__)

PERSONA_HEADER = "X-Mock-Persona"


class RedirectError(Exception):
    """An error the RP learns about through its redirect URI."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


@dataclass(frozen=True)
class AuthRequest:
    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    client: ClientView


def validate(s, args, settings) -> AuthRequest:
    client_id = args.get("client_id")
    if not client_id:
        raise ProtocolError("invalid_client", "client_id is missing from the authorization request")
    client = clients.peek(s, client_id)
    if client is None:
        raise ProtocolError("invalid_client", f"client_id {client_id!r} is not registered")
    redirect_uri = args.get("redirect_uri")
    if not redirect_uri or redirect_uri not in client.redirect_uris:
        registered = ", ".join(client.redirect_uris) or "(none)"
        raise ProtocolError("redirect_mismatch",
                            f"redirect_uri not registered: got {redirect_uri or '(none)'}, registered {registered}")
    state = args.get("state")
    profile = settings.profile

    def fail(key: str, description: str | None = None):
        raise RedirectError(flow.error_redirect(redirect_uri, key, profile, state, description, settings.issuer))

    if args.get("response_type") != "code":
        if settings.response_type_error == "page" and profile == "thaid":  # as observed on the sandbox
            raise ProtocolError("unsupported_response_type",
                                f"response_type {args.get('response_type')!r}: only 'code' is supported")
        fail("unsupported_response_type")
    scopes = parse_scope(args.get("scope") or "")
    not_granted = [sc for sc in scopes if sc not in client.scopes or sc not in SCOPES]
    if not scopes or not_granted:
        why = "scope is empty" if not scopes else (
            f"scope not granted to this client: {' '.join(not_granted)} (granted: {' '.join(client.scopes)})")
        raise ProtocolError("invalid_scope", why)
    if not state:
        fail("missing_parameter", "The require parameter is missing or invalid: state")
    if settings.reject_duplicate_state and logins.state_used(s, client_id, state):
        raise ProtocolError("duplicate_request", f"state {state!r} was already used by a finished login")
    challenge = args.get("code_challenge")
    method = args.get("code_challenge_method")
    if challenge:
        method = method or "plain"
        if method not in ("S256", "plain") or (profile == "oidc" and method != "S256"):
            fail("missing_parameter", f"code_challenge_method {method!r} is not supported")
    elif settings.pkce_policy == "require" or client.require_pkce:
        fail("pkce_required")
    return AuthRequest(client_id, redirect_uri, " ".join(scopes), state, args.get("nonce") or None,
                       challenge or None, method if challenge else None, client)


@endpoint(bp, "authorize")
def authorize():
    services = svc()
    st = services.settings
    args = request.args.to_dict()  # first value of each, as .get gives; a dict's misses cost nothing
    persona = request.headers.get(PERSONA_HEADER) or args.get("login_hint")
    headless = bool(st.auto_login and persona and (not st.classroom or _from_this_machine()))
    if headless and not services.faults_active and not st.reject_duplicate_state:
        # The pipelines' login, no fault armed: a plain transaction (store/fast.py), no ORM.
        with services.db.fast_tx() as tx:
            try:
                req = validate(tx, args, st)
            except RedirectError as e:
                return redirect(e.url)
            if not req.client.next_decision:  # a decision set through the control API: below
                return redirect(flow.approve_headless(services, tx, req, _persona_pid(tx, persona)))
    armed = None
    if services.faults_active:  # whose login it is first, then the fault, counted in its own transaction
        with services.db.session() as s:
            try:
                client_id = validate(s, args, st).client_id
            except RedirectError as e:
                return redirect(e.url)
        armed = faults.take(services, "authorize", client_id)
    with services.db.session() as s:
        try:
            req = validate(s, args, st)
        except RedirectError as e:
            return redirect(e.url)
        client = req.client
        ls = logins.create(s, now=services.clock.now(), lifetime=st.login_lifetime,
                           client_id=req.client_id, redirect_uri=req.redirect_uri, scope=req.scope,
                           state=req.state, nonce=req.nonce, code_challenge=req.code_challenge,
                           code_challenge_method=req.code_challenge_method)
        result = faults.outcome(services, armed)
        if isinstance(result, faults.DenyLogin):
            return redirect(flow.deny(services, s, ls))
        if isinstance(result, faults.RedirectError):
            return redirect(flow.error_redirect(req.redirect_uri, result.error, st.profile, req.state,
                                                issuer=st.issuer))
        if isinstance(result, faults.ExpireQr):
            ls.expires_at = ls.created_at
            return render_login_page(ls, client, client.login_mode or st.login_mode)
        decision = client.next_decision
        if decision:
            clients.get(s, req.client_id).next_decision = None  # used up (the ORM object, to change it)
            if decision.get("decision") == "deny":
                return redirect(flow.deny(services, s, ls))
            try:
                pid = _persona_pid(s, decision.get("pid", ""))
            except ProtocolError:
                s.commit()  # the decision is used up even when it cannot be honoured
                raise
            return redirect(flow.approve(services, s, ls, pid))
        if headless:
            return redirect(flow.approve(services, s, ls, _persona_pid(s, persona)))
        mode = client.login_mode or st.login_mode
        if st.qr_page == "redirect":  # ThaiD answers 302 to a separate QR page
            return redirect(url_for("login.page", sid=ls.id))
        return render_login_page(ls, client, mode)


def _from_this_machine() -> bool:
    """In classroom mode, headless login is for the trainer's own scripts only, never a phone."""
    addr = request.remote_addr or ""
    return addr.startswith("127.") or addr in ("::1", "localhost")


def _persona_pid(s, persona: str) -> str:
    """The persona's PID if they are a registered citizen (a Session or a plain transaction)."""
    from ..pid import normalize

    pid = normalize(persona)
    if citizens.channel(s, pid) is not None:
        return pid
    if not citizens.exists(s, pid):
        raise ProtocolError("access_denied", f"persona {_masked(pid)} is not a citizen in the mock's register")
    raise ProtocolError("access_denied", f"citizen {_masked(pid)} has not registered with ThaiD yet")


def _masked(pid: str) -> str:
    """PIDs never appear whole in messages or logs."""
    return pid[:1] + "-xxxx-xxxxx-" + pid[10:12] + "-" + pid[12:] if len(pid) == 13 else "(not a PID)"
