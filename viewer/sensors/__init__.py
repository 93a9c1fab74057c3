"""Live and recorded sensor sources -> the observation store; recording to disk. No Qt."""
