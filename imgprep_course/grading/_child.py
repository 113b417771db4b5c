"""Run one answer in a confined child process and collect what it reported.

The child is ``python -I -S _runner.py`` in its own session, with a scrubbed
environment, an empty scratch folder as its current directory (deleted afterwards),
limits on memory, CPU time, file size and (outside the sandbox) processes, and, where
Linux allows it, the namespaces of :mod:`_sandbox`. Inputs go in on its standard input,
outputs come back in an anonymous temporary file: no other process can read or forge
them. The clock of ``timeout`` starts when the child signals that the lesson's set-up
is done and the answer cell is about to run.
"""

from __future__ import annotations

import functools
import json
import os
import selectors
import shutil
import signal
import site
import stat
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import imgprep_course
from imgprep_course.exercises import GRADING_ENV
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
        Bytes the answer may write: its results, and any one file in its scratch folder.
    startup : float
        Seconds allowed for Python and the lesson's set-up cells before the answer starts.
    sandbox : bool or None
        Use the namespaces of :mod:`_sandbox`: ``True`` requires them, ``False`` never
        uses them, ``None`` uses them when this machine allows it.
    """

    timeout: float = 60.0
    memory: int = 2 * 1024 ** 3
    max_output: int = 64 * 1024 ** 2
    startup: float = 120.0
    sandbox: bool | None = None

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

    def ending(self, limits: Limits) -> tuple[str, str]:
        """(outcome, message) for a case the child never reported on."""
        if self.timed_out or self.exit_code == 128 + signal.SIGXCPU:
            return "timeout", f"ran out of time ({limits.timeout:g} s per answer)"
        if not self.started:
            detail = self.stderr.strip().splitlines()[-1:] or ["no message"]
            return "raised", ("the grader could not start the answer's process "
                              f"(exit code {self.exit_code}: {detail[0][:300]})")
        how = (f"was killed by signal {self.exit_code - 128}" if self.exit_code > 128
               else f"exited with code {self.exit_code}")
        return "raised", f"the answer's process {how} before this case finished"


def hidden_folders() -> list[str]:
    """Folders the answer must not see: the reference package, wherever it is installed,
    and the course's solutions."""
    package = Path(imgprep_course.__file__).resolve().parent
    folders = {package}
    for directory in site_dirs():
        if (Path(directory) / "imgprep_course").is_dir():
            folders.add((Path(directory) / "imgprep_course").resolve())
    solutions = package.parent / "solutions"
    if solutions.is_dir():
        folders.add(solutions)
    return sorted(str(f) for f in folders)


def site_dirs() -> list[str]:
    """The site-packages folders the child gets (no ``.pth`` files are processed)."""
    return [d for d in site.getsitepackages() if Path(d).is_dir()]


def run_answer(setup: list[str], answer: str, name: str, cases: list, limits: Limits,
               *, sandbox: bool, hide: list[str] | None = None) -> ChildRun:
    """Run ``answer`` (after ``setup``) on ``cases`` (``[args, kwargs]`` pairs) in a child."""
    job = json.dumps({"setup": setup, "answer": answer, "name": name,
                      "timeout": limits.timeout, "memory": limits.memory,
                      "max_output": limits.max_output, "sandbox": sandbox,
                      "hide": hidden_folders() if hide is None else hide}).encode("utf-8")
    stdin = tempfile.TemporaryFile()
    stdin.write(struct.pack(">Q", len(job)) + job + _codec.pack(cases))
    stdin.seek(0)
    scratch = Path(tempfile.mkdtemp(prefix="imgprep-answer-"))
    (scratch / ".matplotlib").mkdir()
    for font_list in _font_lists():
        shutil.copyfile(font_list, scratch / ".matplotlib" / font_list.name)
    env = {"PATH": os.defpath, "HOME": str(scratch), "TMPDIR": str(scratch),
           "MPLCONFIGDIR": str(scratch / ".matplotlib"), "MPLBACKEND": "Agg",
           "LANG": "C.UTF-8", GRADING_ENV: "1", "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
    ready_read, ready_write = os.pipe()
    run = ChildRun()
    try:
        with stdin, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            process = subprocess.Popen(
                [sys.executable, "-I", "-S", str(RUNNER), str(ready_write), *site_dirs()],
                cwd=scratch, env=env, stdin=stdin, stdout=out, stderr=err,
                pass_fds=(ready_write,), start_new_session=True)
            os.close(ready_write)
            ready_write = None
            try:
                run.started = _wait_ready(ready_read, limits.startup)
                deadline = limits.timeout if run.started else 0.01
                run.exit_code = process.wait(timeout=deadline)
            except subprocess.TimeoutExpired:
                run.timed_out = run.started
            finally:
                _kill(process)
                code = process.wait() if run.exit_code is None else run.exit_code
                run.exit_code = 128 - code if code < 0 else code
            out.seek(0)
            run.frames = _codec.read_frames(out.read(limits.max_output + 1),
                                            limits.max_output)
            err.seek(0)
            run.stderr = err.read(20_000).decode("utf-8", "replace")
    finally:
        os.close(ready_read)
        if ready_write is not None:
            os.close(ready_write)
        remove_tree(scratch)
    return run


@functools.cache
def _font_lists() -> list[Path]:
    """Matplotlib's font cache of the grader's user: copied so children need not build it."""
    import matplotlib

    return sorted(Path(matplotlib.get_cachedir()).glob("fontlist-*.json"))


def _wait_ready(fd: int, timeout: float) -> bool:
    """Wait for the child's ready byte; False if it ended (or took too long) first."""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        if not selector.select(timeout):
            return False
    return os.read(fd, 1) == b"1"


def _kill(process: subprocess.Popen) -> None:
    """Kill the child, the confined answer under it, and anything left in its session."""
    pid = process.pid
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    for child in children:
        _signal(lambda: os.kill(int(child), signal.SIGKILL))
    _signal(lambda: os.killpg(pid, signal.SIGKILL))
    _signal(process.kill)


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
    start = time.monotonic()
    run = run_answer([], "def probe():\n    return 1\n", "probe", [[[], {}]],
                     Limits(timeout=30), sandbox=True, hide=[])
    ok = bool(run.frames) and isinstance(run.frames[0], dict) \
        and run.frames[0].get("value") == 1
    if ok:
        return True, ""
    detail = (run.stderr.strip().splitlines() or [run.ending(Limits())[1]])[-1]
    return False, f"{detail} (after {time.monotonic() - start:.1f} s)"
