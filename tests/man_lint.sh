#!/bin/sh
# Every man page in man/ passes `mandoc -Tlint` at warning level.
set -u
n=0
fail=0
for page in "$top_srcdir"/man/*.[1-8]; do
	[ -f "$page" ] || continue
	n=$((n + 1))
	out=$(mandoc -Tlint -Wwarning "$page" 2>&1)
	if [ -z "$out" ]; then
		echo "ok $n - mandoc -Tlint $(basename "$page")"
	else
		echo "not ok $n - mandoc -Tlint $(basename "$page")"
		echo "$out" | sed 's/^/#   /'
		fail=1
	fi
done
if [ "$n" -eq 0 ]; then
	echo "not ok 1 - no man pages found in $top_srcdir/man"
	n=1
	fail=1
fi
echo "1..$n"
exit $fail
