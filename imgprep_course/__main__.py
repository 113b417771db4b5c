"""``python -m imgprep_course``: the command-line interface."""

import sys

from imgprep_course.cli import main

sys.exit(main())
