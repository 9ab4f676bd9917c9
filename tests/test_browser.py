"""End to end in a real browser: the FiftyOne App server on 127.0.0.1 with the
miniature dataset, Debian's headless Chromium driven by Playwright (system
browser, nothing downloaded). Open the DataDiver panel, type a prompt, preview,
save; the saved view must appear in the App's saved-view list and the grid must
show the expected count. A screenshot is kept in ``artifacts/``.

Chromium comes from ``scripts/install_browser.sh`` (apt); where apt is not
available the test skips with one line.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

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
VIEW_NAME = "heavy-fog-browser"


_SERVER_LOG = {}  # the running App server's log file, for test_server_log_is_clean


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


@pytest.fixture(scope="module")
def app_dataset(mini_dataset):
    """A writable clone of the miniature for this module (one App server,
    one dataset): the tests below run in file order and build on it."""
    import fiftyone as fo

    name = "dd-browser-" + uuid.uuid4().hex[:8]
    ds = mini_dataset.clone(name, persistent=True)
    yield ds
    if name in fo.list_datasets():
        fo.delete_dataset(name)


@pytest.fixture(scope="module")
def app_server(app_dataset):
    """Starts ``python -m fiftyone.server.main`` on 127.0.0.1 (same database
    as the tests) once for the module and yields its URL; the server log is
    kept in ``artifacts/server.log``."""
    tmp = tempfile.mkdtemp(prefix="dd-app-")
    port = _free_port()
    env = dict(os.environ)
    env["FIFTYONE_PLUGINS_DIR"] = REPO
    env["FIFTYONE_DO_NOT_TRACK"] = "true"
    log_path = _SERVER_LOG["path"] = os.path.join(tmp, "server.log")
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
        os.makedirs(ARTIFACTS, exist_ok=True)
        shutil.copy(log_path, os.path.join(ARTIFACTS, "server.log"))
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium (Debian's, never downloaded) for the module."""
    _ensure_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


class App:
    """A page of the App on the test dataset, with the few gestures the tests
    share. ``width`` is the viewport width in px."""

    def __init__(self, browser, url, dataset, name, width=1600, height=1000):
        from playwright.sync_api import expect

        self.expect = expect
        self.url, self.ds, self.name = url, dataset, name
        self.page = browser.new_page(viewport={"width": width, "height": height})
        # nothing leaves 127.0.0.1 (the App asks for fonts / telemetry)
        self.page.route(
            "**/*",
            lambda r: r.continue_()
            if r.request.url.startswith((url, "data:", "blob:"))
            else r.abort(),
        )
        self.counts = self.page.locator("[data-cy='entry-counts']")

    def open(self, view_name=None):
        path = f"{self.url}/datasets/{self.ds.name}"
        if view_name:
            path += f"?view={view_name}"
        self.page.goto(path, wait_until="domcontentloaded", timeout=60000)
        self.expect(self.counts).to_contain_text(re.compile(r"\d"), timeout=60000)
        dismiss = self.page.get_by_text("Dismiss", exact=True)
        if dismiss.count():
            try:  # the App's first-run notice; may vanish by itself
                dismiss.first.click(timeout=5000)
            except Exception:
                pass
        return self

    def open_panel(self):
        """Opens the DataDiver panel from the "+" of the panel tabs."""
        self.page.locator("[data-cy='new-panel-btn']").first.click()
        self.page.get_by_text("DataDiver", exact=True).first.click()
        self.expect(self.page.get_by_text("Prompt to view")).to_be_visible(timeout=30000)
        return self

    def input_after(self, label):
        return self.page.get_by_text(label, exact=True).first.locator("xpath=following::input[1]")

    def type_into(self, label, text):
        box = self.input_after(label)
        box.fill(text)
        self.page.wait_for_timeout(500)  # the panel state debounces input
        return box

    def shot(self, name):
        os.makedirs(ARTIFACTS, exist_ok=True)
        path = os.path.join(ARTIFACTS, name)
        self.page.screenshot(path=path)
        return path

    def close(self, shot_name=None):
        if shot_name:
            try:
                self.shot(shot_name)
            except Exception:  # a crashed page must not hide the test's own error
                pass
        self.page.close()


@pytest.fixture(scope="module")
def panel_app(browser, app_server, app_dataset):
    """One page of the App with the DataDiver panel open, shared by the panel
    tests (they run in file order, as a user's session would): a page load
    and a panel open cost ~10 s each on 2 cores."""
    a = App(browser, app_server, app_dataset, "panel")
    a.open().open_panel()
    yield a
    a.close()


@pytest.fixture
def app(request, panel_app):
    """The shared panel page; what it shows at the end of each test (passed
    or failed) is kept as ``artifacts/<test name>.png``."""
    try:
        yield panel_app
    finally:
        try:
            panel_app.shot(f"{request.node.name}.png")
        except Exception:  # a crashed page must not hide the test's own error
            pass


def _count(ds, prompt):
    import datadiver_fo as ddf

    return ddf.text_to_view(ds, prompt, llm="offline").view.count()


def _panel_scroller(page):
    """The panel's scroll container (the element whose width is the pane's)."""
    return page.locator("div[class*='_scrollable']", has_text="Prompt to view").last


def _open_customize(app, total):
    """Clicks the panel's Customise button; returns the seconds until the
    form's preview line (resolve_input's answer) shows."""
    page = app.page
    t0 = time.time()
    page.get_by_role("button", name="Customise").click()
    app.expect(page.get_by_text("Corruptions", exact=True).first).to_be_visible(timeout=60000)
    app.expect(page.get_by_text(f"{total} samples", exact=False).first).to_be_visible(timeout=60000)
    return time.time() - t0


def test_customize_form_keeps_typed_text(app, app_dataset):
    """(1) Typing into a multi-value field of "Customize selection" keeps the
    text while the form refreshes; Enter adds what was typed (not the first
    option); Execute shows that selection. The form's open time is measured
    (first and second open) and kept in artifacts/form_open_times.json."""
    from fiftyone import ViewField as F

    page = app.page
    expected = app_dataset.match(F("corruption") == "fog").count()
    first = _open_customize(app, len(app_dataset))
    # the App fills the form's defaults right after it opens, which is one
    # more resolve_input round trip: text typed during that round trip on a
    # heavily loaded machine can still be lost (see README, Known limits):
    # typing starts once it is over (1 s lost the first key, "og", in a
    # clean-clone run)
    page.wait_for_timeout(2500)
    box = app.input_after("Corruptions")
    box.click()
    box.press_sequentially("fog", delay=150)  # a user's typing speed
    # the form refreshes (a resolve_input round trip) meanwhile: the text stays
    page.wait_for_timeout(1500)
    assert box.input_value() == "fog"
    box.press("Enter")
    chips = page.locator(".MuiChip-label")
    app.expect(chips.filter(has_text=re.compile(r"^fog$"))).to_have_count(1, timeout=10000)
    assert chips.filter(has_text="brightness").count() == 0
    assert chips.count() == 1, chips.all_inner_texts()
    app.expect(page.get_by_text(f"{expected} samples", exact=False).first).to_be_visible(timeout=30000)
    app.shot("customize_typed_fog.png")
    page.get_by_role("button", name="Execute").click()
    app.expect(app.counts).to_contain_text(re.compile(rf"\b{expected}\b"), timeout=30000)
    # the operator says what it did, then the dialog closes
    app.expect(page.get_by_text("Samples with corruption fog", exact=False).first).to_be_visible(timeout=30000)
    page.get_by_role("button", name="Close").click()

    # second open: the choices come from the per-dataset-state cache
    page.get_by_role("button", name="Reset view").click()
    app.expect(app.counts).to_contain_text(re.compile(rf"\b{len(app_dataset)}\b"), timeout=30000)
    second = _open_customize(app, len(app_dataset))
    page.get_by_role("button", name="Cancel").click()
    times = {"first_open_s": round(first, 2), "second_open_s": round(second, 2), "load_avg_1min": os.getloadavg()[0]}
    print("customize form open:", times)
    with open(os.path.join(ARTIFACTS, "form_open_times.json"), "w") as f:
        json.dump(times, f)
    # generous bounds for a loaded 2-core CI machine; the numbers are in the artifact
    assert first < 45 and second < 20, times


def test_panel_fits_650px_pane(app):
    """(2) At a 650 px pane (1600 px window, sidebar, grid and panel side by
    side) nothing in the panel scrolls sideways."""
    page = app.page
    app.expect(page.get_by_text("Corruption x severity", exact=False)).to_be_visible(timeout=30000)
    page.wait_for_timeout(1500)  # plots size themselves after mounting
    scroller = _panel_scroller(page)
    width, scroll = scroller.evaluate("e => [e.clientWidth, e.scrollWidth]")
    assert 600 <= width <= 700, width  # the pane the issue describes
    assert scroll <= width, f"panel content {scroll} px wide in a {width} px pane"
    doc = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert doc[0] <= doc[1]
    # the last operator button and the prompt box lie inside the pane
    right = scroller.evaluate("e => e.getBoundingClientRect().right")
    for name in ("Preview", "Apply to App", "Save view", "Export"):
        btn = page.get_by_role("button", name=name).last
        if btn.count():
            box = btn.bounding_box()
            assert box["x"] + box["width"] <= right + 1, name
    app.shot("panel_650px.png")


def test_apply_without_preview_uses_current_prompt(app, app_dataset):
    """(3) Preview one prompt, type another, Apply without Preview: the App
    and the panel show the new prompt's view, not the previewed one."""
    first, second = "fog at least 4", "spatter"
    n_first, n_second = _count(app_dataset, first), _count(app_dataset, second)
    assert n_first != n_second
    page = app.page
    app.type_into("Describe the samples you want", first)
    page.get_by_role("button", name="Preview").click()
    app.expect(page.get_by_text(f"{n_first} samples", exact=False).first).to_be_visible(timeout=30000)
    app.type_into("Describe the samples you want", second)
    page.get_by_role("button", name="Apply to App").click()
    app.expect(app.counts).to_contain_text(re.compile(rf"\b{n_second}\b"), timeout=30000)
    app.expect(page.get_by_text(f"Prompt: {second}", exact=False).first).to_be_visible(timeout=10000)
    app.expect(page.get_by_text(f"Matches: {n_second} samples", exact=False).first).to_be_visible()
    assert page.get_by_text(f"Prompt: {first}", exact=False).count() == 0


def test_prompt_error_replaces_the_count(app, app_dataset):
    """(issue 13) A prompt the parser does not fully understand shows the
    error, quoting the phrase, in place of the count: no "Matches" line, and
    Apply leaves the App's view as it was."""
    page = app.page
    app.type_into("Describe the samples you want", "dogs that look like cats")
    page.get_by_role("button", name="Preview").click()
    app.expect(page.get_by_text("relates samples to other samples", exact=False).first).to_be_visible(timeout=30000)
    # the panel re-renders after the notification: the earlier count goes
    app.expect(page.get_by_text("Matches:", exact=False)).to_have_count(0, timeout=10000)
    app.type_into("Describe the samples you want", "some lovely dogs in fog")
    page.get_by_role("button", name="Preview").click()
    app.expect(page.get_by_text("Unknown word 'lovely'", exact=False).first).to_be_visible(timeout=30000)
    app.expect(page.get_by_text("Matches:", exact=False)).to_have_count(0, timeout=10000)
    app.shot("prompt_error.png")


def test_heatmap_of_filtered_view_says_filtered(app, app_dataset):
    """(8) The heatmap of a filtered view labels the cells the view left out
    "filtered", not "empty"."""
    page = app.page
    app.type_into("Describe the samples you want", "fog at least 4")
    page.get_by_role("button", name="Apply to App").click()
    app.expect(page.get_by_text("cells filtered out by the view", exact=False).first).to_be_visible(timeout=30000)
    assert page.get_by_text("empty corruption x severity cells", exact=False).count() == 0
    heat = page.locator(".js-plotly-plot").first
    app.expect(heat).to_contain_text("filtered", timeout=10000)
    assert "empty" not in heat.inner_text()
    app.shot("heatmap_filtered.png")


def test_save_error_then_save_and_selector_shows_name(app, app_dataset):
    """(3, 4, 7) Save a prompt's view: the App's selector shows its name and
    the Save-as box is emptied. Saving again under that name is an error in
    App words (no "overwrite=True"), which clears the "Saved view" line; a
    new name then saves and the error goes. (Checked inside the panel: the
    App's toasts repeat the "Saved view" line.)"""
    prompt = "fog at least 4"
    expected = _count(app_dataset, prompt)
    page = app.page
    panel = _panel_scroller(page)
    app.type_into("Describe the samples you want", prompt)
    save_as = app.type_into("Save as (optional name)", VIEW_NAME)
    page.get_by_role("button", name="Save view").click()
    app.expect(panel.get_by_text(f"Saved view '{VIEW_NAME}'")).to_have_count(1, timeout=30000)
    app.expect(app.counts).to_contain_text(re.compile(rf"\b{expected}\b"), timeout=30000)
    selector = page.locator("[data-cy='saved-views-selection']").first
    app.expect(selector).to_contain_text(VIEW_NAME, timeout=30000)
    save_as = app.input_after("Save as (optional name)")
    app.expect(save_as).to_have_value("", timeout=10000)

    # the same name again: an error in App words, the old success line gone
    app.type_into("Save as (optional name)", VIEW_NAME)
    page.get_by_role("button", name="Save view").click()
    error = panel.get_by_text("already exists", exact=False)
    app.expect(error).to_have_count(1, timeout=30000)
    said = error.first.inner_text()
    assert "overwrite=True" not in said and "pass " not in said and "Save as" in said
    app.expect(panel.get_by_text(f"Saved view '{VIEW_NAME}'")).to_have_count(0, timeout=10000)
    app.shot("save_error.png")

    app.type_into("Save as (optional name)", VIEW_NAME + "-2")
    page.get_by_role("button", name="Save view").click()
    app.expect(panel.get_by_text(f"Saved view '{VIEW_NAME}-2'")).to_have_count(1, timeout=30000)
    app.expect(error).to_have_count(0, timeout=10000)
    app.expect(selector).to_contain_text(VIEW_NAME + "-2", timeout=30000)

    app_dataset.reload()
    assert app_dataset.load_saved_view(VIEW_NAME).count() == expected
    from datadiver_fo.customize.summary import saved_views_table

    rows = {r["name"]: r for r in saved_views_table(app_dataset)}
    assert rows[VIEW_NAME]["prompt"] == prompt


def test_saved_view_loaded_from_panel_shows_its_name(app, app_dataset):
    """(7) "Load" on a row of the panel's saved-view table opens the view by
    name: the App's selector shows it, not "Unsaved view"."""
    import datadiver_fo as ddf
    from fiftyone import ViewField as F

    name = "spatter-only"
    view = app_dataset.match(F("corruption") == "spatter")
    # saved outside the App while the page is open (a notebook, another user)
    ddf.save_view(app_dataset, name, view)
    page = app.page
    page.get_by_role("button", name="Refresh").click()
    row = page.locator("tr", has_text=name).first
    app.expect(row).to_be_visible(timeout=30000)
    row.get_by_role("button").first.click()
    menu_load = page.get_by_text("Load", exact=True)
    if menu_load.count():
        menu_load.first.click()
    selector = page.locator("[data-cy='saved-views-selection']").first
    app.expect(selector).to_contain_text(name, timeout=15000)
    app.expect(app.counts).to_contain_text(re.compile(rf"\b{view.count()}\b"), timeout=30000)
    app.shot("saved_view_loaded.png")


def test_missing_prerequisite_says_what_to_run(app, app_dataset):
    """(6) "OoD score" on a dataset without predictions: the form says to run
    Predictions first, with a button, and Execute is disabled (no traceback)."""
    assert not app_dataset.has_sample_field("predictions")
    page = app.page
    page.get_by_role("button", name="OoD score").click()
    app.expect(page.get_by_text("No 'predictions' field yet: run 'Predictions' first").first).to_be_visible(timeout=30000)
    app.expect(page.get_by_role("button", name="Open 'Predictions'")).to_be_visible()
    app.expect(page.get_by_role("button", name="Execute")).to_be_disabled()
    assert page.get_by_text("Traceback", exact=False).count() == 0
    app.shot("ood_prerequisite.png")
    page.get_by_role("button", name="Cancel").click()


def test_sample_viewer_one_click_from_the_grid(app, app_dataset):
    """(extra) Selecting one sample in the grid shows it in the panel: its
    picture under every corruption x severity, its WordNet path; clicking a
    picture opens that variant."""
    page = app.page
    page.get_by_role("button", name="Reset view").click()
    app.expect(app.counts).to_contain_text(re.compile(rf"\b{len(app_dataset)}\b"), timeout=30000)
    selected = _panel_scroller(page).get_by_text("Selected sample", exact=False)
    # the grid can re-render right after "Reset view" and swallow the first
    # click on the checkbox (seen once on a loaded machine): hover and click
    # again, up to three times, while the panel shows no selection yet
    for attempt in range(3):
        thumb = page.locator("[data-cy='looker']").first
        if not thumb.count():
            thumb = page.locator("canvas").first
        thumb.hover()
        page.wait_for_timeout(300)  # the checkbox appears on hover
        box = thumb.bounding_box()
        page.mouse.click(box["x"] + 12, box["y"] + 12)  # the selection checkbox, top left
        try:
            app.expect(selected).to_have_count(1, timeout=15000)
            break
        except AssertionError:
            if attempt == 2:
                raise
    app.expect(_panel_scroller(page).get_by_text("WordNet:", exact=False).first).to_be_visible()
    text = _panel_scroller(page).get_by_text("variants", exact=False).first.inner_text()
    n = int(re.search(r"(\d+) variants", text).group(1))
    assert n > 5, text
    # one picture per variant (plotly draws each heatmap as an <image> too)
    pictures = """() => [...document.querySelectorAll('.js-plotly-plot image')].filter(
        e => (e.getAttribute('href') || e.getAttribute('xlink:href') || '').includes('/media?filepath=')).length"""
    page.wait_for_function(f"() => ({pictures})() === {n}", timeout=30000)
    page.wait_for_timeout(1000)
    app.shot("sample_viewer.png")
    # a click on a picture opens that variant in the App's modal
    last = page.evaluate("""() => { const e = [...document.querySelectorAll('.js-plotly-plot image')].filter(
        e => (e.getAttribute('href') || e.getAttribute('xlink:href') || '').includes('/media?filepath=')).pop();
        const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width, height: r.height}; }""")
    page.mouse.click(last["x"] + last["width"] / 2, last["y"] + last["height"] / 2)
    app.expect(page.locator("[data-cy='modal']")).to_be_visible(timeout=30000)
    app.shot("sample_viewer_opened.png")
    page.keyboard.press("Escape")
def test_sidebar_group_holds_every_datadiver_field(browser, app_server, app_dataset):
    """(5) After a fine edit and an enrich step, the sidebar's DATADIVER group
    holds the loader's fields, ``excluded`` and the quality fields; none of
    them sits under PRIMITIVES."""
    import datadiver_fo as ddf

    ds = app_dataset
    ddf.exclude_samples(ds, ds.take(2, seed=3).values("id"))
    quality = ddf.compute_quality(ds.take(40, seed=3))["fields"]  # the fields exist on the dataset
    a = App(browser, app_server, ds, "sidebar", width=1600, height=3000)  # the whole sidebar at once
    try:
        page = a.open().page
        # group names are text inputs: find the group by its data-cy
        a.expect(page.locator("[data-cy='sidebar-field-container-excluded']")).to_have_count(1, timeout=30000)
        page.wait_for_timeout(1000)
        # group headers and field entries in the order the sidebar shows them
        order = page.evaluate(
            """() => [...document.querySelectorAll("[data-cy^='sidebar-group-entry-'], [data-cy^='sidebar-field-container-']")]
                 .map(e => e.getAttribute('data-cy'))"""
        )
        groups, current = {}, None
        for cy in order:
            if cy.startswith("sidebar-group-entry-"):
                current = cy[len("sidebar-group-entry-"):].lower()
                groups.setdefault(current, [])
            elif current is not None:
                groups[current].append(cy[len("sidebar-field-container-"):])
        group, primitives = groups.get("datadiver", []), groups.get("primitives", [])
        for field in ["corruption", "severity", "source_id", "excluded"] + quality:
            assert field in group, (field, group)
            assert field not in primitives, (field, primitives)
        a.shot("sidebar_group.png")
    finally:
        a.close()


def test_server_log_is_clean(app_server):
    """(9) The App server logged no removed-option warnings and no
    tracebacks while the tests above drove it."""
    text = open(_SERVER_LOG["path"]).read()
    assert "App config option has been removed" not in text
    assert "Traceback" not in text, text[-3000:]
