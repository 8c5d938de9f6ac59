#!/bin/sh
# Assembles the password file and the ACL Mosquitto reads (mosquitto.conf) from
#   - the devices' files that `fieldline devices export-mosquitto` wrote from the device_credential table
#     (AUTH_DIR/devices.passwd and AUTH_DIR/devices.acl: PBKDF2-SHA512 hashes, `$7$...`, and the per-device rules),
#   - the bridge user MQTT_BRIDGE_USER with MQTT_BRIDGE_PASSWORD, which may read every topic,
#   - with SIMULATOR_DEVICE_PASSWORD set, the simulator's devices sim-1 ... sim-$SIMULATOR_DEVICES.
# Passwords are hashed with mosquitto_passwd and never printed. Run again, then send SIGHUP to the broker, to apply
# a rotation or a revocation without a restart (docs/deployment.md).
set -eu

auth_dir="${AUTH_DIR:-/fieldline-auth}"
run_dir="${RUN_DIR:-/mosquitto/run}"
bridge_user="${MQTT_BRIDGE_USER:-fieldline-bridge}"
: "${MQTT_BRIDGE_PASSWORD:?the bridge user's password (MQTT_BRIDGE_PASSWORD) is required}"

for f in devices.passwd devices.acl; do
  if [ ! -f "$auth_dir/$f" ]; then
    echo "assemble-auth: $auth_dir/$f is missing: run fieldline devices export-mosquitto first" >&2
    exit 1
  fi
done

umask 077
mkdir -p "$run_dir"
# The broker reads both files after it dropped root for the mosquitto user.
owner=""
if [ "$(id -u)" = 0 ] && id mosquitto > /dev/null 2>&1; then
  owner="mosquitto:mosquitto"
  chown "$owner" "$run_dir"
fi
tmp="$(mktemp -d "$run_dir/.assemble.XXXXXX")"
cp "$auth_dir/devices.passwd" "$tmp/passwd"
# The bridge user's line is written by mosquitto_passwd itself (PBKDF2-SHA512), replacing any device of that name.
mosquitto_passwd -D "$tmp/passwd" "$bridge_user" > /dev/null 2>&1 || true
mosquitto_passwd -b "$tmp/passwd" "$bridge_user" "$MQTT_BRIDGE_PASSWORD"
if [ -n "${SIMULATOR_DEVICE_PASSWORD:-}" ]; then
  i=1
  while [ "$i" -le "${SIMULATOR_DEVICES:-4}" ]; do
    mosquitto_passwd -b "$tmp/passwd" "sim-$i" "$SIMULATOR_DEVICE_PASSWORD"
    i=$((i + 1))
  done
fi

{
  # The devices' own rules from the export: `pattern write sites/+/rooms/+/devices/%u/telemetry` and the Sparkplug
  # equivalent. A pattern applies to every user, wherever it stands; a `topic` line belongs to the `user` above it,
  # so the export comes first and the bridge's section last.
  cat "$auth_dir/devices.acl"
  echo
  # The bridge reads every device topic (its shared subscriptions) and the broker's $SYS tree (the health check).
  echo "user $bridge_user"
  echo "topic read #"
  echo "topic read \$SYS/#"
} > "$tmp/acl"

if [ -n "$owner" ]; then
  chown "$owner" "$tmp/passwd" "$tmp/acl"
fi
chmod 600 "$tmp/passwd" "$tmp/acl"
mv "$tmp/passwd" "$run_dir/passwd"
mv "$tmp/acl" "$run_dir/acl"
rmdir "$tmp"
echo "assemble-auth: $(grep -c : "$run_dir/passwd") users in $run_dir/passwd"
