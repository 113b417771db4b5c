"""Exercise 1.3's input: a one-pass stream that refuses a second pass and held batches."""

import copy
import re
import tracemalloc

import numpy as np
import pytest

from imgprep_course import rescale
from imgprep_course.exercises import rescaling
from imgprep_course.exercises._batches import HELD_COPIES, Batches, OnePassError

RNG = np.random.default_rng(11)
#: Like exercise 1.3's case 4: 48 batches of 8 (the last of 4) 32 x 32 RGB float32 images.
LOADER = Batches([RNG.random((min(8, 380 - s), 32, 32, 3)).astype(np.float32)
                  for s in range(0, 380, 8)])


def fresh() -> Batches:
    return copy.deepcopy(LOADER)


# ------------------------------------------------------------------- one pass, in order
def test_a_stream_is_read_once_in_order_as_fresh_copies():
    stream = Batches([np.zeros((2, 1)), np.ones((1, 1))])
    assert len(stream) == 2
    first, second = stream
    assert first.tolist() == [[0.0], [0.0]] and second.tolist() == [[1.0]]
    first[0, 0] = 5   # a batch read is the reader's own copy
    with pytest.raises(OnePassError, match="batches can be read once: one pass"):
        iter(stream)
    again = copy.deepcopy(stream)
    assert [b.tolist() for b in again] == [[[0.0], [0.0]], [[1.0]]]


def test_a_deep_copy_is_a_fresh_unread_stream_of_the_same_batches():
    stream = fresh()
    next(iter(stream))
    other = copy.deepcopy(stream)
    assert other == stream and other is not stream
    assert sum(len(b) for b in other) == 380


def test_a_stream_cannot_be_indexed_nor_hashed():
    with pytest.raises(OnePassError, match="cannot be indexed, as batches.i. and np.concat"):
        fresh()[0]
    with pytest.raises(TypeError, match="unhashable"):
        hash(fresh())


def test_the_stream_keeps_its_own_read_only_copy():
    data = np.zeros((1, 2))
    stream = Batches([data])
    data[0, 0] = 7
    assert next(iter(stream)).tolist() == [[0.0, 0.0]]


@pytest.mark.parametrize("bad, words", [
    ([[1, 2]], "batches[0] must be an array of numbers of at least one dimension, got a list"),
    ([np.zeros(2), np.array(["a"])], "batches[1] must be an array of numbers"),
    ([np.float32(1)], "got a float32"), ([np.zeros(())], "shape ()")])
def test_only_arrays_of_numbers_make_a_stream(bad, words):
    with pytest.raises(TypeError, match=re.escape(words)):
        Batches(bad)


@pytest.mark.parametrize("batches, text", [
    ([], "Batches(0 batches; one pass)"),
    ([np.arange(3, dtype=np.uint8)], "Batches(1 batch, each of shape (3,), dtype uint8, "
                                     "values 0 to 2; one pass)"),
    ([np.zeros((2, 4)), np.full((1, 4), 0.5, np.float32)],
     "Batches(2 batches, shapes (2, 4), (1, 4), dtypes float64, float32, values 0 to 0.5; "
     "one pass)"),
    ([np.zeros((n, 4)) for n in (1, 2, 3, 4, 5)],
     "Batches(5 batches, shapes (1 to 5, 4), dtype float64, values 0 to 0; one pass)")])
def test_the_repr_says_how_many_batches_their_shapes_dtype_and_values(batches, text):
    assert repr(Batches(batches)) == text


def test_feedback_shows_the_stream_and_hides_nothing_it_must_not():
    text = rescaling.dataset_stats.check(lambda batches: None).text
    assert "input:    batches = Batches(2 batches, each of shape (1, 2, 2, 3), dtype float32, " \
           "values 0 to 23; one pass)" in text


# ----------------------------------------------------------------------- the answers
def solution(batches):
    count, mean, m2 = 0, 0.0, 0.0
    for batch in batches:
        x = batch.astype(np.float64)
        n = x.size // x.shape[-1]
        batch_mean = x.mean(axis=(0, 1, 2))
        batch_m2 = ((x - batch_mean) ** 2).sum(axis=(0, 1, 2))
        total = count + n
        delta = batch_mean - mean
        mean, m2, count = (mean + delta * n / total,
                           m2 + batch_m2 + delta ** 2 * count * n / total, total)
    return mean, np.sqrt(m2 / count)


def first_then_the_rest(batches):
    it = iter(batches)
    first = next(it).astype(np.float64)
    count = first.size // first.shape[-1]
    mean = first.mean(axis=(0, 1, 2))
    m2 = ((first - mean) ** 2).sum(axis=(0, 1, 2))
    for batch in it:
        x = batch.astype(np.float64)
        centred = x - x.mean(axis=(0, 1, 2))   # three float64 arrays alive at each next()
        squares = centred * centred
        n = x.size // x.shape[-1]
        delta = x.mean(axis=(0, 1, 2)) - mean
        mean = mean + delta * n / (count + n)
        m2 = m2 + squares.sum(axis=(0, 1, 2)) + delta ** 2 * count * n / (count + n)
        count += n
    return mean, np.sqrt(m2 / count)


def welford_per_batch(batches):
    count, mean, m2 = 0, 0.0, 0.0
    for batch in batches:
        for image in batch.astype(np.float64):
            pixels = image.reshape(-1, image.shape[-1])
            for row in pixels[::64]:   # Welford's update, one pixel at a time (a sample)
                count += 1
                delta = row - mean
                mean = mean + delta / count
                m2 = m2 + delta * (row - mean)
    return mean, np.sqrt(m2 / count)


def concatenated(batches):
    x = np.concatenate(batches).astype(np.float64)
    return x.mean(axis=(0, 1, 2)), x.std(axis=(0, 1, 2))


def listed(batches):
    kept = list(batches)
    return concatenated(kept)


def float64_copies(batches):
    x = np.concatenate([b.astype(np.float64) for b in batches])
    return x.mean(axis=(0, 1, 2)), x.std(axis=(0, 1, 2))


def grown(batches):
    data = None
    for batch in batches:
        data = batch if data is None else np.concatenate([data, batch])
    return data.mean(axis=(0, 1, 2)), data.std(axis=(0, 1, 2))


def as_python_lists(batches):
    values = [b.tolist() for b in batches]
    return np.mean(values[0]), np.std(values[0])


STREAMING = [solution, first_then_the_rest, welford_per_batch,
             lambda batches: rescale.dataset_stats(batches),
             *(m.function for m in rescaling.dataset_stats.misconceptions)]
HOLDING = [concatenated, listed, float64_copies, grown, as_python_lists]


@pytest.mark.parametrize("answer", STREAMING, ids=lambda f: f.__name__)
def test_streaming_answers_and_the_misconceptions_read_the_whole_stream(answer):
    was = tracemalloc.is_tracing()
    answer(fresh())
    assert tracemalloc.is_tracing() == was


@pytest.mark.parametrize("answer", HOLDING, ids=lambda f: f.__name__)
def test_holding_the_batches_is_refused_long_before_the_end_and_says_why(answer):
    with pytest.raises(OnePassError) as refused:
        answer(fresh())
    message = str(refused.value)
    read, total, held, worth = re.match(
        r"after reading (\d+) of (\d+) batches your function holds ([\d.]+) MiB, as much as "
        r"(\d+) batches", message).groups()
    assert int(total) == 48 and int(read) <= 24   # caught within the first half
    assert float(held) >= 1.5 and int(worth) >= 16   # 8 float64 copies of a batch: 1.5 MiB
    assert "running totals per channel (count, mean, M2)" in message
    assert len(f"OnePassError: {message}") <= 300   # whole in the grader's feedback too
    assert not tracemalloc.is_tracing()


def test_the_allowance_has_room_for_several_float64_copies_of_a_batch():
    def keeps(copies):
        def answer(batches):
            kept = []
            for batch in batches:
                kept = [batch.astype(np.float64) for _ in range(copies)]
            return len(kept)
        return answer

    assert keeps(HELD_COPIES - 2)(fresh()) == HELD_COPIES - 2
    with pytest.raises(OnePassError, match="after reading 1 of 48"):
        keeps(HELD_COPIES + 1)(fresh())


def test_small_streams_are_never_refused():
    stream = Batches([np.zeros((1, 2, 2, 3))] * 100)
    assert len(list(stream)) == 100


@pytest.mark.parametrize("meddle", [tracemalloc.stop, tracemalloc.clear_traces,
                                    lambda: (tracemalloc.stop(), tracemalloc.start())])
def test_stopping_or_resetting_tracemalloc_mid_pass_is_refused(meddle):
    def answer(batches):
        for index, _ in enumerate(batches):
            if index == 3:
                meddle()
    with pytest.raises(OnePassError, match="tracemalloc was stopped or reset while batches"):
        answer(fresh())
    if tracemalloc.is_tracing():
        tracemalloc.stop()


def test_tracing_started_by_someone_else_is_left_running():
    tracemalloc.start()
    try:
        assert len(list(Batches([np.zeros(3)] * 4))) == 4
        assert tracemalloc.is_tracing()
    finally:
        tracemalloc.stop()


def test_a_pass_left_unfinished_stops_its_tracing_and_two_streams_can_be_read_together():
    for _ in fresh():
        break
    assert not tracemalloc.is_tracing()
    a, b = iter(fresh()), iter(fresh())
    assert sum(1 for _ in zip(a, b)) == 48   # a ended, b is still on its last batch:
    assert tracemalloc.is_tracing()          # the tracing b relies on goes on
    assert next(b, None) is None and not tracemalloc.is_tracing()


def test_an_answer_that_raises_mid_pass_leaves_no_tracing_behind():
    def raises(batches):
        for index, _ in enumerate(batches):
            if index == 1:
                raise ValueError("mine")

    [result] = rescaling.dataset_stats.run(raises)
    assert result.message == "ValueError: mine" and not tracemalloc.is_tracing()


# ------------------------------------------------------------------ in the exercise
def test_the_exercise_refuses_holding_on_its_loader_case_with_the_lesson():
    results = rescaling.dataset_stats.run(listed)
    assert [r.status for r in results] == ["passed"] * 3 + ["error"]
    assert results[-1].message.startswith("OnePassError: after reading ")
    [indexed] = rescaling.dataset_stats.run(concatenated)   # np.concatenate indexes it
    assert indexed.message.startswith("OnePassError: batches cannot be indexed")
    assert rescaling.dataset_stats.check(solution).status == "passed"
    assert rescaling.dataset_stats.check(first_then_the_rest).status == "passed"
