package io.fieldline.app.service;

import java.util.Objects;

/**
 * What a component says about itself.
 *
 * @param status what it reports
 * @param detail a short explanation for operators
 * @param failed whether it can no longer recover by itself: the supervisor closes it and starts a new one
 */
public record Health(Status status, String detail, boolean failed) {

    public Health {
        Objects.requireNonNull(status, "status");
        detail = detail == null ? "" : detail;
    }

    public static Health up(String detail) {
        return new Health(Status.UP, detail, false);
    }

    public static Health degraded(String detail) {
        return new Health(Status.DEGRADED, detail, false);
    }

    /** Not working, but expected to recover by itself (a store it retries against is down). */
    public static Health down(String detail) {
        return new Health(Status.DOWN, detail, false);
    }

    /** Not working and will not recover: restart it. */
    public static Health failed(String detail) {
        return new Health(Status.DOWN, detail, true);
    }
}
