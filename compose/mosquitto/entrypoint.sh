#!/bin/sh
# Mosquitto's entrypoint in compose: assemble the password file and the ACL, then run the broker (which drops
# root for the mosquitto user, as the image's own entrypoint does).
set -eu
/bin/sh /fieldline/assemble-auth.sh
chown -R mosquitto:mosquitto /mosquitto/data
exec /usr/sbin/mosquitto -c /mosquitto/config/mosquitto.conf
