"""The grader's child process: run one answer on the grader's inputs, write its outputs.

Run as ``python -I -S _runner.py WORKDIR SITE_DIR...`` by :mod:`imgprep_course.grading`.
It never imports ``imgprep_course`` (imports of it are refused, so an answer cannot call
the reference implementation) and only writes outputs to ``WORKDIR``: the grader
compares them with the reference and scores them in its own process.

``WORKDIR/job.json`` holds ``{"setup": [source, ...], "answer": source, "name": str}``
(plain Python: the grader has already dropped IPython magics);
``WORKDIR/inputs.json`` + ``inputs.npz`` the cases' ``[args, kwargs]``. For case ``i`` it
writes ``case{i}.json`` (+ ``.npz``): ``{"outcome": ..., "message": ...}`` and the value.
"""

import importlib.abc
import importlib.util
import json
import os
import sys
import traceback
from pathlib import Path


class _RefuseReference(importlib.abc.MetaPathFinder):
    """Refuse imports of the course package inside a graded answer."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "imgprep_course" or fullname.startswith("imgprep_course."):
            raise ImportError("imgprep_course (the reference implementation) cannot be "
                              "imported while grading: the answer must be your own code")
        return None


def _load_codec():
    spec = importlib.util.spec_from_file_location(
        "_imgprep_codec", Path(__file__).with_name("_codec.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(codec, workdir: Path, index: int, outcome: str, message: str = "", value=None):
    codec.save({"outcome": outcome, "message": message, "value": value},
               workdir / f"case{index}.json", workdir / f"case{index}.npz")


def _last_line(error: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(error), error)).strip()[:500]


def main() -> None:
    workdir = Path(sys.argv[1]).resolve()
    sys.path[:0] = sys.argv[2:]
    codec = _load_codec()
    job = json.loads((workdir / "job.json").read_text(encoding="utf-8"))
    cases = codec.load(workdir / "inputs.json", workdir / "inputs.npz")
    sys.meta_path.insert(0, _RefuseReference())
    scratch = workdir / "scratch"
    scratch.mkdir(exist_ok=True)
    os.chdir(scratch)
    namespace = {"__name__": "__main__"}
    for number, source in enumerate(job["setup"]):
        exec(compile(source, f"<setup cell {number}>", "exec"), namespace)
    try:
        exec(compile(job["answer"], "<answer cell>", "exec"), namespace)
    except BaseException as error:  # the student's code: report, do not crash
        for index in range(len(cases)):
            _write(codec, workdir, index, "raised",
                   f"the answer cell failed before any case ran: {_last_line(error)}")
        return
    function = namespace.get(job["name"])
    for index, (args, kwargs) in enumerate(cases):
        if not callable(function):
            _write(codec, workdir, index, "raised",
                   f"{job['name']} is not a function in the answer cell")
            continue
        try:
            value = function(*args, **kwargs)
        except NotImplementedError:
            _write(codec, workdir, index, "not implemented")
            continue
        except BaseException as error:  # the student's code: any error is feedback
            _write(codec, workdir, index, "raised", _last_line(error))
            continue
        try:
            _write(codec, workdir, index, "returned", value=value)
        except codec.CodecError as error:
            _write(codec, workdir, index, "raised", f"your function returned: {error}")


if __name__ == "__main__":
    main()
