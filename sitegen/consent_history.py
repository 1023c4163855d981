"""The register's history: each pupil's consents as builds found them, appended when they change.

A register holds consents as they are today; a cell changed from yes to no leaves no trace of
when. So every build that reads a valid register appends to content/records/consent.jsonl
(never published) each pupil whose consents differ from the last it recorded, with the
build's time: the school can show the regulator, and `sar` a family, how and when consent
was given and changed. Names are not kept: ids and consents only."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sitegen.jsonlines import append_lines, record_lines
from sitegen.model import Pupil, Register
from sitegen.text import fold_id

HISTORY = Path("content/records/consent.jsonl")

State = dict[str, Any]


def state_of(pupil: Pupil) -> State:
    """What the history keeps of a pupil's row: their consents and where they came from."""

    def day(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {
        "consent": dict(sorted(pupil.consent.items())),
        "name": pupil.name_consent,
        "withdrawn_on": day(pupil.withdrawn_on),
        "consent_until": day(pupil.consent_until),
        "consent_given_on": day(pupil.consent_given_on),
        "given_by": pupil.given_by or None,
        "safeguarding": pupil.safeguarding,
    }


def read_history(root: Path) -> list[dict[str, Any]]:
    """Every entry, oldest first (a line that is not one is passed over, and stays)."""
    try:
        lines = record_lines((root / HISTORY).read_bytes())
    except FileNotFoundError:
        return []
    entries = []
    for line in lines:
        try:
            entry = json.loads(line)
        except (ValueError, RecursionError):  # (a line nested thousands deep: damaged too)
            continue
        if not (isinstance(entry, dict) and {"at", "pupil_id", "state"} <= entry.keys()):
            continue
        state = entry["state"]
        if state is None or (isinstance(state, dict) and isinstance(state.get("consent"), dict)):
            entries.append(entry)  # (a line edited into another shape is passed over)
    return entries


def changed(
    register: Register, history: list[dict[str, Any]], at: datetime
) -> list[dict[str, Any]]:
    """An entry for each pupil whose row differs from the last one recorded (a pupil first
    seen, or changed), and for each pupil recorded and no longer in the register (`state`
    null)."""
    last: dict[str, State | None] = {}
    for entry in history:
        last[str(entry["pupil_id"])] = entry["state"]
    stamp = at.isoformat(timespec="seconds")
    pupils = {pupil.pupil_id: pupil for pupil in register.pupils.values()}  # (as written)
    entries = [
        {"at": stamp, "pupil_id": pupil_id, "state": state}
        for pupil_id, pupil in sorted(pupils.items())
        if last.get(pupil_id) != (state := state_of(pupil))
    ]
    entries += [
        {"at": stamp, "pupil_id": pupil_id, "state": None}
        for pupil_id, state in sorted(last.items())
        if state is not None and pupil_id not in pupils
    ]
    return entries


def record(root: Path, register: Register, at: datetime) -> int:
    """Append what changed in a valid register since the last record; how many entries."""
    if not register.valid:
        return 0  # (a row it could not read is no change of consent)
    entries = changed(register, read_history(root), at)
    append_lines(root / HISTORY, entries)
    return len(entries)


def history_of(root: Path, pupil_id: str) -> list[dict[str, Any]]:
    """One pupil's entries (their id however it was written), oldest first, each with what
    changed from the one before."""
    key = fold_id(pupil_id)
    out: list[dict[str, Any]] = []
    before: State | None = None
    for entry in read_history(root):
        if fold_id(str(entry["pupil_id"])) != key:
            continue
        state = entry["state"]
        out.append({"at": entry["at"], "state": state, "changes": _differences(before, state)})
        before = state
    return out


def _differences(before: State | None, after: State | None) -> list[tuple[str, Any, Any]]:
    """(what, was, now) for each consent and date that changed: platforms by name, then
    "name", "withdrawn_on", "consent_until", "safeguarding" ..."""
    if before is None or after is None:
        return []
    found = [
        (platform, before["consent"].get(platform), now)
        for platform, now in after["consent"].items()
        if before["consent"].get(platform) != now
    ]
    found += [
        (key, before.get(key), after[key])
        for key in after
        if key != "consent" and before.get(key) != after[key]
    ]
    return found
