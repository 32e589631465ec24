"""Privacy: a person's data exported as one document, and erased on request (issue 10)."""
