package io.fieldline.embedded;

/**
 * A PostgreSQL server this process runs ({@link PostgresServer} from zonky's binaries, or
 * {@link InstalledPostgresServer} from an installed PostgreSQL): an endpoint that can also be stopped and
 * started again on the same port with the same data.
 */
public interface LocalPostgres extends EmbeddedServer, PostgresEndpoint {}
