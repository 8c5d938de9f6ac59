#!/bin/bash
# Creates the topics of Fieldline's public contract when they are missing, as `fieldline up`'s TopicProvisioner does
# (ComposeFileTest checks that the TOPIC lines below are its topics, with the same partitions and cleanup policy):
# data topics with TOPICS_PARTITIONS partitions, metadata topics with one partition and compacted, dead-letter
# topics with one partition. Every topic gets TOPICS_REPLICATION_FACTOR replicas and min.insync.replicas
# TOPICS_MIN_INSYNC_REPLICAS. Existing topics are left as they are: changing partitions remaps keys, an operator's
# decision (docs/deployment.md).
set -euo pipefail

bootstrap="${BOOTSTRAP_SERVERS:?}"
partitions="${TOPICS_PARTITIONS:-6}"
replicas="${TOPICS_REPLICATION_FACTOR:-3}"
min_isr="${TOPICS_MIN_INSYNC_REPLICAS:-2}"
prefix="${TOPICS_PREFIX:-}"

# TOPIC <name> <data|metadata|deadletter>
topics=(
  "TOPIC telemetry.readings data"
  "TOPIC telemetry.readings.enriched data"
  "TOPIC telemetry.readings.late data"
  "TOPIC telemetry.aggregates.1m data"
  "TOPIC telemetry.aggregates.1h data"
  "TOPIC telemetry.alerts data"
  "TOPIC telemetry.anomalies data"
  "TOPIC telemetry.kpis data"
  "TOPIC can.frames data"
  "TOPIC metadata.devices metadata"
  "TOPIC metadata.sensors metadata"
  "TOPIC metadata.alert-rules metadata"
  "TOPIC deadletter.mqtt deadletter"
  "TOPIC deadletter.can deadletter"
  "TOPIC deadletter.streams deadletter"
  "TOPIC deadletter.sink deadletter"
  "TOPIC deadletter.cdc deadletter"
  "TOPIC deadletter.csv deadletter"
  "TOPIC deadletter.http deadletter"
)

for line in "${topics[@]}"; do
  read -r _ name kind <<< "$line"
  case "$kind" in
    data) count="$partitions"; configs=() ;;
    metadata) count=1; configs=(--config cleanup.policy=compact) ;;
    deadletter) count=1; configs=() ;;
  esac
  /opt/kafka/bin/kafka-topics.sh --bootstrap-server "$bootstrap" --create --if-not-exists \
    --topic "${prefix}${name}" --partitions "$count" --replication-factor "$replicas" \
    --config "min.insync.replicas=${min_isr}" "${configs[@]}"
done
/opt/kafka/bin/kafka-topics.sh --bootstrap-server "$bootstrap" --describe --topic "${prefix}telemetry.readings"
