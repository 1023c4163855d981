"""site.toml -> a frozen Config; every problem reported at once, each naming its key and line."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sitegen.config_checks import (
    _authors,
    _base_url,
    _email,
    _inside_the_site,
    _int_list,
    _is_bool,
    _is_float,
    _is_int,
    _is_nonempty_str,
    _languages,
    _leader_keys,
    _one_of,
    _optional_url,
    _register_values,
    _slug_list,
    _static_file,
    _str_list,
    _str_table,
    _timezone,
)
from sitegen.errors import ConfigError
from sitegen.files import MAX_TEXT_BYTES, UnsafeFile, read_regular

CONFIG_FILE = "site.toml"
SWITCH = ("auto", "on", "off")


@dataclass(frozen=True)
class ExportConfig:
    platform: str
    max_chars: int
    max_images: int
    link_chars: int | None = None
    requires_image: bool = False
    # Where the website post's address goes: "text" (at the end of the text, as SPEC lays
    # post.txt out), "bio" (a line saying the link is in the profile: Instagram does not link
    # a URL in a caption; the school's choice) or "none".
    link: str = "text"


@dataclass(frozen=True)
class DeployConfig:
    """[deploy]: where `sitegen deploy` copies build/site/, and how it reaches it."""

    target: str  # "user@host:/path/" (rsync over SSH) or a local folder
    ssh_port: int = 22
    identity_file: str | None = None
    known_hosts: str | None = None


@dataclass(frozen=True)
class Config:
    """Everything site.toml says, validated."""

    root: Path
    title: str
    base_url: str
    language: str
    timezone: str
    per_page: int
    authors: dict[str, str]
    leaders: tuple[str, ...]
    consent_register: str
    platforms: tuple[str, ...]
    closed_platforms: tuple[str, ...]
    approved_devices: tuple[str, ...]
    tone_threshold: float
    ocr: str
    faces: str
    image_widths: tuple[int, ...]
    image_quality: int
    max_pixels: int
    exports: dict[str, ExportConfig] = field(default_factory=dict)
    languages: tuple[str, ...] = ("en",)  # the site's languages, the first at the root
    school_url: str | None = None  # the school's main website, shown on every page
    contact_email: str | None = None
    logo: str | None = None  # a file in templates/static/
    unknown_device: str = "error"  # SG127's severity: "error" or "warning"
    consent_notice_days: int = 30  # SG161 warns this many days before a consent ends
    leader_keys: dict[str, str] = field(default_factory=dict)  # leader -> OpenSSH public key
    require_signatures: bool = False  # every leader needs a key, every approval a signature
    # A school's MIS export read as it comes: our column -> its header; yes/no/full -> its
    # words for them ([register.columns], [register.values]).
    register_columns: dict[str, str] = field(default_factory=dict)
    register_values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    deploy: DeployConfig | None = None  # [deploy]: None when site.toml has none

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def register_path(self) -> Path:
        return self.root / self.consent_register

    def export_for(self, platform: str) -> ExportConfig:
        """The platform's [exports.P] table, or generous limits when it has none."""
        return self.exports.get(platform) or ExportConfig(platform, max_chars=5000, max_images=10)


# A key's spec: (expected type name, checker returning an error text or None, default).
# A default of REQUIRED means the key must be present.
REQUIRED = object()
Check = Callable[[Any], str | None]


SCHEMA: dict[str, dict[str, tuple[Check, Any]]] = {
    "site": {
        "title": (_is_nonempty_str, REQUIRED),
        "base_url": (_base_url, REQUIRED),
        "language": (_one_of("en", "cy"), "en"),
        "timezone": (_timezone, "Europe/London"),
        "per_page": (_is_int(1, 1000), 10),
        "authors": (_authors, {}),
        "languages": (_languages, None),
        "school_url": (_optional_url, None),
        "contact_email": (_email, None),
        "logo": (_static_file, None),
    },
    "policy": {
        "leaders": (_str_list, REQUIRED),
        "consent_register": (_inside_the_site, "content/consent.csv"),
        "platforms": (_slug_list, ["website", "facebook", "instagram", "x"]),
        "closed_platforms": (_str_list, []),
        "approved_devices": (_str_list, []),
        "tone_threshold": (_is_float, -0.05),
        "ocr": (_one_of(*SWITCH), "auto"),
        "faces": (_one_of(*SWITCH), "auto"),
        "unknown_device": (_one_of("error", "warning"), "error"),
        "consent_notice_days": (_is_int(0, 366), 30),
        "leader_keys": (_leader_keys, {}),
        "require_signatures": (_is_bool, False),
    },
    "register": {
        "columns": (_str_table, {}),
        "values": (_register_values, {}),
    },
    "deploy": {  # where `sitegen deploy` copies build/site/ (optional)
        "target": (_is_nonempty_str, None),
        "ssh_port": (_is_int(1, 65535), 22),
        "identity_file": (_is_nonempty_str, None),
        "known_hosts": (_is_nonempty_str, None),  # else ssh's own ~/.ssh/known_hosts
    },
    "images": {
        "widths": (_int_list, [480, 960, 1600]),
        "quality": (_is_int(1, 100), 82),
        "max_pixels": (_is_int(1), 40_000_000),
    },
}
EXPORT_SCHEMA: dict[str, tuple[Check, Any]] = {
    "max_chars": (_is_int(1), REQUIRED),
    "max_images": (_is_int(0), REQUIRED),
    "link_chars": (_is_int(1), None),
    "requires_image": (_is_bool, False),
    "link": (_one_of("text", "bio", "none"), None),
}


def _unknown(kind: str, key: str, known: list[str]) -> str:
    """A key site.toml does not know, with the one it most likely meant."""
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
    hint = f"did you mean {close[0]}? " if close else ""
    return f"is not a known {kind} ({hint}known: {', '.join(known)})"


def _line_finder(text: str) -> Callable[[str], int | None]:
    """Map a dotted key ("policy.leaders") to the line that sets it, for messages."""
    lines: dict[str, int] = {}
    section = ""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if m := re.match(r"^\[+\s*([^\]]+?)\s*\]+", line):
            section = m.group(1).replace('"', "")
            parts = section.split(".")
            for n in range(1, len(parts) + 1):  # ([export.x] is where `export` is written)
                lines.setdefault(".".join(parts[:n]), number)
        elif m := re.match(r'^"?([^"=]+?)"?\s*=', line):
            lines.setdefault(f"{section}.{m.group(1)}" if section else m.group(1), number)

    def line_of(key: str) -> int | None:
        # (a key inside an inline table, `leader_keys = { head = ... }`, has no line of its
        # own: its table's is given; never a grandparent's, which may be another table's)
        parent = key.rsplit(".", 1)[0]
        return lines.get(key) or (lines.get(parent) if parent != key else None)

    return line_of


def not_a_site(root: Path) -> ConfigError:
    """What every command says in a folder without site.toml; inside a site (a post's folder,
    where staff edit), where the site is."""
    site = next((p for p in root.resolve().parents if (p / CONFIG_FILE).is_file()), None)
    hint = f": the site is {site}: run the command there, or give --site {site}" if site else ""
    return ConfigError(
        f"no {CONFIG_FILE} here: is {root} a sitegen site?{hint}", str(root / CONFIG_FILE)
    )


def load_config(root: Path) -> Config:
    """Read and validate `root/site.toml`, raising one ConfigError that lists every problem."""
    path = root / CONFIG_FILE
    try:
        # (a BOM, as Notepad saves: not TOML, and the first line would read as wrong)
        text = (
            read_regular(path, MAX_TEXT_BYTES, follow=True).decode("utf-8").removeprefix("\ufeff")
        )
    except FileNotFoundError:
        raise not_a_site(root) from None
    except UnsafeFile as exc:
        raise ConfigError(f"cannot read {CONFIG_FILE}: it {exc.strerror}", str(path)) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{CONFIG_FILE} is not UTF-8 (byte {exc.start})", str(path)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {CONFIG_FILE}: {exc.strerror or exc}", str(path)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(
            f"not valid TOML: {exc}", CONFIG_FILE, int(m.group(1)) if m else None
        ) from None
    except RecursionError:  # tables inside tables, hundreds deep
        raise ConfigError("not valid TOML: it is nested too deeply", CONFIG_FILE) from None
    return parse_config(root, data, _line_finder(text))


def parse_config(
    root: Path, data: dict[str, Any], line_of: Callable[[str], int | None] = lambda k: None
) -> Config:
    """site.toml's tables as a Config, or one ConfigError listing every problem, in the order
    found, each at its key's line."""
    problems: list[tuple[str, str]] = []
    for key in data:
        if key not in (*SCHEMA, "exports"):
            problems.append((key, _unknown("section", key, [*SCHEMA, "exports"])))
    values = {
        section: _validate(section, data.get(section, {}), schema, problems)
        for section, schema in SCHEMA.items()
    }
    _check_closed_platforms(values["policy"], problems)
    platforms = values["policy"].get("platforms") or []
    _check_register_columns(values["register"], platforms, problems)
    _check_leader_keys(values["policy"], values["site"].get("base_url") or "", problems)
    if "deploy" in data and values["deploy"]["target"] is None:
        problems.append(("deploy.target", "is required in [deploy]: where build/site/ goes"))
    exports = _exports(data.get("exports", {}), platforms, problems)
    _check_site(root, values["site"], problems)
    _check_register_named(root, data.get("policy"), problems)
    if problems:
        raise ConfigError(
            "\n".join(f"{_where(line_of(k))}: {k} {e}" for k, e in problems), key=problems[0][0]
        )
    return _config(root, values, exports)


def _validate(
    section: str, table: Any, schema: dict[str, tuple[Check, Any]], problems: list[tuple[str, str]]
) -> dict[str, Any]:
    """The table's values by its schema, defaults filled in; a key it does not know, a value
    its check refuses and a required key missing are problems."""
    out: dict[str, Any] = {}
    if not isinstance(table, dict):
        problems.append((section, "must be a table"))
        table = {}
    for key in table:
        if key not in schema:
            problems.append((f"{section}.{key}", _unknown("setting", key, list(schema))))
    for key, (check, default) in schema.items():
        if key in table:
            if error := check(table[key]):
                problems.append((f"{section}.{key}", error))
            out[key] = table[key]
        elif default is REQUIRED:
            problems.append((f"{section}.{key}", "is required"))
        else:
            out[key] = default
    return out


def _check_closed_platforms(policy: dict[str, Any], problems: list[tuple[str, str]]) -> None:
    """Closed platforms must be platforms, and never the website."""
    platforms = policy.get("platforms") or []
    unknown = [p for p in policy.get("closed_platforms") or [] if p not in platforms]
    if unknown:
        problems.append(
            ("policy.closed_platforms", f"names platforms not in policy.platforms: {unknown}")
        )
    closed = policy.get("closed_platforms")
    if isinstance(closed, list) and "website" in closed:
        problems.append(("policy.closed_platforms", "cannot hold website: the website is public"))


def _exports(
    raw_exports: Any, platforms: Any, problems: list[tuple[str, str]]
) -> dict[str, ExportConfig]:
    """Each [exports.P] table as P's limits; P must be a platform, and not the website."""
    exports: dict[str, ExportConfig] = {}
    if not isinstance(raw_exports, dict):
        problems.append(("exports", "must be a table"))
        raw_exports = {}
    for platform, table in raw_exports.items():
        if platform == "website" or platform not in platforms:
            problems.append(
                (f"exports.{platform}", "is not an export platform in policy.platforms")
            )
            continue
        v = _validate(f"exports.{platform}", table, EXPORT_SCHEMA, problems)
        if all(k in v for k in ("max_chars", "max_images")):
            exports[platform] = ExportConfig(platform, **{**v, "link": v.get("link") or "text"})
    return exports


def _check_site(root: Path, site: dict[str, Any], problems: list[tuple[str, str]]) -> None:
    """The site's languages must include its language, and its logo must be there."""
    if isinstance(site.get("languages"), list) and site.get("language") not in site["languages"]:
        problems.append(
            ("site.languages", f'must include site.language ("{site.get("language")}")')
        )
    if (
        isinstance(site.get("logo"), str)
        and not (root / "templates/static" / site["logo"]).is_file()
    ):
        problems.append(("site.logo", f'"{site["logo"]}" is not a file in templates/static/'))


def _check_register_named(root: Path, policy: Any, problems: list[tuple[str, str]]) -> None:
    """A register named in site.toml, other than the default, that is not there is a typo in
    the settings, not a missing register: every tagged post would come down (the default's
    absence is SG160, as SPEC says)."""
    named = policy.get("consent_register") if isinstance(policy, dict) else None
    default = SCHEMA["policy"]["consent_register"][1]
    if (
        isinstance(named, str)
        and named != default
        and not _inside_the_site(named)
        and not (root / named).exists()
    ):
        problems.append(
            ("policy.consent_register", f'"{named}" is not a file in the site: check the name')
        )


def _config(
    root: Path, values: dict[str, dict[str, Any]], exports: dict[str, ExportConfig]
) -> Config:
    """The Config of values that passed every check."""
    site, policy, images = values["site"], values["policy"], values["images"]
    return Config(
        root=root,
        title=site["title"],
        base_url=site["base_url"],
        language=site["language"],
        timezone=site["timezone"],
        per_page=site["per_page"],
        authors=dict(site["authors"]),
        leaders=tuple(policy["leaders"]),
        consent_register=policy["consent_register"],
        platforms=tuple(policy["platforms"]),
        closed_platforms=tuple(policy["closed_platforms"]),
        approved_devices=tuple(policy["approved_devices"]),
        tone_threshold=float(policy["tone_threshold"]),
        ocr=policy["ocr"],
        faces=policy["faces"],
        image_widths=tuple(sorted(set(images["widths"]))),
        image_quality=images["quality"],
        max_pixels=images["max_pixels"],
        exports=exports,
        languages=tuple(site.get("languages") or [site.get("language")]),
        school_url=site["school_url"],
        contact_email=site["contact_email"],
        logo=site["logo"],
        unknown_device=policy["unknown_device"],
        consent_notice_days=policy["consent_notice_days"],
        leader_keys={k: v.strip() for k, v in policy["leader_keys"].items()},
        require_signatures=policy["require_signatures"],
        register_columns=dict(values["register"]["columns"]),
        register_values={k: tuple(v) for k, v in values["register"]["values"].items()},
        deploy=_deploy(values["deploy"]),
    )


def _deploy(deploy: dict[str, Any]) -> DeployConfig | None:
    if deploy["target"] is None:
        return None
    return DeployConfig(
        deploy["target"], deploy["ssh_port"], deploy["identity_file"], deploy["known_hosts"]
    )


# The demo's leaders' keys: their private halves are published with sitegen
# (tests/demo_keys/), so they sign only the demo, whose address is news.example.sch.uk.
DEMO_KEYS = {
    "AAAAC3NzaC1lZDI1NTE5AAAAII806VptVJn4zspZ6kvBVUB+h1eqPkD2dPq58hixpTG3",
    "AAAAC3NzaC1lZDI1NTE5AAAAIA69gQ43kkRM8jeucRwQ27LLNt1qN4kshVzHJBwSKMKv",
}
DEMO_HOST = "news.example.sch.uk"


def _check_leader_keys(
    policy: dict[str, Any], base_url: str, problems: list[tuple[str, str]]
) -> None:
    """Keys only for leaders, each their own, and never the demo's on a real school's site.
    (A leader without a key under require_signatures is refused by `approve`, as SPEC says:
    not a configuration error.)"""
    from sitegen.signatures import key_problem

    leaders, keys = policy.get("leaders") or [], policy.get("leader_keys") or {}
    seen: dict[str, str] = {}
    for name, key in keys.items():
        where = f"policy.leader_keys.{name}"
        blob = key.split()[1] if isinstance(key, str) and len(key.split()) > 1 else ""
        if name not in leaders:
            problems.append((where, "is not one of policy.leaders"))
        if problem := key_problem(key):
            problems.append((where, problem))
            continue
        if blob in seen:
            problems.append((where, f"is {seen[blob]}'s key too: each leader signs with their own"))
        seen.setdefault(blob, name)
        if blob in DEMO_KEYS and urlsplit(base_url).hostname != DEMO_HOST:
            problems.append(
                (
                    where,
                    "is the demo's key, whose private half is published with sitegen: anyone "
                    "could approve as this leader. Make the leader's own (ssh-keygen -t ed25519; "
                    "docs/approvals.md)",
                )
            )


# The register's own column names ([register.columns] maps a school's export onto them).
REGISTER_COLUMNS = (
    "pupil_id",
    "first_name",
    "last_name",
    "class",
    "name",
    "withdrawn_on",
    "consent_until",
    "consent_given_on",
    "given_by",
    "safeguarding",
)


def _check_register_columns(
    register: dict[str, Any], platforms: list[str], problems: list[tuple[str, str]]
) -> None:
    """[register.columns] names only the register's columns, each to a different header."""
    known = [*REGISTER_COLUMNS, *platforms]
    columns = register.get("columns") or {}
    for ours in columns:
        if ours not in known:
            problems.append(
                (
                    f"register.columns.{ours}",
                    f"is not a column of the register (known: {', '.join(known)})",
                )
            )
    headers = [str(v).strip().lower() for v in columns.values()]
    for header in {h for h in headers if headers.count(h) > 1}:
        problems.append(("register.columns", f'maps two columns to "{header}": one each'))


def _where(line: int | None) -> str:
    return f"{CONFIG_FILE}:{line}" if line else CONFIG_FILE
