"""The REST API: opportunities, their actions, documents and setup data over JSON,
with the pages' permissions and the services' rules; API tokens and their page."""
