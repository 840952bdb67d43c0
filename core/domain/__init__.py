"""The shared vocabulary: request and job types, errors, the message catalogue, settings,
events, image intake rules and sizing. Every part may import it; it imports nothing of
reelbot outside itself (see docs/architecture.md)."""
