"""The standby trees: each output tree's spare copy brought up to date, then swapped in live."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from sitegen.engine.forking import Background, fork_map
from sitegen.engine.manifests import (
    DIR,
    DOUBLE,
    MANIFEST,
    NO_RECORD,
    SPARE,
    Checked,
    TreeCheck,
    cached_intact,
    folder_path,
    holds,
    load_manifest,
    record_of,
    save_manifest,
    tree_holds,
)
from sitegen.engine.plan import (
    Content,
    Fingerprints,
    Fresh,
    Missing,
    OutputPlan,
    Placed,
    ancestors,
    fingerprint,
    folders_of,
)
from sitegen.engine.swap import exchange
from sitegen.engine.treecheck import Record


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


def publish(
    out: Path,
    parts: dict[str, OutputPlan | bytes],
    check: TreeCheck | None = None,
    aside: Background | None = None,
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
    live = {name: load_manifest(out / MANIFEST.format(name), check) for name in parts}
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
                save_manifest(manifest, updated[name])
                kept = _tidied(spare, live[name], planned[name])
                if kept is not None:
                    save_manifest(out / MANIFEST.format("spare-" + name), kept)
                else:  # what the retired tree holds is unknown: it goes whole
                    shutil.rmtree(spare, ignore_errors=True)
            else:
                if target.exists():
                    target.unlink()
                os.rename(spare, target)
                save_manifest(manifest, updated[name])
                doubles.append((name, part))
        elif holds(os.fspath(target), live[name], "", planned[name][""]):
            save_manifest(manifest, live[name] or {})
        else:
            tmp = out / f".{name}.{os.getpid()}.tmp"
            with open(tmp, "wb") as handle:
                handle.write(part)
            os.replace(tmp, target)
            save_manifest(manifest, {"": record_of(os.fspath(target), planned[name][""])})
    if doubles:

        def make_doubles() -> None:
            # The first trees' doubles (hard links), so that the next build, however small,
            # finds a spare tree to bring up to date. Without its manifest a spare tree is
            # unknown, and the next build removes it.
            for name, part in doubles:
                linked = {rel for rel, c in part.files.items() if type(c) is Placed and c.twin}
                records = _double(out, name, planned[name], updated[name], linked)
                save_manifest(out / MANIFEST.format("spare-" + name), records)

        if aside is not None:
            aside.run(make_doubles)
        else:
            make_doubles()
    return bool(changed)


RETIRED = ".retired-"  # a tree that could not be removed, renamed out of the way


def set_aside(tree: Path) -> None:
    """Remove a tree nobody needs; one with a file that cannot be removed (made immutable,
    say) is renamed out of the way, which works even then, so no build stops on it again
    (build_lock tries it again each build)."""
    aside = tree.with_name(f"{RETIRED}{os.getpid()}-{tree.name.lstrip('.')}")
    os.rename(tree, aside)
    shutil.rmtree(aside, ignore_errors=True)


def _tidied(
    spare: Path, records: dict[str, Record] | None, planned: dict[str, str]
) -> dict[str, Record] | None:
    """`_forget_retired`, or None when the retired tree's files are unknown (no manifest) or
    cannot be removed: the new tree is live by then, and the other trees must swap too (a
    failure here left the site new and the exports old, with exit 2)."""
    if records is None:
        return None
    try:
        return _forget_retired(spare, records, planned)
    except OSError:
        return None


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
        shutil.rmtree(folder_path(base, rel), ignore_errors=True)  # even its name is gone
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
    records = load_manifest(manifest, check)
    manifest.unlink(missing_ok=True)  # unknown from here until it is swapped in
    # Files placed by the workers of a first build: in a folder made empty for them.
    placed = records is None and any(type(c) is Placed for c in plan.files.values())
    if placed:
        records = {}
    elif records is None or not spare.is_dir() or spare.is_symlink():
        if spare.is_dir() and not spare.is_symlink():
            set_aside(spare)
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
        record = _place(content, target, live, live_records, rel, print_) or record_of(
            target, print_
        )
        assert record is not None
        result[rel] = record
        if records:  # (in a tree made empty no folder keeps its record: none is looked up)
            touched.update(ancestors(rel))
    for folder in _folders(planned):
        # A folder whose record held before and that nothing was added to or removed from
        # since has the same stat still.
        kept = records.get(folder)
        record = (
            kept if kept and folder not in touched else record_of(folder_path(base, folder), DIR)
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
            record = record_of(target, planned[rel])
            assert record is not None
            result[rel] = record
    for folder in _folders(planned):
        record = record_of(folder_path(spare, folder), DIR)
        if record is not None:
            result[folder] = record
    return result


def _unchanged(base: str, records: dict[str, Record] | None, planned: dict[str, str]) -> bool:
    """Whether the tree at `base` is exactly `planned`, as its manifest and stats show."""
    if records is None or not os.path.exists(base):
        return False
    if any(records.get(rel, NO_RECORD)[0] != print_ for rel, print_ in planned.items()):
        return False  # (no stat needed to see that)
    if sum(1 for rel in records if not rel.endswith("/")) != len(planned):
        return False
    return tree_holds(base, records)


def _folders(planned: dict[str, str]) -> set[str]:
    """Every folder the files of a plan sit in, as "a/b/" (the root is "/")."""
    return planned.folders if isinstance(planned, Fingerprints) else folders_of(planned)


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
            if rel.endswith("/") and record_of(folder_path(base, rel), DIR) != record
        ]
    touched = set(changed)
    wanted = _folders(planned)
    for rel in sorted((r for r in records if r.endswith("/") and r not in wanted), reverse=True):
        shutil.rmtree(folder_path(base, rel), ignore_errors=True)
        touched.update(ancestors(rel.rstrip("/")))
    emptied = set()
    for rel in records:
        if not rel.endswith("/") and rel not in planned:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(base, rel))
            emptied.add(rel[: rel.rfind("/") + 1] or "/")
            touched.update(ancestors(rel))
    for folder in changed:
        prefix = "" if folder == "/" else folder
        try:
            entries = list(os.scandir(folder_path(base, folder)))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            rel = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                if rel + "/" not in records or rel + "/" not in wanted:
                    shutil.rmtree(entry.path)
                    touched.update(ancestors(rel))
            elif rel not in records or rel not in planned:
                os.unlink(entry.path)
                touched.update(ancestors(rel))
    for folder in sorted(emptied, key=len, reverse=True):
        while folder != "/":
            try:
                os.rmdir(folder_path(base, folder))  # only when empty
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
    if live_records and holds(live, live_records, rel, print_):
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
    cached = isinstance(content, Path) and cached_intact(content)
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
