"""Lesson 00's exercise: a warm-up on dtypes."""

import numpy as np

from imgprep_course import images
from imgprep_course.exercises._core import Case, Exercise, Misconception
from imgprep_course.exercises._question import Choice, Question


def _cases(hidden):
    rng = np.random.default_rng(0)
    return [
        Case((np.array([[0, 128, 255]], dtype=np.uint8),)),
        Case((rng.integers(0, 256, (4, 5, 3), dtype=np.uint8),)),
        Case((images.load_sample("present")[:16, :16],)),
        Case((hidden.integers(0, 256, (2, 3), dtype=np.uint8),), hidden=True),
    ]


_MISCONCEPTIONS = (
    Misconception(lambda image: image / 255,
                  "dividing the uint8 array directly gives float64 (numpy's default "
                  "float); the exercise asks for float32, half the memory and what deep "
                  "learning frameworks expect"),
    Misconception(lambda image: image.astype(np.float32),
                  "the dtype is converted but the values still run from 0 to 255: "
                  "divide by 255 too"),
    Misconception(lambda image: (image // 255).astype(np.float32),
                  "// is integer (floor) division: every value below 255 becomes 0"),
)

to_float = Exercise(
    name="to_float", title="Convert a uint8 image to float32 in [0, 1]", number="0.1",
    points=1, reference=images.to_float, make_cases=_cases,
    hints=("Two steps: change the dtype, then scale so that 255 becomes 1.0.",
           "ndarray.astype converts the dtype (and returns a copy); 255 is the largest uint8 "
           "value.",
           "Convert before dividing: a uint8 array divided by a number is float64 (numpy's "
           "default float), and the exercise asks for float32."),
    dtype_kind="float32", misconceptions=_MISCONCEPTIONS,
)

EXERCISES = (to_float,)

# ------------------------------------------------------------------------ questions
uint8_sum = Question(
    name="uint8_sum_answer", number="0.2", title="Predict a uint8 sum",
    prompt="a = np.array([200], dtype=np.uint8); b = np.array([100], dtype=np.uint8). "
           "What is the value in a + b?",
    value=44, tolerance=0,
    wrong_values=((300, "uint8 holds 0..255 only; 300 does not fit, and numpy does "
                        "not widen the dtype of an array sum"),
                  (255, "numpy does not saturate (clip) integer arithmetic: it wraps "
                        "around modulo 256")),
    explanation="200 + 100 = 300 wraps modulo 256 to 300 - 256 = 44, silently.",
)

crop_shape = Question(
    name="crop_shape_answer", number="0.3", title="Predict the shape of a crop",
    prompt="photo has shape (512, 512, 3). What is photo[10:20, :5].shape?",
    choices=(
        Choice("a", "(10, 5, 3)", True,
               "rows 10..19 (10 of them), columns 0..4 (5), and the channel axis, "
               "which the slice leaves whole"),
        Choice("b", "(10, 5)", False,
               "a slice never drops an axis: the channels are still there"),
        Choice("c", "(5, 10, 3)", False,
               "the first index is the row (height), the second the column (width)"),
        Choice("d", "(3, 10, 5)", False,
               "numpy images are (height, width, channels): channels last"),
    ),
)

float_bytes = Question(
    name="float_bytes_answer", number="0.4", title="The memory of a float32 image",
    prompt="A 224 x 224 RGB image in uint8 takes 150,528 bytes. How many bytes does the "
           "same image take as float32?",
    value=602_112, tolerance=0,
    wrong_values=((150_528, "the number of values stays, but each float32 takes 4 "
                            "bytes instead of 1"),
                  (1_204_224, "that is float64, 8 bytes per value (what image / 255 "
                              "gives)")),
    explanation="150,528 values x 4 bytes = 602,112 bytes: float32 costs 4x the memory "
                "of uint8, float64 8x.",
)

QUESTIONS = (uint8_sum, crop_shape, float_bytes)
