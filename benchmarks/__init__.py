"""Speed and memory figures, run as ``python -m benchmarks [NAME ...]``; prints one table."""
