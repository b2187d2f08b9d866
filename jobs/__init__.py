"""Background jobs: long work (the batch deletion, later imports) run by worker processes."""
