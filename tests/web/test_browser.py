"""The pages in a real browser: headless Chromium (Debian's) driven by Playwright, offline."""

import shutil
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def server(web_instance):
    import os

    from waitress import create_server

    os.environ["PATROL_INSTANCE_DIR"] = str(web_instance)
    from web.app import create_app, resources

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": True})
    res = resources(app)
    _ = res.city, res.store, res.blocks, res.streets  # loaded now, from this instance
    served = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{served.effective_port}"
    served.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed (.ci/run installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"])
        yield browser
        browser.close()


def open_page(browser, url, *, mobile=False, user="admin"):
    context = browser.new_context(viewport={"width": 390, "height": 844} if mobile else {"width": 1280, "height": 900})
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


def test_dispatcher_page_and_a_dispatch_by_clicking(server, browser):
    page, errors, outside = open_page(browser, f"{server}/dispatcher")
    assert page.evaluate("typeof L !== 'undefined'")
    assert page.locator("path.patrol").count() == 20
    assert page.locator("path.incident").count() > 100
    page.fill("input[name=location]", "104.0810,30.6943")
    page.select_option("select[name=category]", "stray_dog")
    page.click("#go")
    page.wait_for_selector("tr.candidate", timeout=30_000)
    assert page.locator("tr.candidate").count() >= 5
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dispatcher.png"))
    assert errors == [] and outside == []


def test_planner_and_officer_pages(server, browser):
    page, errors, outside = open_page(browser, f"{server}/planner")
    assert page.evaluate("typeof L !== 'undefined'") and "all zones covered" in page.inner_text("#panel")
    page.screenshot(path=str(ARTIFACTS / "planner.png"))
    phone, phone_errors, phone_outside = open_page(browser, f"{server}/officer/E02", mobile=True, user="officer-e02")
    assert phone.locator("path.stop").count() >= 1 and phone.locator("#panel li").count() >= 1
    phone.screenshot(path=str(ARTIFACTS / "officer-phone.png"))
    assert errors == phone_errors == [] and outside == phone_outside == []


def test_an_officer_sees_only_their_route(server, browser):
    page, _, _ = open_page(browser, f"{server}/officer/E01", mobile=True, user="officer-e02")
    assert "only their own route" in page.content()
