#!/bin/bash
# trust of an earlier state by an admin, then teammates pull
source /tmp/review42c/blib.sh
setup
git -C $A rev-parse HEAD > $T/s1
# S2 (bob): a new key, a rotation, a delete
printf 'nk' | k bob $Bo set NEWK -q; printf 'sk_rot' | k bob $Bo rotate STRIPE -q; k bob $Bo delete OTHER --reason x --yes -q
commit bob $Bo s2; push bob $Bo
for m in alice:$A dan:$D; do pull ${m%%:*} ${m#*:}; readck ${m%%:*} ${m#*:}; done
# alice rolls dev back to S1 and trusts it
(cd $A && gitas alice checkout -q $(cat $T/s1) -- vault/envs/dev.db.age)
out=$(k alice $A trust --reason rollback --yes 2>&1); echo "  trust rc=$? $(echo "$out"|grep -m1 -i error)"
commit alice $A rollback; push alice $A
k alice $A list 2>&1 | head -6
finish
