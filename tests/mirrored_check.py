"""Train the same model on one device and under MirroredStrategy on two logical CPUs.

Run by tests/test_distributed.py in a fresh process (logical devices must be set before
TensorFlow starts). Prints one JSON line: the largest weight difference, both loss histories,
and how many pairs each replica's copy of the network saw.
"""

import json
import sys

import keras
import numpy as np
import tensorflow as tf

import siamese_lib as sl  # first: it quiets TensorFlow's start-up

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)


@keras.saving.register_keras_serializable(package="mirrored_check")
class SeenCounter(keras.layers.Layer):
    """Passes images through; counts, on each replica separately, the images it was given."""

    def build(self, input_shape):
        self.seen = keras.Variable(0.0, trainable=False, aggregation="sum",
                                   synchronization="on_read", name="seen")

    def call(self, inputs, training=None):
        if training:
            self.seen.assign_add(ops_count(inputs))
        return inputs


def ops_count(inputs):
    """The batch size, as a float32 tensor."""
    return keras.ops.cast(keras.ops.shape(inputs)[0], "float32")


def base_network():
    """A small base network without dropout, so both runs compute the same thing."""
    image = keras.Input((28, 28, 1))
    x = SeenCounter(name="seen_counter")(image)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(64, activation="relu")(x)
    return keras.Model(image, keras.layers.Dense(32)(x))


def main(pairs, epochs):
    (x, y), _ = sl.load_mnist()
    x, y = x[:3000], y[:3000]
    sl.seed_everything(0)
    single = sl.build_siamese(base_network())
    mirrored = keras.models.clone_model(single)
    mirrored.set_weights(single.get_weights())
    settings = {"epochs": epochs, "pairs_per_epoch": pairs, "batch_size": 128, "verbose": 0}
    one = sl.train(single, x, y, **settings)
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    # An optimizer made outside the strategy's scope, as the CNN recipe passes one.
    two = sl.train(mirrored, x, y, strategy=strategy, optimizer=keras.optimizers.RMSprop(),
                   **settings)
    seen = [float(v) for v in strategy.experimental_local_results(
        two.model.siamese.get_layer(mirrored.base_network.name)
        .get_layer("seen_counter").seen.value)]
    print(json.dumps({
        "replicas": strategy.num_replicas_in_sync,
        "max_weight_difference": max(float(np.abs(a - b).max())
                                     for a, b in zip(single.get_weights(),
                                                     mirrored.get_weights(), strict=True)),
        "loss_one_device": one.history["loss"], "loss_two_replicas": two.history["loss"],
        "seen_per_replica": seen,
    }))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
