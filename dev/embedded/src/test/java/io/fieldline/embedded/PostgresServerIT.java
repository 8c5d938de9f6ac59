package io.fieldline.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** A dedicated server (never the shared one) because this test stops and restarts it. */
class PostgresServerIT {

    @Test
    void shouldKeepRowsAndPortAcrossStopAndStartAndDeleteItsDataOnClose() throws Exception {
        PostgresServer server = new PostgresServer();
        try {
            server.start();
            String url = server.jdbcUrl();
            try (Connection connection = server.dataSource().getConnection();
                    Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE survivors (name text PRIMARY KEY)");
                statement.execute("INSERT INTO survivors VALUES ('before-restart')");
            }

            server.stop();
            assertThat(server.isRunning()).isFalse();
            assertThatThrownBy(() -> server.dataSource().getConnection().close())
                    .isInstanceOf(SQLException.class);

            server.start();
            assertThat(server.jdbcUrl()).isEqualTo(url);
            try (Connection connection = server.dataSource().getConnection();
                    Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT name FROM survivors")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).isEqualTo("before-restart");
            }
        } finally {
            server.close();
        }
        assertThat(Files.exists(server.dataDir())).isFalse();
    }
}
