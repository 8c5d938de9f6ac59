package io.fieldline.sink;

import static io.fieldline.testing.Records.T0;
import static io.fieldline.testing.Sql.names;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.PostgresServer;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import io.fieldline.schemas.avro.Reading;
import io.fieldline.sink.testing.KafkaFixture;
import io.fieldline.testing.Records;
import io.fieldline.testing.TestDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A dedicated PostgreSQL server frozen with SIGSTOP (every process of it: connections stay open, nothing
 * answers), the worst way a database can fail: the sink must notice through its timeouts, report itself
 * retrying, stay in its consumer group, and write everything exactly once after SIGCONT.
 */
@ExtendWith(EmbeddedStackExtension.class)
class PostgresHangIT {

    private static final int PER_ROUND = 200;

    @Test
    void shouldReportAHungDatabaseStayInTheGroupAndCatchUpOnceItAnswersAgain(EmbeddedStack stack) throws Exception {
        try (PostgresServer postgres = new PostgresServer();
                KafkaFixture kafka = new KafkaFixture(stack);
                Admin admin = Admin.create(Map.of(
                        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                        stack.kafka().bootstrapServers()))) {
            postgres.start();
            TestDatabases.TestDatabase database = TestDatabases.create(postgres);
            Map<String, Object> props = new HashMap<>(kafka.sinkProperties());
            props.putAll(database.properties("sink.postgres."));
            props.put(SinkConfig.POSTGRES_STREAMS, "measurements");
            props.put(SinkConfig.BATCH_SIZE, "50");
            props.put(SinkConfig.POSTGRES_CONNECT_TIMEOUT_MS, "1000");
            props.put(SinkConfig.POSTGRES_STATEMENT_TIMEOUT_MS, "1000");
            props.put(SinkConfig.POSTGRES_SOCKET_TIMEOUT_MS, "3000");
            // shorter than the socket timeout: only polling while the write hangs keeps the worker in the group
            props.put(io.fieldline.core.kafka.KafkaClientConfig.CONSUMER_PREFIX + "max.poll.interval.ms", "2000");
            SinkConfig config = new SinkConfig(props);
            String group = config.groupId(PostgresSinkService.SINK, SinkStream.MEASUREMENTS);
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            try (PostgresSinkService sink = new PostgresSinkService(config, kafka.registry(), meters)) {
                sink.start();
                DataSource ds = database.dataSource();
                kafka.send(kafka.topics().enrichedReadings(), round(0), Reading::getDeviceId);
                await().atMost(Duration.ofSeconds(30)).until(() -> count(ds) == PER_ROUND);
                Set<String> members = members(admin, group);
                assertThat(members).hasSize(1);

                List<ProcessHandle> frozen = postgresProcesses(postgres);
                assertThat(frozen).isNotEmpty();
                signal("STOP", frozen);
                try {
                    kafka.send(kafka.topics().enrichedReadings(), round(1), Reading::getDeviceId);
                    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                        assertThat(sink.workerStates()).containsEntry(SinkStream.MEASUREMENTS, WorkerState.RETRYING);
                        assertThat(meters.get("fieldline.sink.failing")
                                        .tag("sink", "postgres")
                                        .gauge()
                                        .value())
                                .isEqualTo(1.0);
                    });
                    // hung for longer than max.poll.interval.ms, and for several attempts
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (System.nanoTime() < until) {
                        assertThat(members(admin, group))
                                .as("group members while the database hangs")
                                .isEqualTo(members);
                        Thread.sleep(500);
                    }
                    assertThat(meters.get("fieldline.sink.retries")
                                    .tag("sink", "postgres")
                                    .counter()
                                    .count())
                            .isGreaterThanOrEqualTo(2);
                } finally {
                    signal("CONT", frozen);
                }

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    assertThat(count(ds)).isEqualTo(2 * PER_ROUND);
                    assertThat(sink.workerStates()).containsEntry(SinkStream.MEASUREMENTS, WorkerState.RUNNING);
                });
                assertThat(names(ds, "SELECT count(DISTINCT (device_id, sensor, time)) FROM measurement"))
                        .containsExactly(String.valueOf(2 * PER_ROUND));
                assertThat(sink.summary().deadLetters()).isZero();
                assertThat(members(admin, group)).isEqualTo(members);
            }
        }
    }

    private static List<Reading> round(int round) {
        List<Reading> readings = new ArrayList<>();
        for (int i = 0; i < PER_ROUND; i++) {
            int n = round * PER_ROUND + i;
            readings.add(Records.reading("dev-" + (n % 5), "air_temperature", T0.plusMillis(n), n));
        }
        return readings;
    }

    /** The server's processes: those started with its data directory, and their children (the backends). */
    private static List<ProcessHandle> postgresProcesses(PostgresServer server) {
        String pgdata = server.dataDir().resolve("pgdata").toString();
        List<ProcessHandle> roots = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(pgdata)).orElse(false))
                .toList();
        Set<ProcessHandle> all = new HashSet<>(roots);
        roots.forEach(p -> p.descendants().forEach(all::add));
        return List.copyOf(all);
    }

    private static void signal(String signal, List<ProcessHandle> processes) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        processes.forEach(p -> command.add(Long.toString(p.pid())));
        Process kill = new ProcessBuilder(command).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }

    private static Set<String> members(Admin admin, String group) throws Exception {
        ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group))
                .describedGroups()
                .get(group)
                .get(10, TimeUnit.SECONDS);
        return description.members().stream().map(MemberDescription::consumerId).collect(Collectors.toSet());
    }

    private static long count(DataSource ds) {
        try {
            return Long.parseLong(names(ds, "SELECT count(*) FROM measurement").get(0));
        } catch (java.sql.SQLException e) {
            return -1;
        }
    }
}
