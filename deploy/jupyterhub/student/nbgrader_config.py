# nbgrader in a student's JupyterLab on the course hub: the course, and where its exchange is.
# (deploy/jupyterhub/jupyterhub_config.py puts this folder on the students' JUPYTER_CONFIG_PATH.)
from grader.config import COURSE_ID, exchange_root

c = get_config()  # noqa: F821
c.CourseDirectory.course_id = COURSE_ID
c.Exchange.root = str(exchange_root())
