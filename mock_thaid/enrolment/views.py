"""The registration pages of the ThaiD app simulation: one page per step, /app/enrol/<page>.

The phone holds its registration in the (signed) Flask session, as ``enrolment_id``; all
state is in the database. GET shows the current step (any other page redirects there);
POST does the step and redirects to the next one (303), or shows the same page again with
the failure, in the person's language, and the failure's HTTP status.
"""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

from ..i18n import current_lang, enrol_error
from ..domain.offices import OFFICES, office_name
from ..ial import ial_for
from ..pin import DEFAULT_POLICY
from ..pid import THAI_DIGITS, format_pid
from ..services import svc
from ..store import citizens, enrolments
from ..domain import machine
from . import officerpath, selfpath, steps
from ..domain.dates import bangkok_day, show_date
from ..domain.enrol_errors import EnrolError
from .images import MAX_BYTES

bp = Blueprint("enrol", __name__, url_prefix="/app/enrol")

SESSION_KEY = "enrolment_id"
TEMPLATES = {machine.FAILED: "failed", machine.ABANDONED: "failed"}


def thai_digits(text: str) -> str:
    return "".join(THAI_DIGITS[int(c)] if c.isdigit() else c for c in text)


def phone_enrolment(ctx: steps.Ctx):
    """The registration this phone holds, or None (none, or idle too long)."""
    try:
        return steps.load(ctx, session.get(SESSION_KEY))
    except EnrolError:
        return None


def _error_view(e, error: EnrolError | None, lang: str) -> tuple[str | None, str | None, list[str]]:
    """The failure to show: its code (for the page's scripts) and its words (steps and dates
    as people read them, i18n.enrol_error)."""
    if error is not None:
        return error.code, enrol_error(error.code, error.params, lang), error.detail_lines(lang)
    if e.error and (e.step in machine.WITH_OFFICER or e.step in machine.TERMINAL):
        return e.error, enrol_error(e.error, e.error_args, lang), []
    return None, None, []


def render_step(ctx: steps.Ctx, e, error: EnrolError | None = None):
    lang = current_lang()
    page = machine.page_for(e.step)
    cit = steps.citizen_of(ctx, e)
    manual = machine.manual_ref(e.step, e.channel)
    code, message, details = _error_view(e, error, lang)
    photos = {k: img.sha256[:12] for k, img in enrolments.images(ctx.s, e.id).items()}
    account = citizens.account(ctx.s, e.pid) if e.pid else None
    done = {}
    if e.step == machine.DONE and account is not None:
        done = {"ial": ial_for(ctx.services, ctx.s, e.pid),
                "registered": show_date(bangkok_day(account.registered_at).isoformat(), lang)}
    return render_template(
        f"enrol/{TEMPLATES.get(e.step, page)}.html", e=e, page=page, citizen=cit,
        account=account, photos=photos,
        progress=machine.progress(e.step, e.channel),
        manual=(thai_digits(manual) if lang == "th" else manual) if manual else None,
        error_code=code, error_message=message, error_details=details,
        pin_rules=[th if lang == "th" else en for th, en in DEFAULT_POLICY.describe()],
        offices=OFFICES, office=office_name(e.office, lang), show_date=show_date,
        pid_display=format_pid(e.pid) if e.pid else "", max_mb=MAX_BYTES // (1024 * 1024),
        cancellable=e.step not in machine.TERMINAL and e.step != machine.CONSENT,
        return_login=session.get("enrol_return"), rereg=ctx.settings.reregistration_policy, **done)


def _files(side: str) -> bytes | None:
    f = request.files.get(side)
    if f is None or not f.filename:
        return None
    return f.read(MAX_BYTES + 1)


def _upload_card(ctx, e, form):
    sent = [(side, data) for side in selfpath.SIDES if (data := _files(side)) is not None]
    if not sent:
        steps.fail(ctx, e, "image_missing")
    first: EnrolError | None = None
    for side, data in sent:
        try:
            selfpath.put_card(ctx, e, side, data)
        except EnrolError as err:
            first = first or err
    if first is not None:
        raise first


def _card(ctx, e, form):
    action = form.get("action", "")
    if action == "confirm":
        selfpath.confirm_card(ctx, e)
    elif action.startswith("retake"):
        selfpath.retake_card(ctx, e, action.partition(":")[2] or None)
    else:
        _upload_card(ctx, e, form)


def _card_owner(ctx, e, form):
    if form.get("action") == "retake":
        selfpath.retake_card(ctx, e)
    else:
        selfpath.card_owner(ctx, e, form.get("pid", ""))


def _selfie(ctx, e, form):
    action = form.get("action", "")
    if action == "confirm":
        selfpath.confirm_selfie(ctx, e)
    elif action == "retake":
        selfpath.retake_selfie(ctx, e)
    else:
        selfpath.put_selfie(ctx, e, _files("selfie"))


ACTIONS = {
    "camera": lambda ctx, e, f: steps.camera(ctx, e, allow=f.get("action") == "allow",
                                             available=f.get("camera") == "available"),
    "choose": lambda ctx, e, f: steps.choose(ctx, e, f.get("channel", "")),
    "visit": lambda ctx, e, f: steps.visit(ctx, e, f.get("office", "")),
    "terms": lambda ctx, e, f: steps.terms(ctx, e, accept=f.get("action") == "accept"),
    "card": _card,
    "card-owner": _card_owner,
    "card-check": lambda ctx, e, f: selfpath.check_card(ctx, e, correct=f.get("action") != "retake"),
    "selfie": _selfie,
    "pid": lambda ctx, e, f: officerpath.enter_pid(ctx, e, f.get("pid", "")),
    "officer": lambda ctx, e, f: officerpath.scan_qr(ctx, f.get("code", ""), phone=e),
    "pin": lambda ctx, e, f: steps.set_pin(ctx, e, f.get("pin", ""), f.get("pin_confirm", ""), f.get("current_pin")),
    "consent": lambda ctx, e, f: steps.consent(ctx, e, f.get("pin", "")),
}


def _home():
    return redirect(url_for("enrol_home.home"), 303)


def _to_current(e):
    return redirect(url_for("enrol.page", page=machine.page_for(e.step)), 303)


@bp.post("/start")
def start():
    services = svc()
    with services.db.session() as s:
        ctx = steps.Ctx(services, s)
        old = phone_enrolment(ctx)
        if old is not None:
            steps.abandon(ctx, old)
        e = steps.start(ctx)
        session[SESSION_KEY] = e.id
    return redirect(url_for("enrol.page", page=machine.page_for(machine.CAMERA)), 303)


@bp.get("/")
def current():
    services = svc()
    with services.db.session() as s:
        e = phone_enrolment(steps.Ctx(services, s))
        return _to_current(e) if e is not None else _home()


@bp.get("/<page>")
def page(page: str):
    services = svc()
    with services.db.session() as s:
        ctx = steps.Ctx(services, s)
        e = phone_enrolment(ctx)
        if e is None or e.step == machine.ABANDONED and e.error != "expired":
            return _home()
        if page != machine.page_for(e.step):
            return _to_current(e)
        return render_step(ctx, e)


@bp.post("/<page>")
def act(page: str):
    services = svc()
    with services.db.session() as s:
        ctx = steps.Ctx(services, s)
        e = phone_enrolment(ctx)
        if e is None or page not in ACTIONS:
            return _home()
        if page == "terms" and request.form.get("action") == "decline":
            steps.abandon(ctx, e)
            return _home()
        try:
            if page != machine.page_for(e.step):
                steps.expect(e, "(" + page + ")")  # raises wrong_step / closed
            ACTIONS[page](ctx, e, request.form)
        except EnrolError as err:
            return render_step(ctx, e, err), err.status
        if e.step == machine.DONE:
            from ..phone import remember_phone

            remember_phone(e.pid, ctx.now)
        return _to_current(e)


@bp.post("/abandon")
def abandon():
    services = svc()
    with services.db.session() as s:
        ctx = steps.Ctx(services, s)
        e = phone_enrolment(ctx)
        if e is not None:
            steps.abandon(ctx, e)
    session.pop(SESSION_KEY, None)
    return _home()
