"""Every lesson, run in a real JupyterLab in a real (headless) Chromium.

For each ``lessons/*.ipynb`` (a copy of it): open it, Run > Run All Cells, then check
that every code cell ran and none shows an error, that each exercise's feedback widget
rendered and its Hint button reveals a hint, and that changing a control of each explorer
changes the explorer's picture. Screenshots go to ``tests/browser/artifacts/``: one per
lesson (its last exercise's feedback, with a hint revealed) and one per explorer.

``IMGPREP_README_SCREENSHOTS=1 pytest tests/browser`` also rewrites the README's
screenshot(s) in ``docs/screenshots/`` from the same run.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest
from PIL import Image

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).parent / "artifacts"
README_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
#: The screenshots the README shows (names as in ARTIFACTS, without ".png").
README_NAMES = ("01_rescaling", "01_rescaling_explorer1")
VIEWPORT = {"width": 1280, "height": 900}
#: How long to wait for JupyterLab before calling it hung (ms). Hang guards, not
#: performance bounds: a lesson that runs slowly still passes.
HANG_GUARD = 600_000
UI_WAIT = 60_000

#: Outputs a student sees as red boxes: tracebacks and anything written to stderr.
ERROR_OUTPUTS = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
CODE_PROMPTS = ".jp-CodeCell .jp-InputPrompt"
CHECK_CALL = re.compile(r"\.check\(")

#: True once Run All Cells has finished: nothing queued or running, the kernel idle,
#: and every code cell numbered (or an error stopped the run).
RUN_FINISHED = """([prompts, errors]) => {
    const texts = [...document.querySelectorAll(prompts)].map(p => p.textContent.trim());
    const idle = document.querySelector(
        '.jp-Notebook-ExecutionIndicator[data-status="idle"]') !== null;
    if (!idle || texts.length === 0 || texts.some(t => t.includes('*'))) return false;
    return texts.every(t => /\\[\\d+\\]/.test(t)) || document.querySelector(errors) !== null;
}"""


def _code_sources(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


@pytest.fixture
def page(browser, lab):
    """A fresh browser page; the lesson's kernel is shut down afterwards."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        yield context.new_page()
    finally:
        context.close()
        lab.shut_down_kernels()


def _run_all_cells(page, lab, n_code_cells: int) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    page.locator(".jp-NotebookPanel").wait_for(timeout=UI_WAIT)
    page.locator(CODE_PROMPTS).nth(n_code_cells - 1).wait_for(state="attached",
                                                               timeout=UI_WAIT)
    # Run All before the kernel is ready does nothing: wait for the status bar's "Idle".
    kernel_status = page.locator('.jp-StatusBar-TextItem[title^="Change kernel"]')
    expect(kernel_status).to_have_text(re.compile(r"\| Idle$"), timeout=HANG_GUARD)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    try:
        page.wait_for_function(RUN_FINISHED, arg=[CODE_PROMPTS, ERROR_OUTPUTS],
                               timeout=HANG_GUARD, polling=250)
    except PlaywrightTimeout:
        prompts = page.locator(CODE_PROMPTS).all_inner_texts()
        status = page.locator('.jp-StatusBar-TextItem[title^="Change kernel"]').all_inner_texts()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "hang.png")
        pytest.fail(f"Run All did not finish within {HANG_GUARD / 1000:.0f} s.\n"
                    f"Prompts: {prompts}\nStatus bar: {status}\n{lab.hang_report()}\n"
                    f"Screenshot: {ARTIFACTS / 'hang.png'}")


def _error_report(page) -> str:
    """The text of every red output, with the number of the cell that shows it."""
    return "\n\n".join(page.evaluate("""(selector) => [...document.querySelectorAll(selector)]
        .map(out => {
            const cell = out.closest('.jp-CodeCell');
            const prompt = cell ? cell.querySelector('.jp-InputPrompt').textContent : '?';
            return `cell ${prompt.trim()}\\n${out.innerText.slice(0, 3000)}`;
        })""", ERROR_OUTPUTS))


def _change_first_control(explorer):
    """Move the explorer's first slider, or else change its first dropdown or checkbox.

    Returns what was changed, in words, and a function that reads its current value.
    """
    sliders = explorer.locator(".widget-slider, .jupyter-widget-slider")
    if sliders.count():
        handle = sliders.first.locator(".noUi-handle").first
        at_max = (float(handle.get_attribute("aria-valuenow"))
                  >= float(handle.get_attribute("aria-valuemax")))
        handle.focus()
        for _ in range(3):
            handle.press("ArrowLeft" if at_max else "ArrowRight")
        readout = sliders.first.locator(".widget-readout")   # the number shown next to it
        return "first slider", lambda: readout.inner_text().strip()
    selects = explorer.locator("select")
    if selects.count():
        select = selects.first
        current = select.input_value()
        values = select.locator("option").evaluate_all("os => os.map(o => o.value)")
        select.select_option(values[(values.index(current) + 1) % len(values)])
        return "first dropdown", select.input_value
    checkboxes = explorer.locator("input[type=checkbox]")
    if checkboxes.count():
        checkboxes.first.click()
        return "first checkbox", checkboxes.first.is_checked
    raise AssertionError("explorer has no slider, dropdown or checkbox to change")


def _close_left_sidebar(page) -> None:
    """Collapse the file browser (clicking its open tab, as a user would)."""
    open_tab = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    if open_tab.count():
        open_tab.first.click()
        page.locator("#jp-left-stack").wait_for(state="hidden", timeout=UI_WAIT)


def _screenshot(page, name: str, element, block: str) -> Path:
    """A viewport screenshot of the notebook with ``element`` at the ``block`` edge.

    Saved to ``ARTIFACTS/name.png``; for the README's lessons (when
    ``IMGPREP_README_SCREENSHOTS`` is set) also, small, to ``docs/screenshots/name.png``.
    """
    element.evaluate("(el, block) => el.scrollIntoView({block})", block)
    page.wait_for_timeout(300)   # let the scroll settle before the picture is taken
    png = page.screenshot()
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    path.write_bytes(png)
    if name in README_NAMES and os.environ.get("IMGPREP_README_SCREENSHOTS"):
        README_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        _small_png(png, README_SCREENSHOTS / f"{name}.png")
    return path


def _small_png(png: bytes, path: Path) -> None:
    """Write a palette PNG (256 colours): sharp text at a fraction of the size."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def test_lesson_runs_and_its_widgets_work(notebook: Path, lab, page):
    """``notebook`` is each ``lessons/*.ipynb`` in turn (see conftest.py)."""
    from playwright.sync_api import expect

    sources = _code_sources(notebook)
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.goto(lab.lab_url(notebook.name))
    _run_all_cells(page, lab, len(sources))

    # Every code cell ran, and no cell shows an error.
    errors = page.locator(ERROR_OUTPUTS)
    assert errors.count() == 0, f"{notebook.name} shows errors:\n{_error_report(page)}"
    numbered = page.locator(CODE_PROMPTS).all_inner_texts()
    assert all(re.search(r"\[\d+\]", t) for t in numbered), numbered
    assert len(numbered) == len(sources)
    # ipywidgets' placeholders for a widget that did not render (or is still loading).
    expect(page.locator(".jp-OutputArea-output", has_text=re.compile(
        "Error displaying widget|Loading widget")), "widgets that did not render"
           ).to_have_count(0, timeout=UI_WAIT)

    # Each exercise's check rendered its feedback widget; each Hint button reveals a hint.
    n_checks = sum(len(CHECK_CALL.findall(source)) for source in sources)
    assert n_checks >= 1, f"{notebook.name} has no exercise check"
    feedback = page.locator(".imgprep-feedback")
    expect(feedback, f"feedback widgets in {notebook.name} (front-end extension missing?)"
           ).to_have_count(n_checks, timeout=UI_WAIT)
    for i in range(n_checks):
        box = feedback.nth(i)
        expect(box).to_contain_text("not attempted yet")
        if "imgprep-question" in (box.get_attribute("class") or ""):
            expect(box).to_contain_text("and run the cell")   # a question: no hints
            continue
        hints = box.locator(".imgprep-hints")
        expect(hints).to_have_text("")
        box.locator("button.imgprep-hint").click()
        expect(hints, f"exercise {i + 1}: Hint revealed nothing").to_contain_text(
            re.compile(r"\S"), timeout=UI_WAIT)

    # Changing a control of each explorer changes its picture; a lesson that uses no
    # explorer must render none.
    _close_left_sidebar(page)   # the notebook gets the whole width in the screenshots
    screenshots = [_screenshot(page, notebook.stem, feedback.last, "start")]
    uses_explorer = any("imgprep_course.explore" in source for source in sources)
    explorers = page.locator(".imgprep-explorer")
    if not uses_explorer:
        expect(explorers, f"{notebook.name} does not use imgprep_course.explore"
               ).to_have_count(0)
        print(f"{notebook.stem}: no explorer (the lesson uses none)")
    else:
        expect(explorers.first, f"no explorer rendered in {notebook.name}").to_be_visible(
            timeout=UI_WAIT)
        changes = []
        for i in range(explorers.count()):
            explorer = explorers.nth(i)
            picture = explorer.locator("img.imgprep-explorer-picture")
            expect(picture).to_have_attribute("src", re.compile(r"."))
            before = picture.get_attribute("src")
            control, value_of = _change_first_control(explorer)
            expect(picture, f"explorer {i + 1}: changing its {control} (to {value_of()}) "
                   "did not change the picture").not_to_have_attribute("src", before,
                                                                        timeout=UI_WAIT)
            changes.append(f"{control} -> {value_of()}")
            fits = explorer.bounding_box()["height"] < VIEWPORT["height"] - 150
            screenshots.append(_screenshot(page, f"{notebook.stem}_explorer{i + 1}", explorer,
                                           "end" if fits else "start"))
        print(f"{notebook.stem}: {len(changes)} explorer(s), changed: {'; '.join(changes)}")
    print(f"{notebook.stem}: {n_checks} feedback widgets, each Hint revealed a hint; "
          f"screenshots: {', '.join(p.name for p in screenshots)}")
    assert page_errors == [], f"JavaScript errors in the page: {page_errors}"


# ------------------------------------------------------------------ results survive a reload
#: The reopened notebook gets a new kernel that has run nothing, so none of the widgets'
#: models exist in it. What shows is what the notebook file holds: the widget state that
#: JupyterLab saves with it (the course turns "Save Widget State Automatically" on, see
#: imgprep_course/_lab/), so every feedback box keeps its status, failing case and the
#: hints revealed, and every explorer its last picture; never "Error displaying widget".
SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"
PLACEHOLDERS = re.compile("Error displaying widget|Loading widget|model not found")
#: A checksum of the pixels an <img> shows (its src is a blob URL, new on each page).
PIXEL_HASH = """img => {
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let hash = canvas.width * 65536 + canvas.height;
    for (let i = 0; i < data.length; i += 7) hash = (hash * 31 + data[i]) >>> 0;
    return hash;
}"""


def _without_outputs(source: Path, target: Path) -> None:
    notebook = json.loads(source.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    notebook["metadata"].pop("widgets", None)
    target.write_text(json.dumps(notebook, indent=1), encoding="utf-8")


def test_a_saved_notebook_shows_its_feedback_and_explorers_after_a_reload(lab, browser):
    from playwright.sync_api import expect

    name = "reload_01_rescaling.ipynb"
    _without_outputs(SOLUTIONS / "01_rescaling.ipynb", lab.root / name)
    sources = _code_sources(lab.root / name)
    # each cell that ends in a check shows its box (a check inside an assert shows none)
    n_checks = sum(bool(CHECK_CALL.search(source.strip().splitlines()[-1]))
                   for source in sources)

    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(lab.lab_url(name))
    _run_all_cells(page, lab, len(sources))
    feedback = page.locator(".imgprep-feedback")
    expect(feedback).to_have_count(n_checks, timeout=UI_WAIT)
    failed = page.locator(".imgprep-feedback", has_text="[FAILED]").first
    failed.locator("button.imgprep-hint").click()
    hint = failed.locator(".imgprep-hints")
    expect(hint).to_contain_text("Hint 1/", timeout=UI_WAIT)
    hint_text = hint.inner_text().strip()
    failed_text = failed.locator(".widget-html").first.inner_text().strip()
    explorers = page.locator(".imgprep-explorer")
    expect(explorers).to_have_count(1, timeout=UI_WAIT)
    picture = explorers.first.locator("img")
    first_src = picture.get_attribute("src")
    _change_first_control(explorers.first)      # the picture saved is the last one drawn
    expect(picture).not_to_have_attribute("src", first_src, timeout=UI_WAIT)
    page.wait_for_timeout(500)
    picture_before = picture.evaluate(PIXEL_HASH)

    page.keyboard.press("Control+s")
    expect(page.locator(".jp-mod-current.jp-mod-dirty")).to_have_count(0, timeout=UI_WAIT)
    saved = json.loads((lab.root / name).read_text(encoding="utf-8"))
    assert saved["metadata"].get("widgets"), "JupyterLab saved no widget state"
    context.close()
    lab.shut_down_kernels()

    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    try:
        page.goto(lab.lab_url(name))
        page.locator(".jp-NotebookPanel").wait_for(timeout=UI_WAIT)
        feedback = page.locator(".imgprep-feedback")
        expect(feedback, "feedback boxes after the reload").to_have_count(n_checks,
                                                                          timeout=UI_WAIT)
        expect(page.locator(".jp-OutputArea-output", has_text=PLACEHOLDERS),
               "widgets that did not come back").to_have_count(0, timeout=UI_WAIT)
        again = page.locator(".imgprep-feedback", has_text="[FAILED]").first
        expect(again.locator(".imgprep-hints")).to_contain_text("Hint 1/", timeout=UI_WAIT)
        assert again.locator(".widget-html").first.inner_text().strip() == failed_text
        assert again.locator(".imgprep-hints").inner_text().strip() == hint_text
        picture = page.locator(".imgprep-explorer img").first
        expect(picture).to_have_attribute("src", re.compile("."), timeout=UI_WAIT)
        page.wait_for_function("img => img.complete && img.naturalWidth > 100",
                               arg=picture.element_handle(), timeout=UI_WAIT)
        assert picture.evaluate(PIXEL_HASH) == picture_before, "not the last picture"
        _close_left_sidebar(page)
        ARTIFACTS.mkdir(exist_ok=True)
        again.evaluate("el => el.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / "reload_feedback.png"))
        picture.evaluate("el => el.scrollIntoView({block: 'end'})")
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / "reload_explorer.png"))
    finally:
        context.close()
        lab.shut_down_kernels()
