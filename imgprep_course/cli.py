"""``python -m imgprep_course COMMAND``: one sub-command per job.

Each sub-command's work lives in the module it belongs to; this file only wires
arguments to functions, so the CLI stays a thin layer.
"""

from __future__ import annotations

import argparse
import sys


def _build_lessons(args: argparse.Namespace) -> int:
    from imgprep_course.notebooks import build_lessons_cli
    return build_lessons_cli(args)


def _run_solutions(args: argparse.Namespace) -> int:
    from imgprep_course.notebooks import run_solutions_cli
    return run_solutions_cli(args)


def _grade(args: argparse.Namespace) -> int:
    from imgprep_course.grading import grade_cli
    return grade_cli(args)


def _progress(args: argparse.Namespace) -> int:
    from imgprep_course.exercises._progress import progress_command
    return progress_command(args.notebooks, sandbox=args.sandbox)


def _make_shapes(args: argparse.Namespace) -> int:
    from imgprep_course.datasets.shapes import make_shapes_cli
    return make_shapes_cli(args)


def _coco_eval(args: argparse.Namespace) -> int:
    from imgprep_course.metrics.coco import coco_eval_cli
    return coco_eval_cli(args)


def make_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every sub-command."""
    parser = argparse.ArgumentParser(prog="python -m imgprep_course",
                                     description="The imgprep course's tools.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build-lessons", help="write lessons/ from solutions/")
    build.add_argument("--solutions", default=None, help="folder of solution notebooks")
    build.add_argument("--lessons", default=None, help="folder to write lessons to")
    build.add_argument("--check", action="store_true",
                       help="write nothing; exit 1 and name every lesson that differs")
    build.add_argument("--force", action="store_true",
                       help="overwrite lessons even when they hold a student's edits")
    build.set_defaults(run=_build_lessons)

    run = commands.add_parser(
        "run-solutions", help="execute solution notebooks in place, then rebuild lessons/")
    run.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                     help="solution notebooks (default: all of solutions/)")
    run.set_defaults(run=_run_solutions)

    grade = commands.add_parser("grade", help="score submitted notebooks")
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
    grade.add_argument("--sandbox", choices=("auto", "required", "off"), default="auto",
                       help="confine answers with Linux namespaces: when available (auto, "
                            "the default), always (required: fail where it is not), never")
    grade.add_argument("--quiet", action="store_true", help="no progress bar")
    grade.set_defaults(run=_grade)

    progress = commands.add_parser(
        "progress", help="a student's status per exercise and question, as grade scores it")
    progress.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                          help="saved lesson notebooks (default: the lessons in this folder)")
    progress.add_argument("--sandbox", choices=("auto", "required", "off"), default="auto",
                          help="as for grade (default auto)")
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

    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = make_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
