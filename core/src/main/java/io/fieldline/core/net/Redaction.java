package io.fieldline.core.net;

import java.util.regex.Pattern;

/**
 * Removes secrets from text meant for logs, error messages and {@code /health}: URLs can carry a password in their
 * user-info ({@code redis://user:secret@host}, {@code jdbc:postgresql://user:secret@host/db}; Redis also takes
 * {@code redis://secret@host}) or in a parameter ({@code ?password=...}), and exception messages of drivers and
 * clients repeat them.
 */
public final class Redaction {

    private static final Pattern QUERY_SECRET =
            Pattern.compile("(?i)((?:password|passwd|pwd|secret|token|sslpassword|sslkeypassword)=)[^&;\\s]*");
    /** user:password@ after a scheme: the password goes. */
    private static final Pattern USER_AND_PASSWORD = Pattern.compile("(://[^/@\\s:]*):[^/@\\s]*@");
    /** A lone user-info of a Redis URL is a password (Lettuce reads redis://secret@host so). */
    private static final Pattern REDIS_LONE_USER_INFO = Pattern.compile("(?i)(rediss?(?:-sentinel)?://)[^/@\\s:]+@");

    private Redaction() {}

    /** The text with every password-like URL parameter and URL user-info password replaced by {@code ***}. */
    public static String redact(String text) {
        if (text == null) {
            return null;
        }
        String out = QUERY_SECRET.matcher(text).replaceAll("$1***");
        out = USER_AND_PASSWORD.matcher(out).replaceAll("$1:***@");
        return REDIS_LONE_USER_INFO.matcher(out).replaceAll("$1***@");
    }
}
