"""Setup data that opportunities refer to cannot be deleted: the models' guard and
the admin that obeys it."""
