"""A signature pad: draw with a mouse, a pen (tablet) or a finger (touch).

Strokes are kept as vector data in a fixed logical canvas (:data:`CANVAS_W` × :data:`CANVAS_H`)
whatever the widget's size, so a signature drawn on a small laptop and on a large tablet are
stored the same way and print at the same proportions. :meth:`SignaturePad.to_png` renders them.
A stroke is a list of ``[x, y, pressure]`` points (pressure 0–1; 0.5 for a mouse).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QTabletEvent,
    QTouchEvent,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

CANVAS_W = 600.0
CANVAS_H = 200.0
MOUSE_PRESSURE = 0.5

Stroke = list[list[float]]


def render_strokes(painter: QPainter, strokes: list[Stroke], target: QRectF, color: QColor) -> None:
    """Draw ``strokes`` (canvas coordinates) scaled into ``target``."""
    sx = target.width() / CANVAS_W
    sy = target.height() / CANVAS_H
    scale = min(sx, sy)
    ox = target.x() + (target.width() - CANVAS_W * scale) / 2
    oy = target.y() + (target.height() - CANVAS_H * scale) / 2
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    for stroke in strokes:
        if not stroke:
            continue
        if len(stroke) == 1:
            x, y, p = (stroke[0] + [MOUSE_PRESSURE])[:3]
            painter.setPen(QPen(color, max(1.5, 3.0 * scale * (0.5 + p)), Qt.PenStyle.SolidLine,
                                Qt.PenCapStyle.RoundCap))
            painter.drawPoint(QPointF(ox + x * scale, oy + y * scale))
            continue
        for a, b in zip(stroke, stroke[1:], strict=False):
            p = (a[2] if len(a) > 2 else MOUSE_PRESSURE)
            painter.setPen(QPen(color, max(1.0, 3.0 * scale * (0.5 + p)), Qt.PenStyle.SolidLine,
                                Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
            painter.drawLine(QPointF(ox + a[0] * scale, oy + a[1] * scale),
                             QPointF(ox + b[0] * scale, oy + b[1] * scale))


def strokes_to_png(strokes: list[Stroke], width: int = 600, height: int = 200) -> bytes:
    """A transparent PNG of the strokes (what printing embeds)."""
    img = QImage(width, height, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.transparent)
    p = QPainter(img)
    render_strokes(p, strokes, QRectF(0, 0, width, height), QColor(0, 0, 0))
    p.end()
    ba = QByteArray()
    buf = QBuffer(ba)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")  # type: ignore[call-overload]  # stubs say bytes; PySide6 6.12 accepts only str
    buf.close()
    return bytes(ba.data())


class SignaturePad(QWidget):
    """The drawing surface."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._strokes: list[Stroke] = []
        self._current: Stroke | None = None
        self._read_only = False
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents, True)
        self.setMinimumSize(240, 80)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # nothing to type; keyboard users tab past
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("在此处用鼠标、手写笔或手指签名")

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(360, 120)

    # ------------------------------------------------------------------ data
    def strokes(self) -> list[Stroke]:
        return [list(map(list, s)) for s in self._strokes]

    def set_strokes(self, strokes: list[Any]) -> None:
        self._strokes = [[[float(v) for v in pt] for pt in s] for s in (strokes or [])]
        self._current = None
        self.update()

    def is_empty(self) -> bool:
        return not self._strokes

    def clear(self) -> None:
        if self._strokes:
            self._strokes = []
            self.update()
            self.changed.emit()

    def set_read_only(self, ro: bool) -> None:
        self._read_only = ro
        self.setCursor(Qt.CursorShape.ArrowCursor if ro else Qt.CursorShape.CrossCursor)

    def to_png(self) -> bytes | None:
        return strokes_to_png(self._strokes) if self._strokes else None

    # ------------------------------------------------------------------ geometry
    def _scale(self) -> tuple[float, float, float]:
        scale = min(self.width() / CANVAS_W, self.height() / CANVAS_H)
        ox = (self.width() - CANVAS_W * scale) / 2
        oy = (self.height() - CANVAS_H * scale) / 2
        return scale, ox, oy

    def _to_canvas(self, pos: QPointF, pressure: float) -> list[float]:
        scale, ox, oy = self._scale()
        x = min(max((pos.x() - ox) / scale, 0.0), CANVAS_W)
        y = min(max((pos.y() - oy) / scale, 0.0), CANVAS_H)
        return [round(x, 1), round(y, 1), round(pressure, 2)]

    # ------------------------------------------------------------------ input
    def _begin(self, pos: QPointF, pressure: float) -> None:
        if self._read_only:
            return
        self._current = [self._to_canvas(pos, pressure)]
        self._strokes.append(self._current)
        self.update()

    def _extend(self, pos: QPointF, pressure: float) -> None:
        if self._current is None:
            return
        pt = self._to_canvas(pos, pressure)
        if pt[:2] != self._current[-1][:2]:
            self._current.append(pt)
            self.update()

    def _end(self) -> None:
        if self._current is not None:
            self._current = None
            self.changed.emit()

    def mousePressEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        if e.button() == Qt.MouseButton.LeftButton:
            self._begin(e.position(), MOUSE_PRESSURE)

    def mouseMoveEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        if e.buttons() & Qt.MouseButton.LeftButton:
            self._extend(e.position(), MOUSE_PRESSURE)

    def mouseReleaseEvent(self, e: QMouseEvent) -> None:  # noqa: N802
        if e.button() == Qt.MouseButton.LeftButton:
            self._end()

    def tabletEvent(self, e: QTabletEvent) -> None:  # noqa: N802
        t = e.type()
        if t == QTabletEvent.Type.TabletPress:
            self._begin(e.position(), e.pressure())
        elif t == QTabletEvent.Type.TabletMove and self._current is not None:
            self._extend(e.position(), e.pressure())
        elif t == QTabletEvent.Type.TabletRelease:
            self._end()
        e.accept()  # no synthesized mouse events: they would double the stroke

    def event(self, e: Any) -> bool:
        t = e.type()
        if isinstance(e, QTouchEvent) and t in (QTouchEvent.Type.TouchBegin, QTouchEvent.Type.TouchUpdate,
                                                QTouchEvent.Type.TouchEnd):
            pts = e.points()
            if pts:
                pos = pts[0].position()
                if t == QTouchEvent.Type.TouchBegin:
                    self._begin(pos, MOUSE_PRESSURE)
                elif t == QTouchEvent.Type.TouchUpdate:
                    self._extend(pos, MOUSE_PRESSURE)
                else:
                    self._extend(pos, MOUSE_PRESSURE)
                    self._end()
            e.accept()
            return True
        return super().event(e)

    def paintEvent(self, _e: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        ro = self._read_only
        p.fillRect(self.rect(), QColor(250, 250, 250) if ro else QColor(255, 255, 255))
        p.setPen(QPen(QColor(190, 190, 190), 1, Qt.PenStyle.DashLine))
        p.drawRect(self.rect().adjusted(0, 0, -1, -1))
        base = self.height() * 0.78
        p.drawLine(QPointF(12, base), QPointF(self.width() - 12, base))
        if not self._strokes:
            p.setPen(QColor(160, 160, 160))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "" if ro else "请在此签名")
        render_strokes(p, self._strokes, QRectF(self.rect()), QColor(10, 10, 60))
        p.end()


class SignatureField(QWidget):
    """Pad + signer's name + 清除 + (optionally) 拒签: the value of a form's signature field."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, allow_refusal: bool = True,
                 name_placeholder: str = "签字人姓名") -> None:
        super().__init__(parent)
        self.pad = SignaturePad(self)
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText(name_placeholder)
        self.name_edit.setMaximumWidth(200)
        self.clear_btn = QPushButton("清除签名", self)
        self.refused_box = QCheckBox("拒签", self)
        self.refused_box.setToolTip("当事人拒绝签字时勾选；拒签情况将记入记录")
        self.refused_box.setVisible(allow_refusal)
        self.status = QLabel(self)
        self.status.setStyleSheet("color:#666")

        side = QVBoxLayout()
        side.addWidget(self.name_edit)
        row = QHBoxLayout()
        row.addWidget(self.clear_btn)
        row.addWidget(self.refused_box)
        row.addStretch(1)
        side.addLayout(row)
        side.addWidget(self.status)
        side.addStretch(1)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.pad, 3)
        lay.addLayout(side, 2)

        self.clear_btn.clicked.connect(self.pad.clear)
        self.pad.changed.connect(self._on_change)
        self.name_edit.textChanged.connect(self._on_change)
        self.refused_box.toggled.connect(self._on_change)
        self._update_status()

    def _on_change(self) -> None:
        self._update_status()
        self.changed.emit()

    def _update_status(self) -> None:
        if self.refused_box.isChecked():
            self.status.setText("已记录：拒绝签字")
            self.pad.setEnabled(False)
        else:
            self.pad.setEnabled(True)
            self.status.setText("已签字" if not self.pad.is_empty() else "未签字")

    def value(self) -> dict[str, Any] | None:
        import base64

        strokes = self.pad.strokes()
        refused = self.refused_box.isChecked()
        name = self.name_edit.text().strip() or None
        if not strokes and not refused and not name:
            return None
        png = self.pad.to_png() if strokes and not refused else None
        return {"signer_name": name, "strokes": [] if refused else strokes, "refused": refused,
                "png": base64.b64encode(png).decode("ascii") if png else None}

    def set_value(self, v: Any) -> None:
        v = v if isinstance(v, dict) else {}
        blockers = [self.name_edit.blockSignals(True), self.refused_box.blockSignals(True)]
        self.name_edit.setText(v.get("signer_name") or "")
        self.refused_box.setChecked(bool(v.get("refused")))
        self.pad.set_strokes(v.get("strokes") or [])
        self.name_edit.blockSignals(blockers[0])
        self.refused_box.blockSignals(blockers[1])
        self._update_status()

    def set_read_only(self, ro: bool) -> None:
        self.pad.set_read_only(ro)
        self.name_edit.setReadOnly(ro)
        self.clear_btn.setEnabled(not ro)
        self.refused_box.setEnabled(not ro)

    def focus_widget(self) -> QWidget:
        return self.name_edit
