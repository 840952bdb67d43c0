"""The application: the service that turns requests into stored, queued jobs, limits,
safety, storyboards. It talks to the queue and storage, never to bots or the generator
(see docs/architecture.md)."""
