"""A post's unit as a build keeps it between builds."""

from __future__ import annotations

import pickle
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sitegen.engine.plan import Fresh, Same
from sitegen.exports import ExportRow
from sitegen.images import Variant
from sitegen.making import MadePost
from sitegen.records import Publication
from sitegen.render import ImageView, PostView

LONDON = ZoneInfo("Europe/London")


def _unit() -> MadePost:
    when = datetime(2026, 11, 20, 9, 30, tzinfo=LONDON)
    variant = Variant("photo-1-640.jpg", 640, 480, "jpeg")
    view = PostView(
        "sports-day",
        "Sports day",
        "A sunny morning",
        when,
        "en",
        "Mrs Jones",
        (("Sport", "sport"),),
        "<p>Well done!</p>",
        (ImageView("Runners", "", (variant,)),),
        fingerprint="abc",
    )
    return MadePost(
        slug="sports-day",
        made=when,
        until=None,
        view=view,
        site={
            "posts/sports-day/index.html": Same("f" * 64),
            "posts/sports-day/photo-1-640.jpg": Path("/cache/images/ab/photo-1-640.jpg"),
            "posts/sports-day/new.html": Fresh.of(b"<p>new</p>"),
        },
        exports={"x/sports-day/post.txt": b"Sports day\n", "x/sports-day/a.json": Same("e" * 64)},
        rows=(ExportRow("x", 1.5, "sports-day", b"line\r\n"),),
        publications=(
            Publication("sports-day", "website", "Sports day", "u", "sha256:1", ("P1",), ()),
            Publication(
                "sports-day",
                "x",
                "Sports day",
                None,
                "sha256:1",
                (),
                ({"file": "a.jpg", "sha256": "9", "pupils": ["P1"]},),
            ),
        ),
        left_out=(("facebook", "no consent"),),
        strict=(),
        report=(("published", '{"slug": "sports-day"}'),),
    )


def test_a_unit_read_back_is_the_unit_with_every_record_of_its_own_type() -> None:
    unit = _unit()
    back = pickle.loads(pickle.dumps(unit, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == unit
    assert type(back) is MadePost and type(back.view) is PostView
    assert [type(c) for c in back.site.values()] == [Same, type(Path("/")), Fresh]
    assert [type(c) for c in back.exports.values()] == [bytes, Same]
    assert {type(r) for r in back.rows} == {ExportRow}
    assert {type(p) for p in back.publications} == {Publication}
    assert back.view.images[0].variants == (Variant("photo-1-640.jpg", 640, 480, "jpeg"),)


def test_a_kept_unit_names_its_files_by_fingerprint_and_reads_back_the_same() -> None:
    kept = _unit().kept()
    assert all(isinstance(c, Same | Path) for c in [*kept.site.values(), *kept.exports.values()])
    assert pickle.loads(pickle.dumps(kept)) == kept


def test_a_unit_off_the_website_reads_back_without_a_view() -> None:
    unit = _unit()._replace(view=None, site={})
    assert pickle.loads(pickle.dumps(unit)) == unit
