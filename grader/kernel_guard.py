"""The guard that runs inside a grading kernel, before any student code.

:class:`grader.tamper.GuardTests` sends this module's source as the first cell
of a notebook being graded, then calls ``__cnnlab_guard_setup(protected,
globals())``: it imports numpy and cnnlab with the submission's folder off
``sys.path`` (the installed ones, not files of the submission), remembers the
objects the tests rely on, and returns a guard that every test cell calls
first; a replaced object fails the test with ``TamperingDetected``. Everything
lives inside the one function, so that nothing but the guard stays in the
notebook's namespace. A real module, so that it is read, linted and tested
like any other code (``tests/test_hostile.py`` runs it on tampering notebooks).
"""


def __cnnlab_guard_setup(protected, namespace):
    """Remember what the tests rely on; return the guard every test cell calls first."""
    import builtins, os, sys
    saved = list(sys.path)
    sys.path[:] = [p for p in sys.path if p not in ("", ".") and os.path.realpath(p) != os.getcwd()]
    import numpy, numpy.testing, cnnlab.checks  # the installed ones, not files of the submission
    sys.path[:] = saved
    modules = {"builtins": builtins, "numpy": numpy, "numpy.testing": numpy.testing, "cnnlab.checks": cnnlab.checks}
    # the modules behind cnnlab.checks: what its functions look up when they run
    modules.update({name: sys.modules[name] for name in ("cnnlab._answer_checks", "cnnlab._number_checks",
                                                         "cnnlab._mismatch", "cnnlab._failure", "cnnlab._forbid")})
    pristine = {name: dict(vars(module)) for name, module in modules.items()}
    volatile = ("_", "__", "___", "input")  # set by IPython's display hook, swapped by ipykernel per request
    pristine["builtins"] = {k: v for k, v in pristine["builtins"].items() if k not in volatile}
    in_sys, names, builtin = dict(sys.modules), {}, pristine["builtins"]
    builtins_used = {n: namespace.get(n, builtin[n]) for n in protected if n in builtin}
    missing, is_same, sorted_, vars_ = object(), (lambda a, b: a is b), sorted, vars

    class TamperingDetected(Exception):
        """What a test relies on was replaced by code of the submission."""

    class Guard:
        def remember(self, namespace, wanted):
            names.update({name: namespace[name] for name in wanted if name in namespace})

        def __call__(self, namespace):
            changed = [f"sys.modules[{n!r}]" for n, m in modules.items() if not is_same(in_sys.get(n), m)]
            for name, module in modules.items():
                now = vars_(module)
                changed += [f"{name}.{a}" for a, v in pristine[name].items() if not is_same(now.get(a, missing), v)]
            changed += [n for n, v in names.items() if not is_same(namespace.get(n, missing), v)]
            changed += [n for n, v in builtins_used.items()
                        if n in namespace and n not in names and not is_same(namespace[n], v)]
            if changed:
                raise TamperingDetected("replaced before this test ran: " + ", ".join(sorted_(changed)[:8]))

    return Guard()
