"""The tf.data pair pipeline that `train` feeds to `fit`."""

import keras
import numpy as np
import pytest

import siamese_lib as sl
from siamese_lib.pair_dataset import batch_pieces, draw_epochs, shuffled_batch_orders


@pytest.mark.parametrize("shift", [0, 2])
def test_dataset_batches_equal_pair_stream_batches(small_mnist, shift):
    (x, y), _ = small_mnist
    stream = sl.PairStream(x, y, pairs_per_epoch=1000, batch_size=128, seed=4, shift=shift)
    batches = list(sl.pair_dataset(x, y, epochs=2, pairs_per_epoch=1000, batch_size=128,
                                   seed=4, shift=shift))
    assert len(batches) == 2 * 8
    for epoch in range(2):
        stream.on_epoch_begin()
        for k in range(8):
            (a, b), labels = stream[k]
            (a2, b2), labels2 = batches[epoch * 8 + k]
            assert a2.dtype == "float32" and a2.shape == a.shape
            np.testing.assert_array_equal(a2.numpy(), a)
            np.testing.assert_array_equal(b2.numpy(), b)
            np.testing.assert_array_equal(labels2.numpy(), labels)


def test_pieces_of_every_replica_make_up_each_global_batch():
    whole = batch_pieces(2, 1000, 128)
    pieces = [batch_pieces(2, 1000, 128, replicas=4, pipeline=p, pipelines=2) for p in (0, 1)]
    for starts, stops in pieces:
        assert len(starts) == len(stops) == 2 * 8 * 2  # 2 replicas' pieces per batch, each
    for batch, (start, stop) in enumerate(zip(*whole, strict=True)):
        rows = np.concatenate([np.arange(s[2 * batch + r], e[2 * batch + r])
                               for s, e in pieces for r in (0, 1)])
        np.testing.assert_array_equal(rows, np.arange(start, stop))
    assert whole[1][7] - whole[0][7] == 1000 - 7 * 128  # the last batch of an epoch is smaller


def test_batch_order_reorders_whole_batches():
    order = np.array([[2, 0, 1], [1, 2, 0]])
    starts, stops = batch_pieces(2, 300, 100, batch_order=order)
    np.testing.assert_array_equal(starts, [200, 0, 100, 400, 500, 300])
    with pytest.raises(ValueError, match=r"shape \(epochs, batches\) = \(2, 3\)"):
        batch_pieces(2, 300, 100, batch_order=order[:, :2])


def test_bad_splits_are_refused_with_the_numbers():
    with pytest.raises(ValueError, match=r"the last of an epoch: 1\) cannot be cut into 2"):
        batch_pieces(1, 129, 128, replicas=2)
    with pytest.raises(ValueError, match="cannot be cut into 3 equal pieces"):
        batch_pieces(1, 256, 128, replicas=3, pipelines=3)
    with pytest.raises(ValueError, match="3 replicas cannot be split evenly over 2"):
        batch_pieces(1, 128, 128, replicas=3, pipelines=2)
    with pytest.raises(ValueError, match="at least 1"):
        draw_epochs(np.arange(10) % 2, epochs=0, pairs_per_epoch=10, batch_size=5, seed=0)


def test_epochs_count_from_one_with_their_own_seed(small_mnist):
    (_, y), _ = small_mnist
    drawn = draw_epochs(y, epochs=2, pairs_per_epoch=300, batch_size=128, seed=9)
    for epoch in (1, 2):
        i, j, labels = sl.make_pair_indices(y, 300, seed=[9, epoch])
        rows = slice((epoch - 1) * 300, epoch * 300)
        np.testing.assert_array_equal(drawn["first"][rows], i)
        np.testing.assert_array_equal(drawn["second"][rows], j)
        np.testing.assert_array_equal(drawn["labels"][rows], labels)
    assert drawn["first"].dtype == np.int32 and "offsets" not in drawn


def test_shuffled_batch_orders_are_permutations_from_the_seed():
    sl.seed_everything(3)
    orders = shuffled_batch_orders(4, 10)
    sl.seed_everything(3)
    np.testing.assert_array_equal(orders, shuffled_batch_orders(4, 10))
    assert orders.shape == (4, 10)
    assert all(sorted(row) == list(range(10)) for row in orders.tolist())
    assert len({tuple(row) for row in orders.tolist()}) > 1


def test_train_repeats_a_pair_stream_run_weight_for_weight(small_mnist):
    """`train` moved from `PairStream` to `pair_dataset`: same pairs, same order, same model."""
    (x, y), _ = small_mnist

    def weights_after(use_stream):
        sl.seed_everything(0)
        model = sl.build_siamese("mlp")
        if use_stream:  # what `train` did before, step by step
            sl.seed_everything(0)
            model.compile(optimizer=keras.optimizers.RMSprop(), loss=sl.ContrastiveLoss(),
                          metrics=[sl.PairAccuracy()])
            model.fit(sl.PairStream(x, y, pairs_per_epoch=1000, seed=0, shift=1), epochs=2,
                      verbose=0)
        else:
            sl.train(model, x, y, epochs=2, pairs_per_epoch=1000, shift=1, verbose=0)
        return model.get_weights()

    for before, now in zip(weights_after(True), weights_after(False), strict=True):
        np.testing.assert_array_equal(before, now)
