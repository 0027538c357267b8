"""Static HTML reports: per-student feedback and a per-assignment staff report with inline SVG plots.

`summary` turns gradebook rows into numbers (pure), `plots` draws them as SVG
(pure), `render` fills the jinja2 templates in `templates/` and writes files.
"""

from autograder.reports.render import write_reports

__all__ = ["write_reports"]
