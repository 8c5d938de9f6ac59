#!/bin/sh
# A few simulated grow-room devices: sim-1 ... sim-$SIMULATOR_DEVICES, each in its own room of site "sim", publishing
# one JSON message with all its metrics every SIMULATOR_INTERVAL_SECONDS through Mosquitto, with its own
# credentials, at QoS 1, on its own telemetry topic (the only one the ACL lets it write).
set -eu
host="${MQTT_HOST:-mosquitto}"
devices="${SIMULATOR_DEVICES:-4}"
interval="${SIMULATOR_INTERVAL_SECONDS:-5}"
: "${SIMULATOR_DEVICE_PASSWORD:?}"

tick=0
while true; do
  i=1
  while [ "$i" -le "$devices" ]; do
    payload="$(awk -v ts="$(date +%s)" -v i="$i" -v t="$tick" 'BEGIN {
      srand(ts * 100 + i);
      temp = 24 + (i % 3) + sin(t / 20) + rand() * 0.2;
      rh = 62 - (i % 4) + cos(t / 25) * 2 + rand() * 0.5;
      printf "{\"ts\": %d000, \"air_temperature\": %.2f, \"relative_humidity\": %.2f, \"co2\": %d, \"ppfd\": %.1f, ", ts, temp, rh, 800 + i * 20 + int(rand() * 30), 600 + rand() * 50;
      printf "\"units\": {\"air_temperature\": \"degC\", \"relative_humidity\": \"%%\", \"co2\": \"ppm\", \"ppfd\": \"umol/m2/s\"}}";
    }')"
    mosquitto_pub -h "$host" -p 1883 -q 1 -i "sim-$i" -u "sim-$i" -P "$SIMULATOR_DEVICE_PASSWORD" \
      -t "sites/sim/rooms/sim-room-$i/devices/sim-$i/telemetry" -m "$payload" || echo "sim-$i: publish failed" >&2
    i=$((i + 1))
  done
  tick=$((tick + 1))
  sleep "$interval"
done
