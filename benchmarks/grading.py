"""Grading a class against running each notebook once with ``jupyter nbconvert --execute``.

A class of ``--students`` copies of a solution notebook is graded with ``python -m
imgprep_course grade CLASS --jobs 2`` (every answer in its own confined process), then
the same notebooks are executed one after the other with plain ``jupyter nbconvert
--to notebook --execute``, which is what grading by running the whole notebook would
cost at the very least. The bar: wall time per submission of the grader at most that of
one plain execution::

    python benchmarks/grading.py [--lesson 01_rescaling] [--students 6] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from imgprep_course.notebooks import course_root


def make_class(folder: Path, lesson: str, students: int) -> list[Path]:
    """``students`` copies of the lesson's solution, one folder per student."""
    source = course_root() / "solutions" / f"{lesson}.ipynb"
    paths = []
    for i in range(students):
        path = folder / f"student{i:02d}" / f"{lesson}.ipynb"
        path.parent.mkdir(parents=True)
        shutil.copyfile(source, path)
        paths.append(path)
    return paths


def time_grading(folder: Path, jobs: int, expected: int) -> float:
    """Seconds to grade the class with the CLI; checks every submission got full marks."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "imgprep_course", "grade", str(folder),
                             "--jobs", str(jobs), "--json", "--quiet"],
                            capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - start
    scores = [(s["score"], s["max_score"]) for s in json.loads(result.stdout)["submissions"]]
    if len(scores) != expected or any(score != top for score, top in scores):
        raise RuntimeError(f"grading did not give full marks to every copy: {scores}")
    return elapsed


def time_nbconvert(paths: list[Path], out: Path) -> float:
    """Seconds to execute every notebook once, one after the other."""
    jupyter = Path(sys.executable).with_name("jupyter")
    start = time.perf_counter()
    for i, path in enumerate(paths):
        subprocess.run([str(jupyter), "nbconvert", "--to", "notebook", "--execute",
                        str(path), "--output-dir", str(out), "--output", f"run{i}.ipynb"],
                       capture_output=True, check=True, cwd=path.parent)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lesson", default="01_rescaling")
    parser.add_argument("--students", type=int, default=6)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="imgprep-bench-") as tmp:
        folder, out = Path(tmp) / "class", Path(tmp) / "executed"
        paths = make_class(folder, args.lesson, args.students)
        graded = time_grading(folder, args.jobs, args.students)
        executed = time_nbconvert(paths, out)
    n = args.students
    print(f"lesson {args.lesson}, {n} submissions (solution copies)")
    print(f"  grade --jobs {args.jobs}:        {graded:7.2f} s  = {graded / n:6.2f} s per submission")
    print(f"  nbconvert --execute, serial: {executed:7.2f} s  = {executed / n:6.2f} s per "
          "submission")
    print(f"  ratio (grader / plain execution, per submission): {graded / executed:.2f} "
          f"({'meets' if graded <= executed else 'misses'} the bar of 1.00)")


if __name__ == "__main__":
    main()
