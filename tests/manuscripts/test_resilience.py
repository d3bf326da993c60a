"""Rate limit, retries and circuit breaker around every platform call."""

import time

import pytest
from django.utils import timezone

from manuscripts.connectors.base import PlatformAuthError, PlatformUnavailable
from manuscripts.models import SystemPollState
from manuscripts.resilience import CircuitOpen, RateLimitWait, platform_call, take_token, token_wait_seconds
from tests.manuscripts.factories import make_journal_system

pytestmark = pytest.mark.django_db


@pytest.fixture
def system(settings):
    settings.PLATFORM_RETRY_BASE_SECONDS = 0.01
    settings.PLATFORM_RETRY_MAX_SECONDS = 0.05
    return make_journal_system(rate_limit_per_minute=6000)


class Platform:
    """A stand-in call that fails a given number of times, then answers."""

    def __init__(self, failures: list[Exception]):
        self.failures = list(failures)
        self.calls = 0

    def __call__(self, value):
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return value


def test_retryable_failures_are_retried_then_succeed(system):
    call = Platform([PlatformUnavailable("503"), PlatformUnavailable("timeout")])

    assert platform_call(system, call, "ok") == "ok"

    state = SystemPollState.objects.get(pk=system.pk)
    assert call.calls == 3
    assert state.consecutive_failures == 0 and state.last_success_at is not None


def test_auth_errors_are_not_retried(system):
    call = Platform([PlatformAuthError("bad token")])

    with pytest.raises(PlatformAuthError):
        platform_call(system, call, "ok")

    assert call.calls == 1
    assert SystemPollState.objects.get(pk=system.pk).last_error == "PlatformAuthError: bad token"


def test_retry_after_is_honoured(system, settings):
    settings.PLATFORM_RETRY_MAX_SECONDS = 1
    call = Platform([PlatformUnavailable("429", retry_after_seconds=0.3)])

    started = time.monotonic()
    platform_call(system, call, "ok")

    assert time.monotonic() - started >= 0.3


def test_repeated_failures_open_the_circuit_and_pause_the_system(system, settings):
    settings.CIRCUIT_FAILURE_THRESHOLD = 2
    settings.PLATFORM_RETRY_ATTEMPTS = 1
    for _poll in range(2):
        with pytest.raises(PlatformUnavailable):
            platform_call(system, Platform([PlatformUnavailable("down")]), "ok")

    call = Platform([])
    with pytest.raises(CircuitOpen):
        platform_call(system, call, "ok")

    assert call.calls == 0
    assert SystemPollState.objects.get(pk=system.pk).circuit_state() == "open"


def test_after_the_cool_down_one_success_closes_the_circuit(system, settings):
    settings.CIRCUIT_FAILURE_THRESHOLD = 1
    settings.CIRCUIT_COOLDOWN_SECONDS = 0.2
    settings.PLATFORM_RETRY_ATTEMPTS = 1
    with pytest.raises(PlatformUnavailable):
        platform_call(system, Platform([PlatformUnavailable("down")]), "ok")
    time.sleep(0.25)

    assert SystemPollState.objects.get(pk=system.pk).circuit_state() == "half_open"
    assert platform_call(system, Platform([]), "ok") == "ok"
    assert SystemPollState.objects.get(pk=system.pk).circuit_state() == "closed"


def test_other_systems_go_on_while_one_is_paused(system, settings):
    settings.CIRCUIT_FAILURE_THRESHOLD = 1
    settings.PLATFORM_RETRY_ATTEMPTS = 1
    other = make_journal_system(key="other-ojs")
    with pytest.raises(PlatformUnavailable):
        platform_call(system, Platform([PlatformUnavailable("down")]), "ok")

    assert platform_call(other, Platform([]), "fine") == "fine"


def test_token_bucket_allows_a_burst_then_makes_callers_wait(system, settings):
    settings.PLATFORM_BURST = 3
    system.rate_limit_per_minute = 60  # one token a second
    waits = [token_wait_seconds(system) for _ in range(4)]

    assert waits[:3] == [0, 0, 0]
    assert 0.5 < waits[3] <= 1.0


def test_token_bucket_is_shared_between_processes_through_redis(system, settings):
    settings.PLATFORM_BURST = 1
    system.rate_limit_per_minute = 60
    token_wait_seconds(system)

    # Another worker would see the same bucket: same key, same Redis.
    from manuscripts import resilience
    resilience._redis.cache_clear()
    assert token_wait_seconds(system) > 0


def test_a_long_wait_for_a_token_reschedules_instead_of_blocking(system, settings):
    settings.PLATFORM_BURST = 1
    settings.PLATFORM_MAX_TOKEN_WAIT_SECONDS = 0.1
    system.rate_limit_per_minute = 1
    take_token(system)

    with pytest.raises(RateLimitWait):
        take_token(system)


def test_the_rate_limit_counts_every_http_request_of_a_poll(settings, wechat_sandbox):
    """A poll is many requests (list, then each changed item): each one takes a token, not the poll."""
    from accounts.models import Journal, JournalSystem
    from manuscripts.services.polling import journal_system_poll

    settings.PLATFORM_BURST = 3
    settings.PLATFORM_MAX_TOKEN_WAIT_SECONDS = 0.1
    token = wechat_sandbox.ojs.add_site("jas", manager_token="manager-token")
    author = wechat_sandbox.ojs.add_user("jas", username="li", email="li@example.org", given_name="Li")
    for number in range(5):
        wechat_sandbox.ojs.add_submission("jas", title=f"Paper {number}", authors=[author], stage_id=3,
                                          review_round_status=7)
    polled = JournalSystem.objects.create(key="slow-ojs", name_en="Slow", platform="ojs",
                                          base_url=wechat_sandbox.base_url, credentials={"token": token},
                                          rate_limit_per_minute=3, timeout_seconds=5)
    Journal.objects.create(journal_system=polled, key="jas", platform_path="jas", name_en="J")

    assert journal_system_poll(journal_system_id=polled.pk) is None  # out of tokens after 3 requests: rescheduled
    assert wechat_sandbox.ojs.call_count("jas") == 3
    state = SystemPollState.objects.get(pk=polled.pk)
    assert state.claimed_until is None and state.next_poll_at > timezone.now()
    assert state.consecutive_failures == 0  # our own limit is not the platform failing


def test_last_error_is_bounded_and_never_carries_credentials(system):
    """A platform may echo what we sent; what admin stores and shows keeps none of it."""
    echoed = (f"OJS at http://manager:pa55word@ojs.example.org?apiToken=eyJhbGciOiJIUzI1NiJ9.e30.c2ln refused "
              f"token {system.credentials['token']} " + "x" * 1000)
    call = Platform([PlatformAuthError(echoed)])

    with pytest.raises(PlatformAuthError):
        platform_call(system, call, "ok")

    last_error = SystemPollState.objects.get(pk=system.pk).last_error
    assert last_error.startswith("PlatformAuthError: OJS at http://***@ojs.example.org?apiToken=*** refused token ***")
    assert len(last_error) == 300
    assert not {"pa55word", "eyJhbGciOiJIUzI1NiJ9", system.credentials["token"]} & set(last_error.split())
    assert "pa55word" not in last_error and system.credentials["token"] not in last_error


def test_a_concurrency_slot_of_a_dead_worker_expires(system, settings):
    """A worker killed while holding a slot never releases it: the slot's expiry does."""
    from manuscripts.resilience import concurrency_slot

    settings.PLATFORM_SLOT_TTL_SECONDS = 0.3
    settings.PLATFORM_MAX_TOKEN_WAIT_SECONDS = 0.1
    system.timeout_seconds = 0.1
    dead_worker = concurrency_slot(system, 1)
    dead_worker.__enter__()  # and never leaves

    with pytest.raises(RateLimitWait, match="already has 1 requests in flight"):
        with concurrency_slot(system, 1):
            pass

    settings.PLATFORM_MAX_TOKEN_WAIT_SECONDS = 2
    with concurrency_slot(system, 1):  # taken once the dead worker's slot expired
        pass


def test_concurrency_slots_are_released_after_use_and_on_errors(system, settings):
    from manuscripts.resilience import concurrency_slot

    settings.PLATFORM_MAX_TOKEN_WAIT_SECONDS = 0.1
    with pytest.raises(ValueError):
        with concurrency_slot(system, 1):
            raise ValueError("the request failed")
    for _ in range(3):
        with concurrency_slot(system, 1):
            pass
