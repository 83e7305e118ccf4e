"""You against the network: answer one-shot questions yourself, then see what a distance chose.

    runs = load_one_shot_runs(size=28)                      # from siamese_lib.omniglot
    quiz = OneShotQuiz(runs, embedding_distances(base))     # or pixel_distances, ...
    quiz            # in a notebook: shows the widget

Each question shows one test character, large, and the run's training characters (one per
class, numbered 1..N on screen) as a grid. Click the one you think is the same character; the
quiz then reveals whether you were right, the network's choice (the training character at the
smallest distance) and whether it was right, the true match, and the network's 5 nearest
training characters with their distances. "next" moves to the next test character, and after
a run's last one to the next run (after the last run, back to the first).

Conventions: on screen, characters are numbered from 1; in Python (`chosen`, `Answer`,
`ranking`, `OneShotRun.answers`) they are indices from 0. Distances: smaller = more alike.

The logic lives in plain functions of arrays (`check_costs`, `ranking`, `rank_of`,
`next_position`, `score_text`), so it is tested without a browser; the widget only wires them
up. Explained in notebooks/07_one_shot.ipynb.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import ipywidgets as w
import numpy as np

from .one_shot import DistanceMatrix, OneShotRun, check_costs
from .widgets import png_data_url

TOP_K = 5  # how many of the network's nearest training characters are shown
GRID_COLUMNS = 5  # 20 training characters: 5 columns x 4 rows
CELL_PX = 56  # a training character on screen (28x28 images: 2x, nearest-neighbour)
TEST_PX = 140  # the test character on screen (28x28 images: 5x)
RIGHT, WRONG = "&#10004; right", "&#10008; wrong"
GREEN, RED = "#2e7d32", "#c62828"


# ---------------------------------------------------------------- the logic, as plain functions

@dataclass(frozen=True)
class Answer:
    """One answered question. All are indices from 0: `run` into the runs, `test` into the
    run's test images, `chosen` (the reader's), `network` and `truth` into its training images.
    """

    run: int
    test: int
    chosen: int
    network: int
    truth: int

    @property
    def you_right(self) -> bool:
        return self.chosen == self.truth

    @property
    def network_right(self) -> bool:
        return self.network == self.truth


def ranking(costs_row: np.ndarray) -> np.ndarray:
    """Training images from nearest to farthest: int64 (N,) indices, for a float row (N,).

    Ties keep the lower index first, so `ranking(row)[0] == np.argmin(row)`: the network's
    choice, the one `one_shot_accuracy` scores.
    """
    return np.argsort(np.asarray(costs_row), kind="stable").astype(np.int64)


def rank_of(costs_row: np.ndarray, index: int) -> int:
    """Where training image `index` comes in `ranking(costs_row)`: 1 = nearest."""
    return int(np.flatnonzero(ranking(costs_row) == index)[0]) + 1


def next_position(test_counts: Sequence[int], run: int, test: int) -> tuple[int, int]:
    """The question after (run, test): the run's next test image, else the next run's first
    (after the last run, the first run's). `test_counts[r]` is run r's number of test images.
    """
    if test + 1 < test_counts[run]:
        return run, test + 1
    return (run + 1) % len(test_counts), 0


def score_text(answers: Sequence[Answer], opponent: str = "network") -> str:
    """ "you: a/b, network: c/b" over the answers so far (plain text, not escaped)."""
    you = sum(a.you_right for a in answers)
    network = sum(a.network_right for a in answers)
    return f"you: {you}/{len(answers)}, {opponent}: {network}/{len(answers)}"


def character_html(image: np.ndarray, px: int) -> str:
    """An `<img>` of a uint8 (H, W) image, ink bright on dark, `px` pixels wide on screen.

    The PNG is scaled up by a whole factor without smoothing (28x28 at 56 px: 2x), and the
    browser is told to keep the pixels sharp if it scales further.
    """
    image = np.asarray(image)
    height, width = image.shape
    scale = max(1, math.ceil(px / width))
    url = png_data_url(image.astype(np.float64) / 255.0, scale)
    return (f'<img src="{url}" width="{px}" height="{round(px * height / width)}" '
            'style="image-rendering:pixelated;border:1px solid #999">')


def _check_runs(runs: Sequence[OneShotRun]) -> list[OneShotRun]:
    runs = list(runs)
    if not runs:
        raise ValueError("runs is empty: give at least one OneShotRun "
                         "(e.g. load_one_shot_runs()).")
    for r, run in enumerate(runs):
        if not isinstance(run, OneShotRun):
            raise ValueError(f"runs[{r}] is a {type(run).__name__}, not a OneShotRun.")
        train, test = np.asarray(run.train_images), np.asarray(run.test_images)
        answers = np.asarray(run.answers)
        if train.ndim != 3 or test.ndim != 3 or len(train) == 0 or len(test) == 0:
            raise ValueError(f"runs[{r}] ({run.name!r}) needs train_images and test_images of "
                             f"shape (N, H, W) and (M, H, W), N, M >= 1; got {train.shape} "
                             f"and {test.shape}.")
        if (answers.shape != (len(test),) or not np.issubdtype(answers.dtype, np.integer)
                or answers.min() < 0 or answers.max() >= len(train)):
            raise ValueError(f"runs[{r}] ({run.name!r}) needs answers: {len(test)} integers "
                             f"from 0 to {len(train) - 1}, one per test image.")
    return runs


def _check_position(runs: list[OneShotRun], run: int, test: int) -> tuple[int, int]:
    run, test = operator.index(run), operator.index(test)
    if not 0 <= run < len(runs):
        raise ValueError(f"run={run} is out of range: there are {len(runs)} runs "
                         f"(0..{len(runs) - 1}).")
    count = len(runs[run].test_images)
    if not 0 <= test < count:
        raise ValueError(f"test={test} is out of range: run {runs[run].name!r} has {count} "
                         f"test images (0..{count - 1}).")
    return run, test


# ---------------------------------------------------------------- the quiz

class OneShotQuiz:
    """One-shot runs as a quiz: you pick the matching training character, then the network.

    Args:
        runs: the one-shot runs to go through, e.g. `load_one_shot_runs(size=28)`.
        distances: a `DistanceMatrix`, `distances(test_images, train_images)` -> float
            (M, N), smaller = more alike, e.g. `pixel_distances`, `hausdorff_distances` or
            `embedding_distances(base_network)`. Called once per run, when the run is first
            shown; the result is kept (`costs`).
        run, test: the question to start with (indices from 0).
        opponent: what to call the distance on screen ("network", "pixels", ...).

    Attributes:
        widget: the view (display it, or just put `quiz` last in a cell).
        run_index, test_index: the question shown. chosen: the reader's training index for it,
            None until answered. history: every `Answer` so far, in order.

    Raises:
        ValueError: empty `runs`, `run` or `test` out of range, or `distances` returning the
            wrong shape (each message names the argument).
    """

    def __init__(self, runs: Sequence[OneShotRun], distances: DistanceMatrix, *, run: int = 0,
                 test: int = 0, opponent: str = "network"):
        self.runs = _check_runs(runs)
        if not callable(distances):
            raise TypeError(f"distances must be callable (test_images, train_images) -> "
                            f"(M, N) distances, got {type(distances).__name__}.")
        self.distances = distances
        self.opponent = str(opponent)
        self.history: list[Answer] = []
        self.chosen: int | None = None
        self.run_index, self.test_index = _check_position(self.runs, run, test)
        self._costs: dict[int, np.ndarray] = {}

        most = max(len(r.train_images) for r in self.runs)
        self.title = w.HTML()
        self.test_image = w.HTML()
        self.buttons = [w.Button(description=str(i + 1), tooltip=f"training character {i + 1}",
                                 layout={"width": f"{CELL_PX}px"}) for i in range(most)]
        self.cell_images = [w.HTML() for _ in range(most)]
        self.cells = [w.VBox([image, button], layout={"align_items": "center",
                                                      "padding": "2px"})
                      for image, button in zip(self.cell_images, self.buttons, strict=True)]
        self.grid = w.GridBox(self.cells, layout={
            "grid_template_columns": f"repeat({GRID_COLUMNS}, {CELL_PX + 12}px)",
            "grid_gap": "4px"})
        self.next_button = w.Button(description="next", icon="arrow-right",
                                    tooltip="the next test character")
        self.score = w.HTML()
        self.message = w.HTML()
        self.result = w.HTML()
        self.ranking_view = w.HTML()

        for i, button in enumerate(self.buttons):
            button.on_click(lambda _, i=i: self.choose(i))
        self.next_button.on_click(lambda _: self._next_clicked())

        self.widget = w.VBox([
            self.title,
            w.HBox([
                w.VBox([w.HTML("<b>Test character</b>"), self.test_image],
                       layout={"margin": "0 24px 0 0"}),
                w.VBox([w.HTML("<b>Training characters: click the same character</b>"),
                        self.grid]),
            ]),
            w.HBox([self.next_button, self.score], layout={"align_items": "center"}),
            self.message, self.result, self.ranking_view,
        ])
        self.go_to(self.run_index, self.test_index)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # -- state, as arrays
    @property
    def run(self) -> OneShotRun:
        """The run shown."""
        return self.runs[self.run_index]

    def costs(self, run_index: int) -> np.ndarray:
        """float64 (M, N): `distances(test_images, train_images)` for that run, computed once."""
        if run_index not in self._costs:
            run = self.runs[run_index]
            self._costs[run_index] = check_costs(
                self.distances(run.test_images, run.train_images), run)
        return self._costs[run_index]

    @property
    def costs_row(self) -> np.ndarray:
        """float64 (N,): the test character's distance to each training character."""
        return self.costs(self.run_index)[self.test_index]

    @property
    def network_choice(self) -> int:
        """The nearest training character's index."""
        return int(ranking(self.costs_row)[0])

    @property
    def true_match(self) -> int:
        """The index of the training character that is the same character."""
        return int(self.run.answers[self.test_index])

    # -- actions
    def go_to(self, run: int, test: int) -> None:
        """Show question (run, test), answer hidden. A failing `distances` leaves it as it was."""
        run, test = _check_position(self.runs, run, test)
        self.costs(run)  # first, so that an error changes nothing
        self.run_index, self.test_index, self.chosen = run, test, None
        self._show_question()

    def next(self) -> None:
        """Move to the next test character (then the next run, then back to the first)."""
        counts = [len(r.test_images) for r in self.runs]
        self.go_to(*next_position(counts, self.run_index, self.test_index))

    def choose(self, index: int) -> None:
        """The reader picks training character `index` (from 0). Once per question: a second
        pick only says it was already answered."""
        if self.chosen is not None:
            self.message.value = ('<span class="oneshot-message">Already answered: press '
                                  "<b>next</b> for the next character.</span>")
            return
        index = operator.index(index)
        if not 0 <= index < len(self.run.train_images):
            raise ValueError(f"index={index} is out of range: run {self.run.name!r} has "
                             f"{len(self.run.train_images)} training images.")
        self.chosen = index
        answer = Answer(self.run_index, self.test_index, index, self.network_choice,
                        self.true_match)
        self.history.append(answer)
        self._reveal(answer)

    def _next_clicked(self) -> None:
        try:
            self.next()
        except ValueError as error:  # a distances callable gone wrong: say so, do not move
            self.message.value = f'<span style="color:{RED}">&#9888; {escape(str(error))}</span>'

    # -- drawing
    def _show_question(self) -> None:
        run, n_train = self.run, len(self.run.train_images)
        self.title.value = (
            f'<h3 class="oneshot-title" style="margin:4px 0">{escape(run.name)}: test '
            f"character {self.test_index + 1} of {len(run.test_images)} "
            f"<small>(run {self.run_index + 1} of {len(self.runs)})</small></h3>")
        self.test_image.value = character_html(run.test_images[self.test_index], TEST_PX)
        for i, (cell, image, button) in enumerate(
                zip(self.cells, self.cell_images, self.buttons, strict=True)):
            cell.layout.display = "" if i < n_train else "none"
            cell.layout.border = "2px solid transparent"
            button.button_style, button.icon = "", ""
            button.description = str(i + 1)
            image.value = character_html(run.train_images[i], CELL_PX) if i < n_train else ""
        self.message.value = ""
        self.result.value = ("<i>Which training character is the same as the test character? "
                             "Click it.</i>")
        self.ranking_view.value = ""
        self._show_score()

    def _show_score(self) -> None:
        self.score.value = (f'<span class="oneshot-score" style="margin-left:12px">'
                            f"{escape(score_text(self.history, self.opponent))}</span>")

    def _reveal(self, answer: Answer) -> None:
        opponent = escape(self.opponent)
        self.cells[answer.truth].layout.border = f"2px solid {GREEN}"
        self.buttons[answer.truth].button_style = "success"
        self.buttons[answer.truth].description = f"{answer.truth + 1} \u2714"
        if not answer.you_right:
            self.buttons[answer.chosen].button_style = "danger"
        self.buttons[answer.chosen].icon = "user"
        if answer.network != answer.chosen:
            self.buttons[answer.network].icon = "laptop"
        self.result.value = (
            f'<div style="font-size:15px">'
            f'<span class="oneshot-you">You chose <b>{answer.chosen + 1}</b>: '
            f'<b style="color:{GREEN if answer.you_right else RED}">'
            f"{RIGHT if answer.you_right else WRONG}</b></span>. "
            f'<span class="oneshot-network">The {opponent} chose <b>{answer.network + 1}</b>: '
            f'<b style="color:{GREEN if answer.network_right else RED}">'
            f"{RIGHT if answer.network_right else WRONG}</b></span>. "
            f'<span class="oneshot-truth">The true match is <b>{answer.truth + 1}</b>.</span>'
            "</div>")
        self.ranking_view.value = self._ranking_html(answer.truth)
        self._show_score()

    def _ranking_html(self, truth: int) -> str:
        row, run = self.costs_row, self.run
        order = ranking(row)
        cells = []
        for place, k in enumerate(order[:TOP_K], start=1):
            border = f"border:2px solid {GREEN}" if k == truth else "border:2px solid transparent"
            cells.append(
                f'<div class="oneshot-rank" style="display:inline-block;text-align:center;'
                f'margin-right:8px;{border}">{character_html(run.train_images[k], CELL_PX)}'
                f"<br><small>#{place}: {k + 1}<br>d={row[k]:.3f}</small></div>")
        return (f"<b>The {escape(self.opponent)}'s {min(TOP_K, len(order))} nearest</b> "
                f"(green: the true match)<br>{''.join(cells)}"
                f'<div class="oneshot-truth-rank">The true match ({truth + 1}) ranks '
                f"<b>{rank_of(row, truth)}</b> of {len(order)}, at d={row[truth]:.3f}.</div>")
