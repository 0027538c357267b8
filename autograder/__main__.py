"""`python -m autograder ...` runs the `llmkit` CLI (handy from a checkout that is not installed)."""

from autograder.cli import main

main()
