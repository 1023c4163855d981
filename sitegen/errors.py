"""The error types sitegen raises, each carrying the file, line and key it is about."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SitegenError(Exception):
    """An error a user can act on; the CLI prints `where: message` and exits with `exit_code`."""

    message: str
    file: str | None = None
    line: int | None = None
    key: str | None = None
    exit_code: int = 2

    def __str__(self) -> str:
        where = self.file or ""
        if where and self.line:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}" if where else self.message


class ConfigError(SitegenError):
    """site.toml is missing, unreadable or has a wrong value (exit 2)."""


class UsageError(SitegenError):
    """The command line names something that does not exist (exit 2)."""


class RefusedError(SitegenError):
    """The command was understood but refused by policy (exit 1)."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None) -> None:
        super().__init__(message, file, line, None, 1)


class ChangedError(SitegenError):
    """A source changed while the build was reading it (exit 2): nothing was published."""
