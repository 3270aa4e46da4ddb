"""JupyterLab as a student sees it: nbgrader's assignment list and Validate, none of the instructor tools.

``python -m cnnlab.student_lab [JUPYTER LAB ARGUMENTS]`` (what ``make lab``
runs) starts ``jupyter lab`` with the configuration folder
:data:`STUDENT_CONFIG` first on ``JUPYTER_CONFIG_PATH``. That folder turns off
nbgrader's Formgrader, Create Assignment and course list, in the browser
(``labconfig/page_config.json``) and on the server
(``jupyter_server_config.json``); Validate and the assignment list stay.
JupyterLab's news announcements are off too (the course runs offline). The
course's JupyterHub (``deploy/jupyterhub/``) gives students the same folder.
Instructors grade through ``make formgrade``, which starts its own server.
"""

import os
import sys
from pathlib import Path

#: The student configuration folder shipped with cnnlab.
STUDENT_CONFIG = Path(__file__).resolve().parent / "student_config"


def student_environment(environ=None):
    """``environ`` (default ``os.environ``) with :data:`STUDENT_CONFIG` first on ``JUPYTER_CONFIG_PATH``.

    Examples
    --------
    >>> env = student_environment({"JUPYTER_CONFIG_PATH": "/etc/mine"})
    >>> env["JUPYTER_CONFIG_PATH"] == os.pathsep.join([str(STUDENT_CONFIG), "/etc/mine"])
    True
    """
    environ = dict(os.environ if environ is None else environ)
    others = [p for p in environ.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p]
    environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join([str(STUDENT_CONFIG), *others])
    return environ


def main(arguments=None):
    """Replace this process by ``jupyter lab ARGUMENTS`` in the student configuration."""
    arguments = sys.argv[1:] if arguments is None else list(arguments)
    command = [str(Path(sys.executable).parent / "jupyter-lab"), *arguments]
    os.execve(command[0], command, student_environment())


if __name__ == "__main__":
    main()
