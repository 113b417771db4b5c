"""The grader's worker process: a warm Python that forks one child per answer.

Run by :mod:`imgprep_course.grading._child` as ``python -I -S _runner.py CONTROL_FD
SITE_DIR...``. It never imports ``imgprep_course`` (imports of it are refused, and in the
sandbox its folder is hidden), so an answer cannot call the reference implementation.

Start-up: standard input holds ``{"setup": [source, ...], "sandbox": bool, "hide":
[folder, ...]}`` (plain Python sources: the grader has already dropped IPython magics).
The worker imports numpy, runs the lesson's pristine set-up cells once, says
``{"ready": true}`` on the control socket (a ``SOCK_SEQPACKET`` Unix socket) and serves.

Each request on the control socket is ``{"id", "scratch"}`` with three file
descriptors: the job (an 8-byte length, a JSON object ``{"answer", "name", "timeout",
"memory", "max_output"}``, then a :mod:`_codec` frame with the cases' ``[args, kwargs]``),
the results file, and a pipe. The worker forks; it reports ``{"id", "pid"}`` and, once
the child has ended, ``{"id", "exit"}``. The child, in its own session: limits; the
sandbox (:mod:`_sandbox`: read-only file system except the scratch folder, no network,
own PID namespace); no more privileges, processes or programs; one byte on the pipe (the
answer's clock starts); the answer cell; one results frame per case, ``{"index",
"outcome", "message", "value"}``. What the answer does to its process (patching modules,
printing, exiting) can only change the values it reports, and the grader judges those
against its own reference. The worker itself never runs student code.
"""

import builtins
import importlib.abc
import importlib.util
import json
import os
import resource
import select
import signal
import socket
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
        text += (" (the grader runs only your answer's definitions: the function, and the "
                 "functions, classes, imports and assignments it uses, after the lesson's "
                 "set-up cells)")
    return text[:1000]


def _limit(kind: int, value: int, grace: int = 0) -> None:
    """Set a soft limit ``value`` and a hard limit ``value + grace`` (never raising them)."""
    _, hard = resource.getrlimit(kind)
    cap = (lambda v: v) if hard == resource.RLIM_INFINITY else (lambda v: min(v, hard))
    resource.setrlimit(kind, (cap(value), cap(value + grace)))


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    config = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(devnull, fd)
    sys.path[:0] = sys.argv[2:]
    sys.meta_path.insert(0, _RefuseReference())
    codec = _load("_codec")
    sandbox = _load("_sandbox")
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    builtins.display = lambda *objects, **options: None  # IPython's, for stray calls
    for number, source in enumerate(config["setup"]):
        exec(compile(source, f"<set-up cell {number + 1}>", "exec"), namespace)
    _serve(control, lambda request, fds: _answer(request, fds, codec, sandbox, config,
                                                 namespace))


def _serve(control, answer) -> None:
    """Fork ``answer(request, fds)`` for each request; report pids and exit codes."""
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children = {}
    control.send(b'{"ready": true}')
    while True:
        readable, _, _ = select.select([control, wake_read], [], [])
        if wake_read in readable:
            os.read(wake_read, 4096)
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            code = os.waitstatus_to_exitcode(status)
            control.send(json.dumps({"id": children.pop(pid),
                                     "exit": 128 - code if code < 0 else code}).encode())
        if control in readable:
            message, fds, _, _ = socket.recv_fds(control, 65536, 3)
            if not message:
                return  # the grader is done
            request = json.loads(message)
            pid = os.fork()
            if pid == 0:
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                for fd in (control.fileno(), wake_read, wake_write):
                    os.close(fd)
                code = 0
                try:
                    answer(request, fds)
                except BaseException:  # the grader's own failure: say why, on stderr
                    traceback.print_exc()
                    code = 70
                os._exit(code)
            for fd in fds:
                os.close(fd)
            children[pid] = request["id"]
            control.send(json.dumps({"id": request["id"], "pid": pid}).encode())


def _answer(request, fds, codec, sandbox, config, namespace) -> None:
    """In the forked child: confine this process, then run the answer on the cases."""
    os.setsid()
    job_fd, results_fd, ready = fds
    with os.fdopen(job_fd, "rb") as file:
        data = file.read()
    (size,) = struct.unpack_from(">Q", data)
    job = json.loads(data[8:8 + size].decode("utf-8"))
    cases = codec.unpack(data[8 + size:])
    results = os.fdopen(results_fd, "wb")
    scratch = request["scratch"]
    os.chdir(scratch)
    os.environ.update(HOME=scratch, TMPDIR=scratch)
    if "tempfile" in sys.modules:
        sys.modules["tempfile"].tempdir = None
    _limit(resource.RLIMIT_AS, job["memory"])
    _limit(resource.RLIMIT_FSIZE, job["max_output"])
    _limit(resource.RLIMIT_CORE, 0)
    if config["sandbox"]:
        child = sandbox.confine(scratch, config["hide"], job["max_output"])
        if child:  # outside the namespaces: wait for the answer, pass on how it ended
            os.close(ready)
            _, status = os.waitpid(child, 0)
            code = os.waitstatus_to_exitcode(status)
            os._exit(128 - code if code < 0 else code)
    try:
        sandbox.drop_privileges()
    except sandbox.SandboxError:
        if config["sandbox"]:
            raise
        _limit(resource.RLIMIT_NPROC, 0)  # the fallback (Linux ignores it for root)
    used = resource.getrusage(resource.RUSAGE_SELF)
    _limit(resource.RLIMIT_CPU, int(used.ru_utime + used.ru_stime + job["timeout"]) + 2,
           grace=1)  # SIGXCPU (a timeout) first, SIGKILL a second later
    os.write(ready, b"1")
    os.close(ready)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)  # the worker's stderr is for the grader
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
