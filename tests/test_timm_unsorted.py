"""timm's MultiStepLRScheduler bisects decay_t as given, sorted or not: the milestones lrsched
uses step exactly where bisect_right(decay_t, x) steps (the real timm: tests/test_differential.py)."""
from __future__ import annotations

import bisect

from hypothesis import given
from hypothesis import strategies as st

from lrsched_cli.frameworks.timm import bisected_milestones

LISTS = st.lists(st.integers(0, 40), min_size=1, max_size=8)


@given(LISTS)
def test_the_milestones_count_as_bisect_does_at_every_step(decay_t):
    milestones = bisected_milestones(decay_t)
    for x in range(-1, 45):
        assert bisect.bisect_right(milestones, x) == bisect.bisect_right(decay_t, x)


@given(LISTS)
def test_a_sorted_list_is_its_own_milestones(decay_t):
    assert bisected_milestones(sorted(decay_t)) == sorted(decay_t)


def test_an_unsorted_list_steps_where_bisect_does_not_where_its_values_are():
    """bisect_right([30, 10, 20], x) is 0 below 10, 2 from 10 and 3 from 20: 30 is never reached."""
    assert bisected_milestones([30, 10, 20]) == [10, 10, 20]
