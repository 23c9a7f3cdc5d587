"""Reference data defined once (core.event, core.regions) and read the same everywhere."""

from __future__ import annotations

import uuid

import pytest

from attribution_workbench.core.app_event import default_device_id
from attribution_workbench.core.event import V2_INVALID_IDS, AttributionEvent
from attribution_workbench.core.importer import parse_paste
from attribution_workbench.core.regions import AMPLITUDE_HOSTS, Region, Target
from attribution_workbench.core.rules.ids import JUNK_IDS

IDFV = "F2B3C1D0-5E4F-4A3B-9C8D-7E6F5A4B3C2D"


def test_v2_invalid_ids_are_the_documented_list() -> None:
    # API-FACTS section 2: "anonymous, nil, none, null, n/a, na, undefined, unknown, empty,
    # the zero UUID, {}, lmy47d, 0, -1".
    assert V2_INVALID_IDS == {
        "anonymous", "nil", "none", "null", "n/a", "na", "undefined", "unknown", "",
        "00000000-0000-0000-0000-000000000000", "{}", "lmy47d", "0", "-1",
    }  # fmt: skip
    assert all(value == value.strip().lower() for value in V2_INVALID_IDS)


def test_junk_ids_are_the_v2_list_plus_the_legacy_android_sdk_ones() -> None:
    assert JUNK_IDS == V2_INVALID_IDS | {"9774d56d682e549c", "android", "deface"}


@pytest.mark.parametrize("invalid", sorted(V2_INVALID_IDS))
def test_no_v2_invalid_id_becomes_a_device_id(invalid: str) -> None:
    for written in (invalid, invalid.upper(), f" {invalid} "):
        event = AttributionEvent(platform="ios", idfv=written)
        uuid.UUID(default_device_id(event))  # a fresh random one, not the invalid ID
    assert default_device_id(AttributionEvent(platform="ios", idfa=invalid, idfv=IDFV)) == IDFV


@pytest.mark.parametrize(("host", "region"), sorted(AMPLITUDE_HOSTS.items()))
def test_every_amplitude_host_imports_with_its_region(host: str, region: Region) -> None:
    result = parse_paste(f'https://{host}/attribution?event={{"event_type":"x"}}')
    assert (result.region, result.target, result.url) == (region, Target.AMPLITUDE, None)


def test_the_sandbox_uses_the_same_id_reference_data_as_the_client() -> None:
    # The sandbox keeps its own copies (it stands in for the server and loads without core),
    # so nothing but this test keeps them from drifting apart.
    from attribution_workbench.core import event
    from attribution_workbench.sandbox import config

    assert config.INVALID_IDS == V2_INVALID_IDS
    assert config.ZERO_UUID == event.ZERO_UUID
    # Matching takes the advertising IDs: the platform IDs, not the device's android_id.
    assert config.AD_ID_FIELDS == event.IOS_ID_FIELDS + event.ANDROID_AD_ID_FIELDS
