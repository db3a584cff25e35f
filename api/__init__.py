"""MPP Digital: one app for Indonesia's public service malls (Mal Pelayanan Publik)."""

import os

# Piccolo finds its configuration through this variable; ours is fixed, so say it once for every entry point.
os.environ.setdefault("PICCOLO_CONF", "api.piccolo_conf")
