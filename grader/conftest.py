# The course's nbgrader_config.py is read by nbgrader (it calls get_config()), not imported: no doctests there.
collect_ignore = ["nbgrader_config.py"]
