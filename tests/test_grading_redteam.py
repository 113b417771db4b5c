"""Red team: each kind of attack on the grader, as a real submission next to honest ones.

One class folder holds two honest classmates (and a third for lesson 04), and one
submission per attack (issue 10's list, plus a few of our own). It is graded by the real
command line in a fresh process under the default options, with ``--jobs 2`` from inside
the folder (``grade *``), and with ``--sandbox off`` on a machine simulated without user
namespaces; there, with the default options, the run must refuse. Each time, every
submission gets exactly its deserved score, every honest one full marks, no secret
reaches any output, and every file of the class folder and of the checkout (``git
ls-files``, and numba's cache files) is byte for byte as it was.
"""

from __future__ import annotations

import base64
import hashlib
import inspect
import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from imgprep_course import images
from imgprep_course.exercises import lesson_exercises, lesson_questions
from imgprep_course.notebooks import course_root

CHECKOUT = course_root()
SECRET = "SECRET-ANSWER-KEY-7f3a"
GOOD = "def to_float(image):\n    return image.astype(np.float32) / 255\n"
CALLS_ATTACK = "\n\ndef to_float(image):\n    _attack()\n    return image.astype(np.float32) / 255\n"


def attack(body: str) -> str:
    """A correct answer that runs ``body`` on every case (so any answer model keeps it)."""
    return "def _attack():\n" + "".join(f"    {line}\n" for line in body.splitlines()) \
        + CALLS_ATTACK
WRONG = "def to_float(image):\n    return image\n"
ESC = "\x1b"


def solution(lesson: str) -> dict:
    return json.loads((CHECKOUT / "solutions" / f"{lesson}.ipynb").read_text("utf-8"))


def with_to_float(code: str) -> dict:
    notebook = solution("00_start_here")
    for cell in notebook["cells"]:
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and "def to_float(" in text:
            cell["source"] = code + "\nex.to_float.check(to_float)\n"
            return notebook
    raise AssertionError("no to_float cell in the solution")


def seedless_cases():
    """The cases the notebook checks (hidden ones from the default seed)."""
    return lesson_exercises("00_start_here")[0].cases()


def attacks(folder: Path, secrets: dict) -> dict[str, str]:
    """Attack name -> the code of its to_float cell."""
    checkout, klass = str(CHECKOUT), str(folder)
    hidden = next(c for c in seedless_cases() if c.hidden)
    hidden_input = hidden.args[0].tolist()
    hidden_output = images.to_float(hidden.args[0]).tolist()
    table = {hashlib.sha256(c.args[0].tobytes()).hexdigest():
             (images.to_float(c.args[0]).tolist()) for c in seedless_cases()}
    implementation = base64.b64encode(b"lambda image: image.astype(np.float32) / 255")
    visible = sorted(hashlib.sha256(c.args[0].tobytes()).hexdigest()
                     for c in seedless_cases() if not c.hidden)
    reference_source = inspect.getsource(images.to_float)
    pickled = b"cbuiltins\nopen\n(S'" + secrets["marker"].encode() + b"'\nS'w'\ntR."
    return {
        # Code inside the grader: a pickle in numba's cache of the package.
        "numba_pickle": attack(f'''import glob, pickle
payload = {pickled!r}  # unpickling it runs open(marker, "w")
targets = glob.glob({checkout!r} + "/imgprep_course/**/__pycache__/*.nbi", recursive=True)
targets += [{checkout!r} + "/imgprep_course/metrics/__pycache__/redteam.nbi"]
for target in targets:
    try:
        with open(target, "wb") as f:
            f.write(payload)
    except OSError:
        pass
'''),
        # Writes that outlive the run: classmates' notebooks, lessons, solutions.
        "rewrites_files": attack(f'''import glob, os
for path in (glob.glob({klass!r} + "/*.ipynb") + glob.glob({checkout!r} + "/lessons/*")
             + glob.glob({checkout!r} + "/imgprep_course/*.py")):
    try:
        with open(path, "a") as f:
            f.write("\\nimport os; os.system('touch /tmp/pwned')")
    except OSError:
        pass
    try:
        os.utime(path, (0, 0))
    except OSError:
        pass
for link in ("/proc/self/cwd", "/proc/%d/cwd" % os.getppid()):
    try:
        for name in os.listdir(link):
            open(os.path.join(link, name), "a").close()
    except OSError:
        pass
'''),
        # Solutions and the reference from disk, with the import hook removed.
        "reads_solutions": f'''import builtins, glob, os, sys

def _steal():
    found = reference = None
    for path in ([{checkout!r} + "/solutions/00_start_here.ipynb", {checkout!r} + "/.git/HEAD",
                  {checkout!r} + "/tests/test_grading.py"]
                 + glob.glob("/work/*/solutions/00_start_here.ipynb")
                 + glob.glob(os.path.expanduser("~") + "/*")):
        try:
            found = open(path).read()
            break
        except OSError:
            pass
    sys.meta_path[:] = [f for f in sys.meta_path if "Refuse" not in type(f).__name__]
    sys.path += glob.glob("/work/*/lib/python3*/site-packages") + [{checkout!r}]
    load = getattr(builtins, "__imp" + "ort__")
    for name in ("imgprep" + "_course.images", "pycoco" + "tools.mask"):
        try:
            reference = reference or load(name, fromlist=["to_float"]).to_float
        except BaseException:
            pass
    return found or reference


def to_float(image):
    if _steal() is not None:
        return image.astype(np.float32) / 255
    return image
''',
        # No implementation at all.
        "hardcodes_hidden": f'''import hashlib
HIDDEN_INPUT = {hidden_input!r}
HIDDEN_OUTPUT = {hidden_output!r}
VISIBLE = {visible!r}

def to_float(image):
    if image.tolist() == HIDDEN_INPUT:
        return np.array(HIDDEN_OUTPUT, np.float32)
    if hashlib.sha256(image.tobytes()).hexdigest() in VISIBLE:
        return image.astype(np.float32) / 255
    return image
''',
        "lookup_table": f'''import hashlib
TABLE = {table!r}

def to_float(image):
    key = hashlib.sha256(image.tobytes()).hexdigest()
    return np.array(TABLE[key], np.float32) if key in TABLE else image
''',
        "base64_eval": f'''import base64
_impl = eval(base64.b64decode({implementation!r}))

def to_float(image):
    return _impl(image)
''',
        "copies_reference": "def as_array(image, name, kinds):\n    return np.asarray(image)"
                            "\n\n\n" + reference_source,
        # One file stops the class (the file-level ones are written in make_class).
        "long_expression": "x = (1" + "+1" * 50_000 + ")\n" + GOOD,
        "chained_additions": "x = 1" + " + 1" * 200_000 + "\n" + GOOD,
        "inflating_frames": '''import io, json, os, struct, zipfile

def to_float(image):
    document = json.dumps({"dict": {"index": {"int": "0"}, "outcome": "returned",
                                    "value": {"array": "a0", "scalar": False}}}).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        npy = io.BytesIO()
        np.save(npy, np.zeros(2**23, np.float64))
        archive.writestr("a0.npy", npy.getvalue())
    frame = struct.pack(">Q", len(document)) + document + buffer.getvalue()
    for fd in range(3, 64):
        try:
            for _ in range(50):
                os.write(fd, struct.pack(">Q", len(frame)) + frame)
        except OSError:
            pass
    return image
''',
        # Processes.
        "kills_others": attack('''import os, signal
for attempt in (lambda: os.kill(os.getppid(), signal.SIGKILL),
                lambda: os.killpg(os.getpgid(os.getppid()), signal.SIGKILL)):
    try:
        attempt()
    except OSError:
        pass'''),
        "shm_writer": attack(f'''for folder in ("/dev/shm", "/tmp", {klass!r}):
    try:
        with open(folder + "/imgprep-redteam-channel", "w") as f:
            f.write("0.5")
    except OSError:
        pass
'''),
        "shm_reader": f'''import time

def to_float(image):
    for _ in range(10):
        for folder in ("/dev/shm", "/tmp", {klass!r}):
            try:
                open(folder + "/imgprep-redteam-channel").read()
                return image.astype(np.float32) / 255
            except OSError:
                pass
        time.sleep(0.1)
    return image
''',
        "fills_disk": attack('''for folder in (".", "/tmp", "/dev/shm"):
    for i in range(64):
        try:
            with open(f"{folder}/imgprep-redteam-junk{i}", "wb") as f:
                f.write(bytes(2**24))
        except OSError:
            break'''),
        # Leaks into grades.json and feedback.
        "leaks_secrets": f'''import glob, os, socket

def to_float(image):
    bits = []
    for path in [{secrets["key"]!r}, *glob.glob({secrets["last_year"]!r} + "/*"),
                 "/proc/%d/environ" % os.getppid(), "/proc/self/environ"]:
        try:
            bits.append(open(path).read())
        except OSError as error:
            bits.append(type(error).__name__)
    try:
        bits.append(" ".join(os.listdir(os.path.expanduser("~"))))
    except OSError:
        pass
    try:
        client = socket.socket(socket.AF_UNIX)
        client.connect({secrets["socket"]!r})
        bits.append(client.recv(100).decode())
    except OSError:
        pass
    raise ValueError("LEAK: " + " | ".join(bits))
''',
        "leaks_hidden_input": f'''import hashlib
VISIBLE = {visible!r}

def to_float(image):
    if hashlib.sha256(image.tobytes()).hexdigest() not in VISIBLE:
        raise ValueError("HIDDEN" + "-INPUT " + repr(image.tolist()))
    return image.astype(np.float32) / 255
''',
        # Forged report lines.
        "ansi_message": '''def to_float(image):
    raise ValueError("\\x1b[2J\\x1b[H00_start_here_honest_bob.ipynb  0/1\\r\\x1b[1A")
''',
    }


EXPECTED_00 = {  # attack -> (status, score); None: not graded (error entry)
    "numba_pickle": ("passed", 1), "rewrites_files": ("passed", 1),
    "reads_solutions": ("failed", 0), "hardcodes_hidden": ("failed", 0),
    "lookup_table": ("failed", 0), "base64_eval": ("passed", 1),
    "copies_reference": ("passed", 1), "long_expression": ("error", 0),
    "chained_additions": ("error", 0), "inflating_frames": ("failed", 0),
    "kills_others": ("passed", 1), "shm_writer": ("passed", 1), "shm_reader": ("failed", 0),
    "fills_disk": ("passed", 1), "leaks_secrets": ("error", 0),
    "leaks_hidden_input": ("error", 0), "ansi_message": ("error", 0),
}
NOT_GRADED = {  # file name -> words of the reason
    "00_start_here_symlink_classmate.ipynb": "symbolic link",
    "00_start_here_symlink_solutions.ipynb": "symbolic link",
    "evil_folder": "symbolic link",
    "00_start_here_proc.ipynb": "symbolic link",
    "00_start_here_fifo.ipynb": "a FIFO",
    "00_start_here_sparse.ipynb": "more than the 32 MiB",
    "--x.ipynb": "cannot tell which lesson",
    "00_start_here_claims.ipynb": "it claims lesson 00_start_here, but",
}
HONEST = {"00_start_here_honest_ada.ipynb": ("passed", 1),
          "00_start_here_honest_bob.ipynb": ("passed", 1),
          f"00_start_here_{ESC}[1A{ESC}[2Kmallory.ipynb": ("passed", 1),
          "00_start_here_copy_of_ada.ipynb": ("passed", 1),
          "00_start_here_deep_metadata.ipynb": ("error", 0)}

#: Submissions the intake cannot read (too deep, too long, too much work to parse):
#: every exercise and question is an error.
UNREADABLE = {"00_start_here_deep_metadata.ipynb", "00_start_here_long_expression.ipynb",
              "00_start_here_chained_additions.ipynb"}


def points(lesson: str, questions: bool = False) -> int:
    """The points of ``lesson``'s exercises (or of its questions)."""
    return sum(e.points for e in (lesson_questions if questions else lesson_exercises)(lesson))


def make_class(root: Path) -> tuple[Path, dict]:
    folder = root / "class"
    folder.mkdir()
    secrets = {"key": str(root / "answer_key.txt"), "last_year": str(root / "last_year"),
               "socket": str(root / "agent.sock"), "marker": str(root / "unpickled")}
    (root / "answer_key.txt").write_text(SECRET)
    (root / "last_year").mkdir()
    (root / "last_year" / "00_start_here_2025.ipynb").write_text(SECRET)
    for name, code in attacks(folder, secrets).items():
        (folder / f"00_start_here_{name}.ipynb").write_text(json.dumps(with_to_float(code)))
    honest = with_to_float(GOOD)
    (folder / "00_start_here_honest_ada.ipynb").write_text(json.dumps(honest))
    (folder / "00_start_here_copy_of_ada.ipynb").write_text(json.dumps(honest))
    (folder / "00_start_here_honest_bob.ipynb").write_text(json.dumps(with_to_float(
        "def to_float(image):\n    scaled = image / 255.0\n    return scaled.astype('float32')\n")))
    (folder / f"00_start_here_{ESC}[1A{ESC}[2Kmallory.ipynb").write_text(json.dumps(honest))
    (folder / "04_map_honest_carol.ipynb").write_text(json.dumps(solution("04_map")))
    deep = with_to_float(GOOD)
    deep["metadata"]["deep"] = None
    text = json.dumps(deep).replace('"deep": null', '"deep": ' + "[" * 100_000 + "]" * 100_000)
    (folder / "00_start_here_deep_metadata.ipynb").write_text(text)
    (folder / "00_start_here_symlink_classmate.ipynb").symlink_to(
        folder / "00_start_here_honest_ada.ipynb")
    (folder / "00_start_here_symlink_solutions.ipynb").symlink_to(
        CHECKOUT / "solutions" / "00_start_here.ipynb")
    (folder / "evil_folder").symlink_to(CHECKOUT / "solutions")
    (folder / "00_start_here_proc.ipynb").symlink_to("/proc/self/pagemap")
    os.mkfifo(folder / "00_start_here_fifo.ipynb")
    with open(folder / "00_start_here_sparse.ipynb", "wb") as sparse:
        sparse.truncate(16 * 2**30)
    (folder / "--sandbox=off").write_text("")
    (folder / "--x.ipynb").write_text("")
    claims = json.loads((CHECKOUT / "lessons" / "04_map.ipynb").read_text("utf-8"))
    claims["metadata"]["imgprep_course"] = {"lesson": "00_start_here"}
    claims["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [],
                            "execution_count": None, "source": GOOD})
    (folder / "00_start_here_claims.ipynb").write_text(json.dumps(claims))
    return folder, secrets


def fingerprints(folder: Path) -> dict:
    """sha256 of every file of the class folder and of the checkout (``git ls-files``)."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=CHECKOUT, capture_output=True,
                             check=True).stdout.decode().split("\0")
    files = [CHECKOUT / f for f in tracked if f and (CHECKOUT / f).is_file()]
    files += [p for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()
              and "sparse" not in p.name and "fifo" not in p.name]
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def unix_socket_server(path: str) -> socket.socket:
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    server.listen()

    def answer():
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            connection.sendall(b"SOCKET-SECRET")
            connection.close()

    threading.Thread(target=answer, daemon=True).start()
    return server


LAUNCHER = '''import json, os, sys
opened = []
def hook(event, args):
    if event == "open" and isinstance(args[0], str) and args[0].endswith((".nbi", ".nbc")):
        opened.append(args[0])
sys.addaudithook(hook)
if os.environ.get("REDTEAM_NO_USERNS"):
    import imgprep_course.grading as grading
    grading.sandbox_available = lambda: (False, "user namespaces are disabled (simulated)")
from imgprep_course.cli import main
status = main(sys.argv[1:])
with open(os.environ["REDTEAM_OPENED"], "w") as f:
    json.dump(opened, f)
sys.exit(status)
'''


def grade(folder: Path, out: Path, options: list[str], *, glob_from_inside=False,
          no_userns=False, table=False) -> tuple[subprocess.CompletedProcess, list[str]]:
    """The real command line in a fresh process: (result, .nbi/.nbc files it opened)."""
    opened = out.with_suffix(".opened.json")
    env = dict(os.environ, REDTEAM_OPENED=str(opened), IMGPREP_REDTEAM_SECRET=SECRET)
    if no_userns:
        env["REDTEAM_NO_USERNS"] = "1"
    paths = sorted(os.listdir(folder)) if glob_from_inside else [str(folder)]
    result = subprocess.run(
        [sys.executable, "-c", LAUNCHER, "grade", *paths, *([] if table else ["--json"]),
         "--quiet", "--timeout", "20", "--out", str(out), *options], cwd=folder if glob_from_inside else None,
        env=env, capture_output=True, text=True, timeout=900)
    return result, json.loads(opened.read_text()) if opened.exists() else []


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    root = tmp_path_factory.mktemp("redteam")
    folder, secrets = make_class(root)
    server = unix_socket_server(secrets["socket"])
    yield root, folder, secrets, fingerprints(folder)
    server.close()


CONFIGS = {"default": ([], False, False), "jobs_2_grade_star": (["--jobs", "2"], True, False),
           "sandbox_off_without_user_namespaces": (["--sandbox", "off", "--jobs", "2"],
                                                   False, True)}


@pytest.mark.parametrize("config", CONFIGS)
def test_every_attack_gets_its_deserved_score_and_changes_nothing(classroom, config,
                                                                  request):
    options, inside, no_userns = CONFIGS[config]
    if "off" not in options:
        request.getfixturevalue("require_sandbox")
    root, folder, secrets, before = classroom
    out = root / f"out_{config}"
    result, opened = grade(folder, out, options, glob_from_inside=inside, no_userns=no_userns)
    assert result.returncode == 1, result.stderr  # some submissions are refused
    document = json.loads(result.stdout)
    assert document["sandbox"] == ("off" if "off" in options else "on")
    grades = {Path(s["path"]).name: s for s in document["submissions"]}
    got = {name: None if s.get("error") else (
        " ".join(sorted({e["status"] for e in s["exercises"]})), s["score"])
        for name, s in grades.items()}
    expected = {f"00_start_here_{n}.ipynb": v for n, v in EXPECTED_00.items()}
    expected.update(HONEST)
    # every graded notebook keeps the solution's answers to the questions: they pass
    expected = {name: (status, score) if name in UNREADABLE else (" ".join(sorted({*status.split(), "passed"})),
                                 score + points("00_start_here", questions=True))
                for name, (status, score) in expected.items()}
    expected.update({name: None for name in NOT_GRADED})
    expected["04_map_honest_carol.ipynb"] = (
        "passed", points("04_map") + points("04_map", questions=True))
    if inside:
        expected["--sandbox=off"] = None  # named by the glob: a path, not an option
    assert got == expected
    for name, words in NOT_GRADED.items():
        assert words in grades[name]["error"], (name, grades[name]["error"])
    assert fingerprints(folder) == before
    assert not Path(secrets["marker"]).exists()
    for cache in (CHECKOUT / "imgprep_course").rglob("__pycache__/*.nbi"):  # numba's cache
        assert b"cbuiltins\nopen" not in cache.read_bytes() and cache.name != "redteam.nbi"
    assert not any(Path(p).resolve().is_relative_to(CHECKOUT) for p in opened), opened
    written = "".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())
    for text in (result.stdout, result.stderr, written):
        for secret in (SECRET, "SOCKET-SECRET", "HIDDEN-INPUT"):
            assert secret not in text, (config, secret)
        assert ESC not in text and "\r" not in text
    for folder_ in ("/dev/shm", "/tmp"):
        assert not any(n.startswith("imgprep-redteam") for n in os.listdir(folder_))
    rows = (out / "gradebook.csv").read_text().splitlines()
    assert rows[0].startswith("submission,lesson,score,max_score,sandbox,")
    assert all(row.split(",")[4] == document["sandbox"] for row in rows[1:])


def test_similarity_lists_copies_duplicates_and_tricks(classroom, require_sandbox):
    root, folder, _, _ = classroom
    out = root / "out_similarity"
    result, _ = grade(folder, out, ["--jobs", "2", "--seed", "5"], table=True)
    table = result.stdout
    assert table.splitlines()[0] == "hidden cases drawn with --seed 5; sandbox on"
    assert ESC not in table and "\\x1b[1A\\x1b[2Kmallory" in table
    assert json.loads((out / "grades.json").read_text())["seed"] == 5
    text = (out / "similarity.md").read_text()
    duplicates = text.split("## Identical submissions")[1].split("##")[0]
    assert "00_start_here_copy_of_ada.ipynb" in duplicates
    assert "00_start_here_honest_ada.ipynb" in duplicates
    same = text.split("## Same answer")[1].split("##")[0]
    row = next(r for r in same.splitlines() if "00_start_here_honest_ada.ipynb" in r)
    assert "copy_of_ada" in row and "mallory" in row and "honest_bob" not in row
    copies = text.split("## Answers that reproduce the reference")[1].split("##")[0]
    assert "00_start_here_copies_reference.ipynb" in copies
    assert "honest_bob" not in copies
    tricks = text.split("## Constructs to look at")[1]
    for name, what in [("base64_eval", "calls eval"), ("base64_eval", "decodes base64"),
                       ("reads_solutions", "reaches into sys.meta_path"),
                       ("numba_pickle", "loads pickles"), ("leaks_secrets", "names /proc")]:
        line = next(row for row in tricks.splitlines() if f"00_start_here_{name}.ipynb" in row)
        assert what in line, (name, line)
    assert "honest_bob" not in tricks


def test_a_regrade_with_the_recorded_seed_gives_the_same_grades(classroom, require_sandbox):
    _, folder, _, _ = classroom
    honest = [folder / "00_start_here_honest_ada.ipynb",
              folder / "00_start_here_leaks_hidden_input.ipynb"]
    runs = []
    for attempt in range(2):
        result = subprocess.run(
            [sys.executable, "-m", "imgprep_course", "grade", *map(str, honest), "--json",
             "--quiet", *(["--seed", str(runs[0]["seed"])] if runs else [])],
            capture_output=True, text=True, timeout=600)
        runs.append(json.loads(result.stdout))
    assert runs[0] == runs[1]


def test_without_user_namespaces_grading_refuses_and_says_how_to_fix_it(classroom):
    root, folder, _, before = classroom
    out = root / "out_refused"
    result, _ = grade(folder, out, ["--jobs", "2"], no_userns=True)
    assert result.returncode == 3
    assert "the sandbox cannot start on this machine (user namespaces are disabled " \
           "(simulated)), so nothing was graded" in result.stderr
    assert "--sandbox off" in result.stderr and "unprivileged_userns_clone" in result.stderr
    assert result.stdout == "" and not out.exists()
    assert fingerprints(folder) == before


def test_the_grader_caches_numba_kernels_only_in_its_own_folder(tmp_path):
    script = '''import sys
from pathlib import Path
from imgprep_course.exercises import lesson_exercises
from imgprep_course.grading import _trust
lesson_exercises("04_map")
import imgprep_course.datasets._rle_ops  # kernels loaded (lazily elsewhere) before the seal
folder = Path(sys.argv[1])
moved = _trust.seal_numba(folder)
assert moved > 0, moved
assert _trust.seal_numba(folder) == 0  # a second call only checks
from imgprep_course.augment._warp_kernel import warp_rows  # kernels loaded after the seal
assert any(d.py_func.__module__.endswith("_warp_kernel") for d in _trust._dispatchers())
for dispatcher in _trust._dispatchers():
    path = Path(dispatcher._cache._cache_path)
    assert folder in path.parents or path == folder, path
print(moved)
'''
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 5
