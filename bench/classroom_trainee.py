"""One trainee of `make bench-classroom`: a phone and a desktop browser driven through the mock's
HTML pages (see classroom_bench.py for the whole class and the report)."""
from __future__ import annotations

import random
import re
import secrets
import sys
import threading
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import jwt
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from classroom_photos import personal  # noqa: E402

from mock_thaid.pin import DEFAULT_POLICY  # noqa: E402  (the PINs follow the mock's own rules)

CLIENT = ("demo-rp", "demo-rp-secret-TEST-ONLY")
REDIRECT = "http://127.0.0.1:8080/callback"
TARGET_MS = {"page": 300, "poll": 300, "photo": 1000}
TIMEOUT = (10, 60)  # connect, read: no request waits for ever
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
IMG = re.compile(r'<img[^>]+src="(/app/[^"]+)"')
ERROR_CODE = re.compile(r'id="error"[^>]*data-code="([^"]*)"')
PHONE_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"
DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"

# step name -> kind (target). Printed in this order.
STEPS = {
    "app home": "page", "start registration": "page", "camera": "page", "choose self": "page",
    "terms": "page", "upload card front": "photo", "upload card back": "photo", "photo preview": "photo",
    "confirm card photos": "page", "whose card (type PID)": "page", "card data correct": "page",
    "upload selfie": "photo", "confirm selfie": "page", "create PIN": "page", "consent with PIN": "page",
    "digital card page": "page", "digital card image": "page",
    "RP login -> QR page": "page", "QR status poll": "poll", "new QR (expired)": "page",
    "scan QR (app consent)": "page", "approve with PIN": "page", "RP token exchange": "page",
    "trainer console": "page", "trainer progress": "poll",
}


class Stop(Exception):
    """The run's time is up."""


class StepFailed(Exception):
    pass


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.requests = 0
        self.upload_bytes = 0
        self.notes: dict[str, int] = defaultdict(int)

    def ok(self, step: str, seconds: float, n_requests: int) -> None:
        with self.lock:
            self.times[step].append(seconds)
            self.requests += n_requests

    def note(self, what: str) -> None:
        with self.lock:
            self.notes[what] += 1

    def uploaded(self, n: int) -> None:
        with self.lock:
            self.upload_bytes += n

    def error(self, step: str, detail: str) -> None:
        with self.lock:
            self.errors[step].append(detail[:300])


class Clock:
    def __init__(self, max_seconds: float, think_scale: float, rng_seed: int) -> None:
        self.t0 = time.monotonic()
        self.deadline = self.t0 + max_seconds
        self.scale = think_scale
        self.stop = threading.Event()
        self.seed = rng_seed

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0 and self.stop.wait(min(seconds, max(0.0, self.left()))):
            raise Stop
        if self.left() <= 0:
            self.stop.set()
            raise Stop

    def think(self, rng: random.Random, mean: float) -> None:
        self.sleep(mean * self.scale * rng.uniform(0.5, 1.5))


class Browser:
    """One device: its own cookies, the last page's CSRF token, the stylesheet fetched once."""

    def __init__(self, base: str, rec: Recorder, ua: str, headers: dict | None = None) -> None:
        self.base, self.rec = base, rec
        self.s = requests.Session()
        self.s.headers.update({"User-Agent": ua, "Accept-Language": "th-TH,th;q=0.9,en;q=0.8", **(headers or {})})
        self.csrf = None
        self.styled = False

    def close(self) -> None:
        self.s.close()

    def _page(self, r: requests.Response) -> None:
        if "text/html" in r.headers.get("Content-Type", ""):
            m = CSRF.search(r.text)
            if m:
                self.csrf = m.group(1)

    def step(self, step: str, method: str, path: str, *, expect: tuple = (200,), expect_path: str | None = None,
             images: str | None = None, **kw) -> requests.Response:
        """One thing a person does: the request, the redirect the browser follows, the page."""
        headers = kw.pop("headers", {})
        if method == "POST":
            headers = {"Origin": self.base, "Sec-Fetch-Site": "same-origin", **headers}
        t = time.perf_counter()
        try:
            r = self.s.request(method, urljoin(self.base, path), headers=headers, timeout=TIMEOUT, **kw)
        except requests.RequestException as e:
            self.rec.error(step, f"{type(e).__name__}: {e}")
            raise StepFailed(step) from None
        dt = time.perf_counter() - t
        if r.status_code not in expect:
            code = ERROR_CODE.search(r.text)
            self.rec.error(step, f"HTTP {r.status_code}" + (f" {code.group(1)}" if code else f" {r.text[:120]!r}"))
            raise StepFailed(step)
        if expect_path and urlsplit(r.url).path != expect_path:
            code = ERROR_CODE.search(r.text)
            self.rec.error(step, f"landed on {urlsplit(r.url).path}, expected {expect_path}"
                           + (f" ({code.group(1)})" if code else ""))
            raise StepFailed(step)
        self.rec.ok(step, dt, 1 + len(r.history))
        self._page(r)
        if not self.styled and "text/html" in r.headers.get("Content-Type", ""):
            self.styled = True  # the stylesheet, once (then from the cache)
            self.s.get(self.base + "/static/style.css", timeout=TIMEOUT)
        if images:  # what the page shows (no-store: fetched every time)
            for src in IMG.findall(r.text):
                self.step(images, "GET", src.replace("&amp;", "&"))
        return r

    def form(self, step: str, path: str, data: dict, *, expect: tuple = (200,), expect_path: str | None = None,
             files=None, images: str | None = None) -> requests.Response:
        return self.step(step, "POST", path, data={"csrf_token": self.csrf or "", **data}, files=files,
                         expect=expect, expect_path=expect_path, images=images)


# --- people ------------------------------------------------------------------------------------

def a_pin(rng: random.Random) -> str:
    while True:
        pin = "".join(rng.choice("0123456789") for _ in range(8))
        if DEFAULT_POLICY.is_ok(pin):
            return pin


def a_pid(rng: random.Random, taken: set[str]) -> str:
    while True:
        first12 = "1" + "".join(rng.choice("0123456789") for _ in range(11))
        total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
        pid = first12 + str((11 - total % 11) % 10)
        if pid not in taken:
            taken.add(pid)
            return pid


def prepare_class(base: str, auth: dict, n: int, rng: random.Random) -> tuple[list[str], list[str]]:
    """Citizens who can register: the seeded unregistered ones, made able to (as a trainer would
    before the class), then new ones. Returns their PIDs and notes on what was changed."""
    ctl = requests.Session()
    ctl.headers.update(auth)
    people = ctl.get(base + "/_mock/citizens", timeout=TIMEOUT).json()["citizens"]
    taken = {c["pid"] for c in people}
    today = date.today().isoformat()
    notes, pids = [], []
    for c in [c for c in people if not c["registered"]][:n]:
        fixed = {}
        if c.get("face", "pass") != "pass":
            fixed["face"] = "pass"
            notes.append(f"...{c['pid'][-4:]}: face {c['face']} -> pass")
        if c["date_of_expiry"] < today:
            fixed["date_of_expiry"] = "2031-12-31"
            notes.append(f"...{c['pid'][-4:]}: card expired {c['date_of_expiry']} -> renewed")
        if fixed:
            ctl.post(base + "/_mock/citizens", json={**c, **fixed, "registered": False},
                     timeout=TIMEOUT).raise_for_status()
        pids.append(c["pid"])
    seeded = len(pids)
    for i in range(n - seeded):
        pid = a_pid(rng, taken)
        ctl.post(base + "/_mock/citizens", timeout=TIMEOUT, json={
            "pid": pid, "title": "นางสาว" if i % 2 else "นาย", "title_en": "Miss" if i % 2 else "Mr.",
            "given_name": f"ผู้เข้าอบรม{i + 1}", "family_name": "ห้องเรียน", "given_name_en": f"Trainee{i + 1}",
            "family_name_en": "Classroom", "gender": "female" if i % 2 else "male", "registered": False,
        }).raise_for_status()
        pids.append(pid)
    notes.insert(0, f"{seeded} seeded unregistered citizens + {n - seeded} added with POST /_mock/citizens")
    return pids, notes


# --- the people in the room ------------------------------------------------------------------

class Trainee:
    def __init__(self, i: int, pid: str, base: str, rec: Recorder, clock: Clock, photos: dict[str, bytes],
                 start_at: float) -> None:
        self.i, self.pid, self.base, self.rec, self.clock = i, pid, base, rec, clock
        self.rng = random.Random(clock.seed * 1000 + i)
        self.pin = a_pin(self.rng)
        self.photos = {k: personal(v, f"{i}-{k}") for k, v in photos.items()}
        self.start_at = start_at
        # opens the relying party some time while the phone registers (~75 s of thinking)
        self.desktop_at = start_at + self.rng.uniform(15, 75) * clock.scale
        self.app_link: str | None = None
        self.link_changed = threading.Condition()
        self.registered = self.logged_in = False
        self.failed: str | None = None

    # the phone -------------------------------------------------------------------------------
    def phone(self) -> None:
        c, rng = self.clock, self.rng
        ph = Browser(self.base, self.rec, PHONE_UA)
        enrol = "/app/enrol/"
        try:
            c.sleep(self.start_at - time.monotonic())
            ph.step("app home", "GET", "/app/")
            c.think(rng, 3)
            ph.form("start registration", enrol + "start", {}, expect_path=enrol + "camera")
            c.think(rng, 3)
            ph.form("camera", enrol + "camera", {"action": "allow", "camera": "available"}, expect_path=enrol + "choose")
            c.think(rng, 3)
            ph.form("choose self", enrol + "choose", {"channel": "self"}, expect_path=enrol + "terms")
            c.think(rng, 5)
            ph.form("terms", enrol + "terms", {"action": "accept"}, expect_path=enrol + "card")
            for side in ("front", "back"):
                c.think(rng, 6)  # taking the photo
                ph.form(f"upload card {side}", enrol + "card", {"action": "upload"}, expect_path=enrol + "card",
                        files={side: (f"IMG_{side}.jpg", self.photos[side], "image/jpeg")}, images="photo preview")
                self.rec.uploaded(len(self.photos[side]))
            c.think(rng, 3)
            ph.form("confirm card photos", enrol + "card", {"action": "confirm"}, expect_path=enrol + "card-owner")
            c.think(rng, 6)  # typing 13 digits
            ph.form("whose card (type PID)", enrol + "card-owner", {"action": "pid", "pid": self.pid},
                    expect_path=enrol + "card-check")
            c.think(rng, 4)
            ph.form("card data correct", enrol + "card-check", {"action": "confirm"}, expect_path=enrol + "selfie")
            c.think(rng, 6)
            ph.form("upload selfie", enrol + "selfie", {"action": "upload"}, expect_path=enrol + "selfie",
                    files={"selfie": ("IMG_selfie.jpg", self.photos["selfie"], "image/jpeg")}, images="photo preview")
            self.rec.uploaded(len(self.photos["selfie"]))
            c.think(rng, 3)
            ph.form("confirm selfie", enrol + "selfie", {"action": "confirm"}, expect_path=enrol + "pin")
            c.think(rng, 8)  # the PIN, twice
            ph.form("create PIN", enrol + "pin", {"pin": self.pin, "pin_confirm": self.pin}, expect_path=enrol + "consent")
            c.think(rng, 5)
            ph.form("consent with PIN", enrol + "consent", {"pin": self.pin}, expect_path=enrol + "done",
                    images="digital card image")
            self.registered = True
            c.think(rng, 4)
            ph.step("digital card page", "GET", "/app/card", images="digital card image")
            self.phone_login(ph)
        except StepFailed as e:
            self.failed = f"phone: {e}"
        except Stop:
            pass
        finally:
            ph.close()
            with self.link_changed:
                self.link_changed.notify_all()

    def phone_login(self, ph: Browser) -> None:
        c, rng = self.clock, self.rng
        seen = None
        for _ in range(6):  # a QR that expired, or was replaced, before the approval: scan the new one
            with self.link_changed:
                while self.app_link == seen and not c.stop.is_set():
                    if not self.link_changed.wait(min(1.0, max(0.01, c.left()))):
                        c.sleep(0)
            if c.stop.is_set():
                raise Stop
            link = seen = self.app_link
            c.think(rng, 4)  # pick up the phone, scan the QR on the screen
            r = ph.step("scan QR (app consent)", "GET", link, expect=(200, 404, 410))
            if r.status_code != 200:
                self.rec.note("QR scanned after it expired or was replaced (scanned again)")
                continue
            c.think(rng, 5)  # type the PIN
            r = ph.form("approve with PIN", urlsplit(link).path, {"pin": self.pin, "decision": "approve"},
                        expect=(200, 404, 410))
            if r.status_code == 200:
                return
            self.rec.note("QR expired or replaced (new QR on the desktop) while the PIN was typed: scanned again")
        self.rec.error("scan QR (app consent)", "QR expired six times")
        raise StepFailed("scan QR (app consent)")

    # the desktop -----------------------------------------------------------------------------
    def desktop(self, verifier: "Verifier") -> None:
        c, rng = self.clock, self.rng
        dk = Browser(self.base, self.rec, DESKTOP_UA)
        n = secrets.token_hex(4)
        try:
            c.sleep(self.desktop_at - time.monotonic())
            r = dk.step("RP login -> QR page", "GET", "/api/v2/oauth2/auth/", params={
                "response_type": "code", "client_id": CLIENT[0], "redirect_uri": REDIRECT,
                "scope": "openid pid name", "state": "s" + n, "nonce": "n" + n})
            status_url, renew_url = self._qr_page(r)
            while True:
                c.sleep(1.0)  # setTimeout(poll, 1000) after each answer
                if self.failed:
                    return
                r = dk.step("QR status poll", "GET", status_url, headers={"Cache-Control": "no-store"})
                st = r.json()
                if st.get("redirect"):
                    break
                if st["status"] == "expired":
                    c.think(rng, 3)  # the person clicks "new QR"
                    r = dk.form("new QR (expired)", renew_url, {})
                    status_url, renew_url = self._qr_page(r)
            query = parse_qs(urlsplit(st["redirect"]).query)
            if "code" not in query or query.get("state") != ["s" + n]:
                self.rec.error("QR status poll", f"finished without a code: {st['redirect'][:150]}")
                raise StepFailed("QR status poll")
            r = dk.step("RP token exchange", "POST", "/api/v2/oauth2/token/", auth=CLIENT, data={
                "grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": REDIRECT})
            claims = verifier.check(r.json()["id_token"])
            if claims.get("pid") != self.pid or claims.get("nonce") != "n" + n:
                self.rec.error("RP token exchange", "ID token for someone else")
                raise StepFailed("RP token exchange")
            self.logged_in = True
        except StepFailed as e:
            self.failed = self.failed or f"desktop: {e}"
        except Stop:
            pass
        except (KeyError, ValueError, jwt.PyJWTError) as e:
            self.rec.error("RP token exchange", f"{type(e).__name__}: {e}")
            self.failed = self.failed or "desktop: token"
        finally:
            dk.close()

    def _qr_page(self, r: requests.Response) -> tuple[str, str]:
        status = re.search(r'data-status-url="([^"]+)"', r.text)
        link = re.search(r'id="app-link" href="([^"]+)"', r.text)
        renew = re.search(r'action="([^"]+/renew)"', r.text)
        if not (status and link and renew):
            self.rec.error("RP login -> QR page", "no QR page")
            raise StepFailed("RP login -> QR page")
        with self.link_changed:
            self.app_link = link.group(1).replace("&amp;", "&")
            self.link_changed.notify_all()
        return status.group(1), renew.group(1)


class Verifier:
    def __init__(self, base: str) -> None:
        meta = requests.get(base + "/.well-known/openid-configuration", timeout=TIMEOUT).json()
        self.issuer = meta["issuer"]
        self.keys = {k["kid"]: jwt.PyJWK(k).key for k in requests.get(meta["jwks_uri"], timeout=TIMEOUT).json()["keys"]}

    def check(self, token: str) -> dict:
        kid = jwt.get_unverified_header(token)["kid"]
        return jwt.decode(token, self.keys[kid], algorithms=["ES256"], audience=CLIENT[0], issuer=self.issuer)
