"""``python -m imgprep_course COMMAND``: one sub-command per job.

Each sub-command's work lives in the module it belongs to; this file only wires
arguments to functions, so the CLI stays a thin layer.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
from pathlib import Path

#: Exit status of a course-developer command run without the source checkout.
NO_CHECKOUT = 3
#: How --help marks the commands that need the source checkout.
DEVELOPER = "[course developers] "


def _build_lessons(args: argparse.Namespace) -> int:
    """``build-lessons [--solutions DIR] [--lessons DIR] [--check] [--force]``."""
    from imgprep_course.notebooks import course_root

    root = None if args.solutions and args.lessons else course_root()
    solutions = Path(args.solutions) if args.solutions else root / "solutions"
    lessons = Path(args.lessons) if args.lessons else root / "lessons"
    return _write_lessons(solutions, lessons, check=args.check, force=args.force)


def _write_lessons(solutions: Path, lessons: Path, check: bool, force: bool) -> int:
    from imgprep_course.notebooks import build_lessons

    try:
        changed = build_lessons(solutions, lessons, check=check, force=force)
    except (PermissionError, ValueError, FileNotFoundError) as error:
        print(f"build-lessons: {error}", file=sys.stderr)
        return 1
    if check:
        if changed:
            print("lessons/ differs from what build-lessons would write:", file=sys.stderr)
            for name in changed:
                print(f"  {name}", file=sys.stderr)
            return 1
        print("lessons/ is up to date")
        return 0
    print(f"wrote {len(changed)} lesson(s)" + (": " + ", ".join(changed) if changed else ""))
    return 0


def _run_solutions(args: argparse.Namespace) -> int:
    """``run-solutions [NOTEBOOK...]``: execute, save, rebuild lessons."""
    from imgprep_course.notebooks import course_root, execute_solution

    root = course_root()
    paths = [Path(p) for p in args.notebooks] or sorted((root / "solutions").glob("*.ipynb"))
    for path in paths:
        print(f"running {path} ...", flush=True)
        execute_solution(path)
    return _write_lessons(root / "solutions", root / "lessons", check=False, force=False)


def _grade(args: argparse.Namespace) -> int:
    from imgprep_course.grading import grade_cli
    return grade_cli(args.paths, jobs=args.jobs, timeout=args.timeout,
                     memory_mb=args.memory, out=args.out, feedback=args.feedback,
                     sandbox=args.sandbox == "on", seed=args.seed, as_json=args.json,
                     progress=not args.quiet)


def _existing_files_are_paths(arguments: list[str]) -> list[str]:
    """``grade``'s arguments with every one that names an existing file or folder made a
    path (``./--sandbox=off``), so no file name in a globbed class folder becomes an
    option: ``grade *`` means ``grade -- *``.

    Examples
    --------
    >>> _existing_files_are_paths(["--jobs", "2", "/", "--quiet"])
    ['--jobs', '2', '/', '--quiet']
    """
    result = []
    for position, argument in enumerate(arguments):
        if argument == "--":
            return result + arguments[position:]
        if argument.startswith("-") and os.path.lexists(argument):
            argument = os.path.join(".", argument)
        result.append(argument)
    return result


def _progress(args: argparse.Namespace) -> int:
    from imgprep_course.exercises._progress import progress_command
    return progress_command(args.notebooks, sandbox=args.sandbox)


def _make_shapes(args: argparse.Namespace) -> int:
    """``make-shapes OUT [--images N] [--seed S] [--quiet]``."""
    from imgprep_course.datasets.shapes import make_shapes

    try:
        out = make_shapes(args.out, images=args.images, seed=args.seed, quiet=args.quiet)
    except (FileExistsError, ValueError) as error:
        print(f"make-shapes: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"make-shapes: interrupted; {args.out} was not written", file=sys.stderr)
        return 130
    if not args.quiet:
        print(f"wrote {args.images} images to {out} (coco/, voc/, imagenet/)")
    return 0


def _coco_eval(args: argparse.Namespace) -> int:
    """``coco-eval GT.json DT.json [--iou-type] [--json]``: the 12-line summary, or with
    ``--json`` one JSON document; bad files or content: one line on stderr, exit 1."""
    from imgprep_course.metrics._coco_ahead import ResultsAhead
    from imgprep_course.metrics.coco import evaluate_coco

    _keep_freed_memory()
    _no_huge_pages()
    # a child process reads the results while this one reads the ground truth
    try:
        result = evaluate_coco(args.ground_truth, ResultsAhead(args.results, args.iou_type),
                               iou_type=args.iou_type)
    except (OSError, ValueError, TypeError) as error:
        print(f"coco-eval: error: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result.to_dict()) if args.json else result.summary())
    return 0


def _keep_freed_memory() -> None:
    """Ask glibc's allocator to keep freed memory for reuse in this process.

    An evaluation builds and drops arrays of tens of megabytes; by default glibc gives
    each back to the system and the next one is faulted in again, a page of 4 KB at a
    time (10,000 faults of the 60,000 of ``benchmarks/coco_eval.py``'s bbox run). Elsewhere
    than glibc (no ``mallopt``) nothing changes.
    """
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):
        return
    trim_threshold, top_pad, mmap_threshold = -1, -2, -3   # glibc's M_* parameters
    mallopt(mmap_threshold, 32 << 20)   # the largest glibc allows
    mallopt(trim_threshold, 1 << 30)
    mallopt(top_pad, 64 << 20)


def _no_huge_pages() -> None:
    """Stop numpy asking Linux for 2 MB pages (``madvise(MADV_HUGEPAGE)``) for its large
    arrays in this process.

    An evaluation's large arrays are written once or twice and dropped; a huge page
    costs its first fault a 2 MB zeroing, and on a machine with little free contiguous
    memory a compaction, more than its fewer TLB misses win back. On
    ``benchmarks/coco_eval.py``'s segm set, 12 runs alternating: 1.26 s median with
    4 KB pages, 1.35 s with huge pages (4 Dec 2026). A numpy without the switch is left
    as it is.
    """
    import numpy as np

    core = getattr(np, "_core", None) or getattr(np, "core", None)
    switch = getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)
    if switch is not None:
        switch(False)


def _start(args: argparse.Namespace) -> int:
    """Copy the lessons into the student's folder (keeping edits), then open JupyterLab."""
    from imgprep_course.course import copy_lessons

    try:
        copied = copy_lessons(args.folder)
    except (OSError, ValueError) as error:
        print(f"start: {error}", file=sys.stderr)
        return 1
    for lesson in copied:
        print(lesson)
    print(f"the lessons are in {args.folder}")
    if args.no_lab:
        return 0
    return subprocess.call([sys.executable, "-m", "jupyterlab", *args.lab_options],
                           cwd=args.folder)


def _site(args: argparse.Namespace) -> int:
    from imgprep_course.website import build_site

    try:
        page = build_site(args.out, quiet=not args.verbose)
    except (RuntimeError, FileNotFoundError) as error:
        print(f"site: {error}", file=sys.stderr)
        return 1
    print(f"the website is in {args.out}: open {page}")
    return 0


def _developer_command(run):
    """A course-developer command: where there is no source checkout (a wheel install), it
    says so in one line and exits with :data:`NO_CHECKOUT`."""
    def checked(args: argparse.Namespace) -> int:
        from imgprep_course.notebooks import NoCheckoutError

        try:
            return run(args)
        except NoCheckoutError as error:
            print(f"{args.command}: {error}", file=sys.stderr)
            return NO_CHECKOUT
    return checked


def _add_start(commands) -> None:
    start = commands.add_parser(
        "start", help="copy the lessons into a folder of your own and open JupyterLab there",
        description="Copy the course's lessons into FOLDER, never overwriting a lesson you "
                    "changed (a newer version of it is written beside it as NAME.new.ipynb), "
                    "then open JupyterLab there. Other options go to JupyterLab "
                    "(--no-browser, --port=8889, ...: write them as --name=value).")
    start.add_argument("folder", nargs="?", default="imgprep-course", metavar="FOLDER",
                       help="where the lessons go (default ./imgprep-course)")
    start.add_argument("--no-lab", action="store_true",
                       help="copy the lessons only; do not start JupyterLab")
    start.set_defaults(run=_start, lab_options=[])


def _add_site(commands) -> None:
    site = commands.add_parser(
        "site", help=DEVELOPER + "build the course website (static HTML) from solutions/")
    site.add_argument("out", metavar="OUT", help="folder for the HTML pages")
    site.add_argument("--verbose", action="store_true", help="show Sphinx's progress")
    site.set_defaults(run=_developer_command(_site))


def make_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every sub-command."""
    parser = argparse.ArgumentParser(
        prog="python -m imgprep_course", description="The imgprep course's tools.",
        epilog=f"{DEVELOPER.strip()} commands need the course's source checkout (a git clone "
               f"installed with `pip install -e .`); elsewhere they exit with status "
               f"{NO_CHECKOUT}.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_start(commands)

    build = commands.add_parser("build-lessons",
                                help=DEVELOPER + "write lessons/ from solutions/")
    build.add_argument("--solutions", default=None, help="folder of solution notebooks")
    build.add_argument("--lessons", default=None, help="folder to write lessons to")
    build.add_argument("--check", action="store_true",
                       help="write nothing; exit 1 and name every lesson that differs")
    build.add_argument("--force", action="store_true",
                       help="overwrite lessons even when they hold a student's edits")
    build.set_defaults(run=_developer_command(_build_lessons))

    run = commands.add_parser(
        "run-solutions",
        help=DEVELOPER + "execute solution notebooks in place, then rebuild lessons/")
    run.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                     help="solution notebooks (default: all of solutions/)")
    run.set_defaults(run=_developer_command(_run_solutions))

    grade = commands.add_parser(
        "grade", help="score submitted notebooks",
        description="Score submitted notebooks. Any argument naming an existing file is a "
                    "path, even if it starts with '-'. Exit status: 0 graded, 1 some "
                    "submission not graded (refused or lesson unknown), 2 bad arguments, 3 "
                    "the sandbox cannot start (nothing graded; --sandbox off grades "
                    "without it), 4 a course file changed while grading.")
    grade.add_argument("paths", nargs="+", metavar="PATH",
                       help="notebooks, or folders searched for *.ipynb")
    grade.add_argument("--json", action="store_true", help="print one JSON document")
    grade.add_argument("--jobs", type=int, default=1,
                       help="answers graded at the same time (default 1)")
    grade.add_argument("--timeout", type=float, default=60.0,
                       help="seconds allowed for each answer (default 60)")
    grade.add_argument("--memory", type=float, default=2048,
                       help="MiB of memory allowed for each answer (default 2048)")
    grade.add_argument("--out", default=None, metavar="DIR",
                       help="write grades.json, gradebook.csv, summary.md and feedback/ here")
    grade.add_argument("--feedback", choices=("md", "html"), default="md",
                       help="format of the feedback files in --out (default md)")
    grade.add_argument("--sandbox", choices=("on", "off"), default="on",
                       help="on (default): run answers in the sandbox, and refuse to grade "
                            "(exit 3) where it cannot start; off: run them without it, said "
                            "in every report")
    grade.add_argument("--seed", type=int, default=None,
                       help="seed of the hidden cases (default: a fresh random one, "
                            "recorded in grades.json so a regrade is reproducible)")
    grade.add_argument("--quiet", action="store_true", help="no progress bar")
    grade.set_defaults(run=_grade)

    progress = commands.add_parser(
        "progress", help="a student's status per exercise and question, as grade scores it")
    progress.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                          help="saved lesson notebooks (default: the lessons in this folder)")
    progress.add_argument("--sandbox", choices=("auto", "on", "off"), default="auto",
                          help="auto (default): in the sandbox where this machine has one; "
                               "on: refuse to run without it; off: without it")
    progress.set_defaults(run=_progress)

    shapes = commands.add_parser(
        "make-shapes", help="write the synthetic shapes dataset (COCO, VOC, ImageNet layouts)")
    shapes.add_argument("out", metavar="OUT", help="folder to create (new, or empty)")
    shapes.add_argument("--images", type=int, default=200, help="number of images (default 200)")
    shapes.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    shapes.add_argument("--quiet", action="store_true", help="no progress bar")
    shapes.set_defaults(run=_make_shapes)

    coco_eval = commands.add_parser(
        "coco-eval", help="evaluate COCO results: pycocotools' 12 numbers, faster")
    coco_eval.add_argument("ground_truth", metavar="GT.json", help="COCO instances file")
    coco_eval.add_argument("results", metavar="DT.json", help="COCO results file")
    coco_eval.add_argument("--iou-type", choices=["bbox", "segm"], default="bbox",
                           help="compare boxes or masks (default bbox)")
    coco_eval.add_argument("--json", action="store_true",
                           help='print one JSON document {"stats": [12 numbers], ...}')
    coco_eval.set_defaults(run=_coco_eval)

    _add_site(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["grade"]:
        argv = ["grade", *_existing_files_are_paths(argv[1:])]
    parser = make_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and args.command != "start":  # only start passes options on (to JupyterLab)
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if unknown:
        args.lab_options = unknown
    return args.run(args)


def run() -> None:
    """The ``imgprep-course`` program (and ``python -m imgprep_course``): :func:`main`,
    then exit with its status.

    Before it exits, every object still alive moves to the garbage collector's permanent
    generation (``gc.freeze``), so that the collections the interpreter makes while it
    shuts down skip them: with numba's compiled code loaded they walk millions of
    objects (0.3-0.4 s of ``coco-eval --iou-type segm``'s 3 s; 0.04 s frozen). Exit
    handlers still run and files are still flushed and closed; the system frees the
    memory.
    """
    status = main()
    gc.freeze()
    sys.exit(status)


if __name__ == "__main__":  # pragma: no cover
    run()
