"""The `llmkit` command line: a thin click layer over the library functions.

One module per audience: `student` (list, check, submit), `grading` (grade, demo), `authoring`
(release, validate, image), `staff` (intake, bulk, regrade, grades, export, report, course);
`options` holds what they share; `app` is the `llmkit` group that gathers them.

Exit codes (the same for every command):
  0  success (for `grade`: every submission got a result, whatever its score)
  1  `check` found failing tests, or `validate` / `release --check` found problems
  2  usage error (unknown option, missing argument)
  3  bad input: unknown assignment, malformed manifest or course.toml, refused submission,
     `validate --mutants` on a copy without solutions/
  4  the grader itself failed: a sandbox or harness failure (in `check` too), or mutants of a
     mutation audit that could not be graded ("not judged")
"""

from autograder.cli.app import main

__all__ = ["main"]
