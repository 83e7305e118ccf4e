"""The blog's training script, ported to Keras 3 with the fewest changes.

Changes, and only these: `keras.backend` math becomes `keras.ops` (Keras 3 has no backend
math); the Lambda layer's ops likewise; digits come from the shipped MNIST arrays, each turned
into exactly what the blog's `process()` returns for a file (float64 (28, 28, 1) in [0, 1]),
instead of 60,000 JPG files. Everything else is the blog's: the Python loop that builds 60,000
pairs into lists, `np.array` of those lists, the accuracy metric as written, RMSprop, batch
128, 20 epochs.

Run through bench.py, which measures it beside the library's recipe. Prints one JSON line.
"""

import json
import os
import random
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402
from keras.layers import Dense, Dropout, Flatten, Input, Lambda  # noqa: E402
from keras.models import Model  # noqa: E402
from keras.optimizers import RMSprop  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from measure import EpochTimer, median_ms, one_pair, result_row  # noqa: E402

import siamese_lib as sl  # noqa: E402


def create_base_network(input_shape):
    image_input = Input(shape=input_shape)
    x = Flatten()(image_input)
    x = Dense(128, activation="relu")(x)
    x = Dropout(0.1)(x)
    x = Dense(128, activation="relu")(x)
    x = Dropout(0.1)(x)
    x = Dense(128, activation="relu")(x)
    model = Model(image_input, x, name="base_network")
    return model


def contrastive_loss(y_true, y_pred):
    margin = 1
    sqare_pred = ops.square(y_pred)
    margin_square = ops.square(ops.maximum(margin - y_pred, 0))
    return ops.mean(y_true * sqare_pred + (1 - y_true) * margin_square)


def accuracy(y_true, y_pred):  # Tensor 上的操作
    return ops.mean(ops.equal(y_true, ops.cast(y_pred < 0.5, y_true.dtype)))


def siamese(input_shape):
    base_network = create_base_network(input_shape)
    input_image_1 = Input(shape=input_shape)
    input_image_2 = Input(shape=input_shape)

    encoded_image_1 = base_network(input_image_1)
    encoded_image_2 = base_network(input_image_2)

    l2_distance_layer = Lambda(
        lambda tensors: ops.sqrt(ops.sum(ops.square(tensors[0] - tensors[1]), axis=1,
                                         keepdims=True)),
        output_shape=lambda shapes: (shapes[0][0], 1))
    l2_distance = l2_distance_layer([encoded_image_1, encoded_image_2])

    model = Model([input_image_1, input_image_2], l2_distance)

    return model


def main(epochs):
    keras.utils.set_random_seed(0)
    start = time.perf_counter()
    (x_train, y_train), (x_test, y_test) = sl.load_mnist()
    wid = 28
    hei = 28
    model = siamese((wid, hei, 1))
    imgset = [[], [], [], [], [], [], [], [], [], []]
    # The blog: for i in glob(r"train_images\*.jpg"): imgset[int(i[-5])].append(process(i))
    for image, label in zip(x_train, y_train, strict=True):
        imgset[int(label)].append(np.array(image).reshape((wid, hei, 1)) / 255)
    size = 60000

    r1set = []
    r2set = []
    flag = []
    for j in range(size):
        if j % 2 == 0:
            index = random.randint(0, 9)
            r1 = imgset[index][random.randint(0, len(imgset[index]) - 1)]
            r2 = imgset[index][random.randint(0, len(imgset[index]) - 1)]
            r1set.append(r1)
            r2set.append(r2)
            flag.append(1.0)
        else:
            index1 = random.randint(0, 9)
            index2 = random.randint(0, 9)
            while index1 == index2:
                index1 = random.randint(0, 9)
                index2 = random.randint(0, 9)
            r1 = imgset[index1][random.randint(0, len(imgset[index1]) - 1)]
            r2 = imgset[index2][random.randint(0, len(imgset[index2]) - 1)]
            r1set.append(r1)
            r2set.append(r2)
            flag.append(0.0)
    r1set = np.array(r1set)
    r2set = np.array(r2set)
    flag = np.array(flag)
    prep_s = time.perf_counter() - start
    model.compile(loss=contrastive_loss, optimizer=RMSprop(), metrics=[accuracy])
    timer = EpochTimer(x_test, y_test)
    history = model.fit([r1set, r2set], flag, batch_size=128, epochs=epochs, verbose=0,
                        callbacks=[timer])
    a, b = one_pair(x_test)  # the blog compares a pair with model.predict
    compare_ms = median_ms(lambda: model.predict([a, b], verbose=0), repeats=30)
    return result_row(prep_s, timer, history, "accuracy", model, x_test, y_test, compare_ms)


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)))
