"""`sitegen deploy` against a real SSH server (tests/sshd.py) and rsync: what is copied, what
the ledger then says is live, and that a failed copy records nothing and leaves the live
site as it was."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sitegen.engine.swap import build_lock
from tests.conftest import SITE_TOML, SiteDir
from tests.sshd import Server, available, ssh_server

needs_server = pytest.mark.skipif(available() is not None, reason=str(available()))
needs_rsync = pytest.mark.skipif(shutil.which("rsync") is None, reason="needs rsync")
LEDGER = "content/records/publications.jsonl"


def visible_files(folder: Path) -> dict[str, bytes]:
    """The files a web server would serve (rsync's hidden temporary files left out)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    }


def deploy_to(site: SiteDir, server: Server, www: Path) -> None:
    site.config(
        SITE_TOML
        + f'\n[deploy]\ntarget = "{server.user}@127.0.0.1:{www}/"\nssh_port = {server.port}\n'
        f'identity_file = "{server.identity}"\nknown_hosts = "{server.known_hosts}"\n'
    )


def two_posts(site: SiteDir, run) -> None:  # type: ignore[no-untyped-def]
    site.post(
        "castle",
        files={"towers.jpg": "castle"},
        pupils=["P1"],
        platforms=["website", "facebook"],
        images=[{"file": "towers.jpg", "alt": "The towers", "pupils": ["P1"]}],
    )
    site.post("fair", body="The Christmas fair raised a wonderful sum.\n", platforms=["website"])
    assert run(site, "approve", "castle", "fair", "--by", "head").code == 0
    assert run(site, "build").code == 0


def events(site: SiteDir) -> list[dict[str, object]]:
    return [json.loads(line) for line in (site.root / LEDGER).read_text().splitlines()]


def last_event(site: SiteDir) -> dict[str, object]:
    return json.loads((site.root / LEDGER).read_text().splitlines()[-1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with ssh_server(tmp_path / "server") as running:
        yield running


@needs_server
def test_deploy_sends_what_changed_and_records_what_is_live(run, site, server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    www = tmp_path / "www"
    www.mkdir()
    deploy_to(site, server, www)
    two_posts(site, run)
    done = run(site, "deploy")
    assert done.code == 0, done.err
    assert visible_files(www) == visible_files(site.root / "build/site")
    event = last_event(site)
    assert event["event"] == "deployed" and event["target"].endswith(f"{www}/")  # type: ignore[union-attr]
    assert event["posts"] == {"castle": ["towers.jpg"], "fair": []}
    assert str(event["fingerprint"]).startswith("sha256:")
    assert "2 post(s) live on the website (recorded in the ledger)" in done.out

    # An edit, approved: the dry run lists only what changed, and records nothing.
    fair = site.root / "content/posts/fair/index.md"
    fair.write_text(fair.read_text().replace("wonderful sum", "record sum"))
    assert run(site, "approve", "fair", "--by", "head").code == 0
    assert run(site, "build").code == 0
    ledger = (site.root / LEDGER).read_bytes()
    dry = run(site, "deploy", "--dry-run")
    assert dry.code == 0 and (site.root / LEDGER).read_bytes() == ledger
    sent = [line.split(" ", 3)[-1] for line in dry.out.splitlines() if line.startswith("  send ")]
    # The post's page and the feeds that carry its text; nothing else (not the photos).
    assert sorted(sent) == ["feed.json", "feed.xml", "posts/fair/index.html"]
    done = run(site, "deploy")
    assert f"sent {len(sent)} file(s)" in done.out
    assert visible_files(www) == visible_files(site.root / "build/site")
    assert run(site, "deploy").out.startswith("deployed to")  # nothing new: not recorded again
    assert "as the ledger already had it" in run(site, "deploy").out

    # Consent withdrawn: the website's removal waits until a deploy no longer carries it.
    site.withdraw("P1", "2026-11-24")
    built = run(site, "build")
    assert "removals waiting: 1 on facebook, 1 on the website" in built.out
    listed = run(site, "takedown", "--json").json()["takedowns"]
    assert {t["platform"] for t in listed} == {"website", "facebook"}
    assert "`sitegen build` then `sitegen deploy`" in run(site, "takedown").out
    assert run(site, "takedown", "--done", "castle", "--platform", "website").code == 2
    assert (www / "posts/castle/index.html").exists()
    assert run(site, "deploy").code == 0
    assert not (www / "posts/castle").exists()
    listed = run(site, "takedown", "--json").json()["takedowns"]
    assert {t["platform"] for t in listed} == {"facebook"}


CUT_SHORT = """#!/bin/sh
# Runs the rsync the client asked for, and once {cut} exists kills it as soon as the first
# file is arriving: the server going down in the middle of a copy.
exec 3<&0  # (a command run with & reads /dev/null, unless given its input like this)
sh -c "exec $SSH_ORIGINAL_COMMAND" <&3 &
child=$!
while kill -0 $child 2>/dev/null; do
  if [ -e {cut} ] && find {www} -name '.*' -newer {cut} | grep -q .; then
    kill -9 $child
    exit 12
  fi
done
wait $child
"""


@needs_server
def test_a_copy_cut_short_records_nothing_and_leaves_the_live_site(run, site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    www, cut = tmp_path / "www", tmp_path / "cut"
    www.mkdir()
    script = tmp_path / "cut-short.sh"
    script.write_text(CUT_SHORT.format(cut=cut, www=www))
    script.chmod(0o755)
    with ssh_server(tmp_path / "server", forced_command=script) as server:
        deploy_to(site, server, www)
        two_posts(site, run)
        assert run(site, "deploy").code == 0
        live = visible_files(www)
        # A big file to copy next, so that the copy is under way when the server goes.
        static = site.root / "templates/static"
        static.mkdir(parents=True, exist_ok=True)
        (static / "prospectus.pdf").write_bytes(os.urandom(48 * 1024 * 1024))
        site.post("choir", body="The choir sang beautifully at the concert.\n")
        assert run(site, "approve", "choir", "--by", "head").code == 0
        assert run(site, "build").code == 0
        ledger = (site.root / LEDGER).read_bytes()
        cut.touch()
        failed = run(site, "deploy")
    assert failed.code == 1, failed.out + failed.err
    assert "deploy to" in failed.err and "failed" in failed.err
    assert "the connection was lost during the copy" in failed.err
    assert "nothing was recorded, the live site is as it was" in failed.err
    assert (site.root / LEDGER).read_bytes() == ledger
    assert visible_files(www) == live


@needs_server
def test_a_server_that_is_down_records_nothing(run, site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    www = tmp_path / "www"
    www.mkdir()
    with ssh_server(tmp_path / "server") as server:
        deploy_to(site, server, www)
    two_posts(site, run)
    ledger = (site.root / LEDGER).read_bytes()
    failed = run(site, "deploy")
    assert failed.code == 1
    assert "the server refused the connection: is it up, and is ssh_port right?" in failed.err
    assert (site.root / LEDGER).read_bytes() == ledger and not list(www.iterdir())


@needs_rsync
def test_deploy_to_a_folder_and_its_refusals(run, site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert "no [deploy] in site.toml" in run(site, "deploy").err
    www = tmp_path / "www"
    site.config(SITE_TOML + f'\n[deploy]\ntarget = "{www}/"\n')
    assert "nothing to deploy" in run(site, "deploy").err  # no build yet
    two_posts(site, run)
    # Never where deleting what build/site/ does not hold would remove the school's files.
    for mistake in ("content/", ".", "build/site/", str(site.root.parent)):
        site.config(SITE_TOML + f'\n[deploy]\ntarget = "{mistake}"\n')
        refused = run(site, "deploy", "--dry-run")
        assert refused.code == 2 and "would remove the school's own files" in refused.err
    assert (site.root / "content/consent.csv").exists()
    site.config(SITE_TOML + f'\n[deploy]\ntarget = "{www}/"\n')
    with build_lock(site.root / "build"):  # a build under way
        refused = run(site, "deploy")
    assert refused.code == 1 and "wait for it to finish, then deploy" in refused.err
    assert not www.exists()
    assert run(site, "deploy").code == 0  # (rsync makes the folder, in a folder that exists)
    assert visible_files(www) == visible_files(site.root / "build/site")
    # A build as of a later day (to see what would go out) is never copied live: its posts
    # would go out early, and be recorded as live (found by the SPEC audit).
    site.post("later", date="2026-12-20")
    assert run(site, "approve", "later", "--by", "head").code == 0
    assert run(site, "build", now="2026-12-21T09:00").code == 0
    refused = run(site, "deploy")
    assert refused.code == 2 and "build again without --now" in refused.err
    assert not (www / "posts/later").exists()
    assert run(site, "build").code == 0
    assert not (site.root / "build/site/posts/later").exists()
    assert run(site, "deploy").code == 0
    assert not (www / "posts/later").exists()
    # A build as of later that changes nothing, then one as of now that finds nothing
    # changed: deploy judges the last build, not the ledger (it stayed refused until the
    # later day: found by a review).
    site.post("later", date="2026-11-20")
    assert run(site, "approve", "later", "--by", "head").code == 0
    assert run(site, "build", now="2026-12-21T09:00").code == 0
    assert run(site, "build").code == 0
    assert run(site, "deploy").code == 0
    # A withdrawal after the build: that build/site/ would put the pupil's post live again.
    site.post("tagged", pupils=["P1"], date="2026-11-10")
    assert run(site, "approve", "tagged", "--by", "head").code == 0
    assert run(site, "build").code == 0
    site.withdraw("P1", "2026-11-24")
    refused = run(site, "deploy")
    assert refused.code == 2 and "the consent register changed since" in refused.err
    (site.root / "build/.built-as-of").unlink()  # (a build folder older than this note)
    assert "build, then deploy" in run(site, "deploy").err
    assert run(site, "build").code == 0
    assert run(site, "deploy").code == 0
    assert not (www / "posts/tagged").exists()
    # Built before a withdrawal dated ahead comes, a post deleted since, site.toml changed
    # since: each would put live what may no longer go out (found by a fourth review).
    site.post("ahead", pupils=["P2"], date="2026-11-10")
    assert run(site, "approve", "ahead", "--by", "head").code == 0
    site.withdraw("P2", "2026-11-27")
    assert run(site, "build").code == 0
    ahead = run(site, "deploy", now="2026-11-28T09:00")
    assert ahead.code == 2 and "build/site/ holds until 2026-11-27" in ahead.err
    assert run(site, "deploy").code == 0
    shutil.rmtree(site.root / "content/posts/ahead")
    assert "the list of posts changed since" in run(site, "deploy").err
    assert run(site, "build").code == 0
    toml = (site.root / "site.toml").read_text()
    site.config(toml + "\n")  # (the same settings: no build needed)
    assert run(site, "deploy").code == 0
    site.config(toml.replace('title = "Ysgol Prawf"', 'title = "Ysgol Prawf Newydd"'))
    assert "site.toml changed since" in run(site, "deploy").err
    assert run(site, "build").code == 0
    assert run(site, "deploy").code == 0


@needs_rsync
def test_a_file_put_into_build_site_by_hand_is_never_deployed(run, site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """build/site/ goes live only as a build left it: a camera photo copied in by hand would
    go out with its GPS location (found by a robustness tour)."""
    www = tmp_path / "www"
    site.config(SITE_TOML + f'\n[deploy]\ntarget = "{www}/"\n')
    two_posts(site, run)
    original = site.root / "content/posts/castle/towers.jpg"
    shutil.copy(original, site.root / "build/site/towers.jpg")
    refused = run(site, "deploy")
    assert refused.code == 2 and "not as the last build left it" in refused.err, refused.err
    assert not www.exists()
    assert run(site, "build").code == 0  # (the build puts the tree back as it makes it)
    assert not (site.root / "build/site/towers.jpg").exists()
    assert run(site, "deploy").code == 0
    assert not (www / "towers.jpg").exists()
    # A lost ledger: nothing is copied, since the copy could not be recorded (a fourth review).
    ledger = site.root / LEDGER
    kept = ledger.read_bytes()
    ledger.unlink()
    (site.root / "content/posts/fair/index.md").write_text(
        (site.root / "content/posts/fair/index.md").read_text().replace("wonderful", "grand")
    )
    before = visible_files(www)
    refused = run(site, "deploy")
    assert refused.code == 2 and "nothing was copied" in refused.err, refused.err
    assert visible_files(www) == before
    ledger.write_bytes(kept)


@needs_server
def test_a_key_the_server_does_not_know_is_named(run, site, server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    www = tmp_path / "www"
    www.mkdir()
    deploy_to(site, server, www)
    stranger = tmp_path / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger)], check=True)
    (site.root / "site.toml").write_text(
        (site.root / "site.toml").read_text().replace(str(server.identity), str(stranger))
    )
    two_posts(site, run)
    ledger = (site.root / LEDGER).read_bytes()
    failed = run(site, "deploy")
    assert failed.code == 1
    assert "the server refused the key: is identity_file the key" in failed.err
    assert (site.root / LEDGER).read_bytes() == ledger and not list(www.iterdir())


@pytest.mark.parametrize(
    ("stderr", "meaning"),
    [
        (
            'rsync: [receiver] write failed on "/var/www/news/static/site.css": '
            "No space left on device (28)\nrsync error: error in file IO (code 11)",
            "the server's disk is full",
        ),
        (
            'rsync: [receiver] mkstemp "/var/www/news/.index.html.Ab12Cd" failed: '
            "Permission denied (13)\nrsync error: some files/attrs were not transferred",
            "the deploy account may not write to the target folder",
        ),
        (
            "Host key verification failed.\r\nrsync: connection unexpectedly closed",
            "ssh does not know the server's host key yet",
        ),
        ("bash: line 1: rsync: command not found", "rsync is not installed on the server"),
    ],
)
def test_each_cause_is_named(stderr: str, meaning: str) -> None:
    """rsync's and ssh's own words for the failures a test cannot make as root."""
    from sitegen.deploy import cause

    said = cause(stderr)
    assert said.startswith(meaning) and said.endswith("the live site is as it was")


def test_a_copy_that_ended_with_files_not_sent_says_the_site_may_be_updated() -> None:
    from sitegen.deploy import cause

    said = cause("rsync: [receiver] delete_file: rmdir(old) failed: Permission denied (13)", 23)
    assert said.startswith("the deploy account may not write to the target folder")
    assert said.endswith(
        "some files may already be updated on the server: deploy again once this is put right"
    )


@needs_rsync
def test_a_missing_key_file_is_named_before_anything_runs(run, site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    site.config(
        SITE_TOML + '\n[deploy]\ntarget = "news@127.0.0.1:/var/www/news/"\n'
        f'identity_file = "{tmp_path / "no-such-key"}"\n'
    )
    two_posts(site, run)
    refused = run(site, "deploy")
    assert refused.code == 2 and "no such key file" in refused.err


@needs_rsync
def test_a_first_deploy_to_a_folder_of_other_files_is_refused(run, site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A mistyped target (a home folder, /etc) holds files and no index.html: a deploy would
    delete them all, so the first deploy there refuses and deletes nothing."""
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    (home / "Documents/letter.txt").write_text("keep me")
    site.config(SITE_TOML + f'\n[deploy]\ntarget = "{home}/"\n')
    two_posts(site, run)
    for args in (["deploy", "--dry-run"], ["deploy"]):
        refused = run(site, *args)
        assert refused.code == 1 and "does not look like the news site's folder" in refused.err
    assert (home / "Documents/letter.txt").read_text() == "keep me"
    assert not (home / "index.html").exists()
    # The news site's folder, uploaded by hand before: the first deploy replaces it.
    old = tmp_path / "www"
    old.mkdir()
    (old / "index.html").write_text("the site as uploaded by hand")
    (old / "old-post.html").write_text("gone since")
    site.config(SITE_TOML + f'\n[deploy]\ntarget = "{old}/"\n')
    assert run(site, "deploy").code == 0
    assert not (old / "old-post.html").exists()
    assert visible_files(old) == visible_files(site.root / "build/site")


def test_a_deploy_to_another_target_is_refused_until_the_site_has_moved(
    run, site, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """A mistyped target would leave the live copy up while `takedown` and `sar` say its posts
    came down: only a leader who says the site has moved (`--moved`) deploys elsewhere."""
    live, typo = tmp_path / "www", tmp_path / "ww"
    site.config(SITE_TOML + f'\n[deploy]\ntarget = "{live}/"\n')
    two_posts(site, run)
    assert run(site, "deploy").code == 0
    site.config(SITE_TOML + f'\n[deploy]\ntarget = "{live}"\n')  # (no last slash: the same)
    assert run(site, "deploy").code == 0
    relative = os.path.relpath(live, site.root)  # (the same folder, from the site's)
    site.config(SITE_TOML + f'\n[deploy]\ntarget = "{relative}/"\n')
    assert run(site, "deploy").code == 0 and run(site, "deploy", "--moved").code == 0
    site.config(SITE_TOML + f'\n[deploy]\ntarget = "{live}/"\n')
    site.withdraw("P1", "2026-11-20")
    assert run(site, "build").code == 0
    assert "website (1 to remove)" in run(site, "takedown").out
    site.config(SITE_TOML + f'\n[deploy]\ntarget = "{typo}/"\n')
    for args in (["deploy", "--dry-run"], ["deploy"]):
        refused = run(site, *args)
        assert refused.code == 1, refused.err
        assert f"the last deploy (2026-11-25T12:00:00+00:00) went to {live}/" in refused.err
        assert [e["event"] for e in events(site)].count("deployed") == 1  # (same place)
        assert "still carries 2 post(s)" in refused.err and "--moved" in refused.err
    assert not typo.exists()
    assert "website (1 to remove)" in run(site, "takedown").out  # the old copy is still up
    # --moved with the old folder still holding the site: refused, since it would stay up.
    refused = run(site, "deploy", "--moved")
    assert refused.code == 1 and f"the last deploy's target {live}/ still holds 2 post(s)" in (
        refused.err
    ), refused.err
    assert not typo.exists()
    shutil.rmtree(live)  # the leader takes the site off the old server
    assert run(site, "deploy", "--moved").code == 0
    assert last_event(site)["target"] == f"{typo}/"
    assert "website (" not in run(site, "takedown").out


def test_the_live_site_keeps_who_is_on_its_photos_bytes(run, site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Deployed with a.jpg showing Mia; staff save a beach photo as a.jpg and her family
    withdraws. The deploy recorded the photos' names only, so the live copy's a.jpg read as
    the beach: takedown never asked, and the SAR said an update had replaced it."""
    from tests.imagegen import save_photo

    site.config(SITE_TOML + f'\n[deploy]\ntarget = "{tmp_path / "www"}/"\n')
    index = site.post(
        "trip",
        files={"a.jpg": "castle"},
        pupils=["P1"],
        date="2026-11-02",
        platforms=["website"],
        images=[{"file": "a.jpg", "alt": "Towers", "pupils": ["P1"]}],
    )
    assert run(site, "approve", "trip", "--by", "head", now="2026-11-04T09:00").code == 0
    assert run(site, "build", now="2026-11-05T10:00").code == 0
    assert run(site, "deploy", now="2026-11-05T11:00").code == 0
    ledger = (site.root / "content/records/publications.jsonl").read_text().splitlines()
    assert set(json.loads(ledger[-1])["photos"]["trip"]) == {"a.jpg"}
    save_photo(index.parent / "a.jpg", "beach", size=(640, 480))
    site.post(
        "trip",
        pupils=[],
        date="2026-11-02",
        platforms=["website"],
        images=[{"file": "a.jpg", "alt": "Sand", "pupils": []}],
    )
    assert run(site, "approve", "trip", "--by", "head", now="2026-11-06T09:00").code == 0
    site.withdraw("P1", "2026-11-06")
    for now in ("2026-11-07T09:00", "2026-11-07T11:00"):  # (before the build, and after)
        (item,) = run(site, "takedown", "--json", now=now).json()["takedowns"]
        assert item["platform"] == "website" and item["images"] == ["a.jpg"]
        assert item["because"] == ["P1 (consent withdrawn on 2026-11-06) on a.jpg"]
        assert run(site, "build", now="2026-11-07T10:00").code == 0
    assert run(site, "deploy", now="2026-11-07T12:00").code == 0
    assert run(site, "takedown", "--json", now="2026-11-07T13:00").json()["takedowns"] == []
