"""The course website, built offline from the solutions and opened in headless Chromium.

The site is built once (``python -m imgprep_course site OUT``, as the README says) and
served from loopback. Every page (the front page and each lesson) must load, every
picture on it must have loaded (``naturalWidth > 0``), the explorers must show their
still pictures, nothing may be requested from anywhere but the site itself, and the
links between lessons (the sidebar, previous / next, the front page's lesson table) must
lead to the lesson they name. A screenshot of each lesson page goes to
``tests/browser/artifacts/site_*.png``.
"""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest

from imgprep_course.notebooks import course_root

pytestmark = pytest.mark.browser

ROOT = course_root()
LESSONS = sorted(p.stem for p in (ROOT / "solutions").glob("*.ipynb"))
ARTIFACTS = Path(__file__).parent / "artifacts"
PAGE_WAIT = 60_000  # ms; a hang guard, not a performance bound

#: Every picture on the page, and whether it loaded.
PICTURES = """() => [...document.images].map(i => ({src: i.currentSrc || i.src,
                                                   loaded: i.complete && i.naturalWidth > 0}))"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The built site, served on loopback; yields its base URL."""
    out = tmp_path_factory.mktemp("site") / "html"
    result = subprocess.run([sys.executable, "-m", "imgprep_course", "site", str(out)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    handler = functools.partial(_QuietHandler, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=30)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # no request log on stderr
        pass


@pytest.fixture
def page(browser, site):
    """A page that refuses (and records) every request that is not to the site."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.elsewhere = []

    def route(request_route):
        url = request_route.request.url
        if url.startswith(site + "/") or url.startswith("data:"):
            request_route.continue_()
        else:
            page.elsewhere.append(url)
            request_route.abort()
    page.route("**/*", route)
    try:
        yield page
    finally:
        context.close()


def _open(page, url: str) -> None:
    response = page.goto(url, wait_until="load", timeout=PAGE_WAIT)
    assert response is not None and response.ok, f"{url}: {response and response.status}"


def _pictures_loaded(page) -> list[dict]:
    page.wait_for_function("() => [...document.images].every(i => i.complete)",
                           timeout=PAGE_WAIT)
    pictures = page.evaluate(PICTURES)
    missing = [p["src"] for p in pictures if not p["loaded"]]
    assert not missing, f"{page.url}: pictures that did not load: {missing}"
    return pictures


def _saved_pictures(lesson: str) -> int:
    notebook = nbformat.read(ROOT / "solutions" / f"{lesson}.ipynb", as_version=4)
    return sum(1 for cell in notebook.cells for output in cell.get("outputs", [])
               if "image/png" in output.get("data", {}))


def test_the_front_page_is_the_readme_and_links_to_every_lesson(page, site):
    _open(page, f"{site}/index.html")
    assert page.locator("h1").first.inner_text().strip().startswith("imgprep-course")
    assert page.get_by_text("Quick start").count() >= 1
    _pictures_loaded(page)
    for lesson in LESSONS:
        links = page.locator(f"article a[href='{lesson}.html']")
        assert links.count() >= 1, f"the front page's lesson table links {lesson}"
    assert page.elsewhere == []


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_page_loads_with_every_picture(page, site, lesson):
    _open(page, f"{site}/{lesson}.html")
    assert page.locator("h1").first.inner_text().strip() == _title(lesson)
    pictures = _pictures_loaded(page)
    shown = [p for p in pictures if "/_images/" in p["src"]]
    assert len(shown) == _saved_pictures(lesson), "every saved picture, explorers included"
    assert _saved_pictures(lesson) >= 1
    assert page.locator("text=Error displaying widget").count() == 0
    assert page.elsewhere == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"site_{lesson}.png"))


def _follow(page, link, lesson: str) -> None:
    """Click ``link``; the page it opens must be ``lesson``'s and load."""
    with page.expect_navigation(wait_until="load", timeout=PAGE_WAIT):
        link.click()
    assert urlsplit(page.url).path == f"/{lesson}.html"
    assert page.locator("h1").first.inner_text().strip() == _title(lesson)


def _title(lesson: str) -> str:
    cells = nbformat.read(ROOT / "solutions" / f"{lesson}.ipynb", as_version=4).cells
    return next(c.source for c in cells if c.cell_type == "markdown").splitlines()[0][2:]


def test_the_links_between_lessons_lead_to_the_lesson_they_name(page, site):
    _open(page, f"{site}/{LESSONS[0]}.html")
    for following in LESSONS[1:]:
        _follow(page, page.locator("a.next-page").first, following)
    for previous in LESSONS[-2::-1]:
        _follow(page, page.locator("a.prev-page").first, previous)
    _open(page, f"{site}/index.html")
    for lesson in LESSONS:  # the sidebar, from the page before; the front page's table
        _follow(page, page.locator(f".sidebar-tree a[href='{lesson}.html']").first, lesson)
    for lesson in LESSONS:
        _open(page, f"{site}/index.html")
        _follow(page, page.locator(f"article a[href='{lesson}.html']").first, lesson)
    assert page.elsewhere == []
