"""Presets: ready-made events to start from, built in (``resources/presets``) or the user's own.

A preset file is one JSON object::

    {"name": ..., "partner": ..., "description": ..., "platform": "ios" | "android",
     "event": {...}            # an event object, or
     "event_text": "{...}",    # the event as exact text (the docs' examples, spacing kept)
     "generate": ["idfa", ...]}  # ID fields that get a fresh random value on each apply

Applying a preset never reuses an example ID that is listed in ``generate``: a fresh one is
made each time, in the case the platform reports (see ``ids.py``). User presets are stored
one file per preset under the user data dir; unreadable files are skipped with a notice.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from attribution_workbench.core.event import (
    AD_ID_FIELDS,
    PLATFORMS,
    AttributionEvent,
    parse_event_text,
)
from attribution_workbench.core.ids import new_id_for

PRESETS_DIR = "presets"
USER_PARTNER = "My presets"
MAX_NAME_LENGTH = 80
MAX_PRESET_BYTES = 1_000_000
# Characters no file system takes in a name, plus control characters.
_BAD_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


class PresetError(ValueError):
    """A preset that cannot be read, saved or named; the message says why."""


@dataclass(frozen=True)
class Preset:
    name: str
    partner: str
    description: str
    platform: str
    event: dict[str, Any] | None = None
    event_text: str | None = None
    generate: tuple[str, ...] = ()
    path: Path | None = field(default=None, compare=False)

    @classmethod
    def from_json(cls, data: Any, path: Path | None = None) -> Preset:
        if not isinstance(data, dict):
            raise PresetError("a preset must be a JSON object")
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise PresetError('"name" must be a non-empty string')
        event, text = data.get("event"), data.get("event_text")
        if (event is None) == (text is None):
            raise PresetError('give exactly one of "event" (an object) and "event_text"')
        if event is not None and not isinstance(event, dict):
            raise PresetError('"event" must be a JSON object')
        if text is not None and (not isinstance(text, str) or parse_event_text(text).event is None):
            raise PresetError('"event_text" must be the text of one JSON object')
        generate = data.get("generate", [])
        if not isinstance(generate, list) or any(g not in AD_ID_FIELDS for g in generate):
            raise PresetError(f'"generate" must list ID fields among {", ".join(AD_ID_FIELDS)}')
        if text is not None and generate:
            raise PresetError('"generate" needs "event" (text is kept exactly as written)')
        platform = data.get("platform")
        if platform not in PLATFORMS:
            raise PresetError('"platform" must be "ios" or "android"')
        partner, description = data.get("partner", ""), data.get("description", "")
        if not isinstance(partner, str) or not isinstance(description, str):
            raise PresetError('"partner" and "description" must be strings')
        return cls(
            name=name.strip(),
            partner=partner,
            description=description,
            platform=platform,
            event=event,
            event_text=text,
            generate=tuple(generate),
            path=path,
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "partner": self.partner,
            "description": self.description,
            "platform": self.platform,
        }
        if self.event_text is not None:
            out["event_text"] = self.event_text
        else:
            out["event"] = self.event
        out["generate"] = list(self.generate)
        return out


@dataclass(frozen=True)
class LoadResult:
    presets: list[Preset]
    problems: list[str]  # one plain sentence per skipped file


def read_preset_file(path: Path) -> Preset:
    try:
        if path.stat().st_size > MAX_PRESET_BYTES:
            raise PresetError("the file is too large for a preset")
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise PresetError(exc.strerror or str(exc)) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise PresetError(f"it is not valid JSON ({exc})") from None
    return Preset.from_json(data, path)


def load_dir(directory: Path) -> LoadResult:
    """Every ``*.json`` preset in ``directory``, sorted by name; bad files become problems."""
    presets: list[Preset] = []
    problems: list[str] = []
    try:
        paths = sorted(directory.glob("*.json"))
    except OSError as exc:
        return LoadResult([], [f"Could not read {directory}: {exc.strerror or exc}."])
    for path in paths:
        try:
            presets.append(read_preset_file(path))
        except PresetError as exc:
            problems.append(f"Skipped the preset file {path.name}: {exc}.")
    presets.sort(key=lambda preset: preset.name.casefold())
    return LoadResult(presets, problems)


def load_builtin() -> list[Preset]:
    """The presets shipped in ``resources/presets``, partner by partner (read once)."""
    return list(_builtin())


@functools.cache
def _builtin() -> tuple[Preset, ...]:
    from attribution_workbench.assets import resource_path

    result = load_dir(resource_path(PRESETS_DIR))
    if result.problems:  # a shipped file is broken: a packaging bug, not a user mistake
        raise PresetError(" ".join(result.problems))
    return tuple(sorted(result.presets, key=lambda p: (p.partner.casefold(), p.name.casefold())))


def group_by_partner(presets: Iterable[Preset]) -> dict[str, list[Preset]]:
    groups: dict[str, list[Preset]] = {}
    for preset in presets:
        groups.setdefault(preset.partner, []).append(preset)
    return groups


def apply(preset: Preset, *, time_ms: int | None = None) -> AttributionEvent:
    """The preset's event with fresh IDs in the ``generate`` fields (and ``time`` if given)."""
    if preset.event_text is not None:
        parsed = parse_event_text(preset.event_text)
        if parsed.event is None:  # checked on load; here for the type checker
            raise PresetError(f"The preset {preset.name!r} has unreadable event text.")
        if time_ms is None:
            return parsed.event
        return parsed.event.with_fields(time=time_ms)
    data = dict(preset.event or {})
    for id_field in preset.generate:
        data[id_field] = new_id_for(id_field)
    if time_ms is not None:
        data["time"] = time_ms
    return AttributionEvent.from_dict(data)


def preset_from_event(
    name: str, description: str, event: AttributionEvent, partner: str = USER_PARTNER
) -> Preset:
    """A user preset of ``event`` exactly as it is (raw text kept verbatim, IDs kept)."""
    platform = event.platform if event.platform in PLATFORMS else "ios"
    if event.raw_text is not None:
        return Preset(
            validate_name(name), partner, description, platform, event_text=event.raw_text
        )
    return Preset(validate_name(name), partner, description, platform, event=event.to_dict())


def validate_name(name: str) -> str:
    """The name, stripped, if it can be a file name on every platform; else PresetError."""
    cleaned = name.strip()
    if not cleaned:
        raise PresetError("Give the preset a name.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise PresetError(f"The name is longer than {MAX_NAME_LENGTH} characters.")
    if _BAD_NAME.search(cleaned):
        raise PresetError('A preset name cannot contain / \\ : * ? " < > | or control characters.')
    if cleaned.startswith(".") or cleaned.endswith("."):
        raise PresetError("A preset name cannot start or end with a dot.")
    return cleaned


def default_user_dir() -> Path:
    import platformdirs  # on first use: not needed to start

    return Path(platformdirs.user_data_dir("attribution-workbench", appauthor=False)) / PRESETS_DIR


class UserPresets:
    """The user's own presets: one ``<name>.json`` file each in ``directory``."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else default_user_dir()

    def load(self) -> LoadResult:
        if not self.directory.is_dir():
            return LoadResult([], [])
        result = load_dir(self.directory)
        # However the file says, a user preset is listed under the user's own heading.
        presets = [replace(preset, partner=USER_PARTNER) for preset in result.presets]
        return LoadResult(presets, result.problems)

    def presets(self) -> list[Preset]:
        return self.load().presets

    def path_for(self, name: str) -> Path:
        path = self.directory / (validate_name(name) + ".json")
        # validate_name excludes separators; this also guards against anything missed.
        if path.resolve().parent != self.directory.resolve():
            raise PresetError("The preset name must not point outside the presets folder.")
        return path

    def file_of(self, name: str) -> Path:
        """The file the preset called ``name`` was loaded from: a file copied in by hand may
        be named otherwise than its "name" field. Else the file a save would write."""
        for preset in self.presets():
            if preset.name.casefold() == name.casefold() and preset.path is not None:
                return preset.path
        return self.path_for(name)

    def exists(self, name: str) -> bool:
        target = self.path_for(name).name.casefold()
        if not self.directory.is_dir():
            return False
        return any(path.name.casefold() == target for path in self.directory.glob("*.json"))

    def save(self, preset: Preset, *, overwrite: bool = False) -> Preset:
        path = self.path_for(preset.name)
        if not overwrite and self.exists(preset.name):
            raise PresetError(f"A preset named {preset.name!r} already exists.")
        saved = replace(preset, partner=USER_PARTNER, path=path)
        self._write(path, saved)
        return saved

    def rename(self, old_name: str, new_name: str) -> Preset:
        old_path = self.file_of(old_name)
        new_path = self.path_for(new_name)
        same_file = old_path.name.casefold() == new_path.name.casefold()
        if not same_file and self.exists(new_name):
            raise PresetError(f"A preset named {validate_name(new_name)!r} already exists.")
        try:
            preset = read_preset_file(old_path)
        except PresetError as exc:
            raise PresetError(f"Could not read the preset {old_name!r}: {exc}.") from None
        renamed = replace(preset, name=validate_name(new_name), partner=USER_PARTNER)
        # Rewrite the file in place, then move it: a case-only rename works on
        # case-insensitive file systems too, and a failure leaves one whole file.
        self._write(old_path, renamed)
        if old_path.name != new_path.name:
            try:
                os.replace(old_path, new_path)
            except OSError as exc:
                raise PresetError(f"Could not rename the preset: {exc.strerror or exc}.") from None
        return replace(renamed, path=new_path)

    def _write(self, path: Path, preset: Preset) -> None:
        text = json.dumps(preset.to_json(), indent=2, ensure_ascii=False) + "\n"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(path.name + ".tmp")
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, path)  # never a half-written preset
        except OSError as exc:
            raise PresetError(f"Could not save the preset: {exc.strerror or exc}.") from None

    def delete(self, name: str) -> None:
        try:
            self.file_of(name).unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise PresetError(f"Could not delete the preset: {exc.strerror or exc}.") from None
