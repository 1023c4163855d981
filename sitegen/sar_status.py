"""Where each post stands, for a Subject Access Request: its workflow status in words, and
why it is held back when the pupil's own consent is the reason (withdrawn, ended, or no for
one of the places a post that names them is meant for)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from sitegen.config import Config
from sitegen.gate import Decision
from sitegen.model import Pupil
from sitegen.sar_words import and_list, platform_name, publication_summary, status_words
from sitegen.text import fold_id

DELETED_BUT_KEPT = (
    "deleted from the news system since; the school keeps the copy a senior leader approved"
)
OUT_ONCE = ", as its record of what it published"


BACK = {  # a post that went out once and is back before approval, in words
    "draft": "and it is a draft again, not published now",
    "submitted": "and it is not published now: it waits for a senior leader's approval again",
}


@dataclass(frozen=True)
class PostStatus:
    """Each post's status as `check` decides it, and what the pupil's own consent holds back."""

    status: dict[str, str]
    withdrawn: set[str]  # the posts held back by the pupil's withdrawal (or ended consent)
    ended: bool  # their consent ended (consent_until) rather than being withdrawn
    named_refusals: dict[str, Refusal]  # slug -> where a post naming them may not go
    first: str
    # Why each post told so far is held back by a post naming them, by its slug as reported.
    naming: dict[str, str] = field(default_factory=dict)
    # The edited posts whose approved version a build publishes meanwhile (None: not known).
    live_approved: set[str] | None = None

    @classmethod
    def of(
        cls,
        decided: list[Decision],
        pupil: Pupil | None,
        key: str,
        today: date,
        live_approved: set[str] | None = None,
    ) -> PostStatus:
        return cls(
            {d.slug: d.checked.status for d in decided},
            _held_back_by_withdrawal(decided, key),
            _ended(pupil, today),
            _named_refusals(decided, key),
            (pupil.first_name or pupil.pupil_id) if pupil else "",
            live_approved=live_approved,
        )

    def tell(self, entry: dict[str, Any], slug: str, status: str, deleted: bool) -> None:
        """The entry's status, whether it is a kept copy of a deleted post, and in words: a
        post that names the pupil, held back by their consent for one of its places, says
        so (it read "held back (for example because a consent changed)")."""
        entry["status"] = self.status.get(slug, status)
        entry["deleted"] = deleted
        entry["status_words"] = (
            DELETED_BUT_KEPT + (OUT_ONCE if entry.get("published_on") else "")
            if deleted
            else status_words(entry["status"], slug in self.withdrawn, self.ended)
        )
        if (
            entry["status"] == "stale"
            and self.live_approved is not None
            and slug not in self.live_approved
            and slug not in self.withdrawn
        ):  # ("the edit is not published" read as though the approved version still were)
            entry["status_words"] = (
                "edited after it was approved, and the approved version is held back too "
                "(a consent or the register changed): it is not published now"
            )
        if not deleted and entry["status"] in BACK and entry.get("published_on"):
            # (it went out once: "a draft, not approved" beside where it went read as false)
            entry["status_words"] = (
                f"published earlier; its approval was taken back, {BACK[entry['status']]}"
            )
        if entry["status"] == "blocked" and (refusal := self.named_refusals.get(slug)):
            where = and_list([platform_name(p) for p in refusal.platforms])
            names = refusal.names
            how = "names" if names else "tags, on none of its photos,"
            why = f"it {how} {self.first}, who may not appear on {where}"
            entry["status_words"] = (
                f"approved earlier, but now held back: {why}, and a post that "
                f"{'names' if names else 'tags'} a pupil goes nowhere unless every place it "
                "is meant for allows them"
            )
            self.naming[entry["slug"]] = why


def _ended(pupil: Pupil | None, today: date) -> bool:
    """Whether the pupil's consent ended (consent_until) rather than being withdrawn."""
    return pupil is not None and not pupil.is_withdrawn(today) and pupil.has_expired(today)


def _held_back_by_withdrawal(decided: list[Decision], key: str) -> set[str]:
    """The posts held back by this pupil's own withdrawal (another child's reasons are not
    theirs)."""
    return {
        d.slug
        for d in decided
        if any(f.code == "SG112" and fold_id(f.pupil or "") == key for f in d.checked.errors)
    }


class Refusal(NamedTuple):
    """Where a post that names or tags the pupil may not go (SG111), and whether it names
    them (else it tags them on none of its photos)."""

    platforms: tuple[str, ...]
    names: bool


def _named_refusals(decided: list[Decision], key: str) -> dict[str, Refusal]:
    """The posts that name the pupil (or tag them on no photo) and are meant for a platform
    they may not appear on, with those platforms: SG111 holds such a post back everywhere."""
    found: dict[str, Refusal] = {}
    for d in decided:
        mine = [
            f
            for f in d.checked.errors
            if f.code == "SG111" and fold_id(f.pupil or "") == key and f.platform
        ]
        if mine:
            platforms = tuple(dict.fromkeys(str(f.platform) for f in mine))
            names = any("is named in the post" in f.message for f in mine)
            found[d.slug] = Refusal(platforms, names)
    return found


NAMED = "\0named"  # among a post's refusals: the post names the pupil (not only tags them)


def held_back_by_naming(
    publications: list[dict[str, Any]], statuses: PostStatus, config: Config
) -> None:
    """Why a post that names the pupil must come down where their consent stands: their
    consent for another place it is meant for (it read "consent no longer covers it" beside
    a table of yeses)."""
    for pub in publications:
        if pub.get("pending_removal") and (why := statuses.naming.get(pub["slug"])):
            pub["pending_removal"] = why
            pub["summary"] = publication_summary(pub, config)
