from codestral_ls.cli import main

raise SystemExit(main())
