from intcli.cli import main

raise SystemExit(main())
