"""A post's outputs from its decision and photos: a pure function, tested without a site."""

from __future__ import annotations

import json
from datetime import timedelta

from sitegen.config import parse_config
from sitegen.gate import decide
from sitegen.images import Variant
from sitegen.inspection import check_post
from sitegen.outputs import post_outputs
from sitegen.policy import Context
from sitegen.register import parse_register
from tests.test_gate import CONFIG, START, approved_post, register_text


def test_outputs_follow_from_the_decision_and_the_photos(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = parse_config(tmp_path, CONFIG)
    rows = [([True, True, True, True], "no", None)] * 3
    register = parse_register(register_text(rows), "consent.csv", config.platforms)
    post, entries = approved_post(tmp_path, [0], [0], [], due=-1)
    ctx = Context(config, register, START + timedelta(hours=1), audit_entries=entries)
    decision = decide(check_post(post, ctx), ctx)
    assert set(decision.platforms) == {"website", "facebook", "instagram", "x"}
    (ref,) = post.images
    photos = {
        platform: [(ref, [Variant("photo-1-480.jpg", 480, 360, "jpeg")], {"photo-1-480.jpg": b"J"})]
        for platform in decision.platforms
    }
    outputs = post_outputs(
        decision,
        photos,
        {"x": "image a.jpg could not be published: broken"},
        config,
        {"a.jpg": "sha256:abc"},
        lambda view: {f"posts/{view.slug}/index.html": b"<page>"},
    )
    assert outputs.site == {"posts/p/photo-1-480.jpg": b"J", "posts/p/index.html": b"<page>"}
    assert sorted(outputs.exports) == [
        f"{p}/p/{name}"
        for p in ("facebook", "instagram")
        for name in ("01-photo-1-480.jpg", "manifest.json", "post.txt")
    ]
    text = outputs.exports["facebook/p/post.txt"].data.decode()  # type: ignore[union-attr]
    assert text.rstrip().endswith("https://n.example/posts/p/")
    assert {p.platform for p in outputs.publications} == {"website", "facebook", "instagram"}
    assert outputs.publications[0].images[0] == {
        "file": "a.jpg",
        "sha256": "sha256:abc",
        "pupils": ["P0"],
    }
    assert ("x", "image a.jpg could not be published: broken") in outputs.left_out
    assert outputs.strict == (("x", "image a.jpg could not be published: broken"),)
    sections = [section for section, _ in outputs.report]
    assert sections == ["published", "exported:facebook", "exported:instagram", "left_out"]
    assert json.loads(outputs.report[0][1]) == {"slug": "p", "url": "https://n.example/posts/p/"}


def test_a_post_off_the_website_links_nowhere(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = parse_config(tmp_path, CONFIG)
    rows = [([False, True, True, True], "no", None)] * 3  # no website consent
    register = parse_register(register_text(rows), "consent.csv", config.platforms)
    post, entries = approved_post(tmp_path, [0], [], [0], due=-1)  # named: in the text
    ctx = Context(config, register, START + timedelta(hours=1), audit_entries=entries)
    decision = decide(check_post(post, ctx), ctx)
    outputs = post_outputs(decision, {}, {}, config, {"a.jpg": "h"}, lambda view: {})
    assert outputs.view is None and outputs.site == {} and outputs.publications == ()
    assert all(section == "left_out" for section, _ in outputs.report)
