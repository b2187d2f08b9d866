"""The REST API (SPEC 12): opportunities, their actions, documents and setup data over JSON,
with the pages' permissions and the services' rules; API tokens and their page."""
