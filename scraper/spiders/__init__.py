"""The project's one news spider, and the loader that makes one spider per outlet definition."""
