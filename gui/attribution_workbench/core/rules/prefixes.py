"""Rules for ``event_type`` and ``user_properties``: names, shapes and the company prefix."""

from __future__ import annotations

import re

from attribution_workbench.core.event import AD_ID_FIELDS, EVENT_TYPE, json_kind
from attribution_workbench.core.rules.base import Checker, Level, _a, _show

# Identify operations may stand in user_properties; they are not property names.
USER_PROPERTY_OPERATIONS = frozenset(
    "$set $setOnce $add $append $prepend $unset $preInsert $postInsert $remove $clearAll".split()
)

PREFIX_RE = re.compile(r"\[([^\[\]]+)\]")
PLACEHOLDER_COMPANY = "your company"


class PrefixChecks(Checker):
    """Rules for ``event_type`` and ``user_properties``."""

    def check_event_type(self) -> None:
        value = self.event.event_type
        example = 'Name the event, e.g. "[Adjust] Install".'
        if value is None:
            self.add(
                EVENT_TYPE, Level.ERROR, f"{self.absent(EVENT_TYPE)}; it is required. {example}"
            )
            return
        if not isinstance(value, str):
            self.add(
                EVENT_TYPE,
                Level.ERROR,
                f"It is {_a(json_kind(value))} ({_show(value)}) but must be a string. {example}",
            )
            return
        name = value.strip()
        if not name:
            self.add(EVENT_TYPE, Level.ERROR, f"It is empty; it is required. {example}")
            return
        if name != value:
            self.add(
                EVENT_TYPE,
                Level.WARNING,
                "It has spaces at the start or end, which Amplitude keeps, so it becomes a "
                f"different event type. Remove them: {_show(name)}.",
            )
        prefix = PREFIX_RE.match(name)
        if prefix is None:
            self.add(
                EVENT_TYPE,
                Level.INFO,
                "It has no company prefix; by convention attribution events start with the "
                'company\'s name in brackets, e.g. "[Adjust] Install".',
            )
        elif prefix.group(1).strip().lower() == PLACEHOLDER_COMPANY:
            self.add(
                EVENT_TYPE,
                Level.INFO,
                "It still has the docs' placeholder [YOUR COMPANY]; put your company's name "
                'there, e.g. "[Adjust] Install".',
            )

    # -- user_properties -------------------------------------------------------------------

    def check_user_properties(self) -> None:
        props = self.event.user_properties
        field = "user_properties"
        example = '{"[Adjust] network": "facebook"}'
        if props is None:
            if self.raw is not None and field in self.raw:
                self.add(
                    field,
                    Level.WARNING,
                    f"It is null; remove the key or give an object, e.g. {example}.",
                )
            return
        if not isinstance(props, dict):
            if isinstance(props, str) and props.lstrip().startswith("{"):
                sentence = (
                    "It is a string holding JSON; it must be the object itself. Remove the "
                    "quotes around {...}."
                )
            else:
                sentence = (
                    f"It is {_a(json_kind(props))} ({_show(props)}) but must be an object, "
                    f"e.g. {example}."
                )
            self.add(field, Level.ERROR, sentence)
            return
        if not props:
            self.add(
                field,
                Level.INFO,
                "It is empty; attribution data (media source, campaign, ...) normally goes here. "
                "Add it, or remove the key.",
            )
            return
        company = None
        if isinstance(self.event.event_type, str):
            match = PREFIX_RE.match(self.event.event_type.strip())
            if match is not None and match.group(1).strip().lower() != PLACEHOLDER_COMPANY:
                company = match.group(1)
        add = self.add
        for key in props:
            if not isinstance(key, str) or key in USER_PROPERTY_OPERATIONS:
                continue
            name = key.strip()
            match = PREFIX_RE.match(name)
            if match is not None:
                prefix = match.group(1)
                if prefix.strip().lower() == PLACEHOLDER_COMPANY:
                    add(
                        field,
                        Level.INFO,
                        f"The key {_show(key)} still has the docs' placeholder [YOUR COMPANY]; "
                        "put your company's name there.",
                        key,
                    )
                elif company is not None and prefix != company:
                    add(
                        field,
                        Level.INFO,
                        f"The key {_show(key)} has the prefix [{prefix}] but event_type has "
                        f"[{company}]; Amplitude treats differently written prefixes as "
                        "different properties. Use one spelling.",
                        key,
                    )
            elif not name:
                add(field, Level.WARNING, "A key is empty; give the property a name.", key)
            elif name in AD_ID_FIELDS:
                add(
                    field,
                    Level.WARNING,
                    f"The key {_show(key)} is an advertising ID, which matching reads only as a "
                    "top-level field of the event. Move it out of user_properties.",
                    key,
                )
            else:
                add(
                    field,
                    Level.INFO,
                    f"The key {_show(key)} has no company prefix; by convention attribution "
                    f'properties have one, e.g. "[{company or "Adjust"}] {name}".',
                    key,
                )
