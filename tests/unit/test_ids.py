"""Fresh device IDs (core/ids.py): the forms each platform reports, random, no heavy imports."""

from __future__ import annotations

import re
import uuid

import pytest

from attribution_workbench.core.ids import new_ad_id, new_android_id, new_id_for
from fresh_python import modules_loaded_by


@pytest.mark.parametrize("platform", ["ios", "android"])
def test_ad_ids_are_version_4_uuids_in_the_platforms_case(platform: str) -> None:
    ids = {new_ad_id(platform) for _ in range(200)}
    assert len(ids) == 200
    for text in ids:
        parsed = uuid.UUID(text)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert text == (str(parsed).upper() if platform == "ios" else str(parsed))


def test_android_id_is_16_lower_case_hex_digits() -> None:
    assert re.fullmatch(r"[0-9a-f]{16}", new_android_id())
    assert re.fullmatch(r"[0-9a-f]{16}", new_id_for("android_id"))


def test_an_unknown_platform_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown platform"):
        new_ad_id("windows")


def test_a_fresh_ad_id_loads_neither_uuid_nor_platform() -> None:
    # The window's first-run sample event takes one at start-up (idle memory: 0.3 MB).
    code = "from attribution_workbench.core.ids import new_ad_id\nnew_ad_id('ios')"
    assert modules_loaded_by(code, ["uuid", "platform"]) == []
