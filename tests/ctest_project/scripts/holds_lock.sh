#!/bin/sh
# Holds the lock directory $1 for a moment; fails when another test holds
# it (mkdir is atomic), as happens when RESOURCE_LOCK is not honoured.
mkdir "$1" 2>/dev/null || { echo "lock $1 is held by another test"; exit 1; }
sleep 0.5
rmdir "$1"
