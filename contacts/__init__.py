"""Who we sell to and who sells: contacts (companies and persons), customers, salespeople."""
