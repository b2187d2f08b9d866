"""The opportunity pages: the list, the card, the dialogs, quotes, orders and deletion.

Views are thin: a form parses the request, one service acts, and the user goes back where they
were with a short message. A refusal is shown where the user acted: on the dialog's form, or
as a message after a button. Which buttons a page shows comes from the services
(`offered`: the commands and the update actions) and from `opportunities.permissions`.

Dialogs are ordinary pages; opened with htmx they render only their `dialog` partial into the
modal of the base layout, and a success answers with HX-Redirect.
"""
