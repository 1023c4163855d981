"""content/consent.csv -> Register: per-platform consent, name consent, withdrawals, the end of
consent, where it came from, safeguarding; a school's MIS export read as it comes (SG160)."""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import islice

from sitegen.config import Config
from sitegen.files import MAX_RECORD_BYTES, UnsafeFile, read_regular
from sitegen.findings import finding
from sitegen.model import Finding, NameConsent, Pupil, Register
from sitegen.text import fold_id

YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}
REQUIRED_COLUMNS = ("pupil_id", "first_name", "last_name")


@dataclass(frozen=True)
class Shape:
    """How a school's export names the register's columns and words its answers:
    [register.columns] (our column -> its header) and [register.values] (yes, no, full ->
    its words). The default reads the register as SPEC writes it."""

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def column(self, header: str) -> str:
        """The register's name for a header of the export."""
        wanted = header.strip().lower()
        for ours, theirs in self.columns.items():
            if theirs.strip().lower() == wanted:
                return ours
        return wanted

    def word(self, value: str) -> str:
        """The register's word (yes, no, full) for a value of the export, else the value."""
        wanted = value.strip().lower()
        for ours, theirs in self.values.items():
            if wanted in (w.strip().lower() for w in theirs):
                return ours
        return value


def parse_yes_no(value: str, shape: Shape | None = None) -> bool | None:
    """A register yes/no cell as True/False, or None when it is neither."""
    v = (shape.word(value) if shape else value).strip().lower()
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
    shape = Shape(config.register_columns, config.register_values)
    return parse_register(text, rel, config.platforms, shape)


def _invalid(rel: str, message: str, line: int | None = None) -> Register:
    return Register(rel, {}, (finding("SG160", message, rel, line),))


def parse_register(
    text: str, rel: str, platforms: tuple[str, ...], shape: Shape | None = None
) -> Register:
    """The register's pupils, by folded id; every fault is an SG160 finding. A fault in the
    header row stops the reading: no row can be read right under a wrong header."""
    shape = shape or Shape()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not text.strip():
        return _invalid(rel, "the consent register is empty: it needs a header row", 1)
    if lines[0].count(";") >= 2 and lines[0].count(";") > lines[0].count(","):
        # (Excel's CSV in many countries, quoted or not)
        held = _names_held_back(lines, rel, platforms, shape, ";")
        return Register(rel, held, (finding("SG160", SEMICOLONS, rel, 1),))
    try:
        header = _cells(lines[0])
    except csv.Error as exc:
        held = _names_held_back(lines, rel, platforms, shape)
        said = f"the consent register is not valid CSV: {exc}"
        return Register(rel, held, (finding("SG160", said, rel, 1),))
    columns = [shape.column(h) for h in header]
    faults = [finding("SG160", fault, rel, 1) for fault in _column_faults(columns, platforms)]
    if any("no column for platform" not in f.message for f in faults):
        return Register(rel, _names_held_back(lines, rel, platforms, shape), tuple(faults))
    # A platform's column missing (one added to site.toml since): every row still reads
    # right, and is read, so that takedown knows each pupil (withdrawn, safeguarded); the
    # register stays invalid, and no pupil has consent for that platform.
    read = _read_rows(lines, columns, rel, platforms, shape)
    return Register(rel, read.pupils, (*faults, *read.findings))


def _names_held_back(
    lines: list[str], rel: str, platforms: tuple[str, ...], shape: Shape, delimiter: str = ","
) -> dict[str, Pupil]:
    """Under a header that cannot be read right, each row's pupil as far as its names read,
    held back (`_held_back`): no row's consent is heard, but no name in it may go out while
    the register is being fixed (a post that tags nobody still publishes). Under
    safeguarding only where the row reads so."""
    columns = [shape.column(h) for h in _lenient(lines[0], delimiter)]
    pupils: dict[str, Pupil] = {}
    for line, text in enumerate(lines[1:], start=2):
        read = zip(columns, _lenient(text, delimiter), strict=False)
        cells = {name: cell.strip() for name, cell in read if name}
        if not (cells.get("first_name") or cells.get("last_name")):
            continue
        place = cells.get("pupil_id", "")
        if not place or fold_id(place) in pupils:
            place = f"{rel}:{line}"
        pupil = _held_back(cells, place, line, platforms, shape, True)
        # (under safeguarding only where the row says so: not every child, urgently)
        guarded = parse_yes_no(cells.get("safeguarding", ""), shape) is True
        pupils[fold_id(place)] = replace(pupil, safeguarding=guarded)
    return pupils


def _lenient(line: str, delimiter: str = ",") -> list[str]:
    """A line's cells as far as they read, its quotes taken out (one left open would run to
    the line's end, and the names with it)."""
    return next(csv.reader([line.replace('"', "")], delimiter=delimiter), [])


def _cells(line: str) -> list[str]:
    """One line's cells; a quote left open is an error (csv.Error)."""
    return next(csv.reader([line], strict=True), [])


def _rows(lines: list[str], width: int) -> Iterator[tuple[int, list[str] | csv.Error]]:
    """Each row after the header, with the line it starts on. A cell may hold line breaks
    (Alt+Enter in Excel) when its quotes close and its row has the header's `width`; else
    the row is the one line it starts on, and the next starts on the next line: a quote left
    open must never swallow the rows after it (their pupils unknown, a safeguarded child's
    name among them)."""
    start = 1
    while start < len(lines):
        reader = csv.reader((line + "\n" for line in islice(lines, start, None)), strict=True)
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start + 1, csv.Error(str(exc), _lenient(lines[start]))
            start += 1
            continue
        if reader.line_num > 1 and len(row) != width:
            said = "a quoted cell runs on over the rows after it"
            yield start + 1, csv.Error(said, _lenient(lines[start]))
            start += 1
            continue
        yield start + 1, row
        start += reader.line_num


SEMICOLONS = (
    "the consent register's columns are separated by semicolons (;), not commas: in Excel, "
    'save it as "CSV UTF-8 (Comma delimited)"'
)


def _column_faults(columns: list[str], platforms: tuple[str, ...]) -> list[str]:
    """What is wrong with the header row: a column named twice, a required column or a
    platform's column missing."""
    faults = []
    for number, column in enumerate(columns):
        if column and column in columns[:number]:
            # Which of the two would count? Neither may: a consent must never depend on it.
            faults.append(
                f'the consent register has the column "{column}" twice (columns '
                f"{columns.index(column) + 1} and {number + 1}): keep one"
            )
    for column in REQUIRED_COLUMNS:
        if column not in columns:
            faults.append(f'the consent register has no "{column}" column')
    for platform in platforms:
        if platform not in columns:
            faults.append(f'the consent register has no column for platform "{platform}"')
    return faults


def _read_rows(
    lines: list[str], columns: list[str], rel: str, platforms: tuple[str, ...], shape: Shape
) -> Register:
    """The register of the rows after the header row: blank rows are skipped, and a row with
    no pupil_id or with one an earlier row has is a finding, and its pupil is held back
    under the row's place (`content/consent.csv:12`). A row that cannot
    be read right (not valid CSV, its cells not the header's one for one, an invisible
    character) is a finding, and its pupil is held back (`_held_back`): no consent anywhere,
    their name still found in every post."""
    pupils: dict[str, Pupil] = {}
    findings: list[Finding] = []
    seen: dict[str, int] = {}  # the line of each pupil's row, by folded id
    for line, row in _rows(lines, len(columns)):
        cells = _cells_of(row, columns)
        if not any(cells.values()):
            continue
        pupil_id = cells.get("pupil_id", "")
        fault = _unreadable(row, columns, pupil_id)
        if fault is not None:
            findings.append(finding("SG160", fault, rel, line, pupil_id or None))
        aligned = not isinstance(row, csv.Error) and len(row) == len(columns)
        key = fold_id(pupil_id)
        if not pupil_id or key in seen:
            if not pupil_id and fault is None:
                findings.append(finding("SG160", "a row has no pupil_id", rel, line))
            elif pupil_id:
                message = f"pupil_id {pupil_id} appears twice (first on line {seen[key]})"
                findings.append(finding("SG160", message, rel, line, pupil_id))
            # The row's pupil is still someone whose name must not go out (a copy-paste slip
            # left a safeguarded child's row with another's id): held back under the row's
            # place in the register, an id no post can tag.
            place = f"{rel}:{line}"
            pupils[fold_id(place)] = _held_back(cells, place, line, platforms, shape, aligned)
            continue
        seen[key] = line
        if fault is not None:
            # (a row not valid CSV, or whose cells do not line up with the header, may read
            # "no" under safeguarding from another column: only a row that lines up is heard)
            pupils[key] = _held_back(cells, pupil_id, line, platforms, shape, aligned)
            continue
        pupils[key], faults = _row_pupil(cells, pupil_id, line, platforms, shape)
        findings += (finding("SG160", fault, rel, line, pupil_id) for fault in faults)
    return Register(rel, pupils, tuple(findings))


def _cells_of(row: list[str] | csv.Error, columns: list[str]) -> dict[str, str]:
    """What can be read of a row, by column (of a row that is not valid CSV: its line read
    leniently, for the names it holds)."""
    cells = row.args[1] if isinstance(row, csv.Error) and len(row.args) > 1 else row
    if isinstance(cells, csv.Error):
        return {}
    return {name: c.strip() for name, c in zip(columns, cells, strict=False) if name}


def _unreadable(row: list[str] | csv.Error, columns: list[str], pupil_id: str) -> str | None:
    """Why the row cannot be read right, or None."""
    who = pupil_id.encode("ascii", "backslashreplace").decode() or "the row"
    if isinstance(row, csv.Error):
        return f"the row is not valid CSV ({row.args[0]}): a quote left open?"
    if len(row) != len(columns):
        # A comma too many or too few moves every cell after it to the next column: a "no"
        # read as a "yes". Never guessed.
        return (
            f"{who} has {len(row)} cells and the header {len(columns)} columns: a comma too "
            "many or too few moves every consent after it; fix the row (each of its consents "
            "counts as no until then)"
        )
    if stray := [c for name, c in zip(columns, row, strict=True) if not name and c.strip()]:
        # (a header with an empty column at its end, and a comma too many in the row)
        return (
            f"{who} has {stray[0]!r} under no column: a comma too many moves every consent "
            "after it; fix the row"
        )
    if hidden := _hidden_characters(dict(zip(columns, row, strict=True))):
        return f"{who}: the row holds {hidden} (copied from another program?): retype it"
    return None


def _held_back(
    cells: dict[str, str],
    pupil_id: str,
    line: int,
    platforms: tuple[str, ...],
    shape: Shape,
    aligned: bool,
) -> Pupil:
    """The pupil of a row that cannot be read right: no consent anywhere, never named (their
    full name is found in every post, as anyone's), their names as far as they read, and
    under safeguarding unless a row whose cells line up reads "no" there (a flag nobody can
    read: yes)."""
    return Pupil(
        pupil_id=pupil_id,
        first_name=cells.get("first_name", ""),
        last_name=cells.get("last_name", ""),
        class_name=cells.get("class", ""),
        consent=dict.fromkeys(platforms, False),
        name_consent="no",
        withdrawn_on=None,
        line=line,
        safeguarding=not aligned or parse_yes_no(cells.get("safeguarding", ""), shape) is not False,
    )


def _hidden_characters(cells: dict[str, str]) -> str | None:
    """An invisible character in a pupil's id (a zero-width space: an id that looks like
    another's) or a control character in their names (a NUL). Said by its code. Other
    columns are sitegen's to ignore, whatever they hold (an emoji joined by U+200D)."""
    for column in ("pupil_id", "first_name", "last_name"):
        for char in cells.get(column, ""):
            kind = unicodedata.category(char)
            if kind == "Cc" or (column == "pupil_id" and kind in ("Cf", "Co", "Cs")):
                return f"an invisible character (U+{ord(char):04X}) in {column}"
    return None


def _row_pupil(
    cells: dict[str, str], pupil_id: str, line: int, platforms: tuple[str, ...], shape: Shape
) -> tuple[Pupil, list[str]]:
    """One row's pupil, and what is wrong with its cells: a consent that cannot be read
    counts as none, a safeguarding flag that cannot be read as yes."""
    faults = []
    consent: dict[str, bool] = {}
    for platform in platforms:
        value = parse_yes_no(cells.get(platform, ""), shape)
        if value is None:
            faults.append(f'{pupil_id}: "{cells[platform]}" in column {platform} is not yes or no')
            value = False
        consent[platform] = value
    name_consent = _name_consent(shape.word(cells.get("name", "")))
    if name_consent is None:
        faults.append(f'{pupil_id}: "{cells["name"]}" in column name is not no, yes or full')
        name_consent = "no"
    safeguarding = parse_yes_no(cells.get("safeguarding", ""), shape)
    if safeguarding is None:  # (a flag nobody can read protects the child: yes)
        faults.append(
            f'{pupil_id}: "{cells["safeguarding"]}" in column safeguarding is not yes or no'
        )
    dates = {}
    for column in ("withdrawn_on", "consent_until", "consent_given_on"):
        dates[column] = _date(cells.get(column, ""))
        if dates[column] is None and cells.get(column):
            faults.append(f'{pupil_id}: {column} "{cells[column]}" is not a date (YYYY-MM-DD)')
    if not cells.get("first_name"):
        faults.append(f"{pupil_id}: first_name is empty")
    pupil = Pupil(
        pupil_id=pupil_id,
        first_name=cells.get("first_name", ""),
        last_name=cells.get("last_name", ""),
        class_name=cells.get("class", ""),
        consent=consent,
        name_consent=name_consent,
        withdrawn_on=dates["withdrawn_on"],
        line=line,
        consent_until=dates["consent_until"],
        consent_given_on=dates["consent_given_on"],
        given_by=cells.get("given_by", ""),
        safeguarding=safeguarding is not False,
    )
    return pupil, faults


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


def _name_consent(value: str) -> NameConsent | None:
    if value.strip().lower() == "full":
        return "full"
    yes_no = parse_yes_no(value)
    return None if yes_no is None else ("yes" if yes_no else "no")


def lookup(register: Register, pupil_id: str) -> Pupil | None:
    return register.pupils.get(fold_id(pupil_id))
