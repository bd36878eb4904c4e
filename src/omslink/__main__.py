from omslink.cli import main

raise SystemExit(main())
