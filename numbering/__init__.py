"""Number series: the automatic document numbers (OP000001, CT000001...) that are never reused."""
