"""Open it without installing: the README's badges and the Binder set-up they lead to.

repo2docker is simulated: ``binder/postBuild`` runs from a folder holding the student
requirements, with a recording ``pip`` first on the PATH and the installed course's
``imgprep-course`` after it.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from imgprep_course.course import repository_url
from imgprep_course.notebooks import course_root

ROOT = course_root()
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _badge(name: str) -> str:
    match = re.search(r"\[!\[" + re.escape(name) + r"\]\([^)]+\)\]\(([^)]+)\)", README)
    assert match, f"README has no {name!r} badge"
    return match.group(1)


def test_the_colab_badge_opens_the_first_lesson_from_the_repository():
    owner_repo = urlsplit(repository_url()).path.strip("/")
    prefix = f"https://colab.research.google.com/github/{owner_repo}/blob/main/"
    url = _badge("Open in Colab")
    assert url.startswith(prefix)
    assert (ROOT / url[len(prefix):]).is_file()


def test_binder_postbuild_installs_the_course_and_copies_the_lessons_the_badge_opens(tmp_path):
    owner_repo = urlsplit(repository_url()).path.strip("/")
    url = urlsplit(_badge("Open in Binder"))
    assert url.path == f"/v2/gh/{owner_repo}/main"
    opened = parse_qs(url.query)["urlpath"][0]
    assert opened.startswith("lab/tree/")

    shutil.copy(ROOT / "requirements.txt", tmp_path)
    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / "pip").write_text(f'#!/bin/sh\necho "$@" >> "{tmp_path / "pip.log"}"\n')
    (shims / "pip").chmod(0o755)
    path = os.pathsep.join([str(shims), str(Path(sys.executable).parent), os.environ["PATH"]])
    subprocess.run([str(ROOT / "binder" / "postBuild")], cwd=tmp_path, check=True,
                   capture_output=True, env={**os.environ, "PATH": path})

    assert (tmp_path / "pip.log").read_text() == "install --no-cache-dir -r requirements.txt\n"
    assert "\n.\n" in "\n" + (ROOT / "requirements.txt").read_text(), "it installs the course"
    assert (tmp_path / opened[len("lab/tree/"):]).is_file()
    assert (ROOT / "binder" / "requirements.txt").is_file(), "repo2docker reads binder/"
