package io.fieldline.embedded;

import java.util.Objects;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/** Where clients reach PostgreSQL: a {@link PostgresServer} started here, or an external server. */
public interface PostgresEndpoint {

    /** @return the JDBC URL of the application database */
    String jdbcUrl();

    /** @return the user to connect as */
    String user();

    /** @return that user's password */
    String password();

    /** @return a plain, non-pooling DataSource on {@link #jdbcUrl()} */
    DataSource dataSource();

    /**
     * @param jdbcUrl  the external server's JDBC URL ({@code jdbc:postgresql:...})
     * @param user     the user to connect as
     * @param password that user's password
     * @return an endpoint for a server this process neither starts nor stops
     */
    static PostgresEndpoint external(String jdbcUrl, String user, String password) {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        return new PostgresEndpoint() {
            @Override
            public String jdbcUrl() {
                return jdbcUrl;
            }

            @Override
            public String user() {
                return user;
            }

            @Override
            public String password() {
                return password;
            }

            @Override
            public DataSource dataSource() {
                PGSimpleDataSource dataSource = new PGSimpleDataSource();
                dataSource.setURL(jdbcUrl);
                dataSource.setUser(user);
                dataSource.setPassword(password);
                return dataSource;
            }

            @Override
            public String toString() {
                return "external PostgreSQL " + jdbcUrl;
            }
        };
    }
}
