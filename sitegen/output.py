"""The output plan (no two outputs at one path) and the build folder: staged, locked, swapped."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import functools
import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from sitegen import treecheck
from sitegen.cache import fast_reduce
from sitegen.errors import RefusedError, SitegenError
from sitegen.spread import Aside, fork_map
from sitegen.treecheck import Record, Verdicts, not_holding, read_manifest

RENAME_EXCHANGE = 2
AT_FDCWD = -100


class Same(NamedTuple):
    """A planned file identical to one an earlier build wrote (its fingerprint): taken from the
    live or the spare tree, never made again. (A tuple: thousands are read every build.)"""

    fp: str

    def __reduce__(self) -> tuple[Any, ...]:
        return fast_reduce(self)


class Fresh(NamedTuple):
    """A file this build made, with its fingerprint, worked out where its bytes were made (a
    worker process): the build hashes none of the thousands of pages it is sent."""

    data: bytes
    fp: str

    @classmethod
    def of(cls, data: bytes) -> Fresh:
        return cls(data, hashlib.sha256(data).hexdigest())

    def __reduce__(self) -> tuple[Any, ...]:
        return fast_reduce(self)


class Placed(NamedTuple):
    """A file a worker wrote straight into a tree a first build makes (`whole_trees`), by its
    fingerprint and the record of the file written: its bytes never reach the build."""

    fp: str
    size: int
    mtime_ns: int
    ino: int
    twin: bool  # hard-linked into the tree's double too

    def __reduce__(self) -> tuple[Any, ...]:
        return fast_reduce(self)


class OutputClash(SitegenError):
    """The build would write two things at one path, or outside its folder (exit 2)."""


class Missing(Exception):
    """A `Same` file is in neither tree any more: the build must make it again."""


Content = bytes | Path | Same | Fresh | Placed


class OutputPlan:
    """Every file a build will write, gathered before any is written."""

    def __init__(self) -> None:
        self.files: dict[str, Content] = {}

    def add(self, path: str, content: Content) -> None:
        # No empty, absolute or ".." part: "/" + path + "/" holds neither "//" nor "/../".
        wrapped = f"/{path}/"
        if not path or "//" in wrapped or "/../" in wrapped or "\\" in path:
            raise OutputClash(f"output path {path!r} would leave the output folder")
        if path in self.files:
            # Two things want one file (a tag named like a page, say): neither may silently
            # win, and nothing is written.
            raise OutputClash(
                f"two outputs want {path}: nothing was published; rename what makes one of "
                "them (a tag, a post's folder, a file in templates/static/)"
            )
        self.files[path] = content

    def fingerprints(self) -> Fingerprints:
        return Fingerprints((path, fingerprint(content)) for path, content in self.files.items())


class Fingerprints(dict[str, str]):
    """A plan's files by fingerprint, and the folders they sit in (worked out once: a build
    asks for them at every step of bringing a tree up to date)."""

    @functools.cached_property
    def folders(self) -> set[str]:
        return _folders_of(self)


def fingerprint(content: Content) -> str:
    """What a planned file is: the hash of its bytes, or its content-addressed cache path."""
    if isinstance(content, Same | Fresh | Placed):
        return content.fp
    if isinstance(content, Path):
        return f"cache:{content}"
    return hashlib.sha256(content).hexdigest()


@contextlib.contextmanager
def build_lock(out: Path) -> Iterator[None]:
    """Refuse a second build into the same folder while one runs."""
    out.mkdir(parents=True, exist_ok=True)
    lock_path = out / ".lock"
    handle = lock_path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise RefusedError(
            f"another build is running into {out} (pid {holder}): "
            "wait for it to finish, then build again"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    try:
        for stale in out.glob(".staging-*"):  # left by a build that was killed
            shutil.rmtree(stale, ignore_errors=True)
        for parked in out.glob(".parked-*"):  # a swap without renameat2, killed half way
            live = out / parked.name.split("-", 2)[2]
            if live.exists():
                shutil.rmtree(parked, ignore_errors=True)
            else:
                os.rename(parked, live)  # the old tree back: whole, if not the newest
        for double in out.glob(".double-*"):  # a first build's, killed before it published
            shutil.rmtree(double, ignore_errors=True)
        for spare in out.glob(".spare-*"):  # no manifest: nobody knows what it holds
            if not (out / MANIFEST.format("spare-" + spare.name[len(".spare-") :])).exists():
                shutil.rmtree(spare, ignore_errors=True)
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where the system cannot."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    if result == 0:
        return True
    if ctypes.get_errno() in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(a))


def exchange(a: Path, b: Path) -> None:
    """Swap two folders, atomically where the system can (so `b` is always whole)."""
    if _exchange(a, b):
        return
    parked = b.with_name(f".parked-{os.getpid()}-{b.name}")
    os.rename(b, parked)
    os.rename(a, b)
    os.rename(parked, a)


MANIFEST = ".manifest-{}.pickle"  # one per tree, beside it, never inside what is uploaded
SPARE = ".spare-{}"  # the tree before the live one: brought up to date, then swapped in
DOUBLE = ".double-{}"  # a first build's spare tree, linked file by file as workers write
DIR = "folder"  # the fingerprint a folder's record carries
NO_RECORD: Record = ("", -1, -1, -1)


class Checked(dict[str, Record]):
    """A manifest whose records' stats a `TreeCheck` compared already: `broken` are the
    records that no longer hold."""

    broken: frozenset[str] = frozenset()


def _load_manifest(path: Path, check: TreeCheck | None = None) -> dict[str, Record] | None:
    """A manifest as written (`Checked` when `check` compared these very records), or None
    when it is missing or damaged in any way."""
    read = read_manifest(path)
    if read is None:
        return None
    records, digest = read
    broken = check.verdict(path, digest) if check else None
    if broken is None:
        return records
    checked = Checked(records)
    checked.broken = broken
    return checked


class TreeCheck:
    """Every record of the output trees' manifests compared with the file's or folder's stat
    now, by a small process (`treecheck.py`) that starts with the build: the tens of
    thousands of stats run on another core while the build reads its memory and makes what
    changed. A verdict holds for the manifest bytes that process read, so a manifest written
    since is checked by the build itself; so is everything when the process cannot run or
    answer. The verdicts describe the trees as the build found them when it started: a file
    someone changes inside build/ while a build runs is repaired by the next build."""

    def __init__(self, out: Path, names: Iterable[str]) -> None:
        trees = [
            (out / MANIFEST.format(prefix + name), out / (SPARE.format(name) if prefix else name))
            for name in names
            for prefix in ("", "spare-")
        ]
        self._verdicts: Verdicts | None = None
        self._process: subprocess.Popen[bytes] | None = None
        if not any(manifest.exists() for manifest, _ in trees):
            self._verdicts = {}  # a first build: nothing to compare
            return
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-I", "-S", treecheck.__file__]
                + [os.fspath(p) for pair in trees for p in pair],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except (OSError, ValueError, TypeError):  # no process to be had (or no Python path)
            self._verdicts = {}

    def ready(self) -> None:
        """Wait for the verdicts (before forking: a child must not read the answer)."""
        if self._verdicts is None:
            self._verdicts = self._answer()

    def verdict(self, manifest: Path, digest: bytes) -> frozenset[str] | None:
        """The records of `manifest` that do not hold, if the check read these very bytes."""
        self.ready()
        assert self._verdicts is not None
        checked, broken = self._verdicts.get(os.fspath(manifest), (b"", frozenset()))
        return broken if checked == digest else None

    def _answer(self) -> Verdicts:
        assert self._process is not None
        try:
            answer, _ = self._process.communicate()
            verdicts = pickle.loads(answer) if self._process.returncode == 0 else {}
        except Exception:  # it died half way, or said something else: no verdict at all
            return {}
        return verdicts if isinstance(verdicts, dict) else {}

    def close(self) -> None:
        """Never leave the process behind, even when the build stopped early."""
        if self._process is not None and self._process.returncode is None:
            self._process.kill()
            self._process.communicate()

    def __enter__(self) -> TreeCheck:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def whole_trees(out: Path, names: Iterable[str]) -> dict[str, tuple[str, str]] | None:
    """For a first build (no tree yet, live or spare, nor a manifest of one; the build lock
    held): each tree's spare folder and its double, made empty for workers to `place` files
    in. Publishing trusts the records of what was placed, swaps the spare folder in and
    keeps the double as the next build's spare tree."""
    parts = (SPARE, DOUBLE, MANIFEST, "{}", MANIFEST.format("spare-{}"))
    if any(os.path.lexists(out / part.format(name)) for name in names for part in parts):
        return None
    folders = {}
    for name in names:
        tree, double = out / SPARE.format(name), out / DOUBLE.format(name)
        tree.mkdir(parents=True)
        double.mkdir()
        folders[name] = (os.fspath(tree), os.fspath(double))
    return folders


def place(folders: tuple[str, str], rel: str, content: Fresh) -> Placed:
    """Write a new file into a tree `whole_trees` made, and link it into the tree's double:
    its record, for the manifests."""
    tree, double = folders
    target, twin = os.path.join(tree, rel), os.path.join(double, rel)
    _mkdir(os.path.dirname(target))
    _write(target, content.data)
    st = os.stat(target)
    _mkdir(os.path.dirname(twin))
    try:
        os.link(target, twin)
        linked = True
    except OSError:  # no hard links here: the double is made as for any first build
        linked = False
    return Placed(content.fp, st.st_size, st.st_mtime_ns, st.st_ino, linked)


def manifests_print(out: Path, names: list[str]) -> str:
    """The hash of the live trees' manifests: which build's output is in place."""
    digest = hashlib.sha256()
    for name in names:
        try:
            digest.update((out / MANIFEST.format(name)).read_bytes())
        except OSError:
            digest.update(b"missing")
        digest.update(b"\0")
    return digest.hexdigest()


def _save_manifest(path: Path, records: dict[str, Record]) -> None:
    plain = dict(records) if isinstance(records, Checked) else records  # never its verdict
    payload = pickle.dumps(plain, protocol=pickle.HIGHEST_PROTOCOL)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(hashlib.sha256(payload).digest() + payload)  # checked on every read
    os.replace(tmp, path)


def _record(path: str, print_: str) -> Record | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (print_, st.st_size, st.st_mtime_ns, st.st_ino)


def _holds(base: str, records: dict[str, Record] | None, rel: str, print_: str) -> bool:
    """Whether the tree at `base` still has `rel` as its manifest says, with that fingerprint.
    (A record names the inode, size and mtime, so it cannot vouch for a file written since.)"""
    record = records.get(rel) if records else None
    if record is None or record[0] != print_:
        return False
    if not rel:
        path = base
    elif rel.endswith("/"):
        path = _folder_path(base, rel)
    else:
        path = os.path.join(base, rel)
    return _record(path, print_) == record


def intact(out: Path, names: list[str], check: TreeCheck | None = None) -> bool:
    """Whether every part is exactly as the last build left it (by its manifest and stats)."""
    for name in names:
        records = _load_manifest(out / MANIFEST.format(name), check)
        base = os.path.join(out, name)
        if records is None or not os.path.exists(base):
            return False
        if not _tree_holds(base, records):
            return False
    return True


def publish(
    out: Path,
    parts: dict[str, OutputPlan | bytes],
    check: TreeCheck | None = None,
    aside: Aside | None = None,
) -> bool:
    """Make `out/<name>` match each part, so that every reader sees old or new, never half.

    A folder part is written into its spare tree (the build before the live one, kept for
    this): files it already has are kept, files the live tree has are hard-linked, only new
    files are written; then spare and live are swapped. So a one-post edit writes a handful
    of files, whatever the size of the site. When nothing changed nothing is written at all.
    Raises `Missing` (before anything live is touched) when a `Same` file is nowhere to be
    found. The double of a tree published for the first time is made by `aside` when given
    (wait for it before the build lock goes). Returns whether anything was written.
    """
    planned = {
        name: part.fingerprints() if isinstance(part, OutputPlan) else {"": fingerprint(part)}
        for name, part in parts.items()
    }
    live = {name: _load_manifest(out / MANIFEST.format(name), check) for name in parts}
    changed = {
        name: part
        for name, part in parts.items()
        if not _unchanged(os.path.join(out, name), live[name], planned[name])
    }
    doubles: list[tuple[str, OutputPlan]] = []
    trees = [name for name, part in changed.items() if isinstance(part, OutputPlan)]
    if check is not None:
        check.ready()  # (its verdicts read here, before any fork, or each process would wait)

    def update(name: str) -> dict[str, Record]:
        plan = changed[name]
        assert isinstance(plan, OutputPlan)
        return _update_spare(out, name, plan, planned[name], live[name], check)

    # Trees written whole (a first build) are written side by side, on both cores.
    whole = sum(1 for name in trees if not (out / MANIFEST.format("spare-" + name)).exists())
    made = fork_map(update, trees, least=1) if whole > 1 else [update(n) for n in trees]
    updated = dict(zip(trees, made, strict=True))
    for name, part in changed.items():
        manifest = out / MANIFEST.format(name)
        manifest.unlink(missing_ok=True)  # stale from here until written again
        target = out / name
        if isinstance(part, OutputPlan):
            spare = out / SPARE.format(name)
            if target.is_dir():
                exchange(spare, target)
                _save_manifest(manifest, updated[name])
                if live[name] is not None:
                    kept = _forget_retired(spare, live[name] or {}, planned[name])
                    _save_manifest(out / MANIFEST.format("spare-" + name), kept)
                else:  # what the retired tree holds is unknown: it goes whole
                    shutil.rmtree(spare, ignore_errors=True)
            else:
                if target.exists():
                    target.unlink()
                os.rename(spare, target)
                _save_manifest(manifest, updated[name])
                doubles.append((name, part))
        elif _holds(os.fspath(target), live[name], "", planned[name][""]):
            _save_manifest(manifest, live[name] or {})
        else:
            tmp = out / f".{name}.{os.getpid()}.tmp"
            with open(tmp, "wb") as handle:
                handle.write(part)
            os.replace(tmp, target)
            _save_manifest(manifest, {"": _record(os.fspath(target), planned[name][""])})
    if doubles:

        def make_doubles() -> None:
            # The first trees' doubles (hard links), so that the next build, however small,
            # finds a spare tree to bring up to date. Without its manifest a spare tree is
            # unknown, and the next build removes it.
            for name, part in doubles:
                linked = {rel for rel, c in part.files.items() if type(c) is Placed and c.twin}
                records = _double(out, name, planned[name], updated[name], linked)
                _save_manifest(out / MANIFEST.format("spare-" + name), records)

        if aside is not None:
            aside.run(make_doubles)
        else:
            make_doubles()
    return bool(changed)


def _forget_retired(
    spare: Path, records: dict[str, Record], planned: dict[str, str]
) -> dict[str, Record]:
    """The retired tree keeps only what the live one has too (hard links to the same files):
    a post or photo taken off the site leaves the spare tree at once, not a build later."""
    base = os.fspath(spare)
    wanted = _folders(planned)
    kept = {}
    for rel, record in records.items():
        if rel.endswith("/"):
            if rel in wanted:
                kept[rel] = record
        elif planned.get(rel) == record[0]:
            kept[rel] = record
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(base, rel))
    for rel in sorted((r for r in records if r.endswith("/") and r not in wanted), reverse=True):
        shutil.rmtree(_folder_path(base, rel), ignore_errors=True)  # even its name is gone
    return kept


def _update_spare(
    out: Path,
    name: str,
    plan: OutputPlan,
    planned: dict[str, str],
    live_records: dict[str, Record] | None,
    check: TreeCheck | None = None,
) -> dict[str, Record]:
    """Bring the spare tree of `name` to exactly `plan`; its new manifest."""
    spare, live = out / SPARE.format(name), os.path.join(out, name)
    manifest = out / MANIFEST.format("spare-" + name)
    records = _load_manifest(manifest, check)
    manifest.unlink(missing_ok=True)  # unknown from here until it is swapped in
    # Files placed by the workers of a first build: in a folder made empty for them.
    placed = records is None and any(type(c) is Placed for c in plan.files.values())
    if placed:
        records = {}
    elif records is None or not spare.is_dir() or spare.is_symlink():
        if spare.is_dir() and not spare.is_symlink():
            shutil.rmtree(spare)
        elif os.path.lexists(spare):
            spare.unlink()
        spare.mkdir(parents=True)
        records = {}
    base = os.fspath(spare)
    touched = _prune(base, records, planned) if not placed else set()
    made: set[str] = set()
    result: dict[str, Record] = {}
    prefix = base + os.sep  # plain joins: this loop runs for every file of the site
    stat = os.stat
    for rel, content in plan.files.items():
        print_ = planned[rel]
        if placed and type(content) is Placed:
            result[rel] = (content.fp, content.size, content.mtime_ns, content.ino)
            continue
        target = prefix + rel
        known = records.get(rel)
        if known is not None and known[0] == print_:
            if isinstance(records, Checked) and rel not in records.broken:
                result[rel] = known  # its stat compared by the check already
                continue
            try:
                st = stat(target)
            except OSError:
                pass
            else:
                if (st.st_size, st.st_mtime_ns, st.st_ino) == known[1:]:
                    result[rel] = known
                    continue
        if records and os.path.lexists(target):  # (a tree that held nothing known is empty)
            # Never written in place: the file may be a hard link shared with the live tree.
            if os.path.isdir(target) and not os.path.islink(target):
                shutil.rmtree(target)
            else:
                os.unlink(target)
        parent = target[: target.rfind(os.sep)]
        if parent not in made:
            _mkdir(parent)
            made.add(parent)
        record = _place(content, target, live, live_records, rel, print_) or _record(target, print_)
        assert record is not None
        result[rel] = record
        if records:  # (in a tree made empty no folder keeps its record: none is looked up)
            touched.update(_ancestors(rel))
    for folder in _folders(planned):
        # A folder whose record held before and that nothing was added to or removed from
        # since has the same stat still.
        kept = records.get(folder)
        record = (
            kept if kept and folder not in touched else _record(_folder_path(base, folder), DIR)
        )
        if record is not None:
            result[folder] = record
    return result


def _double(
    out: Path,
    name: str,
    planned: dict[str, str],
    live_records: dict[str, Record],
    linked: set[str] | frozenset[str] = frozenset(),
) -> dict[str, Record]:
    """The spare tree of a tree just written whole: every file hard-linked to the live one,
    whose record it shares (a file changed since no longer matches it, and the next build
    sees that). Where links cannot be made, files are copied. `linked`: the files a first
    build's workers linked into the tree's double already (`place`)."""
    spare = os.fspath(out / SPARE.format(name))
    shutil.rmtree(spare, ignore_errors=True)
    double = out / DOUBLE.format(name)
    if linked and double.is_dir():
        os.rename(double, spare)
    else:
        shutil.rmtree(double, ignore_errors=True)
        linked = frozenset()
        os.mkdir(spare)
    live = os.path.join(out, name) + os.sep
    prefix = spare + os.sep
    made = {spare}
    result: dict[str, Record] = {}
    for rel in planned:
        if rel in linked:
            result[rel] = live_records[rel]
            continue
        target = prefix + rel
        parent = target[: target.rfind(os.sep)]
        if parent not in made:
            _mkdir(parent)
            made.add(parent)
        try:
            os.link(live + rel, target)
            result[rel] = live_records[rel]
        except OSError:
            if not _link_or_copy(live + rel, target):
                raise Missing(rel) from None
            record = _record(target, planned[rel])
            assert record is not None
            result[rel] = record
    for folder in _folders(planned):
        record = _record(_folder_path(spare, folder), DIR)
        if record is not None:
            result[folder] = record
    return result


def _ancestors(rel: str) -> list[str]:
    """The folders above a path, as "a/b/", up to the root "/"."""
    out = ["/"]
    cut = rel.find("/")
    while cut > 0:
        out.append(rel[: cut + 1])
        cut = rel.find("/", cut + 1)
    return out


def _unchanged(base: str, records: dict[str, Record] | None, planned: dict[str, str]) -> bool:
    """Whether the tree at `base` is exactly `planned`, as its manifest and stats show."""
    if records is None or not os.path.exists(base):
        return False
    if any(records.get(rel, NO_RECORD)[0] != print_ for rel, print_ in planned.items()):
        return False  # (no stat needed to see that)
    if sum(1 for rel in records if not rel.endswith("/")) != len(planned):
        return False
    return _tree_holds(base, records)


def _tree_holds(base: str, records: dict[str, Record]) -> bool:
    """Whether every file and folder of a manifest has the stat it records."""
    if isinstance(records, Checked):
        return not records.broken
    return not any(True for _ in not_holding(base, records))


def _folders(planned: dict[str, str]) -> set[str]:
    """Every folder the files of a plan sit in, as "a/b/" (the root is "/")."""
    return planned.folders if isinstance(planned, Fingerprints) else _folders_of(planned)


def _folders_of(planned: dict[str, str]) -> set[str]:
    folders = {"/"}
    for rel in planned:
        cut = rel.rfind("/")
        while cut > 0:
            folder = rel[: cut + 1]
            if folder in folders:
                break
            folders.add(folder)
            cut = rel.rfind("/", 0, cut)
    return folders


def _folder_path(base: str, rel: str) -> str:
    return base if rel == "/" else os.path.join(base, rel[:-1])


def _prune(base: str, records: dict[str, Record], planned: dict[str, str]) -> set[str]:
    """Remove from the spare tree every file the plan does not want, and anything its manifest
    does not know (so nothing dropped into it can go live), then the folders left empty.

    The manifest records each folder's stat too: only a folder whose entries changed since
    (its mtime moved) is listed, so an untouched tree costs one stat per folder. Returns the
    folders whose stat is not as recorded any more.
    """
    if "/" not in records:
        changed = [rel for rel in _walk_folders(base)]
    elif isinstance(records, Checked):
        changed = [rel for rel in records.broken if rel.endswith("/")]
    else:
        changed = [
            rel
            for rel, record in records.items()
            if rel.endswith("/") and _record(_folder_path(base, rel), DIR) != record
        ]
    touched = set(changed)
    wanted = _folders(planned)
    for rel in sorted((r for r in records if r.endswith("/") and r not in wanted), reverse=True):
        shutil.rmtree(_folder_path(base, rel), ignore_errors=True)
        touched.update(_ancestors(rel.rstrip("/")))
    emptied = set()
    for rel in records:
        if not rel.endswith("/") and rel not in planned:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(base, rel))
            emptied.add(rel[: rel.rfind("/") + 1] or "/")
            touched.update(_ancestors(rel))
    for folder in changed:
        prefix = "" if folder == "/" else folder
        try:
            entries = list(os.scandir(_folder_path(base, folder)))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            rel = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                if rel + "/" not in records or rel + "/" not in wanted:
                    shutil.rmtree(entry.path)
                    touched.update(_ancestors(rel))
            elif rel not in records or rel not in planned:
                os.unlink(entry.path)
                touched.update(_ancestors(rel))
    for folder in sorted(emptied, key=len, reverse=True):
        while folder != "/":
            try:
                os.rmdir(_folder_path(base, folder))  # only when empty
            except OSError:
                break
            folder = folder[: folder.rstrip("/").rfind("/") + 1] or "/"
    return touched


def _walk_folders(base: str) -> list[str]:
    skip = len(base) + 1
    return ["/"] + [folder[skip:] + "/" for folder, _, _ in os.walk(base) if folder != base]


def _place(
    content: Content,
    target: str,
    live: str,
    live_records: dict[str, Record] | None,
    rel: str,
    print_: str,
) -> Record | None:
    """One file into the spare tree: linked from the live tree when it has the same file,
    else linked from the cache or written. Returns its record when it is known without a
    stat: a hard link to a live file whose record holds is that file (inode, size, mtime)."""
    if live_records and _holds(live, live_records, rel, print_):
        source = os.path.join(live, rel)
        with contextlib.suppress(OSError):
            os.link(source, target)
            return live_records[rel]
        if _link_or_copy(source, target):
            return None
    if isinstance(content, Fresh):
        _write(target, content.data)
        return None
    if isinstance(content, bytes):
        _write(target, content)
        return None
    cached = isinstance(content, Path) and _cached_intact(content)
    if cached and _link_or_copy(os.fspath(content), target):
        return None
    raise Missing(rel)


def _mkdir(path: str) -> None:
    """A folder whose parent a tree's files, in order, have mostly made already: one mkdir,
    not makedirs' look at each parent first."""
    try:
        os.mkdir(path)
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(path, exist_ok=True)


def _write(path: str, data: bytes) -> None:
    """A new file (os.open: a build writes thousands, and a Python file object costs more
    than the writing)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _cached_intact(path: Path) -> bool:
    """Whether a file of the content-addressed cache still has the hash its entry records:
    checked before it is linked into a tree, since the cache's files are shared."""
    try:
        manifest = json.loads((path.parent / "manifest.json").read_text("utf-8"))
        expected = manifest["files"][path.name]
        return hashlib.sha256(path.read_bytes()).hexdigest() == expected
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _link_or_copy(source: str, target: str) -> bool:
    try:
        os.link(source, target)
        return True
    except FileNotFoundError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
            raise
        try:
            shutil.copyfile(source, target)  # another file system, or no hard links there
            return True
        except FileNotFoundError:
            return False
