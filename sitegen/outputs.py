"""A post's outputs, made from the gate's decision and its photos: pages, bundles, ledger records.

Pure: what a post puts into a build follows from its decision, the site's settings and the
photos made for each platform. The engine (units.py) only remembers the result by key, and
hands in the post's page as made or remembered.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from sitegen import records
from sitegen.config import Config
from sitegen.engine.plan import Content, Fresh, fingerprint
from sitegen.exports import Bundle, ExportRow, bundle_files, compose
from sitegen.gate import WEBSITE, Decision
from sitegen.images import Variant
from sitegen.model import ImageRef
from sitegen.render import PostView, post_view

# A platform's photos as made for it: each reference, its sizes, and their files.
Photos = list[tuple[ImageRef, list[Variant], dict[str, Content]]]
Page = Callable[[PostView], dict[str, Content]]  # the post's page file(s), by output path


class PostOutputs(NamedTuple):
    """Everything one post puts into a build."""

    slug: str
    view: PostView | None  # on the website, for the lists
    site: dict[str, Content]  # its page and photos, by path under build/site/
    exports: dict[str, Content]  # its bundles' files, by path under build/exports/
    rows: tuple[ExportRow, ...]  # its rows of each platform's bulk.csv
    publications: tuple[records.Publication, ...]  # for the ledger
    left_out: tuple[tuple[str, str], ...]  # (platform, reason)
    strict: tuple[tuple[str, str], ...]  # left out although approved (`build --strict`)
    report: tuple[tuple[str, str], ...]  # its lines of report.json, by section


def post_outputs(
    decision: Decision,
    photos: dict[str, Photos],
    failed: dict[str, str],
    config: Config,
    photo_hashes: dict[str, str],
    page: Page,
) -> PostOutputs:
    """The outputs of one decided post. `photos` are its photos made for each platform the
    gate lets it go to, `failed` the platforms where a photo could not be made (and why),
    `photo_hashes` the hash of each photo's source (the ledger names photos by content), and
    `page` makes (or remembers) the post's page from its view."""
    post, slug = decision.checked.post, decision.slug
    analysis = decision.checked.analysis
    failures = tuple(sorted(failed.items()))
    site_files: dict[str, Content] = {}
    view = None
    if decision.on_website and WEBSITE not in failed:
        made = photos[WEBSITE]
        view = post_view(
            post,
            config,
            [(ref, variants) for ref, variants, _ in made],
            body_html=analysis.body_html if analysis else None,
            digest=decision.checked.digest,
        )
        for _, _, files in made:
            site_files.update({f"posts/{slug}/{name}": data for name, data in files.items()})
        site_files.update(page(view))
    link = f"{config.base_url}posts/{slug}/" if view is not None else None
    export_files: dict[str, Content] = {}
    bundles = []
    for platform in decision.platforms:
        if platform == WEBSITE or platform in failed:
            continue
        bundle, files = _bundle(decision, platform, photos[platform], config, link)
        export_files.update(files)
        bundles.append(bundle)
    published = {p: refs for p, refs in decision.platforms.items() if p not in failed}
    publications = _publications(
        decision, published, photos, photo_hashes, link, {**site_files, **export_files}
    )
    left_out = (*decision.left_out, *failures)
    approved_but_out = tuple(
        (p, r)
        for p, r in decision.left_out
        # (an approval set aside by `status: draft` is no approval: its post is not "approved")
        if post.approval is not None and post.status == "approved" and not r.startswith("scheduled")
    )
    return PostOutputs(
        slug=slug,
        view=view,
        site=site_files,
        exports=export_files,
        rows=tuple(b.row() for b in bundles),
        publications=publications,
        left_out=left_out,
        strict=(*approved_but_out, *failures),
        report=_report_lines(slug, view, bundles, left_out, config, publications),
    )


def _publications(
    decision: Decision,
    published: dict[str, tuple[ImageRef, ...]],
    photos: dict[str, Photos],
    photo_hashes: dict[str, str],
    link: str | None,
    files: dict[str, Content],
) -> tuple[records.Publication, ...]:
    """What the ledger records of the post on each platform it goes to (`files`: its page's
    and its bundles' files, by output path)."""
    post = decision.checked.post
    made = []
    for platform, refs in published.items():
        images = tuple(
            _photo_record(
                ref,
                photo_hashes,
                decision.covered.get(platform, {}),
                _exported_names(photos[platform]) if platform != WEBSITE else {},
            )
            for ref in refs
        )
        folder = (
            f"posts/{decision.slug}/" if platform == WEBSITE else f"{platform}/{decision.slug}/"
        )
        made.append(
            records.Publication(
                decision.slug,
                platform,
                post.title,
                link,
                decision.checked.digest,
                tuple(post.pupils),
                images,
                _files_print(files, folder),
            )
        )
    return tuple(made)


def _files_print(files: dict[str, Content], folder: str) -> str:
    """The hash of what goes out on a platform (its page or its bundle, in `folder`): each
    file by name and content."""
    parts = sorted(
        f"{p[len(folder) :]}\0{_print(c)}" for p, c in files.items() if p.startswith(folder)
    )
    return "sha256:" + hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def _print(content: Content) -> str:
    """A file by its content: its fingerprint, or for a photo made into the result store, the
    key it is kept by (the hash of its source's bytes and of how it was made: never where
    the store is, which moves with the site or SITEGEN_CACHE_DIR)."""
    if isinstance(content, Path):
        return f"made:{content.parent.name}/{content.name}"
    return fingerprint(content)


def _exported_names(made: Photos) -> dict[str, str]:
    """Each photo's file name in the platform's bundle, by the post's own name for it."""
    files = bundle_files([(ref, variants) for ref, variants, _ in made])
    return {ref.file: name for (ref, _, _), (name, _, _) in zip(made, files, strict=True)}


def _photo_record(
    ref: ImageRef,
    photo_hashes: dict[str, str],
    covered: dict[str, tuple[int, ...]],
    exported_as: dict[str, str],
) -> dict[str, Any]:
    """A photo as the ledger records it: its source by hash, who is on it, the faces covered
    in the copy that went out (by number, as its `faces` list numbers them) and that list,
    and its file name in the platform's bundle."""
    record: dict[str, Any] = {
        "file": ref.file,
        "sha256": photo_hashes[ref.file],
        "pupils": list(ref.shows),  # (and those the ledger records on its bytes)
    }
    if ref.file in exported_as:
        record["exported_as"] = exported_as[ref.file]
    if covered.get(ref.file):
        record["covered"] = list(covered[ref.file])
    if ref.faces is not None:  # (who each numbered face is: whose face was covered)
        record["faces"] = list(ref.faces)
    return record


def _bundle(
    decision: Decision, platform: str, made: Photos, config: Config, link: str | None
) -> tuple[Bundle, dict[str, Content]]:
    """The post's bundle for a social platform: its text, its photos, its manifest."""
    post, slug = decision.checked.post, decision.slug
    files = bundle_files([(ref, variants) for ref, variants, _ in made])
    sources: dict[str, Any] = {}
    for _, _, produced in made:
        sources.update(produced)
    assert post.date is not None  # (a post without a date is never decided onto a platform)
    body = decision.checked.analysis.export_text if decision.checked.analysis else None
    text = compose(post, platform, config.export_for(platform), link, body)
    bundle = Bundle(
        slug,
        platform,
        post.title,
        post.date,
        text.text,
        link,
        tuple((name, alt) for name, _, alt in files),
        text.for_csv,
    )
    folder = f"{platform}/{slug}"
    exported: dict[str, Content] = {
        f"{folder}/post.txt": Fresh.of((bundle.text + "\n").encode("utf-8")),
        f"{folder}/manifest.json": Fresh.of(bundle.manifest()),
    }
    for name, variant, _ in files:
        exported[f"{folder}/{name}"] = sources[variant.file]
    return bundle, exported


def _report_lines(
    slug: str,
    view: PostView | None,
    bundles: list[Bundle],
    left_out: tuple[tuple[str, str], ...],
    config: Config,
    publications: tuple[records.Publication, ...],
) -> tuple[tuple[str, str], ...]:
    lines = [("published", _published_line(slug, view, config, publications))] if view else []
    lines += [
        ("exported:" + b.platform, _line(slug=slug, images=[f for f, _ in b.images]))
        for b in bundles
    ]
    lines += [("left_out", _line(slug=slug, platform=p, reason=r)) for p, r in left_out]
    return tuple(lines)


def _published_line(
    slug: str, view: PostView, config: Config, publications: tuple[records.Publication, ...]
) -> str:
    """A post on the website, for report.json: its address, and (for `deploy`, which records
    what it puts live) the faces covered on its photos there."""
    website = next((p.images for p in publications if p.platform == WEBSITE), ())
    covered = {str(i["file"]): i["covered"] for i in website if i.get("covered")}
    if covered:
        return _line(slug=slug, url=config.base_url + view.path, covered=covered)
    return _line(slug=slug, url=config.base_url + view.path)


def _line(**item: Any) -> str:
    return json.dumps(item, ensure_ascii=False)
