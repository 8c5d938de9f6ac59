package io.fieldline.embedded;

import java.nio.file.Path;
import java.util.Map;

/**
 * Starts a PostgreSQL and a Redis server, prints {@code READY <redis url>} and waits to be killed: the JVM that
 * {@link ChildServersDieWithTheirParentIT} kills with SIGKILL, as a user kills {@code fieldline up}.
 */
public final class ServersUntilKilledMain {

    private ServersUntilKilledMain() {}

    /** @param args the base directory of the servers' data */
    public static void main(String[] args) throws Exception {
        Path base = Path.of(args[0]);
        PostgresServer postgres = new PostgresServer(base.resolve("pg"), Map.of());
        RedisServer redis = new RedisServer(base.resolve("redis"));
        postgres.start();
        redis.start();
        System.out.println("READY " + redis.url());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
