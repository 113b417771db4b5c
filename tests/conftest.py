"""Shared pytest configuration for the test suite."""

# Scripts that regenerate fixtures run under the peers (keras, ...) in their own
# environment; they are not tests, and --doctest-modules must not import them.
collect_ignore_glob = ["fixtures/*.py"]


import os  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture
def require_sandbox():
    """Skip a test that needs the grader's sandbox where it cannot start; fail it instead
    with ``IMGPREP_REQUIRE_SANDBOX=1`` (CI), like the browser tests."""
    from imgprep_course.grading._child import sandbox_available

    available, reason = sandbox_available()
    if not available:
        if os.environ.get("IMGPREP_REQUIRE_SANDBOX") == "1":
            pytest.fail(f"IMGPREP_REQUIRE_SANDBOX=1 but the sandbox cannot start: {reason}")
        pytest.skip(f"the grader's sandbox cannot start here: {reason}")
