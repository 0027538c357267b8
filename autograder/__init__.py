"""llmkit: an LLM engineering course kit with a sandboxed autograder."""

__version__ = "0.1.0"
