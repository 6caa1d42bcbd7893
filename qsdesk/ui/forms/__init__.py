"""Form widgets generated from the form specs in ``forms/`` (see :mod:`qsdesk.domain.formspec`)."""

from qsdesk.ui.forms.widget import FormWidget

__all__ = ["FormWidget"]
