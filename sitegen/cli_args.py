"""The command line's words: every command, its arguments and its help (`sitegen --help`)."""

from __future__ import annotations

import argparse

from sitegen import __version__

EVERY_LISTED = "\0every post listed"  # `takedown --done --platform P`, without SLUG

Subparsers = argparse._SubParsersAction  # what add_subparsers returns: one parser a command


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--site",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="the site folder (default: the current folder)",
    )
    common.add_argument(
        "--now",
        metavar="DATETIME",
        default=argparse.SUPPRESS,
        help="act as if it were this ISO date or datetime (site time zone)",
    )
    return common


def parser() -> argparse.ArgumentParser:
    common = _common()
    top = argparse.ArgumentParser(
        prog="sitegen",
        parents=[common],
        description="A school news site that obeys the social media policy.",
    )
    top.add_argument("--version", action="version", version=f"sitegen {__version__}")
    # (not required here: an unknown option before any command is named as such, not as a
    # command missing; `main` asks for the command)
    sub = top.add_subparsers(dest="command", metavar="COMMAND")
    _post_commands(sub, common)
    _site_commands(sub, common)
    return top


def _post_commands(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """The commands of one post's way to approval, in the order of `sitegen --help`."""
    p = sub.add_parser("new", parents=[common], help="start a new draft post")
    p.add_argument("title")
    p.add_argument("--author", required=True, metavar="USER")
    p.add_argument("--date", metavar="YYYY-MM-DD")
    p.add_argument(
        "--lang",
        metavar="LANG",
        help="the post's language (cy or en); default: site.language in site.toml",
    )

    p = sub.add_parser("check", parents=[common], help="check posts against the policy")
    p.add_argument("posts", nargs="*", metavar="POST")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("submit", parents=[common], help="mark a draft as ready for approval")
    p.add_argument("post", metavar="POST")

    p = sub.add_parser("approve", parents=[common], help="senior leader approval of posts")
    p.add_argument("posts", nargs="+", metavar="POST")
    p.add_argument("--by", required=True, metavar="USER")
    _signing_key(p)

    p = sub.add_parser("unapprove", parents=[common], help="a senior leader takes approvals back")
    p.add_argument("posts", nargs="+", metavar="POST")
    p.add_argument("--by", required=True, metavar="USER")
    _signing_key(p)

    p = sub.add_parser("status", parents=[common], help="each post's workflow status")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser(
        "faces", parents=[common], help="the faces on a post's photos, numbered for `faces:`"
    )
    p.add_argument("post", metavar="POST")


def _site_commands(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """The commands for the whole site: publishing, the data protection lead's, the preview."""
    p = sub.add_parser("build", parents=[common], help="publish the site and export bundles")
    p.add_argument("--out", metavar="DIR")
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 if an approved post is left out for any reason but its date",
    )
    p.add_argument("--timings", action="store_true", help="print the time of each stage")

    p = sub.add_parser(
        "sar", parents=[common], help="Subject Access Request: everything about one pupil"
    )
    p.add_argument("pupil_id", metavar="PUPIL_ID")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--format",
        choices=["md", "html"],
        default="md",
        help="the readable report's format (default: md)",
    )
    p.add_argument("--output", metavar="FILE", help="write the report to FILE")

    p = sub.add_parser(
        "takedown", parents=[common], help="published posts that must now be removed, and where"
    )
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--done",
        metavar="SLUG",
        nargs="?",
        const=EVERY_LISTED,
        help="record that SLUG (without it: every post listed for --platform) was removed "
        "from --platform",
    )
    p.add_argument("--platform", metavar="P")

    _live_commands(sub, common)

    p = sub.add_parser(
        "register", parents=[common], help="the consent register by class, for the school"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--html", metavar="FILE", help="write a page for the governors to FILE")

    p = sub.add_parser("serve", parents=[common], help="preview with drafts, rebuilt on save")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=port, default=8000)

    p = sub.add_parser(
        "records", parents=[common], help="the approved revisions kept in content/records/"
    )
    p.add_argument("action", choices=["prune"])

    p = sub.add_parser("audit", parents=[common], help="the approval audit log")
    p.add_argument("action", choices=["verify", "repair"])
    p.add_argument("--by", metavar="LEADER", help="repair: the leader who starts the log again")


def _live_commands(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """What really went out: the site copied to the server, bundles posted by hand."""
    p = sub.add_parser(
        "deploy", parents=[common], help="copy build/site/ to [deploy] target, record what is live"
    )
    p.add_argument("--dry-run", action="store_true", help="list what would change; copy nothing")
    p.add_argument(
        "--moved",
        action="store_true",
        help="the site has moved to a new target: the last deploy's target no longer carries it",
    )
    p.add_argument("--out", metavar="DIR", help="the build folder (default: build)")

    p = sub.add_parser(
        "posted", parents=[common], help="record that export bundles were posted on a platform"
    )
    p.add_argument("--platform", metavar="P", required=True)
    p.add_argument("slugs", nargs="*", metavar="SLUG", help="default: every pending one")
    p.add_argument("--out", metavar="DIR", help="the build folder (default: build)")


def _signing_key(p: argparse.ArgumentParser) -> None:
    """approve's and unapprove's --key: the leader signs both."""
    p.add_argument(
        "--key",
        metavar="FILE",
        help="the leader's SSH key to sign with (default ~/.ssh/id_ed25519; a .pub: the agent's)",
    )


def port(text: str) -> int:
    """A TCP port for the preview (0: any free one), said in words when out of range."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"{number} is not a port: give one from 1 to 65535")
    return number
