package io.fieldline.testing;

import io.fieldline.schemas.TopicNames;
import java.util.UUID;

/** Unique names, so that test classes sharing the embedded servers never see each other's data. */
public final class TestNames {

    private TestNames() {}

    /** {@code prefix} and eight random hex digits: {@code dlq-1a2b3c4d}. */
    public static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The topic names under a unique prefix: {@code canit-1a2b3c4d.telemetry.readings}, ... */
    public static TopicNames topicNames(String prefix) {
        return new TopicNames(unique(prefix) + ".");
    }
}
