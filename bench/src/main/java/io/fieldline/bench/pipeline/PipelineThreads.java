package io.fieldline.bench.pipeline;

import java.util.List;
import java.util.Locale;

/**
 * Which component of a whole-pipeline process a thread works for, from its name: the components name their threads
 * (or their Kafka clients, whose I/O threads carry the client id) after themselves; the embedded servers' threads
 * have their own families. A name no rule knows is reported as its own group, digits folded, so it shows up instead of
 * hiding in a catch-all.
 */
public final class PipelineThreads {

    private record Rule(String component, List<String> fragments) {}

    // Order matters: the first rule with a fragment found in the (lower-case) name wins.
    private static final List<Rule> RULES = List.of(
            new Rule("bench: probes and samplers", List.of("bench-probe", "bench-")),
            new Rule("MQTT bridge", List.of("fieldline-mqtt", "fieldline-bridge")),
            new Rule("streams: readings (enrichment, aggregates)", List.of("-readings-", "fieldline-readings")),
            new Rule("streams: alerts", List.of("-alerts-", "fieldline-alerts")),
            new Rule("streams: anomalies", List.of("-anomalies-", "fieldline-anomalies")),
            new Rule("streams: kpis", List.of("-kpis-", "fieldline-kpis")),
            new Rule("sink: postgres", List.of("postgres", "fieldline-sink", "partition-maintenance", "hikari")),
            new Rule("sink: redis", List.of("redis", "lettuce")),
            new Rule("CDC (Debezium)", List.of("cdc", "debezium", "blc-", "pgconnection")),
            new Rule(
                    "simulator (load)",
                    List.of(
                            "simulator",
                            "mqtt rec: ",
                            "mqtt snd: ",
                            "mqtt call: ",
                            "mqtt ping: ",
                            "mqtt con: ",
                            "mqtt disc: ")),
            new Rule(
                    "MQTT broker (HiveMQ CE)",
                    List.of("hivemq", "single-writer", "eventloop", "persistence", "netty", "exodus")),
            new Rule("Schema Registry", List.of("registry", "httpserver", "http-dispatcher")),
            new Rule(
                    "Kafka broker (KRaft)",
                    List.of(
                            "kafka-request-handler",
                            "data-plane",
                            "kafka-network",
                            "raft",
                            "quorum",
                            "controller",
                            "broker-",
                            "kafka-scheduler",
                            "expirationreaper",
                            "group-coordinator",
                            "share-coordinator",
                            "transaction",
                            "txnmarker",
                            "log-cleaner",
                            "logdirfailure",
                            "replicafetcher",
                            "metadata",
                            "kafka-log",
                            "socket-server",
                            "executor-",
                            "kafka-",
                            "event-handler",
                            "processor-",
                            "acceptor",
                            "addpartitionstotxn",
                            "metrics-meter-tick")),
            new Rule("pipeline runtime (supervisor, health, lag, ops)", List.of("fieldline-")));

    private PipelineThreads() {}

    /** The component a thread of this name works for. */
    public static String component(String threadName) {
        String name = threadName.toLowerCase(Locale.ROOT);
        // A Paho thread names its client: the bridge's client ids start with fieldline-bridge.
        if (name.startsWith("mqtt ") && name.contains("fieldline")) {
            return "MQTT bridge";
        }
        // A Kafka client's I/O thread names its client id after '|'.
        int bar = name.indexOf('|');
        String owner = bar >= 0 ? name.substring(bar + 1).trim() : name;
        for (Rule rule : RULES) {
            for (String fragment : rule.fragments()) {
                if (owner.contains(fragment)) {
                    return rule.component();
                }
            }
        }
        return "other: " + threadName.replaceAll("[0-9]+", "N");
    }
}
