from phasegate.app.cli import main

raise SystemExit(main())
