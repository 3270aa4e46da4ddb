"""Keys pressed inside an explorer stay in the explorer, away from JupyterLab's notebook shortcuts.

In JupyterLab a focused dropdown passes its arrow keys to the notebook (they
move to another cell), and letter keys run notebook commands ("b" inserts a
cell): ipywidgets issue #3912. JupyterLab's command registry (Lumino) looks
for a shortcut from the focused element up and stops at an element marked
``data-lm-suppress-shortcuts``; the notebook's shortcuts match the focused
element itself (``:focus``), so every element of the explorer that takes the
focus gets the mark when it does. ipywidgets cannot set an attribute, so a
small invisible anywidget does it from the front-end: :func:`key_guard`.
"""

import functools

#: The front-end half: find the explorer around this view and mark it (now, or once it is in the page).
KEY_GUARD_ESM = """
const SUPPRESS = "data-lm-suppress-shortcuts";
function mark(el) {
  const root = el.closest(".cnnlab-explorer");
  if (root === null) return false;
  if (!root.hasAttribute(SUPPRESS)) {
    root.setAttribute(SUPPRESS, "true");
    // JupyterLab's shortcuts match the focused element itself (":focus"), so it carries the mark too
    root.addEventListener("focusin", (event) => event.target.setAttribute(SUPPRESS, "true"), true);
  }
  return true;
}
function render({ el }) {
  if (mark(el)) return;
  const observer = new MutationObserver(() => { if (mark(el)) observer.disconnect(); });
  observer.observe(document.body, { childList: true, subtree: true });
  return () => observer.disconnect();
}
export default { render };
"""


@functools.lru_cache(maxsize=None)
def key_guard_class():
    """The anywidget class whose view marks the explorer around it ``data-lm-suppress-shortcuts``.

    Examples
    --------
    >>> guard = key_guard_class()()
    >>> "data-lm-suppress-shortcuts" in guard._esm
    True
    """
    import anywidget

    class KeyGuard(anywidget.AnyWidget):
        """Invisible: keeps the keys pressed in its explorer from JupyterLab's notebook shortcuts."""

        _esm = KEY_GUARD_ESM

    return KeyGuard


def key_guard():
    """A new, invisible key guard for one explorer."""
    import ipywidgets as W

    return key_guard_class()(layout=W.Layout(display="none"))
