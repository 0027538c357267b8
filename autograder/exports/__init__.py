"""Exports: one pure writer per format.

- `tables`: final grades as a Canvas gradebook CSV or a plain CSV (text in, text out);
- `gradescope`: the Gradescope autograder zip (`setup.sh`, `run_autograder`) that runs this kit;
- `nbgrader`: an nbgrader course source (notebooks with solution and hidden-test regions).

Per-submission Gradescope results.json files are written by `autograder.results` during grading.
"""
