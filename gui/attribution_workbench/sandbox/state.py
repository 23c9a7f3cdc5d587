"""Everything the sandbox remembers; one lock guards it all, every read returns copies."""

from __future__ import annotations

import copy
import threading
import time
from collections import deque
from typing import Any

from .config import (
    DEFAULT_CONFIG,
    MAX_RECORDED_BYTES,
    MAX_RECORDED_REQUESTS,
    REGIONS,
    ZERO_UUID,
    checked_config_update,
)
from .faults import Fault, make_fault
from .records import Attribution, RecordedRequest, User
from .validation import ad_ids_of

# (region, api key, ad-ID field, value as compared)
_IdKey = tuple[str, str, str, str]
_UserKey = tuple[str, str, str, str]


class SandboxState:
    """Recorded requests, attributions, users, clock, faults and config of one sandbox."""

    def __init__(self, keys: dict[str, frozenset[str]]) -> None:
        self.keys = {region: keys.get(region, frozenset()) for region in REGIONS}
        self._lock = threading.RLock()
        self._config: dict[str, Any] = dict(DEFAULT_CONFIG)
        self._next_id = {"request": 1, "attribution": 1, "fault": 1}
        self.internal_errors: list[str] = []
        self._clear()

    def _clear(self) -> None:
        self._offset_ms = 0
        self._requests: deque[RecordedRequest] = deque()
        self._recorded_bytes = 0
        self._attributions: dict[int, Attribution] = {}
        self._users: dict[_UserKey, User] = {}
        self._held_by_id: dict[_IdKey, list[int]] = {}  # attribution ids, exact and folded
        self._user_by_id: dict[_IdKey, _UserKey] = {}
        self._faults: list[Fault] = []

    def _new_id(self, kind: str) -> int:
        value = self._next_id[kind]
        self._next_id[kind] = value + 1
        return value

    def reset(self) -> None:
        """Forget requests, attributions, users, faults and the clock offset (not config)."""
        with self._lock:
            self._clear()

    # -- clock -----------------------------------------------------------------------

    def now_ms(self) -> int:
        return int(time.time() * 1000) + self._offset_ms

    def advance_clock(self, ms: int) -> None:
        if isinstance(ms, bool) or not isinstance(ms, int) or ms < 0:
            raise ValueError("the clock only moves forward: give a whole number of ms >= 0")
        with self._lock:
            self._offset_ms += ms

    def clock(self) -> dict[str, int]:
        with self._lock:
            return {"now_ms": self.now_ms(), "offset_ms": self._offset_ms}

    # -- config ----------------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._config)

    def update_config(self, update: dict[str, Any]) -> dict[str, Any]:
        checked = checked_config_update(update)
        with self._lock:
            self._config.update(checked)
            return dict(self._config)

    def reset_config(self) -> dict[str, Any]:
        with self._lock:
            self._config = dict(DEFAULT_CONFIG)
            return dict(self._config)

    # -- faults ----------------------------------------------------------------------

    def add_fault(self, mode: Any, count: Any = 1, path: Any = None, region: Any = None,
                  **params: Any) -> dict[str, Any]:
        with self._lock:
            fault = make_fault(self._next_id["fault"], mode, count, path, region, **params)
            self._new_id("fault")
            self._faults.append(fault)
            return fault.to_json()

    def clear_faults(self) -> int:
        with self._lock:
            cleared = len(self._faults)
            self._faults.clear()
            return cleared

    def faults(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.to_json() for f in self._faults]

    def take_fault(self, region: str | None, endpoint: str) -> Fault | None:
        """Consume one use of the first queued fault that applies (FIFO)."""
        with self._lock:
            for fault in self._faults:
                if fault.applies_to(region, endpoint):
                    fault.used += 1
                    if fault.count:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return copy.deepcopy(fault)
            return None

    # -- requests --------------------------------------------------------------------

    def record(self, **fields: Any) -> RecordedRequest:
        with self._lock:
            rec = RecordedRequest(id=self._new_id("request"), time_ms=self.now_ms(), **fields)
            self._requests.append(rec)
            self._recorded_bytes += len(rec.body)
            while len(self._requests) > 1 and (
                len(self._requests) > MAX_RECORDED_REQUESTS
                or self._recorded_bytes > MAX_RECORDED_BYTES
            ):
                self._recorded_bytes -= len(self._requests.popleft().body)
            return rec

    def finish(self, rec: RecordedRequest, status: int | None = None, *,
               fault: str | None = None, note: str | None = None) -> None:
        with self._lock:
            if status is not None:
                rec.status = status
            if fault is not None:
                rec.fault = fault
            if note is not None:
                rec.note = note if rec.note is None else f"{rec.note}; {note}"

    def requests(self, region: str | None = None, path: str | None = None,
                 limit: int | None = None, since: int | None = None) -> list[dict[str, Any]]:
        with self._lock:
            found = [
                r for r in self._requests
                if (region is None or r.region == region)
                and (path is None or path in (r.endpoint, r.path))
                and (since is None or r.id > since)
            ]
            if limit is not None:
                found = found[-limit:] if limit else []
        # Serialised outside the lock: a big listing must not hold up the requests being
        # recorded meanwhile (the records' fields are only ever replaced, never mutated).
        return [r.to_json() for r in found]

    def request(self, request_id: int | None = None) -> dict[str, Any] | None:
        """One request by id; the newest when ``request_id`` is None."""
        with self._lock:
            if request_id is None:
                return self._requests[-1].to_json() if self._requests else None
            for r in self._requests:
                if r.id == request_id:
                    return r.to_json()
            return None

    # -- attributions and matching ---------------------------------------------------

    def _id_keys(self, region: str, api_key: str, ids: dict[str, str]) -> list[_IdKey]:
        """Index keys for the ad IDs that may take part in matching under the config."""
        keys: list[_IdKey] = []
        for name, value in ids.items():
            if value == ZERO_UUID and not self._config["zero_uuid_matches"]:
                continue
            if self._config["case_sensitive_match"]:
                keys.append((region, api_key, name, "=" + value))
            else:
                keys.append((region, api_key, name, "~" + value.lower()))
        return keys

    def _index_both(self, region: str, api_key: str, ids: dict[str, str]) -> list[_IdKey]:
        # Index under both exact and folded forms so a config switch applies at once.
        keys = [(region, api_key, name, "=" + value) for name, value in ids.items()]
        keys += [(region, api_key, name, "~" + value.lower()) for name, value in ids.items()]
        return keys

    def _match(self, attribution: Attribution, user_key: _UserKey, now: int) -> None:
        user = self._users[user_key]
        attribution.matched_at = now
        attribution.matched_by = {"device_id": user.device_id, "user_id": user.user_id}
        user.apply_properties(attribution.event.get("user_properties"))
        user.attribution_ids.append(attribution.id)

    def add_attribution(self, request_id: int, region: str, api_key: str,
                        event: dict[str, Any], ad_ids: dict[str, str] | None = None) -> int:
        """Keep an accepted attribution event (taken over, not copied); returns its id.

        ``ad_ids``: the event's ad IDs when the caller has them (``AttributionVerdict.ad_ids``).
        """
        with self._lock:
            now = self.now_ms()
            attribution = Attribution(
                self._new_id("attribution"), request_id, region, api_key, now,
                event, ad_ids_of(event) if ad_ids is None else ad_ids,
            )
            self._attributions[attribution.id] = attribution
            known = [self._user_by_id[k] for k in self._id_keys(region, api_key, attribution.ad_ids)
                     if k in self._user_by_id]
            if known and self._config["match_known_users"]:
                self._match(attribution, known[0], now)
            else:
                for k in self._index_both(region, api_key, attribution.ad_ids):
                    self._held_by_id.setdefault(k, []).append(attribution.id)
            return attribution.id

    def add_app_events(self, region: str, api_key: str, events: list[dict[str, Any]]) -> None:
        with self._lock:
            now = self.now_ms()
            for event in events:
                user_key = self._touch_user(region, api_key, event, now)
                if user_key is None:
                    continue
                ids = ad_ids_of(event)
                self._users[user_key].ad_ids.update(ids)
                for k in self._index_both(region, api_key, ids):
                    self._user_by_id[k] = user_key
                for k in self._id_keys(region, api_key, ids):
                    for attribution_id in self._held_by_id.pop(k, []):
                        attribution = self._attributions.get(attribution_id)
                        if attribution is not None and attribution.state(now) == "held":
                            self._match(attribution, user_key, now)

    def _touch_user(self, region: str, api_key: str, event: dict[str, Any],
                    now: int) -> _UserKey | None:
        device_id, user_id = event.get("device_id"), event.get("user_id")
        device_id = device_id if isinstance(device_id, str) else None
        user_id = user_id if isinstance(user_id, str) else None
        if device_id is None and user_id is None:
            return None
        key: _UserKey = (region, api_key, "device" if device_id else "user",
                         device_id or user_id or "")
        user = self._users.get(key)
        if user is None:
            user = self._users[key] = User(region, device_id, user_id, now, now)
        user.last_seen = now
        user.event_count += 1
        if user_id:
            user.user_id = user_id
        user.apply_properties(event.get("user_properties"))
        return key

    def attributions(self, ad_id: str | None = None, state: str | None = None,
                     region: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            now = self.now_ms()
            return [
                a.to_json(now) for a in self._attributions.values()
                if (ad_id is None or ad_id in a.ad_ids.values())
                and (state is None or a.state(now) == state)
                and (region is None or a.region == region)
            ]

    def users(self) -> list[dict[str, Any]]:
        with self._lock:
            return [u.to_json() for u in self._users.values()]

    def summary(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": len(self._requests), "attributions": len(self._attributions),
                "users": len(self._users), "faults": len(self._faults),
                "keys": {region: len(keys) for region, keys in self.keys.items()},
                "internal_errors": len(self.internal_errors),
            }
