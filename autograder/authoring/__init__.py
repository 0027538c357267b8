"""The instructor's side: release student copies (`release`), check an assignment (`validate` with
its `lints` and `feedback_lint`), and measure its hidden tests (`mutate`, `audit`)."""
