#!/bin/sh
# A test that is a script (no GoogleTest): run whole, judged by its status.
# It ignores its arguments, so a --gtest_list_tests given to it would run it.
echo "script ran with: $*"
exit 0
