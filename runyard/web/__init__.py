"""Documentation served from the spec: the raw 3.1 document and Swagger UI 5, offline."""
