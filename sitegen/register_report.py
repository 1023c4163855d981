"""`sitegen register`: the consent register as the school must be able to show it, per class:
who may appear where, consents ending soon, who is under safeguarding (ids only), who has no
consent, and where consent came from."""

from __future__ import annotations

import html
import json
from datetime import date
from typing import Any

from sitegen.config import Config
from sitegen.model import Pupil, Register

NO_CLASS = "(no class)"


def register_data(register: Register, config: Config, today: date) -> dict[str, Any]:
    """The report's data (what `register --json` prints). A pupil under safeguarding appears
    only in that list, by id: never by name, never beside other children's consents."""
    classes: dict[str, list[Pupil]] = {}
    for pupil in sorted(register.pupils.values(), key=lambda p: p.pupil_id):
        classes.setdefault(pupil.class_name or NO_CLASS, []).append(pupil)
    return {
        "school": config.title,
        "prepared_on": today.isoformat(),
        "register": config.consent_register,
        "valid": register.valid,
        "problems": [
            {"line": f.line, "message": f.message} for f in register.findings if f.code == "SG160"
        ],
        "platforms": list(config.platforms),
        "notice_days": config.consent_notice_days,
        "classes": [
            _class_data(name, pupils, config, today, _held_back(register))
            for name, pupils in sorted(classes.items(), key=lambda c: (c[0] == NO_CLASS, c[0]))
        ],
    }


def _held_back(register: Register) -> set[int]:
    """The lines of the rows whose consents are not read until the register is fixed: a row
    with a fault of its own, or every row under a header that cannot be read (line 1)."""
    faulty = {f.line for f in register.findings if f.line and f.severity == "error"}
    # (a platform's column missing: every row still reads, without that platform)
    if any(f.line == 1 and "no column for platform" not in f.message for f in register.findings):
        return {pupil.line for pupil in register.pupils.values()}
    return faulty - {1}


def _class_data(
    name: str, pupils: list[Pupil], config: Config, today: date, held: set[int]
) -> dict[str, Any]:
    guarded = [p for p in pupils if p.safeguarding]
    others = [p for p in pupils if not p.safeguarding]

    def who(chosen: list[Pupil]) -> list[dict[str, str]]:
        return [{"pupil_id": p.pupil_id, "name": f"{p.first_name} {p.last_name}"} for p in chosen]

    return {
        "class": name,
        "pupils": len(pupils),
        "may_appear": {
            platform: who([p for p in others if p.consents_to(platform, today)])
            for platform in config.platforms
        },
        "may_be_named": {
            level: who([p for p in others if p.name_consent_on(today) == level])
            for level in ("yes", "full")
        },
        "ending_soon": [
            {**entry, "consent_until": p.consent_until.isoformat()}
            for p in others
            if p.consent_until and p.ends_within(today, config.consent_notice_days)
            for entry in who([p])
        ],
        "withdrawn_later": [
            {**entry, "withdrawn_on": later.isoformat()}
            for p in others
            if (later := p.withdrawn_from_later(today)) is not None
            for entry in who([p])
        ],
        "no_consent": [
            {**entry, "why": _why_none(p, config, today, p.line in held)}
            for p in others
            if not any(p.consents_to(platform, today) for platform in config.platforms)
            for entry in who([p])
        ],
        "not_recorded_how": who([p for p in others if not (p.consent_given_on and p.given_by)]),
        "safeguarding": [p.pupil_id for p in guarded],
    }


def _why_none(pupil: Pupil, config: Config, today: date, held: bool) -> str:
    if held:
        return "its row cannot be read: no consent counts until the register is fixed"
    if pupil.is_withdrawn(today):
        return f"withdrawn on {pupil.withdrawn_on}"
    if pupil.has_expired(today):
        return f"ended on {pupil.consent_until}"
    return "no consent recorded for any platform"


def register_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def register_text(data: dict[str, Any]) -> str:
    """For a terminal: each class, then what needs doing."""
    lines = [
        f"{data['school']}: the consent register on {data['prepared_on']} ({data['register']})"
    ]
    if not data["valid"]:
        lines.append("  the register is INVALID: no post that tags a pupil can publish until fixed")
        lines += [f"    line {p['line']}: {p['message']}" for p in data["problems"]]
    for group in data["classes"]:
        lines.append(f"{group['class']} ({group['pupils']} pupils)")
        for platform, pupils in group["may_appear"].items():
            lines.append(f"  may appear on {platform}: {_ids(pupils)}")
        for level, pupils in group["may_be_named"].items():
            label = "first name" if level == "yes" else "full name"
            lines.append(f"  may be named ({label}): {_ids(pupils)}")
        if group["ending_soon"]:
            ending = ", ".join(
                f"{p['pupil_id']} ({p['consent_until']})" for p in group["ending_soon"]
            )
            lines.append(f"  consent ends within {data['notice_days']} days: {ending}: renew")
        if group["withdrawn_later"]:
            later = ", ".join(
                f"{p['pupil_id']} ({p['withdrawn_on']})" for p in group["withdrawn_later"]
            )
            lines.append(
                f"  consent withdrawn from a later day: {later}: their posts come down then"
            )
        if group["no_consent"]:
            none = ", ".join(f"{p['pupil_id']} ({p['why']})" for p in group["no_consent"])
            lines.append(f"  no consent anywhere: {none}")
        if group["not_recorded_how"]:
            lines.append(f"  not recorded when and by whom: {_ids(group['not_recorded_how'])}")
        if group["safeguarding"]:
            lines.append(
                f"  under safeguarding (never identifiable): {', '.join(group['safeguarding'])}"
            )
    return "\n".join(lines) + "\n"


def _ids(pupils: list[dict[str, str]]) -> str:
    return ", ".join(p["pupil_id"] for p in pupils) or "nobody"


def register_html(data: dict[str, Any]) -> str:
    """For the governors: one page, printable, nothing fetched from anywhere."""
    e = html.escape
    parts = [
        "<!doctype html>",
        f'<html lang="en"><head><meta charset="utf-8"><title>Consent register: {e(data["school"])}'
        "</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<style>{STYLE}</style></head><body><main>",
        f"<h1>Consent register: {e(data['school'])}</h1>",
        f"<p>As recorded on {e(data['prepared_on'])}. Consent is given per platform; a pupil "
        "appears only where it was given. This page is for the school and its governors: "
        "it is never published.</p>",
    ]
    if not data["valid"]:
        parts.append(
            '<p class="alert">The register is invalid: no post that tags a pupil can be '
            "published until it is fixed.</p><ul>"
        )
        parts += [f"<li>line {p['line']}: {e(p['message'])}</li>" for p in data["problems"]]
        parts.append("</ul>")
    for group in data["classes"]:
        parts += _class_html(group, data["notice_days"])
    parts.append("</main></body></html>\n")
    return "\n".join(parts)


def _class_html(group: dict[str, Any], notice_days: int) -> list[str]:
    """One class's section of the governors' page."""
    e = html.escape
    parts: list[str] = []
    parts.append(f"<section><h2>{e(group['class'])} <small>({group['pupils']} pupils)</small></h2>")
    parts.append(
        '<table><thead><tr><th scope="col">May appear on</th>'
        '<th scope="col">Pupils</th></tr></thead><tbody>'
    )
    for platform, pupils in group["may_appear"].items():
        parts.append(f'<tr><th scope="row">{e(platform)}</th><td>{_names(pupils)}</td></tr>')
    for level, pupils in group["may_be_named"].items():
        label = "named (first name)" if level == "yes" else "named (full name)"
        parts.append(f'<tr><th scope="row">{label}</th><td>{_names(pupils)}</td></tr>')
    parts.append("</tbody></table>")
    if group["ending_soon"]:
        items = "".join(
            f"<li>{e(p['pupil_id'])} {e(p['name'])}: ends {e(p['consent_until'])}</li>"
            for p in group["ending_soon"]
        )
        parts.append(
            f"<h3>Consent ending within {notice_days} days: ask for renewal</h3><ul>{items}</ul>"
        )
    if group["withdrawn_later"]:
        items = "".join(
            f"<li>{e(p['pupil_id'])} {e(p['name'])}: from {e(p['withdrawn_on'])}</li>"
            for p in group["withdrawn_later"]
        )
        heading = "Consent withdrawn from a later day: their posts come down then"
        parts.append(f"<h3>{heading}</h3><ul>{items}</ul>")
    if group["no_consent"]:
        items = "".join(
            f"<li>{e(p['pupil_id'])} {e(p['name'])}: {e(p['why'])}</li>"
            for p in group["no_consent"]
        )
        parts.append(f"<h3>No consent for any platform</h3><ul>{items}</ul>")
    if group["not_recorded_how"]:
        parts.append(
            "<h3>Consent not recorded with its date and who gave it</h3>"
            f"<p>{_names(group['not_recorded_how'])}</p>"
        )
    if group["safeguarding"]:
        parts.append(
            "<h3>Under safeguarding: never identifiable, whatever else is recorded</h3>"
            f"<p>{e(', '.join(group['safeguarding']))}</p>"
        )
    parts.append("</section>")
    return parts


def _names(pupils: list[dict[str, str]]) -> str:
    if not pupils:
        return "nobody"
    return ", ".join(f"{html.escape(p['name'])} ({html.escape(p['pupil_id'])})" for p in pupils)


STYLE = (
    "body{font-family:system-ui,sans-serif;line-height:1.5;color:#1b1b1b;margin:0}"
    "main{max-width:60rem;margin:0 auto;padding:1rem}"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0}"
    "th,td{border:1px solid #999;padding:.3rem .5rem;text-align:left;vertical-align:top}"
    "th{background:#eee}.alert{background:#fde8eb;border:2px solid #a4001e;padding:.5rem}"
    "small{font-weight:normal}@media print{main{max-width:none}}"
)
