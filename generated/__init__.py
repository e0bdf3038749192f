"""Written by scripts/generate from openapi/runyard.yaml. Do not edit by hand."""
