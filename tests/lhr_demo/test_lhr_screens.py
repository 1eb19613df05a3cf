"""Issue 14, in a real Chromium: every LHR screen a room of Thai civil servants sees, at a
phone (390×844) and a laptop (1366×768): no sideways page scroll, no table hiding its action
links off-screen, no internal codes (OWNER, ALLOW, role codes, "(seed)") and no ISO date in
the Thai text, one spelling of ก.พ.๗; and the print view on A4: every table inside the
page's text width with legible headers, printed to PDF by Chromium, its first page saved as
docs/screenshots/lhr-print-a4.png.

The people are logged in headlessly (rp_client's ``login_as`` against the live mock, on the
same app the browser talks to), and their session cookie is handed to the browser: the QR
login itself is covered by test_lhr_browser.py.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from rp_client.pytest_plugin import ThaiDMock
from sqlalchemy import select
from waitress.server import create_server

from conftest import start_live
from lhr_demo.app import create_app
from lhr_demo.db import Database
from lhr_demo.kp7 import LeaveYear, PositionSalary
from lhr_demo.models import Person
from lhr_demo.settings import Settings
from lhr_files import pdf
from lhr_helpers import CLIENT_SECRET, MALI, NARONG, SUNEE, SURACHET, file_request, person_row, register_client, \
    request_id
from test_lhr_browser import in_own_thread, launch

pytestmark = [pytest.mark.browser, pytest.mark.live]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORTS = {"phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
             "desktop": {"viewport": {"width": 1366, "height": 768}}}
# A4 at 96 dpi is 793.7 px wide; print.css sets 12 mm side margins (45.35 px each).
A4_WIDTH_PX = 210 / 25.4 * 96
A4_TEXT_WIDTH_PX = A4_WIDTH_PX - 2 * 12 / 25.4 * 96
CODES = ("OWNER", "ALLOW", "DENY", "ERROR", "PENDING", "APPROVED", "SUBMITTED", "APPLIED", "REJECTED", "RETURNED",
         "HR_OFFICER", "DISTRICT_SUPERVISOR", "PROVINCE_SUPERVISOR", "ACCESS_DENIED", "VIEW_KP7", "(seed)", "ก.พ.7")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


class Live:
    def __init__(self, url, mock, app):
        self.url, self.mock, self.app = url, mock, app
        self.cookies: dict[str, str] = {}
        self.paths: dict[str, tuple[str | None, str]] = {}


@pytest.fixture(scope="module")
def live(tmp_path_factory, template_db):
    tmp = tmp_path_factory.mktemp("lhr-screens")
    mock = start_live()
    holder: dict = {}
    server = create_server(lambda environ, start: holder["app"](environ, start), host="127.0.0.1", port=0, threads=8)
    url = f"http://127.0.0.1:{server.effective_port}"
    register_client(mock.url, url + "/auth/thaid/callback")
    shutil.copy(template_db, tmp / "lhr.sqlite3")
    settings = Settings(database_url=f"sqlite:///{tmp / 'lhr.sqlite3'}", thaid_issuer=mock.url,
                        client_id="lhr-test", client_secret=CLIENT_SECRET, redirect_uri=url + "/auth/thaid/callback",
                        upload_dir=str(tmp / "uploads"), secret_key="screens-test")
    holder["app"] = app = create_app(settings, Database(settings.database_url))
    threading.Thread(target=server.run, daemon=True).start()
    t = Live(url, mock, app)
    thaid = ThaiDMock(mock.url)
    try:
        clients = {}
        for pid in (MALI, SUNEE, SURACHET, NARONG):
            c = app.test_client()
            thaid.login_as(c, pid)
            clients[pid] = c
            t.cookies[pid] = c.get_cookie("session").value
        owner = clients[MALI]
        db = app.extensions["lhr"].db

        class _T:  # the shape person_row() expects
            pass
        holder_t = _T()
        holder_t.db = db
        salary = person_row(holder_t, MALI, PositionSalary)
        leave = person_row(holder_t, MALI, LeaveYear)
        resp = file_request(owner, "POSITION_SALARY", salary.public_id, {"salary": "18140"},
                            files=[("คำสั่ง.pdf", pdf())])
        assert resp.status_code in (302, 303), resp.get_data(as_text=True)[:500]
        rid = request_id(resp)
        with db.Session() as s:
            org_id = s.scalar(select(Person).where(Person.pid == MALI)).organization.public_id
        t.paths = {
            "home": (None, "/"),
            "record": (MALI, "/me/record"),
            "request-form-salary": (MALI, f"/me/requests/new?section=POSITION_SALARY&row={salary.public_id}"),
            "request-form-leave": (MALI, f"/me/requests/new?section=LEAVE&row={leave.public_id}"),
            "request-submitted": (MALI, f"/me/requests/{rid}"),
            "my-requests": (MALI, "/me/requests/"),
            "row-history": (MALI, f"/me/record/history/{salary.public_id}"),
            "access-log": (MALI, "/me/access-log"),
            "officer-record": (SUNEE, "/me/record"),
            "officer-queue": (SUNEE, "/officer/"),
            "officer-review": (SUNEE, f"/officer/requests/{rid}"),
            "officer-people": (SUNEE, "/officer/people"),
            "dashboard-officer": (SUNEE, "/dashboard/"),
            "dashboard-district": (SURACHET, "/dashboard/"),
            "dashboard-province": (NARONG, "/dashboard/"),
            "dashboard-org": (NARONG, f"/dashboard/org/{org_id}"),
            "progress": (NARONG, "/dashboard/requests"),
            "print": (MALI, "/me/record/print"),
            "error": (MALI, "/me/requests/no-such-request"),
        }
        yield t
    finally:
        thaid.close()
        server.close()
        mock.server.close()


def new_page(browser, t: Live, who: str | None, **options):
    ctx = browser.new_context(locale="th-TH", timezone_id="Asia/Bangkok", **options)
    ctx.set_default_timeout(15_000)
    if who:
        ctx.add_cookies([{"name": "session", "value": t.cookies[who], "url": t.url}])
    return ctx.new_page()


LAYOUT_JS = """() => {
  const out = {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, hidden: []};
  const vw = window.innerWidth;
  for (const a of document.querySelectorAll('table a')) {
    const r = a.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;           // not rendered (e.g. display:none)
    const wrap = a.closest('.table-wrap');
    let left = 0, right = vw;
    if (wrap) { const w = wrap.getBoundingClientRect(); left = Math.max(left, w.left); right = Math.min(right, w.right); }
    if (r.left < left - 1 || r.right > right + 1) {
      out.hidden.push({text: a.innerText.trim().slice(0, 40), table: a.closest('table').id, left: r.left, right: r.right,
                       visibleLeft: left, visibleRight: right});
    }
  }
  return out;
}"""


def test_every_screen_fits_a_phone_and_a_laptop_and_reads_as_thai(live):
    in_own_thread(screens_scenario, live, timeout=400)


def screens_scenario(t: Live) -> None:
    problems: list[str] = []
    with sync_playwright() as p:
        chromium = launch(p)
        try:
            for vname, options in VIEWPORTS.items():
                pages = {}
                for name, (who, path) in t.paths.items():
                    key = (who, vname)
                    if key not in pages:
                        pages[key] = new_page(chromium, t, who, **options)
                    page = pages[key]
                    resp = page.goto(t.url + path)
                    expected = 404 if name == "error" else 200
                    if resp.status != expected:
                        problems.append(f"{name} @{vname}: HTTP {resp.status}")
                        continue
                    if name == "error" and page.locator("#error").count() != 1:
                        problems.append(f"{name} @{vname}: not the error page")
                    if name != "home" and page.locator("#thaid-login").count():
                        problems.append(f"{name} @{vname}: not logged in")
                    if os.environ.get("LHR_SCREENS_DIR"):  # look at them: LHR_SCREENS_DIR=/tmp/x pytest ...
                        page.screenshot(path=str(Path(os.environ["LHR_SCREENS_DIR"]) / f"{name}-{vname}.png"))
                        if name == "record":
                            page.locator("#part-LEAVE").screenshot(
                                path=str(Path(os.environ["LHR_SCREENS_DIR"]) / f"{name}-leave-{vname}.png"))
                    layout = page.evaluate(LAYOUT_JS)
                    if layout["scrollWidth"] > layout["innerWidth"]:
                        problems.append(f"{name} @{vname}: page scrolls sideways "
                                        f"({layout['scrollWidth']} > {layout['innerWidth']})")
                    for h in layout["hidden"]:
                        problems.append(f"{name} @{vname}: link {h['text']!r} of table #{h['table']} off-screen "
                                        f"({h['left']:.0f}–{h['right']:.0f} outside {h['visibleLeft']:.0f}–"
                                        f"{h['visibleRight']:.0f})")
                    text = page.evaluate("() => document.body.innerText")
                    for code in CODES:
                        if code in text:
                            problems.append(f"{name} @{vname}: shows {code!r}")
                    if m := ISO_DATE.search(text):
                        problems.append(f"{name} @{vname}: shows the ISO date {m.group(0)!r}")
                    if name == "record" and vname == "desktop":
                        fix = page.locator("#sec-LEAVE a.fix").first
                        fix.wait_for()
                        box = fix.bounding_box()
                        if not box or box["x"] + box["width"] > 1366:
                            problems.append(f"record @desktop: the leave table's ขอแก้ไข is off-screen: {box}")
                if vname == "desktop":
                    dashboard_and_menu_checks(chromium, t, problems)
                for page in pages.values():
                    page.context.close()
        finally:
            chromium.close()
    assert problems == [], "\n".join(problems)


def dashboard_and_menu_checks(chromium, t: Live, problems: list[str]) -> None:
    page = new_page(chromium, t, SURACHET, **VIEWPORTS["desktop"])
    page.goto(t.url + "/dashboard/")
    title = page.locator("#scope-title").inner_text()
    if not title.startswith("อำเภอแม่สอด"):
        problems.append(f"district supervisor's dashboard titled {title!r}")
    page.context.close()
    page = new_page(chromium, t, NARONG, **VIEWPORTS["desktop"])
    page.goto(t.url + "/dashboard/")
    if not page.locator("#scope-title").inner_text().startswith("จังหวัดตาก"):
        problems.append("provincial supervisor's dashboard does not name the province")
    page.context.close()
    page = new_page(chromium, t, SUNEE, **VIEWPORTS["desktop"])
    page.goto(t.url + "/")  # an officer who is also personnel lands on their own record
    if not page.url.endswith("/me/record"):
        problems.append(f"the officer landed on {page.url}")
    queue = page.locator("#nav-queue").inner_text()
    if not re.fullmatch(r"คำขอรอดำเนินการ \([1-9]\d*\)", queue):
        problems.append(f"queue link without a pending count: {queue!r}")
    page.context.close()


def test_the_print_view_fits_a4(live):
    in_own_thread(print_scenario, live, timeout=240)


PRINT_JS = """(limit) => {
  const out = [];
  for (const t of document.querySelectorAll('table')) {
    const r = t.getBoundingClientRect();
    if (r.width === 0) continue;
    if (r.width > limit + 0.5 || r.right > limit + 0.5 || r.left < -0.5)
      out.push(`table #${t.id}: ${r.left.toFixed(1)}–${r.right.toFixed(1)} px, the A4 text width is ${limit.toFixed(1)} px`);
    for (const th of t.querySelectorAll('th')) {
      if (th.scrollWidth > th.clientWidth + 1)
        out.push(`table #${t.id}: header ${JSON.stringify(th.innerText.trim())} overflows its cell (${th.scrollWidth} > ${th.clientWidth})`);
    }
  }
  return out;
}"""


def print_scenario(t: Live) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = launch(p)
        try:
            # The viewport is the A4 text width, so the print layout is the one on paper.
            page = new_page(chromium, t, MALI, viewport={"width": int(A4_TEXT_WIDTH_PX), "height": 1000})
            page.goto(t.url + "/me/record/print")
            page.emulate_media(media="print")
            problems = page.evaluate(PRINT_JS, int(A4_TEXT_WIDTH_PX))
            assert page.locator("#sec-LEAVE").is_visible()
            text = page.evaluate("() => document.body.innerText")
            assert "ก.พ.7" not in text and "(seed)" not in text and not ISO_DATE.search(text)
            pdf_bytes = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
            assert pdf_bytes.startswith(b"%PDF-")
            assert len(re.findall(rb"/Type\s*/Page[^s]", pdf_bytes)) >= 2
            boxes = {tuple(round(float(v)) for v in b.split()) for b in re.findall(rb"/MediaBox\s*\[([^\]]+)\]", pdf_bytes)}
            assert boxes == {(0, 0, 595, 842)}, f"not A4 portrait pages: {boxes}"
            page.context.close()
        finally:
            chromium.close()
    assert problems == [], "\n".join(problems)
    save_first_page(pdf_bytes, SHOTS / "lhr-print-a4.png")


def save_first_page(pdf_bytes: bytes, target: Path) -> None:
    tool = shutil.which("pdftoppm")
    if tool is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed: the PDF was checked, no PNG written")
    work = target.parent / ".lhr-print-a4"
    work.mkdir(exist_ok=True)
    try:
        (work / "print.pdf").write_bytes(pdf_bytes)
        subprocess.run([tool, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(work / "print.pdf"),
                        str(work / "page")], check=True, timeout=60)
        shutil.move(str(work / "page.png"), target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    assert target.read_bytes().startswith(b"\x89PNG")

