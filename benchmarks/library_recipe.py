"""The seed's recipe through siamese_lib: streaming pairs, fresh every epoch.

Run through bench.py, which measures it beside the seed's own script. Prints one JSON line.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from measure import EpochTimer, result_row  # noqa: E402

import siamese_lib as sl  # noqa: E402


def main(epochs):
    start = time.perf_counter()
    (x_train, y_train), (x_test, y_test) = sl.load_mnist()
    sl.seed_everything(0)
    model = sl.build_siamese("mlp")
    prep_s = time.perf_counter() - start  # pairs are drawn inside training, a batch at a time
    timer = EpochTimer()
    history = sl.train(model, x_train, y_train, epochs=epochs, verbose=0, callbacks=[timer])
    return result_row(prep_s, timer, history, "pair_accuracy", model, x_test, y_test)


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)))
