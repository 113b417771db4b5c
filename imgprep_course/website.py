"""The course website: static HTML built from the solution notebooks' saved outputs.

``python -m imgprep_course site OUT`` stages the site's sources in a temporary folder and
runs Sphinx with myst-nb (execution off: the pages show the outputs saved by
``run-solutions``) and the furo theme, with ``docs/conf.py`` as configuration:

- the front page is README.md, its links to lessons turned into links to their pages and
  its links to other files of the repository into links to the repository;
- one page per solution notebook, in lesson order (the sidebar and the previous / next
  links navigate between them); the Colab install cell and the ``solution-only``
  self-tests are left out;
- explorers show the static picture their display carries (``image/png``) in place of
  the widget, which needs a kernel.

Everything comes from installed packages and the checkout: the build needs no network.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from imgprep_course.course import repository_url
from imgprep_course.notebooks import SOLUTION_ONLY, course_root, dumps

#: The tag of each lesson's first cell (it installs the course in Colab).
COLAB_TAG = "colab"
#: myst-nb's tag for a cell left out of the page.
REMOVE_TAG = "remove-cell"
#: The folder of README's pictures, copied as it is so README's image paths hold.
PICTURES = "docs/screenshots"
_LINK = re.compile(r"(!?\[[^\]]*\])\(([^)\s]+)\)")
_REMOTE_PICTURE = re.compile(r"!\[([^\]]*)\]\((?:https?:)?//[^)\s]+\)")


def site_notebook(solution):
    """The solution notebook as the website shows it (a new object; the input is untouched).

    Examples
    --------
    >>> from nbformat.v4 import new_code_cell, new_notebook
    >>> nb = new_notebook(cells=[
    ...     new_code_cell("x = 1", metadata={"tags": ["colab"]}),
    ...     new_code_cell("check(wrong)", metadata={"tags": ["solution-only"]}),
    ...     new_code_cell("x")])
    >>> [(c.source, c.metadata.get("tags")) for c in site_notebook(nb).cells]
    [('x = 1', ['colab', 'remove-cell']), ('x', None)]
    """
    import copy

    notebook = copy.deepcopy(solution)
    cells = []
    for cell in notebook.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if SOLUTION_ONLY in tags:
            continue
        if COLAB_TAG in tags:
            cell.metadata["tags"] = [*tags, REMOVE_TAG]
        cells.append(cell)
    notebook.cells = cells
    return notebook


def front_page(readme: str, lessons: list[str], repository: str) -> str:
    """README's text as the site's front page, with the lessons in a (hidden) table of
    contents that the sidebar shows.

    Links to ``lessons/NAME.ipynb`` go to the lesson's page; README's pictures keep their
    paths (:data:`PICTURES` is copied); other relative links go to the repository.
    Pictures from elsewhere (the badges) become their text: the site loads nothing from
    the network.

    Examples
    --------
    >>> page = front_page("[00](lessons/00_a.ipynb), [b](benchmarks/) "
    ...                   "[![Badge](https://x.org/b.svg)](https://x.org/go)",
    ...                   ["00_a"], "https://x.org/course")
    >>> print(page.splitlines()[0])
    [00](00_a.ipynb), [b](https://x.org/course/tree/main/benchmarks/) [Badge](https://x.org/go)
    """
    def relink(match: re.Match) -> str:
        label, target = match.groups()
        if re.match(r"[a-z]+:|#", target) or target.startswith(PICTURES + "/"):
            return match.group(0)
        if target.startswith("lessons/") and target.endswith(".ipynb"):
            return f"{label}({target[len('lessons/'):]})"
        kind = "tree" if target.endswith("/") else "blob"
        return f"{label}({repository}/{kind}/main/{target})"

    toctree = "\n".join(["", "```{toctree}", ":hidden:", ":maxdepth: 1", "", *lessons, "```", ""])
    text = _LINK.sub(relink, _REMOTE_PICTURE.sub(r"\1", readme))
    return text.rstrip("\n") + "\n" + toctree


def stage_site(staging: Path, root: Path | None = None, repository: str = "") -> list[str]:
    """Write the website's sources into ``staging``; return the lesson pages' names."""
    import nbformat

    root = Path(root) if root else course_root()
    staging = Path(staging)
    staging.mkdir(parents=True, exist_ok=True)
    lessons = []
    for path in sorted((root / "solutions").glob("*.ipynb")):
        notebook = site_notebook(nbformat.read(path, as_version=4))
        (staging / path.name).write_text(dumps(notebook), encoding="utf-8")
        lessons.append(path.stem)
    if not lessons:
        raise FileNotFoundError(f"no solution notebooks in {root / 'solutions'}")
    readme = (root / "README.md").read_text(encoding="utf-8")
    (staging / "index.md").write_text(front_page(readme, lessons, repository),
                                      encoding="utf-8")
    if (root / PICTURES).is_dir():
        shutil.copytree(root / PICTURES, staging / PICTURES)
    return lessons


def build_site(out, root: Path | None = None, *, quiet: bool = True) -> Path:
    """Build the website into ``out``; return the path of its front page.

    Raises
    ------
    RuntimeError
        When Sphinx is not installed, or reports an error or a warning (a broken link, a
        missing picture).
    """
    root = Path(root) if root else course_root()
    try:
        from sphinx.cmd.build import build_main
    except ImportError as error:
        raise RuntimeError("the website needs Sphinx, myst-nb and furo: "
                           "pip install -r requirements-dev.txt") from error
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="imgprep-site-") as work:
        staging = Path(work) / "source"
        stage_site(staging, root, repository_url())
        # myst-nb writes the pictures beside the output folder: build in the temporary
        # folder, then copy the HTML to ``out``
        html = Path(work) / "html"
        arguments = ["-b", "html", "-W", "--keep-going", "-c", str(root / "docs"),
                     "-d", str(Path(work) / "doctrees"), str(staging), str(html)]
        status = build_main(["-q", *arguments] if quiet else arguments)
        if status == 0:
            shutil.copytree(html, out, dirs_exist_ok=True)
    if status != 0:
        raise RuntimeError(f"sphinx-build failed (exit status {status}); see its messages above")
    return out / "index.html"
