"""``python -m kzgeo`` runs the command line."""

import sys

from kzgeo.cli import main

sys.exit(main())
