package io.fieldline.topologies.alert;

import java.util.Objects;

/**
 * A selector pattern where {@code *} matches any run of characters (also none) and every other
 * character matches itself, case-sensitively. No regular expressions: device ids may contain
 * dots, brackets and the like, which must stay literal.
 */
final class Wildcard {

    private final String pattern;

    Wildcard(String pattern) {
        this.pattern = Objects.requireNonNull(pattern, "pattern");
    }

    boolean isMatchAll() {
        return pattern.equals("*");
    }

    boolean matches(String text) {
        if (text == null) {
            return false;
        }
        // Linear-time glob matching: remember the last star and retry from one character further.
        int p = 0;
        int t = 0;
        int star = -1;
        int starText = 0;
        while (t < text.length()) {
            if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                starText = t;
            } else if (p < pattern.length() && pattern.charAt(p) == text.charAt(t)) {
                p++;
                t++;
            } else if (star >= 0) {
                p = star + 1;
                t = ++starText;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }

    @Override
    public String toString() {
        return pattern;
    }
}
