"""Rolling numerics: ``prior_*`` see only earlier rows of the group, ``inclusive_*`` the row too;
groups never bleed into each other; NaN is skipped (or counts as 0 where documented)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nba_ml.modeling import rolling

NAN = np.nan


def _starts(*groups: str) -> np.ndarray:
    return rolling.group_starts(np.array(groups))


def _random_groups(
    seed: int, groups: int, rows: int, mean: float, sd: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted random group keys, normal values with a tenth of them NaN, and the group starts."""
    rng = np.random.default_rng(seed)
    keys = np.sort(rng.integers(0, groups, rows))
    values = rng.normal(mean, sd, rows)
    values[rng.random(rows) < 0.1] = np.nan
    return keys, values, rolling.group_starts(keys)


def test_group_starts_marks_each_rows_first_row_of_its_run() -> None:
    np.testing.assert_array_equal(_starts("a", "a", "b", "b", "b", "c"), [0, 0, 2, 2, 2, 5])
    # several key columns: a new group wherever any of them changes
    teams = np.array(["A", "A", "A", "B", "B"])
    seasons = np.array(["2019-20", "2019-20", "2020-21", "2020-21", "2020-21"])
    np.testing.assert_array_equal(rolling.group_starts(teams, seasons), [0, 0, 2, 3, 3])
    # rows must come sorted: a key seen again later starts a new group
    np.testing.assert_array_equal(_starts("a", "b", "a"), [0, 1, 2])
    empty = rolling.group_starts(np.array([], dtype=object))
    assert empty.dtype == np.int64 and len(empty) == 0


def test_prior_mean_uses_only_earlier_rows_of_the_group() -> None:
    values = np.array([1.0, 2.0, 3.0, 4.0, 10.0, 20.0])
    starts = _starts("a", "a", "a", "a", "b", "b")
    np.testing.assert_allclose(
        rolling.prior_mean(values, starts, 2), [NAN, 1.0, 1.5, 2.5, NAN, 10.0], equal_nan=True
    )
    np.testing.assert_allclose(
        rolling.prior_mean(values, starts, None), [NAN, 1.0, 1.5, 2.0, NAN, 10.0], equal_nan=True
    )


def test_prior_mean_skips_nan_and_its_window_counts_rows() -> None:
    values = np.array([1.0, NAN, 3.0, 5.0])
    starts = np.zeros(4, dtype=np.int64)
    # row 3's window of 2 is rows 1-2: only the 3 has a value
    np.testing.assert_allclose(
        rolling.prior_mean(values, starts, 2), [NAN, 1.0, 1.0, 3.0], equal_nan=True
    )
    np.testing.assert_allclose(
        rolling.prior_mean(values, starts, None), [NAN, 1.0, 1.0, 2.0], equal_nan=True
    )
    only_nan = rolling.prior_mean(np.array([NAN, NAN, 1.0]), np.zeros(3, dtype=np.int64), 5)
    np.testing.assert_allclose(only_nan, [NAN, NAN, NAN], equal_nan=True)


def test_prior_sum_count() -> None:
    values = np.array([2.0, NAN, 4.0, 8.0, 1.0])
    starts = _starts("a", "a", "a", "a", "b")
    sums, counts = rolling.prior_sum_count(values, starts, 2)
    np.testing.assert_allclose(sums, [0.0, 2.0, 2.0, 4.0, 0.0])
    np.testing.assert_array_equal(counts, [0, 1, 1, 1, 0])
    sums, counts = rolling.prior_sum_count(values, starts, None)
    np.testing.assert_allclose(sums, [0.0, 2.0, 2.0, 6.0, 0.0])
    np.testing.assert_array_equal(counts, [0, 1, 1, 2, 0])


def test_prior_std_is_the_population_std_of_earlier_rows() -> None:
    values = np.array([2.0, 4.0, 6.0, 100.0])
    std = rolling.prior_std(values, np.zeros(4, dtype=np.int64), 3)
    assert np.isnan(std[0])
    assert std[1] == 0.0
    assert std[2] == pytest.approx(1.0)
    assert std[3] == pytest.approx(np.sqrt(8 / 3))  # of 2, 4, 6: the 100 itself is not seen


def test_inclusive_mean_includes_the_row_itself() -> None:
    values = np.array([1.0, 2.0, 3.0, 4.0, 7.0, NAN])
    starts = _starts("a", "a", "a", "a", "b", "b")
    np.testing.assert_allclose(
        rolling.inclusive_mean(values, starts, 2), [1.0, 1.5, 2.5, 3.5, 7.0, 7.0]
    )
    all_nan = rolling.inclusive_mean(np.array([NAN, NAN]), np.zeros(2, dtype=np.int64), 3)
    assert np.isnan(all_nan).all()


def test_inclusive_decayed_sum_by_hand() -> None:
    values = np.array([1.0, 1.0, NAN, 1.0, 4.0, 2.0])
    starts = _starts("a", "a", "a", "a", "b", "b")
    np.testing.assert_allclose(
        rolling.inclusive_decayed_sum(values, starts, 0.5), [1.0, 1.5, 0.75, 1.375, 4.0, 4.0]
    )
    assert len(rolling.inclusive_decayed_sum(np.array([]), np.zeros(0, dtype=np.int64), 0.5)) == 0


def test_inclusive_decayed_sum_of_a_long_group_stays_finite() -> None:
    # 0.5**-2500 overflows: past _DECAY_CLOSED_FORM_ROWS rows the loop computes it
    n = rolling._DECAY_CLOSED_FORM_ROWS + 500
    out = rolling.inclusive_decayed_sum(np.ones(n), np.zeros(n, dtype=np.int64), 0.5)
    assert np.isfinite(out).all()
    assert out[0] == 1.0 and out[-1] == pytest.approx(2.0)
    short = rolling.inclusive_decayed_sum(np.ones(50), np.zeros(50, dtype=np.int64), 0.5)
    np.testing.assert_allclose(out[:50], short)  # both ways agree


@pytest.mark.parametrize(
    ("long_rows", "decay"), [(1000, 0.9), (351, 0.5 ** (1 / 8)), (1500, 0.5 ** (1 / 30))]
)
def test_a_long_group_does_not_swamp_the_group_after_it(long_rows: int, decay: float) -> None:
    # a veteran's many games, then a rookie's five: the rookie's sums are his own. One running
    # sum over all rows once carried the veteran's weights (decay**-position, ~1e45 here) into
    # the rookie's rows and cancelled them to 0 (351 games at halflife 8: the real logs' longest
    # career, where pts_ewm was off by up to 1.4 points for the players sorted after one)
    values = np.ones(long_rows + 5)
    starts = np.r_[np.zeros(long_rows, dtype=np.int64), np.full(5, long_rows)]
    rookie = rolling.inclusive_decayed_sum(values, starts, decay)[long_rows:]
    np.testing.assert_allclose(
        rookie, [sum(decay**k for k in range(n)) for n in range(1, 6)], rtol=1e-12
    )
    halflife = np.log(0.5) / np.log(decay)
    ewm = rolling.prior_ewm(
        np.r_[np.full(long_rows, 30.0), [10.0, 20.0, 0.0, 5.0, 7.0]], starts, halflife
    )[long_rows:]
    np.testing.assert_allclose(ewm[1:3], [10.0, (10 * decay + 20) / (decay + 1)], rtol=1e-12)


def test_inclusive_decayed_sum_matches_loop_and_resets_per_group() -> None:
    _, values, starts = _random_groups(3, 12, 300, 0, 4)
    fast = rolling.inclusive_decayed_sum(values, starts, 0.9)
    slow = rolling._inclusive_decayed_sum_loop(np.nan_to_num(values), starts, 0.9)
    np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-9)
    first = starts == np.arange(300)
    np.testing.assert_allclose(fast[first], np.nan_to_num(values[first]))


def test_prior_ewm_by_hand_where_a_missing_value_still_ages_the_weights() -> None:
    values = np.array([2.0, 4.0, NAN, 8.0, 0.0, 5.0])
    starts = _starts("a", "a", "a", "a", "a", "b")
    out = rolling.prior_ewm(values, starts, halflife=1.0)  # each row back halves the weight
    assert np.isnan(out[0]) and np.isnan(out[5])  # nothing earlier in the group
    assert out[1] == pytest.approx(2.0)
    assert out[2] == pytest.approx((2 * 0.5 + 4) / 1.5)
    assert out[3] == pytest.approx((2 * 0.25 + 4 * 0.5) / 0.75)
    # the NaN row moved 2 and 4 one more step back: 8 weighs 1, 4 0.25, 2 0.125
    assert out[4] == pytest.approx((2 * 0.125 + 4 * 0.25 + 8) / 1.375)


def test_prior_ewm_matches_reference_loop() -> None:
    _, values, starts = _random_groups(2, 15, 400, 5, 2)
    fast = rolling.prior_ewm(values, starts, 8.0)
    slow = rolling.prior_ewm_loop(values, starts, 0.5 ** (1 / 8.0))
    np.testing.assert_allclose(fast, slow, equal_nan=True, rtol=1e-9)


def test_prior_mean_matches_pandas_shifted_rolling() -> None:
    groups, values, starts = _random_groups(1, 20, 500, 10, 3)
    series = pd.Series(values)
    for window in (1, 5, 10):
        expected = series.groupby(groups).transform(
            lambda s, w=window: s.shift(1).rolling(w, min_periods=1).mean()
        )
        np.testing.assert_allclose(
            rolling.prior_mean(values, starts, window), expected, equal_nan=True
        )
    expected = series.groupby(groups).transform(lambda s: s.shift(1).expanding().mean())
    np.testing.assert_allclose(rolling.prior_mean(values, starts, None), expected, equal_nan=True)


def test_no_prior_statistic_sees_its_own_row_or_a_later_one() -> None:
    rng = np.random.default_rng(4)
    groups = np.sort(rng.integers(0, 6, 120))
    values = rng.normal(0, 1, 120)
    starts = rolling.group_starts(groups)
    prior = {
        "mean": lambda v: rolling.prior_mean(v, starts, 5),
        "all": lambda v: rolling.prior_mean(v, starts, None),
        "std": lambda v: rolling.prior_std(v, starts, 5),
        "ewm": lambda v: rolling.prior_ewm(v, starts, 4.0),
        "shift": lambda v: rolling.shift_in_group(v, starts),
    }
    for row in (0, 37, 80, 119):
        changed = values.copy()
        changed[row:] = rng.normal(50, 10, 120 - row)  # this row and every later one
        for name, function in prior.items():
            np.testing.assert_array_equal(
                function(values)[: row + 1], function(changed)[: row + 1], err_msg=name
            )
        # inclusive statistics do see the row itself (their callers shift them)
        assert (
            rolling.inclusive_mean(values, starts, 5)[row]
            != rolling.inclusive_mean(changed, starts, 5)[row]
        )


def test_groups_do_not_bleed_into_each_other() -> None:
    values = np.array([1.0, 2.0, 3.0, 100.0, 200.0])
    starts = _starts("a", "a", "a", "b", "b")
    alone = np.array([100.0, 200.0])
    alone_starts = np.zeros(2, dtype=np.int64)
    for function in (
        lambda v, s: rolling.prior_mean(v, s, None),
        lambda v, s: rolling.prior_ewm(v, s, 2.0),
        lambda v, s: rolling.inclusive_mean(v, s, 3),
        lambda v, s: rolling.inclusive_decayed_sum(v, s, 0.9),
        rolling.shift_in_group,
    ):
        np.testing.assert_allclose(
            function(values, starts)[3:], function(alone, alone_starts), equal_nan=True
        )


def test_shift_in_group_and_days_since_previous() -> None:
    starts = _starts("a", "a", "a", "b", "b")
    np.testing.assert_allclose(
        rolling.shift_in_group(np.array([1, 2, 3, 4, 5]), starts),
        [NAN, 1.0, 2.0, NAN, 4.0],
        equal_nan=True,
    )
    dates = np.array(
        ["2020-01-01", "2020-01-03", "2020-01-04", "2020-01-01", "2020-03-01"],
        dtype="datetime64[ns]",
    )
    np.testing.assert_allclose(
        rolling.days_since_previous(dates, starts), [NAN, 2.0, 1.0, NAN, 60.0], equal_nan=True
    )  # 2020 is a leap year


def test_lookup_aligns_table_rows_with_keys_and_leaves_gaps() -> None:
    table = pd.DataFrame(
        {"game_id": ["g1", "g1", "g2"], "team": ["A", "B", "A"], "value": [1.0, 2.0, 3.0]}
    )
    keys = pd.DataFrame(
        {"game_id": ["g2", "g1", "g9", "g1"], "team": ["A", "B", "A", "B"], "other": [0, 0, 0, 0]},
        index=[10, 11, 12, 13],
    )
    found = rolling.lookup(keys, table, ["game_id", "team"])
    assert list(found.columns) == ["game_id", "team", "value"]
    np.testing.assert_allclose(found["value"], [3.0, 2.0, NAN, 2.0], equal_nan=True)
    assert len(found) == len(keys)


def test_lookup_refuses_a_table_with_duplicate_keys() -> None:
    table = pd.DataFrame({"game_id": ["g1", "g1"], "value": [1.0, 2.0]})
    with pytest.raises(pd.errors.MergeError):
        rolling.lookup(pd.DataFrame({"game_id": ["g1"]}), table, ["game_id"])


def test_season_start_years() -> None:
    years = rolling.season_start_years(pd.Series(["2019-20", "2018-19", "2019-20", "1999-00"]))
    np.testing.assert_array_equal(years, [2019, 2018, 2019, 1999])
    empty = rolling.season_start_years(pd.Series([], dtype=object))
    assert empty.dtype == np.int64 and len(empty) == 0
