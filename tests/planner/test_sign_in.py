"""Sign-in throttling with a clock we control, and the password policy."""

from datetime import timedelta

import pytest

from planner.clock import utc_now
from planner.sign_in import (
    FREE_FAILURES,
    MAX_LOCK_S,
    clear_failures,
    locked_for,
    record_failure,
    throttle_keys,
)
from planner.store import Store
from planner.users import UserError, check_password


@pytest.fixture
def store(tmp_path):
    opened = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    yield opened
    opened.close()


def test_locks_grow_with_each_failure_and_end_on_time(store):
    keys = throttle_keys("chengdu", "Admin ", None)
    assert keys == ["user:chengdu:admin"]
    now = utc_now()
    for _ in range(FREE_FAILURES["user"]):
        assert record_failure(store, keys, now=now) == {} and locked_for(store, keys, now=now) is None
    locks = [record_failure(store, keys, now=now + timedelta(seconds=n))[keys[0]] for n in range(8)]
    assert locks == [30, 60, 120, 240, 480, 900, 900, 900] and max(locks) == MAX_LOCK_S
    key, left = locked_for(store, keys, now=now + timedelta(seconds=8))
    assert key == keys[0] and 0 < left <= 900
    assert locked_for(store, keys, now=now + timedelta(seconds=8 + 901)) is None  # the lock ends
    assert clear_failures(store, keys[0]) and locked_for(store, keys, now=now) is None  # patrol users unlock


def test_an_address_guessing_many_accounts_is_locked_too(store):
    now = utc_now()
    for n in range(FREE_FAILURES["addr"]):
        record_failure(store, throttle_keys("chengdu", f"user{n}", "10.0.0.7"), now=now)
    locks = record_failure(store, throttle_keys("chengdu", "another", "10.0.0.7"), now=now)
    assert "addr:10.0.0.7" in locks and locked_for(store, throttle_keys("chengdu", "anyone", "10.0.0.7"), now=now)
    assert locked_for(store, throttle_keys("chengdu", "anyone", "10.0.0.8"), now=now) is None


def test_a_day_without_failures_starts_the_count_again(store):
    keys = throttle_keys("chengdu", "planner", None)
    now = utc_now()
    for _ in range(FREE_FAILURES["user"]):
        record_failure(store, keys, now=now)
    assert record_failure(store, keys, now=now + timedelta(days=2)) == {}


@pytest.mark.parametrize("password, words", [("short1", "10 to 1024"), ("password123", "too common"),
                                             ("Qwerty123!", "too common"), ("dispatcher-2026", "user name")])
def test_the_password_policy(password, words):
    with pytest.raises(UserError, match=words):
        check_password(password, "dispatcher")
    check_password("correct horse 42", "dispatcher")
