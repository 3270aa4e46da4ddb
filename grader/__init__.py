"""grader: the cnnlab course pipeline on top of nbgrader.

Instructor workflow (every command takes ``--help`` and ``--course-dir DIR``,
default ``grading/``, the git-ignored grading workspace)::

    python -m grader release                      # solutions/ -> notebooks/ (nbgrader generate_assignment)
    python -m grader check                        # notebooks/ current; solutions full marks, releases zero
    python -m grader dist OUT                     # student bundle, proven free of solutions/hidden tests
    python -m grader collect DOWNLOAD.zip --assignment A   # LMS zip, loose .ipynb folder or nbgrader tree
    python -m grader autograde A --jobs 2         # parallel, resumable, sandboxed, tamper-checked
    python -m grader autograde A --cluster tcp://HOST:8786   # the same, each submission a Dask task
    python -m grader feedback A                   # HTML per student, hidden tests not shown
    python -m grader publish A                    # JupyterHub: to the students' Assignments tab (exchange)
    python -m grader collect --exchange A         # ... their submissions back from the exchange
    python -m grader feedback A --release         # ... and their feedback to it
    python -m grader report A                     # grades.csv, questions.csv, notes.csv, totals.png

Notebook tests use the Python API in :mod:`grader.api` (``release``,
``grade_notebook``, ``fill_answers``).  Everything here configures or extends
nbgrader (``grader/config.py``, ``grader/preprocessors.py``); nothing of
nbgrader is copied.  Every kernel that runs student code is started through
:func:`grader.execute.kernel_command` (all its limits), inside the bubblewrap
sandbox of :mod:`grader.sandbox` where it is usable (``--sandbox auto|required|off``);
:mod:`grader.tamper` grades the stored tests, not the submission's copies, and
flags tampering in the report.  ``--db URL`` puts the gradebook in any database
nbgrader supports (PostgreSQL); the default is the workspace's SQLite file.
"""
