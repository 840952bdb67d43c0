"""Operations: structured logs, Prometheus metrics, health endpoints, shutdown handling."""
