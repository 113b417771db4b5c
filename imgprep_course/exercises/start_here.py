"""Lesson 00's exercise: a warm-up on dtypes."""

import numpy as np

from imgprep_course import images
from imgprep_course.exercises._core import Case, Exercise


def _cases(hidden):
    rng = np.random.default_rng(0)
    return [
        Case((np.array([[0, 128, 255]], dtype=np.uint8),)),
        Case((rng.integers(0, 256, (4, 5, 3), dtype=np.uint8),)),
        Case((images.load_sample("present")[:16, :16],)),
        Case((hidden.integers(0, 256, (2, 3), dtype=np.uint8),), hidden=True),
    ]


to_float = Exercise(
    name="to_float", title="Convert a uint8 image to float32 in [0, 1]", number="0.1",
    points=1, reference=images.to_float, make_cases=_cases,
    hints=("Two steps: change the dtype, then divide by the largest uint8 value.",
           "image.astype(np.float32) gives a float copy; 255 is the largest uint8 value.",
           "Dividing the uint8 array first would do integer-free float64 maths, then you "
           "would still need .astype(np.float32): the result must be float32."),
    dtype_kind="f",
)

EXERCISES = (to_float,)
