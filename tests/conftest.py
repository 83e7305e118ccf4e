"""Shared fixtures: MNIST is loaded once per test session."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")  # figures without a screen

import pytest  # noqa: E402

import siamese_lib as sl  # noqa: E402


@pytest.fixture(scope="session")
def mnist():
    """((x_train, y_train), (x_test, y_test)) from the shipped copy."""
    return sl.load_mnist()


@pytest.fixture(scope="session")
def small_mnist(mnist):
    """The first 3,000 training and 1,000 test images: enough for quick checks."""
    (x_train, y_train), (x_test, y_test) = mnist
    return (x_train[:3000], y_train[:3000]), (x_test[:1000], y_test[:1000])
