package io.fieldline.embedded.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityResult;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;

/**
 * The Confluent compatibility levels, checked with Avro's own {@link SchemaCompatibility}.
 *
 * <p>BACKWARD: consumers on the new schema read data written with the old one (the new schema is the
 * reader). FORWARD: consumers on the old schema read data written with the new one. FULL: both. The
 * {@code _TRANSITIVE} variants check against every earlier version, the others only against the latest.
 */
public enum CompatibilityLevel {
    NONE(false, false, false),
    BACKWARD(true, false, false),
    BACKWARD_TRANSITIVE(true, false, true),
    FORWARD(false, true, false),
    FORWARD_TRANSITIVE(false, true, true),
    FULL(true, true, false),
    FULL_TRANSITIVE(true, true, true);

    private final boolean backward;
    private final boolean forward;
    private final boolean transitive;

    CompatibilityLevel(boolean backward, boolean forward, boolean transitive) {
        this.backward = backward;
        this.forward = forward;
        this.transitive = transitive;
    }

    /**
     * @param name a level name in any case
     * @return the level
     * @throws RegistryException 42203 if there is no such level
     */
    static CompatibilityLevel parse(String name) {
        if (name == null) {
            throw RegistryException.invalidCompatibilityLevel("null");
        }
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw RegistryException.invalidCompatibilityLevel(name);
        }
    }

    /** @return whether the check runs against every earlier version rather than only the latest */
    public boolean isTransitive() {
        return transitive;
    }

    /**
     * Checks a candidate against earlier versions, oldest first; only the last one unless the level is transitive.
     *
     * @param candidate the schema to register
     * @param existing  the subject's live versions, oldest first
     * @return the reasons it is incompatible; empty when compatible
     */
    public List<String> check(Schema candidate, List<Schema> existing) {
        if (existing.isEmpty() || this == NONE) {
            return List.of();
        }
        List<Schema> against = transitive ? existing : List.of(existing.get(existing.size() - 1));
        List<String> problems = new ArrayList<>();
        for (Schema previous : against) {
            problems.addAll(checkPair(candidate, previous));
        }
        return problems;
    }

    /**
     * Checks a candidate against one earlier schema in the direction(s) of this level.
     *
     * @param candidate the new schema
     * @param previous  the earlier schema
     * @return the reasons it is incompatible; empty when compatible
     */
    public List<String> checkPair(Schema candidate, Schema previous) {
        List<String> problems = new ArrayList<>();
        if (backward) {
            problems.addAll(
                    describe("BACKWARD", SchemaCompatibility.checkReaderWriterCompatibility(candidate, previous)));
        }
        if (forward) {
            problems.addAll(
                    describe("FORWARD", SchemaCompatibility.checkReaderWriterCompatibility(previous, candidate)));
        }
        return problems;
    }

    private static List<String> describe(String direction, SchemaPairCompatibility pair) {
        SchemaCompatibilityResult result = pair.getResult();
        if (result.getCompatibility() == SchemaCompatibilityType.COMPATIBLE) {
            return List.of();
        }
        List<String> problems = new ArrayList<>();
        result.getIncompatibilities()
                .forEach(incompatibility -> problems.add(direction + ": " + incompatibility.getType() + " at '"
                        + incompatibility.getLocation() + "': " + incompatibility.getMessage()));
        if (problems.isEmpty()) {
            problems.add(direction + ": " + pair.getDescription());
        }
        return problems;
    }
}
