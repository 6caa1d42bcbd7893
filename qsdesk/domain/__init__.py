"""Pure-Python rules of the source documents: no Qt, no SQLAlchemy, no I/O.

Modules: :mod:`uscc` (credit code), :mod:`grading` (A–D), :mod:`workdays` (Chinese working
days), :mod:`supervision` (classes, half-year visits, reassignment), :mod:`sampling` (6-month
rule, 上抽下不抽, consecutive failures, follow-up), ``formspec`` (form definitions).
"""
