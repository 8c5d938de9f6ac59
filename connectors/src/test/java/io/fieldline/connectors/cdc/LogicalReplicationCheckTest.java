package io.fieldline.connectors.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LogicalReplicationCheckTest {

    @Test
    void shouldAcceptAServerSetUpForLogicalReplication() {
        assertThat(LogicalReplicationCheck.problems(
                        new LogicalReplicationCheck.Settings("logical", 10, 10, "postgres", true)))
                .isEmpty();
    }

    @Test
    void shouldNameWalLevelAndTheValueItMustHave() {
        List<String> problems = LogicalReplicationCheck.problems(
                new LogicalReplicationCheck.Settings("replica", 10, 10, "postgres", true));

        assertThat(problems)
                .singleElement()
                .satisfies(problem -> assertThat(problem)
                        .contains("wal_level is 'replica'")
                        .contains("must be 'logical'")
                        .contains("restart"));
    }

    @Test
    void shouldNameEveryMissingSetting() {
        List<String> problems =
                LogicalReplicationCheck.problems(new LogicalReplicationCheck.Settings("minimal", 0, 0, "app", false));

        assertThat(problems).hasSize(4);
        assertThat(String.join("\n", problems))
                .contains("wal_level")
                .contains("max_replication_slots is 0")
                .contains("max_wal_senders is 0")
                .contains("ALTER ROLE \"app\" WITH REPLICATION");
    }

    @Test
    void shouldPutEveryProblemInTheExceptionMessage() {
        LogicalReplicationNotConfiguredException e = new LogicalReplicationNotConfiguredException(
                "jdbc:postgresql://db:5432/fieldline", List.of("wal_level is 'replica' but must be 'logical'"));

        assertThat(e)
                .hasMessageContaining("jdbc:postgresql://db:5432/fieldline")
                .hasMessageContaining("wal_level is 'replica' but must be 'logical'");
    }
}
