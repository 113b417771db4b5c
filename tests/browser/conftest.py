"""Fixtures for the browser tests: a throw-away JupyterLab and Debian's headless Chromium.

One JupyterLab serves the whole module (it runs COPIES of the lessons in a temp dir);
one Chromium drives it. Both are stopped by process id whatever happens, and so are the
kernels the server started.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

REPO = Path(__file__).resolve().parents[2]
LESSONS = REPO / "lessons"

#: Set (by .ci/run) to make a missing Chromium an error instead of a skip.
REQUIRE_BROWSER = "IMGPREP_REQUIRE_BROWSER"

#: Flags for Debian's Chromium. Without the background-networking ones Chromium keeps
#: opening connections that this closed network refuses, many at a time.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]

#: The JupyterLab setting defaults the course ships (see pyproject.toml's data-files).
LAB_DEFAULTS = REPO / "imgprep_course" / "_lab" / "imgprep-course.json"
#: JupyterLab user settings: no news toast or update check covering the widgets, and every
#: cell attached to the DOM (no virtual scrolling), so the tests see all outputs.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
        {"windowingMode": "none"},
}

#: An IPython startup file for the kernels: SIGUSR1 makes a kernel write every thread's
#: Python stack to ``stacks/<pid>.txt`` (what the test reports when a run hangs).
STACK_DUMPS = """\
import faulthandler, os, signal
from pathlib import Path
_stacks = Path({folder!r}) / f"{{os.getpid()}}.txt"
faulthandler.register(signal.SIGUSR1, file=open(_stacks, "w"), all_threads=True)
"""

SERVER_START_TIMEOUT = 180   # seconds; a hang guard, not a performance bound
PR_SET_PDEATHSIG = 1        # prctl option: a signal for the child when its parent dies
STOP_GRACE = 10              # seconds the server gets to shut its kernels down itself


def pytest_generate_tests(metafunc):
    """One test per lesson: ``notebook`` takes every ``lessons/*.ipynb`` there is."""
    if "notebook" in metafunc.fixturenames:
        paths = sorted(LESSONS.glob("*.ipynb"))
        metafunc.parametrize("notebook", paths, ids=[p.stem for p in paths])


def chromium_executable() -> str | None:
    """Debian's Chromium, or None when it is not installed."""
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = chromium_executable()
    if path is None:
        message = ("the browser tests need Debian's Chromium at /usr/bin/chromium: "
                   "sudo apt-get update && sudo apt-get install -y chromium")
        if os.environ.get(REQUIRE_BROWSER):
            pytest.fail(f"{REQUIRE_BROWSER} is set but {message}")
        pytest.skip(message)
    return path


@dataclass
class Lab:
    """A running JupyterLab: where it listens, its token and the lesson copies it serves."""

    url: str
    token: str
    root: Path
    process: subprocess.Popen
    log: Path

    def api(self, path: str, method: str = "GET"):
        """Call the server's REST API; return the decoded JSON (None for an empty body)."""
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def lab_url(self, notebook: str) -> str:
        """The notebook opened alone, in a fresh workspace of its own (no restored tabs)."""
        workspace = Path(notebook).stem
        return (f"{self.url}/lab/workspaces/{workspace}/tree/{notebook}"
                f"?reset&token={self.token}")

    def hang_report(self) -> str:
        """What the server's kernels are doing: their state and every thread's stack."""
        lines = [f"kernel {k['id']}: {k['execution_state']}, last activity "
                 f"{k['last_activity']}" for k in self.api("/api/kernels")]
        stacks = self.root.parent / "stacks"
        for kernel in psutil.Process(self.process.pid).children(recursive=True):
            if "ipykernel" not in " ".join(kernel.cmdline()):
                continue
            kernel.send_signal(signal.SIGUSR1)
            dump = stacks / f"{kernel.pid}.txt"
            time.sleep(1)
            lines += [f"--- threads of kernel process {kernel.pid} "
                      f"(cpu {kernel.cpu_times().user:.1f} s user):",
                      dump.read_text()[-6000:] if dump.is_file() else "(no dump)"]
        return "\n".join(lines)

    def shut_down_kernels(self) -> None:
        """Shut down every kernel the server runs (between lessons: saves memory)."""
        for session in self.api("/api/sessions"):
            self.api(f"/api/sessions/{session['id']}", method="DELETE")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _lab_environment(base: Path) -> dict:
    """The server's environment: every Jupyter, IPython and lab directory thrown away."""
    env = dict(os.environ)
    for name, sub in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                      ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython"),
                      ("JUPYTERLAB_SETTINGS_DIR", "lab-settings"),
                      ("JUPYTERLAB_WORKSPACES_DIR", "lab-workspaces")]:
        env[name] = str(base / sub)
        (base / sub).mkdir(parents=True, exist_ok=True)
    env.pop("JUPYTER_PATH", None)
    startup = base / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (base / "stacks").mkdir()
    (startup / "00-stack-dumps.py").write_text(STACK_DUMPS.format(folder=str(base / "stacks")))
    for relative, settings in LAB_SETTINGS.items():
        path = base / "lab-settings" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings))
    return env


def _wait_until_up(lab: Lab) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if lab.process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {lab.process.returncode}:\n"
                               f"{lab.log.read_text()[-4000:]}")
        try:
            lab.api("/api/status")
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"JupyterLab did not answer on {lab.url} within "
                               f"{SERVER_START_TIMEOUT} s:\n{lab.log.read_text()[-4000:]}")
        time.sleep(0.25)


def _stop(process: subprocess.Popen, lab: Lab | None) -> None:
    """Stop the server and every process it started (its kernels), by their process ids.

    The kernels run in sessions of their own (jupyter_client starts them so), so killing
    the server's process group alone would leave them running: collect the server's
    descendants first, ask the server to shut down, then kill whatever is left.
    """
    try:
        descendants = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        descendants = []
    if lab is not None and process.poll() is None:
        try:
            lab.api("/api/shutdown", method="POST")
            process.wait(timeout=STOP_GRACE)
        except (OSError, urllib.error.URLError, subprocess.TimeoutExpired):
            pass
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)   # the server's own group
        except ProcessLookupError:
            pass
    process.wait(timeout=STOP_GRACE)
    for member in descendants:                       # kernels and anything they started
        try:
            member.kill()                            # psutil checks the pid was not reused
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(descendants, timeout=STOP_GRACE)


#: The C library, loaded before any fork (loading it in a forked child could deadlock).
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:
    """In the server's child process: ask Linux to kill it if pytest dies (even SIGKILL).

    Its kernels then exit by themselves: ipykernel watches its parent process. Only a
    prctl call runs between fork and exec.
    """
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """Treat SIGTERM like Ctrl-C: pytest stops the session and runs the finalisers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(_signum, _frame):
        raise KeyboardInterrupt("SIGTERM")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.fixture(scope="session")
def warm_matplotlib():
    """Build matplotlib's font cache before a lesson imports it.

    On a fresh machine the first import logs "Matplotlib is building the font cache" to
    stderr, which would show in the first lesson as if the lesson had a problem.
    """
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], check=True,
                   capture_output=True)


@pytest.fixture(scope="session")
def lab(chromium_path, warm_matplotlib, tmp_path_factory):
    """A JupyterLab on loopback serving copies of ``lessons/`` from a temp dir."""
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "root"
    shutil.copytree(LESSONS, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    env = _lab_environment(base)
    port, token = _free_port(), secrets.token_hex(24)
    log = base / "jupyterlab.log"
    # the setting defaults the package installs (a wheel puts them in sys.prefix; an
    # editable install does not), so the lab runs as a student's does
    overrides = base / "app-settings" / "overrides.d"
    overrides.mkdir(parents=True)
    shutil.copy(LAB_DEFAULTS, overrides)
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser",
               f"--LabApp.app_settings_dir={base / 'app-settings'}",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={root}", "--LabApp.news_url=None"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    with open(log, "wb") as log_file:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=log_file,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True,
                                   preexec_fn=_die_with_parent)  # noqa: PLW1509 (see there)
    server = None
    try:
        server = Lab(url=f"http://127.0.0.1:{port}", token=token, root=root,
                     process=process, log=log)
        with _sigterm_as_interrupt():
            _wait_until_up(server)
            yield server
    finally:
        _stop(process, server)


@pytest.fixture(scope="session")
def browser(chromium_path):
    """Debian's Chromium, headless, driven by Playwright (never Playwright's own browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
