"""The battery: one row per behaviour a ThaiD relying party must get right.

Rows run in this order on purpose: the logins that must succeed after a key rotation come
before the rows that make the RP refetch ThaiD's key set for nothing (an RP may rightly refetch
at most once a minute), and "JWKS down" comes last because it rotates the mock's key again.
"""
from __future__ import annotations

import time
from typing import Callable

from ..scenarios.runner import SetupFailed
from .browser import BACK_TO_THAID, SERVER_ERROR, SUCCESS, look, query
from .context import (ERROR, FAILED, NA, PASSED, Context, Result, cleanup, discover, expected_refusal,
                      expected_success, refused, shows_page, succeeded)
from .control import ControlFailed

TOKEN_LIFETIME = 900
EXPIRY_HEADROOM = 2.0
"""expires_in_absolute: the token ThaiD issues expires this many seconds after the login."""
ID_TOKEN_FORGERIES = ["id_token_wrong_iss", "id_token_wrong_aud", "id_token_expired", "id_token_iat_future",
                      "id_token_wrong_nonce", "id_token_missing_nonce", "id_token_bad_signature",
                      "id_token_alg_none", "id_token_hs256", "id_token_unknown_kid"]
TOKEN_ERROR_TABLE = ["token_missing_parameter", "token_redirect_mismatch", "token_invalid_scope",
                     "token_unsupported_response_type", "token_unsupported_grant_type",
                     "token_unsupported_token_hint", "token_unsupported_token_type", "token_duplicate_request",
                     "token_server_error", "token_unauthorized_client", "token_invalid_client", "token_user_denied",
                     "token_invalid_refresh_token", "token_access_denied", "token_invalid_token"]
"""ThaiD's error table at the token endpoint (thaid-api.md §4), one mock fault each;
token_invalid_code has its own row."""


GROUP_ORDER = ["login", "person", "token", "id_token", "keys", "token_errors"]
"""How the report lists the rows (they run in another order: see the module docstring)."""


# --- the rows -------------------------------------------------------------------------------------

def login_row(openid: bool) -> Callable[[Context], Result]:
    def run(ctx: Context) -> Result:
        rid = "login_openid" if openid else "login_without_openid"
        v = ctx.first.get(openid)
        if v is None:
            return Result(rid, NA, reason="no_start_openid" if openid else "no_start_without_openid")
        status, ev = succeeded(ctx, v)
        res = Result(rid, status, ev, expected_success(ctx), seconds=v.seconds)
        if ctx.starts.get(openid) == ctx.start and ctx.protected is not None:
            if shows_page(ctx.protected):
                res.notes.append(f"protected_path after the login: {ctx.protected.evidence()}")
            elif status == PASSED:
                res.status = FAILED
                res.evidence = f"signed in, but protected_path did not show its page: {ctx.protected.evidence()}"
        if ctx.same_shape:
            res.notes.append("other_scope_start asks for the same scope shape as --start; it was not used")
        return res
    return run


def fault_row(rid: str, faults: list[tuple[str, dict, bool]], expect: str, openid: bool = False,
              values: dict | None = None) -> Callable[[Context], Result]:
    """Arm ``faults`` (name, params, scoped to the RP's client?), log in once, judge, clean up."""
    def run(ctx: Context) -> Result:
        start = ctx.starts.get(True) if openid else ctx.start
        if start is None:
            return Result(rid, NA, reason="no_start_openid")
        missing = [n for n, _, _ in faults if n not in ctx.catalogue]
        if missing:
            return Result(rid, NA, reason="not_in_mock", values={"faults": ", ".join(missing)})
        vals = dict(values or {})
        if rid in TOKEN_ERROR_TABLE:
            vals["answer"] = ctx.catalogue[rid].removeprefix("token endpoint answers ")
        timeout = None
        params_of = {n: dict(p) for n, p, _ in faults}
        if rid == "token_delay":
            delay = round(ctx.profile.token_timeout + max(2.0, ctx.profile.token_timeout * 0.2), 1)
            params_of["token_delay"]["seconds"] = delay
            vals.update(delay=delay, timeout=ctx.profile.token_timeout)
            timeout = delay + ctx.profile.token_timeout + 10
        armed = [ctx.control.arm(n, ctx.client_id if scoped else None, params_of[n],
                                 count=1 if scoped else 3) for n, _, scoped in faults]
        t0 = time.perf_counter()
        try:
            with ctx.browser(timeout) as b:
                v = b.visit(start)
        except SetupFailed as e:
            notes = cleanup(ctx, armed, start)
            return Result(rid, FAILED, f"the RP did not answer: {e}", expected_refusal(ctx),
                          notes=notes, seconds=time.perf_counter() - t0, values=vals)
        notes = cleanup(ctx, armed, start)
        if expect == "refuse":
            status, ev = refused(ctx, v)
            exp = expected_refusal(ctx)
            if rid == "token_delay" and status == FAILED and look(v, ctx.profile).kind == SUCCESS:
                ev = f"the RP waited {v.seconds:.1f} s for ThaiD and signed the person in: {v.evidence()}"
        else:
            status, ev = succeeded(ctx, v)
            exp = expected_success(ctx)
        if rid == "token_delay":
            ev += f" (after {v.seconds:.1f} s)"
        return Result(rid, status, ev, exp, notes=notes, seconds=v.seconds, values=vals)
    return run


def qr_expired(ctx: Context) -> Result:
    if "authorize_qr_expires" not in ctx.catalogue:
        return Result("qr_expired", NA, reason="not_in_mock", values={"faults": "authorize_qr_expires"})
    armed = [ctx.control.arm("authorize_qr_expires", ctx.client_id)]
    with ctx.browser() as b:
        first = b.visit(ctx.start)
        notes = cleanup(ctx, armed, ctx.start)
        second = b.visit(ctx.start)
    exp = "the first attempt stays on ThaiD's expired QR page; starting again from the RP signs the person in"
    if not first.at_mock:
        return Result("qr_expired", FAILED, f"the first attempt did not stay on ThaiD's page: {first.evidence()}",
                      exp, notes=notes)
    status, ev = succeeded(ctx, second)
    return Result("qr_expired", status, ("second attempt " + ev) if status == PASSED else
                  f"after the expired QR, a new login from the RP was not signed in: {ev}", exp,
                  notes=notes, seconds=first.seconds + second.seconds)


def state_replay(ctx: Context) -> Result:
    rid = "state_replay"
    exp = "refused: the state belongs to another browser's finished login"
    try:
        with ctx.browser() as a:
            done = a.visit(ctx.start)
        if look(done, ctx.profile).kind != SUCCESS or not done.authorize_urls:
            return Result(rid, ERROR, f"could not log in to set the replay up: {done.evidence()}", exp)
        params = query(done.authorize_urls[0])
        notes = []
        try:
            callback = ctx.control.mint_callback(params, ctx.profile.persona)
        except ControlFailed as e:
            callback = done.callback_url or ""
            notes.append(f"no fresh code ({e}); the original callback URL (its code already used) was replayed")
        with ctx.browser() as c:
            c.visit(ctx.start, max_authorize=0)  # a login of this browser's own is under way
            v = c.visit(callback, max_authorize=0)
    except (ControlFailed, SetupFailed) as e:
        return Result(rid, ERROR, str(e), exp)
    status, ev = refused(ctx, v)
    return Result(rid, status, ev, exp, notes=notes, seconds=v.seconds)


def expires_in_absolute(ctx: Context) -> Result:
    rid = "expires_in_absolute"
    if not ctx.profile.protected_path:
        return Result(rid, NA, reason="no_protected_path")
    exp = ("after the token's absolute expiry, protected_path refreshes the token, sends the person to ThaiD, "
           "or says the session ended — never shows the page on the old token, never 5xx")
    back = TOKEN_LIFETIME - EXPIRY_HEADROOM
    vals = {"headroom": EXPIRY_HEADROOM, "back": back}
    with ctx.browser() as b:
        try:
            ctx.control.advance_clock(-back)
            try:
                login = b.visit(ctx.start)
                t_login = time.monotonic()
                mark = ctx.control.last_event_id(ctx.client_id)
                time.sleep(max(0.0, EXPIRY_HEADROOM + 0.5 - (time.monotonic() - t_login)))
            finally:
                ctx.control.advance_clock(back)
            if look(login, ctx.profile).kind != SUCCESS:
                return Result(rid, ERROR, "could not log in with the mock's clock moved back "
                              f"{back:.0f} s: {login.evidence()}", exp, values=vals)
            p = b.visit(ctx.profile.protected_path, max_authorize=0)
            events = ctx.control.events_since(mark, ctx.client_id)
        except (ControlFailed, SetupFailed) as e:
            return Result(rid, ERROR, str(e), exp, values=vals)
    refreshed = any(e["endpoint"] == "token" and (e.get("request") or {}).get("grant_type") == "refresh_token"
                    for e in events)
    lk = look(p, ctx.profile, after_callback=False)
    shown_ok = shows_page(p)
    ev = p.evidence() + ("; the RP refreshed the token at ThaiD" if refreshed else "; no refresh at ThaiD")
    if lk.kind == SERVER_ERROR:
        return Result(rid, FAILED, "the RP answered with a server error: " + ev, exp, values=vals)
    if shown_ok and not refreshed:
        return Result(rid, FAILED, "the RP showed the page on a token that had expired "
                      f"{EXPIRY_HEADROOM:.0f} s after the login (it read expires_in as a duration?): " + ev,
                      exp, values=vals)
    how = ("sent the person to ThaiD" if lk.kind == BACK_TO_THAID else
           "refreshed and showed the page" if shown_ok else "refused")
    return Result(rid, PASSED, f"{how}: {ev}", exp, values=vals, seconds=p.seconds)


def _f(name: str, scoped: bool = True, **params) -> tuple[str, dict, bool]:
    return (name, params, scoped)


def battery() -> list[tuple[str, str, Callable[[Context], Result]]]:
    """(row id, group, run), in run order."""
    rows = [
        ("login_openid", "login", login_row(True)),
        ("login_without_openid", "login", login_row(False)),
        ("jwks_rotated", "keys", fault_row("jwks_rotated", [_f("jwks_rotated")], "succeed", openid=True)),
        ("state_replay", "person", state_replay),
        ("qr_expired", "person", qr_expired),
        ("expires_in_absolute", "token", expires_in_absolute),
        ("user_denied", "person", fault_row("user_denied", [_f("authorize_user_denies")], "refuse")),
        ("token_invalid_code", "token", fault_row("token_invalid_code", [_f("token_invalid_code")], "refuse")),
    ]
    rows += [(n, "id_token", fault_row(n, [_f(n)], "refuse", openid=True)) for n in ID_TOKEN_FORGERIES]
    rows += [(n, "token", fault_row(n, [_f(n)], "refuse")) for n in ("token_http_503", "token_malformed_json")]
    rows += [(n, "token_errors", fault_row(n, [_f(n)], "refuse")) for n in TOKEN_ERROR_TABLE]
    rows += [
        ("token_delay", "token", fault_row("token_delay", [_f("token_delay")], "refuse")),
        ("jwks_unavailable", "keys", fault_row("jwks_unavailable", [_f("jwks_rotated"), _f("jwks_unavailable", False)],
                                               "refuse", openid=True)),
    ]
    return rows


def run_all(ctx: Context, only: Callable[[str], bool] = lambda rid: True,
            progress: Callable[[Result], None] = lambda r: None) -> list[Result]:
    discover(ctx)
    out = []
    for rid, _group, fn in battery():
        if not only(rid):
            continue
        t0 = time.perf_counter()
        if rid in ctx.profile.skip:
            r = Result(rid, NA, reason="skipped")
        elif ctx.setup_error:
            r = Result(rid, ERROR, ctx.setup_error)
        else:
            try:
                r = fn(ctx)
            except (ControlFailed, SetupFailed) as e:
                r = Result(rid, ERROR, str(e))
        r.seconds = max(r.seconds, time.perf_counter() - t0)  # the login rows ran in discover()
        out.append(r)
        progress(r)
    return out


def groups() -> dict[str, str]:
    return {rid: g for rid, g, _ in battery()}
