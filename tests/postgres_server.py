"""A throwaway PostgreSQL server for tests, from Debian's ``postgresql`` package.

:class:`PostgresServer` runs ``initdb`` and ``pg_ctl`` into a fresh temporary data
directory (its own, under the system temp folder, so that the server's user can
reach it) on a free 127.0.0.1 port, with password-less (trust) login for the
``postgres`` role on localhost only, and stops it (and removes the data) at
the end.  PostgreSQL refuses to run as root, so when the tests run as root
the server runs as an unprivileged user (the ``postgres`` system user where it
exists, else ``nobody``).

Use it as a context manager::

    with PostgresServer() as server:
        url = server.create_database("gradebook")   # postgresql+psycopg2://postgres@127.0.0.1:PORT/gradebook
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def find_bindir():
    """The newest ``/usr/lib/postgresql/<version>/bin`` that has ``initdb``, or ``None``."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _service_user():
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root, but there is no postgres or nobody user to run PostgreSQL as")


class PostgresServer:
    """A private PostgreSQL server: :meth:`start` it, :meth:`stop` it (or use ``with``)."""

    def __init__(self):
        self.bindir = find_bindir()
        if self.bindir is None:
            raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
        self.base = Path(tempfile.mkdtemp(prefix="cnnlab-postgres-"))
        self.data, self.sockets = self.base / "data", self.base / "run"
        self.port = free_port()
        self.user = _service_user()

    def _run(self, *command):
        if self.user is not None:
            command = ("setpriv", f"--reuid={self.user.pw_uid}", f"--regid={self.user.pw_gid}", "--init-groups",
                       *command)
        env = {**os.environ, "LC_ALL": "C.UTF-8", "HOME": str(self.base)}
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def start(self):
        """Create the cluster and start the server; return ``self``."""
        for folder in (self.base, self.sockets):
            folder.mkdir(parents=True, exist_ok=True)
            if self.user is not None:
                os.chown(folder, self.user.pw_uid, self.user.pw_gid)
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--no-sync", "-E", "UTF8")
        options = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options, "-l",
                  str(self.base / "server.log"), "-w", "-t", "60", "start")
        return self

    def url(self, database="postgres"):
        """The SQLAlchemy URL of ``database`` on this server."""
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name):
        """Create an empty database ``name``; return its URL."""
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        return self.url(name)

    def stop(self):
        """Stop the server at once and remove its files."""
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
