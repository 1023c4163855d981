"""The cache's building blocks: packs that take appended changes, stat-remembered hashes and
listings, and the logs read from where they grew."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from sitegen import records
from sitegen.approval import AUDIT_LOG, GENESIS, entry_hash, valid_entries
from sitegen.engine import hashes as hashes_module
from sitegen.engine import keys, store
from sitegen.engine.hashes import FileHashes
from sitegen.engine.keys import content_hash
from sitegen.engine.store import RecordFile


def filled(path: Path, count: int) -> RecordFile:
    pack = RecordFile(path)
    for i in range(count):
        pack.put(f"k{i}", "x" * 200 + str(i))
    pack.save()
    return RecordFile(path)


def use_all(pack: RecordFile) -> None:
    for key in list(pack.entries):
        pack.get(key)


def test_a_small_change_is_appended_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "p.pack"
    pack = filled(path, 200)
    first = path.stat().st_size
    use_all(pack)
    pack.put("new", "value")
    pack.save()
    grown = path.stat().st_size
    assert first < grown < first * 1.05  # one record appended, not the pack again
    again = RecordFile(path)
    assert again.get("new") == "value" and len(again.entries) == 201


def test_unused_entries_go(tmp_path: Path) -> None:
    path = tmp_path / "p.pack"
    pack = filled(path, 100)
    for i in range(40):
        pack.get(f"k{i}")
    pack.save()
    assert sorted(RecordFile(path).entries) == sorted(f"k{i}" for i in range(40))


def test_a_torn_append_leaves_the_state_before_it(tmp_path: Path) -> None:
    path = tmp_path / "p.pack"
    pack = filled(path, 50)
    use_all(pack)
    pack.put("late", "value")
    pack.save()
    with path.open("r+b") as handle:  # a build killed while appending
        handle.truncate(path.stat().st_size - 5)
    torn = RecordFile(path)
    assert "late" not in torn.entries and len(torn.entries) == 50
    use_all(torn)
    torn.put("later", "v")
    torn.save()  # the torn tail is never appended to: the pack is written anew
    assert set(RecordFile(path).entries) == {f"k{i}" for i in range(50)} | {"later"}


def test_appends_are_folded_in_before_they_outweigh_the_pack(tmp_path: Path) -> None:
    path = tmp_path / "p.pack"
    filled(path, 100)
    first = path.stat().st_size
    for round_ in range(60):
        pack = RecordFile(path)
        use_all(pack)
        for i in range(10):
            pack.put(f"k{i}", f"{round_}" * 200)
        pack.save()
        assert path.stat().st_size <= 3 * first
    assert RecordFile(path).get("k3") == "59" * 200


def test_a_damaged_first_record_means_an_empty_pack(tmp_path: Path) -> None:
    path = tmp_path / "p.pack"
    filled(path, 10)
    data = bytearray(path.read_bytes())
    data[60] ^= 0xFF
    path.write_bytes(bytes(data))
    assert RecordFile(path).entries == {}


def test_file_hashes_are_remembered_only_once_the_file_has_settled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"one")
    hashes = FileHashes(RecordFile(None))
    assert hashes.hash(photo) == keys.content_hash(b"one")
    assert hashes.pack.entries == {}  # written just now: a second write may keep its stat
    monkeypatch.setattr(hashes_module, "RACY_SECONDS", -1.0)
    hashes.hash(photo)
    assert list(hashes.pack.entries.values()) == [keys.content_hash(b"one")]
    photo.write_bytes(b"two")  # same size: the stat's times and ctime still tell
    assert hashes.hash(photo) == keys.content_hash(b"two")


def test_folder_listings_follow_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hashes_module, "RACY_SECONDS", -1.0)
    hashes = FileHashes(RecordFile(None))
    (tmp_path / "a.md").write_text("a")
    (tmp_path / "sub").mkdir()
    assert hashes.listing(str(tmp_path)) == (("a.md", False), ("sub", True))
    (tmp_path / "b.jpg").write_bytes(b"b")
    assert hashes.listing(str(tmp_path)) == (("a.md", False), ("b.jpg", False), ("sub", True))
    (tmp_path / "a.md").unlink()
    assert hashes.listing(str(tmp_path)) == (("b.jpg", False), ("sub", True))


def test_a_post_tree_is_remembered_by_its_stats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tree whose folders and files keep their stats is not read again; any change to a
    file, in a subfolder or to the listing is seen; nothing is remembered while racy."""
    post = tmp_path / "post"
    (post / "photos").mkdir(parents=True)
    (post / "index.md").write_text("one")
    (post / "photos/a.jpg").write_bytes(b"a")
    hashes = FileHashes(RecordFile(None))

    def files() -> dict[str, str]:
        tree = hashes.tree(str(post))
        assert tree is not None
        return {rel: digest for rel, _, digest in tree[0]}

    assert files() == {"index.md": content_hash(b"one"), "photos/a.jpg": content_hash(b"a")}
    assert not hashes.pack.entries  # just written: nothing is remembered yet
    monkeypatch.setattr(hashes_module, "RACY_SECONDS", -1.0)
    files()
    reads: list[object] = []
    real_open = open
    monkeypatch.setattr("builtins.open", lambda *a, **k: reads.append(a) or real_open(*a, **k))
    assert files()["index.md"] == content_hash(b"one") and not reads  # stats alone
    (post / "index.md").write_text("two")  # same size: its ctime tells
    assert files()["index.md"] == content_hash(b"two")
    (post / "photos/b.jpg").write_bytes(b"b")  # added in a subfolder
    assert "photos/b.jpg" in files()
    (post / "photos/a.jpg").unlink()
    assert "photos/a.jpg" not in files()
    hashes.remember(str(post), "made from these files")
    assert hashes.tree(str(post))[1] == "made from these files"  # type: ignore[index]
    (post / "index.md").write_text("three")
    assert hashes.tree(str(post))[1] is None  # type: ignore[index]  # (dropped with them)
    assert hashes.tree(str(tmp_path / "missing")) is None


def _entry(seq: int, prev: str) -> dict[str, object]:
    data: dict[str, object] = {
        "seq": seq,
        "at": "2026-11-01T10:00:00Z",
        "action": "approve",
        "post": f"p{seq}",
        "by": "head",
        "digest": f"sha256:{seq:064x}",
        "prev": prev,
    }
    data["hash"] = entry_hash(data)
    return data


def test_audit_entries_read_from_where_the_log_grew(tmp_path: Path) -> None:
    log = tmp_path / AUDIT_LOG
    log.parent.mkdir(parents=True)
    memo = RecordFile(None)
    prev, lines = GENESIS, []
    for seq in range(1, 30):
        data = _entry(seq, prev)
        prev = str(data["hash"])
        lines.append(json.dumps(data))
        log.write_text("\n".join(lines) + "\n")
        assert valid_entries(tmp_path, memo) == valid_entries(tmp_path)
    assert len(valid_entries(tmp_path)) == 29 and valid_entries(tmp_path).broken is None
    # A damaged line, or an edited early line (the file is no longer what was remembered),
    # breaks the chain: no entry counts until the log is repaired.
    for damage in ('{"seq": 30, "half": \n', log.read_text().replace('"p3"', '"p33"', 1)):
        text = log.read_text() + damage if damage.startswith('{"seq"') else damage
        log.write_text(text)
        entries = valid_entries(tmp_path, memo)
        assert len(entries) == 0 and entries.broken, damage
        assert len(valid_entries(tmp_path)) == 0


def test_ledger_standing_read_from_where_it_grew(tmp_path: Path) -> None:
    memo = RecordFile(None)
    for n in range(6):
        events = [
            {
                "event": "published",
                "at": f"2026-11-0{n + 1}T10:00:00",
                "slug": f"s{i}",
                "platform": "website",
                "url": f"u{i}",
                "digest": f"d{n}",
                "images": [],
            }
            for i in range(n, n + 3)
        ]
        records.append(tmp_path, events)
        expected = {
            where: (e["event"], records.event_fingerprint(e), e.get("url"))
            for where, e in records.latest(records.read_ledger(tmp_path)).items()
        }
        assert records.current(tmp_path, memo) == expected
    ledger = tmp_path / records.LEDGER
    os.truncate(ledger, ledger.stat().st_size - 3)  # a torn last line is skipped, not fatal
    assert len(records.current(tmp_path, memo)) == len(records.current(tmp_path))


def test_a_grown_ledger_writes_only_what_its_new_lines_changed(tmp_path: Path) -> None:
    def event(slug: str, digest: str) -> dict[str, object]:
        return {
            "event": "published",
            "at": "2026-11-01T10:00:00",
            "slug": slug,
            "platform": "website",
            "url": f"u/{slug}",
            "digest": digest,
            "images": [],
        }

    path = tmp_path / "ledger.pack"
    records.append(tmp_path, [event(f"s{i}", "d0") for i in range(300)])
    pack = RecordFile(path)
    assert len(records.current(tmp_path, pack)) == 300
    pack.save()
    first = path.stat().st_size
    records.append(tmp_path, [event("s7", "d1")])  # one post published again
    pack = RecordFile(path)
    state = records.current(tmp_path, pack)
    pack.save()
    assert state[("s7", "website")][1] == ("d1", ())
    assert path.stat().st_size < first * 1.05  # its entry appended, not the whole state again
    assert records.current(tmp_path, RecordFile(path)) == records.current(tmp_path)
    # A ledger edited before what the pack describes is read from its start, and the entries
    # of lines that are gone leave the pack.
    (tmp_path / records.LEDGER).write_text(json.dumps(event("only", "d2")) + "\n")
    pack = RecordFile(path)
    assert list(records.current(tmp_path, pack)) == [("only", "website")]
    pack.save()
    assert records.current(tmp_path, RecordFile(path)) == {
        ("only", "website"): ("published", ("d2", ()), "u/only")
    }
    assert len(RecordFile(path).entries) == 2  # the state's one entry and the note of its length


def test_a_log_pack_written_by_other_code_is_read_again(tmp_path: Path) -> None:
    log = tmp_path / AUDIT_LOG
    log.parent.mkdir(parents=True)
    log.write_text(json.dumps(_entry(1, GENESIS)) + "\n")
    memo = RecordFile(tmp_path / "audit.pack")
    expected = dict(valid_entries(tmp_path))
    # As an older sitegen left it: the same log length, other values, other code.
    data = log.read_bytes()
    memo.put(store.GROWN, (len(data), hashlib.sha256(data).hexdigest(), b"older"))
    for key in expected:
        memo.put(key, {"not": "a line"})
    assert dict(valid_entries(tmp_path, memo)) == expected
