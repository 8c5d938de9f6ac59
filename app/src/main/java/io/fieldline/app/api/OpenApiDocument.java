package io.fieldline.app.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The OpenAPI 3 description of the API, {@code openapi.json} beside this class, written by hand and served at
 * {@code /openapi.json}. {@code OpenApiRoutesTest} keeps it and {@link ApiRoute} in step.
 */
public final class OpenApiDocument {

    private OpenApiDocument() {}

    /** The document's bytes (UTF-8 JSON). */
    public static byte[] bytes() {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream("openapi.json")) {
            if (in == null) {
                throw new IllegalStateException("openapi.json is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
