"""The trusted grading harness: a pytest plugin plus the client side of the worker protocol.

Test authors import `StudentError` (and, for type hints, `Student` and `Remote`) from here.
"""

from autograder.harness.client import Remote, Student, StudentError

__all__ = ["Remote", "Student", "StudentError"]
