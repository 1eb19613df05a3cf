"""Registration in the ThaiD app pages, step by step (manual §๒.๑ self, §๒.๒ with an officer):
every step is a page in Thai and in English, and both paths end on the digital ID card.

Also home of the small in-process drivers (``Phone``, ``Officer``) the other test_enrol_*
files import: a phone and an officer's computer are two Flask test clients (two cookie jars).
"""
from __future__ import annotations

import io
import re

import pytest
from conftest import make_app

from mock_thaid import cardimages

HTML = {"Accept": "text/html"}
WARAPORN = "1153620226005"  # in the register, not registered, card valid, face/fingerprint pass
CHAKKAPHAN = "3647798421261"  # not registered either
PIN = "24681357"


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def title(html: str) -> str:
    return re.search(r'id="title">([^<]+)<', html).group(1).strip()


def error_of(html: str) -> str:
    m = re.search(r'id="error"[^>]*>(.*?)</(?:div|p)>', html, re.S)
    return re.sub(r"<[^>]+>", " ", m.group(1)) if m else ""


class Phone:
    """The phone running the ThaiD app: its own cookies (session) and language."""

    def __init__(self, app, lang: str = "th") -> None:
        self.app = app
        self.c = app.test_client()
        home = self.c.get(f"/app/?lang={lang}", headers=HTML)
        self.token = csrf(home.get_data(as_text=True))

    @property
    def services(self):
        return self.app.extensions["mock_thaid"]

    def start(self):
        return self.c.post("/app/enrol/start", data={"csrf_token": self.token})

    def page(self):
        """The current step's page (following the redirect to it)."""
        return self.c.get("/app/enrol/", headers=HTML, follow_redirects=True)

    def html(self) -> str:
        return self.page().get_data(as_text=True)

    def post(self, page: str, **form):
        form.setdefault("csrf_token", self.token)
        return self.c.post(f"/app/enrol/{page}", data=form, headers=HTML, content_type="multipart/form-data")

    def status(self) -> dict:
        return self.c.get("/app/enrol/status").get_json()

    @property
    def step(self) -> str:
        return self.status()["step"]

    def ok(self, page: str, **form):
        r = self.post(page, **form)
        assert r.status_code == 303, (page, r.status_code, error_of(r.get_data(as_text=True)))
        return r


def card_files(phone: Phone, pid: str, variant: str = "clear") -> dict:
    files = {}
    for side in ("front", "back"):
        data = phone.c.get(f"/app/cards/{pid}/{side}.png?variant={variant}").data
        files[side] = (io.BytesIO(data), f"{side}.png")
    return files


def selfie_file():
    return (io.BytesIO(cardimages.render_selfie()), "selfie.png")


SELF_STEPS = ["camera", "choose", "terms", "card", "card_check", "selfie", "pin", "consent", "done"]
OFFICER_STEPS = ["camera", "choose", "visit", "terms", "pid", "at_officer", "fingerprint", "scan_qr", "pin",
                 "consent", "done"]


def walk_self(phone: Phone, pid: str = WARAPORN, until: str = "done", pin: str = PIN) -> None:
    """Drive a fresh self-registration up to (not through) the step ``until``."""
    phone.start()
    actions = {
        "camera": lambda: phone.ok("camera", action="allow"),
        "choose": lambda: phone.ok("choose", channel="self"),
        "terms": lambda: phone.ok("terms", action="accept"),
        "card": lambda: (phone.ok("card", action="upload", **card_files(phone, pid)), phone.ok("card", action="confirm")),
        "card_check": lambda: phone.ok("card-check", action="confirm"),
        "selfie": lambda: (phone.ok("selfie", action="upload", selfie=selfie_file()), phone.ok("selfie", action="confirm")),
        "pin": lambda: phone.ok("pin", pin=pin, pin_confirm=pin),
        "consent": lambda: phone.ok("consent", pin=pin),
    }
    for step in SELF_STEPS:
        if step == until:
            break
        assert phone.step == step
        actions[step]()
    assert phone.step == until


class Officer:
    """The officer's computer at a district office, logged in to /officer/."""

    def __init__(self, app, office: str = "tak-mueang", lang: str = "th", name: str = "สมชาย ใจดี") -> None:
        self.c = app.test_client()
        page = self.c.get(f"/officer/?lang={lang}", headers=HTML).get_data(as_text=True)
        self.token = csrf(page)
        password = app.extensions["mock_thaid"].settings.officer_password
        r = self.c.post("/officer/login", data={"csrf_token": self.token, "name": name, "office": office,
                                                "password": password})
        assert r.status_code == 303

    def list(self) -> str:
        return self.c.get("/officer/", headers=HTML).get_data(as_text=True)

    def detail(self, ref: str):
        return self.c.get(f"/officer/e/{ref}", headers=HTML)

    def act(self, ref: str, action: str):
        return self.c.post(f"/officer/e/{ref}/{action}", data={"csrf_token": self.token}, headers=HTML)

    def qr_link(self, ref: str) -> str:
        html = self.detail(ref).get_data(as_text=True)
        return re.search(r'id="qr-link" href="http://mock\.test([^"]+)"', html).group(1)


def walk_officer(phone: Phone, officer: Officer | None, pid: str = WARAPORN, until: str = "done",
                 pin: str = PIN, office: str = "tak-mueang") -> None:
    phone.start()
    for step in OFFICER_STEPS:
        if step == until:
            break
        assert phone.step == step, (phone.step, step)
        ref = phone.status()["ref"]
        if step == "camera":
            phone.ok("camera", action="allow")
        elif step == "choose":
            phone.ok("choose", channel="officer")
        elif step == "visit":
            phone.ok("visit", office=office)
        elif step == "terms":
            phone.ok("terms", action="accept")
        elif step == "pid":
            phone.ok("pid", pid=pid)
        elif step == "at_officer":
            assert officer.act(ref, "card-check").status_code == 303
        elif step == "fingerprint":
            assert officer.act(ref, "fingerprint").status_code == 303
        elif step == "scan_qr":
            assert phone.c.get(officer.qr_link(ref)).status_code == 303
        elif step == "pin":
            phone.ok("pin", pin=pin, pin_confirm=pin)
        elif step == "consent":
            phone.ok("consent", pin=pin)
    assert phone.step == until


@pytest.fixture
def app():
    return make_app()


# --- every step is a page, in Thai and in English ----------------------------------------------

SELF_TITLES = {
    "camera": ("อนุญาตให้ ThaiD เข้าถึงกล้อง", "Allow ThaiD to use the camera", "2.1.1"),
    "choose": ("เลือกวิธีลงทะเบียน", "Choose how to register", "2.1.2"),
    "terms": ("ข้อตกลงและเงื่อนไขการใช้งาน", "Terms and conditions", "2.1.3"),
    "card": ("ถ่ายรูปบัตรประจำตัวประชาชน", "Photograph your ID card", "2.1.4"),
    "card_check": ("ตรวจสอบข้อมูลบัตรประจำตัวประชาชน", "Check your ID card data", "2.1.5"),
    "selfie": ("ถ่ายรูปใบหน้า", "Take a selfie", "2.1.6"),
    "pin": ("สร้างรหัส PIN", "Create your PIN", "2.1.7"),
    "consent": ("แจ้งเตือนการลงทะเบียน", "Registration notice", "2.1.8"),
    "done": ("ลงทะเบียนเสร็จสิ้น", "Registration complete", "2.1.9"),
}
OFFICER_TITLES = {
    "choose": ("เลือกวิธีลงทะเบียน", "Choose how to register", "2.2.1"),
    "visit": ("ไปที่สำนักทะเบียน", "Go to a registration office", "2.2.2"),
    "terms": ("ข้อตกลงและเงื่อนไขการใช้งาน", "Terms and conditions", "2.2.3"),
    "pid": ("ระบุเลขประจำตัวประชาชน", "Enter your citizen ID", "2.2.4"),
    "at_officer": ("ลงทะเบียนกับเจ้าหน้าที่", "With the officer", "2.2.5"),
    "fingerprint": ("ลงทะเบียนกับเจ้าหน้าที่", "With the officer", "2.2.5"),
    "scan_qr": ("ลงทะเบียนกับเจ้าหน้าที่", "With the officer", "2.2.6"),
    "pin": ("สร้างรหัส PIN", "Create your PIN", "2.2.7"),
    "consent": ("แจ้งเตือนการลงทะเบียน", "Registration notice", "2.2.8"),
    "done": ("ลงทะเบียนเสร็จสิ้น", "Registration complete", "2.2.9"),
}
THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


@pytest.mark.parametrize("lang", ["th", "en"])
@pytest.mark.parametrize("step", list(SELF_TITLES))
def test_self_registration_step_page(app, step, lang):
    phone = Phone(app, lang)
    walk_self(phone, until=step)
    r = phone.page()
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    th, en, ref = SELF_TITLES[step]
    assert title(html) == (th if lang == "th" else en)
    assert f'data-step="{step}"' in html and "MOCK" in html
    assert (ref.translate(THAI) if lang == "th" else ref) in html  # the manual's section
    assert r.request.path == "/app/enrol/" + step.replace("_", "-")


@pytest.mark.parametrize("lang", ["th", "en"])
@pytest.mark.parametrize("step", list(OFFICER_TITLES))
def test_officer_registration_step_page(app, step, lang):
    phone, officer = Phone(app, lang), Officer(app, lang=lang)
    walk_officer(phone, officer, until=step)
    html = phone.html()
    th, en, ref = OFFICER_TITLES[step]
    assert title(html) == (th if lang == "th" else en)
    assert f'data-step="{step}"' in html
    assert (ref.translate(THAI) if lang == "th" else ref) in html


def test_self_registration_end_to_end_shows_the_digital_card(app):
    phone = Phone(app)
    walk_self(phone)
    html = phone.html()
    assert 'id="digital-card"' in html and "1-1536-20226-00-5" in html
    assert 'data-channel="self"' in html and 'id="card-ial">2.3<' in html
    assert phone.c.get("/app/card/front.png").mimetype == "image/png"
    card = phone.c.get("/app/card", headers=HTML).get_data(as_text=True)
    assert "ลงทะเบียนด้วยตนเอง" in card  # the phone owner's digital card
    with phone.services.db.session() as s:
        from mock_thaid.store import citizens
        acc = citizens.account(s, WARAPORN)
        assert acc.channel == "self" and acc.registered_at > 0


def test_officer_registration_end_to_end(app):
    phone, officer = Phone(app), Officer(app)
    walk_officer(phone, officer)
    html = phone.html()
    assert 'data-channel="officer"' in html and "ลงทะเบียนผ่านเจ้าหน้าที่" in html


def test_self_page_shows_card_data_read_from_the_sample_card(app):
    phone = Phone(app, "en")
    walk_self(phone, until="card_check")
    html = phone.html()
    assert "Waraporn" in html and "1-1536-20226-00-5" in html
    from mock_thaid.store import enrolments
    with phone.services.db.session() as s:
        e = enrolments.by_ref(s, phone.status()["ref"])
        assert (e.pid, e.card_source) == (WARAPORN, "sample")  # read from the card, not typed


def test_card_page_previews_each_photo_with_retake(app):
    phone = Phone(app)
    walk_self(phone, until="card")
    files = card_files(phone, WARAPORN)
    phone.ok("card", action="upload", front=files["front"])
    html = phone.html()
    assert 'id="preview-front"' in html and 'id="retake-front"' in html and 'id="back"' in html
    assert 'id="upload"' in html and 'id="confirm"' not in html
    src = re.search(r'id="preview-front" src="([^"]+)"', html).group(1)
    photo = phone.c.get(src)
    assert photo.mimetype == "image/png" and photo.headers["Cache-Control"] == "no-store"
    phone.ok("card", action="retake:front")
    assert 'id="preview-front"' not in phone.html()


def test_camera_capture_offered_in_the_page_with_file_fallback(app):
    phone = Phone(app)
    walk_self(phone, until="card")
    html = phone.html()
    assert "getUserMedia" in html and 'class="open-camera"' in html
    assert 'type="file" id="front" name="front" accept="image/jpeg,image/png" capture="environment"' in html


def test_decline_terms_abandons_and_goes_home(app):
    phone = Phone(app)
    walk_self(phone, until="terms")
    r = phone.post("terms", action="decline")
    assert r.status_code == 303 and r.headers["Location"].endswith("/app/")


def test_cancel_deletes_the_photos(app):
    phone = Phone(app)
    walk_self(phone, until="card")
    phone.ok("card", action="upload", **card_files(phone, WARAPORN))
    r = phone.c.post("/app/enrol/abandon", data={"csrf_token": phone.token})
    assert r.status_code == 303
    from mock_thaid.store import enrolments
    with phone.services.db.session() as s:
        assert enrolments.image_count(s) == 0


def test_forms_need_the_csrf_token(app):
    phone = Phone(app)
    walk_self(phone, until="camera")
    r = phone.c.post("/app/enrol/camera", data={"action": "allow"}, headers=HTML)
    assert r.status_code == 400 and phone.step == "camera"
    officer = Officer(app)
    assert officer.c.post("/officer/logout").status_code == 400


def test_app_home_offers_registration_and_the_unregistered_page_links_to_it(app):
    html = Phone(app, "en").c.get("/app/", headers=HTML).get_data(as_text=True)
    assert 'id="register"' in html and "Register" in html and 'href="/app/cards/"' in html
    unregistered = (app.jinja_env.loader.get_source(app.jinja_env, "app/unregistered.html")[0])
    assert "enrol_home.home" in unregistered


def test_gallery_lists_every_citizen_with_downloads(app):
    html = app.test_client().get("/app/cards/?lang=en", headers=HTML).get_data(as_text=True)
    assert f'data-pid="{WARAPORN}"' in html and "card expired" in html
    r = app.test_client().get(f"/app/cards/{WARAPORN}/front.jpeg?download=1")
    assert r.mimetype == "image/jpeg" and "attachment" in r.headers["Content-Disposition"]
    assert app.test_client().get("/app/cards/1234567890123/front.png").status_code == 404


# --- what a class reads: words, Thai dates, who to register (issue 14) -------------------------

def visible(html: str) -> str:
    """The page's text a person reads (no scripts, no <code> for developers, no tags)."""
    html = re.sub(r"<(script|style|code|pre)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_gallery_says_who_is_not_registered_yet(app):
    html = app.test_client().get("/app/cards/", headers=HTML).get_data(as_text=True)
    todo = re.search(r'<ul class="gallery-list" id="unregistered">(.*?)</ul>', html, re.S).group(1)
    done = re.search(r'<ul class="gallery-list" id="registered">(.*?)</ul>', html, re.S).group(1)
    assert f'data-pid="{WARAPORN}" data-registered="no"' in todo and "ยังไม่ลงทะเบียน" in todo
    assert 'data-pid="1057830862719" data-registered="yes"' in done  # Mali is registered
    assert "เลือกคนเหล่านี้เพื่อฝึกลงทะเบียน" in html
    # the simulated checks and the expired cards in words, with Buddhist-era dates
    text = visible(html)
    assert "ทดสอบกรณี: ใบหน้าไม่ตรงกับรูปในบัตร" in text and "ทดสอบกรณี: ลายนิ้วมือไม่ตรงกับทะเบียนราษฎร" in text
    assert "บัตรหมดอายุ (2 ต.ค. 2567)" in text
    for word in ("pass", "mismatch", "liveness_fail", "2024-10-02"):
        assert word not in text, word
    # registering someone moves them to the other list
    phone = Phone(app)
    walk_self(phone)
    html = app.test_client().get("/app/cards/", headers=HTML).get_data(as_text=True)
    assert f'data-pid="{WARAPORN}" data-registered="yes"' in html


def test_selfie_page_and_officer_console_name_the_simulated_outcome_in_thai(app):
    phone = Phone(app)
    walk_self(phone, pid="1368410540482", until="selfie")  # face: mismatch
    assert "ผลตรวจใบหน้าที่ตั้งไว้สำหรับบุคคลนี้: ใบหน้าไม่ตรงกับรูปในบัตร" in visible(phone.html())
    phone, officer = Phone(app), Officer(app)
    walk_officer(phone, officer, pid="3081442869245", until="fingerprint")  # fingerprint: mismatch
    ref = phone.status()["ref"]
    text = visible(officer.detail(ref).get_data(as_text=True))
    assert "ลายนิ้วมือไม่ตรงกับทะเบียนราษฎร" in text and "mismatch" not in text
    assert "วันบัตรหมดอายุ 3 มี.ค. 2571" in text and "2028-03-03" not in text


def test_officer_console_names_the_step_after_the_qr_is_scanned(app):
    phone, officer = Phone(app), Officer(app)
    walk_officer(phone, officer, until="pin")
    ref = phone.status()["ref"]
    html = officer.detail(ref).get_data(as_text=True)
    assert re.search(r'id="step-name">สร้างรหัส PIN<', html)
    assert "· pin<" not in html


def test_expired_card_message_shows_a_thai_date(app):
    phone = Phone(app)
    walk_self(phone, pid="3765898366910", until="card")  # expires 2024-10-02
    phone.post("card", action="upload", **card_files(phone, "3765898366910"))
    r = phone.post("card", action="confirm")
    assert "(วันหมดอายุ 2 ต.ค. 2567)" in error_of(r.get_data(as_text=True))
    en = Phone(app, "en")
    walk_self(en, pid="3765898366910", until="card")
    en.post("card", action="upload", **card_files(en, "3765898366910"))
    assert "(expiry date 2 Oct. 2024)" in error_of(en.post("card", action="confirm").get_data(as_text=True))


def test_officer_list_marks_the_older_of_two_registrations_of_one_person_as_stale(app):
    officer = Officer(app)
    older, newer = Phone(app), Phone(app)
    walk_officer(older, officer, pid=CHAKKAPHAN, until="at_officer")
    walk_officer(newer, officer, pid=CHAKKAPHAN, until="at_officer")
    old_ref, new_ref = older.status()["ref"], newer.status()["ref"]
    html = officer.list()
    old_row = re.search(rf'<tr data-ref="{old_ref}".*?</tr>', html, re.S).group(0)
    new_row = re.search(rf'<tr data-ref="{new_ref}".*?</tr>', html, re.S).group(0)
    assert 'class="stale"' in old_row and f'data-newer="{new_ref}"' in old_row
    assert f"บุคคลนี้เริ่มลงทะเบียนใหม่แล้ว (รหัส {new_ref})" in old_row
    assert "stale" not in new_row
    assert 'id="stale"' in officer.detail(old_ref).get_data(as_text=True)
    assert 'id="stale"' not in officer.detail(new_ref).get_data(as_text=True)


def test_pin_and_consent_wording_match_the_rules_and_the_screen(app):
    phone = Phone(app)
    walk_self(phone, until="pin")
    html = phone.html()
    assert "เกิน 4 ตัว เช่น 1111" not in html and "ห้ามใช้เลขซ้ำติดกัน เช่น 1111" in html
    walk_self(phone, until="consent")
    html = phone.html()
    text = re.search(r'id="consent-text">(.*?)</p>', html, re.S).group(1)
    assert text.index("กรอกรหัส PIN") < text.index("กดยินยอม")  # as the screen asks: PIN first, then the button
    assert re.search(r'id="allow">ยินยอม<', html)
    camera = Phone(app)
    camera.start()
    assert re.search(r'id="deny">ไม่อนุญาต<.*id="allow">อนุญาต<', camera.html(), re.S)


# --- one catalogue: every sentence a person reads is in messages.py -----------------------------

def test_templates_use_only_the_catalogue():
    from pathlib import Path

    from mock_thaid.messages import MESSAGES

    root = Path(__file__).resolve().parents[2] / "mock_thaid" / "templates"
    problems = []
    for path in sorted(root.rglob("*.html")):
        src = path.read_text(encoding="utf-8")
        # a sentence written twice inline ('ไทย' if lang == 'th' else 'English') escapes the catalogue
        for m in re.finditer(r"""['"][^'"]*[\s\u0e00-\u0e7f][^'"]*['"]\s+if\s+lang\s*==\s*['"]th['"]\s+else""", src):
            problems.append(f"{path.relative_to(root)}: inline translation {m.group(0)!r}")
        for key in re.findall(r"""\bt\(\s*['"]([A-Za-z0-9_\-]+)['"]\s*[,)]""", src):
            if key not in MESSAGES:
                problems.append(f"{path.relative_to(root)}: no message {key!r}")
    for key, pair in MESSAGES.items():
        if len(pair) != 2 or not all(p.strip() for p in pair):
            problems.append(f"messages.py: {key!r} needs a Thai and an English text")
    assert not problems, "\n".join(problems)


def test_a_closed_login_names_why_in_words(app):
    """The app's closed page, whichever view sends the login's state (it is a code)."""
    with app.test_request_context("/?lang=th"):
        from flask import render_template

        html = render_template("app/closed.html", status="expired", ls=None, token="x", citizen=None)
    assert "(QR Code หมดอายุ)" in html and "(expired)" not in html
