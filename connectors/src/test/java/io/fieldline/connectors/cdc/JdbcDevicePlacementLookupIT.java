package io.fieldline.connectors.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.fieldline.embedded.EmbeddedStack;
import io.fieldline.embedded.junit.EmbeddedStackExtension;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The placement query against a real PostgreSQL whose server ends the lookup's connection. */
@ExtendWith(EmbeddedStackExtension.class)
class JdbcDevicePlacementLookupIT {

    private CdcTestDatabase db;
    private String name;
    private String url;
    private EmbeddedStack stack;

    @BeforeEach
    void setUp(EmbeddedStack stack) {
        this.stack = stack;
        name = "placement_it_" + UUID.randomUUID().toString().substring(0, 8);
        db = new CdcTestDatabase(
                        stack.postgres().jdbcUrl(),
                        stack.postgres().user(),
                        stack.postgres().password(),
                        name)
                .create();
        db.execute("INSERT INTO facility (facility_id, name) VALUES ('farm-1', 'North farm');"
                + "INSERT INTO room (room_id, facility_id, name) VALUES ('veg-a', 'farm-1', 'Veg A');"
                + "INSERT INTO rack (rack_id, room_id) VALUES ('rack-1', 'veg-a')");
        url = stack.postgres().jdbcUrl() + (stack.postgres().jdbcUrl().contains("?") ? "&" : "?") + "ApplicationName="
                + name;
    }

    @AfterEach
    void tearDown() {
        db.close();
    }

    @Test
    void shouldAnswerOnANewConnectionWhenTheServerEndedTheOldOne() {
        try (JdbcDevicePlacementLookup lookup = new JdbcDevicePlacementLookup(
                url, stack.postgres().user(), stack.postgres().password(), name)) {
            assertThat(lookup.place("veg-a", null)).isEqualTo(new DevicePlacement("farm-1", "veg-a"));
            assertThat(db.queryString(
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                    + "WHERE application_name = ?",
                            name))
                    .as("lookup connections ended")
                    .isEqualTo("1");

            // the first attempt fails on the dead connection; the retry connects again
            assertThat(lookup.place(null, "rack-1")).isEqualTo(new DevicePlacement("farm-1", "veg-a"));
        }
    }
}
