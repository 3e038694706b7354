"""`make screenshots`: every kind of page in el, bg and ro, at desktop width and at 390 px.

Seeds the demo into a temporary instance (SQLite), serves it with `sympraxis demo`, and drives
Debian's Chromium through Playwright: ``screenshots/<lang>/<kind>-<width>.png``, plus
``screenshots/overflow.txt`` listing any page that scrolls sideways. ``--base`` uses a server that
is already running the demo instead.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.browser.pagekinds import MUNICIPALITY_OF, discover, open_kind, overflow, sign_in  # noqa: E402

WIDTHS = {"desktop": (1280, 900), "390": (390, 844)}
PRINTED = {"outcome", "register", "checkin", "minutes", "meeting"}  # also shown as printed (A4 width)
ACCOUNTS = {
    "admin": "admin@{slug}.example",
    "ngo": "ngo@example.org",
    "operator": "operator@sympraxis.example",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_demo(port: int) -> subprocess.Popen:
    """`sympraxis demo` in a fresh instance folder, once it answers."""
    instance = tempfile.mkdtemp(prefix="sympraxis-screens-")
    env = {**os.environ, "SYMPRAXIS_INSTANCE_PATH": instance}
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "sympraxis"), "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(240):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("the demo did not start") from None
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit("the demo did not answer within two minutes")


def capture(base_port: int, out: Path, langs: list[str], only: set[str]) -> list[str]:
    from playwright.sync_api import sync_playwright

    from core.testing.browser import CHROMIUM_ARGS, chromium_path

    apex = f"http://localhost:{base_port}"
    problems = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        # the operator signs in once (two-step verification enrolled on the first sign-in)
        operator = browser.new_context()
        operator.set_default_timeout(15_000)
        page = operator.new_page()
        sign_in(page, apex, ACCOUNTS["operator"])
        page.close()
        for lang in langs:
            slug = MUNICIPALITY_OF[lang]
            tenant = f"http://{slug}.localhost:{base_port}"
            contexts = {"operator": operator}
            for who in ("guest", "admin", "ngo"):
                ctx = browser.new_context(locale=lang)
                ctx.set_default_timeout(15_000)
                if who != "guest":
                    page = ctx.new_page()
                    sign_in(page, apex, ACCOUNTS[who].format(slug=slug))
                    page.goto(f"{tenant}/auth/signin")  # the hand-off: signed in on the municipality too
                    page.close()
                contexts[who] = ctx
            guest = contexts["guest"].new_page()
            kinds = discover(guest, tenant)
            guest.close()
            (out / lang).mkdir(parents=True, exist_ok=True)
            for kind in kinds:
                if only and kind.name not in only:
                    continue
                page = contexts[kind.who].new_page()
                for label, (w, h) in WIDTHS.items():
                    page.set_viewport_size({"width": w, "height": h})
                    try:
                        open_kind(page, kind, tenant_url=tenant, apex_url=apex, lang=lang)
                    except Exception as exc:  # noqa: BLE001 - one broken page, the rest still shot
                        problems.append(f"{lang} {kind.name} {label}: {exc}")
                        continue
                    path = out / lang / f"{kind.name}-{label}.png"
                    page.screenshot(path=str(path), full_page=True)
                    for line in overflow(page):
                        problems.append(f"{lang} {kind.name} {label}: {line}")
                if kind.name in PRINTED:
                    page.set_viewport_size({"width": 794, "height": 1123})
                    page.emulate_media(media="print")
                    page.screenshot(path=str(out / lang / f"{kind.name}-print.png"), full_page=True)
                    page.emulate_media(media="screen")
                page.close()
                print(f"{lang} {kind.name}", flush=True)
            for who, ctx in contexts.items():
                if who != "operator":
                    ctx.close()
        operator.close()
        browser.close()
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--port", type=int, help="a demo already served on this port")
    parser.add_argument("--lang", action="append", choices=sorted(MUNICIPALITY_OF))
    parser.add_argument("--only", action="append", default=[], help="page kinds to capture (all by default)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    proc = None
    port = args.port
    if port is None:
        port = free_port()
        proc = start_demo(port)
    try:
        problems = capture(port, out, args.lang or ["el", "bg", "ro"], set(args.only))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=20)
    (out / "overflow.txt").write_text("\n".join(problems) + "\n")
    print(f"screenshots in {out}/; {len(problems)} problem(s)" + ("".join("\n  " + p for p in problems)))


if __name__ == "__main__":
    main()
