"""The API contract diff: OpenAPI 3.0/3.1 and Swagger 2.0 specs compared rule by rule (docs/contract-checks.md)."""
