package io.fieldline.app.service;

/**
 * Removes secrets from text meant for {@code /health} and logs: exception messages of drivers and clients can carry
 * a URL with its password ({@code jdbc:postgresql://h/db?password=...}, {@code redis://:secret@host}). The rules
 * live in {@link io.fieldline.core.net.Redaction}, which every module uses.
 */
public final class Redaction {

    private Redaction() {}

    /** The text with every password-like URL parameter and URL user-info password replaced by {@code ***}. */
    public static String redact(String text) {
        return io.fieldline.core.net.Redaction.redact(text);
    }
}
