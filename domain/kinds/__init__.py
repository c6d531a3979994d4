"""The activity kinds: one module each, listed by ``builtin``, looked up
through ``registry``; ``base`` says what a kind is."""
