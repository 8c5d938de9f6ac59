package io.fieldline.can.dbc;

import java.util.Objects;

/**
 * An environment variable ({@code EV_}): kept by name and comment only; its other fields are skipped.
 *
 * @param name    variable name
 * @param comment {@code CM_ EV_} text, or null
 */
public record EnvironmentVariable(String name, String comment) {
    public EnvironmentVariable {
        Objects.requireNonNull(name, "name");
    }
}
