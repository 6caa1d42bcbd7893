from qsdesk.cli import main

raise SystemExit(main())
