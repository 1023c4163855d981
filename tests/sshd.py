"""A real SSH server for the deploy tests: Debian's sshd on 127.0.0.1, on a free port, with a
host key and an authorised client key made for the test, run as a child of the test (never
as a system service) and stopped at the end. rsync reaches it as a school's web server."""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SSHD = "/usr/sbin/sshd"


def available() -> str | None:
    """Why the tests cannot run a server here, or None."""
    for program in (SSHD, shutil.which("rsync"), shutil.which("ssh")):
        if not program or not os.access(program, os.X_OK):
            return "needs openssh-server, openssh-client and rsync (make test installs them)"
    return None


@dataclass
class Server:
    port: int
    user: str
    identity: Path  # the authorised client key
    known_hosts: Path  # holds the server's host key
    folder: Path  # where the server's files live
    process: subprocess.Popen[bytes]
    forced_command: Path | None = None

    def stop(self) -> None:
        """Stop the server and every session it started (as a host going down would)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)],
        check=True,
    )


@contextlib.contextmanager
def ssh_server(folder: Path, forced_command: Path | None = None) -> Iterator[Server]:
    """An sshd for this test alone. `forced_command`: a script every session runs instead of
    what the client asked (to cut a copy short, say), with the request in
    $SSH_ORIGINAL_COMMAND."""
    folder.mkdir(parents=True, exist_ok=True)
    keys = folder / "keys"
    keys.mkdir()
    _keygen(keys / "host")
    _keygen(keys / "client")
    options = f'command="{forced_command}" ' if forced_command else ""
    (keys / "authorized_keys").write_text(options + (keys / "client.pub").read_text())
    port = _free_port()
    config = folder / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {keys / 'host'}\n"
        f"PidFile {folder / 'sshd.pid'}\nAuthorizedKeysFile {keys / 'authorized_keys'}\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
        "StrictModes no\nPermitRootLogin prohibit-password\nLogLevel ERROR\n"
    )
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # (sshd's privilege separation)
    host_key = (keys / "host.pub").read_text().split()
    known_hosts = folder / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} {host_key[0]} {host_key[1]}\n")
    process = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(config)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=(folder / "sshd.log").open("wb"),
        start_new_session=True,
    )
    server = Server(port, getpass.getuser(), keys / "client", known_hosts, folder, process)
    try:
        deadline = time.monotonic() + 15
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sshd did not start: {(folder / 'sshd.log').read_text()}")
            time.sleep(0.05)
        yield server
    finally:
        server.stop()
