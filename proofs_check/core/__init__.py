"""The checker's core: claims as data and their verdicts, parameters, the runner, the cache, JSON formatting."""
