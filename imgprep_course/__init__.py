"""imgprep_course: the reference library behind the imgprep course.

One module per lecture topic:

- :mod:`imgprep_course.images` -- images as arrays, sample photos shipped offline.
- :mod:`imgprep_course.rescale` -- mean subtraction, standardization, min-max, whitening.
- :mod:`imgprep_course.augment` -- Keras-compatible random affine augmentation.
- :mod:`imgprep_course.datasets` -- ImageNet, COCO and PASCAL VOC formats, synthetic shapes.
- :mod:`imgprep_course.metrics` -- IoU, AP, mAP, COCO and VOC evaluation.

Around them: :mod:`imgprep_course.exercises` (checks and feedback in notebooks),
:mod:`imgprep_course.grading` (the autograder), :mod:`imgprep_course.notebooks`
(solutions -> lessons) and :mod:`imgprep_course.cli` (``python -m imgprep_course``).
"""

__version__ = "0.1.0"
