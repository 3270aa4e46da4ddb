"""``make hub``: the course's JupyterHub for a trial on this machine (run as root).

Checks what the hub needs and says how to get what is missing, then starts
``jupyterhub`` with ``deploy/jupyterhub/jupyterhub_config.py``:

* root: the local spawner starts each student's server as that Unix user;
* ``configurable-http-proxy`` on PATH (``npm install -g configurable-http-proxy``);
* a course environment other users can run (an interpreter under ``/root``,
  as in many containers, is not);
* the instructor's files closed to students: ``solutions/`` and the grading
  workspace ``grading/`` lose their rights for group and others;
* the exchange folder, writable by all (nbgrader's documented permissions);
* demo users ``student1`` and ``student2`` (password ``cnnlab-demo``) when
  ``CNNLAB_HUB_USERS`` names no users of your own.

    python deploy/jupyterhub/trial.py [--port 8000]
"""

import argparse
import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEMO_USERS = ("student1", "student2")
DEMO_PASSWORD = "cnnlab-demo"


class TrialError(RuntimeError):
    """Something the hub needs is missing; the message says how to get it."""


def environment_runs_as(user):
    """``(True, "")`` when ``user`` can start this Python and import cnnlab, else ``(False, why)``."""
    done = subprocess.run(["runuser", "-u", user, "--", sys.executable, "-c", "import cnnlab, nbgrader"],
                          capture_output=True, text=True, cwd="/")
    return done.returncode == 0, (done.stderr.strip().splitlines() or ["?"])[-1]


def protect_instructor_files(repo=REPO):
    """Close ``solutions/`` and ``grading/`` to every user but their owner; return the folders changed."""
    changed = []
    for folder in (repo / "solutions", repo / "grading"):
        if folder.is_dir() and folder.stat().st_mode & 0o077:
            os.chmod(folder, folder.stat().st_mode & 0o700)
            changed.append(folder)
    return changed


def create_demo_users(users=DEMO_USERS, password=DEMO_PASSWORD):
    """Create the Unix users ``users`` (with a home) that do not exist yet; return the new ones."""
    created = []
    for user in users:
        try:
            pwd.getpwnam(user)
        except KeyError:
            subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", user], check=True)
            subprocess.run(["chpasswd"], input=f"{user}:{password}\n", text=True, check=True)
            created.append(user)
    return created


def check_machine():
    """Raise :class:`TrialError` saying what the hub lacks on this machine."""
    if os.geteuid() != 0:
        raise TrialError("the hub starts each student's server as that Unix user, which needs root: "
                         "run `sudo make hub`")
    if shutil.which("configurable-http-proxy") is None:
        raise TrialError("configurable-http-proxy is not on PATH: `npm install -g configurable-http-proxy`")


def main(argv=None):
    from grader.config import EXCHANGE_ENV, exchange_root
    from grader.exchange import prepare_exchange

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    try:
        check_machine()
        users = [u for u in os.environ.get("CNNLAB_HUB_USERS", "").split(",") if u]
        if not users:
            users = list(DEMO_USERS)
            for user in create_demo_users():
                print(f"created demo user {user} (password {DEMO_PASSWORD})")
        ok, why = environment_runs_as(users[0])
        if not ok:
            raise TrialError(f"user {users[0]} cannot run the course environment {sys.executable} ({why}); "
                             "install the course where every user can read it (e.g. /opt/cnnlab)")
    except TrialError as err:
        print(f"make hub: {err}", file=sys.stderr)
        return 2
    for folder in protect_instructor_files():
        print(f"closed {folder} to students (chmod go-rwx)")
    exchange = prepare_exchange(exchange_root())
    print(f"hub on http://127.0.0.1:{args.port}/ for {', '.join(users)}; exchange {exchange}; Ctrl-C stops it",
          flush=True)
    env = {**os.environ, "CNNLAB_HUB_PORT": str(args.port), "CNNLAB_HUB_USERS": ",".join(users),
           EXCHANGE_ENV: str(exchange)}
    hub = str(Path(sys.executable).parent / "jupyterhub")
    os.execve(hub, [hub, "-f", str(HERE / "jupyterhub_config.py")], env)


if __name__ == "__main__":
    sys.exit(main())
