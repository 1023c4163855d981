"""What a build remembers between runs: the record files it keeps in build/.cache/packs/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sitegen.engine.forking import Background
from sitegen.engine.hashes import FileHashes
from sitegen.engine.store import CACHE_DIR, RecordFile


@dataclass
class BuildMemory:
    """What a build remembers between runs, as record files in build/.cache/packs/: analyses,
    preview pages, what the last build made (per post and per page), what the audit log and
    the ledger say, and known file hashes."""

    analyses: RecordFile
    pages: RecordFile
    memory: RecordFile
    audit: RecordFile
    ledger: RecordFile
    hashes: FileHashes

    @classmethod
    def open(cls, root: Path | None) -> BuildMemory:
        folder = root / CACHE_DIR / "packs" if root else None

        def pack(name: str) -> RecordFile:
            return RecordFile(folder / f"{name}.pack" if folder else None)

        return cls(
            pack("analyses"),
            pack("pages"),
            pack("memory"),
            pack("audit"),
            pack("ledger"),
            FileHashes(pack("hashes")),
        )

    def save(self, aside: Background | None = None) -> None:
        """Write what changed; with `aside`, every pack but the ledger's is written by a forked
        process (the ledger's is written here, after the build records what it published)."""
        packs = (self.analyses, self.pages, self.memory, self.audit, self.hashes.pack)

        def save() -> None:
            for pack in packs:
                pack.save()

        if aside is None:
            save()
        else:
            aside.run(save)
            for pack in packs:
                pack.saved_elsewhere()
        folder = self.memory.path.parent if self.memory.path else None
        if folder is not None:  # packs an older sitegen kept (logs.pack, say) go too
            for stale in set(folder.glob("*.pack")) - {p.path for p in (*packs, self.ledger)}:
                stale.unlink(missing_ok=True)

    def save_ledger(self) -> None:
        self.ledger.save()
