"""grader: the cnnlab course pipeline on top of nbgrader.

``python -m grader`` releases the notebooks, grades a class in parallel, writes
feedback, reports and the student distribution.  Notebook tests use the small
Python API in :mod:`grader.api`.  Everything here configures or extends
nbgrader (config, preprocessors); nothing of nbgrader is copied.
"""
