"""The one-shot quiz, driven from Python: buttons clicked, no browser, scripted distances."""

import io
import re

import numpy as np
import pytest
from PIL import Image

from siamese_lib import one_shot_widget as osw
from siamese_lib.omniglot import load_one_shot_runs
from siamese_lib.one_shot import OneShotRun, pixel_distances
from siamese_lib.widgets import decode_data_url


def make_run(name, n_train=6, n_test=4, seed=0, size=8):
    rng = np.random.default_rng(seed)
    return OneShotRun(name,
                      rng.integers(0, 256, (n_train, size, size), dtype=np.uint8),
                      rng.integers(0, 256, (n_test, size, size), dtype=np.uint8),
                      rng.permutation(n_train)[:n_test].astype(np.int64))


def scripted(runs, tables):
    """Distances that return `tables[r]` when asked about run r's images, and log each call."""
    by_name = {run.name: (run, np.asarray(table, np.float64))
               for run, table in zip(runs, tables, strict=True)}
    calls = []

    def distances(test_images, train_images):
        for name, (run, table) in by_name.items():
            if (np.array_equal(run.test_images, test_images)
                    and np.array_equal(run.train_images, train_images)):
                calls.append(name)
                return table
        raise AssertionError("asked about images of no run")

    distances.calls = calls
    distances.tables = {name: table for name, (_, table) in by_name.items()}
    return distances


def table_where_network_picks(run, picks, seed=0):
    """Distances (M, N) in [1, 2), except 0.5 at (t, picks[t]): the network picks `picks`."""
    rng = np.random.default_rng(seed)
    table = 1 + rng.random((len(run.test_images), len(run.train_images)))
    table[np.arange(len(picks)), picks] = 0.5
    return table


@pytest.fixture
def two_runs():
    runs = [make_run("alpha", seed=1), make_run("beta", seed=2)]
    first = runs[0].answers.copy()
    first[1] = (first[1] + 1) % 6  # the network is wrong on question 1 only
    tables = [table_where_network_picks(runs[0], first, seed=3),
              table_where_network_picks(runs[1], runs[1].answers, seed=4)]
    tables[0][1, runs[0].answers[1]] = 0.75  # ... and ranks the true match second
    return runs, scripted(runs, tables)


@pytest.fixture(autouse=True)
def no_callback_errors(caplog):
    """ipywidgets logs, not raises, an exception in a click handler: fail on any."""
    yield
    errors = [r for r in caplog.get_records("call") if "Exception in callback" in r.getMessage()]
    assert not errors, errors[0].getMessage()


def test_right_and_wrong_clicks_set_verdicts_and_scores(two_runs):
    runs, distances = two_runs
    quiz = osw.OneShotQuiz(runs, distances)
    truth = int(runs[0].answers[0])
    assert "oneshot-you" not in quiz.result.value  # nothing revealed yet
    assert "you: 0/0, network: 0/0" in quiz.score.value

    quiz.buttons[truth].click()  # right; the network is right too
    assert quiz.chosen == truth and quiz.history == [osw.Answer(0, 0, truth, truth, truth)]
    assert f"You chose <b>{truth + 1}</b>" in quiz.result.value
    assert re.search(r'oneshot-you.*right</b>', quiz.result.value)
    assert re.search(r'oneshot-network.*right</b>', quiz.result.value)
    assert f"The true match is <b>{truth + 1}</b>" in quiz.result.value
    assert quiz.buttons[truth].button_style == "success"
    assert "you: 1/1, network: 1/1" in quiz.score.value

    quiz.next_button.click()
    truth = int(runs[0].answers[1])
    network = (truth + 1) % 6
    wrong = (truth + 2) % 6
    quiz.buttons[wrong].click()  # wrong; the network is wrong too, differently
    you_part, network_part = quiz.result.value.split('class="oneshot-network"')
    assert f"You chose <b>{wrong + 1}</b>" in you_part and "wrong" in you_part
    assert f"chose <b>{network + 1}</b>" in network_part and "wrong" in network_part
    assert f"The true match is <b>{truth + 1}</b>" in network_part
    assert quiz.buttons[wrong].button_style == "danger"
    assert quiz.buttons[network].icon == "laptop" and quiz.buttons[wrong].icon == "user"
    assert "you: 1/2, network: 1/2" in quiz.score.value

    quiz.next_button.click()
    truth = int(runs[0].answers[2])
    quiz.buttons[truth].click()  # right; the network is right
    assert "you: 2/3, network: 2/3" in quiz.score.value
    assert [a.you_right for a in quiz.history] == [True, False, True]
    assert [a.network_right for a in quiz.history] == [True, False, True]


def test_score_counts_only_answered_questions_and_names_the_opponent(two_runs):
    runs, distances = two_runs
    quiz = osw.OneShotQuiz(runs, distances, opponent="pixels")
    quiz.next()  # skipped: not counted
    quiz.choose(int(runs[0].answers[1]))  # right; the network is wrong here
    assert "you: 1/1, pixels: 0/1" in quiz.score.value
    assert "The pixels chose" in quiz.result.value


def test_ranking_shown_matches_the_distances(two_runs):
    runs, distances = two_runs
    quiz = osw.OneShotQuiz(runs, distances, run=0, test=1)
    row = quiz.costs(0)[1]
    quiz.choose(0)
    order = np.argsort(row)
    shown = re.findall(r"#(\d): (\d+)<br>d=([\d.]+)", quiz.ranking_view.value)
    assert [int(place) for place, _, _ in shown] == [1, 2, 3, 4, 5]
    assert [int(number) - 1 for _, number, _ in shown] == order[:5].tolist()
    assert [float(d) for _, _, d in shown] == pytest.approx(row[order[:5]], abs=5e-4)
    truth = int(runs[0].answers[1])
    rank = int(np.flatnonzero(order == truth)[0]) + 1
    assert rank == 2  # the network put its wrong pick first, at 0.5
    assert f"The true match ({truth + 1}) ranks <b>{rank}</b> of 6" in quiz.ranking_view.value


def test_plain_ranking_functions():
    row = np.array([0.3, 0.1, 0.3, 0.05, 0.9])
    np.testing.assert_array_equal(osw.ranking(row), [3, 1, 0, 2, 4])  # tie: lower index first
    assert osw.ranking(row).dtype == np.int64
    assert osw.ranking(np.array([0.2, 0.2]))[0] == np.argmin([0.2, 0.2]) == 0
    assert [osw.rank_of(row, i) for i in range(5)] == [3, 2, 4, 1, 5]
    assert osw.next_position([3, 2], 0, 1) == (0, 2)
    assert osw.next_position([3, 2], 0, 2) == (1, 0)
    assert osw.next_position([3, 2], 1, 1) == (0, 0)
    answers = [osw.Answer(0, 0, 1, 1, 1), osw.Answer(0, 1, 2, 1, 0), osw.Answer(0, 2, 0, 1, 0)]
    assert osw.score_text(answers) == "you: 2/3, network: 1/3"
    assert osw.score_text([], "MHD") == "you: 0/0, MHD: 0/0"


def test_a_second_click_changes_nothing_and_says_so(two_runs):
    runs, distances = two_runs
    quiz = osw.OneShotQuiz(runs, distances)
    truth = int(runs[0].answers[0])
    quiz.buttons[truth].click()
    result, score = quiz.result.value, quiz.score.value
    for other in ((truth + 1) % 6, truth):
        quiz.buttons[other].click()
        assert "Already answered" in quiz.message.value
        assert quiz.chosen == truth and len(quiz.history) == 1
        assert quiz.result.value == result and quiz.score.value == score
    assert quiz.buttons[(truth + 1) % 6].button_style == ""


def test_next_moves_on_and_hides_the_answer(two_runs):
    runs, distances = two_runs
    quiz = osw.OneShotQuiz(runs, distances)
    first_image = quiz.test_image.value
    quiz.choose(0)
    quiz.choose(1)  # "already answered"
    quiz.next_button.click()
    assert (quiz.run_index, quiz.test_index, quiz.chosen) == (0, 1, None)
    assert quiz.test_image.value != first_image
    assert quiz.test_image.value == osw.character_html(runs[0].test_images[1], osw.TEST_PX)
    assert "oneshot-you" not in quiz.result.value and "Click it" in quiz.result.value
    assert quiz.ranking_view.value == "" and quiz.message.value == ""
    assert all(b.button_style == "" and b.icon == "" for b in quiz.buttons)
    assert all(c.layout.border == "2px solid transparent" for c in quiz.cells)
    assert "test character 2 of 4" in quiz.title.value
    quiz.choose(3)  # answerable again
    assert len(quiz.history) == 2 and quiz.history[-1].test == 1


def test_next_wraps_to_the_next_run_and_back_to_the_first(two_runs):
    runs, distances = two_runs
    quiz = osw.OneShotQuiz(runs, distances, run=0, test=3)
    quiz.next_button.click()
    assert (quiz.run_index, quiz.test_index) == (1, 0) and "beta" in quiz.title.value
    assert quiz.cell_images[0].value == osw.character_html(runs[1].train_images[0], osw.CELL_PX)
    quiz.choose(int(runs[1].answers[0]))
    assert quiz.history[-1] == osw.Answer(1, 0, *[int(runs[1].answers[0])] * 3)
    for _ in range(4):
        quiz.next_button.click()
    assert (quiz.run_index, quiz.test_index) == (0, 0) and "alpha" in quiz.title.value


def test_distances_are_computed_once_per_run(two_runs):
    runs, distances = two_runs
    quiz = osw.OneShotQuiz(runs, distances)
    assert distances.calls == ["alpha"]  # the starting run only
    for _ in range(3 * 8):  # three times round both runs, answering every question
        quiz.choose(0)
        quiz.next()
    assert distances.calls == ["alpha", "beta"] and len(quiz.history) == 24
    np.testing.assert_array_equal(quiz.costs(1), distances.tables["beta"])
    assert quiz.costs(1).dtype == np.float64 and distances.calls == ["alpha", "beta"]


def test_runs_of_different_sizes_hide_the_spare_cells():
    runs = [make_run("six", n_train=6, seed=1), make_run("three", n_train=3, n_test=2, seed=2)]
    quiz = osw.OneShotQuiz(runs, pixel_distances, run=1)
    assert len(quiz.cells) == 6
    assert [c.layout.display for c in quiz.cells] == [""] * 3 + ["none"] * 3
    quiz.choose(2)
    assert "of 3, at d=" in quiz.ranking_view.value
    assert quiz.ranking_view.value.count('class="oneshot-rank"') == 3  # fewer than 5 exist
    quiz.next()
    with pytest.raises(ValueError, match="index=3 is out of range: run 'three' has 3"):
        quiz.choose(3)
    assert quiz.chosen is None and len(quiz.history) == 1


def test_bad_arguments_raise_clear_errors():
    runs = [make_run("alpha", seed=1), make_run("beta", seed=2)]
    with pytest.raises(ValueError, match="runs is empty"):
        osw.OneShotQuiz([], pixel_distances)
    with pytest.raises(ValueError, match=r"run=2 is out of range: there are 2 runs"):
        osw.OneShotQuiz(runs, pixel_distances, run=2)
    with pytest.raises(ValueError, match=r"run=-1"):
        osw.OneShotQuiz(runs, pixel_distances, run=-1)
    with pytest.raises(ValueError, match=r"test=4 is out of range: run 'beta' has 4"):
        osw.OneShotQuiz(runs, pixel_distances, run=1, test=4)
    with pytest.raises(ValueError, match=r"distances returned shape \(6, 4\)"):
        osw.OneShotQuiz(runs, lambda test, train: pixel_distances(train, test))
    with pytest.raises(ValueError, match="distances returned values that are not finite"):
        osw.OneShotQuiz(runs, lambda test, train: np.full((4, 6), np.nan))
    with pytest.raises(TypeError, match="distances must be callable"):
        osw.OneShotQuiz(runs, "pixels")
    with pytest.raises(ValueError, match=r"runs\[0\] is a tuple"):
        osw.OneShotQuiz([(1, 2)], pixel_distances)
    bad = make_run("gamma")
    bad.answers = np.array([0, 1, 2, 6])
    with pytest.raises(ValueError, match=r"runs\[1\] \('gamma'\) needs answers"):
        osw.OneShotQuiz([runs[0], bad], pixel_distances)
    quiz = osw.OneShotQuiz(runs, pixel_distances)
    with pytest.raises(ValueError, match=r"test=9"):
        quiz.go_to(0, 9)


def test_a_distance_failing_on_a_later_run_shows_a_message_and_stays(two_runs):
    runs, _ = two_runs

    def broken_on_beta(test_images, train_images):
        d = pixel_distances(test_images, train_images)
        return d if np.array_equal(test_images, runs[0].test_images) else d[:, :2]

    quiz = osw.OneShotQuiz(runs, broken_on_beta, test=3)
    quiz.next_button.click()  # into run "beta": the shape is wrong
    assert (quiz.run_index, quiz.test_index) == (0, 3)
    assert "distances returned shape (4, 2) for run &#x27;beta&#x27;" in quiz.message.value


def test_names_from_data_are_escaped():
    runs = [make_run("<b>run</b> & co", seed=1)]
    quiz = osw.OneShotQuiz(runs, pixel_distances, opponent="<i>net</i>")
    assert "&lt;b&gt;run&lt;/b&gt; &amp; co" in quiz.title.value
    assert "<b>run</b>" not in quiz.title.value
    quiz.choose(0)
    for html in (quiz.result.value, quiz.ranking_view.value, quiz.score.value):
        assert "&lt;i&gt;net&lt;/i&gt;" in html and "<i>net</i>" not in html


def test_images_are_upscaled_without_smoothing():
    image = np.arange(28 * 28, dtype=np.uint8).reshape(28, 28)
    html = osw.character_html(image, 56)
    assert 'width="56" height="56"' in html and "image-rendering:pixelated" in html
    url = re.search(r'src="([^"]+)"', html).group(1)
    with Image.open(io.BytesIO(decode_data_url(url))) as png:
        shown = np.asarray(png)
    np.testing.assert_array_equal(shown, np.kron(image, np.ones((2, 2), np.uint8)))


def test_official_runs_with_pixel_distances():
    runs = load_one_shot_runs(size=28)
    quiz = osw.OneShotQuiz(runs, pixel_distances, run=19, test=19)
    assert quiz.grid.layout.grid_template_columns.startswith("repeat(5, ")
    assert len(quiz.cells) == 20 and all(c.layout.display == "" for c in quiz.cells)
    expected = int(np.argmin(pixel_distances(runs[19].test_images, runs[19].train_images)[19]))
    assert quiz.network_choice == expected
    quiz.buttons[int(runs[19].answers[19])].click()
    assert f"chose <b>{expected + 1}</b>" in quiz.result.value.split("oneshot-network")[1]
    assert "run20: test character 20 of 20" in quiz.title.value
    quiz.next_button.click()
    assert "run01: test character 1 of 20" in quiz.title.value
