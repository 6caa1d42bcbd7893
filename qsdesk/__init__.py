"""qsdesk — 质量安全监管工作台: offline workbench for grassroots market supervision stations."""

__version__ = "0.1.0"
