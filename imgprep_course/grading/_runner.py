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


#: Answers graded as root outside the sandbox run as uid ``_UID_BASE + pid``: a uid of
#: their own, which owns no file and can signal no other process.
_UID_BASE = 2_000_000_000


def _close_other_fds(keep) -> None:
    """Close every inherited file descriptor but ``keep`` (none may lead outside)."""
    for name in os.listdir("/proc/self/fd") if os.path.isdir("/proc/self/fd") else ():
        fd = int(name)
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _answer(request, fds, codec, sandbox, config, namespace) -> None:
    """In the forked child: confine this process, then run the answer on the cases."""
    os.setsid()
    job_fd, results_fd, ready = fds
    with os.fdopen(job_fd, "rb") as file:
        data = file.read()
    (size,) = struct.unpack_from(">Q", data)
    job = json.loads(data[8:8 + size].decode("utf-8"))
    cases = codec.unpack(data[8 + size:])
    _close_other_fds({0, 1, 2, results_fd, ready})
    results = os.fdopen(results_fd, "wb")
    scratch, exposed = request["scratch"], config["exposed"]
    os.chdir(scratch)
    _limit(resource.RLIMIT_AS, job["memory"])
    _limit(resource.RLIMIT_FSIZE, job["max_output"])
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_NOFILE, 256)
    keep_read_search = False
    if config["sandbox"]:
        child = sandbox.confine(exposed, job["max_output"], scratch)
        if child:  # outside the namespaces: wait for the answer, pass on how it ended
            os.close(ready)
            _, status = os.waitpid(child, 0)
            code = os.waitstatus_to_exitcode(status)
            os._exit(128 - code if code < 0 else code)
        home, readable, writable = "/tmp", [*exposed, "/proc"], ["/tmp", os.devnull]
    else:
        home, readable, writable = scratch, [*exposed, scratch], [os.devnull]
        if os.geteuid() == 0:  # a uid of its own; reading only what Landlock allows
            uid = _UID_BASE + os.getpid()
            keep_read_search = sandbox.landlock_abi() > 0
            os.chown(scratch, uid, uid)
            sandbox.become(uid, keep_read_search=keep_read_search)
    os.environ.update(HOME=home, TMPDIR=home, NUMBA_CACHE_DIR=home + "/numba-cache")
    if "tempfile" in sys.modules:
        sys.modules["tempfile"].tempdir = None
    try:
        sandbox.drop_privileges(readable, writable, config["listable"],
                                keep_read_search=keep_read_search)
    except sandbox.SandboxError:
        if config["sandbox"]:
            raise
        _limit(resource.RLIMIT_NPROC, 0)  # the fallback (Linux ignores it for root)
    quiet = os.open(os.devnull, os.O_WRONLY)
    used = resource.getrusage(resource.RUSAGE_SELF)
    _limit(resource.RLIMIT_CPU, int(used.ru_utime + used.ru_stime + job["timeout"]) + 2,
           grace=1)  # SIGXCPU (a timeout) first, SIGKILL a second later
    os.write(ready, b"1")
    os.close(ready)
    os.dup2(quiet, 2)  # the worker's stderr is for the grader
    _run_answer(codec, results, job, cases, namespace)


def _error(error: BaseException) -> dict:
    """What the grader may learn of an exception: its type, the line of the answer cell
    it came from, and its message (which the grader shows for visible cases only)."""
    line = None
    if isinstance(error, SyntaxError) and error.filename == "<answer cell>":
        line = error.lineno
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == "<answer cell>":
            line = frame.lineno
    try:
        message = str(error)
    except BaseException:  # a student's __str__
        message = ""
    return {"type": type(error).__name__, "line": line if isinstance(line, int) else None,
            "message": message[:_MESSAGE]}


_MESSAGE = 300


def _run_answer(codec, results, job, cases, namespace) -> None:
    budget = [job["max_output"] - 65536]  # room left for frames, with a reserve

    def report(index, outcome, error=None, value=None, message=""):
        try:
            frame = codec.pack({"index": index, "outcome": outcome, "error": error,
                                "message": message, "value": value})
        except (codec.CodecError, RecursionError, ValueError, MemoryError) as problem:
            outcome, message, value = "unsendable", str(problem)[:_MESSAGE], None
            frame = None
        if frame is not None and len(frame) > budget[0]:
            outcome, message, value = "too large", "", None
            frame = None
        if frame is None:
            frame = codec.pack({"index": index, "outcome": outcome, "error": None,
                                "message": message, "value": None})
        budget[0] -= len(frame) + 8
        results.write(struct.pack(">Q", len(frame)) + frame)
        results.flush()

    try:
        exec(compile(job["answer"], "<answer cell>", "exec"), namespace)
    except BaseException as error:  # the student's code: report, do not crash
        report(0, "cell failed", _error(error))
        return
    function = namespace.get(job["name"])
    if not callable(function):
        report(0, "not a function")
        return
    for index, (args, kwargs) in enumerate(cases):
        outcome, error, value = "returned", None, None
        try:
            value = function(*args, **kwargs)
        except NotImplementedError:
            outcome = "not implemented"
        except BaseException as problem:  # the student's code: any error is feedback
            outcome, error = "raised", _error(problem)
        report(index, outcome, error, value)
        value = None


if __name__ == "__main__":
    main()
