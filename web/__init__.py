"""What the apps' pages share: going back with a message, refusals as the user reads them,
dialogs opened with htmx, list partials, and the rows of the opportunity table."""
