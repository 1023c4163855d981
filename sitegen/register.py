"""content/consent.csv -> Register: per-platform consent, name consent and withdrawals (SG160)."""

from __future__ import annotations

import csv
import io
from datetime import date

from sitegen.config import Config
from sitegen.files import MAX_RECORD_BYTES, UnsafeFile, read_regular
from sitegen.findings import finding
from sitegen.model import Finding, NameConsent, Pupil, Register
from sitegen.text import fold_id

YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}
REQUIRED_COLUMNS = ("pupil_id", "first_name", "last_name")


def parse_yes_no(value: str) -> bool | None:
    """A register yes/no cell as True/False, or None when it is neither."""
    v = value.strip().lower()
    return True if v in YES else False if v in NO else None


def load_register(config: Config) -> Register:
    """Read the register named in site.toml; every fault becomes an SG160 finding."""
    rel = config.consent_register
    try:
        # (the register may be a link to a safer place; a pipe or a device is never read)
        raw = read_regular(config.register_path, MAX_RECORD_BYTES, follow=True)
    except FileNotFoundError:
        return _invalid(
            rel, "the consent register is missing: no posts that tag pupils can publish"
        )
    except OSError as exc:
        return _invalid(
            rel,
            f"cannot read the consent register: it {exc.strerror}"
            if isinstance(exc, UnsafeFile)
            else f"cannot read the consent register: {exc.strerror}",
        )
    try:
        text = raw.decode("utf-8-sig")  # spreadsheets often add a byte-order mark
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return _invalid(rel, "the consent register is not UTF-8: save it as 'CSV UTF-8'", line)
    return parse_register(text, rel, config.platforms)


def _invalid(rel: str, message: str, line: int | None = None) -> Register:
    return Register(rel, {}, (finding("SG160", message, rel, line),))


def parse_register(text: str, rel: str, platforms: tuple[str, ...]) -> Register:
    findings: list[Finding] = []

    def fault(message: str, line: int | None, pupil: str | None = None) -> None:
        findings.append(finding("SG160", message, rel, line, pupil))

    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        fault("the consent register is empty: it needs a header row", 1)
        return Register(rel, {}, tuple(findings))
    except csv.Error as exc:
        fault(f"the consent register is not valid CSV: {exc}", 1)
        return Register(rel, {}, tuple(findings))
    columns = [h.strip().lower() for h in header]
    for number, column in enumerate(columns):
        if column and column in columns[:number]:
            # Which of the two would count? Neither may: a consent must never depend on it.
            fault(
                f'the consent register has the column "{column}" twice (columns '
                f"{columns.index(column) + 1} and {number + 1}): keep one",
                1,
            )
    for column in REQUIRED_COLUMNS:
        if column not in columns:
            fault(f'the consent register has no "{column}" column', 1)
    for platform in platforms:
        if platform not in columns:
            fault(f'the consent register has no column for platform "{platform}"', 1)
    if findings:
        return Register(rel, {}, tuple(findings))

    pupils: dict[str, Pupil] = {}
    seen: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            cells = dict(zip(columns, (c.strip() for c in row), strict=False))
            pupil_id = cells.get("pupil_id", "")
            if not pupil_id:
                fault("a row has no pupil_id", line)
                continue
            key = fold_id(pupil_id)
            if key in seen:
                fault(
                    f"pupil_id {pupil_id} appears twice (first on line {seen[key]})", line, pupil_id
                )
                continue
            seen[key] = line
            consent: dict[str, bool] = {}
            for platform in platforms:
                value = parse_yes_no(cells.get(platform, ""))
                if value is None:
                    fault(
                        f'{pupil_id}: "{cells[platform]}" in column {platform} is not yes or no',
                        line,
                        pupil_id,
                    )
                    value = False
                consent[platform] = value
            name_consent = _name_consent(cells.get("name", ""))
            if name_consent is None:
                fault(
                    f'{pupil_id}: "{cells["name"]}" in column name is not no, yes or full',
                    line,
                    pupil_id,
                )
                name_consent = "no"
            withdrawn_on: date | None = None
            if cells.get("withdrawn_on"):
                try:
                    withdrawn_on = date.fromisoformat(cells["withdrawn_on"])
                except ValueError:
                    fault(
                        f'{pupil_id}: withdrawn_on "{cells["withdrawn_on"]}" is not a date '
                        "(YYYY-MM-DD)",
                        line,
                        pupil_id,
                    )
            if not cells.get("first_name"):
                fault(f"{pupil_id}: first_name is empty", line, pupil_id)
            pupils[key] = Pupil(
                pupil_id=pupil_id,
                first_name=cells.get("first_name", ""),
                last_name=cells.get("last_name", ""),
                class_name=cells.get("class", ""),
                consent=consent,
                name_consent=name_consent,
                withdrawn_on=withdrawn_on,
                line=line,
            )
    except csv.Error as exc:
        fault(f"the consent register is not valid CSV: {exc}", reader.line_num)
    return Register(rel, pupils, tuple(findings))


def _name_consent(value: str) -> NameConsent | None:
    if value.strip().lower() == "full":
        return "full"
    yes_no = parse_yes_no(value)
    return None if yes_no is None else ("yes" if yes_no else "no")


def lookup(register: Register, pupil_id: str) -> Pupil | None:
    return register.pupils.get(fold_id(pupil_id))
