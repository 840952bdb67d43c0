"""One extension per feature: /video, remix buttons, /queue + /cancel, /help, /reelbot settings."""
