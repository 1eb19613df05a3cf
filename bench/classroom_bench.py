"""`make bench-classroom`: a simulated class of trainees against a real `mock-thaid serve` on 127.0.0.1.

Each trainee is two browsers with their own cookies, driven through the HTML pages and their
forms (CSRF tokens read from the pages, as a browser sends them back; no JSON API):
  phone    the app's home -> self-registration: camera, channel, terms, card front and back
           (realistic phone JPEGs, 2-4 MB, 12 MP), "whose card is it", the data read, selfie
           (same size), PIN twice, consent with the PIN -> digital card; then it scans the
           desktop's QR (the app link) and approves the login with its PIN. Every image a page
           shows (photo previews, the digital card) is fetched, as the page would.
  desktop  the relying party sends it to authorize -> 302 to the QR page, which it polls as the
           page's script does (next poll 1 s after the last answer); "new QR" when it expires;
           on approval the relying party exchanges the code (token endpoint) and checks the ID token.
plus one trainer console: the page once, then /_mock/trainer/progress every 2 s (setInterval).

People think between steps (--think-scale 0 for none). Trainees start spread over --ramp seconds.
Citizens: the seeded unregistered ones (outcomes set to pass and cards renewed through the control
API, as a trainer would before the class) plus citizens added with POST /_mock/citizens.
The server runs in classroom mode bound to 127.0.0.1 (--no-classroom for laptop mode). Every loop
is bounded by --max-seconds. Reports per-step p50/p95, errors, server CPU and memory (process tree
RSS, sampled) against the targets: 0 errors, p95 <= 300 ms for pages and polls, <= 1 s for photos.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import secrets
import struct
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import jwt
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import (BENCH, PEERS, ROOT, Profile, Server, cpu_seconds, free_port, load_average,  # noqa: E402
                      peak_rss_mb, percentile, rss_mb, summarize_profile)

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


# --- photos ------------------------------------------------------------------------------------

def make_photos(base: str, pid: str) -> dict[str, bytes]:
    """12-MP phone-like JPEGs of 2-4 MB, made once from the mock's own sample card and selfie
    (cached in bench/.peers/photos). The mock cannot read them as its cards: "whose card is it"."""
    from PIL import Image, ImageChops

    folder = PEERS / "photos"
    names = {"front": "card-front.jpg", "back": "card-back.jpg", "selfie": "selfie.jpg"}
    if all((folder / n).exists() for n in names.values()):
        return {k: (folder / n).read_bytes() for k, n in names.items()}
    folder.mkdir(parents=True, exist_ok=True)
    print("classroom: making phone-size photos (once) ...", flush=True)
    sources = {"front": f"/app/cards/{pid}/front.png", "back": f"/app/cards/{pid}/back.png",
               "selfie": "/app/cards/selfie.png"}
    out = {}
    for kind, url in sources.items():
        src = Image.open(io.BytesIO(requests.get(base + url, timeout=TIMEOUT).content)).convert("RGB")
        if kind == "selfie":
            w, h = 3000, 4000
            canvas = src.resize((w, h), Image.BICUBIC)
        else:  # the card on a table, landscape
            w, h = 4000, 3000
            canvas = Image.new("RGB", (w, h), (118, 96, 74))
            card = src.resize((3200, int(3200 * src.height / src.width)), Image.BICUBIC).rotate(2, expand=True,
                                                                                                fillcolor=(118, 96, 74))
            canvas.paste(card, ((w - card.width) // 2, (h - card.height) // 2))
        sigma = 8.0
        for _ in range(6):  # sensor noise until the JPEG is the size a phone makes
            noisy = ImageChops.add(canvas, Image.effect_noise((w, h), sigma).convert("RGB"), scale=1.0, offset=-128)
            buf = io.BytesIO()
            noisy.save(buf, "JPEG", quality=85)
            size = buf.tell()
            if 2.2e6 <= size <= 3.8e6:
                break
            sigma *= 1.4 if size < 2.2e6 else 0.7
        out[kind] = buf.getvalue()
        (folder / names[kind]).write_bytes(out[kind])
    return out


def personal(jpeg: bytes, tag: str) -> bytes:
    """The same photo with a comment segment of its own: every upload is a different file."""
    text = f"classroom bench {tag}".encode()
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(text) + 2) + text + jpeg[2:]


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


def trainer(base: str, rec: Recorder, clock: Clock, auth: dict, done: threading.Event) -> None:
    tr = Browser(base, rec, DESKTOP_UA, headers=auth)
    try:
        tr.step("trainer console", "GET", "/_mock/trainer/")
        tick = time.monotonic()
        while not done.is_set():
            tick += 2.0  # setInterval(refresh, 2000), as the console's script does
            clock.sleep(tick - time.monotonic())
            tr.step("trainer progress", "GET", "/_mock/trainer/progress?lang=th")
    except (StepFailed, Stop):
        pass
    finally:
        tr.close()


def monitor(pid: int, clock: Clock, samples: list, done: threading.Event) -> None:
    while not done.is_set():
        samples.append((round(time.monotonic() - clock.t0, 1), rss_mb(pid)))
        done.wait(0.5)


# --- the run -----------------------------------------------------------------------------------

def machine_cpu() -> list[int]:
    """The machine's CPU counters (/proc/stat): user nice system idle iowait irq softirq steal."""
    return [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]


def machine_split(before: list[int], after: list[int]) -> dict:
    d = [b - a for a, b in zip(before, after)]
    total = sum(d) or 1
    return {"busy_pct": round(100 * (d[0] + d[1] + d[2] + d[5] + d[6]) / total), "iowait_pct": round(100 * d[4] / total),
            "idle_pct": round(100 * d[3] / total), "steal_pct": round(100 * d[7] / total)}


def run_class(k: int, args, base: str, auth: dict, server: Server, rec: Recorder, rng: random.Random,
              prof_pid: int) -> dict:
    pids, notes = prepare_class(base, auth, args.trainees, rng)
    photos = make_photos(base, pids[0])
    verifier = Verifier(base)
    sizes = ", ".join(f"{kind} {len(v) / 1e6:.1f} MB" for kind, v in photos.items())
    print(f"classroom: class {k + 1}: {len(pids)} trainees; photos {sizes}; {'; '.join(notes)}; {load_average()}",
          flush=True)
    notes.append("at the start: " + load_average())
    rss_before = rss_mb(prof_pid)
    clock = Clock(args.max_seconds, args.think_scale, args.seed + k)
    cpu0, client0, mach0 = cpu_seconds(server.pid), time.process_time(), machine_cpu()
    start = time.monotonic()
    trainees = [Trainee(i, pid, base, rec, clock, photos, start + rng.uniform(0, args.ramp))
                for i, pid in enumerate(pids)]
    done, samples = threading.Event(), []
    side = [threading.Thread(target=trainer, args=(base, rec, clock, auth, done), daemon=True),
            threading.Thread(target=monitor, args=(server.pid, clock, samples, done), daemon=True)]
    people = [threading.Thread(target=t.phone, daemon=True) for t in trainees] + \
             [threading.Thread(target=t.desktop, args=(verifier,), daemon=True) for t in trainees]
    for th in side + people:
        th.start()
    last = 0.0
    while any(th.is_alive() for th in people) and clock.left() > -10:
        time.sleep(0.5)
        if time.monotonic() - last >= 15:
            last = time.monotonic()
            print(f"  t={time.monotonic() - start:4.0f} s  registered {sum(t.registered for t in trainees)}"
                  f"/{len(trainees)}  logged in {sum(t.logged_in for t in trainees)}  errors "
                  f"{sum(len(v) for v in rec.errors.values())}  server RSS {rss_mb(server.pid):.0f} MB",
                  flush=True)
    clock.stop.set()
    done.set()
    for th in side + people:
        th.join(15)
    out = {"trainees": trainees, "elapsed": time.monotonic() - start, "cpu": cpu_seconds(server.pid) - cpu0,
           "client_cpu": time.process_time() - client0, "machine": machine_split(mach0, machine_cpu()),
           "rss_before": rss_before, "rss_after": rss_mb(server.pid),
           "rss_peak": max([r for _, r in samples] or [0.0]), "samples": samples, "notes": notes}
    notes.append("at the end: " + load_average())
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--trainees", type=int, default=60, help="class size (default 60)")
    ap.add_argument("--ramp", type=float, default=30.0, help="seconds over which trainees start (default 30)")
    ap.add_argument("--think-scale", type=float, default=1.0,
                    help="multiplies every person's think time (default 1; 0 = no thinking, a stress run)")
    ap.add_argument("--max-seconds", type=float, default=240.0, help="hard stop for each class (default 240)")
    ap.add_argument("--classes", type=int, default=1,
                    help="classes one after the other on the same server, new citizens each (memory over time)")
    ap.add_argument("--workers", type=int, default=1, help="mock-thaid serve --workers (default 1: waitress)")
    ap.add_argument("--no-classroom", dest="classroom", action="store_false",
                    help="laptop mode instead of `serve --classroom` (still bound to 127.0.0.1)")
    ap.add_argument("--profile", action="store_true", help="sample the mock with py-spy for the whole run")
    ap.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                    help="an environment variable for the server (e.g. MALLOC_ARENA_MAX=2); repeatable")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--json", default=str(BENCH / "classroom_results.json"))
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    rec = Recorder()
    token = secrets.token_urlsafe(24)
    auth = {"Authorization": f"Bearer {token}"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="classroom-") as tmp:
        db = Path(tmp) / "class.sqlite3"
        env = dict(os.environ, MOCK_THAID_DATABASE_URL=f"sqlite:///{db}", MOCK_THAID_CONTROL_TOKEN=token)
        env.update(kv.split("=", 1) for kv in args.server_env)
        cmd = [sys.executable, "-m", "mock_thaid.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(args.workers)]
        if args.classroom:
            cmd += ["--classroom", "--public-url", base]
        with Server(cmd, base + "/healthz", label="classroom-mock", env=env) as server:
            print(f"classroom: mock-thaid serve{' --classroom' if args.classroom else ''} "
                  f"({'waitress' if args.workers == 1 else f'gunicorn x{args.workers}'}) on {base}, "
                  f"cold start {server.cold_start_s:.2f} s" + (f"; server env {' '.join(args.server_env)}"
                                                                if args.server_env else ""), flush=True)
            prof = Profile(server.pid, args.classes * (args.max_seconds + 30), PEERS / "profiles" /
                           "classroom-mock.raw") if args.profile else None
            classes = [run_class(k, args, base, auth, server, rec, rng, server.pid) for k in range(args.classes)]
            if prof is not None:
                prof.proc.send_signal(2)  # py-spy writes its samples on SIGINT (our own child)
            db_mb = sum(f.stat().st_size for f in Path(tmp).glob("class.sqlite3*")) / 1e6
            signs = server.waitress_signs()
            vmhwm = peak_rss_mb(server.pid)
            profile_lines = None
            if prof is not None:
                problem = prof.wait()
                profile_lines = [problem] if problem else summarize_profile(prof.out)
    report(args, rec, classes, db_mb, vmhwm, profile_lines, server.cold_start_s, signs)
    return 0


def report(args, rec, classes, db_mb, vmhwm, profile_lines, cold, signs) -> None:
    trainees = [t for c in classes for t in c["trainees"]]
    elapsed = sum(c["elapsed"] for c in classes)
    cpu = sum(c["cpu"] for c in classes)
    client_cpu = sum(c["client_cpu"] for c in classes)
    rows, doc_steps = [], {}
    worst = {"page": (0.0, ""), "poll": (0.0, ""), "photo": (0.0, "")}
    for step, kind in STEPS.items():
        lat = sorted(rec.times.get(step, []))
        errs = rec.errors.get(step, [])
        if not lat and not errs:
            continue
        p50, p95 = percentile(lat, 50), percentile(lat, 95)
        target = TARGET_MS[kind]
        ok = not errs and p95 is not None and p95 * 1000 <= target
        if p95 is not None and p95 * 1000 > worst[kind][0]:
            worst[kind] = (p95 * 1000, step)
        rows.append(f"| {step} | {kind} | {len(lat)} | {_ms(p50)} | {_ms(p95)} | {_ms(lat[-1] if lat else None)} "
                    f"| {len(errs)} | ≤ {target} | {'ok' if ok else 'MISSED'} |")
        doc_steps[step] = {"kind": kind, "n": len(lat), "p50_ms": _r(p50), "p95_ms": _r(p95),
                           "max_ms": _r(lat[-1] if lat else None), "errors": len(errs), "error_examples": errs[:3],
                           "target_ms": target}
    n_err = sum(len(v) for v in rec.errors.values())
    registered = sum(t.registered for t in trainees)
    logged_in = sum(t.logged_in for t in trainees)
    print()
    print(f"{len(classes)} class(es) of {args.trainees} (HTML forms with CSRF tokens, cookies per device; no JSON API), "
          f"think-time scale {args.think_scale:g}, ramp {args.ramp:g} s: {elapsed:.0f} s, "
          f"{rec.requests} requests ({rec.requests / elapsed:.0f}/s), {rec.upload_bytes / 1e6:.0f} MB of photos uploaded.")
    print()
    print("| step | kind | n | p50 ms | p95 ms | max ms | errors | target p95 ms | |")
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print()
    print(f"- registered {registered}/{len(trainees)}, logged in by QR {logged_in}/{len(trainees)}; "
          f"errors {n_err} (target 0: {'met' if n_err == 0 else 'MISSED'})")
    for kind, target in TARGET_MS.items():
        ms, step = worst[kind]
        print(f"- worst {kind} p95: {ms:.0f} ms ({step or '–'}); target ≤ {target} ms: "
              f"{'met' if ms <= target else 'MISSED'}")
    print(f"- server CPU {cpu:.1f} s over {elapsed:.0f} s ({100 * cpu / elapsed:.0f}% of one core; "
          f"{1000 * cpu / max(1, len(trainees)):.0f} ms per trainee); the bench's own CPU {client_cpu:.1f} s")
    for k, c in enumerate(classes):
        m = c["machine"]
        print(f"- class {k + 1}: server RSS {c['rss_before']:.0f} MB before, {c['rss_peak']:.0f} MB peak, "
              f"{c['rss_after']:.0f} MB after; the machine's CPUs {m['busy_pct']}% busy, {m['iowait_pct']}% waiting "
              f"for the disk, {m['idle_pct']}% idle")
    first = classes[0]["rss_after"]
    last = classes[-1]["rss_after"]
    bounded = "one class only: run --classes 2 to see the trend" if len(classes) == 1 else (
        f"after the last class {last:.0f} MB vs {first:.0f} MB after the first: "
        + ("bounded" if last <= first * 1.15 else "GROWING"))
    print(f"- memory: VmHWM {vmhwm:.0f} MB; {bounded}; database {db_mb:.0f} MB at the end")
    if signs:
        print(f"- waitress: connection limit (100 by default) reached {signs['connection_limit_reached']} times, "
              f"task queue up to {signs['task_queue_max_depth']} requests deep "
              f"({(16 if args.classroom else 4) if args.workers == 1 else (8 if args.classroom else 4)} "
              f"threads per process: serve's default)")
    for what, n in rec.notes.items():
        print(f"- {what}: {n} x (expected in a class, not counted as errors)")
    print(f"- cold start {cold:.2f} s; set-up: " + " | ".join("; ".join(c["notes"]) for c in classes))
    failed = [f"{t.i}:{t.failed}" for t in trainees if t.failed]
    if failed:
        print(f"- trainees stopped by an error: {', '.join(failed[:10])}{' ...' if len(failed) > 10 else ''}")
    for step, errs in rec.errors.items():
        print(f"  {step}: {len(errs)} x, e.g. {errs[0]}")
    if profile_lines:
        print("\nprofile of the mock during the class (py-spy, all threads):")
        print("\n".join(profile_lines))
    doc = {
        "settings": {k: v for k, v in vars(args).items() if k != "json"},
        "elapsed_s": round(elapsed, 1), "requests": rec.requests, "upload_mb": round(rec.upload_bytes / 1e6, 1),
        "registered": registered, "logged_in": logged_in, "errors": n_err, "steps": doc_steps,
        "server_cpu_s": round(cpu, 2), "client_cpu_s": round(client_cpu, 2),
        "classes": [{"elapsed_s": round(c["elapsed"], 1), "server_cpu_s": round(c["cpu"], 2), "machine_cpu": c["machine"],
                     "rss_mb": {"before": round(c["rss_before"], 1), "peak_sampled": round(c["rss_peak"], 1),
                                "after": round(c["rss_after"], 1), "samples": c["samples"][::4]},
                     "notes": c["notes"]} for c in classes],
        "vmhwm_mb": round(vmhwm, 1), "database_mb": round(db_mb, 1), "cold_start_s": round(cold, 3),
        "waitress": signs, "expected_retries": dict(rec.notes), "profile": profile_lines,
    }
    Path(args.json).write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    print(f"\nwrote {Path(args.json).relative_to(ROOT) if Path(args.json).is_relative_to(ROOT) else args.json}")


def _ms(v):
    return "–" if v is None else f"{v * 1000:.0f}"


def _r(v):
    return None if v is None else round(v * 1000, 1)


if __name__ == "__main__":
    sys.exit(main())
