"""`make bench`: performance figures measured against baselines in the same run."""
