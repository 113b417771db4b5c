"""The grader's child process: run one answer on the grader's inputs, write its outputs.

Run by :mod:`imgprep_course.grading._child` as ``python -I -S _runner.py READY_FD
SITE_DIR...``. It never imports ``imgprep_course`` (imports of it are refused, and in the
sandbox its folder is hidden), so an answer cannot call the reference implementation.

Standard input holds the job: an 8-byte length, a JSON object ``{"setup": [source, ...],
"answer": source, "name": str, "timeout": s, "memory": bytes, "max_output": bytes,
"sandbox": bool, "hide": [folder, ...]}`` (plain Python sources: the grader has already
dropped IPython magics), then a :mod:`_codec` frame with the cases' ``[args, kwargs]``.
Standard output receives one frame per case, ``{"index", "outcome", "message",
"value"}``; it is a file the grader reads once this process has ended. The runner
writes one byte to ``READY_FD`` when the trusted set-up is done and the answer cell is
about to run: the answer's time limit starts then.

Order of events: limits; the job; the sandbox (:mod:`_sandbox`: read-only file system
except the current folder, no network, own PID namespace); the lesson's pristine set-up
cells; no more privileges, processes or programs; the ready byte; the answer cell; the
cases. What the answer does to this process (patching modules, printing, exiting) can
only change the values it reports, and the grader judges those against its own
reference.
"""

import builtins
import importlib.abc
import importlib.util
import json
import os
import resource
import struct
import sys
import traceback
from pathlib import Path

_HERE = Path(__file__).resolve().parent


class _RefuseReference(importlib.abc.MetaPathFinder):
    """Refuse imports of the course package inside a graded answer."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "imgprep_course" or fullname.startswith("imgprep_course."):
            raise ImportError("imgprep_course (the reference implementation) cannot be "
                              "imported while grading: the answer must be your own code")
        return None


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"_imgprep_{name}", _HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _describe(error: BaseException) -> str:
    text = "".join(traceback.format_exception_only(type(error), error)).strip()
    if isinstance(error, NameError):
        text += (" (the grader runs each answer cell on its own, after the lesson's set-up "
                 "cells: define everything your answer needs in the answer's cell)")
    return text[:1000]


def _limit(kind: int, value: int, grace: int = 0) -> None:
    """Set a soft limit ``value`` and a hard limit ``value + grace`` (never raising them)."""
    _, hard = resource.getrlimit(kind)
    cap = (lambda v: v) if hard == resource.RLIM_INFINITY else (lambda v: min(v, hard))
    resource.setrlimit(kind, (cap(value), cap(value + grace)))


def _read_job():
    data = sys.stdin.buffer.read()
    (size,) = struct.unpack_from(">Q", data)
    return json.loads(data[8:8 + size].decode("utf-8")), data[8 + size:]


def main() -> None:
    ready = int(sys.argv[1])
    results = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    job, cases_frame = _read_job()
    for fd in (0, 1):
        os.dup2(devnull, fd)
    _limit(resource.RLIMIT_AS, job["memory"])
    _limit(resource.RLIMIT_FSIZE, job["max_output"])
    _limit(resource.RLIMIT_CORE, 0)
    sys.path[:0] = sys.argv[2:]
    sys.meta_path.insert(0, _RefuseReference())
    codec = _load("_codec")
    cases = codec.unpack(cases_frame)
    if job["sandbox"]:
        sandbox = _load("_sandbox")
        child = sandbox.confine(os.getcwd(), job["hide"])
        if child:  # outside the namespaces: wait for the answer, pass on how it ended
            os.close(ready)
            _, status = os.waitpid(child, 0)
            code = os.waitstatus_to_exitcode(status)
            os._exit(128 - code if code < 0 else code)
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    builtins.display = lambda *objects, **options: None  # IPython's, for stray calls
    for number, source in enumerate(job["setup"]):
        exec(compile(source, f"<set-up cell {number + 1}>", "exec"), namespace)
    if job["sandbox"]:
        sandbox.drop_privileges()
    else:  # no new processes (Linux ignores this limit for root)
        _limit(resource.RLIMIT_NPROC, 0)
    used = resource.getrusage(resource.RUSAGE_SELF)
    _limit(resource.RLIMIT_CPU, int(used.ru_utime + used.ru_stime + job["timeout"]) + 2,
           grace=1)  # SIGXCPU (a timeout) first, SIGKILL a second later
    os.write(ready, b"1")
    os.close(ready)
    _run_answer(codec, results, job, cases, namespace)


def _run_answer(codec, results, job, cases, namespace) -> None:
    budget = [job["max_output"] - 65536]  # room left for frames, with a reserve

    def report(index, outcome, message="", value=None):
        try:
            frame = codec.pack({"index": index, "outcome": outcome, "message": message,
                                "value": value})
        except (codec.CodecError, RecursionError, ValueError, MemoryError) as error:
            outcome, message, value = "raised", f"your function returned: {error}", None
            frame = None
        if frame is not None and len(frame) > budget[0]:
            limit = job["max_output"] // 2**20
            outcome, message, value = "raised", (
                f"your function returned more than the {limit} MiB allowed per answer"), None
            frame = None
        if frame is None:
            frame = codec.pack({"index": index, "outcome": outcome, "message": message[:1000],
                                "value": value})
        budget[0] -= len(frame) + 8
        results.write(struct.pack(">Q", len(frame)) + frame)
        results.flush()

    failure = None
    try:
        exec(compile(job["answer"], "<answer cell>", "exec"), namespace)
    except BaseException as error:  # the student's code: report, do not crash
        failure = f"the answer cell failed before any case ran: {_describe(error)}"
    if failure:
        report(0, "raised", failure)
        return
    function = namespace.get(job["name"])
    if not callable(function):
        report(0, "raised", f"{job['name']} is not a function in the answer cell")
        return
    for index, (args, kwargs) in enumerate(cases):
        outcome, message, value = "returned", "", None
        try:
            value = function(*args, **kwargs)
        except NotImplementedError:
            outcome = "not implemented"
        except BaseException as error:  # the student's code: any error is feedback
            outcome, message = "raised", _describe(error)
        report(index, outcome, message, value)
        value = None


if __name__ == "__main__":
    main()
