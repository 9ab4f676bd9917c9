"""End to end in a real browser: the FiftyOne App server on 127.0.0.1 with the
miniature dataset, Debian's headless Chromium driven by Playwright (system
browser, nothing downloaded). Open the DataDiver panel, type a prompt, preview,
save; the saved view must appear in the App's saved-view list and the grid must
show the expected count. A screenshot is kept in ``artifacts/``.

Chromium comes from ``scripts/install_browser.sh`` (apt); where apt is not
available the test skips with one line.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

pytestmark = pytest.mark.browser

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = os.path.join(REPO, "artifacts")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
PROMPT = "fog at least 4"
VIEW_NAME = "heavy-fog-browser"


def _ensure_chromium():
    if not os.access(CHROMIUM, os.X_OK):
        subprocess.run(
            ["bash", os.path.join(REPO, "scripts", "install_browser.sh")],
            capture_output=True,
            timeout=600,
        )
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip("chromium not installable here (no apt / not root): browser test skipped")


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def app_server(fresh_dataset):
    """Starts ``python -m fiftyone.server.main`` on 127.0.0.1 (same database
    as the tests) and yields its URL; stops it afterwards."""
    tmp = tempfile.mkdtemp(prefix="dd-app-")
    port = _free_port()
    env = dict(os.environ)
    env["FIFTYONE_PLUGINS_DIR"] = REPO
    env["FIFTYONE_DO_NOT_TRACK"] = "true"
    log_path = os.path.join(tmp, "server.log")
    log = open(log_path, "w")
    # cwd is the repository, as for a user running from a checkout: our
    # plugins/ folder must not shadow FiftyOne's built-in ``plugins`` package
    proc = subprocess.Popen(
        [sys.executable, "-m", "fiftyone.server.main", "--port", str(port), "--address", "127.0.0.1"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                html = urllib.request.urlopen(url + "/", timeout=2).read().decode()
                break
            except Exception:
                if proc.poll() is not None or time.time() > deadline:
                    log.flush()
                    pytest.fail("App server did not start:\n" + open(log_path).read()[-3000:])
                time.sleep(0.5)
        # the prebuilt frontend ships in the wheel and is served offline
        assert "<script" in html and "assets/" in html
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


def test_panel_prompt_preview_save_in_browser(app_server, fresh_dataset):
    _ensure_chromium()
    from playwright.sync_api import expect, sync_playwright

    import datadiver_fo as ddf

    ds = fresh_dataset
    expected = ddf.text_to_view(ds, PROMPT, llm="offline").view.count()
    assert 0 < expected < len(ds)
    url = app_server
    os.makedirs(ARTIFACTS, exist_ok=True)
    shot = os.path.join(ARTIFACTS, "browser_panel.png")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            # nothing leaves 127.0.0.1 (the App asks for fonts / telemetry)
            page.route(
                "**/*",
                lambda r: r.continue_()
                if r.request.url.startswith((url, "data:", "blob:"))
                else r.abort(),
            )
            page.goto(f"{url}/datasets/{ds.name}", wait_until="domcontentloaded", timeout=60000)
            counts = page.locator("[data-cy='entry-counts']")
            expect(counts).to_contain_text(f"{len(ds)}", timeout=60000)
            dismiss = page.get_by_text("Dismiss", exact=True)
            if dismiss.count():
                dismiss.first.click()

            # open the panel from the "+" of the panel tabs
            page.locator("[data-cy='new-panel-btn']").first.click()
            page.get_by_text("DataDiver", exact=True).first.click()
            expect(page.get_by_text("Prompt to view")).to_be_visible(timeout=30000)
            expect(page.get_by_text("Corruption x severity", exact=False)).to_be_visible(timeout=30000)

            # type, preview
            page.get_by_text("Describe the samples you want").locator("xpath=following::input[1]").fill(PROMPT)
            page.wait_for_timeout(500)  # the panel state debounces input
            page.get_by_role("button", name="Preview").click()
            expect(page.get_by_text(f"{expected} samples", exact=False).first).to_be_visible(timeout=30000)
            expect(page.get_by_text("Understood:", exact=False)).to_be_visible()

            # save under a name: the App switches to the saved view
            page.get_by_text("Save as (optional name)").locator("xpath=following::input[1]").fill(VIEW_NAME)
            page.wait_for_timeout(500)
            page.get_by_role("button", name="Save view").click()
            expect(page.get_by_text(f"Saved view '{VIEW_NAME}'").first).to_be_visible(timeout=30000)

            # the grid shows the expected count
            expect(counts).to_contain_text(re.compile(rf"\b{expected}\b"), timeout=30000)
            # the saved view is listed in the App's saved-view list
            selector = page.locator("[data-cy='saved-views-selection']").first
            selector.click()
            page.wait_for_timeout(1000)
            expect(page.get_by_text(VIEW_NAME, exact=True).first).to_be_visible()
            page.wait_for_timeout(1500)  # let thumbnails and the panel refresh
            page.screenshot(path=shot)
        except Exception:
            # keep what the browser showed when it failed
            page.screenshot(path=os.path.join(ARTIFACTS, "browser_failure.png"))
            for el in page.locator("input, textarea").all()[:20]:
                print("input:", el.evaluate("e => e.outerHTML")[:300])
            raise
        finally:
            browser.close()

    # the App saved it on the dataset, with the prompt as provenance
    ds.reload()
    assert ds.has_saved_view(VIEW_NAME)
    assert ds.load_saved_view(VIEW_NAME).count() == expected
    from datadiver_fo.customize.summary import saved_views_table

    rows = {r["name"]: r for r in saved_views_table(ds)}
    assert rows[VIEW_NAME]["prompt"] == PROMPT
    assert os.path.getsize(shot) > 10000
