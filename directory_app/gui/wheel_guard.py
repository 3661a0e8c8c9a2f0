"""The mouse wheel scrolls the page, not the drop-down or number the pointer happens to cross.

A coordinator scrolling down the filter panel (or a long edit page) must not switch Trials to
"No registered trials" because a combo box slid under the pointer. So combo boxes and spin boxes
inside a scroll area take wheel events only when they have the keyboard focus; otherwise the
wheel goes to the scroll area around them, as the user meant.

One application-wide event filter does this for every such widget, including rows added later
(contacts, red flags). Qt gives a widget with the `WheelFocus` policy the focus *before* any
event filter sees the wheel, so guarded widgets are switched to `StrongFocus` (click or Tab)
when they are first polished or the pointer enters them.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QComboBox, QWidget

_GUARDED = (QComboBox, QAbstractSpinBox)
#: Wheel is the event guarded; Polish and Enter (the pointer always enters before it wheels)
#: are where the focus policy is fixed, before Qt could hand a wheel focus.
_WATCHED = (QEvent.Type.Wheel, QEvent.Type.Polish, QEvent.Type.Enter)


def scroll_area_around(widget: QWidget) -> QAbstractScrollArea | None:
    """The nearest scroll area `widget` sits in (its viewport's owner), or None."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            return parent
        parent = parent.parentWidget()
    return None


def _guarded(obj: QObject) -> QWidget | None:
    """`obj` when it is a combo or spin box inside a scroll area (the widgets this guards)."""
    if isinstance(obj, _GUARDED) and scroll_area_around(obj) is not None:
        return obj
    return None


class WheelGuard(QObject):
    """Application event filter: unfocused guarded widgets pass the wheel to their scroll area."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        kind = event.type()
        if kind not in _WATCHED:
            return False
        widget = _guarded(obj)
        if widget is None:
            return False
        if widget.focusPolicy() == Qt.FocusPolicy.WheelFocus:
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        if kind != QEvent.Type.Wheel or widget.hasFocus():
            return False
        area = scroll_area_around(widget)
        if area is not None:
            QCoreApplication.sendEvent(area.viewport(), event)
        return True


_installed: dict[int, WheelGuard] = {}


def install_wheel_guard() -> None:
    """Install the guard on the running application (once; later calls do nothing)."""
    app = QCoreApplication.instance()
    if app is None or id(app) in _installed:
        return
    guard = WheelGuard(app)
    app.installEventFilter(guard)
    _installed[id(app)] = guard
