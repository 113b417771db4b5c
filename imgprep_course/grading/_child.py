"""Run answers in confined child processes and collect what they reported.

A :class:`Worker` is a warm ``python -I -S _runner.py`` (its own session, a scrubbed
environment, numpy imported and the lesson's pristine set-up cells run once) that forks
one child per answer. Each child gets an empty scratch folder as its current directory
(deleted afterwards), limits on memory, CPU time and file size, no new processes or
programs, and, where Linux allows it, the namespaces of :mod:`_sandbox`. Inputs reach
it through an anonymous temporary file, outputs come back in another: no other process
can read or forge them. The clock of ``timeout`` starts when the child signals that it
is about to run the answer cell.
"""

from __future__ import annotations

import functools
import importlib.metadata
import itertools
import json
import os
import queue
import re
import selectors
import shutil
import signal
import site
import socket
import stat
import struct
import subprocess
import sys
import sysconfig
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from imgprep_course.grading import _codec

RUNNER = Path(__file__).with_name("_runner.py")


@dataclass(frozen=True)
class Limits:
    """What one answer may use.

    Parameters
    ----------
    timeout : float
        Wall-clock seconds for the answer cell and all its cases.
    memory : int
        Bytes of address space for the answer's process.
    max_output : int
        Bytes the answer may write: its results, and its scratch folder (in the
        sandbox; outside it, any one file there).
    startup : float
        Seconds allowed for Python and the lesson's set-up cells before the answer starts.
    sandbox : bool
        Run answers in the sandbox of :mod:`_sandbox` (grading refuses to start where it
        cannot); ``False`` runs them without it (a uid of their own when the grader is
        root, Landlock where the kernel has it, seccomp), and the reports say so.
    """

    timeout: float = 60.0
    memory: int = 2 * 1024 ** 3
    max_output: int = 64 * 1024 ** 2
    startup: float = 120.0
    sandbox: bool = True

    def __post_init__(self):
        for name in ("timeout", "startup"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be a positive number of seconds, "
                                 f"got {getattr(self, name)!r}")
        for name in ("memory", "max_output"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be a positive number of bytes, "
                                 f"got {getattr(self, name)!r}")


@dataclass
class ChildRun:
    """What came back from one answer's process."""

    frames: list = field(default_factory=list)
    started: bool = False
    timed_out: bool = False
    exit_code: int | None = None
    stderr: str = ""
    lost: bool = False

    def ending(self, limits: Limits) -> tuple[str, str]:
        """(outcome, message) for a case the child never reported on."""
        if self.timed_out or self.exit_code == 128 + signal.SIGXCPU:
            return "timeout", f"ran out of time ({limits.timeout:g} s per answer)"
        if not self.started:
            detail = self.stderr.strip().splitlines()[-1:] or ["no message"]
            return "raised", ("the grader could not start the answer's process "
                              f"(exit code {self.exit_code}: {detail[0][:300]})")
        if self.exit_code is None:
            return "raised", ("the answer's process was lost (the grader's worker ended) "
                              "before this case finished")
        how = (f"was killed by signal {self.exit_code - 128}" if self.exit_code > 128
               else f"exited with code {self.exit_code}")
        return "raised", f"the answer's process {how} before this case finished"


#: The distributions an answer may import, with everything they require: the course's
#: core numeric stack. Not the course itself, nor the peers its exercises match.
ALLOWED_DISTRIBUTIONS = ("numpy", "scipy", "matplotlib", "pillow", "scikit-image", "numba")
#: Top-level names never exposed, whatever requires them.
REFUSED_NAMES = ("imgprep_course", "pycocotools", "faster_coco_eval")
_DEVICES = ("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom")


def site_dirs() -> list[str]:
    """The site-packages folders the child gets (no ``.pth`` files are processed)."""
    return [d for d in site.getsitepackages() if Path(d).is_dir()]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def allowed_package_paths(directories=None) -> list[str]:
    """The files and folders of the allowed distributions (and what they require) in the
    site-packages ``directories``: top-level packages, modules, bundled libraries and
    their metadata."""
    directories = site_dirs() if directories is None else directories
    found = {_normal(d.metadata["Name"] or ""): d
             for d in importlib.metadata.distributions(path=list(directories))}
    todo, seen, paths = [_normal(n) for n in ALLOWED_DISTRIBUTIONS], set(), set()
    while todo:
        name = todo.pop()
        if name in seen or name not in found:
            continue
        seen.add(name)
        distribution = found[name]
        for requirement in distribution.requires or ():
            if "extra ==" not in requirement.replace('"', "").replace("'", ""):
                todo.append(_normal(re.match(r"[A-Za-z0-9._-]+", requirement).group()))
        base = Path(distribution.locate_file(""))
        for file in distribution.files or ():
            top = file.parts[0]
            if top == ".." or top.endswith(".pth") or top == "__pycache__" \
                    or _normal(top.split(".")[0]).replace("-", "_") in REFUSED_NAMES:
                continue
            if (base / top).exists():
                paths.add(str(base / top))
    return sorted(paths)


def _standard_library() -> list[str]:
    """The standard library's files and folders (its own site-packages left out)."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    return sorted(str(p) for p in stdlib.iterdir()
                  if p.name not in ("site-packages", "dist-packages"))


def _shared_libraries() -> list[str]:
    """The system's shared-library folders, which extension modules load from."""
    arch = sysconfig.get_config_var("MULTIARCH")
    folders = [f"/usr/lib/{arch}", f"/lib/{arch}"] if arch else ["/usr/lib", "/lib"]
    folders += ["/usr/lib64", "/lib64", "/etc/ld.so.cache"]
    return [f for f in folders if os.path.exists(f)]


@functools.cache
def exposed_paths() -> tuple[str, ...]:
    """Everything an answer's process may read: the standard library, the allowed
    installed packages, the shared libraries and a few devices. The sandbox mounts
    exactly these; Landlock allows reading exactly these."""
    paths = _standard_library() + allowed_package_paths() + _shared_libraries()
    paths += [d for d in _DEVICES if os.path.exists(d)]
    return tuple(dict.fromkeys(paths))


def import_folders() -> list[str]:
    """The folders Python imports from (it lists them): the standard library's and the
    site-packages folders (whose other entries stay unreadable)."""
    stdlib = sysconfig.get_paths()["stdlib"]
    return [stdlib, os.path.join(stdlib, "lib-dynload"), *site_dirs()]


class WorkerError(RuntimeError):
    """The worker process could not start."""


class Worker:
    """A warm Python with the set-up cells done, forking one confined child per answer.

    Thread-safe: :meth:`run` may be called from several threads at once.
    """

    def __init__(self, setup: list[str], *, sandbox: bool, startup: float = 120.0):
        self.home = Path(tempfile.mkdtemp(prefix="imgprep-worker-"))
        (self.home / ".matplotlib").mkdir()
        for font_list in _font_lists():
            shutil.copyfile(font_list, self.home / ".matplotlib" / font_list.name)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {"PATH": os.defpath, "HOME": str(self.home), "TMPDIR": str(self.home),
               "MPLCONFIGDIR": str(self.home / ".matplotlib"), "MPLBACKEND": "Agg",
               "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1",
               "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
        self.stderr = tempfile.TemporaryFile()
        with tempfile.TemporaryFile() as config:
            config.write(json.dumps({"setup": setup, "sandbox": sandbox,
                                     "exposed": list(exposed_paths()),
                                     "listable": import_folders()}).encode("utf-8"))
            config.seek(0)
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-S", str(RUNNER), str(theirs.fileno()), *site_dirs()],
                cwd=self.home, env=env, stdin=config, stdout=subprocess.DEVNULL,
                stderr=self.stderr, pass_fds=(theirs.fileno(),), start_new_session=True)
        theirs.close()
        self.socket = ours
        self.alive = False
        self._pending: dict[int, queue.Queue] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self.socket.settimeout(startup)
        try:
            hello = self.socket.recv(65536)
        except OSError:
            hello = b""
        if hello != b'{"ready": true}':
            try:
                self.process.wait(timeout=5)  # let it finish saying why
            except subprocess.TimeoutExpired:
                pass
            reason = self.last_error()
            self.close()
            raise WorkerError(f"the grader's worker did not start: {reason}")
        self.socket.settimeout(None)
        self.alive = True
        threading.Thread(target=self._read, daemon=True).start()

    def last_error(self) -> str:
        """The last line the worker wrote on its standard error, if any."""
        try:
            self.stderr.seek(0)
            text = self.stderr.read(1_000_000).decode("utf-8", "replace")
        except ValueError:  # closed meanwhile by another thread
            text = ""
        lines = text.strip().splitlines()
        return lines[-1][:300] if lines else "no message"

    def _read(self) -> None:
        """Pass each message of the worker to the thread waiting for it."""
        while True:
            try:
                message = self.socket.recv(65536)
            except OSError:
                message = b""
            with self._lock:
                if not message:
                    self.alive = False
                    for waiting in self._pending.values():
                        waiting.put(None)
                    return
                data = json.loads(message)
                waiting = self._pending.get(data["id"])
            if waiting is not None:
                waiting.put(data)

    def run(self, answer: str, name: str, cases: list, limits: Limits) -> ChildRun:
        """Run ``answer`` on ``cases`` (``[args, kwargs]`` pairs) in a new child."""
        job = json.dumps({"answer": answer, "name": name, "timeout": limits.timeout,
                          "memory": limits.memory,
                          "max_output": limits.max_output}).encode("utf-8")
        run, ident, replies = ChildRun(), next(self._ids), queue.Queue()
        with self._lock:
            self._pending[ident] = replies
            alive = self.alive
        scratch = Path(tempfile.mkdtemp(prefix="imgprep-answer-"))
        ready_read, ready_write = os.pipe()
        try:
            with tempfile.TemporaryFile() as inputs, tempfile.TemporaryFile() as out:
                inputs.write(struct.pack(">Q", len(job)) + job + _codec.pack(cases))
                inputs.flush()
                inputs.seek(0)
                if alive:
                    try:
                        socket.send_fds(self.socket, [json.dumps(
                            {"id": ident, "scratch": str(scratch)}).encode()],
                            [inputs.fileno(), out.fileno(), ready_write])
                    except OSError:
                        with self._lock:
                            self.alive = alive = False
                os.close(ready_write)
                ready_write = None
                if alive:
                    self._wait(run, replies, ready_read, limits)
                else:
                    run.lost = True
                out.seek(0)
                if not run.lost:
                    run.frames = _codec.read_frames(out.read(limits.max_output + 1),
                                                    limits.max_output)
        finally:
            with self._lock:
                self._pending.pop(ident, None)
            os.close(ready_read)
            if ready_write is not None:
                os.close(ready_write)
            remove_tree(scratch)
        if run.exit_code is None or not run.started:
            run.stderr = self.last_error()
        return run

    def _wait(self, run: ChildRun, replies: queue.Queue, ready: int, limits: Limits) -> None:
        """Wait for the child to start, to be ready and to end; kill it when time is up."""
        started = _get(replies, limits.startup)
        if not isinstance(started, dict) or "pid" not in started:
            run.lost = True
            return
        pid = started["pid"]
        run.started = _wait_ready(ready, limits.startup)
        ended = _get(replies, limits.timeout if run.started else limits.startup)
        if ended is _TIMEOUT:
            run.timed_out = run.started
            _kill(pid)
            ended = _get(replies, limits.startup)
        if isinstance(ended, dict):
            run.exit_code = ended.get("exit")
        else:  # the worker ended (killed by an answer outside the sandbox)
            _kill(pid)
            run.lost = True

    def close(self) -> None:
        """Stop the worker and everything it started; delete its folder."""
        try:
            self.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.socket.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            _kill(self.process.pid)  # still running, so the pid is still its own
            self.process.wait()
        self.stderr.close()
        remove_tree(self.home)


_TIMEOUT = object()


def _get(replies: queue.Queue, timeout: float):
    try:
        return replies.get(timeout=timeout)
    except queue.Empty:
        return _TIMEOUT


class Workers:
    """One :class:`Worker` per distinct set-up, started when first needed and restarted
    when it has ended; a context manager that stops them all."""

    def __init__(self, *, sandbox: bool, startup: float = 120.0):
        self.sandbox, self.startup = sandbox, startup
        self._workers: dict[tuple, Worker] = {}
        self._lock = threading.Lock()

    def run(self, setup: list[str], answer: str, name: str, cases: list,
            limits: Limits) -> ChildRun:
        """Run ``answer`` after ``setup`` on ``cases`` in a new child of a warm worker.

        An answer whose worker ended under it (only possible outside the sandbox, where
        an answer can kill its worker) runs again on a worker of its own: an answer that
        happened to share the worker loses nothing, the one that killed it loses again.

        Raises
        ------
        WorkerError
            When a worker cannot start (the lesson's set-up fails): grading cannot work.
        """
        run = self._worker(setup).run(answer, name, cases, limits)
        if run.lost:
            private = Worker(list(setup), sandbox=self.sandbox,
                             startup=self.startup)
            try:
                run = private.run(answer, name, cases, limits)
            finally:
                private.close()
        return run

    def _worker(self, setup: list[str]) -> Worker:
        key = tuple(setup)
        with self._lock:
            worker = self._workers.get(key)
            if worker is None or not worker.alive:
                if worker is not None:
                    worker.close()
                worker = Worker(list(setup), sandbox=self.sandbox,
                                startup=self.startup)
                self._workers[key] = worker
            return worker

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            for worker in self._workers.values():
                worker.close()
            self._workers.clear()


@functools.cache
def _font_lists() -> list[Path]:
    """Matplotlib's font cache of the grader's user: copied so workers need not build it."""
    import matplotlib

    return sorted(Path(matplotlib.get_cachedir()).glob("fontlist-*.json"))


def _wait_ready(fd: int, timeout: float) -> bool:
    """Wait for the child's ready byte; False if it ended (or took too long) first."""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        if not selector.select(timeout):
            return False
    return os.read(fd, 1) == b"1"


def _kill(pid: int) -> None:
    """Kill a child, the confined answer under it, and anything left in its session."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    for child in children:
        _signal(lambda: os.kill(int(child), signal.SIGKILL))
    _signal(lambda: os.killpg(pid, signal.SIGKILL))
    _signal(lambda: os.kill(pid, signal.SIGKILL))


def _signal(send) -> None:
    try:
        send()
    except (ProcessLookupError, PermissionError):
        pass


def remove_tree(path: Path) -> None:
    """Delete a folder the answer may have made hard to delete (read-only, no access)."""
    def unlock(function, name, _error):
        parent = os.path.dirname(name)
        for target in (parent, name):
            try:
                os.chmod(target, stat.S_IRWXU, follow_symlinks=False)
            except (OSError, NotImplementedError):
                pass
        try:
            function(name)
        except OSError:
            pass

    shutil.rmtree(path, onerror=unlock)




@functools.cache
def sandbox_available() -> tuple[bool, str]:
    """Whether this machine lets the child confine itself; and if not, why not."""
    scratch = tempfile.mkdtemp(prefix="imgprep-probe-")
    try:
        result = subprocess.run(
            [sys.executable, "-I", "-S", str(Path(__file__).with_name("_sandbox.py")),
             *exposed_paths()], cwd=scratch, env={"PATH": os.defpath}, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=60, start_new_session=True)
    except subprocess.TimeoutExpired:
        return False, "the sandbox probe did not finish within 60 s"
    finally:
        remove_tree(Path(scratch))
    if result.returncode == 0:
        return True, ""
    lines = result.stderr.strip().splitlines()
    return False, lines[-1] if lines else f"the probe exited with {result.returncode}"
