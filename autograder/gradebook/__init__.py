"""The gradebook: students, assignments, submissions, grading runs and per-test results in SQLite.

The only package that talks SQL. See `store.Gradebook` for the verbs and
`schema` for the tables.
"""

from autograder.gradebook.store import GradeRow, Gradebook, GradebookError, Submission

__all__ = ["GradeRow", "Gradebook", "GradebookError", "Submission"]
