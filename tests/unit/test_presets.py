"""Built-in presets (shape, partner names, fresh IDs, the docs' examples) and user presets."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from attribution_workbench.core import presets as P
from attribution_workbench.core.event import AD_ID_FIELDS
from attribution_workbench.core.presets import Preset, PresetError, UserPresets
from attribution_workbench.core.rules import Level, check_event

# From ../shared/PARTNERS.md: event types and the property prefix, with their exact casing.
PARTNER_EVENT_TYPES = {
    "AppsFlyer": {"[AppsFlyer] Install"},
    "Adjust": {"[adjust] install"},
    "Branch": {"[Branch] INSTALL", "[Branch] OPEN", "[Branch] REINSTALL", "[Branch] install"},
    "Singular": {"[Singular] Install"},
    "Kochava": {"[Kochava] Install"},
}
PREFIX = {
    "AppsFlyer": "[AppsFlyer] ",
    "Adjust": "[adjust] ",
    "Branch": "[Branch] ",
    "Singular": "[Singular] ",
    "Kochava": "[Kochava] ",
}
# Names PARTNERS.md marks [guess]: a preset using one must say so.
GUESSED = {"[adjust] install", "[Kochava] Install", "[Singular] network", "[Singular] campaign"}
SEEN_PROPERTIES = {
    "AppsFlyer": {"[AppsFlyer] media source", "[AppsFlyer] campaign"},
    "Adjust": {
        "[adjust] network",
        "[adjust] campaign",
        "[adjust] adgroup",
        "[adjust] creative",
        "[adjust] installed_at",
    },
    "Branch": {"[Branch] channel", "[Branch] campaign", "[Branch] feature"},
}
# The seed's two examples, verbatim: the iOS form body's event and the Android query line.
DOCS_IOS_BODY = (
    "%7B%22event_type%22%3A%22%5BYOUR%20COMPANY%5D%20Install%22%2C%20%22idfa%22%3A%20%22AEBE52E7-"
    "03EE-455A-B3C4-E57283966239%22%2C%20%22user_properties%22%3A%20%7B%22%5BYOUR%20COMPANY%5D%20"
    "media%20source%22%3A%20%22facebook%22%2C%20%22%5BYOUR%20COMPANY%5D%20campaign%22%3A%20%22"
    "refer-a-friend%22%7D%2C%20%22platform%22%3A%20%22ios%22%7D"
)
DOCS_ANDROID_LINE = (
    'POST /attribution?api_key={{api_key}}&event={"event_type":"[YOUR COMPANY] Install",'
    '"adid": "AEBE52E7-03EE-455A-B3C4-E57283966239", "user_properties": {"[YOUR COMPANY] '
    'media source": "facebook", "[YOUR COMPANY] campaign": "refer-a-friend"}, "platform": '
    '"android"} HTTP/1.1'
)
UPPER_UUID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")
LOWER_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def builtin() -> list[Preset]:
    return P.load_builtin()


def by_name(presets: list[Preset], name: str) -> Preset:
    return next(p for p in presets if p.name == name)


def test_every_builtin_loads_and_has_no_errors(builtin: list[Preset]) -> None:
    files = sorted(Path(P.__file__).parents[3].joinpath("resources", "presets").glob("*.json"))
    assert len(builtin) == len(files) >= 14
    for preset in builtin:
        event = P.apply(preset)
        errors = [f for f in check_event(event) if f.level is Level.ERROR]
        assert errors == [], (preset.name, errors)
        assert event.platform == preset.platform
        assert preset.description


def test_each_partner_has_ios_and_android_installs(builtin: list[Preset]) -> None:
    for partner in PARTNER_EVENT_TYPES:
        platforms = {
            p.platform
            for p in builtin
            if p.partner == partner
            and "install" in str((p.event or {})["event_type"]).lower()
            and "reinstall" not in str((p.event or {})["event_type"]).lower()
        }
        assert platforms == {"ios", "android"}, partner
    # A re-engagement on each platform (Branch's OPEN/REINSTALL are the ones PARTNERS.md saw);
    # AppsFlyer sends installs only and has none.
    reengage = {
        p.platform
        for p in builtin
        if p.event and p.event["event_type"] in ("[Branch] OPEN", "[Branch] REINSTALL")
    }
    assert reengage == {"ios", "android"}
    appsflyer = [p for p in builtin if p.partner == "AppsFlyer"]
    assert all(p.event and p.event["event_type"] == "[AppsFlyer] Install" for p in appsflyer)
    assert any("installs only" in p.description for p in appsflyer)


def test_partner_names_and_casing_match_partners_md(builtin: list[Preset]) -> None:
    for preset in builtin:
        if preset.partner not in PARTNER_EVENT_TYPES:
            continue
        assert preset.event is not None
        event_type = preset.event["event_type"]
        assert event_type in PARTNER_EVENT_TYPES[preset.partner], preset.name
        properties = preset.event["user_properties"]
        for key in properties:
            assert key.startswith(PREFIX[preset.partner]), (preset.name, key)
            if preset.partner in SEEN_PROPERTIES and key not in SEEN_PROPERTIES[preset.partner]:
                pytest.fail(f"{preset.name}: {key!r} is not a property PARTNERS.md saw")
        if GUESSED & ({event_type} | set(properties)):
            assert "our guess; not observed" in preset.description, preset.name


def test_facebook_install_preset_for_the_demo(builtin: list[Preset]) -> None:
    preset = by_name(builtin, "Facebook install on iOS (via AppsFlyer)")
    assert preset.platform == "ios"
    assert preset.event is not None
    assert preset.event["user_properties"]["[AppsFlyer] media source"] == "Facebook Ads"


def test_fresh_ids_differ_and_have_the_platform_case(builtin: list[Preset]) -> None:
    for preset in builtin:
        if not preset.generate:
            continue
        first, second = P.apply(preset), P.apply(preset)
        for field in preset.generate:
            a, b = getattr(first, field), getattr(second, field)
            assert a != b, (preset.name, field)
            assert a != (preset.event or {}).get(field)  # never the example in the file
            if field == "android_id":
                assert re.fullmatch(r"[0-9a-f]{16}", a)
            elif field in ("idfa", "idfv"):
                assert UPPER_UUID.match(a), (preset.name, a)
            else:
                assert LOWER_UUID.match(a), (preset.name, a)
        # Every ID field the preset carries is refreshed: no example ID is ever sent.
        carried = {f for f in AD_ID_FIELDS if (preset.event or {}).get(f) is not None}
        assert carried == set(preset.generate), preset.name


def test_apply_can_set_time(builtin: list[Preset]) -> None:
    assert P.apply(builtin[0], time_ms=1_700_000_000_123).time == 1_700_000_000_123


def test_docs_examples_are_the_seed_verbatim(builtin: list[Preset]) -> None:
    ios = by_name(builtin, "Amplitude docs: iOS example")
    android = by_name(builtin, "Amplitude docs: Android example")
    assert ios.event_text == unquote(DOCS_IOS_BODY)
    assert android.event_text == DOCS_ANDROID_LINE.split("&event=", 1)[1].rsplit(" HTTP/", 1)[0]
    for preset in (ios, android):
        event = P.apply(preset)
        assert event.raw_text == preset.event_text  # sent exactly as the docs wrote it
        assert "docs' example" in preset.description


# --- user presets ------------------------------------------------------------------------------


def sample(name: str = "My install") -> Preset:
    return Preset(
        name,
        "",
        "mine",
        "ios",
        event={
            "event_type": "[Me] Install",
            "platform": "ios",
            "idfa": "AEBE52E7-03EE-455A-B3C4-E57283966230",
        },
    )


def test_user_presets_default_to_the_data_dir(isolated_home: Path) -> None:
    assert UserPresets().directory == isolated_home / ".local/share/attribution-workbench/presets"
    assert UserPresets().presets() == []  # no folder yet: nothing, no error


def test_save_list_rename_delete(tmp_path: Path) -> None:
    store = UserPresets(tmp_path / "presets")
    saved = store.save(sample())
    assert saved.path == tmp_path / "presets" / "My install.json"
    assert [p.name for p in store.presets()] == ["My install"]
    assert P.apply(store.presets()[0]).idfa == "AEBE52E7-03EE-455A-B3C4-E57283966230"
    with pytest.raises(PresetError, match="already exists"):
        store.save(sample())
    store.save(sample(), overwrite=True)
    store.rename("My install", "Renamed")
    assert [p.name for p in store.presets()] == ["Renamed"]
    assert not (tmp_path / "presets" / "My install.json").exists()
    store.rename("Renamed", "renamed")  # a case-only rename
    assert [p.name for p in store.presets()] == ["renamed"]
    store.save(sample("Other"))
    with pytest.raises(PresetError, match="already exists"):
        store.rename("Other", "renamed")
    store.delete("renamed")
    assert [p.name for p in store.presets()] == ["Other"]


def test_a_file_named_otherwise_than_its_preset_is_renamed_and_deleted(tmp_path: Path) -> None:
    # Copied in by hand: mine.json holds the preset "Campaign A".
    store = UserPresets(tmp_path / "presets")
    saved = store.save(sample("Campaign A"))
    assert saved.path is not None
    saved.path.rename(saved.path.with_name("mine.json"))
    assert [p.name for p in store.presets()] == ["Campaign A"]
    store.rename("Campaign A", "Campaign B")
    assert [p.name for p in store.presets()] == ["Campaign B"]
    store.delete("Campaign B")
    assert store.presets() == [] and not any((tmp_path / "presets").glob("*.json"))


def test_raw_text_is_kept_verbatim(tmp_path: Path) -> None:
    from attribution_workbench.core.event import parse_event_text

    text = '{ "event_type" : "[Me] Install",  "platform":"android", "adid":"x-1"}'
    event = parse_event_text(text).event
    assert event is not None
    store = UserPresets(tmp_path)
    store.save(P.preset_from_event("Raw", "", event))
    assert P.apply(store.presets()[0]).raw_text == text


def test_bad_files_are_skipped_with_a_notice(tmp_path: Path) -> None:
    store = UserPresets(tmp_path)
    store.save(sample())
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "array.json").write_text("[]", encoding="utf-8")
    (tmp_path / "no-event.json").write_text(json.dumps({"name": "x", "platform": "ios"}))
    (tmp_path / "bytes.json").write_bytes(b"\xff\xfe\x00")
    result = store.load()
    assert [p.name for p in result.presets] == ["My install"]
    assert len(result.problems) == 4
    assert all(problem.startswith("Skipped the preset file") for problem in result.problems)


@pytest.mark.parametrize(
    "name", ["", "   ", "../evil", "a/b", "a\\b", "..", ".hidden", "x" * 81, "nul\x00", "c:d"]
)
def test_bad_names_are_rejected(tmp_path: Path, name: str) -> None:
    store = UserPresets(tmp_path / "presets")
    with pytest.raises(PresetError):
        store.save(sample(name))
    with pytest.raises(PresetError):
        store.delete(name)
    assert not any(tmp_path.rglob("*.json"))


def test_builtin_presets_are_read_once_and_each_caller_gets_its_own_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads: list[Path] = []
    real_load_dir = P.load_dir

    def counting_load_dir(directory: Path) -> P.LoadResult:
        reads.append(directory)
        return real_load_dir(directory)

    monkeypatch.setattr(P, "load_dir", counting_load_dir)
    P._builtin.cache_clear()
    try:
        first = P.load_builtin()
        first.clear()  # a caller's list is its own
        second = P.load_builtin()
    finally:
        P._builtin.cache_clear()
    assert len(reads) == 1
    assert second and second == P.load_builtin()
