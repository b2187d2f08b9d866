"""`python -m loadtest`: see loadtest.run."""

from loadtest.run import main

raise SystemExit(main())
