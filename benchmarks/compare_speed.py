"""How fast is one comparison in the widget? Measured side by side, in one run.

    .venv/bin/python benchmarks/compare_speed.py     (part of make bench)

One comparison = two preprocessings (`preprocess_digit`) + two embeddings + one distance.
The widget calls the model directly; the blog called `model.predict` for every pair. Target:
under 15 ms median on 2 CPU cores (printed as PASS / FAIL).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from measure import median_ms  # noqa: E402

import siamese_lib as sl  # noqa: E402
from siamese_lib.pretrained import PRETRAINED_DIR  # noqa: E402
from siamese_lib.widgets import compare_digits  # noqa: E402

TARGET_MS = 15.0
REPEATS = 200
SAMPLES = sl.places.shipped("samples")


def main():
    model = sl.load_model(PRETRAINED_DIR / "mlp_blog_recipe.keras")
    _, (x_test, _) = sl.load_mnist()
    photo = (SAMPLES / "photo_3.jpg").read_bytes()
    a, b = sl.preprocess_digit(photo), sl.preprocess_digit(x_test[0])
    rows = {
        "one comparison: 2 x preprocess_digit + model called directly":
            median_ms(lambda: compare_digits(model, sl.preprocess_digit(photo),
                                             sl.preprocess_digit(x_test[0])), REPEATS),
        "the model alone, called directly (2 embeddings + distance)":
            median_ms(lambda: compare_digits(model, a, b), REPEATS),
        "the model alone through model.predict (the blog's way)":
            median_ms(lambda: model.predict([a[None], b[None]], verbose=0), repeats=50),
        "preprocess_digit on a 320x320 JPEG photo":
            median_ms(lambda: sl.preprocess_digit(photo), REPEATS),
    }
    print(f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} CPU cores, median of "
          f"{REPEATS} runs:\n")
    print("| step | median ms |\n| --- | --- |")
    for name, ms in rows.items():
        print(f"| {name} | {ms:.2f} |")
    direct = rows["the model alone, called directly (2 embeddings + distance)"]
    predict = rows["the model alone through model.predict (the blog's way)"]
    print(f"\nmodel.predict is {predict / direct:.0f} times slower than calling the model.")
    total = rows["one comparison: 2 x preprocess_digit + model called directly"]
    print(f"one comparison < {TARGET_MS:.0f} ms: {'PASS' if total < TARGET_MS else 'FAIL'}")
    return 0 if total < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
