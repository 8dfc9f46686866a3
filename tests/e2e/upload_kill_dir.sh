#!/bin/sh
# tests/e2e/upload_kill.sh through the directory uplink (dir:PATH): the
# same kills, the cut is collect not running for 5 s.
UPLOAD_LINK=dir CUT=5 exec sh tests/e2e/upload_kill.sh
