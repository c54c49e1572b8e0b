"""Business rules as plain functions: ids, the acting user and plain values in; never `request`, never commit."""
