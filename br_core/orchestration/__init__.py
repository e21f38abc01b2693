"""Parallel builds: streams planned from the queue, one worktree per stream, workers, shared
decisions and the merge queue. Viewers read through `model` (streams, decisions, merge_queue)."""
