# Run with bash -c in the Debian test image, under runc and ours (tests/e2e/docker-debian.test.ts):
# the outputs must be equal.
. /etc/os-release; echo "$ID $VERSION_CODENAME"
dpkg -l | grep -c '^ii'
dpkg -s coreutils | grep -E '^(Package|Status):'
id; whoami
perl -e 'print join(",", map { $_ * $_ } 1..5), "\n"'
declare -A m=([a]=1 [b]=2); echo ${#m[@]} ${m[b]}
find /etc -maxdepth 1 -name '*.conf' | sort
tar czf /tmp/etc.tgz -C / etc && tar tzf /tmp/etc.tgz | sort | md5sum
useradd -m alice && su alice -c 'id -un; echo $HOME; touch ~/f; ls -l ~/f | cut -c1-10'
seq 1 1000 | sort -rn | head -1
(sleep 0.1; echo bg) & wait
apt-get --version | head -1
grep -c '^alice:' /etc/shadow
sh -c 'exit 7'; echo "status $?"
