#!/bin/sh
# One Bazel shard: mprun over $MPRUN_BAZEL_BINARY, its report kept in
# $MPRUN_BAZEL_OUT for tools/bazel-check to merge.
set -eu
echo "shard $TEST_SHARD_INDEX of $TEST_TOTAL_SHARDS; status file $TEST_SHARD_STATUS_FILE; tmp $TEST_TMPDIR"
exec "$MPRUN_BAZEL_MPRUN" -j2 --no-history \
  --json="$MPRUN_BAZEL_OUT/shard-$TEST_SHARD_INDEX.json" "$MPRUN_BAZEL_BINARY"
