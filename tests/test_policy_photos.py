"""SG121, SG123, SG124 and SG127 through `sitegen check`, on real camera files."""

from __future__ import annotations

import shutil

from tests.conftest import FIXTURES, PHOTOS, SITE_TOML, SiteDir


def post_with(site: SiteDir, *photos: str, devices: str = '["Canon EOS 40D"]') -> None:
    site.config(SITE_TOML.replace("approved_devices = []", f"approved_devices = {devices}"))
    folder = site.root / "content/posts/p"
    folder.mkdir(parents=True, exist_ok=True)
    refs = []
    for photo in photos:
        source = PHOTOS / photo if (PHOTOS / photo).exists() else FIXTURES / "photos-more" / photo
        shutil.copy(source, folder / photo)
        refs.append({"file": photo, "alt": "Children's paintings on the wall", "pupils": []})
    site.post("p", images=refs)


def by_image(run, site: SiteDir) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    result = run(site, "check", "--json")
    assert "Traceback" not in result.err
    found: dict[str, set[str]] = {}
    for f in result.json()["posts"][0]["findings"]:
        image = f["message"].split()[1]
        found.setdefault(image, set()).add(f["code"])
    return found


def test_device_and_metadata_findings(run, site):  # type: ignore[no-untyped-def]
    post_with(
        site, "Canon_40D.jpg", "Nikon_D70.jpg", "orientation_landscape_6.jpg", "gps_DSCN0010.jpg"
    )
    found = by_image(run, site)
    assert "SG123" not in found["Canon_40D.jpg"]  # approved, matched as SPEC says
    assert "SG123" in found["Nikon_D70.jpg"]
    assert found["orientation_landscape_6.jpg"] == {"SG127"}
    assert {"SG123", "SG124"} <= found["gps_DSCN0010.jpg"]


def test_gps_warning_says_it_will_be_removed(run, site):  # type: ignore[no-untyped-def]
    post_with(site, "gps_DSCN0010.jpg", devices="[]")
    (f,) = run(site, "check", "--json").json()["posts"][0]["findings"]
    assert f["code"] == "SG124" and f["severity"] == "warning"
    assert "GPS location" in f["message"] and "removed on publish" in f["message"]


def test_no_device_list_means_any_device(run, site):  # type: ignore[no-untyped-def]
    post_with(site, "Nikon_D70.jpg", "orientation_portrait_8.jpg", devices="[]")
    found = by_image(run, site)
    assert not any(codes & {"SG123", "SG127"} for codes in found.values())


def test_corrupt_and_unsupported_sg121_and_other_posts_go_on(run, site):  # type: ignore[no-untyped-def]
    post_with(site, "corrupted.jpg", "tiff_BSG1.tiff", "IMG_5195.HEIC", devices="[]")
    site.post("other")
    result = run(site, "check", "--json")
    posts = {p["slug"]: p for p in result.json()["posts"]}
    sg121 = [f for f in posts["p"]["findings"] if f["code"] == "SG121"]
    assert len(sg121) == 2
    assert any("corrupt" in f["message"] for f in sg121)
    assert any("TIFF" in f["message"] for f in sg121)
    assert posts["other"]["findings"] == []
    assert result.code == 1


def test_facts_are_cached_by_content(run, site, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv("SITEGEN_CACHE_DIR")
    post_with(site, "gps_DSCN0010.jpg", devices="[]")
    run(site, "check")
    entries = list((site.root / "build/.cache/facts").rglob("*.json"))
    assert len(entries) == 1
    entries[0].write_text("{broken")  # a corrupt entry is ignored, never trusted
    assert "SG124" in run(site, "check").out


def test_an_unknown_device_blocks_unless_the_school_accepts_the_risk(run, site):  # type: ignore[no-untyped-def]
    """A photo without a camera make or model (a messaging app, a screenshot) may come from
    any phone: SG127 is an error, unless policy.unknown_device = "warning"."""
    post_with(site, "orientation_landscape_6.jpg")
    (f,) = run(site, "check", "--json").json()["posts"][0]["findings"]
    assert (f["code"], f["severity"]) == ("SG127", "error")
    assert "messaging apps" in f["message"] and "Canon EOS 40D" in f["message"]
    assert run(site, "approve", "p", "--by", "head").code == 1
    toml = (site.root / "site.toml").read_text()
    site.config(toml.replace('faces = "off"', 'faces = "off"\nunknown_device = "warning"'))
    (f,) = run(site, "check", "--json").json()["posts"][0]["findings"]
    assert (f["code"], f["severity"]) == ("SG127", "warning")


def test_an_unapproved_device_says_what_to_do(run, site):  # type: ignore[no-untyped-def]
    post_with(site, "Nikon_D70.jpg")
    (f,) = [
        f
        for f in run(site, "check", "--json").json()["posts"][0]["findings"]
        if f["code"] == "SG123"
    ]
    assert "NIKON D70" in f["message"] and "school device (Canon EOS 40D)" in f["message"]
    assert "ask a leader to add this one to policy.approved_devices" in f["message"]


def test_a_photo_narrower_than_the_smallest_width_is_a_warning(run, site):  # type: ignore[no-untyped-def]
    """The test site's smallest width is 480: a 300-pixel photo would be stretched."""
    from imagegen import save_photo  # type: ignore[import-not-found]

    save_photo(site.root / "content/posts/p/small.jpg", "castle", size=(300, 200))
    site.post("p", images=[{"file": "small.jpg", "alt": "The castle", "pupils": []}])
    (f,) = run(site, "check", "--json").json()["posts"][0]["findings"]
    assert (f["code"], f["severity"]) == ("SG129", "warning") and "300 pixels" in f["message"]
