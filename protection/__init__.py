"""Setup data that opportunities refer to cannot be deleted (SPEC 3.9): the models' guard and
the admin that obeys it."""
