"""The task queue parallel sessions share: claims, writes, dependency graph, spec parser."""
