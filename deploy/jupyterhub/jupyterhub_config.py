"""JupyterHub for one cnnlab course: each student's JupyterLab as their own Unix user.

Start it with ``make hub`` (a trial on one machine, with demo users) or
``jupyterhub -f deploy/jupyterhub/jupyterhub_config.py`` as root, from the
course's environment (``.venv/bin/jupyterhub``). What it sets up:

* JupyterHub (pinned in ``pyproject.toml``, extra ``hub``) behind
  ``configurable-http-proxy`` (npm), which the hub starts itself;
* the local process spawner: each student's server runs as their Unix user,
  logged in through PAM (their Unix password), with the course's environment
  (this Python's), and JupyterLab as ``make lab`` gives it to students:
  nbgrader's Assignments tab and Validate, none of the instructor tools;
* nbgrader's exchange in ``$CNNLAB_EXCHANGE`` (default ``/srv/nbgrader/exchange``),
  which the instructor's ``python -m grader publish / collect --exchange /
  feedback --release`` use too.

Settings read from the environment (all optional):

``CNNLAB_HUB_USERS``
    comma-separated Unix users allowed to log in (default ``student1,student2``, the demo users).
``CNNLAB_HUB_IP``, ``CNNLAB_HUB_PORT``
    where the hub listens (default ``127.0.0.1``, ``8000``); the proxy's API and the hub's
    own port are the next two ports, on 127.0.0.1.
``CNNLAB_HUB_STATE``
    the hub's database and cookie secret (default ``deploy/jupyterhub/state/``).
``CNNLAB_EXCHANGE``
    nbgrader's exchange folder.
"""

import os
import sys
from pathlib import Path

from cnnlab.student_lab import STUDENT_CONFIG
from grader.config import EXCHANGE_ENV, exchange_root

HERE = Path(__file__).resolve().parent
ENVIRONMENT_BIN = Path(sys.executable).parent  # the course's environment: the hub's, and the students'
EXCHANGE = str(exchange_root())
PORT = int(os.environ.get("CNNLAB_HUB_PORT", "8000"))
STATE = Path(os.environ.get("CNNLAB_HUB_STATE", HERE / "state"))
STATE.mkdir(parents=True, exist_ok=True, mode=0o700)

c = get_config()  # noqa: F821  (JupyterHub's config loader defines it)

c.JupyterHub.ip = os.environ.get("CNNLAB_HUB_IP", "127.0.0.1")
c.JupyterHub.port = PORT
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 1}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = PORT + 2
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")

c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = {user.strip() for user in
                                 os.environ.get("CNNLAB_HUB_USERS", "student1,student2").split(",") if user.strip()}

c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [str(ENVIRONMENT_BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {
    # the student configuration of `make lab` first, then the exchange's address for nbgrader
    "JUPYTER_CONFIG_PATH": os.pathsep.join([str(STUDENT_CONFIG), str(HERE / "student")]),
    EXCHANGE_ENV: EXCHANGE,
    "PATH": os.pathsep.join([str(ENVIRONMENT_BIN), "/usr/local/bin", "/usr/bin", "/bin"]),
}
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 120
