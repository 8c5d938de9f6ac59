package io.fieldline.app.service;

import java.util.regex.Pattern;

/**
 * Removes secrets from text meant for {@code /health} and logs: exception messages of drivers and clients can carry
 * a URL with its password ({@code jdbc:postgresql://h/db?password=...}, {@code redis://:secret@host}).
 */
public final class Redaction {

    private static final Pattern QUERY_SECRET =
            Pattern.compile("(?i)((?:password|passwd|pwd|secret|token|sslpassword)=)[^&;\\s]*");
    private static final Pattern USER_INFO = Pattern.compile("(://[^/@\\s:]*):[^/@\\s]*@");

    private Redaction() {}

    /** The text with every password-like URL parameter and URL user-info password replaced by {@code ***}. */
    public static String redact(String text) {
        if (text == null) {
            return null;
        }
        String out = QUERY_SECRET.matcher(text).replaceAll("$1***");
        return USER_INFO.matcher(out).replaceAll("$1:***@");
    }
}
