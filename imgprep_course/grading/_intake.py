"""Read submissions in a process of their own: parsing hostile bytes costs only them.

A notebook's JSON, its cells' Python and the answers' canonical forms are parsed by
:func:`examine`, which the grader runs in an *intake process* (:class:`Intake`, ``python
-I -m imgprep_course.grading._intake``) with a memory limit and a time limit per
submission. A pathological file (JSON nested 100,000 deep, a cell of 200,000 chained
additions, a 100,000-character expression) can raise, exhaust memory, overflow the C
stack or hang that process: the submission is then an error with the reason, the process
is restarted, and the rest of the class is graded as usual. The grader's own process
never parses a submission.

The lesson of a submission comes from its metadata or its file name (they must agree),
and is checked against its content: a notebook whose cells come from another lesson is
not graded as the lesson it claims (:func:`check_lesson`).

Protocol: frames of an 8-byte big-endian length and a payload. The grader sends the
header (JSON: each lesson's exercise names and the fingerprints of its cells), then per
submission a JSON frame ``{"name"}`` and a frame with its bytes; the process answers
each with a JSON frame, :func:`examine`'s result.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import select
import struct
import subprocess
import sys
import time
from pathlib import Path

from imgprep_course.grading._answers import NotebookError, find_answer, read_notebook
from imgprep_course.exercises._literal import AnswerError, answer_literal
from imgprep_course.grading._similarity import canonical, findings

_LENGTH = struct.Struct(">Q")
#: Memory for the intake process, and seconds to examine one submission.
INTAKE_MEMORY, INTAKE_SECONDS = 3 * 2**30, 60.0
#: The longest code cell read (the course's longest is a few thousand characters).
MAX_CODE_CELL = 50_000


def fingerprint(source: str) -> str | None:
    """A short hash of a cell's text, ignoring whitespace at line ends (None if empty).

    Examples
    --------
    >>> fingerprint("x = 1  \\n") == fingerprint("x = 1")
    True
    """
    text = "\n".join(line.rstrip() for line in source.strip().splitlines())
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16] if text else None


def identify_lesson(metadata: dict, path: Path, lessons) -> str:
    """The lesson a submission claims: its metadata's, else its file name's prefix.

    Raises ValueError when it claims none, or two different ones.

    Examples
    --------
    >>> lessons = ["00_start_here", "01_rescaling"]
    >>> identify_lesson({}, Path("01_rescaling_ada.ipynb"), lessons)
    '01_rescaling'
    >>> identify_lesson({"imgprep_course": {"lesson": "00_start_here"}}, Path("hw.ipynb"),
    ...                 lessons)
    '00_start_here'
    """
    course = metadata.get("imgprep_course")
    lesson = course.get("lesson") if isinstance(course, dict) else None
    claimed = lesson if isinstance(lesson, str) and lesson in lessons else None
    named = [name for name in lessons if path.name.startswith(name)]
    by_name = named[0] if len(named) == 1 else None
    if claimed and by_name and claimed != by_name:
        raise ValueError(f"its metadata says lesson {claimed} but its file name says "
                         f"{by_name}: rename the file or fix imgprep_course.lesson")
    if claimed or by_name:
        return claimed or by_name
    raise ValueError("cannot tell which lesson this is: its metadata has no known "
                     "imgprep_course.lesson and its file name does not start with one of "
                     + ", ".join(sorted(lessons)))


def check_lesson(lesson: str, prints: set[str], layouts: dict[str, list[str]]) -> None:
    """Raise ValueError if the cells (their ``prints``) come more from another lesson than
    from ``lesson``: only cells found in one lesson count.

    Examples
    --------
    >>> layouts = {"a": ["1", "2", "9"], "b": ["3", "4", "9"]}
    >>> check_lesson("a", {"1", "9"}, layouts)
    >>> check_lesson("a", {"3", "4", "1"}, layouts)
    Traceback (most recent call last):
    ...
    ValueError: it claims lesson a, but 2 of its cells are lesson b's and 1 lesson a's: \
it is not graded as lesson a
    """
    counts = {}
    for name, cells in layouts.items():
        others = set().union(*(set(c) for n, c in layouts.items() if n != name))
        counts[name] = len(prints & (set(cells) - others))
    best = max(counts, key=lambda n: (counts[n], n == lesson))
    if best != lesson and counts[best] > counts.get(lesson, 0):
        raise ValueError(f"it claims lesson {lesson}, but {counts[best]} of its cells are "
                         f"lesson {best}'s and {counts.get(lesson, 0)} lesson {lesson}'s: it "
                         f"is not graded as lesson {lesson}")


def examine(data: bytes, name: str, header: dict) -> dict:
    """Everything the grader needs from one submission's bytes.

    Returns ``{"lesson", "error", "unreadable", "answers", "questions"}``: ``error``
    when its lesson cannot be told (nothing is graded), ``unreadable`` when it is not a
    notebook (every exercise of its lesson is an error), else per exercise name
    ``{"source", "refusal", "canonical", "function", "findings", "lines"}`` (``lines``:
    the notebook cell and line of each line of ``source``) and per question name
    ``{"text", "error"}`` (the literal assigned, or why it is not one).
    """
    lessons = header["lessons"]
    result = {"lesson": None, "error": None, "unreadable": None, "answers": {},
              "questions": {}}
    try:
        metadata, cells = read_notebook(data)
    except (NotebookError, RecursionError, MemoryError) as error:
        message = str(error) if isinstance(error, NotebookError) else (
            f"not a notebook ({type(error).__name__}: nested too deep or too large)")
        metadata, cells, result["unreadable"] = {}, [], message[:300]
    longest = max((len(c["source"]) for c in cells if c["cell_type"] == "code"), default=0)
    if longest > MAX_CODE_CELL:
        cells, result["unreadable"] = [], (f"a code cell has {longest} characters, more "
                                           f"than the {MAX_CODE_CELL} the grader reads")
    try:
        lesson = identify_lesson(metadata, Path(name), lessons)
        if not result["unreadable"]:
            prints = {fingerprint(c["source"]) for c in cells} - {None}
            check_lesson(lesson, prints, {n: v["cells"] for n, v in lessons.items()})
    except ValueError as error:
        result["error"] = str(error)
        return result
    result["lesson"] = lesson
    if result["unreadable"]:
        return result
    for exercise in lessons[lesson]["exercises"]:
        answer = find_answer(cells, exercise, lessons[lesson]["setup"])
        source = answer.source if answer.found else None
        result["answers"][exercise] = {
            "verdict": list(answer.verdict) if answer.verdict else None, "source": source,
            "refusal": answer.refusal,
            "canonical": canonical(source) if source else None,
            "function": canonical(source, exercise) if source else None,
            "findings": findings(source) if source else [],
            "lines": [list(origin) for origin in answer.lines] if source else []}
    for question in lessons[lesson]["questions"]:
        try:
            result["questions"][question] = {"text": answer_literal(cells, question),
                                             "error": None}
        except AnswerError as error:
            result["questions"][question] = {"text": None, "error": str(error)}
    return result


def _send(stream, payload: bytes) -> None:
    stream.write(_LENGTH.pack(len(payload)) + payload)
    stream.flush()


def _receive(stream) -> bytes | None:
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    return stream.read(size)


def main() -> None:
    """The intake process: examine submissions until standard input ends."""
    resource.setrlimit(resource.RLIMIT_AS, (INTAKE_MEMORY, INTAKE_MEMORY))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.setrecursionlimit(5000)
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but frames on the pipe
    header = json.loads(_receive(source))
    while (request := _receive(source)) is not None:
        data = _receive(source) or b""
        try:
            result = examine(data, json.loads(request)["name"], header)
        except (RecursionError, MemoryError, SyntaxError, ValueError) as error:
            result = {"lesson": None, "error": None, "answers": {},
                      "unreadable": f"cannot be read ({type(error).__name__})"}
        _send(sink, json.dumps(result).encode("utf-8"))


class Intake:
    """The intake process, seen from the grader: :meth:`examine` one submission at a time,
    restarting the process whenever a submission killed it or took too long."""

    def __init__(self, header: dict, seconds: float = INTAKE_SECONDS):
        self.header, self.seconds, self.process = json.dumps(header).encode(), seconds, None

    def _start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-m", "imgprep_course.grading._intake"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            start_new_session=True, env={"PATH": os.defpath, "LANG": "C.UTF-8"},
            cwd="/")
        _send(self.process.stdin, self.header)

    def examine(self, name: str, data: bytes) -> dict:
        """:func:`examine` in the intake process; a crash or a hang becomes ``unreadable``."""
        if self.process is None or self.process.poll() is not None:
            self._start()
        try:
            _send(self.process.stdin, json.dumps({"name": name}).encode())
            _send(self.process.stdin, data)
            reply = self._reply()
        except OSError:
            reply = None
        if reply is None:
            self.close()
            return {"lesson": None, "error": None, "answers": {}, "unreadable":
                    f"not a notebook the grader can read within {self.seconds:g} s and "
                    f"{INTAKE_MEMORY // 2**30} GiB (nested too deep, or too large)"}
        return reply

    def _reply(self) -> dict | None:
        out, buffer = self.process.stdout.fileno(), b""
        deadline = time.monotonic() + self.seconds
        needed = _LENGTH.size
        while len(buffer) < needed:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([out], [], [], left)[0]:
                return None
            chunk = os.read(out, 1 << 20)
            if not chunk:
                return None
            buffer += chunk
            if needed == _LENGTH.size and len(buffer) >= _LENGTH.size:
                needed += _LENGTH.unpack_from(buffer)[0]
        return json.loads(buffer[_LENGTH.size:needed])

    def close(self) -> None:
        """Stop the intake process."""
        if self.process is not None:
            try:
                os.killpg(self.process.pid, 9)
            except (ProcessLookupError, PermissionError):
                pass
            self.process.wait()
            for stream in (self.process.stdin, self.process.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            self.process = None

    def __enter__(self) -> Intake:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


if __name__ == "__main__":
    main()
