"""Where requests go: Amplitude's hosts, the sandbox's region paths, custom URLs."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

from attribution_workbench.core.regions import (
    AMPLITUDE_BASE,
    AMPLITUDE_HOSTS,
    DEFAULT_SANDBOX_URL,
    SANDBOX_ENV_VAR,
    Api,
    Destination,
    DestinationError,
    Region,
    Target,
    check_url,
    is_loopback_host,
    sandbox_base_url,
)


@pytest.mark.parametrize(
    ("region", "api", "url"),
    [
        (Region.US, Api.ATTRIBUTION, "https://api2.amplitude.com/attribution"),
        (Region.EU, Api.ATTRIBUTION, "https://api.eu.amplitude.com/attribution"),
        (Region.US, Api.HTTP_V2, "https://api2.amplitude.com/2/httpapi"),
        (Region.EU, Api.HTTP_V2, "https://api.eu.amplitude.com/2/httpapi"),
    ],
)
def test_amplitude_hosts(region: Region, api: Api, url: str) -> None:
    assert Destination(region).endpoint(api) == url


def test_defaults_are_us_and_amplitude() -> None:
    destination = Destination()
    assert destination.region is Region.US and destination.target is Target.AMPLITUDE
    assert destination.endpoint() == "https://api2.amplitude.com/attribution"
    assert destination.host == "api2.amplitude.com"
    assert Destination(Region.EU).host == "api.eu.amplitude.com"


def test_region_values_and_labels() -> None:
    assert [r.value for r in Region] == ["us", "eu"]
    assert Region("eu") is Region.EU
    assert "US" in Region.US.label and "EU" in Region.EU.label


@pytest.mark.parametrize(
    ("base", "region", "api", "url"),
    [
        ("http://127.0.0.1:8787", Region.US, Api.ATTRIBUTION, "http://127.0.0.1:8787/us/attribution"),
        ("http://127.0.0.1:8787", Region.EU, Api.ATTRIBUTION, "http://127.0.0.1:8787/eu/attribution"),
        ("http://127.0.0.1:8787/", Region.EU, Api.HTTP_V2, "http://127.0.0.1:8787/eu/2/httpapi"),
        ("http://localhost:9000/proxy/", Region.US, Api.ATTRIBUTION, "http://localhost:9000/proxy/us/attribution"),
        ("http://[::1]:8787", Region.US, Api.HTTP_V2, "http://[::1]:8787/us/2/httpapi"),
        ("https://sandbox.example.com", Region.EU, Api.ATTRIBUTION, "https://sandbox.example.com/eu/attribution"),
    ],
)  # fmt: skip
def test_sandbox_paths(base: str, region: Region, api: Api, url: str) -> None:
    destination = Destination(region, Target.SANDBOX, base)
    assert destination.endpoint(api) == url


@pytest.mark.parametrize(
    ("custom", "attribution", "v2"),
    [
        (
            "https://proxy.example.com/attribution",
            "https://proxy.example.com/attribution",
            "https://proxy.example.com/2/httpapi",
        ),
        (
            "https://proxy.example.com/amp/eu/attribution",
            "https://proxy.example.com/amp/eu/attribution",
            "https://proxy.example.com/amp/eu/2/httpapi",
        ),
        (
            "http://127.0.0.1:8787/us/attribution?trace=1",
            "http://127.0.0.1:8787/us/attribution?trace=1",
            "http://127.0.0.1:8787/us/2/httpapi",
        ),
        (
            "https://proxy.example.com/custom/",
            "https://proxy.example.com/custom/",
            "https://proxy.example.com/custom/2/httpapi",
        ),
        ("  https://h.example/attribution \n", "https://h.example/attribution", None),
    ],
)
def test_custom_url_and_the_v2_endpoint_beside_it(
    custom: str, attribution: str, v2: str | None
) -> None:
    destination = Destination(Region.EU, Target.CUSTOM, custom)
    assert destination.url == attribution
    assert destination.endpoint() == attribution
    if v2 is not None:
        assert destination.endpoint(Api.HTTP_V2) == v2


@pytest.mark.parametrize(
    "url",
    [
        "https://api2.amplitude.com/attribution",
        "https://example.com:8443/attribution",
        "HTTPS://EXAMPLE.COM/attribution",
        "http://127.0.0.1/attribution",
        "http://127.0.0.1:8787/us/attribution",
        "http://127.255.255.254:1/attribution",
        "http://127.1.2.3/attribution",
        "http://[::1]:8787/attribution",
        "http://localhost/attribution",
        "http://LOCALHOST:8080/attribution",
        "http://localhost./attribution",
        "http://127.0.0.1:9/attribution?x=a%20b&y=%C3%A9&z=%25",
    ],
)
def test_allowed_urls(url: str) -> None:
    # As the HTTP client sends it: scheme and host in lower case, the rest as written.
    parts = urlsplit(url)
    sent = urlunsplit((parts.scheme, parts.netloc.lower(), parts.path, parts.query, ""))
    assert check_url(url) == sent
    Destination(target=Target.CUSTOM, url=url)
    prepared = requests.PreparedRequest()
    prepared.prepare_url(sent + "?api_key=0123", None)
    assert prepared.url == sent + "?api_key=0123"  # requests leaves it byte for byte


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://api2.amplitude.com/attribution", ["plain http://", "api2.amplitude.com", "https://"]),
        ("http://example.com/attribution", ["unencrypted", "loopback"]),
        ("http://128.0.0.1/attribution", ["plain http://"]),
        ("http://10.0.0.1:8787/attribution", ["plain http://"]),
        ("http://192.168.1.10/attribution", ["plain http://"]),
        ("http://0.0.0.0:8787/attribution", ["plain http://"]),
        ("http://[::2]/attribution", ["plain http://"]),
        ("http://localhost.example.com/attribution", ["plain http://"]),
        ("http://127.0.0.1.nip.io/attribution", ["plain http://"]),
        ("ftp://example.com/attribution", ["http:// or https://"]),
        ("api2.amplitude.com/attribution", ["full http:// or https://"]),
        ("https:///attribution", ["full"]),
        ("", ["full"]),
        ("https://example.com:99999/attribution", ["invalid port"]),
        # The HTTP client would encode these on the way out: not the bytes the preview shows.
        ("http://127.0.0.1:9/us/attribution?x=a b", ["a space at character 38", "%20"]),
        ("http://127.0.0.1:9/attri bution", ["a space", "%20"]),
        ("http://127.0.0.1:9/attribution?x=%zz", ["% at character 34", "%25"]),
        ("http://127.0.0.1:9/attribution?x=\u00e9", ["'é' (U+00E9)", "percent-encoded"]),
        ("https://b\u00fccher.example/attribution", ["U+00FC", "xn--"]),
        ("http://127.0.0.1:9/attri\tbution", ["(U+0009) at character 25"]),
        # requests/urllib3 would rewrite these: decode, upper-case, encode, resolve, drop.
        ("http://127.0.0.1:9/attribution?x=%41", ["%41", "sent as A"]),
        ("http://127.0.0.1:9/attribution?x=%7e", ["sent as ~"]),
        ("http://127.0.0.1:9/attribution?x=%2b", ["sent as %2B"]),
        ("http://127.0.0.1:9/attribution?x={a}", ["'{'", "%7B"]),
        ("http://127.0.0.1:9/attribution?x[]=1", ["'['", "%5B"]),
        ('http://127.0.0.1:9/attribution?x="', ["%22"]),
        ("http://127.0.0.1:9/us/./x/../attribution", ["../ segment"]),
        ("http://127.0.0.1:9/us/attribution?", ["ends in a ?"]),
    ],
)  # fmt: skip
def test_refused_urls(url: str, words: list[str]) -> None:
    with pytest.raises(DestinationError) as raised:
        check_url(url, "custom URL")
    for word in words:
        assert word in str(raised.value)
    assert "custom URL" in str(raised.value)


def test_a_destination_refuses_a_bad_url_when_built() -> None:
    with pytest.raises(DestinationError, match="sandbox URL uses plain http"):
        Destination(Region.US, Target.SANDBOX, "http://example.com:8787")
    with pytest.raises(DestinationError, match="custom target needs a URL"):
        Destination(Region.US, Target.CUSTOM)
    with pytest.raises(DestinationError, match="sandbox target needs a URL"):
        Destination(Region.US, Target.SANDBOX, "")


def test_the_amplitude_target_always_uses_the_real_hosts() -> None:
    destination = Destination(Region.EU, Target.AMPLITUDE, "https://elsewhere.example.com/x")
    assert destination.endpoint() == "https://api.eu.amplitude.com/attribution"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LocalHost", True),
        ("127.0.0.1", True),
        ("127.9.8.7", True),
        ("::1", True),
        ("[::1]", True),
        ("::ffff:127.0.0.1", True),  # an IPv4 loopback client on a dual-stack socket
        ("::ffff:192.0.2.7", False),
        ("128.0.0.1", False),
        ("0.0.0.0", False),
        ("::", False),
        ("example.com", False),
        ("localhost.example.com", False),
        ("", False),
    ],
)
def test_is_loopback_host(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


def test_sandbox_base_url_from_the_environment() -> None:
    assert sandbox_base_url({}) == DEFAULT_SANDBOX_URL == "http://127.0.0.1:8787"
    assert sandbox_base_url({SANDBOX_ENV_VAR: ""}) == DEFAULT_SANDBOX_URL
    assert sandbox_base_url({SANDBOX_ENV_VAR: "http://127.0.0.1:9999"}) == "http://127.0.0.1:9999"


def test_sandbox_base_url_reads_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SANDBOX_ENV_VAR, "http://localhost:1234")
    assert sandbox_base_url() == "http://localhost:1234"
    monkeypatch.delenv(SANDBOX_ENV_VAR)
    assert sandbox_base_url() == DEFAULT_SANDBOX_URL


def test_amplitude_hosts_are_the_region_bases_plus_the_docs_us_alias() -> None:
    assert AMPLITUDE_HOSTS == {
        "api2.amplitude.com": Region.US,
        "api.eu.amplitude.com": Region.EU,
        "api.amplitude.com": Region.US,
    }
    for region, base in AMPLITUDE_BASE.items():
        assert Destination(region).host in AMPLITUDE_HOSTS
        assert AMPLITUDE_HOSTS[Destination(region).host] is region
        assert base == "https://" + Destination(region).host
