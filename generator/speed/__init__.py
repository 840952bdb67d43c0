"""Speed modes on a warm engine: distilled LoRAs (draft), caching hooks (balanced), the shared
step callback, pass counting, engine tuning. Nothing here imports torch at module import."""
