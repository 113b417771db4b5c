"""A tiny numpy model to show why raw 0..255 inputs hurt training.

Logistic regression trained by full-batch gradient descent: small enough to read in one
screen, big enough to show that the same learning rate that trains well on rescaled
inputs makes the loss jump around on raw pixels.
"""

from __future__ import annotations

import numpy as np

from imgprep_course._validation import as_array


def log_loss(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean binary cross-entropy from logits, computed stably (no overflow, no NaN).

    Examples
    --------
    >>> round(log_loss(np.zeros(4), np.array([0, 1, 0, 1])), 4)
    0.6931
    """
    return float(np.mean(np.logaddexp(0.0, logits) - labels * logits))


def train_logistic(features, labels, *, learning_rate: float, steps: int) -> np.ndarray:
    """Train logistic regression from zero weights; return the loss after every step.

    Parameters
    ----------
    features : (N, D) array_like
    labels : (N,) array_like of 0/1
    learning_rate : float
    steps : int

    Returns
    -------
    ndarray of shape (steps + 1,)
        The loss before training and after each gradient step.

    Examples
    --------
    >>> x = np.array([[-1.0], [-0.5], [0.5], [1.0]])
    >>> losses = train_logistic(x, np.array([0, 0, 1, 1]), learning_rate=1.0, steps=50)
    >>> bool(losses[-1] < losses[0])
    True
    """
    x = as_array(features, "features", ndim=2, finite=True).astype(np.float64)
    y = as_array(labels, "labels", ndim=1).astype(np.float64)
    if len(y) != len(x):
        raise ValueError(f"labels has {len(y)} entries, features has {len(x)} rows")
    if not learning_rate > 0 or steps < 0:
        raise ValueError("learning_rate must be > 0 and steps >= 0")
    weights, bias = np.zeros(x.shape[1]), 0.0
    losses = []
    for _ in range(steps + 1):
        logits = x @ weights + bias
        losses.append(log_loss(logits, y))
        error = 0.5 * (1 + np.tanh(0.5 * logits)) - y  # sigmoid(logits) - y, overflow-free
        weights -= learning_rate * x.T @ error / len(y)
        bias -= learning_rate * error.mean()
    return np.array(losses)
