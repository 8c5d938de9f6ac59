package io.fieldline.app;

import io.fieldline.app.api.ApiTokens;
import java.io.PrintStream;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fieldline tokens create | list | revoke}: the HTTP API's client tokens, kept in PostgreSQL
 * ({@code api_token}) as SHA-256 hashes. The database is the one of {@code sink.postgres.*}, else the one of a
 * running {@code fieldline up} ({@code .fieldline/endpoints.env}).
 */
@Command(
        name = "tokens",
        mixinStandardHelpOptions = true,
        description = "Create, list and revoke the HTTP API's client tokens (docs/api.md).",
        subcommands = {TokensCommand.Create.class, TokensCommand.ListTokens.class, TokensCommand.Revoke.class})
public final class TokensCommand {

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = {
                "Create an API token and print it once, alone on standard output.",
                "Only its SHA-256 is stored: it cannot be shown again. Clients send it as Authorization: Bearer <token>."
            })
    static final class Create implements Callable<Integer> {
        @Option(
                names = "--scope",
                paramLabel = "SCOPE",
                required = true,
                description = "read (every GET of /api/v1) or ingest (POST /api/v1/measurements).")
        String scope;

        @Option(names = "--name", paramLabel = "NAME", description = "A display name (who holds the token).")
        String name;

        @Mixin
        DatabaseOptions database;

        @Override
        public Integer call() {
            ApiTokens.Scope parsed = ApiTokens.Scope.parse(scope);
            ApiTokens.Created created;
            try {
                created = database.open("fieldline-tokens", ApiTokens::new).create(parsed, name);
            } catch (SQLException e) {
                throw DevicesCommand.explain(e);
            }
            // The token alone on standard output, so that a script can capture it; everything else on stderr.
            System.out.println(created.token());
            System.out.flush();
            System.err.println("Token " + created.id() + " (" + parsed.text() + (name == null ? "" : ", " + name)
                    + ") printed once on standard output; only its hash is stored. Revoke it with: fieldline "
                    + "tokens revoke " + created.id());
            return 0;
        }
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List the API tokens: id, name, scope, created, last used, revoked (never the token).")
    static final class ListTokens implements Callable<Integer> {
        @Mixin
        DatabaseOptions database;

        @Override
        public Integer call() {
            List<ApiTokens.Token> tokens;
            try {
                tokens = database.open("fieldline-tokens", ApiTokens::new).list();
            } catch (SQLException e) {
                throw DevicesCommand.explain(e);
            }
            PrintStream out = System.out;
            out.printf("%-6s %-24s %-7s %-21s %-21s %-21s%n", "ID", "NAME", "SCOPE", "CREATED", "LAST-USED", "REVOKED");
            for (ApiTokens.Token token : tokens) {
                out.printf(
                        "%-6d %-24s %-7s %-21s %-21s %-21s%n",
                        token.id(),
                        token.name() == null ? "-" : token.name(),
                        token.scope().text(),
                        time(token.createdAt()),
                        time(token.lastUsedAt()),
                        time(token.revokedAt()));
            }
            return 0;
        }

        private static String time(Instant instant) {
            return instant == null
                    ? "-"
                    : instant.truncatedTo(ChronoUnit.SECONDS).toString();
        }
    }

    @Command(
            name = "revoke",
            mixinStandardHelpOptions = true,
            description = "Revoke an API token: every later request with it is refused with 401.")
    static final class Revoke implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "The token's id (fieldline tokens list).")
        long id;

        @Mixin
        DatabaseOptions database;

        @Override
        public Integer call() {
            boolean revoked;
            try {
                revoked = database.open("fieldline-tokens", ApiTokens::new).revoke(id);
            } catch (SQLException e) {
                throw DevicesCommand.explain(e);
            }
            System.out.println(revoked ? "Token " + id + " revoked" : "Token " + id + " was revoked already");
            return 0;
        }
    }
}
