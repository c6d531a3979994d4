"""An activity kind that exists only in the tests (LOYALTY), registered by
its own launcher (``python -m tests.kinds.serve``): the proof that a kind
is its two modules and one registry line (issue 11, CONTRIBUTING.md)."""
