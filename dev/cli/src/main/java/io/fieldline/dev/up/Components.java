package io.fieldline.dev.up;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.function.Supplier;

/** Small adapters from module services to {@link PipelineComponent}. */
final class Components {

    /** Something that starts. */
    @FunctionalInterface
    interface Start {
        void run() throws Exception;
    }

    private Components() {}

    static PipelineComponent of(String name, Start start, Runnable close, Supplier<Map<String, Object>> summary) {
        return new PipelineComponent() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void start() throws Exception {
                start.run();
            }

            @Override
            public Map<String, Object> summary() {
                return summary.get();
            }

            @Override
            public void close() {
                close.run();
            }
        };
    }

    /** Sum of every counter of that name, whatever its tags. */
    static long count(MeterRegistry meters, String name) {
        return (long) meters.find(name).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }
}
