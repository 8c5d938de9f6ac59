package io.fieldline.topologies.support;

import io.fieldline.topologies.internal.ProcessorCounter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/** Topology-description and metric checks shared by the tests. */
public final class TopologyNames {

    // Kafka's generated names look like KSTREAM-SOURCE-0000000001 or KTABLE-...-STATE-STORE-0000000003.
    private static final Pattern GENERATED = Pattern.compile("\\b(KSTREAM|KTABLE)-[A-Z-]+-\\d{10}\\b");

    private TopologyNames() {}

    public static List<String> generatedNames(String description) {
        List<String> names = new ArrayList<>();
        Matcher matcher = GENERATED.matcher(description);
        while (matcher.find()) {
            names.add(matcher.group());
        }
        return names;
    }

    /** Sum over all threads and processors of a Fieldline counter's {@code -total} metric. */
    public static double metricTotal(Map<MetricName, ? extends Metric> metrics, String operation) {
        double total = 0;
        for (Map.Entry<MetricName, ? extends Metric> entry : metrics.entrySet()) {
            MetricName name = entry.getKey();
            if (name.group().equals("stream-" + ProcessorCounter.SCOPE + "-metrics")
                    && name.name().equals(operation + "-total")) {
                total += ((Number) entry.getValue().metricValue()).doubleValue();
            }
        }
        return total;
    }
}
