"""The publication gate, and the moment each of its decisions can next change."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.approval import entry_hash, post_digest
from sitegen.config import parse_config
from sitegen.content import load_post
from sitegen.gate import Decision, changes_at, decide
from sitegen.inspection import check_post
from sitegen.policy import Context
from sitegen.register import parse_register
from tests.imagegen import save_photo

TZ = ZoneInfo("Europe/London")
PLATFORMS = ("website", "facebook", "instagram", "x")
START = datetime(2026, 11, 1, 9, 0, tzinfo=TZ)
CONFIG = {
    "site": {"title": "Ysgol", "base_url": "https://n.example/", "timezone": "Europe/London"},
    "policy": {"leaders": ["head"], "closed_platforms": ["facebook"], "ocr": "off"},
    "exports": {"instagram": {"max_chars": 2200, "max_images": 10, "requires_image": True}},
}

day = st.integers(min_value=-10, max_value=40).map(lambda n: (START + timedelta(days=n)).date())
pupil_rows = st.lists(
    st.tuples(
        st.lists(st.booleans(), min_size=4, max_size=4),  # consent per platform
        st.sampled_from(["no", "yes", "full"]),
        st.one_of(st.none(), day),  # withdrawn on
        st.one_of(st.none(), day),  # consent until (SG112 from then, SG161 30 days before)
    ),
    min_size=3,
    max_size=3,
)


def register_text(rows: list) -> str:  # type: ignore[type-arg]
    header = (
        "pupil_id,first_name,last_name,website,facebook,instagram,x,name,withdrawn_on,"
        "consent_until\n"
    )
    return header + "".join(
        f"P{i},Anwen{chr(97 + i)},Rhys{chr(97 + i)},"
        + ",".join("yes" if c else "no" for c in consent)
        + f",{name},{withdrawn or ''},{until or ''}\n"
        for i, (consent, name, withdrawn, *rest) in enumerate(rows)
        for until in [rest[0] if rest else None]
    )


def approved_post(root: Path, tagged: list[int], on_photo: list[int], named: list[int], due: int):  # type: ignore[no-untyped-def]
    """A post approved by a leader, with its audit entry, `due` hours after START."""
    folder = root / "content/posts/p"
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "a.jpg").exists():
        save_photo(folder / "a.jpg", "castle", size=(640, 480))
    date = (START + timedelta(hours=due)).strftime("%Y-%m-%dT%H:%M")
    ids = lambda xs: "[" + ", ".join(f"P{i}" for i in xs) + "]"  # noqa: E731
    header = (
        f"title: A trip\ndate: {date}\nauthor: head\nplatforms: [{', '.join(PLATFORMS)}]\n"
        f"pupils: {ids(tagged)}\nnamed: {ids(named)}\n"
        f"images:\n  - file: a.jpg\n    alt: The castle walls\n    pupils: {ids(on_photo)}\n"
    )
    (folder / "index.md").write_text(f"---\n{header}---\nA good day out.\n")
    digest = post_digest(load_post(root, folder, TZ))
    entry = {"seq": 1, "action": "approve", "post": "p", "by": "head", "digest": digest}
    entry["at"] = "2026-10-01T09:00:00Z"
    entry["hash"] = entry_hash(entry)
    approval = (
        f"status: approved\napproval:\n  by: head\n  at: '2026-10-01T09:00:00Z'\n"
        f"  digest: '{digest}'\n  entry: '{entry['hash']}'\n"
    )
    (folder / "index.md").write_text(f"---\n{header}{approval}---\nA good day out.\n")
    return load_post(root, folder, TZ), {entry["hash"]: entry}


def decision_at(post, ctx_args, now: datetime) -> Decision:  # type: ignore[no-untyped-def]
    config, register, entries = ctx_args
    ctx = Context(config, register, now, audit_entries=entries)
    return decide(check_post(post, ctx), ctx)


def shape(d: Decision) -> tuple:  # type: ignore[type-arg]
    return (
        d.checked.status,
        {p: tuple(r.file for r in refs) for p, refs in d.platforms.items()},
        d.left_out,
        sorted(f.code for f in d.checked.findings),
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=pupil_rows,
    tagged=st.lists(st.integers(0, 2), unique=True, max_size=3),
    due=st.integers(min_value=-48, max_value=24 * 30),
    offsets=st.lists(st.floats(min_value=0.0, max_value=0.999), min_size=1, max_size=4),
    data=st.data(),
)
def test_no_decision_changes_before_its_moment(tmp_path, rows, tagged, due, offsets, data) -> None:  # type: ignore[no-untyped-def]
    """Every rule that reads the clock is covered by `changes_at`: at any moment before it, the
    decision is the same as now (a new time-dependent rule that forgets to tell `changes_at`
    fails this test: a remembered result would outlive it)."""
    on_photo = data.draw(st.lists(st.sampled_from(tagged), unique=True)) if tagged else []
    named = data.draw(st.lists(st.sampled_from(tagged), unique=True)) if tagged else []
    config = parse_config(tmp_path, CONFIG)
    register = parse_register(register_text(rows), "consent.csv", config.platforms)
    post, entries = approved_post(tmp_path, tagged, on_photo, named, due)
    args = (config, register, entries)
    before = decision_at(post, args, START)
    moment = changes_at(post, Context(config, register, START))
    horizon = moment or START + timedelta(days=60)
    assert moment is None or moment > START
    for offset in offsets:
        later = START + (horizon - START) * offset
        assert shape(decision_at(post, args, later)) == shape(before), (later, moment)


def test_a_withdrawal_and_a_due_date_are_moments(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = parse_config(tmp_path, CONFIG)
    rows = [([True] * 4, "no", (START + timedelta(days=3)).date())] * 3
    register = parse_register(register_text(rows), "consent.csv", config.platforms)
    post, _ = approved_post(tmp_path, [0], [0], [], due=30)
    ctx = Context(config, register, START)
    assert changes_at(post, ctx) == START + timedelta(hours=30)  # due first
    post, _ = approved_post(tmp_path, [0], [0], [], due=-1)
    assert changes_at(post, ctx) == datetime.combine(
        (START + timedelta(days=3)).date(), datetime.min.time(), tzinfo=TZ
    )
    post, _ = approved_post(tmp_path, [], [], [], due=-1)
    assert changes_at(post, ctx) is None  # another pupil's withdrawal is not this post's


def test_judging_reads_nothing(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The rules are pure: a post's photos are inspected first (files, store, OCR), then
    judged without a single read, stat or subprocess."""
    import builtins
    import os
    import subprocess

    from sitegen.inspection import no_photo_reader
    from sitegen.policy import analyse, judge

    config = parse_config(tmp_path, CONFIG)
    rows = [([True] * 4, "yes", (START + timedelta(days=3)).date())] * 3
    register = parse_register(register_text(rows), "consent.csv", config.platforms)
    post, entries = approved_post(tmp_path, [0, 1], [0], [1], due=-1)
    ctx = Context(config, register, START, audit_entries=entries)
    analysis = analyse(post, ctx.names, register)
    photos = no_photo_reader().inspect(post)
    expected = judge(analysis, ctx, photos)

    def no_io(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError(f"judge did I/O: {args[:1]}")

    for module, name in (
        (os, "open"),
        (os, "stat"),
        (os, "lstat"),
        (os, "scandir"),
        (builtins, "open"),
        (subprocess, "run"),
        (subprocess, "Popen"),
    ):
        monkeypatch.setattr(module, name, no_io)
    assert judge(analysis, ctx, photos) == expected


def test_an_analysis_reads_of_the_register_only_what_it_declares(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Analyses are remembered by the hash of policy.ANALYSIS_READS alone: changing any other
    field of every pupil must leave every analysis as it was (else a rule reads a field it
    does not declare, and its remembered results would outlive a change to it)."""
    from dataclasses import fields, replace

    from sitegen.policy import ANALYSIS_READS, analyse
    from sitegen.policy.names import NameIndex

    config = parse_config(tmp_path, CONFIG)
    rows = [([True] * 4, "yes", None)] * 3
    register = parse_register(register_text(rows), "consent.csv", config.platforms)
    body = "Anwena Rhysa, Anwenb and P2 at the castle.\n"
    post, _ = approved_post(tmp_path, [0, 1], [0], [1], due=-1)
    (post.folder / "index.md").write_text(
        (post.folder / "index.md").read_text().replace("A good day out.\n", body)
    )
    post = load_post(tmp_path, post.folder, TZ)
    before = analyse(post, NameIndex(register), register)
    assert before.names and before.ids  # the analysis does read the register
    changes = {
        "class_name": "Year 6",
        "consent": {},
        "name_consent": "full",
        "withdrawn_on": START.date(),
        "line": 99,
        "consent_until": START.date(),
        "consent_given_on": START.date(),
        "given_by": "mother",
        "safeguarding": True,
    }
    undeclared = {
        f.name
        for f in fields(type(next(iter(register.pupils.values()))))
        if f.name not in ANALYSIS_READS
    }
    assert undeclared <= set(changes), f"give the test a change for {undeclared - set(changes)}"
    for name in undeclared:
        pupils = {k: replace(p, **{name: changes[name]}) for k, p in register.pupils.items()}
        changed = replace(register, pupils=pupils)
        assert analyse(post, NameIndex(changed), changed) == before, name
