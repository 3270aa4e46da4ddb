"""The one place where the explorers touch ipympl beyond its public widgets.

Two things: importing ipympl's ``Canvas`` without letting the import switch
pyplot's backend (:func:`ipympl_classes`), and giving the canvas a static
picture for notebooks saved with their widget state (:func:`set_static_picture`),
through the private trait ``_data_url`` that ipympl's front-end shows when no
kernel is running. :func:`check_upstream` fails loudly, naming the installed
ipympl, if that trait is gone; ``tests/test_widgets.py`` calls it.
"""

PRIVATE_TRAITS = ("_data_url",)
WRITTEN_FOR = "0.10.0"  # the ipympl this was read against


def ipympl_classes():
    """ipympl's Canvas and FigureManager, without letting the import switch pyplot's backend.

    Importing ipympl makes it pyplot's backend; the explorers do not need
    that, and a student's later ``plt.plot`` should keep the backend they chose.
    """
    import matplotlib

    chosen = matplotlib.get_backend(auto_select=False)
    from ipympl.backend_nbagg import Canvas, FigureManager

    if chosen is not None and matplotlib.get_backend(auto_select=False) != chosen:
        matplotlib.use(chosen)
    return Canvas, FigureManager


def check_upstream():
    """Raise a ``RuntimeError`` naming ipympl's version if its canvas lost a trait used here.

    Examples
    --------
    >>> check_upstream()
    """
    import ipympl

    canvas_class, _ = ipympl_classes()
    missing = [name for name in PRIVATE_TRAITS if name not in canvas_class.class_traits()]
    if missing:
        raise RuntimeError(
            f"ipympl {ipympl.__version__}'s Canvas has no trait {', '.join(missing)}: "
            f"cnnlab/widgets/_ipympl_adapter.py was written for ipympl {WRITTEN_FOR} and must be updated "
            "(saved notebooks would lose the explorers' static pictures)")


def set_static_picture(canvas, png_base64):
    """Let ``canvas`` show the PNG ``png_base64`` where its widget cannot run (a saved notebook)."""
    canvas._data_url = f"data:image/png;base64,{png_base64}"
