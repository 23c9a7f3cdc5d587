"""Does this API key work, and in which region? One check per (key, region, method).

Two methods, both shared by ``attribution-cli verify`` and the GUI's verify matrix:

- ``V2_EMPTY_BATCH``: an HTTP API V2 request with an empty ``events`` array. Nothing is
  ingested (``events_ingested: 0``); a bad key gets ``400 Invalid API key: ...``.
- ``ATTRIBUTION_PROBE``: one ``/attribution`` event carrying a random, never-seen ad ID.
  Amplitude holds an unmatched attribution event up to 72 hours, no app event will ever
  carry that ID, so it is then dropped: no data is created. A bad key gets
  ``400 invalid_api_key``.

A key from one region is rejected by the other, so checking one key against both regions
tells which region it belongs to. The messages are the server's own words, trimmed, with
the key masked (the V2 API echoes a rejected key back).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from attribution_workbench.core.answers import key_rejected, server_words, v2_key_rejected
from attribution_workbench.core.client import CancelToken, Client, SendError
from attribution_workbench.core.event import AttributionEvent
from attribution_workbench.core.ids import new_ad_id
from attribution_workbench.core.regions import Api, Destination, Region, Target
from attribution_workbench.core.wire import (
    KeyStyle,
    PreparedRequest,
    WireError,
    prepare,
    prepare_v2,
    redact_key,
)

PROBE_EVENT_TYPE = "[Attribution Workbench] Key check"


class VerifyMethod(str, enum.Enum):
    V2_EMPTY_BATCH = "v2-empty-batch"
    ATTRIBUTION_PROBE = "attribution-probe"

    @property
    def description(self) -> str:
        if self is VerifyMethod.V2_EMPTY_BATCH:
            return "HTTP API V2 request with an empty events array; no data is created"
        return (
            "attribution event with a random, never-seen ad ID; Amplitude holds it up to "
            "72 hours, it never matches, then it is dropped: no data is created"
        )


class Verdict(str, enum.Enum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    UNREACHABLE = "unreachable"  # no answer: refused, timed out, DNS, TLS, ...
    INCONCLUSIVE = "inconclusive"  # an answer that says nothing about the key (5xx, 413, ...)


@dataclass(frozen=True)
class RegionCheck:
    """The result of checking one key in one region with one method."""

    region: Region
    method: VerifyMethod
    verdict: Verdict
    status: int | None
    message: str  # the server's own words (trimmed, key masked) or the SendError sentence
    checked_at: float  # epoch seconds
    url: str  # key-free, for display
    elapsed_ms: float | None = None

    @property
    def accepted(self) -> bool | None:
        """True/False when the server judged the key; None when it could not be asked."""
        if self.verdict is Verdict.ACCEPTED:
            return True
        if self.verdict is Verdict.REJECTED:
            return False
        return None


def probe_event(platform: str = "ios") -> AttributionEvent:
    """An attribution event with a fresh random ad ID that no app event will ever carry.

    iOS IDs are upper-case UUIDs and Google ad IDs lower-case, as the devices send them, so
    the probe passes the same rules a real event does.
    """
    if platform == "ios":
        return AttributionEvent(event_type=PROBE_EVENT_TYPE, platform="ios", idfa=new_ad_id("ios"))
    if platform == "android":
        return AttributionEvent(
            event_type=PROBE_EVENT_TYPE, platform="android", adid=new_ad_id("android")
        )
    raise ValueError(f"Unknown platform {platform!r}; use 'ios' or 'android'.")


def prepare_check(key: str, destination: Destination, method: VerifyMethod) -> PreparedRequest:
    """The request one check sends (exposed so a UI can preview it)."""
    if method is VerifyMethod.V2_EMPTY_BATCH:
        return prepare_v2([], destination, key)
    return prepare(probe_event(), destination, key)


def check_key(
    client: Client,
    key: str,
    destination: Destination,
    method: VerifyMethod = VerifyMethod.V2_EMPTY_BATCH,
    timeout: float | None = None,
    cancel: CancelToken | None = None,
) -> RegionCheck:
    """Check ``key`` at ``destination`` with ``method``; never raises for network failures.

    A cancelled check comes back UNREACHABLE with the client's "cancelled" sentence.
    """
    api = Api.HTTP_V2 if method is VerifyMethod.V2_EMPTY_BATCH else Api.ATTRIBUTION
    url = destination.endpoint(api)
    try:
        prepared = prepare_check(key, destination, method)
    except WireError as exc:
        # A key that cannot even be encoded (e.g. a broken surrogate): nothing was sent.
        return _result(destination, method, Verdict.INCONCLUSIVE, None, str(exc), url, None)
    url = prepared.display_url(KeyStyle.MASK)
    try:
        outcome = client.send(prepared, timeout=timeout, cancel=cancel)
    except SendError as exc:
        return _result(
            destination, method, Verdict.UNREACHABLE, None, exc.message, url, exc.elapsed_ms
        )
    verdict = interpret(method, outcome.status, outcome.text)
    # Mask before trimming, so a cut can never leave part of the key behind. The V2 API
    # answers "Invalid API key: <key>"; the key must not reach a screen or log.
    message = server_words(outcome.status, outcome.reason, redact_key(outcome.text, key))
    return _result(destination, method, verdict, outcome.status, message, url, outcome.elapsed_ms)


def interpret(method: VerifyMethod, status: int, text: str) -> Verdict:
    """What an answer says about the key."""
    if 200 <= status < 300:
        return Verdict.ACCEPTED
    rejected = v2_key_rejected if method is VerifyMethod.V2_EMPTY_BATCH else key_rejected
    return Verdict.REJECTED if rejected(status, text) else Verdict.INCONCLUSIVE


def check_matrix(
    client: Client,
    keys: Mapping[Region, str],
    regions: Sequence[Region],
    target: Target,
    url: str | None,
    methods: Sequence[VerifyMethod] = (VerifyMethod.V2_EMPTY_BATCH,),
    timeout: float | None = None,
    cancel: CancelToken | None = None,
) -> dict[Region, list[RegionCheck]]:
    """Every (region, method) pair at once; results per region in the order of ``methods``."""
    jobs: list[tuple[str, Destination, VerifyMethod]] = []
    for region in dict.fromkeys(regions):  # keep order, drop repeats
        key = keys.get(region)
        if not key:
            continue
        destination = Destination(region, target, url)
        jobs.extend((key, destination, method) for method in methods)
    results: dict[Region, list[RegionCheck]] = {}
    if not jobs:
        return results
    # One thread per check: they are few and all wait on the network.
    with ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="verify") as pool:
        futures = [pool.submit(check_key, client, *job, timeout, cancel) for job in jobs]
        for (_, destination, _), future in zip(jobs, futures, strict=True):
            results.setdefault(destination.region, []).append(future.result())
    return results


def accepting_regions(verdicts: Mapping[Region, Verdict]) -> list[Region]:
    """The regions whose verdict is ACCEPTED, in the order of ``verdicts``."""
    return [region for region, verdict in verdicts.items() if verdict is Verdict.ACCEPTED]


def belongs_to(verdicts: Mapping[Region, Verdict]) -> Region | None:
    """The one region that accepted the key, or None if none or several did."""
    accepted = accepting_regions(verdicts)
    return accepted[0] if len(accepted) == 1 else None


def combined_verdict(checks: Sequence[RegionCheck]) -> Verdict:
    """One verdict from several methods' checks of the same key in the same region.

    Methods that agree decide; an accepted and a rejected answer together are inconclusive
    (the server contradicts itself). Without any judgement, unreachable beats inconclusive
    only when every check was unreachable.
    """
    verdicts = {check.verdict for check in checks}
    judged = verdicts & {Verdict.ACCEPTED, Verdict.REJECTED}
    if len(judged) == 1:
        return judged.pop()
    if verdicts == {Verdict.UNREACHABLE}:
        return Verdict.UNREACHABLE
    return Verdict.INCONCLUSIVE


def region_verdicts(matrix: Mapping[Region, Sequence[RegionCheck]]) -> dict[Region, Verdict]:
    """One verdict per region of a ``check_matrix`` result (``combined_verdict`` of each)."""
    return {region: combined_verdict(checks) for region, checks in matrix.items()}


def _result(
    destination: Destination,
    method: VerifyMethod,
    verdict: Verdict,
    status: int | None,
    message: str,
    url: str,
    elapsed_ms: float | None,
) -> RegionCheck:
    return RegionCheck(
        region=destination.region,
        method=method,
        verdict=verdict,
        status=status,
        message=message,
        checked_at=time.time(),
        url=url,
        elapsed_ms=elapsed_ms,
    )
