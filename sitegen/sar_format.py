"""The Subject Access Request written out: as Markdown (plain text, photos described) or as one
web page that opens offline (photos embedded as data: addresses, nothing fetched from anywhere,
every word escaped)."""

from __future__ import annotations

import base64
import html
from typing import Any

from sitegen.config import Config
from sitegen.sar_report import Heading, Items, Para, Photo, Quote, Table, report_blocks

# --- Markdown --------------------------------------------------------------------------------


def sar_markdown(data: dict[str, Any], config: Config) -> str:
    lines: list[str] = []
    for block in report_blocks(data, config):
        if isinstance(block, Heading):
            lines += ["#" * block.level + " " + block.text, ""]
        elif isinstance(block, Para):
            lines += [f"**{block.label}** {block.text}" if block.label else block.text, ""]
        elif isinstance(block, Items):
            lines += [*(f"- {item}" for item in block.items), ""]
        elif isinstance(block, Table):
            lines += [
                "| " + " | ".join(block.header) + " |",
                "|" + "---|" * len(block.header),
                *("| " + " | ".join(c.replace("|", "/") for c in row) + " |" for row in block.rows),
                "",
            ]
        elif isinstance(block, Quote):
            quoted = "\n".join(f"> {line}".rstrip() for line in block.text.splitlines())
            lines += [f"{block.label}:", "", quoted or ">", ""]
        elif isinstance(block, Photo):
            caption = f" Caption: {block.caption}." if block.caption else ""
            where = " (The photo itself is in the web page version of this report.)"
            lines += [
                f"- Photo {block.number}: {block.alt}.{caption} {block.note}"
                + (where if block.held else ""),
                "",
            ]
    return "\n".join(lines).rstrip() + "\n"


# --- HTML ------------------------------------------------------------------------------------

STYLE = """
body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;
line-height:1.5;color:#1a1a1a}
h1{font-size:1.6rem}h2{margin-top:2.5rem;border-bottom:2px solid #1a1a1a}
h3{margin-top:2rem;background:#eef2f7;padding:.3rem .5rem}h4{margin:1.2rem 0 .3rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #888;padding:.3rem .6rem;
text-align:left;vertical-align:top}
blockquote{margin:.3rem 0 .8rem;padding:.2rem .8rem;border-left:4px solid #bbb;
white-space:pre-line}
figure{margin:1rem 0;break-inside:avoid}figure img{max-width:100%;height:auto;
border:1px solid #999}figcaption{font-size:.95rem}.label{font-weight:bold}
@media print{h3{break-after:avoid}}
"""
# Nothing may be fetched: the page opens the same offline, and no server learns it was read.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def sar_html(data: dict[str, Any], config: Config, photos: dict[str, bytes]) -> str:
    """The report as one web page: photos embedded, nothing loaded from anywhere else."""
    esc = html.escape
    parts: list[str] = []
    title = "Subject Access Request"
    for block in report_blocks(data, config):
        if isinstance(block, Heading):
            if block.level == 1:
                title = block.text
            parts.append(f"<h{block.level}>{esc(block.text)}</h{block.level}>")
        elif isinstance(block, Para):
            label = f'<span class="label">{esc(block.label)}</span> ' if block.label else ""
            parts.append(f"<p>{label}{esc(block.text)}</p>")
        elif isinstance(block, Items):
            parts.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in block.items) + "</ul>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{esc(h)}</th>" for h in block.header) if any(block.header) else ""
            rows = "".join(
                "<tr>"
                + "".join(
                    f"<th>{esc(c)}</th>" if i == 0 else f"<td>{esc(c)}</td>"
                    for i, c in enumerate(row)
                )
                + "</tr>"
                for row in block.rows
            )
            parts.append(f"<table>{f'<tr>{head}</tr>' if head else ''}{rows}</table>")
        elif isinstance(block, Quote):
            parts.append(
                f'<p class="label">{esc(block.label)}</p><blockquote>{esc(block.text)}</blockquote>'
            )
        elif isinstance(block, Photo):
            parts.append(_figure(block, photos.get(block.sha256)))
    body = "\n".join(parts)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="robots" content="noindex">\n'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>\n{body}\n</body></html>\n"
    )


def _figure(photo: Photo, jpeg: bytes | None) -> str:
    esc = html.escape
    if jpeg is None and not photo.held:
        picture = "<p>(The school no longer holds this photo: there is no copy to show.)</p>"
    elif jpeg is None:
        picture = "<p>(This photo could not be read to make a copy.)</p>"
    else:
        uri = "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")
        picture = f'<img src="{uri}" alt="{esc(photo.alt)}">'
    caption = f" Caption: {esc(photo.caption)}." if photo.caption else ""
    return (
        f"<figure>{picture}<figcaption><strong>Photo {photo.number}.</strong> "
        f"{esc(photo.alt)}.{caption} {esc(photo.note)}</figcaption></figure>"
    )
