"""Keras-compatible random affine augmentation: exact, box-aware and fast.

The lesson's vocabulary, as in Keras' ``ImageDataGenerator``: random **shift**, **zoom**,
**rotation**, **shear** and **flips**, with a **fill mode** for the pixels that come from
outside the image (``constant`` with ``cval``, ``nearest``, ``reflect``, ``wrap``).

Three layers, each usable on its own:

1. Matrices (pure numpy): :func:`rotation_matrix`, :func:`shift_matrix`,
   :func:`shear_matrix`, :func:`zoom_matrix`, :func:`flip_matrix`, composed about the image
   centre by :func:`affine_matrix`. They are *pull* mappings: output pixel ``p`` takes
   the input's value at ``M @ p``; :func:`transform_points` moves points forward.
2. Resampling: :func:`warp` (image), :func:`warp_mask` (labels), :func:`transform_boxes`
   (boxes) and Keras' :func:`apply_affine_transform`. A compiled loop does the work.
3. Randomness: :class:`ImageGenerator` draws parameters from a ``numpy.random.Generator``
   and applies them to images, boxes and masks; :meth:`ImageGenerator.flow` makes batches.

Where Keras is wrong, and how to show it with this package:

- ``width_shift_range`` shifts vertically and ``height_shift_range`` horizontally in Keras
  (keras-team/keras#17398); :class:`ImageGenerator` shifts along the axis the name says.
- Keras turns a non-square ``(h, w)`` image about ``(h/2 - 0.5, w/2 - 0.5)`` taken as
  ``(x, y)``: ``warp(x, about_center(rotation_matrix(180), (h / 2 - 0.5, w / 2 - 0.5)))``
  reproduces its result; :func:`affine_matrix` uses the true centre.
- ``np.sin(np.pi)`` is 1.2e-16, so Keras' turns by 180° and 270° with
  ``fill_mode="constant"`` lose an edge row or column to ``cval``; quarter turns are exact
  here.
- scipy's ``wrap`` (which Keras passes on) has period ``n - 1``; ``wrap`` here is the true
  period-``n`` wrap, scipy's ``grid-wrap``.

Fill modes, in one row of pixels ``a b c d``:

=============  =====================================  ====================================
mode           beyond the edge                        note
=============  =====================================  ====================================
``constant``   ``k k | a b c d | k k``  (``k=cval``)  no blending with ``k`` at the border
``nearest``    ``a a | a b c d | d d``                the default
``reflect``    ``b a | a b c d | d c``                half-sample symmetric
``wrap``       ``c d | a b c d | a b``                period ``n``; scipy's ``wrap`` (used
                                                      by Keras) has period ``n - 1``:
                                                      ``b c | a b c d | b c``
=============  =====================================  ====================================
"""

from imgprep_course.augment._affine import (apply_affine_transform, transform_boxes, warp,
                                            warp_mask)
from imgprep_course.augment._generator import ImageGenerator
from imgprep_course.augment._iterators import (BatchIterator, DirectoryIterator,
                                               NumpyArrayIterator)
from imgprep_course.augment._matrices import (about_center, affine_matrix, flip_matrix,
                                              image_center, rotation_matrix, shear_matrix,
                                              shift_matrix, transform_points, zoom_matrix)
from imgprep_course.augment._params import IDENTITY, TransformRanges
from imgprep_course.augment._warp import FILL_MODES

__all__ = [
    "FILL_MODES", "IDENTITY", "BatchIterator", "DirectoryIterator", "ImageGenerator",
    "NumpyArrayIterator", "TransformRanges", "about_center", "affine_matrix",
    "apply_affine_transform", "flip_matrix", "image_center", "rotation_matrix",
    "shear_matrix", "shift_matrix", "transform_boxes", "transform_points", "warp",
    "warp_mask", "zoom_matrix",
]
from imgprep_course.augment import _color, _crop  # noqa: E402  (resizing, cropping, colour)
from imgprep_course.augment._color import *  # noqa: E402,F401,F403
from imgprep_course.augment._crop import *  # noqa: E402,F401,F403
__all__ += _crop.__all__ + _color.__all__
