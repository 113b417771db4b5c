"""The website's sources: README as the front page, the solutions as pages, still pictures.

The site itself is built and opened in Chromium by tests/browser/test_site_in_browser.py.
"""

import re

import nbformat

from imgprep_course.notebooks import course_root
from imgprep_course.website import REMOVE_TAG, front_page, stage_site

ROOT = course_root()
LESSONS = sorted(p.stem for p in (ROOT / "solutions").glob("*.ipynb"))


def test_the_front_page_links_lessons_to_their_pages_and_the_rest_to_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    page = front_page(readme, LESSONS, "https://example.org/course")
    targets = re.findall(r"\]\(([^)\s]+)\)", page)
    assert {f"{lesson}.ipynb" for lesson in LESSONS} <= set(targets)
    for target in targets:
        assert (target.startswith(("https://", "http://", "#", "docs/screenshots/"))
                or target[:-len(".ipynb")] in LESSONS), target
    assert "https://example.org/course/tree/main/benchmarks/" in targets
    assert "badge_logo.svg" not in page and "colab-badge.svg" not in page, (
        "no picture from elsewhere")
    assert "[Open in Colab](https://colab.research.google.com/" in page
    toctree = page[page.index("```{toctree}"):]
    assert [line for line in toctree.splitlines() if line in LESSONS] == LESSONS


def test_staging_writes_one_page_per_solution_and_the_pictures_readme_shows(tmp_path):
    lessons = stage_site(tmp_path, ROOT, "https://example.org/course")
    assert lessons == LESSONS
    assert sorted(p.stem for p in tmp_path.glob("*.ipynb")) == LESSONS
    index = (tmp_path / "index.md").read_text()
    for picture in re.findall(r"\]\((docs/screenshots/[^)]+)\)", index):
        assert (tmp_path / picture).is_file()
    page = nbformat.read(tmp_path / f"{LESSONS[0]}.ipynb", as_version=4)
    assert REMOVE_TAG in page.cells[0].metadata["tags"], "the Colab cell is not shown"
    assert not any("solution-only" in c.metadata.get("tags", []) for c in page.cells)
