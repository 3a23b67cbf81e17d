"""A throw-away Virtuoso 7 (Debian's virtuoso-opensource) for the store contract tests.

Runs /usr/bin/virtuoso-t in the foreground in a temporary directory with its own
virtuoso.ini, on free loopback ports, never as the system service. Through isql, the
well-known default DBA password of the fresh database is replaced by a random one and a user
`mdgraph` is made as docs/remote-stores.md says; the tests publish and update as that user
through the Digest-authenticated endpoint /sparql-auth.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

VIRTUOSO = "virtuoso-t"
ISQL = "isql-vt"
INSTALL_HINT = "run `bash scripts/install-virtuoso.sh` (Debian package virtuoso-opensource)"
#: A fresh database takes 10-20 s to create its system tables before it answers.
START_TIMEOUT = 120.0
USER = "mdgraph"

INI = """\
[Database]
DatabaseFile       = {dir}/virtuoso.db
ErrorLogFile       = {dir}/virtuoso.log
LockFile           = {dir}/virtuoso.lck
TransactionFile    = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa

[TempDatabase]
DatabaseFile    = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx

[Parameters]
ServerPort        = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
NumberOfBuffers   = 20000
MaxDirtyBuffers   = 15000
DirsAllowed       = {dir}
CheckpointInterval = 0
TransactionAfterImageLimit = 500000000

[HTTPServer]
ServerPort    = 127.0.0.1:{http_port}
ServerRoot    = {dir}
ServerThreads = 10
MaxClientConnections = 10

[SPARQL]
; the package default (10000) cuts answers silently; mdgraph sets its own limits
ResultSetMaxRows      = 1000000
MaxQueryExecutionTime = 120
"""


def missing() -> str | None:
    """Why Virtuoso cannot be started here, or None when it can."""
    for binary in (VIRTUOSO, ISQL):
        if shutil.which(binary) is None:
            return f"{binary} is not installed: {INSTALL_HINT}"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class VirtuosoServer:
    directory: Path
    process: subprocess.Popen
    http_port: int
    password: str

    @property
    def store_url(self) -> str:
        """The authenticated SPARQL endpoint, credentials in the URL as mdgraph takes them."""
        return f"http://{USER}:{self.password}@127.0.0.1:{self.http_port}/sparql-auth"

    def log_tail(self) -> str:
        log = self.directory / "virtuoso.log"
        return log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # Virtuoso checkpoints and exits on SIGTERM
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start(directory: Path) -> VirtuosoServer:
    """Start Virtuoso in `directory` and return once its SPARQL endpoint answers."""
    sql_port, http_port = _free_port(), _free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(INI.format(dir=directory, sql_port=sql_port, http_port=http_port))
    process = subprocess.Popen(
        [VIRTUOSO, "+foreground", "+configfile", str(ini)],
        cwd=directory,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = VirtuosoServer(directory, process, http_port, secrets.token_urlsafe(16))
    try:
        _wait_until_ready(server)
        _set_users(server, sql_port)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_until_ready(server: VirtuosoServer) -> None:
    url = f"http://127.0.0.1:{server.http_port}/sparql"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"virtuoso-t exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            if httpx.post(url, data={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"Virtuoso did not answer at {url} within {START_TIMEOUT:g} s:\n{server.log_tail()}")


def _set_users(server: VirtuosoServer, sql_port: int) -> None:
    """Replace the default DBA password and make the update user; isql reads the statements
    from stdin so that no password shows in a process list."""
    statements = (
        f"USER_SET_PASSWORD('dba', '{secrets.token_urlsafe(16)}');\n"
        f"DB.DBA.USER_CREATE('{USER}', '{server.password}');\n"
        f'GRANT SPARQL_SELECT TO "{USER}";\n'
        f'GRANT SPARQL_UPDATE TO "{USER}";\n'
    )
    done = subprocess.run(
        [ISQL, f"127.0.0.1:{sql_port}", "dba", "dba", "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF", "ERRORS=STDOUT"],
        input=statements,
        capture_output=True,
        check=False,
        text=True,
        timeout=60,
        env={**os.environ, "HOME": str(server.directory)},
    )
    if done.returncode != 0 or "Error" in done.stdout:
        raise RuntimeError(f"isql could not set up the users: {done.stdout.strip()} {done.stderr.strip()}")
