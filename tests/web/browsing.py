"""Helpers of the browser tests: Debian's Chromium, a signed-in page that records errors and outside requests."""

import shutil
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def open_page(browser, url, *, mobile=False, user="admin", geolocation=None):
    """A signed-in page (its console errors and any request to another host are collected); ``geolocation``
    ({"longitude", "latitude", "accuracy"}) grants the permission and sets the browser's position."""
    extra = {"permissions": ["geolocation"], "geolocation": geolocation} if geolocation else {}
    context = browser.new_context(viewport={"width": 390, "height": 844} if mobile else {"width": 1280, "height": 900},
                                  **extra)
    page = context.new_page()
    base = url.split("/", 3)[:3]
    page.goto("/".join(base) + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", "correct horse 42")
    page.click("#signin")
    page.wait_for_load_state("load")
    errors, outside = [], []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    def guard(route):
        if route.request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(url, wait_until="load", timeout=30_000)
    return page, errors, outside


def wait_until(page, expression: str, timeout_s: float = 30.0) -> None:
    """Poll a JavaScript expression until it is true (wait_for_function needs eval, which the CSP forbids)."""
    import time

    started = time.monotonic()
    while not page.evaluate(expression):
        assert time.monotonic() - started < timeout_s, f"still false after {timeout_s} s: {expression}"
        page.wait_for_timeout(100)
