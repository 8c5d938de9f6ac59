package io.fieldline.dev.up;

import io.fieldline.app.api.ApiTokens;
import io.fieldline.app.service.Component;
import io.fieldline.app.service.ServiceComponents;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code fieldline up}'s tokens for the HTTP API: one of scope read and one of scope ingest, issued once the
 * migrations ran and written to a 0600 file ({@code API_READ_TOKEN=...}, {@code API_INGEST_TOKEN=...}) that
 * endpoints.env names as {@code API_TOKENS_FILE}. Never printed or logged; each run issues new ones and revokes the
 * previous run's.
 */
final class ApiDemoTokens {

    /** The file's name in the data directory. */
    static final String FILE = "api-tokens.env";

    static final String READ_NAME = "fieldline up (read)";
    static final String INGEST_NAME = "fieldline up (ingest)";

    private ApiDemoTokens() {}

    static Component component(UpContext context, Path file) {
        Map<String, Object> summary = new LinkedHashMap<>();
        return ServiceComponents.of(
                "api-tokens",
                () -> {
                    ApiTokens tokens = new ApiTokens(
                            context.stack().postgres().dataSource(),
                            SinkComponents.config(context).schema());
                    // An earlier run's tokens (the database outlives the run) stop working: only this run's file
                    // holds valid ones.
                    int revoked = tokens.revokeNamed(READ_NAME) + tokens.revokeNamed(INGEST_NAME);
                    String read = tokens.create(ApiTokens.Scope.READ, READ_NAME).token();
                    String ingest =
                            tokens.create(ApiTokens.Scope.INGEST, INGEST_NAME).token();
                    summary.put("API tokens of earlier runs revoked", revoked);
                    write(
                            file,
                            "# Written by fieldline up: tokens of the HTTP API at API_URL (docs/api.md). Revoke them "
                                    + "with fieldline tokens revoke.\nAPI_READ_TOKEN=" + read + "\nAPI_INGEST_TOKEN="
                                    + ingest + "\n");
                    summary.put("API tokens file", file.toString());
                },
                () -> {},
                () -> summary);
    }

    private static void write(Path file, String text) throws java.io.IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
