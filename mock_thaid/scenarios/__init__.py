"""YAML login scenarios: loaded, validated against scenarios/schema.json, run over HTTP only."""
