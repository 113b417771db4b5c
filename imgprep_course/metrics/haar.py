"""A real detector that ships offline: OpenCV's Haar-cascade frontal-face detector.

Viola and Jones' boosted cascade of Haar-like features (CVPR 2001), as trained by
OpenCV (``haarcascade_frontalface_default.xml``, shipped in ``cv2.data.haarcascades`` by
opencv-python-headless 4.x; OpenCV 5 moved cascades out of the main module). It is fast,
old and far from today's detectors, which makes it instructive: its boxes are squares
from the eyebrows to the mouth, whatever the annotator outlined, and it only knows
upright, frontal faces.

:func:`detect_faces` returns boxes with a **confidence score** per box, which an AP needs:
the cascade's last-stage weight (``detectMultiScale3(..., outputRejectLevels=True)``'s
``levelWeights``), larger for a more face-like window.
"""

from __future__ import annotations

import numpy as np

from imgprep_course._validation import as_array

__all__ = ["detect_faces"]

CASCADE = "haarcascade_frontalface_default.xml"


def _cascade():
    try:
        import cv2
    except ModuleNotFoundError as error:   # pragma: no cover - a dependency of the course
        raise ModuleNotFoundError("detect_faces needs OpenCV: "
                                  "pip install 'opencv-python-headless<5'") from error
    if not hasattr(cv2, "CascadeClassifier"):
        raise ModuleNotFoundError(f"OpenCV {cv2.__version__} has no CascadeClassifier "
                                  f"(OpenCV 5 moved it out): pip install "
                                  f"'opencv-python-headless<5'")
    return cv2, cv2.CascadeClassifier(cv2.data.haarcascades + CASCADE)


def detect_faces(image, *, scale_factor: float = 1.1, min_neighbors: int = 3,
                 min_size: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Frontal faces in ``image``, with OpenCV's Haar cascade: boxes and scores.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) uint8 array
        A grey-level or RGB photo.
    scale_factor : float
        How much the search window grows from one scale to the next (> 1; OpenCV's
        default 1.1). Larger is faster and coarser.
    min_neighbors : int
        How many overlapping raw hits a face needs to be kept (OpenCV's default 3).
        Lower keeps more, and more false, detections: a wider precision-recall curve.
    min_size : int
        The smallest face searched for, in pixels (0: the cascade's own 24).

    Returns
    -------
    boxes : (N, 4) float ndarray
        ``[x, y, width, height]`` (COCO's ``xywh``), in pixels.
    scores : (N,) float ndarray
        The cascade's confidence of each box (its last stage's weight).

    Examples
    --------
    >>> from imgprep_course.images import load_sample
    >>> boxes, scores = detect_faces(load_sample("grace_hopper"))
    >>> boxes.round().tolist()
    [[155.0, 105.0, 222.0, 222.0]]
    """
    data = as_array(image, "image")
    if data.dtype != np.uint8 or data.ndim not in (2, 3) or (
            data.ndim == 3 and data.shape[2] != 3):
        raise ValueError(f"image must be an (H, W) or (H, W, 3) uint8 array, got shape "
                         f"{data.shape} and dtype {data.dtype}")
    if not scale_factor > 1:
        raise ValueError(f"scale_factor must be > 1, got {scale_factor!r}")
    if isinstance(min_neighbors, bool) or not isinstance(min_neighbors, (int, np.integer)) \
            or min_neighbors < 0:
        raise ValueError(f"min_neighbors must be an int >= 0, got {min_neighbors!r}")
    if isinstance(min_size, bool) or not isinstance(min_size, (int, np.integer)) or min_size < 0:
        raise ValueError(f"min_size must be an int >= 0, got {min_size!r}")
    cv2, cascade = _cascade()
    grey = data if data.ndim == 2 else cv2.cvtColor(np.ascontiguousarray(data),
                                                    cv2.COLOR_RGB2GRAY)
    found, _, weights = cascade.detectMultiScale3(
        np.ascontiguousarray(grey), scaleFactor=float(scale_factor),
        minNeighbors=int(min_neighbors), minSize=(int(min_size), int(min_size)),
        outputRejectLevels=True)
    boxes = np.asarray(found, dtype=np.float64).reshape(-1, 4)
    scores = np.asarray(weights, dtype=np.float64).reshape(-1)
    return boxes, scores
