"""Main-window pages. Each module defines one ``QWidget`` page constructed as
``Page(store, parent=None)`` with an optional ``refresh()`` (called when the page is shown) and
an optional ``open_record(record_id)`` (called when another page asks to show a record); see
:data:`qsdesk.ui.main_window.NAVIGATION`.
"""
