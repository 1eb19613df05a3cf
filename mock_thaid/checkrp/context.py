"""What every row shares: its result, the run's context (learned from a first login through
the RP), how a visit is judged as signed in or refused, and cleaning up the faults a row armed."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..scenarios.runner import SetupFailed
from .browser import BACK_TO_THAID, OTHER, SERVER_ERROR, SUCCESS, Browser, Visit, look, query, visible_text
from .control import Armed, Control, ControlFailed
from .profile import ERROR_MARKERS, Profile

PASSED, FAILED, NA, ERROR = "passed", "failed", "na", "error"


@dataclass
class Result:
    row: str
    status: str
    evidence: str = ""
    expected: str = ""
    reason: str = ""
    """For not applicable: a key of texts.yaml ``reasons``."""
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    values: dict = field(default_factory=dict)
    """Numbers and codes the row's texts name (delay, timeout, error…)."""

    @property
    def short(self) -> str:
        """The evidence without the page's text."""
        return self.evidence.split("; page: ")[0]


@dataclass
class Context:
    rp: str
    start: str
    mock: str
    profile: Profile
    control: Control
    timeout: float = 15.0
    client_id: str = ""
    catalogue: dict[str, str] = field(default_factory=dict)
    starts: dict[bool, str] = field(default_factory=dict)
    """Start path by "asks for openid"."""
    first: dict[bool, Visit] = field(default_factory=dict)
    """The first login through each start (the login rows judge these)."""
    protected: Visit | None = None
    """protected_path right after the first login."""
    same_shape: bool = False
    """other_scope_start asked for the same scope shape as --start."""
    setup_error: str = ""
    chromium: object | None = None
    """A ``chromium.Chromium`` when the run uses the browser driver (--driver browser)."""

    def browser(self, timeout: float | None = None):
        """A new person: an HTTP cookie jar (the default driver) or a Chromium window."""
        if self.chromium is not None:
            starts = {self.start, self.profile.other_scope_start} - {""}
            return self.chromium.person(self.rp, self.mock, self.profile.persona, timeout or self.timeout,
                                        starts, self.profile.click)
        return Browser(self.rp, self.mock, self.profile.persona, timeout or self.timeout)


def _scope_has_openid(v: Visit) -> bool | None:
    if not v.authorize_urls:
        return None
    return "openid" in query(v.authorize_urls[0]).get("scope", "").split()


def discover(ctx: Context) -> None:
    """Log in once through each start: the client_id, scope shape and callback come from there."""
    try:
        ctx.catalogue = ctx.control.catalogue()
        with ctx.browser() as b:
            v = b.visit(ctx.start)
            if ctx.profile.protected_path and look(v, ctx.profile).kind == SUCCESS:
                ctx.protected = b.visit(ctx.profile.protected_path, max_authorize=0)
        openid = _scope_has_openid(v)
        if openid is None:
            ctx.setup_error = (f"{ctx.start} never reached ThaiD's authorize endpoint at {ctx.mock} "
                               f"(last: {v.evidence()}); check --start and --mock")
            if ctx.chromium is None and _scripted(v):
                ctx.setup_error += ("; the page runs scripts and its login may start with JavaScript: "
                                    "try --driver browser")
            return
        ctx.starts[openid], ctx.first[openid] = ctx.start, v
        ctx.client_id = ctx.profile.client_id or query(v.authorize_urls[0]).get("client_id", "")
        other = ctx.profile.other_scope_start
        if other:
            with ctx.browser() as b:
                w = b.visit(other)
            shape = _scope_has_openid(w)
            if shape == openid:
                ctx.same_shape = True
            else:  # None (never reached ThaiD) is judged by the login row as a failed login
                ctx.starts[not openid], ctx.first[not openid] = other, w
    except (ControlFailed, SetupFailed) as e:
        ctx.setup_error = str(e)


def _scripted(v: Visit) -> bool:
    """The start page is a page of the RP with a script (its login may need a real browser)."""
    return not v.at_mock and 200 <= v.final.status < 300 and "<script" in v.final.text.lower()


def shows_page(v: Visit) -> bool:
    """protected_path showed its page: a 2xx page of the RP that does not look like an error."""
    return (not v.stopped and not v.at_mock and 200 <= v.final.status < 300
            and not ERROR_MARKERS.search(visible_text(v.final.text)))


# --- judging -----------------------------------------------------------------------------------

def refused(ctx: Context, v: Visit) -> tuple[str, str]:
    lk = look(v, ctx.profile)
    if lk.kind == SUCCESS:
        return FAILED, "the RP showed its signed-in page: " + v.evidence()
    if lk.kind == SERVER_ERROR:
        return FAILED, "the RP answered with a server error: " + v.evidence()
    if lk.kind == OTHER:
        return FAILED, "; ".join(lk.why_not_success[-1:]) + ": " + v.evidence()
    if lk.kind == BACK_TO_THAID:
        return PASSED, "refused and sent the person to ThaiD to try again: " + v.evidence()
    return PASSED, "refused: " + v.evidence()


def succeeded(ctx: Context, v: Visit) -> tuple[str, str]:
    lk = look(v, ctx.profile)
    if lk.kind == SUCCESS:
        return PASSED, "signed in: " + v.evidence()
    return FAILED, "; ".join(lk.why_not_success) + ": " + v.evidence()


def expected_refusal(ctx: Context) -> str:
    r = ctx.profile.refusal
    return "refused, no 5xx" + (f" (the refusal page: {r.describe()})" if r else "")


def expected_success(ctx: Context) -> str:
    s = ctx.profile.success
    return "signed in" + (f" ({s.describe()})" if s else " (a 2xx page of the RP after the callback, not an error page)")


def cleanup(ctx: Context, armed: list[Armed], start: str) -> list[str]:
    """Faults the RP did not use up: JWKS ones are used up by fetching the key set, the others by
    one more login through the RP. Whatever is still armed is cleared by id and said in the report."""
    try:
        left = ctx.control.still_armed(armed)
        if any(a.point == "jwks" for a in left):
            ctx.control.use_up_jwks(left)
        if any(a.point != "jwks" for a in left):
            with ctx.browser() as b:
                b.visit(start)
        left = ctx.control.still_armed(armed)
        ctx.control.remove(left)
    except (ControlFailed, SetupFailed) as e:
        return [f"cleaning up: {e}"]
    return [f"fault {a.name} (id {a.id}) for client {a.client_id or '(every client)'} was never used: "
            f"the RP never reached ThaiD's {a.point} step (cleared)" for a in left]
