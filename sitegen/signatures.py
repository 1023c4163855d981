"""Signed approvals: a leader's SSH key signs what they approved (`ssh-keygen -Y sign`, the
format git uses for signed commits), and every command that trusts an approval checks it
(`ssh-keygen -Y verify`) against the key site.toml gives that leader."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from sitegen.engine.store import GROWN  # (kept beside the log's entries in its memo)
from sitegen.errors import RefusedError, UsageError

NAMESPACE = "sitegen-approval"
DEFAULT_KEY = Path("~/.ssh/id_ed25519")
KEY_TYPES = (
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)
PUBLIC_KEY = re.compile(r"^(\S+) ([A-Za-z0-9+/=]+)(?: .*)?$")
INSTALL = "ssh-keygen is not installed: apt-get install openssh-client"


def message(digest: str, by: str, at: str) -> bytes:
    """What a leader signs: the post's digest, who approves it, and when."""
    return f"{NAMESPACE} {digest} {by} {at}".encode()


def unapproval_message(entry: str, by: str, at: str) -> bytes:
    """What a leader signs to take an approval back: that approval's entry, who, and when
    (other words than an approval's: one signature can never stand for the other)."""
    return f"{NAMESPACE} unapprove {entry} {by} {at}".encode()


def entry_message(entry: Mapping[str, Any]) -> bytes:
    """The words an audit entry's signature signs, by its action."""
    said = (str(entry.get("digest")), str(entry.get("by", "")), str(entry.get("at")))
    return unapproval_message(*said) if entry.get("action") == "unapprove" else message(*said)


def key_problem(public_key: str) -> str | None:
    """What is wrong with a public key as site.toml gives it, or None."""
    m = PUBLIC_KEY.match(public_key.strip())
    if m is None or m.group(1) not in KEY_TYPES:
        return 'must be an OpenSSH public key, as in id_ed25519.pub ("ssh-ed25519 AAAA...")'
    if _wire_type(m.group(2)) != m.group(1):
        # (a key cut short when pasted: every approval it signed would read as not signed)
        return (
            "is not a whole OpenSSH public key (cut short, or mistyped?): copy the whole "
            "line of the leader's .pub file again"
        )
    return None


def _wire_type(blob: str) -> str | None:
    """The key type a public key's base64 part names, when it is a whole key: SSH's
    length-prefixed fields, each whole, to its last byte."""
    try:
        data = base64.b64decode(blob, validate=True)
    except ValueError:
        return None
    fields, offset = [], 0
    while offset < len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        if offset + 4 + size > len(data):
            return None
        fields.append(data[offset + 4 : offset + 4 + size])
        offset += 4 + size
    if len(fields) < 2 or (fields[0] == b"ssh-ed25519" and len(fields[1]) != 32):
        return None
    return fields[0].decode("ascii", "replace")


def same_key(a: str, b: str) -> bool:
    """Two public keys are the same key whatever their comments."""
    return a.split()[:2] == b.split()[:2]


@cache
def ssh_keygen() -> str | None:
    return shutil.which("ssh-keygen")


def sign(text: bytes, key: Path | None) -> str:
    """The armoured SSH signature of `text` by the private key at `key` (default
    ~/.ssh/id_ed25519), or by the SSH agent when `key` is a public key (.pub) the agent
    holds. Never asks for a passphrase: a protected key needs the agent."""
    program = ssh_keygen()
    if program is None:
        raise UsageError(INSTALL)
    path = (key or DEFAULT_KEY).expanduser()
    if not path.is_file():
        raise UsageError(
            f"no key file {path}: give the leader's SSH key with --key FILE "
            "(a private key, or its .pub when the SSH agent holds it)"
        )
    # The agent first, when it runs and the key's .pub is beside it: a protected key then
    # signs without a passphrase; else the key file itself.
    pub = path if path.suffix == ".pub" else Path(f"{path}.pub")
    tries = [pub] if os.environ.get("SSH_AUTH_SOCK") and pub.is_file() and pub != path else []
    stderr = ""
    for key_file in [*tries, path]:
        signature, stderr = _sign_with(program, text, key_file)
        if signature is not None:
            return signature
    raise RefusedError(_why_not_signed(path, stderr))


def _sign_with(program: str, text: bytes, key_file: Path) -> tuple[str | None, str]:
    with tempfile.TemporaryDirectory(prefix="sitegen-sign-") as tmp:
        signed = Path(tmp) / "approval"
        signed.write_bytes(text)
        done = subprocess.run(
            [program, "-Y", "sign", "-n", NAMESPACE, "-f", str(key_file), str(signed)],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=60,
            check=False,
            start_new_session=True,  # (no terminal: it cannot ask for a passphrase)
            env={**os.environ, "SSH_ASKPASS_REQUIRE": "never"},
        )
        sig = Path(f"{signed}.sig")
        if done.returncode != 0 or not sig.is_file():
            return None, done.stderr
        return sig.read_text("ascii"), ""


def _why_not_signed(path: Path, stderr: str) -> str:
    said = " ".join(stderr.split())
    private = path.with_suffix("") if path.suffix == ".pub" else path  # (what ssh-keygen read)
    if "UNPROTECTED PRIVATE KEY" in said:
        return (
            f"others can read the private key {private}, so ssh-keygen will not use it: "
            f"run `chmod 600 {private}`, then approve again"
        )
    if "No private key found" in said:
        return (
            f"no SSH agent holds the key {path}, and its private key is not beside it: "
            "run `ssh-add` for it, or give the private key with --key"
        )
    if "passphrase" in said.lower() or "incorrect" in said.lower():
        return (
            f"the key {path} is protected by a passphrase and no SSH agent holds it: run "
            "`ssh-add` for it first, then approve again (sitegen never asks for passphrases)"
        )
    return f"could not sign with {path}: {said or 'ssh-keygen failed'}"


def public_key_of(path: Path) -> str | None:
    """The public key of the key file at `path` (its .pub, or worked out from a private key
    without a passphrase), to check it is the leader's before signing anything."""
    path = path.expanduser()
    pub = path if path.suffix == ".pub" else Path(f"{path}.pub")
    if pub.is_file():
        return pub.read_text("ascii", "replace").strip()
    program = ssh_keygen()
    if program is None:
        return None
    done = subprocess.run(
        [program, "-y", "-f", str(path)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        timeout=30,
        check=False,
    )
    return done.stdout.strip() if done.returncode == 0 else None


def verify(text: bytes, signature: str, by: str, public_key: str) -> str | None:
    """None when `signature` is `by`'s signature of `text` with `public_key`; else what is
    wrong with it, as a message ends."""
    program = ssh_keygen()
    if program is None:
        return f"cannot be checked: {INSTALL}"
    with tempfile.TemporaryDirectory(prefix="sitegen-verify-") as tmp:
        signers, sig = Path(tmp) / "allowed_signers", Path(tmp) / "approval.sig"
        signers.write_text(f'{_principal(by)} namespaces="{NAMESPACE}" {public_key.strip()}\n')
        sig.write_text(signature)
        command = ["-Y", "verify", "-f", str(signers), "-I", _principal(by), "-n", NAMESPACE]
        done = subprocess.run(
            [program, *command, "-s", str(sig)],
            input=text,
            capture_output=True,
            timeout=30,
            check=False,
        )
    if done.returncode == 0:
        return None
    return (
        f"does not verify against {by}'s key in policy.leader_keys (forged, altered, or "
        "signed with another key)"
    )


def _principal(by: str) -> str:
    # (a username is one word in allowed_signers: anything else is quoted out)
    return re.sub(r"[^A-Za-z0-9._@-]", "_", by) or "_"


def check_entries(
    entries: Iterable[tuple[str, Mapping[str, Any]]],
    keys: Mapping[str, str],
    memo: Any = None,
) -> dict[str, str | None]:
    """The signature check of each signed audit entry, by entry hash: None when it verifies
    against its leader's key, else what is wrong. Kept in `memo` by what made the verdict
    (the entry's words, its signature and the key): ssh-keygen runs once per approval."""
    verdicts: dict[str, str | None] = {}
    first: dict[bytes, tuple[str, str]] = {}  # the signed words -> their first entry, post
    for entry_hash, entry in entries:
        signature, by = entry.get("signature"), str(entry.get("by", ""))
        if not isinstance(signature, str) or by not in keys:
            continue
        text = entry_message(entry)
        # The signed words do not name the post (SPEC's text): an approval copied onto
        # another post, with its signature, is caught as a second use of the same words; so
        # is one copied again for its own post (an approval taken back, put back by hand).
        post = str(entry.get("post", ""))
        first_hash, first_post = first.setdefault(text, (entry_hash, post))
        if first_hash != entry_hash:
            of = f" of {first_post}" if first_post != post else ""
            verdicts[entry_hash] = (
                f"is a copy of an earlier approval{of} (the same signed words): "
                "a leader must approve this post itself"
            )
            continue
        made_of = text + signature.encode() + keys[by].encode()
        key = (GROWN, "signature", hashlib.sha256(made_of).hexdigest())
        known = memo.get(key) if memo is not None else None
        if isinstance(known, tuple):
            verdicts[entry_hash] = known[0]
            continue
        verdict = verify(text, signature, by, keys[by])
        verdicts[entry_hash] = verdict
        if memo is not None and not (verdict or "").startswith("cannot be checked"):
            memo.put(key, (verdict,))
    return verdicts
