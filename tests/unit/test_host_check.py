"""core.regions.host_check: which hosts may receive the API key without asking."""

from __future__ import annotations

import pytest

from attribution_workbench.core.regions import (
    AMPLITUDE_BASE,
    Api,
    Destination,
    Region,
    Target,
    edit_distance,
    host_check,
)


@pytest.mark.parametrize(
    "url",
    [
        *(base + "/attribution" for base in AMPLITUDE_BASE.values()),
        "https://API2.Amplitude.COM./attribution",
        "https://amplitude.com/attribution",
        "http://127.0.0.1:8787/us/attribution",
        "http://localhost:1/attribution",
        "http://[::1]:9/attribution",
        "https://127.0.0.2/attribution",
    ],
)
def test_amplitude_and_loopback_hosts_need_no_confirmation(url: str) -> None:
    assert host_check(url) is None


@pytest.mark.parametrize(
    "url, host",
    [
        ("https://api2.amplitud.com/attribution", "api2.amplitud.com"),
        ("https://api2.amplitude.co/attribution", "api2.amplitude.co"),
        ("https://api.eu.amplitude.cm/attribution", "api.eu.amplitude.cm"),
        ("https://api2.amplltude.com/attribution", "api2.amplltude.com"),
        ("https://ampiltude.com/attribution", "ampiltude.com"),
    ],
)
def test_misspelt_amplitude_hosts_are_flagged_as_typos(url: str, host: str) -> None:
    warning = host_check(url)
    assert warning is not None and warning.looks_like_typo and warning.host == host
    assert warning.message.startswith(f"Send your API key to {host}? It is not an Amplitude host.")
    assert "misspelling" in warning.message


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/attribution",
        "https://proxy.internal.corp/amplitude/attribution",
        "https://amplitude.com.evil.example/attribution",  # suffix tricks are not Amplitude
        "https://notamplitude.com/attribution",
        "https://10.0.0.1/attribution",  # private, but not loopback
    ],
)
def test_other_hosts_need_confirmation_without_a_typo_hint(url: str) -> None:
    warning = host_check(url)
    assert warning is not None and not warning.looks_like_typo
    assert "Amplitude host" in warning.message and "misspelling" not in warning.message


def test_destinations_of_every_target() -> None:
    assert host_check(Destination(Region.EU).endpoint()) is None
    sandbox = Destination(Region.US, Target.SANDBOX, "http://127.0.0.1:8787")
    assert host_check(sandbox.endpoint(Api.HTTP_V2)) is None
    custom = Destination(Region.US, Target.CUSTOM, "https://api2.amplitud.com/attribution")
    assert host_check(custom.endpoint(Api.HTTP_V2)) is not None


def test_edit_distance() -> None:
    assert edit_distance("", "abc") == 3
    assert edit_distance("amplitude", "amplitude") == 0
    assert edit_distance("amplitud", "amplitude") == 1
    assert edit_distance("ampiltude", "amplitude") == 2
    assert edit_distance("kitten", "sitting") == 3
