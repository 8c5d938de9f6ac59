package io.fieldline.topologies.aggregate;

import io.fieldline.schemas.avro.Aggregate;
import io.fieldline.schemas.avro.Reading;

/** What the window aggregator emits; the topology routes each kind to its topic. */
sealed interface WindowOutput {

    /** A closed small (one-minute) window. */
    record Window(Aggregate aggregate) implements WindowOutput {
    }

    /** A closed rollup (one-hour) window. */
    record Rollup(Aggregate aggregate) implements WindowOutput {
    }

    /** A reading that arrived after its window closed. */
    record Late(Reading reading) implements WindowOutput {
    }
}
