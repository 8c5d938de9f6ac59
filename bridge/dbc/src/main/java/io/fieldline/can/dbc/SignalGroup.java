package io.fieldline.can.dbc;

import java.util.List;
import java.util.Objects;

/**
 * A {@code SIG_GROUP_} entry: signals of one message that belong together.
 *
 * @param name        group name
 * @param repetitions the repetitions field as written
 * @param signalNames member signals
 */
public record SignalGroup(String name, int repetitions, List<String> signalNames) {
    public SignalGroup {
        Objects.requireNonNull(name, "name");
        signalNames = List.copyOf(signalNames);
    }
}
