"""`mock-thaid wait URL`: block until a server answers ``GET /healthz`` with 200, so a pipeline
never sleeps and hopes. Works for the mock and the LHR demo alike (both serve /healthz)."""
from __future__ import annotations

import sys
import time
import urllib.error
import urllib.request


def wait_ready(url: str, timeout: float = 60.0, *, interval: float = 0.2, out=sys.stderr) -> int:
    """0 once ``{url}/healthz`` answers 200; 1 (with the last thing seen) when ``timeout`` runs out."""
    target = url.rstrip("/") + "/healthz"
    deadline = time.monotonic() + max(0.0, timeout)
    last = "no answer yet"
    started = time.monotonic()
    next_note = started + 5.0
    while True:
        try:
            with urllib.request.urlopen(target, timeout=min(5.0, max(0.5, timeout))) as resp:
                if resp.status == 200:
                    print(f"mock-thaid: {target} is ready ({time.monotonic() - started:.1f} s)", file=out, flush=True)
                    return 0
                last = f"HTTP {resp.status}"
        except urllib.error.HTTPError as e:
            last = f"HTTP {e.code}"
        except (OSError, ValueError) as e:
            last = getattr(e, "reason", None) and str(e.reason) or e.__class__.__name__
        now = time.monotonic()
        if now >= deadline:
            print(f"mock-thaid: {target} not ready after {timeout:.0f} s (last: {last}) / "
                  f"ยังไม่พร้อมให้บริการภายใน {timeout:.0f} วินาที", file=out, flush=True)
            return 1
        if now >= next_note:
            print(f"mock-thaid: waiting for {target} ({now - started:.0f} s, last: {last})", file=out, flush=True)
            next_note = now + 5.0
        time.sleep(min(interval, max(0.0, deadline - now)))
